/* The portal client's pure parts: the Request path it subscribes to before each call, the
 * Start response it reads, and the words for a refusal. Its input against a fake frontend
 * on a private bus (a dbus-daemon of GTestDBus) that passes calls on in any order, as
 * xdg-desktop-portal's worker threads may. The whole client runs against the real
 * frontend in tests/portal/client. */
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <string.h>
#include <unistd.h>

#include "input/sink.h"
#include "input/sink_portal.h"
#include "xdp/session.h"

static void test_request_path(void)
{
	g_autofree char *a = xdp_request_path(":1.42", "wayrtc7_1");
	g_autofree char *b = xdp_request_path(":1.2.3", "t");

	/* the sender's unique name without the colon, dots made underscores */
	g_assert_cmpstr(a, ==, "/org/freedesktop/portal/desktop/request/1_42/wayrtc7_1");
	g_assert_cmpstr(b, ==, "/org/freedesktop/portal/desktop/request/1_2_3/t");
	g_assert_true(g_variant_is_object_path(a));
}

static GVariant *results(const char *text)
{
	g_autoptr(GError) error = NULL;
	GVariant *v = g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

	g_assert_no_error(error);
	return v;
}

static void test_streams(void)
{
	g_autoptr(GVariant) one = results("{'streams': <[(uint32 36, {'position': <(0, 0)>, "
	                                  "'size': <(1280, 720)>, 'source_type': <uint32 1>})]>, "
	                                  "'devices': <uint32 3>}");
	g_autoptr(GVariant) two = results("{'streams': <[(uint32 40, {'size': <(640, 480)>}), "
	                                  "(uint32 41, {'size': <(800, 600)>})]>}");
	g_autoptr(GVariant) nosize = results("{'streams': <[(uint32 7, @a{sv} {})]>}");
	g_autoptr(GVariant) badsize = results("{'streams': <[(uint32 7, {'size': <(-5, 10)>})]>}");
	g_autoptr(GVariant) none = results("{'streams': <@a(ua{sv}) []>}");
	g_autoptr(GVariant) absent = results("{'devices': <uint32 3>}");
	g_autoptr(GVariant) mistyped = results("{'streams': <'36'>}");
	struct xdp_stream s;
	g_autoptr(GError) error = NULL;

	g_assert_true(xdp_parse_streams(one, &s, NULL));
	g_assert_cmpuint(s.node_id, ==, 36);
	g_assert_cmpint(s.width, ==, 1280);
	g_assert_cmpint(s.height, ==, 720);
	/* several monitors: the first is shared */
	g_assert_true(xdp_parse_streams(two, &s, NULL));
	g_assert_cmpuint(s.node_id, ==, 40);
	g_assert_cmpint(s.width, ==, 640);
	/* a size the portal did not give, or gave nonsense for, is unknown (0), not trusted */
	g_assert_true(xdp_parse_streams(nosize, &s, NULL));
	g_assert_cmpint(s.width, ==, 0);
	g_assert_true(xdp_parse_streams(badsize, &s, NULL));
	g_assert_cmpint(s.width, ==, 0);
	g_assert_cmpint(s.height, ==, 0);
	g_assert_false(xdp_parse_streams(none, &s, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(xdp_parse_streams(absent, &s, &error));
	g_clear_error(&error);
	g_assert_false(xdp_parse_streams(mistyped, &s, &error));
}

static void test_reasons(void)
{
	g_assert_nonnull(strstr(xdp_response_reason(1), "not allowed"));
	g_assert_nonnull(strstr(xdp_response_reason(2), "could not"));
	g_assert_cmpstr(xdp_response_reason(3), ==, xdp_response_reason(2));
}

/* ---- input through a frontend that may reorder ---- */

#define DESKTOP_PATH "/org/freedesktop/portal/desktop"
#define SESSION_PATH DESKTOP_PATH "/session/1_0/fake"
/* how long the fake keeps a Notify before passing it on and answering */
#define HOLD_MS 20

static const char fake_xml[] =
        "<node>"
        "<interface name='org.freedesktop.portal.ScreenCast'>"
        "<method name='SelectSources'><arg type='o' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
        "<method name='OpenPipeWireRemote'><arg type='o' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='h' direction='out'/></method>"
        "<property name='AvailableSourceTypes' type='u' access='read'/>"
        "<property name='AvailableCursorModes' type='u' access='read'/>"
        "</interface>"
        "<interface name='org.freedesktop.portal.RemoteDesktop'>"
        "<method name='CreateSession'><arg type='a{sv}' direction='in'/>"
        "<arg type='o' direction='out'/></method>"
        "<method name='SelectDevices'><arg type='o' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
        "<method name='Start'><arg type='o' direction='in'/><arg type='s' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
        "<method name='NotifyPointerMotionAbsolute'><arg type='o' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='u' direction='in'/>"
        "<arg type='d' direction='in'/><arg type='d' direction='in'/></method>"
        "<method name='NotifyPointerButton'><arg type='o' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
        "<arg type='u' direction='in'/></method>"
        "<method name='NotifyKeyboardKeycode'><arg type='o' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
        "<arg type='u' direction='in'/></method>"
        "<method name='NotifyKeyboardKeysym'><arg type='o' direction='in'/>"
        "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
        "<arg type='u' direction='in'/></method>"
        "<property name='version' type='u' access='read'/>"
        "</interface>"
        "<interface name='org.freedesktop.portal.Session'>"
        "<method name='Close'/>"
        "</interface>"
        "</node>";

/* A frontend on a thread and main context of its own. It keeps each Notify HOLD_MS, then
 * passes on every call it holds newest first (a later worker thread that ran faster) and
 * answers them; or, with `at_once`, passes each on and answers it as it comes. */
struct fake {
	GThread *thread;
	GMainContext *context;
	GMainLoop *loop;
	const char *address;
	GDBusConnection *bus;
	GMutex lock; /* guards what follows */
	GCond cond;
	bool ready;
	GPtrArray *held;      /* GDBusMethodInvocation, unanswered */
	GPtrArray *forwarded; /* "button 272 1", "close", …: in the order passed on */
	GArray *times;        /* gint64: when each of `forwarded` was, monotonic µs */
	unsigned max_held;
	bool at_once;
};

/* with f->lock held */
static void fake_forward(struct fake *f, const char *what)
{
	gint64 now = g_get_monotonic_time();

	g_ptr_array_add(f->forwarded, g_strdup(what));
	g_array_append_val(f->times, now);
}

static gboolean fake_pass_on(void *data)
{
	struct fake *f = data;

	g_mutex_lock(&f->lock);
	for (guint i = f->held->len; i-- > 0;) {
		GDBusMethodInvocation *inv = g_ptr_array_index(f->held, i);

		fake_forward(f, g_object_get_data(G_OBJECT(inv), "fake-what"));
		g_dbus_method_invocation_return_value(inv, NULL);
	}
	g_ptr_array_set_size(f->held, 0);
	g_mutex_unlock(&f->lock);
	return G_SOURCE_REMOVE;
}

static void fake_respond(struct fake *f, GDBusMethodInvocation *inv, GVariant *options,
                         GVariant *results)
{
	const char *token = "none";
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	g_autofree char *path = NULL;

	g_variant_lookup(options, "handle_token", "&s", &token);
	path = xdp_request_path(sender, token);
	g_dbus_method_invocation_return_value(inv, g_variant_new("(o)", path));
	g_dbus_connection_emit_signal(f->bus, sender, path, "org.freedesktop.portal.Request",
	                              "Response", g_variant_new("(u@a{sv})", 0u, results), NULL);
}

static GVariant *vardict(const char *text)
{
	GVariant *v = g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, NULL);

	g_assert_nonnull(v);
	return v;
}

static void fake_call(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                      const char *method, GVariant *params, GDBusMethodInvocation *inv, void *data)
{
	struct fake *f = data;
	gsize n = g_variant_n_children(params);
	g_autoptr(GVariant) last = n ? g_variant_get_child_value(params, n - 1) : NULL;
	char *what = NULL;

	if (strcmp(method, "CreateSession") == 0) {
		fake_respond(f, inv, last, vardict("{'session_handle': <'" SESSION_PATH "'>}"));
	} else if (strcmp(method, "SelectDevices") == 0 || strcmp(method, "SelectSources") == 0) {
		fake_respond(f, inv, last, vardict("{}"));
	} else if (strcmp(method, "Start") == 0) {
		fake_respond(f, inv, last,
		             vardict("{'devices': <uint32 3>, 'streams': <[(uint32 42, "
		                     "{'size': <(640, 480)>})]>}"));
	} else if (strcmp(method, "OpenPipeWireRemote") == 0) {
		g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		g_assert_cmpint(g_unix_fd_list_append(fds, fd, NULL), ==, 0);
		close(fd);
		g_dbus_method_invocation_return_value_with_unix_fd_list(
		        inv, g_variant_new("(h)", 0), fds);
	} else if (strcmp(method, "Close") == 0) {
		g_mutex_lock(&f->lock);
		fake_forward(f, "close");
		g_mutex_unlock(&f->lock);
		g_dbus_method_invocation_return_value(inv, NULL);
	} else {
		uint32_t stream, state;
		double x, y;
		int32_t code;

		if (strcmp(method, "NotifyPointerMotionAbsolute") == 0) {
			g_variant_get(params, "(&o@a{sv}udd)", NULL, NULL, &stream, &x, &y);
			what = g_strdup_printf("motion %.0f %.0f", x, y);
		} else {
			g_variant_get(params, "(&o@a{sv}iu)", NULL, NULL, &code, &state);
			what = g_strdup_printf("%s %d %u",
			                       strcmp(method, "NotifyPointerButton") == 0 ? "button"
			                       : strcmp(method, "NotifyKeyboardKeysym") == 0
			                               ? "sym"
			                               : "key",
			                       code, state);
		}
		g_object_set_data_full(G_OBJECT(inv), "fake-what", what, g_free);
		g_mutex_lock(&f->lock);
		if (f->at_once) {
			fake_forward(f, what);
			g_mutex_unlock(&f->lock);
			g_dbus_method_invocation_return_value(inv, NULL);
			return;
		}
		g_ptr_array_add(f->held, inv);
		f->max_held = MAX(f->max_held, f->held->len);
		if (f->held->len == 1) {
			GSource *timer = g_timeout_source_new(HOLD_MS);

			g_source_set_callback(timer, fake_pass_on, f, NULL);
			g_source_attach(timer, f->context);
			g_source_unref(timer);
		}
		g_mutex_unlock(&f->lock);
	}
}

static GVariant *fake_property(GDBusConnection *bus, const char *sender, const char *path,
                               const char *iface, const char *name, GError **error, void *data)
{
	if (strcmp(name, "AvailableSourceTypes") == 0)
		return g_variant_new_uint32(1); /* monitor */
	if (strcmp(name, "AvailableCursorModes") == 0)
		return g_variant_new_uint32(2); /* embedded */
	return g_variant_new_uint32(1);         /* RemoteDesktop's version */
}

static const GDBusInterfaceVTable fake_vtable = {
        .method_call = fake_call,
        .get_property = fake_property,
};

static void *fake_run(void *data)
{
	struct fake *f = data;
	g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(fake_xml, NULL);
	g_autoptr(GVariant) owned = NULL;

	g_main_context_push_thread_default(f->context);
	f->bus = g_dbus_connection_new_for_address_sync(
	        f->address,
	        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
	                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	        NULL, NULL, NULL);
	g_assert_nonnull(f->bus);
	for (guint i = 0; i < 2; i++)
		g_assert_cmpuint(g_dbus_connection_register_object(f->bus, DESKTOP_PATH,
		                                                   node->interfaces[i],
		                                                   &fake_vtable, f, NULL, NULL),
		                 >, 0);
	g_assert_cmpuint(g_dbus_connection_register_object(f->bus, SESSION_PATH,
	                                                   node->interfaces[2], &fake_vtable, f,
	                                                   NULL, NULL),
	                 >, 0);
	owned = g_dbus_connection_call_sync(
	        f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	        "RequestName", g_variant_new("(su)", "org.freedesktop.portal.Desktop", 4u),
	        G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	g_assert_nonnull(owned);
	g_mutex_lock(&f->lock);
	f->ready = true;
	g_cond_signal(&f->cond);
	g_mutex_unlock(&f->lock);
	g_main_loop_run(f->loop);
	g_dbus_connection_close_sync(f->bus, NULL, NULL);
	g_object_unref(f->bus);
	g_main_context_pop_thread_default(f->context);
	return NULL;
}

static unsigned forwarded_count(struct fake *f)
{
	unsigned n;

	g_mutex_lock(&f->lock);
	n = f->forwarded->len;
	g_mutex_unlock(&f->lock);
	return n;
}

/* Runs the main context until `f` has passed on `n` calls; false after 5 s. */
static bool wait_forwarded(struct fake *f, unsigned n)
{
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (forwarded_count(f) < n && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
	return forwarded_count(f) >= n;
}

static char *forwarded_text(struct fake *f)
{
	g_autoptr(GString) text = g_string_new(NULL);

	g_mutex_lock(&f->lock);
	for (guint i = 0; i < f->forwarded->len; i++)
		g_string_append_printf(text, "%s%s", i ? ", " : "",
		                       (char *)g_ptr_array_index(f->forwarded, i));
	g_mutex_unlock(&f->lock);
	return g_strdup(text->str);
}

struct client {
	bool started;
	char *closed;
};

static void client_started(void *data, const struct xdp_stream *stream, int pw_fd, uint32_t devices)
{
	struct client *c = data;

	close(pw_fd);
	g_assert_cmpuint(stream->node_id, ==, 42);
	g_assert_cmpuint(devices, ==, 3);
	c->started = true;
}

static void client_closed(void *data, const char *reason)
{
	struct client *c = data;

	c->closed = g_strdup(reason);
}

static const struct xdp_listener client_listener = {
        .started = client_started,
        .closed = client_closed,
};

/* The fake frontend on a private bus, and a session started against it. */
struct rig {
	GTestDBus *dbus;
	GDBusConnection *bus;
	struct fake f;
	struct client c;
	struct xdp_session *p;
};

static bool rig_up(struct rig *r, bool at_once)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *daemon = g_find_program_in_path("dbus-daemon");
	struct xdp_options options = {.remote_desktop = true};
	gint64 end;

	if (!daemon) {
		g_test_skip("no dbus-daemon");
		return false;
	}
	r->dbus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(r->dbus);
	g_mutex_init(&r->f.lock);
	g_cond_init(&r->f.cond);
	r->f.at_once = at_once;
	r->f.address = g_test_dbus_get_bus_address(r->dbus);
	r->f.context = g_main_context_new();
	r->f.loop = g_main_loop_new(r->f.context, FALSE);
	r->f.held = g_ptr_array_new();
	r->f.forwarded = g_ptr_array_new_with_free_func(g_free);
	r->f.times = g_array_new(FALSE, FALSE, sizeof(gint64));
	r->f.thread = g_thread_new("fake-portal", fake_run, &r->f);
	g_mutex_lock(&r->f.lock);
	while (!r->f.ready)
		g_cond_wait(&r->f.cond, &r->f.lock);
	g_mutex_unlock(&r->f.lock);

	r->bus = g_dbus_connection_new_for_address_sync(
	        r->f.address,
	        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
	                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	        NULL, NULL, &error);
	g_assert_no_error(error);
	r->p = xdp_session_new(r->bus, &options, &client_listener, &r->c, &error);
	g_assert_no_error(error);
	end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (!r->c.started && !r->c.closed && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
	g_assert_null(r->c.closed);
	g_assert_true(r->c.started);
	return true;
}

/* the session already freed */
static void rig_down(struct rig *r)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_main_loop_quit(r->f.loop);
	g_thread_join(r->f.thread);
	g_main_loop_unref(r->f.loop);
	g_main_context_unref(r->f.context);
	g_ptr_array_unref(r->f.held);
	g_ptr_array_unref(r->f.forwarded);
	g_array_unref(r->f.times);
	g_mutex_clear(&r->f.lock);
	g_cond_clear(&r->f.cond);
	g_free(r->c.closed);
	g_dbus_connection_close_sync(r->bus, NULL, NULL);
	g_object_unref(r->bus);
	g_test_dbus_down(r->dbus);
	g_object_unref(r->dbus);
}

/* A click and a key through RemoteDesktop reach the desktop in the order sent, though the
 * frontend passes on whatever it holds newest first: each call waits for the answer to
 * the one before. Motion waiting behind a button becomes the newest place; no button or
 * key is dropped, not even when the session is freed with them still waiting. */
static void test_input_order(void)
{
	struct rig r = {0};
	g_autofree char *order = NULL;
	g_autofree char *after_free = NULL;

	if (!rig_up(&r, false))
		return;
	/* a click (a move first, as the page sends it), moves, the release, then a key */
	xdp_session_pointer_motion_absolute(r.p, 100, 200);
	xdp_session_pointer_button(r.p, 272, true);
	xdp_session_pointer_motion_absolute(r.p, 101, 201);
	xdp_session_pointer_motion_absolute(r.p, 102, 202);
	xdp_session_pointer_button(r.p, 272, false);
	xdp_session_keyboard_keycode(r.p, 30, true);
	xdp_session_keyboard_keycode(r.p, 30, false);
	g_assert_true(wait_forwarded(&r.f, 6));
	g_usleep(3 * HOLD_MS * 1000); /* anything more would have come by now */
	order = forwarded_text(&r.f);
	g_assert_cmpstr(order, ==,
	                "motion 100 200, button 272 1, motion 102 202, button 272 0, key 30 1, "
	                "key 30 0");
	g_assert_cmpuint(r.f.max_held, ==, 1);

	/* freed while a press is answered and its release waits: the release still goes */
	xdp_session_pointer_button(r.p, 273, true);
	xdp_session_pointer_button(r.p, 273, false);
	xdp_session_free(r.p);
	g_assert_true(wait_forwarded(&r.f, 9));
	after_free = forwarded_text(&r.f);
	g_assert_nonnull(strstr(after_free, "button 273 1"));
	g_assert_nonnull(strstr(after_free, "button 273 0"));
	g_assert_nonnull(strstr(after_free, "close"));
	rig_down(&r);
}

static unsigned count_of(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *t = text; (t = strstr(t, what)); t += strlen(what))
		n++;
	return n;
}

/* Text through the portal sink goes in order, with what comes after it (a key, a move)
 * behind it. More text than may wait for the portal is refused and counted; what waits
 * at Close is dropped, a keysym already pressed still released. */
static void test_text_bound(void)
{
	struct rig r = {0};
	struct input_sink *sink;
	g_autofree char *order = NULL;
	g_autofree char *after_free = NULL;
	g_autofree char *lots = NULL;
	const unsigned many = SINK_PORTAL_WAITING_MAX / 2 + 76;
	size_t skipped;

	if (!rig_up(&r, true))
		return;
	sink = input_sink_portal_new(r.p, NULL);
	g_assert_cmpuint(input_sink_text(sink, "aB c", 4), ==, 0);
	input_sink_key(sink, KEY_ENTER, true);
	input_sink_key(sink, KEY_ENTER, false);
	xdp_session_pointer_motion_absolute(r.p, 5, 6);
	/* what comes after the text waits behind it */
	g_assert_true(wait_forwarded(&r.f, 11));
	order = forwarded_text(&r.f);
	g_assert_cmpstr(order, ==,
	                "sym 97 1, sym 97 0, sym 66 1, sym 66 0, sym 32 1, sym 32 0, sym 99 1, "
	                "sym 99 0, key 28 1, key 28 0, motion 5 6");

	/* more than may wait: the rest is refused, in order, and said */
	lots = g_strnfill(many, 'z');
	skipped = input_sink_text(sink, lots, many);
	g_assert_cmpuint(skipped, ==, 76);
	g_assert_cmpuint(input_sink_take_refused(sink), ==, 76);
	g_assert_cmpuint(input_sink_take_refused(sink), ==, 0);
	g_assert_cmpuint(xdp_session_input_waiting(r.p), <=, SINK_PORTAL_WAITING_MAX);
	/* and at Close what waits is dropped: each press sent is released, nothing more */
	for (int i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
	input_sink_destroy(sink);
	xdp_session_free(r.p);
	/* Close goes after what was sent, on the same connection: all of it is in by then */
	for (int i = 0; i < 5000; i++) {
		g_free(after_free);
		after_free = forwarded_text(&r.f);
		if (strstr(after_free, "close"))
			break;
		g_usleep(1000);
	}
	g_assert_nonnull(strstr(after_free, "close"));
	g_assert_cmpuint(count_of(after_free, "sym 122 1"), >=, 1);
	g_assert_cmpuint(count_of(after_free, "sym 122 1"), ==, count_of(after_free, "sym 122 0"));
	g_assert_cmpuint(count_of(after_free, "sym 122 1"), <, 20);
	rig_down(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/portal/request-path", test_request_path);
	g_test_add_func("/portal/streams", test_streams);
	g_test_add_func("/portal/reasons", test_reasons);
	g_test_add_func("/portal/input-order", test_input_order);
	g_test_add_func("/portal/text-bound", test_text_bound);
	return g_test_run();
}
