/* Input of wayrtc-session: the seat "seat0", a cursor over the output layout, a default
 * headless keyboard with the XKB_DEFAULT_* keymap (so clients get a keymap before any
 * virtual keyboard exists), and the virtual keyboards and pointers wayrtc creates. */
#define LOG_MODULE "session"
#include "util/log.h"

#include "server.h"

#include <stdlib.h>
#include <time.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_primary_selection.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_virtual_keyboard_v1.h>
#include <wlr/types/wlr_virtual_pointer_v1.h>
#include <wlr/version.h>
#include <xkbcommon/xkbcommon.h>

/* wlroots 0.15.1 never frees the wlr_keyboard of a virtual keyboard (its destroy hook
 * is empty), 352 bytes per viewer connection; we free it once wlroots is done with it. */
#define SESSION_FREE_VIRTUAL_KEYBOARD (WLR_VERSION_NUM == ((0 << 16) | (15 << 8) | 1))

struct session_keyboard {
	struct wl_list link; /* server.keyboards */
	struct server *server;
	struct wlr_input_device *device;
	bool is_virtual;
	struct wl_listener key;
	struct wl_listener modifiers;
	struct wl_listener destroy;
};

static uint32_t now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The device that produced the event becomes the seat keyboard first, so the focused
 * client always decodes keys with that device's keymap. */
static void keyboard_handle_key(struct wl_listener *listener, void *data)
{
	struct session_keyboard *keyboard = wl_container_of(listener, keyboard, key);
	struct wlr_event_keyboard_key *event = data;
	struct wlr_seat *seat = keyboard->server->seat;

	wlr_seat_set_keyboard(seat, keyboard->device);
	wlr_seat_keyboard_notify_key(seat, event->time_msec, event->keycode, event->state);
}

static void keyboard_handle_modifiers(struct wl_listener *listener, void *data)
{
	struct session_keyboard *keyboard = wl_container_of(listener, keyboard, modifiers);
	struct wlr_seat *seat = keyboard->server->seat;

	wlr_seat_set_keyboard(seat, keyboard->device);
	wlr_seat_keyboard_notify_modifiers(seat, &keyboard->device->keyboard->modifiers);
}

static void free_leaked_keyboard(void *data)
{
	free(data);
}

static void keyboard_handle_destroy(struct wl_listener *listener, void *data)
{
	struct session_keyboard *keyboard = wl_container_of(listener, keyboard, destroy);
	struct server *server = keyboard->server;

	/* The device destroy signal comes before wlr_keyboard_destroy runs: free later. */
	if (SESSION_FREE_VIRTUAL_KEYBOARD && keyboard->is_virtual)
		wl_event_loop_add_idle(wl_display_get_event_loop(server->display),
		                       free_leaked_keyboard, keyboard->device->keyboard);

	wl_list_remove(&keyboard->key.link);
	wl_list_remove(&keyboard->modifiers.link);
	wl_list_remove(&keyboard->destroy.link);
	wl_list_remove(&keyboard->link);
	if (keyboard->device == server->default_keyboard)
		server->default_keyboard = NULL;
	else if (server->default_keyboard &&
	         (!wlr_seat_get_keyboard(server->seat) ||
	          wlr_seat_get_keyboard(server->seat) == keyboard->device->keyboard))
		/* Back to the default keymap once the virtual keyboard is gone. */
		wlr_seat_set_keyboard(server->seat, server->default_keyboard);
	free(keyboard);
}

static void keyboard_add(struct server *server, struct wlr_input_device *device, bool is_virtual)
{
	struct session_keyboard *keyboard = calloc(1, sizeof(*keyboard));

	if (!keyboard) {
		log_error("out of memory");
		return;
	}
	keyboard->server = server;
	keyboard->device = device;
	keyboard->is_virtual = is_virtual;
	keyboard->key.notify = keyboard_handle_key;
	wl_signal_add(&device->keyboard->events.key, &keyboard->key);
	keyboard->modifiers.notify = keyboard_handle_modifiers;
	wl_signal_add(&device->keyboard->events.modifiers, &keyboard->modifiers);
	keyboard->destroy.notify = keyboard_handle_destroy;
	wl_signal_add(&device->events.destroy, &keyboard->destroy);
	wl_list_insert(&server->keyboards, &keyboard->link);
}

