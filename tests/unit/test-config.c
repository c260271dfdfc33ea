/* The settings parsers: what --listen, --size, --ttl, --no-audio and config.ini accept and
 * refuse. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "share/config.h"

static void test_hostport(void)
{
	char *host = NULL;
	unsigned port = 0;

	g_assert_true(config_parse_hostport("127.0.0.1:9000", 8443, &host, &port));
	g_assert_cmpstr(host, ==, "127.0.0.1");
	g_assert_cmpuint(port, ==, 9000);
	g_assert_true(config_parse_hostport("[::1]:0", 8443, &host, &port));
	g_assert_cmpstr(host, ==, "::1");
	g_assert_cmpuint(port, ==, 0);
	g_assert_true(config_parse_hostport(":8080", 8443, &host, &port));
	g_assert_null(host);
	g_assert_cmpuint(port, ==, 8080);
	g_assert_true(config_parse_hostport("9443", 8443, &host, &port));
	g_assert_null(host);
	g_assert_cmpuint(port, ==, 9443);
	g_assert_true(config_parse_hostport("example.org", 8443, &host, &port));
	g_assert_cmpstr(host, ==, "example.org");
	g_assert_cmpuint(port, ==, 8443);

	g_assert_false(config_parse_hostport("host:70000", 8443, &host, &port));
	g_assert_false(config_parse_hostport("::1:80", 8443, &host, &port));
	g_assert_false(config_parse_hostport("[::1", 8443, &host, &port));
	g_assert_false(config_parse_hostport("host:", 8443, &host, &port));
	g_assert_false(config_parse_hostport("ho st:80", 8443, &host, &port));
	g_assert_false(config_parse_hostport("h/x:80", 8443, &host, &port));
	g_free(host);
}

static void test_size(void)
{
	unsigned w = 0, h = 0;

	g_assert_true(config_parse_size("1920x1080", &w, &h));
	g_assert_cmpuint(w, ==, 1920);
	g_assert_cmpuint(h, ==, 1080);
	g_assert_false(config_parse_size("1920", &w, &h));
	g_assert_false(config_parse_size("0x100", &w, &h));
	g_assert_false(config_parse_size("100x100x1", &w, &h));
	g_assert_false(config_parse_size("99999x100", &w, &h));
	g_assert_false(config_parse_size("-5x100", &w, &h));
	g_assert_false(config_parse_size("x", &w, &h));
}

static void test_duration(void)
{
	int64_t s = 0;

	g_assert_true(config_parse_duration("90", &s));
	g_assert_cmpint(s, ==, 90);
	g_assert_true(config_parse_duration("15m", &s));
	g_assert_cmpint(s, ==, 900);
	g_assert_true(config_parse_duration("12h", &s));
	g_assert_cmpint(s, ==, 43200);
	g_assert_true(config_parse_duration("7d", &s));
	g_assert_cmpint(s, ==, 604800);
	g_assert_false(config_parse_duration("0", &s));
	g_assert_false(config_parse_duration("366d", &s));
	g_assert_false(config_parse_duration("5w", &s));
	g_assert_false(config_parse_duration("5hh", &s));
	g_assert_false(config_parse_duration("", &s));
	g_assert_false(config_parse_duration("-1", &s));
}

/* A duration too long is called that, not "not a duration" (it is one). */
static void test_ttl_words(void)
{
	struct config config;
	GError *error = NULL;

	config_init(&config);
	g_assert_false(config_set(&config, "ttl", "100000h", &error));
	g_assert_nonnull(strstr(error->message, "365 days"));
	g_assert_null(strstr(error->message, "a duration such as"));
	g_clear_error(&error);
	g_assert_false(config_set(&config, "ttl", "3w", &error));
	g_assert_nonnull(strstr(error->message, "a duration such as"));
	g_clear_error(&error);
	g_assert_true(config_set(&config, "ttl", "365d", &error));
	g_assert_cmpint(config.ttl_s, ==, 365 * 86400);
	config_clear(&config);
}

