/* capture_wlr's cursor rules against a scripted compositor in this process (libwayland-
 * server on a thread of its own: wl_shm, one output, a seat, wlr-screencopy,
 * ext-image-copy-capture-v1), for what wayrtc-session never does: paint the cursor on
 * request, stop a session, change the seat's pointer, fail a capture, offer a huge image.
 * Each step sends what the compositor would, then checks what capture_wlr asked for and
 * reported. */
#include <glib.h>
#include <poll.h>
#include <glib/gstdio.h>
#include <string.h>
#include <wayland-server.h>

#include "ext-image-capture-source-v1-protocol.h"
#include "ext-image-copy-capture-v1-protocol.h"
#include "util/log.h"
#include "media/capture.h"
#include "wlr-screencopy-unstable-v1-protocol.h"

#define WIDTH      64
#define HEIGHT     48
#define TIMEOUT_MS 5000
#define AR24       0x34325241
#define XR24       0x34325258

struct report {
	bool hidden;
	int32_t x, y, hot_x, hot_y;
	bool image;
	uint32_t width, height, format, first_pixel;
};

struct fake {
	struct wl_display *display;
	char *socket;
	bool offer_ext;
	uint32_t seat_caps;
	GPtrArray *seats; /* wl_seat resources */
	unsigned ext_binds;

	/* screencopy */
	GArray *overlays; /* overlay_cursor of each capture_output, in order */
	struct wl_resource *sc_frame;
	struct wl_resource *sc_buffer; /* copy_with_damage waiting for fake_give_frame */

	/* ext-image-copy-capture-v1: the newest cursor session and its parts */
	unsigned cursor_sessions_made, cursor_sessions_alive, frames_made;
	struct wl_resource *cursor_session, *session, *frame, *frame_buffer;
	bool frame_captured;
	uint32_t pixel; /* what the next cursor image is filled with */
};

static struct fake fake;

/* what capture_wlr told us */
static GArray *reports;
static unsigned frames;

static void on_frame(void *data, const struct capture_frame *frame)
{
	frames++;
}

static void on_closed(void *data, const char *reason)
{
	g_error("capture closed: %s", reason);
}

static void on_cursor(void *data, const struct capture_cursor *c)
{
	struct report r = {
	        .hidden = c->hidden,
	        .x = c->x,
	        .y = c->y,
	        .hot_x = c->hotspot_x,
	        .hot_y = c->hotspot_y,
	};

	if (!c->hidden && c->bitmap) {
		r.image = true;
		r.width = c->width;
		r.height = c->height;
		r.format = c->format;
		memcpy(&r.first_pixel, c->bitmap, 4);
		g_assert_cmpuint(c->stride, >=, c->width * 4);
	}
	g_array_append_val(reports, r);
}

static const struct capture_listener cursor_listener = {
        .frame = on_frame,
        .closed = on_closed,
        .cursor = on_cursor,
};

static const struct capture_listener plain_listener = {
        .frame = on_frame,
        .closed = on_closed,
};

/* --- the compositor ------------------------------------------------------------------ */

static void clear_on_destroy(struct wl_resource *resource, struct wl_resource **slot)
{
	if (*slot == resource)
		*slot = NULL;
}

static void resource_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_output_interface output_impl = {.release = resource_destroy};

static void output_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_output_interface, (int)version, id);

	wl_resource_set_implementation(r, &output_impl, NULL, NULL);
}

/* wl_pointer */
static void pointer_set_cursor(struct wl_client *client, struct wl_resource *resource,
                               uint32_t serial, struct wl_resource *surface, int32_t x, int32_t y)
{
}

static const struct wl_pointer_interface pointer_impl = {
        .set_cursor = pointer_set_cursor,
        .release = resource_destroy,
};

static void seat_get_pointer(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_pointer_interface,
	                                           wl_resource_get_version(resource), id);

	wl_resource_set_implementation(r, &pointer_impl, NULL, NULL);
}

