/* Characters without a key of their own are typed by finding the key and level that make
 * them in the keymap, preferring real modifier keys from a clean state (what a person would
 * press), then announcing the level's modifiers around the key, then, as wtype does, a
 * momentary keymap with one spare key. */
#include "input/text_plan.h"

#include <glib.h>
#include <linux/input-event-codes.h>
#include <string.h>

#define MAX_MASKS 8 /* modifier masks looked at per level */

struct text_planner {
	struct xkb_keymap *keymap;
	char *text; /* the keymap serialised */
	/* keys whose level-0 symbol is Shift, ISO_Level3_Shift, ISO_Level5_Shift (0: none),
	 * and the modifier mask each sets when held */
	xkb_keycode_t level_keys[TEXT_PLAN_LEVEL_KEYS];
	xkb_mod_mask_t level_masks[TEXT_PLAN_LEVEL_KEYS];
	xkb_level_index_t max_levels; /* of any key in any layout */
};

static bool held_get(const uint8_t *held, xkb_keycode_t kc)
{
	uint32_t code = kc - TEXT_PLAN_EVDEV_OFFSET;

	return held && code < KEY_CNT && (held[code / 8] & (1u << (code % 8)));
}

static bool key_is(const struct text_planner *p, xkb_keycode_t kc, xkb_keysym_t sym)
{
	const xkb_keysym_t *syms;

	return xkb_keymap_key_get_syms_by_level(p->keymap, kc, 0, 0, &syms) == 1 && syms[0] == sym;
}

/* Finds the keys that select levels, the physical ones people use first (left Shift,
 * right Alt as AltGr), and the modifiers each one sets when held. */
static void find_level_keys(struct text_planner *p)
{
	static const struct {
		xkb_keysym_t sym;
		uint32_t usual; /* evdev code to try first */
	} wanted[TEXT_PLAN_LEVEL_KEYS] = {
	        {XKB_KEY_Shift_L, KEY_LEFTSHIFT},
	        {XKB_KEY_ISO_Level3_Shift, KEY_RIGHTALT},
	        {XKB_KEY_ISO_Level5_Shift, 0},
	};
	xkb_keycode_t min = xkb_keymap_min_keycode(p->keymap);
	xkb_keycode_t max = xkb_keymap_max_keycode(p->keymap);

	for (int i = 0; i < TEXT_PLAN_LEVEL_KEYS; i++) {
		xkb_keycode_t usual = wanted[i].usual + TEXT_PLAN_EVDEV_OFFSET;
		struct xkb_state *t;

		if (wanted[i].usual && key_is(p, usual, wanted[i].sym))
			p->level_keys[i] = usual;
		for (xkb_keycode_t kc = min; !p->level_keys[i] && kc <= max && kc != 0; kc++) {
			if (kc >= TEXT_PLAN_EVDEV_OFFSET && key_is(p, kc, wanted[i].sym))
				p->level_keys[i] = kc;
		}
		if (!p->level_keys[i] || !(t = xkb_state_new(p->keymap)))
			continue;
		xkb_state_update_key(t, p->level_keys[i], XKB_KEY_DOWN);
		p->level_masks[i] = xkb_state_serialize_mods(t, XKB_STATE_MODS_DEPRESSED);
		xkb_state_unref(t);
	}
}

struct text_planner *text_planner_new(struct xkb_keymap *keymap)
{
	struct text_planner *p;
	char *text = xkb_keymap_get_as_string(keymap, XKB_KEYMAP_FORMAT_TEXT_V1);
	xkb_keycode_t min = xkb_keymap_min_keycode(keymap);
	xkb_keycode_t max = xkb_keymap_max_keycode(keymap);

	if (!text)
		return NULL;
	p = g_new0(struct text_planner, 1);
	p->keymap = xkb_keymap_ref(keymap);
	p->text = text;
	find_level_keys(p);
	for (xkb_keycode_t kc = min; kc <= max && kc != 0; kc++) {
		for (xkb_layout_index_t l = 0; l < xkb_keymap_num_layouts_for_key(keymap, kc); l++)
			p->max_levels =
			        MAX(p->max_levels, xkb_keymap_num_levels_for_key(keymap, kc, l));
	}
	return p;
}

