/* The encoder: what this machine has, and that one frame comes out alone — as a keyframe
 * with SPS/PPS — without waiting for a next frame (no frame of latency), for H.264 and VP8,
 * even at odd sizes; a keyframe request re-encodes a still screen; only damaged rectangles
 * reach the picture the encoder sees (decoded here). */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#include "media/encoder.h"

#define MAX_OUT 64

struct out {
	unsigned frames;
	bool key;
	bool sps, pps, idr;
	int64_t ready_us;
	int64_t all_ready_us[MAX_OUT]; /* of every output, in order */
	GBytes *coded[MAX_OUT];        /* every output, in order */
	GMutex lock;
};

static void on_output(void *data, const uint8_t *frame, size_t len, bool keyframe, uint32_t rtp_ts,
                      int64_t ready_us)
{
	struct out *o = data;

	g_mutex_lock(&o->lock);
	if (o->frames < MAX_OUT) {
		o->all_ready_us[o->frames] = ready_us;
		o->coded[o->frames] = g_bytes_new(frame, len);
	}
	o->frames++;
	o->key = keyframe;
	o->ready_us = ready_us;
	o->sps = o->pps = o->idr = false;
	for (size_t i = 0; i + 4 < len; i++) {
		if (frame[i] == 0 && frame[i + 1] == 0 && frame[i + 2] == 1) {
			unsigned type = frame[i + 3] & 0x1f;

			o->sps |= type == 7;
			o->pps |= type == 8;
			o->idr |= type == 5;
		}
	}
	g_mutex_unlock(&o->lock);
}

static unsigned wait_frames(struct out *o, unsigned want, int ms)
{
	int64_t end = g_get_monotonic_time() + ms * 1000;
	unsigned n;

	for (;;) {
		g_main_context_iteration(NULL, FALSE);
		g_mutex_lock(&o->lock);
		n = o->frames;
		g_mutex_unlock(&o->lock);
		if (n >= want || g_get_monotonic_time() > end)
			return n;
		g_usleep(2000);
	}
}

static void fill(uint8_t *data, unsigned w, unsigned h, unsigned stride, unsigned shift)
{
	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++) {
			uint8_t *p = data + y * stride + x * 4;

			p[0] = (uint8_t)(x + shift);
			p[1] = (uint8_t)y;
			p[2] = x < w / 2 ? 255 : 0;
			p[3] = 255;
		}
}

static void run(const char *name, enum rtc_codec codec, unsigned w, unsigned h)
{
	struct encoder_config config = {
	        .name = name, .codec = codec, .max_fps = 60, .bitrate_kbps = 2000};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	unsigned stride = w * 4 + 64;
	g_autofree uint8_t *pixels = g_malloc(stride * h);
	struct capture_frame f = {.width = w,
	                          .height = h,
	                          .stride = stride,
	                          .format = 0x34325258 /* XR24 */,
	                          .data = pixels};
	struct encoder *enc;

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	fill(pixels, w, h, stride, 0);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	/* one frame in, one frame out: nothing waits for a successor */
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_assert_true(o.key);
	g_assert_cmpint(o.ready_us, ==, f.ready_us);
	if (codec == RTC_CODEC_H264) {
		g_assert_true(o.sps);
		g_assert_true(o.pps);
		g_assert_true(o.idr);
	}
	/* a changed frame is a delta frame */
	g_usleep(20000);
	fill(pixels, w, h, stride, 9);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	g_assert_false(o.key);
	g_assert_cmpint(o.ready_us, ==, f.ready_us);
	/* a still screen, and a viewer asks for a keyframe: it comes */
	g_usleep(20000);
	encoder_request_keyframe(enc);
	g_assert_cmpuint(wait_frames(&o, 3, 3000), ==, 3);
	g_assert_true(o.key);
	encoder_free(enc);
	g_mutex_clear(&o.lock);
}

static void test_probe(void)
{
	struct encoder_info infos[16];
	size_t n = encoder_probe(infos, G_N_ELEMENTS(infos));
	bool x264 = false, vp8 = false;

	g_assert_cmpuint(n, >, 0);
	for (size_t i = 0; i < n; i++) {
		x264 |= strcmp(infos[i].name, "x264enc") == 0;
		vp8 |= strcmp(infos[i].name, "vp8enc") == 0;
		/* hardware ones come first */
		if (i > 0)
			g_assert_true(infos[i - 1].hardware || !infos[i].hardware);
	}
	g_assert_true(x264);
	g_assert_true(vp8);
}

