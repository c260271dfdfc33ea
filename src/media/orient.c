/* Turning frames upright (orient.h). Every transform is an affine map of pixel indices
 * (util/transform.c), so a row of the upright picture is a run through the buffer with a
 * constant step: one buffer position per upright row and then one addition per pixel. */
#include "media/orient.h"

#include <glib.h>
#include <string.h>

#include "util/transform.h"

#define BYTES_PER_PIXEL 4
/* A kept picture larger than this is refused (16384 × 16384: far past any output) */
#define MAX_PIXELS (16384u * 16384u)

struct orient {
	uint8_t *picture;
	uint32_t width, height, format; /* of the picture, upright */
};

static int32_t clamp32(int64_t v)
{
	return (int32_t)CLAMP(v, (int64_t)INT32_MIN, (int64_t)INT32_MAX);
}

void orient_point(uint32_t transform, bool y_invert, uint32_t bw, uint32_t bh, int32_t bx,
                  int32_t by, int32_t *x, int32_t *y)
{
	int64_t ux, uy, row = y_invert ? (int64_t)bh - 1 - by : by;

	transform_to_upright(transform, bw, bh, bx, row, &ux, &uy);
	*x = clamp32(ux);
	*y = clamp32(uy);
}

void orient_rect(uint32_t transform, bool y_invert, uint32_t bw, uint32_t bh,
                 const struct capture_rect *in, struct capture_rect *out)
{
	int32_t x0, y0, x1, y1;

	if (!in->width || !in->height) {
		*out = (struct capture_rect){0, 0, 0, 0};
		return;
	}
	/* opposite corners, inclusive: their images are opposite corners too */
	orient_point(transform, y_invert, bw, bh, in->x, in->y, &x0, &y0);
	orient_point(transform, y_invert, bw, bh, clamp32((int64_t)in->x + in->width - 1),
	             clamp32((int64_t)in->y + in->height - 1), &x1, &y1);
	out->x = MIN(x0, x1);
	out->y = MIN(y0, y1);
	out->width = (uint32_t)(MAX(x0, x1) - out->x) + 1;
	out->height = (uint32_t)(MAX(y0, y1) - out->y) + 1;
}

struct orient *orient_new(void)
{
	return g_new0(struct orient, 1);
}

void orient_free(struct orient *o)
{
	if (!o)
		return;
	g_free(o->picture);
	g_free(o);
}

/* The upright rectangle r of the picture (w × h) from the buffer. */
static void turn_rect(struct orient *o, const struct capture_frame *in, uint32_t t,
                      const struct capture_rect *r)
{
	int64_t w = o->width, h = o->height;
	int64_t stride = in->stride;
	int64_t bx0, by0, bx1, by1, step;

	for (int64_t y = r->y; y < (int64_t)r->y + r->height; y++) {
		uint32_t *dst = (uint32_t *)(o->picture + ((size_t)y * o->width + (size_t)r->x) *
		                                                  BYTES_PER_PIXEL);
		const uint8_t *src;

		transform_to_buffer(t, w, h, r->x, y, &bx0, &by0);
		transform_to_buffer(t, w, h, (int64_t)r->x + 1, y, &bx1, &by1);
		if (in->y_invert) {
			by0 = (int64_t)in->height - 1 - by0;
			by1 = (int64_t)in->height - 1 - by1;
		}
		step = (bx1 - bx0) * BYTES_PER_PIXEL + (by1 - by0) * stride;
		src = in->data + by0 * stride + bx0 * BYTES_PER_PIXEL;
		for (uint32_t i = 0; i < r->width; i++, src += step)
			memcpy(&dst[i], src, BYTES_PER_PIXEL);
	}
}

const struct capture_frame *orient_upright(struct orient **o, const struct capture_frame *in,
                                           uint32_t transform, struct capture_frame *out)
{
	if (transform == TRANSFORM_NORMAL)
		return in;
	if (!*o)
		*o = orient_new();
	return orient_frame(*o, in, transform, out) ? out : NULL;
}

bool orient_frame(struct orient *o, const struct capture_frame *in, uint32_t transform,
                  struct capture_frame *out)
{
	uint32_t t = transform < TRANSFORM_COUNT ? transform : TRANSFORM_NORMAL;
	uint32_t w = transform_swaps(t) ? in->height : in->width;
	uint32_t h = transform_swaps(t) ? in->width : in->height;
	/* which rows a y-inverted buffer's damage names is not pinned down: all of them */
	bool whole = in->n_damage == 0 || in->y_invert;

	if (t == TRANSFORM_NORMAL || !in->data || !w || !h || (uint64_t)w * h > MAX_PIXELS ||
	    in->stride / BYTES_PER_PIXEL < in->width)
		return false;
	if (!o->picture || w != o->width || h != o->height || in->format != o->format) {
		g_free(o->picture);
		o->picture = g_try_malloc((size_t)w * h * BYTES_PER_PIXEL);
		o->width = w;
		o->height = h;
		o->format = in->format;
		if (!o->picture)
			return false;
		whole = true;
	}
	*out = *in;
	out->width = w;
	out->height = h;
	out->stride = w * BYTES_PER_PIXEL;
	out->y_invert = false;
	out->data = o->picture;
	out->n_damage = 0;
	if (whole) {
		turn_rect(o, in, t, &(struct capture_rect){0, 0, w, h});
		return true;
	}
	for (size_t i = 0; i < in->n_damage; i++) {
		struct capture_rect r;

		orient_rect(t, in->y_invert, in->width, in->height, &in->damage[i], &r);
		if (!r.width)
			continue;
		turn_rect(o, in, t, &r);
		out->damage[out->n_damage++] = r;
	}
	/* all damage empty: so is out's, and the encoder skips the frame as it would have */
	if (!out->n_damage && in->n_damage)
		out->damage[out->n_damage++] = (struct capture_rect){0, 0, 0, 0};
	return true;
}
