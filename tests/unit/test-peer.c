/* rtc_peer against a minimal "browser" made of our own ice + dtls + srtp modules in the
 * answerer role, over loopback in this process: the offer carries what a browser needs,
 * ICE + DTLS + SRTP connect in both DTLS roles, RTP sent from any thread arrives
 * decrypted byte for byte, PLI and NACK from the browser reach the listener, a Sender
 * Report arrives with our counts, and freeing the peer closes DTLS. With audio: its
 * packets arrive only where the offer had it and the answer kept it, and the Sender
 * Report carries one report per SSRC. Under real packet loss (the browser's socket drops
 * some at random), NACKs bring every lost packet back through the hub's history. */
#include <gio/gio.h>
#include <interfaces.h>
#include <string.h>

#include "media/hub.h"
#include "util/log.h"
#include "rtc/dtls.h"
#include "rtc/ice.h"
#include "rtc/peer.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/sctp.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"
#include "rtc/twcc.h"

#include "browser.h"

#define SSRC         0x11223344u
#define AUDIO_SSRC   0x99aabbccu
#define BROWSER_SSRC 0x55667788u
#define TIMEOUT_MS   20000 /* libnice gives up on a dead address after about 7 s */
#define THREAD_PKTS  64
#define RTCP_PT_SR   200

/* ---- what the peer tells its listener ---- */

struct seen {
	enum rtc_peer_state state;
	char *reason;
	unsigned keyframes;
	GArray *nacks; /* uint16_t */
	unsigned candidates;
	unsigned ends; /* candidate NULL: no more */
	unsigned estimates;
	uint32_t estimate_bps;
};

static void peer_candidate(void *data, const char *candidate)
{
	struct seen *s = data;

	if (!candidate) {
		s->ends++;
		return;
	}
	g_assert_cmpuint(s->ends, ==, 0);
	g_assert_true(g_str_has_prefix(candidate, "candidate:"));
	s->candidates++;
}

static void peer_state(void *data, enum rtc_peer_state state, const char *reason)
{
	struct seen *s = data;

	s->state = state;
	g_free(s->reason);
	s->reason = g_strdup(reason);
}

static void peer_keyframe(void *data)
{
	struct seen *s = data;

	s->keyframes++;
}

/* When set, a NACK is answered as the viewer answers it: from the hub's history. */
static struct {
	struct hub *hub;
	struct rtc_peer *peer;
} answer_nacks;

static void peer_nack(void *data, uint16_t seq)
{
	struct seen *s = data;

	g_array_append_val(s->nacks, seq);
	if (answer_nacks.hub)
		hub_retransmit(answer_nacks.hub, answer_nacks.peer, seq);
}

static void peer_estimate(void *data, uint32_t bps)
{
	struct seen *s = data;

	s->estimates++;
	s->estimate_bps = bps;
}

static const struct rtc_peer_listener peer_listener = {
        .candidate = peer_candidate,
        .state = peer_state,
        .keyframe = peer_keyframe,
        .nack = peer_nack,
        .estimate = peer_estimate,
};

/* ---- helpers ---- */