void text_planner_free(struct text_planner *p)
{
	if (!p)
		return;
	xkb_keymap_unref(p->keymap);
	free(p->text); /* xkbcommon's malloc */
	g_free(p);
}

const char *text_planner_keymap_text(const struct text_planner *p)
{
	return p->text;
}

xkb_keysym_t text_plan_keysym(uint32_t c)
{
	/* keys, not the control characters xkb_utf32_to_keysym would name */
	if (c == '\n' || c == '\r')
		return XKB_KEY_Return;
	if (c == '\t')
		return XKB_KEY_Tab;
	if (c == '\b')
		return XKB_KEY_BackSpace;
	return xkb_utf32_to_keysym(c);
}

/* Tries holding a set of level keys in a clean state: does `key` then type `sym`? */
static bool try_press(const struct text_planner *p, xkb_keycode_t key, xkb_keysym_t sym,
                      xkb_mod_mask_t mask, struct text_plan *plan)
{
	for (unsigned set = 0; set < (1u << TEXT_PLAN_LEVEL_KEYS); set++) {
		xkb_mod_mask_t got = 0;
		struct xkb_state *t;
		bool ok;

		for (int i = 0; i < TEXT_PLAN_LEVEL_KEYS; i++) {
			if (!(set & (1u << i)))
				continue;
			if (!p->level_keys[i])
				goto next;
			got |= p->level_masks[i];
		}
		if (got != mask)
			continue;
		t = xkb_state_new(p->keymap);
		if (!t)
			return false;
		for (int i = 0; i < TEXT_PLAN_LEVEL_KEYS; i++) {
			if (set & (1u << i))
				xkb_state_update_key(t, p->level_keys[i], XKB_KEY_DOWN);
		}
		ok = xkb_state_key_get_one_sym(t, key) == sym;
		xkb_state_unref(t);
		if (ok) {
			plan->kind = TEXT_PLAN_PRESS;
			plan->n_hold = 0;
			for (int i = 0; i < TEXT_PLAN_LEVEL_KEYS; i++) {
				if (set & (1u << i))
					plan->hold[plan->n_hold++] =
					        p->level_keys[i] - TEXT_PLAN_EVDEV_OFFSET;
			}
			return true;
		}
	next:;
	}
	return false;
}

static bool try_override(const struct text_planner *p, xkb_keycode_t key, xkb_layout_index_t layout,
                         xkb_keysym_t sym, xkb_mod_mask_t mask)
{
	struct xkb_state *t = xkb_state_new(p->keymap);
	bool ok;

	if (!t)
		return false;
	xkb_state_update_mask(t, mask, 0, 0, 0, 0, layout);
	ok = xkb_state_key_get_one_sym(t, key) == sym;
	xkb_state_unref(t);
	return ok;
}

