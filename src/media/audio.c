/* Desktop sound: a pw_stream that captures the default sink's monitor (stream.capture.sink,
 * which PipeWire 0.3.65 and WirePlumber 0.4 honour by linking to the default sink), on a
 * pw_loop of our own polled on the thread-default context (media/pwloop.h), so every
 * PipeWire callback runs on the main loop. Its S16 samples go into appsrc with timestamps
 * counted from the samples themselves; opusenc's packets leave on its streaming thread.
 * Nothing here can stop the video: every failure ends only the sound, with one line. */
#define LOG_MODULE "audio"
#include "media/audio.h"

#include <errno.h>
#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <string.h>
#include <sys/stat.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/utils/result.h>

#include "media/appsink.h"
#include "media/pwloop.h"
#include "util/log.h"

#define BYTES_PER_FRAME (AUDIO_CHANNELS * 2) /* S16 interleaved */
/* The quantum we ask the graph for: one Opus frame, so a packet waits for no more than
 * its own 10 ms of samples (PipeWire's default, 1024, would add up to 21 ms). */
#define NODE_LATENCY "480/48000"
/* Samples waiting in appsrc before the oldest are dropped (the encoder fell behind): 100 ms.
 * A live source must not build up delay. */
#define APPSRC_MAX_BYTES   (AUDIO_RATE / 10 * BYTES_PER_FRAME)
#define PARAMS_SIZE        1024
#define CLOSING_WAIT_MS    1000 /* a stopped stream that never gets linked */
#define SAMPLES_PER_PACKET (AUDIO_RATE * AUDIO_FRAME_MS / 1000) /* frame-size is fixed */

struct audio {
	audio_output_fn output;
	void *data;
	GMainContext *context;

	GstElement *pipeline;
	GstElement *src;
	guint bus_watch;
	/* Added to every RTP timestamp (RFC 3550: a random start); immutable after _new. */
	uint32_t ts_offset;
	int64_t epoch_us; /* monotonic time of RTP timestamp ts_offset */
	/* The first packet after a start takes start_ts; each next one 10 ms more, counted
	 * here: opusenc's own timestamps and durations take its lookahead (2.5 ms) off the
	 * first packet, though every packet holds 10 ms.
	 * start_ts is written while the pipeline is stopped, next_ts only by its thread. */
	uint32_t start_ts;
	gint restarted; /* atomic: the next packet is the first of a start */
	uint32_t next_ts;

	/* main thread only */
	struct pwloop *loop;
	struct pw_context *pw_context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_stream *stream;
	struct spa_hook stream_listener;
	bool active;
	bool broken;         /* PipeWire went away or failed: no more sound this run */
	bool drop_stream;    /* the stream failed inside a callback: destroyed after it */
	bool stream_closing; /* stopped while connecting: destroyed once it settles */
	GSource *closing_timer;
	uint64_t next_sample; /* of the next buffer pushed, since epoch_us */
	struct audio_stats stats;
	gint packets; /* streaming thread, atomic */
};

static void stop_stream(struct audio *a);

static void fail(struct audio *a, const char *reason)
{
	if (a->broken)
		return;
	a->broken = true;
	a->drop_stream = true;
	log_warn("the desktop's sound is no longer shared: %s", reason);
}

static void on_packet(void *data, GstBuffer *buf, const uint8_t *bytes, size_t len)
{
	struct audio *a = data;

	if (g_atomic_int_compare_and_exchange(&a->restarted, 1, 0))
		a->next_ts = a->start_ts;
	a->output(a->data, bytes, len, a->next_ts);
	a->next_ts += SAMPLES_PER_PACKET;
	g_atomic_int_inc(&a->packets);
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *debug = NULL;

	if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		gst_message_parse_error(msg, &err, &debug);
		log_warn("Opus encoder: %s (%s)", err->message, debug ? debug : "");
	}
	return G_SOURCE_CONTINUE;
}