static gboolean on_deadline(void *data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

typedef bool (*cond_fn)(void *data);

static bool run_until(cond_fn cond, void *data)
{
	bool late = false;
	guint id = g_timeout_add(TIMEOUT_MS, on_deadline, &late);

	while (!late && !cond(data))
		g_main_context_iteration(NULL, TRUE);
	if (!late)
		g_source_remove(id);
	return !late;
}

struct world {
	struct rtc_cert *cert;
	struct rtc_peer *peer;
	struct seen seen;
	struct browser browser;
	unsigned want_rtp, want_rtcp, want_keyframes, want_nacks;
	uint16_t resend_osn; /* got_resend: an RTX packet of this original, at this time */
	uint32_t resend_ts;
	guint resend_at;
};

static bool connected(void *data)
{
	struct world *w = data;

	return (w->seen.state == RTC_PEER_CONNECTED && w->browser.srtp) ||
	       w->seen.state == RTC_PEER_FAILED || w->browser.dtls_failed;
}

static bool got_rtp(void *data)
{
	struct world *w = data;

	return w->browser.rtp->len >= w->want_rtp;
}

static bool got_feedback(void *data)
{
	struct world *w = data;

	return w->seen.keyframes >= w->want_keyframes && w->seen.nacks->len >= w->want_nacks;
}

static bool got_sr(void *data)
{
	struct world *w = data;

	for (guint i = 0; i < w->browser.rtcp->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(w->browser.rtcp->pdata[i], &len);

		if (len >= 28 && p[1] == RTCP_PT_SR)
			return true;
	}
	return false;
}

static bool browser_closed(void *data)
{
	struct world *w = data;

	return w->browser.dtls_closed || w->browser.dtls_failed;
}

static size_t make_rtp(uint8_t *pkt, uint16_t seq, uint32_t ts, size_t payload)
{
	pkt[0] = 0x80;
	pkt[1] = 0x80 | 96; /* marker, VP8 */
	pkt[2] = seq >> 8;
	pkt[3] = seq & 0xff;
	pkt[4] = ts >> 24;
	pkt[5] = ts >> 16;
	pkt[6] = ts >> 8;
	pkt[7] = ts & 0xff;
	pkt[8] = SSRC >> 24;
	pkt[9] = (SSRC >> 16) & 0xff;
	pkt[10] = (SSRC >> 8) & 0xff;
	pkt[11] = SSRC & 0xff;
	for (size_t i = 0; i < payload; i++)
		pkt[12 + i] = (uint8_t)(seq + i * 3);
	return 12 + payload;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v & 0xff;
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

struct sender {
	struct rtc_peer *peer;
	uint16_t first_seq;
};

static gpointer send_thread(gpointer data)
{
	struct sender *s = data;
	uint8_t pkt[RTC_RTP_MAX];

	for (unsigned i = 0; i < THREAD_PKTS; i++) {
		size_t len = make_rtp(pkt, (uint16_t)(s->first_seq + i), 9000 + 3000 * i, 900);

		rtc_peer_send_rtp(s->peer, pkt, len);
		if (i % 8 == 7)
			g_usleep(1000); /* loopback drops what floods its socket buffer */
	}
	return NULL;
}

static void world_connect_audio(struct world *w, bool active, bool offer_audio,
                                enum audio_answer audio)
{
	g_autoptr(GError) error = NULL;
	struct rtc_peer_config config = {
	        .codec = RTC_CODEC_VP8,
	        .video_ssrc = SSRC,
	        .audio = offer_audio,
	        .audio_ssrc = AUDIO_SSRC,
	};
	g_autofree char *offer = NULL, *answer = NULL;

	memset(w, 0, sizeof(*w));
	w->seen.nacks = g_array_new(FALSE, FALSE, sizeof(uint16_t));
	w->cert = rtc_cert_new(&error);
	g_assert_no_error(error);
	config.cert = w->cert;
	w->peer = rtc_peer_new(&config, &peer_listener, &w->seen, &error);
	g_assert_no_error(error);
	offer = rtc_peer_create_offer(w->peer, &error);
	g_assert_no_error(error);
	g_assert_cmpint(w->seen.state, ==, RTC_PEER_CONNECTING);
	g_assert_cmpint(strstr(offer, "m=audio") != NULL, ==, offer_audio);
	answer = browser_answer(&w->browser, offer, active, audio);
	g_assert_true(rtc_peer_set_answer(w->peer, answer, strlen(answer), &error));
	g_assert_no_error(error);
	g_assert_true(rtc_peer_add_candidate(w->peer, "", &error)); /* end of candidates */
	g_assert_true(run_until(connected, w));
	g_assert_cmpint(w->seen.state, ==, RTC_PEER_CONNECTED);
	g_assert_false(w->browser.dtls_failed);
	g_assert_cmpint(rtc_peer_get_state(w->peer), ==, RTC_PEER_CONNECTED);
}

static void world_connect(struct world *w, bool active)
{
	world_connect_audio(w, active, false, AUDIO_NONE);
}

static void world_clear(struct world *w)
{
	rtc_peer_free(w->peer);
	browser_clear(&w->browser);
	rtc_cert_free(w->cert);
	g_array_unref(w->seen.nacks);
	g_free(w->seen.reason);
}

static void check_media(bool active)
{
	struct world w;
	uint8_t pkt[RTC_RTP_MAX], rtcp[64];
	size_t len;
	struct sender sender;
	GThread *thread;
	gsize got_len;
	const uint8_t *got;
	bool sr_checked = false;

	world_connect(&w, active);

	/* one packet from this thread: the same bytes come out at the browser */
	len = make_rtp(pkt, 1000, 3000, 1100);
	rtc_peer_send_rtp(w.peer, pkt, len);
	w.want_rtp = 1;
	g_assert_true(run_until(got_rtp, &w));
	got = g_bytes_get_data(w.browser.rtp->pdata[0], &got_len);
	g_assert_cmpmem(got, got_len, pkt, len);
	/* too big to be ours, or not RTP: dropped, nothing sent */
	rtc_peer_send_rtp(w.peer, pkt, RTC_RTP_MAX + 1);
	rtc_peer_send_rtp(w.peer, pkt, 5);

	/* more from an encoder-like thread */
	sender = (struct sender){.peer = w.peer, .first_seq = 1001};
	thread = g_thread_new("encoder", send_thread, &sender);
	w.want_rtp = 1 + THREAD_PKTS;
	g_assert_true(run_until(got_rtp, &w));
	g_thread_join(thread);
	g_assert_cmpuint(w.browser.rtp->len, ==, 1 + THREAD_PKTS);
	for (guint i = 1; i < w.browser.rtp->len; i++) {
		struct rtc_rtp_header h;

		got = g_bytes_get_data(w.browser.rtp->pdata[i], &got_len);
		g_assert_true(rtc_rtp_header_parse(got, got_len, &h));
		g_assert_cmpuint(h.ssrc, ==, SSRC);
		g_assert_cmpuint(h.payload_len, ==, 900);
	}
	g_assert_cmpuint(w.browser.refused, ==, 0);
	/* no transport-cc in this answer: no estimate to follow */
	g_assert_cmpuint(rtc_peer_get_estimate(w.peer), ==, 0);

	/* RR + PLI for our stream: a keyframe request */
	memset(rtcp, 0, sizeof(rtcp));
	rtcp[0] = 0x80, rtcp[1] = 201, rtcp[3] = 1; /* RR, no blocks */
	put32(rtcp + 4, BROWSER_SSRC);
	rtcp[8] = 0x81, rtcp[9] = 206, rtcp[11] = 2; /* PLI */
	put32(rtcp + 12, BROWSER_SSRC);
	put32(rtcp + 16, SSRC);
	g_assert_true(browser_send_rtcp(&w.browser, rtcp, 20));
	w.want_keyframes = 1;
	g_assert_true(run_until(got_feedback, &w));
	g_assert_cmpuint(w.seen.keyframes, ==, 1);

	/* a PLI for someone else's stream, then a NACK for 1003 and (BLP bit 1) 1005 */
	put32(rtcp + 16, SSRC + 1);
	g_assert_true(browser_send_rtcp(&w.browser, rtcp, 20));
	rtcp[8] = 0x81, rtcp[9] = 205, rtcp[11] = 3; /* generic NACK */
	put32(rtcp + 16, SSRC);
	rtcp[20] = 1003 >> 8, rtcp[21] = 1003 & 0xff, rtcp[22] = 0, rtcp[23] = 0x02;
	g_assert_true(browser_send_rtcp(&w.browser, rtcp, 24));
	w.want_nacks = 2;
	g_assert_true(run_until(got_feedback, &w));
	g_assert_cmpuint(w.seen.keyframes, ==, 1);
	g_assert_cmpuint(w.seen.nacks->len, ==, 2);
	g_assert_cmpuint(g_array_index(w.seen.nacks, uint16_t, 0), ==, 1003);
	g_assert_cmpuint(g_array_index(w.seen.nacks, uint16_t, 1), ==, 1005);

	/* within a second, a Sender Report with our counts and a plausible clock */
	g_assert_true(run_until(got_sr, &w));
	for (guint i = 0; i < w.browser.rtcp->len; i++) {
		const uint8_t *p = g_bytes_get_data(w.browser.rtcp->pdata[i], &got_len);
		uint64_t ntp_s;
		uint32_t ts;

		if (got_len < 28 || p[1] != RTCP_PT_SR)
			continue;
		g_assert_cmpuint(get32(p + 4), ==, SSRC);
		ntp_s = get32(p + 8);
		g_assert_cmpint(
		        llabs((long long)ntp_s - 2208988800LL - g_get_real_time() / 1000000), <=,
		        2);
		ts = get32(p + 16);
		/* the newest packet had 9000 + 3000 * 63, sent under 2 s ago */
		g_assert_cmpuint(ts - (9000 + 3000 * (THREAD_PKTS - 1)), <=, 2 * 90000);
		g_assert_cmpuint(get32(p + 20), ==, 1 + THREAD_PKTS);
		g_assert_cmpuint(get32(p + 24), ==, 1100 + 900 * THREAD_PKTS);
		sr_checked = true;
		break;
	}
	g_assert_true(sr_checked);

	/* the viewer leaves: the browser hears close_notify */
	rtc_peer_free(w.peer);
	w.peer = NULL;
	g_assert_true(run_until(browser_closed, &w));
	g_assert_true(w.browser.dtls_closed);
	world_clear(&w);
}

static void test_media_dtls_server(void)
{
	check_media(true); /* a=setup:active, as Chrome and Firefox answer */
}

static void test_media_dtls_client(void)
{
	check_media(false);
}

static size_t make_opus(uint8_t *pkt, uint16_t seq, uint32_t ts, size_t payload)
{
	size_t len = make_rtp(pkt, seq, ts, payload);

	pkt[1] = RTC_PT_OPUS; /* no marker */
	put32(pkt + 8, AUDIO_SSRC);
	return len;
}

static unsigned count_ssrc(GPtrArray *rtp, uint32_t ssrc)
{
	unsigned n = 0;

	for (guint i = 0; i < rtp->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(rtp->pdata[i], &len);

		n += len >= 12 && get32(p + 8) == ssrc;
	}
	return n;
}

/* The compound RTCP with both Sender Reports, video's first. */
static bool got_two_srs(void *data)
{
	struct world *w = data;

	for (guint i = 0; i < w->browser.rtcp->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(w->browser.rtcp->pdata[i], &len);

		if (len >= 56 && p[1] == RTCP_PT_SR && p[29] == RTCP_PT_SR)
			return true;
	}
	return false;
}

/* Audio goes out beside video where the offer had it and the answer kept it; elsewhere
 * its packets never reach the wire (a browser must not get a stream it was not offered). */
static void check_audio(bool offer_audio, enum audio_answer answer)
{
	bool flows = offer_audio && answer == AUDIO_ACCEPT;
	struct world w;
	uint8_t pkt[RTC_RTP_MAX];
	size_t len;

	world_connect_audio(&w, true, offer_audio, answer);
	for (unsigned i = 0; i < 10; i++) {
		len = make_opus(pkt, (uint16_t)(500 + i), 48000 + 480 * i, 120);
		rtc_peer_send_rtp(w.peer, pkt, len);
	}
	/* video last: once it is in, everything sent before it had its chance */
	len = make_rtp(pkt, 7, 90000, 300);
	rtc_peer_send_rtp(w.peer, pkt, len);
	w.want_rtp = flows ? 11 : 1;
	g_assert_true(run_until(got_rtp, &w));
	g_usleep(50 * 1000);
	g_main_context_iteration(NULL, FALSE);
	g_assert_cmpuint(count_ssrc(w.browser.rtp, SSRC), ==, 1);
	g_assert_cmpuint(count_ssrc(w.browser.rtp, AUDIO_SSRC), ==, flows ? 10 : 0);
	if (flows) {
		const uint8_t *p = NULL;
		gsize got_len;
		struct rtc_rtp_header h;

		for (guint i = 0; i < w.browser.rtp->len && !p; i++) {
			p = g_bytes_get_data(w.browser.rtp->pdata[i], &got_len);
			if (get32(p + 8) != AUDIO_SSRC)
				p = NULL;
		}
		g_assert_true(rtc_rtp_header_parse(p, got_len, &h));
		g_assert_cmpuint(h.payload_type, ==, RTC_PT_OPUS);
		g_assert_cmpuint(h.payload_len, ==, 120);

		/* one compound packet, SR for video then SR for audio, each with its counts */
		g_assert_true(run_until(got_two_srs, &w));
		for (guint i = 0; i < w.browser.rtcp->len; i++) {
			const uint8_t *r = g_bytes_get_data(w.browser.rtcp->pdata[i], &got_len);

			if (got_len < 56 || r[1] != RTCP_PT_SR || r[29] != RTCP_PT_SR)
				continue;
			g_assert_cmpuint(get32(r + 4), ==, SSRC);
			g_assert_cmpuint(get32(r + 20), ==, 1);
			g_assert_cmpuint(get32(r + 24), ==, 300);
			g_assert_cmpuint(get32(r + 28 + 4), ==, AUDIO_SSRC);
			/* the same wall clock for both: that is what lines them up */
			g_assert_cmpmem(r + 8, 8, r + 28 + 8, 8);
			/* 48 kHz: the newest had 48000 + 480 * 9, sent under 2 s ago */
			g_assert_cmpuint(get32(r + 28 + 16) - (48000 + 480 * 9), <=, 2 * 48000);
			g_assert_cmpuint(get32(r + 28 + 20), ==, 10);
			g_assert_cmpuint(get32(r + 28 + 24), ==, 10 * 120);
			break;
		}
	} else {
		/* only video's report */
		g_assert_true(run_until(got_sr, &w));
		g_assert_false(got_two_srs(&w));
	}
	world_clear(&w);
}

static void test_audio(void)
{
	check_audio(true, AUDIO_ACCEPT);
}

static void test_audio_not_offered(void)
{
	check_audio(false, AUDIO_NONE);
}

static void test_audio_refused(void)
{
	check_audio(true, AUDIO_REJECT);
}

static bool has_loopback_candidate(const char *offer)
{
	return strstr(offer, " 127.0.0.1 ") != NULL;
}

static bool machine_has_other_address(void)
{
	GList *ips = nice_interfaces_get_local_ips(FALSE);
	bool found = false;

	for (GList *l = ips; l; l = l->next) {
		g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(l->data);

		found |= ia && !g_inet_address_get_is_loopback(ia) &&
		         !g_inet_address_get_is_link_local(ia);
	}
	g_list_free_full(ips, g_free);
	return found;
}

static char *offer_for(struct rtc_cert *cert, struct rtc_peer **out)
{
	g_autoptr(GError) error = NULL;
	struct rtc_peer_config config = {.cert = cert, .codec = RTC_CODEC_H264, .video_ssrc = SSRC};
	static const struct rtc_peer_listener none = {0};
	struct rtc_peer *peer = rtc_peer_new(&config, &none, NULL, &error);
	char *offer;

	g_assert_no_error(error);
	offer = rtc_peer_create_offer(peer, &error);
	g_assert_no_error(error);
	*out = peer;
	return offer;
}

static void test_offer(void)
{
	g_autoptr(GError) error = NULL;
	struct rtc_cert *cert = rtc_cert_new(&error);
	struct rtc_peer *peer;
	g_autofree char *offer = NULL, *without = NULL, *fp_line = NULL;
	g_autofree char *answer = NULL;
	struct offer o;

	g_assert_no_error(error);
	g_setenv(RTC_ICE_LOOPBACK_ENV, "1", TRUE);
	offer = offer_for(cert, &peer);
	offer_parse(offer, &o);
	fp_line = g_strdup_printf("a=fingerprint:sha-256 %s\r\n", rtc_cert_fingerprint(cert));
	g_assert_nonnull(strstr(offer, fp_line));
	g_assert_true(o.actpass);
	g_assert_nonnull(o.ufrag);
	g_assert_cmpuint(strlen(o.ufrag), >=, 4);
	g_assert_cmpuint(strlen(o.pwd), >=, 22);
	g_assert_nonnull(strstr(offer, "a=rtpmap:102 H264/90000"));
	g_assert_null(strstr(offer, "m=audio")); /* no audio unless asked */
	g_assert_nonnull(strstr(offer, "a=ssrc:287454020 cname:"));
	g_assert_true(has_loopback_candidate(offer));
	{
		unsigned udp = 0, tcp_passive = 0;

		for (guint i = 0; i < o.candidates->len; i++) {
			const char *c = o.candidates->pdata[i];

			g_assert_true(g_str_has_prefix(c, "candidate:"));
			g_assert_nonnull(strstr(c, " typ host"));
			g_assert_null(strstr(c, " fe80:")); /* no link-local */
			/* UDP, and ICE-TCP (RFC 6544) for networks that drop UDP */
			udp += strstr(c, " UDP ") != NULL;
			if (strstr(c, " TCP "))
				g_assert_nonnull(strstr(c, " tcptype "));
			else
				g_assert_nonnull(strstr(c, " UDP "));
			tcp_passive += strstr(c, " TCP ") && strstr(c, " tcptype passive");
		}
		g_assert_cmpuint(udp, >, 0);
		g_assert_cmpuint(tcp_passive, >, 0);
	}
	offer_clear(&o);

	/* answers that cannot work are refused with a reason; a second offer too */
	g_assert_null(rtc_peer_create_offer(peer, &error));
	g_clear_error(&error);
	g_assert_false(rtc_peer_set_answer(peer, "v=0\r\n", 5, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	answer = g_strdup("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	                  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
	                  "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
	                  "a=fingerprint:sha-256 "
	                  "55:17:0D:48:68:7A:F8:5B:A3:0E:74:29:8C:A9:B4:73:77:D1:17:9C:95:FA:C3:"
	                  "55:12:4C:BB:BB:FD:4B:EE:40\r\n"
	                  "a=setup:active\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
	                  "a=rtpmap:96 VP8/90000\r\n");
	g_assert_false(rtc_peer_set_answer(peer, answer, strlen(answer), &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED); /* we offered H.264 */
	g_clear_error(&error);
	g_assert_false(rtc_peer_add_candidate(peer, "candidate:garbage", &error));
	g_clear_error(&error);
	g_assert_false(rtc_peer_add_candidate(peer, "typ host", &error));
	g_clear_error(&error);
	g_assert_true(rtc_peer_add_candidate(
	        peer, "a=candidate:1 1 udp 2122260223 abc.local 5000 typ host", &error));
	g_assert_no_error(error);
	rtc_peer_send_rtp(peer, (const uint8_t[12]){0x80, 96}, 12); /* not connected: dropped */
	g_assert_cmpint(rtc_peer_get_state(peer), ==, RTC_PEER_CONNECTING);
	rtc_peer_free(peer);

	/* without the variable, loopback only where nothing else exists */
	g_unsetenv(RTC_ICE_LOOPBACK_ENV);
	without = offer_for(cert, &peer);
	g_assert_cmpint(has_loopback_candidate(without), ==, !machine_has_other_address());
	rtc_peer_free(peer);
	g_setenv(RTC_ICE_LOOPBACK_ENV, "1", TRUE);
	rtc_cert_free(cert);
}

static bool candidates_ended(void *data)
{
	return ((struct seen *)data)->ends > 0;
}

static char *answer_for(struct rtc_cert *cert, const char *pts, const char *extra)
{
	return g_strdup_printf("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	                       "a=group:BUNDLE 0 2\r\n"
	                       "m=video 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\n"
	                       "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
	                       "a=fingerprint:sha-256 %s\r\n"
	                       "a=setup:active\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
	                       "a=rtpmap:96 VP8/90000\r\na=rtpmap:102 H264/90000\r\n"
	                       "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	                       "profile-level-id=42e01f\r\n"
	                       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	                       "a=mid:2\r\na=sctp-port:5000\r\n%s",
	                       pts, rtc_cert_fingerprint(cert), extra);
}

/* Every codec offered, most wanted first, at the level asked; the answer picks; the
 * message size it allows; the end of our candidates is said once. */
static void test_codec_choice(void)
{
	g_autoptr(GError) error = NULL;
	struct rtc_cert *cert = rtc_cert_new(&error);
	struct rtc_peer_config config = {.cert = cert,
	                                 .codecs = {RTC_CODEC_H264, RTC_CODEC_VP8},
	                                 .n_codecs = 2,
	                                 .h264_level_idc = 32,
	                                 .video_ssrc = SSRC};
	static const struct {
		const char *pts, *extra;
		enum rtc_codec codec;
		size_t max_message;
	} cases[] = {
	        {"102 96", "", RTC_CODEC_H264, 65536}, /* absent: RFC 8841's 64 KiB */
	        {"96 102", "a=max-message-size:65536\r\n", RTC_CODEC_VP8, 65536},
	        {"96", "a=max-message-size:1000\r\n", RTC_CODEC_VP8, 1000},
	        {"102", "a=max-message-size:0\r\n", RTC_CODEC_H264, RTC_SCTP_MAX_MESSAGE},
	        {"102", "a=max-message-size:9999999\r\n", RTC_CODEC_H264, RTC_SCTP_MAX_MESSAGE},
	};

	g_assert_no_error(error);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct seen seen = {0};
		struct rtc_peer *peer = rtc_peer_new(&config, &peer_listener, &seen, &error);
		g_autofree char *offer = NULL, *answer = NULL;

		g_assert_no_error(error);
		offer = rtc_peer_create_offer(peer, &error);
		g_assert_no_error(error);
		g_assert_nonnull(strstr(offer, "m=video "));
		g_assert_nonnull(strstr(offer, " UDP/TLS/RTP/SAVPF 102 103 96 97\r\n"));
		g_assert_nonnull(strstr(offer, "profile-level-id=42e020\r\n"));
		g_assert_null(strstr(offer, "m=video 9 ")); /* a default candidate's port */
		/* host candidates only: either the offer says it, or candidate null follows */
		if (!strstr(offer, "a=end-of-candidates\r\n")) {
			g_assert_true(run_until(candidates_ended, &seen));
		}
		answer = answer_for(cert, cases[i].pts, cases[i].extra);
		g_assert_true(rtc_peer_set_answer(peer, answer, strlen(answer), &error));
		g_assert_no_error(error);
		g_assert_cmpint(rtc_peer_get_codec(peer), ==, cases[i].codec);
		g_assert_cmpuint(rtc_peer_get_max_message_size(peer), ==, cases[i].max_message);
		g_main_context_iteration(NULL, FALSE);
		g_assert_cmpuint(seen.ends, <=, 1);
		rtc_peer_free(peer);
		g_free(seen.reason);
	}

	/* a STUN server to ask (one that never answers): the offer cannot say it, so
	 * candidate null ends the trickle once libnice gives up on it */
	{
		struct seen seen = {0};
		GSocket *silent = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
		                               G_SOCKET_PROTOCOL_UDP, &error);
		g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
		g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
		g_autoptr(GSocketAddress) bound = NULL;
		struct rtc_peer_config stun = config;
		struct rtc_peer *peer;
		g_autofree char *offer = NULL;
		int64_t start = g_get_monotonic_time();

		g_assert_true(g_socket_bind(silent, any, FALSE, &error));
		bound = g_socket_get_local_address(silent, &error);
		stun.stun_host = "127.0.0.1";
		stun.stun_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
		peer = rtc_peer_new(&stun, &peer_listener, &seen, &error);
		offer = rtc_peer_create_offer(peer, &error);
		g_assert_no_error(error);
		g_assert_null(strstr(offer, "end-of-candidates"));
		g_assert_true(run_until(candidates_ended, &seen));
		g_test_message("candidate null after %lld ms",
		               (long long)(g_get_monotonic_time() - start) / 1000);
		g_assert_cmpuint(seen.ends, ==, 1);
		rtc_peer_free(peer);
		g_object_unref(silent);
		g_free(seen.reason);
	}

	/* offered VP8 alone, the browser keeps only H.264: refused in words */
	{
		struct seen seen = {0};
		struct rtc_peer_config vp8 = {
		        .cert = cert, .codec = RTC_CODEC_VP8, .video_ssrc = 1};
		struct rtc_peer *peer = rtc_peer_new(&vp8, &peer_listener, &seen, &error);
		g_autofree char *offer = rtc_peer_create_offer(peer, &error);
		g_autofree char *answer = answer_for(cert, "102", "");

		g_assert_nonnull(strstr(offer, " UDP/TLS/RTP/SAVPF 96 97\r\n"));
		g_assert_null(strstr(offer, "H264"));
		g_assert_false(rtc_peer_set_answer(peer, answer, strlen(answer), &error));
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
		g_assert_cmpstr(error->message, ==,
		                "this browser decodes none of the video we send (VP8)");
		g_clear_error(&error);
		rtc_peer_free(peer);
	}
	/* the video line declined (port 0), as Firefox without OpenH264 answers H.264 alone:
	 * the same words */
	{
		struct seen seen = {0};
		struct rtc_peer_config h264 = {
		        .cert = cert, .codec = RTC_CODEC_H264, .video_ssrc = 1};
		struct rtc_peer *peer = rtc_peer_new(&h264, &peer_listener, &seen, &error);
		g_autofree char *answer = answer_for(cert, "102", "");
		g_autofree char *declined = NULL;
		GString *s = g_string_new(answer);

		g_free(rtc_peer_create_offer(peer, &error)); /* an answer needs an offer first */
		g_string_replace(s, "m=video 9 ", "m=video 0 ", 1);
		declined = g_string_free(s, FALSE);
		g_assert_false(rtc_peer_set_answer(peer, declined, strlen(declined), &error));
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
		g_assert_cmpstr(error->message, ==,
		                "this browser decodes none of the video we send (H.264)");
		g_clear_error(&error);
		rtc_peer_free(peer);
	}
	rtc_cert_free(cert);
}

static bool peer_failed(void *data)
{
	struct seen *s = data;

	return s->state == RTC_PEER_FAILED;
}

/* A browser whose only address answers nothing: FAILED, with the reason in words. */
static void test_unreachable(void)
{
	g_autoptr(GError) error = NULL;
	struct rtc_cert *cert = rtc_cert_new(&error);
	struct rtc_peer_config config = {.cert = cert, .codec = RTC_CODEC_VP8, .video_ssrc = SSRC};
	struct seen seen = {0};
	struct rtc_peer *peer;
	g_autofree char *offer = NULL, *answer = NULL;
	int64_t start;

	g_assert_no_error(error);
	peer = rtc_peer_new(&config, &peer_listener, &seen, &error);
	g_assert_no_error(error);
	offer = rtc_peer_create_offer(peer, &error);
	g_assert_no_error(error);
	answer = g_strdup_printf("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	                         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
	                         "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
	                         "a=fingerprint:sha-256 %s\r\n"
	                         "a=setup:active\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
	                         "a=rtpmap:96 VP8/90000\r\n"
	                         "a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ host\r\n",
	                         rtc_cert_fingerprint(cert));
	g_assert_true(rtc_peer_set_answer(peer, answer, strlen(answer), &error));
	g_assert_false(rtc_peer_set_answer(peer, answer, strlen(answer), &error));
	g_clear_error(&error);
	start = g_get_monotonic_time();
	g_assert_true(rtc_peer_add_candidate(peer, "", &error));
	g_assert_true(run_until(peer_failed, &seen));
	g_test_message("failed after %lld ms", (long long)(g_get_monotonic_time() - start) / 1000);
	g_assert_cmpstr(seen.reason, ==,
	                "the browser could not reach any of our network addresses");
	rtc_peer_free(peer);
	rtc_cert_free(cert);
	g_free(seen.reason);
}

static void store_packet(void *data, const uint8_t *pkt, size_t len)
{
	g_ptr_array_add(data, g_bytes_new(pkt, len));
}

static bool got_resend(void *data)
{
	struct world *w = data;

	for (guint i = 0; i < w->browser.rtp->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(w->browser.rtp->pdata[i], &len);
		struct rtc_rtp_header h;

		if (rtc_rtp_header_parse(p, len, &h) && h.payload_type == 97 &&
		    h.timestamp == w->resend_ts && h.payload_len >= 2 &&
		    (p[h.header_len] << 8 | p[h.header_len + 1]) == w->resend_osn) {
			w->resend_at = i;
			return true;
		}
	}
	return false;
}

static bool got_estimate(void *data)
{
	struct world *w = data;

	return w->seen.estimates > 0;
}

static bool got_sdes(void *data)
{
	struct world *w = data;

	for (guint i = 0; i < w->browser.rtcp->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(w->browser.rtcp->pdata[i], &len);

		/* SR(s), then SDES with one chunk: our video SSRC's CNAME */
		for (size_t off = 0; off + 12 <= len;
		     off += ((size_t)(p[off + 2] << 8 | p[off + 3]) + 1) * 4) {
			if (p[off + 1] == 202 && get32(p + off + 4) == SSRC && p[off + 8] == 1 &&
			    p[off + 9] >= 6 && !memcmp(p + off + 10, "wayrtc", 6))
				return true;
		}
	}
	return false;
}

/* Where the answer kept them: every packet carries this viewer's transport-wide sequence
 * number, in order; the browser's feedback reaches the estimator (the listener hears
 * an estimate); a NACKed packet comes back as RTX (payload type 97, another SSRC, the
 * original sequence number first), numbered too; the compound RTCP carries our CNAME. */
static void test_congestion_control(void)
{
	struct world w;
	struct rtc_rtp_packetizer p;
	uint8_t frame[6000], fb[64];
	uint16_t seqs[8], twcc[8], first_twcc;
	size_t n_first, elen, at;
	struct rtc_rtp_header h;
	gsize len;
	const uint8_t *got;

	browser_cc = true;
	world_connect(&w, true);
	browser_cc = false;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	rtc_rtp_packetizer_init(&p, RTC_CODEC_VP8, SSRC);
	/* as the hub does: one frame, its first packet starts it */
	{
		g_autoptr(GPtrArray) pkts =
		        g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

		for (size_t off = 0; off < sizeof(frame); off += 1000) {
			/* one small frame per 1000 bytes, keyframe first */
			rtc_rtp_packetize(&p, frame + off, 1000, (uint32_t)(3000 * off), off == 0,
			                  store_packet, pkts);
		}
		n_first = pkts->len;
		g_assert_cmpuint(n_first, ==, 6);
		for (guint i = 0; i < pkts->len; i++) {
			const uint8_t *d = g_bytes_get_data(pkts->pdata[i], &len);

			rtc_peer_send_video(w.peer, d, len, true, i == 0);
		}
		w.want_rtp = (unsigned)n_first;
		g_assert_true(run_until(got_rtp, &w));
		for (guint i = 0; i < n_first; i++) {
			got = g_bytes_get_data(w.browser.rtp->pdata[i], &len);
			g_assert_true(rtc_rtp_header_parse(got, len, &h));
			g_assert_cmpuint(h.ssrc, ==, SSRC);
			seqs[i] = h.seq;
			at = rtc_rtp_find_ext(got, len, RTC_EXT_TWCC, &elen);
			g_assert_cmpuint(at, >, 0);
			g_assert_cmpuint(elen, ==, 2);
			twcc[i] = (uint16_t)(got[at] << 8 | got[at + 1]);
			if (i)
				g_assert_cmpuint(twcc[i], ==, (uint16_t)(twcc[i - 1] + 1));
		}
	}
	first_twcc = twcc[0];

	/* transport-cc: all six received, 2 ms apart (a 1-bit status vector chunk) */
	memset(fb, 0, sizeof(fb));
	fb[0] = 0x8f, fb[1] = 205, fb[3] = 7;
	put32(fb + 4, BROWSER_SSRC);
	put32(fb + 8, SSRC);
	fb[12] = first_twcc >> 8, fb[13] = first_twcc & 0xff;
	fb[14] = 0, fb[15] = 6;
	fb[16] = 0, fb[17] = 0, fb[18] = 1, fb[19] = 0; /* reference 64 ms, fb count 0 */
	fb[20] = 0x20, fb[21] = 6;                      /* run: small delta × 6 */
	for (int i = 0; i < 6; i++)
		fb[22 + i] = 8;
	w.seen.estimates = 0;
	g_assert_true(browser_send_rtcp(&w.browser, fb, 32));
	g_assert_true(run_until(got_estimate, &w));
	g_assert_cmpuint(w.seen.estimate_bps, >=, 100000);

	/* a NACK for the third packet, answered by the listener with a resend */
	memset(fb, 0, sizeof(fb));
	fb[0] = 0x81, fb[1] = 205, fb[3] = 3;
	put32(fb + 4, BROWSER_SSRC);
	put32(fb + 8, SSRC);
	fb[12] = seqs[2] >> 8, fb[13] = seqs[2] & 0xff;
	g_assert_true(browser_send_rtcp(&w.browser, fb, 16));
	w.want_nacks = 1;
	g_assert_true(run_until(got_feedback, &w));
	g_assert_cmpuint(g_array_index(w.seen.nacks, uint16_t, 0), ==, seqs[2]);
	got = g_bytes_get_data(w.browser.rtp->pdata[2], &len);
	{
		g_autofree uint8_t *orig = g_memdup2(got, len);
		size_t orig_len = len;
		struct rtc_rtp_header oh;

		rtc_peer_resend(w.peer, orig, orig_len);
		g_assert_true(rtc_rtp_header_parse(orig, orig_len, &oh));
		/* probes (RTX copies of the newest packet) may come too: find the resend */
		w.resend_osn = seqs[2];
		w.resend_ts = oh.timestamp;
		g_assert_true(run_until(got_resend, &w));
		got = g_bytes_get_data(w.browser.rtp->pdata[w.resend_at], &len);
		g_assert_true(rtc_rtp_header_parse(got, len, &h));
		g_assert_cmpuint(h.payload_type, ==, 97);
		g_assert_cmpuint(h.ssrc, !=, SSRC);
		g_assert_cmpuint(h.timestamp, ==, oh.timestamp);
		g_assert_cmpuint(len, ==, orig_len + 2);
		g_assert_cmpuint(got[h.header_len] << 8 | got[h.header_len + 1], ==, seqs[2]);
		g_assert_cmpmem(got + h.header_len + 2, len - h.header_len - 2,
		                orig + oh.header_len, orig_len - oh.header_len);
		/* numbered on from the video's, by this viewer's one counter */
		at = rtc_rtp_find_ext(got, len, RTC_EXT_TWCC, &elen);
		g_assert_cmpuint(at, >, 0);
		g_assert_cmpint((int16_t)((got[at] << 8 | got[at + 1]) - (first_twcc + n_first)),
		                >=, 0);
	}
	/* the same packet asked for again while its resend may still be on the way (a
	 * round trip, 100 ms before the browser's reports say otherwise): not passed on,
	 * nor one before the newest keyframe sent (moot) */
	g_assert_true(browser_send_rtcp(&w.browser, fb, 16));
	fb[12] = (uint16_t)(seqs[0] - 1) >> 8, fb[13] = (uint16_t)(seqs[0] - 1) & 0xff;
	g_assert_true(browser_send_rtcp(&w.browser, fb, 16));
	fb[12] = seqs[4] >> 8, fb[13] = seqs[4] & 0xff;
	g_assert_true(browser_send_rtcp(&w.browser, fb, 16));
	w.want_nacks = 2;
	g_assert_true(run_until(got_feedback, &w));
	g_assert_cmpuint(g_array_index(w.seen.nacks, uint16_t, 1), ==, seqs[4]);
	/* asked again a round trip later: the resend was lost too, so it goes again */
	g_usleep(400000);
	fb[12] = seqs[2] >> 8, fb[13] = seqs[2] & 0xff;
	g_assert_true(browser_send_rtcp(&w.browser, fb, 16));
	w.want_nacks = 3;
	g_assert_true(run_until(got_feedback, &w));
	g_assert_cmpuint(g_array_index(w.seen.nacks, uint16_t, 2), ==, seqs[2]);

	g_assert_true(run_until(got_sdes, &w));
	world_clear(&w);
}

/* ---- NACK under loss ---- */

#define LOSS_FRAMES 60
#define LOSS_FRAME  4000 /* bytes: four or five packets a frame */

struct loss_world {
	struct world w;
	struct hub *hub;
	GHashTable *sent;     /* seq → GBytes: what the hub sent first */
	GHashTable *received; /* seq → GBytes: what the browser decrypted */
	guint nack_timer;
	unsigned nacks_sent;
};

static void loss_sink(void *data, const uint8_t *pkt, size_t len)
{
	struct loss_world *l = data;
	struct rtc_rtp_header h;

	g_assert_true(rtc_rtp_header_parse(pkt, len, &h));
	/* the payload: each peer writes its own transport-wide number into the header */
	if (!g_hash_table_contains(l->sent, GUINT_TO_POINTER(h.seq)))
		g_hash_table_insert(l->sent, GUINT_TO_POINTER(h.seq),
		                    g_bytes_new(pkt + h.header_len, h.payload_len));
}

/* Moves the payloads the browser decrypted into `received`, by sequence number; an RTX
 * packet (RFC 4588) by the original sequence number it carries, without it. */
static void collect(struct loss_world *l)
{
	struct browser *b = &l->w.browser;

	for (guint i = 0; i < b->rtp->len; i++) {
		struct rtc_rtp_header h;
		gsize len;
		const uint8_t *p = g_bytes_get_data(b->rtp->pdata[i], &len);
		const uint8_t *payload;
		size_t n;
		unsigned seq;

		g_assert_true(rtc_rtp_header_parse(p, len, &h));
		payload = p + h.header_len;
		n = h.payload_len;
		seq = h.seq;
		if (h.payload_type == RTC_PT_VP8_RTX) {
			if (n < 2)
				continue; /* a probe's padding */
			seq = (unsigned)(payload[0] << 8 | payload[1]);
			payload += 2;
			n -= 2;
		} else if (h.ssrc != SSRC) {
			continue;
		}
		if (!g_hash_table_contains(l->received, GUINT_TO_POINTER(seq)))
			g_hash_table_insert(l->received, GUINT_TO_POINTER(seq),
			                    g_bytes_new(payload, n));
	}
	g_ptr_array_set_size(b->rtp, 0);
}

/* What a browser does every few tens of milliseconds: a generic NACK (RFC 4585 section
 * 6.2.1) for each packet that has not arrived. (A browser sees the gaps in the sequence
 * numbers; the sink's record of what was sent stands in for that here.) */
static gboolean send_nacks(void *data)
{
	struct loss_world *l = data;
	struct browser *b = &l->w.browser;
	uint8_t rtcp[256];
	size_t n = 0;
	GHashTableIter it;
	gpointer key;

	collect(l);
	memset(rtcp, 0, sizeof(rtcp));
	rtcp[0] = 0x80, rtcp[1] = 201, rtcp[3] = 1; /* RR, no blocks */
	put32(rtcp + 4, BROWSER_SSRC);
	rtcp[8] = 0x81, rtcp[9] = 205; /* generic NACK */
	put32(rtcp + 12, BROWSER_SSRC);
	put32(rtcp + 16, SSRC);
	g_hash_table_iter_init(&it, l->sent);
	while (n < 50 && g_hash_table_iter_next(&it, &key, NULL)) {
		unsigned seq = GPOINTER_TO_UINT(key);

		if (g_hash_table_contains(l->received, key))
			continue;
		rtcp[20 + 4 * n] = (uint8_t)(seq >> 8);
		rtcp[21 + 4 * n] = (uint8_t)seq;
		n++;
	}
	if (n) {
		rtcp[11] = (uint8_t)(2 + n);
		browser_send_rtcp(b, rtcp, 20 + 4 * n);
		l->nacks_sent += n;
	}
	return G_SOURCE_CONTINUE;
}

static bool all_received(void *data)
{
	struct loss_world *l = data;

	collect(l);
	return g_hash_table_size(l->received) == g_hash_table_size(l->sent);
}

/* Guards retransmission end to end: a NACK reaches the peer's listener, the hub finds the
 * packet in its history and sends it to that peer, and it arrives. With 15 % of the RTP
 * lost on the way (retransmissions too), every packet must still arrive, byte for byte. */
static void test_nack_under_loss(void)
{
	struct loss_world l = {0};
	uint8_t frame[LOSS_FRAME];
	struct hub_stats stats;
	GHashTableIter it;
	gpointer key, value;

	world_connect(&l.w, true);
	l.hub = hub_new(RTC_CODEC_VP8, SSRC);
	l.sent = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_bytes_unref);
	l.received = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_bytes_unref);
	hub_set_sink(l.hub, loss_sink, &l);
	hub_add_peer(l.hub, l.w.peer);
	answer_nacks.hub = l.hub;
	answer_nacks.peer = l.w.peer;
	l.w.browser.loss_rand = g_rand_new_with_seed(15);
	l.w.browser.loss = 0.15;
	l.nack_timer = g_timeout_add(20, send_nacks, &l);

	for (unsigned f = 0; f < LOSS_FRAMES; f++) {
		for (size_t i = 0; i < sizeof(frame); i++)
			frame[i] = (uint8_t)(f * 31 + i);
		hub_push_video(l.hub, frame, sizeof(frame), f == 0, 3000 * f,
		               g_get_monotonic_time());
		/* a frame's packets at a time, as a 30 fps encoder would pace them */
		g_main_context_iteration(NULL, FALSE);
		g_usleep(2000);
	}
	g_assert_true(run_until(all_received, &l));
	g_test_message("%u of %u packets lost on the way, %u NACKed", l.w.browser.lost,
	               g_hash_table_size(l.sent), l.nacks_sent);
	g_assert_cmpuint(l.w.browser.lost, >, 0);
	hub_get_stats(l.hub, &stats);
	g_assert_cmpuint(stats.retransmits, >, 0);
	g_hash_table_iter_init(&it, l.sent);
	while (g_hash_table_iter_next(&it, &key, &value))
		g_assert_true(g_bytes_equal(value, g_hash_table_lookup(l.received, key)));

	g_source_remove(l.nack_timer);
	answer_nacks.hub = NULL;
	hub_remove_peer(l.hub, l.w.peer);
	hub_free(l.hub);
	g_hash_table_unref(l.sent);
	g_hash_table_unref(l.received);
	g_rand_free(l.w.browser.loss_rand);
	world_clear(&l.w);
}

/* ---- a new encode for the same viewer ---- */

/* The video SSRC's packets the browser got, in order (probes and RTX left out). */
static GPtrArray *video_received(struct world *w)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < w->browser.rtp->len; i++) {
		gsize len;
		const uint8_t *d = g_bytes_get_data(w->browser.rtp->pdata[i], &len);
		struct rtc_rtp_header h;

		if (rtc_rtp_header_parse(d, len, &h) && h.ssrc == SSRC)
			g_ptr_array_add(out, w->browser.rtp->pdata[i]);
	}
	return out;
}

