/* Browser key codes to Linux key codes: KeyboardEvent.code names a physical key
 * ("KeyA" is where A sits on a US keyboard), so the desktop's own layout decides which
 * character it types. Pure table lookups, no state. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct input_keymap_entry {
	const char *code; /* KeyboardEvent.code */
	uint32_t evdev;   /* KEY_* from linux/input-event-codes.h */
	/* An older name some browser still sends for a key that has a standard one
	 * (Firefox's "OSLeft" for "MetaLeft"): same evdev code as the standard name. */
	const char *alias_of;
};

/* The evdev code for a KeyboardEvent.code, or 0 (KEY_RESERVED) when unknown. */
uint32_t input_keymap_lookup(const char *code);

/* The whole table, sorted by strcmp() of `code`, for tests and documentation. */
const struct input_keymap_entry *input_keymap_table(size_t *n_entries);
