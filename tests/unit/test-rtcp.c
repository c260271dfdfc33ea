/* RTCP: compound packets as Chrome sends them, each report and feedback type built by
 * hand, padding, skipped types, and lengths that must be refused. */
#include <glib.h>
#include <string.h>

#include "rtc/rtcp.h"

#define MEDIA 0x11223344u /* our video SSRC */

struct events {
	struct rtc_rtcp_event ev[64];
	size_t n;
};

static void collect(void *data, const struct rtc_rtcp_event *ev)
{
	struct events *e = data;

	g_assert_cmpuint(e->n, <, G_N_ELEMENTS(e->ev));
	e->ev[e->n++] = *ev;
}

/* Parses and returns how many events came, with the parse result in *ok. */
static size_t parse(const uint8_t *b, size_t len, struct events *e, bool *ok)
{
	e->n = 0;
	*ok = rtc_rtcp_parse(b, len, collect, e);
	return e->n;
}

/* clang-format off */
#define RR_FROM_1 \
	0x81, 201, 0, 7,   0, 0, 0, 1,                  /* RR from ssrc 1, one block */ \
	0x11, 0x22, 0x33, 0x44,                         /* about our SSRC */ \
	0x10, 0xff, 0xff, 0xfe,                         /* fraction 16, lost -2 */ \
	0, 1, 0x12, 0x34,   0, 0, 0, 5,                 /* cycles 1, seq 0x1234; jitter */ \
	0xaa, 0xbb, 0xcc, 0xdd,   0, 0, 0x10, 0         /* LSR, DLSR */

/* Chrome with rtcp-rsize: RR + SDES(CNAME) + generic NACK (seq 100, bits 0 and 2) */
static const uint8_t rr_nack[] = {
	RR_FROM_1,
	0x81, 202, 0, 6,   0, 0, 0, 1,   1, 16,         /* SDES: CNAME of 16 */
	'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 0, 0,
	0x81, 205, 0, 3,   0, 0, 0, 1,   0x11, 0x22, 0x33, 0x44,   0, 100, 0, 5,
};

/* Chrome's periodic RR + REMB: 2.5 Mbit/s = 156250 << 4, for our one SSRC */
static const uint8_t rr_remb[] = {
	RR_FROM_1,
	0x8f, 206, 0, 5,   0, 0, 0, 1,   0, 0, 0, 0,
	'R', 'E', 'M', 'B',   1, 0x12, 0x62, 0x5a,   0x11, 0x22, 0x33, 0x44,
};

/* PLI, FIR with two entries, REMB with exponent 2 */
static const uint8_t psfb[] = {
	0x81, 206, 0, 2,   0, 0, 0, 1,   0x11, 0x22, 0x33, 0x44,
	0x84, 206, 0, 6,   0, 0, 0, 1,   0, 0, 0, 0,
	0x11, 0x22, 0x33, 0x44,   7, 0, 0, 0,   0x55, 0x66, 0x77, 0x88,   8, 0, 0, 0,
	0x8f, 206, 0, 5,   0, 0, 0, 1,   0, 0, 0, 0,
	'R', 'E', 'M', 'B',   1, 0x0b, 0xff, 0xff,   0x11, 0x22, 0x33, 0x44,
};
/* clang-format on */

static void check_rr(const struct rtc_rtcp_event *ev, uint32_t sender)
{
	g_assert_cmpint(ev->type, ==, RTC_RTCP_EV_RR);
	g_assert_cmpuint(ev->sender_ssrc, ==, sender);
	g_assert_cmpuint(ev->media_ssrc, ==, MEDIA);
	g_assert_cmpuint(ev->rr.fraction_lost, ==, 16);
	g_assert_cmpint(ev->rr.cumulative_lost, ==, -2);
	g_assert_cmpuint(ev->rr.highest_seq, ==, 0x11234);
	g_assert_cmpuint(ev->rr.jitter, ==, 5);
	g_assert_cmpuint(ev->rr.lsr, ==, 0xaabbccdd);
	g_assert_cmpuint(ev->rr.dlsr, ==, 0x1000);
}

static void test_rr_nack(void)
{
	struct events e;
	bool ok;

	g_assert_true(rtc_rtcp_is_rtcp(rr_nack, sizeof(rr_nack)));
	g_assert_cmpuint(parse(rr_nack, sizeof(rr_nack), &e, &ok), ==, 4);
	g_assert_true(ok);
	check_rr(&e.ev[0], 1);
	for (size_t i = 1; i < 4; i++) {
		g_assert_cmpint(e.ev[i].type, ==, RTC_RTCP_EV_NACK);
		g_assert_cmpuint(e.ev[i].sender_ssrc, ==, 1);
		g_assert_cmpuint(e.ev[i].media_ssrc, ==, MEDIA);
	}
	g_assert_cmpuint(e.ev[1].nack_seq, ==, 100);
	g_assert_cmpuint(e.ev[2].nack_seq, ==, 101);
	g_assert_cmpuint(e.ev[3].nack_seq, ==, 103);
}

