/* The test browser (browser.h). */
#include "browser.h"

#include <string.h>

#include "rtc/rtcp.h"
#include "rtc/sdp.h"
#include "rtc/twcc.h"

bool browser_cc;

/* ---- the browser ---- */

void offer_parse(const char *sdp, struct offer *o)
{
	g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);

	memset(o, 0, sizeof(*o));
	o->candidates = g_ptr_array_new_with_free_func(g_free);
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "a=ice-ufrag:"))
			o->ufrag = g_strdup(*l + strlen("a=ice-ufrag:"));
		else if (g_str_has_prefix(*l, "a=ice-pwd:"))
			o->pwd = g_strdup(*l + strlen("a=ice-pwd:"));
		else if (g_str_has_prefix(*l, "a=fingerprint:sha-256 "))
			o->fingerprint = g_strdup(*l + strlen("a=fingerprint:sha-256 "));
		else if (g_str_has_prefix(*l, "a=candidate:"))
			g_ptr_array_add(o->candidates, g_strdup(*l + 2));
		else if (strcmp(*l, "a=setup:actpass") == 0)
			o->actpass = true;
	}
}

void offer_clear(struct offer *o)
{
	g_free(o->ufrag);
	g_free(o->pwd);
	g_free(o->fingerprint);
	g_ptr_array_unref(o->candidates);
}

static void browser_ice_state(void *data, enum rtc_ice_state state)
{
	struct browser *b = data;

	if (state == RTC_ICE_CONNECTED && !b->ice_connected) {
		b->ice_connected = true;
		rtc_dtls_start(b->dtls);
	}
}

static void browser_receive(void *data, const uint8_t *buf, size_t len)
{
	struct browser *b = data;
	uint8_t pkt[2048];
	size_t n = len;

	if (buf[0] >= 20 && buf[0] <= 63) {
		rtc_dtls_handle(b->dtls, buf, len);
		return;
	}
	if (!b->srtp || len > sizeof(pkt))
		return;
	if (b->loss_rand && !rtc_rtcp_is_rtcp(buf, len) && g_rand_double(b->loss_rand) < b->loss) {
		b->lost++;
		return;
	}
	memcpy(pkt, buf, len);
	if (rtc_rtcp_is_rtcp(pkt, n) ? rtc_srtp_unprotect_rtcp(b->srtp, pkt, &n)
	                             : rtc_srtp_unprotect_rtp(b->srtp, pkt, &n))
		g_ptr_array_add(rtc_rtcp_is_rtcp(pkt, n) ? b->rtcp : b->rtp, g_bytes_new(pkt, n));
	else
		b->refused++;
}

static const struct rtc_ice_listener browser_ice_listener = {
        .state = browser_ice_state,
        .receive = browser_receive,
};

static void browser_dtls_send(void *data, const uint8_t *buf, size_t len)
{
	struct browser *b = data;

	rtc_ice_send(b->ice, buf, len);
}

static void browser_dtls_connected(void *data, const struct rtc_srtp_keys *keys)
{
	struct browser *b = data;
	g_autoptr(GError) error = NULL;

	b->srtp = rtc_srtp_new(keys, &error);
	g_assert_no_error(error);
}

static void browser_dtls_failed(void *data, const char *reason)
{
	struct browser *b = data;

	b->dtls_failed = true;
}

static void browser_dtls_closed(void *data, const char *reason)
{
	struct browser *b = data;

	b->dtls_closed = true;
}

static const struct rtc_dtls_listener browser_dtls_listener = {
        .send = browser_dtls_send,
        .connected = browser_dtls_connected,
        .failed = browser_dtls_failed,
        .closed = browser_dtls_closed,
};

static void append_fingerprint(GString *sdp, struct rtc_cert *cert, const char *name,
                               enum rtc_hash hash)
{
	uint8_t digest[RTC_DIGEST_MAX];

	g_assert_true(rtc_cert_digest(cert, hash, digest));
	g_string_append_printf(sdp, "a=fingerprint:%s ", name);
	for (size_t i = 0; i < rtc_hash_len(hash); i++)
		g_string_append_printf(sdp, i ? ":%02X" : "%02X", digest[i]);
	g_string_append(sdp, "\r\n");
}

/* Takes the offer, gathers, and answers like Chromium would (one video m-line, and the
 * audio one as asked). */