static void test_h264(void)
{
	run("auto", RTC_CODEC_H264, 640, 480);
}

static void test_h264_odd(void)
{
	run("auto", RTC_CODEC_H264, 641, 481);
}

static void test_vp8(void)
{
	run("auto", RTC_CODEC_VP8, 320, 240);
}

/* The other software H.264 encoder, chosen by name, behaves the same. */
static void test_openh264(void)
{
	GstElementFactory *f = gst_element_factory_find("openh264enc");

	if (!f) {
		g_test_skip("openh264enc not installed");
		return;
	}
	gst_object_unref(f);
	run("openh264enc", RTC_CODEC_H264, 320, 240);
}

/* Nobody watching: frames are kept, not encoded; the first viewer's request encodes the
 * newest. */
static void test_idle(void)
{
	struct encoder_config config = {
	        .name = "auto", .codec = RTC_CODEC_H264, .max_fps = 60, .bitrate_kbps = 2000};
	struct out o = {0};
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = {.width = 320,
	                          .height = 240,
	                          .stride = stride,
	                          .format = 0x34325258,
	                          .data = pixels};
	struct encoder *enc;

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, NULL);
	encoder_set_idle(enc, true);
	fill(pixels, 320, 240, stride, 0);
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 500), ==, 0);
	encoder_set_idle(enc, false);
	encoder_request_keyframe(enc);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_assert_true(o.key);
	encoder_free(enc);
	g_mutex_clear(&o.lock);
}

static struct encoder *h264(struct out *o, unsigned max_fps)
{
	struct encoder_config config = {.name = "x264enc",
	                                .codec = RTC_CODEC_H264,
	                                .max_fps = max_fps,
	                                .bitrate_kbps = 2000};
	g_autoptr(GError) error = NULL;
	struct encoder *enc;

	g_mutex_init(&o->lock);
	enc = encoder_new(&config, on_output, o, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(encoder_get_name(enc), ==, "x264enc");
	return enc;
}

/* A frame that says nothing changed is not encoded; one with a real rectangle is. */
static void test_no_damage(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 60);
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = {.width = 320,
	                          .height = 240,
	                          .stride = stride,
	                          .format = 0x34325258,
	                          .data = pixels};

	fill(pixels, 320, 240, stride, 0);
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_usleep(20000);
	f.n_damage = 2; /* two empty rectangles: nothing changed */
	f.damage[0] = (struct capture_rect){10, 10, 0, 5};
	f.damage[1] = (struct capture_rect){10, 10, 5, 0};
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 2, 300), ==, 1);
	f.damage[1].height = 5;
	fill(pixels, 320, 240, stride, 3);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	g_assert_false(o.key);
	g_assert_cmpint(o.ready_us, ==, f.ready_us);
	encoder_free(enc);
	g_mutex_clear(&o.lock);
}

/* Above max_fps frames are held back, and the newest of them still goes out. */
static void test_pacing(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 10); /* 100 ms apart */
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = {.width = 320,
	                          .height = 240,
	                          .stride = stride,
	                          .format = 0x34325258,
	                          .data = pixels};
	int64_t newest;

	for (unsigned i = 0; i < 3; i++) {
		fill(pixels, 320, 240, stride, i * 5);
		f.ready_us = g_get_monotonic_time();
		encoder_push(enc, &f);
	}
	newest = f.ready_us;
	/* the first at once, the third when the interval is up, the second never */
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_assert_cmpuint(wait_frames(&o, 3, 500), ==, 2);
	g_assert_cmpint(o.ready_us, ==, newest);
	encoder_free(enc);
	g_mutex_clear(&o.lock);
}

/* Frames faster than the encoder starts up: appsrc drops the older ones, and every frame
 * that does come out still carries its own capture time; the newest is never lost. */
