/* The two backend interfaces on one object. The frontend (xdg-desktop-portal) has checked
 * the app's arguments already; we check again what would hurt us (sessions belong to the
 * caller that made them, sizes and states), since anyone on the bus can call us directly. */
#define LOG_MODULE "portal"
#include "portal.h"

#include <math.h>
#include <string.h>
#include <xkbcommon/xkbcommon.h>

#include "input/sink.h"
#include "util/log.h"
#include "outputs.h"
#include "session.h"
#include "wayland/conn.h"

#define SCREENCAST_VERSION     4u
#define REMOTE_DESKTOP_VERSION 1u /* what xdg-desktop-portal 1.16 speaks */
#define SOURCE_TYPES           PORTAL_SOURCE_MONITOR
/* screencopy can always draw the cursor in or leave it out; metadata needs the
 * compositor's pointer cursor capture (portal_cursor_modes) */
#define CURSOR_MODES_ALWAYS (PORTAL_CURSOR_HIDDEN | PORTAL_CURSOR_EMBEDDED)
#define DEVICE_TYPES        (PORTAL_DEVICE_KEYBOARD | PORTAL_DEVICE_POINTER)
/* libinput's (and wlroots') scroll distance of one wheel notch */
#define WHEEL_STEP_PIXELS 15.0

#define SESSION_ARGS                                                                               \
	"<arg type='o' name='handle' direction='in'/>"                                             \
	"<arg type='o' name='session_handle' direction='in'/>"                                     \
	"<arg type='s' name='app_id' direction='in'/>"
#define REPLY_ARGS                                                                                 \
	"<arg type='u' name='response' direction='out'/>"                                          \
	"<arg type='a{sv}' name='results' direction='out'/>"
#define NOTIFY_ARGS                                                                                \
	"<arg type='o' name='session_handle' direction='in'/>"                                     \
	"<arg type='a{sv}' name='options' direction='in'/>"

static const char portal_xml[] =
        "<node>"
        "<interface name='org.freedesktop.impl.portal.ScreenCast'>"
        "<method name='CreateSession'>" SESSION_ARGS
        "<arg type='a{sv}' name='options' direction='in'/>" REPLY_ARGS "</method>"
        "<method name='SelectSources'>" SESSION_ARGS
        "<arg type='a{sv}' name='options' direction='in'/>" REPLY_ARGS "</method>"
        "<method name='Start'>" SESSION_ARGS "<arg type='s' name='parent_window' direction='in'/>"
        "<arg type='a{sv}' name='options' direction='in'/>" REPLY_ARGS "</method>"
        "<property name='AvailableSourceTypes' type='u' access='read'/>"
        "<property name='AvailableCursorModes' type='u' access='read'/>"
        "<property name='version' type='u' access='read'/>"
        "</interface>"
        "<interface name='org.freedesktop.impl.portal.RemoteDesktop'>"
        "<method name='CreateSession'>" SESSION_ARGS
        "<arg type='a{sv}' name='options' direction='in'/>" REPLY_ARGS "</method>"
        "<method name='SelectDevices'>" SESSION_ARGS
        "<arg type='a{sv}' name='options' direction='in'/>" REPLY_ARGS "</method>"
        "<method name='Start'>" SESSION_ARGS "<arg type='s' name='parent_window' direction='in'/>"
        "<arg type='a{sv}' name='options' direction='in'/>" REPLY_ARGS "</method>"
        "<method name='NotifyPointerMotion'>" NOTIFY_ARGS
        "<arg type='d' name='dx' direction='in'/><arg type='d' name='dy' direction='in'/>"
        "</method>"
        "<method name='NotifyPointerMotionAbsolute'>" NOTIFY_ARGS
        "<arg type='u' name='stream' direction='in'/>"
        "<arg type='d' name='x' direction='in'/><arg type='d' name='y' direction='in'/>"
        "</method>"
        "<method name='NotifyPointerButton'>" NOTIFY_ARGS
        "<arg type='i' name='button' direction='in'/><arg type='u' name='state' direction='in'/>"
        "</method>"
        "<method name='NotifyPointerAxis'>" NOTIFY_ARGS
        "<arg type='d' name='dx' direction='in'/><arg type='d' name='dy' direction='in'/>"
        "</method>"
        "<method name='NotifyPointerAxisDiscrete'>" NOTIFY_ARGS
        "<arg type='u' name='axis' direction='in'/><arg type='i' name='steps' direction='in'/>"
        "</method>"
        "<method name='NotifyKeyboardKeycode'>" NOTIFY_ARGS
        "<arg type='i' name='keycode' direction='in'/><arg type='u' name='state' direction='in'/>"
        "</method>"
        "<method name='NotifyKeyboardKeysym'>" NOTIFY_ARGS
        "<arg type='i' name='keysym' direction='in'/><arg type='u' name='state' direction='in'/>"
        "</method>"
        "<method name='NotifyTouchDown'>" NOTIFY_ARGS
        "<arg type='u' name='stream' direction='in'/><arg type='u' name='slot' direction='in'/>"
        "<arg type='d' name='x' direction='in'/><arg type='d' name='y' direction='in'/>"
        "</method>"
        "<method name='NotifyTouchMotion'>" NOTIFY_ARGS
        "<arg type='u' name='stream' direction='in'/><arg type='u' name='slot' direction='in'/>"
        "<arg type='d' name='x' direction='in'/><arg type='d' name='y' direction='in'/>"
        "</method>"
        "<method name='NotifyTouchUp'>" NOTIFY_ARGS "<arg type='u' name='slot' direction='in'/>"
        "</method>"
        "<property name='AvailableDeviceTypes' type='u' access='read'/>"
        "<property name='version' type='u' access='read'/>"
        "</interface>"
        "</node>";

