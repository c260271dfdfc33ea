/* wayrtc-test-inject: drives a compositor the way wayrtc does, for tests. It sends a
 * fixed input script through zwp_virtual_keyboard_v1 and zwlr_virtual_pointer_v1
 * (absolute motion to X,Y of the output extent, left click, one wheel step, key A),
 * and with --mode=WxH first resizes the output through zwlr_output_manager_v1. */
#include <errno.h>
#include <getopt.h>
#include <linux/input-event-codes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "virtual-keyboard-unstable-v1-client-protocol.h"
#include "wlr-output-management-unstable-v1-client-protocol.h"
#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

#define MAX_SIDE   8192
#define WHEEL_STEP 10.0
/* Mode objects remembered so their proxies can be freed; more are ignored. */
#define MAX_MODES 16

struct inject {
	struct wl_display *display;
	struct wl_seat *seat;
	struct zwp_virtual_keyboard_manager_v1 *keyboard_manager;
	struct zwlr_virtual_pointer_manager_v1 *pointer_manager;
	struct zwlr_output_manager_v1 *output_manager;
	struct zwlr_output_head_v1 *head; /* the first head */
	struct zwlr_output_mode_v1 *modes[MAX_MODES];
	size_t n_modes;
	uint32_t serial;
	bool done;
	int result; /* 1 succeeded, -1 failed or cancelled */
};

static void head_handle_name(void *data, struct zwlr_output_head_v1 *head, const char *name)
{
}

static void head_handle_description(void *data, struct zwlr_output_head_v1 *head,
                                    const char *description)
{
}

static void head_handle_physical_size(void *data, struct zwlr_output_head_v1 *head, int32_t w,
                                      int32_t h)
{
}

static void head_handle_mode(void *data, struct zwlr_output_head_v1 *head,
                             struct zwlr_output_mode_v1 *mode)
{
	struct inject *inject = data;

	if (inject->n_modes < MAX_MODES)
		inject->modes[inject->n_modes++] = mode;
}

static void head_handle_enabled(void *data, struct zwlr_output_head_v1 *head, int32_t enabled)
{
}

static void head_handle_current_mode(void *data, struct zwlr_output_head_v1 *head,
                                     struct zwlr_output_mode_v1 *mode)
{
}

static void head_handle_position(void *data, struct zwlr_output_head_v1 *head, int32_t x, int32_t y)
{
}

static void head_handle_transform(void *data, struct zwlr_output_head_v1 *head, int32_t t)
{
}

static void head_handle_scale(void *data, struct zwlr_output_head_v1 *head, wl_fixed_t scale)
{
}

static void head_handle_finished(void *data, struct zwlr_output_head_v1 *head)
{
}

static void head_handle_string(void *data, struct zwlr_output_head_v1 *head, const char *s)
{
}

static const struct zwlr_output_head_v1_listener head_listener = {
        .name = head_handle_name,
        .description = head_handle_description,
        .physical_size = head_handle_physical_size,
        .mode = head_handle_mode,
        .enabled = head_handle_enabled,
        .current_mode = head_handle_current_mode,
        .position = head_handle_position,
        .transform = head_handle_transform,
        .scale = head_handle_scale,
        .finished = head_handle_finished,
        .make = head_handle_string,
        .model = head_handle_string,
        .serial_number = head_handle_string,
};

static void manager_handle_head(void *data, struct zwlr_output_manager_v1 *manager,
                                struct zwlr_output_head_v1 *head)
{
	struct inject *inject = data;

	zwlr_output_head_v1_add_listener(head, &head_listener, inject);
	if (!inject->head)
		inject->head = head;
}

static void manager_handle_done(void *data, struct zwlr_output_manager_v1 *manager, uint32_t serial)
{
	struct inject *inject = data;

	inject->serial = serial;
}

static void manager_handle_finished(void *data, struct zwlr_output_manager_v1 *manager)
{
}

static const struct zwlr_output_manager_v1_listener manager_listener = {
        .head = manager_handle_head,
        .done = manager_handle_done,
        .finished = manager_handle_finished,
};

static void config_handle_succeeded(void *data, struct zwlr_output_configuration_v1 *config)
{
	struct inject *inject = data;

	inject->done = true;
	inject->result = 1;
}

static void config_handle_failed(void *data, struct zwlr_output_configuration_v1 *config)
{
	struct inject *inject = data;

	inject->done = true;
	inject->result = -1;
}

