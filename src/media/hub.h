/* The hub fans one encode out to every viewer: it packetizes each frame once, keeps a
 * short history for retransmission (NACK), and hands the packets to each peer. The audio
 * (one Opus encode too) goes the same way, without history: no NACK is offered for it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/codec.h"

struct rtc_peer;

struct hub *hub_new(enum rtc_codec codec, uint32_t video_ssrc);
void hub_free(struct hub *hub); /* accepts NULL; no peers may remain */

/* Main thread. After hub_remove_peer returns, the encoder thread no longer uses the peer. */
void hub_add_peer(struct hub *hub, struct rtc_peer *peer);
void hub_remove_peer(struct hub *hub, struct rtc_peer *peer);
size_t hub_peer_count(struct hub *hub);

/* Encoder thread: packetize once, queue to every connected peer (rtc_peer_send_video,
 * with where frames start and which are keyframes, for its drop policy). `ready_us` is
 * the capture time: stats.last_latency_us measures from it to the last packet queued. */
void hub_push_video(struct hub *hub, const uint8_t *frame, size_t len, bool keyframe,
                    uint32_t rtp_ts, int64_t ready_us);

/* Before any audio: the audio stream's SSRC (its own sequence numbers, no history). */
void hub_set_audio_ssrc(struct hub *hub, uint32_t audio_ssrc);
/* Audio encoder thread: one Opus packet (10 ms) to every connected peer that has audio
 * (rtc_peer_send_rtp drops it for the others). `rtp_ts` on the 48 kHz clock. */
void hub_push_audio(struct hub *hub, const uint8_t *opus, size_t len, uint32_t rtp_ts);

/* Main thread, on a NACK from `peer`: resend that packet to it (rtc_peer_resend: as RTX
 * where negotiated) if still in history. */
void hub_retransmit(struct hub *hub, struct rtc_peer *peer, uint16_t seq);

/* Main thread: the longest backlog among the peers (rtc_peer_get_backlog_us), the time
 * until the slowest of them could take a new frame. */
int64_t hub_get_backlog_us(struct hub *hub);

struct hub_stats {
	uint64_t frames;
	uint64_t packets;
	uint64_t bytes;
	uint64_t retransmits;
	uint64_t audio_packets;
	/* frame ready (capture) → last packet handed to the sockets, microseconds */
	int64_t last_latency_us;
};
void hub_get_stats(struct hub *hub, struct hub_stats *out);

/* An extra observer of every packet sent, retransmissions included (benchmarks and
 * tests), called under the hub's lock on the sending thread; it must not call the hub. */
typedef void (*hub_sink_fn)(void *data, const uint8_t *pkt, size_t len);
void hub_set_sink(struct hub *hub, hub_sink_fn sink, void *data);
