/* A Wayland client connection as a GSource on the thread-default GMainContext: the
 * libwayland prepare/read protocol split over GLib's prepare/check/dispatch, so nothing
 * blocks and no other reader steals our events, plus the connection and shared-memory
 * buffers every Wayland client of ours (capture, input sinks, clipboard) needs. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* Connects to `name` (a display name or absolute socket path; NULL: $WAYLAND_DISPLAY)
 * and does one roundtrip with `listener` bound to its registry, so the globals are known
 * on return. `purpose` completes "no Wayland display …" ("to share", "for the
 * clipboard"). NULL with an error a person can act on; *registry is the caller's. */
struct wl_display *wayland_connect(const char *name, const char *purpose,
                                   const struct wl_registry_listener *listener, void *data,
                                   struct wl_registry **registry, GError **error);
/* Why a display failed, in words a person can act on (g_free it). */
char *wayland_display_error(struct wl_display *display);

/* A wl_shm buffer on its own memfd, mapped for reading and writing. */
struct wayland_shm_buffer {
	struct wl_buffer *buffer;
	void *data;
	size_t size;
	uint32_t width, height, stride, format; /* format: wl_shm */
};

/* Frees what `b` held, then makes a buffer of that geometry (`name` labels the memfd);
 * false, with `b` empty, when the memory cannot be had. The caller checks the geometry's
 * sanity first: it sizes a mapping. */
bool wayland_shm_buffer_make(struct wayland_shm_buffer *b, struct wl_shm *shm, const char *name,
                             uint32_t width, uint32_t height, uint32_t stride, uint32_t format);
void wayland_shm_buffer_free(struct wayland_shm_buffer *b); /* empty is fine */
