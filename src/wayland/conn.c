/* One connection per display and context, found again by wayland_conn_get: the capture,
 * the clipboard and each viewer's devices share it, so a new viewer costs no connection
 * and no roundtrip. Observers are called in the order they came; one that goes during a
 * call is skipped from then on (the array is compacted once no call runs). */
#define LOG_MODULE "wayland"
#include "wayland/conn.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "util/log.h"
#include "wayland/source.h"
#include "xdg-output-unstable-v1-client-protocol.h"

#define OUTPUT_VERSION     4 /* `name`, so outputs can be asked for by name */
#define SEAT_VERSION       5 /* wl_pointer.release and wl_seat.release */
#define SHM_VERSION        1
#define XDG_OUTPUT_VERSION 1 /* logical_position is all we take */

struct global {
	uint32_t name;
	uint32_t version;
	char *iface;
};

struct observer {
	const struct wayland_conn_observer *o;
	void *data;
	bool gone;
};

struct wayland_conn {
	int refs;
	char *name;
	GMainContext *context; /* the key, with name: the one the source is attached to */
	struct wl_display *display;
	struct wl_registry *registry;
	GSource *source;
	GArray *globals;    /* struct global, as announced */
	GPtrArray *outputs; /* struct wayland_output *, owned */
	GPtrArray *seats;   /* struct wayland_seat *, owned */
	struct wl_shm *shm;
	struct zxdg_output_manager_v1 *xdg_output_manager;
	GPtrArray *observers; /* struct observer *, owned */
	unsigned notifying;   /* observer calls under way: removal only marks */
	bool lost;
};

/* Every connection that is not lost, for wayland_conn_get to find; they belong to their
 * contexts' threads, but the list is the process's. */
static GMutex conns_lock;
static GList *conns;

static void conn_forget(struct wayland_conn *conn)
{
	g_mutex_lock(&conns_lock);
	conns = g_list_remove(conns, conn);
	g_mutex_unlock(&conns_lock);
}

/* ---- observers ---- */

#define NOTIFY(conn, member, ...)                                                                  \
	do {                                                                                       \
		wayland_conn_ref(conn);                                                            \
		(conn)->notifying++;                                                               \
		for (guint i_ = 0; i_ < (conn)->observers->len; i_++) {                            \
			struct observer *ob_ = g_ptr_array_index((conn)->observers, i_);           \
			if (!ob_->gone && ob_->o->member)                                          \
				ob_->o->member(ob_->data, __VA_ARGS__);                            \
		}                                                                                  \
		notify_end(conn);                                                                  \
	} while (0)

static void notify_end(struct wayland_conn *conn)
{
	g_assert(conn->notifying > 0);
	if (--conn->notifying == 0) {
		for (guint i = conn->observers->len; i-- > 0;) {
			if (((struct observer *)g_ptr_array_index(conn->observers, i))->gone)
				g_ptr_array_remove_index(conn->observers, i);
		}
	}
	wayland_conn_unref(conn);
}

void *wayland_conn_observe(struct wayland_conn *conn, const struct wayland_conn_observer *observer,
                           void *data)
{
	struct observer *ob = g_new0(struct observer, 1);

	g_assert(conn && observer);
	ob->o = observer;
	ob->data = data;
	g_ptr_array_add(conn->observers, ob);
	return ob;
}

void wayland_conn_unobserve(struct wayland_conn *conn, void *handle)
{
	struct observer *ob = handle;

	if (!ob)
		return;
	g_assert(conn);
	ob->gone = true;
	if (!conn->notifying) {
		gboolean found = g_ptr_array_remove(conn->observers, ob);

		g_assert(found); /* a handle of another connection */
	}
}

/* ---- outputs ---- */

static void output_geometry(void *data, struct wl_output *proxy, int32_t x, int32_t y,
                            int32_t phys_w, int32_t phys_h, int32_t subpixel, const char *make,
                            const char *model, int32_t transform)
{
	struct wayland_output *o = data;

	/* wlroots says 0,0 here for every output: xdg-output's position wins when it comes */
	if (!o->pending.has_xdg_position) {
		o->pending.x = x;
		o->pending.y = y;
	}
	o->pending.transform = transform;
}

static void output_mode(void *data, struct wl_output *proxy, uint32_t flags, int32_t width,
                        int32_t height, int32_t refresh)
{
	struct wayland_output *o = data;

	if (!(flags & WL_OUTPUT_MODE_CURRENT))
		return;
	o->pending.width = width;
	o->pending.height = height;
	o->pending.refresh_mhz = refresh;
}

