/* SRTP with libsrtp2, for both DTLS-SRTP profiles: protect → unprotect round trips for
 * RTP and RTCP through a mirrored session, tags of the right length, tampering and replay
 * refused, a NACK resend of the same packet protected again, capacity enforced. */
#include <gio/gio.h>
#include <string.h>

#include "rtc/srtp.h"

#define PAYLOAD 88
#define RTP_LEN (12 + PAYLOAD)

struct pair {
	struct rtc_srtp *a, *b; /* a's local keys are b's remote ones, and back */
	enum rtc_srtp_profile profile;
};

static void pair_init(struct pair *p, enum rtc_srtp_profile profile)
{
	struct rtc_srtp_keys ka = {.profile = profile}, kb = {.profile = profile};
	g_autoptr(GError) error = NULL;

	for (size_t i = 0; i < RTC_SRTP_KEY_LEN; i++) {
		ka.local_key[i] = (uint8_t)i;
		ka.remote_key[i] = (uint8_t)(100 + i);
	}
	for (size_t i = 0; i < RTC_SRTP_MAX_SALT_LEN; i++) {
		ka.local_salt[i] = (uint8_t)(50 + i);
		ka.remote_salt[i] = (uint8_t)(200 + i);
	}
	memcpy(kb.local_key, ka.remote_key, RTC_SRTP_KEY_LEN);
	memcpy(kb.local_salt, ka.remote_salt, RTC_SRTP_MAX_SALT_LEN);
	memcpy(kb.remote_key, ka.local_key, RTC_SRTP_KEY_LEN);
	memcpy(kb.remote_salt, ka.local_salt, RTC_SRTP_MAX_SALT_LEN);
	p->profile = profile;
	p->a = rtc_srtp_new(&ka, &error);
	g_assert_no_error(error);
	p->b = rtc_srtp_new(&kb, &error);
	g_assert_no_error(error);
	g_assert_nonnull(p->a);
	g_assert_nonnull(p->b);
}

static void pair_clear(struct pair *p)
{
	rtc_srtp_free(p->a);
	rtc_srtp_free(p->b);
}

static size_t make_rtp(uint8_t *pkt, uint16_t seq)
{
	static const uint8_t head[12] = {0x80, 102, 0, 0, 0, 0, 0x30, 0x39, 0, 0, 0, 42};

	memcpy(pkt, head, sizeof(head));
	pkt[2] = seq >> 8;
	pkt[3] = seq & 0xff;
	for (size_t i = 12; i < RTP_LEN; i++)
		pkt[i] = (uint8_t)(i * 7 + seq);
	return RTP_LEN;
}

static void check_rtp(enum rtc_srtp_profile profile)
{
	struct pair p;
	uint8_t pkt[RTP_LEN + RTC_SRTP_TRAILER], orig[RTP_LEN], wire[RTP_LEN + RTC_SRTP_TRAILER];
	size_t len, wire_len;

	pair_init(&p, profile);
	len = make_rtp(pkt, 7);
	memcpy(orig, pkt, RTP_LEN);
	g_assert_true(rtc_srtp_protect_rtp(p.a, pkt, &len, sizeof(pkt)));
	g_assert_cmpuint(len, ==, RTP_LEN + rtc_srtp_tag_len(profile));
	g_assert_cmpmem(pkt, 12, orig, 12);                       /* header in the clear */
	g_assert_true(memcmp(pkt + 12, orig + 12, PAYLOAD) != 0); /* payload encrypted */
	memcpy(wire, pkt, len);
	wire_len = len;

	/* a resend (NACK) of the same sequence number is allowed on the sending side, and
	 * comes out the same bytes */
	memcpy(pkt, orig, RTP_LEN);
	len = RTP_LEN;
	g_assert_true(rtc_srtp_protect_rtp(p.a, pkt, &len, sizeof(pkt)));
	g_assert_cmpmem(pkt, len, wire, wire_len);

	/* tampered payload, header or tag: refused */
	for (size_t at = 3; at < wire_len; at += 40) {
		memcpy(pkt, wire, wire_len);
		pkt[at] ^= 1;
		len = wire_len;
		g_assert_false(rtc_srtp_unprotect_rtp(p.b, pkt, &len));
	}
	memcpy(pkt, wire, wire_len);
	pkt[wire_len - 1] ^= 0x80;
	len = wire_len;
	g_assert_false(rtc_srtp_unprotect_rtp(p.b, pkt, &len));
	/* the sender cannot read its own packet: the directions have different keys */
	memcpy(pkt, wire, wire_len);
	len = wire_len;
	g_assert_false(rtc_srtp_unprotect_rtp(p.a, pkt, &len));

	/* intact: the original comes back */
	memcpy(pkt, wire, wire_len);
	len = wire_len;
	g_assert_true(rtc_srtp_unprotect_rtp(p.b, pkt, &len));
	g_assert_cmpmem(pkt, len, orig, RTP_LEN);
	/* replayed: refused */
	memcpy(pkt, wire, wire_len);
	len = wire_len;
	g_assert_false(rtc_srtp_unprotect_rtp(p.b, pkt, &len));

	/* out of order but inside the window: accepted */
	for (uint16_t seq = 9; seq >= 8; seq--) {
		len = make_rtp(pkt, seq);
		memcpy(orig, pkt, RTP_LEN);
		g_assert_true(rtc_srtp_protect_rtp(p.a, pkt, &len, sizeof(pkt)));
		g_assert_true(rtc_srtp_unprotect_rtp(p.b, pkt, &len));
		g_assert_cmpmem(pkt, len, orig, RTP_LEN);
	}
	pair_clear(&p);
}

