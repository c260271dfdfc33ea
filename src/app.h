/* The running share: one capture, one encoder, one hub, and the viewers admitted by the
 * server. main.c builds it; viewer.c drives one viewer's signaling and peer. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
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
	struct capture *capture;
	struct encoder *encoder;
	struct hub *hub;
	uint32_t video_ssrc;
	unsigned width, height; /* of the shared area; 0 until the first frame */
	GList *viewers;         /* struct viewer * */
};

/* Ends the share: every viewer is told `reason`, then the main loop stops. */
void app_quit(struct app *app, int status, const char *reason);
