/* SDP: our offer's exact shape, and answers as Chromium (12x-15x) and Firefox write them
 * to that offer, plus mutations of them that must be refused with a reason. */
#include <gio/gio.h>
#include <string.h>

#include "rtc/sdp.h"

#define FP_CHROME                                                                                  \
	"8F:B1:D0:70:72:AB:32:C9:12:D5:58:E8:FB:7C:AF:52:50:F2:7A:0E:8F:5B:78:9A:F5:E4:D2:71:19:"  \
	"FA:81:5A"
#define FP_FIREFOX                                                                                 \
	"48:49:3F:EA:BF:35:62:57:A9:B0:8F:29:1C:E7:65:89:7A:CB:46:8C:35:67:FE:93:1F:CA:92:29:5F:"  \
	"7D:DF:95"

/* Chromium's local description answering an H.264 + data-channel offer once gathering is
 * done: recvonly so no ssrc lines, a=setup:active, mDNS host candidates, one srflx, and
 * the candidates repeated in each bundled section. */
static const char chrome_h264[] =
        "v=0\r\n"
        "o=- 5208465284710412336 2 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=group:BUNDLE 0 2\r\n"
        "a=extmap-allow-mixed\r\n"
        "a=msid-semantic: WMS\r\n"
        "m=video 58402 UDP/TLS/RTP/SAVPF 102\r\n"
        "c=IN IP4 203.0.113.7\r\n"
        "a=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=candidate:2573409592 1 udp 2113937151 c6b0a8a4-3d1c-4d2a-9a57-0e4fa8b1d2c3.local "
        "58402 typ host generation 0 network-cost 999\r\n"
        "a=candidate:1190553431 1 udp 2113939711 3e1f7c55-9b0e-4a4f-8d61-5f2a9c0b7e14.local "
        "40617 typ host generation 0 network-cost 999\r\n"
        "a=candidate:842163049 1 udp 1677729535 203.0.113.7 58402 typ srflx raddr 0.0.0.0 "
        "rport 0 generation 0 network-cost 999\r\n"
        "a=ice-ufrag:Hd5C\r\n"
        "a=ice-pwd:N0KwQR2DC1BBHr5It5kUrVTr\r\n"
        "a=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 " FP_CHROME "\r\n"
        "a=setup:active\r\n"
        "a=mid:0\r\n"
        "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
        "a=recvonly\r\n"
        "a=rtcp-mux\r\n"
        "a=rtcp-rsize\r\n"
        "a=rtpmap:102 H264/90000\r\n"
        "a=rtcp-fb:102 goog-remb\r\n"
        "a=rtcp-fb:102 ccm fir\r\n"
        "a=rtcp-fb:102 nack\r\n"
        "a=rtcp-fb:102 nack pli\r\n"
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
        "m=application 58402 UDP/DTLS/SCTP webrtc-datachannel\r\n"
        "c=IN IP4 203.0.113.7\r\n"
        "a=candidate:2573409592 1 udp 2113937151 c6b0a8a4-3d1c-4d2a-9a57-0e4fa8b1d2c3.local "
        "58402 typ host generation 0 network-cost 999\r\n"
        "a=candidate:1190553431 1 udp 2113939711 3e1f7c55-9b0e-4a4f-8d61-5f2a9c0b7e14.local "
        "40617 typ host generation 0 network-cost 999\r\n"
        "a=candidate:842163049 1 udp 1677729535 203.0.113.7 58402 typ srflx raddr 0.0.0.0 "
        "rport 0 generation 0 network-cost 999\r\n"
        "a=ice-ufrag:Hd5C\r\n"
        "a=ice-pwd:N0KwQR2DC1BBHr5It5kUrVTr\r\n"
        "a=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 " FP_CHROME "\r\n"
        "a=setup:active\r\n"
        "a=mid:2\r\n"
        "a=sctp-port:5000\r\n"
        "a=max-message-size:262144\r\n";

/* Chromium's createAnswer() to a VP8 offer (candidates trickle later), LF line ends as
 * some signaling layers leave them. */
static const char chrome_vp8[] =
        "v=0\n"
        "o=- 7716425990412837614 2 IN IP4 127.0.0.1\n"
        "s=-\n"
        "t=0 0\n"
        "a=group:BUNDLE 0\n"
        "a=extmap-allow-mixed\n"
        "a=msid-semantic: WMS\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\n"
        "c=IN IP4 0.0.0.0\n"
        "a=rtcp:9 IN IP4 0.0.0.0\n"
        "a=ice-ufrag:q/7+\n"
        "a=ice-pwd:t0TxXi9CvTCXhJqJl0R3R+Ch\n"
        "a=ice-options:trickle\n"
        "a=fingerprint:sha-256 " FP_CHROME "\n"
        "a=setup:active\n"
        "a=mid:0\n"
        "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\n"
        "a=recvonly\n"
        "a=rtcp-mux\n"
        "a=rtcp-rsize\n"
        "a=rtpmap:96 VP8/90000\n"
        "a=rtcp-fb:96 goog-remb\n"
        "a=rtcp-fb:96 ccm fir\n"
        "a=rtcp-fb:96 nack\n"
        "a=rtcp-fb:96 nack pli\n";

/* Firefox: fingerprint and a default direction at session level, attributes sorted,
 * candidates with end-of-candidates, an ssrc line even though it only receives. */
static const char firefox_h264[] =
        "v=0\r\n"
        "o=mozilla...THIS_IS_SDPARTA-128.0 6409738429213370441 0 IN IP4 0.0.0.0\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=sendrecv\r\n"
        "a=fingerprint:sha-256 " FP_FIREFOX "\r\n"
        "a=group:BUNDLE 0\r\n"
        "a=ice-options:trickle\r\n"
        "a=msid-semantic:WMS *\r\n"
        "m=video 50331 UDP/TLS/RTP/SAVPF 102\r\n"
        "c=IN IP4 192.168.1.7\r\n"
        "a=candidate:0 1 UDP 2122252543 192.168.1.7 50331 typ host\r\n"
        "a=candidate:1 1 UDP 2122187007 7f3a2b1c-aaaa-bbbb-cccc-1234567890ab.local 48823 typ "
        "host\r\n"
        "a=candidate:2 1 TCP 2105524479 192.168.1.7 9 typ host tcptype active\r\n"
        "a=recvonly\r\n"
        "a=end-of-candidates\r\n"
        "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
        "a=fmtp:102 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n"
        "a=ice-pwd:d8c8b1c6e1b7b4a7ef6b3c1f2b0a9e8d\r\n"
        "a=ice-ufrag:6f1e2d3c\r\n"
        "a=mid:0\r\n"
        "a=rtcp-fb:102 nack\r\n"
        "a=rtcp-fb:102 nack pli\r\n"
        "a=rtcp-fb:102 ccm fir\r\n"
        "a=rtcp-fb:102 goog-remb\r\n"
        "a=rtcp-mux\r\n"
        "a=rtpmap:102 H264/90000\r\n"
        "a=setup:active\r\n"
        "a=ssrc:3155734543 cname:{1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0}\r\n";

/* Captured from headless Chromium 156: setRemoteDescription(rtc_sdp_offer_build with VP8,
 * audio and data), createAnswer, setLocalDescription, after gathering. Candidates in the
 * first section only. */
