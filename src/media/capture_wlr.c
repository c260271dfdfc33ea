/* wlr-screencopy client: asks for each frame with copy_with_damage, which the compositor
 * answers only when something changed, so an idle desktop costs nothing. SHM buffers
 * here (no DMA-BUF without a GPU); the Wayland fd is a GSource on the thread-default loop.
 * With a cursor listener, the pointer goes beside the frames where the compositor can. */
#define LOG_MODULE "capture"
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <wayland-client.h>

#include "util/log.h"
#include "input/wl_source.h"
#include "media/capture.h"
#include "media/cursor_wlr.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"

/* Version 1 has no copy_with_damage: we would copy 60 identical frames a second. */
#define SCREENCOPY_MIN_VERSION 2
#define SCREENCOPY_MAX_VERSION 3
#define MAX_FAILURES           5   /* consecutive `failed` events before we give up */
#define RETRY_MS               100 /* pause before asking again after `failed` */
/* Buffers copied into in turn, so a consumer that keeps a frame past its callback (a
 * zero-copy import, later) does not see it overwritten by the next copy. */
#define POOL_SIZE 2
/* A compositor that offers absurd sizes is refused rather than obeyed. */
#define MAX_SIDE        16384
#define BYTES_PER_PIXEL 4
/* wl_output v4 names outputs, so a caller can ask for one by name. */
#define OUTPUT_NAME_VERSION 4
#define MAX_OUTPUTS         16
/* wl_pointer.release and wl_seat.release; older seats' objects are just destroyed. */
#define POINTER_RELEASE_VERSION 3
#define SEAT_RELEASE_VERSION    5

#define WATCH_EVENTS (G_IO_IN | G_IO_ERR | G_IO_HUP)

struct capture_wlr;

struct wayland_source {
	GSource base;
	struct capture_wlr *c;
	gpointer fd_tag;
	GIOCondition events; /* what fd_tag watches now */
	bool reading;        /* between wl_display_prepare_read and read/cancel */
};

struct output_candidate {
	struct wl_output *output;
	uint32_t global;
	char *name; /* from wl_output v4, NULL before (or without) it */
};

struct capture_wlr {
	struct capture base;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_shm *shm;
	struct wl_output *output;
	uint32_t output_global;
	/* every output until the wanted one is known (a name needs a second roundtrip) */
	struct output_candidate candidates[MAX_OUTPUTS];
	unsigned n_candidates;
	bool overlay_cursor;
	struct zwlr_screencopy_manager_v1 *manager;
	uint32_t version;

	/* The pointer beside the frames (cursor_wlr.c): only for a listener that wants it,
	 * on a compositor that offers both managers, while the first seat has a pointer. */
	struct ext_image_copy_capture_manager_v1 *copy_manager;
	struct ext_output_image_capture_source_manager_v1 *source_manager;
	struct wl_seat *seat;
	uint32_t seat_global;
	bool seat_has_pointer;
	struct wl_pointer *pointer; /* the seat's, to name it in the cursor session */
	struct cursor_wlr *cursor;
	bool cursor_beside;  /* decided at start: frames leave the pointer out */
	bool cursor_stopped; /* the compositor ended the session: frames as options say */
	bool cursor_stop_said;
	bool cursor_shown; /* the listener last heard "visible": it hears "hidden" at the end */
	struct wayland_source *source;
	GSource *retry;

	struct zwlr_screencopy_frame_v1 *frame;
	struct wayland_shm_buffer pool[POOL_SIZE];
	unsigned next_buf; /* pool index the next copy goes into */
	unsigned copy_buf; /* pool index of the copy in flight */
	bool full_damage;  /* the next frame counts as wholly changed (new buffers) */
	uint32_t want_format, want_width, want_height, want_stride;
	bool have_shm_format;
	uint32_t dmabuf_format; /* offered by screencopy v3, 0 if none */
	/* What the encoder imports zero-copy: empty while only software encoders exist. */
	struct capture_import import;
	uint32_t flags;
	struct capture_frame out;
	unsigned failures;
	bool closed;
	bool dispatching; /* inside Wayland callbacks: destroy is deferred */
	bool dying;
};

