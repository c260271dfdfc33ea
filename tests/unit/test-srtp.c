/* SRTP with libsrtp2, for both DTLS-SRTP profiles: protect → unprotect round trips for
 * RTP and RTCP through a mirrored session, tags of the right length, tampering and replay
 * refused, a NACK resend of the same packet protected again, capacity enforced. */
#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
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

/* Known answers. An implementation of RFC 3711's AES-CM and key derivation of our own,
 * on GnuTLS's AES and HMAC, checked against the RFC's vectors (appendix B.2 and B.3);
 * then a packet rtc_srtp protects must be byte for byte what that reference makes of it.
 * The mirrored round trips above cannot see a mistake both directions share (a zeroed
 * or shortened salt, the key and salt swapped): this can. */

static void hex(const char *text, uint8_t *out, size_t len)
{
	g_assert_cmpuint(strlen(text), ==, 2 * len);
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(g_ascii_xdigit_value(text[2 * i]) << 4 |
		                   g_ascii_xdigit_value(text[2 * i + 1]));
}

/* One AES-128 block (CBC with a zero IV over one block is the bare block cipher). */
static void aes_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	uint8_t iv_bytes[16] = {0};
	gnutls_datum_t k = {(unsigned char *)key, 16}, iv = {iv_bytes, 16};
	gnutls_cipher_hd_t h;

	g_assert_cmpint(gnutls_cipher_init(&h, GNUTLS_CIPHER_AES_128_CBC, &k, &iv), ==, 0);
	g_assert_cmpint(gnutls_cipher_encrypt2(h, in, 16, out, 16), ==, 0);
	gnutls_cipher_deinit(h);
}

/* AES in counter mode from the 16-byte IV (RFC 3711 section 4.1.1). */
static void aes_cm(const uint8_t key[16], const uint8_t iv[16], uint8_t *out, size_t len)
{
	uint8_t ctr[16], block[16];

	memcpy(ctr, iv, 16);
	for (size_t off = 0; off < len; off += 16) {
		aes_block(key, ctr, block);
		memcpy(out + off, block, MIN(16, len - off));
		if (++ctr[15] == 0)
			ctr[14]++;
	}
}

/* RFC 3711 section 4.3.1 with key_derivation_rate 0: x = label << 48 XOR master salt,
 * IV = x * 2^16, the session value is that many bytes of AES-CM under the master key. */
static void derive(const uint8_t master_key[16], const uint8_t master_salt[14], uint8_t label,
                   uint8_t *out, size_t len)
{
	uint8_t iv[16] = {0};

	memcpy(iv, master_salt, 14);
	iv[7] ^= label;
	aes_cm(master_key, iv, out, len);
}

static void test_kat_keystream(void)
{
	uint8_t key[16], iv[16], want[48], got[48];

	/* RFC 3711 appendix B.2 */
	hex("2B7E151628AED2A6ABF7158809CF4F3C", key, 16);
	hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000", iv, 16);
	hex("E03EAD0935C95E80E166B16DD92B4EB4"
	    "D23513162B02D0F72A43A2FE4A5F97AB"
	    "41E95B3BB0A2E8DD477901E4FCA894C0",
	    want, 48);
	aes_cm(key, iv, got, sizeof(got));
	g_assert_cmpmem(got, 48, want, 48);
}

#define B3_MASTER_KEY  "E1F97A0D3E018BE0D64FA32C06DE4139"
#define B3_MASTER_SALT "0EC675AD498AFEEBB6960B3AABE6"

static void test_kat_derivation(void)
{
	uint8_t mk[16], ms[14], want_key[16], want_salt[14], want_auth[20];
	uint8_t key[16], salt[14], auth[20];

	/* RFC 3711 appendix B.3 */
	hex(B3_MASTER_KEY, mk, 16);
	hex(B3_MASTER_SALT, ms, 14);
	hex("C61E7A93744F39EE10734AFE3FF7A087", want_key, 16);
	hex("30CBBC08863D8C85D49DB34A9AE1", want_salt, 14);
	hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", want_auth, 20);
	derive(mk, ms, 0x00, key, 16);
	derive(mk, ms, 0x01, auth, 20);
	derive(mk, ms, 0x02, salt, 14);
	g_assert_cmpmem(key, 16, want_key, 16);
	g_assert_cmpmem(salt, 14, want_salt, 14);
	g_assert_cmpmem(auth, 20, want_auth, 20);
}