char *portal_restore_output(GVariant *restore_data)
{
	const char *vendor;
	uint32_t version;
	g_autoptr(GVariant) data = NULL;

	if (!restore_data || !g_variant_is_of_type(restore_data, G_VARIANT_TYPE("(suv)")))
		return NULL;
	g_variant_get(restore_data, "(&suv)", &vendor, &version, &data);
	if (strcmp(vendor, PORTAL_RESTORE_VENDOR) != 0 || version != PORTAL_RESTORE_VERSION ||
	    !g_variant_is_of_type(data, G_VARIANT_TYPE_STRING))
		return NULL;
	return g_variant_dup_string(data, NULL);
}

static void reply_ok(GDBusMethodInvocation *invocation)
{
	GVariantBuilder results;

	g_variant_builder_init(&results, G_VARIANT_TYPE_VARDICT);
	g_dbus_method_invocation_return_value(
	        invocation, g_variant_new("(u@a{sv})", 0, g_variant_builder_end(&results)));
}

static void reply_response(GDBusMethodInvocation *invocation, uint32_t response)
{
	GVariantBuilder results;

	g_variant_builder_init(&results, G_VARIANT_TYPE_VARDICT);
	g_dbus_method_invocation_return_value(
	        invocation, g_variant_new("(u@a{sv})", response, g_variant_builder_end(&results)));
}

static void hold_wayland(struct portal *p);

static void create_session(struct portal *p, enum session_kind kind, const char *sender,
                           GVariant *params, GDBusMethodInvocation *invocation)
{
	const char *handle, *session_handle, *app_id;
	g_autoptr(GVariant) options = NULL;
	g_autoptr(GError) error = NULL;

	g_variant_get(params, "(&o&o&s@a{sv})", &handle, &session_handle, &app_id, &options);
	hold_wayland(p);
	if (!session_new(p, kind, session_handle, app_id, sender, &error)) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return;
	}
	reply_ok(invocation);
}

/* The caller's session, or NULL after the D-Bus error is answered. */
static struct portal_session *session_or_reply(struct portal *p, const char *session_handle,
                                               const char *sender,
                                               GDBusMethodInvocation *invocation)
{
	g_autoptr(GError) error = NULL;
	struct portal_session *s = session_lookup(p, session_handle, sender, &error);

	if (!s)
		g_dbus_method_invocation_return_gerror(invocation, error);
	return s;
}

/* The backend keeps one connection to the compositor for its life, so sessions, their
 * captures and sinks, and each look at the outputs find it made; a compositor that went
 * away and came back gets a new one. */
