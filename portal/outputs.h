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
	int32_t refresh_mhz;   /* of the current mode; 0: not said */
	bool named;            /* the compositor named it (screencopy can then pick it) */
};

/* What the compositor offers besides its outputs, from the same look. */
struct outputs_caps {
	/* ext-image-copy-capture's pointer cursor sessions can be asked for: its manager, an
	 * output image source manager and a seat with a pointer. Then capture_wlr hands the
	 * cursor over beside frames that leave it out (the portal's cursor mode metadata). */
	bool cursor_capture;
};

/* A GPtrArray of struct output_info (freed with it), in the compositor's order. */
GPtrArray *outputs_list(const char *display, GError **error);
/* The same, and what else the compositor offers in `caps`. */
GPtrArray *outputs_probe(const char *display, struct outputs_caps *caps, GError **error);
const struct output_info *outputs_find(GPtrArray *outputs, const char *name);
