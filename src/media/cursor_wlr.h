/* The pointer beside wlr-screencopy's frames: one ext-image-copy-capture-v1 pointer cursor
 * session on the captured output, its image captured into SHM each time it changes, and
 * its place and hotspot, reported as capture_cursor. Private to capture_wlr.c. */
#pragma once

#include <wayland-client.h>

#include "ext-image-capture-source-v1-client-protocol.h"
#include "ext-image-copy-capture-v1-client-protocol.h"
#include "media/capture.h"

/* An image the compositor advertises larger than this a side is refused (logged once),
 * rather than sizing a mapping after it; cursors are 24 to 64 px, 256 on HiDPI. */
#define CURSOR_WLR_MAX_SIDE 256

struct cursor_wlr;

struct cursor_wlr_listener {
	/* The pointer moved, left, or has a new image (capture.h's rules). */
	void (*report)(void *data, const struct capture_cursor *cursor);
	/* The session ended for good (the compositor stopped it, or no usable image buffer):
	 * nothing more comes; cursor_wlr_destroy it. `reason` is for a log line. */
	void (*stopped)(void *data, const char *reason);
};

/* Starts the session at once; the objects stay the caller's and must outlive it. The
 * display is flushed after a retry that runs from a timer. */
struct cursor_wlr *cursor_wlr_new(struct wl_display *display, struct wl_shm *shm,
                                  struct ext_image_copy_capture_manager_v1 *manager,
                                  struct ext_output_image_capture_source_manager_v1 *sources,
                                  struct wl_output *output, struct wl_pointer *pointer,
                                  const struct cursor_wlr_listener *listener, void *data);
/* Accepts NULL. From `stopped` too, not from `report`. */
void cursor_wlr_destroy(struct cursor_wlr *cursor);
