/* The estimate is min(delay-based, loss-based), clamped to [min, max].
 *
 * Delay: packets sent within 5 ms of each other form a group (a frame's burst), and so
 * do those that arrive in a burst right after it (a receiver that stalled); between
 * consecutive groups, how much longer they took to arrive than to leave is queueing
 * growing (or draining) at the bottleneck. The sum of those, smoothed, against arrival
 * time over the last 20 groups gives a slope (trendline filter); a slope above an
 * adaptive threshold for a while is overuse (cut to 0.85 × what got through), below its
 * negative is underuse (hold while the queue drains), else increase: 8 %/s far from the
 * last known capacity (25 %/s once the link took every increase for 2 s), about a packet
 * per round trip near it. The increase never goes
 * past 1.5 × what the receiver got (an idle desktop must not talk the estimate up).
 *
 * Loss: more than 10 % lost cuts by half the loss fraction (at most once per round trip
 * + 300 ms); under 2 % lets it follow the delay-based estimate; in between it holds.
 *
 * Probing: a still desktop sends little, so nothing above would ever learn that the link
 * has room. At the start (3×, then 6× the start rate) and every few seconds while the
 * desktop sends well under the estimate (application-limited), the estimate is below the
 * ceiling and the link is calm, the pacer sends a short burst at a higher rate; what the
 * receiver got of it, if it kept up, is room the estimate may take at once. A busy screen
 * that fills the estimate is not probed: the increase above finds room by itself, and a
 * short probe says little on a link with a token bucket (its burst passes at line rate,
 * then the encode that followed the probe's figure overshoots the link). */
#include "rtc/bwe.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define GROUP_US             5000
#define BURST_US             5000   /* arriving this soon after the group, faster than sent: */
#define BURST_MAX_US         100000 /* the same group (a receiver that stalled), this long at most */
#define TREND_WINDOW         20
#define TREND_SMOOTHING      0.9
#define TREND_GAIN           4.0
#define TREND_MAX_DELTAS     60
#define THRESHOLD_START      12.5
#define THRESHOLD_MIN        6.0
#define THRESHOLD_MAX        600.0
#define K_UP                 0.0087
#define K_DOWN               0.039
#define OVERUSE_TIME_US      10000
#define BETA                 0.85
#define INCREASE_PER_S       1.08
#define INCREASE_CALM_PER_S  1.25 /* after CALM_US without overuse or loss */
#define CALM_US              2000000
#define LINK_VAR_START       0.0025 /* a capacity first seen is good to ±5 % (1 sigma) */
#define ACKED_WINDOW_US      500000
#define ACKED_MIN_SPAN_US    150000
#define ACKED_RING           2048
#define LOSS_HIGH            0.10
#define LOSS_LOW             0.02
#define LOSS_MIN_PACKETS     20
#define DEFAULT_RTT_US       100000
#define PROBE_INTERVAL_US    2000000
#define PROBE_CALM_US        1500000 /* no overuse for this long before a periodic probe */
#define PROBE_FURTHER        0.9     /* a probe that got this much of its rate through: probe on */
#define PROBE_FURTHER_MAX    4
#define BASE_DELAY_ROTATE_US 10000000
#define BETA_MIN             0.5
#define PROBE_DURATION_US    30000
#define PROBE_MIN_PACKETS    6
#define PROBE_RESULT_WAIT_US 1000000
#define PROBE_PACKET_BYTES   1200
#define PROBE_ALR_FRACTION   0.5     /* what got through under this share of the estimate */
#define CONGESTED_US         3000000 /* rtc_bwe_congested: this long after a cut for a full link */

/* A cut for a full link judges by what arrived in this last stretch: while the
 * bottleneck's queue stands, arrivals come at exactly its rate, and the whole window
 * would still hold half a second of the faster link before a step down. */
#define ACKED_RECENT_US 150000

enum rate_state { RATE_HOLD, RATE_INCREASE, RATE_DECREASE };

struct group {
	bool valid;
	int64_t first_send, last_send, first_arrival, last_arrival;
};

