/* rtc_rtp_header_parse and rtc_rtp_find_ext over any bytes, and both packetizers fed the input as a
 * frame: every packet parses, fits, and the stream is contiguous with one marker at the end. */
#include <stdlib.h>

#include "rtc/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t packets;
	size_t payload;
	uint16_t next_seq;
	bool marker;
};

static void sink(void *data, const uint8_t *pkt, size_t len)
{
	struct seen *s = data;
	struct rtc_rtp_header h;

	if (len > RTC_RTP_MAX || !rtc_rtp_header_parse(pkt, len, &h) || h.payload_len == 0)
		abort();
	if (s->marker || (s->packets && h.seq != s->next_seq) || h.timestamp != 1234)
		abort();
	s->marker = h.marker;
	s->next_seq = (uint16_t)(h.seq + 1);
	s->packets++;
	s->payload += h.payload_len;
}

static void run(enum rtc_codec codec, const uint8_t *data, size_t size)
{
	struct rtc_rtp_packetizer p;
	struct seen s = {0};
	size_t n;

	rtc_rtp_packetizer_init(&p, codec, 1);
	n = rtc_rtp_packetize(&p, data, size, 1234, false, sink, &s);
	if (n != s.packets || (n && !s.marker))
		abort();
	/* VP8 carries the frame whole, 4 descriptor bytes per packet */
	if (codec == RTC_CODEC_VP8 && s.payload != size + 4 * n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_rtp_header h;

	size_t elen = 0, at;

	if (rtc_rtp_header_parse(data, size, &h) && h.header_len + h.payload_len > size)
		abort();
	/* every id a one-byte element can have: found data lies inside the packet */
	for (uint8_t id = 0; id < 16; id++) {
		at = rtc_rtp_find_ext(data, size, id, &elen);
		if (at && (at + elen > size || elen == 0 || elen > 16))
			abort();
	}
	run(RTC_CODEC_H264, data, size);
	run(RTC_CODEC_VP8, data, size);
	return 0;
}
