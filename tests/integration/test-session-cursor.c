/* The pointer cursor of wayrtc-session through ext-image-copy-capture-v1: a raw client
 * moves the pointer with a virtual pointer and follows a cursor session over the output
 * (place, hotspot, image copies into wl_shm buffers), with the default image, with
 * wayrtc-test-pattern --cursor's and with cursors it sets from a window of its own.
 * Paths from $WAYRTC_SESSION and $WAYRTC_TEST_PATTERN. */
#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "ext-image-capture-source-v1-client-protocol.h"
#include "ext-image-copy-capture-v1-client-protocol.h"
#include "session.h"
#include "wlr-output-management-unstable-v1-client-protocol.h"
#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define WIDTH      1280
#define HEIGHT     720
#define TIMEOUT_MS 10000
/* How long a capture that should wait is watched for not completing. */
#define QUIET_MS 300

#define PATTERN_SIDE      24
#define PATTERN_TOP       0xffff00ffu
#define PATTERN_BOTTOM    0xff00ffffu
#define PATTERN_HOTSPOT_X 5
#define PATTERN_HOTSPOT_Y 7

enum frame_state { FRAME_NONE, FRAME_WAITING, FRAME_READY, FRAME_FAILED };

struct shm_image {
	struct wl_buffer *buffer;
	uint32_t *pixels;
	size_t size;
	int width, height;
};

struct conn {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_output *output;
	struct wl_seat *seat;
	struct wl_shm *shm;
	struct wl_pointer *pointer;
	struct zwlr_virtual_pointer_manager_v1 *vp_manager;
	struct zwlr_virtual_pointer_v1 *vp;
	struct ext_output_image_capture_source_manager_v1 *source_manager;
	struct ext_image_copy_capture_manager_v1 *copy_manager;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	bool has_pointer_cap;

	/* conn_window: a toplevel of our own, to set cursors as the client under the pointer */
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured;
	bool pointer_in;                    /* wl_pointer focus is on our surface */
	struct wl_surface *pointer_surface; /* the surface of the latest wl_pointer.enter */
	uint32_t enter_serial;

	struct ext_image_capture_source_v1 *source;
	struct ext_image_copy_capture_cursor_session_v1 *cursor;
	bool entered, left;
	bool has_position;
	int32_t x, y;
	unsigned positions; /* position events so far */
	bool has_hotspot;
	int32_t hotspot_x, hotspot_y;
	bool hotspot_before_ready; /* a hotspot event came since the last frame was made */

	struct ext_image_copy_capture_session_v1 *session;
	uint32_t buffer_width, buffer_height;
	bool argb8888;
	bool constraints_done;
	bool stopped;

	struct ext_image_copy_capture_frame_v1 *frame;
	enum frame_state frame_state;
	uint32_t failure;
	bool frame_damaged, frame_timed, frame_transformed;
};

static struct test_session desktop;

/* wl_registry */

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
                            const char *interface, uint32_t version)
{
	struct conn *c = data;

	if (!strcmp(interface, wl_output_interface.name) && !c->output)
		c->output = wl_registry_bind(registry, name, &wl_output_interface, 1);
	else if (!strcmp(interface, wl_seat_interface.name) && !c->seat)
		c->seat = wl_registry_bind(registry, name, &wl_seat_interface, 5);
	else if (!strcmp(interface, wl_shm_interface.name))
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	else if (!strcmp(interface, zwlr_virtual_pointer_manager_v1_interface.name))
		c->vp_manager = wl_registry_bind(registry, name,
		                                 &zwlr_virtual_pointer_manager_v1_interface, 1);
	else if (!strcmp(interface, ext_output_image_capture_source_manager_v1_interface.name))
		c->source_manager = wl_registry_bind(
		        registry, name, &ext_output_image_capture_source_manager_v1_interface, 1);
	else if (!strcmp(interface, ext_image_copy_capture_manager_v1_interface.name))
		c->copy_manager = wl_registry_bind(registry, name,
		                                   &ext_image_copy_capture_manager_v1_interface, 1);
	/* version 4: attach still takes the offset (5 moved it to wl_surface.offset) */
	else if (!strcmp(interface, wl_compositor_interface.name))
		c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	else if (!strcmp(interface, xdg_wm_base_interface.name))
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_global,
        .global_remove = registry_global_remove,
};

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct conn *c = data;

	c->has_pointer_cap = caps & WL_SEAT_CAPABILITY_POINTER;
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
        .capabilities = seat_capabilities,
        .name = seat_name,
};

/* wl_pointer: only where the pointer is, for set_cursor's serial */

static void pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
                          struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct conn *c = data;

	c->pointer_in = surface == c->surface;
	c->pointer_surface = surface;
	c->enter_serial = serial;
}

static void pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
                          struct wl_surface *surface)
{
	struct conn *c = data;

	c->pointer_in = false;
}

static void pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x,
                           wl_fixed_t y)
{
}

static void pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
                           uint32_t button, uint32_t state)
{
}

static void pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis,
                         wl_fixed_t value)
{
}

static void pointer_frame(void *data, struct wl_pointer *pointer)
{
}

static void pointer_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
}

static void pointer_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis)
{
}

static void pointer_axis_discrete(void *data, struct wl_pointer *pointer, uint32_t axis,
                                  int32_t discrete)
{
}

static const struct wl_pointer_listener pointer_listener = {
        .enter = pointer_enter,
        .leave = pointer_leave,
        .motion = pointer_motion,
        .button = pointer_button,
        .axis = pointer_axis,
        .frame = pointer_frame,
        .axis_source = pointer_axis_source,
        .axis_stop = pointer_axis_stop,
        .axis_discrete = pointer_axis_discrete,
};

/* xdg-shell */

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
        .ping = wm_base_ping,
};

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct conn *c = data;

	xdg_surface_ack_configure(xdg_surface, serial);
	c->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
        .configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
                               int32_t height, struct wl_array *states)
{
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
}

static const struct xdg_toplevel_listener toplevel_listener = {
        .configure = toplevel_configure,
        .close = toplevel_close,
};

