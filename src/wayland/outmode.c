/* wlr-output-management as a client: the heads and their current mode and scale are
 * tracked from the manager's events; a request becomes one configuration that names
 * every head (the protocol refuses one that leaves a head out) and changes only the one
 * asked for. At most one configuration is unanswered; a newer request waits for its
 * answer, and one the compositor cancelled (the heads changed meanwhile) goes again
 * after the next `done`. */
#define LOG_MODULE "outmode"
#include "wayland/outmode.h"

#include <gio/gio.h>
#include <string.h>

#include "util/log.h"
#include "util/transform.h"
#include "wlr-output-management-unstable-v1-client-protocol.h"

#define OUTPUT_MANAGER_MIN 1
#define OUTPUT_MANAGER_MAX 2

struct outmode_mode {
	struct zwlr_output_mode_v1 *proxy;
	struct outmode_head *head;
	int32_t width, height;
};

struct outmode_head {
	struct wayland_outmode *outmode;
	struct zwlr_output_head_v1 *proxy;
	char *name;
	bool enabled;
	double scale;
	int32_t transform;            /* enum wl_output_transform */
	struct outmode_mode *current; /* NULL: not said, or the head is off */
	GPtrArray *modes;             /* struct outmode_mode *, owned */
};

struct wayland_outmode {
	struct wayland_conn *conn;
	struct zwlr_output_manager_v1 *manager;
	GPtrArray *heads; /* struct outmode_head *, owned */
	uint32_t serial;
	bool have_serial;                          /* a first `done` came: the heads are whole */
	struct zwlr_output_configuration_v1 *sent; /* unanswered, or NULL */
	/* what was asked last; `wanted` until it went out in a configuration */
	struct {
		char *output;
		int32_t width, height, scale;
	} want;
	bool wanted;
	bool refused; /* the last refusal was said: quiet until one succeeds */
};

static void mode_free(struct outmode_mode *mode)
{
	if (mode->head->current == mode)
		mode->head->current = NULL;
	zwlr_output_mode_v1_destroy(mode->proxy);
	g_free(mode);
}

static void mode_size(void *data, struct zwlr_output_mode_v1 *proxy, int32_t width, int32_t height)
{
	struct outmode_mode *mode = data;

	mode->width = width;
	mode->height = height;
}

static void mode_refresh(void *data, struct zwlr_output_mode_v1 *proxy, int32_t refresh)
{
}

static void mode_preferred(void *data, struct zwlr_output_mode_v1 *proxy)
{
}

static void mode_finished(void *data, struct zwlr_output_mode_v1 *proxy)
{
	struct outmode_mode *mode = data;

	g_ptr_array_remove(mode->head->modes, mode); /* frees it */
}

static const struct zwlr_output_mode_v1_listener mode_listener = {
        .size = mode_size,
        .refresh = mode_refresh,
        .preferred = mode_preferred,
        .finished = mode_finished,
};

static void head_free(struct outmode_head *head)
{
	g_ptr_array_unref(head->modes);
	zwlr_output_head_v1_destroy(head->proxy);
	g_free(head->name);
	g_free(head);
}

static void head_name(void *data, struct zwlr_output_head_v1 *proxy, const char *name)
{
	struct outmode_head *head = data;

	g_free(head->name);
	head->name = g_strdup(name);
}

static void head_description(void *data, struct zwlr_output_head_v1 *proxy, const char *text)
{
}

static void head_physical_size(void *data, struct zwlr_output_head_v1 *proxy, int32_t width,
                               int32_t height)
{
}

static void head_mode(void *data, struct zwlr_output_head_v1 *proxy,
                      struct zwlr_output_mode_v1 *mode_proxy)
{
	struct outmode_head *head = data;
	struct outmode_mode *mode = g_new0(struct outmode_mode, 1);

	mode->proxy = mode_proxy;
	mode->head = head;
	zwlr_output_mode_v1_add_listener(mode_proxy, &mode_listener, mode);
	g_ptr_array_add(head->modes, mode);
}

static void head_enabled(void *data, struct zwlr_output_head_v1 *proxy, int32_t enabled)
{
	struct outmode_head *head = data;

	head->enabled = enabled != 0;
	if (!head->enabled)
		head->current = NULL;
}