static const struct zwlr_output_configuration_v1_listener config_listener = {
        .succeeded = config_handle_succeeded,
        .failed = config_handle_failed,
        .cancelled = config_handle_failed,
};

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
                                   const char *interface, uint32_t version)
{
	struct inject *inject = data;

	if (strcmp(interface, wl_seat_interface.name) == 0 && !inject->seat)
		inject->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	else if (strcmp(interface, zwp_virtual_keyboard_manager_v1_interface.name) == 0)
		inject->keyboard_manager = wl_registry_bind(
		        registry, name, &zwp_virtual_keyboard_manager_v1_interface, 1);
	else if (strcmp(interface, zwlr_virtual_pointer_manager_v1_interface.name) == 0)
		inject->pointer_manager = wl_registry_bind(
		        registry, name, &zwlr_virtual_pointer_manager_v1_interface, 1);
	else if (strcmp(interface, zwlr_output_manager_v1_interface.name) == 0) {
		inject->output_manager =
		        wl_registry_bind(registry, name, &zwlr_output_manager_v1_interface,
		                         version < 2 ? version : 2);
		zwlr_output_manager_v1_add_listener(inject->output_manager, &manager_listener,
		                                    inject);
	}
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_handle_global,
        .global_remove = registry_handle_global_remove,
};

static bool set_mode(struct inject *inject, int width, int height)
{
	struct zwlr_output_configuration_v1 *config;
	struct zwlr_output_configuration_head_v1 *config_head;

	if (!inject->output_manager || !inject->head) {
		fprintf(stderr, "inject: no zwlr_output_manager_v1 or no head\n");
		return false;
	}
	config =
	        zwlr_output_manager_v1_create_configuration(inject->output_manager, inject->serial);
	zwlr_output_configuration_v1_add_listener(config, &config_listener, inject);
	config_head = zwlr_output_configuration_v1_enable_head(config, inject->head);
	zwlr_output_configuration_head_v1_set_custom_mode(config_head, width, height, 0);
	zwlr_output_configuration_v1_apply(config);
	while (!inject->done && wl_display_dispatch(inject->display) >= 0)
		;
	/* The head configuration has no destructor request of its own. */
	wl_proxy_destroy((struct wl_proxy *)config_head);
	zwlr_output_configuration_v1_destroy(config);
	/* Dispatch the new head state (a new mode object) so its proxy is tracked. */
	wl_display_roundtrip(inject->display);
	printf("mode %dx%d %s\n", width, height, inject->result > 0 ? "succeeded" : "failed");
	return inject->result > 0;
}

/* The keymap travels as a sealed-size memfd, the way wayrtc's input sink sends it. */
static bool send_keymap(struct zwp_virtual_keyboard_v1 *keyboard)
{
	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	struct xkb_rule_names names = {.layout = "us"};
	struct xkb_keymap *keymap =
	        context ? xkb_keymap_new_from_names(context, &names, XKB_KEYMAP_COMPILE_NO_FLAGS)
	                : NULL;
	char *text = keymap ? xkb_keymap_get_as_string(keymap, XKB_KEYMAP_FORMAT_TEXT_V1) : NULL;
	size_t size = text ? strlen(text) + 1 : 0;
	int fd = -1;
	bool ok = false;

	if (!text)
		goto out;
	fd = memfd_create("keymap", MFD_CLOEXEC);
	if (fd < 0 || write(fd, text, size) != (ssize_t)size)
		goto out;
	zwp_virtual_keyboard_v1_keymap(keyboard, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd,
	                               (uint32_t)size);
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	xkb_keymap_unref(keymap);
	xkb_context_unref(context);
	return ok;
}

static void inject_finish(struct inject *inject, struct wl_registry *registry)
{
	/* v2 heads have no destructor request: only the proxy goes. */
	for (size_t i = 0; i < inject->n_modes; i++)
		wl_proxy_destroy((struct wl_proxy *)inject->modes[i]);
	if (inject->head)
		wl_proxy_destroy((struct wl_proxy *)inject->head);
	if (inject->output_manager)
		zwlr_output_manager_v1_destroy(inject->output_manager);
	if (inject->pointer_manager)
		zwlr_virtual_pointer_manager_v1_destroy(inject->pointer_manager);
	if (inject->keyboard_manager)
		zwp_virtual_keyboard_manager_v1_destroy(inject->keyboard_manager);
	if (inject->seat)
		wl_seat_destroy(inject->seat);
	wl_registry_destroy(registry);
	wl_display_disconnect(inject->display);
}

