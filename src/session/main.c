/* wayrtc-session: a headless wlroots compositor, the virtual desktop wayrtc shares where
 * no desktop runs. Parses options, starts the server and the first application, tells
 * the parent the socket name through --ready-fd, and runs until SIGTERM/SIGINT. */
#define LOG_MODULE "session"
#include "util/io.h"
#include "util/log.h"

#include "child.h"
#include "server.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wlr/util/log.h>

/* A socket name becomes a path under $XDG_RUNTIME_DIR (sun_path is 108 bytes). */
#define SESSION_MAX_SOCKET_NAME 64
#define WLR_LOG_LINE_MAX        1024
/* --when-done=restart gives up on a command that ends this soon, this many times in a row */
#define RESTART_QUICK_US  (2 * G_USEC_PER_SEC)
#define RESTART_QUICK_MAX 5

enum when_done {
	WHEN_DONE_STAY,    /* the session outlives COMMAND */
	WHEN_DONE_EXIT,    /* the session ends with SESSION_EXIT_COMMAND_DONE */
	WHEN_DONE_RESTART, /* COMMAND starts again, unless it keeps ending at once */
};

struct options {
	unsigned width, height;
	const char *socket;
	int ready_fd;
	enum when_done when_done;
	char **command;
};

struct session {
	struct server server;
	const struct options *opts;
	const char *display;
	pid_t child;
	int64_t started_us;   /* when COMMAND last started */
	unsigned quick_exits; /* in a row, each within RESTART_QUICK_US of its start */
	int exit_code;
};

static void print_usage(FILE *out, const char *argv0)
{
	fprintf(out,
	        "Usage: %s [--size=WxH] [--socket=NAME] [--ready-fd=N] [-- COMMAND ARGS...]\n"
	        "\n"
	        "A headless Wayland desktop (wlroots, pixman) for wayrtc to share.\n"
	        "\n"
	        "  --size=WxH      output size in pixels (default %ux%u, at most %u per side)\n"
	        "  --socket=NAME   Wayland socket name in $XDG_RUNTIME_DIR (default: the first\n"
	        "                  free wayland-N)\n"
	        "  --ready-fd=N    when the socket listens, write \"WAYLAND_DISPLAY=NAME\\n\" to\n"
	        "                  file descriptor N and close it\n"
	        "  --when-done=stay|exit|restart\n"
	        "                  when COMMAND ends: keep the session (default), end it with\n"
	        "                  status %d, or start COMMAND again (the session ends with\n"
	        "                  status %d when it ended %u times in a row within %u s)\n"
	        "  -h, --help      show this help\n"
	        "\n"
	        "COMMAND runs inside the session, in a process group of its own, with\n"
	        "WAYLAND_DISPLAY set and DISPLAY unset. SIGTERM or SIGINT end the session (exit "
	        "0).\n"
	        "Environment: XDG_RUNTIME_DIR (required), XKB_DEFAULT_LAYOUT and the other\n"
	        "XKB_DEFAULT_* (keymap, default us), WAYRTC_LOG=error|warn|info|debug.\n",
	        argv0, SESSION_DEFAULT_WIDTH, SESSION_DEFAULT_HEIGHT, SESSION_MAX_OUTPUT_SIDE,
	        SESSION_EXIT_COMMAND_DONE, SESSION_EXIT_COMMAND_DONE, RESTART_QUICK_MAX,
	        (unsigned)(RESTART_QUICK_US / G_USEC_PER_SEC));
}

static bool parse_side(const char *s, char **end, unsigned *value)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || v == 0 || v > SESSION_MAX_OUTPUT_SIDE)
		return false;
	*value = (unsigned)v;
	return true;
}

static bool parse_size(const char *arg, unsigned *width, unsigned *height)
{
	char *end;

	if (!parse_side(arg, &end, width) || (*end != 'x' && *end != 'X'))
		return false;
	if (!parse_side(end + 1, &end, height) || *end != '\0')
		return false;
	return true;
}

static bool parse_fd(const char *arg, int *fd)
{
	char *end;
	long v;

	if (*arg < '0' || *arg > '9')
		return false;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end != '\0' || v > INT_MAX)
		return false;
	*fd = (int)v;
	return true;
}

