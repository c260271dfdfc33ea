/* Each codec wayrtc offers (H.264 4:2:0 and 4:4:4 with x264, VP8 with libvpx) on desktop
 * work, one encoder at a time through media/encoder.c as the share runs it (our damage
 * conversion, still-screen refinement, the default 8 Mbit/s): CPU per frame (the whole
 * process: conversion on this thread, the encoder's threads) and the bitrate out, for
 *   idle       nobody watches this codec: the scrolling frames below are pushed to an idle
 *              encoder (what an idle encode costs the share per frame);
 *   typing     a glyph-sized cell (8x16) changes every 150 ms, 40 keys;
 *   scrolling  the text moves up 2 rows a frame at 60 frames/s for 3 s (whole damage);
 *   still      the scrolling stops: 3 s of nothing, the refinement's bits;
 *   join       then a viewer joins (a keyframe) and 3 s of nothing again.
 * For the last two, how sharp the picture gets and when: decoded here (avdec_h264 of
 * gstreamer1.0-libav, vp8dec) and compared with the picture the encoder was given, luma
 * and Cb, Cr apart against full-resolution chroma (what 4:2:0 loses on coloured text
 * counts), from the last scrolled frame's capture and from the keyframe request.
 * The picture is a PPM (P6) given on the command line (e.g. the terminal e2e-sharp dumps
 * with WAYRTC_SHARP_DUMP), else painted text-like rows in colour.
 *   wayrtc-bench-codecs WIDTHxHEIGHT [PICTURE.ppm] [h264|h264-444|vp8 ...] */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "media/convert.h"
#include "media/encoder.h"
#include "share/config.h"

#define BITRATE_KBPS 8000
#define MAX_FPS      60
#define KEYS         40
#define KEY_MS       150
#define SCROLL_MS    3000
#define SCROLL_ROWS  2
#define STILL_MS     3000

#define SHARP_Y_DB  50
#define SHARP_C_DB  40
#define MAX_DECODED 256

struct sharp {
	int64_t t_us; /* decoded at */
	double y, cb, cr;
};

struct out {
	GMutex lock; /* guards all below: the encoder and decoder threads write */
	uint64_t bytes;
	unsigned frames, keyframes;
	GstElement *decode; /* appsrc ! parse ! decoder ! appsink, NULL: no decoder here */
	GstElement *src;
	/* the picture as the encoder got it: Y, and Cb, Cr at full resolution; NULL: do not
	 * measure */
	uint8_t *ref_y, *ref_u, *ref_v;
	unsigned w, h;
	struct sharp decoded[MAX_DECODED];
	size_t n_decoded;
};

static void on_encoded(void *data, const uint8_t *frame, size_t len, bool key, uint32_t ts,
                       int64_t ready_us)
{
	struct out *o = data;

	g_mutex_lock(&o->lock);
	o->bytes += len;
	o->frames++;
	o->keyframes += key;
	g_mutex_unlock(&o->lock);
	if (o->src)
		gst_app_src_push_buffer(GST_APP_SRC(o->src), gst_buffer_new_memdup(frame, len));
}

static double psnr(uint64_t sse, uint64_t n)
{
	return sse ? 10 * log10(255.0 * 255.0 * (double)n / (double)sse) : 99;
}

/* Decoder thread: how far this decoded picture is from the reference. A 4:2:0 sample
 * stands for its 2x2 block. */