static void test_burst(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 1000);
	unsigned stride = 640 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 480);
	struct capture_frame f = {.width = 640,
	                          .height = 480,
	                          .stride = stride,
	                          .format = 0x34325258,
	                          .data = pixels};
	int64_t sent[5];
	unsigned n;

	for (unsigned i = 0; i < G_N_ELEMENTS(sent); i++) {
		fill(pixels, 640, 480, stride, i * 7);
		f.ready_us = sent[i] = g_get_monotonic_time();
		encoder_push(enc, &f);
		g_usleep(2000);
	}
	wait_frames(&o, G_N_ELEMENTS(sent), 1000);
	g_mutex_lock(&o.lock);
	n = o.frames;
	g_test_message("%u of 5 frames came out", n);
	g_assert_cmpuint(n, >=, 1);
	g_assert_cmpuint(n, <=, G_N_ELEMENTS(sent));
	for (unsigned i = 0; i < n; i++) {
		bool known = false;

		for (unsigned j = 0; j < G_N_ELEMENTS(sent); j++)
			known |= o.all_ready_us[i] == sent[j];
		g_assert_true(known);
		if (i > 0)
			g_assert_cmpint(o.all_ready_us[i], >, o.all_ready_us[i - 1]);
	}
	g_assert_cmpint(o.all_ready_us[n - 1], ==, sent[G_N_ELEMENTS(sent) - 1]);
	g_mutex_unlock(&o.lock);
	encoder_free(enc);
	g_mutex_clear(&o.lock);
}

/* The screen is resized: the next frame comes out at the new size, still tied to its
 * capture time; frames in a pixel format we cannot take give nothing. */
static void test_resize(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 60);
	g_autofree uint8_t *pixels = g_malloc(640 * 4 * 480);
	struct capture_frame f = {.width = 320,
	                          .height = 240,
	                          .stride = 320 * 4,
	                          .format = 0x34325258,
	                          .data = pixels};

	fill(pixels, 320, 240, f.stride, 0);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_usleep(20000);
	f.width = 640;
	f.height = 480;
	f.stride = 640 * 4;
	fill(pixels, 640, 480, f.stride, 1);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	g_assert_true(o.sps); /* new size, new parameter sets */
	g_assert_cmpint(o.ready_us, ==, f.ready_us);
	g_usleep(20000);
	f.format = 0x36314752; /* 'RG16': not ours */
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 3, 300), ==, 2);
	encoder_free(enc);
	g_mutex_clear(&o.lock);
}

static void out_clear(struct out *o)
{
	for (unsigned i = 0; i < MIN(o->frames, MAX_OUT); i++)
		g_bytes_unref(o->coded[i]);
	g_mutex_clear(&o->lock);
}

/* Decodes every output in order and returns the luma of the last picture at x, y. */
static void decode_luma(struct out *o, enum rtc_codec codec, const unsigned (*at)[2], size_t n,
                        unsigned *luma)
{
	g_autoptr(GError) error = NULL;
	GstElement *pipe = gst_parse_launch(
	        codec == RTC_CODEC_H264 ? "appsrc name=src format=time caps=video/x-h264,"
	                                  "stream-format=byte-stream,alignment=au,"
	                                  "profile=constrained-baseline ! "
	                                  "openh264dec ! video/x-raw,format=I420 ! "
	                                  "appsink name=sink sync=false"
	                                : "appsrc name=src format=time caps=video/x-vp8 ! vp8dec "
	                                  "! video/x-raw,format=I420 ! appsink name=sink "
	                                  "sync=false",
	        &error);
	GstElement *src, *sink;
	GstSample *sample, *last = NULL;
	GstVideoInfo info;
	GstVideoFrame frame;

	g_assert_no_error(error);
	src = gst_bin_get_by_name(GST_BIN(pipe), "src");
	sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
	gst_element_set_state(pipe, GST_STATE_PLAYING);
	g_mutex_lock(&o->lock);
	for (unsigned i = 0; i < MIN(o->frames, MAX_OUT); i++) {
		GstBuffer *buf = gst_buffer_new_wrapped_bytes(o->coded[i]);

		GST_BUFFER_PTS(buf) = i * GST_MSECOND * 20;
		gst_app_src_push_buffer(GST_APP_SRC(src), buf);
	}
	g_mutex_unlock(&o->lock);
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
		if (last)
			gst_sample_unref(last);
		last = sample;
	}
	g_assert_nonnull(last);
	g_assert_true(gst_video_info_from_caps(&info, gst_sample_get_caps(last)));
	g_assert_true(
	        gst_video_frame_map(&frame, &info, gst_sample_get_buffer(last), GST_MAP_READ));
	for (size_t i = 0; i < n; i++)
		luma[i] = ((const uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(
		        &frame, 0))[at[i][1] * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0) + at[i][0]];
	gst_video_frame_unmap(&frame);
	gst_sample_unref(last);
	gst_element_set_state(pipe, GST_STATE_NULL);
	gst_object_unref(src);
	gst_object_unref(sink);
	gst_object_unref(pipe);
}

