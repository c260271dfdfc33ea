/* The encoder: what this machine has, and that one frame comes out alone — as a keyframe
 * with SPS/PPS — without waiting for a next frame (no frame of latency), for H.264 and VP8,
 * even at odd sizes; a keyframe request re-encodes a still screen; only damaged rectangles
 * reach the picture the encoder sees (decoded here). */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "media/convert.h"
#include "media/encoder.h"

#define MAX_OUT 64

struct out {
	unsigned frames;
	bool key;
	bool sps, pps, idr;
	int64_t ready_us;
	int64_t all_ready_us[MAX_OUT]; /* of every output, in order */
	GBytes *coded[MAX_OUT];        /* every output, in order */
	uint32_t rtp_ts[MAX_OUT];
	bool keys[MAX_OUT];
	GMutex lock;
	int64_t backlog_us; /* main thread: what the viewers still have to send */
};

static void out_clear(struct out *o);

/* A frame of `pixels` as the compositor hands one over: XRGB8888, rows `stride` apart. */
static struct capture_frame xr24(const uint8_t *pixels, unsigned w, unsigned h, unsigned stride)
{
	return (struct capture_frame){.width = w,
	                              .height = h,
	                              .stride = stride,
	                              .format = DRM_FORMAT_XRGB8888,
	                              .data = pixels};
}

static int64_t backlog(void *data)
{
	return ((struct out *)data)->backlog_us;
}

