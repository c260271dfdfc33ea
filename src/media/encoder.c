/* GStreamer encoding, built in code: appsrc → encoder → appsink for the software encoders,
 * which take I420 that we convert ourselves where the frame changed (media/convert.c);
 * appsrc → videoconvert → I420 → encoder → appsink for the others. The appsink callback
 * hands each encoded frame straight to the caller on the streaming thread: no queue
 * between the encoder and the sockets. */
#define LOG_MODULE "encoder"
#include "media/encoder.h"

#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "util/log.h"
#include "media/appsink.h"
#include "media/convert.h"

/* The reference caps of the GstReferenceTimestampMeta that carries each frame's capture
 * time (g_get_monotonic_time, in ns) through the encoder to its output. */
#define READY_REF_CAPS "timestamp/x-wayrtc-ready"
/* Keyframes only on request (a viewer joins or loses one): x264's infinite keyint
 * (X264_KEYINT_MAX_INFINITE), and as far for the others. 600, as this was, put a
 * whole-screen keyframe (150 KB at 8 Mbit/s) every 11 s at 55 frames/s: on a link that
 * had just got slower, a second's freeze. */
#define KEYINT_MAX (1 << 30)
/* Requests from every viewer and the peers' queues come together: at most one keyframe
 * this often (each costs a big frame on every link); a request inside it is deferred. */
#define KEYFRAME_MIN_INTERVAL_US (300 * 1000)
/* One tick of the 90 kHz RTP clock, rounded up, in ns: frame times at least this far
 * apart never share an RTP timestamp. */
#define RTP_TICK_NS     (GST_SECOND / RTC_VIDEO_CLOCK + 1)
#define DEFAULT_FPS     60
#define CONVERT_THREADS 2
#define ENCODE_THREADS  2
/* libvpx's VP8 row threads wait for the row above by spinning (a loop of sched_yield,
 * vp8/common/threading.h): on two cores shared with the compositor, the browser and
 * other encodes, the waiting thread burns a core while the one it waits for is not
 * scheduled. Measured (tests/bench/codecs.c, 720p text scrolling at 60 frames/s): 50-64
 * ms of CPU a frame with two threads, and 17-55 of 180 frames encoded; 6-7 ms with one,
 * and 138-180 encoded. x264's sliced threads do not spin. */
#define VP8_THREADS 1
/* One frame waiting in appsrc at most: when the encoder falls behind, the newest wins. */
#define APPSRC_MAX_BUFFERS 1
#define BYTES_PER_PIXEL    4
/* Capture jitter allowed before pacing holds a frame back, in quarters of an interval. */
#define PACING_SLACK_QUARTERS 1
/* A frame encoded while a viewer's link is still busy with the frames before it (a
 * keyframe, a burst of change, a link that just got slower) would only wait behind them
 * and show an older picture; one encoded when the link is nearly free shows a newer one.
 * So frames wait while more than BACKLOG_SLACK_US waits to be sent (about an encode's
 * time, so the link does not idle while the next frame is made), but no longer than
 * BACKLOG_HOLD_MAX_US at a time: a queue that does not move must not stop every viewer's
 * picture (the peer's own drop policy deals with it). */
#define BACKLOG_SLACK_US    (30 * 1000)
#define BACKLOG_HOLD_MAX_US (500 * 1000)

/* x264 for desktops (docs/architecture.md, "Sharp text"): constant quality (CRF) capped by
 * a VBV at the bitrate, rather than a bitrate with a 120 ms VBV that starved every
 * keyframe of a dense screen to unreadable (19-26 dB on a full terminal). The VBV holds
 * half a second of the bitrate: a full 1280x720 terminal's keyframe (about 300 KB) fits
 * whole at the default 8 Mbit/s, and on a slow link a keyframe stays short enough to
 * cross it in half a second (the refinement below sharpens it after). zerolatency makes
 * x264 count time in frames of the nominal rate (max_fps): the VBV refills by
 * 1/max_fps of a second per frame whatever the real gap, so a desktop that sends 20
 * frames a second would get a third of the bitrate. rc_follow() gives x264 the rate and
 * buffer scaled by the real gap between frames, so the VBV runs in real time. */
#define X264_CRF     14
#define X264_VBV_MS  500
#define X264_RC_STEP 0.15 /* rescale x264's VBV only for a change of the gap this large */
#define X264_QP_MIN  0    /* x264enc's default, 10, stops the refinement early */
#define X264_QP_STEP 16   /* from a moving QP to a still one in a frame or two */

/* A cut in the bitrate (to under X264_CUT of what it was: the estimate fell because the
 * link was full) comes when the VBV is likely full, since the busy screen sent less than
 * the old rate allowed: at the new rate, x264 then spends X264_VBV_MS of the link in
 * the next few frames (measured: 35, 40 and 30 KB frames at 1.15 Mbit/s after a step
 * from 10 to 1.5 Mbit/s, 0.7 s of the link, every frame after them that much older).
 * For X264_CUT_US after a cut the VBV holds X264_VBV_CUT_MS only, which also bounds the
 * keyframe that may follow the loss. */
#define X264_VBV_CUT_MS 150
#define X264_CUT        0.8
#define X264_CUT_US     (3 * G_USEC_PER_SEC)

/* Still-screen refinement: once no new frame has come for REFINE_AFTER_MS, the last one is
 * encoded again, up to REFINE_FRAMES times, REFINE_INTERVAL_MS apart. Each repeat is a
 * P-frame of the same picture, so the encoder spends its bits on what the previous ones
 * left out: x264 gives a low-complexity frame a lower QP, and a full terminal goes from
 * 48 dB (the keyframe) to 57 dB in about ten repeats. Once REFINE_SMALL_RUN repeats in a
 * row came out under REFINE_SMALL_BYTES there is nothing left to add (a simple picture
 * gets there at once), and the fast repeats stop: each is a whole-frame encode, and
 * while someone types they would take the CPU a key's frame needs. REFINE_AFTER_MS is
 * longer than the gap between keys of a typist, for the same reason. Every viewer gets
 * the repeats (one encode), within the VBV's bitrate. */