static void request_frame(struct capture_wlr *c);
static void capture_wlr_free(struct capture_wlr *c);

static void close_with(struct capture_wlr *c, const char *reason)
{
	if (c->closed)
		return;
	c->closed = true;
	log_info("capture ended: %s", reason);
	c->base.listener->closed(c->base.data, reason);
}

/* Why the connection died, in words a person can act on. */
static char *display_error(struct wl_display *display)
{
	const struct wl_interface *iface = NULL;
	uint32_t id;
	int err = wl_display_get_error(display);

	if (err == EPROTO) {
		uint32_t code = wl_display_get_protocol_error(display, &iface, &id);

		return g_strdup_printf("the compositor closed the connection (protocol error %u on "
		                       "%s)",
		                       code, iface ? iface->name : "the display");
	}
	if (err == 0 || err == EPIPE || err == ECONNRESET)
		return g_strdup("the desktop's compositor went away");
	return g_strdup_printf("lost the connection to the compositor: %s", g_strerror(err));
}

static bool buffer_matches(const struct capture_wlr *c, const struct wayland_shm_buffer *b)
{
	return b->buffer && b->width == c->want_width && b->height == c->want_height &&
	       b->stride == c->want_stride && b->format == c->want_format;
}

static bool buffer_make(struct capture_wlr *c, struct wayland_shm_buffer *b)
{
	return wayland_shm_buffer_make(b, c->shm, "wayrtc-screencopy", c->want_width,
	                               c->want_height, c->want_stride, c->want_format);
}

/* The compositor's numbers are checked before they size a mapping. */
static bool offer_sane(const struct capture_wlr *c)
{
	return c->want_width > 0 && c->want_height > 0 && c->want_width <= MAX_SIDE &&
	       c->want_height <= MAX_SIDE && c->want_stride >= c->want_width * BYTES_PER_PIXEL &&
	       c->want_stride <= MAX_SIDE * BYTES_PER_PIXEL * 2;
}

static void start_copy(struct capture_wlr *c)
{
	struct capture_offer offer = {c->have_shm_format, c->dmabuf_format};
	struct wayland_shm_buffer *b;

	if (c->closed)
		return;
	switch (capture_choose_buffer(&offer, &c->import)) {
	case CAPTURE_BUFFER_NONE:
		close_with(c, "the compositor offers no shared-memory format for screencopy");
		return;
	case CAPTURE_BUFFER_DMABUF:
		/* Not reached yet: c->import stays empty until an encoder imports DMA-BUFs.
		 * Then a GBM buffer of c->dmabuf_format, wrapped with zwp_linux_dmabuf_v1,
		 * goes into copy_with_damage here instead of the SHM pool. */
	case CAPTURE_BUFFER_SHM:
		break;
	}
	if (!offer_sane(c)) {
		close_with(c, "the compositor asked for an impossible screen buffer");
		return;
	}
	b = &c->pool[c->next_buf];
	if (!buffer_matches(c, b)) {
		/* size or format changed: every buffer is stale, and the next frame is whole */
		for (unsigned i = 0; i < POOL_SIZE; i++) {
			if (c->pool[i].buffer && !buffer_matches(c, &c->pool[i])) {
				wayland_shm_buffer_free(&c->pool[i]);
				c->full_damage = true;
			}
		}
		if (!buffer_make(c, b)) {
			close_with(c, "out of memory for a screen buffer");
			return;
		}
	}
	/* damage events come before ready, and are clipped to this */
	c->out.width = b->width;
	c->out.height = b->height;
	c->copy_buf = c->next_buf;
	c->next_buf = (c->next_buf + 1) % POOL_SIZE;
	zwlr_screencopy_frame_v1_copy_with_damage(c->frame, b->buffer);
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
	/* v3 lists every buffer type, then buffer_done; v2 only this one */
	if (c->version < 3)
		start_copy(c);
}

static void frame_flags(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t flags)
{
	struct capture_wlr *c = data;

	c->flags = flags;
}