static bool parse_pair(const char *s, char sep, int *a, int *b)
{
	char *end;
	long x = strtol(s, &end, 10), y;

	if (end == s || *end != sep)
		return false;
	s = end + 1;
	y = strtol(s, &end, 10);
	if (end == s || *end || x < 0 || y < 0 || x > MAX_SIDE || y > MAX_SIDE)
		return false;
	*a = (int)x;
	*b = (int)y;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
	        {"mode", required_argument, NULL, 'm'},
	        {"at", required_argument, NULL, 'a'},
	        {"extent", required_argument, NULL, 'e'},
	        {"no-input", no_argument, NULL, 'n'},
	        {NULL, 0, NULL, 0},
	};
	struct inject inject = {0};
	struct wl_registry *registry;
	struct zwp_virtual_keyboard_v1 *keyboard;
	struct zwlr_virtual_pointer_v1 *pointer;
	int mode_w = 0, mode_h = 0, x = 0, y = 0, extent_w = 0, extent_h = 0;
	bool input = true;
	uint32_t t = 1;
	int c;

	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case 'm':
			ok = parse_pair(optarg, 'x', &mode_w, &mode_h) && mode_w && mode_h;
			break;
		case 'a':
			ok = parse_pair(optarg, ',', &x, &y);
			break;
		case 'e':
			ok = parse_pair(optarg, 'x', &extent_w, &extent_h) && extent_w && extent_h;
			break;
		case 'n':
			input = false;
			break;
		default:
			ok = false;
		}
		if (!ok) {
			fprintf(stderr,
			        "usage: %s [--mode=WxH] [--at=X,Y --extent=WxH] "
			        "[--no-input]\n",
			        argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	inject.display = wl_display_connect(NULL);
	if (!inject.display) {
		fprintf(stderr, "inject: cannot connect to the Wayland display\n");
		return 1;
	}
	registry = wl_display_get_registry(inject.display);
	wl_registry_add_listener(registry, &registry_listener, &inject);
	wl_display_roundtrip(inject.display);
	wl_display_roundtrip(inject.display);

	if (mode_w && !set_mode(&inject, mode_w, mode_h)) {
		inject_finish(&inject, registry);
		return 1;
	}
	if (!input) {
		inject_finish(&inject, registry);
		return 0;
	}
	if (!inject.seat || !inject.keyboard_manager || !inject.pointer_manager || !extent_w) {
		fprintf(stderr, "inject: missing seat, virtual keyboard/pointer manager, or "
		                "--extent\n");
		inject_finish(&inject, registry);
		return 1;
	}

	pointer = zwlr_virtual_pointer_manager_v1_create_virtual_pointer(inject.pointer_manager,
	                                                                 inject.seat);
	zwlr_virtual_pointer_v1_motion_absolute(pointer, t++, (uint32_t)x, (uint32_t)y,
	                                        (uint32_t)extent_w, (uint32_t)extent_h);
	zwlr_virtual_pointer_v1_frame(pointer);
	zwlr_virtual_pointer_v1_button(pointer, t++, BTN_LEFT, WL_POINTER_BUTTON_STATE_PRESSED);
	zwlr_virtual_pointer_v1_frame(pointer);
	zwlr_virtual_pointer_v1_button(pointer, t++, BTN_LEFT, WL_POINTER_BUTTON_STATE_RELEASED);
	zwlr_virtual_pointer_v1_frame(pointer);
	zwlr_virtual_pointer_v1_axis(pointer, t++, WL_POINTER_AXIS_VERTICAL_SCROLL,
	                             wl_fixed_from_double(WHEEL_STEP));
	zwlr_virtual_pointer_v1_frame(pointer);

	keyboard = zwp_virtual_keyboard_manager_v1_create_virtual_keyboard(inject.keyboard_manager,
	                                                                   inject.seat);
	if (!send_keymap(keyboard)) {
		fprintf(stderr, "inject: cannot build a keymap\n");
		inject_finish(&inject, registry);
		return 1;
	}
	zwp_virtual_keyboard_v1_key(keyboard, t++, KEY_A, WL_KEYBOARD_KEY_STATE_PRESSED);
	zwp_virtual_keyboard_v1_key(keyboard, t++, KEY_A, WL_KEYBOARD_KEY_STATE_RELEASED);

	if (wl_display_roundtrip(inject.display) < 0) {
		fprintf(stderr, "inject: the compositor closed the connection: %s\n",
		        strerror(errno));
		inject_finish(&inject, registry);
		return 1;
	}
	zwp_virtual_keyboard_v1_destroy(keyboard);
	zwlr_virtual_pointer_v1_destroy(pointer);
	wl_display_roundtrip(inject.display);
	inject_finish(&inject, registry);
	printf("injected\n");
	return 0;
}
