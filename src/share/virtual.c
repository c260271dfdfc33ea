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

#include "session/session.h"
#include "util/io.h"
#include "util/log.h"

#define READY_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS  3000
#define READY_FD         3

struct virtual_session {
	GPid pid;
	guint watch;
	char *display;
	char *program; /* the command's name, for the words when it ends */
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
	bool done = false;

	session->watch = 0;
	session->pid = 0;
	g_spawn_close_pid(pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == SESSION_EXIT_COMMAND_DONE) {
		reason = g_strdup_printf("the program “%s” on the virtual desktop has ended",
		                         session->program);
		done = true;
	} else if (WIFSIGNALED(status)) {
		reason = g_strdup_printf("the virtual desktop was killed by signal %d",
		                         WTERMSIG(status));
	} else {
		reason = g_strdup_printf("the virtual desktop exited with status %d",
		                         WEXITSTATUS(status));
	}
	if (session->on_exit)
		session->on_exit(session->data, done, reason);
}

bool virtual_session_wait(struct virtual_session *session, int timeout_ms)
{
	int status;

	for (int waited = 0; session->pid > 0 && waited <= timeout_ms; waited += 10) {
		if (waitpid(session->pid, &status, WNOHANG) == session->pid) {
			/* as the child watch would have, which now never fires */
			g_source_remove(session->watch);
			session_exited(session->pid, status, session);
			return true;
		}
		g_usleep(10 * 1000);
	}
	return false;
}

/* Reads "WAYLAND_DISPLAY=name\n" from the readiness pipe, or fails on EOF or timeout. */
static char *read_ready_line(int fd, GError **error)
{
	char buf[256];
	ssize_t len = io_read_line(fd, buf, sizeof(buf), READY_TIMEOUT_MS);

	if (len < 0 && errno == ETIMEDOUT) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
		            "the virtual desktop did not start within %d s",
		            READY_TIMEOUT_MS / 1000);
		return NULL;
	}
	if (len < 0 || !g_str_has_prefix(buf, "WAYLAND_DISPLAY=")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the virtual desktop failed to start (see its messages above)");
		return NULL;
	}
	return g_strdup(buf + strlen("WAYLAND_DISPLAY="));
}

struct virtual_session *virtual_session_start(unsigned width, unsigned height,
                                              const char *const *command, bool restart,
                                              virtual_exit_fn on_exit, void *data, GError **error)
{
	g_autofree char *binary = find_session_binary();
	g_autofree char *size = g_strdup_printf("--size=%ux%u", width, height);
	g_autofree char *ready = g_strdup_printf("--ready-fd=%d", READY_FD);
	g_autofree char *terminal = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	struct virtual_session *session;
	int pipefd[2];
	int source_fds[2] = {-1, STDERR_FILENO};
	const int target_fds[2] = {READY_FD, STDOUT_FILENO};
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
	g_ptr_array_add(argv, restart ? "--when-done=restart" : "--when-done=exit");
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
	/* stdout is ours alone (the URL line): the desktop's output goes to stderr. It is
	 * mapped like the readiness pipe; GLib 2.74 given stdout_fd=2 closes the child's
	 * stderr, and the session's messages were lost. */
	source_fds[0] = pipefd[1];
	ok = g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv->pdata, NULL,
	                                      G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL, -1,
	                                      -1, -1, source_fds, target_fds, 2, &pid, NULL, NULL,
	                                      NULL, error);
	close(pipefd[1]);
	if (!ok) {
		close(pipefd[0]);
		return NULL;
	}
	session = g_new0(struct virtual_session, 1);
	session->pid = pid;
	session->program = g_path_get_basename(terminal                ? terminal
	                                       : command && command[0] ? command[0]
	                                                               : "");
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
	g_free(session->program);
	g_free(session);
}
