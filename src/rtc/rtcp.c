/* RTCP compound packets from browsers (RFC 3550, 4585, 5104, REMB draft), walked with
 * every length checked; and the Sender Report we send. */
#include "rtc/rtcp.h"

#include <string.h>

#define RTCP_SR    200
#define RTCP_RR    201
#define RTCP_BYE   203
#define RTCP_RTPFB 205
#define RTCP_PSFB  206

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void wr32(uint8_t *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v & 0xff;
}

bool rtcp_is_rtcp(const uint8_t *buf, size_t len)
{
	return len >= 8 && buf[1] >= 192 && buf[1] <= 223;
}

static void report_blocks(const uint8_t *b, size_t len, unsigned count, uint32_t sender,
                          rtcp_event_fn fn, void *data)
{
	for (unsigned i = 0; i < count && (i + 1) * 24 <= len; i++) {
		const uint8_t *rb = b + i * 24;
		struct rtcp_event ev = {
		        .type = RTCP_EV_RR, .sender_ssrc = sender, .media_ssrc = rd32(rb)};
		int32_t lost = (int32_t)(rb[5] << 16 | rb[6] << 8 | rb[7]);

		if (lost & 0x800000)
			lost -= 0x1000000;
		ev.rr.fraction_lost = rb[4];
		ev.rr.cumulative_lost = lost;
		ev.rr.highest_seq = rd32(rb + 8);
		ev.rr.jitter = rd32(rb + 12);
		ev.rr.lsr = rd32(rb + 16);
		ev.rr.dlsr = rd32(rb + 20);
		fn(data, &ev);
	}
}

bool rtcp_parse(const uint8_t *buf, size_t len, rtcp_event_fn fn, void *data)
{
	size_t off = 0;

	if (len < 4)
		return false;
	while (off + 4 <= len) {
		const uint8_t *h = buf + off;
		unsigned count = h[0] & 0x1f, type = h[1];
		size_t plen = ((size_t)rd16(h + 2) + 1) * 4;
		const uint8_t *body = h + 4;
		size_t blen = plen - 4;

		if ((h[0] >> 6) != 2 || off + plen > len)
			return false;
		switch (type) {
		case RTCP_SR:
			if (blen < 24)
				return false;
			report_blocks(body + 24, blen - 24, count, rd32(body), fn, data);
			break;
		case RTCP_RR:
			if (blen < 4)
				return false;
			report_blocks(body + 4, blen - 4, count, rd32(body), fn, data);
			break;
		case RTCP_BYE:
			if (count && blen >= 4) {
				struct rtcp_event ev = {.type = RTCP_EV_BYE,
				                        .sender_ssrc = rd32(body),
				                        .media_ssrc = rd32(body)};
				fn(data, &ev);
			}
			break;
		case RTCP_RTPFB:
		case RTCP_PSFB: {
			struct rtcp_event ev = {0};

			if (blen < 8)
				return false;
			ev.sender_ssrc = rd32(body);
			ev.media_ssrc = rd32(body + 4);
			if (type == RTCP_RTPFB && count == 1) { /* generic NACK */
				ev.type = RTCP_EV_NACK;
				for (size_t f = 8; f + 4 <= blen; f += 4) {
					uint16_t pid = rd16(body + f), blp = rd16(body + f + 2);

					ev.nack_seq = pid;
					fn(data, &ev);
					for (unsigned bit = 0; bit < 16; bit++) {
						if (blp & (1u << bit)) {
							ev.nack_seq = (uint16_t)(pid + bit + 1);
							fn(data, &ev);
						}
					}
				}
			} else if (type == RTCP_PSFB && count == 1) {
				ev.type = RTCP_EV_PLI;
				fn(data, &ev);
			} else if (type == RTCP_PSFB && count == 4) {
				ev.type = RTCP_EV_FIR;
				for (size_t f = 8; f + 8 <= blen; f += 8) {
					ev.media_ssrc = rd32(body + f);
					fn(data, &ev);
				}
			} else if (type == RTCP_PSFB && count == 15 && blen >= 16 &&
			           memcmp(body + 8, "REMB", 4) == 0) {
				unsigned exp = body[13] >> 2;
				uint64_t mant =
				        (uint64_t)(body[13] & 3) << 16 | body[14] << 8 | body[15];

				ev.type = RTCP_EV_REMB;
				ev.remb_bps = exp > 46 ? UINT64_MAX : mant << exp;
				if (blen >= 20)
					ev.media_ssrc = rd32(body + 16);
				fn(data, &ev);
			}
			break;
		}
		default:
			break; /* SDES, APP, XR, transport-cc: skipped by length */
		}
		off += plen;
	}
	return off == len;
}

size_t rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
                     uint32_t packets, uint32_t octets)
{
	if (cap < 28)
		return 0;
	buf[0] = 0x80;
	buf[1] = RTCP_SR;
	buf[2] = 0;
	buf[3] = 6; /* 28 bytes / 4 - 1 */
	wr32(buf + 4, ssrc);
	wr32(buf + 8, (uint32_t)(ntp >> 32));
	wr32(buf + 12, (uint32_t)ntp);
	wr32(buf + 16, rtp_ts);
	wr32(buf + 20, packets);
	wr32(buf + 24, octets);
	return 28;
}