static const char chromium156_captured[] =
        "v=0\r\n"
        "o=- 5373594989831766009 2 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=group:BUNDLE 0 1 2\r\n"
        "a=extmap-allow-mixed\r\n"
        "a=msid-semantic: WMS\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=candidate:3667160683 1 udp 2113937151 6bbd6b81-2beb-4e4c-99d2-9884c7a5d47b.local 49629 "
        "typ host generation 0 network-cost 999\r\n"
        "a=candidate:3722838747 1 udp 2113942271 c55b5dad-ae55-4e46-a905-b9c2efea1552.local 43561 "
        "typ host generation 0 network-cost 999\r\n"
        "a=ice-ufrag:Byqg\r\n"
        "a=ice-pwd:yio4AFUTRYWvBORTw5H2l2cS\r\n"
        "a=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 "
        "7F:38:5D:CD:81:50:47:4B:C0:72:80:2F:D4:7B:E5:50:34:29:F3:A9:FE:A5:EE:66:C6:7A:92:5A:66:BC:"
        "76:50\r\n"
        "a=setup:active\r\n"
        "a=mid:0\r\n"
        "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
        "a=recvonly\r\n"
        "a=rtcp-mux\r\n"
        "a=rtcp-rsize\r\n"
        "a=rtpmap:96 VP8/90000\r\n"
        "a=rtcp-fb:96 goog-remb\r\n"
        "a=rtcp-fb:96 ccm fir\r\n"
        "a=rtcp-fb:96 nack\r\n"
        "a=rtcp-fb:96 nack pli\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:Byqg\r\n"
        "a=ice-pwd:yio4AFUTRYWvBORTw5H2l2cS\r\n"
        "a=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 "
        "7F:38:5D:CD:81:50:47:4B:C0:72:80:2F:D4:7B:E5:50:34:29:F3:A9:FE:A5:EE:66:C6:7A:92:5A:66:BC:"
        "76:50\r\n"
        "a=setup:active\r\n"
        "a=mid:1\r\n"
        "a=recvonly\r\n"
        "a=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:Byqg\r\n"
        "a=ice-pwd:yio4AFUTRYWvBORTw5H2l2cS\r\n"
        "a=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 "
        "7F:38:5D:CD:81:50:47:4B:C0:72:80:2F:D4:7B:E5:50:34:29:F3:A9:FE:A5:EE:66:C6:7A:92:5A:66:BC:"
        "76:50\r\n"
        "a=setup:active\r\n"
        "a=mid:2\r\n"
        "a=sctp-port:5000\r\n"
        "a=max-message-size:262144\r\n";

static const char h264_offer[] =
        "v=0\r\n"
        "o=- 42 2 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=group:BUNDLE 0\r\n"
        "a=extmap-allow-mixed\r\n"
        "a=msid-semantic: WMS wayrtc\r\n"
        "m=video 50000 UDP/TLS/RTP/SAVPF 102 103\r\n"
        "c=IN IP4 10.0.0.2\r\n"
        "a=rtcp:50000 IN IP4 10.0.0.2\r\n"
        "a=ice-ufrag:abcd\r\n"
        "a=ice-pwd:0123456789012345678901\r\n"
        "a=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 " FP_CHROME "\r\n"
        "a=setup:actpass\r\n"
        "a=mid:0\r\n"
        "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
        "a=sendonly\r\n"
        "a=msid:wayrtc video\r\n"
        "a=rtcp-mux\r\n"
        "a=rtcp-rsize\r\n"
        "a=rtpmap:102 H264/90000\r\n"
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
        "a=rtcp-fb:102 nack\r\n"
        "a=rtcp-fb:102 nack pli\r\n"
        "a=rtcp-fb:102 ccm fir\r\n"
        "a=rtcp-fb:102 transport-cc\r\n"
        "a=rtpmap:103 rtx/90000\r\n"
        "a=fmtp:103 apt=102\r\n"
        "a=ssrc-group:FID 1234 4321\r\n"
        "a=ssrc:1234 cname:c\r\n"
        "a=ssrc:1234 msid:wayrtc video\r\n"
        "a=ssrc:4321 cname:c\r\n"
        "a=ssrc:4321 msid:wayrtc video\r\n"
        "a=candidate:1 1 UDP 2015363327 10.0.0.2 50000 typ host\r\n";

static const enum rtc_codec h264_only[] = {RTC_CODEC_H264};
static const enum rtc_codec vp8_only[] = {RTC_CODEC_VP8};

static struct rtc_sdp_offer_params offer_params(void)
{
	static const char *cands[] = {"candidate:1 1 UDP 2015363327 10.0.0.2 50000 typ host", NULL};

	return (struct rtc_sdp_offer_params){
	        .session_id = 42,
	        .ice_ufrag = "abcd",
	        .ice_pwd = "0123456789012345678901",
	        .fingerprint = FP_CHROME,
	        .candidates = cands,
	        .codecs = h264_only,
	        .n_codecs = 1,
	        .video_ssrc = 1234,
	        .rtx_ssrc = 4321,
	        .cname = "c",
	        .audio_ssrc = 5678,
	};
}

