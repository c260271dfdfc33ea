/* ext-image-capture-source-v1 and ext-image-copy-capture-v1 in wayrtc-session: output
 * sources, and pointer cursor sessions that report the cursor's place over an output and
 * copy its image (cursor.c) into wl_shm buffers. Output frames go through wlr-screencopy,
 * so a frame session stops at once. */
#define LOG_MODULE "session"
#include "util/log.h"
#include "util/transform.h"

#include "server.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wayland-server-protocol.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_seat.h>

#include "ext-image-capture-source-v1-protocol.h"
#include "ext-image-copy-capture-v1-protocol.h"

#define CAPTURE_VERSION 1

struct session_capture {
	struct server *server;
	struct wl_global *source_manager;
	struct wl_global *copy_manager;
	struct wl_list cursor_sessions; /* capture_cursor_session.link */
	struct wl_listener layout_change;
};

/* An ext_image_capture_source_v1; inert (output NULL) once its output is gone. */
struct capture_source {
	struct wlr_output *output;
	struct wl_listener output_destroy;
};

struct capture_session;

/* An ext_image_copy_capture_cursor_session_v1: our seat's cursor over one output. */
struct capture_cursor_session {
	struct wl_list link; /* session_capture.cursor_sessions */
	struct session_capture *capture;
	struct wl_resource *resource;
	struct wlr_output *output; /* NULL: the output went, or the pointer was inert */
	struct wl_listener output_destroy;
	struct capture_session *session; /* from get_capture_session, until destroyed */
	bool session_taken;              /* get_capture_session is allowed once */
	bool entered;
	bool position_sent;
	int32_t x, y; /* the last position sent */
	bool hotspot_sent;
	int32_t hotspot_x, hotspot_y; /* the last hotspot sent */
};

/* An ext_image_copy_capture_session_v1: a cursor session's image, or an output's frames
 * (stopped at once). */
struct capture_session {
	struct wl_resource *resource;
	struct capture_cursor_session *cursor; /* NULL once stopped */
	struct capture_frame *frame;           /* at most one at a time */
	uint32_t width, height;                /* the buffer_size sent last */
	bool copied;                           /* a frame was ready once */
	uint64_t copied_serial;                /* the image it held */
};

struct capture_frame {
	struct wl_resource *resource;
	struct capture_session *session; /* NULL once the session is gone */
	struct wl_resource *buffer;
	struct wl_listener buffer_destroy;
	bool captured; /* capture was sent */
	bool finished; /* ready or failed was sent */
};

static const struct ext_image_copy_capture_frame_v1_interface frame_impl;
static const struct ext_image_copy_capture_session_v1_interface session_impl;
static const struct ext_image_copy_capture_cursor_session_v1_interface cursor_session_impl;

static void frame_fail(struct capture_frame *frame,
                       enum ext_image_copy_capture_frame_v1_failure_reason reason)
{
	frame->finished = true;
	ext_image_copy_capture_frame_v1_send_failed(frame->resource, reason);
}

/* Ends a session for good: its waiting frame fails, later ones fail at capture. */
static void session_stop(struct capture_session *session)
{
	if (session->cursor) {
		session->cursor->session = NULL;
		session->cursor = NULL;
	}
	ext_image_copy_capture_session_v1_send_stopped(session->resource);
	if (session->frame && session->frame->captured && !session->frame->finished)
		frame_fail(session->frame, EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_STOPPED);
}

static void session_send_constraints(struct capture_session *session,
                                     const struct session_cursor_image *image)
{
	session->width = image->width;
	session->height = image->height;
	ext_image_copy_capture_session_v1_send_shm_format(session->resource,
	                                                  WL_SHM_FORMAT_ARGB8888);
	ext_image_copy_capture_session_v1_send_buffer_size(session->resource, image->width,
	                                                   image->height);
	ext_image_copy_capture_session_v1_send_done(session->resource);
}