static GstFlowReturn on_decoded(GstAppSink *sink, gpointer data)
{
	struct out *o = data;
	GstSample *sample = gst_app_sink_pull_sample(sink);
	GstVideoInfo info;
	GstVideoFrame vf;

	if (!sample)
		return GST_FLOW_EOS;
	if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
	    gst_video_frame_map(&vf, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
		bool i444 = GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_Y444;
		uint64_t sy = 0, su = 0, sv = 0;

		g_mutex_lock(&o->lock);
		if (o->ref_y && (unsigned)GST_VIDEO_INFO_WIDTH(&info) == o->w &&
		    (unsigned)GST_VIDEO_INFO_HEIGHT(&info) == o->h &&
		    (i444 || GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_I420)) {
			for (unsigned y = 0; y < o->h; y++) {
				const uint8_t *py =
				        (const uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&vf, 0) +
				        (size_t)y * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0);
				unsigned cy = i444 ? y : y / 2;
				const uint8_t *pu =
				        (const uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&vf, 1) +
				        (size_t)cy * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 1);
				const uint8_t *pv =
				        (const uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(&vf, 2) +
				        (size_t)cy * GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 2);

				for (unsigned x = 0; x < o->w; x++) {
					size_t r = (size_t)y * o->w + x;
					unsigned cx = i444 ? x : x / 2;
					int dy = py[x] - o->ref_y[r], du = pu[cx] - o->ref_u[r],
					    dv = pv[cx] - o->ref_v[r];

					sy += (uint64_t)(dy * dy);
					su += (uint64_t)(du * du);
					sv += (uint64_t)(dv * dv);
				}
			}
			if (o->n_decoded < MAX_DECODED)
				o->decoded[o->n_decoded++] = (struct sharp){
				        g_get_monotonic_time(), psnr(sy, (uint64_t)o->w * o->h),
				        psnr(su, (uint64_t)o->w * o->h),
				        psnr(sv, (uint64_t)o->w * o->h)};
		}
		g_mutex_unlock(&o->lock);
		gst_video_frame_unmap(&vf);
	}
	gst_sample_unref(sample);
	return GST_FLOW_OK;
}

/* A decoder for what the encoder makes; false where this machine has none (the
 * sharpness columns then stay empty). */
static bool decoder_start(struct out *o, bool vp8)
{
	g_autoptr(GError) error = NULL;
	GstAppSinkCallbacks cb = {.new_sample = on_decoded};
	GstElement *sink;

	o->decode = gst_parse_launch(
	        vp8 ? "appsrc name=src format=time caps=video/x-vp8,width=1,height=1,"
	              "framerate=0/1 ! vp8dec ! appsink name=sink sync=false"
	            : "appsrc name=src format=time caps=video/x-h264,stream-format=byte-stream,"
	              "alignment=au ! h264parse ! avdec_h264 max-threads=1 ! appsink name=sink "
	              "sync=false",
	        &error);
	if (!o->decode) {
		fprintf(stderr, "bench: no decoder, sharpness not measured: %s\n", error->message);
		return false;
	}
	o->src = gst_bin_get_by_name(GST_BIN(o->decode), "src");
	sink = gst_bin_get_by_name(GST_BIN(o->decode), "sink");
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, o, NULL);
	gst_object_unref(sink);
	gst_element_set_state(o->decode, GST_STATE_PLAYING);
	return true;
}

static void decoder_stop(struct out *o)
{
	if (!o->decode)
		return;
	gst_element_set_state(o->decode, GST_STATE_NULL);
	gst_clear_object(&o->src);
	gst_clear_object(&o->decode);
}

/* The reference for the still picture: the encoder's own conversion, 4:4:4. */
static void set_reference(struct out *o, const struct capture_frame *f)
{
	size_t n = (size_t)f->width * f->height;
	uint8_t *planes = g_malloc(convert_i444_size(f->width, f->height));
	struct convert_i420 dst;
	struct convert_source src = {.data = f->data,
	                             .len = (size_t)f->stride * f->height,
	                             .width = f->width,
	                             .height = f->height,
	                             .stride = f->stride,
	                             .format = f->format};
	struct capture_rect all = {0, 0, f->width, f->height};

	convert_i444_init(&dst, planes, f->width, f->height);
	convert_rect(&dst, &src, f->height >= 720 ? CONVERT_BT709 : CONVERT_BT601, &all);
	g_mutex_lock(&o->lock);
	g_free(o->ref_y);
	o->ref_y = planes;
	o->ref_u = planes + n;
	o->ref_v = planes + 2 * n;
	o->w = f->width;
	o->h = f->height;
	o->n_decoded = 0;
	g_mutex_unlock(&o->lock);
}

