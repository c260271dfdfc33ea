/* input_message_decode over any bytes: what decodes must encode back to the same bytes
 * (so nothing is silently reinterpreted), and dispatching it must keep the sink's rules.
 * The input is tried whole as one message, then as a stream of messages (each after a
 * length byte) into one sink, as a data channel delivers them: presses and releases
 * across messages, the held state the sink reports, wheel notches accumulated
 * (input_wheel_steps) and the untyped characters a sink notes, and release_all. */
#include <stdlib.h>
#include <string.h>

#include "input/keymap.h"
#include "input/message.h"
#include "input/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t encode(const struct input_event *ev, uint8_t *b)
{
	size_t n;

	b[0] = (uint8_t)ev->type;
	switch (ev->type) {
	case INPUT_EVENT_POINTER_MOVE:
		b[1] = ev->move.x & 0xff;
		b[2] = ev->move.x >> 8;
		b[3] = ev->move.y & 0xff;
		b[4] = ev->move.y >> 8;
		return 5;
	case INPUT_EVENT_BUTTON:
		b[1] = (uint8_t)ev->button.button;
		b[2] = ev->button.pressed;
		return 3;
	case INPUT_EVENT_WHEEL:
		b[1] = (uint16_t)ev->wheel.dx & 0xff;
		b[2] = (uint16_t)ev->wheel.dx >> 8;
		b[3] = (uint16_t)ev->wheel.dy & 0xff;
		b[4] = (uint16_t)ev->wheel.dy >> 8;
		b[5] = (uint8_t)ev->wheel.mode;
		return 6;
	case INPUT_EVENT_KEY:
		n = strlen(ev->key.code);
		b[1] = ev->key.pressed;
		b[2] = (uint8_t)n;
		memcpy(b + 3, ev->key.code, n);
		return 3 + n;
	case INPUT_EVENT_TEXT:
		b[1] = ev->text.len & 0xff;
		b[2] = ev->text.len >> 8;
		memcpy(b + 3, ev->text.utf8, ev->text.len);
		return 3 + ev->text.len;
	case INPUT_EVENT_RELEASE_ALL:
		return 1;
	}
	return 0;
}

/* A sink that checks the wrappers' promise: no double press, no stray release. */
struct checker {
	struct input_sink base;
	uint8_t down[KEY_CNT];
	int32_t rest[2]; /* the wheel's part notch, per axis, as a sink keeps it */
};

static void c_motion(struct input_sink *s, double x, double y)
{
	if (!(x >= 0.0 && x <= 1.0 && y >= 0.0 && y <= 1.0))
		abort();
}

static void c_press(struct input_sink *s, uint32_t code, bool pressed)
{
	struct checker *c = (struct checker *)s;

	if (code == 0 || code >= KEY_CNT || c->down[code] == pressed)
		abort();
	c->down[code] = pressed;
}

static void c_axis(struct input_sink *s, enum input_axis axis, double value, int32_t d120)
{
	struct checker *c = (struct checker *)s;
	int32_t before = c->rest[axis], steps = input_wheel_steps(&c->rest[axis], d120);

	/* whole notches out, a part notch kept, of the sign it came with (a turn back
	 * drops what was kept the other way) */
	if (c->rest[axis] <= -INPUT_WHEEL_V120 || c->rest[axis] >= INPUT_WHEEL_V120 ||
	    (steps > 0 && d120 <= 0) || (steps < 0 && d120 >= 0))
		abort();
	if (((before > 0 && d120 > 0) || (before < 0 && d120 < 0)) &&
	    steps * INPUT_WHEEL_V120 + c->rest[axis] != before + d120)
		abort();
}

static void c_frame(struct input_sink *s)
{
}

static size_t c_text(struct input_sink *s, const char *utf8, size_t len)
{
	if (len == 0 || len > INPUT_TEXT_MAX || strlen(utf8) != len)
		abort();
	/* as a sink does with characters its layout lacks */
	for (const char *p = utf8; p && *p; p = g_utf8_find_next_char(p, NULL)) {
		gunichar u = g_utf8_get_char_validated(p, -1);

		if (u < 0x110000)
			input_sink_note_untyped(s, u);
	}
	return 0;
}

static void c_destroy(struct input_sink *s)
{
	struct checker *c = (struct checker *)s;

	for (size_t i = 0; i < KEY_CNT; i++) {
		if (c->down[i])
			abort(); /* release_all before destroy left something held */
	}
}

static const struct input_sink_impl checker_impl = {
        .pointer_motion_abs = c_motion,
        .pointer_button = c_press,
        .pointer_axis = c_axis,
        .frame = c_frame,
        .key = c_press,
        .text = c_text,
        .destroy = c_destroy,
};

static bool decode_checked(const uint8_t *data, size_t size, struct input_event *ev)
{
	uint8_t again[INPUT_MESSAGE_MAX];

	if (!input_message_decode(data, size, ev))
		return false;
	if (encode(ev, again) != size || memcmp(again, data, size) != 0)
		abort();
	return true;
}

/* what the sink says is held is what reached the desktop */
static void check_held(const struct checker *c, const struct input_event *ev)
{
	uint32_t code = 0;
	bool held = false;

	if (ev->type == INPUT_EVENT_KEY) {
		code = input_keymap_lookup(ev->key.code);
		held = input_sink_key_held(&c->base, code);
	} else if (ev->type == INPUT_EVENT_BUTTON) {
		code = input_button_to_evdev(ev->button.button);
		held = input_sink_button_held(&c->base, code);
	}
	if (code && code < KEY_CNT && held != !!c->down[code])
		abort();
}

static void check_untyped(struct checker *c)
{
	char *untyped = input_sink_take_untyped(&c->base);

	if (untyped && (!g_utf8_validate(untyped, -1, NULL) ||
	                g_utf8_strlen(untyped, -1) > INPUT_SINK_UNTYPED_MAX))
		abort();
	g_free(untyped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_event ev;
	struct checker c;

	/* the whole input as one message, the same event twice: the second press or
	 * release must be dropped */
	if (decode_checked(data, size, &ev)) {
		memset(&c, 0, sizeof(c));
		input_sink_init(&c.base, &checker_impl);
		input_dispatch(&c.base, &ev);
		input_dispatch(&c.base, &ev);
		check_held(&c, &ev);
		check_untyped(&c);
		input_sink_destroy(&c.base);
	}
	/* a stream of messages into one sink */
	memset(&c, 0, sizeof(c));
	input_sink_init(&c.base, &checker_impl);
	for (size_t at = 0; at < size;) {
		size_t n = data[at++];

		if (n > size - at)
			break;
		if (decode_checked(data + at, n, &ev)) {
			input_dispatch(&c.base, &ev);
			check_held(&c, &ev);
		}
		at += n;
	}
	check_untyped(&c);
	input_sink_destroy(&c.base);
	return 0;
}
