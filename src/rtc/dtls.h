/* DTLS-SRTP (RFC 5764) with GnuTLS over any datagram transport: a per-process
 * self-signed certificate, the handshake in either role, the peer's certificate checked
 * against the SDP fingerprint, and the SRTP keys exported on success. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTC_SRTP_KEY_LEN  16
#define RTC_SRTP_SALT_LEN 14

struct rtc_cert *rtc_cert_new(GError **error);
void rtc_cert_free(struct rtc_cert *cert); /* accepts NULL */
/* "AB:CD:…", the SHA-256 of the certificate's DER */
const char *rtc_cert_fingerprint(const struct rtc_cert *cert);

struct rtc_srtp_keys {
	uint8_t local_key[RTC_SRTP_KEY_LEN + RTC_SRTP_SALT_LEN];  /* key || salt we send with */
	uint8_t remote_key[RTC_SRTP_KEY_LEN + RTC_SRTP_SALT_LEN]; /* the peer's */
};

struct rtc_dtls_listener {
	void (*send)(void *data, const uint8_t *buf, size_t len);
	void (*connected)(void *data, const struct rtc_srtp_keys *keys);
	void (*failed)(void *data, const char *reason);
	/* application data after the handshake (SCTP, later) */
	void (*receive)(void *data, const uint8_t *buf, size_t len);
};

struct rtc_dtls *rtc_dtls_new(struct rtc_cert *cert, bool is_server,
                              const uint8_t expected_fingerprint[32],
                              const struct rtc_dtls_listener *listener, void *data, GError **error);
void rtc_dtls_free(struct rtc_dtls *dtls); /* accepts NULL */
/* Starts the handshake: a client sends its first flight, a server waits for it. */
void rtc_dtls_start(struct rtc_dtls *dtls);
/* One incoming DTLS datagram. */
void rtc_dtls_handle(struct rtc_dtls *dtls, const uint8_t *buf, size_t len);
