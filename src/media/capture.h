/* A capture source hands over screen frames with their damage. Sources: wlr-screencopy
 * today (capture_wlr.c), a PipeWire stream from the portal later; both behind this. */
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
	size_t n_damage;     /* 0: the whole frame changed */
	struct capture_rect damage[CAPTURE_MAX_DAMAGE];
	int64_t ready_us; /* g_get_monotonic_time() when the compositor said ready */
};

struct capture_listener {
	/* A new frame with damage; the source asks for the next one after this returns. */
	void (*frame)(void *data, const struct capture_frame *frame);
	/* The source ended (compositor gone, output removed); reason in words. */
	void (*closed)(void *data, const char *reason);
};

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

void capture_destroy(struct capture *capture); /* accepts NULL */
