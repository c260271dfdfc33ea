/* The portal's Request/Response dance, one step at a time on the main loop: every call
 * that answers through a Request is preceded by a subscription to that Request's
 * Response, on the path the portal will use (our unique name and our handle_token), so
 * no answer can be missed. Input goes one Notify call at a time (notify() says why). */
#define LOG_MODULE "portal"
#include "xdp/session.h"

#include <gio/gunixfdlist.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

#define DESKTOP_NAME          "org.freedesktop.portal.Desktop"
#define DESKTOP_PATH          "/org/freedesktop/portal/desktop"
#define IFACE_SC              "org.freedesktop.portal.ScreenCast"
#define IFACE_RD              "org.freedesktop.portal.RemoteDesktop"
#define IFACE_REQUEST         "org.freedesktop.portal.Request"
#define IFACE_SESSION         "org.freedesktop.portal.Session"
#define SOURCE_MONITOR        1u
#define PERSIST_UNTIL_REVOKED 2u
#define RD_PERSIST_VERSION    2u /* RemoteDesktop restores sessions from version 2 */
#define CALL_TIMEOUT_MS       30000
/* Start waits for a person to answer a dialog: no timeout of ours. */
#define START_TIMEOUT_MS G_MAXINT

enum step {
	STEP_CREATE = 0,
	STEP_DEVICES,
	STEP_SOURCES,
	STEP_START,
	STEP_OPEN,
	STEP_RUNNING,
	STEP_DONE,
};

struct xdp_session {
	GDBusConnection *bus;
	const struct xdp_listener *listener;
	void *data;
	GCancellable *cancel;
	bool remote_desktop;
	uint32_t rd_version;
	uint32_t cursor_mode;
	char *restore_token_in;
	char *restore_token_out;
	enum step step;
	unsigned counter;
	char *request_path;
	guint response_sub;
	char *session_path;
	guint closed_sub;
	/* input not yet sent (struct pending_notify), behind the one call in flight */
	GQueue notify_queue;
	bool notify_in_flight;
	struct xdp_stream stream;
	uint32_t devices;
	guint dialog_timer; /* Start has not answered yet: a dialog is likely up */
};

struct pending_notify {
	const char *method; /* a literal */
	GVariant *args;
};

#define NOTIFY_KEYSYM "NotifyKeyboardKeysym"

static void pending_notify_free(struct pending_notify *n)
{
	g_variant_unref(n->args);
	g_free(n);
}

char *xdp_request_path(const char *unique_name, const char *token)
{
	g_autofree char *sender = g_strdup(unique_name[0] == ':' ? unique_name + 1 : unique_name);

	g_strdelimit(sender, ".", '_');
	return g_strdup_printf(DESKTOP_PATH "/request/%s/%s", sender, token);
}

uint32_t xdp_choose_cursor_mode(uint32_t available)
{
	if (available & XDP_CURSOR_METADATA)
		return XDP_CURSOR_METADATA;
	if (available & XDP_CURSOR_EMBED)
		return XDP_CURSOR_EMBED;
	return XDP_CURSOR_HIDDEN;
}

uint32_t xdp_session_get_cursor_mode(struct xdp_session *portal)
{
	return portal->cursor_mode;
}

const char *xdp_response_reason(uint32_t response)
{
	return response == 1 ? "sharing was not allowed in the desktop's dialog"
	                     : "the desktop's portal could not start sharing";
}

bool xdp_parse_streams(GVariant *results, struct xdp_stream *stream, GError **error)
{
	g_autoptr(GVariant) streams = NULL;
	g_autoptr(GVariant) props = NULL;
	GVariantIter iter;
	uint32_t node;

	streams = g_variant_lookup_value(results, "streams", G_VARIANT_TYPE("a(ua{sv})"));
	if (!streams || g_variant_n_children(streams) == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "the portal started sharing but named no stream");
		return false;
	}
	if (g_variant_n_children(streams) > 1)
		log_info("the portal gave %zu streams; sharing the first",
		         g_variant_n_children(streams));
	g_variant_iter_init(&iter, streams);
	g_variant_iter_next(&iter, "(u@a{sv})", &node, &props);
	*stream = (struct xdp_stream){.node_id = node};
	g_variant_lookup(props, "position", "(ii)", &stream->x, &stream->y);
	if (!g_variant_lookup(props, "size", "(ii)", &stream->width, &stream->height) ||
	    stream->width <= 0 || stream->height <= 0)
		stream->width = stream->height = 0;
	return true;
}