/* ext_image_copy_capture_cursor_session_v1 */

static void cursor_enter(void *data, struct ext_image_copy_capture_cursor_session_v1 *cursor)
{
	struct conn *c = data;

	g_assert_false(c->entered);
	c->entered = true;
	c->left = false;
}

static void cursor_leave(void *data, struct ext_image_copy_capture_cursor_session_v1 *cursor)
{
	struct conn *c = data;

	g_assert_true(c->entered);
	c->entered = false;
	c->left = true;
	c->has_position = false;
}

static void cursor_position(void *data, struct ext_image_copy_capture_cursor_session_v1 *cursor,
                            int32_t x, int32_t y)
{
	struct conn *c = data;

	/* only between enter and leave */
	g_assert_true(c->entered);
	c->has_position = true;
	c->x = x;
	c->y = y;
	c->positions++;
}

static void cursor_hotspot(void *data, struct ext_image_copy_capture_cursor_session_v1 *cursor,
                           int32_t x, int32_t y)
{
	struct conn *c = data;

	g_assert_true(c->entered);
	c->has_hotspot = true;
	c->hotspot_x = x;
	c->hotspot_y = y;
	c->hotspot_before_ready = true;
}

static const struct ext_image_copy_capture_cursor_session_v1_listener cursor_listener = {
        .enter = cursor_enter,
        .leave = cursor_leave,
        .position = cursor_position,
        .hotspot = cursor_hotspot,
};

/* ext_image_copy_capture_session_v1 */

static void session_buffer_size(void *data, struct ext_image_copy_capture_session_v1 *session,
                                uint32_t width, uint32_t height)
{
	struct conn *c = data;

	c->buffer_width = width;
	c->buffer_height = height;
	c->constraints_done = false;
}

static void session_shm_format(void *data, struct ext_image_copy_capture_session_v1 *session,
                               uint32_t format)
{
	struct conn *c = data;

	if (format == WL_SHM_FORMAT_ARGB8888)
		c->argb8888 = true;
}

static void session_done(void *data, struct ext_image_copy_capture_session_v1 *session)
{
	struct conn *c = data;

	c->constraints_done = true;
}

static void session_stopped(void *data, struct ext_image_copy_capture_session_v1 *session)
{
	struct conn *c = data;

	c->stopped = true;
}

/* never sent: the compositor offers wl_shm only */
static void session_dmabuf_device(void *data, struct ext_image_copy_capture_session_v1 *session,
                                  struct wl_array *device)
{
	g_error("dmabuf_device");
}

static void session_dmabuf_format(void *data, struct ext_image_copy_capture_session_v1 *session,
                                  uint32_t format, struct wl_array *modifiers)
{
	g_error("dmabuf_format");
}

static const struct ext_image_copy_capture_session_v1_listener session_listener = {
        .buffer_size = session_buffer_size,
        .shm_format = session_shm_format,
        .dmabuf_device = session_dmabuf_device,
        .dmabuf_format = session_dmabuf_format,
        .done = session_done,
        .stopped = session_stopped,
};

/* ext_image_copy_capture_frame_v1 */

static void frame_transform(void *data, struct ext_image_copy_capture_frame_v1 *frame,
                            uint32_t transform)
{
	struct conn *c = data;

	g_assert_cmpuint(transform, ==, WL_OUTPUT_TRANSFORM_NORMAL);
	c->frame_transformed = true;
}

static void frame_damage(void *data, struct ext_image_copy_capture_frame_v1 *frame, int32_t x,
                         int32_t y, int32_t width, int32_t height)
{
	struct conn *c = data;

	c->frame_damaged = true;
}

static void frame_presentation_time(void *data, struct ext_image_copy_capture_frame_v1 *frame,
                                    uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec)
{
	struct conn *c = data;
	struct timespec now;
	uint64_t sec = ((uint64_t)sec_hi << 32) | sec_lo;

	clock_gettime(CLOCK_MONOTONIC, &now);
	g_assert_cmpuint(nsec, <, 1000000000u);
	g_assert_cmpuint(sec, <=, (uint64_t)now.tv_sec);
	g_assert_cmpuint(sec + 10, >=, (uint64_t)now.tv_sec);
	c->frame_timed = true;
}

static void frame_ready(void *data, struct ext_image_copy_capture_frame_v1 *frame)
{
	struct conn *c = data;

	g_assert_cmpint(c->frame_state, ==, FRAME_WAITING);
	g_assert_true(c->frame_transformed && c->frame_damaged && c->frame_timed);
	c->frame_state = FRAME_READY;
}

static void frame_failed(void *data, struct ext_image_copy_capture_frame_v1 *frame, uint32_t reason)
{
	struct conn *c = data;

	g_assert_cmpint(c->frame_state, ==, FRAME_WAITING);
	c->frame_state = FRAME_FAILED;
	c->failure = reason;
}

static const struct ext_image_copy_capture_frame_v1_listener frame_listener = {
        .transform = frame_transform,
        .damage = frame_damage,
        .presentation_time = frame_presentation_time,
        .ready = frame_ready,
        .failed = frame_failed,
};

/* The loop */

static gint64 deadline_after(int ms)
{
	return g_get_monotonic_time() + (gint64)ms * 1000;
}

/* Dispatches until *flag or the deadline; false on the deadline. A protocol error ends
 * the wait too (the caller checks for it). */
