/* A minimal browser for unit tests, made of our own ice + dtls + srtp modules in the
 * answerer role, over loopback in this process: it answers an rtc_peer's offer as
 * Chromium would (one VP8 video m-line, audio as asked), connects, decrypts what it gets
 * and sends RTCP. test-peer and test-viewer share it. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/dtls.h"
#include "rtc/ice.h"
#include "rtc/srtp.h"

/* The browser's answer keeps the transport-wide sequence number, transport-cc and RTX. */
extern bool browser_cc;

/* What an answer needs of an offer. */
struct offer {
	char *ufrag, *pwd, *fingerprint;
	GPtrArray *candidates;
	bool actpass;
};
void offer_parse(const char *sdp, struct offer *o);
void offer_clear(struct offer *o);

struct browser {
	struct rtc_ice *ice;
	struct rtc_dtls *dtls;
	struct rtc_cert *cert;
	struct rtc_srtp *srtp;
	bool ice_connected;
	bool dtls_failed;
	bool dtls_closed;
	GPtrArray *rtp;  /* GBytes, decrypted */
	GPtrArray *rtcp; /* GBytes, decrypted */
	unsigned refused;
	GRand *loss_rand; /* when set, RTP is lost on the way at `loss` */
	double loss;
	unsigned lost;
};

enum audio_answer {
	AUDIO_NONE = 0, /* the offer had none: the answer neither */
	AUDIO_ACCEPT,
	AUDIO_REJECT, /* port 0 */
};

/* Takes the offer, gathers, and answers like Chromium would (one video m-line, and the
 * audio one as asked); `active`: the browser is the DTLS client. g_free the answer. */
char *browser_answer(struct browser *b, const char *offer_sdp, bool active,
                     enum audio_answer audio);
void browser_clear(struct browser *b);
/* Protects and sends one RTCP packet (at most 256 bytes) once DTLS is up. */
bool browser_send_rtcp(struct browser *b, const uint8_t *rtcp, size_t len);
