/* The virtual desktop: starts `wayrtc-session` (a headless wlroots compositor) with a
 * command inside, waits until its Wayland socket listens, and stops it again. */
#pragma once

#include <glib.h>

struct virtual_session;

typedef void (*virtual_exit_fn)(void *data, const char *reason);

/* `command` may be NULL: then a terminal (foot) if one is installed. */
struct virtual_session *virtual_session_start(unsigned width, unsigned height,
                                              const char *const *command, virtual_exit_fn on_exit,
                                              void *data, GError **error);
/* The socket name to connect to, e.g. "wayland-1". */
const char *virtual_session_display(struct virtual_session *session);
/* SIGTERM, then wait (bounded) for it to go; accepts NULL. */
void virtual_session_stop(struct virtual_session *session);
