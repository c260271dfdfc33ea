/* A virtual keyboard (zwp_virtual_keyboard_v1) on a seat of wayrtc's connection: keymaps,
 * keys and the modifier state the compositor is to believe. Made without waiting for the
 * compositor; requests go out in order, so keys sent at once follow the keymap. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <xkbcommon/xkbcommon.h>

#include "wayland/conn.h"

struct wayland_vkeyboard;

/* NULL with an error a person can act on when the compositor offers no virtual keyboard. */
struct wayland_vkeyboard *wayland_vkeyboard_new(struct wayland_conn *conn,
                                                struct wayland_seat *seat, GError **error);
void wayland_vkeyboard_free(struct wayland_vkeyboard *keyboard); /* NULL is fine */
/* Hands `text` (an XKB keymap, NUL-terminated) over in a sealed memfd. wlroots refuses keys
 * from a keyboard without a keymap: this comes first. */
bool wayland_vkeyboard_keymap(struct wayland_vkeyboard *keyboard, const char *text, GError **error);
/* code: evdev */
void wayland_vkeyboard_key(struct wayland_vkeyboard *keyboard, uint32_t code, bool pressed);
void wayland_vkeyboard_modifiers(struct wayland_vkeyboard *keyboard, xkb_mod_mask_t depressed,
                                 xkb_mod_mask_t latched, xkb_mod_mask_t locked,
                                 xkb_layout_index_t group);
