/* Text both ways between the desktop's clipboard (the seat's Wayland selection) and
 * wayrtc, over wlr-data-control on wayrtc's one connection to the display
 * (wayland/conn.h) for the thread-default GMainContext of the caller of clipboard_new.
 * Nothing here blocks that loop. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define CLIPBOARD_MAX (256 * 1024) /* bytes of UTF-8 text either way; more is refused */

struct clipboard;

/* Every callback comes from the main loop, never from inside libwayland's dispatch, so
 * each one may call clipboard_set_text or clipboard_free. */
struct clipboard_listener {
	/* The desktop's selection is now this text: valid UTF-8, no NUL, at most
	 * CLIPBOARD_MAX bytes, NUL-terminated for convenience. `ours` is true when it is
	 * the text we set ourselves (so the caller need not echo it to whoever sent it). */
	void (*text)(void *data, const char *utf8, size_t len, bool ours);
	/* The compositor went away or refused us; every later call is a no-op. Optional. */
	void (*closed)(void *data, const char *reason);
};

/* Uses the display's connection (display: name or absolute socket path; NULL:
 * $WAYLAND_DISPLAY; made first, with the wait that takes, if nothing of wayrtc's holds it),
 * binds the data-control manager on its first seat. NULL with a GError a person can act on (e.g.
 * the compositor has no data-control: "the desktop offers no clipboard access
 * (zwlr_data_control_manager_v1)"). The selection the desktop holds already is reported
 * through `text` soon after, like any later one. */
struct clipboard *clipboard_new(const char *display, const struct clipboard_listener *listener,
                                void *data, GError **error);
/* Accepts NULL. Pending `done` callbacks are dropped; requesters still being served lose
 * the rest of the text (their fd is closed). */
void clipboard_free(struct clipboard *clipboard);
/* Makes `utf8` (len bytes, need not be NUL-terminated) the desktop's selection. Invalid
 * UTF-8, NUL bytes or more than CLIPBOARD_MAX: refused, false (also once closed). `done`
 * (may be NULL) is called once the compositor has applied it (a wl_display.sync callback
 * after set_selection), so input sent after that sees the new clipboard; it is not called
 * when the connection is lost or the clipboard freed first. */
bool clipboard_set_text(struct clipboard *clipboard, const char *utf8, size_t len,
                        void (*done)(void *data), void *done_data);

/* The best text MIME type among those an offer lists (one of `types`, as spelt there), or
 * NULL when none is text we take. Pure, for tests. */
const char *clipboard_pick_mime(const char *const *types, size_t n);
