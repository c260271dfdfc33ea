/* What wayrtc shares (--source, docs/architecture.md): auto takes the desktop's portal
 * when there is a Wayland session and a ScreenCast portal, else wlr-screencopy on
 * $WAYLAND_DISPLAY, else a virtual desktop. The portal answers only once a person has
 * agreed, so the server starts from here (share_serve) when frames can come. */
#define LOG_MODULE "source"
#include <string.h>

#include "media/capture.h"
#include "media/capture_pw.h"
#include "media/encoder.h"
#include "share/cursor.h"
#include "share/share-private.h"
#include "share/sound_server.h"
#include "share/viewer.h"
#include "share/virtual.h"
#include "util/log.h"
#include "util/state.h"
#include "wayland/keyboard.h"
#include "xdp/session.h"

#define RESTORE_TOKEN_FILE "portal.token"
#define RESTORE_TOKEN_MAX  256

/* A stream that starts and sends nothing leaves the page waiting with no word: KDE
 * Plasma 5.27 casts only from its DRM backend (no GPU: no frame ever), and a producer
 * may stall. After SOURCE_NO_PICTURE_S the log says so once, and so does every page,
 * until the first frame comes. */
static gboolean on_no_picture(void *data)
{
	struct share *share = data;

	share->no_picture_timer = 0;
	log_warn("the desktop has sent no picture %d s after its stream started%s; waiting "
	         "for one",
	         SOURCE_NO_PICTURE_S,
	         share->portal ? " (KDE Plasma 5.27 sends none without a GPU)" : "");
	share->no_picture = g_strdup_printf(
	        "The desktop is sending no picture: its screen cast started %d s ago and no "
	        "frame has come yet.%s",
	        SOURCE_NO_PICTURE_S,
	        share->portal ? " Some desktops send none without a graphics card (KDE Plasma "
	                        "5.27); the person sharing may have to share another way."
	                      : "");
	for (GList *l = share->viewers; l; l = l->next)
		viewer_say_no_picture(l->data, SOURCE_NO_PICTURE_S, share->no_picture);
	return G_SOURCE_REMOVE;
}

static void watch_first_picture(struct share *share)
{
	if (share->pictured) /* a source may hand one over while it starts */
		return;
	share->capture_started_us = g_get_monotonic_time();
	share->no_picture_timer = g_timeout_add(SOURCE_NO_PICTURE_S * 1000, on_no_picture, share);
}

static void first_picture(struct share *share)
{
	share->pictured = true;
	g_clear_handle_id(&share->no_picture_timer, g_source_remove);
	if (!share->no_picture)
		return;
	log_info("the desktop's first picture came %.1f s after its stream started",
	         (double)(g_get_monotonic_time() - share->capture_started_us) / G_USEC_PER_SEC);
	g_clear_pointer(&share->no_picture, g_free);
	for (GList *l = share->viewers; l; l = l->next)
		viewer_say_no_picture(l->data, 0, NULL);
}

static void on_frame(void *data, const struct capture_frame *frame)
{
	struct share *share = data;

	if (!share->pictured)
		first_picture(share);
	if (share->width != frame->width || share->height != frame->height) {
		log_info("sharing %ux%u", frame->width, frame->height);
		share->width = frame->width;
		share->height = frame->height;
	}
	share_push_frame(share, frame);
}

/* A virtual desktop that went away says why itself (its program ended), just after. */
#define SESSION_EXIT_WAIT_MS 1000

static void on_capture_closed(void *data, const char *reason)
{
	struct share *share = data;

	if (share->session && virtual_session_wait(share->session, SESSION_EXIT_WAIT_MS))
		return;
	share_quit(share, 1, reason);
}