static void seat_get_other(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	g_error("capture_wlr asked for a keyboard or touch");
}

static void seat_gone(struct wl_resource *resource)
{
	if (fake.seats)
		g_ptr_array_remove(fake.seats, resource);
}

static const struct wl_seat_interface seat_impl = {
        .get_pointer = seat_get_pointer,
        .get_keyboard = seat_get_other,
        .get_touch = seat_get_other,
        .release = resource_destroy,
};

static void seat_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_seat_interface, (int)version, id);

	wl_resource_set_implementation(r, &seat_impl, NULL, seat_gone);
	g_ptr_array_add(fake.seats, r);
	wl_seat_send_capabilities(r, fake.seat_caps);
	if (version >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(r, "seat0");
}

/* zwlr_screencopy */
static void sc_frame_gone(struct wl_resource *resource)
{
	clear_on_destroy(resource, &fake.sc_frame);
	if (!fake.sc_frame)
		fake.sc_buffer = NULL;
}

static void sc_frame_copy_with_damage(struct wl_client *client, struct wl_resource *resource,
                                      struct wl_resource *buffer)
{
	fake.sc_buffer = buffer;
}

static const struct zwlr_screencopy_frame_v1_interface sc_frame_impl = {
        .copy = sc_frame_copy_with_damage,
        .destroy = resource_destroy,
        .copy_with_damage = sc_frame_copy_with_damage,
};

static void sc_capture_output(struct wl_client *client, struct wl_resource *resource, uint32_t id,
                              int32_t overlay_cursor, struct wl_resource *output)
{
	struct wl_resource *r = wl_resource_create(client, &zwlr_screencopy_frame_v1_interface,
	                                           wl_resource_get_version(resource), id);
	uint32_t overlay = (uint32_t)overlay_cursor;

	wl_resource_set_implementation(r, &sc_frame_impl, NULL, sc_frame_gone);
	g_array_append_val(fake.overlays, overlay);
	fake.sc_frame = r;
	zwlr_screencopy_frame_v1_send_buffer(r, WL_SHM_FORMAT_XRGB8888, WIDTH, HEIGHT, WIDTH * 4);
	zwlr_screencopy_frame_v1_send_buffer_done(r);
}

static void sc_capture_region(struct wl_client *client, struct wl_resource *resource, uint32_t id,
                              int32_t overlay_cursor, struct wl_resource *output, int32_t x,
                              int32_t y, int32_t w, int32_t h)
{
	g_error("capture_wlr asked for a region");
}

static const struct zwlr_screencopy_manager_v1_interface sc_manager_impl = {
        .capture_output = sc_capture_output,
        .capture_output_region = sc_capture_region,
        .destroy = resource_destroy,
};

static void sc_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r =
	        wl_resource_create(client, &zwlr_screencopy_manager_v1_interface, (int)version, id);

	wl_resource_set_implementation(r, &sc_manager_impl, NULL, NULL);
}

/* ext_image_capture_source */
static const struct ext_image_capture_source_v1_interface source_impl = {
        .destroy = resource_destroy,
};

static void source_create(struct wl_client *client, struct wl_resource *resource, uint32_t id,
                          struct wl_resource *output)
{
	struct wl_resource *r = wl_resource_create(client, &ext_image_capture_source_v1_interface,
	                                           wl_resource_get_version(resource), id);

	wl_resource_set_implementation(r, &source_impl, NULL, NULL);
}

static const struct ext_output_image_capture_source_manager_v1_interface source_manager_impl = {
        .create_source = source_create,
        .destroy = resource_destroy,
};

static void source_manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(
	        client, &ext_output_image_capture_source_manager_v1_interface, (int)version, id);

	fake.ext_binds++;
	wl_resource_set_implementation(r, &source_manager_impl, NULL, NULL);
}

/* ext_image_copy_capture frame, session, cursor session */
static void frame_gone(struct wl_resource *resource)
{
	clear_on_destroy(resource, &fake.frame);
}

