/* The peer's demultiplexing of one datagram (RFC 7983) and where each kind goes: DTLS
 * to a server endpoint waiting for a ClientHello, RTCP through SRTCP into rtc_rtcp_parse.
 * The classes are checked against the RFC's first-byte ranges, written out again here;
 * an RTCP-looking input is also protected and unprotected by a mirrored SRTP pair, which
 * must give back the same bytes before they are parsed. */
#include <stdlib.h>
#include <string.h>

#include "rtc/demux.h"
#include "rtc/dtls.h"
#include "rtc/rtcp.h"
#include "rtc/srtp.h"
#include "rtc/twcc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IN 1500

static struct rtc_cert *cert;
static struct rtc_srtp *a, *b; /* a protects with b's remote keys, and back */

static void dtls_send(void *data, const uint8_t *buf, size_t len)
{
	if (len == 0 || len > 1200)
		abort();
}

static void dtls_connected(void *data, const struct rtc_srtp_keys *keys)
{
	abort(); /* no certificate of ours is behind the input */
}

static void dtls_failed(void *data, const char *reason)
{
}

static const struct rtc_dtls_listener dtls_listener = {
        .send = dtls_send,
        .connected = dtls_connected,
        .failed = dtls_failed,
};

static void rtcp_sink(void *data, const struct rtc_rtcp_event *ev)
{
	struct rtc_twcc_feedback fb;

	if (ev->type > RTC_RTCP_EV_TWCC)
		abort();
	/* rtc_rtcp_parse hands on only feedback rtc_twcc_parse takes */
	if (ev->type == RTC_RTCP_EV_TWCC &&
	    !rtc_twcc_parse(ev->twcc.fci, ev->twcc.len, &fb, NULL, NULL))
		abort();
}

static void init(void)
{
	struct rtc_srtp_keys ka = {.profile = RTC_SRTP_AES128_CM_SHA1_80}, kb;

	cert = rtc_cert_new(NULL);
	for (size_t i = 0; i < RTC_SRTP_KEY_LEN; i++) {
		ka.local_key[i] = (uint8_t)i;
		ka.remote_key[i] = (uint8_t)(0x80 + i);
	}
	for (size_t i = 0; i < RTC_SRTP_MAX_SALT_LEN; i++) {
		ka.local_salt[i] = (uint8_t)(0x40 + i);
		ka.remote_salt[i] = (uint8_t)(0xc0 + i);
	}
	kb = ka;
	memcpy(kb.local_key, ka.remote_key, RTC_SRTP_KEY_LEN);
	memcpy(kb.remote_key, ka.local_key, RTC_SRTP_KEY_LEN);
	memcpy(kb.local_salt, ka.remote_salt, RTC_SRTP_MAX_SALT_LEN);
	memcpy(kb.remote_salt, ka.local_salt, RTC_SRTP_MAX_SALT_LEN);
	a = rtc_srtp_new(&ka, NULL);
	b = rtc_srtp_new(&kb, NULL);
	if (!cert || !a || !b)
		abort();
}

static void to_dtls(const uint8_t *data, size_t size)
{
	static const struct rtc_fingerprint fingerprint = {.hash = RTC_HASH_SHA256};
	struct rtc_dtls *dtls =
	        rtc_dtls_new(cert, true, &fingerprint, 1, &dtls_listener, NULL, NULL);

	if (!dtls)
		abort();
	rtc_dtls_start(dtls);
	rtc_dtls_handle(dtls, data, size);
	rtc_dtls_free(dtls);
}

static void to_srtcp(const uint8_t *data, size_t size)
{
	uint8_t pkt[MAX_IN + RTC_SRTCP_TRAILER];
	size_t n = size;

	if (size > MAX_IN)
		return;
	/* as it arrives: almost always refused, never read past its end */
	memcpy(pkt, data, size);
	if (rtc_srtp_unprotect_rtcp(b, pkt, &n))
		rtc_rtcp_parse(pkt, n, rtcp_sink, NULL);
	/* as a browser would have protected it */
	memcpy(pkt, data, size);
	n = size;
	if (!rtc_srtp_protect_rtcp(a, pkt, &n, sizeof(pkt)))
		return;
	if (rtc_demux(pkt, n) != RTC_DEMUX_RTCP || !rtc_srtp_unprotect_rtcp(b, pkt, &n) ||
	    n != size || memcmp(pkt, data, size) != 0)
		abort();
	rtc_rtcp_parse(pkt, n, rtcp_sink, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum rtc_demux kind = rtc_demux(data, size);
	uint8_t first = size ? data[0] : 0;

	if (!cert)
		init();
	/* RFC 7983 section 7, independently of rtc_demux */
	if (size == 0 && kind != RTC_DEMUX_DROP)
		abort();
	if (size && (first <= 3) != (kind == RTC_DEMUX_STUN))
		abort();
	if (size && (first >= 20 && first <= 63) != (kind == RTC_DEMUX_DTLS))
		abort();
	if (size &&
	    (first >= 128 && first <= 191) != (kind == RTC_DEMUX_RTP || kind == RTC_DEMUX_RTCP))
		abort();
	if (kind == RTC_DEMUX_RTCP && (size < 8 || data[1] < 192 || data[1] > 223))
		abort();

	switch (kind) {
	case RTC_DEMUX_DTLS:
		to_dtls(data, size);
		break;
	case RTC_DEMUX_RTCP:
		to_srtcp(data, size);
		break;
	default:
		break;
	}
	return 0;
}
