/* The outputs of the compositor the backend serves, by name, for the chooser, the stream
 * properties and restore data. A short blocking look over a connection of its own. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct output_info {
	char *name; /* wl_output v4 name ("HEADLESS-1", "DP-2"), or "output-N" before v4 */
	int32_t x, y;
	int32_t width, height; /* current mode, transformed */
	bool named;            /* the compositor named it (screencopy can then pick it) */
};

/* A GPtrArray of struct output_info (freed with it), in the compositor's order. */
GPtrArray *outputs_list(const char *display, GError **error);
const struct output_info *outputs_find(GPtrArray *outputs, const char *name);