static void frame_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
                         uint32_t w, uint32_t h)
{
	struct capture_wlr *c = data;

	capture_frame_add_damage(&c->out, x, y, w, h);
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

static void frame_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t sec_hi,
                        uint32_t sec_lo, uint32_t nsec)
{
	struct capture_wlr *c = data;
	struct capture_frame *f = &c->out;
	const struct wayland_shm_buffer *b = &c->pool[c->copy_buf];

	f->ready_us = g_get_monotonic_time();
	f->width = b->width;
	f->height = b->height;
	f->stride = b->stride;
	f->format = drm_format(b->format);
	f->y_invert = c->flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT;
	f->data = b->data;
	if (c->full_damage || f->n_damage == 0) {
		f->n_damage = 0; /* the whole frame */
		c->full_damage = false;
	}
	c->failures = 0;
	zwlr_screencopy_frame_v1_destroy(c->frame);
	c->frame = NULL;
	if (c->closed)
		return;
	c->base.listener->frame(c->base.data, f);
	/* at once: copy_with_damage waits in the compositor until something changes */
	request_frame(c);
}

static gboolean retry_frame(void *data)
{
	struct capture_wlr *c = data;

	g_clear_pointer(&c->retry, g_source_unref);
	request_frame(c);
	wl_display_flush(c->display);
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
	log_debug("screencopy failed, retry %u", c->failures);
	c->retry = g_timeout_source_new(RETRY_MS);
	g_source_set_callback(c->retry, retry_frame, c, NULL);
	g_source_attach(c->retry, g_main_context_get_thread_default());
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

/* The options' choice applies only while the pointer cannot travel beside the frames. */
static bool frame_overlay_cursor(const struct capture_wlr *c)
{
	return c->cursor_beside && !c->cursor_stopped ? false : c->overlay_cursor;
}

static void request_frame(struct capture_wlr *c)
{
	if (c->closed || c->frame)
		return;
	c->out.n_damage = 0;
	c->flags = 0;
	c->have_shm_format = false;
	c->dmabuf_format = 0;
	c->frame = zwlr_screencopy_manager_v1_capture_output(c->manager, frame_overlay_cursor(c),
	                                                     c->output);
	zwlr_screencopy_frame_v1_add_listener(c->frame, &frame_listener, c);
}

static void output_geometry(void *data, struct wl_output *output, int32_t x, int32_t y,
                            int32_t phys_w, int32_t phys_h, int32_t subpixel, const char *make,
                            const char *model, int32_t transform)
{
}

static void output_mode(void *data, struct wl_output *output, uint32_t flags, int32_t width,
                        int32_t height, int32_t refresh)
{
}

static void output_done(void *data, struct wl_output *output)
{
}

static void output_scale(void *data, struct wl_output *output, int32_t factor)
{
}

static void output_name(void *data, struct wl_output *output, const char *name)
{
	struct output_candidate *o = data;

	if (!o)
		return; /* the output chosen already: its name no longer matters */
	g_free(o->name);
	o->name = g_strdup(name);
}

static void output_description(void *data, struct wl_output *output, const char *description)
{
}

static const struct wl_output_listener output_listener = {
        .geometry = output_geometry,
        .mode = output_mode,
        .done = output_done,
        .scale = output_scale,
        .name = output_name,
        .description = output_description,
};

static void cursor_report(void *data, const struct capture_cursor *cursor)
{
	struct capture_wlr *c = data;

	if (c->closed)
		return;
	c->cursor_shown = !cursor->hidden;
	c->base.listener->cursor(c->base.data, cursor);
}

/* Whoever ends a session tells the listener, so no overlay stays where nothing is. */
static void cursor_hide(struct capture_wlr *c)
{
	struct capture_cursor hidden = {.hidden = true};

	if (c->cursor_shown)
		cursor_report(c, &hidden);
}

static void cursor_stopped(void *data, const char *reason)
{
	struct capture_wlr *c = data;

	cursor_wlr_destroy(c->cursor);
	c->cursor = NULL;
	c->cursor_stopped = true;
	if (!c->cursor_stop_said)
		log_info("the pointer no longer travels beside the picture: %s", reason);
	else
		log_debug("the pointer's session ended again: %s", reason);
	c->cursor_stop_said = true;
	cursor_hide(c);
}

static const struct cursor_wlr_listener cursor_listener = {
        .report = cursor_report,
        .stopped = cursor_stopped,
};

/* A session runs whenever everything it needs is there; it may wait for the seat's
 * pointer, which can come after the first frames, or go and come back. */
static void cursor_sync(struct capture_wlr *c)
{
	if (!c->cursor_beside || !c->output || !c->seat_has_pointer || c->cursor_stopped ||
	    c->cursor || c->closed)
		return;
	if (!c->pointer)
		c->pointer = wl_seat_get_pointer(c->seat);
	c->cursor = cursor_wlr_new(c->display, c->shm, c->copy_manager, c->source_manager,
	                           c->output, c->pointer, &cursor_listener, c);
}

static void cursor_drop_pointer(struct capture_wlr *c)
{
	cursor_wlr_destroy(c->cursor);
	c->cursor = NULL;
	if (c->pointer) {
		if (wl_pointer_get_version(c->pointer) >= POINTER_RELEASE_VERSION)
			wl_pointer_release(c->pointer);
		else
			wl_pointer_destroy(c->pointer);
		c->pointer = NULL;
	}
	/* a compositor may stop the session because this pointer went: a new one may
	 * have one again */
	c->cursor_stopped = false;
	cursor_hide(c);
}

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct capture_wlr *c = data;

	c->seat_has_pointer = caps & WL_SEAT_CAPABILITY_POINTER;
	if (!c->seat_has_pointer)
		cursor_drop_pointer(c);
	cursor_sync(c);
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
        .capabilities = seat_capabilities,
        .name = seat_name,
};

