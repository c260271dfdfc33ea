/* One screen as a PipeWire video node: a pw_stream producer (Video/Source) fed by
 * wlr-screencopy frames (media/capture_wlr.c). The node offers BGRx/RGBx in MemFd buffers
 * at the output's size with header and damage metadata, and gets a buffer only when the
 * screen changed (plus the last frame again whenever a consumer starts streaming). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct backend_pw;
struct screen_stream;

struct screen_stream_listener {
	/* The node exists (PipeWire gave it `node_id`) and has the first frame's size. */
	void (*ready)(void *data, uint32_t node_id, uint32_t width, uint32_t height);
	/* The stream ended for good (compositor gone, PipeWire error); from an idle callback,
	 * so the listener may free the stream. */
	void (*closed)(void *data, const char *reason);
};

struct screen_stream_options {
	const char *display; /* Wayland display; NULL: $WAYLAND_DISPLAY */
	const char *output;  /* output name; NULL: the first */
	bool cursor;         /* the compositor draws the cursor into frames */
};

struct screen_stream *screen_stream_new(struct backend_pw *pw,
                                        const struct screen_stream_options *options,
                                        const struct screen_stream_listener *listener, void *data,
                                        GError **error);
void screen_stream_free(struct screen_stream *stream); /* accepts NULL */
/* Frames put into the node so far (for logs and tests). */
uint64_t screen_stream_frames(const struct screen_stream *stream);