#define REFINE_AFTER_MS    200
#define REFINE_INTERVAL_MS 33
#define REFINE_FRAMES      24
#define REFINE_SMALL_BYTES 1500
#define REFINE_SMALL_RUN   3
#define STILL_REPEAT_MS    1000

/* Degrade like a desktop: when bits are scarce, fewer frames before coarser ones. Frames go
 * at most at the bitrate over KBPS_PER_FPS per second (2 Mbit/s: 20), between FPS_FLOOR
 * and max_fps, so each frame of a busy screen keeps enough bits for legible text. */
#define KBPS_PER_FPS 100
#define FPS_FLOOR    8
/* The gap between frames as x264's rate control sees it: a moving average of the real
 * ones, each clamped to [1/max_fps, GAP_MAX_US] (a still screen's 1 s repeats must not
 * let the VBV refill for a whole second in the frame after). */
#define GAP_WEIGHT 0.25
#define GAP_MAX_US (G_USEC_PER_SEC / FPS_FLOOR)

struct candidate {
	const char *name;
	enum rtc_codec codec;
	bool hardware;
	bool i420; /* takes I420 from us; else videoconvert makes what the encoder wants */
};

/* Hardware first; within a kind, the lowest latency first. */
static const struct candidate candidates[] = {
        {"vah264lpenc", RTC_CODEC_H264, true},    {"vah264enc", RTC_CODEC_H264, true},
        {"vaapih264enc", RTC_CODEC_H264, true},   {"nvh264enc", RTC_CODEC_H264, true},
        {"v4l2h264enc", RTC_CODEC_H264, true},    {"vavp8enc", RTC_CODEC_VP8, true},
        {"x264enc", RTC_CODEC_H264, false, true}, {"openh264enc", RTC_CODEC_H264, false, true},
        {"vp8enc", RTC_CODEC_VP8, false, true},
};

struct encoder {
	/* The thread that made it: every "Main thread" call of encoder.h comes from it, and
	 * the frames, timers and keyframe state below are its alone. */
	GThread *main;
	const struct candidate *which;
	GstElement *pipeline;
	GstElement *src;
	GstElement *enc;
	encoder_output_fn output;
	int64_t (*backlog_us)(void *data);
	const struct capture_frame *(*picture)(void *data);
	void *data;
	unsigned max_fps;
	unsigned fps;         /* main thread: frames per second allowed now (the bitrate's) */
	double gap_us;        /* main thread: moving average of the gap between pushes */
	double rc_scale;      /* main thread: x264's VBV rate over the bitrate (gap × max_fps) */
	int64_t cut_until_us; /* main thread: the short VBV after a cut (X264_CUT) until then */
	guint bus_watch;
	bool idle;
	bool stale; /* frames came while idle: the kept picture is out of date */
	uint64_t conversions;
	bool own_i420; /* we convert (which->i420, unless config->videoconvert) */
	bool i444;     /* and to I444, not I420 (x264enc asked for 4:4:4) */

	/* main thread only */
	GstVideoInfo info; /* of the frames as they come: RGB, even size */
	/* I420 (or I444) path: the picture as the encoder last got it, kept between frames and
	 * converted only where the damage says; each push copies it into a buffer of the pool,
	 * since the encoder may still read the buffers it had (x264 keeps them until their output).
	 */
	GstVideoInfo i420;
	uint8_t *image;
	enum convert_matrix matrix;
	GstBufferPool *pool;
	uint32_t bad_format;    /* last fourcc refused, so the warning comes once */
	int64_t first_ready_us; /* PTS 0 */
	GstClockTime last_pts;
	int64_t last_push_us;
	GstBuffer *last;    /* the newest frame, for keyframes on a still screen */
	GstBuffer *pending; /* a frame held back by max_fps or a viewer's backlog */
	int64_t pending_ready_us;
	/* with a picture: the damage of the frames held back since the last conversion
	 * (n_damage 0 there: all of it), not yet converted; `pending` is then the picture
	 * before them */
	bool held_unconverted;
	struct capture_frame held;
	int64_t held_since_us;  /* the first frame held back for a backlog; 0: none is */
	GSource *pending_timer; /* on the thread-default context of encoder_new */
	GMainContext *context;
	GSource *refine_timer; /* on the same context */
	int64_t refine_at_us;  /* no repeat before this: a fresh frame pushes it back */
	unsigned refine_left;  /* repeats still to send of the last frame */
	unsigned refine_sent;  /* repeats sent since the last fresh frame */
	unsigned refine_small; /* of them, the last ones in a row that came out small */
	bool refinement;
	uint64_t refine_frames; /* repeats sent, for stats */

	unsigned bitrate_kbps;    /* main thread: what the encoder was last told */
	int64_t last_keyframe_us; /* main thread: the last keyframe request passed on */
	GSource *keyframe_timer;  /* a request deferred to KEYFRAME_MIN_INTERVAL */

	GstCaps *ready_ref;      /* immutable: read by both threads */
	GstClockTime pts_offset; /* streaming thread only */
	uint32_t last_rtp_ts;    /* streaming thread only */
	bool any_rtp_ts;
	gint out_bytes; /* size of the newest output: written there, read here */
};

size_t encoder_probe(struct encoder_info *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(candidates) && n < cap; i++) {
		GstElementFactory *f = gst_element_factory_find(candidates[i].name);

		if (!f)
			continue;
		gst_object_unref(f);
		out[n++] = (struct encoder_info){candidates[i].name, candidates[i].codec,
		                                 candidates[i].hardware};
	}
	return n;
}

