/* wl_output transform arithmetic (transform.h). The quarter turns were pinned down against
 * sway's `output … transform`: its screencopy buffers and its absolute pointer
 * (tests/e2e/sway.test.mjs, "a rotated output"). */
#include "util/transform.h"

bool transform_swaps(uint32_t transform)
{
	return transform < TRANSFORM_COUNT && (transform & 1);
}

/* The buffer's pixel (bx, by), counted in rows as rendered (top to bottom), under the upright
 * pixel (x, y) of a w × h upright picture: the transform applied to the desktop. */
void transform_to_buffer(uint32_t t, int64_t w, int64_t h, int64_t x, int64_t y, int64_t *bx,
                         int64_t *by)
{
	switch (t) {
	case TRANSFORM_270:
		*bx = h - 1 - y, *by = x;
		break;
	case TRANSFORM_180:
		*bx = w - 1 - x, *by = h - 1 - y;
		break;
	case TRANSFORM_90:
		*bx = y, *by = w - 1 - x;
		break;
	case TRANSFORM_FLIPPED:
		*bx = w - 1 - x, *by = y;
		break;
	case TRANSFORM_FLIPPED_270:
		*bx = h - 1 - y, *by = w - 1 - x;
		break;
	case TRANSFORM_FLIPPED_180:
		*bx = x, *by = h - 1 - y;
		break;
	case TRANSFORM_FLIPPED_90:
		*bx = y, *by = x;
		break;
	default:
		*bx = x, *by = y;
		break;
	}
}

/* The inverse: the upright pixel over buffer pixel (bx, by) of a bw × bh buffer. Each
 * transform undoes itself but the quarter turns, which undo each other. */
void transform_to_upright(uint32_t t, int64_t bw, int64_t bh, int64_t bx, int64_t by, int64_t *x,
                          int64_t *y)
{
	uint32_t inverse = t == TRANSFORM_90    ? TRANSFORM_270
	                   : t == TRANSFORM_270 ? TRANSFORM_90
	                                        : t;

	transform_to_buffer(inverse, bw, bh, bx, by, x, y);
}