/* Returns 0 to run, 1 after --help, -1 on a usage error (already reported). */
static int parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
	        {"size", required_argument, NULL, 's'},
	        {"socket", required_argument, NULL, 'S'},
	        {"ready-fd", required_argument, NULL, 'r'},
	        {"when-done", required_argument, NULL, 'w'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;

	opts->width = SESSION_DEFAULT_WIDTH;
	opts->height = SESSION_DEFAULT_HEIGHT;
	opts->socket = NULL;
	opts->ready_fd = -1;
	opts->when_done = WHEN_DONE_STAY;
	opts->command = NULL;

	opterr = 0;
	/* '+': the first non-option starts COMMAND, so its own options stay its own. */
	while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_size(optarg, &opts->width, &opts->height)) {
				fprintf(stderr,
				        "wayrtc-session: invalid --size '%s': expected "
				        "WIDTHxHEIGHT, "
				        "each 1 to %u (e.g. 1280x720)\n",
				        optarg, SESSION_MAX_OUTPUT_SIDE);
				return -1;
			}
			break;
		case 'S':
			if (!optarg[0] || strchr(optarg, '/') ||
			    strlen(optarg) > SESSION_MAX_SOCKET_NAME) {
				fprintf(stderr,
				        "wayrtc-session: invalid --socket '%s': a plain name of 1 "
				        "to "
				        "%d characters without '/' (e.g. wayland-5)\n",
				        optarg, SESSION_MAX_SOCKET_NAME);
				return -1;
			}
			opts->socket = optarg;
			break;
		case 'r':
			if (!parse_fd(optarg, &opts->ready_fd)) {
				fprintf(stderr,
				        "wayrtc-session: invalid --ready-fd '%s': expected a "
				        "file descriptor number\n",
				        optarg);
				return -1;
			}
			if (fcntl(opts->ready_fd, F_GETFD) < 0) {
				fprintf(stderr,
				        "wayrtc-session: --ready-fd %d is not an open file "
				        "descriptor\n",
				        opts->ready_fd);
				return -1;
			}
			break;
		case 'w':
			if (!strcmp(optarg, "stay")) {
				opts->when_done = WHEN_DONE_STAY;
			} else if (!strcmp(optarg, "exit")) {
				opts->when_done = WHEN_DONE_EXIT;
			} else if (!strcmp(optarg, "restart")) {
				opts->when_done = WHEN_DONE_RESTART;
			} else {
				fprintf(stderr,
				        "wayrtc-session: invalid --when-done '%s': expected stay, "
				        "exit or restart\n",
				        optarg);
				return -1;
			}
			break;
		case 'h':
			print_usage(stdout, argv[0]);
			return 1;
		default:
			if (optopt)
				fprintf(stderr, "wayrtc-session: option '-%c' %s\n", optopt,
				        strchr("sSrw", optopt) ? "needs a value" : "is unknown");
			else
				fprintf(stderr,
				        "wayrtc-session: unknown or incomplete option '%s'\n",
				        argv[optind - 1]);
			fprintf(stderr, "Try 'wayrtc-session --help'.\n");
			return -1;
		}
	}
	if (optind < argc)
		opts->command = &argv[optind];
	return 0;
}

__attribute__((format(printf, 2, 0))) static void wlr_log_to_log(enum wlr_log_importance importance,
                                                                 const char *fmt, va_list args)
{
	char line[WLR_LOG_LINE_MAX];
	enum log_level level;

	/* wlroots leaves filtering to the callback. */
	if (importance > wlr_log_get_verbosity())
		return;
	switch (importance) {
	case WLR_ERROR:
		level = LOG_ERROR;
		break;
	case WLR_INFO:
		level = LOG_INFO;
		break;
	default:
		level = LOG_DEBUG;
		break;
	}
	vsnprintf(line, sizeof(line), fmt, args);
	log_printf(level, "wlr", "%s", line);
}

static int handle_terminate(int signal_number, void *data)
{
	struct session *session = data;

	log_info("signal %d: ending the session", signal_number);
	wl_display_terminate(session->server.display);
	return 0;
}

static bool start_command(struct session *session, GError **error)
{
	session->child = child_spawn(session->opts->command, session->display, error);
	if (session->child < 0) {
		session->child = 0;
		return false;
	}
	session->started_us = g_get_monotonic_time();
	return true;
}

/* COMMAND ended: what --when-done says. A command that keeps ending at once is not
 * started for ever. */
