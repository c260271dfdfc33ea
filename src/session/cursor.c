/* The pointer's cursor image in wayrtc-session: the xcursor default, or what the client
 * under the pointer sets with wl_pointer.set_cursor. It is never painted into the output
 * (there is no screen; wayrtc draws it in the browser): capture.c publishes it instead. */
#define LOG_MODULE "session"
#include "util/log.h"

#include "server.h"

#include <drm_fourcc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wlr/render/pixman.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xcursor_manager.h>
#include <wlr/xcursor.h>

#define CURSOR_THEME_SIZE 24
#define CURSOR_DEFAULT    "left_ptr"
/* Output scales whose default image is loaded at its own size (the virtual desktop takes
 * up to FIT_MAX_SCALE, 3) */
#define CURSOR_MAX_SCALE  3
#define CURSOR_MAX_PIXELS (SESSION_CURSOR_MAX_SIDE * SESSION_CURSOR_MAX_SIDE)

struct session_cursor {
	struct server *server;
	struct wlr_xcursor_manager *xcursor_manager;
	/* By output scale (index 1 to CURSOR_MAX_SCALE); NULL if no theme (not even wlroots'
	 * built-in one) has CURSOR_DEFAULT. */
	struct wlr_xcursor_image *default_image[CURSOR_MAX_SCALE + 1];

	/* What is published; image.pixels is `front`. A new image is built in `back` and
	 * the two swap only if it differs, so the serial moves only on a real change. */
	struct session_cursor_image image;
	uint32_t *front, *back;

	/* The focused client's cursor surface, NULL while the default shows or it is hidden. */
	struct wlr_surface *surface;
	/* The client that chose the image (NULL: the default shows). Always the one with
	 * pointer focus, as focus leaving it resets this; so never a client already gone. */
	struct wl_client *client;
	/* Surface-local, from set_cursor, moved by each commit's attach offset. */
	int32_t hotspot_x, hotspot_y;

	bool oversize_logged;
	bool format_logged;

	struct wl_listener request_set_cursor;
	struct wl_listener focus_change;
	struct wl_listener surface_commit;
	struct wl_listener surface_destroy;
};

/* Any change reaches the cursor sessions in the same loop iteration. */
static void cursor_publish(struct session_cursor *cursor, bool visible, uint32_t width,
                           uint32_t height, int32_t hotspot_x, int32_t hotspot_y)
{
	struct session_cursor_image *image = &cursor->image;
	size_t bytes = (size_t)width * height * 4;
	bool changed = false;

	if (visible) {
		changed = width != image->width || height != image->height ||
		          hotspot_x != image->hotspot_x || hotspot_y != image->hotspot_y ||
		          memcmp(cursor->back, cursor->front, bytes) != 0;
		if (changed) {
			uint32_t *old = cursor->front;

			cursor->front = cursor->back;
			cursor->back = old;
			image->pixels = cursor->front;
			image->width = width;
			image->height = height;
			image->hotspot_x = hotspot_x;
			image->hotspot_y = hotspot_y;
			image->serial++;
		}
	}
	/* While hidden the last image stays, so showing the same one again is no change. */
	if (!changed && visible == image->visible)
		return;
	image->visible = visible;
	capture_update_cursor(cursor->server);
}

static void cursor_hide(struct session_cursor *cursor)
{
	cursor_publish(cursor, false, 0, 0, 0, 0);
}

/* Into `back` as ARGB8888, each pixel `factor` × `factor` times (the caller checked the
 * result fits); false for a format we do not convert. */
