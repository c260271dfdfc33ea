/* The bandwidth estimator (with the pacer, as a peer runs them) against a small link
 * simulator: a sender whose encoder follows the estimate (frames at 30/s, a keyframe five
 * times the size every 3 s), paced at 2.5× the estimate, probing when asked; a bottleneck
 * with a capacity that may change, a drop-tail queue, one-way delay, random loss and
 * cross traffic; transport-cc feedback every 50 ms, a one-way delay later. Each scenario
 * checks that the estimate converges within about 2 s of a change and does not stay above
 * what the link has for this flow. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "rtc/bwe.h"
#include "rtc/pacer.h"

#define MS           1000
#define PKT          1200
#define MAX_PKTS     400000
#define FPS          30
#define KEY_EVERY_US (3 * G_USEC_PER_SEC)
#define FEEDBACK_US  (50 * MS)
#define SAMPLE_US    (100 * MS)

struct sim_pkt {
	int64_t send, arrival;
	uint32_t size;
	int probe;
	bool lost;
};

/* A change of the link at `at`: capacity and cross traffic, in bps; loss 0..1. check()
 * looks at the phase from `settle` after its start (0: 2 s). */
struct phase {
	int64_t at;
	double capacity;
	double cross;
	double loss;
	int64_t settle;
};

struct sim {
	const struct phase *phases;
	size_t n_phases;
	int64_t duration, delay;
	double queue_bytes; /* drop-tail limit */
	uint32_t max_bps;
	double app_bps;      /* the encoder makes at most this (an idle desktop); 0: no limit */
	int64_t spike_every; /* receiver stalls (a busy CPU) for 80 ms this often */

	struct bwe *bwe;
	struct pacer pacer, probe_pacer;
	struct sim_pkt *pkts;
	size_t n_pkts, next_report;
	int64_t link_free; /* when the bottleneck has sent all it holds */
	double cross_owed;
	GQueue queue; /* sizes (GUINT_TO_POINTER) of packets waiting for the pacer */
	struct rtc_bwe_probe probe;
	int64_t probe_left;
	GRand *rand;
	/* results, one per SAMPLE_US */
	double est[1024], cap[1024], qdelay[1024];
	bool congested[1024]; /* rtc_bwe_congested */
	size_t n_samples;
	uint64_t lost;
	unsigned probes, probes_congested; /* started; of them, while the link was full */
};

static const struct phase *phase_at(const struct sim *s, int64_t t)
{
	const struct phase *p = &s->phases[0];

	for (size_t i = 0; i < s->n_phases; i++) {
		if (s->phases[i].at <= t)
			p = &s->phases[i];
	}
	return p;
}

/* Into the bottleneck: random loss, drop-tail, then serialization at its capacity. */
static bool link_enter(struct sim *s, int64_t now, uint32_t size, int64_t *arrival)
{
	const struct phase *ph = phase_at(s, now);
	double backlog = MAX(0, s->link_free - now) * ph->capacity / 8 / G_USEC_PER_SEC;

	if (ph->loss > 0 && g_rand_double(s->rand) < ph->loss)
		return false;
	if (backlog + size > s->queue_bytes)
		return false;
	s->link_free =
	        MAX(s->link_free, now) + (int64_t)(size * 8.0 * G_USEC_PER_SEC / ph->capacity);
	*arrival = s->link_free + s->delay;
	return true;
}

static void send_pkt(struct sim *s, int64_t now, uint32_t size, int probe)
{
	struct sim_pkt *p = &s->pkts[s->n_pkts++];

	g_assert_cmpuint(s->n_pkts, <, MAX_PKTS);
	*p = (struct sim_pkt){.send = now, .size = size, .probe = probe};
	p->lost = !link_enter(s, now, size, &p->arrival);
	s->lost += p->lost;
	/* a stalled receiver takes everything that came in the stall at its end */
	if (!p->lost && s->spike_every && p->arrival % s->spike_every < 80 * MS)
		p->arrival += 80 * MS - p->arrival % s->spike_every;
}

static void feedback(struct sim *s, int64_t now)
{
	int64_t horizon = now - s->delay; /* what the receiver knew when it reported */
	struct rtc_bwe_packet batch[4096];
	size_t n = 0;

	while (s->next_report < s->n_pkts && n < G_N_ELEMENTS(batch)) {
		const struct sim_pkt *p = &s->pkts[s->next_report];

		if (p->send + s->delay > horizon || (!p->lost && p->arrival > horizon))
			break;
		batch[n++] = (struct rtc_bwe_packet){.send_us = p->send,
		                                     .arrival_us = p->arrival,
		                                     .size = p->size,
		                                     .received = !p->lost,
		                                     .probe_id = p->probe};
		s->next_report++;
	}
	if (n)
		rtc_bwe_on_feedback(s->bwe, now, batch, n);
}