static void on_cursor(void *data, const struct capture_cursor *in)
{
	struct share *share = data;
	unsigned changed;

	changed = cursor_update(share->cursor, in);
	if (!changed)
		return;
	for (GList *l = share->viewers; l; l = l->next)
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
static bool start_screencopy(struct share *share, const char *display, GError **error)
{
	struct capture_wlr_options options = {.display = display, .overlay_cursor = true};

	share->capture = capture_wlr_new_with(&options, &capture_cursor_listener, share, error);
	if (!share->capture)
		return false;
	watch_first_picture(share);
	if (capture_wlr_cursor_beside(share->capture))
		log_info("the pointer travels beside the picture; browsers draw it");
	else
		log_info("the pointer is painted into the picture (the compositor offers no "
		         "ext-image-copy-capture-v1); it moves at video speed");
	return true;
}

/* The program ended (typed `exit`, closed its window): the share ends, in words, and
 * that is no failure. */
static void on_session_exit(void *data, bool done, const char *reason)
{
	share_quit(data, done ? 0 : 1, reason);
}

/* A bare server runs no sound server for the user: the virtual desktop brings its own,
 * before the desktop starts, so its command inherits where it is. Without one, the
 * desktop is still shared, and one line says why there is no sound. */
static void start_sound_server(struct share *share)
{
	g_autoptr(GError) error = NULL;

	if (!share->config.audio || sound_server_pipewire_answers())
		return;
	share->sound_server = sound_server_start(&error);
	if (!share->sound_server) {
		log_info("sharing without sound: %s", error->message);
		share->config.audio = false; /* said once; the capture is not tried */
	}
}

static bool start_virtual(struct share *share, const char *const *command, GError **error)
{
	start_sound_server(share);
	share->session =
	        virtual_session_start(share->config.width, share->config.height, command,
	                              share->config.restart, on_session_exit, share, error);
	if (!share->session)
		return false;
	return start_screencopy(share, virtual_session_display(share->session), error) &&
	       share_serve(share, error);
}

static bool start_wlr(struct share *share, GError **error)
{
	return start_screencopy(share, NULL, error) && share_serve(share, error);
}

static char *load_restore_token(struct share *share)
{
	g_autoptr(GError) error = NULL;
	char *token = NULL;
	size_t len = 0;

	if (!state_read_secret(share->state_dir, RESTORE_TOKEN_FILE, &token, &len, &error)) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			log_warn("%s", error->message);
		return NULL;
	}
	/* a token is a UUID: anything else is not ours and is not passed on */
	if (len == 0 || len > RESTORE_TOKEN_MAX || memchr(token, '\0', len) ||
	    !g_uuid_string_is_valid(g_strstrip(token))) {
		log_warn("%s/%s holds no restore token; the desktop will ask again",
		         share->state_dir, RESTORE_TOKEN_FILE);
		g_free(token);
		return NULL;
	}
	return token;
}

static void save_restore_token(struct share *share)
{
	const char *token = xdp_session_get_restore_token(share->portal);
	g_autoptr(GError) error = NULL;

	if (token &&
	    !state_write_secret(share->state_dir, RESTORE_TOKEN_FILE, token, strlen(token), &error))
		log_warn("the desktop's consent is not remembered: %s", error->message);
}

static void on_portal_started(void *data, const struct xdp_stream *stream, int pw_fd,
                              uint32_t devices)
{
	struct share *share = data;
	const struct capture_listener *listener = &capture_listener;
	g_autoptr(GError) error = NULL;

	save_restore_token(share);
	share->portal_devices = devices;
	if (xdp_session_get_cursor_mode(share->portal) == XDP_CURSOR_METADATA) {
		log_info("the pointer travels beside the picture; browsers draw it");
		listener = &capture_cursor_listener;
	}
	share->capture = capture_pw_new(pw_fd, stream->node_id, NULL, listener, share, &error);
	if (!share->capture || !share_serve(share, &error)) {
		share_quit(share, 1, error->message);
		return;
	}
	watch_first_picture(share);
}

static void on_portal_closed(void *data, const char *reason)
{
	struct share *share = data;

	/* a refusal in the dialog ends it; nothing may then share the screen another way */
	share_quit(share, 1, reason);
}

static const struct xdp_listener xdp_listener = {
        .started = on_portal_started,
        .closed = on_portal_closed,
};

static bool start_portal(struct share *share, GError **error)
{
	g_autofree char *token = load_restore_token(share);
	struct xdp_options options = {
	        .remote_desktop = !share->config.view_only,
	        .restore_token = token,
	};

	share->portal = xdp_session_new(NULL, &options, &xdp_listener, share, error);
	return share->portal != NULL;
}

bool source_start(struct share *share, const char *const *command, GError **error)
{
	g_autoptr(GError) local = NULL;

	switch (share->config.source) {
	case SOURCE_PORTAL:
		return start_portal(share, error);
	case SOURCE_WLR:
		return start_wlr(share, error);
	case SOURCE_VIRTUAL:
		return start_virtual(share, command, error);
	case SOURCE_AUTO:
		break;
	}
	if (!g_getenv("WAYLAND_DISPLAY"))
		return start_virtual(share, command, error);
	if (g_getenv("DBUS_SESSION_BUS_ADDRESS") && start_portal(share, &local))
		return true;
	if (local)
		log_info("not sharing through the portal (%s)", local->message);
	g_clear_error(&local);
	if (start_screencopy(share, NULL, &local))
		return share_serve(share, error);
	log_info("not sharing $WAYLAND_DISPLAY (%s); starting a virtual desktop", local->message);
	return start_virtual(share, command, error);
}

void source_stop(struct share *share)
{
	g_clear_handle_id(&share->no_picture_timer, g_source_remove);
	g_clear_pointer(&share->no_picture, g_free);
	capture_destroy(share->capture);
	share->capture = NULL;
	wayland_keyboard_free(share->portal_layout);
	share->portal_layout = NULL;
	xdp_session_free(share->portal);
	share->portal = NULL;
	virtual_session_stop(share->session);
	share->session = NULL;
	/* after the desktop, so its command's streams go before their server */
	sound_server_stop(share->sound_server);
	share->sound_server = NULL;
}