static void test_rr_remb(void)
{
	struct events e;
	bool ok;

	g_assert_cmpuint(parse(rr_remb, sizeof(rr_remb), &e, &ok), ==, 2);
	g_assert_true(ok);
	check_rr(&e.ev[0], 1);
	g_assert_cmpint(e.ev[1].type, ==, RTC_RTCP_EV_REMB);
	g_assert_cmpuint(e.ev[1].remb_bps, ==, 2500000);
	g_assert_cmpuint(e.ev[1].sender_ssrc, ==, 1);
	g_assert_cmpuint(e.ev[1].media_ssrc, ==, MEDIA);
}

static void test_psfb(void)
{
	struct events e;
	bool ok;

	g_assert_cmpuint(parse(psfb, sizeof(psfb), &e, &ok), ==, 4);
	g_assert_true(ok);
	g_assert_cmpint(e.ev[0].type, ==, RTC_RTCP_EV_PLI);
	g_assert_cmpuint(e.ev[0].media_ssrc, ==, MEDIA);
	g_assert_cmpint(e.ev[1].type, ==, RTC_RTCP_EV_FIR);
	g_assert_cmpuint(e.ev[1].media_ssrc, ==, MEDIA);
	g_assert_cmpint(e.ev[2].type, ==, RTC_RTCP_EV_FIR);
	g_assert_cmpuint(e.ev[2].media_ssrc, ==, 0x55667788);
	g_assert_cmpint(e.ev[3].type, ==, RTC_RTCP_EV_REMB);
	g_assert_cmpuint(e.ev[3].remb_bps, ==, 0x3ffffull << 2);
	g_assert_cmpuint(e.ev[3].media_ssrc, ==, MEDIA);
}

/* SR with two blocks, BYE with two SSRCs and a reason, what we skip, NACK wrap. */
static void test_more(void)
{
	/* clang-format off */
	static const uint8_t sr_bye[] = {
		0x82, 200, 0, 18,   0, 0, 0, 9,         /* SR from 9, two blocks */
		1, 2, 3, 4, 5, 6, 7, 8,                 /* NTP */
		0, 0, 0, 1,   0, 0, 0, 2,   0, 0, 0, 3, /* RTP ts, packets, octets */
		0x11, 0x22, 0x33, 0x44,   0, 0, 0, 0,   0, 0, 0, 7,   0, 0, 0, 0,   0, 0, 0, 0,   0, 0, 0, 0,
		0x99, 0x99, 0x99, 0x99,   0, 0, 0, 0,   0, 0, 0, 8,   0, 0, 0, 0,   0, 0, 0, 0,   0, 0, 0, 0,
		0x82, 203, 0, 4,   0, 0, 0, 9,   0, 0, 0, 10,   /* BYE 9 and 10, reason "gone" */
		4, 'g', 'o', 'n', 'e', 0, 0, 0,
	};
	static const uint8_t skipped[] = {
		0x8f, 205, 0, 5,   0, 0, 0, 1,   0x11, 0x22, 0x33, 0x44,   0, 1, 0, 1,   0, 0, 0, 0,   0, 1, 0, 0, /* transport-cc: one lost */
		0x80, 204, 0, 1,   'n', 'a', 'm', 'e',                  /* APP */
		0x80, 207, 0, 2,   0, 0, 0, 1,   4, 0, 0, 0,            /* XR */
		0x81, 205, 0, 3,   0, 0, 0, 1,   0x11, 0x22, 0x33, 0x44,   0xff, 0xff, 0x80, 0x01, /* NACK */
	};
	/* clang-format on */
	struct events e;
	bool ok;

	g_assert_cmpuint(parse(sr_bye, sizeof(sr_bye), &e, &ok), ==, 4);
	g_assert_true(ok);
	g_assert_cmpint(e.ev[0].type, ==, RTC_RTCP_EV_RR);
	g_assert_cmpuint(e.ev[0].sender_ssrc, ==, 9);
	g_assert_cmpuint(e.ev[0].media_ssrc, ==, MEDIA);
	g_assert_cmpuint(e.ev[0].rr.highest_seq, ==, 7);
	g_assert_cmpuint(e.ev[1].media_ssrc, ==, 0x99999999);
	g_assert_cmpuint(e.ev[1].rr.highest_seq, ==, 8);
	g_assert_cmpint(e.ev[2].type, ==, RTC_RTCP_EV_BYE);
	g_assert_cmpuint(e.ev[2].sender_ssrc, ==, 9);
	g_assert_cmpint(e.ev[3].type, ==, RTC_RTCP_EV_BYE);
	g_assert_cmpuint(e.ev[3].sender_ssrc, ==, 10);

	/* transport-cc reported, APP and XR skipped; the NACK at seq 65535 wraps to 0 and 15 */
	g_assert_cmpuint(parse(skipped, sizeof(skipped), &e, &ok), ==, 4);
	g_assert_cmpint(e.ev[0].type, ==, RTC_RTCP_EV_TWCC);
	g_assert_cmpuint(e.ev[0].twcc.len, ==, 12);
	g_assert_true(ok);
	g_assert_cmpuint(e.ev[1].nack_seq, ==, 65535);
	g_assert_cmpuint(e.ev[2].nack_seq, ==, 0);
	g_assert_cmpuint(e.ev[3].nack_seq, ==, 15);
}

