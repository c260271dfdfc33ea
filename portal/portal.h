/* xdg-desktop-portal-wayrtc's D-Bus side: org.freedesktop.impl.portal.ScreenCast (v4) and
 * RemoteDesktop (v1) at /org/freedesktop/portal/desktop, one Session object per session
 * and a Request object while Start waits for the chooser and the stream. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_BUS_NAME    "org.freedesktop.impl.portal.desktop.wayrtc"

/* Source types, cursor modes, device types and persist modes as the portal numbers them. */
#define PORTAL_SOURCE_MONITOR     1u
#define PORTAL_CURSOR_HIDDEN      1u
#define PORTAL_CURSOR_EMBEDDED    2u
#define PORTAL_CURSOR_METADATA    4u
#define PORTAL_DEVICE_KEYBOARD    1u
#define PORTAL_DEVICE_POINTER     2u
#define PORTAL_DEVICE_TOUCHSCREEN 4u
#define PORTAL_PERSIST_NONE       0u
#define PORTAL_PERSIST_PERSISTENT 2u

/* restore_data (suv): vendor, version, the output's name */
#define PORTAL_RESTORE_VENDOR  "wayrtc"
#define PORTAL_RESTORE_VERSION 1u

struct backend_pw;

struct portal {
	GDBusConnection *connection;
	struct backend_pw *pw;
	char *display;        /* Wayland display shared; NULL: $WAYLAND_DISPLAY */
	GHashTable *sessions; /* object path → struct portal_session * (owned) */
	guint object_ids[2];
	guint owner_watch; /* NameOwnerChanged: a frontend that leaves takes its sessions */
};

struct portal *portal_new(GDBusConnection *connection, struct backend_pw *pw, const char *display,
                          GError **error);
void portal_free(struct portal *portal); /* accepts NULL */

/* AvailableCursorModes: hidden and embedded always; metadata (4) when the compositor
 * offers pointer cursor capture sessions (ext-image-copy-capture-v1 with an output image
 * source and a seat pointer), asked over a short connection of its own. */
uint32_t portal_cursor_modes(struct portal *portal);

/* The output name out of restore_data, or NULL when it is not ours or not this version.
 * Pure, for tests and for the frontend's stored tokens. */
char *portal_restore_output(GVariant *restore_data);