static bool build_pipeline(struct audio *a, unsigned bitrate_bps, GError **error)
{
	GstElement *enc, *sink;
	g_autoptr(GstCaps) caps = NULL;
	GstBus *bus;

	a->pipeline = gst_pipeline_new("audio");
	a->src = gst_element_factory_make("appsrc", NULL);
	enc = gst_element_factory_make("opusenc", NULL);
	sink = gst_element_factory_make("appsink", NULL);
	if (!a->src || !enc || !sink) {
		g_clear_object(&a->src);
		g_clear_object(&enc);
		g_clear_object(&sink);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "GStreamer has no Opus encoder (install gstreamer1.0-plugins-base)");
		return false;
	}
	caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout",
	                           G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, AUDIO_RATE,
	                           "channels", G_TYPE_INT, AUDIO_CHANNELS, NULL);
	g_object_set(a->src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE,
	             "do-timestamp", FALSE, "max-bytes", (guint64)APPSRC_MAX_BYTES, NULL);
	gst_util_set_object_arg(G_OBJECT(a->src), "leaky-type", "downstream");
	/* low delay: 10 ms frames, CELT-only low-delay mode, no FEC (it would hold a
	 * packet's worth of redundancy for the next one) */
	gst_util_set_object_arg(G_OBJECT(enc), "audio-type", "restricted-lowdelay");
	gst_util_set_object_arg(G_OBJECT(enc), "frame-size", "10");
	g_object_set(enc, "bitrate", (int)bitrate_bps, "inband-fec", FALSE, "dtx", FALSE, NULL);
	g_object_set(sink, "sync", FALSE, "max-buffers", 1, "drop", FALSE, "emit-signals", FALSE,
	             NULL);
	appsink_set_output(sink, on_packet, a);
	gst_bin_add_many(GST_BIN(a->pipeline), a->src, enc, sink, NULL);
	if (!gst_element_link_many(a->src, enc, sink, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot build the Opus pipeline");
		return false;
	}
	bus = gst_element_get_bus(a->pipeline);
	a->bus_watch = gst_bus_add_watch(bus, on_bus, a);
	gst_object_unref(bus);
	return true;
}

/* Where libpipewire will connect (PIPEWIRE_REMOTE, in PIPEWIRE_RUNTIME_DIR, else
 * XDG_RUNTIME_DIR): a socket that is not there means no sound server runs. */
static bool pipewire_socket_exists(char **path)
{
	const char *name = g_getenv("PIPEWIRE_REMOTE");
	const char *dir = g_getenv("PIPEWIRE_RUNTIME_DIR");
	struct stat st;

	if (!name || !*name)
		name = "pipewire-0";
	if (!dir || !*dir)
		dir = g_getenv("XDG_RUNTIME_DIR");
	*path = name[0] == '/' ? g_strdup(name)
	        : dir          ? g_build_filename(dir, name, NULL)
	                       : g_strdup(name);
	return (name[0] == '/' || dir) && stat(*path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct audio *a = data;
	g_autofree char *reason = NULL;

	log_debug("error on object %u: %s (%s)", id, message ? message : "", spa_strerror(res));
	if (id != PW_ID_CORE)
		return; /* our stream's own errors come again as its state */
	if (res == -EPIPE) {
		fail(a, "the connection to PipeWire was lost");
		return;
	}
	reason = g_strdup_printf("PipeWire failed: %s", message ? message : spa_strerror(res));
	fail(a, reason);
}

static const struct pw_core_events core_events = {
        PW_VERSION_CORE_EVENTS,
        .error = on_core_error,
};

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
                             const char *error)
{
	struct audio *a = data;
	g_autofree char *reason = NULL;

	log_debug("stream %s → %s%s%s", pw_stream_state_as_string(old),
	          pw_stream_state_as_string(state), error ? ": " : "", error ? error : "");
	a->stats.linked = state == PW_STREAM_STATE_STREAMING && !a->stream_closing;
	/* stopped while connecting: now that PipeWire has sent the node's descriptors, it
	 * can go (after this callback) without leaving them behind */
	if (a->stream_closing && state != PW_STREAM_STATE_CONNECTING &&
	    state != PW_STREAM_STATE_PAUSED)
		a->drop_stream = true;
	if (state == PW_STREAM_STATE_ERROR) {
		reason = g_strdup_printf("the capture stream failed: %s",
		                         error ? error : "PipeWire reported an error");
		fail(a, reason);
	}
}

