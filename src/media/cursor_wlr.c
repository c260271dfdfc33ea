/* The pointer's cursor session of ext-image-copy-capture-v1: the compositor answers each
 * capture only once the image changed, so this loops like screencopy does; positions and
 * enter/leave come on their own. Its image lands in one SHM buffer that we only read. */
#define LOG_MODULE "capture"
#include "media/cursor_wlr.h"

#include <gio/gio.h>
#include <stdbool.h>
#include <string.h>

#include "input/wl_source.h"
#include "util/log.h"

#define MAX_FAILURES    5   /* consecutive `failed` (unknown) before we give up */
#define RETRY_MS        100 /* pause before capturing again after such a failure */
#define BYTES_PER_PIXEL 4

struct cursor_wlr {
	struct wl_display *display;
	struct wl_shm *shm;
	const struct cursor_wlr_listener *listener;
	void *data;
	struct ext_image_capture_source_v1 *source;
	struct ext_image_copy_capture_cursor_session_v1 *cursor_session;
	struct ext_image_copy_capture_session_v1 *session;
	struct ext_image_copy_capture_frame_v1 *frame;
	struct wayland_shm_buffer buffer;
	bool fresh_buffer; /* not captured into yet: the next capture damages all of it */

	/* Constraints as of the last `done`; a batch is a whole new set. */
	uint32_t want_width, want_height, want_format;
	bool have_constraints; /* usable ones: a size within limits and a format we read */
	uint32_t next_width, next_height;
	bool next_argb, next_xrgb;
	unsigned n_done;       /* `done` events so far */
	unsigned frame_n_done; /* n_done when the frame in flight was made */
	/* failed with buffer_constraints before any new ones came: wait for `done` */
	bool waiting_constraints;

	bool entered;       /* between enter and leave: position, hotspot and images count */
	bool have_position; /* a position came since enter */
	int32_t x, y;
	int32_t hot_x, hot_y;           /* the hotspot of the image in the buffer */
	int32_t next_hot_x, next_hot_y; /* the newest hotspot event, for the next ready */
	/* A ready came while the pointer was away: the buffer holds an image not reported
	 * yet; it goes with the next position, and no capture may overwrite it till then. */
	bool image_unsent;

	unsigned failures;
	GSource *retry;
	bool too_big_said;
	bool stopped;
};

static uint32_t drm_format(uint32_t shm_format)
{
	return shm_format == WL_SHM_FORMAT_ARGB8888 ? DRM_FORMAT_ARGB8888 : DRM_FORMAT_XRGB8888;
}

static bool buffer_make(struct cursor_wlr *cursor)
{
	if (!wayland_shm_buffer_make(&cursor->buffer, cursor->shm, "wayrtc-cursor",
	                             cursor->want_width, cursor->want_height,
	                             cursor->want_width * BYTES_PER_PIXEL, cursor->want_format))
		return false;
	cursor->fresh_buffer = true;
	return true;
}

static bool buffer_fits(const struct cursor_wlr *cursor)
{
	const struct wayland_shm_buffer *b = &cursor->buffer;

	return b->buffer && b->width == cursor->want_width && b->height == cursor->want_height &&
	       b->format == cursor->want_format;
}

/* The session is over: its objects go now (the protocol says to destroy them), the
 * listener hears it last, since it may destroy us. */
static void stop(struct cursor_wlr *cursor, const char *reason)
{
	if (cursor->stopped)
		return;
	cursor->stopped = true;
	if (cursor->retry) {
		g_source_destroy(cursor->retry);
		g_clear_pointer(&cursor->retry, g_source_unref);
	}
	g_clear_pointer(&cursor->frame, ext_image_copy_capture_frame_v1_destroy);
	g_clear_pointer(&cursor->session, ext_image_copy_capture_session_v1_destroy);
	g_clear_pointer(&cursor->cursor_session, ext_image_copy_capture_cursor_session_v1_destroy);
	wayland_shm_buffer_free(&cursor->buffer);
	cursor->listener->stopped(cursor->data, reason);
}

static void report(struct cursor_wlr *cursor, bool with_image)
{
	const struct wayland_shm_buffer *b = &cursor->buffer;
	struct capture_cursor out = {
	        .x = cursor->x,
	        .y = cursor->y,
	        .hotspot_x = cursor->hot_x,
	        .hotspot_y = cursor->hot_y,
	};

	if (with_image) {
		out.bitmap = b->data;
		out.width = b->width;
		out.height = b->height;
		out.stride = b->stride;
		out.format = drm_format(b->format);
	}
	cursor->listener->report(cursor->data, &out);
}

static const struct ext_image_copy_capture_frame_v1_listener frame_listener;

/* The next capture, if nothing stands in the way; the compositor holds it until the image
 * differs from the last one it gave us. */
