/* The backend's decisions without a desktop: which restore data is ours, where the chooser
 * comes from (and that none configured means no), and how a chooser's answer is read. */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdbool.h>

#include "chooser.h"
#include "portal.h"

static void test_restore_data(void)
{
	g_autoptr(GVariant) ours = g_variant_ref_sink(
	        g_variant_new("(suv)", "wayrtc", 1, g_variant_new_string("HEADLESS-1")));
	g_autoptr(GVariant) vendor = g_variant_ref_sink(
	        g_variant_new("(suv)", "wlroots", 1, g_variant_new_string("HEADLESS-1")));
	g_autoptr(GVariant) version = g_variant_ref_sink(
	        g_variant_new("(suv)", "wayrtc", 2, g_variant_new_string("HEADLESS-1")));
	g_autoptr(GVariant) type =
	        g_variant_ref_sink(g_variant_new("(suv)", "wayrtc", 1, g_variant_new_uint32(1)));
	g_autoptr(GVariant) shape = g_variant_ref_sink(g_variant_new_string("HEADLESS-1"));
	g_autofree char *name = portal_restore_output(ours);

	g_assert_cmpstr(name, ==, "HEADLESS-1");
	g_assert_null(portal_restore_output(vendor));
	g_assert_null(portal_restore_output(version));
	g_assert_null(portal_restore_output(type));
	g_assert_null(portal_restore_output(shape));
	g_assert_null(portal_restore_output(NULL));
}

struct answer {
	bool done;
	enum chooser_result result;
	char *output;
};

static void answered(void *data, enum chooser_result result, const char *output)
{
	struct answer *a = data;

	a->done = true;
	a->result = result;
	a->output = g_strdup(output);
}

/* Runs `command` over two outputs and waits for its answer. */
static enum chooser_result ask(const char *command, char **output)
{
	const char *names[] = {"DP-1", "HDMI-A-1", NULL};
	struct answer a = {0};
	struct chooser_run *run =
	        chooser_run(command, names, "org.example.App", "keyboard", answered, &a);
	int64_t deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	g_assert_nonnull(run);
	/* never from inside chooser_run: the caller's state may not be ready */
	g_assert_false(a.done);
	while (!a.done && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(a.done);
	if (output)
		*output = a.output;
	else
		g_free(a.output);
	return a.result;
}

static void test_chooser_answers(void)
{
	char *out = NULL;

	g_assert_cmpint(ask("none", &out), ==, CHOOSER_CHOSEN);
	g_assert_cmpstr(out, ==, "DP-1");
	g_free(out);
	/* the names come on stdin, one a line: this picks the second */
	g_assert_cmpint(ask("sed -n 2p", &out), ==, CHOOSER_CHOSEN);
	g_assert_cmpstr(out, ==, "HDMI-A-1");
	g_free(out);
	/* the environment says who asks and for what */
	g_assert_cmpint(ask("sh -c 'test \"$WAYRTC_PORTAL_APP_ID|$WAYRTC_PORTAL_DEVICES\" = "
	                    "\"org.example.App|keyboard\" && head -n 1'",
	                    &out),
	                ==, CHOOSER_CHOSEN);
	g_assert_cmpstr(out, ==, "DP-1");
	g_free(out);
	g_assert_cmpint(ask("false", NULL), ==, CHOOSER_CANCELLED);
	g_assert_cmpint(ask("true", NULL), ==, CHOOSER_CANCELLED); /* no answer: Escape */
	g_assert_cmpint(ask("echo eDP-9", NULL), ==, CHOOSER_FAILED);
	g_assert_cmpint(ask("/nonexistent/chooser", NULL), ==, CHOOSER_FAILED);
	g_assert_cmpint(ask("'unbalanced", NULL), ==, CHOOSER_FAILED);
}

static void test_chooser_cancel(void)
{
	const char *names[] = {"DP-1", NULL};
	struct answer a = {0};
	struct chooser_run *run = chooser_run("sleep 30", names, "", "", answered, &a);
	int64_t until = g_get_monotonic_time() + G_USEC_PER_SEC / 5;

	g_assert_nonnull(run);
	chooser_cancel(run);
	while (g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE);
	g_assert_false(a.done);
}

static void test_chooser_config(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *home = g_dir_make_tmp("wayrtc-portal-config-XXXXXX", NULL);
	g_autofree char *dir = g_build_filename(home, "xdg-desktop-portal-wayrtc", NULL);
	g_autofree char *file = g_build_filename(dir, "config.ini", NULL);
	char *command;

	g_setenv("XDG_CONFIG_HOME", home, TRUE);
	g_unsetenv("WAYRTC_PORTAL_CHOOSER");
	/* nothing configured: refused, never granted */
	g_assert_null(chooser_command(&error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(file, "[portal]\nchooser=\n", -1, NULL));
	g_assert_null(chooser_command(&error));
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(file, "[portal]\nchooser= wofi --dmenu \n", -1, NULL));
	command = chooser_command(&error);
	g_assert_no_error(error);
	g_assert_cmpstr(command, ==, "wofi --dmenu");
	g_free(command);
	g_setenv("WAYRTC_PORTAL_CHOOSER", "none", TRUE);
	command = chooser_command(&error);
	g_assert_cmpstr(command, ==, "none");
	g_free(command);
	g_unsetenv("WAYRTC_PORTAL_CHOOSER");
	g_unlink(file);
	g_rmdir(dir);
	g_rmdir(home);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* as main() does: a chooser that exits without reading its stdin must not kill us */
	signal(SIGPIPE, SIG_IGN);
	g_test_add_func("/portal-backend/restore-data", test_restore_data);
	g_test_add_func("/portal-backend/chooser/answers", test_chooser_answers);
	g_test_add_func("/portal-backend/chooser/cancel", test_chooser_cancel);
	g_test_add_func("/portal-backend/chooser/config", test_chooser_config);
	return g_test_run();
}
