/* rtp_header_parse, and both packetizers fed the input as a frame. */
#include "rtc/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *data, const uint8_t *pkt, size_t len)
{
	struct rtp_header h;

	if (len > RTC_RTP_MAX || !rtp_header_parse(pkt, len, &h))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtp_header h;
	struct rtp_packetizer p;

	rtp_header_parse(data, size, &h);
	rtp_packetizer_init(&p, RTC_CODEC_H264, 1);
	rtp_packetize(&p, data, size, 0, false, sink, NULL);
	rtp_packetizer_init(&p, RTC_CODEC_VP8, 1);
	rtp_packetize(&p, data, size, 0, false, sink, NULL);
	return 0;
}
