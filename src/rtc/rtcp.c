/* RTCP compound packets from browsers (RFC 3550, 4585, 5104, REMB draft), walked with
 * every length checked; and the Sender Report we send. */
#include "rtc/rtcp.h"

#include <string.h>

#include "rtc/twcc.h"

#define RTCP_SR    200
#define RTCP_RR    201
#define RTCP_SDES  202
#define RTCP_BYE   203
#define RTCP_RTPFB 205
#define RTCP_PSFB  206

#define RTCP_FMT_NACK 1  /* RTPFB: generic NACK */
#define RTCP_FMT_TWCC 15 /* RTPFB: transport-wide congestion control */
#define RTCP_FMT_PLI  1  /* PSFB: picture loss */
#define RTCP_FMT_FIR  4  /* PSFB: full intra request */
#define RTCP_FMT_AFB  15 /* PSFB: application layer feedback (REMB) */

#define RTCP_HEADER       4
#define RTCP_SR_INFO      24 /* sender SSRC, NTP (8), RTP timestamp, packets, octets */
#define RTCP_REPORT_BLOCK 24
#define RTCP_FB_COMMON    8 /* sender SSRC, media source SSRC */
#define RTCP_NACK_FCI     4
#define RTCP_FIR_FCI      8
#define RTCP_SR_LEN       (RTCP_HEADER + RTCP_SR_INFO)

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

bool rtc_rtcp_is_rtcp(const uint8_t *buf, size_t len)
{
	return len >= 8 && buf[1] >= 192 && buf[1] <= 223;
}

/* Report blocks follow the sender's SSRC (RR) or sender info (SR); profile-specific
 * extensions may follow them and are skipped. */
static bool report_blocks(const uint8_t *b, size_t len, unsigned count, uint32_t sender,
                          rtc_rtcp_event_fn fn, void *data)
{
	if ((size_t)count * RTCP_REPORT_BLOCK > len)
		return false;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *rb = b + (size_t)i * RTCP_REPORT_BLOCK;
		struct rtc_rtcp_event ev = {
		        .type = RTC_RTCP_EV_RR, .sender_ssrc = sender, .media_ssrc = rd32(rb)};
		int32_t lost = (int32_t)(rb[5] << 16 | rb[6] << 8 | rb[7]);

		/* cumulative lost is 24-bit signed: duplicates can make it negative */
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
	return true;
}

/* RFC 4585 6.2.1: each FCI is a PID and a bitmask of the 16 following losses. */
static void generic_nack(const uint8_t *fci, size_t len, struct rtc_rtcp_event *ev,
                         rtc_rtcp_event_fn fn, void *data)
{
	ev->type = RTC_RTCP_EV_NACK;
	for (size_t f = 0; f + RTCP_NACK_FCI <= len; f += RTCP_NACK_FCI) {
		uint16_t pid = rd16(fci + f), blp = rd16(fci + f + 2);

		ev->nack_seq = pid;
		fn(data, ev);
		for (unsigned bit = 0; bit < 16; bit++) {
			if (blp & (1u << bit)) {
				ev->nack_seq = (uint16_t)(pid + bit + 1);
				fn(data, ev);
			}
		}
	}
}

/* draft-alvestrand-rmcat-remb: "REMB", SSRC count, 6-bit exponent, 18-bit mantissa,
 * then the SSRCs it applies to. */
static bool remb(const uint8_t *fci, size_t len, struct rtc_rtcp_event *ev, rtc_rtcp_event_fn fn,
                 void *data)
{
	unsigned n_ssrc, exp;
	uint64_t mantissa;

	if (len < 8 || memcmp(fci, "REMB", 4) != 0)
		return true; /* another application's feedback: not ours to judge */
	n_ssrc = fci[4];
	if (8 + (size_t)n_ssrc * 4 > len)
		return false;
	exp = fci[5] >> 2;
	mantissa = (uint64_t)(fci[5] & 3) << 16 | (uint64_t)fci[6] << 8 | fci[7];
	ev->type = RTC_RTCP_EV_REMB;
	/* 18 bits shifted by up to 63 overflows past 2^46: saturate */
	ev->remb_bps = mantissa && exp > 46 ? UINT64_MAX : mantissa << exp;
	if (n_ssrc)
		ev->media_ssrc = rd32(fci + 8);
	fn(data, ev);
	return true;
}

