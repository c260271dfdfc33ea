/* Our offer, written out, and the few facts we need from a browser's answer, read line
 * by line with every length checked. */
#include "rtc/sdp.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#define PLAYOUT_DELAY_URI "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"

char *sdp_offer_build(const struct sdp_offer_params *p)
{
	GString *s = g_string_sized_new(2048);
	uint8_t pt = rtc_codec_payload_type(p->codec);

	g_string_append_printf(s,
	                       "v=0\r\n"
	                       "o=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\n"
	                       "s=-\r\n"
	                       "t=0 0\r\n"
	                       "a=group:BUNDLE 0%s%s\r\n"
	                       "a=extmap-allow-mixed\r\n"
	                       "a=msid-semantic: WMS wayrtc\r\n",
	                       p->session_id, p->audio ? " 1" : "", p->data ? " 2" : "");
	g_string_append_printf(s,
	                       "m=video 9 UDP/TLS/RTP/SAVPF %u\r\n"
	                       "c=IN IP4 0.0.0.0\r\n"
	                       "a=rtcp:9 IN IP4 0.0.0.0\r\n"
	                       "a=ice-ufrag:%s\r\n"
	                       "a=ice-pwd:%s\r\n"
	                       "a=ice-options:trickle\r\n"
	                       "a=fingerprint:sha-256 %s\r\n"
	                       "a=setup:actpass\r\n"
	                       "a=mid:0\r\n"
	                       "a=extmap:%u " PLAYOUT_DELAY_URI "\r\n"
	                       "a=sendonly\r\n"
	                       "a=msid:wayrtc video\r\n"
	                       "a=rtcp-mux\r\n"
	                       "a=rtcp-rsize\r\n",
	                       pt, p->ice_ufrag, p->ice_pwd, p->fingerprint, RTC_EXT_PLAYOUT_DELAY);
	if (p->codec == RTC_CODEC_H264)
		g_string_append_printf(s,
		                       "a=rtpmap:%u H264/90000\r\n"
		                       "a=fmtp:%u level-asymmetry-allowed=1;packetization-mode=1;"
		                       "profile-level-id=42e01f\r\n",
		                       pt, pt);
	else
		g_string_append_printf(s, "a=rtpmap:%u VP8/90000\r\n", pt);
	g_string_append_printf(s,
	                       "a=rtcp-fb:%u nack\r\n"
	                       "a=rtcp-fb:%u nack pli\r\n"
	                       "a=rtcp-fb:%u ccm fir\r\n"
	                       "a=rtcp-fb:%u goog-remb\r\n"
	                       "a=ssrc:%u cname:%s\r\n"
	                       "a=ssrc:%u msid:wayrtc video\r\n",
	                       pt, pt, pt, pt, p->video_ssrc, p->cname, p->video_ssrc);
	for (size_t i = 0; p->candidates && p->candidates[i]; i++)
		g_string_append_printf(s, "a=%s\r\n", p->candidates[i]);
	if (p->audio)
		g_string_append_printf(s,
		                       "m=audio 9 UDP/TLS/RTP/SAVPF %u\r\n"
		                       "c=IN IP4 0.0.0.0\r\n"
		                       "a=mid:1\r\n"
		                       "a=sendonly\r\n"
		                       "a=rtcp-mux\r\n"
		                       "a=rtpmap:%u opus/48000/2\r\n"
		                       "a=fmtp:%u minptime=10;useinbandfec=1\r\n"
		                       "a=ssrc:%u cname:%s\r\n",
		                       RTC_PT_OPUS, RTC_PT_OPUS, RTC_PT_OPUS, p->audio_ssrc,
		                       p->cname);
	if (p->data)
		g_string_append(s, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
		                   "c=IN IP4 0.0.0.0\r\n"
		                   "a=mid:2\r\n"
		                   "a=sctp-port:5000\r\n"
		                   "a=max-message-size:262144\r\n");
	return g_string_free(s, FALSE);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sdp_fingerprint_parse(const char *text, size_t len, uint8_t out[32])
{
	if (len != 32 * 3 - 1)
		return false;
	for (size_t i = 0; i < 32; i++) {
		int hi = hexval(text[i * 3]), lo = hexval(text[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 31 && text[i * 3 + 2] != ':'))
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839) */
static bool ice_chars_ok(const char *s, size_t len, size_t min, size_t max)
{
	if (len < min || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
			return false;
	}
	return true;
}

static bool has_prefix(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

struct parse_state {
	int mline; /* -1 before the first m-line */
	bool in_video, in_data;
	bool have_fp;
};

static bool fail(GError **error, const char *msg)
{
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, msg);
	return false;
}

/* One line without its line end. Attributes of the first m-line win over later ones,
 * which all belong to the same BUNDLE transport. */
static bool parse_line(struct parse_state *st, const char *line, size_t len, struct sdp_answer *out,
                       GError **error)
{
	const char *v;
	size_t vlen;

	if (has_prefix(line, len, "m=")) {
		st->mline++;
		st->in_video = has_prefix(line, len, "m=video ");
		st->in_data = has_prefix(line, len, "m=application ");
		if (st->in_video && st->mline == out->video_mline) {
			/* "m=video PORT PROTO PT PT…": keep the payload types */
			g_autofree char *copy = g_strndup(line, len);
			g_auto(GStrv) words = g_strsplit(copy, " ", 0);

			guint n = g_strv_length(words);

			out->video = n > 1 && strcmp(words[1], "0") != 0;
			for (size_t i = 3; i < n; i++) {
				if (out->n_video_pts < G_N_ELEMENTS(out->video_pts))
					out->video_pts[out->n_video_pts++] =
					        (uint8_t)g_ascii_strtoull(words[i], NULL, 10);
			}
		}
		if (st->in_data)
			out->data = !has_prefix(line, len, "m=application 0 ");
		if (has_prefix(line, len, "m=audio "))
			out->audio = !has_prefix(line, len, "m=audio 0 ");
		return true;
	}
	if (!has_prefix(line, len, "a="))
		return true;
	line += 2;
	len -= 2;
	if (has_prefix(line, len, "ice-ufrag:") && !out->ice_ufrag[0]) {
		v = line + 10;
		vlen = len - 10;
		if (!ice_chars_ok(v, vlen, 4, 256))
			return fail(error, "the answer's ice-ufrag is malformed");
		memcpy(out->ice_ufrag, v, vlen);
		out->ice_ufrag[vlen] = '\0';
	} else if (has_prefix(line, len, "ice-pwd:") && !out->ice_pwd[0]) {
		v = line + 8;
		vlen = len - 8;
		if (!ice_chars_ok(v, vlen, 22, 256))
			return fail(error, "the answer's ice-pwd is malformed");
		memcpy(out->ice_pwd, v, vlen);
		out->ice_pwd[vlen] = '\0';
	} else if (has_prefix(line, len, "fingerprint:") && !st->have_fp) {
		v = line + 12;
		vlen = len - 12;
		if (vlen < 8 || g_ascii_strncasecmp(v, "sha-256 ", 8) != 0)
			return fail(error, "the answer's DTLS fingerprint is not sha-256");
		if (!sdp_fingerprint_parse(v + 8, vlen - 8, out->fingerprint))
			return fail(error, "the answer's DTLS fingerprint is malformed");
		st->have_fp = true;
	} else if (has_prefix(line, len, "setup:")) {
		v = line + 6;
		vlen = len - 6;
		if (vlen == 6 && !memcmp(v, "active", 6))
			out->setup = SDP_SETUP_ACTIVE;
		else if (vlen == 7 && !memcmp(v, "passive", 7))
			out->setup = SDP_SETUP_PASSIVE;
		else
			return fail(error,
			            "the answer's DTLS role (a=setup) must be active or passive");
	} else if (has_prefix(line, len, "candidate:")) {
		if (out->n_candidates < SDP_MAX_REMOTE_CANDIDATES && len < 256) {
			memcpy(out->candidates[out->n_candidates], line, len);
			out->candidates[out->n_candidates][len] = '\0';
			out->n_candidates++;
		}
	} else if (st->in_video && has_prefix(line, len, "extmap:")) {
		if (g_strstr_len(line, len, PLAYOUT_DELAY_URI))
			out->playout_delay = true;
	} else if (st->in_video &&
	           (has_prefix(line, len, "inactive") || has_prefix(line, len, "sendonly"))) {
		out->video = false;
	} else if (st->in_data && has_prefix(line, len, "sctp-port:")) {
		g_autofree char *n = g_strndup(line + 10, len - 10);

		out->sctp_port = (uint16_t)g_ascii_strtoull(n, NULL, 10);
	} else if (st->in_data && has_prefix(line, len, "max-message-size:")) {
		g_autofree char *n = g_strndup(line + 17, len - 17);

		out->max_message_size = (uint32_t)g_ascii_strtoull(n, NULL, 10);
	}
	return true;
}

bool sdp_answer_has_pt(const struct sdp_answer *answer, uint8_t pt)
{
	for (size_t i = 0; i < answer->n_video_pts; i++) {
		if (answer->video_pts[i] == pt)
			return true;
	}
	return false;
}

bool sdp_answer_parse(const uint8_t *buf, size_t len, struct sdp_answer *out, GError **error)
{
	struct parse_state st = {.mline = -1};
	const char *p = (const char *)buf, *end = p + len;

	memset(out, 0, sizeof(*out));
	out->video_mline = -1;
	if (len > SDP_MAX_LEN)
		return fail(error, "the answer is too long");
	/* the video m-line is the first one in our offer, so in every valid answer */
	out->video_mline = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n))
			return fail(error, "the answer contains a NUL byte");
		if (!parse_line(&st, p, n, out, error))
			return false;
		p = nl ? nl + 1 : end;
	}
	if (!out->ice_ufrag[0] || !out->ice_pwd[0])
		return fail(error, "the answer has no ICE credentials");
	if (!st.have_fp)
		return fail(error, "the answer has no DTLS fingerprint");
	if (out->setup == SDP_SETUP_ACTPASS)
		return fail(error, "the answer does not choose a DTLS role (a=setup)");
	if (!out->video)
		return fail(error, "the browser declined the video");
	return true;
}
