/* The pw_loop is entered once, for its whole life: pw_loop_iterate must run between
 * pw_loop_enter and pw_loop_leave, and every iteration happens on this one thread. */
#define LOG_MODULE "pipewire"
#include "media/pwloop.h"

#include <errno.h>
#include <gio/gio.h>
#include <pipewire/pipewire.h>
#include <spa/utils/result.h>

#include "util/log.h"

struct pwloop {
	GSource base;
	struct pw_loop *loop;
	bool entered;
	bool dispatching;
	pwloop_after_fn after;
	void *data;
};

static gboolean loop_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	struct pwloop *l = (struct pwloop *)base;
	bool keep = true;
	int res;

	/* `after` may free us: the reference keeps the struct until we are done with it */
	g_source_ref(base);
	l->dispatching = true;
	res = pw_loop_iterate(l->loop, 0);
	if (res < 0 && res != -EINTR)
		log_debug("pw_loop_iterate: %s", spa_strerror(res));
	if (l->after)
		keep = l->after(l->data);
	l->dispatching = false;
	g_source_unref(base);
	return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static GSourceFuncs loop_funcs = {
        .dispatch = loop_dispatch,
};

struct pwloop *pwloop_new(const char *name, pwloop_after_fn after, void *data, GError **error)
{
	struct pwloop *l = (struct pwloop *)g_source_new(&loop_funcs, sizeof(*l));

	g_assert(name);
	l->after = after;
	l->data = data;
	pw_init(NULL, NULL);
	l->loop = pw_loop_new(NULL);
	if (!l->loop) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "cannot set up PipeWire: %s", g_strerror(errno));
		pwloop_free(l);
		return NULL;
	}
	pw_loop_enter(l->loop);
	l->entered = true;
	g_source_add_unix_fd(&l->base, pw_loop_get_fd(l->loop), G_IO_IN | G_IO_ERR);
	g_source_set_name(&l->base, name);
	g_source_attach(&l->base, g_main_context_get_thread_default());
	return l;
}

struct pw_loop *pwloop_get(const struct pwloop *l)
{
	g_assert(l);
	return l->loop;
}

bool pwloop_dispatching(const struct pwloop *l)
{
	return l && l->dispatching;
}

void pwloop_free(struct pwloop *l)
{
	if (!l)
		return;
	g_source_destroy(&l->base);
	if (l->loop) {
		if (l->entered)
			pw_loop_leave(l->loop);
		pw_loop_destroy(l->loop);
		l->loop = NULL;
	}
	g_source_unref(&l->base);
}
