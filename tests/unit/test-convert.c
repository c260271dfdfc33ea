/* RGB → I420 and I444 by rectangle: the same pixels and caps as videoconvert (run here as
 * the reference) for every capture format and both matrices, and a frame updated rectangle
 * by rectangle equals the whole conversion of the final picture, at edges and odd sizes. */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <string.h>

#include "media/convert.h"

#define XR24 0x34325258
#define AR24 0x34325241
#define XB24 0x34324258
#define AB24 0x34324241

static const struct {
	uint32_t drm;
	GstVideoFormat gst;
} formats[] = {
        {XR24, GST_VIDEO_FORMAT_BGRx},
        {AR24, GST_VIDEO_FORMAT_BGRA},
        {XB24, GST_VIDEO_FORMAT_RGBx},
        {AB24, GST_VIDEO_FORMAT_RGBA},
};

struct picture {
	uint8_t *data;
	uint32_t width, height, stride;
	uint32_t format;
};

static struct picture picture_new(uint32_t width, uint32_t height, uint32_t format)
{
	struct picture p = {
	        .width = width, .height = height, .stride = width * 4, .format = format};

	p.data = g_malloc0((size_t)p.stride * height);
	return p;
}

/* Sets pixel x, y to r, g, b (and alpha a) in the picture's format. */
static void put(struct picture *p, uint32_t x, uint32_t y, uint8_t r, uint8_t g, uint8_t b,
                uint8_t a)
{
	uint8_t *px = p->data + (size_t)y * p->stride + (size_t)x * 4;
	bool bgr = p->format == XR24 || p->format == AR24;

	px[0] = bgr ? b : r;
	px[1] = g;
	px[2] = bgr ? r : b;
	px[3] = a;
}

static void fill_random(struct picture *p, GRand *rand)
{
	for (size_t i = 0; i < (size_t)p->stride * p->height; i++)
		p->data[i] = (uint8_t)g_rand_int(rand);
}

static struct convert_source source_of(const struct picture *p)
{
	return (struct convert_source){.data = p->data,
	                               .len = (size_t)p->stride * p->height,
	                               .width = p->width,
	                               .height = p->height,
	                               .stride = p->stride,
	                               .format = p->format};
}

static size_t yuv_size(uint32_t width, uint32_t height, bool i444)
{
	return i444 ? convert_i444_size(width, height) : convert_i420_size(width, height);
}

static void yuv_init(struct convert_i420 *dst, uint8_t *data, uint32_t width, uint32_t height,
                     bool i444)
{
	if (i444)
		convert_i444_init(dst, data, width, height);
	else
		convert_i420_init(dst, data, width, height);
}

static GstVideoFormat gst_format(uint32_t drm)
{
	for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
		if (formats[i].drm == drm)
			return formats[i].gst;
	}
	g_assert_not_reached();
}

/* The RGB caps the encoder gave appsrc before: what the picture is to videoconvert. */
static void rgb_info(GstVideoInfo *info, const struct picture *p)
{
	gst_video_info_set_format(info, gst_format(p->format), p->width, p->height);
	GST_VIDEO_INFO_FPS_N(info) = 60;
	GST_VIDEO_INFO_FPS_D(info) = 1;
}

/* appsrc → videoconvert → I420 (or Y444) → appsink, as encoder.c built it: the bytes
 * (tight) and the caps it negotiated. */
