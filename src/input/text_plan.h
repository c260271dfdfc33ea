/* The XKB text planner: which key, with which modifiers (or on which momentary keymap),
 * types a character under a given keymap and keyboard state. Pure: xkbcommon only, no
 * compositor, so it is unit-tested (tests/unit/test-text-plan.c) and fuzzed
 * (tests/fuzz/fuzz-text-plan.c). The Wayland sink carries the plans out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xkbcommon/xkbcommon.h>

/* XKB keycode = evdev code + this */
#define TEXT_PLAN_EVDEV_OFFSET 8
/* Modifier keys a plan may hold for a level: Shift, AltGr (level 3), level 5. */
#define TEXT_PLAN_LEVEL_KEYS 3

enum text_plan_kind {
	/* Hold `hold` (in order, released in reverse) around a press and release of `code`:
	 * real modifier keys, from a clean state of the current layout. */
	TEXT_PLAN_PRESS,
	/* Announce exactly `mask` and `layout` as the modifiers around `code`, then what really
	 * holds again; the key itself changes no modifier. */
	TEXT_PLAN_OVERRIDE,
	/* No key of the keymap makes it: announce `keymap` (ours plus `code` with that
	 * symbol), press `code` with no modifiers, and announce the real keymap again. */
	TEXT_PLAN_SPARE,
};

struct text_plan {
	enum text_plan_kind kind;
	uint32_t code; /* evdev code of the key pressed and released; never a held one */
	uint32_t hold[TEXT_PLAN_LEVEL_KEYS]; /* PRESS: evdev codes */
	size_t n_hold;
	xkb_mod_mask_t mask;       /* OVERRIDE */
	xkb_layout_index_t layout; /* OVERRIDE */
	char *keymap;              /* SPARE: XKB text, freed by text_plan_clear */
};

struct text_planner;

/* Takes a reference to `keymap`. NULL when the keymap cannot be serialised. */
struct text_planner *text_planner_new(struct xkb_keymap *keymap);
void text_planner_free(struct text_planner *planner); /* NULL is fine */
/* The keymap as XKB text, as it goes to the compositor (and back after a SPARE plan). */
const char *text_planner_keymap_text(const struct text_planner *planner);

/* The key a character types: Return, Tab and BackSpace for "\n" (and "\r"), "\t" and
 * "\b", not the control characters xkb_utf32_to_keysym would name; XKB_KEY_NoSymbol for
 * what no key can type. */
xkb_keysym_t text_plan_keysym(uint32_t codepoint);

/* Plans `sym` from `state` (what the compositor last heard), never pressing a key held in
 * `held` (a bit per evdev code, as struct input_sink's keys): the lowest level of the
 * current layout first (fewest modifiers), then other layouts, then a spare keycode (one
 * the keymap names but gives no symbols, searched from the top). False when none works
 * (no spare keycode left, or a keysym without a name). */
bool text_planner_plan(const struct text_planner *planner, struct xkb_state *state,
                       const uint8_t *held, xkb_keysym_t sym, struct text_plan *plan);
void text_plan_clear(struct text_plan *plan);
