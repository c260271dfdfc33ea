/* An input sink drives a desktop with pointer and keyboard events: the Wayland virtual
 * keyboard/pointer sink (sink_wl.c) or the RemoteDesktop portal (sink_portal.c). Callers
 * use the input_sink_*() wrappers, which keep track of held keys and buttons for every
 * backend, so release_all is always right and the backend never sees a double press or a
 * stray release.
 * One thread: the one whose thread-default GMainContext was current at creation. */
#pragma once

#include <linux/input-event-codes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Held keys and buttons are evdev codes below this. */
#define INPUT_SINK_CODES KEY_CNT
/* One wheel notch in axis_discrete units (high-resolution wheels report fractions). */
#define INPUT_WHEEL_V120 120

enum input_axis {
	INPUT_AXIS_VERTICAL = 0,   /* positive: down, as wl_pointer */
	INPUT_AXIS_HORIZONTAL = 1, /* positive: right */
};

struct input_sink;

/* What a backend implements. The wrappers call it only for real changes. */
struct input_sink_impl {
	/* x, y in 0..1 over the shared area (already clamped) */
	void (*pointer_motion_abs)(struct input_sink *sink, double x, double y);
	void (*pointer_button)(struct input_sink *sink, uint32_t button, bool pressed);
	/* value in surface pixels; discrete120 in 1/120 wheel notches, 0 for continuous */
	void (*pointer_axis)(struct input_sink *sink, enum input_axis axis, double value,
	                     int32_t discrete120);
	/* ends a group of pointer events that belong together */
	void (*frame)(struct input_sink *sink);
	void (*key)(struct input_sink *sink, uint32_t code, bool pressed);
	/* types UTF-8 characters that have no key of their own; returns how many it skipped */
	size_t (*text)(struct input_sink *sink, const char *utf8, size_t len);
	void (*destroy)(struct input_sink *sink);
};

/* Embedded at the start of each backend's own struct. */
struct input_sink {
	const struct input_sink_impl *impl;
	uint8_t keys[INPUT_SINK_CODES / 8];    /* bit set: key held */
	uint8_t buttons[INPUT_SINK_CODES / 8]; /* bit set: button held */
	/* characters the text path could not type since they were last taken, each once, in
	 * UTF-8 (input_sink_note_untyped); NULL: none */
	char *untyped;
	/* characters the text path refused since last taken: more text waited than the
	 * desktop takes (input_sink_note_refused) */
	size_t refused;
};

/* For backends: whole wheel notches out of 1/120 ones. Adds `discrete120` to `*rest`
 * (what earlier events left over; forgotten when the wheel turns the other way) and takes
 * out and returns the whole notches. */
int32_t input_wheel_steps(int32_t *rest, int32_t discrete120);

/* For backends: the text path could not type `c` on this desktop (noted once, up to
 * INPUT_SINK_UNTYPED_MAX characters). */
#define INPUT_SINK_UNTYPED_MAX 16
void input_sink_note_untyped(struct input_sink *sink, uint32_t c);
/* The characters noted since the last call, in UTF-8 (free it); NULL when none: so that
 * whoever sent the text can say which ones the desktop cannot type. */
char *input_sink_take_untyped(struct input_sink *sink);

/* For backends: the text path refused `n` characters, because too much text already
 * waits to be typed (the portal's path, a call at a time). They are not typed. */
void input_sink_note_refused(struct input_sink *sink, size_t n);
/* How many characters were refused since the last call (0: none). */
size_t input_sink_take_refused(struct input_sink *sink);

/* For backends: zeroes the held state and sets the implementation. */
void input_sink_init(struct input_sink *sink, const struct input_sink_impl *impl);

void input_sink_pointer_motion_abs(struct input_sink *sink, double x, double y);
/* button: BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE, BTN_EXTRA, …; a press of a held
 * button and a release of a button not held are dropped. */
void input_sink_pointer_button(struct input_sink *sink, uint32_t button, bool pressed);
void input_sink_pointer_axis(struct input_sink *sink, enum input_axis axis, double value,
                             int32_t discrete120);
void input_sink_frame(struct input_sink *sink);
/* code: evdev KEY_*; the same rule for repeats and stray releases as for buttons. */
void input_sink_key(struct input_sink *sink, uint32_t code, bool pressed);
/* Returns how many characters the desktop's layout could not type. */
size_t input_sink_text(struct input_sink *sink, const char *utf8, size_t len);
/* Releases every held key and button (a viewer left, the channel closed, focus lost). */
void input_sink_release_all(struct input_sink *sink);
bool input_sink_key_held(const struct input_sink *sink, uint32_t code);
bool input_sink_button_held(const struct input_sink *sink, uint32_t button);
/* Releases everything still held, then destroys the backend. NULL is fine. */
void input_sink_destroy(struct input_sink *sink);
