/* Signaling messages: what parses, what is refused (with a reason), what we build. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
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

static void test_limits(void)
{
	struct signal_msg msg;
	g_autofree char *sdp_max = g_strnfill(64 * 1024, 'a');
	g_autofree char *sdp_over = g_strnfill(64 * 1024 + 1, 'a');
	g_autofree char *cand_max = g_strnfill(1024, 'c');
	g_autofree char *cand_over = g_strnfill(1025, 'c');
	g_autofree char *j = NULL;
	g_autofree char *deep = NULL;
	g_autoptr(GString) nested = g_string_new("{\"type\":\"ping\",\"x\":");

	/* exactly at each limit passes, one byte more does not */
	j = g_strdup_printf("{\"type\":\"answer\",\"sdp\":\"%s\"}", sdp_max);
	g_assert_true(signal_parse(j, strlen(j), &msg, NULL));
	g_assert_cmpuint(strlen(msg.sdp), ==, 64 * 1024);
	signal_msg_clear(&msg);
	g_free(j);
	j = g_strdup_printf("{\"type\":\"answer\",\"sdp\":\"%s\"}", sdp_over);
	refused(j, "too long");
	g_free(j);
	j = g_strdup_printf("{\"type\":\"candidate\",\"candidate\":\"%s\"}", cand_max);
	g_assert_true(signal_parse(j, strlen(j), &msg, NULL));
	g_assert_cmpuint(strlen(msg.candidate), ==, 1024);
	signal_msg_clear(&msg);
	g_free(j);
	j = g_strdup_printf("{\"type\":\"candidate\",\"candidate\":\"%s\"}", cand_over);
	refused(j, "too long");

	/* nesting is refused before the parser recurses into it */
	for (int i = 0; i < 10000; i++)
		g_string_append_c(nested, '[');
	refused(nested->str, "nested too deeply");
	/* but brackets inside strings are only text */
	deep = g_strdup_printf("{\"type\":\"answer\",\"sdp\":\"%s\\\"[[[[[[[[[[[[\"}", "v=0");
	g_assert_true(signal_parse(deep, strlen(deep), &msg, NULL));
	g_assert_cmpstr(msg.sdp, ==, "v=0\"[[[[[[[[[[[[");
	signal_msg_clear(&msg);

	/* the length given is what is read: no terminator needed, none trusted */
	g_assert_true(signal_parse("{\"type\":\"ping\"}garbage", 15, &msg, NULL));
	g_assert_false(signal_parse("{\"type\":\"ping\"}", 14, &msg, NULL));
	g_assert_false(signal_parse("{\"type\":\"ping\"}\0", 16, &msg, NULL));
	g_assert_false(signal_parse("", 0, &msg, NULL));
}

static void test_types(void)
{
	struct signal_msg msg;
	const char *browser = "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMid\":null,"
	                      "\"sdpMLineIndex\":0,\"usernameFragment\":\"u\"}";

	refused("\"answer\"", "not a JSON object");
	refused("null", "not a JSON object");
	refused("{\"type\":null}", "no \"type\"");
	refused("{\"type\":[\"answer\"]}", "no \"type\"");
	refused("{\"type\":\"Answer\",\"sdp\":\"v=0\"}", "unknown message type");
	refused("{\"type\":\"offer\",\"sdp\":\"v=0\"}", "unknown message type");
	refused("{\"type\":\"answer\",\"sdp\":null}", "no \"sdp\"");
	refused("{\"type\":\"answer\",\"sdp\":{}}", "no \"sdp\"");
	refused("{\"type\":\"candidate\"}", "no \"candidate\"");
	refused("{\"type\":\"candidate\",\"candidate\":5}", "no \"candidate\"");
	refused("{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMid\":0}", "sdpMid");
	/* what browsers add (sdpMLineIndex, usernameFragment) is allowed */
	g_assert_true(signal_parse(browser, strlen(browser), &msg, NULL));
	g_assert_cmpstr(msg.candidate, ==, "c");
	signal_msg_clear(&msg);
	g_assert_true(signal_parse("{\"type\":\"keyframe\"}", 19, &msg, NULL));
	g_assert_cmpuint(strlen("{\"type\":\"keyframe\"}"), ==, 19);
	g_assert_cmpint(msg.type, ==, SIGNAL_KEYFRAME);
	g_assert_null(msg.sdp);
	g_assert_null(msg.candidate);
}

