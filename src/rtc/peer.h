/* One viewer's WebRTC connection: ICE (libnice) → DTLS-SRTP (GnuTLS, libsrtp2) →
 * RTP out, RTCP in, and its congestion control: a bandwidth estimate from the browser's
 * transport-cc feedback and a paced send queue with a thread of its own.
 *
 * Threads: everything runs on the GLib main loop, except
 *  - rtc_peer_send_rtp / rtc_peer_send_video, which the encoder threads (video's, audio's)
 *    call: they only queue the packet (a copy) and wake the sender;
 *  - the peer's sender thread ("wayrtc-send", from connected to rtc_peer_free), which
 *    paces the queue, writes the transport-wide sequence number, protects (SRTP) and
 *    hands each packet to libnice. So no encoder thread ever waits on a slow viewer. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/codec.h"

struct rtc_cert; /* our DTLS certificate, shared by every peer (rtc/dtls.h) */

struct rtc_peer_config {
	struct rtc_cert *cert;
	/* the video codecs to offer, most wanted first; n_codecs 0: `codec` alone */
	enum rtc_codec codecs[RTC_CODEC_COUNT];
	size_t n_codecs;
	enum rtc_codec codec;
	uint8_t h264_level_idc;     /* of the H.264 we send (rtc_h264_level_idc); 0: 3.1 */
	uint8_t h264_444_level_idc; /* of the 4:4:4 (rtc_h264_444_level_idc); 0: the above */
	uint32_t video_ssrc;
	uint32_t rtx_ssrc;         /* RFC 4588 resends; 0: one of its own is chosen */
	uint32_t max_bitrate_kbps; /* the estimate's ceiling (--bitrate); 0: none */
	bool audio;                /* offer the Opus section (the viewer may hear) */
	uint32_t audio_ssrc;
	const char *stun_host; /* NULL: host candidates only */
	unsigned stun_port;
	const char *turn_host; /* NULL: no relay */
	unsigned turn_port;
	const char *turn_user;
	const char *turn_pass;
};

enum rtc_peer_state {
	RTC_PEER_NEW = 0,
	RTC_PEER_CONNECTING, /* ICE checks or the DTLS handshake under way */
	RTC_PEER_CONNECTED,  /* SRTP keys in place: media flows */
	RTC_PEER_FAILED,     /* ICE or DTLS failed; the reason was passed along */
	RTC_PEER_CLOSED,
};

struct rtc_peer_listener {
	/* A local ICE candidate to trickle ("candidate:…", no "a="), mid "0"; NULL once
	 * after the last (none comes when the offer already said end-of-candidates). */
	void (*candidate)(void *data, const char *candidate);
	void (*state)(void *data, enum rtc_peer_state state, const char *reason);
	/* The browser asked for a keyframe (PLI or FIR). */
	void (*keyframe)(void *data);
	/* The browser lost this video packet: resend it (rtc_peer_resend) if still in
	 * history. NACKs for packets a later keyframe made useless, or while the queue is
	 * skipping to a keyframe, or beyond the resend budget, are not passed on. */
	void (*nack)(void *data, uint16_t seq);
	/* The bandwidth estimate for this viewer changed by more than a few percent, or
	 * reached a bound; bits per second. Optional. */
	void (*estimate)(void *data, uint32_t bps);
	/* Data channels (main loop): the browser opened one, sent a whole message on one,
	 * or one closed (also every open one when the connection ends). Optional. */
	void (*channel_open)(void *data, uint16_t id, const char *label);
	void (*channel_message)(void *data, uint16_t id, bool binary, const uint8_t *buf,
	                        size_t len);
	void (*channel_closed)(void *data, uint16_t id);
};

struct rtc_peer *rtc_peer_new(const struct rtc_peer_config *config,
                              const struct rtc_peer_listener *listener, void *data, GError **error);
void rtc_peer_free(struct rtc_peer *peer); /* accepts NULL */

/* Gathers host candidates, then returns the offer (with them inside); g_free it. */
char *rtc_peer_create_offer(struct rtc_peer *peer, GError **error);
/* Takes the browser's answer. Fails with G_IO_ERROR_NOT_SUPPORTED and a message in words
 * naming what the browser lacks when it kept none of the offered codecs. */
bool rtc_peer_set_answer(struct rtc_peer *peer, const char *sdp, size_t len, GError **error);
/* After rtc_peer_set_answer: the video codec the answer chose (the first it kept of ours). */
enum rtc_codec rtc_peer_get_codec(struct rtc_peer *peer);
/* After rtc_peer_set_answer: the largest data-channel message the browser takes (its
 * a=max-message-size: 64 KiB when absent, RFC 8841), at most our RTC_SCTP_MAX_MESSAGE.
 * rtc_peer_channel_send refuses anything larger, every time: send smaller instead. */
