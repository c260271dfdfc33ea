/* RTCP (RFC 3550, RFC 4585, RFC 5104): the compound packets a browser sends us
 * (RR, SR, SDES, BYE, generic NACK, PLI, FIR, REMB, transport-cc) and the SR we send.
 * The parser is a pure function of (buf, len). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rtc_rtcp_event_type {
	RTC_RTCP_EV_RR = 0, /* one report block (from an RR or an SR) */
	RTC_RTCP_EV_NACK,   /* one lost sequence number (each PID/BLP bit expanded) */
	RTC_RTCP_EV_PLI,
	RTC_RTCP_EV_FIR,
	RTC_RTCP_EV_REMB,
	RTC_RTCP_EV_BYE,  /* one per SSRC the BYE names */
	RTC_RTCP_EV_TWCC, /* transport-cc feedback, checked by rtc_twcc_parse; read it with that */
};

struct rtc_rtcp_event {
	enum rtc_rtcp_event_type type;
	uint32_t sender_ssrc;
	uint32_t media_ssrc; /* the stream the event is about */
	union {
		struct {
			uint8_t fraction_lost;
			int32_t cumulative_lost;
			uint32_t highest_seq;
			uint32_t jitter;
			uint32_t lsr;
			uint32_t dlsr;
		} rr;
		uint16_t nack_seq;
		uint64_t remb_bps;
		struct {
			const uint8_t *fci; /* inside the parsed buffer, valid during the call */
			size_t len;
		} twcc;
	};
};

typedef void (*rtc_rtcp_event_fn)(void *data, const struct rtc_rtcp_event *ev);

/* Walks a compound packet and reports each event. Returns false (having reported the
 * events before the fault) when the packet is malformed: a length past the end, a count
 * that does not fit its packet, bad padding, bytes after the last packet. */
bool rtc_rtcp_parse(const uint8_t *buf, size_t len, rtc_rtcp_event_fn fn, void *data);

/* True if the packet (after the RFC 7983 demux put it in 128..191) is RTCP, not RTP. */
bool rtc_rtcp_is_rtcp(const uint8_t *buf, size_t len);

/* Appends an SDES packet with one chunk: `ssrc`'s CNAME (at most 255 bytes), ended and
 * padded to a word. Returns its length, 0 if it does not fit `cap`. */
size_t rtc_rtcp_build_sdes(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname);

/* Builds a Sender Report with no report blocks. Returns its length, 0 if cap < 28. */
size_t rtc_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
                         uint32_t packets, uint32_t octets);
