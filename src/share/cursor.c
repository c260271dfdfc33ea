/* The newest pointer and its wire messages. The browser does the drawing (web/cursor.js):
 * the server only keeps what a viewer that joins later needs and encodes it. */
#define LOG_MODULE "cursor"
#include "cursor.h"

#include <glib.h>
#include <string.h>

#include "util/log.h"
#include "media/capture.h"

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)v);
	put_u16(p + 2, (uint16_t)(v >> 16));
}

size_t cursor_encode_position(uint8_t *buf, size_t cap, int32_t x, int32_t y, bool visible)
{
	if (cap < CURSOR_POSITION_LEN)
		return 0;
	buf[0] = CURSOR_TYPE_POSITION;
	put_u32(buf + 1, (uint32_t)x);
	put_u32(buf + 5, (uint32_t)y);
	buf[9] = visible ? 1 : 0;
	return CURSOR_POSITION_LEN;
}

size_t cursor_encode_image(uint8_t *buf, size_t cap, uint32_t width, uint32_t height, int32_t hot_x,
                           int32_t hot_y, const uint8_t *rgba)
{
	size_t len = CURSOR_IMAGE_LEN(width, height);

	if (width == 0 || height == 0 || width > CAPTURE_CURSOR_IMAGE_MAX ||
	    height > CAPTURE_CURSOR_IMAGE_MAX || hot_x < INT16_MIN || hot_x > INT16_MAX ||
	    hot_y < INT16_MIN || hot_y > INT16_MAX || cap < len)
		return 0;
	buf[0] = CURSOR_TYPE_IMAGE;
	put_u16(buf + 1, (uint16_t)width);
	put_u16(buf + 3, (uint16_t)height);
	put_u16(buf + 5, (uint16_t)(int16_t)hot_x);
	put_u16(buf + 7, (uint16_t)(int16_t)hot_y);
	memcpy(buf + CURSOR_IMAGE_HEADER_LEN, rgba, len - CURSOR_IMAGE_HEADER_LEN);
	return len;
}

/* Wayland's shm formats and the portals' cursor bitmaps carry premultiplied alpha; a
 * browser's ImageData is straight. A colour above its alpha is not premultiplied data:
 * it saturates rather than wraps. */
static uint8_t unpremultiply(uint8_t c, uint8_t alpha)
{
	unsigned v;

	if (alpha == 0xff)
		return c;
	if (alpha == 0)
		return 0;
	v = ((unsigned)c * 255 + alpha / 2) / alpha;
	return v > 255 ? 255 : (uint8_t)v;
}

bool cursor_convert_rgba(uint8_t *out, const uint8_t *bitmap, uint32_t width, uint32_t height,
                         uint32_t stride, uint32_t format)
{
	/* where R, G, B and A sit in each pixel's four bytes; alpha -1: opaque */
	int r, b, a;

	switch (format) {
	case DRM_FORMAT_ARGB8888:
		r = 2, b = 0, a = 3;
		break;
	case DRM_FORMAT_XRGB8888:
		r = 2, b = 0, a = -1;
		break;
	case DRM_FORMAT_ABGR8888:
		r = 0, b = 2, a = 3;
		break;
	case DRM_FORMAT_XBGR8888:
		r = 0, b = 2, a = -1;
		break;
	default:
		return false;
	}
	for (uint32_t y = 0; y < height; y++) {
		const uint8_t *s = bitmap + (size_t)y * stride;

		for (uint32_t x = 0; x < width; x++, s += 4, out += 4) {
			uint8_t alpha = a < 0 ? 0xff : s[a];

			out[0] = unpremultiply(s[r], alpha);
			out[1] = unpremultiply(s[1], alpha);
			out[2] = unpremultiply(s[b], alpha);
			out[3] = alpha;
		}
	}
	return true;
}

struct cursor *cursor_new(void)
{
	return g_new0(struct cursor, 1);
}

void cursor_free(struct cursor *cursor)
{
	if (cursor)
		g_free(cursor->large);
	g_free(cursor);
}

static void encode_image(struct cursor *cursor)
{
	cursor->image_message_len = cursor_encode_image(
	        cursor->image_message, sizeof(cursor->image_message), cursor->width, cursor->height,
	        cursor->hot_x, cursor->hot_y, cursor->rgba);
}

/* Box-averages `f`×`f` blocks of straight-alpha RGBA, weighting colour by alpha so the
 * transparent surroundings do not darken the edges. */
