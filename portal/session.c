/* Start is the one slow call: consent may wait for a person and the node id comes only once
 * PipeWire has exported the stream, so the reply is held until both are known. */
#define LOG_MODULE "session"
#include "session.h"

#include <string.h>

#include "chooser.h"
#include "input/sink_wl.h"
#include "util/log.h"
#include "outputs.h"
#include "portal.h"
#include "stream.h"

#define SESSION_VERSION 1u

enum response {
	RESPONSE_OK = 0,
	RESPONSE_CANCELLED = 1,
	RESPONSE_OTHER = 2,
};

static const char session_xml[] = "<node>"
                                  "  <interface name='org.freedesktop.impl.portal.Session'>"
                                  "    <method name='Close'/>"
                                  "    <signal name='Closed'/>"
                                  "    <property name='version' type='u' access='read'/>"
                                  "  </interface>"
                                  "</node>";

static const char request_xml[] = "<node>"
                                  "  <interface name='org.freedesktop.impl.portal.Request'>"
                                  "    <method name='Close'/>"
                                  "  </interface>"
                                  "</node>";

/* The node is kept for the process, not only its interface: the registered objects refer
 * to the interface, and a node reachable from nowhere is what LeakSanitizer reports. */
static GDBusInterfaceInfo *interface_info(GDBusNodeInfo **node, const char *xml)
{
	if (!*node)
		*node = g_dbus_node_info_new_for_xml(xml, NULL);
	return (*node)->interfaces[0];
}

static GDBusInterfaceInfo *session_info(void)
{
	static GDBusNodeInfo *node;

	return interface_info(&node, session_xml);
}

static GDBusInterfaceInfo *request_info(void)
{
	static GDBusNodeInfo *node;

	return interface_info(&node, request_xml);
}

static void request_unexport(struct portal_session *s)
{
	if (s->request_id)
		g_dbus_connection_unregister_object(s->portal->connection, s->request_id);
	s->request_id = 0;
	g_clear_pointer(&s->request_path, g_free);
}

static void stop_media(struct portal_session *s)
{
	chooser_cancel(s->chooser);
	s->chooser = NULL;
	g_clear_pointer(&s->stream, screen_stream_free);
	/* releases whatever the app left held */
	g_clear_pointer(&s->sink, input_sink_destroy);
}

/* Answers Start; a failure leaves the session unstarted (the frontend closes it). */
static void start_reply(struct portal_session *s, enum response response, GVariant *results)
{
	GVariantBuilder empty;

	if (response != RESPONSE_OK)
		stop_media(s);
	if (!results) {
		g_variant_builder_init(&empty, G_VARIANT_TYPE_VARDICT);
		results = g_variant_builder_end(&empty);
	}
	request_unexport(s);
	if (s->start) {
		g_dbus_method_invocation_return_value(
		        s->start, g_variant_new("(u@a{sv})", response, results));
		s->start = NULL;
	} else {
		g_variant_unref(g_variant_ref_sink(results));
	}
	s->started = response == RESPONSE_OK;
}

