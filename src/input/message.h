/* The binary messages of the "input" data channel (docs/input.md): one message per
 * SCTP message, little-endian, a type byte then fixed fields. The decoder is a pure
 * function of (buf, len) with exact length checks; input_dispatch hands the result to a
 * sink. web/input.js is the encoder. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input/sink.h"

#define INPUT_CODE_MAX      32                   /* bytes of a KeyboardEvent.code */
#define INPUT_TEXT_MAX      256                  /* bytes of UTF-8 in one text message */
#define INPUT_POSITION_MAX  65535                /* a pointer position of 1.0 */
#define INPUT_MESSAGE_MAX   (3 + INPUT_TEXT_MAX) /* the longest valid message */
#define INPUT_WHEEL_STEP_PX 15.0 /* surface pixels of one wheel notch, as libinput reports */

enum input_event_type {
	INPUT_EVENT_POINTER_MOVE = 1,
	INPUT_EVENT_BUTTON = 2,
	INPUT_EVENT_WHEEL = 3,
	INPUT_EVENT_KEY = 4,
	INPUT_EVENT_TEXT = 5,
	INPUT_EVENT_RELEASE_ALL = 6,
};

/* MouseEvent.button numbers */
enum input_button {
	INPUT_BUTTON_LEFT = 0,
	INPUT_BUTTON_MIDDLE = 1,
	INPUT_BUTTON_RIGHT = 2,
	INPUT_BUTTON_BACK = 3,
	INPUT_BUTTON_FORWARD = 4,
};

/* WheelEvent.deltaMode the browser measured in: pixel deltas come from touchpads and
 * smooth scrolling, line and page deltas from a wheel with notches. */
enum input_wheel_mode {
	INPUT_WHEEL_PIXEL = 0,
	INPUT_WHEEL_LINE = 1,
	INPUT_WHEEL_PAGE = 2,
};

struct input_event {
	enum input_event_type type;
	union {
		struct {
			uint16_t x, y; /* 0..INPUT_POSITION_MAX over the shared area */
		} move;
		struct {
			enum input_button button;
			bool pressed;
		} button;
		struct {
			int16_t dx, dy; /* in 1/120 notches (INPUT_WHEEL_V120 per notch) */
			enum input_wheel_mode mode;
		} wheel;
		struct {
			bool pressed;
			char code[INPUT_CODE_MAX + 1]; /* NUL-terminated, [A-Za-z0-9] */
		} key;
		struct {
			size_t len;
			char utf8[INPUT_TEXT_MAX + 1]; /* valid UTF-8, NUL-terminated, no NUL */
		} text;
	};
};

/* Fills `ev` from one message; false (and `ev` undefined) for anything malformed. */
bool input_message_decode(const uint8_t *buf, size_t len, struct input_event *ev);

/* The evdev BTN_* for a MouseEvent.button, 0 if none. */
uint32_t input_button_to_evdev(enum input_button button);

/* Applies one decoded event to a sink. False when it had no effect because it names a
 * key code we do not know (the caller may count those); frames pointer events itself. */
bool input_dispatch(struct input_sink *sink, const struct input_event *ev);