/* Rules, model, layout, variant and options come from XKB_DEFAULT_* (NULL names);
 * libxkbcommon falls back to "us". */
static bool keyboard_set_default_keymap(struct wlr_keyboard *keyboard)
{
	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	struct xkb_keymap *keymap;
	bool ok;

	if (!context)
		return false;
	keymap = xkb_keymap_new_from_names(context, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!keymap) {
		struct xkb_rule_names us = {.layout = "us"};

		log_warn("the XKB_DEFAULT_* keymap does not compile; using 'us'");
		keymap = xkb_keymap_new_from_names(context, &us, XKB_KEYMAP_COMPILE_NO_FLAGS);
	}
	ok = keymap && wlr_keyboard_set_keymap(keyboard, keymap);
	xkb_keymap_unref(keymap);
	xkb_context_unref(context);
	return ok;
}

static void server_handle_new_input(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_input);
	struct wlr_input_device *device = data;

	switch (device->type) {
	case WLR_INPUT_DEVICE_KEYBOARD:
		if (!keyboard_set_default_keymap(device->keyboard))
			log_error("cannot compile a keymap for %s", device->name);
		wlr_keyboard_set_repeat_info(device->keyboard, SESSION_KEY_REPEAT_RATE,
		                             SESSION_KEY_REPEAT_DELAY_MS);
		keyboard_add(server, device, false);
		if (!server->default_keyboard)
			server->default_keyboard = device;
		wlr_seat_set_keyboard(server->seat, device);
		break;
	case WLR_INPUT_DEVICE_POINTER:
		wlr_cursor_attach_input_device(server->cursor, device);
		break;
	default:
		break;
	}
}

static void server_handle_new_virtual_keyboard(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_virtual_keyboard);
	struct wlr_virtual_keyboard_v1 *virtual_keyboard = data;

	/* The client sends its own keymap; wlroots refuses keys until it has. */
	keyboard_add(server, &virtual_keyboard->input_device, true);
	log_info("virtual keyboard added");
}

static void server_handle_new_virtual_pointer(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_virtual_pointer);
	struct wlr_virtual_pointer_v1_new_pointer_event *event = data;
	struct wlr_input_device *device = &event->new_pointer->input_device;

	wlr_cursor_attach_input_device(server->cursor, device);
	/* Without a suggested output, absolute motion spans the whole layout. */
	if (event->suggested_output)
		wlr_cursor_map_input_to_output(server->cursor, device, event->suggested_output);
	log_info("virtual pointer added");
}

void input_update_pointer_focus(struct server *server, uint32_t time_msec)
{
	double sx, sy;
	struct wlr_surface *surface =
	        view_surface_at(server, server->cursor->x, server->cursor->y, &sx, &sy);

	if (!time_msec)
		time_msec = now_msec();
	if (!surface) {
		wlr_seat_pointer_notify_clear_focus(server->seat);
		return;
	}
	wlr_seat_pointer_notify_enter(server->seat, surface, sx, sy);
	wlr_seat_pointer_notify_motion(server->seat, time_msec, sx, sy);
}

static void cursor_handle_motion(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_motion);
	struct wlr_event_pointer_motion *event = data;

	wlr_cursor_move(server->cursor, event->device, event->delta_x, event->delta_y);
	input_update_pointer_focus(server, event->time_msec);
	capture_update_cursor(server);
}

static void cursor_handle_motion_absolute(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_motion_absolute);
	struct wlr_event_pointer_motion_absolute *event = data;

	wlr_cursor_warp_absolute(server->cursor, event->device, event->x, event->y);
	input_update_pointer_focus(server, event->time_msec);
	capture_update_cursor(server);
}

static void cursor_handle_button(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_button);
	struct wlr_event_pointer_button *event = data;

	/* Click to focus, before the client sees the press it may act on. */
	if (event->state == WLR_BUTTON_PRESSED) {
		double sx, sy;
		struct wlr_surface *surface =
		        view_surface_at(server, server->cursor->x, server->cursor->y, &sx, &sy);

		if (surface)
			view_focus_surface(server, surface);
	}
	wlr_seat_pointer_notify_button(server->seat, event->time_msec, event->button, event->state);
}

