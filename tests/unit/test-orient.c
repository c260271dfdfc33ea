/* media/orient and wayland/transform: a turned buffer comes out upright, whole or through
 * its damage, y-inverted or not, for each of the eight transforms; points and rectangles map
 * back and forth. Which way a quarter turn goes is pinned against a real compositor by
 * e2e-sway ("a rotated output"); here every transform must at least undo itself. */
#include <glib.h>
#include <string.h>

#include "media/orient.h"
#include "util/transform.h"

#define W 7 /* upright: odd sides, so no mirror image lands on itself by luck */
#define H 5

static uint32_t upright_pixel(int64_t x, int64_t y, uint32_t salt)
{
	return 0xff000000u | (uint32_t)(y * 256 + x) | salt;
}

/* A buffer holding the upright picture with `t` applied (rows as rendered, then reversed
 * when y_invert), stride padded. */
static uint8_t *turned_buffer(uint32_t t, bool y_invert, uint32_t salt, uint32_t *bw, uint32_t *bh,
                              uint32_t *stride)
{
	uint8_t *buf;

	*bw = transform_swaps(t) ? H : W;
	*bh = transform_swaps(t) ? W : H;
	*stride = (*bw + 3) * 4;
	buf = g_malloc0((size_t)*stride * *bh);
	for (int64_t y = 0; y < H; y++) {
		for (int64_t x = 0; x < W; x++) {
			int64_t bx, by;
			uint32_t v = upright_pixel(x, y, salt);

			transform_to_buffer(t, W, H, x, y, &bx, &by);
			g_assert_cmpint(bx, >=, 0);
			g_assert_cmpint(bx, <, *bw);
			g_assert_cmpint(by, >=, 0);
			g_assert_cmpint(by, <, *bh);
			if (y_invert)
				by = *bh - 1 - by;
			memcpy(buf + by * *stride + bx * 4, &v, 4);
		}
	}
	return buf;
}

static void check_upright(const struct capture_frame *out, uint32_t salt)
{
	g_assert_cmpuint(out->width, ==, W);
	g_assert_cmpuint(out->height, ==, H);
	g_assert_false(out->y_invert);
	for (uint32_t y = 0; y < H; y++) {
		for (uint32_t x = 0; x < W; x++) {
			uint32_t v;

			memcpy(&v, out->data + y * out->stride + x * 4, 4);
			if (v != upright_pixel(x, y, salt))
				g_error("upright (%u, %u) is %08x, expected %08x", x, y, v,
				        upright_pixel(x, y, salt));
		}
	}
}

static void test_whole(void)
{
	for (uint32_t t = 1; t < TRANSFORM_COUNT; t++) {
		for (int inv = 0; inv < 2; inv++) {
			struct orient *o = orient_new();
			struct capture_frame in = {0}, out;
			g_autofree uint8_t *buf =
			        turned_buffer(t, inv, 0, &in.width, &in.height, &in.stride);

			in.data = buf;
			in.y_invert = inv;
			in.format = 0x34325258; /* XR24 */
			g_assert_true(orient_frame(o, &in, t, &out));
			check_upright(&out, 0);
			g_assert_cmpuint(out.n_damage, ==, 0);
			g_assert_cmpuint(out.format, ==, in.format);
			orient_free(o);
		}
	}
}

/* A second frame where only a rectangle of the buffer changed, said as damage: the kept
 * picture is then the whole new one, and the damage names where it changed upright. */
static void test_damage(void)
{
	for (uint32_t t = 1; t < TRANSFORM_COUNT; t++) {
		struct orient *o = orient_new();
		struct capture_frame in = {0}, out;
		g_autofree uint8_t *first =
		        turned_buffer(t, false, 0, &in.width, &in.height, &in.stride);
		g_autofree uint8_t *second =
		        turned_buffer(t, false, 0x00100000, &in.width, &in.height, &in.stride);
		struct capture_rect r = {1, 2, 2, 3}, up;

		in.data = first;
		g_assert_true(orient_frame(o, &in, t, &out));
		/* the buffer changes only inside r: copy the rest from the first */
		for (uint32_t y = 0; y < in.height; y++) {
			for (uint32_t x = 0; x < in.width; x++) {
				bool inside = (int32_t)x >= r.x && x < r.x + r.width &&
				              (int32_t)y >= r.y && y < r.y + r.height;

				if (!inside)
					memcpy(second + y * in.stride + x * 4,
					       first + y * in.stride + x * 4, 4);
			}
		}
		in.data = second;
		in.n_damage = 1;
		in.damage[0] = r;
		g_assert_true(orient_frame(o, &in, t, &out));
		g_assert_cmpuint(out.n_damage, ==, 1);
		orient_rect(t, false, in.width, in.height, &r, &up);
		g_assert_cmpmem(&out.damage[0], sizeof(up), &up, sizeof(up));
		g_assert_cmpuint(up.width * up.height, ==, r.width * r.height);
		/* inside the turned rectangle the new picture, outside the old */
		for (uint32_t y = 0; y < H; y++) {
			for (uint32_t x = 0; x < W; x++) {
				bool inside = (int32_t)x >= up.x && x < up.x + up.width &&
				              (int32_t)y >= up.y && y < up.y + up.height;
				uint32_t v, want = upright_pixel(x, y, inside ? 0x00100000 : 0);

				memcpy(&v, out.data + y * out.stride + x * 4, 4);
				g_assert_cmphex(v, ==, want);
			}
		}
		orient_free(o);
	}
}

static void test_points(void)
{
	for (uint32_t t = 0; t < TRANSFORM_COUNT; t++) {
		uint32_t bw = transform_swaps(t) ? H : W;
		uint32_t bh = transform_swaps(t) ? W : H;

		for (int64_t y = -2; y < H + 2; y++) {
			for (int64_t x = -2; x < W + 2; x++) {
				int64_t bx, by;
				int32_t ux, uy;

				transform_to_buffer(t, W, H, x, y, &bx, &by);
				orient_point(t, false, bw, bh, (int32_t)bx, (int32_t)by, &ux, &uy);
				g_assert_cmpint(ux, ==, x);
				g_assert_cmpint(uy, ==, y);
				/* y-inverted: the row counts from the bottom */
				orient_point(t, true, bw, bh, (int32_t)bx, (int32_t)(bh - 1 - by),
				             &ux, &uy);
				g_assert_cmpint(ux, ==, x);
				g_assert_cmpint(uy, ==, y);
			}
		}
	}
}

static void test_normal_and_limits(void)
{
	struct orient *o = orient_new();
	uint8_t px[16] = {0};
	struct capture_frame in = {.width = 2, .height = 2, .stride = 8, .data = px}, out;

	/* nothing to turn: the caller uses its own frame */
	g_assert_false(orient_frame(o, &in, TRANSFORM_NORMAL, &out));
	/* an unknown transform counts as normal */
	g_assert_false(orient_frame(o, &in, 8, &out));
	g_assert_false(orient_frame(o, &in, UINT32_MAX, &out));
	/* a stride shorter than a row is refused, not read past */
	in.stride = 4;
	g_assert_false(orient_frame(o, &in, TRANSFORM_90, &out));
	orient_free(o);
	orient_free(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/orient/whole", test_whole);
	g_test_add_func("/orient/damage", test_damage);
	g_test_add_func("/orient/points", test_points);
	g_test_add_func("/orient/normal-and-limits", test_normal_and_limits);
	return g_test_run();
}