static void command_done(struct session *session)
{
	g_autoptr(GError) error = NULL;
	const char *name = session->opts->command[0];

	switch (session->opts->when_done) {
	case WHEN_DONE_STAY:
		log_info("'%s' has ended; the session keeps running", name);
		return;
	case WHEN_DONE_RESTART:
		if (g_get_monotonic_time() - session->started_us < RESTART_QUICK_US)
			session->quick_exits++;
		else
			session->quick_exits = 0;
		if (session->quick_exits < RESTART_QUICK_MAX) {
			log_info("'%s' has ended; starting it again", name);
			if (start_command(session, &error))
				return;
			log_error("%s", error->message);
		} else {
			log_error("'%s' ended %u times in a row within %u s; not starting it again",
			          name, session->quick_exits,
			          (unsigned)(RESTART_QUICK_US / G_USEC_PER_SEC));
		}
		break;
	case WHEN_DONE_EXIT:
		log_info("'%s' has ended; so does the session", name);
		break;
	}
	session->exit_code = SESSION_EXIT_COMMAND_DONE;
	wl_display_terminate(session->server.display);
}

static int handle_child(int signal_number, void *data)
{
	struct session *session = data;

	if (session->child && child_reap(session->child)) {
		session->child = 0;
		command_done(session);
	} else if (!session->child) {
		child_reap(0); /* grandchildren re-parented to us, if any */
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct session session;
	struct wl_event_loop *loop;
	struct wl_event_source *sources[3] = {NULL};
	g_autoptr(GError) error = NULL;
	g_autofree char *ready_line = NULL;
	struct options opts;
	const char *runtime_dir;
	const char *name;
	int ret = 1;

	log_init(LOG_INFO);
	switch (parse_options(argc, argv, &opts)) {
	case 1:
		return 0;
	case -1:
		return 1;
	default:
		break;
	}
	runtime_dir = getenv("XDG_RUNTIME_DIR");
	if (!runtime_dir || !runtime_dir[0]) {
		log_error("XDG_RUNTIME_DIR is not set: it names the private directory (mode 0700) "
		          "where the Wayland socket is created; set it, e.g. "
		          "XDG_RUNTIME_DIR=$(mktemp -d)");
		return 1;
	}
	if (access(runtime_dir, W_OK | X_OK) != 0) {
		log_error("XDG_RUNTIME_DIR=%s is not a writable directory: %s", runtime_dir,
		          g_strerror(errno));
		return 1;
	}
	/* The parent must not block forever on a pipe the application inherited. */
	if (opts.ready_fd > STDERR_FILENO)
		fcntl(opts.ready_fd, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);

	wlr_log_init(log_get_level() >= LOG_DEBUG ? WLR_DEBUG : WLR_ERROR, wlr_log_to_log);

	if (!server_init(&session.server, opts.width, opts.height, &error))
		goto out;
	loop = wl_display_get_event_loop(session.server.display);
	sources[0] = wl_event_loop_add_signal(loop, SIGTERM, handle_terminate, &session);
	sources[1] = wl_event_loop_add_signal(loop, SIGINT, handle_terminate, &session);
	sources[2] = wl_event_loop_add_signal(loop, SIGCHLD, handle_child, &session);
	if (!sources[0] || !sources[1] || !sources[2]) {
		g_set_error(&error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot watch signals");
		goto out;
	}

	name = server_start(&session.server, opts.socket, &error);
	if (!name)
		goto out;
	session.opts = &opts;
	session.display = name;
	if (opts.command && !start_command(&session, &error))
		goto out;

	ready_line = g_strdup_printf("WAYLAND_DISPLAY=%s\n", name);
	if (opts.ready_fd >= 0) {
		if (!io_write_all(opts.ready_fd, ready_line, strlen(ready_line)))
			log_warn("cannot write to --ready-fd %d: %s", opts.ready_fd,
			         g_strerror(errno));
		if (opts.ready_fd > STDERR_FILENO)
			close(opts.ready_fd);
	}
	log_info("WAYLAND_DISPLAY=%s", name);

	wl_display_run(session.server.display);
	ret = session.exit_code;

out:
	if (error)
		log_error("%s", error->message);
	/* the command's whole group: a shell's children go with it */
	if (session.child > 0)
		kill(-session.child, SIGTERM);
	for (size_t i = 0; i < G_N_ELEMENTS(sources); i++) {
		if (sources[i])
			wl_event_source_remove(sources[i]);
	}
	server_finish(&session.server);
	return ret;
}
