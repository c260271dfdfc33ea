/* The backend's one PipeWire connection, its loop run as a GSource on the main context so
 * PipeWire callbacks happen on the same thread as D-Bus and Wayland (no extra threads). */
#pragma once

#include <glib.h>
#include <pipewire/pipewire.h>

#include "media/pwloop.h"

struct backend_pw {
	struct pwloop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	bool broken; /* the daemon went away or refused us: no new streams */
};

/* Connects to the PipeWire daemon ($PIPEWIRE_REMOTE or the default). */
struct backend_pw *backend_pw_new(GError **error);
void backend_pw_free(struct backend_pw *pw); /* accepts NULL */
