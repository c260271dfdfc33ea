/* RGB → I420 (or I444) as videoconvert does it for our caps (GStreamer 1.22, 8-bit path,
 * measured against it in test-convert): each pixel gets Y, U and V from a matrix of
 * coefficients in 1/256 (rounded), truncated; for I420 each 2x2 block's chroma is then the
 * rounded mean of the two rows, then of the two columns; I444 keeps every pixel's. No
 * clamping is needed: the coefficients keep every result inside 15..240. */
#include "media/convert.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BYTES_PER_PIXEL 4
#define Y_OFFSET        16
/* 128 << 8: the chroma offset, added before the shift so the sum is never negative and the
 * shift floors as videoconvert's arithmetic shift does */
#define UV_BIAS 32768

struct coefficients {
	int yr, yg, yb;
	int ur, ug, ub;
	int vr, vg, vb;
};

/* round(256 * K) of the limited-range RGB → Y'CbCr matrices, as GStreamer computes them */
static const struct coefficients bt601 = {66, 129, 25, -38, -74, 112, 112, -94, -18};
static const struct coefficients bt709 = {47, 157, 16, -26, -87, 112, 112, -102, -10};

bool convert_format_supported(uint32_t format)
{
	return format == DRM_FORMAT_XRGB8888 || format == DRM_FORMAT_ARGB8888 ||
	       format == DRM_FORMAT_XBGR8888 || format == DRM_FORMAT_ABGR8888;
}

size_t convert_i420_size(uint32_t width, uint32_t height)
{
	return (size_t)width * height + 2 * ((size_t)(width / 2) * (height / 2));
}

size_t convert_i444_size(uint32_t width, uint32_t height)
{
	return 3 * (size_t)width * height;
}

void convert_i444_init(struct convert_i420 *dst, uint8_t *data, uint32_t width, uint32_t height)
{
	size_t plane = (size_t)width * height;

	*dst = (struct convert_i420){
	        .y = data,
	        .u = data + plane,
	        .v = data + 2 * plane,
	        .width = width,
	        .height = height,
	        .y_stride = width,
	        .uv_stride = width,
	        .i444 = true,
	};
}

void convert_i420_init(struct convert_i420 *dst, uint8_t *data, uint32_t width, uint32_t height)
{
	size_t luma = (size_t)width * height;

	*dst = (struct convert_i420){
	        .y = data,
	        .u = data + luma,
	        .v = data + luma + (size_t)(width / 2) * (height / 2),
	        .width = width,
	        .height = height,
	        .y_stride = width,
	        .uv_stride = width / 2,
	};
}

/* One 2x2 block of a row pair: `r` and `b` are the byte offsets of red and blue in a pixel,
 * constants at each call, so the compiler makes one copy per layout. */
static inline void convert_block(const uint8_t *s0, const uint8_t *s1, uint8_t *y0, uint8_t *y1,
                                 uint8_t *u, uint8_t *v, const struct coefficients *k, const int r,
                                 const int b)
{
	const uint8_t *p[4] = {s0, s0 + 4, s1, s1 + 4};
	uint8_t *luma[4] = {y0, y0 + 1, y1, y1 + 1};
	int cu[4], cv[4];

	for (int j = 0; j < 4; j++) {
		int pr = p[j][r], pg = p[j][1], pb = p[j][b];

		*luma[j] = (uint8_t)(((k->yr * pr + k->yg * pg + k->yb * pb) >> 8) + Y_OFFSET);
		cu[j] = (k->ur * pr + k->ug * pg + k->ub * pb + UV_BIAS) >> 8;
		cv[j] = (k->vr * pr + k->vg * pg + k->vb * pb + UV_BIAS) >> 8;
	}
	/* rows first, then columns, rounding each time: videoconvert's order */
	*u = (uint8_t)((((cu[0] + cu[2] + 1) >> 1) + ((cu[1] + cu[3] + 1) >> 1) + 1) >> 1);
	*v = (uint8_t)((((cv[0] + cv[2] + 1) >> 1) + ((cv[1] + cv[3] + 1) >> 1) + 1) >> 1);
}