/* Only wl_shm ARGB8888 of exactly the image's size; any stride that holds a row. */
static bool frame_buffer_fits(struct capture_frame *frame, uint32_t width, uint32_t height)
{
	struct wl_shm_buffer *shm = frame->buffer ? wl_shm_buffer_get(frame->buffer) : NULL;

	/* wl_shm checks the pool holds stride * height, not that a row holds the pixels. */
	return shm && wl_shm_buffer_get_format(shm) == WL_SHM_FORMAT_ARGB8888 &&
	       wl_shm_buffer_get_width(shm) == (int32_t)width &&
	       wl_shm_buffer_get_height(shm) == (int32_t)height &&
	       wl_shm_buffer_get_stride(shm) >= (int32_t)width * 4;
}

/* The copy into the client's buffer; false if the buffer does not fit the image. */
static bool frame_copy(struct capture_frame *frame, const struct session_cursor_image *image)
{
	struct wl_shm_buffer *shm;
	int32_t stride;
	uint8_t *data;

	if (!frame_buffer_fits(frame, image->width, image->height))
		return false;
	shm = wl_shm_buffer_get(frame->buffer);
	stride = wl_shm_buffer_get_stride(shm);
	wl_shm_buffer_begin_access(shm);
	data = wl_shm_buffer_get_data(shm);
	for (uint32_t y = 0; y < image->height; y++)
		memcpy(data + (size_t)y * (size_t)stride, image->pixels + (size_t)y * image->width,
		       (size_t)image->width * 4);
	wl_shm_buffer_end_access(shm);
	return true;
}

/* A captured frame completes while the cursor is over the source: the first of a session
 * at once, later ones when the image changed since (the protocol lets us wait). */