static bool conn_wait_until(struct conn *c, const bool *flag, gint64 deadline)
{
	while (!*flag) {
		gint64 left = deadline - g_get_monotonic_time();
		struct pollfd p = {.fd = wl_display_get_fd(c->display), .events = POLLIN};

		if (left <= 0)
			return false;
		while (wl_display_prepare_read(c->display) != 0) {
			if (wl_display_dispatch_pending(c->display) < 0)
				return false;
		}
		if (*flag) {
			wl_display_cancel_read(c->display);
			break;
		}
		if (wl_display_flush(c->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(c->display);
			return false;
		}
		if (poll(&p, 1, (int)(left / 1000) + 1) <= 0) {
			wl_display_cancel_read(c->display);
			continue;
		}
		if (wl_display_read_events(c->display) < 0 ||
		    wl_display_dispatch_pending(c->display) < 0)
			return false;
	}
	return true;
}

static void conn_wait(struct conn *c, const bool *flag, const char *what)
{
	if (!conn_wait_until(c, flag, deadline_after(TIMEOUT_MS)))
		g_error("timed out waiting for %s (display error %d)", what,
		        wl_display_get_error(c->display));
}

/* Lets the compositor answer everything sent so far, and a little more. */
static void conn_settle(struct conn *c, int ms)
{
	bool never = false;

	g_assert_cmpint(wl_display_roundtrip(c->display), >=, 0);
	conn_wait_until(c, &never, deadline_after(ms));
}

static void conn_open(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->display = wl_display_connect(desktop.display);
	g_assert_nonnull(c->display);
	c->registry = wl_display_get_registry(c->display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	g_assert_cmpint(wl_display_roundtrip(c->display), >=, 0);
	g_assert_nonnull(c->output);
	g_assert_nonnull(c->seat);
	g_assert_nonnull(c->shm);
	g_assert_nonnull(c->vp_manager);
	g_assert_nonnull(c->source_manager);
	g_assert_nonnull(c->copy_manager);
	wl_seat_add_listener(c->seat, &seat_listener, c);
	/* The virtual pointer gives the seat its pointer capability if nothing else does. */
	c->vp = zwlr_virtual_pointer_manager_v1_create_virtual_pointer(c->vp_manager, c->seat);
	conn_wait(c, &c->has_pointer_cap, "the seat's pointer capability");
	c->pointer = wl_seat_get_pointer(c->seat);
	wl_pointer_add_listener(c->pointer, &pointer_listener, c);
	g_assert_cmpint(wl_display_roundtrip(c->display), >=, 0);
}

static void conn_close(struct conn *c)
{
	if (c->frame)
		ext_image_copy_capture_frame_v1_destroy(c->frame);
	if (c->session)
		ext_image_copy_capture_session_v1_destroy(c->session);
	if (c->cursor)
		ext_image_copy_capture_cursor_session_v1_destroy(c->cursor);
	if (c->source)
		ext_image_capture_source_v1_destroy(c->source);
	if (c->toplevel)
		xdg_toplevel_destroy(c->toplevel);
	if (c->xdg_surface)
		xdg_surface_destroy(c->xdg_surface);
	if (c->surface)
		wl_surface_destroy(c->surface);
	if (c->wm_base)
		xdg_wm_base_destroy(c->wm_base);
	if (c->compositor)
		wl_compositor_destroy(c->compositor);

	if (c->pointer)
		wl_pointer_destroy(c->pointer);
	if (c->vp)
		zwlr_virtual_pointer_v1_destroy(c->vp);
	zwlr_virtual_pointer_manager_v1_destroy(c->vp_manager);
	ext_output_image_capture_source_manager_v1_destroy(c->source_manager);
	ext_image_copy_capture_manager_v1_destroy(c->copy_manager);
	wl_shm_destroy(c->shm);
	wl_seat_destroy(c->seat);
	wl_output_destroy(c->output);
	wl_registry_destroy(c->registry);
	wl_display_disconnect(c->display);
	memset(c, 0, sizeof(*c));
}

static void conn_move(struct conn *c, uint32_t x, uint32_t y)
{
	zwlr_virtual_pointer_v1_motion_absolute(c->vp, 0, x, y, WIDTH, HEIGHT);
	zwlr_virtual_pointer_v1_frame(c->vp);
	wl_display_flush(c->display);
}

static void conn_cursor_session(struct conn *c)
{
	c->source = ext_output_image_capture_source_manager_v1_create_source(c->source_manager,
	                                                                     c->output);
	c->cursor = ext_image_copy_capture_manager_v1_create_pointer_cursor_session(
	        c->copy_manager, c->source, c->pointer);
	ext_image_copy_capture_cursor_session_v1_add_listener(c->cursor, &cursor_listener, c);
}

static void conn_capture_session(struct conn *c)
{
	c->session = ext_image_copy_capture_cursor_session_v1_get_capture_session(c->cursor);
	ext_image_copy_capture_session_v1_add_listener(c->session, &session_listener, c);
	conn_wait(c, &c->constraints_done, "the capture session's constraints");
	g_assert_true(c->argb8888);
}

/* The position events' coordinates once the latest move arrived. */
static void expect_position(struct conn *c, int32_t x, int32_t y)
{
	gint64 deadline = deadline_after(TIMEOUT_MS);

	for (;;) {
		bool never = false;

		if (c->has_position && c->x == x && c->y == y)
			return;
		if (g_get_monotonic_time() > deadline)
			g_error("position (%d, %d), not (%d, %d)", c->x, c->y, x, y);
		conn_wait_until(c, &never, deadline_after(20));
	}
}

static void shm_image_init_format(struct conn *c, struct shm_image *image, int width, int height,
                                  uint32_t format)
{
	int fd = memfd_create("test-session-cursor", MFD_CLOEXEC);
	struct wl_shm_pool *pool;

	g_assert_cmpint(fd, >=, 0);
	image->width = width;
	image->height = height;
	image->size = (size_t)width * (size_t)height * 4;
	g_assert_cmpint(ftruncate(fd, (off_t)image->size), ==, 0);
	image->pixels = mmap(NULL, image->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	g_assert_true(image->pixels != MAP_FAILED);
	/* a colour no cursor has, to see that a copy happened */
	for (size_t i = 0; i < image->size / 4; i++)
		image->pixels[i] = 0x12345678u;
	pool = wl_shm_create_pool(c->shm, fd, (int32_t)image->size);
	image->buffer = wl_shm_pool_create_buffer(pool, 0, width, height, width * 4, format);
	wl_shm_pool_destroy(pool);
	close(fd);
}

static void shm_image_init(struct conn *c, struct shm_image *image, int width, int height)
{
	shm_image_init_format(c, image, width, height, WL_SHM_FORMAT_ARGB8888);
}

static void shm_image_finish(struct shm_image *image)
{
	if (image->buffer)
		wl_buffer_destroy(image->buffer);
	if (image->pixels)
		munmap(image->pixels, image->size);
	memset(image, 0, sizeof(*image));
}

/* A new frame into `image`, captured; the outcome arrives in c->frame_state. */
static void conn_capture(struct conn *c, struct shm_image *image)
{
	if (c->frame)
		ext_image_copy_capture_frame_v1_destroy(c->frame);
	c->frame = ext_image_copy_capture_session_v1_create_frame(c->session);
	ext_image_copy_capture_frame_v1_add_listener(c->frame, &frame_listener, c);
	c->frame_state = FRAME_WAITING;
	c->frame_damaged = c->frame_timed = c->frame_transformed = false;
	c->hotspot_before_ready = false;
	ext_image_copy_capture_frame_v1_attach_buffer(c->frame, image->buffer);
	ext_image_copy_capture_frame_v1_damage_buffer(c->frame, 0, 0, image->width, image->height);
	ext_image_copy_capture_frame_v1_capture(c->frame);
	wl_display_flush(c->display);
}

static bool frame_finished(struct conn *c)
{
	return c->frame_state == FRAME_READY || c->frame_state == FRAME_FAILED;
}

/* Waits for the frame to finish; false on the deadline. */
static bool conn_wait_frame(struct conn *c, gint64 deadline)
{
	while (!frame_finished(c)) {
		bool never = false;

		if (g_get_monotonic_time() > deadline)
			return false;
		conn_wait_until(c, &never, MIN(deadline, deadline_after(20)));
		g_assert_cmpint(wl_display_get_error(c->display), ==, 0);
	}
	return true;
}

/* Captures until a frame is ready, following size changes (a frame that no longer fits
 * fails and is retried at the new size). */
static void conn_capture_ready(struct conn *c, struct shm_image *image)
{
	gint64 deadline = deadline_after(TIMEOUT_MS);

	for (;;) {
		if (image->width != (int)c->buffer_width ||
		    image->height != (int)c->buffer_height) {
			shm_image_finish(image);
			shm_image_init(c, image, (int)c->buffer_width, (int)c->buffer_height);
		}
		conn_capture(c, image);
		if (!conn_wait_frame(c, deadline))
			g_error("no frame became ready");
		if (c->frame_state == FRAME_READY)
			return;
		g_assert_cmpuint(c->failure, ==,
		                 EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
		conn_wait(c, &c->constraints_done, "new constraints");
	}
}

static void shm_image_fill(struct shm_image *image, uint32_t color)
{
	for (size_t i = 0; i < (size_t)image->width * (size_t)image->height; i++)
		image->pixels[i] = color;
}

static bool image_is(const struct shm_image *image, int width, int height, uint32_t color)
{
	if (image->width != width || image->height != height)
		return false;
	for (size_t i = 0; i < (size_t)width * (size_t)height; i++) {
		if (image->pixels[i] != color)
			return false;
	}
	return true;
}

/* A cursor surface showing `image` (committed before any set_cursor uses it). */
static struct wl_surface *conn_cursor_surface(struct conn *c, struct shm_image *image)
{
	struct wl_surface *surface = wl_compositor_create_surface(c->compositor);

	wl_surface_attach(surface, image->buffer, 0, 0);
	wl_surface_damage_buffer(surface, 0, 0, image->width, image->height);
	wl_surface_commit(surface);
	return surface;
}

/* A toplevel filling the output (the compositor maximizes it) under the pointer. */
static void conn_window(struct conn *c, struct shm_image *content)
{
	g_assert_nonnull(c->compositor);
	g_assert_nonnull(c->wm_base);
	xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	c->surface = wl_compositor_create_surface(c->compositor);
	c->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, c->surface);
	xdg_surface_add_listener(c->xdg_surface, &xdg_surface_listener, c);
	c->toplevel = xdg_surface_get_toplevel(c->xdg_surface);
	xdg_toplevel_add_listener(c->toplevel, &toplevel_listener, c);
	wl_surface_commit(c->surface);
	conn_wait(c, &c->configured, "the window's configure");
	shm_image_init(c, content, WIDTH, HEIGHT);
	shm_image_fill(content, 0xff336699u);
	wl_surface_attach(c->surface, content->buffer, 0, 0);
	wl_surface_damage_buffer(c->surface, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(c->surface);
	conn_move(c, 101, 51);
	conn_move(c, 100, 50);
	conn_wait(c, &c->pointer_in, "the pointer over the window");
}

static void callback_handle_done(void *data, struct wl_callback *callback, uint32_t time)
{
	*(bool *)data = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener callback_listener = {
        .done = callback_handle_done,
};

/* Captures and expects the frame to wait (a capture of an unchanged, hidden or elsewhere
 * cursor). */
static void expect_waiting(struct conn *c)
{
	conn_settle(c, QUIET_MS);
	g_assert_cmpint(c->frame_state, ==, FRAME_WAITING);
}

static unsigned count_opaque(const struct shm_image *image)
{
	unsigned n = 0;

	for (size_t i = 0; i < (size_t)image->width * (size_t)image->height; i++)
		n += image->pixels[i] >> 24 == 0xff;
	return n;
}

static bool is_pattern_cursor(const struct shm_image *image)
{
	if (image->width != PATTERN_SIDE || image->height != PATTERN_SIDE)
		return false;
	for (int y = 0; y < PATTERN_SIDE; y++) {
		for (int x = 0; x < PATTERN_SIDE; x++) {
			uint32_t want = y < PATTERN_SIDE / 2 ? PATTERN_TOP : PATTERN_BOTTOM;

			if (image->pixels[y * PATTERN_SIDE + x] != want)
				return false;
		}
	}
	return true;
}

static void desktop_start(void)
{
	test_session_start(&desktop, WIDTH, HEIGHT, G_SUBPROCESS_FLAGS_NONE, NULL);
}

static void desktop_stop(void)
{
	test_session_stop(&desktop);
}

static GSubprocess *pattern_start(void)
{
	const char *exe = g_getenv("WAYRTC_TEST_PATTERN");
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;

	g_assert_nonnull(exe);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_subprocess_launcher_setenv(launcher, "XDG_RUNTIME_DIR", desktop.runtime_dir, TRUE);
	g_subprocess_launcher_setenv(launcher, "WAYLAND_DISPLAY", desktop.display, TRUE);
	proc = g_subprocess_launcher_spawn(launcher, &error, exe, "--cursor", NULL);
	g_assert_no_error(error);
	return proc;
}

static void pattern_stop(GSubprocess *proc)
{
	g_subprocess_force_exit(proc);
	g_subprocess_wait(proc, NULL, NULL);
	g_object_unref(proc);
}

/* A frame session of an output stops at once (frames go through wlr-screencopy here). */
static void test_frame_session(void)
{
	struct conn c;
	struct shm_image image = {0};

	desktop_start();
	conn_open(&c);
	c.source = ext_output_image_capture_source_manager_v1_create_source(c.source_manager,
	                                                                    c.output);
	c.session = ext_image_copy_capture_manager_v1_create_session(
	        c.copy_manager, c.source, EXT_IMAGE_COPY_CAPTURE_MANAGER_V1_OPTIONS_PAINT_CURSORS);
	ext_image_copy_capture_session_v1_add_listener(c.session, &session_listener, &c);
	conn_wait(&c, &c.stopped, "stopped");
	g_assert_false(c.constraints_done);

	/* a frame of a stopped session fails as stopped */
	shm_image_init(&c, &image, 16, 16);
	conn_capture(&c, &image);
	g_assert_true(conn_wait_frame(&c, deadline_after(TIMEOUT_MS)));
	g_assert_cmpint(c.frame_state, ==, FRAME_FAILED);
	g_assert_cmpuint(c.failure, ==, EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_STOPPED);
	shm_image_finish(&image);
	conn_close(&c);
	desktop_stop();
}

/* The default image and place, then the pattern client's cursor replacing it. */
static void test_cursor(void)
{
	struct conn c;
	struct shm_image image = {0}, wrong = {0};
	GSubprocess *pattern;
	gint64 deadline;
	unsigned positions;

	desktop_start();
	conn_open(&c);
	conn_move(&c, 100, 50);
	g_assert_cmpint(wl_display_roundtrip(c.display), >=, 0);
	conn_cursor_session(&c);
	conn_wait(&c, &c.entered, "enter");
	expect_position(&c, 100, 50);
	conn_move(&c, 640, 360);
	expect_position(&c, 640, 360);
	conn_move(&c, 100, 50);
	expect_position(&c, 100, 50);

	/* the default image, at once */
	conn_capture_session(&c);
	g_assert_cmpuint(c.buffer_width, >, 0);
	g_assert_cmpuint(c.buffer_height, >, 0);
	g_assert_cmpuint(c.buffer_width, <=, 256);
	g_assert_cmpuint(c.buffer_height, <=, 256);
	conn_capture_ready(&c, &image);
	g_assert_true(c.hotspot_before_ready);
	g_assert_cmpint(c.hotspot_x, >=, 0);
	g_assert_cmpint(c.hotspot_y, >=, 0);
	g_assert_cmpint(c.hotspot_x, <, image.width);
	g_assert_cmpint(c.hotspot_y, <, image.height);
	g_assert_cmpuint(count_opaque(&image), >, 0);
	g_assert_false(is_pattern_cursor(&image));
	g_test_message("default cursor %dx%d, hotspot (%d, %d), %u opaque pixels", image.width,
	               image.height, c.hotspot_x, c.hotspot_y, count_opaque(&image));

	/* a wrong size fails at once, without ending the session */
	shm_image_init(&c, &wrong, image.width + 1, image.height);
	conn_capture(&c, &wrong);
	g_assert_true(conn_wait_frame(&c, deadline_after(TIMEOUT_MS)));
	g_assert_cmpint(c.frame_state, ==, FRAME_FAILED);
	g_assert_cmpuint(c.failure, ==,
	                 EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
	shm_image_finish(&wrong);

	/* the next capture waits: the image has not changed, whatever the pointer does */
	conn_capture(&c, &image);
	positions = c.positions;
	conn_move(&c, 110, 60);
	expect_position(&c, 110, 60);
	g_assert_cmpuint(c.positions, >, positions);
	conn_settle(&c, QUIET_MS);
	g_assert_cmpint(c.frame_state, ==, FRAME_WAITING);

	/* a window under the pointer sets its cursor: the waiting capture completes */
	conn_move(&c, 100, 50);
	expect_position(&c, 100, 50);
	pattern = pattern_start();
	deadline = deadline_after(TIMEOUT_MS);
	for (;;) {
		if (!conn_wait_frame(&c, deadline))
			g_error("the pattern client's cursor never arrived");
		if (c.frame_state == FRAME_READY && is_pattern_cursor(&image))
			break;
		/* another image on the way (the default again as the window maps), or a
		 * size change */
		if (c.frame_state == FRAME_FAILED) {
			g_assert_cmpuint(
			        c.failure, ==,
			        EXT_IMAGE_COPY_CAPTURE_FRAME_V1_FAILURE_REASON_BUFFER_CONSTRAINTS);
			conn_wait(&c, &c.constraints_done, "new constraints");
			shm_image_finish(&image);
			shm_image_init(&c, &image, (int)c.buffer_width, (int)c.buffer_height);
		}
		conn_capture(&c, &image);
	}
	g_assert_true(c.hotspot_before_ready);
	g_assert_cmpint(c.hotspot_x, ==, PATTERN_HOTSPOT_X);
	g_assert_cmpint(c.hotspot_y, ==, PATTERN_HOTSPOT_Y);
	g_assert_cmpuint(c.buffer_width, ==, PATTERN_SIDE);
	g_assert_cmpuint(c.buffer_height, ==, PATTERN_SIDE);
	g_assert_true(c.entered);
	expect_position(&c, 100, 50);
	conn_move(&c, 300, 200);
	expect_position(&c, 300, 200);

	/* unchanged again: the next capture waits */
	conn_capture(&c, &image);
	conn_settle(&c, QUIET_MS);
	g_assert_cmpint(c.frame_state, ==, FRAME_WAITING);

	/* the window goes: the default image comes back (at its own size, perhaps) */
	pattern_stop(pattern);
	if (!conn_wait_frame(&c, deadline_after(TIMEOUT_MS)))
		g_error("the default cursor never came back");
	if (c.frame_state == FRAME_FAILED) {
		conn_wait(&c, &c.constraints_done, "new constraints");
		conn_capture_ready(&c, &image);
	}
	g_assert_false(is_pattern_cursor(&image));
	g_assert_cmpuint(count_opaque(&image), >, 0);

	shm_image_finish(&image);
	conn_close(&c);
	desktop_stop();
}

/* A client of our own under the pointer hides its cursor, tries one too large, sets its
 * own, moves it with attach offsets; one without pointer focus is not listened to. */
static void test_client_cursors(void)
{
	struct conn c, other;
	struct shm_image content = {0}, image = {0}, huge = {0}, blue = {0}, red = {0};
	struct shm_image intruder = {0}, xrgb = {0};
	struct wl_surface *huge_surface, *cursor_surface, *intruder_surface, *second;
	struct xdg_surface *second_xdg;
	struct xdg_toplevel *second_toplevel;
	struct wl_callback *callback;
	bool callback_done = false;
	gint64 deadline;

	desktop_start();
	conn_open(&c);
	conn_window(&c, &content);
	conn_cursor_session(&c);
	conn_wait(&c, &c.entered, "enter");
	conn_capture_session(&c);
	conn_capture_ready(&c, &image); /* the default, shown until the client sets its own */
	g_assert_cmpuint(count_opaque(&image), >, 0);

	/* hidden: leave, and a capture waits */
	conn_capture(&c, &image);
	wl_pointer_set_cursor(c.pointer, c.enter_serial, NULL, 0, 0);
	wl_display_flush(c.display);
	conn_wait(&c, &c.left, "leave");
	conn_move(&c, 120, 70);
	expect_waiting(&c);
	g_assert_false(c.entered);

	/* over 256 px a side is not published: still hidden */
	shm_image_init(&c, &huge, 300, 300);
	shm_image_fill(&huge, 0xffffffffu);
	huge_surface = conn_cursor_surface(&c, &huge);
	wl_pointer_set_cursor(c.pointer, c.enter_serial, huge_surface, 0, 0);
	expect_waiting(&c);
	g_assert_false(c.entered);

	/* its own: enter, position, new constraints; the waiting frame no longer fits */
	shm_image_init(&c, &blue, 16, 16);
	shm_image_fill(&blue, 0xff0000ffu);
	cursor_surface = conn_cursor_surface(&c, &blue);
	wl_pointer_set_cursor(c.pointer, c.enter_serial, cursor_surface, 2, 3);
	wl_display_flush(c.display);
	conn_wait(&c, &c.entered, "enter");
	expect_position(&c, 120, 70);
	g_assert_true(conn_wait_frame(&c, deadline_after(TIMEOUT_MS)));
	if (c.frame_state == FRAME_FAILED)
		conn_capture_ready(&c, &image);
	g_assert_true(image_is(&image, 16, 16, 0xff0000ffu));
	g_assert_cmpuint(c.buffer_width, ==, 16);
	g_assert_cmpint(c.hotspot_x, ==, 2);
	g_assert_cmpint(c.hotspot_y, ==, 3);

	/* a new buffer attached 1 px left and 2 up: the same pixel stays at the pointer */
	conn_capture(&c, &image);
	expect_waiting(&c);
	shm_image_init(&c, &red, 16, 16);
	shm_image_fill(&red, 0xffff0000u);
	wl_surface_attach(cursor_surface, red.buffer, -1, -2);
	wl_surface_damage_buffer(cursor_surface, 0, 0, 16, 16);
	wl_surface_commit(cursor_surface);
	g_assert_true(conn_wait_frame(&c, deadline_after(TIMEOUT_MS)));
	g_assert_cmpint(c.frame_state, ==, FRAME_READY);
	g_assert_true(c.hotspot_before_ready);
	g_assert_true(image_is(&image, 16, 16, 0xffff0000u));
	g_assert_cmpint(c.hotspot_x, ==, 3);
	g_assert_cmpint(c.hotspot_y, ==, 5);

	/* an XRGB8888 cursor is published opaque (its fourth byte is undefined) */
	conn_capture(&c, &image);
	shm_image_init_format(&c, &xrgb, 16, 16, WL_SHM_FORMAT_XRGB8888);
	shm_image_fill(&xrgb, 0x00abcdefu);
	wl_surface_attach(cursor_surface, xrgb.buffer, 0, 0);
	wl_surface_damage_buffer(cursor_surface, 0, 0, 16, 16);
	wl_surface_commit(cursor_surface);
	g_assert_true(conn_wait_frame(&c, deadline_after(TIMEOUT_MS)));
	g_assert_cmpint(c.frame_state, ==, FRAME_READY);
	g_assert_true(image_is(&image, 16, 16, 0xffabcdefu));
	g_assert_cmpint(c.hotspot_x, ==, 3);

	/* another window of the same client under the pointer keeps its cursor */
	conn_capture(&c, &image);
	second = wl_compositor_create_surface(c.compositor);
	second_xdg = xdg_wm_base_get_xdg_surface(c.wm_base, second);
	c.configured = false;
	xdg_surface_add_listener(second_xdg, &xdg_surface_listener, &c);
	second_toplevel = xdg_surface_get_toplevel(second_xdg);
	xdg_toplevel_add_listener(second_toplevel, &toplevel_listener, &c);
	wl_surface_commit(second);
	conn_wait(&c, &c.configured, "the second window's configure");
	wl_surface_attach(second, content.buffer, 0, 0);
	wl_surface_damage_buffer(second, 0, 0, WIDTH, HEIGHT);
	wl_surface_commit(second);
	deadline = deadline_after(TIMEOUT_MS);
	while (c.pointer_surface != second) {
		bool never = false;

		if (g_get_monotonic_time() > deadline)
			g_error("the pointer never entered the second window");
		conn_wait_until(&c, &never, deadline_after(20));
	}
	expect_waiting(&c);
	g_assert_true(c.entered);

	/* the cursor surface's frame callbacks come (animated cursors wait for them), and a
	 * commit that changes nothing is no new image */
	callback = wl_surface_frame(cursor_surface);
	wl_callback_add_listener(callback, &callback_listener, &callback_done);
	wl_surface_commit(cursor_surface);
	conn_wait(&c, &callback_done, "the cursor surface's frame callback");
	expect_waiting(&c);

	/* a client the pointer is not over cannot change it */
	conn_open(&other);
	shm_image_init(&other, &intruder, 20, 20);
	shm_image_fill(&intruder, 0xff00ff00u);
	intruder_surface = conn_cursor_surface(&other, &intruder);
	wl_pointer_set_cursor(other.pointer, c.enter_serial, intruder_surface, 0, 0);
	g_assert_cmpint(wl_display_roundtrip(other.display), >=, 0);
	expect_waiting(&c);
	g_assert_cmpuint(c.buffer_width, ==, 16);

	wl_surface_destroy(intruder_surface);
	shm_image_finish(&intruder);
	conn_close(&other);
	xdg_toplevel_destroy(second_toplevel);
	xdg_surface_destroy(second_xdg);
	wl_surface_destroy(second);
	wl_surface_destroy(cursor_surface);
	wl_surface_destroy(huge_surface);
	shm_image_finish(&red);
	shm_image_finish(&xrgb);
	shm_image_finish(&blue);
	shm_image_finish(&huge);
	shm_image_finish(&image);
	shm_image_finish(&content);
	conn_close(&c);
	desktop_stop();
}

/* wlr-output-management, read generically: only the head, the serial and the outcome
 * matter here; every object it hands out is kept to be let go at the end. */
struct output_config {
	struct wl_registry *registry;
	struct zwlr_output_manager_v1 *manager;
	GPtrArray *proxies;
	struct zwlr_output_head_v1 *head;
	uint32_t serial;
	bool done, answered, succeeded;
};

static int output_config_dispatch(const void *data, void *target, uint32_t opcode,
                                  const struct wl_message *message, union wl_argument *args)
{
	struct output_config *oc = (struct output_config *)data;
	const char *name = message->name;
	struct wl_proxy *proxy = target;

	if (!strcmp(wl_proxy_get_class(proxy), zwlr_output_manager_v1_interface.name)) {
		if (!strcmp(name, "head")) {
			g_assert_null(oc->head); /* one output */
			oc->head = (struct zwlr_output_head_v1 *)args[0].o;
			wl_proxy_add_dispatcher((struct wl_proxy *)oc->head, output_config_dispatch,
			                        oc, NULL);
			g_ptr_array_add(oc->proxies, oc->head);
		} else if (!strcmp(name, "done")) {
			oc->serial = args[0].u;
			oc->done = true;
		}
	} else if (!strcmp(wl_proxy_get_class(proxy), zwlr_output_head_v1_interface.name)) {
		if (!strcmp(name, "mode"))
			g_ptr_array_add(oc->proxies, args[0].o);
	} else if (!strcmp(wl_proxy_get_class(proxy),
	                   zwlr_output_configuration_v1_interface.name)) {
		oc->succeeded = !strcmp(name, "succeeded");
		oc->answered = true;
	}
	return 0;
}

static void output_config_global(void *data, struct wl_registry *registry, uint32_t name,
                                 const char *interface, uint32_t version)
{
	struct output_config *oc = data;

	if (strcmp(interface, zwlr_output_manager_v1_interface.name) != 0)
		return;
	/* at once: the heads and done follow the bind */
	oc->manager = wl_registry_bind(registry, name, &zwlr_output_manager_v1_interface, 1);
	wl_proxy_add_dispatcher((struct wl_proxy *)oc->manager, output_config_dispatch, oc, NULL);
}

static const struct wl_registry_listener output_config_registry_listener = {
        .global = output_config_global,
        .global_remove = registry_global_remove,
};

/* At output scale 2 the place is in the output's buffer pixels, twice its layout size. */
static void test_scale(void)
{
	struct conn c;
	struct output_config oc = {
	        .proxies = g_ptr_array_new_with_free_func((GDestroyNotify)wl_proxy_destroy)};
	struct zwlr_output_configuration_v1 *config;
	struct zwlr_output_configuration_head_v1 *config_head;

	desktop_start();
	conn_open(&c);
	oc.registry = wl_display_get_registry(c.display);
	wl_registry_add_listener(oc.registry, &output_config_registry_listener, &oc);
	conn_wait(&c, &oc.done, "the output configuration");
	g_assert_nonnull(oc.head);
	config = zwlr_output_manager_v1_create_configuration(oc.manager, oc.serial);
	wl_proxy_add_dispatcher((struct wl_proxy *)config, output_config_dispatch, &oc, NULL);
	config_head = zwlr_output_configuration_v1_enable_head(config, oc.head);
	zwlr_output_configuration_head_v1_set_scale(config_head, wl_fixed_from_int(2));
	zwlr_output_configuration_v1_apply(config);
	wl_display_flush(c.display);
	conn_wait(&c, &oc.answered, "the configuration's outcome");
	g_assert_true(oc.succeeded);

	/* the virtual pointer's absolute motion spans the 640x360 layout */
	conn_cursor_session(&c);
	conn_move(&c, 100, 50);
	conn_wait(&c, &c.entered, "enter");
	expect_position(&c, 100, 50);
	conn_move(&c, 640, 360);
	expect_position(&c, 640, 360);

	zwlr_output_configuration_head_v1_destroy(config_head);
	zwlr_output_configuration_v1_destroy(config);
	g_ptr_array_unref(oc.proxies);
	zwlr_output_manager_v1_destroy(oc.manager);
	wl_registry_destroy(oc.registry);
	conn_close(&c);
	desktop_stop();
}

/* A request that is a protocol error ends the connection with that error. */
static void expect_protocol_error(struct conn *c, const struct wl_interface *interface,
                                  uint32_t code)
{
	const struct wl_interface *got = NULL;
	uint32_t id;

	g_assert_cmpint(wl_display_roundtrip(c->display), <, 0);
	g_assert_cmpint(wl_display_get_error(c->display), ==, EPROTO);
	g_assert_cmpuint(wl_display_get_protocol_error(c->display, &got, &id), ==, code);
	g_assert_nonnull(got);
	g_assert_cmpstr(got->name, ==, interface->name);
}

static void test_errors(void)
{
	struct conn c;
	struct shm_image image = {0};
	struct ext_image_copy_capture_session_v1 *second_session;
	struct ext_image_copy_capture_frame_v1 *second_frame;

	desktop_start();

	conn_open(&c);
	conn_cursor_session(&c);
	conn_capture_session(&c);
	second_session = ext_image_copy_capture_cursor_session_v1_get_capture_session(c.cursor);
	expect_protocol_error(&c, &ext_image_copy_capture_cursor_session_v1_interface,
	                      EXT_IMAGE_COPY_CAPTURE_CURSOR_SESSION_V1_ERROR_DUPLICATE_SESSION);
	ext_image_copy_capture_session_v1_destroy(second_session);
	conn_close(&c);

	conn_open(&c);
	c.source = ext_output_image_capture_source_manager_v1_create_source(c.source_manager,
	                                                                    c.output);
	c.session = ext_image_copy_capture_manager_v1_create_session(c.copy_manager, c.source, 2);
	expect_protocol_error(&c, &ext_image_copy_capture_manager_v1_interface,
	                      EXT_IMAGE_COPY_CAPTURE_MANAGER_V1_ERROR_INVALID_OPTION);
	conn_close(&c);

	conn_open(&c);
	conn_cursor_session(&c);
	conn_capture_session(&c);
	c.frame = ext_image_copy_capture_session_v1_create_frame(c.session);
	ext_image_copy_capture_frame_v1_capture(c.frame);
	expect_protocol_error(&c, &ext_image_copy_capture_frame_v1_interface,
	                      EXT_IMAGE_COPY_CAPTURE_FRAME_V1_ERROR_NO_BUFFER);
	conn_close(&c);

	conn_open(&c);
	conn_cursor_session(&c);
	conn_capture_session(&c);
	shm_image_init(&c, &image, (int)c.buffer_width, (int)c.buffer_height);
	conn_capture(&c, &image);
	ext_image_copy_capture_frame_v1_capture(c.frame);
	expect_protocol_error(&c, &ext_image_copy_capture_frame_v1_interface,
	                      EXT_IMAGE_COPY_CAPTURE_FRAME_V1_ERROR_ALREADY_CAPTURED);
	shm_image_finish(&image);
	conn_close(&c);

	conn_open(&c);
	conn_cursor_session(&c);
	conn_capture_session(&c);
	c.frame = ext_image_copy_capture_session_v1_create_frame(c.session);
	second_frame = ext_image_copy_capture_session_v1_create_frame(c.session);
	expect_protocol_error(&c, &ext_image_copy_capture_session_v1_interface,
	                      EXT_IMAGE_COPY_CAPTURE_SESSION_V1_ERROR_DUPLICATE_FRAME);
	ext_image_copy_capture_frame_v1_destroy(second_frame);
	conn_close(&c);

	conn_open(&c);
	conn_cursor_session(&c);
	conn_capture_session(&c);
	c.frame = ext_image_copy_capture_session_v1_create_frame(c.session);
	ext_image_copy_capture_frame_v1_damage_buffer(c.frame, 0, 0, 0, 4);
	expect_protocol_error(&c, &ext_image_copy_capture_frame_v1_interface,
	                      EXT_IMAGE_COPY_CAPTURE_FRAME_V1_ERROR_INVALID_BUFFER_DAMAGE);
	conn_close(&c);

	desktop_stop();
}

/* Wherever no cursor theme is installed, wlroots' built-in one gives the default. */
static void test_builtin_theme(void)
{
	struct conn c;
	struct shm_image image = {0};

	/* In a process of its own, whose environment the desktop inherits; set before any
	 * thread exists. */
	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0,
		                       G_TEST_SUBPROCESS_INHERIT_STDOUT |
		                               G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	g_setenv("XCURSOR_PATH", "/nonexistent/wayrtc-no-icons", TRUE);
	desktop_start();

	conn_open(&c);
	conn_move(&c, 1279, 719);
	g_assert_cmpint(wl_display_roundtrip(c.display), >=, 0);
	conn_cursor_session(&c);
	conn_wait(&c, &c.entered, "enter");
	expect_position(&c, 1279, 719);
	conn_capture_session(&c);
	conn_capture_ready(&c, &image);
	g_assert_true(c.has_hotspot);
	g_assert_cmpuint(count_opaque(&image), >, 0);
	g_test_message("built-in cursor %dx%d, hotspot (%d, %d)", image.width, image.height,
	               c.hotspot_x, c.hotspot_y);
	shm_image_finish(&image);
	conn_close(&c);
	desktop_stop();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/session-cursor/builtin-theme", test_builtin_theme);
	g_test_add_func("/session-cursor/frame-session", test_frame_session);
	g_test_add_func("/session-cursor/cursor", test_cursor);
	g_test_add_func("/session-cursor/client-cursors", test_client_cursors);
	g_test_add_func("/session-cursor/scale", test_scale);
	g_test_add_func("/session-cursor/errors", test_errors);
	return g_test_run();
}