static guint count(const char *hay, const char *needle)
{
	guint n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_offer_h264(void)
{
	struct rtc_sdp_offer_params p = offer_params();
	g_autofree char *offer = rtc_sdp_offer_build(&p);

	g_assert_cmpstr(offer, ==, h264_offer);
}

static void test_offer_full(void)
{
	struct rtc_sdp_offer_params p = offer_params();
	g_autofree char *offer = NULL;
	const char *audio, *data;

	p.codecs = vp8_only;
	p.audio = p.data = true;
	offer = rtc_sdp_offer_build(&p);
	g_assert_nonnull(strstr(offer, "a=group:BUNDLE 0 1 2\r\n"));
	g_assert_nonnull(strstr(offer, "m=video 50000 UDP/TLS/RTP/SAVPF 96 97\r\n"));
	g_assert_nonnull(strstr(offer, "a=rtpmap:96 VP8/90000\r\n"));
	g_assert_null(strstr(offer, "H264"));
	g_assert_null(strstr(offer, "a=fmtp:96"));
	g_assert_cmpuint(count(offer, "a=rtcp-fb:96 "), ==, 4);
	g_assert_nonnull(strstr(offer, "a=rtcp-fb:96 transport-cc\r\n"));
	g_assert_null(strstr(offer, "goog-remb"));
	g_assert_nonnull(strstr(offer, "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"));
	g_assert_nonnull(strstr(offer, "a=ssrc-group:FID 1234 4321\r\n"));
	/* the transport-wide sequence number on both RTP sections, with one id */
	g_assert_cmpuint(count(offer, "a=extmap:3 http://www.ietf.org/id/"
	                              "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"),
	                 ==, 2);
	g_assert_nonnull(strstr(offer, "a=rtcp-fb:111 transport-cc\r\n"));
	g_assert_null(strstr(offer, "end-of-candidates"));
	/* every section carries the transport, and the sections come in mid order */
	g_assert_cmpuint(count(offer, "a=ice-ufrag:abcd\r\n"), ==, 3);
	g_assert_cmpuint(count(offer, "a=fingerprint:sha-256 " FP_CHROME "\r\n"), ==, 3);
	g_assert_cmpuint(count(offer, "a=setup:actpass\r\n"), ==, 3);
	g_assert_cmpuint(count(offer, "a=candidate:"), ==, 1);
	audio = strstr(offer, "m=audio 50000 UDP/TLS/RTP/SAVPF 111\r\n");
	data = strstr(offer, "m=application 50000 UDP/DTLS/SCTP webrtc-datachannel\r\n");
	g_assert_nonnull(audio);
	g_assert_nonnull(data);
	g_assert_true(audio < data);
	g_assert_true(strstr(audio, "a=mid:1\r\n") < data);
	g_assert_nonnull(strstr(audio, "a=rtpmap:111 opus/48000/2\r\n"));
	g_assert_nonnull(
	        strstr(audio, "a=fmtp:111 minptime=10;stereo=1;sprop-stereo=1;useinbandfec=0\r\n"));
	g_assert_nonnull(strstr(audio, "a=ssrc:5678 cname:c\r\n"));
	g_assert_nonnull(strstr(audio, "a=sendonly\r\n"));
	g_assert_true(strstr(audio, "a=rtcp-mux\r\n") < data);
	/* a stream of its own: Chromium would hold the video back to lip-sync one stream */
	g_assert_nonnull(strstr(audio, "a=msid:wayrtc-audio audio\r\n"));
	g_assert_nonnull(strstr(audio, "a=ssrc:5678 msid:wayrtc-audio audio\r\n"));
	g_assert_null(strstr(audio, "msid:wayrtc video"));
	g_assert_true(strstr(offer, "a=msid:wayrtc video\r\n") < audio);
	g_assert_nonnull(strstr(offer, "a=msid-semantic: WMS wayrtc wayrtc-audio\r\n"));
	g_assert_cmpuint(count(offer, "msid:wayrtc-audio"), ==, 2);
	/* the audio SSRC is not the video's */
	g_assert_cmpuint(count(offer, "a=ssrc:5678 "), ==, 2);

	/* without the right, no audio section and nothing of it elsewhere */
	{
		g_autofree char *no_audio = NULL;

		p.audio = false;
		no_audio = rtc_sdp_offer_build(&p);
		g_assert_nonnull(strstr(no_audio, "a=group:BUNDLE 0 2\r\n"));
		g_assert_null(strstr(no_audio, "m=audio"));
		g_assert_null(strstr(no_audio, "opus"));
		g_assert_null(strstr(no_audio, "a=ssrc:5678"));
		g_assert_null(strstr(no_audio, "wayrtc-audio"));
		g_assert_nonnull(strstr(no_audio, "a=msid-semantic: WMS wayrtc\r\n"));
		g_assert_cmpuint(count(no_audio, "a=mid:"), ==, 2);
		p.audio = true;
	}
	g_assert_nonnull(
	        strstr(data, "a=mid:2\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n"));
	g_assert_null(strstr(data, "a=rtcp"));

	/* no RTX SSRC: no RTX payload type, no FID group */
	{
		g_autofree char *no_rtx = NULL;

		p.rtx_ssrc = 0;
		no_rtx = rtc_sdp_offer_build(&p);
		g_assert_nonnull(strstr(no_rtx, "m=video 50000 UDP/TLS/RTP/SAVPF 96\r\n"));
		g_assert_null(strstr(no_rtx, "rtx"));
		g_assert_null(strstr(no_rtx, "FID"));
		p.rtx_ssrc = 4321;
	}

	/* a value with a line end could write lines of its own: refused */
	p.cname = "x\r\na=setup:passive";
	g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*value_ok*");
	g_assert_null(rtc_sdp_offer_build(&p));
	g_test_assert_expected_messages();
}

static struct rtc_sdp_answer *parse_ok(const char *sdp)
{
	struct rtc_sdp_answer *a = g_new0(struct rtc_sdp_answer, 1);
	g_autoptr(GError) error = NULL;

	rtc_sdp_answer_parse((const uint8_t *)sdp, strlen(sdp), a, &error);
	g_assert_no_error(error);
	return a;
}

static void test_chrome_h264(void)
{
	g_autofree struct rtc_sdp_answer *a = parse_ok(chrome_h264);

	g_assert_cmpstr(a->ice_ufrag, ==, "Hd5C");
	g_assert_cmpstr(a->ice_pwd, ==, "N0KwQR2DC1BBHr5It5kUrVTr");
	g_assert_cmpint(a->setup, ==, RTC_SDP_SETUP_ACTIVE);
	g_assert_cmpuint(a->fingerprints[0].digest[0], ==, 0x8F);
	g_assert_cmpuint(a->fingerprints[0].digest[31], ==, 0x5A);
	g_assert_true(a->video);
	g_assert_cmpint(a->video_mline, ==, 0);
	g_assert_true(a->playout_delay);
	g_assert_cmpuint(a->playout_delay_id, ==, RTC_EXT_PLAYOUT_DELAY);
	g_assert_cmpuint(a->n_video_pts, ==, 1);
	g_assert_true(rtc_sdp_answer_has_pt(a, 102));
	g_assert_false(rtc_sdp_answer_has_pt(a, 96));
	g_assert_false(a->audio);
	g_assert_true(a->data);
	g_assert_cmpuint(a->sctp_port, ==, 5000);
	g_assert_cmpuint(a->max_message_size, ==, 262144);
	/* the second section repeats them: kept once */
	g_assert_cmpuint(a->n_candidates, ==, 3);
	g_assert_cmpstr(a->candidates[0], ==,
	                "candidate:2573409592 1 udp 2113937151 "
	                "c6b0a8a4-3d1c-4d2a-9a57-0e4fa8b1d2c3.local 58402 typ host generation 0 "
	                "network-cost 999");
	g_assert_true(g_str_has_suffix(a->candidates[2], "rport 0 generation 0 network-cost 999"));
}

static void test_chrome_vp8(void)
{
	g_autofree struct rtc_sdp_answer *a = parse_ok(chrome_vp8);

	g_assert_cmpstr(a->ice_ufrag, ==, "q/7+");
	g_assert_cmpstr(a->ice_pwd, ==, "t0TxXi9CvTCXhJqJl0R3R+Ch");
	g_assert_true(rtc_sdp_answer_has_pt(a, 96));
	g_assert_false(rtc_sdp_answer_has_pt(a, 102));
	g_assert_true(a->playout_delay);
	g_assert_false(a->data);
	g_assert_cmpuint(a->n_candidates, ==, 0);
}

static void test_firefox(void)
{
	g_autofree struct rtc_sdp_answer *a = parse_ok(firefox_h264);

	g_assert_cmpstr(a->ice_ufrag, ==, "6f1e2d3c");
	g_assert_cmpstr(a->ice_pwd, ==, "d8c8b1c6e1b7b4a7ef6b3c1f2b0a9e8d");
	g_assert_cmpuint(a->fingerprints[0].digest[0], ==, 0x48); /* from session level */
	g_assert_cmpuint(a->fingerprints[0].digest[31], ==, 0x95);
	g_assert_cmpint(a->setup, ==, RTC_SDP_SETUP_ACTIVE);
	g_assert_true(a->video); /* media-level recvonly over session-level sendrecv */
	g_assert_true(rtc_sdp_answer_has_pt(a, 102));
	g_assert_cmpuint(a->n_candidates, ==, 3);
	g_assert_cmpstr(a->candidates[0], ==,
	                "candidate:0 1 UDP 2122252543 192.168.1.7 50331 typ host");
	g_assert_cmpstr(a->candidates[2], ==,
	                "candidate:2 1 TCP 2105524479 192.168.1.7 9 typ host tcptype active");
}

static void test_chromium156_captured(void)
{
	g_autofree struct rtc_sdp_answer *a = parse_ok(chromium156_captured);

	g_assert_cmpstr(a->ice_ufrag, ==, "Byqg");
	g_assert_cmpstr(a->ice_pwd, ==, "yio4AFUTRYWvBORTw5H2l2cS");
	g_assert_cmpuint(a->fingerprints[0].digest[0], ==, 0x7F);
	g_assert_cmpuint(a->fingerprints[0].digest[31], ==, 0x50);
	g_assert_cmpint(a->setup, ==, RTC_SDP_SETUP_ACTIVE);
	g_assert_true(a->video);
	g_assert_true(a->playout_delay);
	g_assert_true(rtc_sdp_answer_has_pt(a, RTC_PT_VP8));
	g_assert_cmpuint(a->n_video_pts, ==, 1);
	g_assert_true(a->audio);
	g_assert_true(a->data);
	g_assert_cmpuint(a->sctp_port, ==, 5000);
	g_assert_cmpuint(a->max_message_size, ==, 262144);
	g_assert_cmpuint(a->n_candidates, ==, 2);
	g_assert_true(g_str_has_suffix(a->candidates[1], ".local 43561 typ host generation 0 "
	                                                 "network-cost 999"));
}

static char *replace(const char *sdp, const char *from, const char *to)
{
	GString *s = g_string_new(sdp);

	g_assert_cmpuint(g_string_replace(s, from, to, 1), ==, 1);
	return g_string_free(s, FALSE);
}

/* Media level beats session level; the BUNDLE tag picks the m-line that counts. */
static void test_levels(void)
{
	g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
	g_autofree struct rtc_sdp_answer *a = NULL, *b = NULL, *c = NULL, *d = NULL;

	s1 = replace(chrome_vp8, "a=msid-semantic: WMS\n",
	             "a=ice-ufrag:SESS\na=ice-pwd:sessionsessionsession12\na=setup:passive\n");
	a = parse_ok(s1);
	g_assert_cmpstr(a->ice_ufrag, ==, "q/7+");
	g_assert_cmpstr(a->ice_pwd, ==, "t0TxXi9CvTCXhJqJl0R3R+Ch");
	g_assert_cmpint(a->setup, ==, RTC_SDP_SETUP_ACTIVE);

	/* the session level fills in what the m-line leaves out */
	s2 = replace(s1, "a=ice-ufrag:q/7+\n", "");
	b = parse_ok(s2);
	g_assert_cmpstr(b->ice_ufrag, ==, "SESS");
	g_assert_cmpstr(b->ice_pwd, ==, "t0TxXi9CvTCXhJqJl0R3R+Ch");

	/* BUNDLE tagged on the data section: its transport counts */
	s3 = replace(chrome_h264, "a=group:BUNDLE 0 2", "a=group:BUNDLE 2 0");
	g_free(s1);
	s1 = replace(s3, "a=setup:active\r\na=mid:2", "a=setup:passive\r\na=mid:2");
	g_free(s3);
	s3 = replace(
	        s1,
	        "a=ice-ufrag:Hd5C\r\na=ice-pwd:N0KwQR2DC1BBHr5It5kUrVTr\r\n"
	        "a=ice-options:trickle\r\na=fingerprint:sha-256 " FP_CHROME "\r\na=setup:passive",
	        "a=ice-ufrag:DATA\r\na=ice-pwd:N0KwQR2DC1BBHr5It5kUrVTr\r\n"
	        "a=ice-options:trickle\r\na=fingerprint:sha-256 " FP_FIREFOX "\r\na=setup:passive");
	c = parse_ok(s3);
	g_assert_cmpstr(c->ice_ufrag, ==, "DATA");
	g_assert_cmpuint(c->fingerprints[0].digest[0], ==, 0x48);
	g_assert_cmpint(c->setup, ==, RTC_SDP_SETUP_PASSIVE);

	/* no BUNDLE group (as some clients answer): the first m-line; extmap with direction,
	 * another id for playout delay is noted but not ours */
	s4 = replace(chrome_vp8, "a=group:BUNDLE 0\n", "");
	g_free(s1);
	s1 = replace(s4, "a=extmap:1 http", "a=extmap:7/recvonly http");
	d = parse_ok(s1);
	g_assert_cmpstr(d->ice_ufrag, ==, "q/7+");
	g_assert_false(d->playout_delay);
	g_assert_cmpuint(d->playout_delay_id, ==, 7);
}

/* Each mutation must be refused with a message. */
static void refuse(const char *sdp, const char *from, const char *to, const char *why)
{
	g_autofree struct rtc_sdp_answer *a = g_new0(struct rtc_sdp_answer, 1);
	g_autoptr(GError) error = NULL;
	g_autofree char *s = replace(sdp, from, to);

	g_assert_false(rtc_sdp_answer_parse((const uint8_t *)s, strlen(s), a, &error));
	g_assert_nonnull(error);
	if (!strstr(error->message, why))
		g_error("\"%s\" → \"%s\": got \"%s\", wanted \"%s\"", from, to, error->message,
		        why);
}

static void test_bad_answers(void)
{
	const char *s = chrome_h264;
	g_autofree struct rtc_sdp_answer *a = g_new0(struct rtc_sdp_answer, 1);
	g_autoptr(GError) error = NULL;
	g_autofree char *ff = NULL;
	GString *many;

	refuse(s, "v=0\r\n", "v=1\r\n", "v=0");
	refuse(chrome_vp8, "a=ice-ufrag:q/7+\n", "a=x:\n", "ICE credentials");
	refuse(chrome_vp8, "a=ice-pwd:", "a=ice-pxd:", "ICE credentials");
	refuse(s, "a=ice-ufrag:Hd5C", "a=ice-ufrag:H!5C", "ice-ufrag");
	refuse(s, "a=ice-ufrag:Hd5C", "a=ice-ufrag:Hd5", "ice-ufrag");
	refuse(s, "a=ice-pwd:N0KwQR2DC1BBHr5It5kUrVTr", "a=ice-pwd:N0KwQR2DC1BBHr5It5kUr",
	       "ice-pwd");
	refuse(s, "a=fingerprint:sha-256", "a=fingerprint:sha-1", "no hash we check");
	refuse(s, "a=fingerprint:sha-256 " FP_CHROME, "a=fingerprint:sha-256", "malformed");
	refuse(s, "a=fingerprint:sha-256 8F:B1", "a=fingerprint:sha-256 8F:B", "malformed");
	refuse(s, "a=fingerprint:sha-256 8F:B1", "a=fingerprint:sha-256 8F-B1", "malformed");
	refuse(chrome_vp8, "a=fingerprint:", "a=fxngerprint:", "no DTLS fingerprint");
	refuse(chrome_vp8, "a=setup:active", "a=setup:actpass", "DTLS role");
	refuse(s, "a=setup:active", "a=setup:holdconn", "DTLS role");
	refuse(chrome_vp8, "a=setup:active\n", "", "DTLS role");
	refuse(s, "m=video 58402 ", "m=video 0 ", "declined");
	refuse(s, "a=recvonly", "a=inactive", "declined");
	refuse(s, "a=recvonly", "a=sendonly", "declined");
	ff = replace(firefox_h264, "a=recvonly\r\n", ""); /* session level: sendrecv */
	g_free(parse_ok(ff));
	refuse(ff, "a=sendrecv", "a=inactive", "declined");
	refuse(s, "m=video 58402 UDP/TLS/RTP/SAVPF 102", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
	       "declined");
	refuse(s, "SAVPF 102", "SAVPF 358", "payload type");
	refuse(s, "SAVPF 102", "SAVPF 102x", "payload type");
	refuse(s, "m=video 58402 ", "m=video 99999 ", "m-line");
	refuse(s, "m=video 58402 UDP/TLS/RTP/SAVPF 102", "m=video", "m-line");
	refuse(s, "a=sctp-port:5000", "a=sctp-port:70000", "sctp-port");
	refuse(s, "a=sctp-port:5000", "a=sctp-port:-1", "sctp-port");
	refuse(s, "a=max-message-size:262144", "a=max-message-size:99999999999",
	       "max-message-size");
	refuse("v=0\r\n", "v=0", "v=0", "no m-line");

	/* NUL inside */
	g_assert_false(rtc_sdp_answer_parse((const uint8_t *)"v=0\r\n\0m=video", 14, a, &error));
	g_assert_nonnull(strstr(error->message, "NUL"));
	g_clear_error(&error);
	g_assert_false(rtc_sdp_answer_parse((const uint8_t *)"", 0, a, &error));
	g_clear_error(&error);

	/* more m-lines than any offer of ours */
	many = g_string_new(chrome_vp8);
	for (int i = 0; i < RTC_SDP_MAX_MLINES; i++)
		g_string_append(many, "m=audio 0 UDP/TLS/RTP/SAVPF 0\n");
	g_assert_false(rtc_sdp_answer_parse((const uint8_t *)many->str, many->len, a, &error));
	g_assert_nonnull(strstr(error->message, "m-lines"));
	g_clear_error(&error);
	g_string_free(many, TRUE);

	/* too long */
	many = g_string_new(chrome_vp8);
	while (many->len <= RTC_SDP_MAX_LEN)
		g_string_append(many, "a=x\n");
	g_assert_false(rtc_sdp_answer_parse((const uint8_t *)many->str, many->len, a, &error));
	g_assert_nonnull(strstr(error->message, "too long"));
	g_clear_error(&error);
	g_string_free(many, TRUE);
}

/* What parses but is not kept: overlong and control-character candidates, too many. */
static void test_candidate_limits(void)
{
	GString *s = g_string_new(chrome_vp8);
	g_autofree struct rtc_sdp_answer *a = NULL;
	g_autofree char *longc = g_strnfill(RTC_SDP_CANDIDATE_MAX + 1, 'x');

	g_string_append_printf(s, "a=candidate:%s\n", longc);
	g_string_append(s, "a=candidate:1 1 udp 1 10.0.0.1 1 typ host\x7f\n");
	for (int i = 0; i < RTC_SDP_MAX_REMOTE_CANDIDATES + 5; i++)
		g_string_append_printf(s, "a=candidate:%d 1 udp 1 10.0.0.1 %d typ host\n", i,
		                       1000 + i);
	a = parse_ok(s->str);
	g_assert_cmpuint(a->n_candidates, ==, RTC_SDP_MAX_REMOTE_CANDIDATES);
	g_assert_cmpstr(a->candidates[0], ==, "candidate:0 1 udp 1 10.0.0.1 1000 typ host");
	g_string_free(s, TRUE);
}

#define FP_384                                                                                     \
	"0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:"  \
	"D7:"                                                                                      \
	"E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9"
#define FP_512 FP_384 ":01:02:03:04:05:06:07:08:09:10:11:12:13:14:15:16"

/* RFC 8122: several a=fingerprint lines; the strongest hash we check decides, hashes we
 * do not check are skipped, and only an answer with none we can check is refused. */
static void test_fingerprints(void)
{
	g_autofree char *aiortc = NULL, *s = NULL, *t = NULL, *u = NULL;
	g_autofree struct rtc_sdp_answer *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	const char *fp_line = "a=fingerprint:sha-256 " FP_CHROME "\r\na=setup:active\r\na=mid:0";

	/* aiortc 1.9 writes sha-256, sha-384 and sha-512 */
	aiortc = replace(chrome_h264, fp_line,
	                 "a=fingerprint:sha-256 " FP_CHROME "\r\n"
	                 "a=fingerprint:sha-384 " FP_384 "\r\n"
	                 "a=fingerprint:sha-512 " FP_512 "\r\n"
	                 "a=setup:active\r\na=mid:0");
	a = parse_ok(aiortc);
	g_assert_cmpuint(a->n_fingerprints, ==, 1);
	g_assert_cmpint(a->fingerprints[0].hash, ==, RTC_HASH_SHA512);
	g_assert_cmpuint(a->fingerprints[0].digest[0], ==, 0x0A);
	g_assert_cmpuint(a->fingerprints[0].digest[63], ==, 0x16);

	/* the order does not matter; unknown and weak hashes are skipped */
	s = replace(chrome_h264, fp_line,
	            "a=fingerprint:sha-1 "
	            "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
	            "a=fingerprint:SHA-384 " FP_384 "\r\n"
	            "a=fingerprint:shake-256 whatever\r\n"
	            "a=fingerprint:sha-256 " FP_CHROME "\r\n"
	            "a=setup:active\r\na=mid:0");
	b = parse_ok(s);
	g_assert_cmpuint(b->n_fingerprints, ==, 1);
	g_assert_cmpint(b->fingerprints[0].hash, ==, RTC_HASH_SHA384);
	g_assert_cmpuint(b->fingerprints[0].digest[47], ==, 0xF9);

	/* two certificates of one hash: either may be the one used */
	t = replace(chrome_h264, fp_line,
	            "a=fingerprint:sha-256 " FP_FIREFOX "\r\n"
	            "a=fingerprint:sha-256 " FP_CHROME "\r\n"
	            "a=setup:active\r\na=mid:0");
	c = parse_ok(t);
	g_assert_cmpuint(c->n_fingerprints, ==, 2);
	g_assert_cmpuint(c->fingerprints[0].digest[0], ==, 0x48);
	g_assert_cmpuint(c->fingerprints[1].digest[0], ==, 0x8F);

	/* only an unknown one on the bundled m-line: the session level's sha-256 counts */
	u = replace(chrome_vp8, "a=fingerprint:sha-256 ", "a=fingerprint:sha-3-256 ");
	g_free(s);
	s = replace(u, "a=msid-semantic: WMS\n", "a=fingerprint:sha-256 " FP_FIREFOX "\n");
	d = parse_ok(s);
	g_assert_cmpuint(d->n_fingerprints, ==, 1);
	g_assert_cmpuint(d->fingerprints[0].digest[0], ==, 0x48);

	refuse(chrome_vp8, "a=fingerprint:sha-256 ", "a=fingerprint:sha-3-256 ",
	       "no hash we check");
	refuse(aiortc, "a=fingerprint:sha-384 0A", "a=fingerprint:sha-384 0X", "malformed");
	refuse(aiortc, "a=fingerprint:sha-512 " FP_512, "a=fingerprint:sha-512 " FP_384,
	       "malformed");
	refuse(aiortc, "a=fingerprint:sha-512 " FP_512, "a=fingerprint:sha-512", "malformed");
}

/* Several codecs, most wanted first, each with its payload type; the level offered is
 * the one asked; the default candidate in m= and c=; end-of-candidates when told. */
static void test_offer_codecs(void)
{
	static const enum rtc_codec both[] = {RTC_CODEC_VP8, RTC_CODEC_H264};
	static const char *v6[] = {
	        "candidate:1 1 TCP 2015363327 10.0.0.9 9 typ host tcptype passive",
	        "candidate:2 1 UDP 2015363327 2001:db8::7 40001 typ host",
	        "candidate:3 1 UDP 2015363300 10.0.0.2 50000 typ host", NULL};
	static const char *bad[] = {"candidate:1 1 UDP 1 10.0.0.2\x01 50000 typ host",
	                            "candidate:2 2 UDP 1 10.0.0.3 50001 typ host", NULL};
	struct rtc_sdp_offer_params p = offer_params();
	g_autofree char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;
	const char *h264;

	p.codecs = both;
	p.n_codecs = 2;
	p.h264_level_idc = 0x2a; /* 4.2: 1080p at 60 fps */
	p.data = true;
	p.end_of_candidates = true;
	o1 = rtc_sdp_offer_build(&p);
	g_assert_nonnull(strstr(o1, "m=video 50000 UDP/TLS/RTP/SAVPF 96 97 102 103\r\n"));
	g_assert_true(strstr(o1, "a=rtpmap:96 VP8/90000\r\n") <
	              strstr(o1, "a=rtpmap:102 H264/90000\r\n"));
	h264 = strstr(o1, "a=rtpmap:102 H264/90000\r\n");
	g_assert_nonnull(strstr(h264, "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	                              "profile-level-id=42e02a\r\n"));
	g_assert_cmpuint(count(o1, "a=rtcp-fb:96 "), ==, 4);
	g_assert_cmpuint(count(o1, "a=rtcp-fb:102 "), ==, 4);
	/* once, after the candidates of the first section */
	g_assert_cmpuint(count(o1, "a=end-of-candidates\r\n"), ==, 1);
	g_assert_nonnull(strstr(o1, "typ host\r\na=end-of-candidates\r\nm=application"));
	g_assert_nonnull(strstr(o1, "m=application 50000 UDP/DTLS/SCTP"));
	g_assert_cmpuint(count(o1, "c=IN IP4 10.0.0.2\r\n"), ==, 2);

	/* the first UDP candidate of component 1, IPv6 too */
	p.candidates = v6;
	o2 = rtc_sdp_offer_build(&p);
	g_assert_nonnull(strstr(o2, "m=video 40001 "));
	g_assert_nonnull(strstr(o2, "c=IN IP6 2001:db8::7\r\na=rtcp:40001 IN IP6 2001:db8::7\r\n"));

	/* none usable, or none at all: the placeholder of JSEP */
	p.candidates = bad;
	o3 = rtc_sdp_offer_build(&p);
	g_assert_nonnull(strstr(o3, "m=video 9 "));
	g_assert_nonnull(strstr(o3, "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"));
	p.candidates = NULL;
	p.end_of_candidates = false;
	p.h264_level_idc = 0;
	o4 = rtc_sdp_offer_build(&p);
	g_assert_nonnull(strstr(o4, "m=application 9 "));
	g_assert_null(strstr(o4, "end-of-candidates"));
	g_assert_nonnull(strstr(o4, "profile-level-id=42e01f\r\n")); /* 3.1 by default */

	p.n_codecs = 0;
	g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*n_codecs*");
	g_assert_null(rtc_sdp_offer_build(&p));
	g_test_assert_expected_messages();
}

/* H.264 High 4:4:4 is a codec of its own: offered first where wanted, payload type 104
 * with RTX 105, profile-level-id f400 with its own level; the answer that keeps 104 with
 * profile 244 gets it, one that names another profile for 104 (or none) falls back to
 * what else it kept, and the words for a browser with none say H.264 once. */
static void test_h264_444(void)
{
	static const enum rtc_codec all[] = {RTC_CODEC_H264_444, RTC_CODEC_H264, RTC_CODEC_VP8};
	static const enum rtc_codec only444[] = {RTC_CODEC_H264_444};
	struct rtc_sdp_offer_params p = offer_params();
	const char *mline = "m=video 58402 UDP/TLS/RTP/SAVPF 102\r\n";
	const char *fmtp = "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	                   "profile-level-id=42e01f\r\n";
	g_autofree char *offer = NULL, *why = NULL, *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
	g_autofree struct rtc_sdp_answer *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	enum rtc_codec out = RTC_CODEC_VP8, codec;
	const char *h444, *h420;

	g_assert_true(rtc_codec_from_name("h264-444", &codec));
	g_assert_cmpint(codec, ==, RTC_CODEC_H264_444);
	g_assert_cmpstr(rtc_codec_name(RTC_CODEC_H264_444), ==, "h264-444");
	g_assert_true(rtc_codec_from_payload_type(104, &codec));
	g_assert_cmpint(codec, ==, RTC_CODEC_H264_444);
	g_assert_cmpuint(rtc_codec_rtx_payload_type(RTC_CODEC_H264_444), ==, 105);
	g_assert_true(rtc_codec_is_h264(RTC_CODEC_H264_444));
	g_assert_false(rtc_codec_is_h264(RTC_CODEC_VP8));
	/* four times the baseline's bit rate per level (x264's cbp_factor 16/4) */
	g_assert_cmpuint(rtc_h264_444_level_idc(1280, 720, 30, 30000), ==, 31);
	g_assert_cmpuint(rtc_h264_level_idc(1280, 720, 30, 30000), ==, 41);
	g_assert_cmpuint(rtc_h264_444_level_idc(1280, 720, 60, 8000), ==, 32);

	p.codecs = all;
	p.n_codecs = 3;
	p.h264_level_idc = 0x29;
	p.h264_444_level_idc = 0x20;
	offer = rtc_sdp_offer_build(&p);
	g_assert_nonnull(
	        strstr(offer, "m=video 50000 UDP/TLS/RTP/SAVPF 104 105 102 103 96 97\r\n"));
	h444 = strstr(offer, "a=rtpmap:104 H264/90000\r\n");
	h420 = strstr(offer, "a=rtpmap:102 H264/90000\r\n");
	g_assert_true(h444 && h420 && h444 < h420);
	g_assert_nonnull(strstr(h444, "a=rtpmap:104 H264/90000\r\n"
	                              "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;"
	                              "profile-level-id=f40020\r\n"));
	g_assert_nonnull(strstr(offer, "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	                               "profile-level-id=42e029\r\n"));
	g_assert_nonnull(strstr(offer, "a=rtpmap:105 rtx/90000\r\na=fmtp:105 apt=104\r\n"));
	g_assert_cmpuint(count(offer, "a=rtcp-fb:104 "), ==, 4);
	/* without a level of its own, the baseline one */
	p.h264_444_level_idc = 0;
	g_free(offer);
	offer = rtc_sdp_offer_build(&p);
	g_assert_nonnull(strstr(offer, "profile-level-id=f40029\r\n"));

	/* Chromium's answer keeps 104 first, as offered */
	s1 = replace(chrome_h264, mline,
	             "m=video 58402 UDP/TLS/RTP/SAVPF 104 105 102 103 96 97\r\n");
	s2 = replace(s1, fmtp,
	             "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;"
	             "profile-level-id=f4001f\r\n"
	             "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	             "profile-level-id=42e01f\r\n");
	a = parse_ok(s2);
	g_assert_true(a->h264_444.fmtp && a->h264_444.profile_level_id);
	g_assert_cmphex(a->h264_444.profile_idc, ==, 0xf4);
	g_assert_cmphex(a->h264_444.profile_iop, ==, 0x00);
	g_assert_cmphex(a->h264_444.level_idc, ==, 0x1f);
	g_assert_cmphex(a->h264.profile_idc, ==, 0x42); /* each payload type its own fmtp */
	g_assert_true(rtc_sdp_answer_choose_codec(a, all, 3, 0x20, 0x20, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264_444);
	/* not offered (a share whose encoder makes no 4:4:4): the next one kept */
	g_assert_true(rtc_sdp_answer_choose_codec(a, all + 1, 2, 0x20, 0x20, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);

	/* 104 answered with a baseline profile: not 4:4:4, so 102 */
	s3 = replace(s2, "profile-level-id=f4001f", "profile-level-id=42e01f");
	b = parse_ok(s3);
	g_assert_true(rtc_sdp_answer_choose_codec(b, all, 3, 0x20, 0x20, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);
	/* and without any fmtp for 104 (RFC 6184's default is baseline): the same */
	s4 = replace(s2,
	             "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;"
	             "profile-level-id=f4001f\r\n",
	             "");
	c = parse_ok(s4);
	g_assert_false(c->h264_444.fmtp);
	g_assert_true(rtc_sdp_answer_choose_codec(c, all, 3, 0x20, 0x20, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);
	/* no level asymmetry and a lower level than the stream's: not 4:4:4 either */
	g_free(s3);
	s3 = replace(s2, "a=fmtp:104 level-asymmetry-allowed=1;", "a=fmtp:104 ");
	d = parse_ok(s3);
	g_assert_true(rtc_sdp_answer_choose_codec(d, all, 3, 0x20, 0x1f, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264_444);
	g_assert_true(rtc_sdp_answer_choose_codec(d, all, 3, 0x20, 0x20, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);
	/* 4:4:4 alone offered, a browser without it: said in words, H.264 once */
	g_assert_false(rtc_sdp_answer_choose_codec(b, only444, 1, 0x20, 0x20, &out, &why));
	g_assert_cmpstr(why, ==, "this browser decodes none of the video we send (H.264)");
	g_clear_pointer(&why, g_free);
	g_assert_false(rtc_sdp_answer_choose_codec(b, all, 1, 0x20, 0x20, &out, &why));
}

static struct rtc_sdp_answer *answer_with(const char *from, const char *to)
{
	g_autofree char *s = replace(chrome_h264, from, to);

	return parse_ok(s);
}

/* The answer decides: the first payload type it kept that we offered and can send. */
static void test_choose_codec(void)
{
	static const enum rtc_codec both[] = {RTC_CODEC_H264, RTC_CODEC_VP8};
	static const enum rtc_codec vp8[] = {RTC_CODEC_VP8};
	const char *mline = "m=video 58402 UDP/TLS/RTP/SAVPF 102\r\n";
	const char *fmtp = "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	                   "profile-level-id=42e01f\r\n";
	g_autofree struct rtc_sdp_answer *a = parse_ok(chrome_h264), *b = NULL, *c = NULL,
	                                 *d = NULL, *e = NULL, *f = NULL, *g = NULL, *h = NULL;
	g_autofree char *why = NULL, *s = NULL;
	enum rtc_codec out = RTC_CODEC_VP8;

	g_assert_true(a->h264.fmtp);
	g_assert_cmpuint(a->h264.packetization_mode, ==, 1);
	g_assert_true(a->h264.level_asymmetry_allowed);
	g_assert_true(a->h264.profile_level_id);
	g_assert_cmphex(a->h264.profile_idc, ==, 0x42);
	g_assert_cmphex(a->h264.profile_iop, ==, 0xe0);
	g_assert_cmphex(a->h264.level_idc, ==, 0x1f);
	g_assert_true(rtc_sdp_answer_choose_codec(a, both, 2, 0x1f, 0, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);
	/* level asymmetry: we send 4.2 to a 3.1 answer */
	g_assert_true(rtc_sdp_answer_choose_codec(a, both, 2, 0x2a, 0, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);
	/* offered VP8 only: the answer's H.264 is not ours to pick */
	g_assert_false(rtc_sdp_answer_choose_codec(a, vp8, 1, 0x1f, 0, &out, &why));
	g_assert_cmpstr(why, ==, "this browser decodes none of the video we send (VP8)");
	g_clear_pointer(&why, g_free);

	/* the answer's order decides, not ours */
	b = answer_with(mline, "m=video 58402 UDP/TLS/RTP/SAVPF 96 102\r\n");
	g_assert_true(rtc_sdp_answer_choose_codec(b, both, 2, 0x1f, 0, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_VP8);
	/* a payload type we never offered is passed over */
	c = answer_with(mline, "m=video 58402 UDP/TLS/RTP/SAVPF 98 102 96\r\n");
	g_assert_true(rtc_sdp_answer_choose_codec(c, both, 2, 0x1f, 0, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);

	/* packetization-mode 0 (also the default without fmtp): not ours to send; VP8 is */
	s = replace(chrome_h264, mline, "m=video 58402 UDP/TLS/RTP/SAVPF 102 96\r\n");
	d = answer_with(fmtp, "a=fmtp:102 profile-level-id=42e01f;level-asymmetry-allowed=1\r\n");
	g_assert_cmpuint(d->h264.packetization_mode, ==, 0);
	g_assert_false(rtc_sdp_answer_choose_codec(d, both, 2, 0x1f, 0, &out, &why));
	g_assert_cmpstr(why, ==,
	                "this browser decodes none of the video we send (H.264 or VP8): its H.264 "
	                "lacks packetization-mode 1");
	g_clear_pointer(&why, g_free);
	{
		g_autofree char *t = replace(s, fmtp, "");
		g_autofree struct rtc_sdp_answer *x = parse_ok(t);

		g_assert_false(x->h264.fmtp);
		g_assert_true(rtc_sdp_answer_choose_codec(x, both, 2, 0x1f, 0, &out, NULL));
		g_assert_cmpint(out, ==, RTC_CODEC_VP8);
	}

	/* no level asymmetry: one level both ways, the answer's, and ours is higher */
	e = answer_with(fmtp, "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n");
	g_assert_false(e->h264.level_asymmetry_allowed);
	g_assert_true(rtc_sdp_answer_choose_codec(e, both, 2, 0x1f, 0, &out, NULL));
	g_assert_false(rtc_sdp_answer_choose_codec(e, both, 2, 0x20, 0, &out, &why));
	g_assert_nonnull(strstr(why, "level"));
	g_clear_pointer(&why, g_free);

	/* profiles: High decodes constrained baseline, a bare Extended does not */
	f = answer_with("profile-level-id=42e01f", "profile-level-id=640c1f");
	g_assert_true(rtc_sdp_answer_choose_codec(f, both, 2, 0x1f, 0, &out, NULL));
	g_assert_cmpint(out, ==, RTC_CODEC_H264);
	g = answer_with("profile-level-id=42e01f", "profile-level-id=58001f");
	g_assert_false(rtc_sdp_answer_choose_codec(g, both, 2, 0x1f, 0, &out, &why));
	g_assert_nonnull(strstr(why, "profile"));
	g_clear_pointer(&why, g_free);

	/* odd spacing and unknown keys are fine; other payload types' fmtp are not read */
	h = answer_with(fmtp, "a=fmtp:96 packetization-mode=0\r\n"
	                      "a=fmtp:102 x-google-thing=1; packetization-mode=1 ;"
	                      "profile-level-id=42E034;junk\r\n");
	g_assert_cmpuint(h->h264.packetization_mode, ==, 1);
	g_assert_cmphex(h->h264.level_idc, ==, 0x34);
	g_assert_false(h->h264.level_asymmetry_allowed);
}

/* H.264 Table A-1 picks the lowest level that fits; x264 makes the same choice, which
 * the encoder now pins to this one. */
static void test_h264_level(void)
{
	g_assert_cmpuint(rtc_h264_level_idc(1280, 720, 30, 8000), ==, 31);
	g_assert_cmpuint(rtc_h264_level_idc(1280, 720, 60, 8000), ==, 32);  /* x264's 3.2 */
	g_assert_cmpuint(rtc_h264_level_idc(1280, 720, 30, 30000), ==, 41); /* MaxBR */
	g_assert_cmpuint(rtc_h264_level_idc(1920, 1080, 30, 8000), ==, 40);
	g_assert_cmpuint(rtc_h264_level_idc(1920, 1080, 60, 8000), ==, 42);
	g_assert_cmpuint(rtc_h264_level_idc(640, 480, 30, 2000), ==, 30);
	g_assert_cmpuint(rtc_h264_level_idc(3840, 2160, 30, 8000), ==, 51);
	g_assert_cmpuint(rtc_h264_level_idc(3840, 2160, 60, 8000), ==, 52);
	g_assert_cmpuint(rtc_h264_level_idc(4096, 16, 30, 1000), ==, 40); /* width limit */
	g_assert_cmpuint(rtc_h264_level_idc(16384, 16384, 60, 8000), ==, 52);
	g_assert_cmpuint(rtc_h264_level_idc(0, 0, 0, 0), ==, 10);
}

/* What Chromium answers to our offer with the transport-wide sequence number and RTX:
 * the extension kept (id 3) on video and audio, transport-cc feedback, rtx in the m-line.
 * Another id, or none, and it is not used. */
static void test_twcc_rtx(void)
{
	g_autofree char *sdp = g_strdup(chrome_h264);
	g_autofree struct rtc_sdp_answer *a = NULL;
	g_autofree struct rtc_sdp_answer *b = NULL;
	g_autofree struct rtc_sdp_answer *c = NULL;
	char *with, *moved, *audio;

	a = parse_ok(sdp);
	g_assert_false(a->twcc);
	g_assert_false(a->transport_cc);
	g_assert_false(rtc_sdp_answer_has_pt(a, RTC_PT_H264_RTX));

	{
		g_auto(GStrv) parts = g_strsplit(sdp, "a=recvonly\r\n", 2);

		with = g_strconcat(parts[0],
		                   "a=extmap:3 http://www.ietf.org/id/"
		                   "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
		                   "a=recvonly\r\n",
		                   parts[1], NULL);
	}
	{
		g_auto(GStrv) parts = g_strsplit(with, "a=rtcp-fb:102 goog-remb\r\n", 2);

		g_free(with);
		with = g_strconcat(parts[0], "a=rtcp-fb:102 transport-cc\r\n", parts[1], NULL);
	}
	{
		g_auto(GStrv) parts = g_strsplit(with, "SAVPF 102\r\n", 2);

		g_free(with);
		with = g_strconcat(parts[0], "SAVPF 102 103\r\n", parts[1], NULL);
	}
	b = parse_ok(with);
	g_assert_true(b->twcc);
	g_assert_true(b->transport_cc);
	g_assert_true(rtc_sdp_answer_has_pt(b, RTC_PT_H264_RTX));
	g_assert_false(b->audio_twcc);
	g_assert_true(b->playout_delay);

	/* another id than ours: not used */
	moved = g_strdup(with);
	strstr(moved, "a=extmap:3 http://www.ietf.org/id/")[9] = '5';
	c = parse_ok(moved);
	g_assert_false(c->twcc);
	g_assert_true(c->transport_cc);
	g_free(moved);

	/* on an audio section it counts for the audio */
	{
		g_auto(GStrv) parts = g_strsplit(with, "m=application", 2);
		g_autofree struct rtc_sdp_answer *d = NULL;

		audio = g_strconcat(parts[0],
		                    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=recvonly\r\n"
		                    "a=extmap:3 http://www.ietf.org/id/"
		                    "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
		                    "a=rtpmap:111 opus/48000/2\r\nm=application",
		                    parts[1], NULL);
		d = parse_ok(audio);
		g_assert_true(d->audio);
		g_assert_true(d->audio_twcc);
		g_assert_true(d->twcc);
		g_free(audio);
	}
	g_free(with);
}

static void test_fingerprint(void)
{
	uint8_t fp[32];
	const char *good = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	                   "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";

	g_assert_true(rtc_sdp_fingerprint_parse(good, strlen(good), fp, 32));
	g_assert_cmpuint(fp[1], ==, 0x11);
	g_assert_cmpuint(fp[10], ==, 0xAA);
	g_assert_cmpuint(fp[26], ==, 0xAA);
	g_assert_cmpuint(fp[31], ==, 0xFF);
	g_assert_false(rtc_sdp_fingerprint_parse(good, strlen(good) - 1, fp, 32));
	g_assert_false(rtc_sdp_fingerprint_parse(good, strlen(good), fp, 31));
	g_assert_false(rtc_sdp_fingerprint_parse("zz", 2, fp, 1));
	g_assert_true(rtc_sdp_fingerprint_parse("Ab", 2, fp, 1));
	g_assert_cmpuint(fp[0], ==, 0xAB);
	g_assert_false(rtc_sdp_fingerprint_parse("", 0, fp, 0));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdp/offer-h264", test_offer_h264);
	g_test_add_func("/sdp/offer-full", test_offer_full);
	g_test_add_func("/sdp/chrome-h264", test_chrome_h264);
	g_test_add_func("/sdp/chrome-vp8", test_chrome_vp8);
	g_test_add_func("/sdp/firefox", test_firefox);
	g_test_add_func("/sdp/chromium156-captured", test_chromium156_captured);
	g_test_add_func("/sdp/levels", test_levels);
	g_test_add_func("/sdp/bad-answers", test_bad_answers);
	g_test_add_func("/sdp/candidate-limits", test_candidate_limits);
	g_test_add_func("/sdp/fingerprint", test_fingerprint);
	g_test_add_func("/sdp/fingerprints", test_fingerprints);
	g_test_add_func("/sdp/offer-codecs", test_offer_codecs);
	g_test_add_func("/sdp/choose-codec", test_choose_codec);
	g_test_add_func("/sdp/h264-level", test_h264_level);
	g_test_add_func("/sdp/h264-444", test_h264_444);
	g_test_add_func("/sdp/twcc-rtx", test_twcc_rtx);
	return g_test_run();
}