static bool got_video(void *data)
{
	struct world *w = data;
	g_autoptr(GPtrArray) v = video_received(w);

	return v->len >= w->want_rtp;
}

static struct rtc_rtp_header header_of(GBytes *b)
{
	struct rtc_rtp_header h;
	gsize len;
	const uint8_t *d = g_bytes_get_data(b, &len);

	g_assert_true(rtc_rtp_header_parse(d, len, &h));
	return h;
}

/* One single-packet frame from packetizer p, queued as a hub would; returns its packet. */
static GBytes *send_frame(struct world *w, struct rtc_rtp_packetizer *p, uint32_t ts, bool key,
                          uint8_t fill)
{
	g_autoptr(GPtrArray) pkts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	uint8_t frame[400];
	gsize len;
	const uint8_t *d;

	memset(frame, fill, sizeof(frame));
	rtc_rtp_packetize(p, frame, sizeof(frame), ts, key, store_packet, pkts);
	g_assert_cmpuint(pkts->len, ==, 1);
	d = g_bytes_get_data(pkts->pdata[0], &len);
	rtc_peer_send_video(w->peer, d, len, true, key);
	return g_bytes_ref(pkts->pdata[0]);
}

static void send_nack(struct world *w, uint16_t seq)
{
	uint8_t fb[16] = {0x81, 205, 0, 3};

	put32(fb + 4, BROWSER_SSRC);
	put32(fb + 8, SSRC);
	fb[12] = seq >> 8, fb[13] = seq & 0xff;
	g_assert_true(browser_send_rtcp(&w->browser, fb, sizeof(fb)));
}