static void on_output(void *data, const uint8_t *frame, size_t len, bool keyframe, uint32_t rtp_ts,
                      int64_t ready_us)
{
	struct out *o = data;

	g_mutex_lock(&o->lock);
	if (o->frames < MAX_OUT) {
		o->all_ready_us[o->frames] = ready_us;
		o->coded[o->frames] = g_bytes_new(frame, len);
		o->rtp_ts[o->frames] = rtp_ts;
		o->keys[o->frames] = keyframe;
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
	struct encoder_config config = {.name = name,
	                                .codec = codec,
	                                .max_fps = 60,
	                                .bitrate_kbps = 2000,
	                                .no_refinement = true};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	unsigned stride = w * 4 + 64;
	g_autofree uint8_t *pixels = g_malloc(stride * h);
	struct capture_frame f = xr24(pixels, w, h, stride);
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

/* The SPS of one keyframe: profile_idc, constraint flags, level_idc. */
static bool sps_of(GBytes *coded, uint8_t out[3])
{
	gsize len;
	const uint8_t *b = g_bytes_get_data(coded, &len);

	for (size_t i = 0; i + 7 < len; i++) {
		if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1 && (b[i + 3] & 0x1f) == 7) {
			memcpy(out, b + i + 4, 3);
			return true;
		}
	}
	return false;
}

/* The level the offer names (rtc_h264_level_idc, from the size, the rate and the bitrate)
 * is the one the encoder's SPS says: x264 picks the lowest level that fits, as we do. */
static void test_h264_level(void)
{
	static const struct {
		unsigned w, h, fps, kbps;
	} cases[] = {
	        {1280, 720, 30, 8000},  {1280, 720, 60, 8000}, {1920, 1080, 60, 8000},
	        {1920, 1080, 30, 8000}, {640, 480, 30, 2000},  {1280, 720, 30, 30000},
	};
	static const char *const names[] = {"x264enc", "openh264enc"};

	for (size_t n = 0; n < G_N_ELEMENTS(names); n++) {
		GstElementFactory *f = gst_element_factory_find(names[n]);

		if (!f) {
			g_test_message("%s is not installed", names[n]);
			continue;
		}
		gst_object_unref(f);
		for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
			struct encoder_config config = {.name = names[n],
			                                .codec = RTC_CODEC_H264,
			                                .max_fps = cases[i].fps,
			                                .bitrate_kbps = cases[i].kbps};
			unsigned w = cases[i].w, h = cases[i].h, stride = w * 4;
			g_autofree uint8_t *pixels = g_malloc(stride * h);
			struct capture_frame fr = xr24(pixels, w, h, stride);
			struct out o = {0};
			g_autoptr(GError) error = NULL;
			struct encoder *enc;
			uint8_t sps[3] = {0};

			g_mutex_init(&o.lock);
			enc = encoder_new(&config, on_output, &o, &error);
			g_assert_no_error(error);
			fill(pixels, w, h, stride, 0);
			fr.ready_us = g_get_monotonic_time();
			encoder_push(enc, &fr);
			g_assert_cmpuint(wait_frames(&o, 1, 5000), >=, 1);
			encoder_free(enc);
			g_assert_true(sps_of(o.coded[0], sps));
			g_test_message(
			        "%s %ux%u@%u %u kbit/s: profile %02x%02x level %u, offered %u",
			        names[n], w, h, cases[i].fps, cases[i].kbps, sps[0], sps[1], sps[2],
			        rtc_h264_level_idc(w, h, cases[i].fps, cases[i].kbps));
			g_assert_cmphex(sps[0], ==, RTC_H264_PROFILE_IDC);
			g_assert_cmphex(sps[1] & 0x40, ==, 0x40); /* constraint_set1: constrained */
			g_assert_cmpuint(sps[2], ==,
			                 rtc_h264_level_idc(w, h, cases[i].fps, cases[i].kbps));
			for (unsigned k = 0; k < MIN(o.frames, MAX_OUT); k++)
				g_bytes_unref(o.coded[k]);
			g_mutex_clear(&o.lock);
		}
	}
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

/* Nobody watching: frames are neither converted nor encoded (an idle codec costs
 * nothing); whoever wakes it hands it the newest frame, which the first viewer's request
 * encodes. */
static void test_idle(void)
{
	struct encoder_config config = {.name = "auto",
	                                .codec = RTC_CODEC_H264,
	                                .max_fps = 60,
	                                .bitrate_kbps = 2000,
	                                .no_refinement = true};
	struct out o = {0};
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	struct encoder *enc;

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, NULL);
	encoder_set_idle(enc, true);
	fill(pixels, 320, 240, stride, 0);
	for (int i = 0; i < 5; i++)
		encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 500), ==, 0);
	g_assert_cmpuint(encoder_get_conversions(enc), ==, 0);
	encoder_set_idle(enc, false);
	encoder_set_picture(enc, &f);
	g_assert_cmpuint(encoder_get_conversions(enc), ==, 1);
	g_assert_cmpuint(wait_frames(&o, 1, 300), ==, 0); /* kept, not sent */
	encoder_request_keyframe(enc);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_assert_true(o.key);

	/* idle again: damaged frames leave the kept picture behind; the first frame after
	 * waking is converted whole, not just its damage */
	encoder_set_idle(enc, true);
	f.n_damage = 1;
	f.damage[0] = (struct capture_rect){0, 0, 16, 16};
	fill(pixels, 320, 240, stride, 5);
	encoder_push(enc, &f);
	g_assert_cmpuint(encoder_get_conversions(enc), ==, 1);
	encoder_set_idle(enc, false);
	encoder_push(enc, &f);
	g_assert_cmpuint(encoder_get_conversions(enc), ==, 2);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	encoder_free(enc);
	g_mutex_clear(&o.lock);
}

/* x264, no refinement, with the rest of `config`. */
static struct encoder *x264_with(struct out *o, struct encoder_config config)
{
	g_autoptr(GError) error = NULL;
	struct encoder *enc;

	config.name = "x264enc";
	config.codec = RTC_CODEC_H264;
	config.no_refinement = true;
	g_mutex_init(&o->lock);
	enc = encoder_new(&config, on_output, o, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(encoder_get_name(enc), ==, "x264enc");
	return enc;
}

static struct encoder *h264(struct out *o, unsigned max_fps)
{
	return x264_with(o, (struct encoder_config){.max_fps = max_fps, .bitrate_kbps = 2000});
}

/* A frame that says nothing changed is not encoded; one with a real rectangle is. */
static void test_no_damage(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 60);
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);

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
	struct capture_frame f = xr24(pixels, 320, 240, stride);
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

