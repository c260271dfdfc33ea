/* One admitted browser: its signaling messages, its WebRTC peer, its rights. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct server_client;

struct viewer *viewer_new(struct app *app, struct server_client *client, uint32_t scope);
void viewer_free(struct viewer *viewer); /* accepts NULL */
void viewer_handle_message(struct viewer *viewer, const char *text, size_t len);
/* The desktop's clipboard has new text: sent to the viewer if its link allows it. */
void viewer_send_clipboard(struct viewer *viewer, GBytes *text);
/* The desktop's pointer changed (CURSOR_CHANGED_* of app->cursor): sent to the viewer
 * whose `cursor` channel is open, whatever its rights. */
void viewer_send_cursor(struct viewer *viewer, unsigned changed);
/* The compositor applied this viewer's clipboard text: input held back for it goes on. */
void viewer_clipboard_applied(struct viewer *viewer);
/* Tells the browser why the share ends, then closes its socket. */
void viewer_say_bye(struct viewer *viewer, const char *reason);
