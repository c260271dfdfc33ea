/* Clipboard arbitration between the viewers of one share: the desktop's newest text (for
 * late joiners), which viewer's text is being applied (its input waits for that), and whose
 * text the selection now is (not echoed back to it). Main loop only. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arbiter_listener {
	/* The desktop's selection is now `text`: for every viewer allowed to read it but
	 * `except` (the one it came from, or NULL). */
	void (*text)(void *data, GBytes *text, const void *except);
	/* The text `who` sent is the desktop's selection now: its held input may go on.
	 * Also called for a viewer whose wait another viewer's paste cut short. */
	void (*applied)(void *data, void *who);
};

/* NULL with an error when the desktop offers no clipboard (wlr-data-control). */
struct arbiter *arbiter_new(const char *display, const struct arbiter_listener *listener,
                            void *data, GError **error);
void arbiter_free(struct arbiter *arbiter); /* accepts NULL */
/* The desktop's newest text selection, NULL before any; owned by the arbiter. */
GBytes *arbiter_get_text(struct arbiter *arbiter);
/* Makes `who`'s text the desktop's selection; false when refused (invalid UTF-8, too
 * large, the clipboard gone). `applied(who)` follows once the compositor has it. */
bool arbiter_set_text(struct arbiter *arbiter, void *who, const uint8_t *buf, size_t len);
/* `who` is leaving: it is no longer waited for nor the selection's owner. */
void arbiter_forget(struct arbiter *arbiter, const void *who);
