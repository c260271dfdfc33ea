/* capture_wlr's pointer beside the picture, against the real wayrtc-session and its
 * ext-image-copy-capture-v1 pointer cursor session: positions that follow absolute moves
 * of a virtual pointer (src/input/sink_wl.c), the default image, then the one
 * wayrtc-test-pattern --cursor sets (24x24, magenta over cyan, hotspot 5,7), and frames
 * without the pointer in them. Paths from $WAYRTC_SESSION and $WAYRTC_TEST_PATTERN. */
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "../unit/session.h"
#include "input/sink.h"
#include "input/sink_wl.h"
#include "util/log.h"
#include "media/capture.h"

#define WIDTH      640
#define HEIGHT     480
#define TIMEOUT_MS 10000
#define XR24       0x34325258
#define AR24       0x34325241
/* what pattern --cursor draws: ARGB8888 words */
#define PATTERN_SIDE   24
#define PATTERN_HOT_X  5
#define PATTERN_HOT_Y  7
#define PATTERN_TOP    0xffff00ffu /* magenta */
#define PATTERN_BOTTOM 0xff00ffffu /* cyan */
#define QUADRANT_GREEN 0xff00ff00u
#define QUADRANT_BLUE  0xff0000ffu
#define MAX_IMAGE_SIDE 256

struct seen {
	/* frames */
	unsigned frames;
	uint32_t width, height, stride;
	uint8_t *pixels; /* the last frame, XRGB/ARGB words */
	/* cursor reports */
	unsigned reports, positions, images;
	bool hidden;
	int32_t x, y, hot_x, hot_y;
	uint32_t image_width, image_height;
	uint32_t image[MAX_IMAGE_SIDE * MAX_IMAGE_SIDE]; /* ARGB words, the last one */
	bool bad_report;                                 /* something capture.h forbids */
};

static struct seen seen;

static void on_frame(void *data, const struct capture_frame *frame)
{
	struct seen *s = data;

	g_assert_true(frame->format == XR24 || frame->format == AR24);
	g_assert_false(frame->y_invert);
	s->frames++;
	g_free(s->pixels);
	s->pixels = g_memdup2(frame->data, (gsize)frame->stride * frame->height);
	s->width = frame->width;
	s->height = frame->height;
	s->stride = frame->stride;
}

static void on_closed(void *data, const char *reason)
{
	g_error("capture closed: %s", reason);
}

static void on_cursor(void *data, const struct capture_cursor *c)
{
	struct seen *s = data;

	s->reports++;
	if (c->hidden) {
		s->hidden = true;
		return;
	}
	s->hidden = false;
	s->x = c->x;
	s->y = c->y;
	s->hot_x = c->hotspot_x;
	s->hot_y = c->hotspot_y;
	if (!c->bitmap) {
		s->positions++;
		return;
	}
	if (c->width == 0 || c->height == 0 || c->width > MAX_IMAGE_SIDE ||
	    c->height > MAX_IMAGE_SIDE || c->stride < c->width * 4 ||
	    (c->format != AR24 && c->format != XR24)) {
		s->bad_report = true;
		return;
	}
	s->images++;
	s->image_width = c->width;
	s->image_height = c->height;
	for (uint32_t y = 0; y < c->height; y++) {
		for (uint32_t x = 0; x < c->width; x++) {
			uint32_t p;

			memcpy(&p, c->bitmap + (size_t)y * c->stride + x * 4, 4);
			s->image[y * c->width + x] = c->format == XR24 ? p | 0xff000000u : p;
		}
	}
}

static const struct capture_listener cursor_listener = {
        .frame = on_frame,
        .closed = on_closed,
        .cursor = on_cursor,
};

/* The same without .cursor: capture_wlr may never call it (it would crash). */
static const struct capture_listener plain_listener = {
        .frame = on_frame,
        .closed = on_closed,
};

