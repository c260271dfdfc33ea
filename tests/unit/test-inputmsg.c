/* The input channel's messages: every type decodes to exact values, every malformed one is
 * refused; dispatch reaches a recording sink with evdev codes, drops repeats and stray
 * releases, and release_all leaves nothing held. */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "input/message.h"
#include "input/sink.h"
#include "wayland/keyboard.h"

/* ---- decoding ---- */

static void test_decode_valid(void)
{
	struct input_event ev;
	static const uint8_t move[] = {1, 0x34, 0x12, 0xff, 0xff};
	static const uint8_t button[] = {2, 2, 1};
	static const uint8_t wheel[] = {3, 0x88, 0xff, 0x78, 0x00, 1}; /* dx -120, dy 120 */
	static const uint8_t key[] = {4, 1, 4, 'K', 'e', 'y', 'A'};
	static const uint8_t text[] = {5, 5, 0, 'a', 0xc3, 0xa9, 0xe2, 0x82}; /* cut é€ */
	static const uint8_t text_ok[] = {5, 6, 0, 'a', 0xc3, 0xa9, 0xe2, 0x82, 0xac};
	static const uint8_t release[] = {6};

	g_assert_true(input_message_decode(move, sizeof(move), &ev));
	g_assert_cmpint(ev.type, ==, INPUT_EVENT_POINTER_MOVE);
	g_assert_cmpuint(ev.move.x, ==, 0x1234);
	g_assert_cmpuint(ev.move.y, ==, 65535);

	g_assert_true(input_message_decode(button, sizeof(button), &ev));
	g_assert_cmpint(ev.type, ==, INPUT_EVENT_BUTTON);
	g_assert_cmpint(ev.button.button, ==, INPUT_BUTTON_RIGHT);
	g_assert_true(ev.button.pressed);

	g_assert_true(input_message_decode(wheel, sizeof(wheel), &ev));
	g_assert_cmpint(ev.type, ==, INPUT_EVENT_WHEEL);
	g_assert_cmpint(ev.wheel.dx, ==, -120);
	g_assert_cmpint(ev.wheel.dy, ==, 120);
	g_assert_cmpint(ev.wheel.mode, ==, INPUT_WHEEL_LINE);

	g_assert_true(input_message_decode(key, sizeof(key), &ev));
	g_assert_cmpint(ev.type, ==, INPUT_EVENT_KEY);
	g_assert_true(ev.key.pressed);
	g_assert_cmpstr(ev.key.code, ==, "KeyA");

	g_assert_false(input_message_decode(text, sizeof(text), &ev));
	g_assert_true(input_message_decode(text_ok, sizeof(text_ok), &ev));
	g_assert_cmpint(ev.type, ==, INPUT_EVENT_TEXT);
	g_assert_cmpuint(ev.text.len, ==, 6);
	g_assert_cmpstr(ev.text.utf8, ==, "a\xc3\xa9\xe2\x82\xac");

	g_assert_true(input_message_decode(release, sizeof(release), &ev));
	g_assert_cmpint(ev.type, ==, INPUT_EVENT_RELEASE_ALL);
}

static void test_decode_limits(void)
{
	struct input_event ev;
	uint8_t buf[INPUT_MESSAGE_MAX + 8];

	/* the longest key code and text */
	buf[0] = 4;
	buf[1] = 0;
	buf[2] = INPUT_CODE_MAX;
	memset(buf + 3, 'x', INPUT_CODE_MAX);
	g_assert_true(input_message_decode(buf, 3 + INPUT_CODE_MAX, &ev));
	g_assert_cmpuint(strlen(ev.key.code), ==, INPUT_CODE_MAX);
	g_assert_false(ev.key.pressed);
	buf[2] = INPUT_CODE_MAX + 1;
	buf[3 + INPUT_CODE_MAX] = 'x';
	g_assert_false(input_message_decode(buf, 3 + INPUT_CODE_MAX + 1, &ev));

	buf[0] = 5;
	buf[1] = INPUT_TEXT_MAX & 0xff;
	buf[2] = INPUT_TEXT_MAX >> 8;
	memset(buf + 3, 'y', INPUT_TEXT_MAX + 1);
	g_assert_true(input_message_decode(buf, 3 + INPUT_TEXT_MAX, &ev));
	g_assert_cmpuint(ev.text.len, ==, INPUT_TEXT_MAX);
	g_assert_cmpuint(strlen(ev.text.utf8), ==, INPUT_TEXT_MAX);
	buf[1] = (INPUT_TEXT_MAX + 1) & 0xff;
	buf[2] = (INPUT_TEXT_MAX + 1) >> 8;
	g_assert_false(input_message_decode(buf, 3 + INPUT_TEXT_MAX + 1, &ev));
}

