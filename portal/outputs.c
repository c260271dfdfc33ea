#define LOG_MODULE "outputs"
#include "outputs.h"

#include <gio/gio.h>

#include "wayland/conn.h"

static void output_info_free(void *p)
{
	struct output_info *o = p;

	g_free(o->name);
	g_free(o);
}

GPtrArray *outputs_list(const char *display, GError **error)
{
	return outputs_probe(display, NULL, error);
}

GPtrArray *outputs_probe(const char *display, struct outputs_caps *caps, GError **error)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(output_info_free);
	struct wayland_conn *conn = wayland_conn_get(display, "to share", error);
	const GPtrArray *outputs;
	struct wayland_seat *seat;

	if (caps)
		*caps = (struct outputs_caps){0};
	if (!conn)
		return NULL;
	outputs = wayland_conn_outputs(conn);
	for (unsigned i = 0; i < outputs->len; i++) {
		const struct wayland_output *o = g_ptr_array_index(outputs, i);
		struct output_info *info = g_new0(struct output_info, 1);

		info->named = o->name != NULL;
		info->name = o->name ? g_strdup(o->name) : g_strdup_printf("output-%u", i + 1);
		info->x = o->x;
		info->y = o->y;
		wayland_output_size(o, &info->width, &info->height);
		info->refresh_mhz = o->refresh_mhz;
		g_ptr_array_add(list, info);
	}
	seat = wayland_conn_seat(conn);
	/* the names are enough: the captures bind what they use themselves */
	if (caps)
		caps->cursor_capture =
		        wayland_conn_has(conn, "ext_image_copy_capture_manager_v1", 1) &&
		        wayland_conn_has(conn, "ext_output_image_capture_source_manager_v1", 1) &&
		        seat && (seat->capabilities & WL_SEAT_CAPABILITY_POINTER);
	wayland_conn_unref(conn);
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
