/* xdg-desktop-portal-wayrtc: owns org.freedesktop.impl.portal.desktop.wayrtc on the session
 * bus and serves ScreenCast and RemoteDesktop for the wlroots compositor on
 * $WAYLAND_DISPLAY until the bus goes away, the name is taken over, or SIGTERM/SIGINT. */
#define LOG_MODULE "backend"
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"
#include "portal.h"
#include "pw.h"

struct app {
	GMainLoop *loop;
	struct backend_pw *pw;
	struct portal *portal;
	int status;
};

static void bus_acquired(GDBusConnection *connection, const char *name, void *data)
{
	struct app *app = data;
	g_autoptr(GError) error = NULL;

	app->portal = portal_new(connection, app->pw, NULL, &error);
	if (!app->portal) {
		log_error("cannot export the portal: %s", error->message);
		app->status = EXIT_FAILURE;
		g_main_loop_quit(app->loop);
	}
}

static void name_acquired(GDBusConnection *connection, const char *name, void *data)
{
	log_info("serving %s for the Wayland display %s", name, g_getenv("WAYLAND_DISPLAY"));
}

static void name_lost(GDBusConnection *connection, const char *name, void *data)
{
	struct app *app = data;

	if (!connection)
		log_error("lost the session bus");
	else
		log_error("the name %s is taken (another backend runs; --replace takes it over)",
		          name);
	app->status = EXIT_FAILURE;
	g_main_loop_quit(app->loop);
}

static gboolean on_signal(void *data)
{
	struct app *app = data;

	log_info("stopping");
	g_main_loop_quit(app->loop);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	gboolean replace = FALSE, version = FALSE;
	const GOptionEntry entries[] = {
	        {"replace", 'r', 0, G_OPTION_ARG_NONE, &replace, "Replace a running instance",
	         NULL},
	        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
	        {NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- wayrtc portal backend");
	g_autoptr(GError) error = NULL;
	struct app app = {.status = EXIT_SUCCESS};
	guint owner;

	g_option_context_set_summary(
	        context,
	        "ScreenCast and RemoteDesktop portals (org.freedesktop.impl.portal.*) for\n"
	        "wlroots compositors: frames through wlr-screencopy into a PipeWire node,\n"
	        "input through virtual keyboard and pointer. Consent through the chooser\n"
	        "set in $XDG_CONFIG_HOME/xdg-desktop-portal-wayrtc/config.ini ([portal]\n"
	        "chooser=COMMAND|none) or $WAYRTC_PORTAL_CHOOSER; without one, sharing is "
	        "refused.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return 2;
	}
	if (version) {
		printf("xdg-desktop-portal-wayrtc %s\n", WAYRTC_VERSION);
		return 0;
	}
	log_init(LOG_INFO); /* $WAYRTC_LOG overrides it */
	/* a dying viewer's socket must not kill us */
	signal(SIGPIPE, SIG_IGN);
	app.pw = backend_pw_new(&error);
	if (!app.pw) {
		log_error("%s", error->message);
		return EXIT_FAILURE;
	}
	app.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_signal, &app);
	g_unix_signal_add(SIGINT, on_signal, &app);
	owner = g_bus_own_name(G_BUS_TYPE_SESSION, PORTAL_BUS_NAME,
	                       G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
	                               (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
	                       bus_acquired, name_acquired, name_lost, &app, NULL);
	g_main_loop_run(app.loop);
	g_bus_unown_name(owner);
	portal_free(app.portal);
	backend_pw_free(app.pw);
	g_main_loop_unref(app.loop);
	return app.status;
}
