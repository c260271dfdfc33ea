/* The cursor channel's messages byte for byte, the four bitmap formats to RGBA (where each
 * channel sits, and X meaning opaque), the size limit, and what cursor_update says must be
 * sent: only changes, hidden once, an oversized image dropped with the last one kept. */
#include <glib.h>
#include <string.h>

#include "share/cursor.h"
#include "media/capture.h"
#include "xdp/session.h"

#define ARGB8888 0x34325241
#define XRGB8888 0x34325258
#define ABGR8888 0x34324241
#define XBGR8888 0x34324258

static void test_position(void)
{
	uint8_t buf[16];
	static const uint8_t want[] = {1, 0x34, 0x12, 0, 0, 0xfe, 0xff, 0xff, 0xff, 1};
	static const uint8_t hidden[] = {1, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0x7f, 0};

	g_assert_cmpuint(cursor_encode_position(buf, sizeof(buf), 0x1234, -2, true), ==, 10);
	g_assert_cmpmem(buf, 10, want, sizeof(want));
	g_assert_cmpuint(cursor_encode_position(buf, sizeof(buf), INT32_MIN, INT32_MAX, false), ==,
	                 10);
	g_assert_cmpmem(buf, 10, hidden, sizeof(hidden));
	g_assert_cmpuint(cursor_encode_position(buf, 9, 0, 0, true), ==, 0);
}

static void test_image(void)
{
	static const uint8_t rgba[2 * 1 * 4] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t want[] = {2, 2, 0, 1, 0, 0xff, 0xff, 0x00, 0x01,
	                               1, 2, 3, 4, 5, 6,    7,    8};
	uint8_t buf[64];
	g_autofree uint8_t *big = g_malloc0(CURSOR_MESSAGE_MAX);

	g_assert_cmpuint(cursor_encode_image(buf, sizeof(buf), 2, 1, -1, 256, rgba), ==,
	                 sizeof(want));
	g_assert_cmpmem(buf, sizeof(want), want, sizeof(want));
	/* one byte short of room, a side of 0, a hotspot beyond i16: nothing */
	g_assert_cmpuint(cursor_encode_image(buf, sizeof(want) - 1, 2, 1, 0, 0, rgba), ==, 0);
	g_assert_cmpuint(cursor_encode_image(buf, sizeof(buf), 0, 1, 0, 0, rgba), ==, 0);
	g_assert_cmpuint(cursor_encode_image(buf, sizeof(buf), 1, 1, 32768, 0, rgba), ==, 0);
	g_assert_cmpuint(cursor_encode_image(buf, sizeof(buf), 1, 1, 0, -32769, rgba), ==, 0);
	/* the limit is 128 a side, inclusive */
	g_assert_cmpuint(CURSOR_MESSAGE_MAX, ==, 9 + 128 * 128 * 4);
	g_assert_cmpuint(cursor_encode_image(big, CURSOR_MESSAGE_MAX, 128, 128, 0, 0, big + 9), ==,
	                 CURSOR_MESSAGE_MAX);
	g_assert_cmpuint(big[1] | big[2] << 8, ==, 128);
	g_assert_cmpuint(cursor_encode_image(big, CURSOR_MESSAGE_MAX, 129, 1, 0, 0, big + 9), ==,
	                 0);
	g_assert_cmpuint(cursor_encode_image(big, CURSOR_MESSAGE_MAX, 1, 129, 0, 0, big + 9), ==,
	                 0);
}

