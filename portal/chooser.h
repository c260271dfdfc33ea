/* Consent: which output to share, asked through a command the user configures (a dmenu-like
 * picker, a dialog script), or `none` to grant the first output without asking. */
#pragma once

#include <glib.h>
#include <stdint.h>

enum chooser_result {
	CHOOSER_CHOSEN,
	CHOOSER_CANCELLED, /* the user said no: the portal's response 1 */
	CHOOSER_FAILED,    /* misconfigured or broken chooser: response 2 */
};

/* `output` is one of the names offered (NULL unless CHOOSER_CHOSEN). */
typedef void (*chooser_done_fn)(void *data, enum chooser_result result, const char *output);

struct chooser_run;

/* The configured chooser: $WAYRTC_PORTAL_CHOOSER, else `chooser=` in the [portal] group of
 * $XDG_CONFIG_HOME/xdg-desktop-portal-wayrtc/config.ini, read on every call so a change
 * needs no restart. NULL (with a reason) when none is configured: the caller refuses. */
char *chooser_command(GError **error);

/* Asks `command` to pick one of `names` (NULL-terminated): "none" picks the first; else
 * the command runs with the names on stdin, one a line, and WAYRTC_PORTAL_APP_ID and
 * WAYRTC_PORTAL_DEVICES ("keyboard pointer", or empty) in its environment; it prints the
 * chosen name. A non-zero exit status or an empty answer means the user cancelled.
 * `done` is called once, from the main loop, unless the run is cancelled first. */
struct chooser_run *chooser_run(const char *command, const char *const *names, const char *app_id,
                                const char *devices, chooser_done_fn done, void *data);
/* Stops a run (its process is killed) without calling `done`. NULL is fine. */
void chooser_cancel(struct chooser_run *run);