#ifdef __SSE2__
/* The same arithmetic four pixels at a time (x86-64 always has SSE2): the scalar loop costs
 * about twice what videoconvert's SIMD does for a whole frame, and a whole frame is
 * still converted on every resize or full damage. Every sum stays in 32-bit lanes, so the
 * results are the scalar ones exactly. */
#define SIMD_BLOCKS 4 /* 2x2 blocks per step: 8 pixels of each row */

/* Per pixel of `px` (4 pixels, 16 bytes), the dot product of its bytes with `k` (the
 * coefficients in byte order, twice: c0 c1 c2 0 c0 c1 c2 0). */
static inline __m128i simd_dot(__m128i px, __m128i k)
{
	const __m128i zero = _mm_setzero_si128();
	__m128 lo = _mm_castsi128_ps(_mm_madd_epi16(_mm_unpacklo_epi8(px, zero), k));
	__m128 hi = _mm_castsi128_ps(_mm_madd_epi16(_mm_unpackhi_epi8(px, zero), k));
	__m128i even = _mm_castps_si128(_mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)));
	__m128i odd = _mm_castps_si128(_mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));

	return _mm_add_epi32(even, odd);
}

/* Luma of 4 pixels, as 32-bit lanes. */
static inline __m128i simd_luma(__m128i px, __m128i k)
{
	return _mm_add_epi32(_mm_srli_epi32(simd_dot(px, k), 8), _mm_set1_epi32(Y_OFFSET));
}

/* Chroma of two 2x2 blocks (4 pixels of row 0 and of row 1), in lanes 0 and 1. */
static inline __m128i simd_chroma(__m128i px0, __m128i px1, __m128i k)
{
	const __m128i bias = _mm_set1_epi32(UV_BIAS), one = _mm_set1_epi32(1);
	__m128i c0 = _mm_srai_epi32(_mm_add_epi32(simd_dot(px0, k), bias), 8);
	__m128i c1 = _mm_srai_epi32(_mm_add_epi32(simd_dot(px1, k), bias), 8);
	__m128i rows = _mm_srai_epi32(_mm_add_epi32(_mm_add_epi32(c0, c1), one), 1);
	__m128i even = _mm_shuffle_epi32(rows, _MM_SHUFFLE(3, 3, 2, 0));
	__m128i odd = _mm_shuffle_epi32(rows, _MM_SHUFFLE(3, 3, 3, 1));

	return _mm_srai_epi32(_mm_add_epi32(_mm_add_epi32(even, odd), one), 1);
}

static inline __m128i simd_coefficients(int cr, int cg, int cb, int r)
{
	int c0 = r == 0 ? cr : cb, c2 = r == 0 ? cb : cr;

	return _mm_setr_epi16((short)c0, (short)cg, (short)c2, 0, (short)c0, (short)cg, (short)c2,
	                      0);
}

/* 8 values in 32-bit lanes (a: 0..3, b: 4..7), all 0..255, to 8 bytes at dst. */
static inline void simd_store8(uint8_t *dst, __m128i a, __m128i b)
{
	__m128i bytes = _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_setzero_si128());

	_mm_storel_epi64((__m128i *)dst, bytes);
}

/* 4 values: lanes 0 and 1 of a, then of b, to 4 bytes at dst. */
static inline void simd_store4(uint8_t *dst, __m128i a, __m128i b)
{
	__m128i ab = _mm_unpacklo_epi64(a, b);
	int32_t word =
	        _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packs_epi32(ab, ab), _mm_setzero_si128()));

	memcpy(dst, &word, sizeof(word));
}
#endif

