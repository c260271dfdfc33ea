/* SRTP (RFC 3711) through libsrtp2, AES_CM_128_HMAC_SHA1_80: one session outbound, one
 * inbound, each behind its own lock because the encoder thread protects while the main
 * loop unprotects RTCP. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/dtls.h"

#define RTC_SRTP_TRAILER 148 /* SRTP_MAX_TRAILER_LEN: room to leave after a packet */

struct rtc_srtp *rtc_srtp_new(const struct rtc_srtp_keys *keys, GError **error);
void rtc_srtp_free(struct rtc_srtp *srtp); /* accepts NULL */

/* In place; `buf` has room for *len + RTC_SRTP_TRAILER bytes. False on failure. */
bool rtc_srtp_protect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len);
bool rtc_srtp_protect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len);
/* In place; false when the packet fails authentication or is a replay. */
bool rtc_srtp_unprotect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len);
bool rtc_srtp_unprotect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len);