static uint8_t *reference(const struct picture *p, GstCaps **caps_out, bool i444)
{
	g_autoptr(GError) error = NULL;
	GstElement *pipe = gst_parse_launch(i444 ? "appsrc name=src format=time ! videoconvert ! "
	                                           "video/x-raw,format=Y444 ! appsink name=sink"
	                                         : "appsrc name=src format=time ! videoconvert ! "
	                                           "video/x-raw,format=I420 ! appsink name=sink",
	                                    &error);
	GstElement *src, *sink;
	GstVideoInfo in, out;
	GstVideoFrame frame;
	GstSample *sample;
	GstCaps *caps;
	GstBuffer *buf;
	uint8_t *i420 = g_malloc(yuv_size(p->width, p->height, i444));
	struct convert_i420 dst;
	uint32_t cw = i444 ? p->width : p->width / 2, ch = i444 ? p->height : p->height / 2;

	g_assert_no_error(error);
	src = gst_bin_get_by_name(GST_BIN(pipe), "src");
	sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
	rgb_info(&in, p);
	caps = gst_video_info_to_caps(&in);
	g_object_set(src, "caps", caps, NULL);
	gst_caps_unref(caps);
	g_assert_cmpint(gst_element_set_state(pipe, GST_STATE_PLAYING), !=,
	                GST_STATE_CHANGE_FAILURE);
	buf = gst_buffer_new_memdup(p->data, (size_t)p->stride * p->height);
	GST_BUFFER_PTS(buf) = 0;
	gst_app_src_push_buffer(GST_APP_SRC(src), buf);
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
	g_assert_nonnull(sample);
	g_assert_true(gst_video_info_from_caps(&out, gst_sample_get_caps(sample)));
	if (caps_out)
		*caps_out = gst_caps_copy(gst_sample_get_caps(sample));
	g_assert_true(
	        gst_video_frame_map(&frame, &out, gst_sample_get_buffer(sample), GST_MAP_READ));
	yuv_init(&dst, i420, p->width, p->height, i444);
	for (uint32_t y = 0; y < p->height; y++)
		memcpy(dst.y + y * dst.y_stride,
		       (uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 0) +
		               y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
		       p->width);
	for (uint32_t y = 0; y < ch; y++) {
		memcpy(dst.u + y * dst.uv_stride,
		       (uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 1) +
		               y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 1),
		       cw);
		memcpy(dst.v + y * dst.uv_stride,
		       (uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 2) +
		               y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 2),
		       cw);
	}
	gst_video_frame_unmap(&frame);
	gst_sample_unref(sample);
	gst_element_set_state(pipe, GST_STATE_NULL);
	gst_object_unref(src);
	gst_object_unref(sink);
	gst_object_unref(pipe);
	return i420;
}

/* The whole picture through convert_rect, with the matrix convert_i420_caps (or
 * convert_i444_caps) chooses. */
static uint8_t *ours(const struct picture *p, bool i444)
{
	uint8_t *i420 = g_malloc(yuv_size(p->width, p->height, i444));
	struct convert_i420 dst;
	struct convert_source src = source_of(p);
	struct capture_rect all = {0, 0, p->width, p->height};
	enum convert_matrix matrix;
	GstVideoInfo in;

	rgb_info(&in, p);
	gst_caps_unref(i444 ? convert_i444_caps(&in, &matrix) : convert_i420_caps(&in, &matrix));
	yuv_init(&dst, i420, p->width, p->height, i444);
	g_assert_true(convert_rect(&dst, &src, matrix, &all));
	return i420;
}

/* Largest difference between two I420 pictures of the picture's size; counts the bytes
 * that differ at all. */
static int max_difference(const uint8_t *a, const uint8_t *b, size_t len, size_t *n_differ)
{
	int worst = 0;

	*n_differ = 0;
	for (size_t i = 0; i < len; i++) {
		int d = abs((int)a[i] - (int)b[i]);

		worst = MAX(worst, d);
		*n_differ += d != 0;
	}
	return worst;
}

static void assert_like_videoconvert(const struct picture *p)
{
	for (int i444 = 0; i444 <= 1; i444++) {
		size_t len = yuv_size(p->width, p->height, i444), n_differ;
		g_autofree uint8_t *want = reference(p, NULL, i444);
		g_autofree uint8_t *got = ours(p, i444);
		int worst = max_difference(want, got, len, &n_differ);

		if (worst)
			g_test_message("%ux%u %08x %s: %zu of %zu bytes differ, by at most %d",
			               p->width, p->height, p->format, i444 ? "I444" : "I420",
			               n_differ, len, worst);
		g_assert_cmpint(worst, <=, 1);
	}
}