/* SRTP_AES128_CM_HMAC_SHA1_80 of one packet by the reference: session keys by `derive`,
 * the payload XORed with AES-CM from IV = salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16,
 * then HMAC-SHA1 over the packet and the rollover counter, cut to 80 bits. */
static size_t reference_protect(const uint8_t mk[16], const uint8_t ms[14], const uint8_t *in,
                                size_t len, uint8_t *out)
{
	uint8_t key[16], salt[14], auth[20], iv[16] = {0}, stream[256], mac[20];
	uint32_t ssrc = (uint32_t)in[8] << 24 | in[9] << 16 | in[10] << 8 | in[11];
	uint16_t seq = (uint16_t)(in[2] << 8 | in[3]);
	g_autofree uint8_t *signed_part = g_malloc(len + 4);

	g_assert_cmpuint(len - 12, <=, sizeof(stream));
	derive(mk, ms, 0x00, key, 16);
	derive(mk, ms, 0x01, auth, 20);
	derive(mk, ms, 0x02, salt, 14);
	memcpy(iv, salt, 14);
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	/* index = ROC (0) * 2^16 + seq, shifted left 16: bytes 12 and 13 */
	iv[12] ^= (uint8_t)(seq >> 8);
	iv[13] ^= (uint8_t)seq;
	aes_cm(key, iv, stream, len - 12);
	memcpy(out, in, 12);
	for (size_t i = 12; i < len; i++)
		out[i] = in[i] ^ stream[i - 12];
	memcpy(signed_part, out, len);
	memset(signed_part + len, 0, 4); /* ROC */
	g_assert_cmpint(
	        gnutls_hmac_fast(GNUTLS_MAC_SHA1, auth, sizeof(auth), signed_part, len + 4, mac),
	        ==, 0);
	memcpy(out + len, mac, 10);
	return len + 10;
}

static void test_kat_protect(void)
{
	struct rtc_srtp_keys keys = {.profile = RTC_SRTP_AES128_CM_SHA1_80};
	uint8_t pkt[64 + RTC_SRTP_TRAILER], want[64 + 10];
	g_autoptr(GError) error = NULL;
	struct rtc_srtp *srtp;
	size_t len, want_len;

	hex(B3_MASTER_KEY, keys.local_key, 16);
	hex(B3_MASTER_SALT, keys.local_salt, 14);
	memcpy(keys.remote_key, keys.local_key, 16);
	memcpy(keys.remote_salt, keys.local_salt, 14);
	srtp = rtc_srtp_new(&keys, &error);
	g_assert_no_error(error);

	/* several sequence numbers and SSRCs, so the IV's every part is in play */
	for (unsigned n = 0; n < 4; n++) {
		uint16_t seq = (uint16_t)(0x1234 + 257 * n);
		uint32_t ssrc = 0xdecafbad ^ (n * 0x01010101u);
		uint8_t plain[12 + 40] = {0x80,
		                          0x0f,
		                          seq >> 8,
		                          seq & 0xff,
		                          0xca,
		                          0xfe,
		                          0xba,
		                          0xbe,
		                          ssrc >> 24,
		                          (ssrc >> 16) & 0xff,
		                          (ssrc >> 8) & 0xff,
		                          ssrc & 0xff};

		for (size_t i = 12; i < sizeof(plain); i++)
			plain[i] = (uint8_t)(0xab + i * n);
		want_len = reference_protect(keys.local_key, keys.local_salt, plain, sizeof(plain),
		                             want);
		memcpy(pkt, plain, sizeof(plain));
		len = sizeof(plain);
		g_assert_true(rtc_srtp_protect_rtp(srtp, pkt, &len, sizeof(pkt)));
		g_assert_cmpmem(pkt, len, want, want_len);
	}
	rtc_srtp_free(srtp);
}