static void test_decode_malformed(void)
{
	struct input_event ev;
	static const struct {
		const char *why;
		size_t len;
		uint8_t b[12];
	} bad[] = {
	        {"empty", 0, {0}},
	        {"type 0", 1, {0}},
	        {"unknown type", 1, {7}},
	        {"type 255", 5, {255, 0, 0, 0, 0}},
	        {"move short", 4, {1, 0, 0, 0}},
	        {"move long", 6, {1, 0, 0, 0, 0, 0}},
	        {"button short", 2, {2, 0}},
	        {"button long", 4, {2, 0, 1, 0}},
	        {"button 5", 3, {2, 5, 1}},
	        {"button pressed 2", 3, {2, 0, 2}},
	        {"wheel short", 5, {3, 0, 0, 0, 0}},
	        {"wheel long", 7, {3, 0, 0, 0, 0, 0, 0}},
	        {"wheel mode 3", 6, {3, 0, 0, 0, 0, 3}},
	        {"key no code", 3, {4, 1, 0}},
	        {"key header only", 2, {4, 1}},
	        {"key code cut", 5, {4, 1, 4, 'K', 'e'}},
	        {"key code long", 8, {4, 1, 4, 'K', 'e', 'y', 'A', 'A'}},
	        {"key pressed 7", 7, {4, 7, 4, 'K', 'e', 'y', 'A'}},
	        {"key NUL", 7, {4, 1, 4, 'K', 'e', 0, 'A'}},
	        {"key space", 7, {4, 1, 4, 'K', 'e', ' ', 'A'}},
	        {"key high byte", 7, {4, 1, 4, 'K', 'e', 0xc3, 'A'}},
	        {"text empty", 3, {5, 0, 0}},
	        {"text header cut", 2, {5, 1}},
	        {"text cut", 4, {5, 2, 0, 'a'}},
	        {"text long", 5, {5, 1, 0, 'a', 'b'}},
	        {"text NUL", 4, {5, 1, 0, 0}},
	        {"text lone continuation", 4, {5, 1, 0, 0x80}},
	        {"text overlong", 5, {5, 2, 0, 0xc0, 0xaf}},
	        {"text surrogate", 6, {5, 3, 0, 0xed, 0xa0, 0x80}},
	        {"text beyond U+10FFFF", 7, {5, 4, 0, 0xf4, 0x90, 0x80, 0x80}},
	        {"text 0xff", 4, {5, 1, 0, 0xff}},
	        {"text len 0x100 0x01", 4, {5, 0x01, 0x01, 'a'}},
	        {"release-all long", 2, {6, 0}},
	};

	g_assert_false(input_message_decode(NULL, 0, &ev));
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		/* an exact-size copy, so a read past the end is caught under ASan */
		g_autofree uint8_t *b = g_memdup2(bad[i].b, bad[i].len);

		if (input_message_decode(b, bad[i].len, &ev))
			g_error("accepted: %s", bad[i].why);
	}
}

/* ---- dispatch ---- */

struct recorder {
	struct input_sink base;
	GString *log;
};

static void rec_motion(struct input_sink *sink, double x, double y)
{
	struct recorder *r = (struct recorder *)sink;

	g_string_append_printf(r->log, "move %.4f %.4f;", x, y);
}

static void rec_button(struct input_sink *sink, uint32_t button, bool pressed)
{
	struct recorder *r = (struct recorder *)sink;

	g_string_append_printf(r->log, "button %u %d;", button, pressed);
}

static void rec_axis(struct input_sink *sink, enum input_axis axis, double value, int32_t d120)
{
	struct recorder *r = (struct recorder *)sink;

	g_string_append_printf(r->log, "axis %d %g %d;", axis, value, d120);
}

static void rec_frame(struct input_sink *sink)
{
	struct recorder *r = (struct recorder *)sink;

	g_string_append(r->log, "frame;");
}

static void rec_key(struct input_sink *sink, uint32_t code, bool pressed)
{
	struct recorder *r = (struct recorder *)sink;

	g_string_append_printf(r->log, "key %u %d;", code, pressed);
}

static size_t rec_text(struct input_sink *sink, const char *utf8, size_t len)
{
	struct recorder *r = (struct recorder *)sink;

	g_string_append_printf(r->log, "text %.*s;", (int)len, utf8);
	return 0;
}

