/* The hub: one packetization for all viewers, the history that answers NACKs, stats.
 * Peers here are real but never connected (they drop what they get), so what the hub
 * sends is seen through its observer hook. */
#include <glib.h>
#include <string.h>

#include "media/hub.h"
#include "rtc/dtls.h"
#include "rtc/peer.h"
#include "rtc/rtp.h"

#define SSRC         99
#define EXT_PROFILE  0xbede /* RFC 8285 one-byte header extensions */
#define HISTORY_SIZE 1024   /* HUB_HISTORY in hub.c */

struct seen {
	unsigned packets;
	uint16_t first_seq, last_seq;
	bool marker_last;
	unsigned markers;
	uint32_t timestamp;
	bool bad; /* a packet broke the contract */
	uint8_t last[RTC_RTP_MAX];
	size_t last_len;
	uint8_t kept[8][RTC_RTP_MAX]; /* the first packets, byte for byte */
	size_t kept_len[8];
};

static void sink(void *data, const uint8_t *pkt, size_t len)
{
	struct seen *s = data;
	struct rtc_rtp_header h;

	if (!rtc_rtp_header_parse(pkt, len, &h) || h.ssrc != SSRC || len > RTC_RTP_MAX) {
		s->bad = true;
		return;
	}
	/* the playout-delay extension (min = max = 0) rides on every packet */
	if (!(pkt[0] & 0x10) || (pkt[12] << 8 | pkt[13]) != EXT_PROFILE ||
	    pkt[16] >> 4 != RTC_EXT_PLAYOUT_DELAY)
		s->bad = true;
	if (s->packets < G_N_ELEMENTS(s->kept)) {
		memcpy(s->kept[s->packets], pkt, len);
		s->kept_len[s->packets] = len;
	}
	if (s->packets++ == 0)
		s->first_seq = h.seq;
	s->last_seq = h.seq;
	s->marker_last = h.marker;
	s->markers += h.marker;
	s->timestamp = h.timestamp;
	memcpy(s->last, pkt, len);
	s->last_len = len;
}

static void test_push(void)
{
	struct hub *hub = hub_new(RTC_CODEC_VP8, SSRC);
	struct seen seen = {0};
	struct hub_stats st;
	uint8_t frame[5000] = {0};
	int64_t ready = g_get_monotonic_time();

	hub_set_sink(hub, sink, &seen);
	g_assert_cmpuint(hub_peer_count(hub), ==, 0);
	hub_push_video(hub, frame, sizeof(frame), true, 1000, ready);
	g_assert_false(seen.bad);
	g_assert_cmpuint(seen.packets, ==, 5);
	g_assert_cmpuint((uint16_t)(seen.last_seq - seen.first_seq), ==, 4);
	g_assert_true(seen.marker_last);
	g_assert_cmpuint(seen.markers, ==, 1);
	g_assert_cmpuint(seen.timestamp, ==, 1000);
	hub_push_video(hub, frame, 100, false, 4000, ready);
	hub_get_stats(hub, &st);
	g_assert_cmpuint(st.frames, ==, 2);
	g_assert_cmpuint(st.packets, ==, 6);
	g_assert_cmpint(st.last_latency_us, >=, 0);
	g_assert_cmpint(st.last_latency_us, <, G_USEC_PER_SEC);
	g_assert_cmpuint(seen.timestamp, ==, 4000);
	/* sequence numbers continue across frames */
	g_assert_cmpuint(seen.last_seq, ==, (uint16_t)(seen.first_seq + 5));
	hub_free(hub);
}

