/* Which buffer a capture uses: DMA-BUF only with an offer, a render node and an encoder
 * that imports that format; otherwise shared memory. (These machines have no GPU: this
 * rule is what can be proven here; see docs/architecture.md.) Then wlr-screencopy for
 * real, against wayrtc-session running the test pattern client. */
#include <gio/gio.h>
#include <glib.h>
#include <string.h>
#include <sys/resource.h>

#include "media/capture.h"
#include "share/virtual.h"

#define XR24 0x34325258
#define AR24 0x34325241

static void test_choose(void)
{
	const uint32_t formats[] = {AR24, XR24};
	struct capture_import gpu = {
	        .render_node = true, .dmabuf_formats = formats, .n_dmabuf_formats = 2};
	struct capture_import software = {0};
	struct capture_import no_node = {.dmabuf_formats = formats, .n_dmabuf_formats = 2};
	struct capture_offer both = {.shm = true, .dmabuf_format = XR24};
	struct capture_offer shm_only = {.shm = true};
	struct capture_offer other = {.shm = true, .dmabuf_format = 0x30335258 /* XR30 */};
	struct capture_offer dmabuf_only = {.dmabuf_format = XR24};

	g_assert_cmpint(capture_choose_buffer(&both, &gpu), ==, CAPTURE_BUFFER_DMABUF);
	g_assert_cmpint(capture_choose_buffer(&both, &software), ==, CAPTURE_BUFFER_SHM);
	g_assert_cmpint(capture_choose_buffer(&both, &no_node), ==, CAPTURE_BUFFER_SHM);
	g_assert_cmpint(capture_choose_buffer(&shm_only, &gpu), ==, CAPTURE_BUFFER_SHM);
	g_assert_cmpint(capture_choose_buffer(&other, &gpu), ==, CAPTURE_BUFFER_SHM);
	g_assert_cmpint(capture_choose_buffer(&dmabuf_only, &gpu), ==, CAPTURE_BUFFER_DMABUF);
	g_assert_cmpint(capture_choose_buffer(&dmabuf_only, &software), ==, CAPTURE_BUFFER_NONE);
}

/* Damage from the compositor is clipped, empty rectangles dropped, and past the limit
 * merged so that what changed stays covered. */
static void test_damage(void)
{
	struct capture_frame f = {.width = 100, .height = 50};

	g_assert_true(capture_frame_changed(&f)); /* no rectangles: all of it */
	capture_frame_add_damage(&f, 90, 40, 1000, UINT32_MAX);
	g_assert_cmpuint(f.n_damage, ==, 1);
	g_assert_cmpint(f.damage[0].x, ==, 90);
	g_assert_cmpuint(f.damage[0].width, ==, 10);
	g_assert_cmpuint(f.damage[0].height, ==, 10);
	capture_frame_add_damage(&f, 100, 0, 5, 5); /* outside */
	capture_frame_add_damage(&f, 0, UINT32_MAX, 5, 5);
	capture_frame_add_damage(&f, 3, 3, 0, 5); /* empty */
	g_assert_cmpuint(f.n_damage, ==, 1);

	f.n_damage = 0;
	for (uint32_t i = 0; i < CAPTURE_MAX_DAMAGE + 5; i++)
		capture_frame_add_damage(&f, i * 5, i * 2, 2, 2);
	g_assert_cmpuint(f.n_damage, ==, CAPTURE_MAX_DAMAGE);
	/* the last one grew over every later rectangle: (75,30) to (97,40); the 21st, at
	 * x = 100, lies outside */
	g_assert_cmpint(f.damage[CAPTURE_MAX_DAMAGE - 1].x, ==, 75);
	g_assert_cmpint(f.damage[CAPTURE_MAX_DAMAGE - 1].y, ==, 30);
	g_assert_cmpuint(f.damage[CAPTURE_MAX_DAMAGE - 1].width, ==, 22);
	g_assert_cmpuint(f.damage[CAPTURE_MAX_DAMAGE - 1].height, ==, 10);
	g_assert_true(capture_frame_changed(&f));

	/* rectangles that are all empty: nothing changed */
	f.n_damage = 2;
	f.damage[0] = (struct capture_rect){1, 1, 0, 4};
	f.damage[1] = (struct capture_rect){1, 1, 4, 0};
	g_assert_false(capture_frame_changed(&f));
}