struct acked {
	int64_t at;
	uint32_t size;
};

/* Bytes over the last ACKED_WINDOW_US of some clock (arrival, or send). */
struct rate_ring {
	struct acked ring[ACKED_RING];
	size_t head, len;
	uint64_t bytes;
};

struct probe_cluster {
	int id;
	uint32_t rate_bps;
	int64_t started;
	/* from feedback */
	int64_t first_send, last_send, first_arrival, last_arrival;
	uint64_t bytes_sent, bytes_recv;
	uint32_t first_recv_size, last_sent_size;
	unsigned sent, recv;
	bool done;
};

struct bwe {
	uint32_t min_bps, max_bps, start_bps;
	uint32_t estimate;
	double delay_bps;
	double loss_bps;
	int64_t rtt_us;

	/* inter-group delay */
	struct group cur, prev;
	/* trendline */
	double acc_delay_ms, smoothed_ms;
	double xs[TREND_WINDOW], ys[TREND_WINDOW];
	unsigned n_points, n_deltas;
	int64_t first_arrival;
	bool have_first_arrival;
	double trend, prev_trend;
	/* detector */
	double threshold;
	int64_t last_threshold_update;
	double time_over_us;
	int over_count;
	int signal;
	int64_t last_delta_arrival;
	/* rate control */
	enum rate_state state;
	int64_t last_rate_update;
	int64_t last_decrease;
	double link_capacity; /* bps of the last decrease, 0 unknown */
	double link_var;
	int64_t last_overuse;
	int64_t last_congestion; /* the last cut because the link was full (delay or loss) */
	/* acked rate */
	struct rate_ring acked; /* by arrival: what got through */
	struct rate_ring sent;  /* by send time: what we sent, lost or not */
	/* loss */
	unsigned loss_lost, loss_total;
	double loss;
	int64_t last_loss_decrease;
	int64_t last_loss_update;
	/* probes */
	struct probe_cluster probe;
	int next_probe_id;
	int initial_probes; /* how many of the start-up probes went out */
	int64_t last_probe;
	bool probe_further; /* the last probe went through whole: the next may go at once */
	int further_probes; /* how many went at once in a row */
	/* one-way delay floor (arrival − send, two 10 s windows) and the newest, for the
	 * standing queue a cut must drain */
	int64_t base_min[2];
	int64_t base_rotated;
	bool have_base;
	int64_t last_offset;
};

static uint32_t clamp_rate(const struct bwe *b, double v)
{
	if (v < b->min_bps)
		return b->min_bps;
	if (v > b->max_bps)
		return b->max_bps;
	return (uint32_t)v;
}

static void update_estimate(struct bwe *b)
{
	b->delay_bps = clamp_rate(b, b->delay_bps);
	b->loss_bps = clamp_rate(b, b->loss_bps);
	b->estimate = clamp_rate(b, MIN(b->delay_bps, b->loss_bps));
}

struct bwe *rtc_bwe_new(const struct rtc_bwe_config *config, int64_t now_us)
{
	struct bwe *b = g_new0(struct bwe, 1);

	b->min_bps = config->min_bps ? config->min_bps : RTC_BWE_MIN_BPS;
	b->max_bps = config->max_bps ? config->max_bps : RTC_BWE_MAX_BPS;
	b->max_bps = MAX(b->max_bps, b->min_bps);
	b->start_bps = config->start_bps ? config->start_bps : RTC_BWE_START_BPS;
	b->delay_bps = b->loss_bps = b->start_bps;
	b->threshold = THRESHOLD_START;
	b->rtt_us = DEFAULT_RTT_US;
	b->state = RATE_INCREASE;
	b->last_rate_update = b->last_threshold_update = now_us;
	b->last_overuse = now_us;
	b->last_congestion = now_us - CONGESTED_US; /* none yet */
	b->last_probe = now_us;
	b->next_probe_id = 1;
	update_estimate(b);
	return b;
}

void rtc_bwe_free(struct bwe *b)
{
	g_free(b);
}