static void seat_free(struct capture_wlr *c)
{
	cursor_drop_pointer(c);
	if (c->seat) {
		if (wl_seat_get_version(c->seat) >= SEAT_RELEASE_VERSION)
			wl_seat_release(c->seat);
		else
			wl_seat_destroy(c->seat);
	}
	c->seat = NULL;
	c->seat_has_pointer = false;
}

/* Keeps the output asked for (the first without a name) and lets the others go. */
static bool pick_output(struct capture_wlr *c, const char *wanted)
{
	for (unsigned i = 0; i < c->n_candidates; i++) {
		struct output_candidate *o = &c->candidates[i];

		if (!c->output && (!wanted || g_strcmp0(o->name, wanted) == 0)) {
			c->output = o->output;
			c->output_global = o->global;
			/* its name may still come, after the candidates are gone */
			wl_output_set_user_data(c->output, NULL);
		} else {
			wl_output_destroy(o->output);
		}
		g_free(o->name);
		*o = (struct output_candidate){0};
	}
	c->n_candidates = 0;
	return c->output != NULL;
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
                            const char *iface, uint32_t version)
{
	struct capture_wlr *c = data;

	if (strcmp(iface, wl_shm_interface.name) == 0 && !c->shm) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(iface, wl_output_interface.name) == 0 && c->n_candidates < MAX_OUTPUTS) {
		struct output_candidate *o = &c->candidates[c->n_candidates++];

		o->output = wl_registry_bind(registry, name, &wl_output_interface,
		                             MIN(version, (uint32_t)OUTPUT_NAME_VERSION));
		o->global = name;
		wl_output_add_listener(o->output, &output_listener, o);
	} else if (strcmp(iface, zwlr_screencopy_manager_v1_interface.name) == 0 &&
	           version >= SCREENCOPY_MIN_VERSION && !c->manager) {
		c->version = MIN(version, (uint32_t)SCREENCOPY_MAX_VERSION);
		c->manager = wl_registry_bind(registry, name, &zwlr_screencopy_manager_v1_interface,
		                              c->version);
	} else if (!c->base.listener->cursor) {
		/* the rest is for the pointer, which nobody asked for */
	} else if (strcmp(iface, ext_image_copy_capture_manager_v1_interface.name) == 0 &&
	           !c->copy_manager) {
		c->copy_manager = wl_registry_bind(registry, name,
		                                   &ext_image_copy_capture_manager_v1_interface, 1);
	} else if (strcmp(iface, ext_output_image_capture_source_manager_v1_interface.name) == 0 &&
	           !c->source_manager) {
		c->source_manager = wl_registry_bind(
		        registry, name, &ext_output_image_capture_source_manager_v1_interface, 1);
	} else if (strcmp(iface, wl_seat_interface.name) == 0 && !c->seat) {
		/* the first seat is the one a desktop has; another may replace it if it goes */
		c->seat = wl_registry_bind(registry, name, &wl_seat_interface,
		                           MIN(version, (uint32_t)SEAT_RELEASE_VERSION));
		c->seat_global = name;
		wl_seat_add_listener(c->seat, &seat_listener, c);
	}
}