static void scale_down(uint8_t *out, const uint8_t *in, uint32_t w, uint32_t h, uint32_t f)
{
	uint32_t ow = (w + f - 1) / f, oh = (h + f - 1) / f;

	for (uint32_t oy = 0; oy < oh; oy++) {
		for (uint32_t ox = 0; ox < ow; ox++) {
			uint64_t sum[3] = {0}, alpha = 0, n = 0;
			uint8_t *o = out + ((size_t)oy * ow + ox) * 4;

			for (uint32_t y = oy * f; y < MIN(h, (oy + 1) * f); y++) {
				for (uint32_t x = ox * f; x < MIN(w, (ox + 1) * f); x++) {
					const uint8_t *p = in + ((size_t)y * w + x) * 4;

					for (int c = 0; c < 3; c++)
						sum[c] += (uint64_t)p[c] * p[3];
					alpha += p[3];
					n++;
				}
			}
			for (int c = 0; c < 3; c++)
				o[c] = alpha ? (uint8_t)((sum[c] + alpha / 2) / alpha) : 0;
			o[3] = (uint8_t)((alpha + n / 2) / n);
		}
	}
}

static unsigned update_image(struct cursor *cursor, const struct capture_cursor *in)
{
	uint32_t w = in->width, h = in->height, f = 1;
	int32_t hot_x = in->hotspot_x, hot_y = in->hotspot_y;
	uint8_t *rgba = cursor->scratch;
	size_t n;

	if (w > CAPTURE_CURSOR_IMAGE_MAX || h > CAPTURE_CURSOR_IMAGE_MAX) {
		f = (MAX(w, h) + CAPTURE_CURSOR_IMAGE_MAX - 1) / CAPTURE_CURSOR_IMAGE_MAX;
		if (!cursor->large)
			cursor->large = g_malloc((size_t)CAPTURE_CURSOR_SOURCE_MAX *
			                         CAPTURE_CURSOR_SOURCE_MAX * 4);
		rgba = cursor->large;
	}
	if (w == 0 || h == 0 || w > CAPTURE_CURSOR_SOURCE_MAX || h > CAPTURE_CURSOR_SOURCE_MAX ||
	    in->stride < w * 4 ||
	    !cursor_convert_rgba(rgba, in->bitmap, w, h, in->stride, in->format)) {
		if (!cursor->too_big_said)
			log_info("a pointer image of %ux%u is not sent (at most %ux%u, 32-bit RGB)",
			         w, h, CAPTURE_CURSOR_SOURCE_MAX, CAPTURE_CURSOR_SOURCE_MAX);
		cursor->too_big_said = true;
		return 0;
	}
	/* too large for a browser's CSS cursor: sent smaller, pointing at the same place */
	if (f > 1) {
		scale_down(cursor->scratch, rgba, w, h, f);
		rgba = cursor->scratch;
		w = (w + f - 1) / f;
		h = (h + f - 1) / f;
		hot_x /= (int32_t)f;
		hot_y /= (int32_t)f;
	}
	n = (size_t)w * h * 4;
	/* compositors may send the same bitmap again with every move: only a change counts */
	if (cursor->have_image && cursor->width == w && cursor->height == h &&
	    cursor->hot_x == hot_x && cursor->hot_y == hot_y && !memcmp(cursor->rgba, rgba, n))
		return 0;
	memcpy(cursor->rgba, rgba, n);
	cursor->width = w;
	cursor->height = h;
	cursor->hot_x = hot_x;
	cursor->hot_y = hot_y;
	cursor->have_image = true;
	encode_image(cursor);
	return CURSOR_CHANGED_IMAGE;
}

unsigned cursor_update(struct cursor *cursor, const struct capture_cursor *in)
{
	unsigned changed = 0;

	if (in->hidden) {
		/* "nothing else counts": the last place and image stay for when it comes back */
		if (cursor->visible || !cursor->have_position)
			changed |= CURSOR_CHANGED_POSITION;
		cursor->visible = false;
		cursor->have_position = true;
		return changed;
	}
	if (in->bitmap)
		changed |= update_image(cursor, in);
	else if (cursor->have_image &&
	         (cursor->hot_x != in->hotspot_x || cursor->hot_y != in->hotspot_y)) {
		cursor->hot_x = in->hotspot_x;
		cursor->hot_y = in->hotspot_y;
		encode_image(cursor);
		changed |= CURSOR_CHANGED_IMAGE;
	}
	if (!cursor->have_position || !cursor->visible || cursor->x != in->x || cursor->y != in->y)
		changed |= CURSOR_CHANGED_POSITION;
	cursor->have_position = true;
	cursor->visible = true;
	cursor->x = in->x;
	cursor->y = in->y;
	return changed;
}
