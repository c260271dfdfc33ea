/* Server-side pipeline benchmark: a real virtual desktop (wayrtc-session) with an
 * animating client, captured with wlr-screencopy, encoded with the software encoder and
 * packetized by the hub. Per frame it measures capture-ready → encoded and capture-ready →
 * last RTP packet handed to the sink, plus frames per second, CPU and peak RSS.
 * With `videoconvert` the software encoder gets whole frames converted by videoconvert, as
 * before wayrtc converted damage itself (media/convert.c), to compare the two in one hour.
 *   wayrtc-bench-pipeline WIDTHxHEIGHT SECONDS PATTERN-CLIENT [h264|vp8 [videoconvert]] */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "share/config.h"
#include "util/log.h"
#include "media/capture.h"
#include "media/encoder.h"
#include "media/hub.h"
#include "share/virtual.h"

#define MAX_SAMPLES  20000
#define BITRATE_KBPS 8000
#define MAX_FPS      60
#define WARMUP_MS    1000

struct bench {
	struct encoder *encoder;
	struct hub *hub;
	GMainLoop *loop;
	GMutex lock;                 /* guards the samples: encoder thread writes */
	double copy_ms[MAX_SAMPLES]; /* main thread only */
	size_t n_copy;
	double encode_ms[MAX_SAMPLES];
	double total_ms[MAX_SAMPLES];
	size_t n;
	unsigned captured;
	size_t bytes;
	int64_t last_packet_us; /* when the sink got the frame's last (marker) packet */
};

static void on_frame(void *data, const struct capture_frame *frame)
{
	struct bench *b = data;

	b->captured++;
	encoder_push(b->encoder, frame);
	/* the copy out of the shared buffer happens on the main thread, inside the push */
	if (b->n_copy < MAX_SAMPLES)
		b->copy_ms[b->n_copy++] = (g_get_monotonic_time() - frame->ready_us) / 1000.0;
}

static void on_closed(void *data, const char *reason)
{
	struct bench *b = data;

	fprintf(stderr, "capture closed: %s\n", reason);
	g_main_loop_quit(b->loop);
}

static const struct capture_listener listener = {.frame = on_frame, .closed = on_closed};

/* Under the hub's lock, on the encoder thread: where a peer's SRTP + send would start. */
static void on_packet(void *data, const uint8_t *pkt, size_t len)
{
	struct bench *b = data;

	if (len > 1 && (pkt[1] & 0x80))
		b->last_packet_us = g_get_monotonic_time();
}

static void on_encoded(void *data, const uint8_t *frame, size_t len, bool key, uint32_t ts,
                       int64_t ready_us)
{
	struct bench *b = data;
	int64_t encoded = g_get_monotonic_time();

	hub_push_video(b->hub, frame, len, key, ts, ready_us);
	g_mutex_lock(&b->lock);
	if (b->n < MAX_SAMPLES && ready_us > 0) {
		b->encode_ms[b->n] = (encoded - ready_us) / 1000.0;
		b->total_ms[b->n] = (b->last_packet_us - ready_us) / 1000.0;
		b->n++;
	}
	b->bytes += len;
	g_mutex_unlock(&b->lock);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	return n ? v[(size_t)(p * (n - 1))] : 0;
}

static gboolean stop(void *data)
{
	g_main_loop_quit(((struct bench *)data)->loop);
	return G_SOURCE_REMOVE;
}