static void cursor_handle_axis(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_axis);
	struct wlr_event_pointer_axis *event = data;

	wlr_seat_pointer_notify_axis(server->seat, event->time_msec, event->orientation,
	                             event->delta, event->delta_discrete, event->source);
}

static void cursor_handle_frame(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_frame);

	wlr_seat_pointer_notify_frame(server->seat);
}

static void seat_handle_request_set_selection(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, request_set_selection);
	struct wlr_seat_request_set_selection_event *event = data;

	wlr_seat_set_selection(server->seat, event->source, event->serial);
}

static void seat_handle_request_set_primary_selection(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, request_set_primary_selection);
	struct wlr_seat_request_set_primary_selection_event *event = data;

	wlr_seat_set_primary_selection(server->seat, event->source, event->serial);
}

void input_init(struct server *server)
{
	server->seat = wlr_seat_create(server->display, SESSION_SEAT_NAME);
	server->cursor = wlr_cursor_create();
	if (!server->seat || !server->cursor)
		return;
	/* Both always: input arrives from virtual devices that come and go. */
	wlr_seat_set_capabilities(server->seat,
	                          WL_SEAT_CAPABILITY_POINTER | WL_SEAT_CAPABILITY_KEYBOARD);
	wlr_cursor_attach_output_layout(server->cursor, server->output_layout);

	server->cursor_motion.notify = cursor_handle_motion;
	wl_signal_add(&server->cursor->events.motion, &server->cursor_motion);
	server->cursor_motion_absolute.notify = cursor_handle_motion_absolute;
	wl_signal_add(&server->cursor->events.motion_absolute, &server->cursor_motion_absolute);
	server->cursor_button.notify = cursor_handle_button;
	wl_signal_add(&server->cursor->events.button, &server->cursor_button);
	server->cursor_axis.notify = cursor_handle_axis;
	wl_signal_add(&server->cursor->events.axis, &server->cursor_axis);
	server->cursor_frame.notify = cursor_handle_frame;
	wl_signal_add(&server->cursor->events.frame, &server->cursor_frame);

	server->request_set_selection.notify = seat_handle_request_set_selection;
	wl_signal_add(&server->seat->events.request_set_selection, &server->request_set_selection);
	server->request_set_primary_selection.notify = seat_handle_request_set_primary_selection;
	wl_signal_add(&server->seat->events.request_set_primary_selection,
	              &server->request_set_primary_selection);

	server->new_input.notify = server_handle_new_input;
	wl_signal_add(&server->backend->events.new_input, &server->new_input);

	server->virtual_keyboard_manager = wlr_virtual_keyboard_manager_v1_create(server->display);
	if (server->virtual_keyboard_manager) {
		server->new_virtual_keyboard.notify = server_handle_new_virtual_keyboard;
		wl_signal_add(&server->virtual_keyboard_manager->events.new_virtual_keyboard,
		              &server->new_virtual_keyboard);
	}
	server->virtual_pointer_manager = wlr_virtual_pointer_manager_v1_create(server->display);
	if (server->virtual_pointer_manager) {
		server->new_virtual_pointer.notify = server_handle_new_virtual_pointer;
		wl_signal_add(&server->virtual_pointer_manager->events.new_virtual_pointer,
		              &server->new_virtual_pointer);
	}

	/* Announced by the backend at start, like a physical keyboard would be. */
	if (!wlr_headless_add_input_device(server->backend, WLR_INPUT_DEVICE_KEYBOARD))
		log_warn("cannot add the default keyboard; clients get a keymap only from a "
		         "virtual keyboard");
}

void input_finish(struct server *server)
{
	if (!server->cursor || !server->cursor_motion.notify)
		return;
	wl_list_remove(&server->cursor_motion.link);
	wl_list_remove(&server->cursor_motion_absolute.link);
	wl_list_remove(&server->cursor_button.link);
	wl_list_remove(&server->cursor_axis.link);
	wl_list_remove(&server->cursor_frame.link);
	wl_list_remove(&server->request_set_selection.link);
	wl_list_remove(&server->request_set_primary_selection.link);
	wl_list_remove(&server->new_input.link);
	if (server->virtual_keyboard_manager)
		wl_list_remove(&server->new_virtual_keyboard.link);
	if (server->virtual_pointer_manager)
		wl_list_remove(&server->new_virtual_pointer.link);
	server->cursor_motion.notify = NULL;
}