/* The page's size: integers within bounds, a ratio that is a finite number in range. */
static void test_size(void)
{
	struct signal_msg msg;
	const char *phone = "{\"type\":\"size\",\"width\":390,\"height\":844,\"pixelRatio\":3}";
	const char *laptop = "{\"type\":\"size\",\"width\":1440,\"height\":900,"
	                     "\"pixelRatio\":1.25}";
	const char *plain = "{\"type\":\"size\",\"width\":16384,\"height\":1}";
	g_autofree char *hello = signal_build_hello(AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, 1280, 720,
	                                            "h264", NULL, true);

	g_assert_true(signal_parse(phone, strlen(phone), &msg, NULL));
	g_assert_cmpint(msg.type, ==, SIGNAL_SIZE);
	g_assert_cmpuint(msg.width, ==, 390);
	g_assert_cmpuint(msg.height, ==, 844);
	g_assert_cmpfloat(msg.pixel_ratio, ==, 3.0);
	g_assert_true(signal_parse(laptop, strlen(laptop), &msg, NULL));
	g_assert_cmpfloat(msg.pixel_ratio, ==, 1.25);
	g_assert_true(signal_parse(plain, strlen(plain), &msg, NULL));
	g_assert_cmpuint(msg.width, ==, 16384);
	g_assert_cmpfloat(msg.pixel_ratio, ==, 1.0);

	refused("{\"type\":\"size\"}", "width");
	refused("{\"type\":\"size\",\"width\":0,\"height\":10}", "width");
	refused("{\"type\":\"size\",\"width\":16385,\"height\":10}", "width");
	refused("{\"type\":\"size\",\"width\":-5,\"height\":10}", "width");
	refused("{\"type\":\"size\",\"width\":10.5,\"height\":10}", "width");
	refused("{\"type\":\"size\",\"width\":\"10\",\"height\":10}", "width");
	refused("{\"type\":\"size\",\"width\":10,\"height\":null}", "width");
	refused("{\"type\":\"size\",\"width\":10,\"height\":10,\"pixelRatio\":0.1}", "pixelRatio");
	refused("{\"type\":\"size\",\"width\":10,\"height\":10,\"pixelRatio\":9}", "pixelRatio");
	refused("{\"type\":\"size\",\"width\":10,\"height\":10,\"pixelRatio\":\"2\"}",
	        "pixelRatio");
	refused("{\"type\":\"size\",\"width\":10,\"height\":10,\"pixelRatio\":null}", "pixelRatio");
	refused("{\"type\":\"size\",\"width\":10,\"height\":10,\"pixelRatio\":1e999}",
	        "pixelRatio");

	g_assert_cmpstr(hello, ==,
	                "{\"type\":\"hello\",\"scope\":[\"view\",\"control\"],\"width\":1280,"
	                "\"height\":720,\"codec\":\"h264\",\"resize\":true}");
}

/* What we build, read back as JSON: fields, types and escapes survive. */
static JsonObject *parse_object(const char *text, JsonParser *parser)
{
	g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
	return json_node_get_object(json_parser_get_root(parser));
}

