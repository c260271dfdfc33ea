/* Transport-cc feedback (RTPFB FMT 15): each chunk kind built by hand, receive deltas
 * small, large and negative, sequence wrap, a message from Chromium, and the shapes that
 * must be refused without anything reported. */
#include <glib.h>
#include <string.h>

#include "rtc/rtcp.h"
#include "rtc/twcc.h"

struct status {
	uint16_t seq;
	bool received;
	int64_t at;
};

struct statuses {
	struct status s[512];
	size_t n;
};

static void collect(void *data, uint16_t seq, bool received, int64_t arrival_us)
{
	struct statuses *st = data;

	g_assert_cmpuint(st->n, <, G_N_ELEMENTS(st->s));
	st->s[st->n++] = (struct status){seq, received, arrival_us};
}

/* clang-format off */
/* base 1000, 6 packets, reference 2 × 64 ms, fb count 5; one 2-bit status vector:
 * small, small, none, large, small, none (the 7th symbol is past the count);
 * deltas 1 ms, 2 ms, −1 ms (large), 50 ms */
static const uint8_t vector2[] = {
	0x03, 0xe8, 0x00, 0x06,   0x00, 0x00, 0x02, 0x05,
	0xd4, 0x90,                                   /* 11 | 01 01 00 10 01 00 00 */
	0x04, 0x08, 0xff, 0xfc, 0xc8,   0x00,          /* deltas, one byte of alignment */
};
/* clang-format on */

static void test_vector2(void)
{
	struct rtc_twcc_feedback fb;
	struct statuses st = {0};

	g_assert_true(rtc_twcc_parse(vector2, sizeof(vector2), &fb, collect, &st));
	g_assert_cmpuint(fb.base_seq, ==, 1000);
	g_assert_cmpuint(fb.status_count, ==, 6);
	g_assert_cmpint(fb.reference_us, ==, 128000);
	g_assert_cmpuint(fb.fb_count, ==, 5);
	g_assert_cmpuint(st.n, ==, 6);
	const struct status want[] = {
	        {1000, true, 129000}, {1001, true, 131000}, {1002, false, 0},
	        {1003, true, 130000}, {1004, true, 180000}, {1005, false, 0},
	};
	for (size_t i = 0; i < 6; i++) {
		g_assert_cmpuint(st.s[i].seq, ==, want[i].seq);
		g_assert_cmpint(st.s[i].received, ==, want[i].received);
		g_assert_cmpint(st.s[i].at, ==, want[i].at);
	}
}

/* A run of 300 small deltas, a 1-bit vector, a run of 20 lost; sequence numbers wrap;
 * a negative reference time. */
static void test_runs_and_wrap(void)
{
	uint8_t b[8 + 6 + 300 + 14 + 4] = {0};
	size_t off = 0;
	struct rtc_twcc_feedback fb;
	struct statuses st = {0};

	b[0] = 0xff, b[1] = 0x00; /* base 65280 */
	b[2] = (300 + 14 + 20) >> 8, b[3] = (300 + 14 + 20) & 0xff;
	b[4] = 0xff, b[5] = 0xff, b[6] = 0xff; /* −64 ms */
	b[7] = 255;
	off = 8;
	b[off++] = 0x20 | (300 >> 8), b[off++] = 300 & 0xff; /* run: small × 300 */
	b[off++] = 0x95, b[off++] = 0x55;                    /* 1-bit: 0 1 0 1 … (7 received) */
	b[off++] = 0x00, b[off++] = 20;                      /* run: none × 20 */
	for (int i = 0; i < 300; i++)
		b[off++] = 4; /* 1 ms each */
	for (int i = 0; i < 7; i++)
		b[off++] = 40; /* 10 ms each */
	g_assert_true(rtc_twcc_parse(b, off, &fb, collect, &st));
	g_assert_cmpint(fb.reference_us, ==, -64000);
	g_assert_cmpuint(st.n, ==, 334);
	g_assert_cmpuint(st.s[0].seq, ==, 65280);
	g_assert_cmpint(st.s[0].at, ==, -63000);
	g_assert_cmpuint(st.s[255].seq, ==, 65535);
	g_assert_cmpuint(st.s[256].seq, ==, 0); /* wrapped */
	g_assert_cmpint(st.s[299].at, ==, -64000 + 300 * 1000);
	g_assert_false(st.s[300].received);
	g_assert_true(st.s[301].received);
	g_assert_cmpint(st.s[301].at, ==, -64000 + 300 * 1000 + 10000);
	g_assert_false(st.s[302].received);
	g_assert_true(st.s[313].received);
	for (size_t i = 314; i < 334; i++)
		g_assert_false(st.s[i].received);
	g_assert_cmpuint(st.s[333].seq, ==, (uint16_t)(65280 + 333));
}

/* Captured from headless Chromium 156 receiving wayrtc over loopback (transport-cc
 * negotiated): base 38, six packets, one run-length chunk of small deltas, no alignment;
 * and 33 packets from 0x12: a run of 32 small deltas, then a run of one large delta. */
