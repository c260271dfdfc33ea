/* The XKB text planner without a compositor: which keys type a character in "us" and "de",
 * with and without modifiers held, around held keys, and on a spare key when the layout
 * has none; the momentary keymap must compile and give that key the character. */
#include <glib.h>
#include <linux/input-event-codes.h>

#include "input/sink.h"
#include "input/text_plan.h"

struct layout {
	struct xkb_context *ctx;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	struct text_planner *planner;
	uint8_t held[INPUT_SINK_CODES / 8];
};

static void layout_init(struct layout *l, const char *name)
{
	struct xkb_rule_names names = {.layout = name};

	*l = (struct layout){0};
	l->ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	l->keymap = xkb_keymap_new_from_names(l->ctx, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
	g_assert_nonnull(l->keymap);
	l->state = xkb_state_new(l->keymap);
	l->planner = text_planner_new(l->keymap);
	g_assert_nonnull(l->planner);
}

static void layout_clear(struct layout *l)
{
	text_planner_free(l->planner);
	xkb_state_unref(l->state);
	xkb_keymap_unref(l->keymap);
	xkb_context_unref(l->ctx);
}

static void hold(struct layout *l, uint32_t code)
{
	l->held[code / 8] |= (uint8_t)(1u << (code % 8));
	xkb_state_update_key(l->state, code + TEXT_PLAN_EVDEV_OFFSET, XKB_KEY_DOWN);
}

static struct text_plan plan(struct layout *l, uint32_t c)
{
	struct text_plan p;

	g_assert_true(text_planner_plan(l->planner, l->state, l->held, text_plan_keysym(c), &p));
	return p;
}

static void assert_press(struct layout *l, uint32_t c, uint32_t code, uint32_t hold0,
                         uint32_t hold1)
{
	struct text_plan p = plan(l, c);
	size_t n = (hold0 != 0) + (hold1 != 0);

	g_assert_cmpint(p.kind, ==, TEXT_PLAN_PRESS);
	g_assert_cmpuint(p.code, ==, code);
	g_assert_cmpuint(p.n_hold, ==, n);
	if (hold0)
		g_assert_cmpuint(p.hold[0], ==, hold0);
	if (hold1)
		g_assert_cmpuint(p.hold[1], ==, hold1);
	text_plan_clear(&p);
}

static void test_keysym(void)
{
	g_assert_cmpuint(text_plan_keysym('\n'), ==, XKB_KEY_Return);
	g_assert_cmpuint(text_plan_keysym('\r'), ==, XKB_KEY_Return);
	g_assert_cmpuint(text_plan_keysym('\t'), ==, XKB_KEY_Tab);
	g_assert_cmpuint(text_plan_keysym('\b'), ==, XKB_KEY_BackSpace);
	g_assert_cmpuint(text_plan_keysym('a'), ==, XKB_KEY_a);
	g_assert_cmpuint(text_plan_keysym(0x2603), ==, 0x1002603); /* ☃ */
}

/* What a person would press: Shift for capitals, nothing for the rest. */
static void test_us(void)
{
	struct layout l;
	struct text_plan p;

	layout_init(&l, "us");
	assert_press(&l, 'a', KEY_A, 0, 0);
	assert_press(&l, 'A', KEY_A, KEY_LEFTSHIFT, 0);
	assert_press(&l, '1', KEY_1, 0, 0);
	assert_press(&l, '!', KEY_1, KEY_LEFTSHIFT, 0);
	assert_press(&l, '\n', KEY_ENTER, 0, 0);
	assert_press(&l, '\t', KEY_TAB, 0, 0);
	assert_press(&l, ' ', KEY_SPACE, 0, 0);
	/* nothing for what no key can type */
	g_assert_false(text_planner_plan(l.planner, l.state, l.held, XKB_KEY_NoSymbol, &p));
	g_assert_null(p.keymap);
	layout_clear(&l);
}

/* AltGr for "@", "z" where US has Y, "ß" where US has "-". */
static void test_de(void)
{
	struct layout l;

	layout_init(&l, "de");
	assert_press(&l, 'z', KEY_Y, 0, 0);
	assert_press(&l, '@', KEY_Q, KEY_RIGHTALT, 0);
	assert_press(&l, 0xdf, KEY_MINUS, 0, 0);
	layout_clear(&l);
}

/* A held Shift: the level's modifiers are announced around the key instead, so "z" stays
 * "z" and the real Shift is not touched. */
static void test_override(void)
{
	struct layout l;
	struct text_plan p;

	layout_init(&l, "de");
	hold(&l, KEY_LEFTSHIFT);
	p = plan(&l, 'z');
	g_assert_cmpint(p.kind, ==, TEXT_PLAN_OVERRIDE);
	g_assert_cmpuint(p.code, ==, KEY_Y);
	g_assert_cmpuint(p.mask, ==, 0);
	g_assert_cmpuint(p.layout, ==, 0);
	text_plan_clear(&p);
	p = plan(&l, 'Z');
	g_assert_cmpint(p.kind, ==, TEXT_PLAN_OVERRIDE);
	g_assert_cmpuint(p.code, ==, KEY_Y);
	g_assert_cmpuint(p.mask, !=, 0);
	text_plan_clear(&p);
	layout_clear(&l);
}

/* A character the layout lacks goes on a spare key of a momentary keymap that compiles and
 * types it; a held key is never chosen, not even as the spare one. */
static void test_spare(void)
{
	struct layout l;
	struct text_plan p;
	struct xkb_keymap *spare;
	struct xkb_state *t;
	uint32_t first;

	layout_init(&l, "us");
	p = plan(&l, 0x2603);
	g_assert_cmpint(p.kind, ==, TEXT_PLAN_SPARE);
	g_assert_nonnull(p.keymap);
	first = p.code;
	spare = xkb_keymap_new_from_string(l.ctx, p.keymap, XKB_KEYMAP_FORMAT_TEXT_V1,
	                                   XKB_KEYMAP_COMPILE_NO_FLAGS);
	g_assert_nonnull(spare);
	t = xkb_state_new(spare);
	g_assert_cmpuint(xkb_state_key_get_one_sym(t, p.code + TEXT_PLAN_EVDEV_OFFSET), ==,
	                 0x1002603);
	xkb_state_unref(t);
	xkb_keymap_unref(spare);
	/* the real keymap is untouched, for after the key */
	g_assert_null(g_strstr_len(text_planner_keymap_text(l.planner), -1, "U2603"));
	text_plan_clear(&p);

	/* held: "a" has no other key, so it goes on a spare one; the spare key itself held:
	 * the next one down */
	hold(&l, KEY_A);
	p = plan(&l, 'a');
	g_assert_cmpint(p.kind, ==, TEXT_PLAN_SPARE);
	g_assert_cmpuint(p.code, !=, KEY_A);
	text_plan_clear(&p);
	l.held[first / 8] |= (uint8_t)(1u << (first % 8));
	p = plan(&l, 0x2603);
	g_assert_cmpuint(p.code, !=, first);
	text_plan_clear(&p);
	layout_clear(&l);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/text-plan/keysym", test_keysym);
	g_test_add_func("/text-plan/us", test_us);
	g_test_add_func("/text-plan/de", test_de);
	g_test_add_func("/text-plan/override", test_override);
	g_test_add_func("/text-plan/spare", test_spare);
	return g_test_run();
}
