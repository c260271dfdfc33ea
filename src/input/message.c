/* Decoder of the input channel's binary messages and their dispatch to a sink. Nothing
 * from the network is trusted: every length is exact, every enum checked, text must be
 * valid UTF-8 and key codes plain ASCII letters and digits. */
#define LOG_MODULE "input"
#include <string.h>

#include "input/keymap.h"
#include "input/message.h"
#include "util/log.h"

/* Fixed message lengths, type byte included. */
#define LEN_MOVE        5 /* type, u16 x, u16 y */
#define LEN_BUTTON      3 /* type, u8 button, u8 pressed */
#define LEN_WHEEL       6 /* type, i16 dx, i16 dy, u8 mode */
#define LEN_KEY_HEADER  3 /* type, u8 pressed, u8 len, then the code */
#define LEN_TEXT_HEADER 3 /* type, u16 len, then the UTF-8 */
#define LEN_RELEASE_ALL 1

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static bool get_bool(uint8_t b, bool *out)
{
	if (b > 1)
		return false;
	*out = b;
	return true;
}

static bool code_char_ok(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool input_message_decode(const uint8_t *buf, size_t len, struct input_event *ev)
{
	size_t n;

	if (!buf || len < 1)
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->type = buf[0];
	switch (buf[0]) {
	case INPUT_EVENT_POINTER_MOVE:
		if (len != LEN_MOVE)
			return false;
		ev->move.x = get_u16(buf + 1);
		ev->move.y = get_u16(buf + 3);
		return true;
	case INPUT_EVENT_BUTTON:
		if (len != LEN_BUTTON || buf[1] > INPUT_BUTTON_FORWARD)
			return false;
		ev->button.button = buf[1];
		return get_bool(buf[2], &ev->button.pressed);
	case INPUT_EVENT_WHEEL:
		if (len != LEN_WHEEL || buf[5] > INPUT_WHEEL_PAGE)
			return false;
		ev->wheel.dx = (int16_t)get_u16(buf + 1);
		ev->wheel.dy = (int16_t)get_u16(buf + 3);
		ev->wheel.mode = buf[5];
		return true;
	case INPUT_EVENT_KEY:
		if (len < LEN_KEY_HEADER)
			return false;
		n = buf[2];
		if (n == 0 || n > INPUT_CODE_MAX || len != LEN_KEY_HEADER + n)
			return false;
		for (size_t i = 0; i < n; i++) {
			if (!code_char_ok(buf[LEN_KEY_HEADER + i]))
				return false;
		}
		memcpy(ev->key.code, buf + LEN_KEY_HEADER, n);
		ev->key.code[n] = '\0';
		return get_bool(buf[1], &ev->key.pressed);
	case INPUT_EVENT_TEXT:
		if (len < LEN_TEXT_HEADER)
			return false;
		n = get_u16(buf + 1);
		if (n == 0 || n > INPUT_TEXT_MAX || len != LEN_TEXT_HEADER + n)
			return false;
		/* g_utf8_validate_len refuses embedded NULs and overlong or surrogate forms */
		if (!g_utf8_validate_len((const char *)buf + LEN_TEXT_HEADER, n, NULL))
			return false;
		memcpy(ev->text.utf8, buf + LEN_TEXT_HEADER, n);
		ev->text.utf8[n] = '\0';
		ev->text.len = n;
		return true;
	case INPUT_EVENT_RELEASE_ALL:
		return len == LEN_RELEASE_ALL;
	default:
		return false;
	}
}

uint32_t input_button_to_evdev(enum input_button button)
{
	switch (button) {
	case INPUT_BUTTON_LEFT:
		return BTN_LEFT;
	case INPUT_BUTTON_MIDDLE:
		return BTN_MIDDLE;
	case INPUT_BUTTON_RIGHT:
		return BTN_RIGHT;
	case INPUT_BUTTON_BACK:
		return BTN_SIDE;
	case INPUT_BUTTON_FORWARD:
		return BTN_EXTRA;
	}
	return 0;
}

static void dispatch_wheel(struct input_sink *sink, const struct input_event *ev)
{
	/* Pixel deltas are smooth scrolling: no notches. Line and page deltas are a wheel. */
	bool discrete = ev->wheel.mode != INPUT_WHEEL_PIXEL;
	int16_t v120[2] = {ev->wheel.dy, ev->wheel.dx};

	for (int axis = INPUT_AXIS_VERTICAL; axis <= INPUT_AXIS_HORIZONTAL; axis++) {
		if (v120[axis] == 0)
			continue;
		input_sink_pointer_axis(sink, axis,
		                        v120[axis] * INPUT_WHEEL_STEP_PX / INPUT_WHEEL_V120,
		                        discrete ? v120[axis] : 0);
	}
	input_sink_frame(sink);
}

bool input_dispatch(struct input_sink *sink, const struct input_event *ev)
{
	uint32_t code;

	switch (ev->type) {
	case INPUT_EVENT_POINTER_MOVE:
		input_sink_pointer_motion_abs(sink, (double)ev->move.x / INPUT_POSITION_MAX,
		                              (double)ev->move.y / INPUT_POSITION_MAX);
		input_sink_frame(sink);
		return true;
	case INPUT_EVENT_BUTTON:
		input_sink_pointer_button(sink, input_button_to_evdev(ev->button.button),
		                          ev->button.pressed);
		input_sink_frame(sink);
		return true;
	case INPUT_EVENT_WHEEL:
		dispatch_wheel(sink, ev);
		return true;
	case INPUT_EVENT_KEY:
		code = input_keymap_lookup(ev->key.code);
		if (!code) {
			log_debug("no key code for “%s”", ev->key.code);
			return false;
		}
		input_sink_key(sink, code, ev->key.pressed);
		return true;
	case INPUT_EVENT_TEXT:
		input_sink_text(sink, ev->text.utf8, ev->text.len);
		return true;
	case INPUT_EVENT_RELEASE_ALL:
		input_sink_release_all(sink);
		return true;
	}
	return false;
}
