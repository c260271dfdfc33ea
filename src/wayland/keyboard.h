/* The desktop's keyboard layout, as its first seat's wl_keyboard announces it (again at
 * each change): for the RemoteDesktop portal's text path, which can type through the
 * desktop's own layout only (mutter finds no key for a keysym the layout lacks) and so
 * must know which characters it cannot type. No surface: no key or focus ever arrives. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <xkbcommon/xkbcommon.h>

struct wayland_keyboard;

/* On `display` (NULL: $WAYLAND_DISPLAY), for the thread-default context. NULL with an
 * error when there is no Wayland display. A seat without a keyboard (a headless GNOME
 * before the portal's first key) gives no layout yet: it comes with the capability. */
struct wayland_keyboard *wayland_keyboard_new(const char *display, GError **error);
void wayland_keyboard_free(struct wayland_keyboard *keyboard); /* NULL is fine */
/* The layout the desktop last announced; NULL: none yet (or the seat has no keyboard). */
struct xkb_keymap *wayland_keyboard_keymap(const struct wayland_keyboard *keyboard);
/* Whether a key of the keymap's first layout, at any level, makes `sym`: what a desktop
 * that looks keysyms up in its current layout (mutter) can type, while the person has not
 * switched to another one. */
bool wayland_keymap_types(struct xkb_keymap *keymap, xkb_keysym_t sym);
