/* The compositor trusts our modifier state (a virtual keyboard's keys do not update it):
 * the caller says it with wayland_vkeyboard_modifiers whenever it changes. */
#include "wayland/vkeyboard.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "virtual-keyboard-unstable-v1-client-protocol.h"

#define KEYBOARD_MANAGER_VERSION 1

struct wayland_vkeyboard {
	struct wayland_conn *conn;
	struct zwp_virtual_keyboard_manager_v1 *manager;
	struct zwp_virtual_keyboard_v1 *keyboard;
	bool has_keymap;
};

static uint32_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

struct wayland_vkeyboard *wayland_vkeyboard_new(struct wayland_conn *conn,
                                                struct wayland_seat *seat, GError **error)
{
	struct wayland_vkeyboard *k;
	struct zwp_virtual_keyboard_manager_v1 *manager =
	        wayland_conn_bind(conn, &zwp_virtual_keyboard_manager_v1_interface, 1,
	                          KEYBOARD_MANAGER_VERSION, NULL);

	g_assert(seat && seat->conn == conn);
	if (!manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "“%s” offers no zwp_virtual_keyboard_manager_v1",
		            wayland_conn_name(conn));
		return NULL;
	}
	k = g_new0(struct wayland_vkeyboard, 1);
	k->conn = wayland_conn_ref(conn);
	k->manager = manager;
	k->keyboard = zwp_virtual_keyboard_manager_v1_create_virtual_keyboard(manager, seat->proxy);
	return k;
}

void wayland_vkeyboard_free(struct wayland_vkeyboard *k)
{
	if (!k)
		return;
	zwp_virtual_keyboard_v1_destroy(k->keyboard);
	zwp_virtual_keyboard_manager_v1_destroy(k->manager);
	wayland_conn_unref(k->conn);
	g_free(k);
}

bool wayland_vkeyboard_keymap(struct wayland_vkeyboard *k, const char *text, GError **error)
{
	size_t size = strlen(text) + 1;
	size_t done = 0;
	int fd;

	fd = memfd_create("wayrtc-keymap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto fail;
	while (done < size) {
		ssize_t n = write(fd, text + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail_fd;
		done += (size_t)n;
	}
	/* the compositor maps it: it must not change size or contents under it */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	zwp_virtual_keyboard_v1_keymap(k->keyboard, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd,
	                               (uint32_t)size);
	close(fd);
	k->has_keymap = true;
	return true;
fail_fd:
	close(fd);
fail:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
	            "cannot hand the keymap to the compositor: %s", g_strerror(errno));
	return false;
}

void wayland_vkeyboard_key(struct wayland_vkeyboard *k, uint32_t code, bool pressed)
{
	g_assert(k->has_keymap); /* the compositor would end the connection */
	zwp_virtual_keyboard_v1_key(k->keyboard, now_ms(), code,
	                            pressed ? WL_KEYBOARD_KEY_STATE_PRESSED
	                                    : WL_KEYBOARD_KEY_STATE_RELEASED);
}

void wayland_vkeyboard_modifiers(struct wayland_vkeyboard *k, xkb_mod_mask_t depressed,
                                 xkb_mod_mask_t latched, xkb_mod_mask_t locked,
                                 xkb_layout_index_t group)
{
	g_assert(k->has_keymap);
	zwp_virtual_keyboard_v1_modifiers(k->keyboard, depressed, latched, locked, group);
}
