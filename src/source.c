/* What wayrtc shares, chosen as DESIGN.md says: --source=auto takes the desktop's portal
 * when there is a Wayland session and a ScreenCast portal, else wlr-screencopy on
 * $WAYLAND_DISPLAY, else a virtual desktop. The portal answers only once a person has
 * agreed, so the server starts from here (app_serve) when frames can come. */
#define LOG_MODULE "source"
#include "source.h"

#include <string.h>

#include "app.h"
#include "cursor.h"
#include "log.h"
#include "media/capture.h"
#include "media/capture_pw.h"
#include "media/encoder.h"
#include "portal/portal.h"
#include "server/state.h"
#include "sound_server.h"
#include "viewer.h"
#include "virtual.h"

#define RESTORE_TOKEN_FILE "portal.token"
#define RESTORE_TOKEN_MAX  256

static void on_frame(void *data, const struct capture_frame *frame)
{
	struct app *app = data;

	if (app->width != frame->width || app->height != frame->height) {
		log_info("sharing %ux%u", frame->width, frame->height);
		app->width = frame->width;
		app->height = frame->height;
	}
	encoder_push(app->encoder, frame);
}

static void on_capture_closed(void *data, const char *reason)
{
	app_quit(data, 1, reason);
}

static void on_cursor(void *data, const struct capture_cursor *in)
{
	struct app *app = data;
	unsigned changed;

	if (!app->cursor)
		app->cursor = cursor_new();
	changed = cursor_update(app->cursor, in);
	if (!changed)
		return;
	for (GList *l = app->viewers; l; l = l->next)
		viewer_send_cursor(l->data, changed);
}

static const struct capture_listener capture_listener = {
        .frame = on_frame,
        .closed = on_capture_closed,
};

/* Only where the frames leave the pointer out (the portal in metadata mode; screencopy
 * decides by itself, capture.h): asking for cursor metadata otherwise would be work for
 * nothing. */
static const struct capture_listener capture_cursor_listener = {
        .frame = on_frame,
        .closed = on_capture_closed,
        .cursor = on_cursor,
};

/* Where the pointer cannot travel beside the frames (compositors before wlroots 0.18), the
 * compositor paints it into them: a watcher must see where it is, even at video speed. */
static bool start_screencopy(struct app *app, const char *display, GError **error)
{
	struct capture_wlr_options options = {.display = display, .overlay_cursor = true};

	app->capture = capture_wlr_new_with(&options, &capture_cursor_listener, app, error);
	if (!app->capture)
		return false;
	if (capture_wlr_cursor_beside(app->capture))
		log_info("the pointer travels beside the picture; browsers draw it");
	else
		log_info("the pointer is painted into the picture (the compositor offers no "
		         "ext-image-copy-capture-v1); it moves at video speed");
	return true;
}

static void on_session_exit(void *data, const char *reason)
{
	app_quit(data, 1, reason);
}

/* A bare server runs no sound server for the user: the virtual desktop brings its own,
 * before the desktop starts, so its command inherits where it is. Without one, the
 * desktop is still shared, and one line says why there is no sound. */
static void start_sound_server(struct app *app)
{
	g_autoptr(GError) error = NULL;

	if (!app->config.audio || sound_server_pipewire_answers())
		return;
	app->sound_server = sound_server_start(&error);
	if (!app->sound_server) {
		log_info("sharing without sound: %s", error->message);
		app->config.audio = false; /* said once; the capture is not tried */
	}
}

static bool start_virtual(struct app *app, const char *const *command, GError **error)
{
	start_sound_server(app);
	app->session = virtual_session_start(app->config.width, app->config.height, command,
	                                     on_session_exit, app, error);
	if (!app->session)
		return false;
	return start_screencopy(app, virtual_session_display(app->session), error) &&
	       app_serve(app, error);
}

static bool start_wlr(struct app *app, GError **error)
{
	return start_screencopy(app, NULL, error) && app_serve(app, error);
}

