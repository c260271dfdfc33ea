/* Our offer, written out, and the few facts we need from a browser's answer, read line
 * by line over (buf, len) with every length checked; nothing in the answer is trusted. */
#include "rtc/sdp.h"
#include "rtc/sctp.h"
#include "rtc/twcc.h"

#include <gio/gio.h>
#include <string.h>

#define PLAYOUT_DELAY_URI "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
#define SDP_ICE_UFRAG_MIN 4 /* RFC 8839 */
#define SDP_ICE_UFRAG_MAX 256
#define SDP_ICE_PWD_MIN   22
#define SDP_ICE_PWD_MAX   256
#define SDP_EXTMAP_ID_MAX 255 /* RFC 8285: 1..14 one-byte, 15..255 two-byte */
#define SDP_PT_MAX        127
#define SDP_PORT_MAX      65535

/* The default candidate (RFC 8839 section 4.2.1.2, JSEP section 5.2.1): its address and
 * port go in every m= and c= line, where an endpoint that ignores ICE would send; we take
 * the first UDP candidate of component 1 (libnice lists the best first). */
struct default_candidate {
	char addr[46]; /* INET6_ADDRSTRLEN */
	unsigned port;
	bool ipv6;
};

static void find_default_candidate(const char *const *cands, struct default_candidate *d)
{
	*d = (struct default_candidate){"0.0.0.0", 9, false};
	for (size_t i = 0; cands && cands[i]; i++) {
		g_auto(GStrv) f = g_strsplit(cands[i], " ", 8);
		guint64 port;

		/* "candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE" */
		if (g_strv_length(f) < 8 || strcmp(f[1], "1") || g_ascii_strcasecmp(f[2], "udp") ||
		    strlen(f[4]) >= sizeof(d->addr) ||
		    strspn(f[4], "0123456789abcdefABCDEF.:") != strlen(f[4]) ||
		    !g_ascii_string_to_unsigned(f[5], 10, 1, 65535, &port, NULL))
			continue;
		g_strlcpy(d->addr, f[4], sizeof(d->addr));
		d->port = (unsigned)port;
		d->ipv6 = strchr(f[4], ':') != NULL;
		return;
	}
}

/* The transport attributes of one m-line, shared by every m-line that follows it. */
static void append_transport(GString *s, const struct rtc_sdp_offer_params *p,
                             const struct default_candidate *d, bool rtp, unsigned mid)
{
	const char *ip = d->ipv6 ? "IP6" : "IP4";

	g_string_append_printf(s, "c=IN %s %s\r\n", ip, d->addr);
	if (rtp) /* rtcp-mux: RTCP goes where RTP goes */
		g_string_append_printf(s, "a=rtcp:%u IN %s %s\r\n", d->port, ip, d->addr);
	/* Every section carries the same credentials: Chromium refuses a bundled offer
	 * whose later sections have none. */
	g_string_append_printf(s,
	                       "a=ice-ufrag:%s\r\n"
	                       "a=ice-pwd:%s\r\n"
	                       "a=ice-options:trickle\r\n"
	                       "a=fingerprint:sha-256 %s\r\n"
	                       "a=setup:actpass\r\n"
	                       "a=mid:%u\r\n",
	                       p->ice_ufrag, p->ice_pwd, p->fingerprint, mid);
}

/* A line end inside a value would let it write lines of its own. */
static bool value_ok(const char *v)
{
	return v && !strpbrk(v, "\r\n");
}

