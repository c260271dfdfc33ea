/* rtc_rtcp_parse over any bytes; events stay within what the bytes can hold. */
#include <stdlib.h>

#include "rtc/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *data, const struct rtc_rtcp_event *ev)
{
	if (ev->type > RTC_RTCP_EV_TWCC)
		abort();
	(*(size_t *)data)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;

	rtc_rtcp_is_rtcp(data, size);
	rtc_rtcp_parse(data, size, sink, &n);
	/* at most 17 NACKs per 4 bytes of FCI */
	if (n > 17 * (size / 4))
		abort();
	return 0;
}