static void run(struct sim *s)
{
	int64_t next_frame = 0, next_key = 0, next_fb = FEEDBACK_US, next_sample = 0;
	struct rtc_bwe_config bc = {.max_bps = s->max_bps};

	s->rand = g_rand_new_with_seed(7);
	s->pkts = g_new0(struct sim_pkt, MAX_PKTS);
	s->bwe = rtc_bwe_new(&bc, 0);
	rtc_pacer_init(&s->pacer, rtc_bwe_get_estimate(s->bwe) * 5 / 2, 0);
	g_queue_init(&s->queue);
	rtc_bwe_on_rtt(s->bwe, 0, 2 * s->delay);
	for (int64_t now = 0; now < s->duration; now += 250) {
		const struct phase *ph = phase_at(s, now);
		uint32_t est = rtc_bwe_get_estimate(s->bwe);

		/* the encoder hits its target on average, keyframes five times a frame */
		if (now >= next_frame) {
			uint32_t bytes = (s->app_bps ? MIN(est, s->app_bps) : est) / 8 / FPS;

			if (now >= next_key) {
				bytes *= 5;
				next_key = now + KEY_EVERY_US;
			}
			for (uint32_t left = bytes; left;) {
				uint32_t sz = MIN(left, PKT);

				g_queue_push_tail(&s->queue, GUINT_TO_POINTER(sz));
				left -= sz;
			}
			next_frame += G_USEC_PER_SEC / FPS;
		}
		rtc_pacer_set_rate(&s->pacer, est * 5 / 2);
		while (!g_queue_is_empty(&s->queue) && rtc_pacer_wait(&s->pacer, now) == 0) {
			uint32_t sz = GPOINTER_TO_UINT(g_queue_pop_head(&s->queue));

			rtc_pacer_sent(&s->pacer, now, sz);
			send_pkt(s, now, sz, 0);
		}
		if (s->probe_left <= 0 && rtc_bwe_next_probe(s->bwe, now, &s->probe)) {
			s->probes++;
			s->probes_congested += rtc_bwe_congested(s->bwe, now);
			s->probe_left = s->probe.bytes;
			rtc_pacer_init(&s->probe_pacer, s->probe.rate_bps, now);
		}
		while (s->probe_left > 0 && rtc_pacer_wait(&s->probe_pacer, now) == 0) {
			rtc_pacer_sent(&s->probe_pacer, now, PKT);
			send_pkt(s, now, PKT, s->probe.id);
			s->probe_left -= PKT;
		}
		/* cross traffic shares the queue */
		s->cross_owed += ph->cross * 250 / 8 / G_USEC_PER_SEC;
		while (s->cross_owed >= PKT) {
			int64_t ignored;

			link_enter(s, now, PKT, &ignored);
			s->cross_owed -= PKT;
		}
		if (now >= next_fb) {
			feedback(s, now);
			next_fb += FEEDBACK_US;
		}
		if (now >= next_sample && s->n_samples < G_N_ELEMENTS(s->est)) {
			s->est[s->n_samples] = rtc_bwe_get_estimate(s->bwe);
			s->cap[s->n_samples] = ph->capacity - ph->cross;
			s->qdelay[s->n_samples] = MAX(0, s->link_free - now) / 1000.0;
			s->congested[s->n_samples] = rtc_bwe_congested(s->bwe, now);
			s->n_samples++;
			next_sample += SAMPLE_US;
		}
	}
	g_queue_clear(&s->queue);
	rtc_bwe_free(s->bwe);
	g_free(s->pkts);
	g_rand_free(s->rand);
}

static void print(const struct sim *s)
{
	if (!g_test_verbose())
		return;
	for (size_t i = 0; i < s->n_samples; i += 5)
		g_test_message("t=%4.1f s  est %6.0f kbit/s  avail %6.0f  queue %5.1f ms", i / 10.0,
		               s->est[i] / 1000, s->cap[i] / 1000, s->qdelay[i]);
}

/* From the phase's settle time after each change to the next one: the estimate is at least `low` ×
 * the available rate on average, never above it for more than 1 s at a stretch (beyond 10 %), and
 * the queue's delay stays under 250 ms at the 95th percentile. */
