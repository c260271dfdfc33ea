#define LOG_MODULE "outputs"
#include "outputs.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <wayland-client.h>

#include "xdg-output-unstable-v1-client-protocol.h"

#define OUTPUT_VERSION     4 /* name */
#define SEAT_VERSION       1 /* capabilities is all we look at */
#define XDG_OUTPUT_VERSION 1 /* logical_position */

/* What one look at the registry gathers. */
struct probe {
	GPtrArray *outputs;
	struct wl_seat *seat;
	struct zxdg_output_manager_v1 *xdg_output_manager;
	bool seat_pointer;
	bool copy_capture, output_source;
};

struct output_entry {
	struct output_info info;
	struct wl_output *output;
	struct zxdg_output_v1 *xdg_output;
	int32_t transform;
};

static void output_info_free(void *p)
{
	struct output_entry *e = p;

	if (e->xdg_output)
		zxdg_output_v1_destroy(e->xdg_output);
	if (e->output)
		wl_output_destroy(e->output);
	g_free(e->info.name);
	g_free(e);
}

static void on_geometry(void *data, struct wl_output *output, int32_t x, int32_t y, int32_t pw,
                        int32_t ph, int32_t subpixel, const char *make, const char *model,
                        int32_t transform)
{
	struct output_entry *e = data;

	/* wlroots says 0,0 here for every output: xdg-output's position wins when it comes */
	if (!e->xdg_output) {
		e->info.x = x;
		e->info.y = y;
	}
	e->transform = transform;
}

static void on_mode(void *data, struct wl_output *output, uint32_t flags, int32_t width,
                    int32_t height, int32_t refresh)
{
	struct output_entry *e = data;

	if (!(flags & WL_OUTPUT_MODE_CURRENT))
		return;
	e->info.width = width;
	e->info.height = height;
	e->info.refresh_mhz = refresh;
}

static void on_done(void *data, struct wl_output *output)
{
}

static void on_scale(void *data, struct wl_output *output, int32_t factor)
{
}

static void on_name(void *data, struct wl_output *output, const char *name)
{
	struct output_entry *e = data;

	g_free(e->info.name);
	e->info.name = g_strdup(name);
}

static void on_description(void *data, struct wl_output *output, const char *description)
{
}

static const struct wl_output_listener output_listener = {
        .geometry = on_geometry,
        .mode = on_mode,
        .done = on_done,
        .scale = on_scale,
        .name = on_name,
        .description = on_description,
};

static void xdg_logical_position(void *data, struct zxdg_output_v1 *xdg_output, int32_t x,
                                 int32_t y)
{
	struct output_entry *e = data;

	e->info.x = x;
	e->info.y = y;
}

static void xdg_logical_size(void *data, struct zxdg_output_v1 *xdg_output, int32_t width,
                             int32_t height)
{
}

static void xdg_done(void *data, struct zxdg_output_v1 *xdg_output)
{
}

static void xdg_name(void *data, struct zxdg_output_v1 *xdg_output, const char *name)
{
}

static void xdg_description(void *data, struct zxdg_output_v1 *xdg_output, const char *description)
{
}