static void append_codec(GString *s, enum rtc_codec codec, uint8_t h264_level_idc,
                         uint8_t h264_444_level_idc, bool rtx)
{
	uint8_t pt = rtc_codec_payload_type(codec);
	uint8_t rtx_pt = rtc_codec_rtx_payload_type(codec);

	if (codec == RTC_CODEC_H264)
		g_string_append_printf(s,
		                       "a=rtpmap:%u H264/90000\r\n"
		                       "a=fmtp:%u level-asymmetry-allowed=1;packetization-mode=1;"
		                       "profile-level-id=%02x%02x%02x\r\n",
		                       pt, pt, RTC_H264_PROFILE_IDC, RTC_H264_PROFILE_IOP,
		                       h264_level_idc);
	else if (codec == RTC_CODEC_H264_444)
		g_string_append_printf(s,
		                       "a=rtpmap:%u H264/90000\r\n"
		                       "a=fmtp:%u level-asymmetry-allowed=1;packetization-mode=1;"
		                       "profile-level-id=%02x%02x%02x\r\n",
		                       pt, pt, RTC_H264_444_PROFILE_IDC, RTC_H264_444_PROFILE_IOP,
		                       h264_444_level_idc);
	else
		g_string_append_printf(s, "a=rtpmap:%u VP8/90000\r\n", pt);
	g_string_append_printf(s,
	                       "a=rtcp-fb:%u nack\r\n"
	                       "a=rtcp-fb:%u nack pli\r\n"
	                       "a=rtcp-fb:%u ccm fir\r\n"
	                       "a=rtcp-fb:%u transport-cc\r\n",
	                       pt, pt, pt, pt);
	if (rtx)
		g_string_append_printf(s,
		                       "a=rtpmap:%u rtx/90000\r\n"
		                       "a=fmtp:%u apt=%u\r\n",
		                       rtx_pt, rtx_pt, pt);
}