static void check_rtcp(enum rtc_srtp_profile profile)
{
	/* a PLI from the browser (b) to us (a) */
	static const uint8_t pli[12] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 42};
	struct pair p;
	uint8_t pkt[sizeof(pli) + RTC_SRTCP_TRAILER], wire[sizeof(pkt)];
	size_t len = sizeof(pli), wire_len;

	pair_init(&p, profile);
	memcpy(pkt, pli, sizeof(pli));
	g_assert_true(rtc_srtp_protect_rtcp(p.b, pkt, &len, sizeof(pkt)));
	/* E flag + SRTCP index, then the tag */
	g_assert_cmpuint(len, ==, sizeof(pli) + 4 + rtc_srtp_tag_len(profile));
	g_assert_true(memcmp(pkt + 8, pli + 8, 4) != 0); /* encrypted after the first 8 bytes */
	memcpy(wire, pkt, len);
	wire_len = len;

	pkt[10] ^= 4;
	g_assert_false(rtc_srtp_unprotect_rtcp(p.a, pkt, &len));
	memcpy(pkt, wire, wire_len);
	len = wire_len;
	g_assert_true(rtc_srtp_unprotect_rtcp(p.a, pkt, &len));
	g_assert_cmpmem(pkt, len, pli, sizeof(pli));
	memcpy(pkt, wire, wire_len);
	len = wire_len;
	g_assert_false(rtc_srtp_unprotect_rtcp(p.a, pkt, &len)); /* replay */
	pair_clear(&p);
}

static void test_rtp_cm(void)
{
	check_rtp(RTC_SRTP_AES128_CM_SHA1_80);
}

static void test_rtp_gcm(void)
{
	check_rtp(RTC_SRTP_AEAD_AES_128_GCM);
}

static void test_rtcp_cm(void)
{
	check_rtcp(RTC_SRTP_AES128_CM_SHA1_80);
}

static void test_rtcp_gcm(void)
{
	check_rtcp(RTC_SRTP_AEAD_AES_128_GCM);
}

/* The two profiles do not read each other's packets, even with the same key bytes. */
static void test_profiles_differ(void)
{
	struct pair cm, gcm;
	uint8_t pkt[RTP_LEN + RTC_SRTP_TRAILER];
	size_t len = make_rtp(pkt, 1);

	pair_init(&cm, RTC_SRTP_AES128_CM_SHA1_80);
	pair_init(&gcm, RTC_SRTP_AEAD_AES_128_GCM);
	g_assert_true(rtc_srtp_protect_rtp(cm.a, pkt, &len, sizeof(pkt)));
	g_assert_false(rtc_srtp_unprotect_rtp(gcm.b, pkt, &len));
	pair_clear(&cm);
	pair_clear(&gcm);
}

static void test_limits(void)
{
	struct pair p;
	struct rtc_srtp_keys bad = {.profile = 0x0002};
	g_autoptr(GError) error = NULL;
	uint8_t pkt[RTP_LEN + RTC_SRTP_TRAILER];
	size_t len = make_rtp(pkt, 1);

	g_assert_null(rtc_srtp_new(&bad, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
	g_assert_cmpuint(rtc_srtp_salt_len(RTC_SRTP_AES128_CM_SHA1_80), ==, 14);
	g_assert_cmpuint(rtc_srtp_salt_len(RTC_SRTP_AEAD_AES_128_GCM), ==, 12);

	pair_init(&p, RTC_SRTP_AES128_CM_SHA1_80);
	/* no room for the trailer: refused before libsrtp2 writes past the buffer */
	g_assert_false(rtc_srtp_protect_rtp(p.a, pkt, &len, RTP_LEN + 10));
	g_assert_cmpuint(len, ==, RTP_LEN);
	g_assert_false(rtc_srtp_protect_rtcp(p.a, pkt, &len, RTP_LEN + RTC_SRTP_TRAILER));
	/* too short to be RTP or RTCP */
	len = 11;
	g_assert_false(rtc_srtp_protect_rtp(p.a, pkt, &len, sizeof(pkt)));
	len = 4;
	g_assert_false(rtc_srtp_unprotect_rtcp(p.a, pkt, &len));
	len = 0;
	g_assert_false(rtc_srtp_unprotect_rtp(p.a, pkt, &len));
	pair_clear(&p);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/srtp/rtp/aes-cm-sha1-80", test_rtp_cm);
	g_test_add_func("/srtp/rtp/aead-aes-128-gcm", test_rtp_gcm);
	g_test_add_func("/srtp/rtcp/aes-cm-sha1-80", test_rtcp_cm);
	g_test_add_func("/srtp/rtcp/aead-aes-128-gcm", test_rtcp_gcm);
	g_test_add_func("/srtp/profiles-differ", test_profiles_differ);
	g_test_add_func("/srtp/limits", test_limits);
	return g_test_run();
}
