/* The backend's PipeWire connection, on a pw_loop run by the main loop (media/pwloop.h),
 * so a pw_thread_loop (and the locking it brings) is not needed. */
#define LOG_MODULE "pipewire"
#include "pw.h"

#include <gio/gio.h>
#include <spa/utils/result.h>

#include "util/log.h"

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

	pw->loop = pwloop_new("wayrtc pipewire", NULL, NULL, error);
	if (!pw->loop)
		goto fail;
	pw->context = pw_context_new(pwloop_get(pw->loop), NULL, 0);
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
	if (pw->core) {
		spa_hook_remove(&pw->core_listener);
		pw_core_disconnect(pw->core);
	}
	if (pw->context)
		pw_context_destroy(pw->context);
	pwloop_free(pw->loop);
	g_free(pw);
}