static void finish(struct xdp_session *p, const char *reason)
{
	g_clear_handle_id(&p->dialog_timer, g_source_remove);
	if (p->step == STEP_DONE)
		return;
	p->step = STEP_DONE;
	log_info("%s", reason);
	if (p->listener->closed)
		p->listener->closed(p->data, reason);
}

static void fail(struct xdp_session *p, const char *what, const GError *error)
{
	g_autofree char *reason = g_strdup_printf("the desktop's portal refused %s: %s", what,
	                                          error ? error->message : "no reason given");

	finish(p, reason);
}

static void unsubscribe_response(struct xdp_session *p)
{
	if (p->response_sub)
		g_dbus_connection_signal_unsubscribe(p->bus, p->response_sub);
	p->response_sub = 0;
	g_clear_pointer(&p->request_path, g_free);
}

static void next_step(struct xdp_session *p);

/* How long Start may take before the log says a dialog waits for a person. */
#define DIALOG_SAY_MS 1000

static gboolean on_dialog_wait(void *data)
{
	struct xdp_session *p = data;

	p->dialog_timer = 0;
	log_info("waiting for the desktop's sharing dialog to be answered…");
	return G_SOURCE_REMOVE;
}

static void on_closed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                      const char *signal, GVariant *params, void *data)
{
	finish(data, "sharing was stopped on the desktop (the portal closed the session)");
}

static void on_response(GDBusConnection *bus, const char *sender, const char *path,
                        const char *iface, const char *signal, GVariant *params, void *data)
{
	struct xdp_session *p = data;
	g_autoptr(GVariant) results = NULL;
	g_autoptr(GError) error = NULL;
	uint32_t response;
	const char *token = NULL;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(ua{sv})")))
		return;
	g_clear_handle_id(&p->dialog_timer, g_source_remove);
	unsubscribe_response(p);
	g_variant_get(params, "(u@a{sv})", &response, &results);
	if (response != 0) {
		finish(p, xdp_response_reason(response));
		return;
	}
	switch (p->step) {
	case STEP_CREATE:
		/* a string in the results, though it names an object */
		if (!g_variant_lookup(results, "session_handle", "&s", &token) ||
		    !g_variant_is_object_path(token)) {
			finish(p, "the desktop's portal made no session");
			return;
		}
		p->session_path = g_strdup(token);
		/* from here on the desktop may end it at any time */
		p->closed_sub = g_dbus_connection_signal_subscribe(
		        p->bus, DESKTOP_NAME, IFACE_SESSION, "Closed", p->session_path, NULL,
		        G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE, on_closed, p, NULL);
		break;
	case STEP_START:
		if (!xdp_parse_streams(results, &p->stream, &error)) {
			finish(p, error->message);
			return;
		}
		g_variant_lookup(results, "devices", "u", &p->devices);
		if (g_variant_lookup(results, "restore_token", "&s", &token)) {
			g_free(p->restore_token_out);
			p->restore_token_out = g_strdup(token);
		}
		break;
	default:
		break;
	}
	p->step++;
	if (p->step == STEP_DEVICES && !p->remote_desktop)
		p->step++;
	next_step(p);
}

static void on_request_reply(GObject *source, GAsyncResult *res, void *data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	struct xdp_session *p = data;
	const char *handle;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* freed: p is gone */
	if (!reply) {
		unsubscribe_response(p);
		fail(p, p->step == STEP_START ? "to start sharing" : "a request", error);
		return;
	}
	g_variant_get(reply, "(&o)", &handle);
	if (p->request_path && strcmp(handle, p->request_path) != 0) {
		/* a portal older than handle_token: follow the path it chose */
		log_debug("request path %s, not the one we made", handle);
		g_dbus_connection_signal_unsubscribe(p->bus, p->response_sub);
		p->response_sub = g_dbus_connection_signal_subscribe(
		        p->bus, DESKTOP_NAME, IFACE_REQUEST, "Response", handle, NULL,
		        G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE, on_response, p, NULL);
	}
}