static void paint(uint8_t *pixels, unsigned stride, unsigned x0, unsigned y0, unsigned w,
                  unsigned h, uint8_t r, uint8_t g, uint8_t b)
{
	for (unsigned y = y0; y < y0 + h; y++)
		for (unsigned x = x0; x < x0 + w; x++) {
			uint8_t *p = pixels + y * stride + x * 4;

			p[0] = b;
			p[1] = g;
			p[2] = r;
			p[3] = 255;
		}
}

/* What the encoder sees is the last picture updated where the damage says: pixels changed
 * outside the damage stay as they were until a frame says it all changed (n_damage 0),
 * with each frame's buffer its own though the encoder may still hold earlier ones. */
static void damage(const char *name, enum rtc_codec codec)
{
	struct encoder_config config = {
	        .name = name, .codec = codec, .max_fps = 60, .bitrate_kbps = 2000};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	unsigned w = 322, h = 240, stride = w * 4; /* 161 chroma columns: padded strides */
	g_autofree uint8_t *pixels = g_malloc(stride * h);
	struct capture_frame f = {
	        .width = w, .height = h, .stride = stride, .format = 0x34325258, .data = pixels};
	/* the square's middle, and outside it on two sides (its edges ring when coded; that
	 * odd bounds convert exactly is test-convert's) */
	static const unsigned at[][2] = {{48, 48}, {4, 4}, {200, 150}};
	unsigned luma[G_N_ELEMENTS(at)];
	struct encoder *enc;
	enum { BLUE = 41, RED = 81, WHITE = 235, SLACK = 12 }; /* BT.601 luma, coding loss */

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	paint(pixels, stride, 0, 0, w, h, 0, 0, 255);
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	/* the square (odd bounds) turns white; the rest red, but undamaged */
	g_usleep(20000);
	paint(pixels, stride, 0, 0, w, h, 255, 0, 0);
	paint(pixels, stride, 17, 17, 64, 64, 255, 255, 255);
	f.n_damage = 1;
	f.damage[0] = (struct capture_rect){17, 17, 64, 64};
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	decode_luma(&o, codec, at, G_N_ELEMENTS(at), luma);
	g_assert_cmpint(abs((int)luma[0] - WHITE), <=, SLACK);
	g_assert_cmpint(abs((int)luma[1] - BLUE), <=, SLACK);
	g_assert_cmpint(abs((int)luma[2] - BLUE), <=, SLACK);
	/* the whole frame changed */
	g_usleep(20000);
	f.n_damage = 0;
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 3, 3000), ==, 3);
	decode_luma(&o, codec, at, G_N_ELEMENTS(at), luma);
	g_assert_cmpint(abs((int)luma[0] - WHITE), <=, SLACK);
	g_assert_cmpint(abs((int)luma[1] - RED), <=, SLACK);
	g_assert_cmpint(abs((int)luma[2] - RED), <=, SLACK);
	encoder_free(enc);
	out_clear(&o);
}

static void test_damage_h264(void)
{
	GstElementFactory *f = gst_element_factory_find("openh264dec");

	if (!f) {
		g_test_skip("openh264dec not installed (to decode)");
		return;
	}
	gst_object_unref(f);
	damage("x264enc", RTC_CODEC_H264);
}

static void test_damage_vp8(void)
{
	damage("vp8enc", RTC_CODEC_VP8);
}

/* Sample points on a grid over the picture, away from the squares' edges below. */
#define GRID 6

static void grid_points(unsigned w, unsigned h, unsigned (*at)[2])
{
	for (unsigned gy = 0; gy < GRID; gy++)
		for (unsigned gx = 0; gx < GRID; gx++) {
			at[gy * GRID + gx][0] = w * (2 * gx + 1) / (2 * GRID);
			at[gy * GRID + gx][1] = h * (2 * gy + 1) / (2 * GRID);
		}
}

/* The luma at the grid points of `f` encoded alone as a whole frame: the reference. */
static void whole_frame_reference(const char *name, enum rtc_codec codec,
                                  const struct capture_frame *frame, const unsigned (*at)[2],
                                  unsigned *luma)
{
	struct encoder_config config = {
	        .name = name, .codec = codec, .max_fps = 60, .bitrate_kbps = 2000};
	struct capture_frame f = *frame;
	g_autoptr(GError) error = NULL;
	struct out o = {0};
	struct encoder *enc;

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	f.n_damage = 0;
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	decode_luma(&o, codec, at, GRID * GRID, luma);
	encoder_free(enc);
	out_clear(&o);
}

