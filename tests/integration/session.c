/* wayrtc-session for unit tests: it writes "WAYLAND_DISPLAY=NAME" to --ready-fd once the
 * socket listens, so the test waits for that line instead of polling for the socket. */
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "session.h"

#define READY_FD         3
#define READY_TIMEOUT_MS 10000
#define READY_LINE_MAX   256

static char *read_ready_line(int fd)
{
	char buf[READY_LINE_MAX];
	size_t len = 0;

	while (len < sizeof(buf) - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, READY_TIMEOUT_MS) <= 0)
			break;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	return g_strdup(buf);
}

/* A test that fails must not leave a desktop running. */
static void die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

void test_session_start(struct test_session *s, int width, int height, GSubprocessFlags flags,
                        const char *const *client)
{
	const char *exe = g_getenv("WAYRTC_SESSION");
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *line = NULL;
	int fds[2];

	g_assert_nonnull(exe);
	s->runtime_dir = g_dir_make_tmp("wayrtc-test-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(s->runtime_dir, 0700), ==, 0);
	g_assert_cmpint(pipe(fds), ==, 0);

	g_ptr_array_add(argv, g_strdup(exe));
	g_ptr_array_add(argv, g_strdup_printf("--size=%dx%d", width, height));
	g_ptr_array_add(argv, g_strdup_printf("--ready-fd=%d", READY_FD));
	if (client) {
		g_ptr_array_add(argv, g_strdup("--"));
		for (size_t i = 0; client[i]; i++)
			g_ptr_array_add(argv, g_strdup(client[i]));
	}
	g_ptr_array_add(argv, NULL);

	if (!g_test_verbose())
		flags |= G_SUBPROCESS_FLAGS_STDERR_SILENCE;
	launcher = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_setenv(launcher, "XDG_RUNTIME_DIR", s->runtime_dir, TRUE);
	g_subprocess_launcher_unsetenv(launcher, "WAYLAND_DISPLAY");
	g_subprocess_launcher_unsetenv(launcher, "DISPLAY");
	/* the session starts its client with this keymap on its own default keyboard */
	g_subprocess_launcher_setenv(launcher, "XKB_DEFAULT_LAYOUT", "us", TRUE);
	g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
	g_subprocess_launcher_take_fd(launcher, fds[1], READY_FD);
	s->proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_clear_object(&launcher); /* closes our copy of the write end */
	line = read_ready_line(fds[0]);
	close(fds[0]);
	g_assert_true(g_str_has_prefix(line, "WAYLAND_DISPLAY="));
	g_strchomp(line);
	s->display = g_build_filename(s->runtime_dir, line + strlen("WAYLAND_DISPLAY="), NULL);
}

void test_session_stop(struct test_session *s)
{
	g_autoptr(GError) error = NULL;

	if (!s->proc)
		return;
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_subprocess_wait(s->proc, NULL, &error);
	g_clear_object(&s->proc);
	g_clear_pointer(&s->display, g_free);
	if (s->runtime_dir) {
		g_autoptr(GFile) dir = g_file_new_for_path(s->runtime_dir);
		g_autoptr(GFileEnumerator) e =
		        g_file_enumerate_children(dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
		                                  G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
		GFileInfo *info;

		while (e && (info = g_file_enumerator_next_file(e, NULL, NULL))) {
			g_autofree char *p =
			        g_build_filename(s->runtime_dir, g_file_info_get_name(info), NULL);

			g_unlink(p);
			g_object_unref(info);
		}
		g_rmdir(s->runtime_dir);
	}
	g_clear_pointer(&s->runtime_dir, g_free);
}
