/* Input sink over the RemoteDesktop portal: positions become stream pixels, wheel notches
 * NotifyPointerAxisDiscrete, smooth scrolling NotifyPointerAxis, keys evdev keycodes and
 * characters without a key keysyms (the portal's desktop finds their key in its layout:
 * one the layout lacks is not typed, and is noted so the viewer is told). */
#define LOG_MODULE "input"
#include "input/sink_portal.h"

#include <glib.h>
#include <xkbcommon/xkbcommon.h>

#include "input/message.h"
#include "util/log.h"
#include "wayland/keyboard.h"
#include "xdp/session.h"

struct sink_portal {
	struct input_sink base;
	struct xdp_session *portal;
	const struct wayland_keyboard *layout; /* NULL: the desktop's layout is unknown */
	int32_t wheel_rest[2]; /* 1/120 notches not yet sent as a whole notch, per axis */
	double scroll[2];      /* smooth scrolling of this frame, pixels */
	bool warned_size;
};

static void portal_motion_abs(struct input_sink *base, double x, double y)
{
	struct sink_portal *s = (struct sink_portal *)base;
	const struct xdp_stream *stream = xdp_session_get_stream(s->portal);

	if (!stream || stream->width <= 0 || stream->height <= 0) {
		if (stream && !s->warned_size)
			log_warn(
			        "the portal did not say the stream's size: pointer motion dropped");
		s->warned_size = true;
		return;
	}
	/* the last pixel, not one past it: 1.0 is the right or bottom edge */
	xdp_session_pointer_motion_absolute(s->portal, x * (stream->width - 1),
	                                    y * (stream->height - 1));
}

static void portal_button(struct input_sink *base, uint32_t button, bool pressed)
{
	struct sink_portal *s = (struct sink_portal *)base;

	xdp_session_pointer_button(s->portal, button, pressed);
}

static void portal_axis(struct input_sink *base, enum input_axis axis, double value,
                        int32_t discrete120)
{
	struct sink_portal *s = (struct sink_portal *)base;
	int32_t steps;

	if (!discrete120) {
		s->scroll[axis] += value;
		return;
	}
	steps = input_wheel_steps(&s->wheel_rest[axis], discrete120);
	if (steps)
		xdp_session_pointer_axis_discrete(s->portal, axis == INPUT_AXIS_VERTICAL ? 0 : 1,
		                                  steps);
}

static void portal_frame(struct input_sink *base)
{
	struct sink_portal *s = (struct sink_portal *)base;

	if (s->scroll[0] == 0 && s->scroll[1] == 0)
		return;
	xdp_session_pointer_axis(s->portal, s->scroll[INPUT_AXIS_HORIZONTAL],
	                         s->scroll[INPUT_AXIS_VERTICAL], false);
	s->scroll[0] = s->scroll[1] = 0;
}

static void portal_key(struct input_sink *base, uint32_t code, bool pressed)
{
	struct sink_portal *s = (struct sink_portal *)base;

	xdp_session_keyboard_keycode(s->portal, code, pressed);
}

static size_t portal_text(struct input_sink *base, const char *utf8, size_t len)
{
	struct sink_portal *s = (struct sink_portal *)base;
	const char *p = utf8, *end = utf8 + len;
	size_t skipped = 0;

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		struct xkb_keymap *keymap;
		xkb_keysym_t sym;

		if (c == (gunichar)-1 || c == (gunichar)-2)
			return skipped + 1; /* the decoder validated it: cannot happen */
		/* a call at a time, text is typed far slower than a page can send it: what
		 * would wait beyond the bound is refused, from here on */
		if (xdp_session_input_waiting(s->portal) + 2 > SINK_PORTAL_WAITING_MAX) {
			size_t rest = (size_t)g_utf8_strlen(p, end - p);

			input_sink_note_refused(base, rest);
			return skipped + rest;
		}
		p = g_utf8_next_char(p);
		sym = xkb_utf32_to_keysym(c);
		if (sym == XKB_KEY_NoSymbol) {
			skipped++;
			continue;
		}
		/* GNOME (mutter) looks the keysym up in its current layout and types nothing
		 * where there is no key for it ("No keycode found for keyval"), though the
		 * portal answers success; RemoteDesktop cannot add a key to the layout */
		keymap = wayland_keyboard_keymap(s->layout);
		if (keymap && !wayland_keymap_types(keymap, sym)) {
			input_sink_note_untyped(base, c);
			skipped++;
			continue;
		}
		xdp_session_keyboard_keysym(s->portal, sym, true);
		xdp_session_keyboard_keysym(s->portal, sym, false);
	}
	return skipped;
}

static void portal_destroy(struct input_sink *base)
{
	g_free(base);
}

static const struct input_sink_impl sink_portal_impl = {
        .pointer_motion_abs = portal_motion_abs,
        .pointer_button = portal_button,
        .pointer_axis = portal_axis,
        .frame = portal_frame,
        .key = portal_key,
        .text = portal_text,
        .destroy = portal_destroy,
};

struct input_sink *input_sink_portal_new(struct xdp_session *portal,
                                         const struct wayland_keyboard *layout)
{
	struct sink_portal *s = g_new0(struct sink_portal, 1);

	input_sink_init(&s->base, &sink_portal_impl);
	s->portal = portal;
	s->layout = layout;
	return &s->base;
}
