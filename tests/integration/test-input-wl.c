/* The Wayland input sink against the real compositor: wayrtc-session runs
 * wayrtc-test-pattern, which prints every pointer and key event it receives; the sink's
 * events must arrive there as the evdev codes and positions we mean, with the layout
 * deciding which key types a character. Paths from $WAYRTC_SESSION and
 * $WAYRTC_TEST_PATTERN (set by meson). */
#include <gio/gio.h>
#include <linux/input-event-codes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "wayland/clipboard.h"
#include "input/sink.h"
#include "input/sink_wl.h"
#include "media/capture.h"
#include "session.h"

#define WIDTH      640
#define HEIGHT     480
#define TIMEOUT_MS 10000

struct session {
	struct test_session desktop;
	const char *display; /* the desktop's */
	GDataInputStream *out;
	GCancellable *cancel; /* the pending line read */
	GPtrArray *lines;     /* everything the client printed */
	guint cursor;         /* lines before this were matched already */
	bool eof;
};

static struct session session;

static void read_line(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	char *line =
	        g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, NULL, &error);

	/* a read of a session already stopped */
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
	    src != G_OBJECT(session.out)) {
		g_free(line);
		return;
	}
	if (!line) {
		session.eof = true;
		return;
	}
	if (g_test_verbose())
		g_printerr("client: %s\n", line);
	g_ptr_array_add(session.lines, line);
	g_data_input_stream_read_line_async(session.out, G_PRIORITY_DEFAULT, session.cancel,
	                                    read_line, NULL);
}