/* One row pair, `blocks` 2x2 blocks wide. */
static inline void convert_rows(const uint8_t *s0, const uint8_t *s1, uint8_t *y0, uint8_t *y1,
                                uint8_t *u, uint8_t *v, size_t blocks, const struct coefficients *k,
                                const int r, const int b)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i ky = simd_coefficients(k->yr, k->yg, k->yb, r);
	const __m128i ku = simd_coefficients(k->ur, k->ug, k->ub, r);
	const __m128i kv = simd_coefficients(k->vr, k->vg, k->vb, r);

	for (; i + SIMD_BLOCKS <= blocks; i += SIMD_BLOCKS) {
		__m128i a0 = _mm_loadu_si128((const __m128i *)(s0 + 8 * i));
		__m128i b0 = _mm_loadu_si128((const __m128i *)(s0 + 8 * i + 16));
		__m128i a1 = _mm_loadu_si128((const __m128i *)(s1 + 8 * i));
		__m128i b1 = _mm_loadu_si128((const __m128i *)(s1 + 8 * i + 16));

		simd_store8(y0 + 2 * i, simd_luma(a0, ky), simd_luma(b0, ky));
		simd_store8(y1 + 2 * i, simd_luma(a1, ky), simd_luma(b1, ky));
		simd_store4(u + i, simd_chroma(a0, a1, ku), simd_chroma(b0, b1, ku));
		simd_store4(v + i, simd_chroma(a0, a1, kv), simd_chroma(b0, b1, kv));
	}
#endif
	for (; i < blocks; i++)
		convert_block(s0 + 8 * i, s1 + 8 * i, y0 + 2 * i, y1 + 2 * i, u + i, v + i, k, r,
		              b);
}

/* One row of I444: `n` pixels, each its own Y, U and V. */
static inline void convert_row_444(const uint8_t *s, uint8_t *y, uint8_t *u, uint8_t *v, size_t n,
                                   const struct coefficients *k, const int r, const int b)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i ky = simd_coefficients(k->yr, k->yg, k->yb, r);
	const __m128i ku = simd_coefficients(k->ur, k->ug, k->ub, r);
	const __m128i kv = simd_coefficients(k->vr, k->vg, k->vb, r);
	const __m128i bias = _mm_set1_epi32(UV_BIAS);

	for (; i + 8 <= n; i += 8) {
		__m128i a = _mm_loadu_si128((const __m128i *)(s + 4 * i));
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 4 * i + 16));

		simd_store8(y + i, simd_luma(a, ky), simd_luma(c, ky));
		simd_store8(u + i, _mm_srai_epi32(_mm_add_epi32(simd_dot(a, ku), bias), 8),
		            _mm_srai_epi32(_mm_add_epi32(simd_dot(c, ku), bias), 8));
		simd_store8(v + i, _mm_srai_epi32(_mm_add_epi32(simd_dot(a, kv), bias), 8),
		            _mm_srai_epi32(_mm_add_epi32(simd_dot(c, kv), bias), 8));
	}
#endif
	for (; i < n; i++) {
		const uint8_t *p = s + 4 * i;
		int pr = p[r], pg = p[1], pb = p[b];

		y[i] = (uint8_t)(((k->yr * pr + k->yg * pg + k->yb * pb) >> 8) + Y_OFFSET);
		u[i] = (uint8_t)((k->ur * pr + k->ug * pg + k->ub * pb + UV_BIAS) >> 8);
		v[i] = (uint8_t)((k->vr * pr + k->vg * pg + k->vb * pb + UV_BIAS) >> 8);
	}
}

/* The source's layout is valid for dst: every pixel of dst has one to come from. */
static bool source_fits(const struct convert_i420 *dst, const struct convert_source *src)
{
	uint64_t row = (uint64_t)src->width * BYTES_PER_PIXEL;

	if (!src->data || !dst->width || !dst->height || dst->width % 2 || dst->height % 2)
		return false;
	if (src->width < dst->width || src->height < dst->height || src->stride < row)
		return false;
	return (uint64_t)(src->height - 1) * src->stride + row <= src->len;
}

/* [*lo, *hi) of `start`, `size` clipped to [0, limit) and grown to even bounds; limit is
 * even, so growing stays inside. */
static bool clip_span(int32_t start, uint32_t size, uint32_t limit, uint32_t *lo, uint32_t *hi)
{
	int64_t a = start < 0 ? 0 : start;
	int64_t z = start + (int64_t)size; /* int32 + uint32: no overflow */

	if (z > (int64_t)limit)
		z = limit;
	if (a >= z)
		return false;
	*lo = (uint32_t)a & ~1u;
	*hi = ((uint32_t)z + 1) & ~1u;
	return true;
}

