/* wayrtc-session internals: the state of the headless compositor shared by its files
 * (server.c sets up wlroots, output.c drives the headless output, view.c manages
 * xdg-shell windows, input.c the seat, cursor and virtual input devices, cursor.c the
 * pointer's image, capture.c publishes it through ext-image-copy-capture-v1). */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <sys/types.h>
#include <wayland-server-core.h>

/* Largest accepted output side, from --size and from output-management clients: a
 * headless buffer beyond this is a mistake, not a desktop. */
#define SESSION_MAX_OUTPUT_SIDE 8192
#define SESSION_DEFAULT_WIDTH   1280
#define SESSION_DEFAULT_HEIGHT  720
/* mHz; the headless output paces frame events at this rate. */
#define SESSION_REFRESH_MHZ         60000
#define SESSION_SEAT_NAME           "seat0"
#define SESSION_KEY_REPEAT_RATE     25
#define SESSION_KEY_REPEAT_DELAY_MS 600
/* A cursor image larger than this a side is not published (the pointer counts as
 * hidden): nothing that big is a pointer, and each copy to a viewer costs its area. */
#define SESSION_CURSOR_MAX_SIDE 256

struct wlr_surface;
struct timespec;
struct session_cursor;
struct session_capture;

struct server {
	struct wl_display *display;
	struct wlr_backend *backend;
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
	struct wlr_output_layout *output_layout;
	struct wlr_scene *scene;
	struct wlr_scene_rect *background;
	struct wlr_scene_tree *view_tree;
	struct wlr_xdg_shell *xdg_shell;
	struct wlr_output_manager_v1 *output_manager;
	struct wlr_virtual_keyboard_manager_v1 *virtual_keyboard_manager;
	struct wlr_virtual_pointer_manager_v1 *virtual_pointer_manager;
	struct wlr_seat *seat;
	struct wlr_cursor *cursor;
	struct wlr_input_device *default_keyboard;
	struct session_cursor *pointer_cursor; /* cursor.c */
	struct session_capture *capture;       /* capture.c */

	unsigned width, height;

	struct wl_list outputs;   /* struct session_output.link */
	struct wl_list views;     /* struct view.link, topmost first */
	struct wl_list keyboards; /* struct session_keyboard.link */

	struct wl_listener new_output;
	struct wl_listener new_input;
	struct wl_listener layout_change;
	struct wl_listener output_manager_apply;
	struct wl_listener output_manager_test;
	struct wl_listener new_xdg_surface;
	struct wl_listener new_virtual_keyboard;
	struct wl_listener new_virtual_pointer;
	struct wl_listener cursor_motion;
	struct wl_listener cursor_motion_absolute;
	struct wl_listener cursor_button;
	struct wl_listener cursor_axis;
	struct wl_listener cursor_frame;
	struct wl_listener request_set_selection;
	struct wl_listener request_set_primary_selection;
};

/* server.c: builds the display, backend and every global; start adds the output and
 * opens the socket (`socket_name` NULL picks a free wayland-N). */
bool server_init(struct server *server, unsigned width, unsigned height, GError **error);
const char *server_start(struct server *server, const char *socket_name, GError **error);
void server_finish(struct server *server);

/* output.c */
void output_init(struct server *server);
void output_finish(struct server *server);
/* The area a maximized window fills: the first output's box in layout coordinates. */
bool output_get_work_area(struct server *server, int *x, int *y, int *width, int *height);

/* view.c */
void view_init(struct server *server);
void view_finish(struct server *server);
/* Keyboard focus and raise for the window that owns `surface` (NULL clears focus). */
void view_focus_surface(struct server *server, struct wlr_surface *surface);
/* The surface under layout point (lx, ly), with surface-local coordinates. */
struct wlr_surface *view_surface_at(struct server *server, double lx, double ly, double *sx,
                                    double *sy);
/* Re-maximize every window after the output changed size. */
void view_arrange_all(struct server *server);

/* input.c */
void input_init(struct server *server);
void input_finish(struct server *server);
/* Re-evaluates pointer focus at the cursor (after a window maps, moves or goes). */
void input_update_pointer_focus(struct server *server, uint32_t time_msec);

/* cursor.c: what the pointer looks like. Never painted into the output; published only
 * through capture.c. */
struct session_cursor_image {
	/* Premultiplied ARGB8888 (as wl_shm has it), stride width * 4. While hidden the
	 * last image stays here, so showing it again is no change. */
	const uint32_t *pixels;
	uint32_t width, height;
	int32_t hotspot_x, hotspot_y; /* in image pixels */
	/* Moves whenever pixels, size or hotspot do, never for hide and show. */
	uint64_t serial;
	bool visible;
};

bool cursor_init(struct server *server);
void cursor_finish(struct server *server);
const struct session_cursor_image *cursor_get_image(struct server *server);
/* On each output frame, so animated client cursors get their frame callbacks. */
void cursor_send_frame_done(struct server *server, const struct timespec *when);
/* An output's mode or scale changed: the image again, at the scale it is now shown at. */
void cursor_output_changed(struct server *server);

/* capture.c: the ext_output_image_capture_source_manager_v1 and
 * ext_image_copy_capture_manager_v1 globals (pointer cursor sessions; output frames go
 * through wlr-screencopy). */
bool capture_init(struct server *server);
void capture_finish(struct server *server);
/* The pointer moved, or its image or visibility changed: tells every cursor session. */
void capture_update_cursor(struct server *server);
