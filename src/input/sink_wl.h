/* The Wayland input sink: a virtual keyboard (zwp_virtual_keyboard_v1) and a virtual
 * pointer (zwlr_virtual_pointer_v1) on the compositor's seat, with an XKB keymap of our
 * choosing, over a connection of its own driven by the thread-default GMainContext. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "input/sink.h"

struct input_sink_wl_options {
	/* display name or absolute socket path; NULL: $WAYLAND_DISPLAY */
	const char *display;
	/* wl_output name (v4) whose area absolute motion spans; NULL: the first output */
	const char *output;
	/* XKB rule names; NULL fields come from XKB_DEFAULT_*, else the "evdev" rules and a
	 * "us" layout */
	const char *rules, *model, *layout, *variant, *options;
	/* called once when the compositor goes away; every later event is dropped */
	void (*closed)(void *data, const char *reason);
	void *data;
};

/* Connects, binds the seat, the output (options->output, else the first) and both
 * virtual-device managers, and uploads the keymap before returning. NULL with a GError a
 * person can act on (also when the named output does not exist). */
struct input_sink *input_sink_wl_new(const struct input_sink_wl_options *options, GError **error);

/* Compiles the keymap the options name, so a wrong layout is refused at start, not at the
 * first viewer. */
bool input_sink_wl_check_keymap(const struct input_sink_wl_options *options, GError **error);