static void on_process(void *data)
{
	struct audio *a = data;
	struct pw_buffer *b;

	while ((b = pw_stream_dequeue_buffer(a->stream))) {
		struct spa_buffer *buf = b->buffer;

		if (a->stream_closing) { /* nobody listens any more */
			pw_stream_queue_buffer(a->stream, b);
			continue;
		}
		struct spa_data *d = &buf->datas[0];
		uint32_t offset, size;
		GstBuffer *out;

		/* the chunk is the producer's: checked against the memory before use */
		offset = MIN(d->chunk->offset, d->maxsize);
		size = MIN(d->chunk->size, d->maxsize - offset);
		size -= size % BYTES_PER_FRAME;
		if (d->data && size) {
			uint64_t frames = size / BYTES_PER_FRAME;

			out = gst_buffer_new_memdup((uint8_t *)d->data + offset, size);
			GST_BUFFER_PTS(out) =
			        gst_util_uint64_scale(a->next_sample, GST_SECOND, AUDIO_RATE);
			GST_BUFFER_DURATION(out) =
			        gst_util_uint64_scale(frames, GST_SECOND, AUDIO_RATE);
			a->next_sample += frames;
			a->stats.buffers++;
			a->stats.samples += frames;
			gst_app_src_push_buffer(GST_APP_SRC(a->src), out);
		}
		pw_stream_queue_buffer(a->stream, b);
	}
}

static const struct pw_stream_events stream_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_state_changed,
        .process = on_process,
};

/* After each iteration of the loop, outside PipeWire's callbacks, where destroying the
 * stream is allowed. */
static bool after_iterate(void *data)
{
	struct audio *a = data;

	if (a->drop_stream) {
		a->drop_stream = false;
		stop_stream(a);
	}
	if (!a->broken)
		return true;
	/* no sound for the rest of this run: let go of PipeWire entirely, so a dead
	 * connection is not polled (its hung-up socket would wake us again and again) */
	if (a->core) {
		spa_hook_remove(&a->core_listener);
		pw_core_disconnect(a->core);
		a->core = NULL;
	}
	return false;
}

static bool start_stream(struct audio *a)
{
	uint8_t buf[PARAMS_SIZE];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *params[1];
	struct spa_audio_info_raw info = {
	        .format = SPA_AUDIO_FORMAT_S16_LE,
	        .rate = AUDIO_RATE,
	        .channels = AUDIO_CHANNELS,
	        .position = {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR},
	};
	int res;

	if (a->stream && a->stream_closing) { /* a listener again before it settled: keep it */
		a->stream_closing = false;
		if (a->closing_timer) {
			g_source_destroy(a->closing_timer);
			g_clear_pointer(&a->closing_timer, g_source_unref);
		}
		return true;
	}
	a->stream = pw_stream_new(
	        a->core, "wayrtc",
	        pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Capture",
	                          PW_KEY_MEDIA_ROLE, "Screen", PW_KEY_STREAM_CAPTURE_SINK, "true",
	                          PW_KEY_NODE_NAME, "wayrtc-audio", PW_KEY_NODE_DESCRIPTION,
	                          "wayrtc: the desktop's sound for its viewers",
	                          PW_KEY_NODE_LATENCY, NODE_LATENCY, NULL));
	if (!a->stream) {
		fail(a, g_strerror(errno));
		return false;
	}
	pw_stream_add_listener(a->stream, &a->stream_listener, &stream_events, a);
	params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
	res = pw_stream_connect(a->stream, PW_DIRECTION_INPUT, PW_ID_ANY,
	                        PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS, params, 1);
	if (res < 0) {
		fail(a, spa_strerror(res));
		stop_stream(a);
		return false;
	}
	return true;
}

static void destroy_stream(struct audio *a);

static gboolean on_closing_wait(gpointer data)
{
	struct audio *a = data;

	g_clear_pointer(&a->closing_timer, g_source_unref);
	if (a->stream_closing)
		destroy_stream(a);
	return G_SOURCE_REMOVE;
}

/* The stream and the encoder's state go; the next start begins a fresh Opus stream.
 * PipeWire 0.3.65 sends a new stream's node its descriptors (eventfds, the activation
 * memfd) after pw_stream_connect returns; a stream destroyed before they arrive leaves
 * them open for good, and the peers' activation eventfds while it is being linked (a
 * viewer that leaves at once leaked one in three here). Such a stream is only marked,
 * and destroyed once it streams, fails, or CLOSING_WAIT_MS have passed. */
static void stop_stream(struct audio *a)
{
	enum pw_stream_state state =
	        a->stream ? pw_stream_get_state(a->stream, NULL) : PW_STREAM_STATE_UNCONNECTED;

	if (a->stream && !a->broken && !a->drop_stream && !a->closing_timer &&
	    (state == PW_STREAM_STATE_CONNECTING || state == PW_STREAM_STATE_PAUSED)) {
		a->stream_closing = true;
		a->stats.linked = false;
		gst_element_set_state(a->pipeline, GST_STATE_NULL);
		/* one that is never linked (no sink) settles by waiting */
		a->closing_timer = g_timeout_source_new(CLOSING_WAIT_MS);
		g_source_set_callback(a->closing_timer, on_closing_wait, a, NULL);
		g_source_attach(a->closing_timer, a->context);
		return;
	}
	destroy_stream(a);
}