/* A frame waits while the viewers' links are busy (encoder_config.backlog_us, more than
 * 30 ms): the newest goes once they are nearly free, the ones before it never; no longer
 * than half a second at a time; and at once for a keyframe request, which someone sees
 * nothing without. Guards the picture's age on a link that just got slower (issue 9). */
static void test_backlog(void)
{
	struct out o = {0};
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	struct encoder *enc;
	int64_t start, newest;
	bool held;

	enc = x264_with(&o, (struct encoder_config){
	                            .max_fps = 1000, .bitrate_kbps = 2000, .backlog_us = backlog});
	fill(pixels, 320, 240, stride, 0);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);

	/* busy for 200 ms: nothing for 170 ms (the slack is 30), then the newest of two */
	o.backlog_us = 200 * 1000;
	start = g_get_monotonic_time();
	for (unsigned i = 1; i <= 2; i++) {
		fill(pixels, 320, 240, stride, i * 5);
		f.ready_us = g_get_monotonic_time();
		encoder_push(enc, &f);
	}
	newest = f.ready_us;
	g_assert_cmpuint(wait_frames(&o, 2, 120), ==, 1);
	o.backlog_us = 20 * 1000; /* within the slack */
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 150 * 1000);
	g_assert_cmpuint(wait_frames(&o, 3, 200), ==, 2);
	g_assert_cmpint(o.ready_us, ==, newest);

	/* a queue that never moves holds a frame half a second, not for ever */
	o.backlog_us = 10 * G_USEC_PER_SEC;
	fill(pixels, 320, 240, stride, 20);
	start = f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 3, 3000), ==, 3);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 450 * 1000);

	/* held, then asked for a keyframe: it goes now, as one (unless this machine stalled
	 * past the half second, when the hold's end sent it first: then only a keyframe) */
	fill(pixels, 320, 240, stride, 25);
	start = f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 4, 100), ==, 3);
	encoder_request_keyframe(enc);
	held = g_get_monotonic_time() - start < 400 * 1000;
	g_assert_cmpuint(wait_frames(&o, 4, 300), ==, 4);
	g_assert_true(o.key || !held);
	if (held)
		g_assert_cmpint(o.ready_us, ==, f.ready_us);
	else
		g_test_message("the machine stalled: the held frame's keyframe not judged");
	encoder_free(enc);
	out_clear(&o);
}

/* A frame held for a busy link, then a newer one that may go at once (the link freed up
 * before the held frame's timer ran): the newer one goes, and the held one never after it,
 * which would show an older picture last. */
static void test_held_then_newer(void)
{
	struct out o = {0};
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	struct encoder *enc = x264_with(&o, (struct encoder_config){.max_fps = 1000,
	                                                            .bitrate_kbps = 20000,
	                                                            .no_refinement = true,
	                                                            .backlog_us = backlog});
	int64_t newest;

	fill(pixels, 320, 240, stride, 0);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	o.backlog_us = 200 * 1000;
	fill(pixels, 320, 240, stride, 5);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f); /* held; its timer runs only when this thread's loop does */
	o.backlog_us = 0;
	g_usleep(20000);
	fill(pixels, 320, 240, stride, 10);
	newest = f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	g_assert_cmpuint(wait_frames(&o, 3, 400), ==, 2);
	g_assert_cmpint(o.ready_us, ==, newest);
	encoder_free(enc);
	out_clear(&o);
}

/* Frames faster than the encoder starts up: appsrc drops the older ones, and every frame
 * that does come out still carries its own capture time; the newest is never lost. */
