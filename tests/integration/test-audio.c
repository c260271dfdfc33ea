/* media/audio against a real sound server: run by tests/e2e/audio-stack.sh (a private
 * PipeWire + WirePlumber, a null sink as the default output, a 440 Hz sine at half scale
 * playing into it). The packets are decoded again (opusdec) to check it is that tone, not
 * silence or noise, and their timestamps and framing are checked one by one. */
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>

#include "media/audio.h"

#define TONE_HZ 440.0

struct packet {
	GBytes *data;
	uint32_t ts;
	int64_t at_us;
};

struct collected {
	GMutex lock;
	GArray *packets; /* struct packet */
};

static void on_output(void *data, const uint8_t *opus, size_t len, uint32_t rtp_ts)
{
	struct collected *c = data;
	struct packet p = {g_bytes_new(opus, len), rtp_ts, g_get_monotonic_time()};

	g_assert_false(g_main_context_is_owner(g_main_context_default()));
	g_mutex_lock(&c->lock);
	g_array_append_val(c->packets, p);
	g_mutex_unlock(&c->lock);
}

static void clear_packet(void *p)
{
	g_bytes_unref(((struct packet *)p)->data);
}

static void collected_init(struct collected *c)
{
	g_mutex_init(&c->lock);
	c->packets = g_array_new(FALSE, TRUE, sizeof(struct packet));
	g_array_set_clear_func(c->packets, clear_packet);
}

static void collected_clear(struct collected *c)
{
	g_array_unref(c->packets);
	g_mutex_clear(&c->lock);
}

static guint count(struct collected *c)
{
	guint n;

	g_mutex_lock(&c->lock);
	n = c->packets->len;
	g_mutex_unlock(&c->lock);
	return n;
}

static void run_for(unsigned ms)
{
	int64_t end = g_get_monotonic_time() + ms * 1000;

	while (g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

/* Decodes the packets (from `from` on) to S16 stereo. */
static GArray *decode(struct collected *c, guint from)
{
	g_autoptr(GstElement) pipe = gst_parse_launch(
	        "appsrc name=src format=time caps=audio/x-opus,rate=48000,channels=2,"
	        "channel-mapping-family=0 ! opusdec ! audio/x-raw,format=S16LE,channels=2,"
	        "rate=48000 ! appsink name=sink sync=false",
	        NULL);
	g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipe), "src");
	g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
	GArray *pcm = g_array_new(FALSE, FALSE, sizeof(int16_t));
	GstSample *sample;

	g_assert_nonnull(pipe);
	gst_element_set_state(pipe, GST_STATE_PLAYING);
	g_mutex_lock(&c->lock);
	for (guint i = from; i < c->packets->len; i++) {
		struct packet *p = &g_array_index(c->packets, struct packet, i);
		gsize n;
		const void *d = g_bytes_get_data(p->data, &n);
		GstBuffer *b = gst_buffer_new_memdup(d, n);

		GST_BUFFER_PTS(b) = (i - from) * 10 * GST_MSECOND;
		GST_BUFFER_DURATION(b) = 10 * GST_MSECOND;
		gst_app_src_push_buffer(GST_APP_SRC(src), b);
	}
	g_mutex_unlock(&c->lock);
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
		GstMapInfo map;
		GstBuffer *b = gst_sample_get_buffer(sample);

		gst_buffer_map(b, &map, GST_MAP_READ);
		g_array_append_vals(pcm, map.data, map.size / sizeof(int16_t));
		gst_buffer_unmap(b, &map);
		gst_sample_unref(sample);
	}
	gst_element_set_state(pipe, GST_STATE_NULL);
	return pcm;
}