/* The lowest level of the current layout first (fewest modifiers), then other layouts. */
static bool plan_key(const struct text_planner *p, struct xkb_state *state, const uint8_t *held,
                     xkb_keysym_t sym, struct text_plan *plan)
{
	xkb_keycode_t min = xkb_keymap_min_keycode(p->keymap);
	xkb_keycode_t max = xkb_keymap_max_keycode(p->keymap);
	xkb_layout_index_t current = xkb_state_serialize_layout(state, XKB_STATE_LAYOUT_EFFECTIVE);
	xkb_layout_index_t n_layouts = xkb_keymap_num_layouts(p->keymap);
	/* real modifier keys only from a clean state: held or locked modifiers would change
	 * the level under us */
	bool clean = xkb_state_serialize_mods(state, XKB_STATE_MODS_EFFECTIVE) == 0;

	for (xkb_layout_index_t i = 0; i < n_layouts; i++) {
		xkb_layout_index_t layout = (current + i) % n_layouts;

		for (xkb_level_index_t level = 0; level < p->max_levels; level++) {
			for (xkb_keycode_t kc = min; kc <= max && kc != 0; kc++) {
				const xkb_keysym_t *syms;
				xkb_mod_mask_t masks[MAX_MASKS];
				size_t n_masks;

				if (layout >= xkb_keymap_num_layouts_for_key(p->keymap, kc) ||
				    level >= xkb_keymap_num_levels_for_key(p->keymap, kc, layout))
					continue;
				if (xkb_keymap_key_get_syms_by_level(p->keymap, kc, layout, level,
				                                     &syms) != 1 ||
				    syms[0] != sym)
					continue;
				/* a second press of a held key would be a repeat */
				if (kc < TEXT_PLAN_EVDEV_OFFSET || held_get(held, kc))
					continue;
				n_masks = xkb_keymap_key_get_mods_for_level(
				        p->keymap, kc, layout, level, masks, MAX_MASKS);
				*plan = (struct text_plan){
				        .code = kc - TEXT_PLAN_EVDEV_OFFSET,
				        .layout = layout,
				};
				for (size_t m = 0; clean && layout == current && m < n_masks; m++) {
					if (try_press(p, kc, sym, masks[m], plan))
						return true;
				}
				for (size_t m = 0; m < n_masks; m++) {
					if (try_override(p, kc, layout, sym, masks[m])) {
						plan->kind = TEXT_PLAN_OVERRIDE;
						plan->mask = masks[m];
						return true;
					}
				}
			}
		}
	}
	return false;
}

/* A keycode the keymap names but gives no symbols (evdev leaves many unused), searched
 * from the top so ordinary keys are never borrowed; 0 when there is none. */
static xkb_keycode_t spare_keycode(const struct text_planner *p, const uint8_t *held)
{
	xkb_keycode_t min = xkb_keymap_min_keycode(p->keymap);

	for (xkb_keycode_t kc = xkb_keymap_max_keycode(p->keymap); kc > min; kc--) {
		if (kc > TEXT_PLAN_EVDEV_OFFSET && xkb_keymap_key_get_name(p->keymap, kc) &&
		    xkb_keymap_num_layouts_for_key(p->keymap, kc) == 0 && !held_get(held, kc))
			return kc;
	}
	return 0;
}

/* Our keymap plus one spare key with that symbol: the symbols section is the last one,
 * and its "};" line ends before the keymap's. */
static bool plan_spare(const struct text_planner *p, const uint8_t *held, xkb_keysym_t sym,
                       struct text_plan *plan)
{
	xkb_keycode_t kc = spare_keycode(p, held);
	const char *symbols, *end;
	GString *extended;
	char name[64];

	if (!kc || xkb_keysym_get_name(sym, name, sizeof(name)) <= 0)
		return false;
	symbols = strstr(p->text, "xkb_symbols");
	end = symbols ? strstr(symbols, "\n};") : NULL;
	if (!end)
		return false;
	extended = g_string_new_len(p->text, end - p->text);
	g_string_append_printf(extended, "\n\tkey <%s> { [ %s ] };%s",
	                       xkb_keymap_key_get_name(p->keymap, kc), name, end);
	*plan = (struct text_plan){
	        .kind = TEXT_PLAN_SPARE,
	        .code = kc - TEXT_PLAN_EVDEV_OFFSET,
	        .keymap = g_string_free(extended, FALSE),
	};
	return true;
}

bool text_planner_plan(const struct text_planner *p, struct xkb_state *state, const uint8_t *held,
                       xkb_keysym_t sym, struct text_plan *plan)
{
	g_assert(p && state && plan);
	*plan = (struct text_plan){0};
	if (sym == XKB_KEY_NoSymbol)
		return false;
	if (plan_key(p, state, held, sym, plan) || plan_spare(p, held, sym, plan)) {
		g_assert(plan->code < KEY_CNT &&
		         !held_get(held, plan->code + TEXT_PLAN_EVDEV_OFFSET));
		g_assert(plan->n_hold <= TEXT_PLAN_LEVEL_KEYS);
		return true;
	}
	*plan = (struct text_plan){0};
	return false;
}

void text_plan_clear(struct text_plan *plan)
{
	g_free(plan->keymap);
	*plan = (struct text_plan){0};
}
