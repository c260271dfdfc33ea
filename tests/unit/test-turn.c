/* TURN REST credentials (coturn's use-auth-secret) and the URLs a browser gets. */
#include <glib.h>

#include "rtc/turn.h"

static void test_credentials(void)
{
	g_autofree char *user = NULL, *pass = NULL;

	/* the value Python's hmac/base64 give for the same secret and user name */
	g_assert_true(rtc_turn_credentials("north-wind", 1700000000, "viewer-1", &user, &pass));
	g_assert_cmpstr(user, ==, "1700000000:viewer-1");
	g_assert_cmpstr(pass, ==, "Ui+wSyuIB77VouDPIJRdtu5lcIo=");
}

static void test_refused(void)
{
	char *user = (char *)"x", *pass = (char *)"x";

	g_assert_false(rtc_turn_credentials("", 1700000000, "v", &user, &pass));
	g_assert_null(user);
	g_assert_null(pass);
	g_assert_false(rtc_turn_credentials(NULL, 1700000000, "v", &user, &pass));
	/* a ':' would move where the server reads the expiry */
	g_assert_false(rtc_turn_credentials("s", 1700000000, "a:b", &user, &pass));
	g_assert_false(rtc_turn_credentials("s", 0, "v", &user, &pass));
}

static void test_urls(void)
{
	g_auto(GStrv) urls = rtc_turn_urls("198.18.100.1", 3478, 5349);
	g_auto(GStrv) v6 = rtc_turn_urls("2001:db8::1", 3478, 0);

	g_assert_cmpuint(g_strv_length(urls), ==, 3);
	g_assert_cmpstr(urls[0], ==, "turn:198.18.100.1:3478?transport=udp");
	g_assert_cmpstr(urls[1], ==, "turn:198.18.100.1:3478?transport=tcp");
	g_assert_cmpstr(urls[2], ==, "turns:198.18.100.1:5349?transport=tcp");
	g_assert_cmpuint(g_strv_length(v6), ==, 2);
	g_assert_cmpstr(v6[0], ==, "turn:[2001:db8::1]:3478?transport=udp");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/turn/credentials", test_credentials);
	g_test_add_func("/turn/refused", test_refused);
	g_test_add_func("/turn/urls", test_urls);
	return g_test_run();
}