static void hold_wayland(struct portal *p)
{
	g_autoptr(GError) error = NULL;

	if (p->wayland && !wayland_conn_lost(p->wayland))
		return;
	g_clear_pointer(&p->wayland, wayland_conn_unref);
	p->wayland = wayland_conn_get(p->display, "to share", &error);
	if (!p->wayland)
		log_debug("%s", error->message);
}

uint32_t portal_cursor_modes(struct portal *p)
{
	struct outputs_caps caps;
	g_autoptr(GPtrArray) outputs = NULL;

	hold_wayland(p);
	outputs = outputs_probe(p->display, &caps, NULL);

	/* asked afresh each time (the frontend reads it once, at its start, and a
	 * SelectSources must not get what the compositor cannot give); only the caps count
	 * (g_autoptr frees the outputs) */
	return CURSOR_MODES_ALWAYS | (caps.cursor_capture ? PORTAL_CURSOR_METADATA : 0);
}

/* One mode, one the compositor can give (only metadata needs asking it). */
static bool cursor_mode_valid(struct portal *p, uint32_t mode)
{
	if (!mode || (mode & (mode - 1)))
		return false;
	if (mode & CURSOR_MODES_ALWAYS)
		return true;
	return mode & portal_cursor_modes(p);
}

static void select_sources(struct portal *p, const char *sender, GVariant *params,
                           GDBusMethodInvocation *invocation)
{
	const char *handle, *session_handle, *app_id;
	g_autoptr(GVariant) options = NULL;
	g_autoptr(GVariant) restore = NULL;
	struct portal_session *s;
	uint32_t types = PORTAL_SOURCE_MONITOR, cursor = PORTAL_CURSOR_HIDDEN;
	uint32_t persist = PORTAL_PERSIST_NONE;

	g_variant_get(params, "(&o&o&s@a{sv})", &handle, &session_handle, &app_id, &options);
	s = session_or_reply(p, session_handle, sender, invocation);
	if (!s)
		return;
	g_variant_lookup(options, "types", "u", &types);
	g_variant_lookup(options, "cursor_mode", "u", &cursor);
	g_variant_lookup(options, "persist_mode", "u", &persist);
	restore = g_variant_lookup_value(options, "restore_data", G_VARIANT_TYPE("(suv)"));
	if (s->started || s->start || !(types & PORTAL_SOURCE_MONITOR) ||
	    !cursor_mode_valid(p, cursor)) {
		log_warn("session %s: cannot select types %u, cursor mode %u", s->path, types,
		         cursor);
		reply_response(invocation, 2);
		return;
	}
	s->sources_selected = true;
	s->cursor_mode = cursor;
	/* RemoteDesktop sessions cannot persist (the frontend refuses it too) */
	s->persist_mode = s->kind == SESSION_SCREENCAST ? MIN(persist, PORTAL_PERSIST_PERSISTENT)
	                                                : PORTAL_PERSIST_NONE;
	g_free(s->restore_output);
	s->restore_output = portal_restore_output(restore);
	if (restore && !s->restore_output)
		log_info("session %s: restore data not ours, asking again", s->path);
	reply_ok(invocation);
}

static void select_devices(struct portal *p, const char *sender, GVariant *params,
                           GDBusMethodInvocation *invocation)
{
	const char *handle, *session_handle, *app_id;
	g_autoptr(GVariant) options = NULL;
	struct portal_session *s;
	uint32_t types = DEVICE_TYPES;

	g_variant_get(params, "(&o&o&s@a{sv})", &handle, &session_handle, &app_id, &options);
	s = session_or_reply(p, session_handle, sender, invocation);
	if (!s)
		return;
	g_variant_lookup(options, "types", "u", &types);
	if (s->kind != SESSION_REMOTE_DESKTOP || s->started || s->start) {
		reply_response(invocation, 2);
		return;
	}
	s->devices_selected = true;
	s->devices = types & DEVICE_TYPES;
	reply_ok(invocation);
}