static gboolean set_flag(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

typedef bool (*condition_fn)(const void *arg);

static void run_until(condition_fn cond, const void *arg, const char *what)
{
	bool timed_out = false;
	guint timer = g_timeout_add(TIMEOUT_MS, set_flag, &timed_out);

	while (!cond(arg)) {
		if (timed_out)
			g_error("timed out waiting for %s", what);
		g_main_context_iteration(NULL, TRUE);
	}
	g_source_remove(timer);
}

static void run_for(guint ms)
{
	bool done = false;

	g_timeout_add(ms, set_flag, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

static bool have_frames(const void *arg)
{
	return seen.frames >= *(const unsigned *)arg;
}

static bool have_images(const void *arg)
{
	return seen.images >= *(const unsigned *)arg;
}

struct place {
	int32_t x, y;
};

static bool at_place(const void *arg)
{
	const struct place *p = arg;

	return seen.reports && !seen.hidden && seen.x == p->x && seen.y == p->y;
}

static bool is_pattern_image(const void *arg)
{
	if (seen.images == 0 || seen.image_width != PATTERN_SIDE ||
	    seen.image_height != PATTERN_SIDE)
		return false;
	for (unsigned y = 0; y < PATTERN_SIDE; y++) {
		for (unsigned x = 0; x < PATTERN_SIDE; x++) {
			uint32_t want = y < PATTERN_SIDE / 2 ? PATTERN_TOP : PATTERN_BOTTOM;

			if (seen.image[y * PATTERN_SIDE + x] != want)
				return false;
		}
	}
	return true;
}

/* pattern line printed on stdout */
struct client {
	GSubprocess *proc;
	GDataInputStream *out;
};

static struct client client_start(const struct test_session *desktop)
{
	const char *exe = g_getenv("WAYRTC_TEST_PATTERN");
	g_autoptr(GSubprocessLauncher) launcher =
	        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GError) error = NULL;
	struct client c = {0};

	g_assert_nonnull(exe);
	g_subprocess_launcher_setenv(launcher, "WAYLAND_DISPLAY", desktop->display, TRUE);
	g_subprocess_launcher_setenv(launcher, "XDG_RUNTIME_DIR", desktop->runtime_dir, TRUE);
	c.proc = g_subprocess_launcher_spawn(launcher, &error, exe, "--cursor", NULL);
	g_assert_no_error(error);
	c.out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(c.proc));
	return c;
}

static bool line_seen;

static void read_line(GObject *src, GAsyncResult *res, gpointer data)
{
	const char *want = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line =
	        g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, NULL, &error);

	g_assert_nonnull(line);
	if (g_test_verbose())
		g_printerr("pattern: %s\n", line);
	if (strcmp(line, want) == 0) {
		line_seen = true;
		return;
	}
	g_data_input_stream_read_line_async(G_DATA_INPUT_STREAM(src), G_PRIORITY_DEFAULT, NULL,
	                                    read_line, data);
}

static bool flag_set(const void *arg)
{
	return *(const bool *)arg;
}

static void client_expect(struct client *c, const char *line)
{
	line_seen = false;
	g_data_input_stream_read_line_async(c->out, G_PRIORITY_DEFAULT, NULL, read_line,
	                                    (gpointer)line);
	run_until(flag_set, &line_seen, line);
}

static void client_stop(struct client *c)
{
	g_subprocess_force_exit(c->proc);
	g_subprocess_wait(c->proc, NULL, NULL);
	g_clear_object(&c->out);
	g_clear_object(&c->proc);
}

static struct input_sink *pointer_new(const struct test_session *desktop)
{
	struct input_sink_wl_options o = {.display = desktop->display, .layout = "us"};
	g_autoptr(GError) error = NULL;
	struct input_sink *sink = input_sink_wl_new(&o, &error);

	g_assert_no_error(error);
	return sink;
}

static void move(struct input_sink *sink, int32_t x, int32_t y)
{
	struct place p = {x, y};

	input_sink_pointer_motion_abs(sink, (double)x / WIDTH, (double)y / HEIGHT);
	input_sink_frame(sink);
	run_until(at_place, &p, "the pointer's position");
}

static uint32_t frame_pixel(uint32_t x, uint32_t y)
{
	uint32_t p;

	memcpy(&p, seen.pixels + (size_t)y * seen.stride + x * 4, 4);
	return p | 0xff000000u;
}

/* Where the pointer's image would be painted, the frame shows the pattern's quadrant. */
static void assert_no_pointer_in_frame(int32_t x, int32_t y, uint32_t quadrant)
{
	g_assert_cmpuint(seen.width, ==, WIDTH);
	g_assert_cmpuint(seen.height, ==, HEIGHT);
	for (int32_t dy = 0; dy < PATTERN_SIDE; dy++) {
		for (int32_t dx = 0; dx < PATTERN_SIDE; dx++) {
			int32_t px = x - PATTERN_HOT_X + dx, py = y - PATTERN_HOT_Y + dy;
			uint32_t p = frame_pixel((uint32_t)px, (uint32_t)py);

			g_assert_cmphex(p, !=, PATTERN_TOP);
			g_assert_cmphex(p, !=, PATTERN_BOTTOM);
			g_assert_cmphex(p, ==, quadrant);
		}
	}
}

static struct capture *capture_new(const struct test_session *desktop,
                                   const struct capture_listener *listener)
{
	g_autoptr(GError) error = NULL;
	struct capture *capture = capture_wlr_new(desktop->display, listener, &seen, &error);

	g_assert_no_error(error);
	g_assert_nonnull(capture);
	return capture;
}

static void seen_reset(void)
{
	g_free(seen.pixels);
	memset(&seen, 0, sizeof(seen));
}

