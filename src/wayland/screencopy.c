/* The frame loop: one zwlr_screencopy_frame_v1 at a time, asked for again as soon as the
 * last one is handed over (copy_with_damage waits in the compositor until something
 * changes). Two SHM buffers taken in turn, kept while they fit the output. The listener may
 * destroy us from any call: `busy` counts the calls under way, and a destroy during one
 * frees us on the next turn of the loop. */
#define LOG_MODULE "capture"
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <wayland-client.h>

#include "util/log.h"
#include "wayland/conn.h"
#include "wayland/cursor.h"
#include "wayland/screencopy.h"
#include "wayland/shm.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"

/* Version 1 has no copy_with_damage: we would copy 60 identical frames a second. */
#define SCREENCOPY_MIN_VERSION 2
#define SCREENCOPY_MAX_VERSION 3
#define MAX_FAILURES           5   /* consecutive `failed` events before we give up */
#define RETRY_MS               100 /* pause before asking again after `failed` */
/* Buffers copied into in turn, so a consumer that keeps a frame past its callback (a
 * zero-copy import) does not see it overwritten by the next copy. */
#define POOL_SIZE 2
/* A compositor that offers absurd sizes is refused rather than obeyed. */
#define MAX_SIDE        16384
#define BYTES_PER_PIXEL 4
/* wl_pointer.release; older seats' pointers are just destroyed. */
#define POINTER_RELEASE_VERSION 3

struct wayland_screencopy {
	const struct wayland_screencopy_listener *listener;
	void *data;
	struct wayland_conn *conn;
	void *observer;
	struct wl_display *display;    /* the connection's */
	struct wl_shm *shm;            /* the connection's */
	struct wayland_output *output; /* the connection's; NULL once it is gone */
	bool overlay_cursor;
	struct zwlr_screencopy_manager_v1 *manager;
	uint32_t version;

	/* The pointer beside the frames (wayland/cursor.c): only for a listener that wants it,
	 * on a compositor that offers both managers, while the first seat has a pointer. */
	struct ext_image_copy_capture_manager_v1 *copy_manager;
	struct ext_output_image_capture_source_manager_v1 *source_manager;
	struct wayland_seat *seat; /* the connection's first, followed while it lasts */
	bool seat_has_pointer;
	struct wl_pointer *pointer; /* the seat's, to name it in the cursor session */
	struct wayland_cursor *cursor;
	bool cursor_beside;  /* decided at start: frames leave the pointer out */
	bool cursor_stopped; /* the compositor ended the session: frames as options say */
	bool cursor_stop_said;
	bool cursor_shown; /* the listener last heard "visible": it hears "hidden" at the end */
	GSource *retry;

	struct zwlr_screencopy_frame_v1 *frame;
	struct wayland_shm_buffer pool[POOL_SIZE];
	unsigned next_buf; /* pool index the next copy goes into */
	unsigned copy_buf; /* pool index of the copy in flight */
	bool full_damage;  /* the next frame counts as wholly changed (new buffers) */
	uint32_t want_format, want_width, want_height, want_stride;
	bool have_shm_format;
	uint32_t dmabuf_format; /* offered by screencopy v3, 0 if none */
	uint32_t flags;
	GArray *damage; /* of struct wayland_screencopy_rect, for the frame in flight */
	bool too_much_damage;
	unsigned failures;
	bool closed;
	unsigned busy;  /* calls into the listener under way: destroy waits for them */
	GSource *dying; /* destroyed during one: frees us once it returned */
};

static void request_frame(struct wayland_screencopy *c);
static void screencopy_free(struct wayland_screencopy *c);

/* The listener may destroy us from any of its calls (wayland_screencopy_destroy then waits for
 * the call to return); callers touch nothing of ours after it but what is still there. */
static void close_with(struct wayland_screencopy *c, const char *reason)
{
	if (c->closed)
		return;
	c->closed = true;
	log_info("capture ended: %s", reason);
	c->busy++;
	c->listener->closed(c->data, reason);
	c->busy--;
}

static bool buffer_matches(const struct wayland_screencopy *c, const struct wayland_shm_buffer *b)
{
	return b->buffer && b->width == c->want_width && b->height == c->want_height &&
	       b->stride == c->want_stride && b->format == c->want_format;
}