void rtc_bwe_set_max(struct bwe *b, uint32_t max_bps)
{
	b->max_bps = MAX(max_bps ? max_bps : RTC_BWE_MAX_BPS, b->min_bps);
	update_estimate(b);
}

uint32_t rtc_bwe_get_estimate(const struct bwe *b)
{
	return b->estimate;
}

void rtc_bwe_on_rtt(struct bwe *b, int64_t now_us, int64_t rtt_us)
{
	(void)now_us;
	if (rtt_us > 0 && rtt_us < 10 * G_USEC_PER_SEC)
		b->rtt_us = rtt_us;
}

/* ---- acknowledged rate ---- */

static void ring_add(struct rate_ring *r, int64_t at, uint32_t size)
{
	size_t tail;

	if (r->len == ACKED_RING) {
		r->bytes -= r->ring[r->head].size;
		r->head = (r->head + 1) % ACKED_RING;
		r->len--;
	}
	tail = (r->head + r->len) % ACKED_RING;
	r->ring[tail] = (struct acked){at, size};
	r->len++;
	r->bytes += size;
	/* reports come in sequence order, nearly in time order: trim by the newest */
	while (r->len && r->ring[r->head].at < at - ACKED_WINDOW_US) {
		r->bytes -= r->ring[r->head].size;
		r->head = (r->head + 1) % ACKED_RING;
		r->len--;
	}
}

/* The ring's i-th entry from the oldest. */
static const struct acked *ring_entry(const struct rate_ring *r, size_t i)
{
	return &r->ring[(r->head + i) % ACKED_RING];
}

/* The rate of the entries from the i-th to the newest, whose `bytes` are given: the
 * first one's arrived before the span began. */
static double ring_bps_from(const struct rate_ring *r, size_t i, uint64_t bytes)
{
	int64_t span;

	if (r->len - i < 2)
		return 0;
	span = ring_entry(r, r->len - 1)->at - ring_entry(r, i)->at;
	span = MAX(span, ACKED_MIN_SPAN_US);
	return (double)(bytes - ring_entry(r, i)->size) * 8 * G_USEC_PER_SEC / span;
}

static double ring_bps(const struct rate_ring *r)
{
	return ring_bps_from(r, 0, r->bytes);
}

static double acked_bps(const struct bwe *b)
{
	return ring_bps(&b->acked);
}

/* What arrived in the last ACKED_RECENT_US (at least ACKED_MIN_SPAN_US), or 0 with too
 * little. */
static double acked_recent_bps(const struct bwe *b)
{
	const struct rate_ring *r = &b->acked;
	uint64_t bytes = 0;
	size_t i = r->len;

	while (i > 0 && ring_entry(r, i - 1)->at >= ring_entry(r, r->len - 1)->at - ACKED_RECENT_US)
		bytes += ring_entry(r, --i)->size;
	return ring_bps_from(r, i, bytes);
}

/* ---- trendline and overuse detector ---- */

static double trend_slope(const struct bwe *b)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, n = TREND_WINDOW, den;

	for (int i = 0; i < TREND_WINDOW; i++) {
		sx += b->xs[i];
		sy += b->ys[i];
	}
	sx /= n;
	sy /= n;
	for (int i = 0; i < TREND_WINDOW; i++) {
		sxx += (b->xs[i] - sx) * (b->xs[i] - sx);
		sxy += (b->xs[i] - sx) * (b->ys[i] - sy);
	}
	den = sxx;
	return den > 0 ? sxy / den : 0;
}

static void update_threshold(struct bwe *b, double m, int64_t now)
{
	double dt_ms, k;

	if (fabs(m) > b->threshold + 15) {
		/* a spike (a route change, a stall) must not drag the threshold along */
		b->last_threshold_update = now;
		return;
	}
	k = fabs(m) < b->threshold ? K_DOWN : K_UP;
	dt_ms = MIN((now - b->last_threshold_update) / 1000.0, 100.0);
	b->threshold += k * (fabs(m) - b->threshold) * dt_ms;
	b->threshold = CLAMP(b->threshold, THRESHOLD_MIN, THRESHOLD_MAX);
	b->last_threshold_update = now;
}

