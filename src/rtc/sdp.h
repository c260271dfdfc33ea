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

#define SDP_MAX_REMOTE_CANDIDATES 32
#define SDP_MAX_LEN               (64 * 1024)
#define SDP_MAX_MLINES            8 /* we offer at most 3; more is not an answer to us */
#define SDP_AUDIO_STREAM          "wayrtc-audio" /* its msid, apart from the video's "wayrtc" */
#define SDP_CANDIDATE_MAX         255 /* longest "candidate:…" kept; longer ones are skipped */

struct sdp_offer_params {
	uint64_t session_id;
	const char *ice_ufrag;   /* ours, 4..256 ice-chars */
	const char *ice_pwd;     /* ours, 22..256 ice-chars */
	const char *fingerprint; /* our DTLS certificate, "AB:CD:…" SHA-256, uppercase hex */
	const char *const
	        *candidates; /* NULL-terminated "candidate:…" strings (no "a="), may be NULL */
	enum rtc_codec codec;
	uint32_t video_ssrc;
	uint32_t rtx_ssrc; /* RFC 4588 retransmissions: their own SSRC; 0: none offered */
	const char *cname;
	bool audio; /* add a sendonly Opus m-line (mid "1") */
	uint32_t audio_ssrc;
	bool data; /* add the SCTP data-channel m-line (mid "2") */
};

/* Returns a newly allocated offer (CRLF line ends); free with g_free. */
char *sdp_offer_build(const struct sdp_offer_params *p);

enum sdp_setup {
	SDP_SETUP_ACTPASS = 0,
	SDP_SETUP_ACTIVE,  /* the answerer is the DTLS client: we are the server */
	SDP_SETUP_PASSIVE, /* the answerer is the DTLS server: we connect */
};

struct sdp_answer {
	char ice_ufrag[257];
	char ice_pwd[257];
	uint8_t fingerprint[32]; /* sha-256 of the peer's DTLS certificate */
	enum sdp_setup setup;
	bool video; /* video m-line accepted (port != 0, recvonly/sendrecv) */
	int video_mline;
	uint8_t video_pts[16]; /* payload types the answer kept */
	size_t n_video_pts;
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
	uint32_t max_message_size;
	size_t n_candidates;
	/* "candidate:…" without "a=", from every m-line (all bundled), duplicates dropped */
	char candidates[SDP_MAX_REMOTE_CANDIDATES][SDP_CANDIDATE_MAX + 1];
};

/* Parses a browser's answer to our offer. ICE credentials, fingerprint and setup come from
 * the first bundled m-line (the BUNDLE tag, else the first), falling back to session level.
 * Rejects (with a message saying why) an answer without ICE credentials or a sha-256
 * fingerprint, with malformed ones anywhere, or one that declines video. */
bool sdp_answer_parse(const uint8_t *buf, size_t len, struct sdp_answer *out, GError **error);

/* Did the answer keep this payload type on the video m-line? */
bool sdp_answer_has_pt(const struct sdp_answer *answer, uint8_t pt);

/* "AB:CD:…" → 32 bytes; false on any other shape. */
bool sdp_fingerprint_parse(const char *text, size_t len, uint8_t out[32]);
