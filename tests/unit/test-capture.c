/* Which buffer a capture uses: DMA-BUF only with an offer, a render node and an encoder
 * that imports that format; otherwise shared memory. (These machines have no GPU: this
 * rule is what can be proven here; see docs/architecture.md.) Damage rectangles, and a
 * display that is not there. wlr-screencopy for real is integration/test-capture-live.c. */
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "media/capture.h"

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

static void on_frame(void *data, const struct capture_frame *f)
{
	g_assert_not_reached();
}

static void on_closed(void *data, const char *reason)
{
	g_assert_not_reached();
}

static const struct capture_listener listener = {.frame = on_frame, .closed = on_closed};

static void test_no_display(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(capture_wlr_new("wayrtc-test-no-such-display", &listener, NULL, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "wayrtc-test-no-such-display"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/choose-buffer", test_choose);
	g_test_add_func("/capture/damage", test_damage);
	g_test_add_func("/capture/no-display", test_no_display);
	return g_test_run();
}