static const struct candidate *choose(const struct encoder_config *config, GError **error)
{
	bool any = !config->name || !strcmp(config->name, "auto");

	for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
		const struct candidate *c = &candidates[i];
		GstElementFactory *f;

		if (any ? c->codec != config->codec : strcmp(c->name, config->name))
			continue;
		f = gst_element_factory_find(c->name);
		if (!f)
			continue;
		gst_object_unref(f);
		if (c->codec != config->codec) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			            "the encoder %s makes %s, not %s", c->name,
			            rtc_codec_name(c->codec), rtc_codec_name(config->codec));
			return NULL;
		}
		return c;
	}
	if (any)
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "no %s encoder found; install gstreamer1.0-plugins-ugly (x264) or "
		            "choose --codec=vp8",
		            rtc_codec_name(config->codec));
	else
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "the encoder “%s” is not installed or unknown (see “wayrtc encoders”)",
		            config->name);
	return NULL;
}

/* Lowest latency settings: no B-frames, no lookahead, keyframes on request. */
static void configure(GstElement *enc, const char *name, const struct encoder_config *config)
{
	unsigned kbps = config->bitrate_kbps;

	if (!strcmp(name, "x264enc")) {
		gst_util_set_object_arg(G_OBJECT(enc), "tune", "zerolatency");
		gst_util_set_object_arg(G_OBJECT(enc), "speed-preset", "ultrafast");
		gst_util_set_object_arg(G_OBJECT(enc), "pass", "qual");
		/* in "qual", bitrate is the VBV's maximum rate */
		g_object_set(enc, "quantizer", X264_CRF, "bitrate", kbps, "vbv-buf-capacity",
		             X264_VBV_MS, "qp-min", X264_QP_MIN, "qp-step", X264_QP_STEP,
		             "key-int-max", KEYINT_MAX, "bframes", 0, "b-adapt", FALSE,
		             "byte-stream", TRUE, "aud", FALSE, "threads", ENCODE_THREADS,
		             "sliced-threads", TRUE, "rc-lookahead", 0, "sync-lookahead", 0, NULL);
	} else if (!strcmp(name, "openh264enc")) {
		gst_util_set_object_arg(G_OBJECT(enc), "complexity", "low");
		gst_util_set_object_arg(G_OBJECT(enc), "rate-control", "bitrate");
		g_object_set(enc, "bitrate", kbps * 1000, "gop-size", KEYINT_MAX, NULL);
	} else if (!strcmp(name, "vp8enc")) {
		gst_util_set_object_arg(G_OBJECT(enc), "end-usage", "cbr");
		g_object_set(enc, "deadline", (gint64)1, "cpu-used", 16, "lag-in-frames", 0,
		             "keyframe-max-dist", KEYINT_MAX, "target-bitrate", (int)(kbps * 1000),
		             "threads", VP8_THREADS, NULL);
		gst_util_set_object_arg(G_OBJECT(enc), "error-resilient", "default");
	} else if (g_object_class_find_property(G_OBJECT_GET_CLASS(enc), "bitrate")) {
		g_object_set(enc, "bitrate", kbps, NULL);
	}
}

