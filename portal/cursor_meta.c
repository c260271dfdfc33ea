/* A consumer sees the image only in the buffers that carry it, so it goes once per change
 * (and again when a consumer starts); the place goes in every buffer, which is cheap. */
#define LOG_MODULE "stream"
#include "cursor_meta.h"

#include <string.h>

#include "util/log.h"

#define DRM_FORMAT_ARGB8888 0x34325241 /* 'AR24' */
#define DRM_FORMAT_XRGB8888 0x34325258 /* 'XR24' */
#define DRM_FORMAT_ABGR8888 0x34324241 /* 'AB24' */
#define DRM_FORMAT_XBGR8888 0x34324258 /* 'XB24' */

/* A cursor's alpha matters, unlike the screen's. */
static enum spa_video_format spa_cursor_format(uint32_t drm)
{
	switch (drm) {
	case DRM_FORMAT_ARGB8888:
		return SPA_VIDEO_FORMAT_BGRA;
	case DRM_FORMAT_XRGB8888:
		return SPA_VIDEO_FORMAT_BGRx;
	case DRM_FORMAT_ABGR8888:
		return SPA_VIDEO_FORMAT_RGBA;
	case DRM_FORMAT_XBGR8888:
		return SPA_VIDEO_FORMAT_RGBx;
	default:
		return SPA_VIDEO_FORMAT_UNKNOWN;
	}
}

static void take_image(struct cursor_meta *c, const struct capture_cursor *in)
{
	enum spa_video_format format = spa_cursor_format(in->format);

	c->image_sent = false;
	if (format == SPA_VIDEO_FORMAT_UNKNOWN || !in->width || !in->height ||
	    in->width > CURSOR_META_SIDE || in->height > CURSOR_META_SIDE ||
	    in->stride < in->width * 4) {
		/* the consumer would show the old image in the wrong place: none is better */
		if (!c->unusable_said)
			log_info("a cursor image of %ux%u (format %#x) cannot be sent (at most "
			         "%ux%u, 32-bit RGB): the pointer goes as invisible",
			         in->width, in->height, in->format, CURSOR_META_SIDE,
			         CURSOR_META_SIDE);
		c->unusable_said = true;
		c->image = CURSOR_META_IMAGE_UNUSABLE;
		return;
	}
	for (uint32_t y = 0; y < in->height; y++)
		memcpy(c->bitmap + (size_t)y * in->width * 4, in->bitmap + (size_t)y * in->stride,
		       (size_t)in->width * 4);
	c->width = in->width;
	c->height = in->height;
	c->format = format;
	c->image = CURSOR_META_IMAGE_OK;
}

void cursor_meta_take(struct cursor_meta *c, const struct capture_cursor *in)
{
	c->known = true;
	c->hidden = in->hidden;
	if (!in->hidden) {
		c->x = in->x;
		c->y = in->y;
		c->hot_x = in->hotspot_x;
		c->hot_y = in->hotspot_y;
	}
	if (in->bitmap)
		take_image(c, in);
	c->moved = true;
}

void cursor_meta_write(struct cursor_meta *c, struct spa_meta *m, bool with_image)
{
	struct spa_meta_cursor *mc;
	struct spa_meta_bitmap *bm;
	size_t need;

	if (!m || m->size < sizeof(*mc))
		return;
	mc = m->data;
	c->moved = false;
	mc->flags = 0;
	mc->bitmap_offset = 0;
	if (!c->known || c->hidden) {
		mc->id = 0;
		mc->position = SPA_POINT(0, 0);
		mc->hotspot = SPA_POINT(0, 0);
		return;
	}
	mc->id = 1;
	mc->position = SPA_POINT(c->x, c->y);
	mc->hotspot = SPA_POINT(c->hot_x, c->hot_y);
	if (c->image == CURSOR_META_IMAGE_NONE || (c->image_sent && !with_image) ||
	    m->size < sizeof(*mc) + sizeof(*bm))
		return;
	bm = SPA_PTROFF(mc, sizeof(*mc), struct spa_meta_bitmap);
	mc->bitmap_offset = sizeof(*mc);
	need = sizeof(*mc) + sizeof(*bm) + (size_t)c->width * c->height * 4;
	if (c->image == CURSOR_META_IMAGE_OK && need <= m->size) {
		bm->format = c->format;
		bm->size = SPA_RECTANGLE(c->width, c->height);
		bm->stride = (int32_t)(c->width * 4);
		bm->offset = sizeof(*bm);
		memcpy(SPA_PTROFF(bm, bm->offset, void), c->bitmap,
		       (size_t)c->width * c->height * 4);
	} else {
		bm->format = SPA_VIDEO_FORMAT_BGRA;
		bm->size = SPA_RECTANGLE(0, 0);
		bm->stride = 0;
		bm->offset = 0;
	}
	c->image_sent = true;
}