static char *load_restore_token(struct app *app)
{
	g_autoptr(GError) error = NULL;
	char *token = NULL;
	size_t len = 0;

	if (!state_read_secret(app->state_dir, RESTORE_TOKEN_FILE, &token, &len, &error)) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			log_warn("%s", error->message);
		return NULL;
	}
	/* a token is a UUID: anything else is not ours and is not passed on */
	if (len == 0 || len > RESTORE_TOKEN_MAX || memchr(token, '\0', len) ||
	    !g_uuid_string_is_valid(g_strstrip(token))) {
		log_warn("%s/%s holds no restore token; the desktop will ask again", app->state_dir,
		         RESTORE_TOKEN_FILE);
		g_free(token);
		return NULL;
	}
	return token;
}

static void save_restore_token(struct app *app)
{
	const char *token = portal_get_restore_token(app->portal);
	g_autoptr(GError) error = NULL;

	if (token &&
	    !state_write_secret(app->state_dir, RESTORE_TOKEN_FILE, token, strlen(token), &error))
		log_warn("the desktop's consent is not remembered: %s", error->message);
}

static void on_portal_started(void *data, const struct portal_stream *stream, int pw_fd,
                              uint32_t devices)
{
	struct app *app = data;
	const struct capture_listener *listener = &capture_listener;
	g_autoptr(GError) error = NULL;

	save_restore_token(app);
	app->portal_devices = devices;
	if (portal_get_cursor_mode(app->portal) == PORTAL_CURSOR_METADATA) {
		log_info("the pointer travels beside the picture; browsers draw it");
		listener = &capture_cursor_listener;
	}
	app->capture = capture_pw_new(pw_fd, stream->node_id, NULL, listener, app, &error);
	if (!app->capture || !app_serve(app, &error))
		app_quit(app, 1, error->message);
}

static void on_portal_closed(void *data, const char *reason)
{
	struct app *app = data;

	/* a refusal in the dialog ends it; nothing may then share the screen another way */
	app_quit(app, 1, reason);
}

static const struct portal_listener portal_listener = {
        .started = on_portal_started,
        .closed = on_portal_closed,
};

static bool start_portal(struct app *app, GError **error)
{
	g_autofree char *token = load_restore_token(app);
	struct portal_options options = {
	        .remote_desktop = !app->config.view_only,
	        .restore_token = token,
	};

	app->portal = portal_new(NULL, &options, &portal_listener, app, error);
	return app->portal != NULL;
}

bool source_start(struct app *app, const char *const *command, GError **error)
{
	g_autoptr(GError) local = NULL;

	switch (app->config.source) {
	case SOURCE_PORTAL:
		return start_portal(app, error);
	case SOURCE_WLR:
		return start_wlr(app, error);
	case SOURCE_VIRTUAL:
		return start_virtual(app, command, error);
	case SOURCE_AUTO:
		break;
	}
	if (!g_getenv("WAYLAND_DISPLAY"))
		return start_virtual(app, command, error);
	if (g_getenv("DBUS_SESSION_BUS_ADDRESS") && start_portal(app, &local))
		return true;
	if (local)
		log_info("not sharing through the portal (%s)", local->message);
	g_clear_error(&local);
	if (start_screencopy(app, NULL, &local))
		return app_serve(app, error);
	log_info("not sharing $WAYLAND_DISPLAY (%s); starting a virtual desktop", local->message);
	return start_virtual(app, command, error);
}

void source_stop(struct app *app)
{
	capture_destroy(app->capture);
	app->capture = NULL;
	cursor_free(app->cursor);
	app->cursor = NULL;
	portal_free(app->portal);
	app->portal = NULL;
	virtual_session_stop(app->session);
	app->session = NULL;
	/* after the desktop, so its command's streams go before their server */
	sound_server_stop(app->sound_server);
	app->sound_server = NULL;
}
