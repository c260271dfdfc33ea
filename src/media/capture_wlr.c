/* wlr-screencopy as a capture: the protocol side (the frame loop, the output, the seat and
 * the pointer beside the frames) is wayland/screencopy.c on wayrtc's one connection to the
 * display; this turns its frames and pointer reports into the capture contract
 * (media/capture.h): DRM fourccs, damage clipped and merged, and the buffer rule. */
#include <wayland-client.h>

#include "media/capture.h"
#include "media/orient.h"
#include "wayland/screencopy.h"

struct capture_wlr {
	struct capture base;
	struct wayland_screencopy *sc;
	/* What the encoder imports zero-copy: empty while only software encoders exist. */
	struct capture_import import;
	struct capture_frame out;
	/* a turned output's frames upright (NULL until one comes), and the last frame's
	 * buffer geometry, which the pointer's position is turned by */
	struct orient *orient;
	struct capture_frame upright;
	uint32_t transform, buffer_width, buffer_height;
	/* Calls into the listener under way: one may destroy us while the frame or cursor it
	 * was given is still in its hands, so the memory goes when the last returns. */
	unsigned busy;
	bool dying;
};

/* The upright picture goes with us: a listener may still hold a frame of it. */
static void free_capture(struct capture_wlr *c)
{
	orient_free(c->orient);
	g_free(c);
}

static void listener_enter(struct capture_wlr *c)
{
	c->busy++;
}

/* Frees us if we were destroyed during the call: the caller touches nothing after it. */
static void listener_leave(struct capture_wlr *c)
{
	if (--c->busy == 0 && c->dying)
		free_capture(c);
}

static uint32_t drm_format(uint32_t shm_format)
{
	/* wl_shm uses its own codes for the two mandatory formats, DRM fourccs otherwise */
	switch (shm_format) {
	case WL_SHM_FORMAT_ARGB8888:
		return DRM_FORMAT_ARGB8888;
	case WL_SHM_FORMAT_XRGB8888:
		return DRM_FORMAT_XRGB8888;
	default:
		return shm_format;
	}
}

static enum wayland_screencopy_buffer on_choose_buffer(void *data, bool shm, uint32_t dmabuf_format)
{
	struct capture_wlr *c = data;
	struct capture_offer offer = {shm, dmabuf_format};

	switch (capture_choose_buffer(&offer, &c->import)) {
	case CAPTURE_BUFFER_SHM:
		return WAYLAND_SCREENCOPY_BUFFER_SHM;
	case CAPTURE_BUFFER_DMABUF:
		return WAYLAND_SCREENCOPY_BUFFER_DMABUF;
	case CAPTURE_BUFFER_NONE:
	default:
		return WAYLAND_SCREENCOPY_BUFFER_NONE;
	}
}

static void on_ready(void *data, const struct wayland_screencopy_frame *frame)
{
	struct capture_wlr *c = data;
	struct capture_frame *f = &c->out;
	const struct capture_frame *upright;

	f->ready_us = g_get_monotonic_time();
	f->width = frame->width;
	f->height = frame->height;
	f->stride = frame->stride;
	f->format = drm_format(frame->format);
	f->y_invert = frame->y_invert;
	f->data = frame->data;
	f->n_damage = 0;
	if (!frame->whole) {
		for (size_t i = 0; i < frame->n_damage; i++)
			capture_frame_add_damage(f, frame->damage[i].x, frame->damage[i].y,
			                         frame->damage[i].width, frame->damage[i].height);
	}
	/* no damage kept (none said, or all of it outside): n_damage 0, the whole frame */
	c->transform = frame->transform;
	c->buffer_width = frame->width;
	c->buffer_height = frame->height;
	/* the shared picture is the desktop as its user sees it */
	upright = orient_upright(&c->orient, f, frame->transform, &c->upright);
	if (!upright)
		return;
	listener_enter(c);
	c->base.listener->frame(c->base.data, upright);
	listener_leave(c);
}

static void on_closed(void *data, const char *reason)
{
	struct capture_wlr *c = data;

	listener_enter(c);
	c->base.listener->closed(c->base.data, reason);
	listener_leave(c);
}

static void on_cursor(void *data, const struct wayland_cursor_report *report)
{
	struct capture_wlr *c = data;
	const struct wayland_shm_buffer *image = report->image;
	struct capture_cursor out = {
	        .hidden = report->hidden,
	        .x = report->x,
	        .y = report->y,
	        .hotspot_x = report->hotspot_x,
	        .hotspot_y = report->hotspot_y,
	};

	/* the position is in the output's buffer pixels: upright, as the frames are */
	if (c->transform != TRANSFORM_NORMAL && c->buffer_width)
		orient_point(c->transform, false, c->buffer_width, c->buffer_height, report->x,
		             report->y, &out.x, &out.y);
	if (image) {
		out.bitmap = image->data;
		out.width = image->width;
		out.height = image->height;
		out.stride = image->stride;
		out.format = drm_format(image->format);
	}
	listener_enter(c);
	c->base.listener->cursor(c->base.data, &out);
	listener_leave(c);
}

static const struct wayland_screencopy_listener screencopy_listener = {
        .choose_buffer = on_choose_buffer,
        .ready = on_ready,
        .closed = on_closed,
        .cursor = on_cursor,
};

/* The same without the pointer: the screencopy then binds nothing for it. */
static const struct wayland_screencopy_listener screencopy_listener_no_cursor = {
        .choose_buffer = on_choose_buffer,
        .ready = on_ready,
        .closed = on_closed,
};

/* From any listener call too: the screencopy defers its own end and calls nothing more,
 * and we go once that call returned. */
static void capture_wlr_destroy(struct capture *base)
{
	struct capture_wlr *c = (struct capture_wlr *)base;

	wayland_screencopy_destroy(c->sc);
	c->sc = NULL;
	if (c->busy)
		c->dying = true;
	else
		free_capture(c);
}

static const struct capture_impl capture_wlr_impl = {
        .destroy = capture_wlr_destroy,
};

bool capture_wlr_cursor_beside(const struct capture *capture)
{
	return capture && capture->impl == &capture_wlr_impl &&
	       wayland_screencopy_cursor_beside(((const struct capture_wlr *)capture)->sc);
}

struct capture *capture_wlr_new(const char *display, const struct capture_listener *listener,
                                void *data, GError **error)
{
	struct capture_wlr_options options = {.display = display};

	return capture_wlr_new_with(&options, listener, data, error);
}

struct capture *capture_wlr_new_with(const struct capture_wlr_options *options,
                                     const struct capture_listener *listener, void *data,
                                     GError **error)
{
	struct capture_wlr *c = g_new0(struct capture_wlr, 1);
	struct wayland_screencopy_options sc_options = {
	        .display = options->display,
	        .output = options->output,
	        .overlay_cursor = options->overlay_cursor,
	};

	c->base.impl = &capture_wlr_impl;
	c->base.listener = listener;
	c->base.data = data;
	c->sc = wayland_screencopy_new(
	        &sc_options,
	        listener->cursor ? &screencopy_listener : &screencopy_listener_no_cursor, c, error);
	if (!c->sc) {
		g_free(c);
		return NULL;
	}
	return &c->base;
}