static void frame_attach(struct wl_client *client, struct wl_resource *resource,
                         struct wl_resource *buffer)
{
	fake.frame_buffer = buffer;
}

static void frame_damage(struct wl_client *client, struct wl_resource *resource, int32_t x,
                         int32_t y, int32_t w, int32_t h)
{
	g_assert_cmpint(x, >=, 0);
	g_assert_cmpint(w, >, 0);
}

static void frame_capture(struct wl_client *client, struct wl_resource *resource)
{
	g_assert_true(resource == fake.frame);
	g_assert_nonnull(fake.frame_buffer);
	fake.frame_captured = true;
}

static const struct ext_image_copy_capture_frame_v1_interface frame_impl = {
        .destroy = resource_destroy,
        .attach_buffer = frame_attach,
        .damage_buffer = frame_damage,
        .capture = frame_capture,
};

static void session_create_frame(struct wl_client *client, struct wl_resource *resource,
                                 uint32_t id)
{
	struct wl_resource *r =
	        wl_resource_create(client, &ext_image_copy_capture_frame_v1_interface,
	                           wl_resource_get_version(resource), id);

	g_assert_null(fake.frame); /* one at a time */
	wl_resource_set_implementation(r, &frame_impl, NULL, frame_gone);
	fake.frame = r;
	fake.frame_buffer = NULL;
	fake.frame_captured = false;
	fake.frames_made++;
}

static void session_gone(struct wl_resource *resource)
{
	clear_on_destroy(resource, &fake.session);
}

static const struct ext_image_copy_capture_session_v1_interface session_impl = {
        .create_frame = session_create_frame,
        .destroy = resource_destroy,
};

static void cursor_get_session(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct wl_resource *r =
	        wl_resource_create(client, &ext_image_copy_capture_session_v1_interface,
	                           wl_resource_get_version(resource), id);

	wl_resource_set_implementation(r, &session_impl, NULL, session_gone);
	fake.session = r;
}

static void cursor_session_gone(struct wl_resource *resource)
{
	fake.cursor_sessions_alive--;
	clear_on_destroy(resource, &fake.cursor_session);
}

static const struct ext_image_copy_capture_cursor_session_v1_interface cursor_session_impl = {
        .destroy = resource_destroy,
        .get_capture_session = cursor_get_session,
};

static void copy_create_session(struct wl_client *client, struct wl_resource *resource, uint32_t id,
                                struct wl_resource *source, uint32_t options)
{
	g_error("capture_wlr asked for an output frame session");
}

static void copy_create_cursor_session(struct wl_client *client, struct wl_resource *resource,
                                       uint32_t id, struct wl_resource *source,
                                       struct wl_resource *pointer)
{
	struct wl_resource *r =
	        wl_resource_create(client, &ext_image_copy_capture_cursor_session_v1_interface,
	                           wl_resource_get_version(resource), id);

	g_assert_true(wl_resource_instance_of(pointer, &wl_pointer_interface, &pointer_impl));
	wl_resource_set_implementation(r, &cursor_session_impl, NULL, cursor_session_gone);
	fake.cursor_session = r;
	fake.cursor_sessions_made++;
	fake.cursor_sessions_alive++;
}

static const struct ext_image_copy_capture_manager_v1_interface copy_manager_impl = {
        .create_session = copy_create_session,
        .create_pointer_cursor_session = copy_create_cursor_session,
        .destroy = resource_destroy,
};

static void copy_manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(
	        client, &ext_image_copy_capture_manager_v1_interface, (int)version, id);

	fake.ext_binds++;
	wl_resource_set_implementation(r, &copy_manager_impl, NULL, NULL);
}

/* The compositor runs on its own thread (capture_wlr_new does a blocking roundtrip);
 * the lock guards `fake` and every call into libwayland-server. */
static GMutex lock;
static GThread *thread;
static gint running;

