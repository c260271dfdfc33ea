/* The pacer's timing: a burst of a keyframe's packets leaves at the rate after the first
 * few, a lone small packet on an idle pacer leaves at once, and a rate change applies to
 * what is owed. */
#include <glib.h>

#include "rtc/pacer.h"

/* Sends n packets of `size` as soon as the pacer lets them, from t0; returns the time the
 * last one left. */
static int64_t drain(struct pacer *p, int64_t t0, int n, size_t size, int *at_once)
{
	int64_t now = t0;

	*at_once = 0;
	for (int i = 0; i < n; i++) {
		int64_t wait = rtc_pacer_wait(p, now);

		if (wait == 0 && now == t0)
			(*at_once)++;
		now += wait;
		g_assert_cmpint(rtc_pacer_wait(p, now), ==, 0);
		rtc_pacer_sent(p, now, size);
	}
	return now;
}

static void test_keyframe_spread(void)
{
	struct pacer p;
	int at_once;
	int64_t end;

	/* 4 Mbit/s: 100 packets of 1200 bytes = 960 kbit take 240 ms */
	rtc_pacer_init(&p, 4000000, 0);
	end = drain(&p, 0, 100, 1200, &at_once);
	g_assert_cmpint(at_once, <=, 3); /* the 5 ms burst: 2500 bytes, three packets */
	g_assert_cmpint(end, >=, 230000);
	g_assert_cmpint(end, <=, 245000);
}

static void test_idle_goes_at_once(void)
{
	struct pacer p;
	int at_once;

	rtc_pacer_init(&p, 1000000, 0);
	drain(&p, 0, 50, 1200, &at_once);
	/* after a pause the budget is back: a typed key's two packets do not wait */
	g_assert_cmpint(rtc_pacer_wait(&p, 2000000), ==, 0);
	drain(&p, 2000000, 2, 1200, &at_once);
	g_assert_cmpint(at_once, ==, 2);
}

static void test_rate_change(void)
{
	struct pacer p;
	int at_once;
	int64_t end;

	rtc_pacer_init(&p, 1000000, 0);
	rtc_pacer_sent(&p, 0, 12000); /* owes 96 ms at 1 Mbit/s */
	rtc_pacer_set_rate(&p, 2000000);
	end = drain(&p, 0, 1, 1200, &at_once);
	g_assert_cmpint(end, >=, 38400); /* (12000 − 2400) bytes at 2 Mbit/s */
	g_assert_cmpint(end, <=, 38500);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pacer/keyframe-spread", test_keyframe_spread);
	g_test_add_func("/pacer/idle", test_idle_goes_at_once);
	g_test_add_func("/pacer/rate-change", test_rate_change);
	return g_test_run();
}