static void registry_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	struct capture_wlr *c = data;

	if (c->output && name == c->output_global)
		close_with(c, "the shared screen was removed");
	else if (c->seat && name == c->seat_global)
		seat_free(c);
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_global,
        .global_remove = registry_remove,
};

/* The libwayland read protocol, split over GLib's prepare/check/dispatch so that no other
 * reader of the display can steal our events, and nothing blocks. */
static gboolean source_prepare(GSource *base, int *timeout)
{
	struct wayland_source *s = (struct wayland_source *)base;
	struct wl_display *display = s->c->display;
	GIOCondition want;

	*timeout = -1;
	if (s->reading)
		return FALSE;
	if (wl_display_prepare_read(display) != 0)
		return TRUE; /* events already queued: dispatch them first */
	s->reading = true;
	/* Failures here are not final: EAGAIN leaves the rest for the next flush, and on
	 * EPIPE the read that follows still has to see the end of the stream (and any
	 * error event before it); other errors are recorded in the display already. A full
	 * socket makes us wait for room too. */
	want = wl_display_flush(display) < 0 && errno == EAGAIN ? WATCH_EVENTS | G_IO_OUT
	                                                        : WATCH_EVENTS;
	/* only on change: modifying the fd wakes the context up, every time */
	if (want != s->events) {
		g_source_modify_unix_fd(base, s->fd_tag, want);
		s->events = want;
	}
	return FALSE;
}

static gboolean source_check(GSource *base)
{
	struct wayland_source *s = (struct wayland_source *)base;
	GIOCondition revents = g_source_query_unix_fd(base, s->fd_tag);

	if (s->reading) {
		s->reading = false;
		if (revents & G_IO_IN) {
			/* on error the display remembers it; dispatch_pending returns -1 */
			wl_display_read_events(s->c->display);
		} else {
			wl_display_cancel_read(s->c->display);
		}
	}
	/* writable again: prepare flushes the rest on the next turn */
	return (revents & (WATCH_EVENTS | G_IO_OUT)) != 0;
}

static gboolean source_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	struct wayland_source *s = (struct wayland_source *)base;
	struct capture_wlr *c = s->c;
	GIOCondition revents = g_source_query_unix_fd(base, s->fd_tag);
	int n;

	c->dispatching = true;
	n = wl_display_dispatch_pending(c->display);
	c->dispatching = false;
	if (c->dying) {
		capture_wlr_free(c);
		return G_SOURCE_REMOVE;
	}
	if (n < 0 || ((revents & (G_IO_ERR | G_IO_HUP)) && !(revents & G_IO_IN))) {
		g_autofree char *reason = display_error(c->display);

		/* the source stays referenced by c->source; capture_wlr_free drops it */
		c->dispatching = true;
		close_with(c, reason);
		c->dispatching = false;
		if (c->dying)
			capture_wlr_free(c);
		return G_SOURCE_REMOVE;
	}
	if (wl_display_flush(c->display) < 0 && errno != EAGAIN)
		log_debug("flush: %s", g_strerror(errno));
	return G_SOURCE_CONTINUE;
}