/* A viewer moved to another encode (rtc_peer_restart_video): the browser sees one stream,
 * numbered on without a gap and with time moving on; the new encode's delta frames before
 * its keyframe never reach it; a NACK names the new encode's packet by that encode's own
 * number, and one for a packet of the old encode is not passed on. */
static void test_restart_video(void)
{
	struct world w;
	struct rtc_rtp_packetizer a, b;
	g_autoptr(GBytes) a1 = NULL, a2 = NULL, b0 = NULL, b1 = NULL, b2 = NULL;
	g_autoptr(GPtrArray) got = NULL;
	struct rtc_rtp_header h1, h2, h3, hb1, hb2;
	gsize len, blen;
	const uint8_t *d, *bd;

	browser_cc = true; /* RTX, so a resend is no SRTP replay */
	world_connect(&w, true);
	browser_cc = false;
	rtc_rtp_packetizer_init(&a, RTC_CODEC_VP8, SSRC);
	rtc_rtp_packetizer_init(&b, RTC_CODEC_VP8, SSRC);
	a.seq = 1000;
	b.seq = 40000; /* another encode: its own numbers and clock */
	a1 = send_frame(&w, &a, 90000, true, 1);
	a2 = send_frame(&w, &a, 93000, false, 2);
	w.want_rtp = 2;
	g_assert_true(run_until(got_video, &w));

	rtc_peer_restart_video(w.peer);
	b0 = send_frame(&w, &b, 7000000, false, 3); /* before the keyframe: undecodable */
	g_usleep(20000);
	b1 = send_frame(&w, &b, 7003000, true, 4);
	b2 = send_frame(&w, &b, 7006000, false, 5);
	w.want_rtp = 4;
	g_assert_true(run_until(got_video, &w));
	got = video_received(&w);
	g_assert_cmpuint(got->len, ==, 4);
	h1 = header_of(got->pdata[1]);
	h2 = header_of(got->pdata[2]);
	h3 = header_of(got->pdata[3]);
	hb1 = header_of(b1);
	hb2 = header_of(b2);
	g_assert_cmpuint(h1.seq, ==, 1001);
	g_assert_cmpuint(h2.seq, ==, 1002);
	g_assert_cmpuint(h3.seq, ==, 1003);
	/* on from the old clock by at least the 20 ms that passed, the new one's steps kept */
	g_assert_cmpint((int32_t)(h2.timestamp - h1.timestamp), >=, 20 * 90);
	g_assert_cmpint((int32_t)(h2.timestamp - h1.timestamp), <, 2 * 90000);
	g_assert_cmpuint(h3.timestamp - h2.timestamp, ==, hb2.timestamp - hb1.timestamp);
	/* the keyframe's payload, as the new encode made it */
	d = g_bytes_get_data(got->pdata[2], &len);
	bd = g_bytes_get_data(b1, &blen);
	g_assert_cmpmem(d + h2.header_len, len - h2.header_len, bd + hb1.header_len,
	                blen - hb1.header_len);

	send_nack(&w, h1.seq); /* the old encode's: moot */
	send_nack(&w, h3.seq);
	w.want_nacks = 1;
	g_assert_true(run_until(got_feedback, &w));
	g_assert_cmpuint(w.seen.nacks->len, ==, 1);
	g_assert_cmpuint(g_array_index(w.seen.nacks, uint16_t, 0), ==, hb2.seq);
	/* the resend (from the new encode's history) goes out in the browser's numbering, as
	 * RTX: the original number it carries is the one the browser asked for */
	rtc_peer_resend(w.peer, g_bytes_get_data(b2, NULL), g_bytes_get_size(b2));
	w.resend_osn = h3.seq;
	w.resend_ts = h3.timestamp;
	g_assert_true(run_until(got_resend, &w));
	world_clear(&w);
}

