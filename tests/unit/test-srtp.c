/* SRTP with libsrtp2: protect → unprotect round trips for RTP and RTCP, tampering and
 * replay are refused, and a NACK resend of the same packet may be protected again. */
#include <gio/gio.h>
#include <string.h>

#include "rtc/srtp.h"

static void keys_pair(struct rtc_srtp_keys *a, struct rtc_srtp_keys *b)
{
	for (size_t i = 0; i < sizeof(a->local_key); i++) {
		a->local_key[i] = (uint8_t)i;
		a->remote_key[i] = (uint8_t)(100 + i);
	}
	memcpy(b->local_key, a->remote_key, sizeof(b->local_key));
	memcpy(b->remote_key, a->local_key, sizeof(b->remote_key));
}

static void test_rtp(void)
{
	struct rtc_srtp_keys ka, kb;
	g_autoptr(GError) error = NULL;
	struct rtc_srtp *a, *b;
	uint8_t pkt[100 + RTC_SRTP_TRAILER] = {0x80, 102, 0, 7, 0, 0, 0, 1, 0, 0, 0, 42};
	uint8_t orig[100], wire[100 + RTC_SRTP_TRAILER];
	size_t len = 100, wire_len;

	keys_pair(&ka, &kb);
	a = rtc_srtp_new(&ka, &error);
	b = rtc_srtp_new(&kb, &error);
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	memset(pkt + 12, 0x5a, 88);
	memcpy(orig, pkt, 100);
	g_assert_true(rtc_srtp_protect_rtp(a, pkt, &len));
	g_assert_cmpuint(len, ==, 110);
	memcpy(wire, pkt, len);
	wire_len = len;

	/* a resend (NACK) of the same sequence number is allowed on the sending side */
	memcpy(pkt, orig, 100);
	len = 100;
	g_assert_true(rtc_srtp_protect_rtp(a, pkt, &len));

	/* tampered: refused */
	memcpy(pkt, wire, wire_len);
	pkt[20] ^= 1;
	len = wire_len;
	g_assert_false(rtc_srtp_unprotect_rtp(b, pkt, &len));
	/* intact: the original comes back */
	memcpy(pkt, wire, wire_len);
	len = wire_len;
	g_assert_true(rtc_srtp_unprotect_rtp(b, pkt, &len));
	g_assert_cmpmem(pkt, len, orig, 100);
	/* replayed: refused */
	memcpy(pkt, wire, wire_len);
	len = wire_len;
	g_assert_false(rtc_srtp_unprotect_rtp(b, pkt, &len));
	rtc_srtp_free(a);
	rtc_srtp_free(b);
}

static void test_rtcp(void)
{
	struct rtc_srtp_keys ka, kb;
	struct rtc_srtp *a, *b;
	uint8_t pkt[12 + RTC_SRTP_TRAILER] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 42};
	uint8_t orig[12];
	size_t len = 12;

	keys_pair(&ka, &kb);
	a = rtc_srtp_new(&ka, NULL);
	b = rtc_srtp_new(&kb, NULL);
	memcpy(orig, pkt, 12);
	g_assert_true(rtc_srtp_protect_rtcp(b, pkt, &len));
	g_assert_cmpuint(len, ==, 12 + 4 + 10); /* SRTCP index and tag */
	g_assert_true(rtc_srtp_unprotect_rtcp(a, pkt, &len));
	g_assert_cmpmem(pkt, len, orig, 12);
	rtc_srtp_free(a);
	rtc_srtp_free(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/srtp/rtp", test_rtp);
	g_test_add_func("/srtp/rtcp", test_rtcp);
	return g_test_run();
}
