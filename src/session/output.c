/* The headless output of wayrtc-session: renders the scene on each frame event, keeps
 * the background and maximized windows matched to its size, and applies mode changes
 * that output-management clients (wlr-randr, wayrtc) ask for. */
#define LOG_MODULE "session"
#include "util/log.h"

#include "server.h"

#include <stdlib.h>
#include <time.h>
#include <wlr/backend.h>
#include <wlr/render/allocator.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_output_management_v1.h>
#include <wlr/types/wlr_scene.h>

struct session_output {
	struct wl_list link; /* server.outputs */
	struct server *server;
	struct wlr_output *wlr_output;
	struct wl_listener frame;
	struct wl_listener destroy;
};

static void output_handle_frame(struct wl_listener *listener, void *data)
{
	struct session_output *output = wl_container_of(listener, output, frame);
	struct wlr_scene_output *scene_output =
	        wlr_scene_get_scene_output(output->server->scene, output->wlr_output);
	struct timespec now;

	if (!scene_output)
		return;
	/* Renders only where damaged; screencopy raises needs_frame so a copy still commits. */
	wlr_scene_output_commit(scene_output);
	clock_gettime(CLOCK_MONOTONIC, &now);
	wlr_scene_output_send_frame_done(scene_output, &now);
	cursor_send_frame_done(output->server, &now);
}

static void output_handle_destroy(struct wl_listener *listener, void *data)
{
	struct session_output *output = wl_container_of(listener, output, destroy);

	wl_list_remove(&output->frame.link);
	wl_list_remove(&output->destroy.link);
	wl_list_remove(&output->link);
	free(output);
}

static void server_handle_new_output(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_output);
	struct wlr_output *wlr_output = data;
	struct session_output *output;

	if (!wlr_output_init_render(wlr_output, server->allocator, server->renderer)) {
		log_error("cannot set up rendering on output %s", wlr_output->name);
		return;
	}
	/* Headless outputs have no mode list: the size and refresh are a custom mode. */
	wlr_output_set_custom_mode(wlr_output, (int32_t)server->width, (int32_t)server->height,
	                           SESSION_REFRESH_MHZ);
	wlr_output_enable(wlr_output, true);
	if (!wlr_output_commit(wlr_output)) {
		log_error("cannot enable output %s at %ux%u", wlr_output->name, server->width,
		          server->height);
		return;
	}

	output = calloc(1, sizeof(*output));
	if (!output) {
		log_error("out of memory");
		return;
	}
	output->server = server;
	output->wlr_output = wlr_output;
	output->frame.notify = output_handle_frame;
	wl_signal_add(&wlr_output->events.frame, &output->frame);
	output->destroy.notify = output_handle_destroy;
	wl_signal_add(&wlr_output->events.destroy, &output->destroy);
	wl_list_insert(server->outputs.prev, &output->link);

	wlr_scene_output_create(server->scene, wlr_output);
	/* Adding to the layout announces wl_output/xdg_output and fires layout change. */
	wlr_output_layout_add_auto(server->output_layout, wlr_output);
	log_info("output %s: %dx%d at %d.%03d Hz", wlr_output->name, wlr_output->width,
	         wlr_output->height, wlr_output->refresh / 1000, wlr_output->refresh % 1000);
}

bool output_get_work_area(struct server *server, int *x, int *y, int *width, int *height)
{
	struct session_output *output;
	struct wlr_box *box;

	wl_list_for_each(output, &server->outputs, link)
	{
		box = wlr_output_layout_get_box(server->output_layout, output->wlr_output);
		if (!box || box->width <= 0 || box->height <= 0)
			continue;
		*x = box->x;
		*y = box->y;
		*width = box->width;
		*height = box->height;
		return true;
	}
	return false;
}

/* Tells output-management clients the current state after any change. */
static void output_publish_configuration(struct server *server)
{
	struct wlr_output_configuration_v1 *config = wlr_output_configuration_v1_create();
	struct session_output *output;

	if (!config)
		return;
	wl_list_for_each(output, &server->outputs, link)
	{
		struct wlr_output_configuration_head_v1 *head =
		        wlr_output_configuration_head_v1_create(config, output->wlr_output);
		struct wlr_box *box =
		        wlr_output_layout_get_box(server->output_layout, output->wlr_output);

		if (!head)
			continue;
		if (box) {
			head->state.x = box->x;
			head->state.y = box->y;
		}
	}
	wlr_output_manager_v1_set_configuration(server->output_manager, config);
}