#define SIZE_W   320
#define SIZE_H   240
#define WAIT_MS  5000
#define STILL_MS 400
#define TICK_MS  10
/* CPU allowed while the screen is still, as a share of the wall time (idle is ~0) */
#define STILL_MAX_CPU 0.1
#define PIXEL_BYTES   4

struct seen {
	unsigned frames;
	unsigned full;    /* frames with n_damage == 0 */
	unsigned partial; /* frames with damage rectangles */
	bool pattern;     /* a frame showed the four quadrants */
	bool bad;         /* a frame broke the contract; `why` says how */
	char why[128];
	int64_t last_ready_us;
	char *closed;
};

static uint32_t pixel(const struct capture_frame *f, unsigned x, unsigned y)
{
	unsigned row = f->y_invert ? f->height - 1 - y : y;
	const uint8_t *p = f->data + (size_t)row * f->stride + (size_t)x * PIXEL_BYTES;

	/* XR24/AR24 little-endian: B, G, R, X in memory */
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void on_frame(void *data, const struct capture_frame *f)
{
	struct seen *s = data;

	if (f->width != SIZE_W || f->height != SIZE_H || f->stride < f->width * PIXEL_BYTES ||
	    (f->format != XR24 && f->format != AR24) || f->ready_us < s->last_ready_us) {
		s->bad = true;
		g_snprintf(s->why, sizeof(s->why), "frame %ux%u stride %u format %08x", f->width,
		           f->height, f->stride, f->format);
	}
	for (size_t i = 0; i < f->n_damage; i++) {
		const struct capture_rect *r = &f->damage[i];

		if (r->x < 0 || r->y < 0 || !r->width || !r->height || r->x + r->width > f->width ||
		    r->y + r->height > f->height) {
			s->bad = true;
			g_snprintf(s->why, sizeof(s->why), "damage %d,%d %ux%u", r->x, r->y,
			           r->width, r->height);
		}
	}
	if (f->n_damage > CAPTURE_MAX_DAMAGE) {
		s->bad = true;
		g_snprintf(s->why, sizeof(s->why), "%zu damage rectangles", f->n_damage);
	}
	s->last_ready_us = f->ready_us;
	if (s->frames++ == 0 && f->n_damage != 0) {
		s->bad = true;
		g_snprintf(s->why, sizeof(s->why), "the first frame is not whole");
	}
	if (f->n_damage)
		s->partial++;
	else
		s->full++;
	/* red, green / blue, white; sampled off-centre, and the moving square may cover a
	 * sample for a frame or two, so any one frame with all four is proof enough */
	if (pixel(f, SIZE_W / 4 + 3, SIZE_H / 4 + 5) == 0xff0000 &&
	    pixel(f, SIZE_W * 3 / 4 - 7, SIZE_H / 4 + 2) == 0x00ff00 &&
	    pixel(f, SIZE_W / 4 - 1, SIZE_H * 3 / 4 + 9) == 0x0000ff &&
	    pixel(f, SIZE_W * 3 / 4 + 11, SIZE_H * 3 / 4 - 4) == 0xffffff)
		s->pattern = true;
}

static void on_closed(void *data, const char *reason)
{
	struct seen *s = data;

	g_free(s->closed);
	s->closed = g_strdup(reason);
}

static const struct capture_listener listener = {.frame = on_frame, .closed = on_closed};

static gboolean tick(void *data)
{
	return G_SOURCE_CONTINUE;
}

/* Blocking iterations, as a real main loop runs: a source that keeps waking the context
 * up shows as CPU time (see test_still). */
static bool wait_until(bool (*done)(struct seen *s), struct seen *s, int ms)
{
	int64_t end = g_get_monotonic_time() + ms * 1000LL;
	guint ticker = g_timeout_add(TICK_MS, tick, NULL);

	while (!done(s) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(ticker);
	return done(s);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static bool saw_pattern(struct seen *s)
{
	return s->pattern && s->frames >= 10;
}

static bool saw_close(struct seen *s)
{
	return s->closed != NULL;
}

static struct virtual_session *start_session(bool animate, GError **error)
{
	g_autofree char *pattern =
	        g_test_build_filename(G_TEST_BUILT, "clients", "wayrtc-test-pattern", NULL);
	g_autofree char *session =
	        g_test_build_filename(G_TEST_BUILT, "..", "src", "session", "wayrtc-session", NULL);
	const char *argv[] = {pattern, animate ? "--animate" : NULL, NULL};

	if (!g_getenv("WAYRTC_SESSION"))
		g_setenv("WAYRTC_SESSION", session, TRUE);
	if (!g_file_test(pattern, G_FILE_TEST_IS_EXECUTABLE) ||
	    !g_file_test(g_getenv("WAYRTC_SESSION"), G_FILE_TEST_IS_EXECUTABLE))
		return NULL;
	return virtual_session_start(SIZE_W, SIZE_H, argv, false, NULL, NULL, error);
}

/* Frames of the right size with the pattern in them; the first one whole; damage inside
 * the frame; and when the compositor goes away, `closed` says so. */
static void test_live(void)
{
	g_autoptr(GError) error = NULL;
	struct virtual_session *session = start_session(true, &error);
	struct seen seen = {0};
	struct capture *capture;

	g_assert_no_error(error);
	if (!session) {
		g_test_skip("wayrtc-session or wayrtc-test-pattern not built");
		return;
	}
	capture = capture_wlr_new(virtual_session_display(session), &listener, &seen, &error);
	g_assert_no_error(error);
	g_assert_true(wait_until(saw_pattern, &seen, WAIT_MS));
	if (seen.bad)
		g_error("%s", seen.why);
	g_assert_cmpuint(seen.full, >=, 1);
	virtual_session_stop(session);
	g_assert_true(wait_until(saw_close, &seen, WAIT_MS));
	g_assert_nonnull(strstr(seen.closed, "compositor"));
	capture_destroy(capture);
	g_free(seen.closed);
}

static bool saw_frames(struct seen *s)
{
	return s->pattern && s->frames >= 1;
}

/* A still screen sends nothing: copy_with_damage waits for a change. */
static void test_still(void)
{
	g_autoptr(GError) error = NULL;
	struct virtual_session *session = start_session(false, &error);
	struct seen seen = {0};
	struct capture *capture;
	unsigned before;
	double cpu;

	g_assert_no_error(error);
	if (!session) {
		g_test_skip("wayrtc-session or wayrtc-test-pattern not built");
		return;
	}
	capture = capture_wlr_new(virtual_session_display(session), &listener, &seen, &error);
	g_assert_no_error(error);
	g_assert_true(wait_until(saw_frames, &seen, WAIT_MS));
	/* let the client's first commits settle, then nothing may come */
	wait_until(saw_close, &seen, STILL_MS);
	before = seen.frames;
	cpu = cpu_seconds();
	wait_until(saw_close, &seen, STILL_MS);
	g_assert_cmpuint(seen.frames, ==, before);
	/* and waiting for a change costs nothing: no busy loop on the Wayland fd */
	g_assert_cmpfloat(cpu_seconds() - cpu, <, STILL_MAX_CPU * STILL_MS / 1000.0);
	g_assert_false(seen.bad);
	capture_destroy(capture);
	virtual_session_stop(session);
	g_assert_null(seen.closed);
}

static void test_no_display(void)
{
	g_autoptr(GError) error = NULL;
	struct seen seen = {0};

	g_assert_null(capture_wlr_new("wayrtc-test-no-such-display", &listener, &seen, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "wayrtc-test-no-such-display"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/choose-buffer", test_choose);
	g_test_add_func("/capture/damage", test_damage);
	g_test_add_func("/capture/no-display", test_no_display);
	g_test_add_func("/capture/live", test_live);
	g_test_add_func("/capture/still", test_still);
	return g_test_run();
}