static void head_current_mode(void *data, struct zwlr_output_head_v1 *proxy,
                              struct zwlr_output_mode_v1 *mode_proxy)
{
	struct outmode_head *head = data;

	head->current = mode_proxy ? zwlr_output_mode_v1_get_user_data(mode_proxy) : NULL;
}

static void head_position(void *data, struct zwlr_output_head_v1 *proxy, int32_t x, int32_t y)
{
}

static void head_transform(void *data, struct zwlr_output_head_v1 *proxy, int32_t transform)
{
	struct outmode_head *head = data;

	head->transform = transform;
}

static void head_scale(void *data, struct zwlr_output_head_v1 *proxy, wl_fixed_t scale)
{
	struct outmode_head *head = data;

	head->scale = wl_fixed_to_double(scale);
}

static void head_finished(void *data, struct zwlr_output_head_v1 *proxy)
{
	struct outmode_head *head = data;

	g_ptr_array_remove(head->outmode->heads, head); /* frees it */
}

static void head_text(void *data, struct zwlr_output_head_v1 *proxy, const char *text)
{
}

static const struct zwlr_output_head_v1_listener head_listener = {
        .name = head_name,
        .description = head_description,
        .physical_size = head_physical_size,
        .mode = head_mode,
        .enabled = head_enabled,
        .current_mode = head_current_mode,
        .position = head_position,
        .transform = head_transform,
        .scale = head_scale,
        .finished = head_finished,
        .make = head_text,
        .model = head_text,
        .serial_number = head_text,
};

static struct outmode_head *find_head(struct wayland_outmode *om, const char *name)
{
	for (guint i = 0; i < om->heads->len; i++) {
		struct outmode_head *head = om->heads->pdata[i];

		if (!name || (head->name && !strcmp(head->name, name)))
			return head;
	}
	return NULL;
}

static void configuration_done(struct wayland_outmode *om, const char *refusal);

static void configuration_succeeded(void *data, struct zwlr_output_configuration_v1 *proxy)
{
	configuration_done(data, NULL);
}

static void configuration_failed(void *data, struct zwlr_output_configuration_v1 *proxy)
{
	configuration_done(data, "the compositor refused it");
}

/* The heads changed after our `done`: nothing was applied; the request goes again with
 * the next serial. */
static void configuration_cancelled(void *data, struct zwlr_output_configuration_v1 *proxy)
{
	struct wayland_outmode *om = data;

	om->wanted = true;
	configuration_done(om, NULL);
}

static const struct zwlr_output_configuration_v1_listener configuration_listener = {
        .succeeded = configuration_succeeded,
        .failed = configuration_failed,
        .cancelled = configuration_cancelled,
};

/* Sends what is wanted, when the heads are known and nothing waits for an answer. */
static void send_wanted(struct wayland_outmode *om)
{
	struct outmode_head *target;
	struct zwlr_output_configuration_v1 *config;
	int32_t mode_w, mode_h;

	if (!om->wanted || om->sent || !om->have_serial)
		return;
	target = find_head(om, om->want.output);
	if (!target || !target->enabled) {
		log_warn("cannot set the size of output %s: the compositor has no such output on",
		         om->want.output ? om->want.output : "(the first)");
		om->wanted = false;
		return;
	}
	om->wanted = false;
	/* the mode is the panel's, before the transform: a quarter turn swaps its sides */
	mode_w = transform_swaps((uint32_t)target->transform) ? om->want.height : om->want.width;
	mode_h = transform_swaps((uint32_t)target->transform) ? om->want.width : om->want.height;
	if (target->current && target->current->width == mode_w &&
	    target->current->height == mode_h && target->scale == om->want.scale)
		return; /* already so */
	config = zwlr_output_manager_v1_create_configuration(om->manager, om->serial);
	zwlr_output_configuration_v1_add_listener(config, &configuration_listener, om);
	for (guint i = 0; i < om->heads->len; i++) {
		struct outmode_head *head = om->heads->pdata[i];
		struct zwlr_output_configuration_head_v1 *ch;

		if (!head->enabled) {
			zwlr_output_configuration_v1_disable_head(config, head->proxy);
			continue;
		}
		/* enabled as it is; the compositor fills in what we leave unsaid */
		ch = zwlr_output_configuration_v1_enable_head(config, head->proxy);
		if (head == target) {
			zwlr_output_configuration_head_v1_set_custom_mode(ch, mode_w, mode_h, 0);
			zwlr_output_configuration_head_v1_set_scale(
			        ch, wl_fixed_from_int(om->want.scale));
		}
		/* no destructor request in version 2: the proxy only */
		zwlr_output_configuration_head_v1_destroy(ch);
	}
	zwlr_output_configuration_v1_apply(config);
	om->sent = config;
	log_debug("asked for %s at %dx%d, scale %d", target->name ? target->name : "the output",
	          om->want.width, om->want.height, om->want.scale);
	wayland_conn_flush(om->conn);
}

