/* The chooser runs as a child process so any toolkit (or none) can draw the question, and
 * so the backend never blocks on a person: its output is read asynchronously. */
#define LOG_MODULE "chooser"
#include "chooser.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/io.h"
#include "util/log.h"

#define CONFIG_GROUP "portal"
#define CONFIG_KEY   "chooser"

struct chooser_run {
	GSubprocess *proc;
	GCancellable *cancellable;
	char **names;
	chooser_done_fn done;
	void *data;
	guint idle; /* for `none`: the answer still comes from the loop */
	char *chosen;
	enum chooser_result verdict; /* what answer_now tells */
};

char *chooser_command(GError **error)
{
	const char *env = g_getenv("WAYRTC_PORTAL_CHOOSER");
	g_autofree char *path = NULL;
	g_autoptr(GKeyFile) key = g_key_file_new();
	g_autoptr(GError) local = NULL;
	char *value;

	if (env && *env)
		return g_strdup(env);
	path = g_build_filename(g_get_user_config_dir(), "xdg-desktop-portal-wayrtc", "config.ini",
	                        NULL);
	if (!g_key_file_load_from_file(key, path, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "no chooser configured (set chooser= in [%s] of %s, or "
		            "$WAYRTC_PORTAL_CHOOSER): screen sharing is refused",
		            CONFIG_GROUP, path);
		return NULL;
	}
	value = g_key_file_get_string(key, CONFIG_GROUP, CONFIG_KEY, NULL);
	if (!value || !*g_strstrip(value)) {
		g_free(value);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "%s has no chooser= in [%s]: screen sharing is refused", path,
		            CONFIG_GROUP);
		return NULL;
	}
	return value;
}

static void run_free(struct chooser_run *run)
{
	if (run->idle)
		g_source_remove(run->idle);
	g_clear_object(&run->cancellable);
	g_clear_object(&run->proc);
	g_strfreev(run->names);
	g_free(run->chosen);
	g_free(run);
}

static gboolean answer_now(void *data)
{
	struct chooser_run *run = data;

	run->idle = 0;
	run->done(run->data, run->verdict, run->chosen);
	run_free(run);
	return G_SOURCE_REMOVE;
}

static void communicated(GObject *source, GAsyncResult *result, void *data)
{
	struct chooser_run *run = data;
	g_autofree char *out = NULL;
	g_autoptr(GError) error = NULL;
	enum chooser_result verdict = CHOOSER_FAILED;
	const char *chosen = NULL;

	if (!g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &out, NULL,
	                                          &error)) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return; /* chooser_cancel freed the run */
		log_warn("the chooser failed: %s", error->message);
		goto answer;
	}
	if (!g_subprocess_get_if_exited(run->proc) || g_subprocess_get_exit_status(run->proc)) {
		log_info("the chooser said no (exit status %d)",
		         g_subprocess_get_if_exited(run->proc)
		                 ? g_subprocess_get_exit_status(run->proc)
		                 : -1);
		verdict = CHOOSER_CANCELLED;
		goto answer;
	}
	if (out) {
		char *nl = strchr(out, '\n');

		if (nl)
			*nl = '\0';
		g_strstrip(out);
	}
	if (!out || !*out) {
		verdict = CHOOSER_CANCELLED; /* dmenu's Escape */
		goto answer;
	}
	for (size_t i = 0; run->names[i]; i++) {
		if (strcmp(run->names[i], out) == 0) {
			chosen = run->names[i];
			verdict = CHOOSER_CHOSEN;
			goto answer;
		}
	}
	log_warn("the chooser answered “%s”, which is no output offered", out);
answer:
	run->done(run->data, verdict, chosen);
	run_free(run);
}

struct chooser_run *chooser_run(const char *command, const char *const *names, const char *app_id,
                                const char *devices, chooser_done_fn done, void *data)
{
	struct chooser_run *run = g_new0(struct chooser_run, 1);
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *input = NULL;
	int fd;

	run->names = g_strdupv((char **)names);
	run->done = done;
	run->data = data;
	if (!names[0]) {
		log_warn("there is no output to share");
		goto fail;
	}
	if (strcmp(command, "none") == 0) {
		/* explicitly configured: grant the first output without asking anyone */
		run->chosen = g_strdup(names[0]);
		run->idle = g_idle_add(answer_now, run);
		return run;
	}
	if (!g_shell_parse_argv(command, NULL, &argv, &error)) {
		log_warn("the chooser command “%s” does not parse: %s", command, error->message);
		goto fail;
	}
	/* stdin from a file, not a pipe: a chooser that answers without reading the list (or
	 * says no at once) must not turn into a broken pipe on our side */
	input = g_strjoinv("\n", (char **)names);
	fd = memfd_create("wayrtc-chooser-outputs", MFD_CLOEXEC);
	if (fd < 0 || !io_write_all(fd, input, strlen(input)) || !io_write_all(fd, "\n", 1) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		log_warn("cannot hand the outputs to the chooser: %s", g_strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_subprocess_launcher_take_stdin_fd(launcher, fd);
	g_subprocess_launcher_setenv(launcher, "WAYRTC_PORTAL_APP_ID", app_id ? app_id : "", TRUE);
	g_subprocess_launcher_setenv(launcher, "WAYRTC_PORTAL_DEVICES", devices ? devices : "",
	                             TRUE);
	run->proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv, &error);
	if (!run->proc) {
		log_warn("cannot run the chooser “%s”: %s", command, error->message);
		goto fail;
	}
	run->cancellable = g_cancellable_new();
	g_subprocess_communicate_utf8_async(run->proc, NULL, run->cancellable, communicated, run);
	return run;
fail:
	/* still from the loop, as promised: the caller may not be ready for it yet */
	run->verdict = CHOOSER_FAILED;
	run->idle = g_idle_add(answer_now, run);
	return run;
}

void chooser_cancel(struct chooser_run *run)
{
	if (!run)
		return;
	if (run->proc)
		g_subprocess_force_exit(run->proc);
	if (run->cancellable)
		g_cancellable_cancel(run->cancellable);
	run_free(run);
}