/* The still scenario's sharpness, from `t0_us` (the keyframe asked for). */
static void print_sharpness(const char *codec, const char *what, struct out *o, int64_t t0_us)
{
	const struct sharp *first = NULL, *last = NULL, *y_at = NULL, *c_at = NULL, *all_at = NULL;

	g_mutex_lock(&o->lock);
	for (size_t i = 0; i < o->n_decoded; i++) {
		const struct sharp *s = &o->decoded[i];
		bool c = s->cb >= SHARP_C_DB && s->cr >= SHARP_C_DB;

		first = first ? first : s;
		last = s;
		if (!y_at && s->y >= SHARP_Y_DB)
			y_at = s;
		if (!c_at && c)
			c_at = s;
		if (!all_at && c && s->y >= SHARP_Y_DB)
			all_at = s;
	}
	if (first)
		printf("%-8s %-9s first frame %.0f ms Y %.1f Cb %.1f Cr %.1f dB; "
		       "Y >= %d dB at %s%.0f ms, Cb and Cr >= %d dB at %s%.0f ms; "
		       "after %d ms Y %.1f Cb %.1f Cr %.1f dB (%zu frames decoded)\n",
		       codec, what, (first->t_us - t0_us) / 1000.0, first->y, first->cb, first->cr,
		       SHARP_Y_DB, y_at ? "" : "never, ", y_at ? (y_at->t_us - t0_us) / 1000.0 : 0,
		       SHARP_C_DB, c_at ? "" : "never, ", c_at ? (c_at->t_us - t0_us) / 1000.0 : 0,
		       STILL_MS, last->y, last->cb, last->cr, o->n_decoded);
	g_mutex_unlock(&o->lock);
	fflush(stdout);
	(void)all_at;
}