static void output_publish(struct wayland_output *o)
{
	o->x = o->pending.x;
	o->y = o->pending.y;
	o->width = o->pending.width;
	o->height = o->pending.height;
	o->refresh_mhz = o->pending.refresh_mhz;
	o->transform = o->pending.transform;
	o->done = true;
}

static void output_done(void *data, struct wl_output *proxy)
{
	struct wayland_output *o = data;

	output_publish(o);
	NOTIFY(o->conn, output_done, o);
}

static void output_scale(void *data, struct wl_output *proxy, int32_t factor)
{
}

static void output_name(void *data, struct wl_output *proxy, const char *name)
{
	struct wayland_output *o = data;

	/* v4 sends it once, before the first done: a name never changes under a user */
	if (!o->name)
		o->name = g_strdup(name);
}

static void output_description(void *data, struct wl_output *proxy, const char *description)
{
}

static const struct wl_output_listener output_listener = {
        .geometry = output_geometry,
        .mode = output_mode,
        .done = output_done,
        .scale = output_scale,
        .name = output_name,
        .description = output_description,
};

static void xdg_logical_position(void *data, struct zxdg_output_v1 *xdg, int32_t x, int32_t y)
{
	struct wayland_output *o = data;

	o->pending.x = x;
	o->pending.y = y;
	o->pending.has_xdg_position = true;
	/* xdg-output v1 ends with its own done, which may come after wl_output's */
	if (o->done) {
		o->x = x;
		o->y = y;
	}
}

static void xdg_logical_size(void *data, struct zxdg_output_v1 *xdg, int32_t w, int32_t h)
{
}

static void xdg_done(void *data, struct zxdg_output_v1 *xdg)
{
}

static void xdg_name(void *data, struct zxdg_output_v1 *xdg, const char *name)
{
}

static void xdg_description(void *data, struct zxdg_output_v1 *xdg, const char *description)
{
}

static const struct zxdg_output_v1_listener xdg_output_listener = {
        .logical_position = xdg_logical_position,
        .logical_size = xdg_logical_size,
        .done = xdg_done,
        .name = xdg_name,
        .description = xdg_description,
};

static void output_watch_position(struct wayland_conn *conn, struct wayland_output *o)
{
	if (!conn->xdg_output_manager || o->xdg_output)
		return;
	o->xdg_output = zxdg_output_manager_v1_get_xdg_output(conn->xdg_output_manager, o->proxy);
	zxdg_output_v1_add_listener(o->xdg_output, &xdg_output_listener, o);
}

static void output_free(struct wayland_output *o)
{
	if (o->xdg_output)
		zxdg_output_v1_destroy(o->xdg_output);
	if (wl_output_get_version(o->proxy) >= WL_OUTPUT_RELEASE_SINCE_VERSION)
		wl_output_release(o->proxy);
	else
		wl_output_destroy(o->proxy);
	g_free(o->name);
	g_free(o);
}

void wayland_output_size(const struct wayland_output *output, int32_t *width, int32_t *height)
{
	bool quarter = output->transform & WL_OUTPUT_TRANSFORM_90;

	*width = quarter ? output->height : output->width;
	*height = quarter ? output->width : output->height;
}

/* ---- seats ---- */

static void seat_capabilities(void *data, struct wl_seat *proxy, uint32_t caps)
{
	struct wayland_seat *seat = data;

	seat->capabilities = caps;
	NOTIFY(seat->conn, seat_capabilities, seat);
}

static void seat_name(void *data, struct wl_seat *proxy, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
        .capabilities = seat_capabilities,
        .name = seat_name,
};

static void seat_free(struct wayland_seat *seat)
{
	if (wl_seat_get_version(seat->proxy) >= WL_SEAT_RELEASE_SINCE_VERSION)
		wl_seat_release(seat->proxy);
	else
		wl_seat_destroy(seat->proxy);
	g_free(seat);
}