/* Calls iface.method(args…, options) where options gets our handle_token. `args` is a
 * builder of the arguments before the options (may be NULL). */
static void request(struct xdp_session *p, const char *iface, const char *method, GVariant *args,
                    GVariantBuilder *options, int timeout_ms)
{
	g_autofree char *token = g_strdup_printf("wayrtc%u_%u", (unsigned)getpid(), ++p->counter);
	GVariantBuilder params;

	g_variant_builder_add(options, "{sv}", "handle_token", g_variant_new_string(token));
	p->request_path = xdp_request_path(g_dbus_connection_get_unique_name(p->bus), token);
	p->response_sub = g_dbus_connection_signal_subscribe(
	        p->bus, DESKTOP_NAME, IFACE_REQUEST, "Response", p->request_path, NULL,
	        G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE, on_response, p, NULL);
	g_variant_builder_init(&params, G_VARIANT_TYPE_TUPLE);
	if (args) {
		GVariantIter iter;
		GVariant *child;

		g_variant_ref_sink(args);
		g_variant_iter_init(&iter, args);
		while ((child = g_variant_iter_next_value(&iter))) {
			g_variant_builder_add_value(&params, child);
			g_variant_unref(child);
		}
		g_variant_unref(args);
	}
	g_variant_builder_add_value(&params, g_variant_builder_end(options));
	g_dbus_connection_call(p->bus, DESKTOP_NAME, DESKTOP_PATH, iface, method,
	                       g_variant_builder_end(&params), G_VARIANT_TYPE("(o)"),
	                       G_DBUS_CALL_FLAGS_NONE, timeout_ms, p->cancel, on_request_reply, p);
}

static void on_remote(GObject *source, GAsyncResult *res, void *data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_with_unix_fd_list_finish(
	        G_DBUS_CONNECTION(source), &fds, res, &error);
	struct xdp_session *p = data;
	int handle, fd;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (!reply) {
		fail(p, "to open the PipeWire stream", error);
		return;
	}
	g_variant_get(reply, "(h)", &handle);
	fd = fds ? g_unix_fd_list_get(fds, handle, &error) : -1;
	if (fd < 0) {
		fail(p, "to hand over the PipeWire stream", error);
		return;
	}
	p->step = STEP_RUNNING;
	log_info("the desktop shares node %u (%dx%d)%s", p->stream.node_id, p->stream.width,
	         p->stream.height, p->devices ? " with keyboard and pointer" : ", without input");
	if (p->listener->started)
		p->listener->started(p->data, &p->stream, fd, p->devices);
	else
		close(fd);
}

static void add_persist(struct xdp_session *p, GVariantBuilder *options)
{
	g_variant_builder_add(options, "{sv}", "persist_mode",
	                      g_variant_new_uint32(PERSIST_UNTIL_REVOKED));
	if (p->restore_token_in)
		g_variant_builder_add(options, "{sv}", "restore_token",
		                      g_variant_new_string(p->restore_token_in));
}

