/* A capture source hands over screen frames with their damage. Sources: wlr-screencopy
 * (capture_wlr.c) and a PipeWire stream, as the portal gives (capture_pw.c). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture_rect {
	int32_t x, y;
	uint32_t width, height;
};

#define CAPTURE_MAX_DAMAGE 16

struct capture_frame {
	uint32_t width, height, stride;
	uint32_t format; /* DRM fourcc: DRM_FORMAT_XRGB8888 ('XR24') etc., little-endian */
	bool y_invert;
	const uint8_t *data; /* valid only during the frame callback */
	/* 0: the whole frame changed; rectangles that are all empty: nothing did (a source
	 * may still hand such a frame over, and the encoder skips it) */
	size_t n_damage;
	struct capture_rect damage[CAPTURE_MAX_DAMAGE];
	int64_t ready_us; /* g_get_monotonic_time() when the compositor said ready */
};

/* The pointer, for sources that report it beside the frames (PipeWire cursor metadata)
 * rather than painting it into them (wlr-screencopy). */
struct capture_cursor {
	bool hidden;  /* invisible or outside the shared area; nothing else counts */
	int32_t x, y; /* where the pointer points, in frame pixels (may lie outside) */
	int32_t hotspot_x, hotspot_y; /* the image goes at (x - hotspot_x, y - hotspot_y) */
	/* A new image, valid only during the callback; NULL: the image did not change
	 * (keep the last one). */
	const uint8_t *bitmap;
	uint32_t width, height, stride;
	uint32_t format; /* DRM fourcc of the bitmap, as capture_frame.format */
};

struct capture_listener {
	/* A new frame with damage; the source asks for the next one after this returns. */
	void (*frame)(void *data, const struct capture_frame *frame);
	/* The source ended (compositor gone, output removed); reason in words. */
	void (*closed)(void *data, const char *reason);
	/* Optional (NULL: not wanted): the pointer moved or changed shape. */
	void (*cursor)(void *data, const struct capture_cursor *cursor);
};

/* What the compositor offered for one frame, and what the consumer can take. */
struct capture_offer {
	bool shm;               /* a wl_shm format was offered (always, in practice) */
	uint32_t dmabuf_format; /* DRM fourcc from linux_dmabuf (screencopy v3); 0: none */
};

struct capture_import {
	bool render_node;               /* a GPU render node to allocate DMA-BUFs on (/dev/dri) */
	const uint32_t *dmabuf_formats; /* DRM fourccs the encoder imports zero-copy */
	size_t n_dmabuf_formats;
};

enum capture_buffer_kind {
	CAPTURE_BUFFER_NONE = 0, /* nothing usable: the source must give up */
	CAPTURE_BUFFER_SHM,
	CAPTURE_BUFFER_DMABUF,
};

/* DMA-BUF only when the compositor offers it, a render node exists to allocate it and the
 * encoder imports that format; else shared memory. Pure, so the rule is tested here even
 * on machines without a GPU. */
enum capture_buffer_kind capture_choose_buffer(const struct capture_offer *offer,
                                               const struct capture_import *import);

/* Adds one damage rectangle from a source, clipped to the frame's width and height
 * (which must be set); empty or outside ones are dropped, and past CAPTURE_MAX_DAMAGE
 * rectangles merge into the last one (damage only has to cover what changed). */
void capture_frame_add_damage(struct capture_frame *frame, uint32_t x, uint32_t y, uint32_t width,
                              uint32_t height);

/* False only when the frame says that nothing in it changed. */
bool capture_frame_changed(const struct capture_frame *frame);

struct capture;

struct capture_impl {
	void (*destroy)(struct capture *capture);
};

struct capture {
	const struct capture_impl *impl;
	const struct capture_listener *listener;
	void *data;
};

/* Capture the first output of the Wayland display `display` (NULL: $WAYLAND_DISPLAY)
 * with zwlr_screencopy_manager_v1, driven from the thread-default GMainContext. */
struct capture *capture_wlr_new(const char *display, const struct capture_listener *listener,
                                void *data, GError **error);

struct capture_wlr_options {
	const char *display; /* NULL: $WAYLAND_DISPLAY */
	const char *output;  /* wl_output name (v4) to capture; NULL: the first output */
	bool overlay_cursor; /* the compositor draws the cursor into each frame */
};

/* The same with a choice of output and cursor, for the portal backend. */
struct capture *capture_wlr_new_with(const struct capture_wlr_options *options,
                                     const struct capture_listener *listener, void *data,
                                     GError **error);

void capture_destroy(struct capture *capture); /* accepts NULL */