/* ---- registry ---- */

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
                            const char *iface, uint32_t version)
{
	struct wayland_conn *conn = data;
	struct global g = {.name = name, .version = version, .iface = g_strdup(iface)};

	g_array_append_val(conn->globals, g);
	if (strcmp(iface, wl_output_interface.name) == 0) {
		struct wayland_output *o = g_new0(struct wayland_output, 1);

		o->conn = conn;
		o->global = name;
		o->proxy = wl_registry_bind(registry, name, &wl_output_interface,
		                            MIN(version, (uint32_t)OUTPUT_VERSION));
		wl_output_add_listener(o->proxy, &output_listener, o);
		output_watch_position(conn, o);
		g_ptr_array_add(conn->outputs, o);
	} else if (strcmp(iface, wl_seat_interface.name) == 0) {
		struct wayland_seat *seat = g_new0(struct wayland_seat, 1);

		seat->conn = conn;
		seat->global = name;
		seat->proxy = wl_registry_bind(registry, name, &wl_seat_interface,
		                               MIN(version, (uint32_t)SEAT_VERSION));
		wl_seat_add_listener(seat->proxy, &seat_listener, seat);
		g_ptr_array_add(conn->seats, seat);
	} else if (strcmp(iface, wl_shm_interface.name) == 0 && !conn->shm) {
		conn->shm = wl_registry_bind(registry, name, &wl_shm_interface, SHM_VERSION);
	} else if (strcmp(iface, zxdg_output_manager_v1_interface.name) == 0 &&
	           !conn->xdg_output_manager) {
		/* it may come after the outputs */
		conn->xdg_output_manager = wl_registry_bind(
		        registry, name, &zxdg_output_manager_v1_interface, XDG_OUTPUT_VERSION);
		for (guint i = 0; i < conn->outputs->len; i++)
			output_watch_position(conn, g_ptr_array_index(conn->outputs, i));
	}
}

static void registry_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	struct wayland_conn *conn = data;

	for (guint i = 0; i < conn->globals->len; i++) {
		struct global *g = &g_array_index(conn->globals, struct global, i);

		if (g->name == name) {
			g_free(g->iface);
			g_array_remove_index(conn->globals, i);
			break;
		}
	}
	for (guint i = 0; i < conn->outputs->len; i++) {
		struct wayland_output *o = g_ptr_array_index(conn->outputs, i);

		if (o->global == name) {
			wayland_conn_ref(conn); /* an observer may drop the last reference */
			NOTIFY(conn, output_removed, o);
			g_ptr_array_remove_index(conn->outputs, i); /* frees it */
			wayland_conn_unref(conn);
			return;
		}
	}
	for (guint i = 0; i < conn->seats->len; i++) {
		struct wayland_seat *seat = g_ptr_array_index(conn->seats, i);

		if (seat->global == name) {
			wayland_conn_ref(conn);
			NOTIFY(conn, seat_removed, seat);
			g_ptr_array_remove_index(conn->seats, i); /* frees it */
			wayland_conn_unref(conn);
			return;
		}
	}
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_global,
        .global_remove = registry_remove,
};

/* ---- life ---- */

static void conn_lost(void *data, const char *reason)
{
	struct wayland_conn *conn = data;

	if (conn->lost)
		return;
	conn->lost = true;
	conn_forget(conn);
	log_debug("“%s”: %s", conn->name, reason);
	NOTIFY(conn, lost, reason);
}

static void global_clear(void *p)
{
	g_free(((struct global *)p)->iface);
}

static void conn_free(struct wayland_conn *conn)
{
	g_assert(conn->notifying == 0);
	if (!conn->lost)
		conn_forget(conn);
	if (conn->outputs)
		g_ptr_array_unref(conn->outputs);
	if (conn->seats)
		g_ptr_array_unref(conn->seats);
	if (conn->xdg_output_manager)
		zxdg_output_manager_v1_destroy(conn->xdg_output_manager);
	if (conn->shm)
		wl_shm_destroy(conn->shm);
	if (conn->registry)
		wl_registry_destroy(conn->registry);
	if (conn->display && !conn->lost)
		wl_display_flush(conn->display); /* what users queued last (key releases) */
	if (conn->source)
		wayland_source_free_disconnect(conn->source);
	else if (conn->display)
		wl_display_disconnect(conn->display);
	g_array_unref(conn->globals);
	g_ptr_array_unref(conn->observers);
	g_main_context_unref(conn->context);
	g_free(conn->name);
	g_free(conn);
}

static struct wayland_conn *conn_find(const char *name, GMainContext *context)
{
	struct wayland_conn *found = NULL;

	g_mutex_lock(&conns_lock);
	for (GList *l = conns; l && !found; l = l->next) {
		struct wayland_conn *conn = l->data;

		if (conn->context == context && strcmp(conn->name, name) == 0)
			found = wayland_conn_ref(conn);
	}
	g_mutex_unlock(&conns_lock);
	return found;
}

struct wayland_conn *wayland_conn_get(const char *display, const char *purpose, GError **error)
{
	const char *name = display ? display : g_getenv("WAYLAND_DISPLAY");
	GMainContext *context = g_main_context_ref_thread_default();
	struct wayland_conn *conn;

