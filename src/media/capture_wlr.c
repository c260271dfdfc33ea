/* wlr-screencopy client: asks for each frame with copy_with_damage, which the compositor
 * answers only when something changed, so an idle desktop costs nothing. SHM buffers
 * here (no DMA-BUF without a GPU); the Wayland fd is watched from the GLib loop. */
#define LOG_MODULE "capture"
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include "log.h"
#include "media/capture.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"

#define MAX_FAILURES        5
#define RETRY_MS            100
#define DRM_FORMAT_ARGB8888 0x34325241 /* 'AR24' */
#define DRM_FORMAT_XRGB8888 0x34325258 /* 'XR24' */

struct shm_buffer {
	struct wl_buffer *buffer;
	void *data;
	size_t size;
	uint32_t width, height, stride, format; /* format: wl_shm */
};

struct capture_wlr {
	struct capture base;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_shm *shm;
	struct wl_output *output;
	struct zwlr_screencopy_manager_v1 *manager;
	uint32_t version;
	guint fd_watch;
	guint retry;

	struct zwlr_screencopy_frame_v1 *frame;
	struct shm_buffer buf;
	uint32_t want_format, want_width, want_height, want_stride;
	bool have_shm_format;
	uint32_t dmabuf_format; /* offered by screencopy v3, 0 if none */
	/* What the encoder imports zero-copy: empty while only software encoders exist. */
	struct capture_import import;
	uint32_t flags;
	struct capture_frame out;
	unsigned failures;
	bool closed;
};

static void request_frame(struct capture_wlr *c);

static void close_with(struct capture_wlr *c, const char *reason)
{
	if (c->closed)
		return;
	c->closed = true;
	if (c->fd_watch) {
		g_source_remove(c->fd_watch);
		c->fd_watch = 0;
	}
	c->base.listener->closed(c->base.data, reason);
}

static void buffer_free(struct shm_buffer *b)
{
	if (b->buffer)
		wl_buffer_destroy(b->buffer);
	if (b->data)
		munmap(b->data, b->size);
	*b = (struct shm_buffer){0};
}

static bool buffer_make(struct capture_wlr *c)
{
	struct shm_buffer *b = &c->buf;
	struct wl_shm_pool *pool;
	int fd;

	if (b->buffer && b->width == c->want_width && b->height == c->want_height &&
	    b->stride == c->want_stride && b->format == c->want_format)
		return true;
	buffer_free(b);
	b->size = (size_t)c->want_stride * c->want_height;
	fd = memfd_create("wayrtc-screencopy", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)b->size) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	b->data = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b->data == MAP_FAILED) {
		b->data = NULL;
		close(fd);
		return false;
	}
	pool = wl_shm_create_pool(c->shm, fd, (int32_t)b->size);
	b->buffer =
	        wl_shm_pool_create_buffer(pool, 0, (int32_t)c->want_width, (int32_t)c->want_height,
	                                  (int32_t)c->want_stride, c->want_format);
	wl_shm_pool_destroy(pool);
	close(fd);
	b->width = c->want_width;
	b->height = c->want_height;
	b->stride = c->want_stride;
	b->format = c->want_format;
	return true;
}

static void start_copy(struct capture_wlr *c)
{
	struct capture_offer offer = {c->have_shm_format, c->dmabuf_format};

	switch (capture_choose_buffer(&offer, &c->import)) {
	case CAPTURE_BUFFER_NONE:
		close_with(c, "the compositor offers no shared-memory format for screencopy");
		return;
	case CAPTURE_BUFFER_DMABUF:
		/* not reached yet: no encoder declares DMA-BUF import (c->import stays empty)
		 * until a hardware encoder path exists; then a GBM buffer goes here. */
	case CAPTURE_BUFFER_SHM:
		break;
	}
	if (!buffer_make(c)) {
		close_with(c, "out of memory for a screen buffer");
		return;
	}
	zwlr_screencopy_frame_v1_copy_with_damage(c->frame, c->buf.buffer);
	wl_display_flush(c->display);
}

static void frame_buffer(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
                         uint32_t width, uint32_t height, uint32_t stride)
{
	struct capture_wlr *c = data;

	c->want_format = format;
	c->want_width = width;
	c->want_height = height;
	c->want_stride = stride;
	c->have_shm_format = true;
	if (c->version < 3)
		start_copy(c);
}

static void frame_flags(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t flags)
{
	struct capture_wlr *c = data;

	c->flags = flags;
}

static void add_damage(struct capture_frame *f, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	if (f->n_damage < CAPTURE_MAX_DAMAGE) {
		f->damage[f->n_damage++] = (struct capture_rect){x, y, w, h};
		return;
	}
	/* too many: grow the last rectangle to cover this one too */
	struct capture_rect *r = &f->damage[CAPTURE_MAX_DAMAGE - 1];
	int32_t x2 = MAX(r->x + (int32_t)r->width, x + (int32_t)w);
	int32_t y2 = MAX(r->y + (int32_t)r->height, y + (int32_t)h);

	r->x = MIN(r->x, x);
	r->y = MIN(r->y, y);
	r->width = (uint32_t)(x2 - r->x);
	r->height = (uint32_t)(y2 - r->y);
}

static void frame_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
                         uint32_t w, uint32_t h)
{
	struct capture_wlr *c = data;

	add_damage(&c->out, (int32_t)x, (int32_t)y, w, h);
}

