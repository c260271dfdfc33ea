/* The portal input sink: a viewer's input through the desktop's RemoteDesktop portal
 * session (portal/portal.h), for GNOME, KDE and any desktop whose portal offers it. Many
 * sinks may share one portal session; each keeps its own held keys (input/sink.h). */
#pragma once

#include "input/sink.h"

struct wayland_keyboard;
struct xdp_session;

/* Input events that may wait to be sent to the portal (one call at a time:
 * xdp/session.h) before the text path refuses more text: 1024 characters, a press and a
 * release each. */
#define SINK_PORTAL_WAITING_MAX 2048

/* The portal must outlive the sink, and so must `layout`, the desktop's keyboard layout
 * (NULL: unknown). Where it is known, text the layout cannot type is not sent (the
 * desktop would drop it in silence) but noted (input_sink_take_untyped). Text that would
 * make more than SINK_PORTAL_WAITING_MAX events wait is refused from that character on,
 * and counted (input_sink_take_refused). */
struct input_sink *input_sink_portal_new(struct xdp_session *portal,
                                         const struct wayland_keyboard *layout);