static gint compare_size(gconstpointer a, gconstpointer b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void test_no_pipewire(void)
{
	g_autofree char *saved = g_strdup(g_getenv("PIPEWIRE_RUNTIME_DIR"));
	g_autofree char *empty = g_dir_make_tmp("wayrtc-audio-XXXXXX", NULL);
	g_autoptr(GError) error = NULL;
	struct collected c;
	struct audio *a;

	collected_init(&c);
	g_setenv("PIPEWIRE_RUNTIME_DIR", empty, TRUE);
	a = audio_new(0, on_output, &c, &error);
	g_setenv("PIPEWIRE_RUNTIME_DIR", saved, TRUE);
	g_assert_null(a);
	g_assert_nonnull(strstr(error->message, "no PipeWire"));
	g_rmdir(empty);
	audio_free(NULL);
	audio_set_active(NULL, true);
	collected_clear(&c);
}

static void test_tone(void)
{
	g_autoptr(GError) error = NULL;
	struct collected c;
	struct audio_stats st;
	struct audio *a;
	guint n, from;
	GArray *pcm;
	double peak = 0, sum2 = 0;
	size_t peak_at = 0, loud = 0;
	bool negative = false;
	g_autoptr(GArray) ups = g_array_new(FALSE, FALSE, sizeof(size_t));
	g_autoptr(GArray) periods = g_array_new(FALSE, FALSE, sizeof(size_t));
	double hz;
	size_t frames;
	uint32_t last_ts;
	int64_t paused_us;

	collected_init(&c);
	a = audio_new(0, on_output, &c, &error);
	g_assert_no_error(error);
	g_assert_nonnull(a);

	/* idle: nothing is captured or encoded */
	run_for(500);
	audio_get_stats(a, &st);
	g_assert_cmpuint(count(&c), ==, 0);
	g_assert_cmpuint(st.buffers, ==, 0);
	g_assert_false(st.linked);

	audio_set_active(a, true);
	run_for(2000);
	audio_get_stats(a, &st);
	g_assert_true(st.linked);
	n = count(&c);
	/* 10 ms packets: about 200 in 2 s, less the time to link */
	g_assert_cmpuint(n, >, 120);
	g_assert_cmpuint(n, <, 230);
	g_assert_cmpuint(st.packets, ==, n);

	g_mutex_lock(&c.lock);
	for (guint i = 0; i < n; i++) {
		struct packet *p = &g_array_index(c.packets, struct packet, i);
		gsize len;
		const uint8_t *d = g_bytes_get_data(p->data, &len);

		/* TOC (RFC 6716 3.1): config 30 = CELT-only fullband 10 ms, stereo, one frame */
		g_assert_cmpuint(len, >, 10);
		g_assert_cmpuint(len, <, 400);
		g_assert_cmpuint(d[0] >> 3, ==, 30);
		g_assert_cmpuint((d[0] >> 2) & 1, ==, 1);
		g_assert_cmpuint(d[0] & 3, ==, 0);
		if (i)
			g_assert_cmpuint(p->ts - g_array_index(c.packets, struct packet, i - 1).ts,
			                 ==, 480);
	}
	last_ts = g_array_index(c.packets, struct packet, n - 1).ts;
	g_mutex_unlock(&c.lock);

	/* the second second, decoded: the tone at half scale, in both channels */
	pcm = decode(&c, n / 2);
	frames = pcm->len / 2;
	g_assert_cmpuint(frames, >, 48000 / 2);
	for (size_t i = 0; i < frames; i++) {
		double l = g_array_index(pcm, int16_t, 2 * i) / 32768.0;
		double r = g_array_index(pcm, int16_t, 2 * i + 1) / 32768.0;

		if (fabs(l) > peak)
			peak = fabs(l), peak_at = i;
		loud += fabs(l) > 0.6;
		sum2 += l * l;
		/* the same tone in both: a silent or other channel differs by up to 0.5; Opus's
		 * stereo coding around a gap (a starved producer) by 0.0504 once under ASan */
		g_assert_cmpfloat(fabs(l - r), <, 0.1);
		/* upward crossings, with hysteresis, so coding noise around zero is not counted */
		if (fabs(l) > 0.1 && (l < 0) != negative) {
			if (!(negative = l < 0) && i > 0)
				g_array_append_val(ups, i);
		}
	}
	/* the median period: a gap (the tone's producer starved on a busy machine, and the
	 * sink played silence) changes a few periods, not the median */
	for (guint k = 1; k < ups->len; k++) {
		size_t d = g_array_index(ups, size_t, k) - g_array_index(ups, size_t, k - 1);

		g_array_append_val(periods, d);
	}
	g_assert_cmpuint(periods->len, >, 100);
	g_array_sort(periods, compare_size);
	hz = 48000.0 / g_array_index(periods, size_t, periods->len / 2);
	g_test_message("peak %.3f at %zu (%zu above 0.6), rms %.3f, %.1f Hz", peak, peak_at, loud,
	               sqrt(sum2 / frames), hz);
	/* half scale: the sine's RMS is 0.354; a click where the machine was too busy may
	 * overshoot, a gap lowers the RMS, so some slack */
	g_assert_cmpfloat(peak, >, 0.45);
	g_assert_cmpfloat(sqrt(sum2 / frames), >, 0.25);
	g_assert_cmpfloat(sqrt(sum2 / frames), <, 0.39);
	g_assert_cmpuint(loud, <, frames / 100);
	/* 48000 / 440 = 109.1 samples: a median of 109 or 110 */
	g_assert_cmpfloat(fabs(hz - TONE_HZ), <, 5);
	g_array_unref(pcm);

	/* nobody may hear: the stream goes, and the packets stop */
	audio_set_active(a, false);
	paused_us = g_get_monotonic_time();
	run_for(100);
	n = count(&c);
	run_for(500);
	g_assert_cmpuint(count(&c), ==, n);
	audio_get_stats(a, &st);
	g_assert_false(st.linked);

	/* back: the timestamps follow wall time over the pause */
	from = count(&c);
	audio_set_active(a, true);
	run_for(1000);
	g_assert_cmpuint(count(&c), >, from + 50);
	g_mutex_lock(&c.lock);
	{
		uint32_t ts = g_array_index(c.packets, struct packet, from).ts;
		int64_t gap_ms = (int64_t)(uint32_t)(ts - last_ts) / 48;

		g_test_message("timestamps moved %" G_GINT64_FORMAT " ms over a %" G_GINT64_FORMAT
		               " ms pause",
		               gap_ms, (g_get_monotonic_time() - paused_us) / 1000);
		g_assert_cmpint(gap_ms, >, 550);
		g_assert_cmpint(gap_ms, <, 2500);
	}
	g_mutex_unlock(&c.lock);

	audio_free(a);
	collected_clear(&c);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Last: it kills the stack's PipeWire. The sound ends, nothing else happens: no crash, no
 * busy loop on the dead connection, and asking for sound again is harmless. */
static unsigned open_fds(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	unsigned n = 0;

	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *link = g_strdup_printf("/proc/self/fd/%s", name);
		g_autofree char *to = g_file_read_link(link, NULL);

		if (g_getenv("FD_DEBUG"))
			g_printerr("fd %s -> %s\n", name, to ? to : "?");
		n++;
	}
	return n;
}

/* Listeners come and go, some before the stream is even linked (a viewer that leaves at
 * once): every start's descriptors go with its stop. */
static void test_no_descriptor_left(void)
{
	g_autoptr(GError) error = NULL;
	struct collected c;
	struct audio *a;
	unsigned start, end;

	collected_init(&c);
	a = audio_new(0, on_output, &c, &error);
	g_assert_no_error(error);
	audio_set_active(a, true);
	run_for(300);
	audio_set_active(a, false);
	run_for(300);
	start = open_fds();
	for (unsigned i = 0; i < 40; i++) {
		audio_set_active(a, true);
		run_for((i % 4) * 15);
		audio_set_active(a, false);
		run_for(i % 3 ? 0 : 20);
	}
	run_for(1500); /* a stream stopped before it was linked waits 1 s to settle */
	end = open_fds();
	g_test_message("descriptors %u -> %u after 40 starts and stops", start, end);
	g_assert_cmpuint(end, <=, start);
	audio_free(a);
	collected_clear(&c);
}

static void test_pipewire_dies(void)
{
	const char *pid_text = g_getenv("WAYRTC_AUDIO_STACK_PIPEWIRE_PID");
	g_autoptr(GError) error = NULL;
	struct collected c;
	struct audio *a;
	struct audio_stats st;
	double cpu;
	guint n;

	g_assert_nonnull(pid_text);
	collected_init(&c);
	a = audio_new(0, on_output, &c, &error);
	g_assert_no_error(error);
	audio_set_active(a, true);
	run_for(1000);
	/* sound flows (100 packets a second; a loaded machine starts it late: 37 seen) */
	g_assert_cmpuint(count(&c), >, 10);
	g_assert_cmpint(kill((pid_t)g_ascii_strtoll(pid_text, NULL, 10), SIGKILL), ==, 0);
	run_for(300);
	n = count(&c);
	cpu = cpu_seconds();
	run_for(1000);
	cpu = cpu_seconds() - cpu;
	g_test_message("%.3f s of CPU in the second after PipeWire died", cpu);
	/* run_for itself polls every millisecond; a busy loop would take the whole second */
	g_assert_cmpfloat(cpu, <, 0.5);
	g_assert_cmpuint(count(&c), ==, n);
	audio_get_stats(a, &st);
	g_assert_false(st.linked);
	audio_set_active(a, false);
	audio_set_active(a, true);
	run_for(200);
	g_assert_cmpuint(count(&c), ==, n);
	audio_free(a);
	collected_clear(&c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	if (!g_getenv("WAYRTC_AUDIO_STACK_DIR")) {
		g_printerr("run this through tests/e2e/audio-stack.sh\n");
		return 77;
	}
	g_test_add_func("/audio/no-pipewire", test_no_pipewire);
	g_test_add_func("/audio/tone", test_tone);
	g_test_add_func("/audio/no-descriptor-left", test_no_descriptor_left);
	g_test_add_func("/audio/pipewire-dies", test_pipewire_dies);
	return g_test_run();
}