static void rec_destroy(struct input_sink *sink)
{
	struct recorder *r = (struct recorder *)sink;

	g_string_append(r->log, "destroy;");
}

static const struct input_sink_impl rec_impl = {
        .pointer_motion_abs = rec_motion,
        .pointer_button = rec_button,
        .pointer_axis = rec_axis,
        .frame = rec_frame,
        .key = rec_key,
        .text = rec_text,
        .destroy = rec_destroy,
};

static bool feed(struct recorder *r, const uint8_t *buf, size_t len)
{
	struct input_event ev;

	g_assert_true(input_message_decode(buf, len, &ev));
	return input_dispatch(&r->base, &ev);
}

#define FEED(r, ...) feed(r, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void test_dispatch(void)
{
	struct recorder r;

	input_sink_init(&r.base, &rec_impl);
	r.log = g_string_new(NULL);

	g_assert_true(FEED(&r, 1, 0x00, 0x40, 0xff, 0xff)); /* 16384/65535, 1.0 */
	g_assert_cmpstr(r.log->str, ==, "move 0.2500 1.0000;frame;");
	g_string_truncate(r.log, 0);

	/* left press, a repeat, release, a stray release; back and forward buttons */
	g_assert_true(FEED(&r, 2, 0, 1));
	g_assert_true(FEED(&r, 2, 0, 1));
	g_assert_true(input_sink_button_held(&r.base, BTN_LEFT));
	g_assert_true(FEED(&r, 2, 0, 0));
	g_assert_true(FEED(&r, 2, 0, 0));
	g_assert_true(FEED(&r, 2, 3, 1));
	g_assert_true(FEED(&r, 2, 4, 1));
	g_assert_cmpstr(r.log->str, ==,
	                "button 272 1;frame;frame;button 272 0;frame;frame;"
	                "button 275 1;frame;button 276 1;frame;");
	g_string_truncate(r.log, 0);

	/* one notch down from a wheel; a touchpad's pixels sideways are not notches */
	g_assert_true(FEED(&r, 3, 0, 0, 120, 0, 1));
	g_assert_true(FEED(&r, 3, 0xc4, 0xff, 0, 0, 0)); /* dx -60 */
	g_assert_cmpstr(r.log->str, ==, "axis 0 15 120;frame;axis 1 -7.5 0;frame;");
	g_string_truncate(r.log, 0);

	/* keys by code; unknown codes change nothing and say so */
	g_assert_true(FEED(&r, 4, 1, 9, 'S', 'h', 'i', 'f', 't', 'L', 'e', 'f', 't'));
	g_assert_true(FEED(&r, 4, 1, 4, 'K', 'e', 'y', 'Z'));
	g_assert_true(FEED(&r, 4, 1, 4, 'K', 'e', 'y', 'Z'));
	g_assert_false(FEED(&r, 4, 1, 4, 'K', 'e', 'y', 'x'));
	g_assert_true(FEED(&r, 5, 2, 0, 'h', 'i'));
	g_assert_cmpstr(r.log->str, ==, "key 42 1;key 44 1;text hi;");
	g_assert_true(input_sink_key_held(&r.base, KEY_LEFTSHIFT));
	g_string_truncate(r.log, 0);

	/* release-all: every key and button, once; nothing after */
	g_assert_true(FEED(&r, 6));
	g_assert_cmpstr(r.log->str, ==, "key 42 0;key 44 0;button 275 0;button 276 0;frame;");
	g_assert_false(input_sink_key_held(&r.base, KEY_LEFTSHIFT));
	g_assert_false(input_sink_button_held(&r.base, BTN_SIDE));
	g_string_truncate(r.log, 0);
	g_assert_true(FEED(&r, 6));
	g_assert_cmpstr(r.log->str, ==, "");

	/* destroy releases what is held first */
	g_assert_true(FEED(&r, 4, 1, 5, 'E', 'n', 't', 'e', 'r'));
	input_sink_destroy(&r.base);
	g_assert_cmpstr(r.log->str, ==, "key 28 1;key 28 0;destroy;");
	input_sink_destroy(NULL);
	g_string_free(r.log, TRUE);
}