static int64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static gboolean time_up(void *data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Runs the main context (the encoder's pacing and refinement timers) until `until_us`,
 * asleep in between: the bench's own waiting costs no CPU. */
static void run_until(int64_t until_us)
{
	int64_t left = until_us - g_get_monotonic_time();
	bool done = false;
	GSource *timer;

	if (left <= 0)
		return;
	timer = g_timeout_source_new(MAX(1, (guint)(left / 1000)));
	g_source_set_callback(timer, time_up, &done, NULL);
	g_source_attach(timer, NULL);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
	g_source_destroy(timer);
	g_source_unref(timer);
}

/* A tall picture (2h rows, so scrolling has somewhere to go): the PPM repeated, or
 * coloured text-like rows on dark and light bands. */
static uint8_t *load_picture(const char *ppm, unsigned w, unsigned h)
{
	uint8_t *px = g_malloc0((size_t)w * 4 * h * 2);
	g_autofree char *data = NULL;
	gsize len = 0;
	unsigned pw = 0, ph = 0, max = 0;
	int off = 0;

	if (ppm) {
		if (!g_file_get_contents(ppm, &data, &len, NULL) ||
		    sscanf(data, "P6 %u %u %u%n", &pw, &ph, &max, &off) != 3 || max != 255 ||
		    (size_t)off + 1 + (size_t)pw * ph * 3 > len) {
			fprintf(stderr, "bench: %s is not a P6 PPM\n", ppm);
			exit(2);
		}
		off++;
	}
	GRand *rand = g_rand_new_with_seed(42);
	for (unsigned y = 0; y < 2 * h; y++) {
		for (unsigned x = 0; x < w; x++) {
			uint8_t *p = px + ((size_t)y * w + x) * 4;

			if (ppm) {
				const uint8_t *s = (const uint8_t *)data + off +
				                   (((size_t)(y % ph) * pw) + x % pw) * 3;

				p[0] = s[2], p[1] = s[1], p[2] = s[0];
			} else {
				bool light = (y / 96) % 2,
				     ink = (y % 16) < 10 && g_rand_int_range(rand, 0, 3) == 0;
				unsigned hue = (x / 48 + y / 16) % 4;
				uint8_t bg = light ? 240 : 20;

				p[2] = ink ? (hue == 0 ? 220 : hue == 3 ? 200 : 30) : bg;
				p[1] = ink ? (hue == 1 ? 200 : hue == 3 ? 200 : 30) : bg;
				p[0] = ink ? (hue == 2 ? 230 : hue == 3 ? 200 : 40) : bg;
			}
			p[3] = 255;
		}
	}
	g_rand_free(rand);
	return px;
}

struct result {
	double cpu_ms_per_frame, kbps;
	unsigned in, out, keyframes;
	uint64_t bytes;
};

static void start(struct out *o, uint64_t *bytes, unsigned *frames, unsigned *keys)
{
	g_mutex_lock(&o->lock);
	*bytes = o->bytes;
	*frames = o->frames;
	*keys = o->keyframes;
	g_mutex_unlock(&o->lock);
}

static struct result finish(struct out *o, uint64_t bytes0, unsigned frames0, unsigned keys0,
                            int64_t cpu0, int64_t t0, unsigned in)
{
	struct result r = {.in = in};
	int64_t cpu = cpu_us() - cpu0, wall = g_get_monotonic_time() - t0;

	g_mutex_lock(&o->lock);
	r.bytes = o->bytes - bytes0;
	r.out = o->frames - frames0;
	r.keyframes = o->keyframes - keys0;
	g_mutex_unlock(&o->lock);
	/* per frame out, or per frame in where nothing comes out (idle) */
	r.cpu_ms_per_frame = r.out ? cpu / 1000.0 / r.out : in ? cpu / 1000.0 / in : 0;
	r.kbps = r.bytes * 8.0 / (wall / 1000.0);
	return r;
}

static void print(const char *codec, const char *name, const struct encoder_config *ec,
                  struct result r)
{
	printf("%-8s %-9s frames in %4u out %4u (keyframes %u), CPU %6.2f ms/frame, "
	       "%7.0f kbit/s, %8" G_GUINT64_FORMAT " bytes\n",
	       codec, name, r.in, r.out, r.keyframes, r.cpu_ms_per_frame, r.kbps, r.bytes);
	fflush(stdout);
}

static void bench(const char *codec, unsigned w, unsigned h, const uint8_t *tall)
{
	struct out o = {0};
	struct encoder_config ec = {
	        .codec = RTC_CODEC_H264, .max_fps = MAX_FPS, .bitrate_kbps = BITRATE_KBPS};
	g_autofree uint8_t *screen = g_malloc((size_t)w * 4 * h);
	struct capture_frame f = {.width = w,
	                          .height = h,
	                          .stride = w * 4,
	                          .format = DRM_FORMAT_XRGB8888,
	                          .data = screen};
	g_autoptr(GError) error = NULL;
	struct encoder *enc;
	uint64_t b0;
	unsigned f0, k0, in;
	int64_t c0, t0;

	if (!strcmp(codec, "vp8"))
		ec.codec = RTC_CODEC_VP8;
	else if (!strcmp(codec, "h264-444"))
		ec.chroma = ENCODER_CHROMA_444;
	g_mutex_init(&o.lock);
	decoder_start(&o, ec.codec == RTC_CODEC_VP8);
	enc = encoder_new(&ec, on_encoded, &o, &error);
	if (!enc) {
		fprintf(stderr, "bench: %s\n", error->message);
		exit(1);
	}
	encoder_set_idle(enc, false);
	memcpy(screen, tall, (size_t)w * 4 * h);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	run_until(g_get_monotonic_time() + 2 * G_USEC_PER_SEC); /* first frame and its refinement */

	/* idle: frames to an encoder nobody watches */
	encoder_set_idle(enc, true);
	start(&o, &b0, &f0, &k0);
	c0 = cpu_us();
	t0 = g_get_monotonic_time();
	for (in = 0; (int64_t)in * 1000 * 1000 / MAX_FPS < SCROLL_MS * 1000; in++) {
		size_t row = (size_t)(in * SCROLL_ROWS) % h;

		memcpy(screen, tall + row * w * 4, (size_t)w * 4 * h);
		f.n_damage = 0;
		f.ready_us = g_get_monotonic_time();
		encoder_push(enc, &f);
		run_until(t0 + (int64_t)(in + 1) * G_USEC_PER_SEC / MAX_FPS);
	}
	print(codec, "idle", &ec, finish(&o, b0, f0, k0, c0, t0, in));
	encoder_set_idle(enc, false);
	memcpy(screen, tall, (size_t)w * 4 * h);
	f.ready_us = g_get_monotonic_time();
	encoder_push(enc, &f);
	run_until(g_get_monotonic_time() + 1500 * 1000);

	/* typing: one cell a key, its colour flipped (a glyph drawn or erased) */
	start(&o, &b0, &f0, &k0);
	c0 = cpu_us();
	t0 = g_get_monotonic_time();
	for (in = 0; in < KEYS; in++) {
		unsigned cx = 8 * (10 + in), cy = 16 * 20;

		for (unsigned y = cy; y < cy + 16; y++) {
			for (unsigned x = cx; x < cx + 8; x++) {
				uint8_t *p = screen + ((size_t)y * w + x) * 4;

				p[0] = p[1] = p[2] = (x + y + in) % 3 ? 0xd0 : 0x20;
			}
		}
		f.n_damage = 1;
		f.damage[0] = (struct capture_rect){(int32_t)cx, (int32_t)cy, 8, 16};
		f.ready_us = g_get_monotonic_time();
		encoder_push(enc, &f);
		run_until(t0 + (int64_t)(in + 1) * KEY_MS * 1000);
	}
	print(codec, "typing", &ec, finish(&o, b0, f0, k0, c0, t0, in));

	/* scrolling: the window moves down the tall picture */
	start(&o, &b0, &f0, &k0);
	c0 = cpu_us();
	t0 = g_get_monotonic_time();
	for (in = 0; (int64_t)in * 1000 * 1000 / MAX_FPS < SCROLL_MS * 1000; in++) {
		size_t row = (size_t)(in * SCROLL_ROWS) % h;

		memcpy(screen, tall + row * w * 4, (size_t)w * 4 * h);
		f.n_damage = 0;
		f.ready_us = g_get_monotonic_time();
		encoder_push(enc, &f);
		run_until(t0 + (int64_t)(in + 1) * G_USEC_PER_SEC / MAX_FPS);
	}
	print(codec, "scrolling", &ec, finish(&o, b0, f0, k0, c0, t0, in));
	t0 = f.ready_us; /* the last picture: still from here on */

	/* still: the scrolling stops; the refinement sharpens the last picture */
	set_reference(&o, &f);
	start(&o, &b0, &f0, &k0);
	c0 = cpu_us();
	run_until(t0 + STILL_MS * 1000);
	print(codec, "still", &ec, finish(&o, b0, f0, k0, c0, t0, 0));
	run_until(g_get_monotonic_time() + 200 * 1000); /* the last ones decoded */
	print_sharpness(codec, "still", &o, t0);

	/* join: on that still screen a viewer asks for a keyframe */
	set_reference(&o, &f);
	start(&o, &b0, &f0, &k0);
	c0 = cpu_us();
	t0 = g_get_monotonic_time();
	encoder_request_keyframe(enc);
	run_until(t0 + STILL_MS * 1000);
	print(codec, "join", &ec, finish(&o, b0, f0, k0, c0, t0, 0));
	run_until(g_get_monotonic_time() + 200 * 1000);
	print_sharpness(codec, "join", &o, t0);
	encoder_free(enc);
	decoder_stop(&o);
	g_free(o.ref_y);
}

int main(int argc, char **argv)
{
	unsigned w, h;
	const char *ppm = NULL;
	int first = 2;
	static const char *const all[] = {"h264", "h264-444", "vp8"};
	g_autofree uint8_t *tall = NULL;

	if (argc < 2 || !config_parse_size(argv[1], &w, &h)) {
		fprintf(stderr, "usage: %s WIDTHxHEIGHT [PICTURE.ppm] [h264|h264-444|vp8 ...]\n",
		        argv[0]);
		return 2;
	}
	if (argc > 2 && g_str_has_suffix(argv[2], ".ppm"))
		ppm = argv[first++];
	gst_init(NULL, NULL);
	tall = load_picture(ppm, w, h);
	if (first >= argc) {
		for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
			bench(all[i], w, h, tall);
	}
	for (int i = first; i < argc; i++)
		bench(argv[i], w, h, tall);
	return 0;
}