static void test_set_and_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("wayrtc-config-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "config.ini", NULL);
	struct config config;

	config_init(&config);
	g_assert_cmpuint(config.listen_port, ==, CONFIG_DEFAULT_PORT);
	g_assert_true(config_set(&config, "source", "virtual", &error));
	g_assert_cmpint(config.source, ==, SOURCE_VIRTUAL);
	g_assert_false(config_set(&config, "source", "x11", &error));
	g_assert_nonnull(strstr(error->message, "source"));
	g_clear_error(&error);
	/* the virtual desktop follows the window unless a size is given; auto again undoes it */
	g_assert_true(config.size_auto);
	g_assert_true(config_set(&config, "size", "800x600", &error));
	g_assert_false(config.size_auto);
	g_assert_cmpuint(config.width, ==, 800);
	g_assert_true(config_set(&config, "size", "auto", &error));
	g_assert_true(config.size_auto);
	g_assert_cmpuint(config.width, ==, CONFIG_DEFAULT_WIDTH);
	g_assert_false(config_set(&config, "size", "Auto", &error));
	g_assert_nonnull(strstr(error->message, "auto, or WIDTHxHEIGHT"));
	g_clear_error(&error);
	g_assert_false(config_set(&config, "colour", "blue", &error));
	g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION);
	g_clear_error(&error);

	/* a missing file is fine */
	g_assert_true(config_load_file(&config, path, &error));
	g_assert_no_error(error);

	g_assert_true(g_file_set_contents(
	        path, "[wayrtc]\nlisten=127.0.0.1:9999\nview-only=true\ncodec=vp8\n", -1, NULL));
	g_assert_true(config_load_file(&config, path, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(config.listen_host, ==, "127.0.0.1");
	g_assert_cmpuint(config.listen_port, ==, 9999);
	g_assert_true(config.view_only);
	g_assert_cmpint(config.codec, ==, RTC_CODEC_VP8);

	/* sound: on unless --no-audio or audio=false */
	g_assert_true(config.audio);
	g_assert_true(config_set(&config, "no-audio", "true", &error));
	g_assert_false(config.audio);
	g_assert_true(config_set(&config, "audio", "yes", &error));
	g_assert_true(config.audio);
	g_assert_false(config_set(&config, "audio", "loud", &error));
	g_assert_nonnull(strstr(error->message, "audio"));
	g_assert_true(config.audio);
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(path, "[wayrtc]\naudio=false\n", -1, NULL));
	g_assert_true(config_load_file(&config, path, &error));
	g_assert_no_error(error);
	g_assert_false(config.audio);
	/* the command line comes after the file and wins */
	g_assert_true(config_set(&config, "audio", "true", &error));
	g_assert_true(config.audio);

	g_assert_true(g_file_set_contents(path, "[wayrtc]\nmax-fps=1000\n", -1, NULL));
	g_assert_false(config_load_file(&config, path, &error));
	g_assert_nonnull(strstr(error->message, "max-fps"));
	g_clear_error(&error);
	config_clear(&config);
	g_unlink(path);
	g_rmdir(dir);
}

/* The TURN secret: from config.ini's turn-secret= or a file only its owner may read. */
static void test_turn_secret(void)
{
	g_autofree char *dir = g_dir_make_tmp("wayrtc-config-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "turn-secret", NULL);
	g_autoptr(GError) error = NULL;
	struct config config;

	config_init(&config);
	g_assert_null(config.turn_secret);
	g_assert_cmpuint(config.turn_tls_port, ==, 5349);
	g_assert_true(config_set(&config, "turn-secret", "from-ini", &error));
	g_assert_cmpstr(config.turn_secret, ==, "from-ini");
	g_assert_false(config_set(&config, "turn-secret", "", &error));
	g_clear_error(&error);

	g_assert_true(g_file_set_contents(path, "s3cret\nignored\n", -1, NULL));
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	g_assert_false(config_set(&config, "turn-secret-file", path, &error));
	g_assert_nonnull(strstr(error->message, "chmod 600"));
	g_assert_nonnull(strstr(error->message, "turn-secret-file"));
	g_clear_error(&error);
	g_assert_cmpstr(config.turn_secret, ==, "from-ini");
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	g_assert_true(config_set(&config, "turn-secret-file", path, &error));
	g_assert_cmpstr(config.turn_secret, ==, "s3cret");
	g_assert_cmpint(g_chmod(path, 0640), ==, 0);
	g_assert_false(config_set(&config, "turn-secret-file", path, &error));
	g_clear_error(&error);
	g_assert_false(config_set(&config, "turn-secret-file", "/nonexistent/x", &error));
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(path, "\n", -1, NULL));
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	g_assert_false(config_set(&config, "turn-secret-file", path, &error));
	g_clear_error(&error);

	g_assert_true(config_set(&config, "turn-tls-port", "443", &error));
	g_assert_cmpuint(config.turn_tls_port, ==, 443);
	g_assert_true(config_set(&config, "turn-tls-port", "0", &error));
	g_assert_false(config_set(&config, "turn-tls-port", "70000", &error));
	g_clear_error(&error);
	config_clear(&config);
	g_unlink(path);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/turn-secret", test_turn_secret);
	g_test_add_func("/config/hostport", test_hostport);
	g_test_add_func("/config/size", test_size);
	g_test_add_func("/config/duration", test_duration);
	g_test_add_func("/config/ttl-words", test_ttl_words);
	g_test_add_func("/config/set-and-file", test_set_and_file);
	return g_test_run();
}
