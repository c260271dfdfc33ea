/* The virtual desktop: starts `wayrtc-session` (a headless wlroots compositor) with a
 * command inside, waits until its Wayland socket listens, and stops it again. */
#pragma once

#include <glib.h>
#include <stdbool.h>

struct virtual_session;

/* The desktop ended: `done` when its program did (and is not restarted), else it failed
 * or was killed; `reason` in words. */
typedef void (*virtual_exit_fn)(void *data, bool done, const char *reason);

/* `command` may be NULL: then a terminal (foot) if one is installed. When the program
 * ends, the desktop ends with it, or with `restart` starts it again (unless it keeps
 * ending at once). */
struct virtual_session *virtual_session_start(unsigned width, unsigned height,
                                              const char *const *command, bool restart,
                                              virtual_exit_fn on_exit, void *data, GError **error);
/* The desktop's connection ended: waits up to `timeout_ms` for the desktop to exit, so
 * its own reason (its program ended) is reported through `on_exit` rather than a lost
 * connection's. False when it still runs. */
bool virtual_session_wait(struct virtual_session *session, int timeout_ms);
/* The socket name to connect to, e.g. "wayland-1". */
const char *virtual_session_display(struct virtual_session *session);
/* SIGTERM, then wait (bounded) for it to go; accepts NULL. */
void virtual_session_stop(struct virtual_session *session);