/* libsrtp's own published vector (srtp_driver's srtp_validate) for the B.3 master key: the
 * same bytes from a third implementation, so the reference above is not checked only
 * against itself. */
static void test_kat_libsrtp_vector(void)
{
	struct rtc_srtp_keys keys = {.profile = RTC_SRTP_AES128_CM_SHA1_80};
	uint8_t plain[28], want[38], pkt[28 + RTC_SRTP_TRAILER];
	g_autoptr(GError) error = NULL;
	struct rtc_srtp *srtp;
	size_t len = sizeof(plain);

	hex(B3_MASTER_KEY, keys.local_key, 16);
	hex(B3_MASTER_SALT, keys.local_salt, 14);
	hex("800f1234decafbadcafebabeabababababababababababababababab", plain, 28);
	hex("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb", want,
	    38);
	g_assert_cmpuint(reference_protect(keys.local_key, keys.local_salt, plain, 28, pkt), ==,
	                 38);
	g_assert_cmpmem(pkt, 38, want, 38);
	srtp = rtc_srtp_new(&keys, &error);
	g_assert_no_error(error);
	memcpy(pkt, plain, len);
	g_assert_true(rtc_srtp_protect_rtp(srtp, pkt, &len, sizeof(pkt)));
	g_assert_cmpmem(pkt, len, want, 38);
	rtc_srtp_free(srtp);
}

/* RFC 5764 section 4.2: the exporter's output is client write key, server write key,
 * client salt, server salt. A client protects with the first and the third, a server
 * with the second and the fourth; each unprotects with the other pair. */
static void check_export_layout(enum rtc_srtp_profile profile)
{
	size_t salt = rtc_srtp_salt_len(profile), total = 2 * (RTC_SRTP_KEY_LEN + salt);
	uint8_t material[2 * (RTC_SRTP_KEY_LEN + RTC_SRTP_MAX_SALT_LEN)];
	const uint8_t *ck = material, *sk = material + 16, *cs = material + 32, *ss = cs + salt;
	struct rtc_srtp_keys client, server;

	for (size_t i = 0; i < sizeof(material); i++)
		material[i] = (uint8_t)(i + 1);
	g_assert_true(rtc_srtp_keys_from_export(profile, material, total, false, &client));
	g_assert_true(rtc_srtp_keys_from_export(profile, material, total, true, &server));
	g_assert_cmpuint(client.profile, ==, profile);
	g_assert_cmpmem(client.local_key, 16, ck, 16);
	g_assert_cmpmem(client.remote_key, 16, sk, 16);
	g_assert_cmpmem(client.local_salt, salt, cs, salt);
	g_assert_cmpmem(client.remote_salt, salt, ss, salt);
	g_assert_cmpmem(server.local_key, 16, sk, 16);
	g_assert_cmpmem(server.remote_key, 16, ck, 16);
	g_assert_cmpmem(server.local_salt, salt, ss, salt);
	g_assert_cmpmem(server.remote_salt, salt, cs, salt);
	/* the wrong length for the profile, or no profile, is refused */
	g_assert_false(rtc_srtp_keys_from_export(profile, material, total - 1, false, &client));
	g_assert_false(rtc_srtp_keys_from_export(0x99, material, total, false, &client));
}

static void test_export_layout_cm(void)
{
	check_export_layout(RTC_SRTP_AES128_CM_SHA1_80);
}

static void test_export_layout_gcm(void)
{
	check_export_layout(RTC_SRTP_AEAD_AES_128_GCM);
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
	g_test_add_func("/srtp/kat/rfc3711-b2-keystream", test_kat_keystream);
	g_test_add_func("/srtp/kat/rfc3711-b3-derivation", test_kat_derivation);
	g_test_add_func("/srtp/kat/protect", test_kat_protect);
	g_test_add_func("/srtp/kat/libsrtp-vector", test_kat_libsrtp_vector);
	g_test_add_func("/srtp/kat/export-layout/aes-cm-sha1-80", test_export_layout_cm);
	g_test_add_func("/srtp/kat/export-layout/aead-aes-128-gcm", test_export_layout_gcm);
	return g_test_run();
}
