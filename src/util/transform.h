/* wl_output's transforms as pixel arithmetic (enum wl_output_transform's values, without
 * its header: the compositor and the clients both use this). A compositor draws a turned output's
 * desktop into the output's buffer with the transform applied (the flipped ones mirror around the
 * vertical axis first); PipeWire's SPA_META_VideoTransform has the same eight values. These
 * map a pixel of the desktop as its user sees it ("upright") to the buffer and back. An
 * unknown transform counts as normal; points outside map the same way. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum transform {
	TRANSFORM_NORMAL = 0,
	TRANSFORM_90,
	TRANSFORM_180,
	TRANSFORM_270,
	TRANSFORM_FLIPPED,
	TRANSFORM_FLIPPED_90,
	TRANSFORM_FLIPPED_180,
	TRANSFORM_FLIPPED_270,
	TRANSFORM_COUNT,
};

/* Whether the transform is a quarter turn: the upright picture is the buffer's height wide. */
bool transform_swaps(uint32_t transform);
/* The buffer pixel under upright pixel (x, y) of a w × h upright picture. */
void transform_to_buffer(uint32_t transform, int64_t w, int64_t h, int64_t x, int64_t y,
                         int64_t *bx, int64_t *by);
/* The upright pixel over buffer pixel (bx, by) of a bw × bh buffer. */
void transform_to_upright(uint32_t transform, int64_t bw, int64_t bh, int64_t bx, int64_t by,
                          int64_t *x, int64_t *y);
