/* The portal client's pure parts: the Request path it subscribes to before each call, the
 * Start response it reads, and the words for a refusal. The whole client runs against the
 * real frontend in tests/portal/client. */
#include <gio/gio.h>
#include <string.h>

#include "xdp/session.h"

static void test_request_path(void)
{
	g_autofree char *a = xdp_request_path(":1.42", "wayrtc7_1");
	g_autofree char *b = xdp_request_path(":1.2.3", "t");

	/* the sender's unique name without the colon, dots made underscores */
	g_assert_cmpstr(a, ==, "/org/freedesktop/portal/desktop/request/1_42/wayrtc7_1");
	g_assert_cmpstr(b, ==, "/org/freedesktop/portal/desktop/request/1_2_3/t");
	g_assert_true(g_variant_is_object_path(a));
}

static GVariant *results(const char *text)
{
	g_autoptr(GError) error = NULL;
	GVariant *v = g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

	g_assert_no_error(error);
	return v;
}

static void test_streams(void)
{
	g_autoptr(GVariant) one = results("{'streams': <[(uint32 36, {'position': <(0, 0)>, "
	                                  "'size': <(1280, 720)>, 'source_type': <uint32 1>})]>, "
	                                  "'devices': <uint32 3>}");
	g_autoptr(GVariant) two = results("{'streams': <[(uint32 40, {'size': <(640, 480)>}), "
	                                  "(uint32 41, {'size': <(800, 600)>})]>}");
	g_autoptr(GVariant) nosize = results("{'streams': <[(uint32 7, @a{sv} {})]>}");
	g_autoptr(GVariant) badsize = results("{'streams': <[(uint32 7, {'size': <(-5, 10)>})]>}");
	g_autoptr(GVariant) none = results("{'streams': <@a(ua{sv}) []>}");
	g_autoptr(GVariant) absent = results("{'devices': <uint32 3>}");
	g_autoptr(GVariant) mistyped = results("{'streams': <'36'>}");
	struct xdp_stream s;
	g_autoptr(GError) error = NULL;

	g_assert_true(xdp_parse_streams(one, &s, NULL));
	g_assert_cmpuint(s.node_id, ==, 36);
	g_assert_cmpint(s.width, ==, 1280);
	g_assert_cmpint(s.height, ==, 720);
	/* several monitors: the first is shared */
	g_assert_true(xdp_parse_streams(two, &s, NULL));
	g_assert_cmpuint(s.node_id, ==, 40);
	g_assert_cmpint(s.width, ==, 640);
	/* a size the portal did not give, or gave nonsense for, is unknown (0), not trusted */
	g_assert_true(xdp_parse_streams(nosize, &s, NULL));
	g_assert_cmpint(s.width, ==, 0);
	g_assert_true(xdp_parse_streams(badsize, &s, NULL));
	g_assert_cmpint(s.width, ==, 0);
	g_assert_cmpint(s.height, ==, 0);
	g_assert_false(xdp_parse_streams(none, &s, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(xdp_parse_streams(absent, &s, &error));
	g_clear_error(&error);
	g_assert_false(xdp_parse_streams(mistyped, &s, &error));
}

static void test_reasons(void)
{
	g_assert_nonnull(strstr(xdp_response_reason(1), "not allowed"));
	g_assert_nonnull(strstr(xdp_response_reason(2), "could not"));
	g_assert_cmpstr(xdp_response_reason(3), ==, xdp_response_reason(2));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/portal/request-path", test_request_path);
	g_test_add_func("/portal/streams", test_streams);
	g_test_add_func("/portal/reasons", test_reasons);
	return g_test_run();
}