static void test_convert(void)
{
	/* two pixels a row, a padded stride of 12; premultiplied R=0x11 G=0x22 B=0x33 with
	 * A=0x44, then A=0x80 */
	static const uint8_t bgra[] = {0x33, 0x22, 0x11, 0x44, 0x33, 0x22, 0x11, 0x80, 9, 9, 9, 9};
	static const uint8_t rgba[] = {0x11, 0x22, 0x33, 0x44, 0x11, 0x22, 0x33, 0x80, 9, 9, 9, 9};
	/* straight: each colour * 255 / alpha, rounded */
	static const uint8_t want_a[] = {0x40, 0x80, 0xbf, 0x44, 0x22, 0x44, 0x66, 0x80};
	static const uint8_t want_x[] = {0x11, 0x22, 0x33, 0xff, 0x11, 0x22, 0x33, 0xff};
	/* transparent; opaque; a colour above its alpha (not premultiplied) saturates */
	static const uint8_t edge[] = {0x10, 0x20, 0x30, 0x00, 0x10, 0x20,
	                               0x30, 0xff, 0x10, 0x90, 0x30, 0x40};
	static const uint8_t want_edge[] = {0,    0,    0,    0x00, 0x30, 0x20,
	                                    0x10, 0xff, 0xbf, 0xff, 0x40, 0x40};
	uint8_t out[12];
	uint8_t two_rows[24];
	uint8_t out2[16];

	g_assert_true(cursor_convert_rgba(out, bgra, 2, 1, 12, ARGB8888));
	g_assert_cmpmem(out, 8, want_a, 8);
	g_assert_true(cursor_convert_rgba(out, bgra, 2, 1, 12, XRGB8888));
	g_assert_cmpmem(out, 8, want_x, 8);
	g_assert_true(cursor_convert_rgba(out, rgba, 2, 1, 12, ABGR8888));
	g_assert_cmpmem(out, 8, want_a, 8);
	g_assert_true(cursor_convert_rgba(out, rgba, 2, 1, 12, XBGR8888));
	g_assert_cmpmem(out, 8, want_x, 8);
	g_assert_false(cursor_convert_rgba(out, rgba, 2, 1, 12, 0x56595559 /* YUYV */));
	g_assert_true(cursor_convert_rgba(out, edge, 3, 1, 12, ARGB8888));
	g_assert_cmpmem(out, 12, want_edge, 12);

	/* the stride's padding is skipped between rows */
	memcpy(two_rows, bgra, 12);
	memcpy(two_rows + 12, bgra, 12);
	two_rows[12] = 0x55;
	g_assert_true(cursor_convert_rgba(out2, two_rows, 2, 2, 12, XRGB8888));
	g_assert_cmpmem(out2, 8, want_x, 8);
	g_assert_cmpuint(out2[8 + 2], ==, 0x55);
	g_assert_cmpuint(out2[8 + 0], ==, 0x11);
}

