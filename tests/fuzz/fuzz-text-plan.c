/* The XKB text planner over any state and text: whatever it plans must type the character
 * it was asked for (checked against xkbcommon itself: the hold keys pressed on the state,
 * the announced modifiers, or the momentary keymap compiled), and never press a held key.
 * Input: layout, state flags, a held key, then UTF-8 text (its valid prefix). */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/sink.h"
#include "input/text_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CHARS    16
#define MAX_COMPILES 40 /* momentary keymaps compiled per run: each takes milliseconds */
#define OFFSET       TEXT_PLAN_EVDEV_OFFSET
/* which rule broke, for whoever reads the crash */
#define FAIL()                                                                                     \
	do {                                                                                       \
		fprintf(stderr, "fuzz-text-plan: the rule at line %d broke\n", __LINE__);          \
		abort();                                                                           \
	} while (0)

static const char *const layouts[] = {"us", "de", "fr", "us,ru"};

static struct xkb_context *ctx;
static struct xkb_keymap *keymaps[G_N_ELEMENTS(layouts)];
static struct text_planner *planners[G_N_ELEMENTS(layouts)];
static unsigned compiles;

static void setup(void)
{
	ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!ctx)
		abort();
	for (size_t i = 0; i < G_N_ELEMENTS(layouts); i++) {
		struct xkb_rule_names names = {.layout = layouts[i]};

		keymaps[i] = xkb_keymap_new_from_names(ctx, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
		if (!keymaps[i] || !(planners[i] = text_planner_new(keymaps[i])))
			abort();
	}
}

static bool held_get(const uint8_t *held, uint32_t code)
{
	return code < KEY_CNT && (held[code / 8] & (1u << (code % 8)));
}

static void check(struct xkb_keymap *keymap, struct xkb_state *state, const uint8_t *held,
                  xkb_keysym_t sym, const struct text_plan *plan)
{
	struct xkb_state *t = NULL;
	struct xkb_keymap *spare = NULL;

	if (held_get(held, plan->code))
		FAIL(); /* a second press of a held key would be a repeat */
	switch (plan->kind) {
	case TEXT_PLAN_PRESS:
		if (plan->n_hold > TEXT_PLAN_LEVEL_KEYS)
			FAIL();
		/* from the state the compositor knows, with real keys held */
		t = xkb_state_new(keymap);
		xkb_state_update_mask(
		        t, xkb_state_serialize_mods(state, XKB_STATE_MODS_DEPRESSED),
		        xkb_state_serialize_mods(state, XKB_STATE_MODS_LATCHED),
		        xkb_state_serialize_mods(state, XKB_STATE_MODS_LOCKED), 0, 0,
		        xkb_state_serialize_layout(state, XKB_STATE_LAYOUT_EFFECTIVE));
		for (size_t i = 0; i < plan->n_hold; i++) {
			if (held_get(held, plan->hold[i]))
				FAIL();
			xkb_state_update_key(t, plan->hold[i] + OFFSET, XKB_KEY_DOWN);
		}
		break;
	case TEXT_PLAN_OVERRIDE:
		t = xkb_state_new(keymap);
		xkb_state_update_mask(t, plan->mask, 0, 0, 0, 0, plan->layout);
		break;
	case TEXT_PLAN_SPARE:
		if (!plan->keymap || compiles >= MAX_COMPILES)
			return;
		compiles++;
		spare = xkb_keymap_new_from_string(ctx, plan->keymap, XKB_KEYMAP_FORMAT_TEXT_V1,
		                                   XKB_KEYMAP_COMPILE_NO_FLAGS);
		if (!spare)
			FAIL(); /* the compositor would refuse it */
		t = xkb_state_new(spare);
		break;
	}
	if (xkb_state_key_get_one_sym(t, plan->code + OFFSET) != sym)
		FAIL();
	xkb_state_unref(t);
	xkb_keymap_unref(spare);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t held[KEY_CNT / 8] = {0};
	const char *text, *end, *p;
	struct xkb_state *state;
	size_t k;
	unsigned n = 0;

	if (!ctx)
		setup();
	if (size < 3)
		return 0;
	k = data[0] % G_N_ELEMENTS(layouts);
	state = xkb_state_new(keymaps[k]);
	/* what the person holds or locked, as a sink's state would follow it */
	if (data[1] & 1)
		xkb_state_update_key(state, KEY_LEFTSHIFT + OFFSET, XKB_KEY_DOWN);
	if (data[1] & 2)
		xkb_state_update_key(state, KEY_RIGHTALT + OFFSET, XKB_KEY_DOWN);
	if (data[1] & 4) {
		xkb_state_update_key(state, KEY_CAPSLOCK + OFFSET, XKB_KEY_DOWN);
		xkb_state_update_key(state, KEY_CAPSLOCK + OFFSET, XKB_KEY_UP);
	}
	if (data[1] & 8)
		xkb_state_update_mask(
		        state, xkb_state_serialize_mods(state, XKB_STATE_MODS_DEPRESSED), 0,
		        xkb_state_serialize_mods(state, XKB_STATE_MODS_LOCKED), 0, 0, 1);
	/* a key the person holds: a sink's state has it down too */
	if (data[2]) {
		held[data[2] / 8] |= (uint8_t)(1u << (data[2] % 8));
		xkb_state_update_key(state, data[2] + OFFSET, XKB_KEY_DOWN);
	}
	text = (const char *)data + 3;
	g_utf8_validate_len(text, size - 3, &end);
	for (p = text; p < end && n < MAX_CHARS; p = g_utf8_next_char(p), n++) {
		xkb_keysym_t sym = text_plan_keysym(g_utf8_get_char(p));
		struct text_plan plan;

		if (text_planner_plan(planners[k], state, held, sym, &plan))
			check(keymaps[k], state, held, sym, &plan);
		else if (plan.keymap || plan.n_hold)
			FAIL(); /* a refusal leaves nothing to free */
		text_plan_clear(&plan);
	}
	xkb_state_unref(state);
	return 0;
}
