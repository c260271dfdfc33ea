/* wlroots 0.15 files a plain `axis` under the axis of the previous discrete request, so
 * every wheel event goes out as axis_discrete, even with no whole notch. */
#include "wayland/vpointer.h"

#include <gio/gio.h>
#include <time.h>

#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

#define POINTER_MANAGER_MIN 1
#define POINTER_MANAGER_MAX 2 /* create_virtual_pointer_with_output */

struct wayland_vpointer {
	struct wayland_conn *conn;
	struct zwlr_virtual_pointer_manager_v1 *manager;
	struct zwlr_virtual_pointer_v1 *pointer;
	uint32_t version;
};

static uint32_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

struct wayland_vpointer *wayland_vpointer_new(struct wayland_conn *conn, struct wayland_seat *seat,
                                              struct wayland_output *output, GError **error)
{
	struct wayland_vpointer *p;
	uint32_t version = 0;
	struct zwlr_virtual_pointer_manager_v1 *manager =
	        wayland_conn_bind(conn, &zwlr_virtual_pointer_manager_v1_interface,
	                          POINTER_MANAGER_MIN, POINTER_MANAGER_MAX, &version);

	g_assert(seat && seat->conn == conn && (!output || output->conn == conn));
	if (!manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "“%s” offers no zwlr_virtual_pointer_manager_v1",
		            wayland_conn_name(conn));
		return NULL;
	}
	p = g_new0(struct wayland_vpointer, 1);
	p->conn = wayland_conn_ref(conn);
	p->manager = manager;
	p->version = version;
	if (output && version >= 2)
		p->pointer = zwlr_virtual_pointer_manager_v1_create_virtual_pointer_with_output(
		        manager, seat->proxy, output->proxy);
	else
		p->pointer = zwlr_virtual_pointer_manager_v1_create_virtual_pointer(manager,
		                                                                    seat->proxy);
	return p;
}

void wayland_vpointer_free(struct wayland_vpointer *p)
{
	if (!p)
		return;
	zwlr_virtual_pointer_v1_destroy(p->pointer);
	zwlr_virtual_pointer_manager_v1_destroy(p->manager);
	wayland_conn_unref(p->conn);
	g_free(p);
}

uint32_t wayland_vpointer_version(const struct wayland_vpointer *p)
{
	return p->version;
}

void wayland_vpointer_motion_absolute(struct wayland_vpointer *p, uint32_t x, uint32_t y,
                                      uint32_t width, uint32_t height)
{
	g_assert(x < width && y < height);
	zwlr_virtual_pointer_v1_motion_absolute(p->pointer, now_ms(), x, y, width, height);
}

void wayland_vpointer_button(struct wayland_vpointer *p, uint32_t button, bool pressed)
{
	zwlr_virtual_pointer_v1_button(p->pointer, now_ms(), button,
	                               pressed ? WL_POINTER_BUTTON_STATE_PRESSED
	                                       : WL_POINTER_BUTTON_STATE_RELEASED);
}

void wayland_vpointer_wheel(struct wayland_vpointer *p, enum wl_pointer_axis axis, double value,
                            int32_t steps)
{
	/* the source request applies to the axis of the discrete one, so it comes second */
	zwlr_virtual_pointer_v1_axis_discrete(p->pointer, now_ms(), axis,
	                                      wl_fixed_from_double(value), steps);
	zwlr_virtual_pointer_v1_axis_source(p->pointer, WL_POINTER_AXIS_SOURCE_WHEEL);
}

void wayland_vpointer_frame(struct wayland_vpointer *p)
{
	zwlr_virtual_pointer_v1_frame(p->pointer);
}
