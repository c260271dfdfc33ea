/* DCEP: the OPEN messages browsers send for each kind of channel, and broken ones. */
#include <glib.h>
#include <string.h>

#include "rtc/dcep.h"

/* Chromium's OPEN for createDataChannel('input', {ordered: false, maxRetransmits: 0}) */
static const uint8_t open_unordered[] = {0x03, 0x81, 0x01, 0x00, 0,   0,   0,   0,  0,
                                         5,    0,    0,    'i',  'n', 'p', 'u', 't'};

static void test_parse(void)
{
	struct rtc_dcep_open o;

	g_assert_cmpint(rtc_dcep_parse(open_unordered, sizeof(open_unordered), &o), ==,
	                RTC_DCEP_OPEN);
	g_assert_cmpint(o.reliability, ==, RTC_DCEP_PARTIAL_REXMIT);
	g_assert_true(o.unordered);
	g_assert_cmpuint(o.priority, ==, 256);
	g_assert_cmpuint(o.param, ==, 0);
	g_assert_cmpstr(o.label, ==, "input");
	g_assert_cmpstr(o.protocol, ==, "");
	g_assert_cmpint(rtc_dcep_parse((const uint8_t *)"\x02", 1, &o), ==, RTC_DCEP_ACK);
}

static void test_round_trip(void)
{
	struct rtc_dcep_open in = {
	        .reliability = RTC_DCEP_PARTIAL_TIMED, .param = 150, .priority = 512};
	struct rtc_dcep_open out;
	uint8_t buf[600];
	size_t len;

	strcpy(in.label, "cursor");
	strcpy(in.protocol, "wayrtc");
	len = rtc_dcep_build_open(buf, sizeof(buf), &in);
	g_assert_cmpuint(len, ==, 12 + 6 + 6);
	g_assert_cmpint(rtc_dcep_parse(buf, len, &out), ==, RTC_DCEP_OPEN);
	g_assert_cmpint(out.reliability, ==, RTC_DCEP_PARTIAL_TIMED);
	g_assert_false(out.unordered);
	g_assert_cmpuint(out.param, ==, 150);
	g_assert_cmpstr(out.label, ==, "cursor");
	g_assert_cmpstr(out.protocol, ==, "wayrtc");
	g_assert_cmpuint(rtc_dcep_build_open(buf, 20, &in), ==, 0);
	g_assert_cmpuint(rtc_dcep_build_ack(buf, sizeof(buf)), ==, 1);
	g_assert_cmpuint(buf[0], ==, 0x02);
}

static void test_malformed(void)
{
	struct rtc_dcep_open o;
	uint8_t b[sizeof(open_unordered)] = {0};

	g_assert_cmpint(rtc_dcep_parse(b, 0, &o), ==, RTC_DCEP_INVALID);
	g_assert_cmpint(rtc_dcep_parse((const uint8_t *)"\x02\x00", 2, &o), ==, RTC_DCEP_INVALID);
	g_assert_cmpint(rtc_dcep_parse(open_unordered, sizeof(open_unordered) - 1, &o), ==,
	                RTC_DCEP_INVALID);
	memcpy(b, open_unordered, sizeof(b));
	b[1] = 0x05; /* unknown channel type */
	g_assert_cmpint(rtc_dcep_parse(b, sizeof(b), &o), ==, RTC_DCEP_INVALID);
	memcpy(b, open_unordered, sizeof(b));
	b[9] = 200; /* label longer than the message */
	g_assert_cmpint(rtc_dcep_parse(b, sizeof(b), &o), ==, RTC_DCEP_INVALID);
	memcpy(b, open_unordered, sizeof(b));
	b[14] = 0; /* a NUL inside the label */
	g_assert_cmpint(rtc_dcep_parse(b, sizeof(b), &o), ==, RTC_DCEP_INVALID);
	memcpy(b, open_unordered, sizeof(b));
	b[0] = 0x04;
	g_assert_cmpint(rtc_dcep_parse(b, sizeof(b), &o), ==, RTC_DCEP_INVALID);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dcep/parse", test_parse);
	g_test_add_func("/dcep/round-trip", test_round_trip);
	g_test_add_func("/dcep/malformed", test_malformed);
	return g_test_run();
}