static bool cursor_convert(struct session_cursor *cursor, const uint8_t *data, uint32_t format,
                           size_t stride, uint32_t width, uint32_t height, uint32_t factor)
{
	for (uint32_t y = 0; y < height * factor; y++) {
		const uint8_t *src = data + (y / factor) * stride;
		uint32_t *dst = cursor->back + (size_t)y * width * factor;

		for (uint32_t x = 0; x < width * factor; x++) {
			uint32_t p;

			/* wl_shm lets a stride be any byte count: no aligned loads. */
			memcpy(&p, src + (size_t)(x / factor) * 4, sizeof(p));

			switch (format) {
			case DRM_FORMAT_ARGB8888:
				break;
			case DRM_FORMAT_XRGB8888:
				p |= 0xff000000u;
				break;
			case DRM_FORMAT_ABGR8888:
				p = (p & 0xff00ff00u) | ((p >> 16) & 0xffu) | ((p & 0xffu) << 16);
				break;
			case DRM_FORMAT_XBGR8888:
				p = 0xff000000u | (p & 0x0000ff00u) | ((p >> 16) & 0xffu) |
				    ((p & 0xffu) << 16);
				break;
			default:
				return false;
			}
			dst[x] = p;
		}
	}
	return true;
}

static bool cursor_fits(struct session_cursor *cursor, uint32_t width, uint32_t height)
{
	if (width > 0 && height > 0 && width <= SESSION_CURSOR_MAX_SIDE &&
	    height <= SESSION_CURSOR_MAX_SIDE)
		return true;
	if (!cursor->oversize_logged && width > 0 && height > 0) {
		cursor->oversize_logged = true;
		log_warn("a %ux%u cursor image is over %u px a side: not published (hidden)", width,
		         height, SESSION_CURSOR_MAX_SIDE);
	}
	return false;
}

/* The scale of the output under the pointer (the image is published in its buffer pixels,
 * as the frames are), 1 to CURSOR_MAX_SCALE. */
static uint32_t cursor_output_scale(struct session_cursor *cursor)
{
	struct server *server = cursor->server;
	struct wlr_output *output = wlr_output_layout_output_at(
	        server->output_layout, server->cursor->x, server->cursor->y);
	float scale = output ? ceilf(output->scale) : 1.0f;

	if (!(scale >= 1.0f))
		return 1;
	return scale > CURSOR_MAX_SCALE ? CURSOR_MAX_SCALE : (uint32_t)scale;
}

static void cursor_show_default(struct session_cursor *cursor)
{
	uint32_t scale = cursor_output_scale(cursor);
	struct wlr_xcursor_image *xi = cursor->default_image[scale] ? cursor->default_image[scale]
	                                                            : cursor->default_image[1];

	if (!xi || !cursor_fits(cursor, xi->width, xi->height)) {
		cursor_hide(cursor);
		return;
	}
	/* xcursor pixels are premultiplied ARGB8888 in native order, like wl_shm's. */
	cursor_convert(cursor, xi->buffer, DRM_FORMAT_ARGB8888, (size_t)xi->width * 4, xi->width,
	               xi->height, 1);
	cursor_publish(cursor, true, xi->width, xi->height, (int32_t)xi->hotspot_x,
	               (int32_t)xi->hotspot_y);
}

static uint32_t drm_format_from_pixman(pixman_format_code_t format)
{
	switch (format) {
	case PIXMAN_a8r8g8b8:
		return DRM_FORMAT_ARGB8888;
	case PIXMAN_x8r8g8b8:
		return DRM_FORMAT_XRGB8888;
	case PIXMAN_a8b8g8r8:
		return DRM_FORMAT_ABGR8888;
	case PIXMAN_x8b8g8r8:
		return DRM_FORMAT_XBGR8888;
	default:
		return DRM_FORMAT_INVALID;
	}
}

/* The surface's current buffer. With the pixman renderer wlroots 0.15 keeps the wl_shm
 * buffer as the client buffer's `source` (the texture locks it and reads it in place), so
 * its pixels are there for as long as the surface shows it; the texture's pixman image is
 * the fallback should a renderer have let the source go. */
