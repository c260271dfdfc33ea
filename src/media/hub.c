/* One packetization, N viewers. The encoder thread packetizes each frame under the hub's
 * lock, keeps every packet in a ring for NACK resends and queues it to each peer, whose
 * own sender thread paces, protects and sends it: a slow viewer holds up nobody. */
#define LOG_MODULE "hub"
#include "media/hub.h"

#include <glib.h>
#include <string.h>

#include "util/log.h"
#include "rtc/peer.h"
#include "rtc/rtp.h"

/* Packets kept for retransmission: about 1 s at 8 Mbit/s. A power of two, so that the
 * 16-bit sequence number wraps onto the same slots. */
#define HUB_HISTORY 1024
G_STATIC_ASSERT((65536 % HUB_HISTORY) == 0);
#define RTP_MIN_HEADER 12

struct stored {
	uint16_t seq;
	uint16_t len; /* 0: empty slot */
	uint8_t data[RTC_RTP_MAX];
};

struct hub {
	GThread *main; /* the thread that made it, whose calls hub.h marks "Main thread" */
	/* Guards everything below. The encoder thread holds it while it packetizes one frame
	 * and queues it to every peer (a copy each, no sending); the main thread takes it to
	 * change the peer list, to copy a packet out of the history and to read the stats. */
	GMutex lock;
	struct rtc_rtp_packetizer packetizer;
	bool frame_start;                /* the next packet emitted begins a frame */
	bool keyframe;                   /* of the frame being packetized */
	struct rtc_rtp_packetizer audio; /* the audio encoder thread's, under the lock too */
	GPtrArray *peers;
	struct stored history[HUB_HISTORY];
	struct hub_stats stats;
	hub_sink_fn sink;
	void *sink_data;
};

struct hub *hub_new(enum rtc_codec codec, uint32_t video_ssrc)
{
	struct hub *hub = g_new0(struct hub, 1);

	hub->main = g_thread_self();
	g_mutex_init(&hub->lock);
	rtc_rtp_packetizer_init(&hub->packetizer, codec, video_ssrc);
	hub->peers = g_ptr_array_new();
	return hub;
}

void hub_free(struct hub *hub)
{
	if (!hub)
		return;
	g_warn_if_fail(hub->peers->len == 0);
	g_ptr_array_free(hub->peers, TRUE);
	g_mutex_clear(&hub->lock);
	g_free(hub);
}

void hub_add_peer(struct hub *hub, struct rtc_peer *peer)
{
	g_assert(g_thread_self() == hub->main && peer);
	g_mutex_lock(&hub->lock);
	/* twice in the list, it would be sent every packet twice and kept after its removal */
	g_assert(!g_ptr_array_find(hub->peers, peer, NULL));
	g_ptr_array_add(hub->peers, peer);
	g_mutex_unlock(&hub->lock);
}

void hub_remove_peer(struct hub *hub, struct rtc_peer *peer)
{
	g_assert(g_thread_self() == hub->main);
	g_mutex_lock(&hub->lock);
	g_ptr_array_remove_fast(hub->peers, peer);
	g_mutex_unlock(&hub->lock);
}

size_t hub_peer_count(struct hub *hub)
{
	size_t n;

	g_mutex_lock(&hub->lock);
	n = hub->peers->len;
	g_mutex_unlock(&hub->lock);
	return n;
}

void hub_set_sink(struct hub *hub, hub_sink_fn sink, void *data)
{
	g_mutex_lock(&hub->lock);
	hub->sink = sink;
	hub->sink_data = data;
	g_mutex_unlock(&hub->lock);
}

/* Called with the lock held, once per packet, in order. */
static void emit(void *data, const uint8_t *pkt, size_t len)
{
	struct hub *hub = data;
	struct stored *slot;
	uint16_t seq;

	if (len < RTP_MIN_HEADER || len > RTC_RTP_MAX)
		return; /* the packetizer never makes these; the history could not hold them */
	seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	slot = &hub->history[seq % HUB_HISTORY];
	slot->seq = seq;
	slot->len = (uint16_t)len;
	memcpy(slot->data, pkt, len);
	for (guint i = 0; i < hub->peers->len; i++)
		rtc_peer_send_video(g_ptr_array_index(hub->peers, i), pkt, len, hub->frame_start,
		                    hub->keyframe);
	hub->frame_start = false;
	if (hub->sink)
		hub->sink(hub->sink_data, pkt, len);
	hub->stats.packets++;
	hub->stats.bytes += len;
}

void hub_push_video(struct hub *hub, const uint8_t *frame, size_t len, bool keyframe,
                    uint32_t rtp_ts, int64_t ready_us)
{
	g_mutex_lock(&hub->lock);
	hub->frame_start = true;
	hub->keyframe = keyframe;
	rtc_rtp_packetize(&hub->packetizer, frame, len, rtp_ts, keyframe, emit, hub);
	hub->stats.frames++;
	if (ready_us > 0)
		hub->stats.last_latency_us = g_get_monotonic_time() - ready_us;
	g_mutex_unlock(&hub->lock);
}

void hub_set_audio_ssrc(struct hub *hub, uint32_t audio_ssrc)
{
	g_mutex_lock(&hub->lock);
	rtc_rtp_packetizer_init_opus(&hub->audio, audio_ssrc);
	g_mutex_unlock(&hub->lock);
}

/* Called with the lock held: the same fan-out as video's emit, but no history (its
 * sequence numbers are another stream's, and nobody NACKs audio). */
static void emit_audio(void *data, const uint8_t *pkt, size_t len)
{
	struct hub *hub = data;

	for (guint i = 0; i < hub->peers->len; i++)
		rtc_peer_send_rtp(g_ptr_array_index(hub->peers, i), pkt, len);
	if (hub->sink)
		hub->sink(hub->sink_data, pkt, len);
	hub->stats.audio_packets++;
}

void hub_push_audio(struct hub *hub, const uint8_t *opus, size_t len, uint32_t rtp_ts)
{
	g_mutex_lock(&hub->lock);
	if (hub->audio.payload_type == RTC_PT_OPUS)
		rtc_rtp_packetize_opus(&hub->audio, opus, len, rtp_ts, emit_audio, hub);
	g_mutex_unlock(&hub->lock);
}

void hub_retransmit(struct hub *hub, struct rtc_peer *peer, uint16_t seq)
{
	uint8_t pkt[RTC_RTP_MAX];
	size_t len = 0;
	struct stored *slot;

	g_assert(g_thread_self() == hub->main);
	g_mutex_lock(&hub->lock);
	slot = &hub->history[seq % HUB_HISTORY];
	if (slot->len && slot->seq == seq) {
		len = slot->len;
		memcpy(pkt, slot->data, len);
		hub->stats.retransmits++;
		if (hub->sink)
			hub->sink(hub->sink_data, pkt, len);
	}
	g_mutex_unlock(&hub->lock);
	/* outside the lock: the main thread must not hold up the encoder thread */
	if (len)
		rtc_peer_resend(peer, pkt, len);
}

int64_t hub_get_backlog_us(struct hub *hub)
{
	int64_t us = 0;

	g_assert(g_thread_self() == hub->main);
	g_mutex_lock(&hub->lock);
	for (guint i = 0; i < hub->peers->len; i++)
		us = MAX(us, rtc_peer_get_backlog_us(g_ptr_array_index(hub->peers, i)));
	g_mutex_unlock(&hub->lock);
	return us;
}

void hub_get_stats(struct hub *hub, struct hub_stats *out)
{
	g_mutex_lock(&hub->lock);
	*out = hub->stats;
	g_mutex_unlock(&hub->lock);
}