static void test_chromium(void)
{
	static const uint8_t six[] = {0x00, 0x26, 0x00, 0x06, 0x00, 0xc8, 0x0c, 0x0a,
	                              0x20, 0x06, 0xb5, 0x3c, 0x00, 0x1b, 0x60, 0x00};
	static const uint8_t many[] = {0x00, 0x12, 0x00, 0x21, 0x00, 0xd8, 0xcf, 0x02, 0x20, 0x20,
	                               0x40, 0x01, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                               0x8a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                               0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                               0x00, 0x01, 0x00, 0x00, 0x01, 0x08};
	struct rtc_twcc_feedback fb;
	struct statuses st = {0};
	int64_t ref;

	g_assert_true(rtc_twcc_parse(six, sizeof(six), &fb, collect, &st));
	g_assert_cmpuint(fb.base_seq, ==, 38);
	g_assert_cmpuint(fb.status_count, ==, 6);
	g_assert_cmpuint(fb.fb_count, ==, 10);
	ref = (int64_t)0x00c80c * 64000;
	g_assert_cmpint(fb.reference_us, ==, ref);
	g_assert_cmpuint(st.n, ==, 6);
	for (size_t i = 0; i < 6; i++) {
		g_assert_true(st.s[i].received);
		g_assert_cmpuint(st.s[i].seq, ==, 38 + i);
	}
	g_assert_cmpint(st.s[0].at, ==, ref + 0xb5 * 250);
	g_assert_cmpint(st.s[5].at, ==, ref + (0xb5 + 0x3c + 0x1b + 0x60) * 250);

	st.n = 0;
	g_assert_true(rtc_twcc_parse(many, sizeof(many), &fb, collect, &st));
	g_assert_cmpuint(fb.status_count, ==, 0x21);
	g_assert_cmpuint(st.n, ==, 0x21);
	/* the first run covers 32, the 33rd is the second chunk's, with a 2-byte delta */
	for (size_t i = 1; i < st.n; i++)
		g_assert_cmpint(st.s[i].at, >=, st.s[i - 1].at);
}

/* Nothing is reported for any refused message, even when its first packets were fine. */
static void test_refused(void)
{
	struct rtc_twcc_feedback fb;
	struct statuses st = {0};
	uint8_t b[sizeof(vector2)];

	/* deltas cut short */
	g_assert_false(rtc_twcc_parse(vector2, sizeof(vector2) - 3, &fb, collect, &st));
	/* shorter than the fixed part */
	g_assert_false(rtc_twcc_parse(vector2, 7, &fb, collect, &st));
	/* more statuses than the chunks cover (the deltas' bytes read as chunks) */
	memcpy(b, vector2, sizeof(b));
	b[3] = 60;
	g_assert_false(rtc_twcc_parse(b, sizeof(b), &fb, collect, &st));
	/* the reserved symbol 11 inside the count */
	memcpy(b, vector2, sizeof(b));
	b[8] = 0xf6;
	g_assert_false(rtc_twcc_parse(b, sizeof(b), &fb, collect, &st));
	/* a run of length 0 */
	memcpy(b, vector2, sizeof(b));
	b[8] = 0x20, b[9] = 0;
	g_assert_false(rtc_twcc_parse(b, sizeof(b), &fb, collect, &st));
	/* four or more bytes left over */
	{
		uint8_t longer[sizeof(vector2) + 4] = {0};

		memcpy(longer, vector2, sizeof(vector2));
		g_assert_false(rtc_twcc_parse(longer, sizeof(longer), &fb, collect, &st));
	}
	g_assert_cmpuint(st.n, ==, 0);
	/* a count of 0 with no chunks is empty but well formed */
	{
		static const uint8_t empty[] = {0, 1, 0, 0, 0, 0, 0, 0};

		g_assert_true(rtc_twcc_parse(empty, sizeof(empty), &fb, collect, &st));
		g_assert_cmpuint(st.n, ==, 0);
	}
}

struct found {
	const uint8_t *fci;
	size_t len;
	int n;
};

static void on_event(void *data, const struct rtc_rtcp_event *ev)
{
	struct found *f = data;

	if (ev->type == RTC_RTCP_EV_TWCC) {
		f->fci = ev->twcc.fci;
		f->len = ev->twcc.len;
		f->n++;
	}
}

/* In a compound packet: rtc_rtcp_parse checks it and hands over the FCI; a broken one makes
 * the whole compound malformed. */
static void test_in_rtcp(void)
{
	uint8_t pkt[4 + 8 + sizeof(vector2)];
	struct found f = {0};
	struct statuses st = {0};
	struct rtc_twcc_feedback fb;

	pkt[0] = 0x8f, pkt[1] = 205, pkt[2] = 0, pkt[3] = sizeof(pkt) / 4 - 1;
	memset(pkt + 4, 0, 4);
	pkt[8] = 0x11, pkt[9] = 0x22, pkt[10] = 0x33, pkt[11] = 0x44;
	memcpy(pkt + 12, vector2, sizeof(vector2));
	g_assert_true(rtc_rtcp_parse(pkt, sizeof(pkt), on_event, &f));
	g_assert_cmpint(f.n, ==, 1);
	g_assert_true(rtc_twcc_parse(f.fci, f.len, &fb, collect, &st));
	g_assert_cmpuint(st.n, ==, 6);
	pkt[12 + 8] = 0xf6; /* reserved symbol */
	f.n = 0;
	g_assert_false(rtc_rtcp_parse(pkt, sizeof(pkt), on_event, &f));
	g_assert_cmpint(f.n, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/twcc/vector2", test_vector2);
	g_test_add_func("/twcc/runs-and-wrap", test_runs_and_wrap);
	g_test_add_func("/twcc/refused", test_refused);
	g_test_add_func("/twcc/chromium", test_chromium);
	g_test_add_func("/twcc/in-rtcp", test_in_rtcp);
	return g_test_run();
}