static void destroy_stream(struct audio *a)
{
	if (a->closing_timer) {
		g_source_destroy(a->closing_timer);
		g_clear_pointer(&a->closing_timer, g_source_unref);
	}
	a->stream_closing = false;
	if (a->stream) {
		spa_hook_remove(&a->stream_listener);
		pw_stream_destroy(a->stream);
		a->stream = NULL;
		log_debug("%" G_GUINT64_FORMAT " buffers of %" G_GUINT64_FORMAT
		          " samples on average",
		          a->stats.buffers,
		          a->stats.buffers ? a->stats.samples / a->stats.buffers : 0);
	}
	a->stats.linked = false;
	gst_element_set_state(a->pipeline, GST_STATE_NULL);
}

void audio_set_active(struct audio *a, bool active)
{
	if (!a || active == a->active)
		return;
	a->active = active;
	if (!active) {
		stop_stream(a);
		log_debug("idle: nobody may hear");
		return;
	}
	if (a->broken)
		return;
	/* timestamps go on with wall time, so a browser that stays sees no jump back */
	a->next_sample = (uint64_t)gst_util_uint64_scale(
	        (uint64_t)(g_get_monotonic_time() - a->epoch_us), AUDIO_RATE, G_USEC_PER_SEC);
	a->start_ts = a->ts_offset + (uint32_t)a->next_sample;
	g_atomic_int_set(&a->restarted, 1);
	if (gst_element_set_state(a->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		fail(a, "the Opus encoder did not start");
		a->drop_stream = false;
		gst_element_set_state(a->pipeline, GST_STATE_NULL);
		return;
	}
	if (start_stream(a))
		log_debug("capturing the default sink's monitor");
}

void audio_get_stats(struct audio *a, struct audio_stats *out)
{
	*out = a->stats;
	out->packets = (uint64_t)g_atomic_int_get(&a->packets);
}

struct audio *audio_new(unsigned bitrate_bps, audio_output_fn output, void *data, GError **error)
{
	struct audio *a = g_new0(struct audio, 1);
	g_autofree char *socket = NULL;

	a->output = output;
	a->data = data;
	a->context = g_main_context_ref_thread_default();
	a->ts_offset = g_random_int();
	a->epoch_us = g_get_monotonic_time();
	if (!pipewire_socket_exists(&socket)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "no PipeWire sound server runs here (no %s)", socket);
		goto fail;
	}
	if (!build_pipeline(a, bitrate_bps ? bitrate_bps : AUDIO_DEFAULT_BITRATE, error))
		goto fail;
	a->loop = pwloop_new("wayrtc PipeWire audio", after_iterate, a, error);
	if (!a->loop)
		goto fail;
	a->pw_context = pw_context_new(pwloop_get(a->loop), NULL, 0);
	if (!a->pw_context)
		goto fail_errno;
	a->core = pw_context_connect(a->pw_context, NULL, 0);
	if (!a->core) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect to PipeWire: %s",
		            g_strerror(errno));
		goto fail;
	}
	pw_core_add_listener(a->core, &a->core_listener, &core_events, a);
	return a;

fail_errno:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot set up PipeWire: %s",
	            g_strerror(errno));
fail:
	audio_free(a);
	return NULL;
}

void audio_free(struct audio *a)
{
	if (a && a->closing_timer) {
		g_source_destroy(a->closing_timer);
		g_clear_pointer(&a->closing_timer, g_source_unref);
	}
	if (!a)
		return;
	if (a->stream) {
		spa_hook_remove(&a->stream_listener);
		pw_stream_destroy(a->stream);
	}
	if (a->pipeline)
		gst_element_set_state(a->pipeline, GST_STATE_NULL);
	if (a->core) {
		spa_hook_remove(&a->core_listener);
		pw_core_disconnect(a->core);
	}
	if (a->pw_context)
		pw_context_destroy(a->pw_context);
	pwloop_free(a->loop);
	if (a->bus_watch)
		g_source_remove(a->bus_watch);
	if (a->pipeline)
		gst_object_unref(a->pipeline);
	g_main_context_unref(a->context);
	g_free(a);
}
