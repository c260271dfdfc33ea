/* input_message_decode over any bytes: what decodes must encode back to the same bytes
 * (so nothing is silently reinterpreted), and dispatching it must keep the sink's rules. */
#include <stdlib.h>
#include <string.h>

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
}

static void c_frame(struct input_sink *s)
{
}

static size_t c_text(struct input_sink *s, const char *utf8, size_t len)
{
	if (len == 0 || len > INPUT_TEXT_MAX || strlen(utf8) != len)
		abort();
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_event ev;
	uint8_t again[INPUT_MESSAGE_MAX];
	struct checker c;

	if (!input_message_decode(data, size, &ev))
		return 0;
	if (encode(&ev, again) != size || memcmp(again, data, size) != 0)
		abort();
	/* the same event twice: the second press or release must be dropped */
	memset(&c, 0, sizeof(c));
	input_sink_init(&c.base, &checker_impl);
	input_dispatch(&c.base, &ev);
	input_dispatch(&c.base, &ev);
	input_sink_destroy(&c.base);
	return 0;
}
