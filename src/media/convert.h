/* Captured 32-bit RGB frames to I420, one rectangle at a time, so that a small change costs
 * a small conversion. The arithmetic is videoconvert's (GStreamer 1.22) for the caps the
 * encoder negotiated before, bit for bit, so the browser sees the same colours. */
#pragma once

#include <gst/video/video.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/capture.h"

enum convert_matrix {
	CONVERT_BT601, /* limited range, as GStreamer defaults below 720 lines */
	CONVERT_BT709, /* limited range, 720 lines and more */
};

/* A picture from a capture source; only `width` x `height` pixels of it are read. */
struct convert_source {
	const uint8_t *data;
	size_t len; /* bytes readable at data */
	uint32_t width, height, stride;
	uint32_t format; /* DRM fourcc, as capture_frame.format */
	bool y_invert;   /* row 0 is the bottom one */
};

/* An I420 picture; width and height even, chroma planes at half of each. With `i444` it
 * is an I444 (Y444) one: chroma planes at full size, one sample per pixel, for text in
 * colour (H.264 High 4:4:4); width and height still even, so either fits the encoder. */
struct convert_i420 {
	uint8_t *y, *u, *v;
	uint32_t width, height;
	uint32_t y_stride, uv_stride;
	bool i444;
};

/* True for the formats convert_rect takes: XRGB8888, ARGB8888, XBGR8888, ABGR8888. */
bool convert_format_supported(uint32_t format);

/* The size of a tightly packed I420 picture (strides width and width / 2), and the
 * description of one at `data`. */
size_t convert_i420_size(uint32_t width, uint32_t height);
void convert_i420_init(struct convert_i420 *dst, uint8_t *data, uint32_t width, uint32_t height);

/* The same for a tightly packed I444 picture (three planes of width x height). */
size_t convert_i444_size(uint32_t width, uint32_t height);
void convert_i444_init(struct convert_i420 *dst, uint8_t *data, uint32_t width, uint32_t height);

/* Converts the pixels of `rect` (in the picture's coordinates, top row first whatever the
 * source's y_invert) from src into dst, after growing the rectangle to even bounds (chroma
 * is one sample per 2x2 block) and clipping it to dst. Alpha is ignored. Returns false,
 * writing nothing, if the format is unknown, dst's size is odd or zero, or src cannot
 * hold dst's width and height (stride, length): all of these come from the compositor. */
bool convert_rect(struct convert_i420 *dst, const struct convert_source *src,
                  enum convert_matrix matrix, const struct capture_rect *rect);

/* The caps of the I420 frames convert_rect makes from `rgb` frames (a GStreamer RGB format of
 * the same size, rate and so on), and the matrix to convert with: what videoconvert
 * negotiates for `video/x-raw,format=I420` after such frames, so the encoder writes the
 * same colour description into the stream as it did behind videoconvert. */
GstCaps *convert_i420_caps(const GstVideoInfo *rgb, enum convert_matrix *matrix);
/* The same for Y444 (`video/x-raw,format=Y444` after videoconvert). */
GstCaps *convert_i444_caps(const GstVideoInfo *rgb, enum convert_matrix *matrix);
