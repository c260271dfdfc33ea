/* Starts wayrtc-session and learns its socket name through a readiness pipe, the way s6
 * does it: no polling for sockets, no guessing of names. */
#define LOG_MODULE "virtual"
#include "virtual.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"

#define READY_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS  3000
#define READY_FD         3

struct virtual_session {
	GPid pid;
	guint watch;
	char *display;
	virtual_exit_fn on_exit;
	void *data;
};

static char *find_session_binary(void)
{
	const char *env = g_getenv("WAYRTC_SESSION");
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
	char *path;

	if (env && *env)
		return g_strdup(env);
	if (dir) {
		/* installed side by side, or the build tree (src/ and src/session/) */
		path = g_build_filename(dir, "wayrtc-session", NULL);
		if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
			return path;
		g_free(path);
		path = g_build_filename(dir, "session", "wayrtc-session", NULL);
		if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
			return path;
		g_free(path);
	}
	return g_find_program_in_path("wayrtc-session");
}

/* A compositor needs XDG_RUNTIME_DIR; a container or a root shell often has none. */
static bool ensure_runtime_dir(GError **error)
{
	const char *dir = g_getenv("XDG_RUNTIME_DIR");
	g_autofree char *made = NULL;

	if (dir && *dir)
		return true;
	made = g_dir_make_tmp("wayrtc-runtime-XXXXXX", error);
	if (!made)
		return false;
	chmod(made, 0700);
	g_setenv("XDG_RUNTIME_DIR", made, TRUE);
	log_info("XDG_RUNTIME_DIR was not set; using %s", made);
	return true;
}

/* In the child, before exec: if wayrtc dies, even by SIGKILL, the desktop goes too. */
static void die_with_parent(void *data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void session_exited(GPid pid, int status, void *data)
{
	struct virtual_session *session = data;
	g_autofree char *reason = NULL;

	session->watch = 0;
	session->pid = 0;
	g_spawn_close_pid(pid);
	if (WIFSIGNALED(status))
		reason = g_strdup_printf("the virtual desktop was killed by signal %d",
		                         WTERMSIG(status));
	else
		reason = g_strdup_printf("the virtual desktop exited with status %d",
		                         WEXITSTATUS(status));
	if (session->on_exit)
		session->on_exit(session->data, reason);
}

/* Reads "WAYLAND_DISPLAY=name\n" from the readiness pipe, or fails on EOF or timeout. */
static char *read_ready_line(int fd, GError **error)
{
	char buf[256];
	size_t len = 0;
	int64_t deadline = g_get_monotonic_time() + READY_TIMEOUT_MS * 1000LL;

	while (len < sizeof(buf) - 1) {
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) == 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
			            "the virtual desktop did not start within %d s",
			            READY_TIMEOUT_MS / 1000);
			return NULL;
		}
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	if (!g_str_has_prefix(buf, "WAYLAND_DISPLAY=") || !strchr(buf, '\n')) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the virtual desktop failed to start (see its messages above)");
		return NULL;
	}
	*strchr(buf, '\n') = '\0';
	return g_strdup(buf + strlen("WAYLAND_DISPLAY="));
}

struct virtual_session *virtual_session_start(unsigned width, unsigned height,
                                              const char *const *command, virtual_exit_fn on_exit,
                                              void *data, GError **error)
{
	g_autofree char *binary = find_session_binary();
	g_autofree char *size = g_strdup_printf("--size=%ux%u", width, height);
	g_autofree char *ready = g_strdup_printf("--ready-fd=%d", READY_FD);
	g_autofree char *terminal = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	struct virtual_session *session;
	int pipefd[2];
	int target = READY_FD;
	GPid pid;
	bool ok;

	if (!binary) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "wayrtc-session is not installed next to wayrtc nor on PATH");
		return NULL;
	}
	if (!ensure_runtime_dir(error))
		return NULL;
	if (!command || !command[0]) {
		terminal = g_find_program_in_path("foot");
		if (!terminal)
			log_warn("no command given and no terminal (foot) installed: "
			         "the virtual desktop starts empty");
	}
	g_ptr_array_add(argv, binary);
	g_ptr_array_add(argv, size);
	g_ptr_array_add(argv, ready);
	if (terminal || (command && command[0]))
		g_ptr_array_add(argv, "--");
	if (terminal)
		g_ptr_array_add(argv, terminal);
	for (size_t i = 0; command && command[i]; i++)
		g_ptr_array_add(argv, (char *)command[i]);
	g_ptr_array_add(argv, NULL);

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "pipe: %s",
		            g_strerror(errno));
		return NULL;
	}
	/* stdout is ours alone (the URL line): the desktop's output goes to stderr */
	ok = g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv->pdata, NULL,
	                                      G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL, -1,
	                                      STDERR_FILENO, -1, &pipefd[1], &target, 1, &pid, NULL,
	                                      NULL, NULL, error);
	close(pipefd[1]);
	if (!ok) {
		close(pipefd[0]);
		return NULL;
	}
	session = g_new0(struct virtual_session, 1);
	session->pid = pid;
	session->display = read_ready_line(pipefd[0], error);
	close(pipefd[0]);
	if (!session->display) {
		virtual_session_stop(session);
		return NULL;
	}
	session->on_exit = on_exit;
	session->data = data;
	session->watch = g_child_watch_add(pid, session_exited, session);
	log_info("virtual desktop %ux%u on %s%s%s", width, height, session->display,
	         terminal ? " running " : "", terminal ? terminal : "");
	return session;
}

const char *virtual_session_display(struct virtual_session *session)
{
	return session->display;
}

void virtual_session_stop(struct virtual_session *session)
{
	int status;

	if (!session)
		return;
	if (session->watch)
		g_source_remove(session->watch);
	if (session->pid > 0) {
		kill(session->pid, SIGTERM);
		for (int i = 0; i < STOP_TIMEOUT_MS / 10; i++) {
			if (waitpid(session->pid, &status, WNOHANG) != 0)
				goto reaped;
			g_usleep(10000);
		}
		log_warn("the virtual desktop ignored SIGTERM; killing it");
		kill(session->pid, SIGKILL);
		waitpid(session->pid, &status, 0);
	reaped:
		g_spawn_close_pid(session->pid);
	}
	g_free(session->display);
	g_free(session);
}
