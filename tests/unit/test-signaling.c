/* Signaling messages: what parses, what is refused (with a reason), what we build. */
#include <gio/gio.h>
#include <string.h>

#include "server/auth.h"
#include "server/signaling.h"

static void refused(const char *json, const char *why)
{
	struct signal_msg msg;
	g_autoptr(GError) error = NULL;

	g_assert_false(signal_parse(json, strlen(json), &msg, &error));
	if (!strstr(error->message, why))
		g_error("“%s” refused for “%s”, expected “%s”", json, error->message, why);
}

static void test_parse(void)
{
	struct signal_msg msg;
	const char *answer = "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}";
	const char *cand = "{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 udp 1 h 1 typ "
	                   "host\",\"sdpMid\":\"0\"}";
	const char *end = "{\"type\":\"candidate\",\"candidate\":null}";
	g_autofree char *huge = NULL;
	g_autofree char *big_sdp = g_strnfill(70000, 'a');

	g_assert_true(signal_parse(answer, strlen(answer), &msg, NULL));
	g_assert_cmpint(msg.type, ==, SIGNAL_ANSWER);
	g_assert_cmpstr(msg.sdp, ==, "v=0\r\n");
	signal_msg_clear(&msg);
	g_assert_true(signal_parse(cand, strlen(cand), &msg, NULL));
	g_assert_cmpint(msg.type, ==, SIGNAL_CANDIDATE);
	g_assert_true(g_str_has_prefix(msg.candidate, "candidate:1"));
	signal_msg_clear(&msg);
	g_assert_true(signal_parse(end, strlen(end), &msg, NULL));
	g_assert_cmpstr(msg.candidate, ==, "");
	signal_msg_clear(&msg);
	g_assert_true(signal_parse("{\"type\":\"ping\"}", 15, &msg, NULL));
	g_assert_cmpint(msg.type, ==, SIGNAL_PING);

	refused("[1,2]", "not a JSON object");
	refused("{\"type\":", "not JSON");
	refused("{}", "no \"type\"");
	refused("{\"type\":5}", "no \"type\"");
	refused("{\"type\":\"dance\"}", "unknown message type");
	refused("{\"type\":\"answer\"}", "no \"sdp\"");
	refused("{\"type\":\"answer\",\"sdp\":7}", "no \"sdp\"");
	refused("{\"type\":\"candidate\",\"candidate\":[]}", "no \"candidate\"");
	huge = g_strdup_printf("{\"type\":\"answer\",\"sdp\":\"%s\"}", big_sdp);
	refused(huge, "too long");
}

static void test_build(void)
{
	g_autofree char *hello =
	        signal_build_hello(AUTH_SCOPE_VIEW | AUTH_SCOPE_AUDIO, 640, 480, "h264");
	g_autofree char *offer = signal_build_offer("v=0\r\n\"x\"");
	g_autofree char *end = signal_build_candidate(NULL);
	g_autofree char *bye = signal_build_bye("the desktop went away");

	g_assert_cmpstr(hello, ==,
	                "{\"type\":\"hello\",\"scope\":[\"view\",\"audio\"],\"width\":640,"
	                "\"height\":480,\"codec\":\"h264\"}");
	g_assert_cmpstr(offer, ==, "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\\\"x\\\"\"}");
	g_assert_cmpstr(end, ==, "{\"type\":\"candidate\",\"candidate\":null,\"sdpMid\":\"0\"}");
	g_assert_cmpstr(bye, ==, "{\"type\":\"bye\",\"reason\":\"the desktop went away\"}");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/signaling/parse", test_parse);
	g_test_add_func("/signaling/build", test_build);
	return g_test_run();
}