char *rtc_sdp_offer_build(const struct rtc_sdp_offer_params *p)
{
	GString *s;
	struct default_candidate d;
	uint8_t level = p->h264_level_idc ? p->h264_level_idc : RTC_H264_LEVEL_IDC_DEFAULT;
	uint8_t level_444 = p->h264_444_level_idc ? p->h264_444_level_idc : level;

	g_return_val_if_fail(value_ok(p->ice_ufrag) && value_ok(p->ice_pwd) &&
	                             value_ok(p->fingerprint) && value_ok(p->cname),
	                     NULL);
	g_return_val_if_fail(p->n_codecs > 0 && p->n_codecs <= RTC_CODEC_COUNT, NULL);
	find_default_candidate(p->candidates, &d);
	s = g_string_sized_new(2048);
	g_string_append_printf(s,
	                       "v=0\r\n"
	                       "o=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\n"
	                       "s=-\r\n"
	                       "t=0 0\r\n"
	                       "a=group:BUNDLE 0%s%s\r\n"
	                       "a=extmap-allow-mixed\r\n"
	                       "a=msid-semantic: WMS wayrtc%s\r\n",
	                       p->session_id, p->audio ? " 1" : "", p->data ? " 2" : "",
	                       p->audio ? " " RTC_SDP_AUDIO_STREAM : "");

	g_string_append_printf(s, "m=video %u UDP/TLS/RTP/SAVPF", d.port);
	for (size_t i = 0; i < p->n_codecs; i++) {
		g_string_append_printf(s, " %u", rtc_codec_payload_type(p->codecs[i]));
		if (p->rtx_ssrc)
			g_string_append_printf(s, " %u", rtc_codec_rtx_payload_type(p->codecs[i]));
	}
	g_string_append(s, "\r\n");
	append_transport(s, p, &d, true, 0);
	g_string_append_printf(s,
	                       "a=extmap:%u " PLAYOUT_DELAY_URI "\r\n"
	                       "a=extmap:%u " RTC_TWCC_URI "\r\n"
	                       "a=sendonly\r\n"
	                       "a=msid:wayrtc video\r\n"
	                       "a=rtcp-mux\r\n"
	                       "a=rtcp-rsize\r\n",
	                       RTC_EXT_PLAYOUT_DELAY, RTC_EXT_TWCC);
	for (size_t i = 0; i < p->n_codecs; i++)
		append_codec(s, p->codecs[i], level, level_444, p->rtx_ssrc != 0);
	if (p->rtx_ssrc)
		g_string_append_printf(s, "a=ssrc-group:FID %u %u\r\n", p->video_ssrc, p->rtx_ssrc);
	g_string_append_printf(s,
	                       "a=ssrc:%u cname:%s\r\n"
	                       "a=ssrc:%u msid:wayrtc video\r\n",
	                       p->video_ssrc, p->cname, p->video_ssrc);
	if (p->rtx_ssrc)
		g_string_append_printf(s,
		                       "a=ssrc:%u cname:%s\r\n"
		                       "a=ssrc:%u msid:wayrtc video\r\n",
		                       p->rtx_ssrc, p->cname, p->rtx_ssrc);
	/* the first bundled section carries the candidates (RFC 8843 section 7.1.1) */
	for (size_t i = 0; p->candidates && p->candidates[i]; i++) {
		if (value_ok(p->candidates[i]))
			g_string_append_printf(s, "a=%s\r\n", p->candidates[i]);
	}
	if (p->end_of_candidates)
		g_string_append(s, "a=end-of-candidates\r\n");

	if (p->audio) {
		/* A stream of its own (msid), not the video's: Chromium lip-syncs the tracks of
		 * one stream and would hold each frame back to the audio's jitter buffer. */
		g_string_append_printf(s, "m=audio %u UDP/TLS/RTP/SAVPF %u\r\n", d.port,
		                       RTC_PT_OPUS);
		append_transport(s, p, &d, true, 1);
		g_string_append_printf(s,
		                       "a=extmap:%u " RTC_TWCC_URI "\r\n"
		                       "a=sendonly\r\n"
		                       "a=msid:" RTC_SDP_AUDIO_STREAM " audio\r\n"
		                       "a=rtcp-mux\r\n"
		                       "a=rtpmap:%u opus/48000/2\r\n"
		                       "a=rtcp-fb:%u transport-cc\r\n"
		                       "a=fmtp:%u minptime=10;stereo=1;sprop-stereo=1;"
		                       "useinbandfec=0\r\n"
		                       "a=ssrc:%u cname:%s\r\n"
		                       "a=ssrc:%u msid:" RTC_SDP_AUDIO_STREAM " audio\r\n",
		                       RTC_EXT_TWCC, RTC_PT_OPUS, RTC_PT_OPUS, RTC_PT_OPUS,
		                       p->audio_ssrc, p->cname, p->audio_ssrc);
	}
	if (p->data) {
		g_string_append_printf(s, "m=application %u UDP/DTLS/SCTP webrtc-datachannel\r\n",
		                       d.port);
		append_transport(s, p, &d, false, 2);
		g_string_append_printf(s,
		                       "a=sctp-port:%d\r\n"
		                       "a=max-message-size:%d\r\n",
		                       RTC_SCTP_PORT, RTC_SCTP_MAX_MESSAGE);
	}
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

bool rtc_sdp_fingerprint_parse(const char *text, size_t len, uint8_t *out, size_t n)
{
	if (n == 0 || len != n * 3 - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(text[i * 3]), lo = hexval(text[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i + 1 < n && text[i * 3 + 2] != ':'))
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* A piece of the input; never NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

static bool span_eq(struct span a, const char *s)
{
	size_t n = strlen(s);

	return a.len == n && memcmp(a.p, s, n) == 0;
}

static bool span_prefix(struct span a, const char *s)
{
	size_t n = strlen(s);

	return a.len >= n && memcmp(a.p, s, n) == 0;
}

static struct span span_skip(struct span a, size_t n)
{
	return (struct span){a.p + n, a.len - n};
}

/* Takes the next space-separated word off *rest; false when none is left. */
static bool span_word(struct span *rest, struct span *word)
{
	while (rest->len && rest->p[0] == ' ')
		*rest = span_skip(*rest, 1);
	if (!rest->len)
		return false;
	word->p = rest->p;
	word->len = 0;
	while (word->len < rest->len && rest->p[word->len] != ' ')
		word->len++;
	*rest = span_skip(*rest, word->len);
	return true;
}

/* Plain decimal, no sign, no leading garbage, at most max. */
static bool span_uint(struct span a, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (a.len == 0 || a.len > 10)
		return false;
	for (size_t i = 0; i < a.len; i++) {
		if (!g_ascii_isdigit(a.p[i]))
			return false;
		v = v * 10 + (uint64_t)(a.p[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839) */
static bool ice_chars_ok(struct span v, size_t min, size_t max)
{
	if (v.len < min || v.len > max)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (!g_ascii_isalnum(v.p[i]) && v.p[i] != '+' && v.p[i] != '/')
			return false;
	}
	return true;
}

enum direction {
	DIR_UNSET = 0,
	DIR_SENDRECV,
	DIR_SENDONLY,
	DIR_RECVONLY,
	DIR_INACTIVE,
};

enum media {
	MEDIA_NONE = 0, /* session level */
	MEDIA_VIDEO,
	MEDIA_AUDIO,
	MEDIA_DATA,
	MEDIA_OTHER,
};

/* What one level (the session, or one m-line) says about the shared transport. */
struct level {
	struct span ufrag, pwd, mid;
	/* of the strongest hash we check seen at this level */
	struct rtc_fingerprint fingerprints[RTC_DTLS_MAX_EXPECTED];
	size_t n_fingerprints;
	bool any_fingerprint;     /* any a=fingerprint line, even one we cannot check */
	enum rtc_sdp_setup setup; /* ACTPASS: not given */
};

struct parse_state {
	struct level level[RTC_SDP_MAX_MLINES + 1]; /* [0] the session, [1 + i] m-line i */
	size_t n_mlines;
	enum media media;    /* of the current m-line */
	bool in_first_video; /* the current m-line is the first video one */
	bool seen_video;
	bool video_port; /* its port is not 0 */
	enum direction session_dir, video_dir;
	struct span bundle_tag; /* first mid of a=group:BUNDLE */
};

static bool fail(GError **error, const char *msg)
{
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, msg);
	return false;
}

static bool parse_mline(struct parse_state *st, struct span line, struct rtc_sdp_answer *out,
                        GError **error)
{
	struct span rest = span_skip(line, 2), media, port, proto, fmt;
	uint64_t port_n, pt;

	if (st->n_mlines == RTC_SDP_MAX_MLINES)
		return fail(error, "the answer has more m-lines than our offer");
	st->n_mlines++;
	if (!span_word(&rest, &media) || !span_word(&rest, &port) || !span_word(&rest, &proto) ||
	    !span_uint(port, SDP_PORT_MAX, &port_n))
		return fail(error, "the answer has a malformed m-line");
	st->in_first_video = false;
	if (span_eq(media, "video")) {
		st->media = MEDIA_VIDEO;
		if (st->seen_video)
			return true;
		st->seen_video = st->in_first_video = true;
		out->video_mline = (int)st->n_mlines - 1;
		st->video_port = port_n != 0;
		while (span_word(&rest, &fmt)) {
			if (!span_uint(fmt, SDP_PT_MAX, &pt))
				return fail(error, "the answer's video m-line has a malformed "
				                   "payload type");
			if (out->n_video_pts < G_N_ELEMENTS(out->video_pts))
				out->video_pts[out->n_video_pts++] = (uint8_t)pt;
		}
	} else if (span_eq(media, "audio")) {
		st->media = MEDIA_AUDIO;
		out->audio = out->audio || port_n != 0;
	} else if (span_eq(media, "application")) {
		st->media = MEDIA_DATA;
		while (span_word(&rest, &fmt)) {
			if (port_n != 0 && span_eq(fmt, "webrtc-datachannel"))
				out->data = true;
		}
	} else {
		st->media = MEDIA_OTHER;
	}
	return true;
}

/* The extensions we offered, on the first video section (both) or the audio one (the
 * transport-wide sequence number). An answer must keep our ids (JSEP 5.3.1). */
static void parse_extmap(struct span v, bool video, struct rtc_sdp_answer *out)
{
	struct span id_dir, uri, id = {0};
	uint64_t n;

	/* "ID[/direction] URI [attributes]" */
	if (!span_word(&v, &id_dir) || !span_word(&v, &uri))
		return;
	id.p = id_dir.p;
	while (id.len < id_dir.len && id_dir.p[id.len] != '/')
		id.len++;
	if (!span_uint(id, SDP_EXTMAP_ID_MAX, &n) || n == 0)
		return;
	if (video && span_eq(uri, PLAYOUT_DELAY_URI)) {
		out->playout_delay_id = (uint8_t)n;
		out->playout_delay = n == RTC_EXT_PLAYOUT_DELAY;
	} else if (span_eq(uri, RTC_TWCC_URI)) {
		if (video)
			out->twcc = n == RTC_EXT_TWCC;
		else
			out->audio_twcc = n == RTC_EXT_TWCC;
	}
}

/* "PT transport-cc" on the video section: the browser will send the feedback. */
static void parse_rtcp_fb(struct span v, struct rtc_sdp_answer *out)
{
	struct span pt, what;

	if (span_word(&v, &pt) && span_word(&v, &what) && span_eq(what, "transport-cc"))
		out->transport_cc = true;
}

static int hexval(char c);

/* Two hex digits; false on anything else. */
static bool hex_byte(const char *p, uint8_t *out)
{
	int hi = hexval(p[0]), lo = hexval(p[1]);

	if (hi < 0 || lo < 0)
		return false;
	*out = (uint8_t)(hi << 4 | lo);
	return true;
}

/* "PT key=value;key=value" for our H.264 payload types; others' parameters are not ours
 * to read. Unknown keys are skipped, malformed values leave the default. */
static void parse_fmtp(struct span v, struct rtc_sdp_answer *out)
{
	struct span pt_word, params;
	struct rtc_sdp_h264_fmtp *f;
	uint64_t pt, n;

	if (!span_word(&v, &pt_word) || !span_uint(pt_word, SDP_PT_MAX, &pt))
		return;
	if (pt == RTC_PT_H264)
		f = &out->h264;
	else if (pt == RTC_PT_H264_444)
		f = &out->h264_444;
	else
		return;
	if (f->fmtp)
		return;
	f->fmtp = true;
	while (v.len && v.p[0] == ' ')
		v = span_skip(v, 1);
	params = v;
	while (params.len) {
		struct span kv = {params.p, 0}, key, value;
		size_t eq;

		while (kv.len < params.len && params.p[kv.len] != ';')
			kv.len++;
		params = span_skip(params, kv.len < params.len ? kv.len + 1 : kv.len);
		while (kv.len && kv.p[0] == ' ')
			kv = span_skip(kv, 1);
		while (kv.len && kv.p[kv.len - 1] == ' ')
			kv.len--;
		for (eq = 0; eq < kv.len && kv.p[eq] != '='; eq++)
			;
		if (eq == kv.len)
			continue;
		key = (struct span){kv.p, eq};
		value = span_skip(kv, eq + 1);
		if (span_eq(key, "packetization-mode") && span_uint(value, 2, &n)) {
			f->packetization_mode = (unsigned)n;
		} else if (span_eq(key, "level-asymmetry-allowed") && span_uint(value, 1, &n)) {
			f->level_asymmetry_allowed = n == 1;
		} else if (span_eq(key, "profile-level-id") && value.len == 6 &&
		           hex_byte(value.p, &f->profile_idc) &&
		           hex_byte(value.p + 2, &f->profile_iop) &&
		           hex_byte(value.p + 4, &f->level_idc)) {
			f->profile_level_id = true;
		}
	}
}

static void add_candidate(struct span v, struct rtc_sdp_answer *out)
{
	char *slot;

	if (v.len > RTC_SDP_CANDIDATE_MAX || out->n_candidates == RTC_SDP_MAX_REMOTE_CANDIDATES)
		return;
	for (size_t i = 0; i < v.len; i++) {
		if (!g_ascii_isprint(v.p[i]))
			return;
	}
	/* bundled m-lines may each repeat the same candidates */
	for (size_t i = 0; i < out->n_candidates; i++) {
		if (span_eq(v, out->candidates[i]))
			return;
	}
	slot = out->candidates[out->n_candidates++];
	memcpy(slot, v.p, v.len);
	slot[v.len] = '\0';
}

static enum direction direction_of(struct span a)
{
	if (span_eq(a, "sendrecv"))
		return DIR_SENDRECV;
	if (span_eq(a, "sendonly"))
		return DIR_SENDONLY;
	if (span_eq(a, "recvonly"))
		return DIR_RECVONLY;
	if (span_eq(a, "inactive"))
		return DIR_INACTIVE;
	return DIR_UNSET;
}

static enum rtc_hash hash_of(struct span name)
{
	static const struct {
		const char *name;
		enum rtc_hash hash;
	} hashes[] = {
	        {"sha-256", RTC_HASH_SHA256},
	        {"sha-384", RTC_HASH_SHA384},
	        {"sha-512", RTC_HASH_SHA512},
	};

	/* RFC 8122: hash names are case-insensitive */
	for (size_t i = 0; i < G_N_ELEMENTS(hashes); i++) {
		if (name.len == strlen(hashes[i].name) &&
		    !g_ascii_strncasecmp(name.p, hashes[i].name, name.len))
			return hashes[i].hash;
	}
	return RTC_HASH_NONE;
}

/* "HASH AB:CD:…". RFC 8122 section 5: the strongest hash we support decides, and the
 * certificate must match one fingerprint of that hash; the others add nothing. A hash
 * we do not check is skipped (aiortc names sha-256, sha-384 and sha-512 at once). */
static bool parse_fingerprint(struct level *lv, struct span v, GError **error)
{
	struct span name, digest;
	struct rtc_fingerprint fp = {0};

	if (!span_word(&v, &name) || !span_word(&v, &digest))
		return fail(error, "the answer's DTLS fingerprint is malformed");
	lv->any_fingerprint = true;
	fp.hash = hash_of(name);
	if (fp.hash == RTC_HASH_NONE)
		return true;
	if (!rtc_sdp_fingerprint_parse(digest.p, digest.len, fp.digest, rtc_hash_len(fp.hash)))
		return fail(error, "the answer's DTLS fingerprint is malformed");
	if (lv->n_fingerprints && fp.hash < lv->fingerprints[0].hash)
		return true;
	if (lv->n_fingerprints && fp.hash > lv->fingerprints[0].hash)
		lv->n_fingerprints = 0;
	if (lv->n_fingerprints < G_N_ELEMENTS(lv->fingerprints))
		lv->fingerprints[lv->n_fingerprints++] = fp;
	return true;
}

/* One "a=" line, without "a=" and its line end. Of repeated attributes at one level
 * the first counts. */
static bool parse_attribute(struct parse_state *st, struct span a, struct rtc_sdp_answer *out,
                            GError **error)
{
	struct level *lv = &st->level[st->n_mlines];
	enum direction dir = direction_of(a);
	struct span v;
	uint64_t n;

	if (span_prefix(a, "ice-ufrag:")) {
		v = span_skip(a, 10);
		if (!ice_chars_ok(v, SDP_ICE_UFRAG_MIN, SDP_ICE_UFRAG_MAX))
			return fail(error, "the answer's ice-ufrag is malformed");
		if (!lv->ufrag.p)
			lv->ufrag = v;
	} else if (span_prefix(a, "ice-pwd:")) {
		v = span_skip(a, 8);
		if (!ice_chars_ok(v, SDP_ICE_PWD_MIN, SDP_ICE_PWD_MAX))
			return fail(error, "the answer's ice-pwd is malformed");
		if (!lv->pwd.p)
			lv->pwd = v;
	} else if (span_prefix(a, "fingerprint:")) {
		if (!parse_fingerprint(lv, span_skip(a, 12), error))
			return false;
	} else if (span_prefix(a, "setup:")) {
		enum rtc_sdp_setup setup;

		v = span_skip(a, 6);
		if (span_eq(v, "active"))
			setup = RTC_SDP_SETUP_ACTIVE;
		else if (span_eq(v, "passive"))
			setup = RTC_SDP_SETUP_PASSIVE;
		else
			return fail(error,
			            "the answer's DTLS role (a=setup) must be active or passive");
		if (lv->setup == RTC_SDP_SETUP_ACTPASS)
			lv->setup = setup;
	} else if (span_prefix(a, "mid:")) {
		if (!lv->mid.p && st->n_mlines)
			lv->mid = span_skip(a, 4);
	} else if (span_prefix(a, "group:BUNDLE")) {
		v = span_skip(a, 12);
		if (!st->n_mlines && !st->bundle_tag.p && v.len && v.p[0] == ' ')
			span_word(&v, &st->bundle_tag);
	} else if (span_prefix(a, "candidate:")) {
		add_candidate(a, out);
	} else if (dir != DIR_UNSET) {
		if (!st->n_mlines && st->session_dir == DIR_UNSET)
			st->session_dir = dir;
		else if (st->in_first_video && st->video_dir == DIR_UNSET)
			st->video_dir = dir;
	} else if (st->in_first_video && span_prefix(a, "fmtp:")) {
		parse_fmtp(span_skip(a, 5), out);
	} else if (st->in_first_video && span_prefix(a, "extmap:")) {
		parse_extmap(span_skip(a, 7), true, out);
	} else if (st->media == MEDIA_AUDIO && span_prefix(a, "extmap:")) {
		parse_extmap(span_skip(a, 7), false, out);
	} else if (st->in_first_video && span_prefix(a, "rtcp-fb:")) {
		parse_rtcp_fb(span_skip(a, 8), out);
	} else if (st->media == MEDIA_DATA && span_prefix(a, "sctp-port:")) {
		if (!span_uint(span_skip(a, 10), SDP_PORT_MAX, &n) || n == 0)
			return fail(error, "the answer's sctp-port is malformed");
		out->sctp_port = (uint16_t)n;
	} else if (st->media == MEDIA_DATA && span_prefix(a, "max-message-size:")) {
		if (!span_uint(span_skip(a, 17), UINT32_MAX, &n))
			return fail(error, "the answer's max-message-size is malformed");
		out->max_message_size = (uint32_t)n;
		out->has_max_message_size = true;
	}
	return true;
}

bool rtc_sdp_answer_has_pt(const struct rtc_sdp_answer *answer, uint8_t pt)
{
	for (size_t i = 0; i < answer->n_video_pts; i++) {
		if (answer->video_pts[i] == pt)
			return true;
	}
	return false;
}

/* Can we send our H.264 (`high444`: the High 4:4:4 one) to an answer with this fmtp?
 * NULL if so, else what it lacks. */
static const char *h264_unusable(const struct rtc_sdp_h264_fmtp *f, bool high444, uint8_t level_idc)
{
	/* RFC 6184: mode 0 (the default without fmtp) is one NAL unit per packet; we
	 * fragment (FU-A) and aggregate (STAP-A), which mode 1 allows */
	if (f->packetization_mode != 1)
		return "packetization-mode 1";
	/* High 4:4:4 is decoded only by a decoder that says so: without profile-level-id
	 * the answer means constrained baseline (RFC 6184's default 42000a) */
	if (high444 && (!f->profile_level_id || f->profile_idc != RTC_H264_444_PROFILE_IDC))
		return "High 4:4:4";
	/* constrained baseline is profile_idc 66 (0x42) with constraint_set1, or main or
	 * extended with constraint_set0 and set1 (RFC 6184 section 8.1, libwebrtc's
	 * ParseProfileLevelId); a decoder of any of them takes ours */
	if (!high444 && f->profile_level_id && f->profile_idc != 0x42 &&
	    !((f->profile_idc == 0x4d || f->profile_idc == 0x58) &&
	      (f->profile_iop & 0xc0) == 0xc0) &&
	    f->profile_idc != 0x64) /* High decoders decode constrained baseline too */
		return "a profile that decodes constrained baseline";
	/* Without level asymmetry one level holds both ways: the answer's, which must not
	 * be below what we send. With it, the answer's level is what it decodes best;
	 * browsers decode higher levels in software, so we send ours (logged by the peer). */
	if (!f->level_asymmetry_allowed && f->profile_level_id && f->level_idc < level_idc)
		return "a level as high as the stream's";
	return NULL;
}

bool rtc_sdp_answer_choose_codec(const struct rtc_sdp_answer *answer, const enum rtc_codec *offered,
                                 size_t n_offered, uint8_t h264_level_idc,
                                 uint8_t h264_444_level_idc, enum rtc_codec *out, char **why)
{
	const char *lack = NULL;
	uint8_t level = h264_level_idc ? h264_level_idc : RTC_H264_LEVEL_IDC_DEFAULT;
	uint8_t level_444 = h264_444_level_idc ? h264_444_level_idc : level;

	for (size_t i = 0; i < answer->n_video_pts; i++) {
		enum rtc_codec codec;
		bool ours = false;

		if (!rtc_codec_from_payload_type(answer->video_pts[i], &codec))
			continue;
		for (size_t j = 0; j < n_offered; j++)
			ours = ours || offered[j] == codec;
		if (!ours)
			continue;
		if (codec == RTC_CODEC_H264 && (lack = h264_unusable(&answer->h264, false, level)))
			continue;
		/* a browser without 4:4:4 usually keeps the 4:2:0 one: say what that lacks */
		if (codec == RTC_CODEC_H264_444 &&
		    h264_unusable(&answer->h264_444, true, level_444))
			continue;
		*out = codec;
		return true;
	}
	if (why) {
		GString *names = g_string_new(NULL);
		const char *list[RTC_CODEC_COUNT];
		size_t n = 0;

		/* each codec once, in words: both H.264 variants are "H.264" */
		for (size_t j = 0; j < n_offered && n < G_N_ELEMENTS(list); j++) {
			const char *name = offered[j] == RTC_CODEC_VP8 ? "VP8" : "H.264";
			bool dup = false;

			for (size_t k = 0; k < n; k++)
				dup = dup || !strcmp(list[k], name);
			if (!dup)
				list[n++] = name;
		}
		for (size_t j = 0; j < n; j++)
			g_string_append_printf(names, "%s%s", j ? (j + 1 < n ? ", " : " or ") : "",
			                       list[j]);
		*why = lack ? g_strdup_printf(
		                      "this browser decodes none of the video we send (%s): "
		                      "its H.264 lacks %s",
		                      names->str, lack)
		            : g_strdup_printf("this browser decodes none of the video we send (%s)",
		                              names->str);
		g_string_free(names, TRUE);
	}
	return false;
}

static void copy_span(char *dst, struct span v)
{
	memcpy(dst, v.p, v.len);
	dst[v.len] = '\0';
}

/* Media level (of the BUNDLE-tagged m-line) over session level, per attribute. */
static bool resolve_transport(struct parse_state *st, struct rtc_sdp_answer *out, GError **error)
{
	const struct level *s = &st->level[0], *m = &st->level[1], *fp;
	enum direction dir;

	for (size_t i = 0; st->bundle_tag.p && i < st->n_mlines; i++) {
		if (st->level[1 + i].mid.p && st->level[1 + i].mid.len == st->bundle_tag.len &&
		    !memcmp(st->level[1 + i].mid.p, st->bundle_tag.p, st->bundle_tag.len)) {
			m = &st->level[1 + i];
			break;
		}
	}
	if (!(m->ufrag.p ? m : s)->ufrag.p || !(m->pwd.p ? m : s)->pwd.p)
		return fail(error, "the answer has no ICE credentials");
	copy_span(out->ice_ufrag, (m->ufrag.p ? m : s)->ufrag);
	copy_span(out->ice_pwd, (m->pwd.p ? m : s)->pwd);
	if (!m->any_fingerprint && !s->any_fingerprint)
		return fail(error, "the answer has no DTLS fingerprint");
	if (!m->n_fingerprints && !s->n_fingerprints)
		return fail(error, "the answer's DTLS fingerprints use no hash we check "
		                   "(sha-256, sha-384, sha-512)");
	fp = m->n_fingerprints ? m : s;
	memcpy(out->fingerprints, fp->fingerprints, sizeof(out->fingerprints));
	out->n_fingerprints = fp->n_fingerprints;
	out->setup = m->setup != RTC_SDP_SETUP_ACTPASS ? m->setup : s->setup;
	if (out->setup == RTC_SDP_SETUP_ACTPASS)
		return fail(error, "the answer does not choose a DTLS role (a=setup)");

	dir = st->video_dir ? st->video_dir : st->session_dir ? st->session_dir : DIR_SENDRECV;
	out->video =
	        st->seen_video && st->video_port && (dir == DIR_RECVONLY || dir == DIR_SENDRECV);
	if (!out->video) {
		/* NOT_SUPPORTED: what a browser does when it decodes none of the codecs */
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		                    "the browser declined the video");
		return false;
	}
	return true;
}

bool rtc_sdp_answer_parse(const uint8_t *buf, size_t len, struct rtc_sdp_answer *out,
                          GError **error)
{
	struct parse_state *st;
	const char *p = (const char *)buf, *end = p + len;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	out->video_mline = -1;
	if (len > RTC_SDP_MAX_LEN)
		return fail(error, "the answer is too long");
	if (len && memchr(buf, '\0', len))
		return fail(error, "the answer contains a NUL byte");
	st = g_new0(struct parse_state, 1);
	for (size_t n_line = 0; p < end; n_line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct span line = {p, nl ? (size_t)(nl - p) : (size_t)(end - p)};

		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		p = nl ? nl + 1 : end;
		if (n_line == 0 && !span_eq(line, "v=0")) {
			fail(error, "the answer does not start with v=0");
			goto out;
		}
		if (span_prefix(line, "m=")) {
			if (!parse_mline(st, line, out, error))
				goto out;
		} else if (span_prefix(line, "a=")) {
			if (!parse_attribute(st, span_skip(line, 2), out, error))
				goto out;
		}
	}
	if (!st->n_mlines) {
		fail(error, "the answer has no m-line");
		goto out;
	}
	ok = resolve_transport(st, out, error);
out:
	g_free(st);
	return ok;
}
