/* rtc_rtcp_parse over any bytes; events stay within what the bytes can hold. And our own
 * RTCP writers, fed fields from the same bytes: a Sender Report and an SDES CNAME built
 * into one compound packet must be RTCP, parse whole, and say nothing (no report blocks,
 * no feedback). */
#include <stdlib.h>
#include <string.h>

#include "rtc/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *data, const struct rtc_rtcp_event *ev)
{
	if (ev->type > RTC_RTCP_EV_TWCC)
		abort();
	(*(size_t *)data)++;
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The first 24 bytes are the report's fields, the rest up to a NUL its CNAME. */
static void writers(const uint8_t *data, size_t size)
{
	uint8_t buf[28 + 4 + 4 + 2 + 300];
	char cname[300];
	size_t n = 0, sr, sdes, cn;
	uint64_t ntp;

	if (size < 24)
		return;
	ntp = (uint64_t)get32(data + 4) << 32 | get32(data + 8);
	sr = rtc_rtcp_build_sr(buf, sizeof(buf), get32(data), ntp, get32(data + 12),
	                       get32(data + 16), get32(data + 20));
	if (sr != 28 || rtc_rtcp_build_sr(buf, 27, 0, 0, 0, 0, 0) != 0)
		abort();
	cn = strnlen((const char *)data + 24,
	             size - 24 < sizeof(cname) - 1 ? size - 24 : sizeof(cname) - 1);
	memcpy(cname, data + 24, cn);
	cname[cn] = '\0';
	sdes = rtc_rtcp_build_sdes(buf + sr, sizeof(buf) - sr, get32(data), cname);
	if ((cn > 255) != (sdes == 0) || sdes % 4 || (sdes && sdes < 11 + cn))
		abort();
	if (!rtc_rtcp_is_rtcp(buf, sr + sdes) || !rtc_rtcp_parse(buf, sr + sdes, sink, &n) ||
	    n != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;

	rtc_rtcp_is_rtcp(data, size);
	rtc_rtcp_parse(data, size, sink, &n);
	/* at most 17 NACKs per 4 bytes of FCI */
	if (n > 17 * (size / 4))
		abort();
	writers(data, size);
	return 0;
}