static void test_remb_range(void)
{
	uint8_t b[sizeof(rr_remb)];
	struct events e;
	bool ok;
	const size_t at = 32 + 12 + 5; /* exponent | mantissa high bits */

	memcpy(b, rr_remb, sizeof(b));
	b[at] = 63 << 2; /* 1 << 63 does not fit the 46 bits a mantissa can be shifted */
	b[at + 1] = 0;
	b[at + 2] = 1;
	g_assert_cmpuint(parse(b, sizeof(b), &e, &ok), ==, 2);
	g_assert_cmpuint(e.ev[1].remb_bps, ==, UINT64_MAX);
	b[at + 2] = 0;
	parse(b, sizeof(b), &e, &ok);
	g_assert_cmpuint(e.ev[1].remb_bps, ==, 0);
	b[at] = 46 << 2 | 3; /* the largest exact value */
	b[at + 1] = b[at + 2] = 0xff;
	parse(b, sizeof(b), &e, &ok);
	g_assert_cmpuint(e.ev[1].remb_bps, ==, 0x3ffffull << 46);
	/* an application feedback that is not REMB: no event, not an error */
	memcpy(b, rr_remb, sizeof(b));
	b[32 + 12] = 'X';
	g_assert_cmpuint(parse(b, sizeof(b), &e, &ok), ==, 1);
	g_assert_true(ok);
}

static void test_padding(void)
{
	/* a PLI padded by one word: the last octet counts 4 */
	uint8_t b[] = {0xa1, 206, 0, 3, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 4};
	struct events e;
	bool ok;

	g_assert_cmpuint(parse(b, sizeof(b), &e, &ok), ==, 1);
	g_assert_true(ok);
	b[15] = 0;
	g_assert_cmpuint(parse(b, sizeof(b), &e, &ok), ==, 0);
	g_assert_false(ok);
	b[15] = 13; /* more than the body */
	parse(b, sizeof(b), &e, &ok);
	g_assert_false(ok);
	b[15] = 8; /* eats into the common feedback header */
	parse(b, sizeof(b), &e, &ok);
	g_assert_false(ok);
}

/* Broken copies of good packets: each must be refused. */
static void refuse(const uint8_t *good, size_t len, size_t at, uint8_t value, size_t want_events)
{
	g_autofree uint8_t *b = g_memdup2(good, len);
	struct events e;
	bool ok;

	b[at] = value;
	g_assert_cmpuint(parse(b, len, &e, &ok), ==, want_events);
	g_assert_false(ok);
}

static void test_malformed(void)
{
	struct events e;
	bool ok;
	uint8_t b[sizeof(rr_nack) + 2];

	/* truncated: the events before the fault are reported, the result is false */
	g_assert_cmpuint(parse(rr_nack, sizeof(rr_nack) - 4, &e, &ok), ==, 1);
	g_assert_false(ok);
	g_assert_cmpuint(parse(rr_nack, 3, &e, &ok), ==, 0);
	g_assert_false(ok);
	g_assert_cmpuint(parse(rr_nack, 0, &e, &ok), ==, 0);
	g_assert_false(ok);
	/* two bytes after the last packet */
	memcpy(b, rr_nack, sizeof(rr_nack));
	b[sizeof(rr_nack)] = 0x80;
	b[sizeof(rr_nack) + 1] = 201;
	g_assert_cmpuint(parse(b, sizeof(b), &e, &ok), ==, 4);
	g_assert_false(ok);

	refuse(rr_nack, sizeof(rr_nack), 3, 200, 0);         /* length past the end */
	refuse(rr_nack, sizeof(rr_nack), 0, 0x41, 0);        /* version 1 */
	refuse(rr_nack, sizeof(rr_nack), 0, 0x82, 0);        /* two report blocks in room for one */
	refuse(rr_nack, sizeof(rr_nack), 3, 0, 0);           /* RR without room for its SSRC */
	refuse(rr_nack, sizeof(rr_nack), 63, 2, 1);          /* NACK without FCI */
	refuse(rr_nack, sizeof(rr_nack), 32, 0x41, 1);       /* version 1 in the second packet */
	refuse(rr_remb, sizeof(rr_remb), 32 + 12 + 4, 2, 1); /* REMB: 2 SSRCs, room for 1 */
	refuse(rr_remb, sizeof(rr_remb), 35, 1, 1);          /* REMB cut to the common header */
	refuse(psfb, sizeof(psfb), 3, 1, 0);                 /* PLI without its media SSRC */
	refuse(psfb, sizeof(psfb), 15, 2, 1);                /* FIR without FCI */
	/* rtc_rtcp_is_rtcp: RFC 5761 payload types 192..223 (second byte, marker included) */
	for (unsigned pt = 128; pt < 256; pt++) {
		uint8_t h[8] = {0x80, (uint8_t)pt};

		g_assert_cmpint(rtc_rtcp_is_rtcp(h, sizeof(h)), ==, pt >= 192 && pt <= 223);
	}
	g_assert_false(rtc_rtcp_is_rtcp((const uint8_t[]){0x80, 0xe6, 0, 1, 0, 0, 0, 0}, 8));
	g_assert_false(rtc_rtcp_is_rtcp(rr_nack, 3));
}