static void session_try_frame(struct capture_session *session)
{
	struct capture_frame *frame = session->frame;
	struct capture_cursor_session *cursor = session->cursor;
	const struct session_cursor_image *image;
	struct timespec now;

	if (!frame || !frame->captured || frame->finished || !cursor || !cursor->entered)
		return;
	image = cursor_get_image(cursor->capture->server);
	if (session->copied && session->copied_serial == image->serial)
		return;
	if (!frame_copy(frame, image)) {
		frame_fail(frame,
		           EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
		return;
	}
	/* The hotspot applies from the next ready: it goes out just before. */
	if (!cursor->hotspot_sent || cursor->hotspot_x != image->hotspot_x ||
	    cursor->hotspot_y != image->hotspot_y) {
		cursor->hotspot_sent = true;
		cursor->hotspot_x = image->hotspot_x;
		cursor->hotspot_y = image->hotspot_y;
		ext_image_copy_capture_cursor_session_v1_send_hotspot(
		        cursor->resource, image->hotspot_x, image->hotspot_y);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ext_image_copy_capture_frame_v1_send_transform(frame->resource, WL_OUTPUT_TRANSFORM_NORMAL);
	ext_image_copy_capture_frame_v1_send_damage(frame->resource, 0, 0, (int32_t)image->width,
	                                            (int32_t)image->height);
	ext_image_copy_capture_frame_v1_send_presentation_time(
	        frame->resource, (uint32_t)((uint64_t)now.tv_sec >> 32),
	        (uint32_t)((uint64_t)now.tv_sec & 0xffffffffu), (uint32_t)now.tv_nsec);
	ext_image_copy_capture_frame_v1_send_ready(frame->resource);
	frame->finished = true;
	session->copied = true;
	session->copied_serial = image->serial;
}

/* Where the hotspot is in the output's buffer pixels (a turned output's buffer holds the
 * desktop turned, as screencopy copies it), and whether the image overlaps the output at
 * all (as the output is shown, after its transform). */
static bool cursor_session_locate(struct capture_cursor_session *cursor,
                                  const struct session_cursor_image *image, int32_t *x, int32_t *y)
{
	struct server *server = cursor->capture->server;
	struct wlr_output *output = cursor->output;
	struct wlr_box *box;
	int width, height;
	int32_t left, top;
	int64_t bx, by;
	double px, py;

	if (!output || !output->enabled)
		return false;
	box = wlr_output_layout_get_box(server->output_layout, output);
	if (!box)
		return false;
	px = floor((server->cursor->x - box->x) * output->scale);
	py = floor((server->cursor->y - box->y) * output->scale);
	if (px < INT32_MIN / 2 || px > INT32_MAX / 2 || py < INT32_MIN / 2 || py > INT32_MAX / 2)
		return false;
	*x = (int32_t)px;
	*y = (int32_t)py;
	if (!image->visible)
		return false;
	wlr_output_transformed_resolution(output, &width, &height);
	/* The image, hotspot at the pointer, against [0, width) x [0, height). */
	left = *x - image->hotspot_x;
	top = *y - image->hotspot_y;
	if (left >= width || left + (int32_t)image->width <= 0 || top >= height ||
	    top + (int32_t)image->height <= 0)
		return false;
	transform_to_buffer((uint32_t)output->transform, width, height, *x, *y, &bx, &by);
	*x = (int32_t)bx;
	*y = (int32_t)by;
	return true;
}

static void cursor_session_update(struct capture_cursor_session *cursor,
                                  const struct session_cursor_image *image)
{
	struct capture_session *session = cursor->session;
	int32_t x = 0, y = 0;
	bool inside = cursor_session_locate(cursor, image, &x, &y);

	if (inside && !cursor->entered) {
		cursor->entered = true;
		cursor->position_sent = false;
		ext_image_copy_capture_cursor_session_v1_send_enter(cursor->resource);
	} else if (!inside && cursor->entered) {
		cursor->entered = false;
		ext_image_copy_capture_cursor_session_v1_send_leave(cursor->resource);
	}
	if (cursor->entered && (!cursor->position_sent || x != cursor->x || y != cursor->y)) {
		cursor->position_sent = true;
		cursor->x = x;
		cursor->y = y;
		ext_image_copy_capture_cursor_session_v1_send_position(cursor->resource, x, y);
	}
	if (!session)
		return;
	/* New constraints go out before a waiting frame that no longer fits fails. */
	if (image->visible && (image->width != session->width || image->height != session->height))
		session_send_constraints(session, image);
	session_try_frame(session);
}

void capture_update_cursor(struct server *server)
{
	struct session_capture *capture = server->capture;
	const struct session_cursor_image *image;
	struct capture_cursor_session *cursor;

	if (!capture || !server->pointer_cursor)
		return;
	image = cursor_get_image(server);
	wl_list_for_each(cursor, &capture->cursor_sessions, link)
	        cursor_session_update(cursor, image);
}

/* ext_image_copy_capture_frame_v1 */

static void frame_handle_buffer_destroy(struct wl_listener *listener, void *data)
{
	struct capture_frame *frame = wl_container_of(listener, frame, buffer_destroy);

	frame->buffer = NULL;
	wl_list_remove(&frame->buffer_destroy.link);
	wl_list_init(&frame->buffer_destroy.link);
}

static void frame_handle_resource_destroy(struct wl_resource *resource)
{
	struct capture_frame *frame = wl_resource_get_user_data(resource);

	if (frame->session)
		frame->session->frame = NULL;
	wl_list_remove(&frame->buffer_destroy.link);
	free(frame);
}

static void frame_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static bool frame_check_not_captured(struct capture_frame *frame)
{
	if (!frame->captured)
		return true;
	wl_resource_post_error(frame->resource,
	                       EXT_IMAGE_COPY_CAPTURE_FRAME_V1_ERROR_ALREADY_CAPTURED,
	                       "the frame was captured already");
	return false;
}

static void frame_handle_attach_buffer(struct wl_client *client, struct wl_resource *resource,
                                       struct wl_resource *buffer)
{
	struct capture_frame *frame = wl_resource_get_user_data(resource);

	if (!frame_check_not_captured(frame))
		return;
	wl_list_remove(&frame->buffer_destroy.link);
	frame->buffer = buffer;
	wl_resource_add_destroy_listener(buffer, &frame->buffer_destroy);
}

static void frame_handle_damage_buffer(struct wl_client *client, struct wl_resource *resource,
                                       int32_t x, int32_t y, int32_t width, int32_t height)
{
	struct capture_frame *frame = wl_resource_get_user_data(resource);

	if (!frame_check_not_captured(frame))
		return;
	if (x < 0 || y < 0 || width <= 0 || height <= 0) {
		wl_resource_post_error(resource,
		                       EXT_IMAGE_COPY_CAPTURE_FRAME_V1_ERROR_INVALID_BUFFER_DAMAGE,
		                       "damage must have x, y >= 0 and width, height > 0");
		return;
	}
	/* Each copy rewrites the whole image (at most 256 KiB), so the region is unused. */
}

static void frame_handle_capture(struct wl_client *client, struct wl_resource *resource)
{
	struct capture_frame *frame = wl_resource_get_user_data(resource);

	if (!frame_check_not_captured(frame))
		return;
	if (!frame->buffer) {
		wl_resource_post_error(resource, EXT_IMAGE_COPY_CAPTURE_FRAME_V1_ERROR_NO_BUFFER,
		                       "capture without a buffer attached");
		return;
	}
	frame->captured = true;
	if (!frame->session || !frame->session->cursor) {
		frame_fail(frame, EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_STOPPED);
		return;
	}
	/* Against the constraints sent last, so a wrong buffer fails now, not at the next
	 * image change it would otherwise wait for. */
	if (!frame_buffer_fits(frame, frame->session->width, frame->session->height)) {
		frame_fail(frame,
		           EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
		return;
	}
	session_try_frame(frame->session);
}

static const struct ext_image_copy_capture_frame_v1_interface frame_impl = {
        .destroy = frame_handle_destroy,
        .attach_buffer = frame_handle_attach_buffer,
        .damage_buffer = frame_handle_damage_buffer,
        .capture = frame_handle_capture,
};

/* ext_image_copy_capture_session_v1 */

static void session_handle_resource_destroy(struct wl_resource *resource)
{
	struct capture_session *session = wl_resource_get_user_data(resource);

	/* The frame lives on, failing as stopped if it waits. */
	if (session->frame) {
		if (session->frame->captured && !session->frame->finished)
			frame_fail(session->frame,
			           EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_STOPPED);
		session->frame->session = NULL;
	}
	if (session->cursor)
		session->cursor->session = NULL;
	free(session);
}

static void session_handle_create_frame(struct wl_client *client, struct wl_resource *resource,
                                        uint32_t id)
{
	struct capture_session *session = wl_resource_get_user_data(resource);
	struct capture_frame *frame;

	if (session->frame) {
		wl_resource_post_error(resource,
		                       EXT_IMAGE_COPY_CAPTURE_SESSION_V1_ERROR_DUPLICATE_FRAME,
		                       "the session's previous frame still exists");
		return;
	}
	frame = calloc(1, sizeof(*frame));
	if (!frame) {
		wl_client_post_no_memory(client);
		return;
	}
	frame->resource = wl_resource_create(client, &ext_image_copy_capture_frame_v1_interface,
	                                     wl_resource_get_version(resource), id);
	if (!frame->resource) {
		free(frame);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&frame->buffer_destroy.link);
	frame->buffer_destroy.notify = frame_handle_buffer_destroy;
	frame->session = session;
	session->frame = frame;
	wl_resource_set_implementation(frame->resource, &frame_impl, frame,
	                               frame_handle_resource_destroy);
}

static void session_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct ext_image_copy_capture_session_v1_interface session_impl = {
        .create_frame = session_handle_create_frame,
        .destroy = session_handle_destroy,
};

static struct capture_session *session_create(struct wl_client *client, uint32_t version,
                                              uint32_t id)
{
	struct capture_session *session = calloc(1, sizeof(*session));

	if (!session) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	session->resource = wl_resource_create(client, &ext_image_copy_capture_session_v1_interface,
	                                       (int)version, id);
	if (!session->resource) {
		free(session);
		wl_client_post_no_memory(client);
		return NULL;
	}
	wl_resource_set_implementation(session->resource, &session_impl, session,
	                               session_handle_resource_destroy);
	return session;
}

/* ext_image_copy_capture_cursor_session_v1 */

static void cursor_session_handle_output_destroy(struct wl_listener *listener, void *data)
{
	struct capture_cursor_session *cursor = wl_container_of(listener, cursor, output_destroy);

	wl_list_remove(&cursor->output_destroy.link);
	wl_list_init(&cursor->output_destroy.link);
	cursor->output = NULL;
	if (cursor->entered) {
		cursor->entered = false;
		ext_image_copy_capture_cursor_session_v1_send_leave(cursor->resource);
	}
	if (cursor->session)
		session_stop(cursor->session);
}

static void cursor_session_handle_resource_destroy(struct wl_resource *resource)
{
	struct capture_cursor_session *cursor = wl_resource_get_user_data(resource);

	if (cursor->session)
		session_stop(cursor->session);
	wl_list_remove(&cursor->output_destroy.link);
	wl_list_remove(&cursor->link);
	free(cursor);
}

static void cursor_session_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void cursor_session_handle_get_capture_session(struct wl_client *client,
                                                      struct wl_resource *resource, uint32_t id)
{
	struct capture_cursor_session *cursor = wl_resource_get_user_data(resource);
	const struct session_cursor_image *image;
	struct capture_session *session;

	if (cursor->session_taken) {
		wl_resource_post_error(
		        resource, EXT_IMAGE_COPY_CAPTURE_CURSOR_SESSION_V1_ERROR_DUPLICATE_SESSION,
		        "get_capture_session was sent before");
		return;
	}
	session = session_create(client, (uint32_t)wl_resource_get_version(resource), id);
	if (!session)
		return;
	cursor->session_taken = true;
	if (!cursor->output) {
		ext_image_copy_capture_session_v1_send_stopped(session->resource);
		return;
	}
	session->cursor = cursor;
	cursor->session = session;
	image = cursor_get_image(cursor->capture->server);
	/* Without any image yet (no theme has left_ptr), the first one brings them. */
	if (image->width > 0)
		session_send_constraints(session, image);
}

static const struct ext_image_copy_capture_cursor_session_v1_interface cursor_session_impl = {
        .destroy = cursor_session_handle_destroy,
        .get_capture_session = cursor_session_handle_get_capture_session,
};

/* ext_image_copy_capture_manager_v1 */

static void copy_manager_handle_create_session(struct wl_client *client,
                                               struct wl_resource *resource, uint32_t id,
                                               struct wl_resource *source, uint32_t options)
{
	struct capture_session *session;

	if (options & ~(uint32_t)EXT_IMAGE_COPY_CAPTURE_MANAGER_V1_OPTIONS_PAINT_CURSORS) {
		wl_resource_post_error(resource,
		                       EXT_IMAGE_COPY_CAPTURE_MANAGER_V1_ERROR_INVALID_OPTION,
		                       "unknown options 0x%x", options);
		return;
	}
	session = session_create(client, (uint32_t)wl_resource_get_version(resource), id);
	/* Output frames are wlr-screencopy's job here; a frame session ends at once. */
	if (session)
		ext_image_copy_capture_session_v1_send_stopped(session->resource);
}

static void copy_manager_handle_create_pointer_cursor_session(struct wl_client *client,
                                                              struct wl_resource *resource,
                                                              uint32_t id,
                                                              struct wl_resource *source_resource,
                                                              struct wl_resource *pointer)
{
	struct session_capture *capture = wl_resource_get_user_data(resource);
	struct capture_source *source = wl_resource_get_user_data(source_resource);
	struct capture_cursor_session *cursor = calloc(1, sizeof(*cursor));

	if (!cursor) {
		wl_client_post_no_memory(client);
		return;
	}
	cursor->resource =
	        wl_resource_create(client, &ext_image_copy_capture_cursor_session_v1_interface,
	                           wl_resource_get_version(resource), id);
	if (!cursor->resource) {
		free(cursor);
		wl_client_post_no_memory(client);
		return;
	}
	cursor->capture = capture;
	wl_list_init(&cursor->output_destroy.link);
	cursor->output_destroy.notify = cursor_session_handle_output_destroy;
	/* One seat: any live wl_pointer of it means our cursor; an inert one never enters. */
	if (source->output && wlr_seat_client_from_pointer_resource(pointer)) {
		cursor->output = source->output;
		wl_signal_add(&cursor->output->events.destroy, &cursor->output_destroy);
	}
	wl_list_insert(&capture->cursor_sessions, &cursor->link);
	wl_resource_set_implementation(cursor->resource, &cursor_session_impl, cursor,
	                               cursor_session_handle_resource_destroy);
	cursor_session_update(cursor, cursor_get_image(capture->server));
}

static void manager_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct ext_image_copy_capture_manager_v1_interface copy_manager_impl = {
        .create_session = copy_manager_handle_create_session,
        .create_pointer_cursor_session = copy_manager_handle_create_pointer_cursor_session,
        .destroy = manager_handle_destroy,
};

static void copy_manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(
	        client, &ext_image_copy_capture_manager_v1_interface, (int)version, id);

	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &copy_manager_impl, data, NULL);
}

/* ext_image_capture_source_v1 and its output manager */

static void source_handle_output_destroy(struct wl_listener *listener, void *data)
{
	struct capture_source *source = wl_container_of(listener, source, output_destroy);

	wl_list_remove(&source->output_destroy.link);
	wl_list_init(&source->output_destroy.link);
	source->output = NULL;
}

static void source_handle_resource_destroy(struct wl_resource *resource)
{
	struct capture_source *source = wl_resource_get_user_data(resource);

	wl_list_remove(&source->output_destroy.link);
	free(source);
}

static void source_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct ext_image_capture_source_v1_interface source_impl = {
        .destroy = source_handle_destroy,
};

static void source_manager_handle_create_source(struct wl_client *client,
                                                struct wl_resource *resource, uint32_t id,
                                                struct wl_resource *output_resource)
{
	struct session_capture *capture = wl_resource_get_user_data(resource);
	/* NULL for a wl_output whose output is gone already: the source is inert. */
	struct wlr_output *output = wlr_output_from_resource(output_resource);
	struct capture_source *source = calloc(1, sizeof(*source));
	struct wl_resource *source_resource;

	if (!source) {
		wl_client_post_no_memory(client);
		return;
	}
	source_resource = wl_resource_create(client, &ext_image_capture_source_v1_interface,
	                                     wl_resource_get_version(resource), id);
	if (!source_resource) {
		free(source);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&source->output_destroy.link);
	source->output_destroy.notify = source_handle_output_destroy;
	if (output && wlr_output_layout_get(capture->server->output_layout, output)) {
		source->output = output;
		wl_signal_add(&output->events.destroy, &source->output_destroy);
	}
	wl_resource_set_implementation(source_resource, &source_impl, source,
	                               source_handle_resource_destroy);
}

static const struct ext_output_image_capture_source_manager_v1_interface source_manager_impl = {
        .create_source = source_manager_handle_create_source,
        .destroy = manager_handle_destroy,
};

static void source_manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *resource = wl_resource_create(
	        client, &ext_output_image_capture_source_manager_v1_interface, (int)version, id);

	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &source_manager_impl, data, NULL);
}