static GVariant *streams_variant(struct portal_session *s)
{
	GVariantBuilder streams, props;

	g_variant_builder_init(&streams, G_VARIANT_TYPE("a(ua{sv})"));
	if (s->stream) {
		g_variant_builder_init(&props, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add(&props, "{sv}", "position",
		                      g_variant_new("(ii)", s->out_x, s->out_y));
		g_variant_builder_add(&props, "{sv}", "size",
		                      g_variant_new("(ii)", (int32_t)s->width, (int32_t)s->height));
		g_variant_builder_add(&props, "{sv}", "source_type",
		                      g_variant_new_uint32(PORTAL_SOURCE_MONITOR));
		g_variant_builder_add(&streams, "(u@a{sv})", s->node_id,
		                      g_variant_builder_end(&props));
	}
	return g_variant_builder_end(&streams);
}

static gboolean close_idle(void *data)
{
	struct portal_session *s = data;

	s->close_idle = 0;
	session_close(s, true);
	return G_SOURCE_REMOVE;
}

static void sink_closed(void *data, const char *reason)
{
	struct portal_session *s = data;

	log_info("session %s: input ended: %s", s->path, reason);
	/* from inside the sink's dispatch, which must not free the sink: later */
	if (!s->close_idle)
		s->close_idle = g_idle_add(close_idle, s);
}

/* Everything is ready: the stream's node (if any) and the sink (if any). */
static void start_finish(struct portal_session *s)
{
	GVariantBuilder results;
	g_autoptr(GError) error = NULL;

	if (s->kind == SESSION_REMOTE_DESKTOP && s->devices && !s->sink) {
		struct input_sink_wl_options options = {
		        .display = s->portal->display,
		        /* absolute motion spans the shared output, not the first one */
		        .output = s->output_named ? s->output : NULL,
		        .closed = sink_closed,
		        .data = s,
		};

		s->sink = input_sink_wl_new(&options, &error);
		if (!s->sink) {
			log_warn("session %s: no input: %s", s->path, error->message);
			start_reply(s, RESPONSE_OTHER, NULL);
			return;
		}
		s->granted_devices = s->devices;
	}
	g_variant_builder_init(&results, G_VARIANT_TYPE_VARDICT);
	if (s->sources_selected)
		g_variant_builder_add(&results, "{sv}", "streams", streams_variant(s));
	if (s->kind == SESSION_REMOTE_DESKTOP)
		g_variant_builder_add(&results, "{sv}", "devices",
		                      g_variant_new_uint32(s->granted_devices));
	if (s->kind == SESSION_SCREENCAST && s->persist_mode != PORTAL_PERSIST_NONE) {
		g_variant_builder_add(&results, "{sv}", "persist_mode",
		                      g_variant_new_uint32(s->persist_mode));
		g_variant_builder_add(&results, "{sv}", "restore_data",
		                      g_variant_new("(suv)", PORTAL_RESTORE_VENDOR,
		                                    PORTAL_RESTORE_VERSION,
		                                    g_variant_new_string(s->output)));
	}
	/* the pointer starts in the middle until the app says where it is */
	s->pointer_x = s->width / 2.0;
	s->pointer_y = s->height / 2.0;
	log_info("session %s started: output %s%s%s", s->path, s->output,
	         s->stream ? ", stream" : "", s->sink ? ", input" : "");
	start_reply(s, RESPONSE_OK, g_variant_builder_end(&results));
}

static void stream_ready(void *data, uint32_t node_id, uint32_t width, uint32_t height)
{
	struct portal_session *s = data;

	s->node_id = node_id;
	s->width = width;
	s->height = height;
	if (s->start)
		start_finish(s);
}

static void stream_closed(void *data, const char *reason)
{
	struct portal_session *s = data;

	log_info("session %s: the stream ended: %s", s->path, reason);
	if (s->start) {
		start_reply(s, RESPONSE_OTHER, NULL);
		return;
	}
	session_close(s, true);
}

static const struct screen_stream_listener stream_listener = {
        .ready = stream_ready,
        .closed = stream_closed,
};

static enum screen_cursor screen_cursor(uint32_t portal_mode)
{
	switch (portal_mode) {
	case PORTAL_CURSOR_EMBEDDED:
		return SCREEN_CURSOR_EMBEDDED;
	case PORTAL_CURSOR_METADATA:
		return SCREEN_CURSOR_METADATA;
	default:
		return SCREEN_CURSOR_HIDDEN;
	}
}

static void chosen(void *data, enum chooser_result result, const char *output)
{
	struct portal_session *s = data;
	g_autoptr(GPtrArray) outputs = NULL;
	g_autoptr(GError) error = NULL;
	const struct output_info *info;

	s->chooser = NULL;
	if (result == CHOOSER_CANCELLED) {
		start_reply(s, RESPONSE_CANCELLED, NULL);
		return;
	}
	if (result != CHOOSER_CHOSEN) {
		start_reply(s, RESPONSE_OTHER, NULL);
		return;
	}
	/* looked at again: the chooser may have taken long */
	outputs = outputs_list(s->portal->display, &error);
	info = outputs ? outputs_find(outputs, output) : NULL;
	if (!info) {
		log_warn("session %s: output %s is gone%s%s", s->path, output, error ? ": " : "",
		         error ? error->message : "");
		start_reply(s, RESPONSE_OTHER, NULL);
		return;
	}
	s->output = g_strdup(info->name);
	s->output_named = info->named;
	s->out_x = info->x;
	s->out_y = info->y;
	s->out_width = info->width;
	s->out_height = info->height;
	s->width = (uint32_t)MAX(info->width, 0);
	s->height = (uint32_t)MAX(info->height, 0);
	if (s->sources_selected) {
		struct screen_stream_options options = {
		        .display = s->portal->display,
		        .output = info->named ? info->name : NULL,
		        .cursor = screen_cursor(s->cursor_mode),
		        .refresh_mhz = info->refresh_mhz,
		};

		s->stream = screen_stream_new(s->portal->pw, &options, &stream_listener, s, &error);
		if (!s->stream) {
			log_warn("session %s: cannot share %s: %s", s->path, output,
			         error->message);
			start_reply(s, RESPONSE_OTHER, NULL);
		}
		return; /* stream_ready finishes */
	}
	start_finish(s);
}

static void request_method(GDBusConnection *connection, const char *sender, const char *path,
                           const char *iface, const char *method, GVariant *params,
                           GDBusMethodInvocation *invocation, void *data)
{
	struct portal_session *s = data;

	if (g_strcmp0(sender, s->sender) != 0) {
		g_dbus_method_invocation_return_error_literal(
		        invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "not your request");
		return;
	}
	log_info("session %s: Start cancelled by the frontend", s->path);
	g_dbus_method_invocation_return_value(invocation, NULL);
	start_reply(s, RESPONSE_OTHER, NULL);
}

static const GDBusInterfaceVTable request_vtable = {.method_call = request_method};

void session_start(struct portal_session *s, GDBusMethodInvocation *invocation,
                   const char *request_path)
{
	g_autoptr(GPtrArray) outputs = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *command = NULL;
	const char *devices;

	if (s->start || s->started) {
		g_dbus_method_invocation_return_error_literal(invocation, G_DBUS_ERROR,
		                                              G_DBUS_ERROR_FAILED,
		                                              "the session is started already");
		return;
	}
	if (s->kind == SESSION_SCREENCAST && !s->sources_selected) {
		g_dbus_method_invocation_return_error_literal(
		        invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED, "SelectSources first");
		return;
	}
	if (s->kind == SESSION_REMOTE_DESKTOP && !s->devices_selected)
		s->devices = PORTAL_DEVICE_KEYBOARD | PORTAL_DEVICE_POINTER;
	s->start = invocation;
	s->request_path = g_strdup(request_path);
	s->request_id =
	        g_dbus_connection_register_object(s->portal->connection, request_path,
	                                          request_info(), &request_vtable, s, NULL, &error);
	if (!s->request_id) {
		log_warn("cannot export the request %s: %s", request_path, error->message);
		g_clear_error(&error);
	}
	outputs = outputs_list(s->portal->display, &error);
	if (!outputs || outputs->len == 0) {
		log_warn("session %s: nothing to share: %s", s->path,
		         error ? error->message : "the compositor has no output");
		start_reply(s, RESPONSE_OTHER, NULL);
		return;
	}
	/* restore data the frontend kept for this app stands for the consent given before,
	 * as long as that output still exists */
	if (s->restore_output && outputs_find(outputs, s->restore_output)) {
		log_info("session %s: restoring %s without asking", s->path, s->restore_output);
		chosen(s, CHOOSER_CHOSEN, s->restore_output);
		return;
	}
	command = chooser_command(&error);
	if (!command) {
		log_warn("%s", error->message);
		start_reply(s, RESPONSE_OTHER, NULL);
		return;
	}
	for (unsigned i = 0; i < outputs->len; i++)
		g_ptr_array_add(names, ((struct output_info *)outputs->pdata[i])->name);
	g_ptr_array_add(names, NULL);
	devices = s->kind != SESSION_REMOTE_DESKTOP ? ""
	          : s->devices == (PORTAL_DEVICE_KEYBOARD | PORTAL_DEVICE_POINTER)
	                  ? "keyboard pointer"
	          : s->devices & PORTAL_DEVICE_KEYBOARD ? "keyboard"
	          : s->devices & PORTAL_DEVICE_POINTER  ? "pointer"
	                                                : "";
	s->chooser = chooser_run(command, (const char *const *)names->pdata, s->app_id, devices,
	                         chosen, s);
}

static void session_method(GDBusConnection *connection, const char *sender, const char *path,
                           const char *iface, const char *method, GVariant *params,
                           GDBusMethodInvocation *invocation, void *data)
{
	struct portal_session *s = data;

	if (g_strcmp0(sender, s->sender) != 0) {
		g_dbus_method_invocation_return_error_literal(
		        invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "not your session");
		return;
	}
	log_info("session %s closed by the frontend", s->path);
	g_dbus_method_invocation_return_value(invocation, NULL);
	session_close(s, false);
}

static GVariant *session_property(GDBusConnection *connection, const char *sender, const char *path,
                                  const char *iface, const char *name, GError **error, void *data)
{
	return g_variant_new_uint32(SESSION_VERSION);
}

static const GDBusInterfaceVTable session_vtable = {
        .method_call = session_method,
        .get_property = session_property,
};

struct portal_session *session_new(struct portal *portal, enum session_kind kind, const char *path,
                                   const char *app_id, const char *sender, GError **error)
{
	struct portal_session *s;

	if (g_hash_table_contains(portal->sessions, path)) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
		            "a session %s exists already", path);
		return NULL;
	}
	s = g_new0(struct portal_session, 1);
	s->portal = portal;
	s->kind = kind;
	s->path = g_strdup(path);
	s->app_id = g_strdup(app_id);
	s->sender = g_strdup(sender);
	s->cursor_mode = PORTAL_CURSOR_HIDDEN;
	s->object_id = g_dbus_connection_register_object(portal->connection, path, session_info(),
	                                                 &session_vtable, s, NULL, error);
	if (!s->object_id) {
		g_free(s->path);
		g_free(s->app_id);
		g_free(s->sender);
		g_free(s);
		return NULL;
	}
	g_hash_table_insert(portal->sessions, s->path, s);
	log_info("session %s (%s) for “%s”", path,
	         kind == SESSION_SCREENCAST ? "screencast" : "remote desktop", app_id);
	return s;
}

void session_close(struct portal_session *s, bool emit_closed)
{
	if (s->close_idle)
		g_source_remove(s->close_idle);
	if (s->start)
		start_reply(s, RESPONSE_OTHER, NULL);
	stop_media(s);
	if (emit_closed) {
		g_autoptr(GError) error = NULL;

		if (!g_dbus_connection_emit_signal(s->portal->connection, NULL, s->path,
		                                   "org.freedesktop.impl.portal.Session", "Closed",
		                                   NULL, &error))
			log_warn("cannot tell the frontend %s closed: %s", s->path, error->message);
	}
	g_dbus_connection_unregister_object(s->portal->connection, s->object_id);
	request_unexport(s);
	g_hash_table_steal(s->portal->sessions, s->path);
	g_free(s->path);
	g_free(s->app_id);
	g_free(s->sender);
	g_free(s->restore_output);
	g_free(s->output);
	g_free(s);
}

struct portal_session *session_lookup(struct portal *portal, const char *path, const char *sender,
                                      GError **error)
{
	struct portal_session *s = g_hash_table_lookup(portal->sessions, path);

	if (!s || g_strcmp0(s->sender, sender) != 0) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "no session %s", path);
		return NULL;
	}
	return s;
}
