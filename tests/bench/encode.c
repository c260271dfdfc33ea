/* Encoder benchmark on a fixed input, no compositor: a desktop-like picture in which each
 * frame flips a 64x64 square (damaged alone, as a typed key under --keyflash), pushed to two
 * encoders in turn, one converting the damage itself and one sending whole frames through
 * videoconvert, so both see the same load and the ratio holds on a busy machine. Prints
 * push → encoded per encoder. Deterministic, so instruction counts under
 * `valgrind --tool=callgrind` compare too (then give one mode only). `own-whole` pits our
 * conversion of the square alone against ours of the whole frame (a producer that sends no
 * damage, mutter before 45, or a frame after a corrupted buffer); `whole` runs the latter.
 *   wayrtc-bench-encode WIDTHxHEIGHT FRAMES [both|own|videoconvert|own-whole|whole] */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/config.h"
#include "media/encoder.h"

#define SQUARE       64
#define BITRATE_KBPS 8000
#define MAX_FPS      1000 /* frames go one at a time: pacing never holds one back */
#define MAX_FRAMES   10000

struct side {
	struct encoder *encoder;
	GMutex lock; /* guards the rest: the encoder thread writes */
	unsigned outputs;
	int64_t encoded_us;
	double ms[MAX_FRAMES];
	size_t n;
};

static void on_encoded(void *data, const uint8_t *frame, size_t len, bool key, uint32_t ts,
                       int64_t ready_us)
{
	struct side *s = data;

	g_mutex_lock(&s->lock);
	s->outputs++;
	s->encoded_us = g_get_monotonic_time();
	if (s->n < MAX_FRAMES)
		s->ms[s->n++] = (s->encoded_us - ready_us) / 1000.0;
	g_mutex_unlock(&s->lock);
}

/* Pushes the frame and waits for its output (5 s at most, for valgrind). */
static void encode_one(struct side *s, const struct capture_frame *f)
{
	int64_t end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	unsigned want;

	g_mutex_lock(&s->lock);
	want = s->outputs + 1;
	g_mutex_unlock(&s->lock);
	encoder_push(s->encoder, f);
	for (;;) {
		unsigned n;

		g_mutex_lock(&s->lock);
		n = s->outputs;
		g_mutex_unlock(&s->lock);
		if (n >= want || g_get_monotonic_time() > end)
			return;
		g_main_context_iteration(NULL, FALSE);
		g_usleep(100);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, struct side *s)
{
	qsort(s->ms, s->n, sizeof(double), cmp);
	printf("%s %s: %zu frames, push → encoded p50 %.2f ms p95 %.2f ms\n",
	       encoder_get_name(s->encoder), what, s->n, s->n ? s->ms[s->n / 2] : 0,
	       s->n ? s->ms[(size_t)(0.95 * (s->n - 1))] : 0);
}

/* Text-like detail on a light background: worth encoding, fixed by the seed. */
static void paint_desktop(uint8_t *px, unsigned w, unsigned h, unsigned stride)
{
	GRand *rand = g_rand_new_with_seed(42);

	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++) {
			uint8_t *p = px + (size_t)y * stride + (size_t)x * 4;
			bool ink = (y % 16) < 10 && g_rand_int_range(rand, 0, 4) == 0;
			uint8_t v = ink ? 40 : (uint8_t)(230 + (x * 7 + y) % 16);

			p[0] = v;
			p[1] = v;
			p[2] = ink ? 40 : 250;
			p[3] = 255;
		}
	g_rand_free(rand);
}

static void flip_square(uint8_t *px, unsigned stride, unsigned i)
{
	for (unsigned y = 0; y < SQUARE; y++)
		memset(px + (size_t)y * stride, i % 2 ? 0xff : 0, SQUARE * 4);
}

int main(int argc, char **argv)
{
	static struct side own, whole, undamaged;
	struct side *sides[2] = {NULL, NULL};
	unsigned w, h, frames;
	GError *error = NULL;
	struct encoder_config ec = {.name = "x264enc",
	                            .codec = RTC_CODEC_H264,
	                            .max_fps = MAX_FPS,
	                            .bitrate_kbps = BITRATE_KBPS};
	const char *mode = argc > 3 ? argv[3] : "both";
	struct capture_frame f = {.format = 0x34325258 /* XR24 */};
	g_autofree uint8_t *pixels = NULL;

	if (argc < 3 || argc > 4 || !config_parse_size(argv[1], &w, &h) ||
	    !(frames = atoi(argv[2])) || frames > MAX_FRAMES ||
	    (strcmp(mode, "both") && strcmp(mode, "own") && strcmp(mode, "videoconvert") &&
	     strcmp(mode, "own-whole") && strcmp(mode, "whole"))) {
		fprintf(stderr,
		        "usage: %s WIDTHxHEIGHT FRAMES [both|own|videoconvert|own-whole|whole]\n",
		        argv[0]);
		return 2;
	}
	gst_init(NULL, NULL);
	if (!strcmp(mode, "own-whole") || !strcmp(mode, "whole")) {
		if (!strcmp(mode, "own-whole"))
			sides[0] = &own;
		sides[sides[0] ? 1 : 0] = &undamaged;
	} else {
		if (strcmp(mode, "videoconvert"))
			sides[0] = &own;
		if (strcmp(mode, "own"))
			sides[sides[0] ? 1 : 0] = &whole;
	}
	for (unsigned i = 0; i < 2 && sides[i]; i++) {
		g_mutex_init(&sides[i]->lock);
		ec.videoconvert = sides[i] == &whole;
		sides[i]->encoder = encoder_new(&ec, on_encoded, sides[i], &error);
		if (!sides[i]->encoder) {
			fprintf(stderr, "bench: %s\n", error->message);
			return 1;
		}
	}
	f.width = w;
	f.height = h;
	f.stride = w * 4;
	pixels = g_malloc((size_t)f.stride * h);
	f.data = pixels;
	paint_desktop(pixels, w, h, f.stride);
	/* the first frame whole, then the square alone; the first is not counted */
	for (unsigned i = 0; i <= frames; i++) {
		if (i > 0) {
			flip_square(pixels, f.stride, i);
			f.n_damage = 1;
			f.damage[0] = (struct capture_rect){0, 0, SQUARE, SQUARE};
		}
		for (unsigned j = 0; j < 2 && sides[j]; j++) {
			struct capture_frame g = f;

			if (sides[j] == &undamaged)
				g.n_damage = 0; /* the whole frame */
			g.ready_us = g_get_monotonic_time();
			encode_one(sides[j], &g);
			if (i == 0)
				sides[j]->n = 0;
		}
	}
	for (unsigned i = 0; i < 2 && sides[i]; i++) {
		report(sides[i] == &own         ? "own conversion"
		       : sides[i] == &undamaged ? "own conversion, whole frames"
		                                : "videoconvert",
		       sides[i]);
		encoder_free(sides[i]->encoder);
	}
	return 0;
}