static gpointer server_run(gpointer data)
{
	struct wl_event_loop *loop = wl_display_get_event_loop(fake.display);
	struct pollfd p = {.fd = wl_event_loop_get_fd(loop), .events = POLLIN};

	while (g_atomic_int_get(&running)) {
		poll(&p, 1, 5);
		g_mutex_lock(&lock);
		wl_event_loop_dispatch(loop, 0);
		wl_display_flush_clients(fake.display);
		g_mutex_unlock(&lock);
	}
	return NULL;
}

/* A step of the script: the compositor's state and sends, then out to the client. */
#define LOCKED(...)                                                                                \
	do {                                                                                       \
		g_mutex_lock(&lock);                                                               \
		__VA_ARGS__;                                                                       \
		wl_display_flush_clients(fake.display);                                            \
		g_mutex_unlock(&lock);                                                             \
	} while (0)

static unsigned locked_get(const unsigned *field)
{
	unsigned v;

	g_mutex_lock(&lock);
	v = *field;
	g_mutex_unlock(&lock);
	return v;
}

static void fake_start(bool offer_ext)
{
	const char *name;

	memset(&fake, 0, sizeof(fake));
	fake.offer_ext = offer_ext;
	fake.seat_caps = WL_SEAT_CAPABILITY_POINTER;
	fake.seats = g_ptr_array_new();
	fake.overlays = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	fake.display = wl_display_create();
	g_assert_nonnull(fake.display);
	name = wl_display_add_socket_auto(fake.display);
	g_assert_nonnull(name);
	fake.socket = g_build_filename(g_getenv("XDG_RUNTIME_DIR"), name, NULL);
	g_assert_cmpint(wl_display_init_shm(fake.display), ==, 0);
	wl_global_create(fake.display, &wl_output_interface, 4, NULL, output_bind);
	wl_global_create(fake.display, &wl_seat_interface, 5, NULL, seat_bind);
	wl_global_create(fake.display, &zwlr_screencopy_manager_v1_interface, 3, NULL, sc_bind);
	if (offer_ext) {
		wl_global_create(fake.display,
		                 &ext_output_image_capture_source_manager_v1_interface, 1, NULL,
		                 source_manager_bind);
		wl_global_create(fake.display, &ext_image_copy_capture_manager_v1_interface, 1,
		                 NULL, copy_manager_bind);
	}
	g_atomic_int_set(&running, 1);
	thread = g_thread_new("fake-compositor", server_run, NULL);
	reports = g_array_new(FALSE, FALSE, sizeof(struct report));
	frames = 0;
}

static void fake_stop(void)
{
	g_atomic_int_set(&running, 0);
	g_thread_join(thread);
	g_ptr_array_free(fake.seats, TRUE);
	fake.seats = NULL;
	wl_display_destroy_clients(fake.display);
	wl_display_destroy(fake.display);
	g_array_free(fake.overlays, TRUE);
	g_free(fake.socket);
	g_array_free(reports, TRUE);
	reports = NULL;
}

/* --- steps and checks --------------------------------------------------------------- */