static void start_frame(struct cursor_wlr *cursor)
{
	if (cursor->stopped || cursor->frame || cursor->retry || !cursor->have_constraints ||
	    cursor->waiting_constraints || cursor->image_unsent)
		return;
	if (!buffer_fits(cursor) && !buffer_make(cursor)) {
		stop(cursor, "out of memory for the pointer's image");
		return;
	}
	cursor->frame = ext_image_copy_capture_session_v1_create_frame(cursor->session);
	ext_image_copy_capture_frame_v1_add_listener(cursor->frame, &frame_listener, cursor);
	ext_image_copy_capture_frame_v1_attach_buffer(cursor->frame, cursor->buffer.buffer);
	/* what we changed in the buffer since its last capture: nothing, once it has one */
	if (cursor->fresh_buffer)
		ext_image_copy_capture_frame_v1_damage_buffer(cursor->frame, 0, 0,
		                                              (int32_t)cursor->buffer.width,
		                                              (int32_t)cursor->buffer.height);
	cursor->fresh_buffer = false;
	ext_image_copy_capture_frame_v1_capture(cursor->frame);
	cursor->frame_n_done = cursor->n_done;
}

static gboolean retry_frame(void *data)
{
	struct cursor_wlr *cursor = data;
	struct wl_display *display = cursor->display; /* a failed start may free `cursor` */

	g_clear_pointer(&cursor->retry, g_source_unref);
	start_frame(cursor);
	wl_display_flush(display);
	return G_SOURCE_REMOVE;
}

static void frame_transform(void *data, struct ext_image_copy_capture_frame_v1 *frame,
                            uint32_t transform)
{
	/* a rotated output's cursor image comes rotated; browsers get it as it is */
}

static void frame_damage(void *data, struct ext_image_copy_capture_frame_v1 *frame, int32_t x,
                         int32_t y, int32_t width, int32_t height)
{
	/* the image is small and resent whole: damage is not worth tracking */
}

static void frame_presentation_time(void *data, struct ext_image_copy_capture_frame_v1 *frame,
                                    uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec)
{
}

static void frame_ready(void *data, struct ext_image_copy_capture_frame_v1 *frame)
{
	struct cursor_wlr *cursor = data;

	g_clear_pointer(&cursor->frame, ext_image_copy_capture_frame_v1_destroy);
	cursor->failures = 0;
	cursor->hot_x = cursor->next_hot_x;
	cursor->hot_y = cursor->next_hot_y;
	if (!cursor->entered || !cursor->have_position) {
		/* "hidden" would carry no image: it waits in the buffer for the pointer */
		cursor->image_unsent = true;
		return;
	}
	report(cursor, true);
	start_frame(cursor);
}

static void frame_failed(void *data, struct ext_image_copy_capture_frame_v1 *frame, uint32_t reason)
{
	struct cursor_wlr *cursor = data;

	g_clear_pointer(&cursor->frame, ext_image_copy_capture_frame_v1_destroy);
	switch (reason) {
	case EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_STOPPED:
		stop(cursor, "the compositor stopped the pointer's capture session");
		return;
	case EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS:
		wayland_shm_buffer_free(&cursor->buffer);
		/* new constraints came while the frame was out: retry with them; else they
		 * are on their way, ended by `done` */
		if (cursor->n_done == cursor->frame_n_done)
			cursor->waiting_constraints = true;
		start_frame(cursor);
		return;
	default:
		if (++cursor->failures > MAX_FAILURES) {
			stop(cursor, "capturing the pointer's image kept failing");
			return;
		}
		log_debug("pointer image capture failed, retry %u", cursor->failures);
		cursor->retry = g_timeout_source_new(RETRY_MS);
		g_source_set_callback(cursor->retry, retry_frame, cursor, NULL);
		g_source_attach(cursor->retry, g_main_context_get_thread_default());
		return;
	}
}

static const struct ext_image_copy_capture_frame_v1_listener frame_listener = {
        .transform = frame_transform,
        .damage = frame_damage,
        .presentation_time = frame_presentation_time,
        .ready = frame_ready,
        .failed = frame_failed,
};

static void session_buffer_size(void *data, struct ext_image_copy_capture_session_v1 *session,
                                uint32_t width, uint32_t height)
{
	struct cursor_wlr *cursor = data;

	cursor->next_width = width;
	cursor->next_height = height;
}

static void session_shm_format(void *data, struct ext_image_copy_capture_session_v1 *session,
                               uint32_t format)
{
	struct cursor_wlr *cursor = data;

	if (format == WL_SHM_FORMAT_ARGB8888)
		cursor->next_argb = true;
	else if (format == WL_SHM_FORMAT_XRGB8888)
		cursor->next_xrgb = true;
}

static void session_dmabuf_device(void *data, struct ext_image_copy_capture_session_v1 *session,
                                  struct wl_array *device)
{
}

static void session_dmabuf_format(void *data, struct ext_image_copy_capture_session_v1 *session,
                                  uint32_t format, struct wl_array *modifiers)
{
}