static void on_encoded(void *data, GstBuffer *buf, const uint8_t *bytes, size_t len)
{
	struct encoder *e = data;
	GstClockTime pts = GST_BUFFER_PTS(buf);
	GstReferenceTimestampMeta *meta =
	        gst_buffer_get_reference_timestamp_meta(buf, e->ready_ref);
	int64_t ready_us = meta ? (int64_t)(meta->timestamp / GST_USECOND) : 0;
	bool key = !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
	uint32_t rtp_ts;

	/* Some encoders shift every timestamp by a constant (x264enc by 1000 hours, to
	 * keep DTS positive), and the first input may have been dropped by appsrc: the
	 * first output is the origin; RTP only needs the differences. */
	if (e->pts_offset == GST_CLOCK_TIME_NONE)
		e->pts_offset = pts;
	pts -= e->pts_offset;
	rtp_ts = (uint32_t)gst_util_uint64_scale(pts, RTC_VIDEO_CLOCK, GST_SECOND);
	/* two frames never share a timestamp (RFC 3550: one per frame), whatever an
	 * encoder does to PTS */
	if (e->any_rtp_ts && (int32_t)(rtp_ts - e->last_rtp_ts) <= 0)
		rtp_ts = e->last_rtp_ts + 1;
	e->last_rtp_ts = rtp_ts;
	e->any_rtp_ts = true;
	if (key)
		log_debug("keyframe, %zu bytes", len);
	g_atomic_int_set(&e->out_bytes, (gint)MIN(len, (gsize)G_MAXINT));
	e->output(e->data, bytes, len, key, rtp_ts, ready_us);
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *debug = NULL;

	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_ERROR:
		gst_message_parse_error(msg, &err, &debug);
		log_error("%s (%s)", err->message, debug ? debug : "");
		break;
	case GST_MESSAGE_WARNING:
		gst_message_parse_warning(msg, &err, &debug);
		log_warn("%s", err->message);
		break;
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

static unsigned fps_for(const struct encoder *e, unsigned kbps)
{
	return CLAMP(kbps / KBPS_PER_FPS, MIN(FPS_FLOOR, e->max_fps), e->max_fps);
}

/* x264 only (zerolatency counts frames at max_fps, see X264_VBV_MS): its VBV rate is the
 * bitrate times max_fps × the real gap between frames, and its length the VBV's time over
 * the same factor, so the buffer holds X264_VBV_MS of the bitrate and refills in real
 * time. Each change is an x264_encoder_reconfig before the next frame (no keyframe). */
static void rc_apply(struct encoder *e)
{
	double scale = e->rc_scale;
	double vbv_ms = e->cut_until_us ? X264_VBV_CUT_MS : X264_VBV_MS;

	if (strcmp(e->which->name, "x264enc"))
		return;
	g_object_set(e->enc, "bitrate", (guint)(e->bitrate_kbps * scale + 0.5), "vbv-buf-capacity",
	             (guint)MAX(vbv_ms / scale, 1.0), NULL);
}

static void rc_follow(struct encoder *e, int64_t gap_us)
{
	double min_gap = (double)G_USEC_PER_SEC / e->max_fps;
	double scale;

	e->gap_us += GAP_WEIGHT * (CLAMP((double)gap_us, min_gap, GAP_MAX_US) - e->gap_us);
	scale = e->gap_us / min_gap;
	if (fabs(scale - e->rc_scale) > X264_RC_STEP * e->rc_scale) {
		e->rc_scale = scale;
		rc_apply(e);
	}
}

struct encoder *encoder_new(const struct encoder_config *config, encoder_output_fn output,
                            void *data, GError **error)
{
	const struct candidate *which = choose(config, error);
	GstElement *convert = NULL, *filter = NULL, *parse_filter, *sink;
	g_autoptr(GstCaps) raw = NULL;
	g_autoptr(GstCaps) coded = NULL;
	GstBus *bus;
	struct encoder *e;
	bool linked;

	if (!which)
		return NULL;
	e = g_new0(struct encoder, 1);
	e->main = g_thread_self();
	e->which = which;
	e->own_i420 = which->i420 && !config->videoconvert;
	/* 4:4:4 from our own conversion into x264 only: the other encoders here take 4:2:0 */
	e->i444 = config->chroma == ENCODER_CHROMA_444 && e->own_i420 &&
	          !strcmp(which->name, "x264enc");
	if (config->chroma == ENCODER_CHROMA_444 && !e->i444)
		log_info("%s: 4:4:4 asked, but it makes 4:2:0 here", which->name);
	e->output = output;
	e->backlog_us = config->backlog_us;
	e->picture = config->picture;
	e->data = data;
	e->max_fps = config->max_fps ? config->max_fps : DEFAULT_FPS;
	e->bitrate_kbps = config->bitrate_kbps;
	e->fps = fps_for(e, e->bitrate_kbps);
	e->gap_us = (double)G_USEC_PER_SEC / e->max_fps;
	e->rc_scale = 1;
	e->refinement = !config->no_refinement;
	e->first_ready_us = -1;
	e->last_pts = GST_CLOCK_TIME_NONE;
	e->pts_offset = GST_CLOCK_TIME_NONE;
	e->last_keyframe_us = G_MININT64 / 2;
	e->ready_ref = gst_caps_new_empty_simple(READY_REF_CAPS);
	e->context = g_main_context_ref_thread_default();

	e->pipeline = gst_pipeline_new("encode");
	e->src = gst_element_factory_make("appsrc", "src");
	if (!e->own_i420) {
		convert = gst_element_factory_make("videoconvert", NULL);
		filter = gst_element_factory_make("capsfilter", NULL);
	}
	e->enc = gst_element_factory_make(which->name, "enc");
	parse_filter = gst_element_factory_make("capsfilter", NULL);
	sink = gst_element_factory_make("appsink", "sink");
	if (!e->src || (!e->own_i420 && (!convert || !filter)) || !e->enc || !parse_filter ||
	    !sink) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "GStreamer is missing appsrc, videoconvert or appsink "
		            "(gstreamer1.0-plugins-base)");
		goto fail;
	}
	g_object_set(e->src, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp", FALSE,
	             "max-buffers", (guint64)APPSRC_MAX_BUFFERS, NULL);
	gst_util_set_object_arg(G_OBJECT(e->src), "leaky-type", "downstream");
	if (convert) {
		g_object_set(convert, "n-threads", CONVERT_THREADS, NULL);
		raw = gst_caps_from_string("video/x-raw,format=I420");
		g_object_set(filter, "caps", raw, NULL);
	}
	configure(e->enc, which->name, config);
	coded = gst_caps_from_string(which->codec != RTC_CODEC_H264 ? "video/x-vp8"
	                             : e->i444 ? "video/x-h264,stream-format=byte-stream,"
	                                         "alignment=au,profile=high-4:4:4"
	                                       : "video/x-h264,stream-format=byte-stream,"
	                                         "alignment=au,profile=constrained-baseline");
	g_object_set(parse_filter, "caps", coded, NULL);
	g_object_set(sink, "sync", FALSE, "max-buffers", 1, "drop", FALSE, "emit-signals", FALSE,
	             NULL);
	appsink_set_output(sink, on_encoded, e);
	if (convert) {
		gst_bin_add_many(GST_BIN(e->pipeline), e->src, convert, filter, e->enc,
		                 parse_filter, sink, NULL);
		linked = gst_element_link_many(e->src, convert, filter, e->enc, parse_filter, sink,
		                               NULL);
	} else {
		gst_bin_add_many(GST_BIN(e->pipeline), e->src, e->enc, parse_filter, sink, NULL);
		linked = gst_element_link_many(e->src, e->enc, parse_filter, sink, NULL);
	}
	if (!linked) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot build the %s pipeline",
		            which->name);
		goto fail_built;
	}
	bus = gst_element_get_bus(e->pipeline);
	e->bus_watch = gst_bus_add_watch(bus, on_bus, e);
	gst_object_unref(bus);
	if (gst_element_set_state(e->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start %s", which->name);
		goto fail_built;
	}
	log_info("%s: %s", which->name,
	         e->i444       ? "I444 (4:4:4) converted here, only where frames changed"
	         : e->own_i420 ? "I420 converted here, only where frames changed"
	                       : "videoconvert converts each whole frame");
	return e;
fail:
	g_clear_object(&e->src);
	g_clear_object(&convert);
	g_clear_object(&filter);
	g_clear_object(&e->enc);
	g_clear_object(&parse_filter);
	g_clear_object(&sink);
fail_built:
	encoder_free(e);
	return NULL;
}