static void configuration_done(struct wayland_outmode *om, const char *refusal)
{
	zwlr_output_configuration_v1_destroy(om->sent);
	om->sent = NULL;
	if (refusal && !om->refused)
		log_warn("cannot set the output to %dx%d at scale %d: %s", om->want.width,
		         om->want.height, om->want.scale, refusal);
	om->refused = refusal != NULL;
	send_wanted(om);
}

static void manager_head(void *data, struct zwlr_output_manager_v1 *manager,
                         struct zwlr_output_head_v1 *proxy)
{
	struct wayland_outmode *om = data;
	struct outmode_head *head = g_new0(struct outmode_head, 1);

	head->outmode = om;
	head->proxy = proxy;
	head->scale = 1.0;
	head->modes = g_ptr_array_new_with_free_func((GDestroyNotify)mode_free);
	zwlr_output_head_v1_add_listener(proxy, &head_listener, head);
	g_ptr_array_add(om->heads, head);
}

static void manager_done(void *data, struct zwlr_output_manager_v1 *manager, uint32_t serial)
{
	struct wayland_outmode *om = data;

	om->serial = serial;
	om->have_serial = true;
	send_wanted(om);
}

static void manager_finished(void *data, struct zwlr_output_manager_v1 *manager)
{
	struct wayland_outmode *om = data;

	om->have_serial = false;
}

static const struct zwlr_output_manager_v1_listener manager_listener = {
        .head = manager_head,
        .done = manager_done,
        .finished = manager_finished,
};

struct wayland_outmode *wayland_outmode_new(struct wayland_conn *conn, GError **error)
{
	struct wayland_outmode *om;
	struct zwlr_output_manager_v1 *manager =
	        wayland_conn_bind(conn, &zwlr_output_manager_v1_interface, OUTPUT_MANAGER_MIN,
	                          OUTPUT_MANAGER_MAX, NULL);

	if (!manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "“%s” offers no zwlr_output_manager_v1", wayland_conn_name(conn));
		return NULL;
	}
	om = g_new0(struct wayland_outmode, 1);
	om->conn = wayland_conn_ref(conn);
	om->manager = manager;
	/* heads go before the manager: a head's modes point back at it */
	om->heads = g_ptr_array_new_with_free_func((GDestroyNotify)head_free);
	zwlr_output_manager_v1_add_listener(manager, &manager_listener, om);
	return om;
}

void wayland_outmode_free(struct wayland_outmode *om)
{
	if (!om)
		return;
	if (om->sent)
		zwlr_output_configuration_v1_destroy(om->sent);
	g_ptr_array_unref(om->heads);
	zwlr_output_manager_v1_destroy(om->manager);
	wayland_conn_unref(om->conn);
	g_free(om->want.output);
	g_free(om);
}

void wayland_outmode_request(struct wayland_outmode *om, const char *output, int32_t width,
                             int32_t height, int32_t scale)
{
	g_return_if_fail(width > 0 && height > 0 && scale >= 1);
	g_free(om->want.output);
	om->want.output = g_strdup(output);
	om->want.width = width;
	om->want.height = height;
	om->want.scale = scale;
	om->wanted = true;
	send_wanted(om);
}