static void start(struct portal *p, const char *sender, GVariant *params,
                  GDBusMethodInvocation *invocation, enum session_kind kind)
{
	const char *handle, *session_handle, *app_id, *parent;
	g_autoptr(GVariant) options = NULL;
	struct portal_session *s;

	g_variant_get(params, "(&o&o&s&s@a{sv})", &handle, &session_handle, &app_id, &parent,
	              &options);
	s = session_or_reply(p, session_handle, sender, invocation);
	if (!s)
		return;
	if (s->kind != kind) {
		g_dbus_method_invocation_return_error(
		        invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
		        "%s is not a session of this interface", s->path);
		return;
	}
	session_start(s, invocation, handle);
}

/* The started session of the caller with `device` granted, or NULL after replying. */
static struct portal_session *input_session(struct portal *p, const char *sender, const char *path,
                                            uint32_t device, GDBusMethodInvocation *invocation)
{
	struct portal_session *s = session_or_reply(p, path, sender, invocation);

	if (!s)
		return NULL;
	if (!s->started || !s->sink || !(s->granted_devices & device)) {
		g_dbus_method_invocation_return_error(
		        invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
		        "session %s has no %s", path,
		        device == PORTAL_DEVICE_KEYBOARD ? "keyboard" : "pointer");
		return NULL;
	}
	return s;
}

static void move_pointer(struct portal_session *s, double x, double y)
{
	double w = s->width ? s->width : 1, h = s->height ? s->height : 1;

	s->pointer_x = CLAMP(x, 0, w - 1);
	s->pointer_y = CLAMP(y, 0, h - 1);
	/* the sink spreads 0..1 over the output, whose last pixel is at (w-1)/w */
	input_sink_pointer_motion_abs(s->sink, s->pointer_x / w, s->pointer_y / h);
	input_sink_frame(s->sink);
}

