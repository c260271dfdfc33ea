/* One screen as a PipeWire video node: a pw_stream producer (Video/Source) fed by
 * wlr-screencopy frames (media/capture_wlr.c). The node offers BGRx/RGBx in MemFd buffers
 * at the output's size with header and damage metadata, and gets a buffer only when the
 * screen changed (plus the last frame again whenever a consumer starts streaming). With
 * the cursor as metadata, every buffer also carries SPA_META_Cursor, and a pointer that
 * moves over a still screen sends buffers with no picture (chunk size 0), as mutter's. */
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

enum screen_cursor {
	SCREEN_CURSOR_HIDDEN,   /* left out of the frames */
	SCREEN_CURSOR_EMBEDDED, /* the compositor draws it into each frame */
	SCREEN_CURSOR_METADATA, /* left out, and sent beside them as SPA_META_Cursor */
};

struct screen_stream_options {
	const char *display; /* Wayland display; NULL: $WAYLAND_DISPLAY */
	const char *output;  /* output name; NULL: the first */
	enum screen_cursor cursor;
	/* the output's refresh: cursor-only buffers come at most this often; 0: 60 Hz */
	int32_t refresh_mhz;
};

struct screen_stream *screen_stream_new(struct backend_pw *pw,
                                        const struct screen_stream_options *options,
                                        const struct screen_stream_listener *listener, void *data,
                                        GError **error);
void screen_stream_free(struct screen_stream *stream); /* accepts NULL */
/* Frames put into the node so far (for logs and tests). */
uint64_t screen_stream_frames(const struct screen_stream *stream);
/* Buffers that carried only the cursor (metadata mode), for logs and tests. */
uint64_t screen_stream_cursor_buffers(const struct screen_stream *stream);