static void server_handle_layout_change(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, layout_change);
	struct wlr_box *box = wlr_output_layout_get_box(server->output_layout, NULL);

	if (box && box->width > 0 && box->height > 0) {
		wlr_scene_node_set_position(&server->background->node, box->x, box->y);
		wlr_scene_rect_set_size(server->background, box->width, box->height);
	}
	view_arrange_all(server);
	cursor_output_changed(server);
	output_publish_configuration(server);
}

static bool head_state_valid(const struct wlr_output_head_v1_state *state)
{
	if (!state->enabled)
		return true;
	if (!(state->scale > 0.0f))
		return false;
	if (state->mode)
		return true;
	return state->custom_mode.width > 0 && state->custom_mode.height > 0 &&
	       state->custom_mode.width <= SESSION_MAX_OUTPUT_SIDE &&
	       state->custom_mode.height <= SESSION_MAX_OUTPUT_SIDE &&
	       state->custom_mode.refresh >= 0;
}

/* Stages every head, tests all, then commits all or rolls all back. */
static bool output_apply_configuration(struct server *server,
                                       struct wlr_output_configuration_v1 *config, bool test_only)
{
	struct wlr_output_configuration_head_v1 *head;
	bool ok = true;

	wl_list_for_each(head, &config->heads, link)
	{
		struct wlr_output *wlr_output = head->state.output;

		if (!head_state_valid(&head->state)) {
			ok = false;
			break;
		}
		wlr_output_enable(wlr_output, head->state.enabled);
		if (head->state.enabled) {
			if (head->state.mode)
				wlr_output_set_mode(wlr_output, head->state.mode);
			else
				wlr_output_set_custom_mode(wlr_output,
				                           head->state.custom_mode.width,
				                           head->state.custom_mode.height,
				                           head->state.custom_mode.refresh
				                                   ? head->state.custom_mode.refresh
				                                   : SESSION_REFRESH_MHZ);
			wlr_output_set_transform(wlr_output, head->state.transform);
			wlr_output_set_scale(wlr_output, head->state.scale);
		}
		if (!wlr_output_test(wlr_output)) {
			ok = false;
			break;
		}
	}

	wl_list_for_each(head, &config->heads, link)
	{
		struct wlr_output *wlr_output = head->state.output;

		if (!ok || test_only) {
			wlr_output_rollback(wlr_output);
			continue;
		}
		if (!wlr_output_commit(wlr_output)) {
			log_warn("output %s: commit failed", wlr_output->name);
			ok = false;
			continue;
		}
		if (head->state.enabled)
			wlr_output_layout_add(server->output_layout, wlr_output, head->state.x,
			                      head->state.y);
		else
			wlr_output_layout_remove(server->output_layout, wlr_output);
		log_info("output %s: %s %dx%d", wlr_output->name,
		         head->state.enabled ? "now" : "disabled", wlr_output->width,
		         wlr_output->height);
	}
	return ok;
}

static void output_manager_handle(struct server *server, struct wlr_output_configuration_v1 *config,
                                  bool test_only)
{
	if (output_apply_configuration(server, config, test_only))
		wlr_output_configuration_v1_send_succeeded(config);
	else
		wlr_output_configuration_v1_send_failed(config);
	wlr_output_configuration_v1_destroy(config);
	if (!test_only)
		output_publish_configuration(server);
}

static void server_handle_output_apply(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, output_manager_apply);

	output_manager_handle(server, data, false);
}

static void server_handle_output_test(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, output_manager_test);

	output_manager_handle(server, data, true);
}

void output_init(struct server *server)
{
	server->new_output.notify = server_handle_new_output;
	wl_signal_add(&server->backend->events.new_output, &server->new_output);
	server->layout_change.notify = server_handle_layout_change;
	wl_signal_add(&server->output_layout->events.change, &server->layout_change);

	server->output_manager = wlr_output_manager_v1_create(server->display);
	if (!server->output_manager)
		return;
	server->output_manager_apply.notify = server_handle_output_apply;
	wl_signal_add(&server->output_manager->events.apply, &server->output_manager_apply);
	server->output_manager_test.notify = server_handle_output_test;
	wl_signal_add(&server->output_manager->events.test, &server->output_manager_test);
}

void output_finish(struct server *server)
{
	if (!server->new_output.notify)
		return;
	wl_list_remove(&server->new_output.link);
	wl_list_remove(&server->layout_change.link);
	if (server->output_manager) {
		wl_list_remove(&server->output_manager_apply.link);
		wl_list_remove(&server->output_manager_test.link);
	}
	server->new_output.notify = NULL;
}
