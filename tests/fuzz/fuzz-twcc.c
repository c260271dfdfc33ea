/* rtc_twcc_parse over any bytes: every status it reports lies within the count it read, in
 * order from the base sequence number, and a refused message reports nothing. */
#include <stdlib.h>

#include "rtc/twcc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t n;
	uint16_t next;
	bool any;
};

static void sink(void *data, uint16_t seq, bool received, int64_t arrival_us)
{
	struct seen *s = data;

	if (s->any && seq != s->next)
		abort();
	/* 24-bit reference × 64 ms plus at most 65535 deltas of ±8.2 s fits easily */
	if (received && (arrival_us > ((int64_t)1 << 50) || arrival_us < -((int64_t)1 << 50)))
		abort();
	s->any = true;
	s->next = (uint16_t)(seq + 1);
	s->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_twcc_feedback fb;
	struct seen s = {0};
	bool ok;

	if (size >= 2)
		s.next = (uint16_t)(data[0] << 8 | data[1]), s.any = true; /* from the base on */
	ok = rtc_twcc_parse(data, size, &fb, sink, &s);

	if (!ok && s.n)
		abort();
	if (ok && s.n != fb.status_count)
		abort();
	return 0;
}