/* Known colours, each in a 2x2-aligned band, in every format at both matrices; for BT.601
 * the textbook values too (videoconvert's to within its rounding). */
static void test_colours(void)
{
	static const struct {
		uint8_t r, g, b;
		uint8_t y, u, v; /* BT.601, limited range */
	} colours[] = {
	        {0, 0, 0, 16, 128, 128},   {255, 255, 255, 235, 128, 128},
	        {255, 0, 0, 81, 90, 240},  {0, 255, 0, 145, 54, 34},
	        {0, 0, 255, 41, 240, 110}, {128, 128, 128, 126, 128, 128},
	};
	const uint32_t heights[] = {480, 720}; /* BT.601, BT.709 */

	for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
		for (size_t h = 0; h < G_N_ELEMENTS(heights); h++) {
			struct picture p = picture_new(64, heights[h], formats[f].drm);
			g_autofree uint8_t *got = NULL;
			struct convert_i420 dst;

			for (uint32_t y = 0; y < p.height; y++)
				for (uint32_t x = 0; x < p.width; x++) {
					size_t c = (y / 2) % G_N_ELEMENTS(colours);

					put(&p, x, y, colours[c].r, colours[c].g, colours[c].b,
					    (uint8_t)(x * 4));
				}
			assert_like_videoconvert(&p);
			got = ours(&p, false);
			convert_i420_init(&dst, got, p.width, p.height);
			for (size_t c = 0; heights[h] == 480 && c < G_N_ELEMENTS(colours); c++) {
				uint32_t y = 2 * (uint32_t)c;

				g_assert_cmpint(abs(dst.y[y * dst.y_stride] - colours[c].y), <=, 1);
				g_assert_cmpint(abs(dst.u[c * dst.uv_stride] - colours[c].u), <=,
				                1);
				g_assert_cmpint(abs(dst.v[c * dst.uv_stride] - colours[c].v), <=,
				                1);
			}
			g_free(p.data);
		}
	}
}

/* Noise (every byte random, alpha included) in every format at both matrices: no pixel
 * is off by more than one, and in practice none differs. */
static void test_random(void)
{
	GRand *rand = g_rand_new_with_seed(7);
	const uint32_t heights[] = {240, 720};

	for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
		for (size_t h = 0; h < G_N_ELEMENTS(heights); h++) {
			struct picture p = picture_new(160, heights[h], formats[f].drm);

			fill_random(&p, rand);
			assert_like_videoconvert(&p);
			g_free(p.data);
		}
	}
	g_rand_free(rand);
}

/* The caps the encoder will set are the ones videoconvert negotiated, so the stream's
 * colour description (x264 writes it into the VUI) stays the same. */
static void test_caps(void)
{
	const uint32_t sizes[][2] = {{320, 240},   {640, 480},  {1280, 720},
	                             {1920, 1080}, {1024, 576}, {1024, 578}};

	for (size_t i = 0; i < 2 * G_N_ELEMENTS(sizes); i++) {
		bool i444 = i >= G_N_ELEMENTS(sizes);
		const uint32_t *size = sizes[i % G_N_ELEMENTS(sizes)];
		struct picture p = picture_new(size[0], size[1], XR24);
		GstCaps *want = NULL, *got;
		enum convert_matrix matrix;
		GstVideoInfo in;

		g_free(reference(&p, &want, i444)); /* for the caps videoconvert chose */
		rgb_info(&in, &p);
		got = i444 ? convert_i444_caps(&in, &matrix) : convert_i420_caps(&in, &matrix);
		if (!gst_caps_is_equal(want, got)) {
			g_autofree char *w = gst_caps_to_string(want);
			g_autofree char *g = gst_caps_to_string(got);

			g_test_message("videoconvert: %s\nours: %s", w, g);
		}
		g_assert_true(gst_caps_is_equal(want, got));
		gst_caps_unref(want);
		gst_caps_unref(got);
		g_free(p.data);
	}
}

