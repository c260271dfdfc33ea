/* Transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01):
 * the feedback a browser sends (RTCP RTPFB FMT 15) about every packet that carried our
 * transport-wide sequence number, read by a pure (buf, len) parser. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTC_TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

/* The fixed part of one feedback message (after the common RTPFB header). */
struct rtc_twcc_feedback {
	uint16_t base_seq;
	uint16_t status_count; /* packets reported, base_seq onwards */
	int64_t reference_us;  /* the receiver's clock, 24-bit signed × 64 ms */
	uint8_t fb_count;      /* counts feedback messages, wraps at 256 */
};

/* One reported packet: received (with its arrival time on the receiver's clock, in µs,
 * which only means something relative to other arrivals) or not. */
typedef void (*rtc_twcc_status_fn)(void *data, uint16_t seq, bool received, int64_t arrival_us);

/* Parses the FCI of one transport-cc message (the bytes after sender and media SSRC).
 * Checks everything first: on false (chunks or deltas missing, a reserved symbol, more
 * statuses than chunks say) nothing was reported. Trailing padding is allowed. */
bool rtc_twcc_parse(const uint8_t *fci, size_t len, struct rtc_twcc_feedback *out,
                    rtc_twcc_status_fn fn, void *data);
