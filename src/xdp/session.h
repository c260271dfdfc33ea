/* wayrtc's xdg-desktop-portal client: one ScreenCast session, or a RemoteDesktop session
 * with a screen cast in it, over GDBus on the thread-default main context. The desktop's
 * own consent dialog decides; a restore token from an earlier run lets it skip the dialog
 * where the portal allows (ScreenCast; RemoteDesktop from version 2). */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

/* RemoteDesktop device types (the portal's bit values) */
#define XDP_DEVICE_KEYBOARD 1u
#define XDP_DEVICE_POINTER  2u

/* ScreenCast cursor modes (the portal's bit values) */
#define XDP_CURSOR_HIDDEN   1u
#define XDP_CURSOR_EMBED    2u /* drawn into the frames */
#define XDP_CURSOR_METADATA 4u /* beside them, as PipeWire SPA_META_Cursor */

struct xdp_stream {
	uint32_t node_id;      /* the PipeWire node to capture */
	int32_t x, y;          /* the monitor's place in the desktop, if the portal says */
	int32_t width, height; /* its size in pixels; 0 if the portal did not say */
};

struct xdp_listener {
	/* The person agreed. `pw_fd` (OpenPipeWireRemote) is the listener's to close;
	 * `devices` what input was granted (0 for a screen cast only). */
	void (*started)(void *data, const struct xdp_stream *stream, int pw_fd, uint32_t devices);
	/* The session could not start or has ended (the person cancelled or stopped
	 * sharing, the portal failed); in words. Nothing follows. */
	void (*closed)(void *data, const char *reason);
};

struct xdp_options {
	bool remote_desktop;       /* ask for keyboard and pointer too */
	const char *restore_token; /* from an earlier run, or NULL */
};

/* Starts the session at once (CreateSession → SelectDevices → SelectSources → Start →
 * OpenPipeWireRemote); the outcome comes through the listener. `bus` NULL: the session
 * bus. NULL with an error only when the portal cannot be asked at all. */
struct xdp_session *xdp_session_new(GDBusConnection *bus, const struct xdp_options *options,
                                    const struct xdp_listener *listener, void *data,
                                    GError **error);
/* Closes the session (the desktop stops sharing). Keysyms still waiting to be typed are
 * dropped (one already pressed is released); other input still waiting goes out first.
 * NULL is fine. */
void xdp_session_free(struct xdp_session *portal);
/* The restore token the portal gave for this session, to keep for the next run; NULL
 * when it gave none (it does not persist RemoteDesktop sessions before version 2). */
const char *xdp_session_get_restore_token(struct xdp_session *portal);

/* The cursor mode asked for (XDP_CURSOR_*): with METADATA the frames hold no pointer
 * and wayrtc must send it to the browser itself. */
uint32_t xdp_session_get_cursor_mode(struct xdp_session *portal);

/* The stream being shared, NULL before the person agreed. */
const struct xdp_stream *xdp_session_get_stream(struct xdp_session *portal);

/* Input, once started with the devices granted; otherwise ignored. Positions are in the
 * stream's pixels, buttons and keys evdev codes. The desktop gets them in this order:
 * each call goes out once the portal has answered the one before (an absolute position
 * still waiting is replaced by a newer one; nothing else is dropped). */
void xdp_session_pointer_motion_absolute(struct xdp_session *portal, double x, double y);
void xdp_session_pointer_button(struct xdp_session *portal, uint32_t button, bool pressed);
/* Smooth scrolling in pixels; `finish` ends a scroll sequence. */
void xdp_session_pointer_axis(struct xdp_session *portal, double dx, double dy, bool finish);
/* Wheel notches: axis 0 vertical, 1 horizontal; positive down/right. */
void xdp_session_pointer_axis_discrete(struct xdp_session *portal, uint32_t axis, int32_t steps);
void xdp_session_keyboard_keycode(struct xdp_session *portal, uint32_t keycode, bool pressed);
void xdp_session_keyboard_keysym(struct xdp_session *portal, uint32_t keysym, bool pressed);
/* How many input events wait to be sent: each waits for the answer to the one before, a
 * round trip through the frontend, the desktop's portal and the compositor (1 to 250 ms
 * a call on GNOME, measured), so the text path bounds itself by it. */
unsigned xdp_session_input_waiting(struct xdp_session *portal);

/* Pure helpers, for tests. */
/* The object path a Request gets for `token`, given our unique bus name (":1.42"). */
char *xdp_request_path(const char *unique_name, const char *token);
/* Reads the first stream of a Start response's results (a{sv} with "streams"). */
bool xdp_parse_streams(GVariant *results, struct xdp_stream *stream, GError **error);
/* METADATA when the portal's AvailableCursorModes offers it, else EMBED, else HIDDEN. */
uint32_t xdp_choose_cursor_mode(uint32_t available);
/* What a Response code means for a person: 1 cancelled, 2 anything else. */
const char *xdp_response_reason(uint32_t response);