/* A picture changed rectangle by rectangle — odd positions and sizes, at every edge, partly
 * outside, empty — converted only there equals converting the final picture whole. */
static void test_rects(void)
{
	static const struct capture_rect rects[] = {
	        {0, 0, 1, 1},
	        {5, 7, 3, 9},
	        {-3, -5, 10, 10},
	        {93, 0, 4, 3},
	        {0, 61, 97, 1},
	        {96, 62, 1, 1},
	        {40, 20, 64, 64},
	        {-100, 30, 300, 2},
	        {50, 50, 0, 9},
	        {97, 63, 5, 5},
	        {INT32_MIN, INT32_MIN, UINT32_MAX, 3},
	        {33, 33, 1, 0},
	        {INT32_MAX, 1, UINT32_MAX, UINT32_MAX},
	};
	GRand *rand = g_rand_new_with_seed(11);

	for (size_t f = 0; f < 2 * G_N_ELEMENTS(formats); f++) {
		bool i444 = f >= G_N_ELEMENTS(formats);
		/* odd: the last column and row are not encoded */
		struct picture p = picture_new(97, 63, formats[f % G_N_ELEMENTS(formats)].drm);
		struct convert_source src = source_of(&p);
		size_t len = yuv_size(96, 62, i444);
		g_autofree uint8_t *kept = g_malloc(len);
		g_autofree uint8_t *whole = g_malloc(len);
		struct convert_i420 dk, dw;
		struct capture_rect all = {0, 0, 97, 63};

		yuv_init(&dk, kept, 96, 62, i444);
		yuv_init(&dw, whole, 96, 62, i444);
		fill_random(&p, rand);
		g_assert_true(convert_rect(&dk, &src, CONVERT_BT601, &all));
		for (size_t i = 0; i < G_N_ELEMENTS(rects); i++) {
			const struct capture_rect *r = &rects[i];
			int64_t x0 = MAX(r->x, 0), y0 = MAX(r->y, 0);
			int64_t x1 = MIN((int64_t)r->x + r->width, 97);
			int64_t y1 = MIN((int64_t)r->y + r->height, 63);

			for (int64_t y = y0; y < y1; y++)
				for (int64_t x = x0; x < x1; x++)
					put(&p, (uint32_t)x, (uint32_t)y, (uint8_t)g_rand_int(rand),
					    (uint8_t)g_rand_int(rand), (uint8_t)g_rand_int(rand),
					    0);
			g_assert_true(convert_rect(&dk, &src, CONVERT_BT601, r));
			g_assert_true(convert_rect(&dw, &src, CONVERT_BT601, &all));
			g_assert_cmpmem(kept, len, whole, len);
		}
		g_free(p.data);
	}
	g_rand_free(rand);
}

/* A source bigger than the picture (odd size, padded stride) gives the picture's top-left;
 * a y-inverted one gives the same picture as the upright one. */
