/* Server-side pipeline benchmark: a real virtual desktop (wayrtc-session) with an
 * animating client, captured with wlr-screencopy, encoded with the software encoder and
 * packetized by the hub. Per frame it measures capture-ready → encoded and capture-ready →
 * last RTP packet handed to the peers, plus frames per second, CPU and peak RSS.
 *   wayrtc-bench-pipeline WIDTHxHEIGHT SECONDS PATTERN-CLIENT */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "log.h"
#include "media/capture.h"
#include "media/encoder.h"
#include "media/hub.h"
#include "virtual.h"

#define MAX_SAMPLES 20000

struct bench {
	struct encoder *encoder;
	struct hub *hub;
	GMainLoop *loop;
	GMutex lock; /* guards the samples: encoder thread writes */
	double encode_ms[MAX_SAMPLES];
	double total_ms[MAX_SAMPLES];
	size_t n;
	unsigned captured;
	size_t bytes;
};

static void on_frame(void *data, const struct capture_frame *frame)
{
	struct bench *b = data;

	b->captured++;
	encoder_push(b->encoder, frame);
}

static void on_closed(void *data, const char *reason)
{
	struct bench *b = data;

	fprintf(stderr, "capture closed: %s\n", reason);
	g_main_loop_quit(b->loop);
}

static const struct capture_listener listener = {.frame = on_frame, .closed = on_closed};

static void on_encoded(void *data, const uint8_t *frame, size_t len, bool key, uint32_t ts,
                       int64_t ready_us)
{
	struct bench *b = data;
	int64_t encoded = g_get_monotonic_time();

	hub_push_video(b->hub, frame, len, key, ts, ready_us);
	g_mutex_lock(&b->lock);
	if (b->n < MAX_SAMPLES && ready_us > 0) {
		b->encode_ms[b->n] = (encoded - ready_us) / 1000.0;
		b->total_ms[b->n] = (g_get_monotonic_time() - ready_us) / 1000.0;
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
	struct encoder_config ec = {
	        .name = "auto", .codec = RTC_CODEC_H264, .max_fps = 60, .bitrate_kbps = 8000};
	struct rusage ru0, ru1;
	int64_t t0, t1;
	GError *error = NULL;
	double cpu;

	if (argc != 4 || !config_parse_size(argv[1], &w, &h) || !(seconds = atoi(argv[2]))) {
		fprintf(stderr, "usage: %s WIDTHxHEIGHT SECONDS PATTERN-CLIENT\n", argv[0]);
		return 2;
	}
	log_init(LOG_WARN);
	gst_init(NULL, NULL);
	g_mutex_init(&b.lock);
	b.loop = g_main_loop_new(NULL, FALSE);
	{
		const char *cmd[] = {argv[3], "--animate", NULL};

		session = virtual_session_start(w, h, cmd, NULL, NULL, &error);
	}
	if (!session)
		goto fail;
	b.hub = hub_new(RTC_CODEC_H264, 1);
	b.encoder = encoder_new(&ec, on_encoded, &b, &error);
	if (!b.encoder)
		goto fail;
	capture = capture_wlr_new(virtual_session_display(session), &listener, &b, &error);
	if (!capture)
		goto fail;
	/* one second of warm-up, then the measured run */
	g_timeout_add(1000, stop, &b);
	g_main_loop_run(b.loop);
	g_mutex_lock(&b.lock);
	b.n = 0;
	b.bytes = 0;
	g_mutex_unlock(&b.lock);
	b.captured = 0;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = g_get_monotonic_time();
	g_timeout_add(seconds * 1000, stop, &b);
	g_main_loop_run(b.loop);
	t1 = g_get_monotonic_time();
	getrusage(RUSAGE_SELF, &ru1);
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
	qsort(b.encode_ms, b.n, sizeof(double), cmp);
	qsort(b.total_ms, b.n, sizeof(double), cmp);
	printf("%ux%u %s: %zu frames encoded in %.1f s = %.1f fps (captured %u); "
	       "ready→encoded p50 %.2f ms p95 %.2f ms; ready→last packet p50 %.2f ms p95 %.2f ms "
	       "p99 %.2f ms; %.0f kbit/s; CPU %.0f%% of one core; peak RSS %ld MiB\n",
	       w, h, encoder_name, b.n, (t1 - t0) / 1e6, b.n / ((t1 - t0) / 1e6), b.captured,
	       pct(b.encode_ms, b.n, 0.5), pct(b.encode_ms, b.n, 0.95), pct(b.total_ms, b.n, 0.5),
	       pct(b.total_ms, b.n, 0.95), pct(b.total_ms, b.n, 0.99),
	       b.bytes * 8 / ((t1 - t0) / 1e6) / 1000, cpu * 100, peak_rss_kb() / 1024);
	g_mutex_unlock(&b.lock);
	hub_free(b.hub);
	return 0;
fail:
	fprintf(stderr, "bench: %s\n", error->message);
	return 1;
}