static void check(const struct sim *s, double low)
{
	GArray *delays = g_array_new(FALSE, FALSE, sizeof(double));

	print(s);
	for (size_t ph = 0; ph < s->n_phases; ph++) {
		int64_t from = s->phases[ph].at +
		               (s->phases[ph].settle ? s->phases[ph].settle : 2 * G_USEC_PER_SEC);
		int64_t to = ph + 1 < s->n_phases ? s->phases[ph + 1].at : s->duration;
		double sum = 0, avail = 0;
		size_t n = 0, over_run = 0;

		for (size_t i = (size_t)(from / SAMPLE_US);
		     i < s->n_samples && i < (size_t)(to / SAMPLE_US); i++) {
			sum += s->est[i];
			avail += s->cap[i];
			n++;
			over_run = s->est[i] > 1.1 * s->cap[i] ? over_run + 1 : 0;
			if (over_run * SAMPLE_US > G_USEC_PER_SEC)
				g_error("phase %zu: the estimate %.0f kbit/s stayed above the %.0f "
				        "available for over 1 s (t=%.1f s)",
				        ph, s->est[i] / 1000, s->cap[i] / 1000, i / 10.0);
			g_array_append_val(delays, s->qdelay[i]);
		}
		g_assert_cmpuint(n, >, 0);
		if (sum / n < low * avail / n)
			g_error("phase %zu: the estimate averaged %.0f kbit/s of %.0f available",
			        ph, sum / n / 1000, avail / n / 1000);
	}
	{
		double *d = (double *)delays->data;
		size_t n = delays->len;

		for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
			for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
				double t = d[j];

				d[j] = d[j - 1];
				d[j - 1] = t;
			}
		g_assert_cmpfloat(d[n * 95 / 100], <, 250.0);
	}
	g_array_free(delays, TRUE);
}

static void test_steady(void)
{
	static const struct phase phases[] = {{0, 4e6, 0, 0}};
	struct sim s = {phases,  G_N_ELEMENTS(phases), 20 * G_USEC_PER_SEC, 20 * MS, 100000,
	                20000000};

	run(&s);
	check(&s, 0.6);
}

static void test_step_down_up(void)
{
	/* Up again: a busy screen fills the estimate, so no probe finds the room and the
	 * estimate climbs by itself (8 %/s, 25 %/s once calm): half the link 12 s on. */
	static const struct phase phases[] = {
	        {0, 10e6, 0, 0, 0},
	        {10 * G_USEC_PER_SEC, 1.5e6, 0, 0, 0},
	        {20 * G_USEC_PER_SEC, 10e6, 0, 0, 12 * G_USEC_PER_SEC},
	};
	struct sim s = {phases,  G_N_ELEMENTS(phases), 36 * G_USEC_PER_SEC, 20 * MS, 150000,
	                20000000};

	run(&s);
	check(&s, 0.5);
	/* the step down is a full link within half a second (the peer then stops draining
	 * a backlog faster than the estimate); 4 s after the step up, climbing through
	 * room, no longer */
	{
		bool seen = false;

		for (size_t i = 100; i <= 105; i++)
			seen = seen || s.congested[i];
		g_assert_true(seen);
		g_assert_false(s.congested[240]);
	}
}

/* A step down into a home router's small queue (200 ms at the new rate, tbf's latency in
 * tests/net): the estimate reaches the new capacity within half a second, judged on what
 * got through lately, not on half a second of arrivals from before the step. */
static void test_step_down_fast(void)
{
	static const struct phase phases[] = {
	        {0, 10e6, 0, 0, 0},
	        {10 * G_USEC_PER_SEC, 1.5e6, 0, 0, 0},
	};
	struct sim s = {phases,  G_N_ELEMENTS(phases), 14 * G_USEC_PER_SEC, 20 * MS, 37500,
	                20000000};

	run(&s);
	print(&s);
	/* 0.4 s after the step at most the new capacity (judged on the whole window: 2.7
	 * Mbit/s), and not far under it after */
	g_assert_cmpfloat(s.est[104], <=, 1.5e6);
	for (size_t i = 104; i < 140; i++)
		g_assert_cmpfloat(s.est[i], >=, 0.5 * 1.5e6);
}

/* No probe while the link is known to be full, not even the one that follows a probe
 * that got through (probe further), kept while the estimate sat at the ceiling: a desktop
 * sending 3 Mbit/s of a 10 Mbit/s link, then a step to 1.5 Mbit/s at moments 100 ms
 * apart. (A probe at twice the new estimate right after the cut overflowed the
 * bottleneck again: a quarter of the packets lost, a skip to a keyframe, 1.3–1.5 s
 * without a frame. Without the rule: 20 of 60 probes here.) */
static void test_no_probe_congested(void)
{
	unsigned probes = 0, congested = 0;

	for (int k = 0; k < 20; k++) {
		const struct phase phases[] = {
		        {0, 10e6, 0, 0, 0},
		        {10 * G_USEC_PER_SEC + k * 100 * MS, 1.5e6, 0, 0, 0},
		};
		struct sim s = {
		        phases, G_N_ELEMENTS(phases), 14 * G_USEC_PER_SEC, 20 * MS, 37500, 8000000,
		        3e6};

		run(&s);
		probes += s.probes;
		congested += s.probes_congested;
	}
	g_test_message("%u probes, %u of them while the link was full", probes, congested);
	g_assert_cmpuint(probes, >=, 20 * 2); /* the start-up probes at least */
	g_assert_cmpuint(congested, ==, 0);
}