static void frame_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t sec_hi,
                        uint32_t sec_lo, uint32_t nsec)
{
	struct capture_wlr *c = data;
	struct capture_frame *f = &c->out;

	f->ready_us = g_get_monotonic_time();
	f->width = c->buf.width;
	f->height = c->buf.height;
	f->stride = c->buf.stride;
	f->format = c->buf.format == WL_SHM_FORMAT_ARGB8888   ? DRM_FORMAT_ARGB8888
	            : c->buf.format == WL_SHM_FORMAT_XRGB8888 ? DRM_FORMAT_XRGB8888
	                                                      : c->buf.format;
	f->y_invert = c->flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT;
	f->data = c->buf.data;
	c->failures = 0;
	zwlr_screencopy_frame_v1_destroy(c->frame);
	c->frame = NULL;
	c->base.listener->frame(c->base.data, f);
	request_frame(c);
}

static gboolean retry_frame(void *data)
{
	struct capture_wlr *c = data;

	c->retry = 0;
	request_frame(c);
	return G_SOURCE_REMOVE;
}

static void frame_failed(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct capture_wlr *c = data;

	zwlr_screencopy_frame_v1_destroy(c->frame);
	c->frame = NULL;
	if (++c->failures > MAX_FAILURES) {
		close_with(c, "the compositor stopped sharing the screen");
		return;
	}
	c->retry = g_timeout_add(RETRY_MS, retry_frame, c);
}

static void frame_linux_dmabuf(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
                               uint32_t width, uint32_t height)
{
	struct capture_wlr *c = data;

	c->dmabuf_format = format;
}

static void frame_buffer_done(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	start_copy(data);
}

static const struct zwlr_screencopy_frame_v1_listener frame_listener = {
        .buffer = frame_buffer,
        .flags = frame_flags,
        .ready = frame_ready,
        .failed = frame_failed,
        .damage = frame_damage,
        .linux_dmabuf = frame_linux_dmabuf,
        .buffer_done = frame_buffer_done,
};

static void request_frame(struct capture_wlr *c)
{
	if (c->closed || c->frame)
		return;
	c->out.n_damage = 0;
	c->flags = 0;
	c->have_shm_format = false;
	c->dmabuf_format = 0;
	c->frame = zwlr_screencopy_manager_v1_capture_output(c->manager, 0, c->output);
	zwlr_screencopy_frame_v1_add_listener(c->frame, &frame_listener, c);
	wl_display_flush(c->display);
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
                            const char *iface, uint32_t version)
{
	struct capture_wlr *c = data;

	if (strcmp(iface, wl_shm_interface.name) == 0 && !c->shm) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(iface, wl_output_interface.name) == 0 && !c->output) {
		c->output = wl_registry_bind(registry, name, &wl_output_interface, 1);
	} else if (strcmp(iface, zwlr_screencopy_manager_v1_interface.name) == 0 && version >= 2) {
		c->version = MIN(version, 3u);
		c->manager = wl_registry_bind(registry, name, &zwlr_screencopy_manager_v1_interface,
		                              c->version);
	}
}

static void registry_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_global,
        .global_remove = registry_remove,
};

static gboolean on_fd(int fd, GIOCondition cond, void *data)
{
	struct capture_wlr *c = data;

	if ((cond & (G_IO_ERR | G_IO_HUP)) || wl_display_dispatch(c->display) < 0) {
		c->fd_watch = 0;
		close_with(c, "the desktop's compositor went away");
		return G_SOURCE_REMOVE;
	}
	wl_display_flush(c->display);
	return G_SOURCE_CONTINUE;
}

static void capture_wlr_destroy(struct capture *base)
{
	struct capture_wlr *c = (struct capture_wlr *)base;

	if (c->fd_watch)
		g_source_remove(c->fd_watch);
	if (c->retry)
		g_source_remove(c->retry);
	if (c->frame)
		zwlr_screencopy_frame_v1_destroy(c->frame);
	buffer_free(&c->buf);
	if (c->manager)
		zwlr_screencopy_manager_v1_destroy(c->manager);
	if (c->output)
		wl_output_destroy(c->output);
	if (c->shm)
		wl_shm_destroy(c->shm);
	if (c->registry)
		wl_registry_destroy(c->registry);
	if (c->display)
		wl_display_disconnect(c->display);
	g_free(c);
}

static const struct capture_impl capture_wlr_impl = {
        .destroy = capture_wlr_destroy,
};

struct capture *capture_wlr_new(const char *display, const struct capture_listener *listener,
                                void *data, GError **error)
{
	struct capture_wlr *c = g_new0(struct capture_wlr, 1);
	const char *name = display ? display : g_getenv("WAYLAND_DISPLAY");

	c->base.impl = &capture_wlr_impl;
	c->base.listener = listener;
	c->base.data = data;
	if (!name) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "no Wayland display to share ($WAYLAND_DISPLAY is not set)");
		goto fail;
	}
	c->display = wl_display_connect(name);
	if (!c->display) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "cannot connect to the Wayland display “%s”: %s", name,
		            g_strerror(errno));
		goto fail;
	}
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	if (wl_display_roundtrip(c->display) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the Wayland display “%s” closed the connection", name);
		goto fail;
	}
	if (!c->manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the compositor on “%s” does not offer wlr-screencopy (version 2 or "
		            "later); try --source=portal",
		            name);
		goto fail;
	}
	if (!c->shm || !c->output) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the compositor on “%s” has no output to share", name);
		goto fail;
	}
	c->fd_watch = g_unix_fd_add(wl_display_get_fd(c->display), G_IO_IN | G_IO_ERR | G_IO_HUP,
	                            on_fd, c);
	request_frame(c);
	log_info("capturing “%s” with wlr-screencopy v%u", name, c->version);
	return &c->base;
fail:
	capture_wlr_destroy(&c->base);
	return NULL;
}
