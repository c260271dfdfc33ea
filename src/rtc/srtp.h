/* SRTP and SRTCP (RFC 3711, RFC 7714) through libsrtp2 for the two profiles DTLS-SRTP
 * negotiates with browsers: one session outbound, one inbound, each behind its own lock
 * because the encoder thread protects while the main loop unprotects RTCP. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DTLS-SRTP protection profile ids (IANA "DTLS-SRTP Protection Profiles"). */
enum rtc_srtp_profile {
	RTC_SRTP_AES128_CM_SHA1_80 = 0x0001, /* RFC 5764; key 16, salt 14, tag 10 */
	RTC_SRTP_AEAD_AES_128_GCM = 0x0007,  /* RFC 7714; key 16, salt 12, tag 16 */
};

#define RTC_SRTP_KEY_LEN      16 /* both profiles */
#define RTC_SRTP_MAX_SALT_LEN 14
#define RTC_SRTP_CM_SALT_LEN  14
#define RTC_SRTP_GCM_SALT_LEN 12
/* SRTP_MAX_TRAILER_LEN in libsrtp2 (tag + MKI): the room a caller leaves after a packet. */
#define RTC_SRTP_TRAILER 144
/* libsrtp2 writes 4 more bytes (the SRTCP index) after an RTCP packet. */
#define RTC_SRTCP_TRAILER (RTC_SRTP_TRAILER + 4)

/* The keying material DTLS exported, already sorted into our direction and theirs. */
struct rtc_srtp_keys {
	enum rtc_srtp_profile profile;
	uint8_t local_key[RTC_SRTP_KEY_LEN]; /* we protect with it */
	uint8_t local_salt[RTC_SRTP_MAX_SALT_LEN];
	uint8_t remote_key[RTC_SRTP_KEY_LEN]; /* the peer protects with it */
	uint8_t remote_salt[RTC_SRTP_MAX_SALT_LEN];
};

/* The salt length the profile uses, 0 for a profile we do not know. */
size_t rtc_srtp_salt_len(enum rtc_srtp_profile profile);
/* The authentication tag an RTP packet grows by. */
size_t rtc_srtp_tag_len(enum rtc_srtp_profile profile);
const char *rtc_srtp_profile_name(enum rtc_srtp_profile profile);

/* The DTLS exporter's keying material (RFC 5764 section 4.2: client key, server key,
 * client salt, server salt; 2 * (RTC_SRTP_KEY_LEN + salt) bytes) sorted into our
 * direction and theirs. False for a profile we do not know or a length that is not the
 * profile's. */
bool rtc_srtp_keys_from_export(enum rtc_srtp_profile profile, const uint8_t *material, size_t len,
                               bool is_server, struct rtc_srtp_keys *keys);

struct rtc_srtp *rtc_srtp_new(const struct rtc_srtp_keys *keys, GError **error);
void rtc_srtp_free(struct rtc_srtp *srtp); /* accepts NULL */

/* In place: `buf` holds *len bytes and has room for `cap`; false unless
 * cap >= *len + RTC_SRTP_TRAILER (RTC_SRTCP_TRAILER for RTCP) and libsrtp2 agrees.
 * Protecting the same RTP packet twice is allowed: NACK resends reuse the sequence number. */
bool rtc_srtp_protect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len, size_t cap);
bool rtc_srtp_protect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len, size_t cap);
/* In place; false when the packet is malformed, fails authentication or is a replay. */
bool rtc_srtp_unprotect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len);
bool rtc_srtp_unprotect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len);
