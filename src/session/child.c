/* Spawns the session's first application and reaps it. A close-on-exec pipe reports an
 * exec failure synchronously, so a mistyped command is an error, not an empty desktop. */
#define LOG_MODULE "session"
#include "util/log.h"

#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_full(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return (int)n;
}

pid_t child_spawn(char *const argv[], const char *wayland_display, GError **error)
{
	g_auto(GStrv) env = g_get_environ();
	int report[2];
	int child_errno = 0;
	pid_t pid;

	env = g_environ_setenv(env, "WAYLAND_DISPLAY", wayland_display, TRUE);
	/* An X11 fallback or an inherited connection would bypass the session. */
	env = g_environ_unsetenv(env, "DISPLAY");
	env = g_environ_unsetenv(env, "WAYLAND_SOCKET");

	if (pipe2(report, O_CLOEXEC) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "pipe: %s",
		            g_strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "fork: %s",
		            g_strerror(errno));
		close(report[0]);
		close(report[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		int err;

		/* The event loop blocks the signals it reads through signalfd; the
		 * application must start with a clean mask and default SIGPIPE. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		/* a group of its own, so ending the session ends a shell's children too */
		setpgid(0, 0);
		close(report[0]);
		execvpe(argv[0], argv, env);
		err = errno;
		if (write(report[1], &err, sizeof(err)) < 0) {
			/* Nothing left to tell anyone. */
		}
		_exit(127);
	}
	close(report[1]);
	if (read_full(report[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		close(report[0]);
		waitpid(pid, NULL, 0);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(child_errno),
		            "cannot run '%s': %s", argv[0], g_strerror(child_errno));
		return -1;
	}
	close(report[0]);
	log_info("started '%s' (pid %d)", argv[0], (int)pid);
	return pid;
}

bool child_reap(pid_t pid)
{
	bool found = false;
	int status;
	pid_t done;

	while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
		if (done != pid)
			continue;
		found = true;
		if (WIFEXITED(status))
			log_info("the command exited with status %d", WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			log_info("the command was killed by signal %d", WTERMSIG(status));
	}
	return found;
}