	if (!name || !*name) {
		g_main_context_unref(context);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "no Wayland display %s ($WAYLAND_DISPLAY is not set)", purpose);
		return NULL;
	}
	conn = conn_find(name, context);
	if (conn) {
		g_main_context_unref(context);
		return conn;
	}
	conn = g_new0(struct wayland_conn, 1);
	conn->refs = 1;
	conn->name = g_strdup(name);
	conn->context = context;
	conn->lost = true; /* not in the list until it is made */
	conn->globals = g_array_new(FALSE, FALSE, sizeof(struct global));
	g_array_set_clear_func(conn->globals, global_clear);
	conn->outputs = g_ptr_array_new_with_free_func((GDestroyNotify)output_free);
	conn->seats = g_ptr_array_new_with_free_func((GDestroyNotify)seat_free);
	conn->observers = g_ptr_array_new_with_free_func(g_free);
	conn->display = wl_display_connect(name);
	if (!conn->display) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "cannot connect to the Wayland display “%s”: %s", name,
		            g_strerror(errno));
		goto fail;
	}
	conn->registry = wl_display_get_registry(conn->display);
	wl_registry_add_listener(conn->registry, &registry_listener, conn);
	/* the first brings the globals, the second what the outputs and seats say */
	for (int i = 0; i < 2; i++) {
		if (wl_display_roundtrip(conn->display) < 0) {
			g_autofree char *why = wayland_display_error(conn->display);

			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			            "Wayland display “%s”: %s", name, why);
			goto fail;
		}
	}
	/* a wl_output older than v2 has no `done`: what it said is all there is */
	for (guint i = 0; i < conn->outputs->len; i++) {
		struct wayland_output *o = g_ptr_array_index(conn->outputs, i);

		if (!o->done)
			output_publish(o);
	}
	conn->source = wayland_source_new(conn->display, "wayrtc wayland", conn_lost, conn);
	conn->lost = false;
	g_mutex_lock(&conns_lock);
	conns = g_list_prepend(conns, conn);
	g_mutex_unlock(&conns_lock);
	log_debug("connected to “%s”: %u outputs, %u seats", name, conn->outputs->len,
	          conn->seats->len);
	return conn;
fail:
	conn_free(conn);
	return NULL;
}

struct wayland_conn *wayland_conn_ref(struct wayland_conn *conn)
{
	g_assert(conn && conn->refs > 0);
	conn->refs++;
	return conn;
}

void wayland_conn_unref(struct wayland_conn *conn)
{
	if (!conn)
		return;
	g_assert(conn->refs > 0);
	if (--conn->refs == 0)
		conn_free(conn);
}

struct wl_display *wayland_conn_display(const struct wayland_conn *conn)
{
	return conn->display;
}

const char *wayland_conn_name(const struct wayland_conn *conn)
{
	return conn->name;
}

bool wayland_conn_lost(const struct wayland_conn *conn)
{
	return conn->lost;
}

void wayland_conn_flush(struct wayland_conn *conn)
{
	/* EAGAIN: the source waits for room and sends the rest */
	if (!conn->lost && wl_display_flush(conn->display) < 0 && errno != EAGAIN)
		log_debug("flush: %s", g_strerror(errno));
}

struct wl_shm *wayland_conn_shm(const struct wayland_conn *conn)
{
	return conn->shm;
}

static const struct global *global_find(const struct wayland_conn *conn, const char *iface,
                                        uint32_t min_version)
{
	for (guint i = 0; i < conn->globals->len; i++) {
		const struct global *g = &g_array_index(conn->globals, struct global, i);

		if (g->version >= min_version && strcmp(g->iface, iface) == 0)
			return g;
	}
	return NULL;
}

void *wayland_conn_bind(struct wayland_conn *conn, const struct wl_interface *iface,
                        uint32_t min_version, uint32_t max_version, uint32_t *version)
{
	const struct global *g = global_find(conn, iface->name, min_version);
	uint32_t v;

	g_assert(min_version >= 1 && min_version <= max_version);
	if (!g)
		return NULL;
	v = MIN(g->version, max_version);
	if (version)
		*version = v;
	return wl_registry_bind(conn->registry, g->name, iface, v);
}

bool wayland_conn_has(const struct wayland_conn *conn, const char *iface, uint32_t min_version)
{
	return global_find(conn, iface, min_version) != NULL;
}

const GPtrArray *wayland_conn_outputs(const struct wayland_conn *conn)
{
	return conn->outputs;
}

struct wayland_output *wayland_conn_find_output(const struct wayland_conn *conn, const char *name)
{
	for (guint i = 0; i < conn->outputs->len; i++) {
		struct wayland_output *o = g_ptr_array_index(conn->outputs, i);

		if (!name || g_strcmp0(o->name, name) == 0)
			return o;
	}
	return NULL;
}

struct wayland_seat *wayland_conn_seat(const struct wayland_conn *conn)
{
	return conn->seats->len ? g_ptr_array_index(conn->seats, 0) : NULL;
}