static void layout(bool i444)
{
	GRand *rand = g_rand_new_with_seed(13);
	struct picture p = picture_new(41, 31, XR24);
	struct picture flipped = picture_new(41, 31, XR24);
	struct picture tight = picture_new(40, 30, XR24);
	size_t len = yuv_size(40, 30, i444);
	g_autofree uint8_t *a = g_malloc(len);
	g_autofree uint8_t *b = g_malloc(len);
	struct convert_i420 da, db;
	struct convert_source src;
	struct capture_rect all = {0, 0, 41, 31};
	g_autofree uint8_t *padded = g_malloc0(31 * 200);

	fill_random(&p, rand);
	for (uint32_t y = 0; y < 31; y++) {
		memcpy(flipped.data + (30 - y) * flipped.stride, p.data + y * p.stride, p.stride);
		memcpy(padded + y * 200, p.data + y * p.stride, p.stride);
		if (y < 30)
			memcpy(tight.data + y * tight.stride, p.data + y * p.stride, tight.stride);
	}
	yuv_init(&da, a, 40, 30, i444);
	yuv_init(&db, b, 40, 30, i444);
	src = source_of(&tight);
	g_assert_true(convert_rect(&da, &src, CONVERT_BT709, &all));
	src = source_of(&p);
	g_assert_true(convert_rect(&db, &src, CONVERT_BT709, &all));
	g_assert_cmpmem(a, len, b, len);
	memset(b, 0, len);
	src = source_of(&flipped);
	src.y_invert = true;
	g_assert_true(convert_rect(&db, &src, CONVERT_BT709, &all));
	g_assert_cmpmem(a, len, b, len);
	memset(b, 0, len);
	src = source_of(&p);
	src.data = padded;
	src.stride = 200;
	src.len = 31 * 200 - (200 - 41 * 4); /* the last row's padding may be missing */
	g_assert_true(convert_rect(&db, &src, CONVERT_BT709, &all));
	g_assert_cmpmem(a, len, b, len);
	g_free(p.data);
	g_free(flipped.data);
	g_free(tight.data);
	g_rand_free(rand);
}

static void test_layout(void)
{
	layout(false);
	layout(true);
}

/* Geometry the compositor got wrong is refused before anything is read or written. */
static void test_refused(void)
{
	struct picture p = picture_new(16, 16, XR24);
	uint8_t i420[16 * 16 * 3 / 2], zero[sizeof(i420)] = {0};
	struct convert_i420 dst;
	struct convert_source src = source_of(&p);
	struct capture_rect all = {0, 0, 16, 16};

	memset(i420, 0, sizeof(i420));
	convert_i420_init(&dst, i420, 16, 16);
	src.len--; /* one byte short */
	g_assert_false(convert_rect(&dst, &src, CONVERT_BT601, &all));
	src = source_of(&p);
	src.stride = 60; /* narrower than a row */
	g_assert_false(convert_rect(&dst, &src, CONVERT_BT601, &all));
	src = source_of(&p);
	src.width = 15; /* smaller than the picture */
	g_assert_false(convert_rect(&dst, &src, CONVERT_BT601, &all));
	src = source_of(&p);
	src.format = 0x36314752; /* RG16 */
	g_assert_false(convert_rect(&dst, &src, CONVERT_BT601, &all));
	g_assert_false(convert_format_supported(src.format));
	src = source_of(&p);
	src.data = NULL;
	g_assert_false(convert_rect(&dst, &src, CONVERT_BT601, &all));
	src = source_of(&p);
	src.stride = UINT32_MAX; /* would overflow 32 bits */
	g_assert_false(convert_rect(&dst, &src, CONVERT_BT601, &all));
	src = source_of(&p);
	dst.width = 15;
	g_assert_false(convert_rect(&dst, &src, CONVERT_BT601, &all));
	g_assert_cmpmem(i420, sizeof(i420), zero, sizeof(zero));
	/* outside or empty: nothing to do, and nothing done */
	convert_i420_init(&dst, i420, 16, 16);
	g_assert_true(convert_rect(&dst, &src, CONVERT_BT601, &(struct capture_rect){16, 0, 4, 4}));
	g_assert_true(convert_rect(&dst, &src, CONVERT_BT601, &(struct capture_rect){-4, 0, 4, 4}));
	g_assert_true(convert_rect(&dst, &src, CONVERT_BT601, &(struct capture_rect){0, 0, 0, 4}));
	g_assert_cmpmem(i420, sizeof(i420), zero, sizeof(zero));
	g_free(p.data);
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/convert/colours", test_colours);
	g_test_add_func("/convert/random", test_random);
	g_test_add_func("/convert/caps", test_caps);
	g_test_add_func("/convert/rects", test_rects);
	g_test_add_func("/convert/layout", test_layout);
	g_test_add_func("/convert/refused", test_refused);
	return g_test_run();
}