/* The transport-wide numbers of every packet the browser got (video, RTX, probes). */
static void twcc_range(struct world *w, uint16_t *first, unsigned *n)
{
	for (guint i = 0; i < w->browser.rtp->len; i++) {
		gsize len;
		size_t elen, at;
		const uint8_t *d = g_bytes_get_data(w->browser.rtp->pdata[i], &len);
		uint16_t seq;

		at = rtc_rtp_find_ext(d, len, RTC_EXT_TWCC, &elen);
		g_assert_cmpuint(at, >, 0);
		seq = (uint16_t)(d[at] << 8 | d[at + 1]);
		if (i == 0)
			*first = seq;
		*n = MAX(*n, (unsigned)(uint16_t)(seq - *first) + 1);
	}
}

/* A link that just got much slower overflows: a report that lost a third of what it
 * covers makes the peer drop what waits and ask for a keyframe (a few kilobytes at the
 * new rate, where resending the lost would cost hundreds); until it comes, delta frames
 * are not sent. The keyframe waits until the queue the report's delays show (the received
 * packets arrived 3 ms apart, sent at once: about 240 ms) has drained, or it would be lost
 * in that still-full queue too; while it waits, NACKs for what went before it are not
 * answered (their resends would go first, into that queue, for frames it replaces). */
