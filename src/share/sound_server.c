/* The virtual desktop's own sound server. Every process is a direct child (dbus-daemon
 * too, with --nofork rather than --fork), so each is ended by its pid and reaped here,
 * and PR_SET_PDEATHSIG takes them along should wayrtc die by SIGKILL. */
#define LOG_MODULE "sound"
#include "sound_server.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/io.h"
#include "util/log.h"

#define START_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS  3000
#define POLL_MS          20
#define ADDRESS_FD       3
#define SINK_NAME        "wayrtc-virtual-desktop"
#define MAX_PIDS         3

struct sound_server {
	char *dir;
	char **env; /* for the sound server's own processes: its bus and runtime dir */
	GPid pids[MAX_PIDS];
	const char *names[MAX_PIDS];
	unsigned n_pids;
};

bool sound_server_pipewire_answers(void)
{
	const char *name = g_getenv("PIPEWIRE_REMOTE");
	const char *dir = g_getenv("PIPEWIRE_RUNTIME_DIR");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	g_autofree char *path = NULL;
	bool ok;
	int fd;

	if (!name || !*name)
		name = "pipewire-0";
	if (!dir || !*dir)
		dir = g_getenv("XDG_RUNTIME_DIR");
	if (name[0] != '/' && !dir)
		return false;
	path = name[0] == '/' ? g_strdup(name) : g_build_filename(dir, name, NULL);
	if (strlen(path) >= sizeof(addr.sun_path))
		return false;
	strcpy(addr.sun_path, path);
	/* never blocking: a server whose queue is full (busy, or hung) does run, and must not
	 * hold wayrtc up; a socket left by a PipeWire that died is there but refuses */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 || errno == EAGAIN ||
	     errno == EINPROGRESS;
	close(fd);
	return ok;
}

char *sound_server_parse_address(const char *output)
{
	g_autofree char *line = NULL;
	const char *end;

	if (!output)
		return NULL;
	end = strchr(output, '\n');
	line = end ? g_strndup(output, end - output) : g_strdup(output);
	g_strstrip(line);
	if (!*line || !strchr(line, ':'))
		return NULL;
	return g_steal_pointer(&line);
}

static void die_with_parent(void *data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void stop_pid(GPid pid, const char *name)
{
	int status;

	kill(pid, SIGTERM);
	for (int i = 0; i < STOP_TIMEOUT_MS / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			goto reaped;
		g_usleep(10000);
	}
	log_warn("%s ignored SIGTERM; killing it", name);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
reaped:
	g_spawn_close_pid(pid);
}

/* Their chatter is not wayrtc's: stdout is the URL line's alone, and stderr would fill
 * with a sound server's warnings a person did not ask about. */
static bool spawn(const char *const *argv, char **env, int *ready_fd, GPid *pid, GError **error)
{
	int target = ADDRESS_FD;

	return g_spawn_async_with_pipes_and_fds(
	        NULL, argv, (const char *const *)env,
	        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
	                G_SPAWN_STDERR_TO_DEV_NULL,
	        die_with_parent, NULL, -1, -1, -1, ready_fd, ready_fd ? &target : NULL,
	        ready_fd ? 1 : 0, pid, NULL, NULL, NULL, error);
}

static bool start_process(struct sound_server *s, const char *name, const char *const *argv,
                          int *ready_fd, GError **error)
{
	GPid pid;

	g_assert(s->n_pids < MAX_PIDS);
	if (!spawn(argv, s->env, ready_fd, &pid, error))
		return false;
	s->pids[s->n_pids] = pid;
	s->names[s->n_pids++] = name;
	log_debug("%s started, pid %d", name, (int)pid);
	return true;
}

/* A short command (pw-cli, wpctl), waited for with a bound; its exit status, or -1. */
static int run_bounded(struct sound_server *s, const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	GPid pid;
	int status;

	if (!spawn(argv, s->env, NULL, &pid, &error)) {
		log_debug("%s: %s", argv[0], error->message);
		return -1;
	}
	for (int i = 0; i < START_TIMEOUT_MS / POLL_MS; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			g_spawn_close_pid(pid);
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		g_usleep(POLL_MS * 1000);
	}
	stop_pid(pid, argv[0]);
	return -1;
}

/* dbus-daemon writes its address on the pipe once it listens. */
static char *read_address(int fd, GError **error)
{
	char buf[512];
	char *address = NULL;

	if (io_read_line(fd, buf, sizeof(buf), START_TIMEOUT_MS) >= 0)
		address = sound_server_parse_address(buf);
	if (!address)
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "its D-Bus session bus did not start");
	return address;
}

/* The last process started; one that has exited is reaped here and not signalled later. */
static bool last_alive(struct sound_server *s)
{
	GPid *pid = &s->pids[s->n_pids - 1];
	int status;

	if (*pid > 0 && waitpid(*pid, &status, WNOHANG) == 0)
		return true;
	if (*pid > 0)
		g_spawn_close_pid(*pid);
	*pid = 0;
	return false;
}

static bool wait_for_socket(struct sound_server *s, GError **error)
{
	g_autofree char *path = g_build_filename(s->dir, "pipewire-0", NULL);
	struct stat st;

	for (int i = 0; i < START_TIMEOUT_MS / POLL_MS; i++) {
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return true;
		if (!last_alive(s))
			break;
		g_usleep(POLL_MS * 1000);
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "pipewire did not start");
	return false;
}