static void notify(struct portal *p, const char *sender, const char *method, GVariant *params,
                   GDBusMethodInvocation *invocation)
{
	const char *path;
	g_autoptr(GVariant) options = NULL;
	struct portal_session *s;

	if (g_str_has_prefix(method, "NotifyTouch")) {
		g_dbus_method_invocation_return_error_literal(
		        invocation, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED,
		        "no touch screen: AvailableDeviceTypes offers keyboard and pointer");
		return;
	}
	g_variant_get_child(params, 0, "&o", &path);
	options = g_variant_get_child_value(params, 1);
	if (strcmp(method, "NotifyPointerMotion") == 0) {
		double dx, dy;

		if (!(s = input_session(p, sender, path, PORTAL_DEVICE_POINTER, invocation)))
			return;
		g_variant_get(params, "(&o@a{sv}dd)", NULL, NULL, &dx, &dy);
		/* virtual pointers move absolutely here: relative motion goes from the last
		 * position we set (the centre before any) */
		if (isfinite(dx) && isfinite(dy))
			move_pointer(s, s->pointer_x + dx, s->pointer_y + dy);
	} else if (strcmp(method, "NotifyPointerMotionAbsolute") == 0) {
		uint32_t stream;
		double x, y;

		if (!(s = input_session(p, sender, path, PORTAL_DEVICE_POINTER, invocation)))
			return;
		g_variant_get(params, "(&o@a{sv}udd)", NULL, NULL, &stream, &x, &y);
		if (!s->stream || stream != s->node_id || !isfinite(x) || !isfinite(y)) {
			g_dbus_method_invocation_return_error(
			        invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
			        "no stream %u in this session", stream);
			return;
		}
		move_pointer(s, x, y);
	} else if (strcmp(method, "NotifyPointerButton") == 0) {
		int32_t button;
		uint32_t state;

		if (!(s = input_session(p, sender, path, PORTAL_DEVICE_POINTER, invocation)))
			return;
		g_variant_get(params, "(&o@a{sv}iu)", NULL, NULL, &button, &state);
		if (button < BTN_MISC || button >= INPUT_SINK_CODES) {
			g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
			                                      G_DBUS_ERROR_INVALID_ARGS,
			                                      "%d is no evdev button", button);
			return;
		}
		input_sink_pointer_button(s->sink, (uint32_t)button, state == 1);
		input_sink_frame(s->sink);
	} else if (strcmp(method, "NotifyPointerAxis") == 0) {
		double dx, dy;

		if (!(s = input_session(p, sender, path, PORTAL_DEVICE_POINTER, invocation)))
			return;
		g_variant_get(params, "(&o@a{sv}dd)", NULL, NULL, &dx, &dy);
		/* `finish` (axis_stop) has no request in wlr-virtual-pointer: ignored */
		if (isfinite(dy) && dy != 0)
			input_sink_pointer_axis(s->sink, INPUT_AXIS_VERTICAL, dy, 0);
		if (isfinite(dx) && dx != 0)
			input_sink_pointer_axis(s->sink, INPUT_AXIS_HORIZONTAL, dx, 0);
		input_sink_frame(s->sink);
	} else if (strcmp(method, "NotifyPointerAxisDiscrete") == 0) {
		uint32_t axis;
		int32_t steps;

		if (!(s = input_session(p, sender, path, PORTAL_DEVICE_POINTER, invocation)))
			return;
		g_variant_get(params, "(&o@a{sv}ui)", NULL, NULL, &axis, &steps);
		steps = CLAMP(steps, -1000, 1000);
		/* the portal's 0 is the vertical axis, 1 the horizontal one, as wl_pointer's */
		input_sink_pointer_axis(s->sink, axis ? INPUT_AXIS_HORIZONTAL : INPUT_AXIS_VERTICAL,
		                        steps * WHEEL_STEP_PIXELS, steps * INPUT_WHEEL_V120);
		input_sink_frame(s->sink);
	} else if (strcmp(method, "NotifyKeyboardKeycode") == 0) {
		int32_t code;
		uint32_t state;

		if (!(s = input_session(p, sender, path, PORTAL_DEVICE_KEYBOARD, invocation)))
			return;
		g_variant_get(params, "(&o@a{sv}iu)", NULL, NULL, &code, &state);
		if (code <= 0 || code >= INPUT_SINK_CODES) {
			g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
			                                      G_DBUS_ERROR_INVALID_ARGS,
			                                      "%d is no evdev key", code);
			return;
		}
		input_sink_key(s->sink, (uint32_t)code, state == 1);
	} else if (strcmp(method, "NotifyKeyboardKeysym") == 0) {
		int32_t keysym;
		uint32_t state, c;
		char utf8[8];
		int len;

		if (!(s = input_session(p, sender, path, PORTAL_DEVICE_KEYBOARD, invocation)))
			return;
		g_variant_get(params, "(&o@a{sv}iu)", NULL, NULL, &keysym, &state);
		/* Best effort: a keysym with a character is typed (press and release) through
		 * the sink's text path on press; keys without one (Shift, F1) cannot be held
		 * this way and are refused. */
		c = xkb_keysym_to_utf32((xkb_keysym_t)keysym);
		if (!c) {
			g_dbus_method_invocation_return_error(
			        invocation, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED,
			        "keysym 0x%x types no character; use NotifyKeyboardKeycode",
			        (unsigned)keysym);
			return;
		}
		if (state == 1) {
			len = g_unichar_to_utf8(c, utf8);
			if (input_sink_text(s->sink, utf8, (size_t)len)) {
				g_dbus_method_invocation_return_error(
				        invocation, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED,
				        "the keyboard layout cannot type keysym 0x%x",
				        (unsigned)keysym);
				return;
			}
		}
	} else {
		g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
		                                      G_DBUS_ERROR_UNKNOWN_METHOD, "no method %s",
		                                      method);
		return;
	}
	g_dbus_method_invocation_return_value(invocation, NULL);
}

static void method_call(GDBusConnection *connection, const char *sender, const char *path,
                        const char *iface, const char *method, GVariant *params,
                        GDBusMethodInvocation *invocation, void *data)
{
	struct portal *p = data;
	bool screencast = strcmp(iface, "org.freedesktop.impl.portal.ScreenCast") == 0;
	enum session_kind kind = screencast ? SESSION_SCREENCAST : SESSION_REMOTE_DESKTOP;

	log_debug("%s.%s from %s", iface, method, sender);
	if (strcmp(method, "CreateSession") == 0)
		create_session(p, kind, sender, params, invocation);
	else if (strcmp(method, "SelectSources") == 0)
		select_sources(p, sender, params, invocation);
	else if (strcmp(method, "SelectDevices") == 0)
		select_devices(p, sender, params, invocation);
	else if (strcmp(method, "Start") == 0)
		start(p, sender, params, invocation, kind);
	else
		notify(p, sender, method, params, invocation);
}

