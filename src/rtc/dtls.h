/* DTLS-SRTP (RFC 5764) with GnuTLS over any datagram transport: a per-process
 * self-signed certificate, the handshake in either role, the peer's certificate checked
 * against the SDP fingerprint, and the SRTP keys exported on success. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/srtp.h"

#define RTC_FINGERPRINT_LEN 32 /* SHA-256, of our certificate */
#define RTC_DIGEST_MAX      64 /* SHA-512 */

/* The hashes we check a peer's certificate with, weakest first (RFC 8122 has us use the
 * strongest the peer named). SHA-1 and MD5 are not among them: too weak to pin a key. */
enum rtc_hash {
	RTC_HASH_NONE = 0,
	RTC_HASH_SHA256,
	RTC_HASH_SHA384,
	RTC_HASH_SHA512,
};

/* A certificate fingerprint as an SDP a=fingerprint line names it. */
struct rtc_fingerprint {
	enum rtc_hash hash;
	uint8_t digest[RTC_DIGEST_MAX]; /* rtc_hash_len(hash) bytes */
};

size_t rtc_hash_len(enum rtc_hash hash); /* 0 for RTC_HASH_NONE */

/* ECDSA P-256, CN "wayrtc", valid for 30 days, random serial; in memory only. */
struct rtc_cert *rtc_cert_new(GError **error);
void rtc_cert_free(struct rtc_cert *cert); /* accepts NULL */
/* "AB:CD:…", uppercase, the SHA-256 of the certificate's DER */
const char *rtc_cert_fingerprint(const struct rtc_cert *cert);
/* The certificate's DER hashed with `hash` (rtc_hash_len bytes); false for RTC_HASH_NONE. */
bool rtc_cert_digest(const struct rtc_cert *cert, enum rtc_hash hash, uint8_t out[RTC_DIGEST_MAX]);

/* Called on the thread-default main context of rtc_dtls_new's caller, from inside
 * rtc_dtls_start, rtc_dtls_handle or a retransmission timer. They must not free the
 * endpoint: defer that to an idle callback. */
struct rtc_dtls_listener {
	/* One datagram to the peer (at most the MTU, 1200 bytes). */
	void (*send)(void *data, const uint8_t *buf, size_t len);
	/* The handshake finished, the peer's certificate matched: keys in our direction. */
	void (*connected)(void *data, const struct rtc_srtp_keys *keys);
	/* The handshake failed (timeout, alert, certificate, no SRTP profile); in words. */
	void (*failed)(void *data, const char *reason);
	/* After connected: the peer closed (close_notify) or sent a fatal alert. Optional;
	 * `failed` is called when it is NULL. */
	void (*closed)(void *data, const char *reason);
	/* Application data after the handshake (the SCTP association's packets). Optional. */
	void (*receive)(void *data, const uint8_t *buf, size_t len);
};

/* The endpoint keeps a pointer to `cert` and `listener`: both must outlive it.
 * `expected` are the fingerprints the peer's SDP announced (1..RTC_DTLS_MAX_EXPECTED,
 * copied): its certificate must match one of them. */
#define RTC_DTLS_MAX_EXPECTED 4
struct rtc_dtls *rtc_dtls_new(struct rtc_cert *cert, bool is_server,
                              const struct rtc_fingerprint *expected, size_t n_expected,
                              const struct rtc_dtls_listener *listener, void *data, GError **error);
void rtc_dtls_free(struct rtc_dtls *dtls); /* accepts NULL */
/* Before rtc_dtls_start: the SRTP profiles to offer or accept, most wanted first
 * (default: AEAD_AES_128_GCM, then AES128_CM_HMAC_SHA1_80). As server, GnuTLS takes the
 * first of the client's list that is also in ours. */
void rtc_dtls_set_profiles(struct rtc_dtls *dtls, const enum rtc_srtp_profile *profiles, size_t n);
/* Starts the handshake: a client sends its first flight, a server waits for it (and
 * fails if none comes in time). Datagrams handled before this are kept for it. */
void rtc_dtls_start(struct rtc_dtls *dtls);
/* One incoming DTLS datagram (first byte 20..63, RFC 7983). */
void rtc_dtls_handle(struct rtc_dtls *dtls, const uint8_t *buf, size_t len);
/* Application data after the handshake; false if not connected or GnuTLS refused it. */
bool rtc_dtls_send(struct rtc_dtls *dtls, const uint8_t *buf, size_t len);
/* The largest application payload one record carries (after the handshake). */
size_t rtc_dtls_get_data_mtu(struct rtc_dtls *dtls);
/* Sends close_notify once, if connected; the endpoint then ignores what comes in. */
void rtc_dtls_close(struct rtc_dtls *dtls);