static gboolean set_flag(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

typedef bool (*condition_fn)(void);

static gboolean keep(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

/* `cond` may turn on the compositor's thread, which wakes nobody here: look often. */
static void run_until(condition_fn cond, const char *what)
{
	bool timed_out = false;
	guint timer = g_timeout_add(TIMEOUT_MS, set_flag, &timed_out);
	guint tick = g_timeout_add(2, keep, NULL);

	while (!cond()) {
		if (timed_out)
			g_error("timed out waiting for %s", what);
		g_main_context_iteration(NULL, TRUE);
	}
	g_source_remove(tick);
	if (!timed_out)
		g_source_remove(timer);
	if (g_test_verbose())
		g_printerr("%.3f: %s\n", g_get_monotonic_time() / 1e6, what);
}

/* Long enough for any answer to arrive (both ends are in this process). */
static void settle(void)
{
	bool done = false;

	g_timeout_add(50, set_flag, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

static bool have_session(void)
{
	bool v;

	LOCKED(v = fake.session != NULL);
	return v;
}

static bool frame_captured(void)
{
	bool v;

	LOCKED(v = fake.frame && fake.frame_captured);
	return v;
}

static bool sc_waiting(void)
{
	bool v;

	LOCKED(v = fake.sc_buffer != NULL);
	return v;
}

static struct capture *capture_start(const struct capture_listener *listener, bool overlay)
{
	struct capture_wlr_options o = {.display = fake.socket, .overlay_cursor = overlay};
	g_autoptr(GError) error = NULL;
	struct capture *capture = capture_wlr_new_with(&o, listener, NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(capture);
	run_until(sc_waiting, "a screencopy copy");
	return capture;
}

static bool client_gone(void)
{
	bool v;

	LOCKED(v = !fake.sc_frame && !fake.cursor_session && !fake.session);
	return v;
}

/* Until the compositor has seen the client go, so the next one starts afresh. */
static void capture_end(struct capture *capture)
{
	capture_destroy(capture);
	run_until(client_gone, "the client to go");
	LOCKED(fake.sc_buffer = NULL);
}

/* Completes screencopy's waiting copy; capture_wlr then asks for the next at once. */
static unsigned overlays_before;

static bool next_copy(void)
{
	bool v;

	LOCKED(v = fake.overlays->len > overlays_before && fake.sc_buffer);
	return v;
}

static void give_frame(void)
{
	g_assert_true(sc_waiting());
	LOCKED(overlays_before = fake.overlays->len;
	       zwlr_screencopy_frame_v1_send_flags(fake.sc_frame, 0);
	       zwlr_screencopy_frame_v1_send_damage(fake.sc_frame, 0, 0, WIDTH, HEIGHT);
	       zwlr_screencopy_frame_v1_send_ready(fake.sc_frame, 0, 0, 0); fake.sc_buffer = NULL);
	run_until(next_copy, "the next screencopy copy");
}

static uint32_t last_overlay(void)
{
	uint32_t v;

	LOCKED(v = g_array_index(fake.overlays, uint32_t, fake.overlays->len - 1));
	return v;
}

static void constraints_locked(uint32_t w, uint32_t h, bool argb, bool xrgb)
{
	if (xrgb)
		ext_image_copy_capture_session_v1_send_shm_format(fake.session,
		                                                  WL_SHM_FORMAT_XRGB8888);
	if (argb)
		ext_image_copy_capture_session_v1_send_shm_format(fake.session,
		                                                  WL_SHM_FORMAT_ARGB8888);
	ext_image_copy_capture_session_v1_send_buffer_size(fake.session, w, h);
	ext_image_copy_capture_session_v1_send_done(fake.session);
}

static void constraints(uint32_t w, uint32_t h, bool argb, bool xrgb)
{
	LOCKED(constraints_locked(w, h, argb, xrgb));
}

/* The waiting cursor capture: filled with fake.pixel, ready. */
static void cursor_ready_locked(uint32_t want_w, uint32_t want_h, uint32_t want_format)
{
	struct wl_shm_buffer *shm;
	uint32_t *px;

	shm = wl_shm_buffer_get(fake.frame_buffer);
	g_assert_nonnull(shm);
	g_assert_cmpint(wl_shm_buffer_get_width(shm), ==, (int)want_w);
	g_assert_cmpint(wl_shm_buffer_get_height(shm), ==, (int)want_h);
	g_assert_cmpuint(wl_shm_buffer_get_format(shm), ==, want_format);
	wl_shm_buffer_begin_access(shm);
	px = wl_shm_buffer_get_data(shm);
	for (uint32_t i = 0; i < want_h * (uint32_t)wl_shm_buffer_get_stride(shm) / 4; i++)
		px[i] = fake.pixel;
	wl_shm_buffer_end_access(shm);
	ext_image_copy_capture_frame_v1_send_ready(fake.frame);
	fake.frame_captured = false;
}

static void cursor_ready(uint32_t want_w, uint32_t want_h, uint32_t want_format)
{
	run_until(frame_captured, "a cursor capture");
	LOCKED(cursor_ready_locked(want_w, want_h, want_format));
}

static void cursor_fail(uint32_t reason)
{
	run_until(frame_captured, "a cursor capture");
	LOCKED(ext_image_copy_capture_frame_v1_send_failed(fake.frame, reason);
	       fake.frame_captured = false);
}

static void set_caps(uint32_t caps)
{
	LOCKED(fake.seat_caps = caps; for (guint i = 0; i < fake.seats->len; i++)
	               wl_seat_send_capabilities(g_ptr_array_index(fake.seats, i), caps));
}

static const struct report *last_report(void)
{
	g_assert_cmpuint(reports->len, >, 0);
	return &g_array_index(reports, struct report, reports->len - 1);
}

static unsigned n_reports;

static bool new_report(void)
{
	return reports->len > n_reports;
}

/* Runs until capture_wlr reports something, and returns it. */
static const struct report *next_report(void)
{
	n_reports = reports->len;
	run_until(new_report, "a cursor report");
	g_assert_cmpuint(reports->len, ==, n_reports + 1);
	return last_report();
}

static void expect_no_report(void)
{
	unsigned before = reports->len;

	settle();
	g_assert_cmpuint(reports->len, ==, before);
}

/* Enter and a place; what the place is reported with. */
static const struct report *enter_at(int32_t x, int32_t y)
{
	LOCKED(ext_image_copy_capture_cursor_session_v1_send_enter(fake.cursor_session);
	       ext_image_copy_capture_cursor_session_v1_send_position(fake.cursor_session, x, y));
	return next_report();
}

/* --- tests -------------------------------------------------------------------------- */

/* The hotspot belongs to the next ready's image; positions carry the image's; an image
 * that comes while the pointer is away waits for its return, with no capture over it. */
static void test_reports(void)
{
	struct capture *capture;
	const struct report *r;

	fake_start(true);
	capture = capture_start(&cursor_listener, true);
	g_assert_true(capture_wlr_cursor_beside(capture));
	g_assert_cmpuint(last_overlay(), ==, 0);
	run_until(have_session, "a cursor session");

	r = enter_at(10, 20);
	g_assert_false(r->hidden);
	g_assert_false(r->image);
	g_assert_cmpint(r->x, ==, 10);
	g_assert_cmpint(r->y, ==, 20);
	constraints(16, 8, true, true);
	LOCKED(ext_image_copy_capture_cursor_session_v1_send_hotspot(fake.cursor_session, 3, 4));
	LOCKED(fake.pixel = 0x80112233);
	cursor_ready(16, 8, WL_SHM_FORMAT_ARGB8888);
	r = next_report();
	g_assert_true(r->image);
	g_assert_cmpuint(r->width, ==, 16);
	g_assert_cmpuint(r->height, ==, 8);
	g_assert_cmpuint(r->format, ==, AR24);
	g_assert_cmphex(r->first_pixel, ==, 0x80112233);
	g_assert_cmpint(r->hot_x, ==, 3);
	g_assert_cmpint(r->hot_y, ==, 4);
	g_assert_cmpint(r->x, ==, 10);

	/* a new hotspot, no image yet: moves keep the old one */
	LOCKED(ext_image_copy_capture_cursor_session_v1_send_hotspot(fake.cursor_session, 1, 2));
	LOCKED(ext_image_copy_capture_cursor_session_v1_send_position(fake.cursor_session, -3, 50));
	r = next_report();
	g_assert_false(r->image);
	g_assert_cmpint(r->x, ==, -3);
	g_assert_cmpint(r->y, ==, 50);
	g_assert_cmpint(r->hot_x, ==, 3);
	g_assert_cmpint(r->hot_y, ==, 4);
	LOCKED(fake.pixel = 0xff445566);
	cursor_ready(16, 8, WL_SHM_FORMAT_ARGB8888);
	r = next_report();
	g_assert_true(r->image);
	g_assert_cmphex(r->first_pixel, ==, 0xff445566);
	g_assert_cmpint(r->hot_x, ==, 1);
	g_assert_cmpint(r->hot_y, ==, 2);

	/* away: hidden; an image then is held, and no capture may overwrite it */
	LOCKED(ext_image_copy_capture_cursor_session_v1_send_leave(fake.cursor_session));
	r = next_report();
	g_assert_true(r->hidden);
	LOCKED(fake.pixel = 0xff778899);
	cursor_ready(16, 8, WL_SHM_FORMAT_ARGB8888);
	constraints(16, 8, true, true); /* the same again: no reason to capture */
	expect_no_report();
	g_assert_false(frame_captured());
	r = enter_at(30, 31);
	g_assert_true(r->image);
	g_assert_cmphex(r->first_pixel, ==, 0xff778899);
	g_assert_cmpint(r->x, ==, 30);
	run_until(frame_captured, "the capture after the held image");

	/* frames went on all along, without the cursor */
	give_frame();
	g_assert_cmpuint(last_overlay(), ==, 0);
	g_assert_cmpuint(frames, >=, 1);

	capture_end(capture);
	fake_stop();
}

/* New constraints: a new buffer of the new size; a too-big image is refused until a
 * usable size comes; XRGB where ARGB is not offered; unknown failures are retried. */
static void test_constraints(void)
{
	struct capture *capture;
	const struct report *r;
	unsigned made;

	fake_start(true);
	capture = capture_start(&cursor_listener, false);
	run_until(have_session, "a cursor session");
	enter_at(5, 5);
	constraints(24, 24, true, false);
	run_until(frame_captured, "a cursor capture");

	/* the compositor's image grew while our frame waited */
	constraints(32, 16, true, false);
	cursor_fail(EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
	cursor_ready(32, 16, WL_SHM_FORMAT_ARGB8888);
	r = next_report();
	g_assert_cmpuint(r->width, ==, 32);
	g_assert_cmpuint(r->height, ==, 16);

	/* failed before the new constraints came: wait for them */
	cursor_fail(EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
	made = locked_get(&fake.frames_made);
	settle();
	g_assert_cmpuint(locked_get(&fake.frames_made), ==, made);
	constraints(20, 20, false, true);
	cursor_ready(20, 20, WL_SHM_FORMAT_XRGB8888);
	r = next_report();
	g_assert_cmpuint(r->format, ==, XR24);
	g_assert_cmpuint(r->width, ==, 20);

	/* over 256 a side: refused, no capture, until it shrinks */
	run_until(frame_captured, "a cursor capture");
	constraints(300, 20, true, false);
	cursor_fail(EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
	made = locked_get(&fake.frames_made);
	settle();
	g_assert_cmpuint(locked_get(&fake.frames_made), ==, made);
	constraints(256, 256, true, false);
	cursor_ready(256, 256, WL_SHM_FORMAT_ARGB8888);
	r = next_report();
	g_assert_cmpuint(r->width, ==, 256);

	/* a runtime failure: tried again (after a pause) */
	cursor_fail(EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_UNKNOWN);
	cursor_ready(256, 256, WL_SHM_FORMAT_ARGB8888);
	r = next_report();
	g_assert_true(r->image);

	capture_end(capture);
	fake_stop();
}

/* The seat's pointer goes: the session ends, hidden; it comes back: a new session. A
 * stopped session: hidden, frames as the options say, until the pointer is replaced. */
static void test_pointer_and_stop(void)
{
	struct capture *capture;
	const struct report *r;

	fake_start(true);
	capture = capture_start(&cursor_listener, true);
	run_until(have_session, "a cursor session");
	enter_at(1, 2);
	constraints(8, 8, true, false);
	cursor_ready(8, 8, WL_SHM_FORMAT_ARGB8888);
	next_report();

	set_caps(WL_SEAT_CAPABILITY_KEYBOARD);
	r = next_report();
	g_assert_true(r->hidden);
	settle();
	g_assert_cmpuint(locked_get(&fake.cursor_sessions_alive), ==, 0);
	give_frame();
	g_assert_cmpuint(last_overlay(), ==, 0); /* nothing to paint, still beside */

	set_caps(WL_SEAT_CAPABILITY_KEYBOARD | WL_SEAT_CAPABILITY_POINTER);
	run_until(have_session, "a second cursor session");
	g_assert_cmpuint(locked_get(&fake.cursor_sessions_made), ==, 2);
	r = enter_at(7, 9);
	g_assert_cmpint(r->x, ==, 7);

	/* the compositor stops it: hidden, and screencopy paints the cursor in again */
	LOCKED(ext_image_copy_capture_session_v1_send_stopped(fake.session));
	r = next_report();
	g_assert_true(r->hidden);
	settle();
	g_assert_cmpuint(locked_get(&fake.cursor_sessions_alive), ==, 0);
	give_frame();
	g_assert_cmpuint(last_overlay(), ==, 1);
	g_assert_true(capture_wlr_cursor_beside(capture)); /* decided at start */

	/* a pointer that goes and comes back gets a session again */
	set_caps(0);
	set_caps(WL_SEAT_CAPABILITY_POINTER);
	run_until(have_session, "a third cursor session");
	g_assert_cmpuint(locked_get(&fake.cursor_sessions_made), ==, 3);
	give_frame();
	g_assert_cmpuint(last_overlay(), ==, 0);

	/* failures without end: given up like a stop */
	constraints(8, 8, true, false);
	enter_at(3, 3);
	for (int i = 0; i < 6; i++)
		cursor_fail(EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_UNKNOWN);
	r = next_report();
	g_assert_true(r->hidden);
	give_frame();
	g_assert_cmpuint(last_overlay(), ==, 1);

	capture_end(capture);
	fake_stop();
}

/* No protocol: overlay_cursor as asked and no reports; no listener: not even bound. */
static void test_without(void)
{
	struct capture *capture;

	fake_start(false);
	capture = capture_start(&cursor_listener, true);
	g_assert_false(capture_wlr_cursor_beside(capture));
	g_assert_cmpuint(last_overlay(), ==, 1);
	give_frame();
	g_assert_cmpuint(last_overlay(), ==, 1);
	capture_end(capture);
	capture = capture_start(&cursor_listener, false);
	g_assert_cmpuint(last_overlay(), ==, 0);
	capture_end(capture);
	g_assert_cmpuint(reports->len, ==, 0);
	fake_stop();

	fake_start(true);
	capture = capture_start(&plain_listener, true);
	g_assert_false(capture_wlr_cursor_beside(capture));
	g_assert_cmpuint(last_overlay(), ==, 1);
	give_frame();
	settle();
	g_assert_cmpuint(locked_get(&fake.ext_binds), ==, 0);
	g_assert_cmpuint(locked_get(&fake.cursor_sessions_made), ==, 0);
	capture_end(capture);
	fake_stop();
}

int main(int argc, char **argv)
{
	g_autofree char *runtime = NULL;
	int ret;

	g_test_init(&argc, &argv, NULL);
	log_init(LOG_WARN); /* $WAYRTC_LOG overrides */
	runtime = g_dir_make_tmp("wayrtc-test-cursor-XXXXXX", NULL);
	g_assert_nonnull(runtime);
	g_setenv("XDG_RUNTIME_DIR", runtime, TRUE);
	g_test_add_func("/cursor-wlr/reports", test_reports);
	g_test_add_func("/cursor-wlr/constraints", test_constraints);
	g_test_add_func("/cursor-wlr/pointer-and-stop", test_pointer_and_stop);
	g_test_add_func("/cursor-wlr/without", test_without);
	ret = g_test_run();
	g_rmdir(runtime);
	return ret;
}
