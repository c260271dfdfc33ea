/* wlr-screencopy on wayrtc's one connection to the display (wayland/conn.h): the frame
 * loop. Each frame is asked for with copy_with_damage, which the compositor answers only
 * when something changed, so an idle desktop costs nothing; frames land in a pool of SHM
 * buffers. It follows the connection's output and first seat, and, where asked and the
 * compositor can, runs a pointer cursor session (wayland/cursor.c) beside the frames.
 * What a frame becomes is the listener's: media/capture_wlr.c makes it a capture. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wayland/cursor.h"

struct wayland_screencopy;

/* The compositor's word for what changed, unclipped: the consumer clips it. */
struct wayland_screencopy_rect {
	uint32_t x, y, width, height;
};

/* More damage rectangles in one frame than this (a compositor gone mad) count the frame
 * as wholly changed. */
#define WAYLAND_SCREENCOPY_MAX_DAMAGE 1024

/* One copied frame, valid during the `ready` call. */
struct wayland_screencopy_frame {
	uint32_t width, height, stride;
	uint32_t format; /* wl_shm's code (0 and 1 for ARGB8888, XRGB8888; DRM fourccs else) */
	bool y_invert;
	const uint8_t *data;
	/* In the order the compositor sent them; with `whole` they do not count. */
	const struct wayland_screencopy_rect *damage;
	size_t n_damage;
	bool whole; /* count it as wholly changed: new buffers, or too much damage */
	/* the output's transform (enum wl_output_transform) when the frame was ready: the
	 * buffer holds the desktop with it applied */
	uint32_t transform;
};

/* What kind of buffer to copy a frame into (the consumer's rule, media/capture.h). */
enum wayland_screencopy_buffer {
	WAYLAND_SCREENCOPY_BUFFER_NONE = 0, /* nothing usable: the screencopy closes */
	WAYLAND_SCREENCOPY_BUFFER_SHM,
	/* Not built: no encoder imports DMA-BUFs yet, and these machines have no GPU. Taken
	 * as SHM. */
	WAYLAND_SCREENCOPY_BUFFER_DMABUF,
};

/* Any call may destroy the screencopy (wayland_screencopy_destroy then waits for it to
 * return, and nothing more is called). */
struct wayland_screencopy_listener {
	/* Per frame, before its copy: `shm` whether a wl_shm format was offered,
	 * `dmabuf_format` the DRM fourcc screencopy v3 offered, 0 for none. */
	enum wayland_screencopy_buffer (*choose_buffer)(void *data, bool shm,
	                                                uint32_t dmabuf_format);
	/* A frame is copied; the next one is asked for once this returns. */
	void (*ready)(void *data, const struct wayland_screencopy_frame *frame);
	/* It ended (compositor gone, output removed, copies failing); reason in words. */
	void (*closed)(void *data, const char *reason);
	/* Optional (NULL: the pointer is not wanted): the pointer beside the frames, in the
	 * output's buffer pixels; hidden when it left, or when its session ended. */
	void (*cursor)(void *data, const struct wayland_cursor_report *report);
};

struct wayland_screencopy_options {
	const char *display; /* NULL: $WAYLAND_DISPLAY */
	const char *output;  /* wl_output name (v4) to capture; NULL: the first output */
	/* The compositor draws the cursor into each frame, when it cannot travel beside. */
	bool overlay_cursor;
};

/* Starts on the thread-default context's connection; the rule for the pointer is the one
 * capture_wlr_new_with (media/capture.h) states. */
struct wayland_screencopy *
wayland_screencopy_new(const struct wayland_screencopy_options *options,
                       const struct wayland_screencopy_listener *listener, void *data,
                       GError **error);
/* Accepts NULL; from inside a listener call too (it is freed once that call returned). */
void wayland_screencopy_destroy(struct wayland_screencopy *sc);
/* Whether the pointer travels beside the frames (decided at start). */
bool wayland_screencopy_cursor_beside(const struct wayland_screencopy *sc);
