/* One portal session (ScreenCast or RemoteDesktop): what was selected, and once started the
 * output shared, its PipeWire stream and the input sink, all released on close. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

struct portal;
struct chooser_run;
struct screen_stream;
struct input_sink;

enum session_kind {
	SESSION_SCREENCAST,
	SESSION_REMOTE_DESKTOP,
};

struct portal_session {
	struct portal *portal;
	char *path;
	char *app_id;
	char *sender; /* the frontend's unique name: nobody else may drive the session */
	enum session_kind kind;
	guint object_id;

	/* SelectSources */
	bool sources_selected;
	uint32_t cursor_mode;
	uint32_t persist_mode;
	char *restore_output; /* from valid restore_data: skip the chooser for it */
	/* SelectDevices */
	bool devices_selected;
	uint32_t devices;

	/* Start, while it waits for the chooser and the node */
	GDBusMethodInvocation *start;
	char *request_path;
	guint request_id;
	struct chooser_run *chooser;
	bool started;

	/* what Start granted */
	char *output;
	bool output_named; /* the compositor named it: capture and pointer can pick it */
	int32_t out_x, out_y, out_width, out_height;
	struct screen_stream *stream;
	uint32_t node_id;
	uint32_t width, height; /* the stream's size, the space of absolute motion */
	struct input_sink *sink;
	uint32_t granted_devices;
	double pointer_x, pointer_y; /* where relative motion starts from */
	guint close_idle;            /* the sink went away: close outside its callback */
};

/* Exports org.freedesktop.impl.portal.Session at `path` and adds it to portal->sessions. */
struct portal_session *session_new(struct portal *portal, enum session_kind kind, const char *path,
                                   const char *app_id, const char *sender, GError **error);
/* Asks for consent, starts the stream and the sink, then answers `invocation` with
 * (u a{sv}); the Request object at `request_path` can cancel it meanwhile. */
void session_start(struct portal_session *session, GDBusMethodInvocation *invocation,
                   const char *request_path);
/* Stops the stream, destroys the sink (releasing held keys), unexports the object and
 * frees the session. `emit_closed`: the end came from our side, so the frontend is told. */
void session_close(struct portal_session *session, bool emit_closed);
/* The session at `path` if `sender` owns it, else NULL with a D-Bus error set. */
struct portal_session *session_lookup(struct portal *portal, const char *path, const char *sender,
                                      GError **error);
