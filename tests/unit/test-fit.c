/* fit_mode: the virtual desktop's mode for a page's video area. Device pixels, an integer
 * scale, even sides that the scale divides, and the bounds of fit.h whatever comes in. */
#include <math.h>

#include "share/fit.h"

static void check(unsigned w, unsigned h, double ratio, unsigned ew, unsigned eh, unsigned es)
{
	struct fit_mode m;

	fit_mode(w, h, ratio, &m);
	if (m.width != ew || m.height != eh || m.scale != es)
		g_error("%ux%u at %g: %ux%u scale %u, expected %ux%u scale %u", w, h, ratio,
		        m.width, m.height, m.scale, ew, eh, es);
}

static void test_common(void)
{
	/* a laptop at 100 %: its pixels exactly */
	check(1280, 720, 1.0, 1280, 720, 1);
	check(1366, 641, 1.0, 1366, 640, 1);
	/* 125 %: device pixels, scale 1 (a fraction would blur) */
	check(1536, 730, 1.25, 1920, 912, 1);
	/* 150 %: scale 2, sides multiples of 4 */
	check(1280, 649, 1.5, 1920, 972, 2);
	/* a phone at 3: 1170x2532 device pixels is within the area (2.96 MP) */
	check(390, 844, 3.0, 1170, 2532, 3);
	/* a HiDPI laptop at 2 */
	check(1440, 900, 2.0, 2560, 1600, 2);
}

static void test_bounds(void)
{
	struct fit_mode m;
	const unsigned sizes[] = {1, 2, 7, 239, 240, 241, 1000, 4095, 4096, 4097, 16384};
	const double ratios[] = {0.25, 0.5, 1, 1.25, 1.49, 1.5, 2, 2.5, 2.75, 3, 4, 8, NAN, -1, 0};

	/* a 4K window at 1: scaled down to the area, the aspect kept */
	check(3840, 2160, 1.0, 2698, 1516, 1);
	/* a 5K window at 2: the same area, scale 2 */
	check(2560, 1440, 2.0, 2696, 1516, 2);
	/* a strip wider than a side may be */
	check(16384, 300, 1.0, 4096, 240, 1);
	/* tiny, and nonsense ratios, fall back to the floor and scale 1 */
	check(1, 1, 1.0, 240, 240, 1);
	check(800, 600, NAN, 800, 600, 1);
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		for (size_t j = 0; j < G_N_ELEMENTS(sizes); j++) {
			for (size_t k = 0; k < G_N_ELEMENTS(ratios); k++) {
				fit_mode(sizes[i], sizes[j], ratios[k], &m);
				g_assert_cmpuint(m.scale, >=, 1);
				g_assert_cmpuint(m.scale, <=, FIT_MAX_SCALE);
				g_assert_cmpuint(m.width % (2 * m.scale), ==, 0);
				g_assert_cmpuint(m.height % (2 * m.scale), ==, 0);
				g_assert_cmpuint(m.width, >=, FIT_MIN_SIDE - 2 * m.scale + 1);
				g_assert_cmpuint(m.height, >=, FIT_MIN_SIDE - 2 * m.scale + 1);
				g_assert_cmpuint(m.width, <=, FIT_MAX_SIDE);
				g_assert_cmpuint(m.height, <=, FIT_MAX_SIDE);
				g_assert_cmpuint((guint64)m.width * m.height, <=,
				                 MAX((guint64)FIT_MAX_AREA,
				                     (guint64)FIT_MIN_SIDE * FIT_MAX_SIDE));
			}
		}
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fit/common", test_common);
	g_test_add_func("/fit/bounds", test_bounds);
	return g_test_run();
}