/* An H.264 access unit (SPS, PPS, IDR) becomes one timestamp, one marker. */
static void test_h264(void)
{
	struct hub *hub = hub_new(RTC_CODEC_H264, SSRC);
	struct seen seen = {0};
	struct hub_stats st;
	uint8_t au[3000];
	size_t off = 0;
	const uint8_t sps[] = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0x8c, 0x8d};
	const uint8_t pps[] = {0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};

	memcpy(au + off, sps, sizeof(sps));
	off += sizeof(sps);
	memcpy(au + off, pps, sizeof(pps));
	off += sizeof(pps);
	au[off++] = 0;
	au[off++] = 0;
	au[off++] = 1;
	au[off++] = 0x65;
	for (; off < sizeof(au); off++)
		au[off] = (uint8_t)(off * 7 + 1) | 1; /* no start codes inside */
	hub_set_sink(hub, sink, &seen);
	hub_push_video(hub, au, sizeof(au), true, 90000, g_get_monotonic_time());
	g_assert_false(seen.bad);
	g_assert_cmpuint(seen.packets, >=, 3);
	g_assert_cmpuint(seen.markers, ==, 1);
	g_assert_true(seen.marker_last);
	g_assert_cmpuint(seen.timestamp, ==, 90000);
	hub_get_stats(hub, &st);
	g_assert_cmpuint(st.packets, ==, seen.packets);
	g_assert_cmpuint(st.bytes, >, sizeof(au));
	hub_free(hub);
}

/* A NACK gets the very packet again, to that peer; unknown or too old ones get nothing. */
static void test_retransmit(void)
{
	g_autoptr(GError) error = NULL;
	struct rtc_cert *cert = rtc_cert_new(&error);
	struct rtc_peer_config config = {.cert = cert, .codec = RTC_CODEC_VP8, .video_ssrc = SSRC};
	static const struct rtc_peer_listener none = {0};
	struct rtc_peer *a, *b;
	struct hub *hub = hub_new(RTC_CODEC_VP8, SSRC);
	struct seen seen = {0};
	struct hub_stats st;
	uint8_t frame[5000];
	uint16_t first;

	g_assert_no_error(error);
	a = rtc_peer_new(&config, &none, NULL, &error);
	g_assert_no_error(error);
	b = rtc_peer_new(&config, &none, NULL, &error);
	g_assert_no_error(error);
	hub_add_peer(hub, a);
	hub_add_peer(hub, b);
	g_assert_cmpuint(hub_peer_count(hub), ==, 2);
	hub_set_sink(hub, sink, &seen);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	hub_push_video(hub, frame, sizeof(frame), true, 3000, g_get_monotonic_time());
	g_assert_cmpuint(seen.packets, ==, 5);
	first = seen.first_seq;

	hub_retransmit(hub, b, (uint16_t)(first + 2));
	g_assert_cmpuint(seen.packets, ==, 6);
	g_assert_cmpuint(seen.last_len, ==, seen.kept_len[2]);
	g_assert_cmpmem(seen.last, seen.last_len, seen.kept[2], seen.kept_len[2]);
	/* never sent: nothing */
	hub_retransmit(hub, a, (uint16_t)(first - 1));
	hub_retransmit(hub, a, (uint16_t)(first + 5));
	g_assert_cmpuint(seen.packets, ==, 6);
	hub_get_stats(hub, &st);
	g_assert_cmpuint(st.retransmits, ==, 1);
	g_assert_cmpuint(st.packets, ==, 5); /* retransmissions are counted apart */

	/* a whole history later, the first packets are gone, the newest still there */
	while ((uint16_t)(seen.last_seq - first) < HISTORY_SIZE + 10)
		hub_push_video(hub, frame, 1000, false, 6000, g_get_monotonic_time());
	hub_retransmit(hub, a, first);
	hub_retransmit(hub, a, (uint16_t)(first + 2));
	hub_get_stats(hub, &st);
	g_assert_cmpuint(st.retransmits, ==, 1);
	hub_retransmit(hub, a, seen.last_seq);
	hub_get_stats(hub, &st);
	g_assert_cmpuint(st.retransmits, ==, 2);
	g_assert_false(seen.bad);

	hub_remove_peer(hub, a);
	g_assert_cmpuint(hub_peer_count(hub), ==, 1);
	hub_remove_peer(hub, b);
	g_assert_cmpuint(hub_peer_count(hub), ==, 0);
	hub_free(hub);
	rtc_peer_free(a);
	rtc_peer_free(b);
	rtc_cert_free(cert);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hub/push", test_push);
	g_test_add_func("/hub/h264", test_h264);
	g_test_add_func("/hub/retransmit", test_retransmit);
	return g_test_run();
}