static void test_sr(void)
{
	static const uint8_t want[] = {
	        0x80, 200, 0, 6, 0,    0,    0xca, 0xfe, 1, 2,  3, 4, 5,    6,
	        7,    8,   0, 1, 0x5f, 0x90, 0,    0,    0, 10, 0, 0, 0x03, 0xe8,
	};
	uint8_t b[40];
	struct events e;
	bool ok;

	g_assert_cmpuint(rtc_rtcp_build_sr(b, 27, 1, 2, 3, 4, 5), ==, 0);
	g_assert_cmpuint(
	        rtc_rtcp_build_sr(b, sizeof(b), 0xcafe, 0x0102030405060708ull, 90000, 10, 1000), ==,
	        sizeof(want));
	g_assert_cmpmem(b, sizeof(want), want, sizeof(want));
	g_assert_true(rtc_rtcp_is_rtcp(b, sizeof(want)));
	g_assert_cmpuint(parse(b, sizeof(want), &e, &ok), ==, 0); /* no report blocks */
	g_assert_true(ok);
}

/* SDES with one CNAME chunk, padded to a word with at least one END byte; a compound of
 * SR + SDES parses. */
static void test_sdes(void)
{
	uint8_t buf[64 + 28];
	struct events e;
	bool ok;
	size_t sr, n;

	n = rtc_rtcp_build_sdes(buf, sizeof(buf), 0x11223344, "wayrtc12345678");
	/* 4 + 4 + 2 + 14 + 1 = 25 → 28 */
	g_assert_cmpuint(n, ==, 28);
	g_assert_cmpmem(buf, 10,
	                ((const uint8_t[]){0x81, 202, 0, 6, 0x11, 0x22, 0x33, 0x44, 1, 14}), 10);
	g_assert_cmpmem(buf + 10, 14, "wayrtc12345678", 14);
	g_assert_cmpuint(buf[24], ==, 0);
	n = rtc_rtcp_build_sdes(buf, sizeof(buf), 1, "abcd");
	g_assert_cmpuint(n, ==, 16); /* 4 + 4 + 2 + 4 + 1 = 15 → 16 */
	g_assert_cmpuint(buf[15], ==, 0);
	n = rtc_rtcp_build_sdes(buf, sizeof(buf), 1, "ab");
	g_assert_cmpuint(n, ==, 16); /* 13 → 16, never without its END */
	g_assert_cmpuint(rtc_rtcp_build_sdes(buf, 15, 1, "abcd"), ==, 0);

	sr = rtc_rtcp_build_sr(buf, sizeof(buf), 1, 0, 0, 0, 0);
	n = rtc_rtcp_build_sdes(buf + sr, sizeof(buf) - sr, 1, "wayrtc12345678");
	g_assert_cmpuint(parse(buf, sr + n, &e, &ok), ==, 0);
	g_assert_true(ok);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rtcp/rr-nack", test_rr_nack);
	g_test_add_func("/rtcp/rr-remb", test_rr_remb);
	g_test_add_func("/rtcp/psfb", test_psfb);
	g_test_add_func("/rtcp/sr-bye-skipped", test_more);
	g_test_add_func("/rtcp/remb-range", test_remb_range);
	g_test_add_func("/rtcp/padding", test_padding);
	g_test_add_func("/rtcp/malformed", test_malformed);
	g_test_add_func("/rtcp/sr", test_sr);
	g_test_add_func("/rtcp/sdes", test_sdes);
	return g_test_run();
}
