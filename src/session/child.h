/* The first application of wayrtc-session: started with WAYLAND_DISPLAY pointing at the
 * session (and no DISPLAY), in a process group of its own, reaped when it exits. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* Returns the pid, or -1 with `error` set when the command cannot be executed at all. */
pid_t child_spawn(char *const argv[], const char *wayland_display, GError **error);
/* Reaps every exited child; logs how `pid` ended and returns true if it did. */
bool child_reap(pid_t pid);