static void detect(struct bwe *b, double send_delta_ms, int64_t now)
{
	double m;

	if (b->n_points < TREND_WINDOW)
		return;
	m = MIN(b->n_deltas, TREND_MAX_DELTAS) * b->trend * TREND_GAIN;
	if (m > b->threshold) {
		b->time_over_us += send_delta_ms * 1000;
		b->over_count++;
		if (b->time_over_us > OVERUSE_TIME_US && b->over_count > 1 &&
		    b->trend >= b->prev_trend) {
			b->time_over_us = 0;
			b->over_count = 0;
			b->signal = 1;
		}
	} else if (m < -b->threshold) {
		b->time_over_us = 0;
		b->over_count = 0;
		b->signal = -1;
	} else {
		b->time_over_us = 0;
		b->over_count = 0;
		b->signal = 0;
	}
	b->prev_trend = b->trend;
	update_threshold(b, m, now);
}

/* One completed pair of groups. */
static void group_delta(struct bwe *b, int64_t now)
{
	double send_ms = (b->cur.last_send - b->prev.last_send) / 1000.0;
	double arrival_ms = (b->cur.last_arrival - b->prev.last_arrival) / 1000.0;
	double d = arrival_ms - send_ms;

	if (arrival_ms < 0 || send_ms < 0)
		return; /* reordered across groups: no information */
	if (!b->have_first_arrival) {
		b->first_arrival = b->cur.last_arrival;
		b->have_first_arrival = true;
	}
	b->n_deltas++;
	b->acc_delay_ms += d;
	b->smoothed_ms = TREND_SMOOTHING * b->smoothed_ms + (1 - TREND_SMOOTHING) * b->acc_delay_ms;
	memmove(b->xs, b->xs + 1, sizeof(double) * (TREND_WINDOW - 1));
	memmove(b->ys, b->ys + 1, sizeof(double) * (TREND_WINDOW - 1));
	b->xs[TREND_WINDOW - 1] = (b->cur.last_arrival - b->first_arrival) / 1000.0;
	b->ys[TREND_WINDOW - 1] = b->smoothed_ms;
	if (b->n_points < TREND_WINDOW)
		b->n_points++;
	if (b->n_points == TREND_WINDOW)
		b->trend = trend_slope(b);
	detect(b, send_ms, now);
}

static void track_base(struct bwe *b, const struct rtc_bwe_packet *p, int64_t now)
{
	int64_t offset = p->arrival_us - p->send_us;

	if (!b->have_base) {
		b->base_min[0] = b->base_min[1] = offset;
		b->base_rotated = now;
		b->have_base = true;
	}
	if (now - b->base_rotated > BASE_DELAY_ROTATE_US) {
		b->base_min[1] = b->base_min[0];
		b->base_min[0] = offset;
		b->base_rotated = now;
	}
	b->base_min[0] = MIN(b->base_min[0], offset);
	b->last_offset = offset;
}

/* How long the newest packet queued beyond the fastest one lately, in seconds. */
static double queue_delay_s(const struct bwe *b)
{
	if (!b->have_base)
		return 0;
	return MAX(0, b->last_offset - MIN(b->base_min[0], b->base_min[1])) /
	       (double)G_USEC_PER_SEC;
}

/* A packet that arrived right after the group, sooner after it than it was sent: a
 * receiver that stalled (a busy CPU) and then took in at once what had waited. That is
 * no queue growing at a bottleneck, which never delivers faster than its rate, so it
 * joins the group (whose delay the stall then counts once) instead of making deltas of
 * its own that the trend would read as a queue filling and draining. */
static bool in_burst(const struct group *g, const struct rtc_bwe_packet *p)
{
	int64_t arrival = p->arrival_us - g->last_arrival, send = p->send_us - g->last_send;

	return arrival - send < 0 && arrival <= BURST_US &&
	       p->arrival_us - g->first_arrival < BURST_MAX_US;
}