void encoder_free(struct encoder *e)
{
	if (!e)
		return;
	if (e->pending_timer) {
		g_source_destroy(e->pending_timer);
		g_source_unref(e->pending_timer);
	}
	if (e->keyframe_timer) {
		g_source_destroy(e->keyframe_timer);
		g_source_unref(e->keyframe_timer);
	}
	if (e->refine_timer) {
		g_source_destroy(e->refine_timer);
		g_source_unref(e->refine_timer);
	}
	if (e->bus_watch)
		g_source_remove(e->bus_watch);
	if (e->pipeline) {
		gst_element_set_state(e->pipeline, GST_STATE_NULL);
		gst_object_unref(e->pipeline);
	}
	gst_clear_buffer(&e->last);
	gst_clear_buffer(&e->pending);
	if (e->pool) {
		gst_buffer_pool_set_active(e->pool, FALSE);
		gst_object_unref(e->pool);
	}
	g_free(e->image);
	gst_clear_caps(&e->ready_ref);
	g_main_context_unref(e->context);
	g_free(e);
}

const char *encoder_get_name(struct encoder *e)
{
	return e->which->name;
}

enum encoder_chroma encoder_get_chroma(struct encoder *e)
{
	return e->i444 ? ENCODER_CHROMA_444 : ENCODER_CHROMA_420;
}

static void refine_arm(struct encoder *e, int64_t delay_us);

/* PTS is the capture time relative to the first frame, kept strictly increasing (a
 * repeated frame for a keyframe or a refinement carries the time it was sent). A fresh
 * picture (or a keyframe) starts the still-screen refinement over. */
static void push(struct encoder *e, GstBuffer *frame, int64_t ready_us, bool fresh)
{
	GstBuffer *buf = gst_buffer_copy(frame); /* shares memory, own timestamps */
	int64_t now = g_get_monotonic_time();
	GstClockTime pts;

	if (ready_us <= 0 || ready_us > now)
		ready_us = now;
	if (e->first_ready_us < 0)
		e->first_ready_us = ready_us;
	pts = (GstClockTime)MAX(ready_us - e->first_ready_us, 0) * GST_USECOND;
	/* a repeated frame right after its original: one RTP tick on, not 1 µs, which would
	 * round to the same 90 kHz timestamp */
	if (GST_CLOCK_TIME_IS_VALID(e->last_pts) && pts < e->last_pts + RTP_TICK_NS)
		pts = e->last_pts + RTP_TICK_NS;
	e->last_pts = pts;
	GST_BUFFER_PTS(buf) = pts;
	GST_BUFFER_DURATION(buf) = GST_CLOCK_TIME_NONE;
	gst_buffer_add_reference_timestamp_meta(
	        buf, e->ready_ref, (GstClockTime)ready_us * GST_USECOND, GST_CLOCK_TIME_NONE);
	if (e->cut_until_us && now >= e->cut_until_us) {
		e->cut_until_us = 0;
		rc_apply(e);
	}
	if (e->last_push_us)
		rc_follow(e, now - e->last_push_us);
	e->last_push_us = now;
	e->held_since_us = 0;
	gst_app_src_push_buffer(GST_APP_SRC(e->src), buf);
	if (fresh && e->refinement) {
		e->refine_left = REFINE_FRAMES;
		e->refine_sent = 0;
		e->refine_small = 0;
		e->refine_at_us = now + REFINE_AFTER_MS * 1000;
		refine_arm(e, REFINE_AFTER_MS * 1000);
	}
}

/* How much longer a frame must wait for the viewers' backlog (BACKLOG_SLACK_US). */
static int64_t backlog_wait(struct encoder *e, int64_t now)
{
	int64_t wait = e->backlog_us ? e->backlog_us(e->data) - BACKLOG_SLACK_US : 0;

	if (wait <= 0) {
		e->held_since_us = 0;
		return 0;
	}
	if (!e->held_since_us)
		e->held_since_us = now;
	return MIN(wait, e->held_since_us + BACKLOG_HOLD_MAX_US - now);
}

static gboolean refine(void *data)
{
	struct encoder *e = data;
	int64_t now = g_get_monotonic_time(), wait;

	g_clear_pointer(&e->refine_timer, g_source_unref);
	/* a frame is waiting for its turn, or nobody watches: that frame (or the first
	 * viewer's keyframe) starts a refinement of its own */
	if (e->idle || e->pending || !e->last || !e->refine_left)
		return G_SOURCE_REMOVE;
	if (now < e->refine_at_us) {
		refine_arm(e, e->refine_at_us - now);
		return G_SOURCE_REMOVE;
	}
	/* a repeat waits for a busy link like any frame (BACKLOG_SLACK_US) */
	wait = backlog_wait(e, now);
	if (wait > 0) {
		refine_arm(e, wait);
		return G_SOURCE_REMOVE;
	}
	/* how the previous repeat came out (33 ms is long enough to have encoded it) */
	if (e->refine_left > 1 && e->refine_sent > 0) {
		/* 4:4:4 has twice the samples of 4:2:0 to refine: small is twice as much */
		if ((unsigned)g_atomic_int_get(&e->out_bytes) <
		    REFINE_SMALL_BYTES * (e->i444 ? 2u : 1u))
			e->refine_small++;
		else
			e->refine_small = 0;
		if (e->refine_small >= REFINE_SMALL_RUN) {
			e->refine_left = 1; /* converged: only the slow repeats from now on */
			refine_arm(e, STILL_REPEAT_MS * 1000);
			return G_SOURCE_REMOVE;
		}
	}
	if (e->refine_left > 1)
		e->refine_left--; /* the last one repeats for ever, STILL_REPEAT_MS apart */
	e->refine_sent++;
	e->refine_frames++;
	push(e, e->last, now, false);
	refine_arm(e, (e->refine_left > 1 ? REFINE_INTERVAL_MS : STILL_REPEAT_MS) * 1000);
	return G_SOURCE_REMOVE;
}