static void next_step(struct xdp_session *p)
{
	g_autofree char *session_token = NULL;
	GVariantBuilder options;
	GVariant *session = p->session_path ? g_variant_new_object_path(p->session_path) : NULL;

	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	switch (p->step) {
	case STEP_CREATE:
		session_token = g_strdup_printf("wayrtc%u", (unsigned)getpid());
		g_variant_builder_add(&options, "{sv}", "session_handle_token",
		                      g_variant_new_string(session_token));
		request(p, p->remote_desktop ? IFACE_RD : IFACE_SC, "CreateSession", NULL, &options,
		        CALL_TIMEOUT_MS);
		return;
	case STEP_DEVICES:
		g_variant_builder_add(
		        &options, "{sv}", "types",
		        g_variant_new_uint32(XDP_DEVICE_KEYBOARD | XDP_DEVICE_POINTER));
		if (p->rd_version >= RD_PERSIST_VERSION)
			add_persist(p, &options);
		request(p, IFACE_RD, "SelectDevices", g_variant_new("(@o)", session), &options,
		        CALL_TIMEOUT_MS);
		return;
	case STEP_SOURCES:
		g_variant_builder_add(&options, "{sv}", "types",
		                      g_variant_new_uint32(SOURCE_MONITOR));
		g_variant_builder_add(&options, "{sv}", "multiple", g_variant_new_boolean(FALSE));
		g_variant_builder_add(&options, "{sv}", "cursor_mode",
		                      g_variant_new_uint32(p->cursor_mode));
		/* a RemoteDesktop session persists through SelectDevices, never here */
		if (!p->remote_desktop)
			add_persist(p, &options);
		request(p, IFACE_SC, "SelectSources", g_variant_new("(@o)", session), &options,
		        CALL_TIMEOUT_MS);
		return;
	case STEP_START:
		/* said only where Start takes a while: a restore token, or a desktop that
		 * grants without asking (KDE's RemoteDesktop), shows no dialog */
		p->dialog_timer = g_timeout_add(DIALOG_SAY_MS, on_dialog_wait, p);
		request(p, p->remote_desktop ? IFACE_RD : IFACE_SC, "Start",
		        g_variant_new("(@os)", session, ""), &options, START_TIMEOUT_MS);
		return;
	case STEP_OPEN:
		g_variant_builder_clear(&options);
		g_dbus_connection_call_with_unix_fd_list(
		        p->bus, DESKTOP_NAME, DESKTOP_PATH, IFACE_SC, "OpenPipeWireRemote",
		        g_variant_new("(@oa{sv})", session, NULL), G_VARIANT_TYPE("(h)"),
		        G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, p->cancel, on_remote, p);
		return;
	default:
		g_variant_builder_clear(&options);
		if (session)
			g_variant_unref(g_variant_ref_sink(session));
		return;
	}
}

static bool get_uint_property(GDBusConnection *bus, const char *iface, const char *name,
                              uint32_t *out, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) value = NULL;

	reply = g_dbus_connection_call_sync(
	        bus, DESKTOP_NAME, DESKTOP_PATH, "org.freedesktop.DBus.Properties", "Get",
	        g_variant_new("(ss)", iface, name), G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE,
	        CALL_TIMEOUT_MS, NULL, error);
	if (!reply)
		return false;
	g_variant_get(reply, "(v)", &value);
	if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s.%s is not a number",
		            iface, name);
		return false;
	}
	*out = g_variant_get_uint32(value);
	return true;
}

struct xdp_session *xdp_session_new(GDBusConnection *bus, const struct xdp_options *options,
                                    const struct xdp_listener *listener, void *data, GError **error)
{
	g_autoptr(GError) local = NULL;
	struct xdp_session *p = g_new0(struct xdp_session, 1);
	uint32_t sources = 0, cursors = 0;

	p->listener = listener;
	p->data = data;
	p->remote_desktop = options->remote_desktop;
	p->restore_token_in = g_strdup(options->restore_token);
	p->cancel = g_cancellable_new();
	p->bus = bus ? g_object_ref(bus) : g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, error);
	if (!p->bus) {
		g_prefix_error(error, "no D-Bus session bus for the desktop's portal: ");
		goto fail;
	}
	/* asked once, synchronously, so a missing portal is an error at start, not later */
	if (!get_uint_property(p->bus, IFACE_SC, "AvailableSourceTypes", &sources, &local)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the desktop offers no screen cast portal (%s); is xdg-desktop-portal "
		            "running with a backend for this desktop?",
		            local->message);
		goto fail;
	}
	if (!(sources & SOURCE_MONITOR)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the desktop's screen cast portal cannot share a monitor");
		goto fail;
	}
	/* the cursor beside the frames where the portal can, so the browser draws it at
	 * input speed; else drawn into them; else none */
	if (!get_uint_property(p->bus, IFACE_SC, "AvailableCursorModes", &cursors, NULL))
		cursors = 0;
	p->cursor_mode = xdp_choose_cursor_mode(cursors);
	if (p->remote_desktop) {
		g_clear_error(&local);
		if (!get_uint_property(p->bus, IFACE_RD, "version", &p->rd_version, &local)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			            "the desktop offers no remote desktop portal, so the browser "
			            "cannot control it (%s); use --view-only to share the screen "
			            "only",
			            local->message);
			goto fail;
		}
		if (p->rd_version < RD_PERSIST_VERSION)
			log_info("the portal's RemoteDesktop (version %u) cannot remember consent: "
			         "the desktop asks at every start",
			         p->rd_version);
	}
	next_step(p);
	return p;