static void cursor_read_surface(struct session_cursor *cursor)
{
	struct wlr_surface *surface = cursor->surface;
	struct wlr_client_buffer *client_buffer = surface->buffer;
	struct wlr_buffer *source = client_buffer ? client_buffer->source : NULL;
	int32_t scale = surface->current.scale > 0 ? surface->current.scale : 1;
	uint32_t out_scale = cursor_output_scale(cursor), factor = 1;
	uint32_t width, height, format;
	size_t stride;
	void *data;
	bool ok;

	/* A commit without a buffer hides the cursor, as wl_pointer.set_cursor says. */
	if (!client_buffer) {
		cursor_hide(cursor);
		return;
	}
	width = (uint32_t)client_buffer->base.width;
	height = (uint32_t)client_buffer->base.height;
	/* a cursor drawn for a lower scale than the output's is shown that much larger */
	if (out_scale > (uint32_t)scale && out_scale % (uint32_t)scale == 0 &&
	    cursor_fits(cursor, width * (out_scale / (uint32_t)scale),
	                height * (out_scale / (uint32_t)scale)))
		factor = out_scale / (uint32_t)scale;
	if (!cursor_fits(cursor, width, height)) {
		cursor_hide(cursor);
		return;
	}
	if (source && wlr_buffer_begin_data_ptr_access(source, WLR_BUFFER_DATA_PTR_ACCESS_READ,
	                                               &data, &format, &stride)) {
		ok = cursor_convert(cursor, data, format, stride, width, height, factor);
		wlr_buffer_end_data_ptr_access(source);
	} else if (client_buffer->texture && wlr_texture_is_pixman(client_buffer->texture)) {
		pixman_image_t *image = wlr_pixman_texture_get_image(client_buffer->texture);

		format = drm_format_from_pixman(pixman_image_get_format(image));
		ok = cursor_convert(cursor, (const uint8_t *)pixman_image_get_data(image), format,
		                    (size_t)pixman_image_get_stride(image), width, height, factor);
	} else {
		format = DRM_FORMAT_INVALID;
		ok = false;
	}
	if (!ok) {
		if (!cursor->format_logged) {
			cursor->format_logged = true;
			log_warn("cannot read a cursor buffer (format 0x%08x): hidden", format);
		}
		cursor_hide(cursor);
		return;
	}
	/* Published in the output's buffer pixels: a cursor of the output's scale as it is, one
	 * of a lower scale enlarged (a scale-2 cursor on a scale-1 output stays 2x) */
	cursor_publish(cursor, true, width * factor, height * factor,
	               cursor->hotspot_x * scale * (int32_t)factor,
	               cursor->hotspot_y * scale * (int32_t)factor);
}

static void cursor_set_surface(struct session_cursor *cursor, struct wlr_surface *surface)
{
	if (cursor->surface == surface)
		return;
	if (cursor->surface) {
		wl_list_remove(&cursor->surface_commit.link);
		wl_list_remove(&cursor->surface_destroy.link);
	}
	cursor->surface = surface;
	if (surface) {
		wl_signal_add(&surface->events.commit, &cursor->surface_commit);
		wl_signal_add(&surface->events.destroy, &cursor->surface_destroy);
	}
}

static void cursor_handle_surface_commit(struct wl_listener *listener, void *data)
{
	struct session_cursor *cursor = wl_container_of(listener, cursor, surface_commit);
	struct wlr_surface *surface = cursor->surface;

	/* wl_surface.attach's offset moves the image; the hotspot stays on the same pixel. */
	cursor->hotspot_x -= surface->current.dx;
	cursor->hotspot_y -= surface->current.dy;
	cursor_read_surface(cursor);
}

static void cursor_handle_surface_destroy(struct wl_listener *listener, void *data)
{
	struct session_cursor *cursor = wl_container_of(listener, cursor, surface_destroy);

	cursor_set_surface(cursor, NULL);
	cursor_hide(cursor);
}

static void cursor_handle_request_set_cursor(struct wl_listener *listener, void *data)
{
	struct session_cursor *cursor = wl_container_of(listener, cursor, request_set_cursor);
	struct wlr_seat_pointer_request_set_cursor_event *event = data;
	struct wlr_seat *seat = cursor->server->seat;

	/* Only the client under the pointer chooses what the pointer looks like. */
	if (event->seat_client != seat->pointer_state.focused_client)
		return;
	cursor->client = event->seat_client->client;
	cursor->hotspot_x = event->hotspot_x;
	cursor->hotspot_y = event->hotspot_y;
	cursor_set_surface(cursor, event->surface);
	if (!event->surface) {
		cursor_hide(cursor);
		return;
	}
	cursor_read_surface(cursor);
}