static void test_update(void)
{
	struct cursor *c = cursor_new();
	uint8_t px[4 * 4 * 4];
	g_autofree uint8_t *huge = g_malloc0(129 * 129 * 4); /* also holds a 513x1 */
	struct capture_cursor in = {.x = 10, .y = 20};

	memset(px, 0x40, sizeof(px));
	/* the first move, no image yet */
	g_assert_cmpuint(cursor_update(c, &in), ==, CURSOR_CHANGED_POSITION);
	g_assert_true(c->visible);
	g_assert_false(c->have_image);
	/* the same place again: nothing to send */
	g_assert_cmpuint(cursor_update(c, &in), ==, 0);
	/* an image, at the same place */
	in.bitmap = px;
	in.width = in.height = 4;
	in.stride = 16;
	in.format = XRGB8888;
	in.hotspot_x = 1;
	in.hotspot_y = 2;
	g_assert_cmpuint(cursor_update(c, &in), ==, CURSOR_CHANGED_IMAGE);
	g_assert_cmpuint(c->width, ==, 4);
	g_assert_cmpuint(c->rgba[3], ==, 0xff);
	g_assert_cmpuint(c->rgba[0], ==, 0x40);
	/* the same bitmap sent again with a move: only the move */
	in.x = 11;
	g_assert_cmpuint(cursor_update(c, &in), ==, CURSOR_CHANGED_POSITION);
	/* hidden once, then nothing; the place stays */
	struct capture_cursor hide = {.hidden = true, .x = 999};
	g_assert_cmpuint(cursor_update(c, &hide), ==, CURSOR_CHANGED_POSITION);
	g_assert_false(c->visible);
	g_assert_cmpint(c->x, ==, 11);
	g_assert_cmpuint(cursor_update(c, &hide), ==, 0);
	/* back at the same place: visible again is a change */
	in.bitmap = NULL;
	g_assert_cmpuint(cursor_update(c, &in), ==, CURSOR_CHANGED_POSITION);
	/* a 129-wide image (mutter's go up to 384) is halved to fit a browser's 128, the
	 * hotspot too; colour is averaged by alpha, so a clear edge does not darken it */
	for (size_t i = 0; i < 129 * 129; i++) {
		huge[i * 4 + 0] = huge[i * 4 + 1] = huge[i * 4 + 2] = 0x80; /* premultiplied */
		huge[i * 4 + 3] = 0xff;
	}
	memset(huge, 0, 4); /* the top left pixel clear */
	in.bitmap = huge;
	in.width = 129;
	in.height = 129;
	in.stride = 129 * 4;
	in.format = ARGB8888;
	in.hotspot_x = 10;
	in.hotspot_y = 21;
	in.x = 12;
	g_assert_cmpuint(cursor_update(c, &in), ==, CURSOR_CHANGED_IMAGE | CURSOR_CHANGED_POSITION);
	g_assert_cmpuint(c->width, ==, 65);
	g_assert_cmpuint(c->height, ==, 65);
	g_assert_cmpint(c->hot_x, ==, 5);
	g_assert_cmpint(c->hot_y, ==, 10);
	g_assert_cmpuint(c->rgba[0], ==, 0x80);          /* not darkened by the clear pixel */
	g_assert_cmpuint(c->rgba[3], ==, 0xbf);          /* 3 opaque of 4 */
	g_assert_cmpuint(c->rgba[64 * 4 + 3], ==, 0xff); /* the last column: 1 wide, opaque */
	g_assert_false(c->too_big_said);
	/* over what any source may send: dropped, the last one kept */
	in.width = CAPTURE_CURSOR_SOURCE_MAX + 1;
	in.height = 1;
	in.stride = in.width * 4;
	in.x = 13;
	g_assert_cmpuint(cursor_update(c, &in), ==, CURSOR_CHANGED_POSITION);
	g_assert_cmpuint(c->width, ==, 65);
	g_assert_true(c->too_big_said);
	/* a new shape of the same size is a change */
	px[0] = 0x41;
	in.bitmap = px;
	in.format = XRGB8888;
	in.width = in.height = 4;
	in.stride = 16;
	g_assert_cmpuint(cursor_update(c, &in), ==, CURSOR_CHANGED_IMAGE);
	g_assert_cmpuint(c->rgba[2], ==, 0x41); /* XR24's first byte is blue */
	cursor_free(c);
	cursor_free(NULL);
}

/* Metadata whenever offered (the browser draws the pointer), else embedded, else none. */
static void test_portal_mode(void)
{
	g_assert_cmpuint(xdp_choose_cursor_mode(1 | 2 | 4), ==, XDP_CURSOR_METADATA);
	g_assert_cmpuint(xdp_choose_cursor_mode(4), ==, XDP_CURSOR_METADATA);
	g_assert_cmpuint(xdp_choose_cursor_mode(1 | 2), ==, XDP_CURSOR_EMBED);
	g_assert_cmpuint(xdp_choose_cursor_mode(1), ==, XDP_CURSOR_HIDDEN);
	/* a portal that says nothing (or an old one without the property) */
	g_assert_cmpuint(xdp_choose_cursor_mode(0), ==, XDP_CURSOR_HIDDEN);
	g_assert_cmpuint(XDP_CURSOR_METADATA, ==, 4);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cursor/position", test_position);
	g_test_add_func("/cursor/image", test_image);
	g_test_add_func("/cursor/convert", test_convert);
	g_test_add_func("/cursor/update", test_update);
	g_test_add_func("/cursor/portal-mode", test_portal_mode);
	return g_test_run();
}
