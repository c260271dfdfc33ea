/* A leaky bucket that spaces one viewer's packets: they leave at `rate` with at most a
 * small burst at once, so a keyframe's hundred packets do not hit the bottleneck's queue
 * together, while a typed key's one or two packets still go the moment they come. Pure:
 * the caller says the time; not thread-safe (the peer's sender thread owns it). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define RTC_PACER_BURST_US  5000 /* what may leave back to back, in time at the rate */
#define RTC_PACER_BURST_MIN 2400 /* at least two full packets, whatever the rate */

struct pacer {
	double rate_bps;
	double budget; /* bytes that may go now; negative: owed */
	double burst;  /* the budget's ceiling */
	int64_t last_us;
};

void rtc_pacer_init(struct pacer *p, uint32_t rate_bps, int64_t now_us);
void rtc_pacer_set_rate(struct pacer *p, uint32_t rate_bps);
/* Microseconds until the next packet may leave; 0: now. */
int64_t rtc_pacer_wait(struct pacer *p, int64_t now_us);
void rtc_pacer_sent(struct pacer *p, int64_t now_us, size_t bytes);