/* One timer at most: while it runs, a fresh frame only moves refine_at_us. */
static void refine_arm(struct encoder *e, int64_t delay_us)
{
	if (e->refine_timer)
		return;
	e->refine_timer = g_timeout_source_new(MAX(1, (guint)((delay_us + 999) / 1000)));
	g_source_set_callback(e->refine_timer, refine, e, NULL);
	g_source_attach(e->refine_timer, e->context);
}

static bool take_held(struct encoder *e);

static void push_pending_now(struct encoder *e)
{
	if (e->pending_timer) {
		g_source_destroy(e->pending_timer);
		g_clear_pointer(&e->pending_timer, g_source_unref);
	}
	if (e->held_unconverted) {
		gst_clear_buffer(&e->pending);
		if (!take_held(e))
			return;
		e->pending = gst_buffer_ref(e->last);
	}
	push(e, e->pending, e->pending_ready_us, true);
	gst_clear_buffer(&e->pending);
}

static void hold_pending(struct encoder *e, int64_t wait);

static gboolean push_pending(void *data)
{
	struct encoder *e = data;
	int64_t wait;

	g_clear_pointer(&e->pending_timer, g_source_unref);
	if (!e->pending)
		return G_SOURCE_REMOVE;
	wait = backlog_wait(e, g_get_monotonic_time());
	if (wait > 0)
		hold_pending(e, wait);
	else
		push_pending_now(e);
	return G_SOURCE_REMOVE;
}

static void hold_pending(struct encoder *e, int64_t wait)
{
	if (e->pending_timer)
		return;
	e->pending_timer = g_timeout_source_new(MAX(1, (guint)(wait / 1000)));
	g_source_set_callback(e->pending_timer, push_pending, e, NULL);
	g_source_attach(e->pending_timer, e->context);
}

static GstVideoFormat video_format(uint32_t drm_format)
{
	switch (drm_format) {
	case DRM_FORMAT_XRGB8888:
		return GST_VIDEO_FORMAT_BGRx;
	case DRM_FORMAT_ARGB8888:
		return GST_VIDEO_FORMAT_BGRA;
	case DRM_FORMAT_XBGR8888:
		return GST_VIDEO_FORMAT_RGBx;
	case DRM_FORMAT_ABGR8888:
		return GST_VIDEO_FORMAT_RGBA;
	default:
		return GST_VIDEO_FORMAT_UNKNOWN;
	}
}

/* x264 needs even sizes: the frame is copied to an even-sized, tightly packed buffer
 * (dropping the odd last row or column), flipped if the compositor says so. */
static GstBuffer *copy_frame(struct encoder *e, const struct capture_frame *f, GstVideoFormat fmt)
{
	unsigned w = f->width & ~1u, h = f->height & ~1u;
	size_t row = (size_t)w * BYTES_PER_PIXEL;
	GstBuffer *buf;
	GstMapInfo map;

	if (w != (unsigned)GST_VIDEO_INFO_WIDTH(&e->info) ||
	    h != (unsigned)GST_VIDEO_INFO_HEIGHT(&e->info) ||
	    fmt != GST_VIDEO_INFO_FORMAT(&e->info)) {
		g_autoptr(GstCaps) caps = NULL;

		gst_video_info_set_format(&e->info, fmt, w, h);
		/* A nominal rate, though frames come only on change: with 0/1 (variable)
		 * x264 holds every frame back until the next one arrives. */
		GST_VIDEO_INFO_FPS_N(&e->info) = (int)e->max_fps;
		GST_VIDEO_INFO_FPS_D(&e->info) = 1;
		caps = gst_video_info_to_caps(&e->info);
		gst_app_src_set_caps(GST_APP_SRC(e->src), caps);
	}
	buf = gst_buffer_new_allocate(NULL, row * h, NULL);
	if (!buf || !gst_buffer_map(buf, &map, GST_MAP_WRITE)) {
		gst_clear_buffer(&buf);
		return NULL;
	}
	for (unsigned y = 0; y < h; y++) {
		unsigned sy = f->y_invert ? f->height - 1 - y : y;

		memcpy(map.data + (size_t)y * row, f->data + (size_t)sy * f->stride, row);
	}
	gst_buffer_unmap(buf, &map);
	return buf;
}

/* A new size or format: the appsrc caps, the kept picture and its pool follow. On failure
 * there is no kept picture, so the next frame tries again. */
static bool i420_setup(struct encoder *e, unsigned w, unsigned h, GstVideoFormat fmt)
{
	g_autoptr(GstCaps) caps = NULL;
	GstStructure *config;

	g_clear_pointer(&e->image, g_free);
	gst_video_info_set_format(&e->info, fmt, w, h);
	GST_VIDEO_INFO_FPS_N(&e->info) = (int)e->max_fps;
	GST_VIDEO_INFO_FPS_D(&e->info) = 1;
	caps = e->i444 ? convert_i444_caps(&e->info, &e->matrix)
	               : convert_i420_caps(&e->info, &e->matrix);
	if (!gst_video_info_from_caps(&e->i420, caps))
		return false;
	if (e->pool) {
		gst_buffer_pool_set_active(e->pool, FALSE); /* buffers out are freed on return */
		gst_object_unref(e->pool);
	}
	e->pool = gst_buffer_pool_new();
	config = gst_buffer_pool_get_config(e->pool);
	/* no upper bound: e->last and e->pending hold buffers beside the encoder's */
	gst_buffer_pool_config_set_params(config, caps, (guint)GST_VIDEO_INFO_SIZE(&e->i420), 2, 0);
	if (!gst_buffer_pool_set_config(e->pool, config) ||
	    !gst_buffer_pool_set_active(e->pool, TRUE)) {
		gst_clear_object(&e->pool);
		return false;
	}
	e->image = g_malloc0(GST_VIDEO_INFO_SIZE(&e->i420));
	gst_app_src_set_caps(GST_APP_SRC(e->src), caps);
	return true;
}