static void test_burst(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 1000);
	unsigned stride = 640 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 480);
	struct capture_frame f = xr24(pixels, 640, 480, stride);
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
	struct encoder_config config = {.name = name,
	                                .codec = codec,
	                                .max_fps = 60,
	                                .bitrate_kbps = 2000,
	                                .no_refinement = true};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	unsigned w = 322, h = 240, stride = w * 4; /* 161 chroma columns: padded strides */
	g_autofree uint8_t *pixels = g_malloc(stride * h);
	struct capture_frame f = xr24(pixels, w, h, stride);
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

/* Frames captured a microsecond apart (a keyframe's repeat, then the next change) each
 * get their own RTP timestamp, increasing. */
static void test_rtp_timestamps(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 1000);
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	int64_t t0 = g_get_monotonic_time();

	for (unsigned i = 0; i < 4; i++) {
		fill(pixels, 320, 240, stride, i * 11);
		f.ready_us = t0 + i;
		encoder_push(enc, &f);
		g_assert_cmpuint(wait_frames(&o, i + 1, 3000), ==, i + 1);
	}
	for (unsigned i = 1; i < 4; i++)
		g_assert_cmpint((int32_t)(o.rtp_ts[i] - o.rtp_ts[i - 1]), >, 0);
	encoder_free(enc);
	out_clear(&o);
}

/* Keyframe requests from many viewers: the first at once, the rest within 300 ms served by
 * one more at its end, none lost. */
static void test_keyframe_coalesce(void)
{
	struct out o = {0};
	struct encoder *enc = h264(&o, 60);
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	unsigned keys = 0;

	fill(pixels, 320, 240, stride, 0);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	encoder_request_keyframe(enc);
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	for (int i = 0; i < 5; i++)
		encoder_request_keyframe(enc);
	g_assert_cmpuint(wait_frames(&o, 3, 150), ==, 2); /* not yet */
	g_assert_cmpuint(wait_frames(&o, 3, 3000), ==, 3);
	g_assert_cmpuint(wait_frames(&o, 4, 500), ==, 3); /* and only one */
	for (unsigned i = 0; i < 3; i++)
		keys += o.keys[i];
	g_assert_cmpuint(keys, ==, 3);
	encoder_free(enc);
	out_clear(&o);
}

/* The bitrate follows encoder_set_bitrate while playing: busy frames come out smaller at
 * 300 kbit/s than at 4000, by `factor` (openh264 on pure noise reaches its highest
 * quantizer early: smaller still, by less). */
static void bitrate(const char *name, enum rtc_codec codec, double factor)
{
	struct encoder_config config = {.name = name,
	                                .codec = codec,
	                                .max_fps = 1000,
	                                .bitrate_kbps = 4000,
	                                .no_refinement = true};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	struct encoder *enc;
	size_t high = 0, low = 0;
	unsigned n = 0;

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	for (unsigned phase = 0; phase < 2; phase++) {
		if (phase == 1) {
			encoder_set_bitrate(enc, 300);
			g_assert_cmpuint(encoder_get_bitrate(enc), ==, 300);
		}
		for (unsigned i = 0; i < 30; i++) {
			for (size_t k = 0; k < stride * 240; k += 4)
				*(uint32_t *)(pixels + k) = g_random_int();
			f.ready_us = g_get_monotonic_time();
			encoder_push(enc, &f);
			g_assert_cmpuint(wait_frames(&o, n + 1, 3000), ==, n + 1);
			/* the last 15 of each phase, after the rate control settled */
			if (i >= 15 && n < MAX_OUT)
				*(phase ? &low : &high) += g_bytes_get_size(o.coded[n]);
			n++;
			g_usleep(33000);
		}
	}
	g_test_message("%s: %zu bytes a frame at 4000 kbit/s, %zu at 300", name, high / 15,
	               low / 15);
	g_assert_cmpfloat(low * factor, <, high);
	encoder_free(enc);
	out_clear(&o);
}

/* A cut in the bitrate (the link was full) comes with x264's VBV full from a screen that
 * sent less than the old rate allowed: the frames right after it spend 150 ms of the new
 * rate, not the half second that VBV holds otherwise (guards the picture's age after a
 * step down, issue 9). */
