/* pw_loop as a GSource: its epoll fd is watched by GLib and pw_loop_iterate(…, 0) runs
 * whatever is ready, so a pw_thread_loop (and the locking it brings) is not needed. */
#define LOG_MODULE "pipewire"
#include "pw.h"

#include <gio/gio.h>
#include <spa/utils/result.h>

#include "util/log.h"

struct loop_source {
	GSource base;
	struct pw_loop *loop;
};

static gboolean loop_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	struct loop_source *s = (struct loop_source *)base;

	if (pw_loop_iterate(s->loop, 0) < 0)
		log_debug("pw_loop_iterate: %s", g_strerror(errno));
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs loop_funcs = {
        .dispatch = loop_dispatch,
};

static void core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct backend_pw *pw = data;

	log_warn("PipeWire error on object %u: %s (%s)", id, message, spa_strerror(res));
	/* the core itself failing means the connection is gone */
	if (id == PW_ID_CORE)
		pw->broken = true;
}

static const struct pw_core_events core_events = {
        PW_VERSION_CORE_EVENTS,
        .error = core_error,
};

struct backend_pw *backend_pw_new(GError **error)
{
	struct backend_pw *pw = g_new0(struct backend_pw, 1);
	struct loop_source *s;

	pw_init(NULL, NULL);
	pw->loop = pw_loop_new(NULL);
	if (!pw->loop)
		goto fail_errno;
	/* entered once for the process: iterate must run inside enter/leave */
	pw_loop_enter(pw->loop);
	pw->context = pw_context_new(pw->loop, NULL, 0);
	if (!pw->context)
		goto fail_errno;
	pw->core = pw_context_connect(pw->context, NULL, 0);
	if (!pw->core) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
		            "cannot connect to PipeWire: %s (is the pipewire daemon running?)",
		            g_strerror(errno));
		goto fail;
	}
	pw_core_add_listener(pw->core, &pw->core_listener, &core_events, pw);
	s = (struct loop_source *)g_source_new(&loop_funcs, sizeof(*s));
	s->loop = pw->loop;
	g_source_add_unix_fd(&s->base, pw_loop_get_fd(pw->loop), G_IO_IN | G_IO_ERR);
	g_source_set_name(&s->base, "wayrtc pipewire");
	g_source_attach(&s->base, NULL);
	pw->source = &s->base;
	return pw;
fail_errno:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "PipeWire: %s",
	            g_strerror(errno));
fail:
	backend_pw_free(pw);
	return NULL;
}

void backend_pw_free(struct backend_pw *pw)
{
	if (!pw)
		return;
	if (pw->source) {
		g_source_destroy(pw->source);
		g_source_unref(pw->source);
	}
	if (pw->core) {
		spa_hook_remove(&pw->core_listener);
		pw_core_disconnect(pw->core);
	}
	if (pw->context)
		pw_context_destroy(pw->context);
	if (pw->loop) {
		pw_loop_leave(pw->loop);
		pw_loop_destroy(pw->loop);
	}
	g_free(pw);
}