static GVariant *get_property(GDBusConnection *connection, const char *sender, const char *path,
                              const char *iface, const char *name, GError **error, void *data)
{
	bool screencast = strcmp(iface, "org.freedesktop.impl.portal.ScreenCast") == 0;

	if (strcmp(name, "version") == 0)
		return g_variant_new_uint32(screencast ? SCREENCAST_VERSION
		                                       : REMOTE_DESKTOP_VERSION);
	if (strcmp(name, "AvailableSourceTypes") == 0)
		return g_variant_new_uint32(SOURCE_TYPES);
	if (strcmp(name, "AvailableCursorModes") == 0)
		return g_variant_new_uint32(portal_cursor_modes(data));
	if (strcmp(name, "AvailableDeviceTypes") == 0)
		return g_variant_new_uint32(DEVICE_TYPES);
	g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", name);
	return NULL;
}

static const GDBusInterfaceVTable vtable = {
        .method_call = method_call,
        .get_property = get_property,
};

static void session_free_cb(void *data)
{
	session_close(data, false);
}

/* A frontend that leaves (restart, crash) leaves its sessions to nobody: close them. */
static void owner_changed(GDBusConnection *connection, const char *sender, const char *path,
                          const char *iface, const char *signal, GVariant *params, void *data)
{
	struct portal *p = data;
	const char *name, *old_owner, *new_owner;
	GHashTableIter iter;
	struct portal_session *s;
	g_autoptr(GPtrArray) gone = g_ptr_array_new();

	g_variant_get(params, "(&s&s&s)", &name, &old_owner, &new_owner);
	if (name[0] != ':' || *new_owner)
		return;
	g_hash_table_iter_init(&iter, p->sessions);
	while (g_hash_table_iter_next(&iter, NULL, (void **)&s)) {
		if (strcmp(s->sender, name) == 0)
			g_ptr_array_add(gone, s);
	}
	for (unsigned i = 0; i < gone->len; i++) {
		s = gone->pdata[i];
		log_info("session %s: its frontend left the bus", s->path);
		session_close(s, false);
	}
}

struct portal *portal_new(GDBusConnection *connection, struct backend_pw *pw, const char *display,
                          GError **error)
{
	struct portal *p = g_new0(struct portal, 1);
	g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(portal_xml, error);

	if (!node)
		goto fail;
	p->connection = g_object_ref(connection);
	p->pw = pw;
	p->display = g_strdup(display);
	p->sessions = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, session_free_cb);
	for (int i = 0; i < 2; i++) {
		p->object_ids[i] = g_dbus_connection_register_object(connection, PORTAL_OBJECT_PATH,
		                                                     node->interfaces[i], &vtable,
		                                                     p, NULL, error);
		if (!p->object_ids[i])
			goto fail;
	}
	p->owner_watch = g_dbus_connection_signal_subscribe(
	        connection, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
	        "/org/freedesktop/DBus", NULL, G_DBUS_SIGNAL_FLAGS_NONE, owner_changed, p, NULL);
	hold_wayland(p);
	return p;
fail:
	portal_free(p);
	return NULL;
}

void portal_free(struct portal *p)
{
	if (!p)
		return;
	if (p->sessions) {
		GHashTableIter iter;
		struct portal_session *s;

		/* session_close steals itself from the table */
		while (g_hash_table_size(p->sessions)) {
			g_hash_table_iter_init(&iter, p->sessions);
			g_hash_table_iter_next(&iter, NULL, (void **)&s);
			session_close(s, true);
		}
		g_hash_table_unref(p->sessions);
	}
	if (p->owner_watch)
		g_dbus_connection_signal_unsubscribe(p->connection, p->owner_watch);
	for (int i = 0; i < 2; i++) {
		if (p->object_ids[i])
			g_dbus_connection_unregister_object(p->connection, p->object_ids[i]);
	}
	g_clear_object(&p->connection);
	wayland_conn_unref(p->wayland);
	g_free(p->display);
	g_free(p);
}
