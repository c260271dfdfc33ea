/* RTP packets (RFC 3550) and the payload formats we send: H.264 (RFC 6184,
 * packetization-mode=1: single NAL units, STAP-A and FU-A), VP8 (RFC 7741) and Opus
 * (RFC 7587). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/codec.h"

struct rtc_rtp_header {
	uint8_t payload_type;
	bool marker;
	uint16_t seq;
	uint32_t timestamp;
	uint32_t ssrc;
	size_t header_len;  /* bytes before the payload (CSRCs and extension included) */
	size_t payload_len; /* padding excluded */
};

/* Parses the fixed header, CSRCs, extension and padding; false when malformed. */
bool rtc_rtp_header_parse(const uint8_t *buf, size_t len, struct rtc_rtp_header *out);

/* The data of a one-byte-header (RFC 8285) extension element `id`: its offset in the
 * packet, or 0 when absent (or the packet malformed); *elen its length. Pure. */
size_t rtc_rtp_find_ext(const uint8_t *pkt, size_t len, uint8_t id, size_t *elen);
/* Writes a transport-wide sequence number into the packet's slot `id`, or with
 * `keep` false turns the slot into padding (for a peer whose answer dropped it). False
 * when the packet has no such 2-byte slot. */
bool rtc_rtp_set_twcc(uint8_t *pkt, size_t len, uint8_t id, bool keep, uint16_t seq);

/* One packetizer per outgoing stream; not thread-safe (the encoder thread owns it). */
struct rtc_rtp_packetizer {
	enum rtc_codec codec;
	uint8_t payload_type;
	uint32_t ssrc;
	uint16_t seq;             /* next sequence number */
	uint8_t playout_delay_id; /* 0: no extension; else one-byte id, min = max = 0 */
	/* 0: none; else a 2-byte transport-wide sequence number slot (zero here) that each
	 * peer fills with its own, or blanks to padding (rtc_rtp_set_twcc) */
	uint8_t twcc_id;
	uint16_t vp8_picture_id; /* 15-bit, VP8 only */
};

void rtc_rtp_packetizer_init(struct rtc_rtp_packetizer *p, enum rtc_codec codec, uint32_t ssrc);

/* Called once per packet, in order; the last packet of the frame has the marker bit. */
typedef void (*rtc_rtp_emit_fn)(void *data, const uint8_t *pkt, size_t len);

/* Splits one encoded frame (H.264: Annex-B byte stream, one access unit; VP8: one
 * frame) into packets of at most RTC_RTP_MAX bytes. Returns the number of packets. */
size_t rtc_rtp_packetize(struct rtc_rtp_packetizer *p, const uint8_t *frame, size_t len,
                         uint32_t timestamp, bool keyframe, rtc_rtp_emit_fn emit, void *data);

/* The audio stream: payload type RTC_PT_OPUS, no header extension (playout-delay is a
 * video one). */
void rtc_rtp_packetizer_init_opus(struct rtc_rtp_packetizer *p, uint32_t ssrc);
/* One Opus packet, one RTP packet (RFC 7587 4.2; the marker stays clear: we send no DTX).
 * `timestamp` is on the 48 kHz clock whatever the input rate. Returns 1, or 0 for an
 * empty packet or one too large for RTC_RTP_MAX (Opus packets are at most 1275 bytes, at
 * our bitrate about 120). */
size_t rtc_rtp_packetize_opus(struct rtc_rtp_packetizer *p, const uint8_t *opus, size_t len,
                              uint32_t timestamp, rtc_rtp_emit_fn emit, void *data);