static void test_bitrate_cut(void)
{
	struct out o = {0};
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	struct encoder *enc;
	size_t after = 0;
	unsigned n = 0;

	enc = x264_with(&o, (struct encoder_config){.max_fps = 60, .bitrate_kbps = 8000});
	for (unsigned i = 0; i < 24; i++) {
		if (i == 20)
			encoder_set_bitrate(enc, 400);
		if (i < 20)
			fill(pixels, 320, 240, stride, i); /* little change: the VBV fills */
		else
			for (size_t k = 0; k < stride * 240; k += 4)
				*(uint32_t *)(pixels + k) = g_random_int();
		f.ready_us = g_get_monotonic_time();
		encoder_push(enc, &f);
		g_assert_cmpuint(wait_frames(&o, n + 1, 3000), ==, n + 1);
		if (i >= 20)
			after += g_bytes_get_size(o.coded[n]);
		n++;
		g_usleep(70000);
	}
	g_test_message("%zu bytes in the 4 frames after the cut to 400 kbit/s", after);
	/* 280 ms of frames: at most their time plus 150 ms of the new rate (with some room
	 * for x264's floor), where the 500 ms VBV lets them take about 38 KB */
	g_assert_cmpuint(after * 8, <=, (size_t)(400 * (280 + 150) * 1.3));
	encoder_free(enc);
	out_clear(&o);
}

/* No keyframe but on request, however long the stream (guards against a periodic
 * whole-screen keyframe: 150 KB every 600 frames froze a link that had just got
 * slower). */
static void test_no_periodic_keyframe(void)
{
	struct out o = {0};
	struct encoder *enc;
	unsigned stride = 64 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 64);
	struct capture_frame f = xr24(pixels, 64, 64, stride);
	unsigned keys = 0;

	/* a rate that lets through a frame a millisecond (the frame rate follows it) */
	enc = x264_with(&o, (struct encoder_config){.max_fps = 1000, .bitrate_kbps = 100000});
	for (unsigned i = 0; i < 700; i++) {
		fill(pixels, 64, 64, stride, i);
		f.ready_us = g_get_monotonic_time();
		encoder_push(enc, &f);
		g_assert_cmpuint(wait_frames(&o, i + 1, 3000), ==, i + 1);
		g_mutex_lock(&o.lock);
		keys += o.key;
		g_mutex_unlock(&o.lock);
	}
	g_assert_cmpuint(keys, ==, 1);
	encoder_free(enc);
	out_clear(&o);
}

static void test_bitrate_x264(void)
{
	bitrate("x264enc", RTC_CODEC_H264, 3);
}

static void test_bitrate_vp8(void)
{
	bitrate("vp8enc", RTC_CODEC_VP8, 3);
}

static void test_bitrate_openh264(void)
{
	bitrate("openh264enc", RTC_CODEC_H264, 1.3);
}

/* PSNR of the luma of the picture decoded after the first `upto` outputs, against `ref`
 * (w x h, tightly packed). */
static double decoded_psnr(struct out *o, unsigned upto, const uint8_t *ref, unsigned w, unsigned h)
{
	g_autoptr(GError) error = NULL;
	GstElement *pipe = gst_parse_launch(
	        "appsrc name=src format=time caps=video/x-h264,stream-format=byte-stream,"
	        "alignment=au,profile=constrained-baseline ! openh264dec ! "
	        "video/x-raw,format=I420 ! appsink name=sink sync=false",
	        &error);
	GstElement *src, *sink;
	GstSample *sample, *last = NULL;
	GstVideoInfo info;
	GstVideoFrame frame;
	double sse = 0;

	g_assert_no_error(error);
	src = gst_bin_get_by_name(GST_BIN(pipe), "src");
	sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
	gst_element_set_state(pipe, GST_STATE_PLAYING);
	g_mutex_lock(&o->lock);
	for (unsigned i = 0; i < MIN(upto, MIN(o->frames, MAX_OUT)); i++) {
		GstBuffer *buf = gst_buffer_new_wrapped_bytes(g_bytes_ref(o->coded[i]));

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
	for (unsigned y = 0; y < h; y++) {
		const uint8_t *row = (const uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 0) +
		                     y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);

		for (unsigned x = 0; x < w; x++) {
			double d = (double)row[x] - ref[y * w + x];

			sse += d * d;
		}
	}
	gst_video_frame_unmap(&frame);
	gst_sample_unref(last);
	gst_element_set_state(pipe, GST_STATE_NULL);
	gst_object_unref(src);
	gst_object_unref(sink);
	gst_object_unref(pipe);
	return sse == 0 ? 99 : 10 * log10(255.0 * 255.0 * w * h / sse);
}