static long peak_rss_kb(void)
{
	g_autofree char *status = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
		return -1;
	p = strstr(status, "VmHWM:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	static struct bench b;
	unsigned w, h, seconds;
	g_autofree char *encoder_name = NULL;
	struct virtual_session *session;
	struct capture *capture;
	struct encoder_config ec = {.name = "auto",
	                            .codec = RTC_CODEC_H264,
	                            .max_fps = MAX_FPS,
	                            .bitrate_kbps = BITRATE_KBPS};
	struct rusage ru0, ru1;
	struct hub_stats hs0, hs1;
	int64_t t0, t1;
	GError *error = NULL;
	double cpu;

	if (argc < 4 || argc > 6 || !config_parse_size(argv[1], &w, &h) ||
	    !(seconds = atoi(argv[2])) ||
	    (argc >= 5 && strcmp(argv[4], "h264") && strcmp(argv[4], "vp8")) ||
	    (argc == 6 && strcmp(argv[5], "videoconvert"))) {
		fprintf(stderr,
		        "usage: %s WIDTHxHEIGHT SECONDS PATTERN-CLIENT [h264|vp8 [videoconvert]]\n",
		        argv[0]);
		return 2;
	}
	if (argc >= 5 && !strcmp(argv[4], "vp8"))
		ec.codec = RTC_CODEC_VP8;
	ec.videoconvert = argc == 6;
	log_init(LOG_WARN);
	gst_init(NULL, NULL);
	g_mutex_init(&b.lock);
	b.loop = g_main_loop_new(NULL, FALSE);
	{
		const char *cmd[] = {argv[3], "--animate", NULL};

		session = virtual_session_start(w, h, cmd, false, NULL, NULL, &error);
	}
	if (!session)
		goto fail;
	b.hub = hub_new(ec.codec, 1);
	hub_set_sink(b.hub, on_packet, &b);
	b.encoder = encoder_new(&ec, on_encoded, &b, &error);
	if (!b.encoder)
		goto fail;
	capture = capture_wlr_new(virtual_session_display(session), &listener, &b, &error);
	if (!capture)
		goto fail;
	/* one second of warm-up, then the measured run */
	g_timeout_add(WARMUP_MS, stop, &b);
	g_main_loop_run(b.loop);
	g_mutex_lock(&b.lock);
	b.n = 0;
	b.bytes = 0;
	g_mutex_unlock(&b.lock);
	hub_get_stats(b.hub, &hs0);
	b.captured = 0;
	b.n_copy = 0;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = g_get_monotonic_time();
	g_timeout_add(seconds * 1000, stop, &b);
	g_main_loop_run(b.loop);
	t1 = g_get_monotonic_time();
	getrusage(RUSAGE_SELF, &ru1);
	hub_get_stats(b.hub, &hs1);
	capture_destroy(capture);
	encoder_name = g_strdup(encoder_get_name(b.encoder));
	encoder_free(b.encoder);
	virtual_session_stop(session);

	cpu = ((ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	       (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	       (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec -
	        ru0.ru_stime.tv_usec) /
	               1e6) /
	      ((t1 - t0) / 1e6);
	g_mutex_lock(&b.lock);
	qsort(b.copy_ms, b.n_copy, sizeof(double), cmp);
	qsort(b.encode_ms, b.n, sizeof(double), cmp);
	qsort(b.total_ms, b.n, sizeof(double), cmp);
	printf("%ux%u %s%s: %zu frames encoded in %.1f s = %.1f fps (captured %u); "
	       "ready→copied p50 %.2f ms; ready→encoded p50 %.2f ms p95 %.2f ms; ready→last packet "
	       "p50 %.2f ms p95 %.2f ms "
	       "p99 %.2f ms; %.1f packets/frame; %.0f kbit/s; CPU %.0f%% of one core; "
	       "peak RSS %ld MiB\n",
	       w, h, encoder_name, ec.videoconvert ? " (videoconvert)" : "", b.n, (t1 - t0) / 1e6,
	       b.n / ((t1 - t0) / 1e6), b.captured, pct(b.copy_ms, b.n_copy, 0.5),
	       pct(b.encode_ms, b.n, 0.5), pct(b.encode_ms, b.n, 0.95), pct(b.total_ms, b.n, 0.5),
	       pct(b.total_ms, b.n, 0.95), pct(b.total_ms, b.n, 0.99),
	       hs1.frames > hs0.frames
	               ? (double)(hs1.packets - hs0.packets) / (double)(hs1.frames - hs0.frames)
	               : 0.0,
	       b.bytes * 8 / ((t1 - t0) / 1e6) / 1000, cpu * 100, peak_rss_kb() / 1024);
	g_mutex_unlock(&b.lock);
	hub_free(b.hub);
	return 0;
fail:
	fprintf(stderr, "bench: %s\n", error->message);
	return 1;
}