size_t rtc_peer_get_max_message_size(struct rtc_peer *peer);
/* A trickled remote candidate, "candidate:…" with or without "a="; "" ends them. */
bool rtc_peer_add_candidate(struct rtc_peer *peer, const char *candidate, GError **error);

enum rtc_peer_state rtc_peer_get_state(struct rtc_peer *peer);

/* What a viewer's link is doing, for the log: counters since the start (RTP sent, video
 * and audio, resends included; what the browser's RTCP said about video). */
struct rtc_peer_stats {
	uint32_t packets, octets; /* wrap: compare two readings by difference */
	uint32_t nacks;           /* sequence numbers asked for again */
	uint32_t keyframe_requests;
	int rtt_ms;            /* from the last report block; -1: none yet */
	uint8_t fraction_lost; /* of the last report block, /256 */
	int32_t cumulative_lost;
	uint32_t jitter;   /* interarrival jitter, 90 kHz ticks */
	uint64_t remb_bps; /* the browser's estimate, 0: none */
};
/* Main loop. */
void rtc_peer_get_stats(struct rtc_peer *peer, struct rtc_peer_stats *stats);

/* Main loop. A message on an open data channel, with the channel's reliability; false
 * when it cannot go (no such channel, larger than rtc_peer_get_max_message_size, send
 * buffer full: only the last passes with time). */
bool rtc_peer_channel_send(struct rtc_peer *peer, uint16_t id, bool binary, const uint8_t *buf,
                           size_t len);
void rtc_peer_channel_close(struct rtc_peer *peer, uint16_t id);

/* Any thread. Queues one RTP packet for the sender thread, which paces, protects and
 * sends it; dropped (cheaply) until connected, and audio packets always for a peer whose
 * offer had no audio or whose answer refused it. Audio goes first and unpaced. A video
 * packet starts a frame when its timestamp differs from the last one's. The sender
 * updates the counters the Sender Reports (one per SSRC) carry. */
void rtc_peer_send_rtp(struct rtc_peer *peer, const uint8_t *pkt, size_t len);
/* Any thread. A video packet with what the queue's drop policy needs: whether it starts
 * a frame and whether that frame is a keyframe. When more than RTC_PEER_QUEUE_MAX_MS of
 * video waits at the pacing rate, the frames not yet begun and this one are dropped, a
 * keyframe is asked for (listener->keyframe) and delta frames are dropped until it
 * comes: a viewer that fell behind skips ahead instead of queueing seconds. */
void rtc_peer_send_video(struct rtc_peer *peer, const uint8_t *pkt, size_t len, bool frame_start,
                         bool keyframe);
/* Main thread, after the peer left one encode's hub and before it joins another's (the
 * same SSRC, its own sequence numbers and timestamps): video not yet begun is dropped,
 * nothing of the new encode goes before its keyframe (ask it for one), and from there
 * the numbers and timestamps the browser sees continue ours. NACKs then name packets
 * by the new encode's numbers (listener->nack); those of the old one are not answered. */
void rtc_peer_restart_video(struct rtc_peer *peer);
/* Any thread. A NACKed video packet again: as RTX (its own SSRC and sequence, the
 * original sequence number first) where the answer kept RTX, else as it was; ahead of new
 * video, within the pacing. */
void rtc_peer_resend(struct rtc_peer *peer, const uint8_t *pkt, size_t len);

#define RTC_PEER_QUEUE_MAX_MS 500

/* Main loop. The current bandwidth estimate, bits per second. */
uint32_t rtc_peer_get_estimate(struct rtc_peer *peer);

/* Any thread. While the link is known to be full (rtc_bwe_congested), how long what
 * waits to be sent (resends and the video frames not yet begun) takes at the pacing
 * rate, in microseconds; else 0: a backlog on a link with room drains faster than the
 * estimate (up to 2.5 ×), and holding frames for it would only make each one bigger. */
int64_t rtc_peer_get_backlog_us(struct rtc_peer *peer);

struct rtc_peer_send_stats {
	uint64_t packets, bytes;
	uint64_t resent;         /* NACKs answered */
	uint64_t nacks_ignored;  /* too old, skipping, or over budget */
	uint64_t dropped_frames; /* by the queue's drop policy */
	uint64_t loss_skips;     /* skips to a keyframe after a report of heavy loss */
	uint64_t probes;         /* probe packets sent */
	uint64_t frames;         /* video frames begun */
	uint64_t fast;           /* packets sent at once by the queueing thread */
	uint64_t wait_us_total;  /* their first packets' time in the queue */
	int64_t wait_us_max;
	uint32_t estimate_bps;
	uint32_t pacing_bps;
	bool twcc; /* the answer kept transport-wide congestion control */
	bool rtx;
};
void rtc_peer_get_send_stats(struct rtc_peer *peer, struct rtc_peer_send_stats *out);
