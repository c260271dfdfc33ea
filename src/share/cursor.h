/* The desktop's pointer beside the picture (channel "cursor", docs/input.md): the newest
 * position and image a capture source reported, and their wire encoding, so the browser
 * draws the pointer itself at input speed instead of waiting for the next video frame. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/capture.h"

#define CURSOR_TYPE_POSITION    1
#define CURSOR_TYPE_IMAGE       2
#define CURSOR_POSITION_LEN     10 /* 01, i32 x, i32 y, u8 visible */
#define CURSOR_IMAGE_HEADER_LEN 9  /* 02, u16 w, u16 h, i16 hot_x, i16 hot_y */
#define CURSOR_IMAGE_LEN(w, h)  (CURSOR_IMAGE_HEADER_LEN + (size_t)(w) * (h)*4)
#define CURSOR_MESSAGE_MAX      CURSOR_IMAGE_LEN(CAPTURE_CURSOR_IMAGE_MAX, CAPTURE_CURSOR_IMAGE_MAX)

/* What cursor_update changed. */
#define CURSOR_CHANGED_POSITION 1u
#define CURSOR_CHANGED_IMAGE    2u

/* The newest pointer; the main loop's alone (capture callbacks and viewers run there). */
struct cursor {
	bool have_position; /* a position came since the source started */
	bool visible;
	int32_t x, y; /* where it points, in frame pixels of the shared area */
	bool have_image;
	uint32_t width, height; /* of rgba, at most CAPTURE_CURSOR_IMAGE_MAX */
	int32_t hot_x, hot_y;
	uint8_t rgba[CAPTURE_CURSOR_IMAGE_MAX * CAPTURE_CURSOR_IMAGE_MAX * 4];
	/* a new image, compared with rgba */
	uint8_t scratch[CAPTURE_CURSOR_IMAGE_MAX * CAPTURE_CURSOR_IMAGE_MAX * 4];
	/* a source's image over CAPTURE_CURSOR_IMAGE_MAX, before scaling; made when needed */
	uint8_t *large;
	/* the image as every viewer is sent it, encoded once per change */
	uint8_t image_message[CURSOR_MESSAGE_MAX];
	size_t image_message_len;
	bool too_big_said; /* an unusable image was logged once */
};

struct cursor *cursor_new(void);
void cursor_free(struct cursor *cursor); /* accepts NULL */
/* Takes a capture source's report (hidden, a move, a new image) into `cursor`; returns
 * CURSOR_CHANGED_* bits for what a viewer must be sent. An image over
 * CAPTURE_CURSOR_IMAGE_MAX a side is scaled down to fit (hotspot too); one over
 * CAPTURE_CURSOR_SOURCE_MAX or in a format we cannot read is dropped (logged once); the
 * last one stays. */
unsigned cursor_update(struct cursor *cursor, const struct capture_cursor *in);

/* Pure encoders: the message's length, 0 when it does not fit in `cap` or cannot be
 * expressed (an image of 0 or over CAPTURE_CURSOR_IMAGE_MAX a side, a hotspot beyond i16). */
size_t cursor_encode_position(uint8_t *buf, size_t cap, int32_t x, int32_t y, bool visible);
size_t cursor_encode_image(uint8_t *buf, size_t cap, uint32_t width, uint32_t height, int32_t hot_x,
                           int32_t hot_y, const uint8_t *rgba);
/* RGBA (bytes R G B A, straight alpha) from a premultiplied bitmap in a DRM fourcc as
 * capture.h has it (Wayland's and the portals' convention):
 * ARGB8888, XRGB8888, ABGR8888 or XBGR8888 (little-endian words; X means opaque).
 * `out` holds width*height*4 bytes. False for any other format. */
bool cursor_convert_rgba(uint8_t *out, const uint8_t *bitmap, uint32_t width, uint32_t height,
                         uint32_t stride, uint32_t format);
