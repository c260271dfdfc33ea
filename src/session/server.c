/* Sets up the headless wlroots stack of wayrtc-session: display, headless backend,
 * pixman renderer (there is no GPU to rely on), allocator, scene graph and the globals
 * wayrtc and ordinary clients need. */
#define LOG_MODULE "session"
#include "util/log.h"

#include "server.h"

#include <gio/gio.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_data_control_v1.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_primary_selection_v1.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_xdg_output_v1.h>

/* Near-black slate, so an empty desktop is visibly "on" but never mistaken for content. */
static const float background_color[4] = {0.12f, 0.13f, 0.15f, 1.0f};

bool server_init(struct server *server, unsigned width, unsigned height, GError **error)
{
	server->width = width;
	server->height = height;
	wl_list_init(&server->outputs);
	wl_list_init(&server->views);
	wl_list_init(&server->keyboards);

	server->display = wl_display_create();
	if (!server->display) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot create a Wayland display");
		return false;
	}
	server->backend = wlr_headless_backend_create(server->display);
	if (!server->backend) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot create the wlroots headless backend");
		return false;
	}
	/* Pixman directly rather than autocreate: no /dev/dri is the common case here, and
	 * a GLES attempt through llvmpipe would only be slower. */
	server->renderer = wlr_pixman_renderer_create();
	if (!server->renderer) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot create the pixman renderer");
		return false;
	}
	if (!wlr_renderer_init_wl_display(server->renderer, server->display)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot set up wl_shm");
		return false;
	}
	server->allocator = wlr_allocator_autocreate(server->backend, server->renderer);
	if (!server->allocator) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot create a buffer allocator");
		return false;
	}

	/* wlr_compositor_create also creates wl_subcompositor in wlroots 0.15. */
	wlr_compositor_create(server->display, server->renderer);
	wlr_data_device_manager_create(server->display);
	wlr_primary_selection_v1_device_manager_create(server->display);
	wlr_data_control_manager_v1_create(server->display);
	/* No cursor is ever painted into the output (the browser draws it from capture.c's
	 * cursor sessions), so a screencopy client asking overlay_cursor=1 gets none here. */
	wlr_screencopy_manager_v1_create(server->display);

	server->output_layout = wlr_output_layout_create();
	wlr_xdg_output_manager_v1_create(server->display, server->output_layout);

	server->scene = wlr_scene_create();
	wlr_scene_attach_output_layout(server->scene, server->output_layout);
	server->background = wlr_scene_rect_create(&server->scene->node, (int)width, (int)height,
	                                           background_color);
	server->view_tree = wlr_scene_tree_create(&server->scene->node);

	output_init(server);
	view_init(server);
	input_init(server);
	if (!server->output_manager || !server->xdg_shell || !server->seat || !server->cursor) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot create the compositor globals");
		return false;
	}
	/* After the seat, whose cursor requests and pointer focus they follow. */
	if (!capture_init(server) || !cursor_init(server)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot set up the pointer cursor and its capture globals");
		return false;
	}
	return true;
}

const char *server_start(struct server *server, const char *socket_name, GError **error)
{
	const char *name = socket_name;

	if (name) {
		if (wl_display_add_socket(server->display, name) != 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			            "cannot listen on Wayland socket '%s' in $XDG_RUNTIME_DIR "
			            "(in use, or an invalid name)",
			            name);
			return NULL;
		}
	} else {
		name = wl_display_add_socket_auto(server->display);
		if (!name) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			            "cannot open a Wayland socket in $XDG_RUNTIME_DIR");
			return NULL;
		}
	}
	if (!wlr_backend_start(server->backend)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot start the headless backend");
		return NULL;
	}
	if (!wlr_headless_add_output(server->backend, server->width, server->height)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot add a %ux%u headless output", server->width, server->height);
		return NULL;
	}
	if (wl_list_empty(&server->outputs)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the %ux%u headless output could not be enabled", server->width,
		            server->height);
		return NULL;
	}
	return name;
}

void server_finish(struct server *server)
{
	if (!server->display)
		return;
	wl_display_destroy_clients(server->display);
	/* Run deferred frees queued while the clients went away. */
	wl_event_loop_dispatch_idle(wl_display_get_event_loop(server->display));
	capture_finish(server);
	cursor_finish(server);
	input_finish(server);
	view_finish(server);
	output_finish(server);
	if (server->cursor)
		wlr_cursor_destroy(server->cursor);
	/* wlroots 0.15 cleans up neither the scene's output layout helper nor its scene
	 * outputs when the scene goes: the layout first (the helper goes with it), then the
	 * scene outputs (they hold damage trackers on the backend's outputs), the scene, and
	 * only then the backend's outputs. */
	if (server->output_layout)
		wlr_output_layout_destroy(server->output_layout);
	if (server->scene) {
		struct wlr_scene_output *scene_output, *tmp;

		wl_list_for_each_safe(scene_output, tmp, &server->scene->outputs, link)
		        wlr_scene_output_destroy(scene_output);
		wlr_scene_node_destroy(&server->scene->node);
	}
	if (server->backend)
		wlr_backend_destroy(server->backend);
	if (server->allocator)
		wlr_allocator_destroy(server->allocator);
	if (server->renderer)
		wlr_renderer_destroy(server->renderer);
	wl_display_destroy(server->display);
	server->display = NULL;
}
