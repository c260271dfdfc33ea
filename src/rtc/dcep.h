/* The Data Channel Establishment Protocol (RFC 8832): DATA_CHANNEL_OPEN from the browser,
 * DATA_CHANNEL_ACK from us. The parser is a pure function of (buf, len). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SCTP payload protocol identifiers (RFC 8831) */
#define RTC_DCEP_PPID_CONTROL      50
#define RTC_DCEP_PPID_STRING       51
#define RTC_DCEP_PPID_BINARY       53
#define RTC_DCEP_PPID_STRING_EMPTY 56
#define RTC_DCEP_PPID_BINARY_EMPTY 57

#define RTC_DCEP_MAX_LABEL 256 /* longer labels or protocols are refused */

enum rtc_dcep_reliability {
	RTC_DCEP_RELIABLE = 0,
	RTC_DCEP_PARTIAL_REXMIT, /* `param` = maxRetransmits */
	RTC_DCEP_PARTIAL_TIMED,  /* `param` = maxPacketLifeTime in ms */
};

struct rtc_dcep_open {
	enum rtc_dcep_reliability reliability;
	bool unordered;
	uint16_t priority;
	uint32_t param;
	char label[RTC_DCEP_MAX_LABEL + 1];
	char protocol[RTC_DCEP_MAX_LABEL + 1];
};

enum rtc_dcep_type {
	RTC_DCEP_INVALID = 0,
	RTC_DCEP_OPEN,
	RTC_DCEP_ACK,
};

/* Classifies and, for an OPEN, fills `out`; RTC_DCEP_INVALID for anything malformed. */
enum rtc_dcep_type rtc_dcep_parse(const uint8_t *buf, size_t len, struct rtc_dcep_open *out);

/* The one-byte ACK. */
size_t rtc_dcep_build_ack(uint8_t *buf, size_t cap);
/* An OPEN (for tests and for channels we open ourselves); 0 if it does not fit. */
size_t rtc_dcep_build_open(uint8_t *buf, size_t cap, const struct rtc_dcep_open *open);
