/* A sender-side bandwidth estimate for one viewer, from transport-cc feedback: delay-based
 * (inter-group delay variation through a trendline filter, an adaptive overuse detector
 * and an AIMD rate controller, after draft-ietf-rmcat-gcc-02 and libwebrtc's goog_cc),
 * loss-based, the smaller of the two, and probe clusters to find room above it. Pure: no
 * clock of its own (every call says what time it is), no I/O, no threads; the caller
 * serializes calls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtc_bwe_config {
	uint32_t start_bps; /* 0: RTC_BWE_START_BPS */
	uint32_t min_bps;   /* 0: RTC_BWE_MIN_BPS */
	uint32_t max_bps;   /* the ceiling (--bitrate); 0: RTC_BWE_MAX_BPS */
};

#define RTC_BWE_START_BPS 1500000
#define RTC_BWE_MIN_BPS   100000
#define RTC_BWE_MAX_BPS   50000000

/* One packet the feedback reports, in transport-wide sequence order. Send times are
 * ours, arrival times the receiver's clock (only their differences mean anything). */
struct rtc_bwe_packet {
	int64_t send_us;
	int64_t arrival_us; /* when received */
	uint32_t size;      /* bytes on the wire as RTP (before SRTP is fine: all alike) */
	bool received;
	int probe_id; /* the probe cluster it was sent in, 0: none */
};

/* A burst the pacer should send at `rate_bps`, `bytes` in all, at least `min_packets`
 * packets, each tagged with `id` (media that goes meanwhile counts too; the rest is
 * padding or duplicates). */
struct rtc_bwe_probe {
	int id;
	uint32_t rate_bps;
	uint32_t bytes;
	unsigned min_packets;
};

struct bwe *rtc_bwe_new(const struct rtc_bwe_config *config, int64_t now_us);
void rtc_bwe_free(struct bwe *bwe); /* accepts NULL */

void rtc_bwe_set_max(struct bwe *bwe, uint32_t max_bps);
void rtc_bwe_on_feedback(struct bwe *bwe, int64_t now_us, const struct rtc_bwe_packet *pkts,
                         size_t n);
void rtc_bwe_on_rtt(struct bwe *bwe, int64_t now_us, int64_t rtt_us);
/* True when a probe cluster should start now; then *out says which. */
bool rtc_bwe_next_probe(struct bwe *bwe, int64_t now_us, struct rtc_bwe_probe *out);

uint32_t rtc_bwe_get_estimate(const struct bwe *bwe);
/* True for a few seconds after the estimate was cut because the link itself was full
 * (queueing delay growing while we sent more than got through, or heavy loss): the
 * estimate is then what the link carries, and anything sent beyond it queues or is lost.
 * An idle desktop's gentle step down does not count. */
bool rtc_bwe_congested(const struct bwe *bwe, int64_t now_us);

/* What the estimator is doing, for stats and tests. */
struct rtc_bwe_state {
	uint32_t estimate_bps;
	uint32_t delay_bps;
	uint32_t loss_bps;
	uint32_t acked_bps; /* received rate over the last half second; 0 unknown */
	double trend;       /* modified trend, ms */
	double threshold;   /* overuse threshold, ms */
	int signal;         /* -1 underuse, 0 normal, 1 overuse */
	double loss;        /* fraction lost, last report */
	int64_t rtt_us;
	int64_t queue_us; /* the standing queue the one-way delays show, 0 none or unknown */
};
void rtc_bwe_get_state(const struct bwe *bwe, struct rtc_bwe_state *out);
