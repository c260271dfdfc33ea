/* SDP: our offer's shape, and parsing real browser answers (captured from Chromium 156
 * answering wayrtc; Firefox's layout) plus broken ones. */
#include <gio/gio.h>
#include <string.h>

#include "rtc/sdp.h"

static char *load(const char *name, gsize *len)
{
	g_autofree char *path = g_test_build_filename(G_TEST_DIST, "unit", "data", name, NULL);
	char *data = NULL;

	g_assert_true(g_file_get_contents(path, &data, len, NULL));
	return data;
}

static void test_offer(void)
{
	const char *cands[] = {"candidate:1 1 UDP 2015363327 10.0.0.2 50000 typ host", NULL};
	struct sdp_offer_params p = {
	        .session_id = 42,
	        .ice_ufrag = "abcd",
	        .ice_pwd = "0123456789012345678901",
	        .fingerprint = "AA:BB",
	        .candidates = cands,
	        .codec = RTC_CODEC_H264,
	        .video_ssrc = 1234,
	        .cname = "c",
	};
	g_autofree char *offer = sdp_offer_build(&p);

	g_assert_nonnull(strstr(offer, "a=group:BUNDLE 0\r\n"));
	g_assert_nonnull(strstr(offer, "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"));
	g_assert_nonnull(strstr(offer, "a=setup:actpass\r\n"));
	g_assert_nonnull(strstr(offer, "a=rtcp-mux\r\n"));
	g_assert_nonnull(strstr(offer, "a=sendonly\r\n"));
	g_assert_nonnull(strstr(offer, "packetization-mode=1"));
	g_assert_nonnull(strstr(
	        offer, "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"));
	g_assert_nonnull(strstr(offer, "a=ssrc:1234 cname:c\r\n"));
	g_assert_nonnull(
	        strstr(offer, "a=candidate:1 1 UDP 2015363327 10.0.0.2 50000 typ host\r\n"));
	g_assert_null(strstr(offer, "m=audio"));
	g_assert_null(strstr(offer, "m=application"));

	p.codec = RTC_CODEC_VP8;
	p.data = true;
	g_free(offer);
	offer = sdp_offer_build(&p);
	g_assert_nonnull(strstr(offer, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"));
	g_assert_nonnull(strstr(offer, "a=rtpmap:96 VP8/90000\r\n"));
	g_assert_nonnull(strstr(offer, "a=group:BUNDLE 0 2\r\n"));
	g_assert_nonnull(strstr(offer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"));
}

static void test_chromium_answer(void)
{
	gsize len;
	g_autofree char *sdp = load("chromium-answer-h264.sdp", &len);
	g_autofree struct sdp_answer *a = g_new0(struct sdp_answer, 1);
	g_autoptr(GError) error = NULL;

	g_assert_true(sdp_answer_parse((const uint8_t *)sdp, len, a, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(a->ice_ufrag, ==, "Hd5C");
	g_assert_cmpstr(a->ice_pwd, ==, "N0KwQR2DC1BBHr5It5kUrVTr");
	g_assert_cmpint(a->setup, ==, SDP_SETUP_ACTIVE);
	g_assert_cmpuint(a->fingerprint[0], ==, 0x20);
	g_assert_cmpuint(a->fingerprint[31], ==, 0x6F);
	g_assert_true(a->video);
	g_assert_true(a->playout_delay);
	g_assert_true(sdp_answer_has_pt(a, 102));
	g_assert_false(sdp_answer_has_pt(a, 96));
	g_assert_cmpuint(a->n_candidates, ==, 0);

	g_free(sdp);
	sdp = load("chromium-answer-vp8.sdp", &len);
	g_assert_true(sdp_answer_parse((const uint8_t *)sdp, len, a, &error));
	g_assert_true(sdp_answer_has_pt(a, 96));
}

static void test_firefox_answer(void)
{
	gsize len;
	g_autofree char *sdp = load("firefox-answer-h264.sdp", &len);
	g_autofree struct sdp_answer *a = g_new0(struct sdp_answer, 1);
	g_autoptr(GError) error = NULL;

	g_assert_true(sdp_answer_parse((const uint8_t *)sdp, len, a, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(a->ice_ufrag, ==, "6f1e2d3c");
	g_assert_cmpuint(a->fingerprint[0], ==, 0x4A); /* session-level fingerprint */
	g_assert_cmpuint(a->n_candidates, ==, 2);
	g_assert_cmpstr(a->candidates[0], ==,
	                "candidate:0 1 UDP 2122252543 192.168.1.7 50331 typ host");
}

/* Each mutation must be refused with a message. */
static void refuse(const char *sdp, const char *from, const char *to, const char *why)
{
	g_autofree struct sdp_answer *a = g_new0(struct sdp_answer, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) s = g_string_new(sdp);

	g_assert_cmpuint(g_string_replace(s, from, to, 1), ==, 1);
	g_assert_false(sdp_answer_parse((const uint8_t *)s->str, s->len, a, &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, why));
}

static void test_bad_answers(void)
{
	gsize len;
	g_autofree char *sdp = load("chromium-answer-h264.sdp", &len);

	refuse(sdp, "a=ice-ufrag:Hd5C", "a=x:", "ICE credentials");
	refuse(sdp, "a=ice-ufrag:Hd5C", "a=ice-ufrag:H!", "ice-ufrag");
	refuse(sdp, "a=ice-pwd:N0KwQR2DC1BBHr5It5kUrVTr", "a=ice-pwd:short", "ice-pwd");
	refuse(sdp, "a=fingerprint:sha-256", "a=fingerprint:sha-1", "sha-256");
	refuse(sdp, "20:E4:48", "20:E4:4", "malformed");
	refuse(sdp, "a=fingerprint:", "a=fxngerprint:", "no DTLS fingerprint");
	refuse(sdp, "a=setup:active", "a=setup:actpass", "DTLS role");
	refuse(sdp, "a=setup:active", "a=setup:holdconn", "DTLS role");
	refuse(sdp, "m=video 9 ", "m=video 0 ", "declined");
	refuse(sdp, "a=recvonly", "a=inactive", "declined");
}

static void test_fingerprint(void)
{
	uint8_t fp[32];
	const char *good = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	                   "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";

	g_assert_true(sdp_fingerprint_parse(good, strlen(good), fp));
	g_assert_cmpuint(fp[10], ==, 0xAA);
	g_assert_cmpuint(fp[26], ==, 0xAA);
	g_assert_false(sdp_fingerprint_parse(good, strlen(good) - 1, fp));
	g_assert_false(sdp_fingerprint_parse("zz", 2, fp));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdp/offer", test_offer);
	g_test_add_func("/sdp/chromium-answer", test_chromium_answer);
	g_test_add_func("/sdp/firefox-answer", test_firefox_answer);
	g_test_add_func("/sdp/bad-answers", test_bad_answers);
	g_test_add_func("/sdp/fingerprint", test_fingerprint);
	return g_test_run();
}
