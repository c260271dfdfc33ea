/* The pointer as SPA_META_Cursor, for a node in cursor mode metadata: what capture_wlr last
 * reported, and how it goes into a buffer's metadata, as mutter and KWin write it. No
 * PipeWire objects, so tests/portal/backend checks the layout a consumer reads. */
#pragma once

#include <spa/buffer/meta.h>
#include <spa/param/video/raw.h>
#include <stdbool.h>
#include <stdint.h>

#include "media/capture.h"
#include "media/pwmeta.h"

/* Room for one image of wayrtc's largest: its consumer (src/media/capture_pw.c) and
 * browsers take no more than CAPTURE_CURSOR_IMAGE_MAX a side. */
#define CURSOR_META_SIDE CAPTURE_CURSOR_IMAGE_MAX

enum cursor_meta_image {
	CURSOR_META_IMAGE_NONE,     /* none reported yet: the consumer keeps whatever it has */
	CURSOR_META_IMAGE_OK,       /* in `bitmap` */
	CURSOR_META_IMAGE_UNUSABLE, /* too large or of an unknown format: sent as invisible */
};

struct cursor_meta {
	bool known; /* a report came */
	bool hidden;
	int32_t x, y, hot_x, hot_y;
	bool moved;      /* changed since it was last written */
	bool image_sent; /* the current image was written */
	enum cursor_meta_image image;
	uint32_t width, height; /* of bitmap, rows of width * 4 bytes */
	enum spa_video_format format;
	uint8_t bitmap[CURSOR_META_SIDE * CURSOR_META_SIDE * 4];
	bool unusable_said; /* logged once */
};

/* Takes one of capture.h's reports: hidden, a move, a new image (copied). */
void cursor_meta_take(struct cursor_meta *cursor, const struct capture_cursor *in);

/* Fills `meta` (a buffer's SPA_META_Cursor; NULL or smaller than spa_meta_cursor: nothing):
 * id 0 while hidden; else id 1, the position and hotspot, and the image (bitmap_offset
 * > 0) only when it was not written before, or always with `with_image`. An image the
 * room cannot hold, or one that could not be taken, goes as a bitmap with offset 0 (an
 * invisible pointer, as the consumers read it). */
void cursor_meta_write(struct cursor_meta *cursor, struct spa_meta *meta, bool with_image);