/* One RTPFB/PSFB packet: common header (sender, media source) then the FCI. */
static bool feedback(unsigned type, unsigned fmt, const uint8_t *body, size_t len,
                     rtc_rtcp_event_fn fn, void *data)
{
	struct rtc_rtcp_event ev = {0};
	const uint8_t *fci = body + RTCP_FB_COMMON;
	size_t fci_len;

	if (len < RTCP_FB_COMMON)
		return false;
	fci_len = len - RTCP_FB_COMMON;
	ev.sender_ssrc = rd32(body);
	ev.media_ssrc = rd32(body + 4);
	if (type == RTCP_RTPFB && fmt == RTCP_FMT_NACK) {
		if (fci_len < RTCP_NACK_FCI)
			return false;
		generic_nack(fci, fci_len, &ev, fn, data);
	} else if (type == RTCP_PSFB && fmt == RTCP_FMT_PLI) {
		ev.type = RTC_RTCP_EV_PLI;
		fn(data, &ev);
	} else if (type == RTCP_PSFB && fmt == RTCP_FMT_FIR) {
		/* RFC 5104 4.3.1: the media source field is unused; each FCI names its SSRC */
		if (fci_len < RTCP_FIR_FCI)
			return false;
		ev.type = RTC_RTCP_EV_FIR;
		for (size_t f = 0; f + RTCP_FIR_FCI <= fci_len; f += RTCP_FIR_FCI) {
			ev.media_ssrc = rd32(fci + f);
			fn(data, &ev);
		}
	} else if (type == RTCP_RTPFB && fmt == RTCP_FMT_TWCC) {
		struct rtc_twcc_feedback fb;

		if (!rtc_twcc_parse(fci, fci_len, &fb, NULL, NULL))
			return false;
		ev.type = RTC_RTCP_EV_TWCC;
		ev.twcc.fci = fci;
		ev.twcc.len = fci_len;
		fn(data, &ev);
	} else if (type == RTCP_PSFB && fmt == RTCP_FMT_AFB) {
		return remb(fci, fci_len, &ev, fn, data);
	}
	/* the rest: skipped, we do not use them */
	return true;
}

bool rtc_rtcp_parse(const uint8_t *buf, size_t len, rtc_rtcp_event_fn fn, void *data)
{
	size_t off = 0;

	if (len < RTCP_HEADER)
		return false;
	while (off < len) {
		const uint8_t *h = buf + off;
		unsigned count, type;
		size_t plen, blen;
		const uint8_t *body;

		if (len - off < RTCP_HEADER || (h[0] >> 6) != 2)
			return false;
		count = h[0] & 0x1f;
		type = h[1];
		plen = ((size_t)rd16(h + 2) + 1) * 4;
		if (plen > len - off)
			return false;
		body = h + RTCP_HEADER;
		blen = plen - RTCP_HEADER;
		if (h[0] & 0x20) {
			/* padding: its last octet counts the padding octets, itself included */
			size_t pad = h[plen - 1];

			if (pad == 0 || pad > blen)
				return false;
			blen -= pad;
		}
		switch (type) {
		case RTCP_SR:
			if (blen < RTCP_SR_INFO ||
			    !report_blocks(body + RTCP_SR_INFO, blen - RTCP_SR_INFO, count,
			                   rd32(body), fn, data))
				return false;
			break;
		case RTCP_RR:
			if (blen < 4 ||
			    !report_blocks(body + 4, blen - 4, count, rd32(body), fn, data))
				return false;
			break;
		case RTCP_BYE:
			if ((size_t)count * 4 > blen)
				return false;
			for (unsigned i = 0; i < count; i++) {
				struct rtc_rtcp_event ev = {.type = RTC_RTCP_EV_BYE,
				                            .sender_ssrc = rd32(body + 4 * i),
				                            .media_ssrc = rd32(body + 4 * i)};

				fn(data, &ev);
			}
			break;
		case RTCP_RTPFB:
		case RTCP_PSFB:
			if (!feedback(type, count, body, blen, fn, data))
				return false;
			break;
		default:
			break; /* SDES, APP, XR and anything newer: skipped by length */
		}
		off += plen;
	}
	return true;
}

size_t rtc_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
                         uint32_t packets, uint32_t octets)
{
	if (cap < RTCP_SR_LEN)
		return 0;
	buf[0] = 0x80;
	buf[1] = RTCP_SR;
	buf[2] = 0;
	buf[3] = RTCP_SR_LEN / 4 - 1;
	wr32(buf + 4, ssrc);
	wr32(buf + 8, (uint32_t)(ntp >> 32));
	wr32(buf + 12, (uint32_t)ntp);
	wr32(buf + 16, rtp_ts);
	wr32(buf + 20, packets);
	wr32(buf + 24, octets);
	return RTCP_SR_LEN;
}

size_t rtc_rtcp_build_sdes(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname)
{
	size_t n = strlen(cname);
	/* header, SSRC, CNAME item (type, length, text), at least one zero (END), to a word */
	size_t len = (RTCP_HEADER + 4 + 2 + n + 1 + 3) / 4 * 4;

	if (n > 255 || cap < len)
		return 0;
	memset(buf, 0, len);
	buf[0] = 0x81; /* one chunk */
	buf[1] = RTCP_SDES;
	buf[2] = (uint8_t)((len / 4 - 1) >> 8);
	buf[3] = (uint8_t)(len / 4 - 1);
	wr32(buf + 4, ssrc);
	buf[8] = 1; /* CNAME */
	buf[9] = (uint8_t)n;
	memcpy(buf + 10, cname, n);
	return len;
}
