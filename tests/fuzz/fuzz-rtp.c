/* rtc_rtp_header_parse and rtc_rtp_find_ext over any bytes, and the packetizers (H.264,
 * VP8, Opus) fed the input as a frame: every packet parses, fits, and the stream is
 * contiguous with one marker at the end. The first byte picks the header extensions (the
 * playout delay's and the transport-wide slot, each on or off), so every header layout is
 * made; each packet's slot is then filled and blanked as a peer does (rtc_rtp_set_twcc):
 * the number is found where it was written, and the blanked packet parses the same. */
#include <stdlib.h>
#include <string.h>

#include "rtc/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	const struct rtc_rtp_packetizer *p;
	size_t packets;
	size_t payload;
	size_t header_len;
	uint16_t next_seq;
	bool marker;
};

static void check_twcc(const struct rtc_rtp_packetizer *p, const uint8_t *pkt, size_t len,
                       uint16_t seq)
{
	uint8_t copy[RTC_RTP_MAX];
	struct rtc_rtp_header h, h2;
	size_t n = 0, at;

	memcpy(copy, pkt, len);
	if (rtc_rtp_set_twcc(copy, len, RTC_EXT_TWCC, true, seq) != (p->twcc_id != 0))
		abort();
	if (!p->twcc_id)
		return;
	at = rtc_rtp_find_ext(copy, len, RTC_EXT_TWCC, &n);
	if (!at || n != 2 || copy[at] != seq >> 8 || copy[at + 1] != (seq & 0xff))
		abort();
	/* blanked to padding: the element is gone, the packet otherwise the same */
	if (!rtc_rtp_set_twcc(copy, len, RTC_EXT_TWCC, false, 0) ||
	    rtc_rtp_find_ext(copy, len, RTC_EXT_TWCC, &n) ||
	    !rtc_rtp_header_parse(copy, len, &h2) || !rtc_rtp_header_parse(pkt, len, &h) ||
	    h.header_len != h2.header_len || h.payload_len != h2.payload_len)
		abort();
	if (p->playout_delay_id && !rtc_rtp_find_ext(copy, len, p->playout_delay_id, &n))
		abort();
}

static void sink(void *data, const uint8_t *pkt, size_t len)
{
	struct seen *s = data;
	struct rtc_rtp_header h;

	if (len > RTC_RTP_MAX || !rtc_rtp_header_parse(pkt, len, &h) || h.payload_len == 0)
		abort();
	if (s->marker || (s->packets && h.seq != s->next_seq) || h.timestamp != 1234)
		abort();
	/* the extension bit exactly when some extension is on */
	if (!!(pkt[0] & 0x10) != (s->p->playout_delay_id || s->p->twcc_id))
		abort();
	check_twcc(s->p, pkt, len, (uint16_t)(s->packets * 7919));
	s->marker = h.marker;
	s->next_seq = (uint16_t)(h.seq + 1);
	s->packets++;
	s->payload += h.payload_len;
}

static void run(enum rtc_codec codec, uint8_t how, const uint8_t *data, size_t size)
{
	struct rtc_rtp_packetizer p;
	struct seen s = {.p = &p};
	size_t n;

	rtc_rtp_packetizer_init(&p, codec, 1);
	if (!(how & 1))
		p.playout_delay_id = 0;
	if (!(how & 2))
		p.twcc_id = 0;
	p.seq = (how & 4) ? 0xfffe : 0; /* across the wrap, or not */
	n = rtc_rtp_packetize(&p, data, size, 1234, false, sink, &s);
	if (n != s.packets || (n && !s.marker))
		abort();
	/* VP8 carries the frame whole, 4 descriptor bytes per packet */
	if (codec == RTC_CODEC_VP8 && s.payload != size + 4 * n)
		abort();
}

static void opus_sink(void *data, const uint8_t *pkt, size_t len)
{
	struct seen *s = data;
	struct rtc_rtp_header h;
	size_t n;

	/* no marker, no playout delay (a video extension), the transport-wide slot */
	if (len > RTC_RTP_MAX || !rtc_rtp_header_parse(pkt, len, &h) || h.marker ||
	    h.payload_type != RTC_PT_OPUS || h.timestamp != 1234 ||
	    rtc_rtp_find_ext(pkt, len, RTC_EXT_PLAYOUT_DELAY, &n))
		abort();
	check_twcc(s->p, pkt, len, 0x1234);
	s->packets++;
	s->payload += h.payload_len;
	s->header_len = h.header_len;
}

/* One Opus packet, one RTP packet, or none when it cannot fit: never split. */
static void run_opus(const uint8_t *data, size_t size)
{
	struct rtc_rtp_packetizer p;
	struct seen s = {.p = &p};
	size_t n;

	rtc_rtp_packetizer_init_opus(&p, 2);
	n = rtc_rtp_packetize_opus(&p, data, size, 1234, opus_sink, &s);
	if (n != s.packets || (n && s.payload != size) || (n && s.header_len + size > RTC_RTP_MAX))
		abort();
	/* what did not go would not have fit (12 bytes of header, 8 of extension) */
	if (!n && size && size + 20 <= RTC_RTP_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_rtp_header h;
	size_t elen = 0, at;
	uint8_t how = size ? data[0] : 3;

	if (rtc_rtp_header_parse(data, size, &h) && h.header_len + h.payload_len > size)
		abort();
	/* every id a one-byte element can have: found data lies inside the packet */
	for (uint8_t id = 0; id < 16; id++) {
		at = rtc_rtp_find_ext(data, size, id, &elen);
		if (at && (at + elen > size || elen == 0 || elen > 16))
			abort();
	}
	run(RTC_CODEC_H264, how, data, size);
	run(RTC_CODEC_VP8, how, data, size);
	run_opus(data, size);
	return 0;
}