bool convert_rect(struct convert_i420 *dst, const struct convert_source *src,
                  enum convert_matrix matrix, const struct capture_rect *rect)
{
	const struct coefficients *k = matrix == CONVERT_BT709 ? &bt709 : &bt601;
	bool bgr = src->format == DRM_FORMAT_XRGB8888 || src->format == DRM_FORMAT_ARGB8888;
	uint32_t x0, x1, y0, y1;

	if (!convert_format_supported(src->format) || !source_fits(dst, src))
		return false;
	if (!clip_span(rect->x, rect->width, dst->width, &x0, &x1) ||
	    !clip_span(rect->y, rect->height, dst->height, &y0, &y1))
		return true;
	if (dst->i444) {
		for (uint32_t y = y0; y < y1; y++) {
			uint32_t sy = src->y_invert ? src->height - 1 - y : y;
			const uint8_t *s = src->data + (size_t)sy * src->stride + (size_t)x0 * 4;
			size_t o = (size_t)y * dst->uv_stride + x0;

			convert_row_444(s, dst->y + (size_t)y * dst->y_stride + x0, dst->u + o,
			                dst->v + o, x1 - x0, k, bgr ? 2 : 0, bgr ? 0 : 2);
		}
		return true;
	}
	for (uint32_t y = y0; y < y1; y += 2) {
		uint32_t sy0 = src->y_invert ? src->height - 1 - y : y;
		uint32_t sy1 = src->y_invert ? sy0 - 1 : y + 1;
		const uint8_t *s0 = src->data + (size_t)sy0 * src->stride + (size_t)x0 * 4;
		const uint8_t *s1 = src->data + (size_t)sy1 * src->stride + (size_t)x0 * 4;
		uint8_t *dy0 = dst->y + (size_t)y * dst->y_stride + x0;
		uint8_t *dy1 = dy0 + dst->y_stride;
		size_t c = (size_t)(y / 2) * dst->uv_stride + x0 / 2;
		size_t blocks = (x1 - x0) / 2;

		/* XRGB and ARGB are B G R x in memory, XBGR and ABGR R G B x */
		if (bgr)
			convert_rows(s0, s1, dy0, dy1, dst->u + c, dst->v + c, blocks, k, 2, 0);
		else
			convert_rows(s0, s1, dy0, dy1, dst->u + c, dst->v + c, blocks, k, 0, 2);
	}
	return true;
}

static GstCaps *yuv_caps(const GstVideoInfo *rgb, GstVideoFormat format,
                         enum convert_matrix *matrix)
{
	GstVideoInfo info;

	/* videoconvert keeps what the output format allows of the input's colorimetry (the
	 * transfer function and primaries, sRGB's), and for the rest takes I420's defaults for
	 * the size (GStreamer's rule: limited range, BT.601 below 720 lines, BT.709 from
	 * there); test-convert compares the caps */
	gst_video_info_set_format(&info, format, GST_VIDEO_INFO_WIDTH(rgb),
	                          GST_VIDEO_INFO_HEIGHT(rgb));
	GST_VIDEO_INFO_FPS_N(&info) = GST_VIDEO_INFO_FPS_N(rgb);
	GST_VIDEO_INFO_FPS_D(&info) = GST_VIDEO_INFO_FPS_D(rgb);
	GST_VIDEO_INFO_PAR_N(&info) = GST_VIDEO_INFO_PAR_N(rgb);
	GST_VIDEO_INFO_PAR_D(&info) = GST_VIDEO_INFO_PAR_D(rgb);
	info.colorimetry.transfer = rgb->colorimetry.transfer;
	info.colorimetry.primaries = rgb->colorimetry.primaries;
	info.chroma_site = GST_VIDEO_CHROMA_SITE_UNKNOWN; /* videoconvert names none */
	*matrix = info.colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT709 ? CONVERT_BT709
	                                                                  : CONVERT_BT601;
	return gst_video_info_to_caps(&info);
}

GstCaps *convert_i420_caps(const GstVideoInfo *rgb, enum convert_matrix *matrix)
{
	return yuv_caps(rgb, GST_VIDEO_FORMAT_I420, matrix);
}

GstCaps *convert_i444_caps(const GstVideoInfo *rgb, enum convert_matrix *matrix)
{
	return yuv_caps(rgb, GST_VIDEO_FORMAT_Y444, matrix);
}
