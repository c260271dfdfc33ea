/* Budget in bytes, refilled at the rate up to the burst, spent by each packet sent
 * (which may take it below zero: a packet is never split, the next one waits). */
#include "rtc/pacer.h"

#include <glib.h>

static void refill(struct pacer *p, int64_t now)
{
	if (now > p->last_us) {
		p->budget += p->rate_bps * (double)(now - p->last_us) / 8 / G_USEC_PER_SEC;
		if (p->budget > p->burst)
			p->budget = p->burst;
	}
	p->last_us = MAX(p->last_us, now);
}

void rtc_pacer_set_rate(struct pacer *p, uint32_t rate_bps)
{
	p->rate_bps = MAX(rate_bps, 8000u);
	p->burst = MAX(p->rate_bps * RTC_PACER_BURST_US / 8 / G_USEC_PER_SEC,
	               (double)RTC_PACER_BURST_MIN);
	if (p->budget > p->burst)
		p->budget = p->burst;
}

void rtc_pacer_init(struct pacer *p, uint32_t rate_bps, int64_t now_us)
{
	*p = (struct pacer){.last_us = now_us};
	rtc_pacer_set_rate(p, rate_bps);
	p->budget = p->burst;
}

int64_t rtc_pacer_wait(struct pacer *p, int64_t now_us)
{
	refill(p, now_us);
	if (p->budget > 0)
		return 0;
	/* +1: the budget must be above zero, not at it */
	return (int64_t)(-p->budget * 8 * G_USEC_PER_SEC / p->rate_bps) + 1;
}

void rtc_pacer_sent(struct pacer *p, int64_t now_us, size_t bytes)
{
	refill(p, now_us);
	p->budget -= (double)bytes;
}