static void delay_packet(struct bwe *b, const struct rtc_bwe_packet *p, int64_t now)
{
	track_base(b, p, now);
	if (!b->cur.valid) {
		b->cur = (struct group){true, p->send_us, p->send_us, p->arrival_us, p->arrival_us};
		return;
	}
	if (p->send_us < b->cur.first_send)
		return; /* older than the group: a late report */
	if (p->send_us - b->cur.first_send <= GROUP_US || in_burst(&b->cur, p)) {
		b->cur.last_send = MAX(b->cur.last_send, p->send_us);
		b->cur.last_arrival = MAX(b->cur.last_arrival, p->arrival_us);
		return;
	}
	if (b->prev.valid)
		group_delta(b, now);
	b->prev = b->cur;
	b->cur = (struct group){true, p->send_us, p->send_us, p->arrival_us, p->arrival_us};
}

/* ---- AIMD ---- */

static void rate_control(struct bwe *b, int64_t now)
{
	double acked = acked_bps(b);
	double dt = MIN((now - b->last_rate_update) / (double)G_USEC_PER_SEC, 1.0);
	double rate = b->delay_bps;

	b->last_rate_update = now;
	if (b->signal == 1) {
		b->state = RATE_DECREASE;
		b->last_overuse = now;
	} else if (b->signal == -1) {
		b->state = RATE_HOLD;
	} else if (b->state == RATE_HOLD || b->state == RATE_DECREASE) {
		b->state = RATE_INCREASE;
	}
	switch (b->state) {
	case RATE_HOLD:
		break;
	case RATE_INCREASE: {
		double cap = acked > 0 ? 1.5 * acked + 10000 : rate;

		if (b->link_capacity > 0 && acked > b->link_capacity + 3 * sqrt(b->link_var))
			b->link_capacity = 0; /* the link got faster than it was */
		if (b->link_capacity > 0 && rate > 0.9 * b->link_capacity) {
			/* near the capacity last seen: about one packet per response time */
			double response_s = (b->rtt_us + 100000) / (double)G_USEC_PER_SEC;

			rate += MAX(1000.0, dt * PROBE_PACKET_BYTES * 8 / response_s);
		} else {
			/* a link that took every increase for a while may have grown a lot (a
			 * busy screen fills the estimate, so no probe tells): climb faster */
			double per_s = now - b->last_overuse > CALM_US && b->loss < LOSS_LOW
			                       ? INCREASE_CALM_PER_S
			                       : INCREASE_PER_S;

			rate += MAX(1000.0 * dt, rate * (pow(per_s, dt) - 1));
		}
		/* never talked up past what actually got through (unless already there) */
		if (acked > 0 && rate > cap)
			rate = MAX(cap, b->delay_bps);
		break;
	}
	case RATE_DECREASE: {
		/* An idle desktop's trickle (what got through is under half the rate, and is
		 * about all we sent) cannot have filled the link: the queue is someone else's,
		 * or the receiver's CPU. Step down gently then, and keep the room a busy screen
		 * will need; else (we sent more than got through: the link is slower than it
		 * was) cut to what got through, deeper when a standing queue must drain. Once
		 * per round trip (the feedback after a cut still shows the old queue). */
		double sent = ring_bps(&b->sent);
		bool limited = acked <= 0 || (acked < 0.5 * rate && acked > 0.8 * sent);
		int64_t gap = limited ? b->rtt_us + 300000 : MAX(b->rtt_us, 100000);

		if (now - b->last_decrease >= gap) {
			double beta = CLAMP(1 - queue_delay_s(b), BETA_MIN, BETA);
			double recent = acked_recent_bps(b);
			double target;

			if (!limited && recent > 0)
				acked = MIN(acked, recent);
			target = limited ? BETA * rate : beta * acked;

			if (target < rate)
				rate = target;
			if (!limited) {
				/* far below the capacity last seen: the link changed, start over */
				if (b->link_capacity > 0 &&
				    acked < b->link_capacity - 3 * sqrt(b->link_var))
					b->link_capacity = 0;
				if (b->link_capacity <= 0) {
					b->link_capacity = acked;
					b->link_var = LINK_VAR_START * acked * acked;
				} else {
					double err = acked - b->link_capacity;

					b->link_capacity += 0.05 * err;
					b->link_var = 0.95 * b->link_var + 0.05 * err * err;
				}
			}
			b->last_decrease = now;
			if (!limited)
				b->last_congestion = now;
		}
		b->state = RATE_HOLD;
		break;
	}
	}
	b->delay_bps = rate;
}

