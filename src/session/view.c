/* Windows of wayrtc-session: every xdg toplevel is maximized to the output, raised and
 * focused when it maps; popups hang under their parent in the scene graph. Stacking is
 * a simple list, topmost first. */
#define LOG_MODULE "session"
#include "util/log.h"

#include "server.h"

#include <stdlib.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xdg_shell.h>

struct view {
	struct wl_list link; /* server.views */
	struct server *server;
	struct wlr_xdg_surface *xdg_surface;
	struct wlr_scene_node *scene_node;
	bool mapped;

	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener destroy;
	struct wl_listener request_maximize;
	struct wl_listener request_fullscreen;
	struct wl_listener request_minimize;
};

/* A popup's own listeners: only its scene node needs to know it died. */
struct popup {
	struct wl_listener destroy;
};

static void view_maximize(struct view *view)
{
	int x, y, width, height;

	if (!output_get_work_area(view->server, &x, &y, &width, &height))
		return;
	wlr_scene_node_set_position(view->scene_node, x, y);
	wlr_xdg_toplevel_set_maximized(view->xdg_surface, true);
	wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)width, (uint32_t)height);
}

void view_arrange_all(struct server *server)
{
	struct view *view;

	wl_list_for_each(view, &server->views, link) view_maximize(view);
}

static struct view *view_from_surface(struct server *server, struct wlr_surface *surface)
{
	struct wlr_xdg_surface *xdg_surface;
	struct view *view;

	if (!surface || !wlr_surface_is_xdg_surface(surface))
		return NULL;
	xdg_surface = wlr_xdg_surface_from_wlr_surface(surface);
	/* A popup focuses through its toplevel. */
	while (xdg_surface && xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP)
		xdg_surface = xdg_surface->popup->parent &&
		                              wlr_surface_is_xdg_surface(xdg_surface->popup->parent)
		                      ? wlr_xdg_surface_from_wlr_surface(xdg_surface->popup->parent)
		                      : NULL;
	wl_list_for_each(view, &server->views, link)
	{
		if (view->xdg_surface == xdg_surface)
			return view;
	}
	return NULL;
}

static void view_focus(struct view *view)
{
	struct server *server = view->server;
	struct wlr_seat *seat = server->seat;
	struct wlr_surface *previous = seat->keyboard_state.focused_surface;
	struct wlr_surface *surface = view->xdg_surface->surface;
	struct wlr_keyboard *keyboard;

	wlr_scene_node_raise_to_top(view->scene_node);
	wl_list_remove(&view->link);
	wl_list_insert(&server->views, &view->link);
	if (previous == surface)
		return;
	if (previous && wlr_surface_is_xdg_surface(previous)) {
		struct wlr_xdg_surface *old = wlr_xdg_surface_from_wlr_surface(previous);

		if (old && old->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL)
			wlr_xdg_toplevel_set_activated(old, false);
	}
	wlr_xdg_toplevel_set_activated(view->xdg_surface, true);
	keyboard = wlr_seat_get_keyboard(seat);
	if (keyboard)
		wlr_seat_keyboard_notify_enter(seat, surface, keyboard->keycodes,
		                               keyboard->num_keycodes, &keyboard->modifiers);
	else
		wlr_seat_keyboard_notify_enter(seat, surface, NULL, 0, NULL);
}

void view_focus_surface(struct server *server, struct wlr_surface *surface)
{
	struct view *view = view_from_surface(server, surface);

	if (view && view->mapped)
		view_focus(view);
}

struct wlr_surface *view_surface_at(struct server *server, double lx, double ly, double *sx,
                                    double *sy)
{
	struct wlr_scene_node *node = wlr_scene_node_at(&server->view_tree->node, lx, ly, sx, sy);

	if (!node || node->type != WLR_SCENE_NODE_SURFACE)
		return NULL;
	return wlr_scene_surface_from_node(node)->surface;
}

/* The next mapped window takes focus when the focused one goes away. */
static void view_focus_next(struct server *server, struct view *leaving)
{
	struct view *view;

	wl_list_for_each(view, &server->views, link)
	{
		if (view != leaving && view->mapped) {
			view_focus(view);
			return;
		}
	}
	wlr_seat_keyboard_notify_clear_focus(server->seat);
}

static void view_handle_map(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, map);

	view->mapped = true;
	wlr_scene_node_set_enabled(view->scene_node, true);
	view_focus(view);
	input_update_pointer_focus(view->server, 0);
	log_debug("window '%s' mapped",
	          view->xdg_surface->toplevel->title ? view->xdg_surface->toplevel->title : "");
}

static void view_handle_unmap(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, unmap);
	struct wlr_surface *focused = view->server->seat->keyboard_state.focused_surface;

	view->mapped = false;
	wlr_scene_node_set_enabled(view->scene_node, false);
	if (focused == view->xdg_surface->surface)
		view_focus_next(view->server, view);
	input_update_pointer_focus(view->server, 0);
}

