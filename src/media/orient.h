/* Frames of a rotated or flipped output, turned upright. A compositor renders a turned
 * output's desktop into its buffer with the output's transform applied (wl_output's
 * transform: 90 is a quarter turn counter-clockwise; the flipped ones mirror around the
 * vertical axis first), and wlr-screencopy copies that buffer as it is; a PipeWire
 * producer says the same in SPA_META_VideoTransform, whose values are wl_output's. What is
 * shared is the desktop as its user sees it, so every frame is turned back here, into a
 * picture kept between frames where only the damage is turned, and its damage, the pointer
 * and sizes with it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "media/capture.h"
#include "util/transform.h" /* enum transform: wl_output's and SPA_META_VideoTransform's values */

/* Where the buffer's pixel (bx, by) lands upright, for a buffer of bw × bh as the
 * compositor wrote it (y_invert: its rows bottom to top). Out-of-range points map the same
 * way (a pointer may lie outside). An unknown transform counts as normal. */
void orient_point(uint32_t transform, bool y_invert, uint32_t bw, uint32_t bh, int32_t bx,
                  int32_t by, int32_t *x, int32_t *y);
/* The same for a rectangle within the buffer. */
void orient_rect(uint32_t transform, bool y_invert, uint32_t bw, uint32_t bh,
                 const struct capture_rect *in, struct capture_rect *out);

struct orient;

struct orient *orient_new(void);
void orient_free(struct orient *orient); /* NULL is fine */

/* `in` (4 bytes a pixel) upright in `out`, whose data is the kept picture (valid until the
 * next call or orient_free) and whose damage is in's, turned; only the damage is copied
 * (all of it at a new size or format, or when in has none). False, with `out` untouched,
 * for the normal transform (use `in`: the encoder deals with a y-inverted one itself) and
 * for a frame too large to keep. */
bool orient_frame(struct orient *orient, const struct capture_frame *in, uint32_t transform,
                  struct capture_frame *out);
/* What a capture hands on: `in` itself for the normal transform, else `in` upright in `out`
 * through *orient (made on the first turned frame, orient_free'd by the caller); NULL when
 * it cannot be turned. */
const struct capture_frame *orient_upright(struct orient **orient, const struct capture_frame *in,
                                           uint32_t transform, struct capture_frame *out);