static gboolean set_flag(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Runs the loop until the client printed `want` (after what was matched before), and
 * moves past it. With `next`, it must be the very next line apart from "keymap". */
static void expect_line(const char *want, bool next)
{
	bool timed_out = false;
	guint timer = g_timeout_add(TIMEOUT_MS, set_flag, &timed_out);

	for (;;) {
		while (session.cursor < session.lines->len) {
			const char *line = g_ptr_array_index(session.lines, session.cursor++);

			if (strcmp(line, want) == 0) {
				g_source_remove(timer);
				return;
			}
			if (next && strcmp(line, "keymap") != 0)
				g_error("wanted “%s” next, got “%s”", want, line);
		}
		if (timed_out || session.eof)
			g_error("the client never printed “%s”", want);
		g_main_context_iteration(NULL, TRUE);
	}
}

/* The next key press and release, not a keymap, of a key other than `not_a` and `not_b`:
 * a character the layout lacks goes out on a spare key, with keymaps changed around it. */
static void expect_spare_key(unsigned not_a, unsigned not_b)
{
	g_autofree char *pressed = NULL, *released = NULL;
	guint keymaps = 0;
	unsigned code = 0;

	while (!pressed) {
		const char *line;

		if (session.cursor >= session.lines->len) {
			g_assert_false(session.eof);
			g_main_context_iteration(NULL, TRUE);
			continue;
		}
		line = g_ptr_array_index(session.lines, session.cursor++);
		if (strcmp(line, "keymap") == 0) {
			keymaps++;
			continue;
		}
		g_assert_cmpint(sscanf(line, "key %u pressed", &code), ==, 1);
		pressed = g_strdup(line);
	}
	g_assert_cmpuint(keymaps, >=, 1);
	g_assert_cmpuint(code, !=, not_a);
	g_assert_cmpuint(code, !=, not_b);
	released = g_strdup_printf("key %u released", code);
	expect_line(released, true);
}

/* Lets the compositor and client catch up, then checks nothing matching `prefix` came. */
static void expect_quiet(const char *prefix)
{
	bool done = false;

	g_timeout_add(300, set_flag, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
	for (guint i = session.cursor; i < session.lines->len; i++) {
		const char *line = g_ptr_array_index(session.lines, i);

		if (g_str_has_prefix(line, prefix))
			g_error("unexpected “%s”", line);
	}
}

static void session_start(void)
{
	const char *client = g_getenv("WAYRTC_TEST_PATTERN");
	const char *argv[] = {client, NULL};

	g_assert_nonnull(client);
	test_session_start(&session.desktop, WIDTH, HEIGHT, G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv);
	session.display = session.desktop.display;
	session.lines = g_ptr_array_new_with_free_func(g_free);
	session.out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(session.desktop.proc));
	session.cancel = g_cancellable_new();
	g_data_input_stream_read_line_async(session.out, G_PRIORITY_DEFAULT, session.cancel,
	                                    read_line, NULL);
	expect_line("configured 640x480", false);
}

static void session_stop(void)
{
	if (!session.desktop.proc)
		return;
	test_session_stop(&session.desktop);
	session.display = NULL;
	g_cancellable_cancel(session.cancel);
	g_clear_object(&session.cancel);
	g_clear_object(&session.out);
	g_clear_pointer(&session.lines, g_ptr_array_unref);
	session.cursor = 0;
	session.eof = false;
}

static struct input_sink *sink_new(const char *layout)
{
	struct input_sink_wl_options o = {.display = session.display, .layout = layout};
	g_autoptr(GError) error = NULL;
	struct input_sink *sink = input_sink_wl_new(&o, &error);

	g_assert_no_error(error);
	g_assert_nonnull(sink);
	return sink;
}

static void test_us(void)
{
	struct input_sink *sink;

	session_start();
	sink = sink_new("us");

	input_sink_pointer_motion_abs(sink, 0.25, 0.5);
	input_sink_frame(sink);
	expect_line("pointer motion 160 240", false);

	input_sink_pointer_button(sink, BTN_LEFT, true);
	input_sink_frame(sink);
	input_sink_pointer_button(sink, BTN_LEFT, true); /* a repeat: dropped */
	input_sink_frame(sink);
	input_sink_pointer_button(sink, BTN_LEFT, false);
	input_sink_frame(sink);
	expect_line("button 272 pressed", false);
	expect_line("button 272 released", true);

	/* one wheel notch down, and a half notch sideways from a high-resolution wheel */
	input_sink_pointer_axis(sink, INPUT_AXIS_VERTICAL, 15.0, INPUT_WHEEL_V120);
	input_sink_frame(sink);
	expect_line("axis 0 15", false);
	input_sink_pointer_axis(sink, INPUT_AXIS_HORIZONTAL, -7.5, -INPUT_WHEEL_V120 / 2);
	input_sink_frame(sink);
	expect_line("axis 1 -7.5", false);

	input_sink_key(sink, KEY_A, true);
	input_sink_key(sink, KEY_A, false);
	input_sink_key(sink, KEY_A, false); /* a stray release: dropped */
	expect_line("key 30 pressed", false);
	expect_line("key 30 released", true);

	/* "A" needs Shift in "us"; "a" does not; a snowman has no key: it borrows a spare one */
	g_assert_cmpuint(input_sink_text(sink, "A", 1), ==, 0);
	expect_line("key 42 pressed", true);
	expect_line("key 30 pressed", true);
	expect_line("key 30 released", true);
	expect_line("key 42 released", true);
	g_assert_cmpuint(input_sink_text(sink,
	                                 "a\xe2\x98\x83"
	                                 "1",
	                                 5),
	                 ==, 0);
	expect_line("key 30 pressed", true);
	expect_line("key 30 released", true);
	expect_spare_key(KEY_A, KEY_1);
	expect_line("key 2 pressed", true);
	expect_line("key 2 released", true);

	/* held Shift and a held button are both let go by release_all */
	input_sink_key(sink, KEY_LEFTSHIFT, true);
	input_sink_pointer_button(sink, BTN_LEFT, true);
	input_sink_frame(sink);
	expect_line("key 42 pressed", false);
	expect_line("button 272 pressed", false);
	input_sink_release_all(sink);
	g_assert_false(input_sink_key_held(sink, KEY_LEFTSHIFT));
	g_assert_false(input_sink_button_held(sink, BTN_LEFT));
	expect_line("key 42 released", false);
	expect_line("button 272 released", false);

	/* destroy lets go of what is held too */
	input_sink_key(sink, KEY_B, true);
	expect_line("key 48 pressed", false);
	input_sink_destroy(sink);
	expect_line("key 48 released", false);
	expect_quiet("key ");
	session_stop();
}

static void on_closed(void *data, const char *reason)
{
	char **out = data;

	*out = g_strdup(reason);
}

static void test_de(void)
{
	struct input_sink *sink;
	struct input_sink_wl_options o = {.layout = "de", .closed = on_closed};
	g_autoptr(GError) error = NULL;
	g_autofree char *closed = NULL;
	bool timed_out = false;

	session_start();
	o.display = session.display;
	o.data = &closed;
	sink = input_sink_wl_new(&o, &error);
	g_assert_no_error(error);

	/* the key where Z is on a US keyboard is still that key: the layout types "y" */
	input_sink_key(sink, KEY_Z, true);
	input_sink_key(sink, KEY_Z, false);
	expect_line("key 44 pressed", false);
	expect_line("key 44 released", true);

	/* "z" is on the US Y key in a German layout, "@" is AltGr+Q */
	g_assert_cmpuint(input_sink_text(sink, "z", 1), ==, 0);
	expect_line("key 21 pressed", true);
	expect_line("key 21 released", true);
	g_assert_cmpuint(input_sink_text(sink, "@", 1), ==, 0);
	expect_line("key 100 pressed", true);
	expect_line("key 16 pressed", true);
	expect_line("key 16 released", true);
	expect_line("key 100 released", true);
	/* "ß" has its own key in German, where US has "-" */
	g_assert_cmpuint(input_sink_text(sink, "\xc3\x9f", 2), ==, 0);
	expect_line("key 12 pressed", true);
	expect_line("key 12 released", true);

	/* held Shift: "z" must still come out as "z", without touching Shift */
	input_sink_key(sink, KEY_LEFTSHIFT, true);
	expect_line("key 42 pressed", false);
	g_assert_cmpuint(input_sink_text(sink, "z", 1), ==, 0);
	expect_line("key 21 pressed", true);
	expect_line("key 21 released", true);
	expect_quiet("key 42");
	input_sink_key(sink, KEY_LEFTSHIFT, false);
	expect_line("key 42 released", true);

	/* the compositor goes away: the owner hears why, later events are dropped */
	g_subprocess_send_signal(session.desktop.proc, SIGTERM);
	g_timeout_add(TIMEOUT_MS, set_flag, &timed_out);
	while (!closed && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	g_assert_nonnull(closed);
	g_assert_cmpstr(closed, !=, "");
	input_sink_key(sink, KEY_A, true);
	input_sink_text(sink, "a", 1);
	input_sink_destroy(sink);
	session_stop();
}

/* Sockets this process has open: Wayland connections, here. */
static unsigned count_sockets(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	const char *name;
	unsigned n = 0;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *path = g_build_filename("/proc/self/fd", name, NULL);
		g_autofree char *target = g_file_read_link(path, NULL);

		n += target && g_str_has_prefix(target, "socket:");
	}
	return n;
}

static void on_frame(void *data, const struct capture_frame *frame)
{
	(*(unsigned *)data)++;
}

static void on_capture_closed(void *data, const char *reason)
{
}

static const struct capture_listener capture_listener = {
        .frame = on_frame,
        .closed = on_capture_closed,
};

static void on_ready(void *data)
{
	*(bool *)data = true;
}

/* The capture, the clipboard and every sink share one connection to the display; a sink
 * made once it exists waits for nothing: with the compositor stopped, it is made at once,
 * its devices come when the compositor runs again, and what was typed meanwhile arrives. */
static void test_one_connection(void)
{
	struct input_sink_wl_options o = {.layout = "us", .ready = on_ready};
	g_autoptr(GError) error = NULL;
	struct input_sink *a, *b, *late;
	struct clipboard *clipboard;
	struct capture *capture;
	unsigned frames = 0, before;
	bool ready_a = false, ready_late = false, timed_out = false;
	int64_t start;

	session_start();
	before = count_sockets();
	capture = capture_wlr_new(session.display, &capture_listener, &frames, &error);
	g_assert_no_error(error);
	clipboard = clipboard_new(session.display, NULL, NULL, &error);
	g_assert_no_error(error);
	o.display = session.display;
	o.data = &ready_a;
	a = input_sink_wl_new(&o, &error);
	g_assert_no_error(error);
	b = sink_new("de");
	g_assert_cmpuint(count_sockets(), ==, before + 1);
	while (!ready_a)
		g_main_context_iteration(NULL, TRUE);

	g_subprocess_send_signal(session.desktop.proc, SIGSTOP);
	o.data = &ready_late;
	start = g_get_monotonic_time();
	late = input_sink_wl_new(&o, &error);
	g_assert_no_error(error);
	g_assert_nonnull(late);
	input_sink_key(late, KEY_C, true);
	input_sink_key(late, KEY_C, false);
	/* a roundtrip would still be waiting for the stopped compositor */
	g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
	g_timeout_add(300, set_flag, &timed_out);
	while (!timed_out)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(ready_late);
	g_assert_cmpuint(count_sockets(), ==, before + 1);
	g_subprocess_send_signal(session.desktop.proc, SIGCONT);
	while (!ready_late)
		g_main_context_iteration(NULL, TRUE);
	expect_line("key 46 pressed", false);
	expect_line("key 46 released", true);
	/* the capture on the same connection gets its first frame too (it may come later
	 * than the keys: it waits for the client's next paint) */
	timed_out = false;
	g_timeout_add(5000, set_flag, &timed_out);
	while (frames < 1 && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(frames, >=, 1);

	input_sink_destroy(late);
	input_sink_destroy(b);
	input_sink_destroy(a);
	clipboard_free(clipboard);
	capture_destroy(capture);
	g_assert_cmpuint(count_sockets(), ==, before);
	session_stop();
}

static void test_errors(void)
{
	struct input_sink_wl_options o = {.display = "/nonexistent/wayrtc-0"};
	g_autoptr(GError) error = NULL;

	g_assert_null(input_sink_wl_new(&o, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_clear_error(&error);
	o.display = "wayland-unused";
	o.layout = "no-such-layout-xx";
	g_assert_null(input_sink_wl_new(&o, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/input-wl/errors", test_errors);
	g_test_add_func("/input-wl/us", test_us);
	g_test_add_func("/input-wl/de", test_de);
	g_test_add_func("/input-wl/one-connection", test_one_connection);
	return g_test_run();
}
