/* Which buffer a capture uses: DMA-BUF only with an offer, a render node and an encoder
 * that imports that format; otherwise shared memory. (These machines have no GPU: this
 * rule is what can be proven here; see docs/architecture.md.) */
#include <glib.h>

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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/choose-buffer", test_choose);
	return g_test_run();
}