/* The default pointer first (no client under it), then the client's own: the image goes
 * beside the frames with its hotspot, the place follows every move, the frames hold only
 * the desktop. */
static void test_follows(void)
{
	struct test_session desktop = {0};
	struct input_sink *sink;
	struct capture *capture;
	struct client client;
	unsigned want = 1, opaque = 0, images;

	test_session_start(&desktop, WIDTH, HEIGHT, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, NULL);
	seen_reset();
	sink = pointer_new(&desktop);
	capture = capture_new(&desktop, &cursor_listener);
	g_assert_true(capture_wlr_cursor_beside(capture));
	run_until(have_frames, &want, "a first frame");

	move(sink, 320, 240);
	run_until(have_images, &want, "the default pointer image");
	for (uint32_t i = 0; i < seen.image_width * seen.image_height; i++)
		opaque += seen.image[i] >> 24 == 0xff;
	g_assert_cmpuint(opaque, >, 0);
	g_assert_false(is_pattern_image(NULL));
	g_assert_false(seen.bad_report);

	/* its window fills the output, under the pointer: the client's image comes */
	client = client_start(&desktop);
	client_expect(&client, "configured 640x480");
	run_until(is_pattern_image, NULL, "pattern's 24x24 magenta/cyan pointer image");
	g_assert_cmpint(seen.hot_x, ==, PATTERN_HOT_X);
	g_assert_cmpint(seen.hot_y, ==, PATTERN_HOT_Y);
	g_assert_cmpint(seen.x, ==, 320);
	g_assert_cmpint(seen.y, ==, 240);

	/* absolute moves, each reported in frame pixels, the hotspot staying the image's */
	move(sink, 160, 360);
	client_expect(&client, "pointer motion 160 360");
	move(sink, 480, 120);
	g_assert_cmpint(seen.hot_x, ==, PATTERN_HOT_X);
	g_assert_cmpint(seen.hot_y, ==, PATTERN_HOT_Y);
	move(sink, 0, 0);
	move(sink, 639, 479);
	move(sink, 480, 120);
	g_assert_true(is_pattern_image(NULL));
	g_assert_false(seen.hidden);
	g_assert_false(seen.bad_report);

	/* a frame taken now (a new capture's first one comes at once): no pointer in it */
	capture_destroy(capture);
	want = seen.frames + 1;
	images = seen.images + 1;
	seen.hot_x = seen.hot_y = 0;
	capture = capture_new(&desktop, &cursor_listener);
	run_until(have_frames, &want, "a frame with the pointer over the pattern");
	assert_no_pointer_in_frame(480, 120, QUADRANT_GREEN);
	assert_no_pointer_in_frame(160, 360, QUADRANT_BLUE);
	/* the new session reports the image and place it finds */
	run_until(at_place, &(struct place){480, 120}, "the new session's position");
	run_until(have_images, &images, "the new session's image");
	g_assert_true(is_pattern_image(NULL));
	g_assert_cmpint(seen.hot_x, ==, PATTERN_HOT_X);

	capture_destroy(capture);
	input_sink_destroy(sink);
	client_stop(&client);
	test_session_stop(&desktop);
	seen_reset();
}

/* No cursor listener: frames as before, the pointer moves, nothing is reported (the
 * NULL callback would crash). */
static void test_no_listener(void)
{
	struct test_session desktop = {0};
	const char *argv[] = {g_getenv("WAYRTC_TEST_PATTERN"), "--cursor", NULL};
	struct input_sink *sink;
	struct capture *capture;
	unsigned want = 1;

	g_assert_nonnull(argv[0]);
	test_session_start(&desktop, WIDTH, HEIGHT, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, argv);
	seen_reset();
	sink = pointer_new(&desktop);
	capture = capture_new(&desktop, &plain_listener);
	g_assert_false(capture_wlr_cursor_beside(capture));
	run_until(have_frames, &want, "a first frame");
	for (int i = 0; i < 8; i++) {
		input_sink_pointer_motion_abs(sink, 0.1 * (i + 1), 0.1 * (i + 1));
		input_sink_frame(sink);
		run_for(50);
	}
	run_for(300);
	g_assert_cmpuint(seen.reports, ==, 0);
	/* and the capture still works: a new one's first frame comes */
	capture_destroy(capture);
	want = seen.frames + 1;
	capture = capture_new(&desktop, &plain_listener);
	run_until(have_frames, &want, "a second capture's frame");
	g_assert_cmpuint(seen.reports, ==, 0);

	capture_destroy(capture);
	input_sink_destroy(sink);
	test_session_stop(&desktop);
	seen_reset();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	log_init(LOG_WARN); /* $WAYRTC_LOG overrides */
	g_test_add_func("/capture-wlr-cursor/follows", test_follows);
	g_test_add_func("/capture-wlr-cursor/no-listener", test_no_listener);
	return g_test_run();
}
