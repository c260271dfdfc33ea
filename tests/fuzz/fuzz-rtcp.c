/* rtcp_parse over any bytes. */
#include "rtc/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *data, const struct rtcp_event *ev)
{
	(*(unsigned *)data)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned n = 0;

	rtcp_is_rtcp(data, size);
	rtcp_parse(data, size, sink, &n);
	return 0;
}