/* ---- loss ---- */

static void loss_control(struct bwe *b, int64_t now)
{
	double dt;

	if (b->loss_total < LOSS_MIN_PACKETS)
		return;
	b->loss = (double)b->loss_lost / b->loss_total;
	b->loss_lost = b->loss_total = 0;
	dt = MIN((now - b->last_loss_update) / (double)G_USEC_PER_SEC, 1.0);
	b->last_loss_update = now;
	if (b->loss > LOSS_HIGH) {
		if (now - b->last_loss_decrease >= b->rtt_us + 300000) {
			b->loss_bps = MIN(b->loss_bps, (double)b->estimate) * (1 - 0.5 * b->loss);
			b->last_loss_decrease = now;
			b->last_congestion = now;
		}
	} else if (b->loss < LOSS_LOW) {
		/* low loss: no limit of its own beyond a gentle climb back */
		b->loss_bps = MAX(b->loss_bps * pow(INCREASE_PER_S, dt) + 1000 * dt,
		                  MIN(b->delay_bps, b->loss_bps * 1.5));
	}
}

/* ---- probes ---- */

static void probe_packet(struct bwe *b, const struct rtc_bwe_packet *p)
{
	struct probe_cluster *c = &b->probe;

	if (!p->probe_id || p->probe_id != c->id || c->done)
		return;
	if (!c->sent || p->send_us < c->first_send)
		c->first_send = p->send_us;
	if (!c->sent || p->send_us >= c->last_send) {
		c->last_send = p->send_us;
		c->last_sent_size = p->size;
	}
	c->sent++;
	c->bytes_sent += p->size;
	if (!p->received)
		return;
	if (!c->recv || p->arrival_us < c->first_arrival) {
		c->first_arrival = p->arrival_us;
		c->first_recv_size = p->size;
	}
	if (!c->recv || p->arrival_us > c->last_arrival)
		c->last_arrival = p->arrival_us;
	c->recv++;
	c->bytes_recv += p->size;
}

static void probe_result(struct bwe *b, int64_t now)
{
	struct probe_cluster *c = &b->probe;
	double send_rate, recv_rate, result;
	int64_t send_span, recv_span;

	if (!c->id || c->done)
		return;
	if (c->sent < PROBE_MIN_PACKETS) {
		if (now - c->started > PROBE_RESULT_WAIT_US)
			c->done = true; /* never came back whole */
		return;
	}
	c->done = true;
	send_span = c->last_send - c->first_send;
	recv_span = c->last_arrival - c->first_arrival;
	if (c->recv < PROBE_MIN_PACKETS || send_span <= 0 || recv_span <= 0)
		return;
	send_rate = (double)(c->bytes_sent - c->last_sent_size) * 8 * G_USEC_PER_SEC / send_span;
	recv_rate = (double)(c->bytes_recv - c->first_recv_size) * 8 * G_USEC_PER_SEC / recv_span;
	/* the receiver could not keep up: what it got is the link's rate; else the probe
	 * rate went through whole */
	result = recv_rate < 0.9 * send_rate ? 0.95 * recv_rate : MIN(send_rate, recv_rate);
	if ((double)c->recv / c->sent < 1 - LOSS_HIGH)
		return; /* lost too much of it to trust */
	/* on at once only while probes keep finding room (and a few times at most) */
	b->probe_further = result >= PROBE_FURTHER * c->rate_bps && result > b->delay_bps &&
	                   ++b->further_probes <= PROBE_FURTHER_MAX;
	if (!b->probe_further)
		b->further_probes = 0;
	if (result > b->delay_bps) {
		b->delay_bps = result;
		b->loss_bps = MAX(b->loss_bps, result);
		b->link_capacity = 0;
	}
}

