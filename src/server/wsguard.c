/* A frame-header follower for client-to-server WebSocket bytes (RFC 6455 5.2). It never
 * looks into payloads, so it costs a few comparisons per frame. */
#include "server/wsguard.h"

#include <string.h>

void wsguard_init(struct wsguard *guard, uint64_t limit)
{
	memset(guard, 0, sizeof(*guard));
	guard->limit = limit;
}

/* The whole header's size, once its first two bytes are known. */
static size_t header_size(const uint8_t *h)
{
	size_t size = 2;
	uint8_t len7 = h[1] & 0x7f;

	if (len7 == 126)
		size += 2;
	else if (len7 == 127)
		size += 8;
	if (h[1] & 0x80)
		size += 4; /* masking key */
	return size;
}

/* A complete header: check what the frame adds to its message. */
static bool frame_start(struct wsguard *g)
{
	const uint8_t *h = g->header;
	bool fin = h[0] & 0x80;
	uint8_t opcode = h[0] & 0x0f;
	uint8_t len7 = h[1] & 0x7f;
	uint64_t len = len7;

	if (len7 == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
	} else if (len7 == 127) {
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
		if (len >> 63)
			return false;
	}
	g->payload = len;
	if (opcode & 0x08) /* close, ping, pong: never fragmented, at most 125 bytes */
		return len <= WSGUARD_CONTROL_MAX;
	/* a data frame: opcode 0 continues the message, any other starts one (libsoup
	 * itself refuses frames out of order; this only counts) */
	if (len > g->limit)
		return false;
	g->message = opcode ? len : g->message + len;
	if (g->message > g->limit)
		return false;
	if (fin)
		g->message = 0;
	return true;
}

bool wsguard_feed(struct wsguard *g, const uint8_t *buf, size_t len)
{
	size_t at = 0;

	while (!g->failed && at < len) {
		if (g->payload) {
			uint64_t skip = len - at < g->payload ? len - at : g->payload;

			g->payload -= skip;
			at += (size_t)skip;
			continue;
		}
		g->header[g->header_len++] = buf[at++];
		if (g->header_len < 2 || g->header_len < header_size(g->header))
			continue;
		g->header_len = 0;
		if (!frame_start(g))
			g->failed = true;
	}
	return !g->failed;
}