static void test_loss(void)
{
	/* 2 % random loss must not collapse it; a burst of 30 % for 2 s brings it down, and
	 * it climbs back afterwards */
	static const struct phase phases[] = {
	        {0, 3e6, 0, 0.02},
	        {8 * G_USEC_PER_SEC, 3e6, 0, 0.30},
	        {10 * G_USEC_PER_SEC, 3e6, 0, 0.02},
	};
	struct sim s = {phases,  G_N_ELEMENTS(phases), 20 * G_USEC_PER_SEC, 20 * MS, 100000,
	                20000000};
	double during = 0, after = 0;

	run(&s);
	for (size_t i = 90; i < 100; i++)
		during += s.est[i] / 10;
	for (size_t i = 170; i < 200; i++)
		after += s.est[i] / 30;
	print(&s);
	g_assert_cmpfloat(during, <, 0.8 * 3e6);
	g_assert_cmpfloat(after, >, 0.5 * 3e6);
	/* before the burst: the 2 % did not hold it down */
	{
		double before = 0;

		for (size_t i = 40; i < 80; i++)
			before += s.est[i] / 40;
		g_assert_cmpfloat(before, >, 0.5 * 3e6);
	}
}

static void test_cross_traffic(void)
{
	static const struct phase phases[] = {
	        {0, 5e6, 0, 0},
	        {8 * G_USEC_PER_SEC, 5e6, 2.5e6, 0},
	        {18 * G_USEC_PER_SEC, 5e6, 0, 0},
	};
	struct sim s = {phases,  G_N_ELEMENTS(phases), 26 * G_USEC_PER_SEC, 30 * MS, 120000,
	                20000000};

	run(&s);
	check(&s, 0.5);
}

/* An idle desktop (150 kbit/s of 8 Mbit/s) on a receiver whose CPU stalls now and then:
 * the estimate keeps the room a busy screen will need instead of falling to the trickle. */
static void test_idle_noisy(void)
{
	static const struct phase phases[] = {{0, 8e6, 0, 0}};
	struct sim s = {phases, G_N_ELEMENTS(phases), 20 * G_USEC_PER_SEC, 10 * MS, 200000,
	                8000000};
	double least = 1e12;

	s.app_bps = 150000;
	s.spike_every = 2 * G_USEC_PER_SEC;
	run(&s);
	print(&s);
	for (size_t i = 30; i < s.n_samples; i++) {
		least = MIN(least, s.est[i]);
		g_assert_false(s.congested[i]); /* the receiver's stalls are no full link */
	}
	g_assert_cmpfloat(least, >, 5e5); /* cut to the trickle: about 2e5 */
}

/* A busy screen on a fast link to a receiver whose CPU stalls for 80 ms every second:
 * what waited arrives at once afterwards, faster than it was sent, which no bottleneck
 * does; the estimate must not read each stall as a queue and ratchet down. */
static void test_busy_noisy(void)
{
	static const struct phase phases[] = {{0, 6e6, 0, 0}};
	struct sim s = {phases, G_N_ELEMENTS(phases), 20 * G_USEC_PER_SEC, 10 * MS, 300000,
	                6000000};
	double sum = 0;
	size_t n = 0;

	s.spike_every = G_USEC_PER_SEC;
	run(&s);
	print(&s);
	for (size_t i = 50; i < s.n_samples; i++, n++)
		sum += s.est[i];
	g_assert_cmpfloat(sum / n, >, 0.6 * 6e6);
}

/* The ceiling (--bitrate) holds on a fast link. */
static void test_ceiling(void)
{
	static const struct phase phases[] = {{0, 50e6, 0, 0}};
	struct sim s = {phases, G_N_ELEMENTS(phases), 10 * G_USEC_PER_SEC, 10 * MS, 500000,
	                3000000};

	run(&s);
	for (size_t i = 0; i < s.n_samples; i++) {
		g_assert_cmpfloat(s.est[i], <=, 3e6);
		g_assert_false(s.congested[i]);
	}
	g_assert_cmpfloat(s.est[s.n_samples - 1], ==, 3e6);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bwe/steady", test_steady);
	g_test_add_func("/bwe/step-down-up", test_step_down_up);
	g_test_add_func("/bwe/step-down-fast", test_step_down_fast);
	g_test_add_func("/bwe/no-probe-congested", test_no_probe_congested);
	g_test_add_func("/bwe/loss", test_loss);
	g_test_add_func("/bwe/cross-traffic", test_cross_traffic);
	g_test_add_func("/bwe/ceiling", test_ceiling);
	g_test_add_func("/bwe/idle-noisy", test_idle_noisy);
	g_test_add_func("/bwe/busy-noisy", test_busy_noisy);
	return g_test_run();
}
