/* SDP for our one shape of session (JSEP subset): the server offers sendonly video,
 * sendonly Opus audio (to viewers allowed to hear) and one data channel, BUNDLE +
 * rtcp-mux only; the browser answers.
 * The parser is a pure function of (buf, len) so a fuzzer can call it. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/codec.h"
#include "rtc/dtls.h"

#define RTC_SDP_MAX_REMOTE_CANDIDATES 32
#define RTC_SDP_MAX_LEN               (64 * 1024)
#define RTC_SDP_MAX_MLINES            8 /* we offer at most 3; more is not an answer to us */
#define RTC_SDP_AUDIO_STREAM          "wayrtc-audio" /* its msid, apart from the video's "wayrtc" */
#define RTC_SDP_CANDIDATE_MAX         255 /* longest "candidate:…" kept; longer ones are skipped */

struct rtc_sdp_offer_params {
	uint64_t session_id;
	const char *ice_ufrag;   /* ours, 4..256 ice-chars */
	const char *ice_pwd;     /* ours, 22..256 ice-chars */
	const char *fingerprint; /* our DTLS certificate, "AB:CD:…" SHA-256, uppercase hex */
	const char *const
	        *candidates; /* NULL-terminated "candidate:…" strings (no "a="), may be NULL */
	/* the video codecs, most wanted first (each with its payload type, rtc/codec.h) */
	const enum rtc_codec *codecs;
	size_t n_codecs;
	uint8_t h264_level_idc;     /* of what we send (rtc_h264_level_idc); 0: the default, 3.1 */
	uint8_t h264_444_level_idc; /* of the 4:4:4 (rtc_h264_444_level_idc); 0: the above */
	uint32_t video_ssrc;
	uint32_t rtx_ssrc; /* RFC 4588 retransmissions: their own SSRC; 0: none offered */
	const char *cname;
	bool audio; /* add a sendonly Opus m-line (mid "1") */
	uint32_t audio_ssrc;
	bool data; /* add the SCTP data-channel m-line (mid "2") */
	/* the candidates are all there is (no STUN or TURN to wait for): say so */
	bool end_of_candidates;
};

/* Returns a newly allocated offer (CRLF line ends); free with g_free. */
char *rtc_sdp_offer_build(const struct rtc_sdp_offer_params *p);

enum rtc_sdp_setup {
	RTC_SDP_SETUP_ACTPASS = 0,
	RTC_SDP_SETUP_ACTIVE,  /* the answerer is the DTLS client: we are the server */
	RTC_SDP_SETUP_PASSIVE, /* the answerer is the DTLS server: we connect */
};

struct rtc_sdp_answer {
	char ice_ufrag[257];
	char ice_pwd[257];
	/* Of the peer's DTLS certificate: those of the strongest hash we check that the
	 * answer named (RFC 8122 section 5); its certificate must match one. At least one. */
	struct rtc_fingerprint fingerprints[RTC_DTLS_MAX_EXPECTED];
	size_t n_fingerprints;
	enum rtc_sdp_setup setup;
	bool video; /* video m-line accepted (port != 0, recvonly/sendrecv) */
	int video_mline;
	uint8_t video_pts[16]; /* payload types the answer kept, in its order of preference */
	size_t n_video_pts;
	/* a=fmtp of our H.264 payload types on the video m-line (RFC 6184 section 8.1):
	 * constrained baseline (102) and High 4:4:4 (104) */
	struct rtc_sdp_h264_fmtp {
		bool fmtp; /* there was one */
		unsigned packetization_mode;
		bool level_asymmetry_allowed;
		bool profile_level_id; /* given: the three below */
		uint8_t profile_idc, profile_iop, level_idc;
	} h264, h264_444;
	bool playout_delay;       /* the answer kept the playout-delay extension with our id */
	uint8_t playout_delay_id; /* the id the answer gave it (0: absent) */
	/* transport-wide sequence numbers: the extension kept with our id on the video (and
	 * the audio) section, and the video's rtcp-fb transport-cc */
	bool twcc;
	bool audio_twcc;
	bool transport_cc;
	bool audio;
	bool data;
	uint16_t sctp_port;
	bool has_max_message_size;
	uint32_t max_message_size; /* 0 given: any size (RFC 8841 section 6) */
	size_t n_candidates;
	/* "candidate:…" without "a=", from every m-line (all bundled), duplicates dropped */
	char candidates[RTC_SDP_MAX_REMOTE_CANDIDATES][RTC_SDP_CANDIDATE_MAX + 1];
};

/* Parses a browser's answer to our offer. ICE credentials, fingerprint and setup come from
 * the first bundled m-line (the BUNDLE tag, else the first), falling back to session level.
 * Fingerprints with a hash we do not check (sha-1, md5, unknown names) are skipped.
 * Rejects (with a message saying why) an answer without ICE credentials or a fingerprint
 * we can check (sha-256, sha-384, sha-512), with malformed ones anywhere, or one that
 * declines video (G_IO_ERROR_NOT_SUPPORTED: Firefox without OpenH264 answers an H.264-only
 * offer so). */
bool rtc_sdp_answer_parse(const uint8_t *buf, size_t len, struct rtc_sdp_answer *out,
                          GError **error);

/* Did the answer keep this payload type on the video m-line? */
bool rtc_sdp_answer_has_pt(const struct rtc_sdp_answer *answer, uint8_t pt);

/* The codec the answer chose among those offered: the first payload type in its m-line
 * that we offered and whose fmtp we can send (H.264: packetization-mode 1, a profile that
 * decodes ours (High 4:4:4: profile_idc 244 named in the answer), and a level no lower
 * than ours unless level-asymmetry-allowed). The levels are those of what we send, 0:
 * the default (3.1; the 4:4:4 one: the baseline one). False when none; `why` (if not
 * NULL) then says what the browser lacks, in words. */
bool rtc_sdp_answer_choose_codec(const struct rtc_sdp_answer *answer, const enum rtc_codec *offered,
                                 size_t n_offered, uint8_t h264_level_idc,
                                 uint8_t h264_444_level_idc, enum rtc_codec *out, char **why);

/* "AB:CD:…" → n bytes; false on any other shape. */
bool rtc_sdp_fingerprint_parse(const char *text, size_t len, uint8_t *out, size_t n);