static bool buffer_make(struct wayland_screencopy *c, struct wayland_shm_buffer *b)
{
	return wayland_shm_buffer_make(b, c->shm, "wayrtc-screencopy", c->want_width,
	                               c->want_height, c->want_stride, c->want_format);
}

/* The compositor's numbers are checked before they size a mapping. */
static bool offer_sane(const struct wayland_screencopy *c)
{
	return c->want_width > 0 && c->want_height > 0 && c->want_width <= MAX_SIDE &&
	       c->want_height <= MAX_SIDE && c->want_stride >= c->want_width * BYTES_PER_PIXEL &&
	       c->want_stride <= MAX_SIDE * BYTES_PER_PIXEL * 2;
}

static void start_copy(struct wayland_screencopy *c)
{
	enum wayland_screencopy_buffer kind;
	struct wayland_shm_buffer *b;

	if (c->closed)
		return;
	c->busy++;
	kind = c->listener->choose_buffer(c->data, c->have_shm_format, c->dmabuf_format);
	c->busy--;
	if (c->closed)
		return;
	switch (kind) {
	case WAYLAND_SCREENCOPY_BUFFER_NONE:
		close_with(c, "the compositor offers no shared-memory format for screencopy");
		return;
	case WAYLAND_SCREENCOPY_BUFFER_DMABUF:
		/* Not reached yet: the consumer chooses it only once an encoder imports
		 * DMA-BUFs. Then a GBM buffer of c->dmabuf_format, wrapped with
		 * zwp_linux_dmabuf_v1, goes into copy_with_damage here instead of the SHM pool. */
	case WAYLAND_SCREENCOPY_BUFFER_SHM:
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
	c->copy_buf = c->next_buf;
	c->next_buf = (c->next_buf + 1) % POOL_SIZE;
	zwlr_screencopy_frame_v1_copy_with_damage(c->frame, b->buffer);
}

static void frame_buffer(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
                         uint32_t width, uint32_t height, uint32_t stride)
{
	struct wayland_screencopy *c = data;

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
	struct wayland_screencopy *c = data;

	c->flags = flags;
}

static void frame_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
                         uint32_t w, uint32_t h)
{
	struct wayland_screencopy *c = data;
	struct wayland_screencopy_rect r = {x, y, w, h};

	if (c->damage->len >= WAYLAND_SCREENCOPY_MAX_DAMAGE)
		c->too_much_damage = true;
	else
		g_array_append_val(c->damage, r);
}

static void frame_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t sec_hi,
                        uint32_t sec_lo, uint32_t nsec)
{
	struct wayland_screencopy *c = data;
	const struct wayland_shm_buffer *b = &c->pool[c->copy_buf];
	struct wayland_screencopy_frame f = {
	        .width = b->width,
	        .height = b->height,
	        .stride = b->stride,
	        .format = b->format,
	        .y_invert = c->flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT,
	        .data = b->data,
	        .damage = (const struct wayland_screencopy_rect *)c->damage->data,
	        .n_damage = c->damage->len,
	        .whole = c->full_damage || c->too_much_damage,
	        .transform =
	                c->output ? (uint32_t)c->output->transform : WL_OUTPUT_TRANSFORM_NORMAL,
	};

	c->full_damage = false;
	c->failures = 0;
	zwlr_screencopy_frame_v1_destroy(c->frame);
	c->frame = NULL;
	if (c->closed)
		return;
	c->busy++;
	c->listener->ready(c->data, &f);
	c->busy--;
	/* at once: copy_with_damage waits in the compositor until something changes */
	request_frame(c);
}

static gboolean retry_frame(void *data)
{
	struct wayland_screencopy *c = data;

	g_clear_pointer(&c->retry, g_source_unref);
	request_frame(c);
	wl_display_flush(c->display);
	return G_SOURCE_REMOVE;
}