/* Guards two things the whole-frame tests cannot see. Several damage rectangles: each one
 * is converted, not only the first. A y-inverted buffer (rows bottom up): its damage is in
 * no agreed orientation, so the whole buffer is converted, flipped. Either way the picture
 * the encoder sees after the update must be what the same pixels give encoded whole. */
static void damage_vs_whole(const char *name, enum rtc_codec codec, bool y_invert)
{
	struct encoder_config config = {
	        .name = name, .codec = codec, .max_fps = 60, .bitrate_kbps = 2000};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	unsigned w = 320, h = 240, stride = w * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * h);
	struct capture_frame f = {
	        .width = w, .height = h, .stride = stride, .format = 0x34325258, .data = pixels};
	unsigned at[GRID * GRID][2], luma[GRID * GRID], want[GRID * GRID];
	struct encoder *enc;
	unsigned differ = 0;
	enum { SLACK = 12 };

	grid_points(w, h, at);
	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	paint(pixels, stride, 0, 0, w, h, 0, 0, 255);
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_usleep(20000);

	/* the update: three white squares, in the buffer's own rows, and the damage names
	 * them; the rest stays as it was, so a whole frame of the same pixels is the
	 * reference. A y-inverted buffer's damage counts for nothing: its background turns
	 * red and the top half of the picture (the buffer's bottom) green, undamaged, and
	 * all of it must show. */
	if (y_invert) {
		paint(pixels, stride, 0, 0, w, h, 255, 0, 0);
		paint(pixels, stride, 0, h / 2, w, h / 2, 0, 255, 0);
	}
	paint(pixels, stride, 0, 0, 106, 80, 255, 255, 255);
	paint(pixels, stride, 106, 80, 108, 80, 255, 255, 255);
	paint(pixels, stride, 214, 160, 106, 80, 255, 255, 255);
	f.y_invert = y_invert;
	f.n_damage = 3;
	f.damage[0] = (struct capture_rect){0, 0, 106, 80};
	f.damage[1] = (struct capture_rect){106, 80, 108, 80};
	f.damage[2] = (struct capture_rect){214, 160, 106, 80};
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	decode_luma(&o, codec, at, G_N_ELEMENTS(at), luma);
	encoder_free(enc);
	out_clear(&o);

	whole_frame_reference(name, codec, &f, at, want);
	for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
		if (abs((int)luma[i] - (int)want[i]) > SLACK) {
			g_test_message("at %u,%u: luma %u, the whole frame gives %u", at[i][0],
			               at[i][1], luma[i], want[i]);
			differ++;
		}
	}
	g_assert_cmpuint(differ, ==, 0);
}

static void test_damage_rects(void)
{
	damage_vs_whole("vp8enc", RTC_CODEC_VP8, false);
}

static void test_damage_y_invert(void)
{
	damage_vs_whole("vp8enc", RTC_CODEC_VP8, true);
}

static void test_unknown(void)
{
	struct encoder_config config = {.name = "nosuchenc", .codec = RTC_CODEC_H264};
	g_autoptr(GError) error = NULL;

	g_assert_null(encoder_new(&config, on_output, NULL, &error));
	g_assert_nonnull(strstr(error->message, "nosuchenc"));
	g_clear_error(&error);
	config.name = "vp8enc";
	g_assert_null(encoder_new(&config, on_output, NULL, &error));
	g_assert_nonnull(strstr(error->message, "makes vp8"));
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/encoder/probe", test_probe);
	g_test_add_func("/encoder/h264", test_h264);
	g_test_add_func("/encoder/h264-odd-size", test_h264_odd);
	g_test_add_func("/encoder/vp8", test_vp8);
	g_test_add_func("/encoder/openh264", test_openh264);
	g_test_add_func("/encoder/idle", test_idle);
	g_test_add_func("/encoder/no-damage", test_no_damage);
	g_test_add_func("/encoder/pacing", test_pacing);
	g_test_add_func("/encoder/resize", test_resize);
	g_test_add_func("/encoder/burst", test_burst);
	g_test_add_func("/encoder/damage-h264", test_damage_h264);
	g_test_add_func("/encoder/damage-vp8", test_damage_vp8);
	g_test_add_func("/encoder/damage-rects", test_damage_rects);
	g_test_add_func("/encoder/damage-y-invert", test_damage_y_invert);
	g_test_add_func("/encoder/unknown", test_unknown);
	return g_test_run();
}