static const struct zxdg_output_v1_listener xdg_output_listener = {
        .logical_position = xdg_logical_position,
        .logical_size = xdg_logical_size,
        .done = xdg_done,
        .name = xdg_name,
        .description = xdg_description,
};

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct probe *p = data;

	p->seat_pointer = p->seat_pointer || (caps & WL_SEAT_CAPABILITY_POINTER);
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
        .capabilities = seat_capabilities,
        .name = seat_name,
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
                            const char *iface, uint32_t version)
{
	struct probe *p = data;
	struct output_entry *e;

	/* the names are enough: the captures bind what they use themselves */
	if (strcmp(iface, "ext_image_copy_capture_manager_v1") == 0) {
		p->copy_capture = true;
		return;
	}
	if (strcmp(iface, "ext_output_image_capture_source_manager_v1") == 0) {
		p->output_source = true;
		return;
	}
	if (strcmp(iface, zxdg_output_manager_v1_interface.name) == 0 && !p->xdg_output_manager) {
		p->xdg_output_manager = wl_registry_bind(
		        registry, name, &zxdg_output_manager_v1_interface, XDG_OUTPUT_VERSION);
		return;
	}
	if (strcmp(iface, wl_seat_interface.name) == 0 && !p->seat) {
		p->seat = wl_registry_bind(registry, name, &wl_seat_interface, SEAT_VERSION);
		wl_seat_add_listener(p->seat, &seat_listener, p);
		return;
	}
	if (strcmp(iface, wl_output_interface.name) != 0)
		return;
	e = g_new0(struct output_entry, 1);
	e->output = wl_registry_bind(registry, name, &wl_output_interface,
	                             MIN(version, (uint32_t)OUTPUT_VERSION));
	wl_output_add_listener(e->output, &output_listener, e);
	g_ptr_array_add(p->outputs, e);
}

static void registry_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_global,
        .global_remove = registry_remove,
};

GPtrArray *outputs_list(const char *display, GError **error)
{
	return outputs_probe(display, NULL, error);
}

GPtrArray *outputs_probe(const char *display, struct outputs_caps *caps, GError **error)
{
	const char *name = display ? display : g_getenv("WAYLAND_DISPLAY");
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(output_info_free);
	struct probe probe = {.outputs = list};
	struct wl_display *d;
	struct wl_registry *registry;
	int ok;

	if (caps)
		*caps = (struct outputs_caps){0};
	if (!name || !*name) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "no Wayland display to share ($WAYLAND_DISPLAY is not set)");
		return NULL;
	}
	d = wl_display_connect(name);
	if (!d) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "cannot connect to the Wayland display “%s”: %s", name,
		            g_strerror(errno));
		return NULL;
	}
	registry = wl_display_get_registry(d);
	wl_registry_add_listener(registry, &registry_listener, &probe);
	ok = wl_display_roundtrip(d) >= 0;
	/* where outputs lie in the desktop comes from xdg-output (the manager may be announced
	 * after them) */
	for (unsigned i = 0; ok && probe.xdg_output_manager && i < list->len; i++) {
		struct output_entry *e = list->pdata[i];

		e->xdg_output =
		        zxdg_output_manager_v1_get_xdg_output(probe.xdg_output_manager, e->output);
		zxdg_output_v1_add_listener(e->xdg_output, &xdg_output_listener, e);
	}
	/* the second roundtrip brings each output's (and the seat's) events */
	ok = ok && wl_display_roundtrip(d) >= 0;
	for (unsigned i = 0; i < list->len; i++) {
		struct output_entry *e = list->pdata[i];

		e->info.named = e->info.name != NULL;
		if (!e->info.name)
			e->info.name = g_strdup_printf("output-%u", i + 1);
		if (e->transform & WL_OUTPUT_TRANSFORM_90) {
			int32_t t = e->info.width;

			e->info.width = e->info.height;
			e->info.height = t;
		}
		if (e->xdg_output)
			zxdg_output_v1_destroy(e->xdg_output);
		e->xdg_output = NULL;
		wl_output_destroy(e->output);
		e->output = NULL;
	}
	if (probe.xdg_output_manager)
		zxdg_output_manager_v1_destroy(probe.xdg_output_manager);
	if (probe.seat)
		wl_seat_destroy(probe.seat);
	wl_registry_destroy(registry);
	wl_display_disconnect(d);
	if (caps)
		caps->cursor_capture =
		        ok && probe.copy_capture && probe.output_source && probe.seat_pointer;
	if (!ok) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the Wayland display “%s” closed the connection", name);
		return NULL;
	}
	return g_steal_pointer(&list);
}

const struct output_info *outputs_find(GPtrArray *outputs, const char *name)
{
	for (unsigned i = 0; outputs && i < outputs->len; i++) {
		const struct output_info *o = outputs->pdata[i];

		if (g_strcmp0(o->name, name) == 0)
			return o;
	}
	return NULL;
}