char *browser_answer(struct browser *b, const char *offer_sdp, bool active, enum audio_answer audio)
{
	g_autoptr(GError) error = NULL;
	struct rtc_ice_config ic = {.controlling = false};
	struct offer o;
	struct rtc_fingerprint fp = {.hash = RTC_HASH_SHA256};
	g_autofree char *ufrag = NULL, *pwd = NULL;
	g_auto(GStrv) cands = NULL;
	GString *sdp;

	offer_parse(offer_sdp, &o);
	g_assert_nonnull(o.ufrag);
	g_assert_true(
	        rtc_sdp_fingerprint_parse(o.fingerprint, strlen(o.fingerprint), fp.digest, 32));
	b->rtp = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	b->rtcp = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	b->cert = rtc_cert_new(&error);
	g_assert_no_error(error);
	/* setup:active makes the browser the DTLS client */
	b->dtls = rtc_dtls_new(b->cert, !active, &fp, 1, &browser_dtls_listener, b, &error);
	g_assert_no_error(error);
	b->ice = rtc_ice_new(&ic, &browser_ice_listener, b, &error);
	g_assert_no_error(error);
	g_assert_true(rtc_ice_set_remote_credentials(b->ice, o.ufrag, o.pwd, &error));
	for (guint i = 0; i < o.candidates->len; i++) {
		g_assert_true(rtc_ice_add_remote_candidate(b->ice, o.candidates->pdata[i], &error));
		g_assert_no_error(error);
	}
	g_assert_true(rtc_ice_gather(b->ice, &error));
	rtc_ice_get_local_credentials(b->ice, &ufrag, &pwd);
	cands = rtc_ice_get_local_candidates(b->ice);
	g_assert_nonnull(cands[0]);

	sdp = g_string_new("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
	g_string_append(sdp,
	                audio == AUDIO_ACCEPT ? "a=group:BUNDLE 0 1\r\n" : "a=group:BUNDLE 0\r\n");
	g_string_append(sdp, browser_cc
	                             ? "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
	                             : "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n");
	g_string_append_printf(sdp, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ufrag, pwd);
	g_string_append_printf(sdp, "a=fingerprint:sha-256 %s\r\n", rtc_cert_fingerprint(b->cert));
	if (!active) {
		/* as aiortc answers (RFC 8122): more hashes, and one we do not know; the
		 * strongest (sha-512) is the one checked */
		append_fingerprint(sdp, b->cert, "sha-384", RTC_HASH_SHA384);
		append_fingerprint(sdp, b->cert, "SHA-512", RTC_HASH_SHA512);
		g_string_append(sdp, "a=fingerprint:blake3 00:11\r\n");
	}
	g_string_append_printf(sdp, "a=setup:%s\r\n", active ? "active" : "passive");
	g_string_append(sdp, "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
	                     "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\n"
	                     "a=rtcp-fb:96 nack pli\r\n");
	if (browser_cc)
		g_string_append(sdp, "a=extmap:3 " RTC_TWCC_URI "\r\na=rtcp-fb:96 transport-cc\r\n"
		                     "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n");
	for (char **c = cands; *c; c++)
		g_string_append_printf(sdp, "a=%s\r\n", *c);
	/* what Chrome sends for a hidden address: must be skipped, not break anything */
	g_string_append(sdp, "a=candidate:1 1 udp 2122260223 0b1e2c3d-aaaa-bbbb-cccc-"
	                     "123456789abc.local 54321 typ host generation 0\r\n");
	if (audio != AUDIO_NONE)
		g_string_append_printf(sdp,
		                       "m=audio %s UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
		                       "a=mid:1\r\na=recvonly\r\na=rtcp-mux\r\n"
		                       "a=rtpmap:111 opus/48000/2\r\n",
		                       audio == AUDIO_ACCEPT ? "9" : "0");
	offer_clear(&o);
	return g_string_free(sdp, FALSE);
}

void browser_clear(struct browser *b)
{
	rtc_dtls_free(b->dtls);
	rtc_ice_free(b->ice);
	rtc_srtp_free(b->srtp);
	rtc_cert_free(b->cert);
	g_ptr_array_unref(b->rtp);
	g_ptr_array_unref(b->rtcp);
}

bool browser_send_rtcp(struct browser *b, const uint8_t *rtcp, size_t len)
{
	uint8_t pkt[256 + RTC_SRTCP_TRAILER];

	g_assert_cmpuint(len, <=, 256);
	memcpy(pkt, rtcp, len);
	g_assert_true(rtc_srtp_protect_rtcp(b->srtp, pkt, &len, sizeof(pkt)));
	return rtc_ice_send(b->ice, pkt, len);
}
