/* The virtual desktop's sound server, its pure parts: dbus-daemon's address line, and
 * whether a PipeWire answers (a missing socket, and one nobody listens on, do not). */
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "share/sound_server.h"

static void test_address(void)
{
	char *a;

	a = sound_server_parse_address("unix:path=/run/x/bus,guid=1234\n");
	g_assert_cmpstr(a, ==, "unix:path=/run/x/bus,guid=1234");
	g_free(a);
	a = sound_server_parse_address("  unix:abstract=/tmp/y \nsecond line\n");
	g_assert_cmpstr(a, ==, "unix:abstract=/tmp/y");
	g_free(a);
	g_assert_null(sound_server_parse_address(""));
	g_assert_null(sound_server_parse_address("\n"));
	g_assert_null(sound_server_parse_address("no address here\n"));
	g_assert_null(sound_server_parse_address(NULL));
}

static void test_answers(void)
{
	g_autofree char *dir = g_dir_make_tmp("wayrtc-test-sound-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "pipewire-0", NULL);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	g_unsetenv("PIPEWIRE_REMOTE");
	g_setenv("PIPEWIRE_RUNTIME_DIR", dir, TRUE);
	g_assert_false(sound_server_pipewire_answers()); /* no socket */

	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_false(sound_server_pipewire_answers()); /* there, but nobody listens */
	g_assert_cmpint(listen(fd, 1), ==, 0);
	g_assert_true(sound_server_pipewire_answers());

	g_unsetenv("PIPEWIRE_RUNTIME_DIR");
	g_setenv("XDG_RUNTIME_DIR", dir, TRUE);
	g_assert_true(sound_server_pipewire_answers()); /* XDG_RUNTIME_DIR is the fallback */
	g_setenv("PIPEWIRE_REMOTE", "pipewire-1", TRUE);
	g_assert_false(sound_server_pipewire_answers());
	g_setenv("PIPEWIRE_REMOTE", path, TRUE);
	g_assert_true(sound_server_pipewire_answers()); /* an absolute path */

	close(fd);
	g_unlink(path);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sound-server/address", test_address);
	g_test_add_func("/sound-server/answers", test_answers);
	return g_test_run();
}