static void view_handle_destroy(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, destroy);

	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->destroy.link);
	wl_list_remove(&view->request_maximize.link);
	wl_list_remove(&view->request_fullscreen.link);
	wl_list_remove(&view->request_minimize.link);
	wl_list_remove(&view->link);
	free(view);
}

/* Every window stays maximized, but xdg-shell wants a configure in reply to each
 * state request. */
static void view_handle_state_request(struct wl_listener *listener, void *data)
{
	struct wlr_xdg_surface *xdg_surface = data;

	if (xdg_surface && xdg_surface->added)
		wlr_xdg_surface_schedule_configure(xdg_surface);
}

static void view_create(struct server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct view *view = calloc(1, sizeof(*view));

	if (!view) {
		log_error("out of memory");
		return;
	}
	view->server = server;
	view->xdg_surface = xdg_surface;
	view->scene_node = wlr_scene_xdg_surface_create(&server->view_tree->node, xdg_surface);
	if (!view->scene_node) {
		free(view);
		return;
	}
	view->scene_node->data = view;
	xdg_surface->data = view->scene_node;
	wlr_scene_node_set_enabled(view->scene_node, false);

	view->map.notify = view_handle_map;
	wl_signal_add(&xdg_surface->events.map, &view->map);
	view->unmap.notify = view_handle_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &view->unmap);
	view->destroy.notify = view_handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &view->destroy);
	view->request_maximize.notify = view_handle_state_request;
	wl_signal_add(&xdg_surface->toplevel->events.request_maximize, &view->request_maximize);
	view->request_fullscreen.notify = view_handle_state_request;
	wl_signal_add(&xdg_surface->toplevel->events.request_fullscreen, &view->request_fullscreen);
	view->request_minimize.notify = view_handle_state_request;
	wl_signal_add(&xdg_surface->toplevel->events.request_minimize, &view->request_minimize);
	wl_list_insert(&server->views, &view->link);

	/* Before the first configure, so the client draws at the output size at once. */
	view_maximize(view);
}

static void popup_handle_destroy(struct wl_listener *listener, void *data)
{
	struct popup *popup = wl_container_of(listener, popup, destroy);

	wl_list_remove(&popup->destroy.link);
	free(popup);
}

static void popup_create(struct server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct wlr_xdg_surface *parent;
	struct wlr_xdg_surface *toplevel;
	struct wlr_scene_node *parent_node;
	struct popup *popup;
	int x, y, width, height, tx = 0, ty = 0;

	if (!xdg_surface->popup->parent || !wlr_surface_is_xdg_surface(xdg_surface->popup->parent))
		return;
	parent = wlr_xdg_surface_from_wlr_surface(xdg_surface->popup->parent);
	parent_node = parent ? parent->data : NULL;
	if (!parent_node)
		return;
	popup = calloc(1, sizeof(*popup));
	if (!popup)
		return;
	xdg_surface->data = wlr_scene_xdg_surface_create(parent_node, xdg_surface);
	popup->destroy.notify = popup_handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &popup->destroy);

	/* Keep the popup on the output: the box is in the toplevel's coordinates. */
	toplevel = parent;
	while (toplevel && toplevel->role == WLR_XDG_SURFACE_ROLE_POPUP)
		toplevel = toplevel->popup->parent &&
		                           wlr_surface_is_xdg_surface(toplevel->popup->parent)
		                   ? wlr_xdg_surface_from_wlr_surface(toplevel->popup->parent)
		                   : NULL;
	if (toplevel && toplevel->data)
		wlr_scene_node_coords(toplevel->data, &tx, &ty);
	if (output_get_work_area(server, &x, &y, &width, &height)) {
		struct wlr_box box = {
		        .x = x - tx,
		        .y = y - ty,
		        .width = width,
		        .height = height,
		};

		wlr_xdg_popup_unconstrain_from_box(xdg_surface->popup, &box);
	}
}

static void server_handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;

	if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL)
		view_create(server, xdg_surface);
	else if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP)
		popup_create(server, xdg_surface);
}

void view_init(struct server *server)
{
	server->xdg_shell = wlr_xdg_shell_create(server->display);
	if (!server->xdg_shell)
		return;
	server->new_xdg_surface.notify = server_handle_new_xdg_surface;
	wl_signal_add(&server->xdg_shell->events.new_surface, &server->new_xdg_surface);
}

void view_finish(struct server *server)
{
	if (!server->xdg_shell || !server->new_xdg_surface.notify)
		return;
	wl_list_remove(&server->new_xdg_surface.link);
	server->new_xdg_surface.notify = NULL;
}