static void test_skip_after_loss(void)
{
	struct world w;
	struct rtc_rtp_packetizer p;
	g_autoptr(GPtrArray) got = NULL;
	uint8_t fb[256];
	uint16_t first = 0;
	unsigned n = 0, ok;
	size_t len;
	int64_t reported, arrived;

	browser_cc = true;
	world_connect(&w, true);
	browser_cc = false;
	g_usleep(5100000); /* past a viewer's first seconds, when losses make it move instead */
	rtc_rtp_packetizer_init(&p, RTC_CODEC_VP8, SSRC);
	for (unsigned i = 0; i < 120; i++)
		g_bytes_unref(send_frame(&w, &p, 3000 * i, i == 0, (uint8_t)i));
	w.want_rtp = 120;
	g_assert_true(run_until(got_video, &w));
	twcc_range(&w, &first, &n);
	g_assert_cmpuint(n, >=, 120);
	ok = n * 2 / 3;

	/* transport-cc: the first two thirds received 3 ms apart, the rest lost (two
	 * run-length chunks) */
	memset(fb, 0, sizeof(fb));
	fb[0] = 0x8f, fb[1] = 205;
	put32(fb + 4, BROWSER_SSRC);
	put32(fb + 8, SSRC);
	fb[12] = first >> 8, fb[13] = first & 0xff;
	fb[14] = (uint8_t)(n >> 8), fb[15] = (uint8_t)n;
	fb[18] = 1;                                                    /* reference 64 ms */
	fb[20] = (uint8_t)(0x20 | ok >> 8), fb[21] = (uint8_t)ok;      /* received, small delta */
	fb[22] = (uint8_t)((n - ok) >> 8), fb[23] = (uint8_t)(n - ok); /* not received */
	for (unsigned i = 0; i < ok; i++)
		fb[24 + i] = 12;
	len = (24 + ok + 3) / 4 * 4;
	g_assert_cmpuint(len, <=, sizeof(fb));
	fb[3] = (uint8_t)(len / 4 - 1);
	w.want_keyframes = 1;
	reported = g_get_monotonic_time();
	g_assert_true(browser_send_rtcp(&w.browser, fb, len));
	g_assert_true(run_until(got_feedback, &w));

	/* a delta frame: dropped; the keyframe: sent once the queue drained; a NACK for a
	 * packet lost before it: moot */
	g_bytes_unref(send_frame(&w, &p, 3000 * 120, false, 0xd0));
	g_bytes_unref(send_frame(&w, &p, 3000 * 121, true, 0xee));
	{
		g_autoptr(GPtrArray) before = video_received(&w);

		send_nack(&w, header_of(before->pdata[before->len - 1]).seq);
	}
	w.want_rtp = 121;
	g_assert_true(run_until(got_video, &w));
	arrived = g_get_monotonic_time();
	g_assert_cmpint(arrived - reported, >=, 150000);
	g_assert_cmpuint(w.seen.nacks->len, ==, 0);
	g_usleep(50000);
	got = video_received(&w);
	g_assert_cmpuint(got->len, ==, 121);
	{
		struct rtc_rtp_header h = header_of(got->pdata[120]);
		const uint8_t *d = g_bytes_get_data(got->pdata[120], NULL);

		g_assert_cmpuint(d[h.header_len + h.payload_len - 1], ==, 0xee);
	}
	world_clear(&w);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	log_init(g_getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_ERROR);
	g_setenv(RTC_ICE_LOOPBACK_ENV, "1", TRUE);
	g_test_add_func("/peer/offer", test_offer);
	g_test_add_func("/peer/media/dtls-server", test_media_dtls_server);
	g_test_add_func("/peer/media/dtls-client", test_media_dtls_client);
	g_test_add_func("/peer/unreachable", test_unreachable);
	g_test_add_func("/peer/nack-under-loss", test_nack_under_loss);
	g_test_add_func("/peer/codec-choice", test_codec_choice);
	g_test_add_func("/peer/audio", test_audio);
	g_test_add_func("/peer/audio/not-offered", test_audio_not_offered);
	g_test_add_func("/peer/audio/refused", test_audio_refused);
	g_test_add_func("/peer/congestion-control", test_congestion_control);
	g_test_add_func("/peer/skip-after-loss", test_skip_after_loss);
	g_test_add_func("/peer/restart-video", test_restart_video);
	return g_test_run();
}