static void session_done(void *data, struct ext_image_copy_capture_session_v1 *session)
{
	struct cursor_wlr *cursor = data;
	uint32_t w = cursor->next_width, h = cursor->next_height;

	cursor->n_done++;
	cursor->waiting_constraints = false;
	cursor->have_constraints = false;
	if (!cursor->next_argb && !cursor->next_xrgb) {
		stop(cursor, "the compositor offers the pointer's image in no format we read "
		             "(ARGB8888, XRGB8888)");
		return;
	}
	/* alpha where offered: an XRGB pointer is an opaque square */
	cursor->want_format = cursor->next_argb ? WL_SHM_FORMAT_ARGB8888 : WL_SHM_FORMAT_XRGB8888;
	cursor->next_argb = cursor->next_xrgb = false;
	if (w > CURSOR_WLR_MAX_SIDE || h > CURSOR_WLR_MAX_SIDE) {
		if (!cursor->too_big_said)
			log_info("a pointer image of %ux%u is refused (at most %ux%u); the last "
			         "one stays",
			         w, h, CURSOR_WLR_MAX_SIDE, CURSOR_WLR_MAX_SIDE);
		cursor->too_big_said = true;
		return;
	}
	if (w == 0 || h == 0)
		return; /* nothing to capture until it has a size */
	cursor->want_width = w;
	cursor->want_height = h;
	cursor->have_constraints = true;
	start_frame(cursor);
}

static void session_stopped(void *data, struct ext_image_copy_capture_session_v1 *session)
{
	stop(data, "the compositor stopped the pointer's capture session");
}

static const struct ext_image_copy_capture_session_v1_listener session_listener = {
        .buffer_size = session_buffer_size,
        .shm_format = session_shm_format,
        .dmabuf_device = session_dmabuf_device,
        .dmabuf_format = session_dmabuf_format,
        .done = session_done,
        .stopped = session_stopped,
};

static void cursor_enter(void *data, struct ext_image_copy_capture_cursor_session_v1 *session)
{
	struct cursor_wlr *cursor = data;

	/* position follows at once; until then there is nothing to place */
	cursor->entered = true;
	cursor->have_position = false;
}

static void cursor_leave(void *data, struct ext_image_copy_capture_cursor_session_v1 *session)
{
	struct cursor_wlr *cursor = data;
	struct capture_cursor out = {.hidden = true};

	cursor->entered = false;
	cursor->have_position = false;
	cursor->listener->report(cursor->data, &out);
}

static void cursor_position(void *data, struct ext_image_copy_capture_cursor_session_v1 *session,
                            int32_t x, int32_t y)
{
	struct cursor_wlr *cursor = data;
	bool with_image = cursor->image_unsent;

	/* a compositor that never says enter still means it */
	cursor->entered = true;
	cursor->have_position = true;
	cursor->x = x;
	cursor->y = y;
	cursor->image_unsent = false;
	report(cursor, with_image);
	if (with_image)
		start_frame(cursor);
}

static void cursor_hotspot(void *data, struct ext_image_copy_capture_cursor_session_v1 *session,
                           int32_t x, int32_t y)
{
	struct cursor_wlr *cursor = data;

	/* it belongs to the image of the next ready, not to the one reported last */
	cursor->next_hot_x = x;
	cursor->next_hot_y = y;
}

static const struct ext_image_copy_capture_cursor_session_v1_listener cursor_session_listener = {
        .enter = cursor_enter,
        .leave = cursor_leave,
        .position = cursor_position,
        .hotspot = cursor_hotspot,
};

struct cursor_wlr *cursor_wlr_new(struct wl_display *display, struct wl_shm *shm,
                                  struct ext_image_copy_capture_manager_v1 *manager,
                                  struct ext_output_image_capture_source_manager_v1 *sources,
                                  struct wl_output *output, struct wl_pointer *pointer,
                                  const struct cursor_wlr_listener *listener, void *data)
{
	struct cursor_wlr *cursor = g_new0(struct cursor_wlr, 1);

	cursor->display = display;
	cursor->shm = shm;
	cursor->listener = listener;
	cursor->data = data;
	cursor->source = ext_output_image_capture_source_manager_v1_create_source(sources, output);
	cursor->cursor_session = ext_image_copy_capture_manager_v1_create_pointer_cursor_session(
	        manager, cursor->source, pointer);
	ext_image_copy_capture_cursor_session_v1_add_listener(cursor->cursor_session,
	                                                      &cursor_session_listener, cursor);
	cursor->session = ext_image_copy_capture_cursor_session_v1_get_capture_session(
	        cursor->cursor_session);
	ext_image_copy_capture_session_v1_add_listener(cursor->session, &session_listener, cursor);
	return cursor;
}

void cursor_wlr_destroy(struct cursor_wlr *cursor)
{
	if (!cursor)
		return;
	if (cursor->retry) {
		g_source_destroy(cursor->retry);
		g_source_unref(cursor->retry);
	}
	if (cursor->frame)
		ext_image_copy_capture_frame_v1_destroy(cursor->frame);
	if (cursor->session)
		ext_image_copy_capture_session_v1_destroy(cursor->session);
	if (cursor->cursor_session)
		ext_image_copy_capture_cursor_session_v1_destroy(cursor->cursor_session);
	if (cursor->source)
		ext_image_capture_source_v1_destroy(cursor->source);
	wayland_shm_buffer_free(&cursor->buffer);
	g_free(cursor);
}
