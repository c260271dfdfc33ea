/* The desktop's keyboard layout through a wl_keyboard of our own (keyboard.h). */
#define LOG_MODULE "keyboard"
#include "wayland/keyboard.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/log.h"
#include "wayland/conn.h"

/* A keymap larger than this is not believed (real ones are around 60 KiB). */
#define KEYMAP_MAX (4 * 1024 * 1024)

struct wayland_keyboard {
	struct wayland_conn *conn;
	void *observer;
	struct wayland_seat *seat;
	struct wl_keyboard *keyboard;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
};

static void on_keymap(void *data, struct wl_keyboard *wl_keyboard, uint32_t format, int32_t fd,
                      uint32_t size)
{
	struct wayland_keyboard *k = data;
	struct xkb_keymap *keymap = NULL;
	char *text;

	if (format == WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 && size > 0 && size <= KEYMAP_MAX) {
		text = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (text != MAP_FAILED) {
			/* the text ends in a NUL inside `size` */
			keymap = xkb_keymap_new_from_buffer(k->xkb, text, strnlen(text, size),
			                                    XKB_KEYMAP_FORMAT_TEXT_V1,
			                                    XKB_KEYMAP_COMPILE_NO_FLAGS);
			munmap(text, size);
		}
	}
	close(fd);
	if (!keymap) {
		log_warn("the desktop's keyboard layout cannot be read");
		return;
	}
	xkb_keymap_unref(k->keymap);
	k->keymap = keymap;
	log_debug("the desktop's keyboard layout: %s",
	          xkb_keymap_layout_get_name(keymap, 0) ? xkb_keymap_layout_get_name(keymap, 0)
	                                                : "(unnamed)");
}

static void on_enter(void *data, struct wl_keyboard *wl_keyboard, uint32_t serial,
                     struct wl_surface *surface, struct wl_array *keys)
{
}

static void on_leave(void *data, struct wl_keyboard *wl_keyboard, uint32_t serial,
                     struct wl_surface *surface)
{
}

static void on_key(void *data, struct wl_keyboard *wl_keyboard, uint32_t serial, uint32_t time,
                   uint32_t key, uint32_t state)
{
}

static void on_modifiers(void *data, struct wl_keyboard *wl_keyboard, uint32_t serial,
                         uint32_t depressed, uint32_t latched, uint32_t locked, uint32_t group)
{
}

static void on_repeat_info(void *data, struct wl_keyboard *wl_keyboard, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
        .keymap = on_keymap,
        .enter = on_enter,
        .leave = on_leave,
        .key = on_key,
        .modifiers = on_modifiers,
        .repeat_info = on_repeat_info,
};

static void drop_keyboard(struct wayland_keyboard *k)
{
	if (!k->keyboard)
		return;
	if (wl_keyboard_get_version(k->keyboard) >= WL_KEYBOARD_RELEASE_SINCE_VERSION)
		wl_keyboard_release(k->keyboard);
	else
		wl_keyboard_destroy(k->keyboard);
	k->keyboard = NULL;
	g_clear_pointer(&k->keymap, xkb_keymap_unref);
}

static void on_seat_capabilities(void *data, struct wayland_seat *seat)
{
	struct wayland_keyboard *k = data;

	/* the first seat is the one a desktop has */
	if (k->seat && seat != k->seat)
		return;
	k->seat = seat;
	if (!(seat->capabilities & WL_SEAT_CAPABILITY_KEYBOARD)) {
		drop_keyboard(k);
		return;
	}
	if (k->keyboard)
		return;
	k->keyboard = wl_seat_get_keyboard(seat->proxy);
	wl_keyboard_add_listener(k->keyboard, &keyboard_listener, k);
	wayland_conn_flush(k->conn);
}

static void on_seat_removed(void *data, struct wayland_seat *seat)
{
	struct wayland_keyboard *k = data;

	if (seat != k->seat)
		return;
	drop_keyboard(k);
	k->seat = NULL;
}

static void on_lost(void *data, const char *reason)
{
	struct wayland_keyboard *k = data;

	/* the proxies went with the connection; the last layout stays what we know */
	k->keyboard = NULL;
	k->seat = NULL;
}

static const struct wayland_conn_observer conn_observer = {
        .seat_capabilities = on_seat_capabilities,
        .seat_removed = on_seat_removed,
        .lost = on_lost,
};

struct wayland_keyboard *wayland_keyboard_new(const char *display, GError **error)
{
	struct wayland_keyboard *k = g_new0(struct wayland_keyboard, 1);

	k->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	k->conn = wayland_conn_get(display, "to read the keyboard layout", error);
	if (!k->conn || !k->xkb) {
		if (k->conn)
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no XKB context");
		wayland_keyboard_free(k);
		return NULL;
	}
	k->observer = wayland_conn_observe(k->conn, &conn_observer, k);
	if (wayland_conn_seat(k->conn))
		on_seat_capabilities(k, wayland_conn_seat(k->conn));
	return k;
}

void wayland_keyboard_free(struct wayland_keyboard *k)
{
	if (!k)
		return;
	if (k->conn) {
		wayland_conn_unobserve(k->conn, k->observer);
		if (!wayland_conn_lost(k->conn))
			drop_keyboard(k);
		wayland_conn_unref(k->conn);
	}
	xkb_keymap_unref(k->keymap);
	xkb_context_unref(k->xkb);
	g_free(k);
}

struct xkb_keymap *wayland_keyboard_keymap(const struct wayland_keyboard *k)
{
	return k ? k->keymap : NULL;
}

bool wayland_keymap_types(struct xkb_keymap *keymap, xkb_keysym_t sym)
{
	xkb_keycode_t min = xkb_keymap_min_keycode(keymap), max = xkb_keymap_max_keycode(keymap);

	for (xkb_keycode_t code = min; code <= max && code >= min; code++) {
		xkb_level_index_t levels = xkb_keymap_num_levels_for_key(keymap, code, 0);

		for (xkb_level_index_t level = 0; level < levels; level++) {
			const xkb_keysym_t *syms;
			int n = xkb_keymap_key_get_syms_by_level(keymap, code, 0, level, &syms);

			for (int i = 0; i < n; i++) {
				if (syms[i] == sym)
					return true;
			}
		}
	}
	return false;
}
