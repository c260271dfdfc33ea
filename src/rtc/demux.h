/* What one datagram on the ICE transport is, by its first byte (RFC 7983 section 7):
 * STUN, DTLS, RTP or RTCP share the five-tuple once BUNDLE and rtcp-mux are in force.
 * A pure function, so the peer's dispatch and its fuzzer agree by construction. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum rtc_demux {
	RTC_DEMUX_DROP = 0, /* empty, ZRTP, TURN channel data or a byte no range claims */
	RTC_DEMUX_STUN,     /* 0..3 */
	RTC_DEMUX_DTLS,     /* 20..63 */
	RTC_DEMUX_RTP,      /* 128..191, payload type not an RTCP one */
	RTC_DEMUX_RTCP,     /* 128..191, second byte 192..223 (RFC 5761 section 4) */
};

enum rtc_demux rtc_demux(const uint8_t *buf, size_t len);