/* An output moved, resized or left the layout: the place over it may have changed. */
static void capture_handle_layout_change(struct wl_listener *listener, void *data)
{
	struct session_capture *capture = wl_container_of(listener, capture, layout_change);

	capture_update_cursor(capture->server);
}

bool capture_init(struct server *server)
{
	struct session_capture *capture = calloc(1, sizeof(*capture));

	if (!capture)
		return false;
	capture->server = server;
	wl_list_init(&capture->cursor_sessions);
	capture->source_manager = wl_global_create(
	        server->display, &ext_output_image_capture_source_manager_v1_interface,
	        CAPTURE_VERSION, capture, source_manager_bind);
	capture->copy_manager =
	        wl_global_create(server->display, &ext_image_copy_capture_manager_v1_interface,
	                         CAPTURE_VERSION, capture, copy_manager_bind);
	if (!capture->source_manager || !capture->copy_manager) {
		if (capture->source_manager)
			wl_global_destroy(capture->source_manager);
		if (capture->copy_manager)
			wl_global_destroy(capture->copy_manager);
		free(capture);
		return false;
	}
	capture->layout_change.notify = capture_handle_layout_change;
	wl_signal_add(&server->output_layout->events.change, &capture->layout_change);
	server->capture = capture;
	return true;
}

/* After the clients are gone, so no resource points here any more. */
void capture_finish(struct server *server)
{
	struct session_capture *capture = server->capture;

	if (!capture)
		return;
	wl_list_remove(&capture->layout_change.link);
	wl_global_destroy(capture->source_manager);
	wl_global_destroy(capture->copy_manager);
	free(capture);
	server->capture = NULL;
}
