/* wayrtc's connection to a compositor: one per display and GMainContext (a process role:
 * the share, the portal backend), used by everything that speaks Wayland there: the
 * capture, the pointer capture, the clipboard, the seat anchor and every viewer's virtual
 * devices. It keeps the registry's globals, tracks outputs and seats for its observers,
 * and is driven by one GSource on the thread-default context. Only making it waits for
 * the compositor (two roundtrips, at start-up); everything after is asynchronous. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>

struct wayland_conn;

/* An output as the compositor describes it; the fields change together, at each `done`. */
struct wayland_output {
	struct wayland_conn *conn;
	struct wl_output *proxy; /* the connection's: pass it in requests, never destroy it */
	uint32_t global;
	char *name;    /* wl_output v4 ("HEADLESS-1", "DP-2"); NULL before v4 */
	int32_t x, y;  /* in the desktop: xdg-output's logical position, else the geometry's */
	int32_t width; /* current mode, in buffer pixels, before the transform; 0: not said */
	int32_t height;
	int32_t refresh_mhz; /* of the current mode; 0: not said */
	int32_t transform;   /* enum wl_output_transform */
	bool done;           /* the fields above are whole (a first `done` came) */
	/* private: what the events since the last `done` said */
	struct {
		int32_t x, y, width, height, refresh_mhz, transform;
		bool has_xdg_position;
	} pending;
	struct zxdg_output_v1 *xdg_output;
};

struct wayland_seat {
	struct wayland_conn *conn;
	struct wl_seat *proxy; /* the connection's: pass it in requests, never destroy it */
	uint32_t global;
	uint32_t capabilities; /* WL_SEAT_CAPABILITY_*, as last said */
};

/* What changes reach an observer; every member is optional. The output and seat calls come
 * from inside libwayland's dispatch: they may unobserve, drop their reference to the
 * connection and free their owner, but must not call back into the dispatch. */
struct wayland_conn_observer {
	/* An output was announced and described, or its description changed. */
	void (*output_done)(void *data, struct wayland_output *output);
	/* The output is going: valid during the call, freed after it. */
	void (*output_removed)(void *data, struct wayland_output *output);
	/* A seat's capabilities were said (also the first time). */
	void (*seat_capabilities)(void *data, struct wayland_seat *seat);
	/* The seat is going: valid during the call, freed after it. */
	void (*seat_removed)(void *data, struct wayland_seat *seat);
	/* The connection is gone, with why in words a person can act on. Called once, from the
	 * GSource's dispatch outside libwayland's, so the observer may free itself and drop
	 * the connection. Requests after it go nowhere. */
	void (*lost)(void *data, const char *reason);
};

/* The connection to `display` (a display name or absolute socket path; NULL:
 * $WAYLAND_DISPLAY) for the thread-default context: the one that exists, with a new
 * reference, else a new one, made with two roundtrips, so the globals, outputs and seats are
 * known on return. `purpose` completes "no Wayland display …" ("to share", "for the
 * clipboard"). A lost connection is never handed out again: the next call makes a new one.
 * NULL with an error a person can act on. */
struct wayland_conn *wayland_conn_get(const char *display, const char *purpose, GError **error);
struct wayland_conn *wayland_conn_ref(struct wayland_conn *conn);
/* The last reference flushes what was asked and hangs up. NULL is fine; from an observer's
 * call too. */
void wayland_conn_unref(struct wayland_conn *conn);

struct wl_display *wayland_conn_display(const struct wayland_conn *conn);
/* The display's name as asked for ($WAYLAND_DISPLAY's value when NULL was) */
const char *wayland_conn_name(const struct wayland_conn *conn);
bool wayland_conn_lost(const struct wayland_conn *conn);
/* Sends what is queued; a full socket is left to the GSource, which waits for room. */
void wayland_conn_flush(struct wayland_conn *conn);

/* wl_shm, bound by the connection; NULL when the compositor has none. */
struct wl_shm *wayland_conn_shm(const struct wayland_conn *conn);
/* A new proxy of the first global of `iface` with at least `min_version`, at most
 * `max_version` (the version bound goes to *version when not NULL); the caller owns it.
 * NULL when the compositor offers none. Never waits. */
void *wayland_conn_bind(struct wayland_conn *conn, const struct wl_interface *iface,
                        uint32_t min_version, uint32_t max_version, uint32_t *version);
/* Whether the compositor offers a global named `iface` at `min_version` or later. */
bool wayland_conn_has(const struct wayland_conn *conn, const char *iface, uint32_t min_version);

/* The outputs in the compositor's order; the array is the connection's. */
const GPtrArray *wayland_conn_outputs(const struct wayland_conn *conn);
/* The output named `name`; NULL name: the first. NULL when there is none. */
struct wayland_output *wayland_conn_find_output(const struct wayland_conn *conn, const char *name);
/* The width and height the output shows, after its transform (a quarter turn swaps them). */
void wayland_output_size(const struct wayland_output *output, int32_t *width, int32_t *height);
/* The first seat, the one a desktop has; NULL: none. */
struct wayland_seat *wayland_conn_seat(const struct wayland_conn *conn);

/* Adds an observer; the handle removes it. Both may be called from an observer's call. */
void *wayland_conn_observe(struct wayland_conn *conn, const struct wayland_conn_observer *observer,
                           void *data);
void wayland_conn_unobserve(struct wayland_conn *conn, void *handle); /* NULL handle is fine */
