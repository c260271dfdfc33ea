/* The pointer beside wlr-screencopy's frames: one ext-image-copy-capture-v1 pointer cursor
 * session on the captured output, its image captured into SHM each time it changes, and
 * its place and hotspot, reported as they come. Used by wayland/screencopy.c. */
#pragma once

#include <wayland-client.h>

#include <stdbool.h>
#include <stdint.h>

#include "ext-image-capture-source-v1-client-protocol.h"
#include "ext-image-copy-capture-v1-client-protocol.h"
#include "wayland/shm.h"

/* An image the compositor advertises larger than this a side is refused (logged once),
 * rather than sizing a mapping after it; cursors are 24 to 64 px, 256 on HiDPI. */
#define WAYLAND_CURSOR_MAX_SIDE 256

struct wayland_cursor;

/* Where the pointer is, and its image when it changed. */
struct wayland_cursor_report {
	bool hidden;                  /* left the output; nothing else counts */
	int32_t x, y;                 /* the hotspot, in the output's buffer pixels */
	int32_t hotspot_x, hotspot_y; /* the image goes at (x - hotspot_x, y - hotspot_y) */
	/* A new image (ARGB8888 or XRGB8888 in wl_shm's codes), valid only during the call;
	 * NULL: the image did not change. */
	const struct wayland_shm_buffer *image;
};

struct wayland_cursor_listener {
	/* The pointer moved, left, or has a new image. */
	void (*report)(void *data, const struct wayland_cursor_report *report);
	/* The session ended for good (the compositor stopped it, or no usable image buffer):
	 * nothing more comes; wayland_cursor_destroy it. `reason` is for a log line. */
	void (*stopped)(void *data, const char *reason);
};

/* Starts the session at once; the objects stay the caller's and must outlive it. The
 * display is flushed after a retry that runs from a timer. */
struct wayland_cursor *
wayland_cursor_new(struct wl_display *display, struct wl_shm *shm,
                   struct ext_image_copy_capture_manager_v1 *manager,
                   struct ext_output_image_capture_source_manager_v1 *sources,
                   struct wl_output *output, struct wl_pointer *pointer,
                   const struct wayland_cursor_listener *listener, void *data);
/* Accepts NULL. From `stopped` too, not from `report`. */
void wayland_cursor_destroy(struct wayland_cursor *cursor);