/* A still screen gets sharper: after the keyframe the encoder sends the same picture again
 * as delta frames, each decoded closer to the source, and stops doing so at a high rate
 * (then one a second, so that browsers do not ask for keyframes); nothing while idle. */
static void test_refine(void)
{
	struct encoder_config config = {
	        .name = "x264enc", .codec = RTC_CODEC_H264, .max_fps = 60, .bitrate_kbps = 2000};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	enum { W = 320, H = 240 };
	unsigned stride = W * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * H);
	g_autofree uint8_t *i420 = g_malloc(convert_i420_size(W, H));
	struct capture_frame f = xr24(pixels, W, H, stride);
	struct convert_source cs = {pixels, stride * H, W, H, stride, 0x34325258, false};
	struct convert_i420 dst;
	struct capture_rect all = {0, 0, W, H};
	GstElementFactory *dec = gst_element_factory_find("openh264dec");
	uint32_t seed = 1;
	unsigned n, m;
	double first, last;
	struct encoder *enc;

	if (!dec) {
		g_test_skip("openh264dec not installed (to decode)");
		return;
	}
	gst_object_unref(dec);
	/* text-like: dark and light dots, a few coloured, every pixel its own */
	for (unsigned i = 0; i < W * H; i++) {
		uint8_t *p = pixels + i * 4;

		seed = seed * 1103515245 + 12345;
		p[0] = p[1] = p[2] = (seed >> 16) & 1 ? 230 : 20;
		if (((seed >> 20) & 7) == 0)
			p[(seed >> 24) % 3] = 40;
		p[3] = 255;
	}
	convert_i420_init(&dst, i420, W, H);
	g_assert_true(convert_rect(&dst, &cs, CONVERT_BT601, &all));

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	encoder_push(enc, &f);
	n = wait_frames(&o, MAX_OUT, 2000);
	g_assert_cmpuint(n, >=, 6);                                /* the keyframe and repeats */
	g_assert_cmpuint(encoder_get_refinements(enc), >=, n - 1); /* one may be on its way */
	g_assert_false(o.key);                                     /* repeats are delta frames */
	first = decoded_psnr(&o, 1, i420, W, H);
	last = decoded_psnr(&o, n, i420, W, H);
	g_test_message("%u outputs in 2 s; luma %.1f dB after the keyframe, %.1f dB after them", n,
	               first, last);
	g_assert_cmpfloat(last, >, first + 3);
	/* the fast repeats end: one a second from then on */
	wait_frames(&o, MAX_OUT, 1500);
	n = wait_frames(&o, MAX_OUT, 10);
	m = wait_frames(&o, MAX_OUT, 2500);
	g_assert_cmpuint(m, >=, n + 1);
	g_assert_cmpuint(m, <=, n + 4);
	/* nobody watching: nothing more */
	encoder_set_idle(enc, true);
	wait_frames(&o, MAX_OUT, 200);
	n = wait_frames(&o, MAX_OUT, 10);
	g_assert_cmpuint(wait_frames(&o, MAX_OUT, 1500), ==, n);
	encoder_free(enc);
	out_clear(&o);

	/* a flat picture has nothing to add: a few small repeats, then only the slow ones */
	memset(&o, 0, sizeof(o));
	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	memset(pixels, 128, stride * H);
	encoder_push(enc, &f);
	n = wait_frames(&o, MAX_OUT, 1500);
	g_test_message("a flat picture: %u outputs in 1.5 s", n);
	g_assert_cmpuint(n, >=, 2);
	g_assert_cmpuint(n, <=, 1 + 3 + 2);
	encoder_free(enc);
	out_clear(&o);
}

