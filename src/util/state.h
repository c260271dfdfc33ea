/* wayrtc's state directory, $XDG_STATE_HOME/wayrtc (mode 0700), and its secret files
 * (mode 0600, written atomically, refused when others can read them). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

char *state_dir_get(GError **error); /* g_free; created if missing */

/* Reads dir/name; G_FILE_ERROR_NOENT when absent; refuses a file others may read. */
bool state_read_secret(const char *dir, const char *name, char **data, size_t *len, GError **error);
bool state_write_secret(const char *dir, const char *name, const void *data, size_t len,
                        GError **error);
