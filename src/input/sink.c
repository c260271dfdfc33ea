/* The part of every input sink that does not depend on the backend: which keys and
 * buttons are held, so that repeats and stray releases never reach the desktop and
 * release_all leaves nothing stuck. */
#include <assert.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "input/sink.h"

static bool bit_get(const uint8_t *set, uint32_t code)
{
	return set[code / 8] & (1u << (code % 8));
}

static void bit_put(uint8_t *set, uint32_t code, bool on)
{
	if (on)
		set[code / 8] |= (uint8_t)(1u << (code % 8));
	else
		set[code / 8] &= (uint8_t) ~(1u << (code % 8));
}

int32_t input_wheel_steps(int32_t *rest, int32_t discrete120)
{
	int32_t steps;

	if ((*rest > 0 && discrete120 < 0) || (*rest < 0 && discrete120 > 0))
		*rest = 0;
	*rest += discrete120;
	steps = *rest / INPUT_WHEEL_V120;
	*rest -= steps * INPUT_WHEEL_V120;
	return steps;
}

void input_sink_init(struct input_sink *sink, const struct input_sink_impl *impl)
{
	/* the wrappers call each of these without looking */
	assert(impl && impl->pointer_motion_abs && impl->pointer_button && impl->pointer_axis &&
	       impl->frame && impl->key && impl->text && impl->destroy);
	*sink = (struct input_sink){.impl = impl};
}

static double clamp01(double v)
{
	if (isnan(v) || v < 0.0)
		return 0.0;
	return v > 1.0 ? 1.0 : v;
}

void input_sink_pointer_motion_abs(struct input_sink *sink, double x, double y)
{
	sink->impl->pointer_motion_abs(sink, clamp01(x), clamp01(y));
}

void input_sink_pointer_button(struct input_sink *sink, uint32_t button, bool pressed)
{
	if (button == 0 || button >= INPUT_SINK_CODES || bit_get(sink->buttons, button) == pressed)
		return;
	bit_put(sink->buttons, button, pressed);
	sink->impl->pointer_button(sink, button, pressed);
}

void input_sink_pointer_axis(struct input_sink *sink, enum input_axis axis, double value,
                             int32_t discrete120)
{
	if ((axis != INPUT_AXIS_VERTICAL && axis != INPUT_AXIS_HORIZONTAL) || !isfinite(value))
		return;
	sink->impl->pointer_axis(sink, axis, value, discrete120);
}

void input_sink_frame(struct input_sink *sink)
{
	sink->impl->frame(sink);
}

void input_sink_key(struct input_sink *sink, uint32_t code, bool pressed)
{
	if (code == 0 || code >= INPUT_SINK_CODES || bit_get(sink->keys, code) == pressed)
		return;
	bit_put(sink->keys, code, pressed);
	sink->impl->key(sink, code, pressed);
}

size_t input_sink_text(struct input_sink *sink, const char *utf8, size_t len)
{
	return sink->impl->text(sink, utf8, len);
}

void input_sink_note_untyped(struct input_sink *sink, uint32_t c)
{
	char utf8[8];
	int n = g_unichar_to_utf8(c, utf8);
	char *more;

	utf8[n] = '\0';
	if (sink->untyped && (strstr(sink->untyped, utf8) ||
	                      g_utf8_strlen(sink->untyped, -1) >= INPUT_SINK_UNTYPED_MAX))
		return;
	more = g_strconcat(sink->untyped ? sink->untyped : "", utf8, NULL);
	g_free(sink->untyped);
	sink->untyped = more;
}

char *input_sink_take_untyped(struct input_sink *sink)
{
	return g_steal_pointer(&sink->untyped);
}

void input_sink_note_refused(struct input_sink *sink, size_t n)
{
	sink->refused += n;
}

size_t input_sink_take_refused(struct input_sink *sink)
{
	size_t n = sink->refused;

	sink->refused = 0;
	return n;
}

void input_sink_release_all(struct input_sink *sink)
{
	bool any_button = false;

	for (uint32_t code = 1; code < INPUT_SINK_CODES; code++) {
		if (bit_get(sink->keys, code)) {
			bit_put(sink->keys, code, false);
			sink->impl->key(sink, code, false);
		}
		if (bit_get(sink->buttons, code)) {
			bit_put(sink->buttons, code, false);
			sink->impl->pointer_button(sink, code, false);
			any_button = true;
		}
	}
	if (any_button)
		sink->impl->frame(sink);
}

bool input_sink_key_held(const struct input_sink *sink, uint32_t code)
{
	return code < INPUT_SINK_CODES && bit_get(sink->keys, code);
}

bool input_sink_button_held(const struct input_sink *sink, uint32_t button)
{
	return button < INPUT_SINK_CODES && bit_get(sink->buttons, button);
}

void input_sink_destroy(struct input_sink *sink)
{
	if (!sink)
		return;
	input_sink_release_all(sink);
	g_clear_pointer(&sink->untyped, g_free);
	sink->impl->destroy(sink);
}