/* A surface under the pointer shows the default until its client sets its own; moving
 * between surfaces of a client that did keeps that one until it sets the next. */
static void cursor_handle_focus_change(struct wl_listener *listener, void *data)
{
	struct session_cursor *cursor = wl_container_of(listener, cursor, focus_change);
	struct wlr_seat_pointer_focus_change_event *event = data;

	if (event->new_surface == event->old_surface)
		return;
	if (event->new_surface && cursor->client &&
	    wl_resource_get_client(event->new_surface->resource) == cursor->client)
		return;
	cursor->client = NULL;
	cursor_set_surface(cursor, NULL);
	cursor_show_default(cursor);
}

const struct session_cursor_image *cursor_get_image(struct server *server)
{
	return &server->pointer_cursor->image;
}

void cursor_output_changed(struct server *server)
{
	struct session_cursor *cursor = server->pointer_cursor;

	if (!cursor)
		return;
	if (cursor->surface)
		cursor_read_surface(cursor);
	else if (!cursor->client)
		cursor_show_default(cursor);
}

void cursor_send_frame_done(struct server *server, const struct timespec *when)
{
	struct session_cursor *cursor = server->pointer_cursor;

	/* The cursor surface is in no scene, so its frame callbacks are ours to answer. */
	if (cursor && cursor->surface)
		wlr_surface_send_frame_done(cursor->surface, when);
}

bool cursor_init(struct server *server)
{
	struct session_cursor *cursor = calloc(1, sizeof(*cursor));
	struct wlr_xcursor *xcursor;

	if (!cursor)
		return false;
	cursor->server = server;
	cursor->front = calloc(CURSOR_MAX_PIXELS, sizeof(uint32_t));
	cursor->back = calloc(CURSOR_MAX_PIXELS, sizeof(uint32_t));
	if (!cursor->front || !cursor->back) {
		free(cursor->front);
		free(cursor->back);
		free(cursor);
		return false;
	}
	cursor->image.pixels = cursor->front;
	server->pointer_cursor = cursor;

	/* Theme NULL is "default" ($XCURSOR_PATH's search); wlroots falls back to its own
	 * built-in cursors when no theme is installed. */
	cursor->xcursor_manager = wlr_xcursor_manager_create(NULL, CURSOR_THEME_SIZE);
	for (int scale = 1; cursor->xcursor_manager && scale <= CURSOR_MAX_SCALE; scale++) {
		if (!wlr_xcursor_manager_load(cursor->xcursor_manager, (float)scale))
			continue;
		xcursor = wlr_xcursor_manager_get_xcursor(cursor->xcursor_manager, CURSOR_DEFAULT,
		                                          (float)scale);
		if (xcursor && xcursor->image_count > 0)
			cursor->default_image[scale] = xcursor->images[0];
	}
	if (!cursor->default_image[1])
		log_warn("no \"%s\" cursor in any theme: the pointer has no image until a client "
		         "sets one",
		         CURSOR_DEFAULT);

	cursor->surface_commit.notify = cursor_handle_surface_commit;
	cursor->surface_destroy.notify = cursor_handle_surface_destroy;
	cursor->request_set_cursor.notify = cursor_handle_request_set_cursor;
	wl_signal_add(&server->seat->events.request_set_cursor, &cursor->request_set_cursor);
	cursor->focus_change.notify = cursor_handle_focus_change;
	wl_signal_add(&server->seat->pointer_state.events.focus_change, &cursor->focus_change);
	cursor_show_default(cursor);
	return true;
}

void cursor_finish(struct server *server)
{
	struct session_cursor *cursor = server->pointer_cursor;

	if (!cursor)
		return;
	cursor_set_surface(cursor, NULL);
	wl_list_remove(&cursor->request_set_cursor.link);
	wl_list_remove(&cursor->focus_change.link);
	wlr_xcursor_manager_destroy(cursor->xcursor_manager);
	free(cursor->front);
	free(cursor->back);
	free(cursor);
	server->pointer_cursor = NULL;
}
