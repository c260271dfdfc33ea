/* The Data Channel Establishment Protocol (RFC 8832): DATA_CHANNEL_OPEN from the browser,
 * DATA_CHANNEL_ACK from us. The parser is a pure function of (buf, len). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SCTP payload protocol identifiers (RFC 8831) */
#define DCEP_PPID_CONTROL      50
#define DCEP_PPID_STRING       51
#define DCEP_PPID_BINARY       53
#define DCEP_PPID_STRING_EMPTY 56
#define DCEP_PPID_BINARY_EMPTY 57

#define DCEP_MAX_LABEL 256 /* longer labels or protocols are refused */

enum dcep_reliability {
	DCEP_RELIABLE = 0,
	DCEP_PARTIAL_REXMIT, /* `param` = maxRetransmits */
	DCEP_PARTIAL_TIMED,  /* `param` = maxPacketLifeTime in ms */
};

struct dcep_open {
	enum dcep_reliability reliability;
	bool unordered;
	uint16_t priority;
	uint32_t param;
	char label[DCEP_MAX_LABEL + 1];
	char protocol[DCEP_MAX_LABEL + 1];
};

enum dcep_type {
	DCEP_INVALID = 0,
	DCEP_OPEN,
	DCEP_ACK,
};

/* Classifies and, for an OPEN, fills `out`; DCEP_INVALID for anything malformed. */
enum dcep_type dcep_parse(const uint8_t *buf, size_t len, struct dcep_open *out);

/* The one-byte ACK. */
size_t dcep_build_ack(uint8_t *buf, size_t cap);
/* An OPEN (for tests and for channels we open ourselves); 0 if it does not fit. */
size_t dcep_build_open(uint8_t *buf, size_t cap, const struct dcep_open *open);
