/* An output's size and scale set through wlr-output-management (zwlr_output_manager_v1),
 * for a virtual desktop that follows its viewer's window. Asynchronous: a request sent
 * while another waits for its answer replaces what is wanted and goes after it, so a
 * window dragged to a new size ends at its last size without a queue of modes between.
 * Made without waiting for the compositor; the heads arrive with the next dispatch. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "wayland/conn.h"

struct wayland_outmode;

/* NULL with an error a person can act on when the compositor offers no output
 * management. */
struct wayland_outmode *wayland_outmode_new(struct wayland_conn *conn, GError **error);
void wayland_outmode_free(struct wayland_outmode *outmode); /* NULL is fine */

/* The output named `output` (NULL: the first head) showing width × height pixels (as
 * shown: a turned output's mode gets them swapped) at an integer scale (1 or more);
 * whatever else the heads have stays. A compositor that
 * refuses is said once in the log; the output keeps what it had. */
void wayland_outmode_request(struct wayland_outmode *outmode, const char *output, int32_t width,
                             int32_t height, int32_t scale);