bool rtc_bwe_next_probe(struct bwe *b, int64_t now, struct rtc_bwe_probe *out)
{
	bool congested = rtc_bwe_congested(b, now);

	uint32_t rate;

	if (b->probe.id && !b->probe.done && now - b->probe.started < PROBE_RESULT_WAIT_US)
		return false; /* one at a time */
	if (b->estimate >= b->max_bps) {
		/* nothing further to find; a probe kept for later would go off after the next
		 * cut, at twice an estimate that just fell */
		b->probe_further = false;
		return false;
	}
	if (b->initial_probes < 2) {
		rate = b->start_bps * (b->initial_probes ? 6 : 3);
		/* the second waits for the first's answer */
		if (b->initial_probes && !b->probe.done)
			return false;
		b->initial_probes++;
	} else if (b->probe_further && b->probe.done) {
		/* nor after a probe that got through, once the link is full after all */
		b->probe_further = false;
		if (congested)
			return false;
		rate = b->estimate * 2;
	} else {
		/* not while the link is known to be full: a token bucket's saved burst would
		 * pass the probe at line rate and talk the estimate far above the link */
		if (now - b->last_probe < PROBE_INTERVAL_US ||
		    now - b->last_overuse < PROBE_CALM_US || congested || b->loss > LOSS_LOW ||
		    b->signal != 0 || acked_bps(b) >= PROBE_ALR_FRACTION * b->estimate)
			return false;
		rate = b->estimate * 2;
	}
	rate = MIN(rate, b->max_bps);
	if (rate <= b->estimate)
		return false;
	b->probe =
	        (struct probe_cluster){.id = b->next_probe_id++, .rate_bps = rate, .started = now};
	b->last_probe = now;
	*out = (struct rtc_bwe_probe){
	        .id = b->probe.id,
	        .rate_bps = rate,
	        .bytes = MAX((uint32_t)((uint64_t)rate * PROBE_DURATION_US / 8 / G_USEC_PER_SEC),
	                     PROBE_MIN_PACKETS * PROBE_PACKET_BYTES),
	        .min_packets = PROBE_MIN_PACKETS,
	};
	return true;
}

void rtc_bwe_on_feedback(struct bwe *b, int64_t now, const struct rtc_bwe_packet *pkts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct rtc_bwe_packet *p = &pkts[i];

		probe_packet(b, p);
		ring_add(&b->sent, p->send_us, p->size);
		b->loss_total++;
		if (!p->received) {
			b->loss_lost++;
			continue;
		}
		ring_add(&b->acked, p->arrival_us, p->size);
		delay_packet(b, p, now);
	}
	probe_result(b, now);
	rate_control(b, now);
	loss_control(b, now);
	update_estimate(b);
}

bool rtc_bwe_congested(const struct bwe *b, int64_t now)
{
	return now - b->last_congestion < CONGESTED_US;
}

void rtc_bwe_get_state(const struct bwe *b, struct rtc_bwe_state *out)
{
	*out = (struct rtc_bwe_state){
	        .estimate_bps = b->estimate,
	        .delay_bps = (uint32_t)b->delay_bps,
	        .loss_bps = (uint32_t)b->loss_bps,
	        .acked_bps = (uint32_t)acked_bps(b),
	        .trend = MIN(b->n_deltas, TREND_MAX_DELTAS) * b->trend * TREND_GAIN,
	        .threshold = b->threshold,
	        .signal = b->signal,
	        .loss = b->loss,
	        .rtt_us = b->rtt_us,
	        .queue_us = (int64_t)(queue_delay_s(b) * G_USEC_PER_SEC),
	};
}
