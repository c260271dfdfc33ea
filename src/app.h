/* The running share: one capture, one encoder, one hub, and the viewers admitted by the
 * server. main.c builds it; viewer.c drives one viewer's signaling and peer. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "input/sink_wl.h"
#include "server/auth.h"

struct app {
	struct config config;
	GMainLoop *loop;
	int exit_status;
	bool quitting;
	struct auth_key key;
	struct rtc_cert *dtls_cert;
	struct server *server;
	struct virtual_session *session; /* only with --source=virtual */
	/* the virtual desktop's own, where no PipeWire ran for the user; else NULL */
	struct sound_server *sound_server;
	struct portal *portal;   /* only with --source=portal */
	uint32_t portal_devices; /* input the portal granted (PORTAL_DEVICE_*) */
	char *state_dir;
	GTlsCertificate *tls;
	char *tls_fingerprint;
	struct capture *capture;
	struct encoder *encoder;
	struct hub *hub;
	uint32_t video_ssrc;
	struct audio *audio; /* NULL: no sound (--no-audio, no PipeWire, no Opus) */
	uint32_t audio_ssrc;
	unsigned n_listeners;        /* viewers whose offer has audio: capture only while > 0 */
	unsigned width, height;      /* of the shared area; 0 until the first frame */
	GList *viewers;              /* struct viewer * */
	struct clipboard *clipboard; /* NULL when the desktop offers no data-control */
	/* A virtual keyboard and pointer that never type, so the seat has both from the
	 * start and clients hold their wl_keyboard and wl_pointer before the first viewer's
	 * first key (wlr and virtual sources; NULL otherwise) */
	struct input_sink *seat_anchor;
	GBytes *clipboard_text; /* the desktop's newest text selection, for late joiners */
	/* the viewer whose text is being made the selection (its input waits for that), and
	 * the one whose text the selection now is (not echoed back to it); NULL: none */
	struct viewer *clipboard_waiter, *clipboard_owner;
	/* the pointer, when the source reports it beside the frames (portal metadata);
	 * NULL: it is in the frames or nowhere */
	struct cursor *cursor;
};

/* The display wayrtc shares and drives: the virtual desktop's, else NULL for
 * $WAYLAND_DISPLAY. */
const char *app_display(struct app *app);
/* How wayrtc's virtual keyboards and pointers are made (the seat anchor's, each
 * viewer's): on app_display, with the configured layout. */
struct input_sink_wl_options app_input_options(struct app *app);
/* clipboard_set_text's `done`: the selection holds the text app->clipboard_waiter sent. */
void app_clipboard_applied(void *data);

/* A viewer that may hear came (+1) or went (-1): the sound is captured while any is here. */
void app_listener_changed(struct app *app, int delta);

/* Starts the server and prints the link, once the source can give frames. */
bool app_serve(struct app *app, GError **error);
/* Ends the share: every viewer is told `reason`, then the main loop stops. */
void app_quit(struct app *app, int status, const char *reason);