static void frame_failed(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct wayland_screencopy *c = data;

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
	struct wayland_screencopy *c = data;

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
static bool frame_overlay_cursor(const struct wayland_screencopy *c)
{
	return c->cursor_beside && !c->cursor_stopped ? false : c->overlay_cursor;
}

static void request_frame(struct wayland_screencopy *c)
{
	if (c->closed || c->frame)
		return;
	g_array_set_size(c->damage, 0);
	c->too_much_damage = false;
	c->flags = 0;
	c->have_shm_format = false;
	c->dmabuf_format = 0;
	g_assert(c->output); /* its removal closed us */
	c->frame = zwlr_screencopy_manager_v1_capture_output(c->manager, frame_overlay_cursor(c),
	                                                     c->output->proxy);
	zwlr_screencopy_frame_v1_add_listener(c->frame, &frame_listener, c);
}

static void cursor_tell(struct wayland_screencopy *c, const struct wayland_cursor_report *report)
{
	if (c->closed)
		return;
	c->cursor_shown = !report->hidden;
	c->busy++;
	c->listener->cursor(c->data, report);
	c->busy--;
}

static void cursor_report(void *data, const struct wayland_cursor_report *report)
{
	cursor_tell(data, report);
}

/* Whoever ends a session tells the listener, so no overlay stays where nothing is. */
static void cursor_hide(struct wayland_screencopy *c)
{
	struct wayland_cursor_report hidden = {.hidden = true};

	if (c->cursor_shown)
		cursor_tell(c, &hidden);
}

static void cursor_stopped(void *data, const char *reason)
{
	struct wayland_screencopy *c = data;

	wayland_cursor_destroy(c->cursor);
	c->cursor = NULL;
	c->cursor_stopped = true;
	if (!c->cursor_stop_said)
		log_info("the pointer no longer travels beside the picture: %s", reason);
	else
		log_debug("the pointer's session ended again: %s", reason);
	c->cursor_stop_said = true;
	cursor_hide(c);
}

static const struct wayland_cursor_listener cursor_listener = {
        .report = cursor_report,
        .stopped = cursor_stopped,
};

/* A session runs whenever everything it needs is there; it may wait for the seat's
 * pointer, which can come after the first frames, or go and come back. */
static void cursor_sync(struct wayland_screencopy *c)
{
	if (!c->cursor_beside || !c->output || !c->seat_has_pointer || c->cursor_stopped ||
	    c->cursor || c->closed)
		return;
	if (!c->pointer)
		c->pointer = wl_seat_get_pointer(c->seat->proxy);
	c->cursor = wayland_cursor_new(c->display, c->shm, c->copy_manager, c->source_manager,
	                               c->output->proxy, c->pointer, &cursor_listener, c);
}

static void cursor_drop_pointer(struct wayland_screencopy *c)
{
	wayland_cursor_destroy(c->cursor);
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

static void seat_drop(struct wayland_screencopy *c)
{
	cursor_drop_pointer(c);
	c->seat = NULL;
	c->seat_has_pointer = false;
}

/* ---- the connection's news ---- */

static void on_seat_capabilities(void *data, struct wayland_seat *seat)
{
	struct wayland_screencopy *c = data;

	/* the first seat is the one a desktop has; another may replace it if it goes */
	if (!c->listener->cursor || (c->seat && seat != c->seat))
		return;
	c->seat = seat;
	c->seat_has_pointer = seat->capabilities & WL_SEAT_CAPABILITY_POINTER;
	if (!c->seat_has_pointer)
		cursor_drop_pointer(c);
	cursor_sync(c);
}

static void on_seat_removed(void *data, struct wayland_seat *seat)
{
	struct wayland_screencopy *c = data;

	if (seat == c->seat)
		seat_drop(c);
}

static void on_output_removed(void *data, struct wayland_output *output)
{
	struct wayland_screencopy *c = data;

	if (output != c->output)
		return;
	c->output = NULL;
	close_with(c, "the shared screen was removed");
}

static void on_lost(void *data, const char *reason)
{
	close_with(data, reason);
}

static const struct wayland_conn_observer conn_observer = {
        .seat_capabilities = on_seat_capabilities,
        .seat_removed = on_seat_removed,
        .output_removed = on_output_removed,
        .lost = on_lost,
};

static void screencopy_free(struct wayland_screencopy *c)
{
	if (c->dying) {
		g_source_destroy(c->dying);
		g_source_unref(c->dying);
	}
	if (c->retry) {
		g_source_destroy(c->retry);
		g_source_unref(c->retry);
	}
	if (c->frame)
		zwlr_screencopy_frame_v1_destroy(c->frame);
	for (unsigned i = 0; i < POOL_SIZE; i++)
		wayland_shm_buffer_free(&c->pool[i]);
	if (c->damage)
		g_array_free(c->damage, TRUE);
	if (c->manager)
		zwlr_screencopy_manager_v1_destroy(c->manager);
	c->closed = true; /* no last "hidden" to a listener that is going */
	seat_drop(c);
	if (c->copy_manager)
		ext_image_copy_capture_manager_v1_destroy(c->copy_manager);
	if (c->source_manager)
		ext_output_image_capture_source_manager_v1_destroy(c->source_manager);
	if (c->conn) {
		wayland_conn_unobserve(c->conn, c->observer);
		wayland_conn_flush(c->conn);
		wayland_conn_unref(c->conn);
	}
	g_free(c);
}

static gboolean free_later(void *data)
{
	struct wayland_screencopy *c = data;

	g_clear_pointer(&c->dying, g_source_unref);
	screencopy_free(c);
	return G_SOURCE_REMOVE;
}

void wayland_screencopy_destroy(struct wayland_screencopy *c)
{
	if (!c)
		return;
	/* from inside a call into the listener: the code that made it still holds us, so we
	 * go on the next turn of the loop, hearing nothing more */
	if (c->busy) {
		c->closed = true;
		if (!c->dying) {
			c->dying = g_idle_source_new();
			g_source_set_priority(c->dying, G_PRIORITY_HIGH);
			g_source_set_callback(c->dying, free_later, c, NULL);
			g_source_attach(c->dying, g_main_context_get_thread_default());
		}
		return;
	}
	screencopy_free(c);
}

bool wayland_screencopy_cursor_beside(const struct wayland_screencopy *c)
{
	return c && c->cursor_beside;
}

struct wayland_screencopy *
wayland_screencopy_new(const struct wayland_screencopy_options *options,
                       const struct wayland_screencopy_listener *listener, void *data,
                       GError **error)
{
	struct wayland_screencopy *c = g_new0(struct wayland_screencopy, 1);
	const char *name;

	g_assert(listener && listener->choose_buffer && listener->ready && listener->closed);
	c->listener = listener;
	c->data = data;
	c->damage = g_array_new(FALSE, FALSE, sizeof(struct wayland_screencopy_rect));
	c->full_damage = true;
	c->overlay_cursor = options->overlay_cursor;
	c->conn = wayland_conn_get(options->display, "to share", error);
	if (!c->conn)
		goto fail;
	name = wayland_conn_name(c->conn);
	c->display = wayland_conn_display(c->conn);
	c->shm = wayland_conn_shm(c->conn);
	c->manager = wayland_conn_bind(c->conn, &zwlr_screencopy_manager_v1_interface,
	                               SCREENCOPY_MIN_VERSION, SCREENCOPY_MAX_VERSION, &c->version);
	if (!c->manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this compositor (“%s”) does not offer wlr-screencopy (version %d or "
		            "later); try --source=portal",
		            name, SCREENCOPY_MIN_VERSION);
		goto fail;
	}
	c->output = wayland_conn_find_output(c->conn, options->output);
	if (!c->output && options->output) {
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
	if (listener->cursor) {
		/* the rest is for the pointer, which only a cursor listener wants */
		c->copy_manager = wayland_conn_bind(
		        c->conn, &ext_image_copy_capture_manager_v1_interface, 1, 1, NULL);
		c->source_manager = wayland_conn_bind(
		        c->conn, &ext_output_image_capture_source_manager_v1_interface, 1, 1, NULL);
	}
	c->cursor_beside = listener->cursor && c->copy_manager && c->source_manager;
	c->observer = wayland_conn_observe(c->conn, &conn_observer, c);
	request_frame(c);
	/* the seat's capabilities came with the connection: a pointer may be there already */
	if (listener->cursor && wayland_conn_seat(c->conn))
		on_seat_capabilities(c, wayland_conn_seat(c->conn));
	wayland_conn_flush(c->conn);
	log_info("capturing “%s” with wlr-screencopy v%u", name, c->version);
	return c;
fail:
	screencopy_free(c);
	return NULL;
}