/* The frame's damage converted into the kept picture, and the picture in a fresh buffer.
 * The odd last row or column is dropped, as copy_frame does. */
static GstBuffer *convert_frame(struct encoder *e, const struct capture_frame *f,
                                GstVideoFormat fmt)
{
	unsigned w = f->width & ~1u, h = f->height & ~1u;
	struct convert_source src = {
	        .data = f->data,
	        .len = (size_t)(f->height - 1) * f->stride + (size_t)f->width * BYTES_PER_PIXEL,
	        .width = f->width,
	        .height = f->height,
	        .stride = f->stride,
	        .format = f->format,
	        .y_invert = f->y_invert,
	};
	struct convert_i420 dst;
	struct capture_rect all = {0, 0, w, h};
	/* damage of a y-inverted buffer: which rows it names is not pinned down; all of it */
	bool whole = f->n_damage == 0 || f->y_invert;
	GstBuffer *buf = NULL;
	GstMapInfo map;

	if (!e->image || w != (unsigned)GST_VIDEO_INFO_WIDTH(&e->info) ||
	    h != (unsigned)GST_VIDEO_INFO_HEIGHT(&e->info) ||
	    fmt != GST_VIDEO_INFO_FORMAT(&e->info)) {
		if (!i420_setup(e, w, h, fmt))
			return NULL;
		whole = true;
	}
	dst = (struct convert_i420){
	        .y = e->image + GST_VIDEO_INFO_PLANE_OFFSET(&e->i420, 0),
	        .u = e->image + GST_VIDEO_INFO_PLANE_OFFSET(&e->i420, 1),
	        .v = e->image + GST_VIDEO_INFO_PLANE_OFFSET(&e->i420, 2),
	        .width = w,
	        .height = h,
	        .y_stride = (uint32_t)GST_VIDEO_INFO_PLANE_STRIDE(&e->i420, 0),
	        .uv_stride = (uint32_t)GST_VIDEO_INFO_PLANE_STRIDE(&e->i420, 1),
	        .i444 = e->i444,
	};
	for (size_t i = 0; i < (whole ? 1 : MIN(f->n_damage, CAPTURE_MAX_DAMAGE)); i++) {
		if (!convert_rect(&dst, &src, e->matrix, whole ? &all : &f->damage[i])) {
			/* the kept picture may be half updated: start again from a whole one */
			g_clear_pointer(&e->image, g_free);
			return NULL;
		}
	}
	if (gst_buffer_pool_acquire_buffer(e->pool, &buf, NULL) != GST_FLOW_OK)
		return NULL;
	if (!gst_buffer_map(buf, &map, GST_MAP_WRITE)) {
		gst_buffer_unref(buf);
		return NULL;
	}
	memcpy(map.data, e->image, GST_VIDEO_INFO_SIZE(&e->i420));
	gst_buffer_unmap(buf, &map);
	return buf;
}

/* The frame's pixel format, UNKNOWN for one we cannot take (said once). */
static GstVideoFormat frame_format(struct encoder *e, const struct capture_frame *frame)
{
	GstVideoFormat fmt = video_format(frame->format);

	if (frame->width < 2 || frame->height < 2 || !frame->data ||
	    frame->stride / BYTES_PER_PIXEL < frame->width)
		return GST_VIDEO_FORMAT_UNKNOWN;
	if (fmt == GST_VIDEO_FORMAT_UNKNOWN) {
		if (e->bad_format != frame->format)
			log_warn("cannot encode frames in pixel format %08x", frame->format);
		e->bad_format = frame->format;
	}
	return fmt;
}

/* The frame into the kept picture (its damage, or all of it after frames were missed)
 * and into e->last, the picture the next push sends. */
static bool take(struct encoder *e, const struct capture_frame *frame, GstVideoFormat fmt)
{
	struct capture_frame whole;
	GstBuffer *copy;

	if (e->stale && frame->n_damage) {
		whole = *frame;
		whole.n_damage = 0;
		frame = &whole;
	}
	copy = e->own_i420 ? convert_frame(e, frame, fmt) : copy_frame(e, frame, fmt);
	if (!copy)
		return false;
	e->stale = false;
	e->conversions++;
	gst_clear_buffer(&e->last);
	e->last = copy;
	return true;
}

/* A frame that waits with e->picture: its damage joins the held frames' (all of it for a
 * whole or y-inverted frame, or one of another size). */
static void hold_damage(struct encoder *e, const struct capture_frame *frame)
{
	struct capture_frame *h = &e->held;
	/* all of it already, or all of it now */
	bool whole = frame->n_damage == 0 || frame->y_invert ||
	             (e->held_unconverted &&
	              (h->n_damage == 0 || h->width != frame->width || h->height != frame->height));

	if (!e->held_unconverted)
		*h = (struct capture_frame){.width = frame->width, .height = frame->height};
	e->held_unconverted = true;
	if (whole) {
		h->n_damage = 0;
		return;
	}
	for (size_t i = 0; i < MIN(frame->n_damage, CAPTURE_MAX_DAMAGE); i++) {
		const struct capture_rect *r = &frame->damage[i];

		capture_frame_add_damage(h, (uint32_t)r->x, (uint32_t)r->y, r->width, r->height);
	}
}

/* The held frames, converted now from e->picture: their damage, or all of it. */
static bool take_held(struct encoder *e)
{
	const struct capture_frame *pic = e->picture(e->data);
	struct capture_frame f;
	GstVideoFormat fmt;

	e->held_unconverted = false;
	if (!pic || !pic->data)
		return false;
	f = *pic;
	f.n_damage = 0;
	if (f.width == e->held.width && f.height == e->held.height) {
		f.n_damage = e->held.n_damage;
		memcpy(f.damage, e->held.damage, sizeof(f.damage));
	}
	fmt = frame_format(e, &f);
	return fmt != GST_VIDEO_FORMAT_UNKNOWN && take(e, &f, fmt);
}

