/* A Wayland client connection as a GSource on the thread-default GMainContext: the
 * libwayland prepare/read protocol split over GLib's prepare/check/dispatch, so nothing
 * blocks and no other reader steals our events. wayland/conn.c drives wayrtc's one
 * connection with it; a test's foreign client can use it alone. */
#pragma once

#include <glib.h>
#include <wayland-client.h>

/* Called once, from dispatch, when the connection is gone; `reason` is for people.
 * It may free the source (and then disconnect the display). */
typedef void (*wayland_source_lost_fn)(void *data, const char *reason);

/* Attaches to the thread-default context. The display stays the caller's. */
GSource *wayland_source_new(struct wl_display *display, const char *name,
                            wayland_source_lost_fn lost, void *data);
/* Detaches and drops it; call before wl_display_disconnect, never from inside a Wayland
 * event handler of this display. NULL is fine. */
void wayland_source_free(GSource *source);
/* Detaches and drops it, then disconnects the display: at once, or, when called from
 * inside this source's dispatch (an event handler, the lost callback), as soon as that
 * returns, since libwayland is still using the display. NULL is fine. */
void wayland_source_free_disconnect(GSource *source);
/* Why a display failed, in words a person can act on (g_free it). */
char *wayland_display_error(struct wl_display *display);
