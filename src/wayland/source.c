/* The Wayland fd as a GSource: prepare_read before polling, read_events or cancel_read
 * after, dispatch_pending in dispatch; a socket that is full makes us wait for G_IO_OUT
 * and flush the rest on the next turn. */
#define LOG_MODULE "wayland"
#include <errno.h>
#include <gio/gio.h>
#include <stdbool.h>

#include "util/log.h"
#include "wayland/source.h"

#define WATCH_EVENTS (G_IO_IN | G_IO_ERR | G_IO_HUP)

struct wayland_source {
	GSource base;
	struct wl_display *display; /* NULL once freed by its owner */
	gpointer fd_tag;
	GIOCondition events; /* what fd_tag watches now */
	bool reading;        /* between wl_display_prepare_read and read/cancel */
	bool lost;
	bool dispatching;           /* inside source_dispatch: the display is in use */
	bool in_handlers;           /* inside wl_display_dispatch_pending: event handlers run */
	struct wl_display *hang_up; /* to disconnect once source_dispatch returns */
	wayland_source_lost_fn lost_fn;
	void *data;
};

char *wayland_display_error(struct wl_display *display)
{
	const struct wl_interface *iface = NULL;
	uint32_t id;
	int err = wl_display_get_error(display);

	if (err == EPROTO) {
		uint32_t code = wl_display_get_protocol_error(display, &iface, &id);

		return g_strdup_printf("the compositor closed the connection (protocol error %u "
		                       "on %s)",
		                       code, iface ? iface->name : "the display");
	}
	if (err == 0 || err == EPIPE || err == ECONNRESET)
		return g_strdup("the desktop's compositor went away");
	return g_strdup_printf("lost the connection to the compositor: %s", g_strerror(err));
}

static gboolean source_prepare(GSource *base, int *timeout)
{
	struct wayland_source *s = (struct wayland_source *)base;
	GIOCondition want;

	*timeout = -1;
	if (!s->display || s->reading)
		return FALSE;
	if (wl_display_prepare_read(s->display) != 0)
		return TRUE; /* events already queued: dispatch them first */
	s->reading = true;
	/* EAGAIN: wait for room and flush the rest; other errors show up in the read */
	want = wl_display_flush(s->display) < 0 && errno == EAGAIN ? WATCH_EVENTS | G_IO_OUT
	                                                           : WATCH_EVENTS;
	/* only on change: every modification wakes the context */
	if (want != s->events) {
		g_source_modify_unix_fd(base, s->fd_tag, want);
		s->events = want;
	}
	return FALSE;
}

static gboolean source_check(GSource *base)
{
	struct wayland_source *s = (struct wayland_source *)base;
	GIOCondition revents = g_source_query_unix_fd(base, s->fd_tag);

	if (!s->display)
		return FALSE;
	if (s->reading) {
		s->reading = false;
		if (revents & G_IO_IN)
			wl_display_read_events(s->display); /* errors stay in the display */
		else
			wl_display_cancel_read(s->display);
	}
	return (revents & (WATCH_EVENTS | G_IO_OUT)) != 0;
}

/* Finishes a dispatch during which the owner let go: the display could not be
 * disconnected while libwayland was still using it. */
static gboolean dispatch_end(struct wayland_source *s, gboolean keep)
{
	s->dispatching = false;
	if (s->hang_up) {
		wl_display_disconnect(s->hang_up);
		s->hang_up = NULL;
		return G_SOURCE_REMOVE;
	}
	return keep;
}

static gboolean source_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	struct wayland_source *s = (struct wayland_source *)base;
	GIOCondition revents = g_source_query_unix_fd(base, s->fd_tag);
	g_autofree char *reason = NULL;
	int n;

	if (!s->display || s->lost)
		return G_SOURCE_REMOVE;
	s->dispatching = true;
	s->in_handlers = true;
	n = wl_display_dispatch_pending(s->display);
	s->in_handlers = false;
	if (n >= 0 && !((revents & (G_IO_ERR | G_IO_HUP)) && !(revents & G_IO_IN))) {
		if (s->display && wl_display_flush(s->display) < 0 && errno != EAGAIN)
			log_debug("flush: %s", g_strerror(errno));
		return dispatch_end(s, G_SOURCE_CONTINUE);
	}
	if (!s->display)
		return dispatch_end(s, G_SOURCE_REMOVE); /* freed by an event handler */
	s->lost = true;
	reason = wayland_display_error(s->display);
	/* GLib holds a reference while we dispatch: `s` outlives a free from lost_fn */
	if (s->lost_fn)
		s->lost_fn(s->data, reason);
	return dispatch_end(s, G_SOURCE_REMOVE);
}

static GSourceFuncs source_funcs = {
        .prepare = source_prepare,
        .check = source_check,
        .dispatch = source_dispatch,
};

GSource *wayland_source_new(struct wl_display *display, const char *name,
                            wayland_source_lost_fn lost, void *data)
{
	struct wayland_source *s =
	        (struct wayland_source *)g_source_new(&source_funcs, sizeof(struct wayland_source));

	s->display = display;
	s->lost_fn = lost;
	s->data = data;
	s->events = WATCH_EVENTS;
	s->fd_tag = g_source_add_unix_fd(&s->base, wl_display_get_fd(display), WATCH_EVENTS);
	g_source_set_name(&s->base, name);
	g_source_attach(&s->base, g_main_context_get_thread_default());
	return &s->base;
}

static void detach(struct wayland_source *s)
{
	if (s->reading && s->display)
		wl_display_cancel_read(s->display);
	s->reading = false;
	s->display = NULL;
	s->lost_fn = NULL;
	g_source_destroy(&s->base);
}

void wayland_source_free(GSource *source)
{
	if (!source)
		return;
	/* the owner would disconnect a display libwayland is dispatching */
	g_assert(!((struct wayland_source *)source)->in_handlers);
	detach((struct wayland_source *)source);
	g_source_unref(source);
}

void wayland_source_free_disconnect(GSource *source)
{
	struct wayland_source *s = (struct wayland_source *)source;
	struct wl_display *display;

	if (!s)
		return;
	display = s->display;
	detach(s);
	/* GLib holds the source until its dispatch returns, and so does libwayland the
	 * display: the disconnect waits for that */
	if (s->dispatching)
		s->hang_up = display;
	else if (display)
		wl_display_disconnect(display);
	g_source_unref(source);
}
