/* Transport-cc feedback: base sequence number, status count, reference time, then packet
 * status chunks (run length or status vector) and one receive delta per received packet.
 * Validated in a first pass so a caller never acts on half a message. */
#include "rtc/twcc.h"

#define TWCC_FIXED      8 /* base seq, status count, reference time (24), fb count */
#define TWCC_CHUNK      2
#define TWCC_DELTA_UNIT 250   /* µs per receive-delta tick */
#define TWCC_REF_UNIT   64000 /* µs per reference-time tick */

enum symbol {
	SYM_NONE = 0,  /* not received */
	SYM_SMALL = 1, /* received, 1-byte unsigned delta */
	SYM_LARGE = 2, /* received, 2-byte signed delta */
	SYM_RESERVED = 3,
};

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The i-th status of a chunk that covers `n` packets (n is capped by the caller). */
static enum symbol chunk_symbol(uint16_t chunk, unsigned i)
{
	if (!(chunk & 0x8000))
		return (enum symbol)((chunk >> 13) & 3); /* run length: one symbol */
	if (!(chunk & 0x4000))
		return (enum symbol)((chunk >> (13 - i)) & 1); /* 14 one-bit symbols */
	return (enum symbol)((chunk >> (12 - 2 * i)) & 3);     /* 7 two-bit symbols */
}

static unsigned chunk_len(uint16_t chunk)
{
	if (!(chunk & 0x8000))
		return chunk & 0x1fff;
	return (chunk & 0x4000) ? 7 : 14;
}

/* Walks the chunks and deltas; with fn NULL it only checks. */
static bool walk(const uint8_t *fci, size_t len, const struct rtc_twcc_feedback *fb,
                 rtc_twcc_status_fn fn, void *data)
{
	size_t off = TWCC_FIXED, n_chunks = 0, delta_off;
	unsigned left = fb->status_count;
	int64_t t = fb->reference_us;
	uint16_t seq = fb->base_seq;

	/* first the chunks: they say how many deltas follow */
	while (left) {
		unsigned n;

		if (off + TWCC_CHUNK > len)
			return false;
		n = chunk_len(rd16(fci + off));
		if (n == 0)
			return false; /* a run of nothing says nothing: not a sender's output */
		left -= n < left ? n : left;
		off += TWCC_CHUNK;
		n_chunks++;
	}
	delta_off = off;
	left = fb->status_count;
	for (size_t c = 0; c < n_chunks; c++) {
		uint16_t chunk = rd16(fci + TWCC_FIXED + c * TWCC_CHUNK);
		unsigned n = chunk_len(chunk);

		for (unsigned i = 0; i < n && left; i++, left--, seq++) {
			enum symbol s = chunk_symbol(chunk, i);

			if (s == SYM_RESERVED)
				return false;
			if (s == SYM_NONE) {
				if (fn)
					fn(data, seq, false, 0);
				continue;
			}
			if (s == SYM_SMALL) {
				if (delta_off + 1 > len)
					return false;
				t += (int64_t)fci[delta_off] * TWCC_DELTA_UNIT;
				delta_off += 1;
			} else {
				if (delta_off + 2 > len)
					return false;
				t += (int64_t)(int16_t)rd16(fci + delta_off) * TWCC_DELTA_UNIT;
				delta_off += 2;
			}
			if (fn)
				fn(data, seq, true, t);
		}
	}
	/* RTCP padding is stripped by the caller; up to 3 zero bytes align the deltas */
	return len - delta_off < 4;
}

bool rtc_twcc_parse(const uint8_t *fci, size_t len, struct rtc_twcc_feedback *out,
                    rtc_twcc_status_fn fn, void *data)
{
	int32_t ref;

	if (len < TWCC_FIXED)
		return false;
	out->base_seq = rd16(fci);
	out->status_count = rd16(fci + 2);
	ref = (int32_t)((uint32_t)fci[4] << 16 | fci[5] << 8 | fci[6]);
	if (ref & 0x800000)
		ref -= 0x1000000;
	out->reference_us = (int64_t)ref * TWCC_REF_UNIT;
	out->fb_count = fci[7];
	if (!walk(fci, len, out, NULL, NULL))
		return false;
	if (fn)
		walk(fci, len, out, fn, data);
	return true;
}
