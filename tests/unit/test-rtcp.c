/* RTCP: compound packets as Chrome sends them, each feedback type, and broken lengths. */
#include <glib.h>
#include <string.h>

#include "rtc/rtcp.h"

struct events {
	struct rtcp_event ev[64];
	size_t n;
};

static void collect(void *data, const struct rtcp_event *ev)
{
	struct events *e = data;

	g_assert_cmpuint(e->n, <, G_N_ELEMENTS(e->ev));
	e->ev[e->n++] = *ev;
}

/* RR with one block for ssrc 0x11223344, then a generic NACK for seq 100 + bits 0 and 2 */
static const uint8_t rr_nack[] = {
        0x81, 201,  0,    7,    0,    0,    0,    1,    /* RR from ssrc 1, one block */
        0x11, 0x22, 0x33, 0x44, 0x10, 0xff, 0xff, 0xfe, /* fraction 16, lost -2 */
        0,    0,    0x12, 0x34, 0,    0,    0,    5,    0xaa, 0xbb, 0xcc, 0xdd, 0, 0,   0x10, 0,
        0x81, 205,  0,    3,    0,    0,    0,    1,    0x11, 0x22, 0x33, 0x44, 0, 100, 0,    5,
};

/* PLI, FIR (one entry) and REMB (exp 2, mantissa 0x3ffff → 1048572 bps) */
static const uint8_t psfb[] = {
        0x81, 206, 0,   2,   0,    0,   0, 1,    0x11, 0x22, 0x33, 0x44, 0x84, 206,
        0,    4,   0,   0,   0,    1,   0, 0,    0,    0,    0x11, 0x22, 0x33, 0x44,
        7,    0,   0,   0,   0x8f, 206, 0, 5,    0,    0,    0,    1,    0,    0,
        0,    0,   'R', 'E', 'M',  'B', 1, 0x0b, 0xff, 0xff, 0x11, 0x22, 0x33, 0x44,
};

static void test_rr_nack(void)
{
	struct events e = {0};

	g_assert_true(rtcp_is_rtcp(rr_nack, sizeof(rr_nack)));
	g_assert_true(rtcp_parse(rr_nack, sizeof(rr_nack), collect, &e));
	g_assert_cmpuint(e.n, ==, 4);
	g_assert_cmpint(e.ev[0].type, ==, RTCP_EV_RR);
	g_assert_cmpuint(e.ev[0].media_ssrc, ==, 0x11223344);
	g_assert_cmpuint(e.ev[0].rr.fraction_lost, ==, 16);
	g_assert_cmpint(e.ev[0].rr.cumulative_lost, ==, -2);
	g_assert_cmpuint(e.ev[0].rr.highest_seq, ==, 0x1234);
	g_assert_cmpuint(e.ev[0].rr.lsr, ==, 0xaabbccdd);
	g_assert_cmpint(e.ev[1].type, ==, RTCP_EV_NACK);
	g_assert_cmpuint(e.ev[1].nack_seq, ==, 100);
	g_assert_cmpuint(e.ev[2].nack_seq, ==, 101);
	g_assert_cmpuint(e.ev[3].nack_seq, ==, 103);
}

static void test_psfb(void)
{
	struct events e = {0};

	g_assert_true(rtcp_parse(psfb, sizeof(psfb), collect, &e));
	g_assert_cmpuint(e.n, ==, 3);
	g_assert_cmpint(e.ev[0].type, ==, RTCP_EV_PLI);
	g_assert_cmpuint(e.ev[0].media_ssrc, ==, 0x11223344);
	g_assert_cmpint(e.ev[1].type, ==, RTCP_EV_FIR);
	g_assert_cmpuint(e.ev[1].media_ssrc, ==, 0x11223344);
	g_assert_cmpint(e.ev[2].type, ==, RTCP_EV_REMB);
	g_assert_cmpuint(e.ev[2].remb_bps, ==, 0x3ffffull << 2);
	g_assert_cmpuint(e.ev[2].media_ssrc, ==, 0x11223344);
}

static void test_malformed(void)
{
	struct events e = {0};
	uint8_t b[sizeof(rr_nack)];

	/* truncated: the events before the fault are reported, the result is false */
	g_assert_false(rtcp_parse(rr_nack, sizeof(rr_nack) - 4, collect, &e));
	g_assert_cmpuint(e.n, ==, 1);
	memcpy(b, rr_nack, sizeof(b));
	b[3] = 200; /* length past the end */
	e.n = 0;
	g_assert_false(rtcp_parse(b, sizeof(b), collect, &e));
	g_assert_cmpuint(e.n, ==, 0);
	b[3] = 7;
	b[0] = 0x41; /* version 1 */
	g_assert_false(rtcp_parse(b, sizeof(b), collect, &e));
	g_assert_false(rtcp_parse(b, 3, collect, &e));
	/* RTP with payload type 96 is not RTCP */
	b[0] = 0x80;
	b[1] = 96;
	g_assert_false(rtcp_is_rtcp(b, sizeof(b)));
}

static void test_sr(void)
{
	uint8_t b[28];
	struct events e = {0};

	g_assert_cmpuint(rtcp_build_sr(b, 27, 1, 2, 3, 4, 5), ==, 0);
	g_assert_cmpuint(
	        rtcp_build_sr(b, sizeof(b), 0xcafe, 0x0102030405060708ull, 90000, 10, 1000), ==,
	        28);
	g_assert_cmpuint(b[0], ==, 0x80);
	g_assert_cmpuint(b[1], ==, 200);
	g_assert_cmpuint(b[3], ==, 6);
	g_assert_cmpuint(b[8], ==, 1);
	g_assert_cmpuint(b[15], ==, 8);
	g_assert_cmpuint(b[19], ==, 90000 & 0xff);
	g_assert_cmpuint(b[23], ==, 10);
	g_assert_true(rtcp_is_rtcp(b, sizeof(b)));
	g_assert_true(rtcp_parse(b, sizeof(b), collect, &e));
	g_assert_cmpuint(e.n, ==, 0); /* no report blocks */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rtcp/rr-nack", test_rr_nack);
	g_test_add_func("/rtcp/psfb", test_psfb);
	g_test_add_func("/rtcp/malformed", test_malformed);
	g_test_add_func("/rtcp/sr", test_sr);
	return g_test_run();
}
