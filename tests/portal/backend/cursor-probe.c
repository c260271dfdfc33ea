/* wayrtc-cursor-probe FD NODE: reads PipeWire node NODE over the remote FD (the portal's
 * OpenPipeWireRemote) with wayrtc's own consumer, media/capture_pw.c, asking for the cursor
 * as metadata, so test-backend.py checks the backend's producer against the consumer it
 * serves. One line on stdout per report, until stdin closes or the stream ends:
 *   frame W H | cursor X Y HOTX HOTY [image W H ARGB] | cursor hidden | closed REASON
 * (ARGB: the image's middle pixel, hex, straight from a bitmap in capture.h's formats). */
#include <gio/gio.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "media/capture.h"
#include "media/capture_pw.h"

#define DRM_FORMAT_ARGB8888 0x34325241
#define DRM_FORMAT_XRGB8888 0x34325258
#define DRM_FORMAT_ABGR8888 0x34324241
#define DRM_FORMAT_XBGR8888 0x34324258

static GMainLoop *loop;

static void on_frame(void *data, const struct capture_frame *frame)
{
	printf("frame %u %u\n", frame->width, frame->height);
}

static void on_closed(void *data, const char *reason)
{
	printf("closed %s\n", reason);
	g_main_loop_quit(loop);
}

static uint32_t middle_argb(const struct capture_cursor *c)
{
	const uint8_t *p = c->bitmap + (size_t)(c->height / 2) * c->stride + (c->width / 2) * 4;
	uint32_t word = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;

	switch (c->format) {
	case DRM_FORMAT_XRGB8888:
		return word | 0xff000000u;
	case DRM_FORMAT_ABGR8888:
		return (word & 0xff00ff00u) | (word & 0xff) << 16 | (word >> 16 & 0xff);
	case DRM_FORMAT_XBGR8888:
		return ((word & 0x0000ff00u) | (word & 0xff) << 16 | (word >> 16 & 0xff)) |
		       0xff000000u;
	default:
		return word;
	}
}

static void on_cursor(void *data, const struct capture_cursor *c)
{
	if (c->hidden) {
		printf("cursor hidden\n");
		return;
	}
	printf("cursor %d %d %d %d", c->x, c->y, c->hotspot_x, c->hotspot_y);
	if (c->bitmap)
		printf(" image %u %u %08x", c->width, c->height, middle_argb(c));
	printf("\n");
}

static const struct capture_listener listener = {
        .frame = on_frame,
        .closed = on_closed,
        .cursor = on_cursor,
};

static gboolean on_stdin(int fd, GIOCondition cond, void *data)
{
	char buf[64];

	if (read(fd, buf, sizeof(buf)) <= 0) {
		g_main_loop_quit(loop);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	struct capture *capture;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FD NODE\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	loop = g_main_loop_new(NULL, FALSE);
	capture = capture_pw_new(atoi(argv[1]), (uint32_t)strtoul(argv[2], NULL, 10), NULL,
	                         &listener, NULL, &error);
	if (!capture) {
		printf("closed %s\n", error->message);
		return 1;
	}
	g_unix_fd_add(0, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
	g_main_loop_run(loop);
	capture_destroy(capture);
	g_main_loop_unref(loop);
	return 0;
}
