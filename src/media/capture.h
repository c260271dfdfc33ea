/* A capture source hands over screen frames with their damage. Sources: wlr-screencopy
 * (capture_wlr.c) and a PipeWire stream, as the portal gives (capture_pw.c). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The DRM fourccs the sources hand over (little-endian words, as drm_fourcc.h has them),
 * so nothing here needs libdrm's headers. */
#define DRM_FORMAT_ARGB8888 0x34325241 /* 'AR24': B G R A in memory */
#define DRM_FORMAT_XRGB8888 0x34325258 /* 'XR24': B G R x */
#define DRM_FORMAT_ABGR8888 0x34324241 /* 'AB24': R G B A */
#define DRM_FORMAT_XBGR8888 0x34324258 /* 'XB24': R G B x */

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

/* The largest pointer image worth reporting, a side: browsers refuse larger CSS cursor
 * images (Chromium and Firefox: 128 px). */
#define CAPTURE_CURSOR_IMAGE_MAX 128
/* The largest a source may report (mutter's buffers have room for 384 px): larger than
 * CAPTURE_CURSOR_IMAGE_MAX is scaled down before it is sent. */
#define CAPTURE_CURSOR_SOURCE_MAX 512

/* The pointer, for sources that report it beside the frames rather than painting it into
 * them: PipeWire cursor metadata, or wlr-screencopy with an ext-image-copy-capture-v1
 * pointer cursor session (the rule at capture_wlr_new_with). */
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
	/* The compositor draws the cursor into each frame, when it cannot travel beside. */
	bool overlay_cursor;
};

/* The same with a choice of output and cursor, for the portal backend.
 * The pointer travels beside the picture when `listener->cursor` is set and the
 * compositor offers ext_image_copy_capture_manager_v1 and
 * ext_output_image_capture_source_manager_v1 (wlroots 0.18 and later; decided here, at
 * start): the frames are then asked for without it, whatever `overlay_cursor` says, and a
 * pointer cursor session on the captured output reports it through `listener->cursor`
 * whenever the first wl_seat has a pointer (it may come later, go and come back; while
 * there is none, nothing is reported). Positions are in frame pixels; an image comes with
 * each change, with its hotspot; a pointer that leaves the output, or a session that ends,
 * is reported hidden. Should the compositor stop the session, frames follow
 * `overlay_cursor` again (logged once) until the seat's pointer is replaced. Images over
 * 256 px a side are refused (logged once; the last one stays). Frames never wait for the
 * pointer. Otherwise (no cursor listener, or no such protocol) `overlay_cursor` decides
 * alone and `listener->cursor` is never called. */
struct capture *capture_wlr_new_with(const struct capture_wlr_options *options,
                                     const struct capture_listener *listener, void *data,
                                     GError **error);

/* Whether `capture` (of capture_wlr_new*) sends the pointer beside the picture, as the
 * rule above decided; false for any other source. */
bool capture_wlr_cursor_beside(const struct capture *capture);

void capture_destroy(struct capture *capture); /* accepts NULL */