void encoder_push(struct encoder *e, const struct capture_frame *frame)
{
	/* a frame a little early (capture jitter) goes at once: holding it back would add up
	 * to a whole frame of latency at exactly the rate we allow */
	int64_t interval = G_USEC_PER_SEC * (4 - PACING_SLACK_QUARTERS) / 4 / e->fps;
	GstVideoFormat fmt = frame_format(e, frame);
	int64_t now, wait;

	g_assert(g_thread_self() == e->main);
	if (fmt == GST_VIDEO_FORMAT_UNKNOWN)
		return;
	/* nothing changed: the last frame stands (and stays the one a keyframe repeats) */
	if (!capture_frame_changed(frame))
		return;
	/* nobody watches: not even converted (encoder_set_picture catches up on waking) */
	if (e->idle) {
		e->stale = true;
		return;
	}
	now = g_get_monotonic_time();
	wait = MAX(e->last_push_us + interval - now, backlog_wait(e, now));
	if (wait > 0 && e->picture && e->last) {
		/* too soon, or the link is busy: the newest goes when it is time, converted
		 * then from the picture, with every held frame's damage */
		hold_damage(e, frame);
		if (!e->pending)
			e->pending = gst_buffer_ref(e->last);
		e->pending_ready_us = frame->ready_us;
		hold_pending(e, wait);
		return;
	}
	if (e->held_unconverted) {
		/* frames waited and this one may go: the picture has them all, and it */
		hold_damage(e, frame);
		if (!take_held(e))
			return;
	} else if (!take(e, frame, fmt)) {
		return;
	}
	if (wait > 0) {
		/* too soon, or the link is busy: keep the newest and send it when it is time */
		gst_clear_buffer(&e->pending);
		e->pending = gst_buffer_ref(e->last);
		e->pending_ready_us = frame->ready_us;
		hold_pending(e, wait);
		return;
	}
	/* one held before it, whose timer has not run yet, is older: it must not follow */
	gst_clear_buffer(&e->pending);
	push(e, e->last, frame->ready_us, true);
}

void encoder_set_idle(struct encoder *e, bool idle)
{
	g_assert(g_thread_self() == e->main);
	e->idle = idle;
	/* a frame held back for pacing would go out to nobody, or stale to the first viewer */
	if (idle) {
		gst_clear_buffer(&e->pending);
		e->held_since_us = 0;
		/* the held damage is not converted: the next frame goes whole */
		if (e->held_unconverted)
			e->stale = true;
		e->held_unconverted = false;
	}
}

void encoder_set_picture(struct encoder *e, const struct capture_frame *frame)
{
	GstVideoFormat fmt = frame_format(e, frame);
	struct capture_frame whole = *frame;

	if (fmt == GST_VIDEO_FORMAT_UNKNOWN)
		return;
	whole.n_damage = 0;
	take(e, &whole, fmt);
}

uint64_t encoder_get_conversions(struct encoder *e)
{
	return e->conversions;
}

static void force_keyframe(struct encoder *e);

static gboolean keyframe_due(void *data)
{
	struct encoder *e = data;

	g_clear_pointer(&e->keyframe_timer, g_source_unref);
	force_keyframe(e);
	return G_SOURCE_REMOVE;
}

void encoder_request_keyframe(struct encoder *e)
{
	int64_t now = g_get_monotonic_time(), wait;

	g_assert(g_thread_self() == e->main);
	if (e->keyframe_timer)
		return; /* one is coming */
	wait = e->last_keyframe_us + KEYFRAME_MIN_INTERVAL_US - now;
	if (wait <= 0) {
		force_keyframe(e);
		return;
	}
	/* deferred, not dropped: a viewer that just joined still needs it */
	e->keyframe_timer = g_timeout_source_new(MAX(1, (guint)(wait / 1000)));
	g_source_set_callback(e->keyframe_timer, keyframe_due, e, NULL);
	g_source_attach(e->keyframe_timer, e->context);
}

static void force_keyframe(struct encoder *e)
{
	GstPad *pad = gst_element_get_static_pad(e->enc, "src");

	e->last_keyframe_us = g_get_monotonic_time();
	gst_pad_send_event(
	        pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
	gst_object_unref(pad);
	/* a frame held back goes now (whoever asked sees nothing until it comes); a still
	 * screen sends no frames: encode the last one again */
	if (e->pending)
		push_pending_now(e);
	else if (e->last)
		push(e, e->last, g_get_monotonic_time(), true);
}

void encoder_set_bitrate(struct encoder *e, unsigned kbps)
{
	const char *name = e->which->name;

	g_assert(g_thread_self() == e->main);
	if (!kbps || kbps == e->bitrate_kbps)
		return;
	if (kbps < X264_CUT * e->bitrate_kbps)
		e->cut_until_us = g_get_monotonic_time() + X264_CUT_US;
	e->bitrate_kbps = kbps;
	e->fps = fps_for(e, kbps);
	/* each of these takes a new rate while playing (x264enc: the VBV's rate, which
	 * also bounds the keyframes and the refinement) */
	if (!strcmp(name, "x264enc"))
		rc_apply(e);
	else if (!strcmp(name, "openh264enc"))
		g_object_set(e->enc, "bitrate", kbps * 1000, NULL);
	else if (!strcmp(name, "vp8enc"))
		g_object_set(e->enc, "target-bitrate", (int)(kbps * 1000), NULL);
	else if (g_object_class_find_property(G_OBJECT_GET_CLASS(e->enc), "bitrate"))
		g_object_set(e->enc, "bitrate", kbps, NULL);
}

unsigned encoder_get_bitrate(struct encoder *e)
{
	return e->bitrate_kbps;
}

uint64_t encoder_get_refinements(struct encoder *e)
{
	return e->refine_frames;
}
