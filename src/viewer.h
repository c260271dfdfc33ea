/* One admitted browser: its signaling messages, its WebRTC peer, its rights. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct app;
struct server_client;

struct viewer *viewer_new(struct app *app, struct server_client *client, uint32_t scope);
void viewer_free(struct viewer *viewer); /* accepts NULL */
void viewer_handle_message(struct viewer *viewer, const char *text, size_t len);
/* Tells the browser why the share ends, then closes its socket. */
void viewer_say_bye(struct viewer *viewer, const char *reason);
