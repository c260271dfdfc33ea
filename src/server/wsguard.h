/* Bounds a WebSocket message as a whole, fragments included. libsoup 3.2 applies its
 * max_incoming_payload_size to each frame and appends continuation frames without limit,
 * so the bytes a client sends after the upgrade are followed here, frame by frame, and
 * the connection is refused once one message (or any control frame) grows too large. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSGUARD_CONTROL_MAX 125 /* RFC 6455 5.5 */

struct wsguard {
	uint64_t limit;     /* largest message payload allowed */
	uint8_t header[14]; /* the frame header being read */
	size_t header_len;  /* bytes of it so far */
	uint64_t payload;   /* payload bytes of the current frame still to skip */
	uint64_t message;   /* payload bytes of the current data message so far */
	bool failed;        /* sticky: once over, always over */
};

void wsguard_init(struct wsguard *guard, uint64_t limit);
/* Follows `len` more bytes the client sent. False once a message (all its fragments
 * together) exceeds the limit, a control frame exceeds 125 bytes, or a length is not
 * minimal-encodable (the top bit of a 64-bit length set); false from then on. */
bool wsguard_feed(struct wsguard *guard, const uint8_t *buf, size_t len);
