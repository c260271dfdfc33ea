/* What wayrtc shares: the desktop's portal, a wlroots desktop through wlr-screencopy, or
 * a virtual desktop of its own (--source). Once frames can come it calls app_serve. */
#pragma once

#include <glib.h>
#include <stdbool.h>

struct app;

/* Starts the source app->config names (auto: portal, else wlr, else virtual; COMMAND
 * runs in a virtual desktop). False with an error when it cannot start at all; the
 * portal's answer comes later, and a refusal there ends the share through app_quit. */
bool source_start(struct app *app, const char *const *command, GError **error);
void source_stop(struct app *app);