static bool start_bus(struct sound_server *s, GError **error)
{
	g_autofree char *listen = g_strdup_printf("--address=unix:path=%s/bus", s->dir);
	g_autofree char *print = g_strdup_printf("--print-address=%d", ADDRESS_FD);
	const char *argv[] = {"dbus-daemon", "--session", "--nofork", "--nopidfile",
	                      print,         listen,      NULL};
	g_autofree char *address = NULL;
	int pipefd[2];
	bool ok;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "pipe: %s",
		            g_strerror(errno));
		return false;
	}
	ok = start_process(s, "dbus-daemon", argv, &pipefd[1], error);
	close(pipefd[1]);
	if (ok)
		address = read_address(pipefd[0], error);
	close(pipefd[0]);
	if (!address)
		return false;
	s->env = g_environ_setenv(s->env, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
	return true;
}

static bool make_sink(struct sound_server *s, GError **error)
{
	const char *create[] = {
	        "pw-cli", "create-node", "adapter",
	        "{ factory.name=support.null-audio-sink node.name=" SINK_NAME
	        " node.description=\"wayrtc virtual desktop\" media.class=Audio/Sink"
	        " object.linger=1 audio.position=[FL FR] }",
	        NULL};
	const char *check[] = {"wpctl", "inspect", "@DEFAULT_AUDIO_SINK@", NULL};

	/* WirePlumber makes the only sink the default, once it has seen it; asked before it
	 * is up, pw-cli still makes the node (it lingers) */
	if (run_bounded(s, create) != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "pw-cli could not make its sink");
		return false;
	}
	for (int i = 0; i < START_TIMEOUT_MS / (5 * POLL_MS); i++) {
		if (run_bounded(s, check) == 0)
			return true;
		if (!last_alive(s))
			break;
		g_usleep(5 * POLL_MS * 1000);
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
	            "wireplumber did not make its sink the default");
	return false;
}

static bool make_runtime_dir(struct sound_server *s, GError **error)
{
	const char *base = g_getenv("XDG_RUNTIME_DIR");
	g_autofree char *tmpl = NULL;

	if (!base || !*base)
		base = g_get_tmp_dir();
	tmpl = g_build_filename(base, "wayrtc-sound-XXXXXX", NULL);
	if (!g_mkdtemp_full(tmpl, 0700)) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "cannot make a directory for it in %s: %s", base, g_strerror(errno));
		return false;
	}
	s->dir = g_steal_pointer(&tmpl);
	return true;
}

struct sound_server *sound_server_start(GError **error)
{
	static const char *const needed[] = {"pipewire", "wireplumber", "pw-cli",
	                                     "wpctl",    "dbus-daemon", NULL};
	static const char *const pipewire[] = {"pipewire", NULL};
	static const char *const wireplumber[] = {"wireplumber", NULL};
	struct sound_server *s;

	for (size_t i = 0; needed[i]; i++) {
		g_autofree char *path = g_find_program_in_path(needed[i]);

		if (!path) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			            "no sound server runs and %s is not installed", needed[i]);
			return NULL;
		}
	}
	s = g_new0(struct sound_server, 1);
	if (!make_runtime_dir(s, error))
		goto fail;
	s->env = g_get_environ();
	s->env = g_environ_setenv(s->env, "PIPEWIRE_RUNTIME_DIR", s->dir, TRUE);
	s->env = g_environ_setenv(s->env, "XDG_RUNTIME_DIR", s->dir, TRUE);
	s->env = g_environ_unsetenv(s->env, "PIPEWIRE_REMOTE");
	if (!start_bus(s, error) || !start_process(s, "pipewire", pipewire, NULL, error) ||
	    !wait_for_socket(s, error) ||
	    !start_process(s, "wireplumber", wireplumber, NULL, error) || !make_sink(s, error))
		goto fail;
	/* before the desktop and the capture start: they find it here, as virtual.c hands
	 * the desktop its XDG_RUNTIME_DIR, which (its Wayland socket) stays as it is. The
	 * encoder's threads exist by now but are idle and read no PipeWire variables. */
	g_setenv("PIPEWIRE_RUNTIME_DIR", s->dir, TRUE);
	g_unsetenv("PIPEWIRE_REMOTE");
	log_info("the virtual desktop has its own sound server: PipeWire in %s "
	         "(pids %d %d %d)",
	         s->dir, (int)s->pids[1], (int)s->pids[2], (int)s->pids[0]);
	return s;
fail:
	sound_server_stop(s);
	return NULL;
}

const char *sound_server_runtime_dir(struct sound_server *server)
{
	return server->dir;
}

/* What they left in it (sockets, locks, dbus-daemon's dbus-1/services): a few levels at
 * most, and a symlink is removed, never followed. */
static void remove_tree(const char *path, int depth)
{
	GDir *dir = depth > 0 ? g_dir_open(path, 0, NULL) : NULL;
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *file = g_build_filename(path, name, NULL);
		struct stat st;

		if (lstat(file, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(file, depth - 1);
		else
			unlink(file);
	}
	if (dir)
		g_dir_close(dir);
	if (rmdir(path) < 0)
		log_debug("%s stays: %s", path, g_strerror(errno));
}

void sound_server_stop(struct sound_server *server)
{
	if (!server)
		return;
	while (server->n_pids > 0) {
		server->n_pids--;
		if (server->pids[server->n_pids] > 0)
			stop_pid(server->pids[server->n_pids], server->names[server->n_pids]);
	}
	if (server->dir)
		remove_tree(server->dir, 4);
	g_free(server->dir);
	g_strfreev(server->env);
	g_free(server);
}
