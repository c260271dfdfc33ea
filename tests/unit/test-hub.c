/* The hub: one packetization for all viewers, the history that answers NACKs, stats. */
#include <glib.h>
#include <string.h>

#include "media/hub.h"
#include "rtc/rtp.h"

struct seen {
	unsigned packets;
	uint16_t first_seq, last_seq;
	bool marker_last;
};

static void sink(void *data, const uint8_t *pkt, size_t len)
{
	struct seen *s = data;
	struct rtp_header h;

	g_assert_true(rtp_header_parse(pkt, len, &h));
	if (s->packets++ == 0)
		s->first_seq = h.seq;
	s->last_seq = h.seq;
	s->marker_last = h.marker;
}

static void test_push(void)
{
	struct hub *hub = hub_new(RTC_CODEC_VP8, 99);
	struct seen seen = {0};
	struct hub_stats st;
	uint8_t frame[5000] = {0};
	int64_t ready = g_get_monotonic_time();

	hub_set_sink(hub, sink, &seen);
	g_assert_cmpuint(hub_peer_count(hub), ==, 0);
	hub_push_video(hub, frame, sizeof(frame), true, 1000, ready);
	g_assert_cmpuint(seen.packets, ==, 5);
	g_assert_cmpuint((uint16_t)(seen.last_seq - seen.first_seq), ==, 4);
	g_assert_true(seen.marker_last);
	hub_push_video(hub, frame, 100, false, 4000, ready);
	hub_get_stats(hub, &st);
	g_assert_cmpuint(st.frames, ==, 2);
	g_assert_cmpuint(st.packets, ==, 6);
	g_assert_cmpint(st.last_latency_us, >=, 0);
	/* sequence numbers continue across frames */
	g_assert_cmpuint(seen.last_seq, ==, (uint16_t)(seen.first_seq + 5));
	hub_free(hub);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hub/push", test_push);
	return g_test_run();
}