fail:
	xdp_session_free(p);
	return NULL;
}

static void drop_text(struct xdp_session *p);

void xdp_session_free(struct xdp_session *portal)
{
	if (!portal)
		return;
	g_clear_handle_id(&portal->dialog_timer, g_source_remove);
	g_cancellable_cancel(portal->cancel);
	if (portal->bus) {
		struct pending_notify *n;

		/* text not yet typed is not typed; what else still waits (a leaving viewer's
		 * releases, say) goes out at once, before Close, which releases whatever the
		 * desktop still holds for the session */
		drop_text(portal);
		while ((n = g_queue_pop_head(&portal->notify_queue))) {
			g_dbus_connection_call(portal->bus, DESKTOP_NAME, DESKTOP_PATH, IFACE_RD,
			                       n->method, n->args, NULL,
			                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL,
			                       NULL);
			pending_notify_free(n);
		}
		unsubscribe_response(portal);
		if (portal->closed_sub)
			g_dbus_connection_signal_unsubscribe(portal->bus, portal->closed_sub);
		/* the desktop stops sharing now, not when our connection goes */
		if (portal->session_path)
			g_dbus_connection_call(portal->bus, DESKTOP_NAME, portal->session_path,
			                       IFACE_SESSION, "Close", NULL, NULL,
			                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
		g_dbus_connection_flush_sync(portal->bus, NULL, NULL);
		g_object_unref(portal->bus);
	}
	g_object_unref(portal->cancel);
	g_free(portal->restore_token_in);
	g_free(portal->restore_token_out);
	g_free(portal->session_path);
	g_free(portal);
}

const char *xdp_session_get_restore_token(struct xdp_session *portal)
{
	return portal->restore_token_out;
}

static bool can_input(struct xdp_session *p, uint32_t device)
{
	return p->step == STEP_RUNNING && (p->devices & device);
}

#define NOTIFY_MOTION_ABSOLUTE "NotifyPointerMotionAbsolute"

static void send_next(struct xdp_session *p);

static void on_notify_reply(GObject *source, GAsyncResult *res, void *data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	struct xdp_session *p = data;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* freed: p is gone */
	/* the session's end comes as Session.Closed; a refused event is not retried */
	if (!reply)
		log_debug("the portal refused an input event: %s", error->message);
	p->notify_in_flight = false;
	send_next(p);
}

static void send_notify(struct xdp_session *p, const char *method, GVariant *args)
{
	p->notify_in_flight = true;
	g_dbus_connection_call(p->bus, DESKTOP_NAME, DESKTOP_PATH, IFACE_RD, method, args, NULL,
	                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, p->cancel,
	                       on_notify_reply, p);
}

/* Sends the queue's head, unless a call is in flight. */
static void send_next(struct xdp_session *p)
{
	struct pending_notify *head;

	if (p->notify_in_flight)
		return;
	if (p->step != STEP_RUNNING) {
		g_queue_clear_full(&p->notify_queue, (GDestroyNotify)pending_notify_free);
		return;
	}
	head = g_queue_pop_head(&p->notify_queue);
	if (!head)
		return;
	send_notify(p, head->method, head->args);
	pending_notify_free(head);
}

/* One call in flight, the next sent when it is answered. xdg-desktop-portal runs every
 * method call in a worker thread of its own (its skeletons' HANDLE_METHOD_INVOCATIONS_IN_
 * THREAD flag, in 1.16 and still upstream) and passes it on to the desktop from there, so
 * calls sent back to back can reach the desktop in any order: a release that overtakes its
 * press is dropped as stray, and the press then stays held. The frontend answers a Notify
 * only after passing it on, so once the answer is here the next call cannot overtake it.
 * That is also all the pace GNOME needs: mutter 43 kept every keysym of text sent this
 * way with no gap at all, and lost them only when calls went back to back, reordered
 * (docs/portal.md has the figures).
 * An absolute position waiting right behind another replaces it (only the newest place
 * matters); buttons, keys and the wheel all wait their turn, and none is ever dropped. */
static void notify(struct xdp_session *p, const char *method, GVariant *args)
{
	struct pending_notify *tail = g_queue_peek_tail(&p->notify_queue);
	struct pending_notify *n;

	g_variant_ref_sink(args);
	if (tail && strcmp(method, NOTIFY_MOTION_ABSOLUTE) == 0 &&
	    strcmp(tail->method, NOTIFY_MOTION_ABSOLUTE) == 0) {
		g_variant_unref(tail->args);
		tail->args = args;
		return;
	}
	n = g_new(struct pending_notify, 1);
	n->method = method;
	n->args = args;
	g_queue_push_tail(&p->notify_queue, n);
	send_next(p);
}

unsigned xdp_session_input_waiting(struct xdp_session *portal)
{
	return g_queue_get_length(&portal->notify_queue);
}

/* Text not yet typed goes; a keysym already pressed keeps its release, so nothing stays
 * held. The text path queues each keysym's press right before its release. */
static void drop_text(struct xdp_session *p)
{
	GList *l = p->notify_queue.head;
	int32_t dropped = 0;
	bool dropped_press = false;

	while (l) {
		GList *next = l->next;
		struct pending_notify *n = l->data;

		if (strcmp(n->method, NOTIFY_KEYSYM) == 0) {
			int32_t sym;
			uint32_t state;

			g_variant_get(n->args, "(&o@a{sv}iu)", NULL, NULL, &sym, &state);
			if (state || (dropped_press && sym == dropped)) {
				dropped_press = state != 0;
				dropped = sym;
				pending_notify_free(n);
				g_queue_delete_link(&p->notify_queue, l);
			}
		}
		l = next;
	}
}

#define NO_OPTIONS NULL

void xdp_session_pointer_motion_absolute(struct xdp_session *portal, double x, double y)
{
	if (can_input(portal, XDP_DEVICE_POINTER))
		notify(portal, NOTIFY_MOTION_ABSOLUTE,
		       g_variant_new("(oa{sv}udd)", portal->session_path, NO_OPTIONS,
		                     portal->stream.node_id, x, y));
}

void xdp_session_pointer_button(struct xdp_session *portal, uint32_t button, bool pressed)
{
	if (can_input(portal, XDP_DEVICE_POINTER))
		notify(portal, "NotifyPointerButton",
		       g_variant_new("(oa{sv}iu)", portal->session_path, NO_OPTIONS,
		                     (int32_t)button, pressed ? 1u : 0u));
}

void xdp_session_pointer_axis(struct xdp_session *portal, double dx, double dy, bool finish)
{
	GVariantBuilder options;

	if (!can_input(portal, XDP_DEVICE_POINTER))
		return;
	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	if (finish)
		g_variant_builder_add(&options, "{sv}", "finish", g_variant_new_boolean(TRUE));
	notify(portal, "NotifyPointerAxis",
	       g_variant_new("(oa{sv}dd)", portal->session_path, &options, dx, dy));
}

void xdp_session_pointer_axis_discrete(struct xdp_session *portal, uint32_t axis, int32_t steps)
{
	if (can_input(portal, XDP_DEVICE_POINTER))
		notify(portal, "NotifyPointerAxisDiscrete",
		       g_variant_new("(oa{sv}ui)", portal->session_path, NO_OPTIONS, axis, steps));
}

void xdp_session_keyboard_keycode(struct xdp_session *portal, uint32_t keycode, bool pressed)
{
	if (can_input(portal, XDP_DEVICE_KEYBOARD))
		notify(portal, "NotifyKeyboardKeycode",
		       g_variant_new("(oa{sv}iu)", portal->session_path, NO_OPTIONS,
		                     (int32_t)keycode, pressed ? 1u : 0u));
}

void xdp_session_keyboard_keysym(struct xdp_session *portal, uint32_t keysym, bool pressed)
{
	if (can_input(portal, XDP_DEVICE_KEYBOARD))
		notify(portal, NOTIFY_KEYSYM,
		       g_variant_new("(oa{sv}iu)", portal->session_path, NO_OPTIONS,
		                     (int32_t)keysym, pressed ? 1u : 0u));
}

const struct xdp_stream *xdp_session_get_stream(struct xdp_session *portal)
{
	return portal->step == STEP_RUNNING ? &portal->stream : NULL;
}