/* Asked for 4:4:4, x264 makes High 4:4:4 Predictive (profile_idc 244, chroma_format_idc 3
 * in the SPS: what SDP calls profile-level-id f400xx); VP8 stays 4:2:0 and says so. */
static void test_444(void)
{
	struct encoder_config config = {.name = "x264enc",
	                                .codec = RTC_CODEC_H264,
	                                .max_fps = 60,
	                                .bitrate_kbps = 5000, /* 4:2:0 would need 3.0 */
	                                .no_refinement = true,
	                                .chroma = ENCODER_CHROMA_444};
	struct out o = {0};
	g_autoptr(GError) error = NULL;
	unsigned stride = 320 * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * 240);
	struct capture_frame f = xr24(pixels, 320, 240, stride);
	struct encoder *enc;
	const uint8_t *sps = NULL, *au;
	size_t len;

	g_mutex_init(&o.lock);
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	g_assert_cmpint(encoder_get_chroma(enc), ==, ENCODER_CHROMA_444);
	fill(pixels, 320, 240, stride, 0);
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_assert_true(o.key && o.sps);
	au = g_bytes_get_data(o.coded[0], &len);
	for (size_t i = 0; i + 8 < len && !sps; i++) {
		if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 && (au[i + 3] & 0x1f) == 7)
			sps = au + i + 4;
	}
	g_assert_nonnull(sps);
	g_assert_cmpuint(sps[0], ==, 244);
	/* the level the offer's f400LL says: High 4:4:4's limits, four times the baseline's
	 * bit rate, as x264 counts them (2.1 here, where 4:2:0 at 5 Mbit/s needs 3.0) */
	g_assert_cmpuint(rtc_h264_level_idc(320, 240, 60, 5000), ==, 30);
	g_assert_cmpuint(sps[2], ==, rtc_h264_444_level_idc(320, 240, 60, 5000));
	g_assert_cmpuint(sps[2], ==, 21);
	/* ue(seq_parameter_set_id = 0) "1", ue(chroma_format_idc = 3) "00100" */
	g_assert_cmphex(sps[3] & 0xfc, ==, 0x90);
	encoder_free(enc);
	out_clear(&o);

	config.name = "vp8enc";
	config.codec = RTC_CODEC_VP8;
	enc = encoder_new(&config, on_output, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(encoder_get_chroma(enc), ==, ENCODER_CHROMA_420);
	encoder_free(enc);
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
	struct capture_frame f = xr24(pixels, w, h, stride);
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

/* Frames that must wait (here for a busy link) are not converted on arrival when the
 * encoder has the share's picture (encoder_config.picture): their damage is kept and
 * converted from that picture when their turn comes, once for all of them. Guards what a
 * slow link's encode costs (issue 9: the second encode converted every frame it then
 * dropped, a whole screen each on a busy one, and the first viewer's frames/s fell), and
 * that no held frame's change is lost: three frames each paint one square and name only
 * it, and the frame that goes must show all three, as the same pixels encoded whole. */
static const struct capture_frame *the_picture;

static const struct capture_frame *picture(void *data)
{
	(void)data;
	return the_picture;
}

static void test_held_converted_late(void)
{
	struct out o = {0};
	unsigned w = 320, h = 240, stride = w * 4;
	g_autofree uint8_t *pixels = g_malloc(stride * h);
	struct capture_frame f = xr24(pixels, w, h, stride);
	const struct capture_rect squares[] = {
	        {0, 0, 106, 80}, {106, 80, 108, 80}, {214, 160, 106, 80}};
	unsigned at[GRID * GRID][2], luma[GRID * GRID], want[GRID * GRID];
	g_autoptr(GError) error = NULL;
	struct encoder_config config = {.name = "vp8enc",
	                                .codec = RTC_CODEC_VP8,
	                                .max_fps = 60,
	                                .bitrate_kbps = 2000,
	                                .no_refinement = true,
	                                .backlog_us = backlog,
	                                .picture = picture};
	struct encoder *enc;
	unsigned differ = 0;
	enum { SLACK = 12 };

	grid_points(w, h, at);
	g_mutex_init(&o.lock);
	the_picture = &f;
	enc = encoder_new(&config, on_output, &o, &error);
	g_assert_no_error(error);
	paint(pixels, stride, 0, 0, w, h, 0, 0, 255);
	encoder_push(enc, &f);
	g_assert_cmpuint(wait_frames(&o, 1, 3000), ==, 1);
	g_assert_cmpuint(encoder_get_conversions(enc), ==, 1);

	o.backlog_us = 10 * G_USEC_PER_SEC;
	for (size_t i = 0; i < G_N_ELEMENTS(squares); i++) {
		const struct capture_rect *r = &squares[i];

		paint(pixels, stride, (unsigned)r->x, (unsigned)r->y, r->width, r->height, 255, 255,
		      255);
		f.n_damage = 1;
		f.damage[0] = *r;
		encoder_push(enc, &f);
	}
	/* held: none converted yet */
	g_assert_cmpuint(wait_frames(&o, 2, 100), ==, 1);
	g_assert_cmpuint(encoder_get_conversions(enc), ==, 1);
	o.backlog_us = 0;
	g_assert_cmpuint(wait_frames(&o, 2, 3000), ==, 2);
	g_assert_cmpuint(encoder_get_conversions(enc), ==, 2);
	decode_luma(&o, RTC_CODEC_VP8, at, G_N_ELEMENTS(at), luma);
	encoder_free(enc);
	out_clear(&o);

	whole_frame_reference("vp8enc", RTC_CODEC_VP8, &f, at, want);
	for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
		if (abs((int)luma[i] - (int)want[i]) > SLACK) {
			g_test_message("at %u,%u: luma %u, the whole frame gives %u", at[i][0],
			               at[i][1], luma[i], want[i]);
			differ++;
		}
	}
	g_assert_cmpuint(differ, ==, 0);
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
	g_test_add_func("/encoder/h264-level", test_h264_level);
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
	g_test_add_func("/encoder/backlog", test_backlog);
	g_test_add_func("/encoder/held-then-newer", test_held_then_newer);
	g_test_add_func("/encoder/damage-h264", test_damage_h264);
	g_test_add_func("/encoder/damage-vp8", test_damage_vp8);
	g_test_add_func("/encoder/damage-rects", test_damage_rects);
	g_test_add_func("/encoder/damage-y-invert", test_damage_y_invert);
	g_test_add_func("/encoder/unknown", test_unknown);
	g_test_add_func("/encoder/held-converted-late", test_held_converted_late);
	g_test_add_func("/encoder/rtp-timestamps", test_rtp_timestamps);
	g_test_add_func("/encoder/keyframe-coalesce", test_keyframe_coalesce);
	g_test_add_func("/encoder/bitrate-x264", test_bitrate_x264);
	g_test_add_func("/encoder/bitrate-cut", test_bitrate_cut);
	g_test_add_func("/encoder/no-periodic-keyframe", test_no_periodic_keyframe);
	g_test_add_func("/encoder/bitrate-vp8", test_bitrate_vp8);
	g_test_add_func("/encoder/bitrate-openh264", test_bitrate_openh264);
	g_test_add_func("/encoder/refine", test_refine);
	g_test_add_func("/encoder/h264-444", test_444);
	return g_test_run();
}