static void test_round_trip(void)
{
	const char *cand = "candidate:842163049 1 udp 1677729535 192.0.2.3 46154 typ srflx "
	                   "raddr 10.0.0.2 rport 46154 generation 0";
	g_autofree char *c = signal_build_candidate(cand);
	g_autofree char *end = signal_build_candidate(NULL);
	g_autofree char *err = signal_build_error("bad-message", "message is not JSON: \"\u00e9\n");
	g_autofree char *offer = signal_build_offer("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n");
	g_autofree char *hello =
	        signal_build_hello(AUTH_SCOPE_CONTROL, 1920, 1080, "vp8", NULL, false);
	g_autoptr(JsonParser) p1 = json_parser_new();
	g_autoptr(JsonParser) p2 = json_parser_new();
	g_autoptr(JsonParser) p3 = json_parser_new();
	g_autoptr(JsonParser) p4 = json_parser_new();
	JsonObject *o;
	JsonArray *scope;
	struct signal_msg msg;

	/* a candidate we build parses as a candidate with the same text; the end too */
	g_assert_true(signal_parse(c, strlen(c), &msg, NULL));
	g_assert_cmpint(msg.type, ==, SIGNAL_CANDIDATE);
	g_assert_cmpstr(msg.candidate, ==, cand);
	signal_msg_clear(&msg);
	g_assert_true(signal_parse(end, strlen(end), &msg, NULL));
	g_assert_cmpstr(msg.candidate, ==, "");
	signal_msg_clear(&msg);

	o = parse_object(err, p1);
	g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "error");
	g_assert_cmpstr(json_object_get_string_member(o, "code"), ==, "bad-message");
	g_assert_cmpstr(json_object_get_string_member(o, "message"), ==,
	                "message is not JSON: \"\u00e9\n");

	o = parse_object(offer, p2);
	g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "offer");
	g_assert_cmpstr(json_object_get_string_member(o, "sdp"), ==,
	                "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n");

	o = parse_object(hello, p3);
	g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "hello");
	scope = json_object_get_array_member(o, "scope");
	g_assert_cmpuint(json_array_get_length(scope), ==, 1);
	g_assert_cmpstr(json_array_get_string_element(scope, 0), ==, "control");
	g_assert_cmpint(json_object_get_int_member(o, "width"), ==, 1920);
	g_assert_cmpint(json_object_get_int_member(o, "height"), ==, 1080);
	g_assert_cmpstr(json_object_get_string_member(o, "codec"), ==, "vp8");

	o = parse_object(c, p4);
	g_assert_cmpstr(json_object_get_string_member(o, "sdpMid"), ==, "0");
}

static void test_build(void)
{
	g_autofree char *hello = signal_build_hello(AUTH_SCOPE_VIEW | AUTH_SCOPE_AUDIO, 640, 480,
	                                            "h264", NULL, false);
	g_autofree char *offer = signal_build_offer("v=0\r\n\"x\"");
	g_autofree char *end = signal_build_candidate(NULL);
	g_autofree char *bye = signal_build_bye("the desktop went away");
	g_autofree char *none = signal_build_no_picture(5, "no picture");
	g_autofree char *picture = signal_build_picture();

	g_assert_cmpstr(hello, ==,
	                "{\"type\":\"hello\",\"scope\":[\"view\",\"audio\"],\"width\":640,"
	                "\"height\":480,\"codec\":\"h264\"}");
	g_assert_cmpstr(offer, ==, "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\\\"x\\\"\"}");
	g_assert_cmpstr(end, ==, "{\"type\":\"candidate\",\"candidate\":null,\"sdpMid\":\"0\"}");
	g_assert_cmpstr(bye, ==, "{\"type\":\"bye\",\"reason\":\"the desktop went away\"}");
	g_assert_cmpstr(none, ==,
	                "{\"type\":\"no-picture\",\"seconds\":5,\"message\":\"no picture\"}");
	g_assert_cmpstr(picture, ==, "{\"type\":\"picture\"}");
}

/* hello carries the browser's TURN server when there is one, as RTCIceServer. */
static void test_hello_ice(void)
{
	char *urls[] = {"turn:198.18.100.1:3478?transport=udp", "turns:t.example:443?transport=tcp",
	                NULL};
	struct signal_ice_server ice = {
	        .urls = urls, .username = "1700000000:viewer-1", .credential = "c/r+ed="};
	g_autofree char *hello = signal_build_hello(AUTH_SCOPE_VIEW, 0, 0, "vp8", &ice, false);

	g_assert_cmpstr(hello, ==,
	                "{\"type\":\"hello\",\"scope\":[\"view\"],\"width\":0,\"height\":0,"
	                "\"codec\":\"vp8\",\"iceServers\":[{\"urls\":[\"turn:198.18.100.1:3478?"
	                "transport=udp\",\"turns:t.example:443?transport=tcp\"],\"username\":"
	                "\"1700000000:viewer-1\",\"credential\":\"c/r+ed=\"}]}");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/signaling/hello-ice", test_hello_ice);
	g_test_add_func("/signaling/parse", test_parse);
	g_test_add_func("/signaling/build", test_build);
	g_test_add_func("/signaling/limits", test_limits);
	g_test_add_func("/signaling/types", test_types);
	g_test_add_func("/signaling/round-trip", test_round_trip);
	g_test_add_func("/signaling/size", test_size);
	return g_test_run();
}