static void source_finalize(GSource *base)
{
	struct wayland_source *s = (struct wayland_source *)base;

	if (s->reading && s->c)
		wl_display_cancel_read(s->c->display);
}

static GSourceFuncs source_funcs = {
        .prepare = source_prepare,
        .check = source_check,
        .dispatch = source_dispatch,
        .finalize = source_finalize,
};

static void capture_wlr_free(struct capture_wlr *c)
{
	if (c->source) {
		if (c->source->reading)
			wl_display_cancel_read(c->display);
		c->source->reading = false;
		c->source->c = NULL;
		g_source_destroy(&c->source->base);
		g_source_unref(&c->source->base);
	}
	if (c->retry) {
		g_source_destroy(c->retry);
		g_source_unref(c->retry);
	}
	if (c->frame)
		zwlr_screencopy_frame_v1_destroy(c->frame);
	for (unsigned i = 0; i < POOL_SIZE; i++)
		wayland_shm_buffer_free(&c->pool[i]);
	if (c->manager)
		zwlr_screencopy_manager_v1_destroy(c->manager);
	c->closed = true; /* no last "hidden" to a listener that is going */
	seat_free(c);
	if (c->copy_manager)
		ext_image_copy_capture_manager_v1_destroy(c->copy_manager);
	if (c->source_manager)
		ext_output_image_capture_source_manager_v1_destroy(c->source_manager);
	for (unsigned i = 0; i < c->n_candidates; i++) {
		wl_output_destroy(c->candidates[i].output);
		g_free(c->candidates[i].name);
	}
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

static void capture_wlr_destroy(struct capture *base)
{
	struct capture_wlr *c = (struct capture_wlr *)base;

	/* from inside one of our own callbacks: finish dispatching, then free */
	if (c->dispatching) {
		c->closed = true;
		c->dying = true;
		return;
	}
	capture_wlr_free(c);
}

static const struct capture_impl capture_wlr_impl = {
        .destroy = capture_wlr_destroy,
};

bool capture_wlr_cursor_beside(const struct capture *capture)
{
	return capture && capture->impl == &capture_wlr_impl &&
	       ((const struct capture_wlr *)capture)->cursor_beside;
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
	const char *name = options->display ? options->display : g_getenv("WAYLAND_DISPLAY");

	c->base.impl = &capture_wlr_impl;
	c->base.listener = listener;
	c->base.data = data;
	c->full_damage = true;
	c->overlay_cursor = options->overlay_cursor;
	c->display = wayland_connect(name, "to share", &registry_listener, c, &c->registry, error);
	if (!c->display)
		goto fail;
	if (!c->manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this compositor (“%s”) does not offer wlr-screencopy (version %d or "
		            "later); try --source=portal",
		            name, SCREENCOPY_MIN_VERSION);
		goto fail;
	}
	/* the names come after the binds */
	if (options->output && wl_display_roundtrip(c->display) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the Wayland display “%s” closed the connection", name);
		goto fail;
	}
	if (!pick_output(c, options->output) && options->output) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "the compositor on “%s” has no output named “%s”", name,
		            options->output);
		goto fail;
	}
	if (!c->shm || !c->output) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the compositor on “%s” has no screen to share", name);
		goto fail;
	}
	c->source =
	        (struct wayland_source *)g_source_new(&source_funcs, sizeof(struct wayland_source));
	c->source->c = c;
	c->source->fd_tag =
	        g_source_add_unix_fd(&c->source->base, wl_display_get_fd(c->display), WATCH_EVENTS);
	g_source_set_name(&c->source->base, "wayrtc wlr-screencopy");
	g_source_attach(&c->source->base, g_main_context_get_thread_default());
	c->cursor_beside = listener->cursor && c->copy_manager && c->source_manager;
	request_frame(c); /* flushed by the source's first prepare */
	cursor_sync(c);   /* if the seat said it has a pointer already */
	log_info("capturing “%s” with wlr-screencopy v%u", name, c->version);
	return &c->base;
fail:
	capture_wlr_free(c);
	return NULL;
}