static void test_buttons_and_clamp(void)
{
	struct recorder r;

	g_assert_cmpuint(input_button_to_evdev(INPUT_BUTTON_LEFT), ==, BTN_LEFT);
	g_assert_cmpuint(input_button_to_evdev(INPUT_BUTTON_MIDDLE), ==, BTN_MIDDLE);
	g_assert_cmpuint(input_button_to_evdev(INPUT_BUTTON_RIGHT), ==, BTN_RIGHT);
	g_assert_cmpuint(input_button_to_evdev(INPUT_BUTTON_BACK), ==, BTN_SIDE);
	g_assert_cmpuint(input_button_to_evdev(INPUT_BUTTON_FORWARD), ==, BTN_EXTRA);
	g_assert_cmpuint(input_button_to_evdev(9), ==, 0);

	input_sink_init(&r.base, &rec_impl);
	r.log = g_string_new(NULL);
	input_sink_pointer_motion_abs(&r.base, -3.0, 7.0);
	input_sink_pointer_motion_abs(&r.base, 0.0 / 0.0, 0.5);
	input_sink_key(&r.base, 0, true);
	input_sink_key(&r.base, KEY_CNT, true);
	input_sink_pointer_button(&r.base, 0, true);
	input_sink_pointer_axis(&r.base, 2, 1.0, 0);
	g_assert_cmpstr(r.log->str, ==, "move 0.0000 1.0000;move 0.0000 0.5000;");
	g_string_free(r.log, TRUE);
}

/* What a sink's text path could not type is kept once per character, in order, bounded,
 * until taken. */
static void test_untyped(void)
{
	struct recorder r;
	g_autofree char *first = NULL;
	g_autofree char *many = NULL;

	input_sink_init(&r.base, &rec_impl);
	r.log = g_string_new(NULL);
	g_assert_null(input_sink_take_untyped(&r.base));
	input_sink_note_untyped(&r.base, 0xfc); /* ü */
	input_sink_note_untyped(&r.base, 0xe9); /* é */
	input_sink_note_untyped(&r.base, 0xfc);
	first = input_sink_take_untyped(&r.base);
	g_assert_cmpstr(first, ==, "\u00fc\u00e9");
	g_assert_null(input_sink_take_untyped(&r.base));
	for (uint32_t c = 0x4e00; c < 0x4e00 + 2 * INPUT_SINK_UNTYPED_MAX; c++)
		input_sink_note_untyped(&r.base, c);
	input_sink_note_untyped(&r.base, 0x1f600); /* an emoji, past the cap */
	many = input_sink_take_untyped(&r.base);
	g_assert_cmpint(g_utf8_strlen(many, -1), ==, INPUT_SINK_UNTYPED_MAX);
	g_assert_null(strstr(many, "\U0001f600"));
	/* what is still noted goes with the sink */
	input_sink_note_untyped(&r.base, 0xfc);
	input_sink_destroy(&r.base);
	g_string_free(r.log, TRUE);
}

/* The portal's layout check: what the first layout types at any level, and nothing else. */
static void test_keymap_types(void)
{
	struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	struct xkb_rule_names us = {.layout = "us"}, de = {.layout = "de"},
	                      us_de = {.layout = "us,de"};
	struct xkb_keymap *km;

	km = xkb_keymap_new_from_names(ctx, &us, XKB_KEYMAP_COMPILE_NO_FLAGS);
	g_assert_nonnull(km);
	g_assert_true(wayland_keymap_types(km, XKB_KEY_a));
	g_assert_true(wayland_keymap_types(km, XKB_KEY_X)); /* Shift's level */
	g_assert_false(wayland_keymap_types(km, XKB_KEY_udiaeresis));
	g_assert_false(wayland_keymap_types(km, XKB_KEY_eacute));
	xkb_keymap_unref(km);
	km = xkb_keymap_new_from_names(ctx, &de, XKB_KEYMAP_COMPILE_NO_FLAGS);
	g_assert_true(wayland_keymap_types(km, XKB_KEY_udiaeresis));
	g_assert_true(wayland_keymap_types(km, XKB_KEY_EuroSign)); /* AltGr's level */
	xkb_keymap_unref(km);
	/* mutter looks in the current layout: the second one does not count */
	km = xkb_keymap_new_from_names(ctx, &us_de, XKB_KEYMAP_COMPILE_NO_FLAGS);
	g_assert_false(wayland_keymap_types(km, XKB_KEY_udiaeresis));
	xkb_keymap_unref(km);
	xkb_context_unref(ctx);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/inputmsg/decode-valid", test_decode_valid);
	g_test_add_func("/inputmsg/decode-limits", test_decode_limits);
	g_test_add_func("/inputmsg/decode-malformed", test_decode_malformed);
	g_test_add_func("/inputmsg/dispatch", test_dispatch);
	g_test_add_func("/inputmsg/buttons-clamp", test_buttons_and_clamp);
	g_test_add_func("/inputmsg/untyped", test_untyped);
	g_test_add_func("/inputmsg/keymap-types", test_keymap_types);
	return g_test_run();
}
