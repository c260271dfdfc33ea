/* The Wayland input sink: a virtual keyboard (zwp_virtual_keyboard_v1) and a virtual
 * pointer (zwlr_virtual_pointer_v1) on the compositor's seat, with an XKB keymap of our
 * choosing, on wayrtc's one connection to that display (wayland/conn.h) for the
 * thread-default GMainContext. */
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
	/* optional: called once the compositor has made both devices (input sent before
	 * that is not lost: it follows them on the wire) */
	void (*ready)(void *data);
	void *data; /* for closed and ready */
};

/* Finds the seat, the output (options->output, else the first) and both virtual-device
 * managers on the display's connection (making it first if nothing of wayrtc's holds it
 * yet: only then does this wait for the compositor), then asks for the devices and
 * uploads the keymap without waiting. NULL with a GError a person can act on (also when
 * the named output does not exist). */
struct input_sink *input_sink_wl_new(const struct input_sink_wl_options *options, GError **error);

/* Compiles the keymap the options name, so a wrong layout is refused at start, not at the
 * first viewer. */
bool input_sink_wl_check_keymap(const struct input_sink_wl_options *options, GError **error);
