/* PipeWire in GLib: a pw_loop of our own run as a GSource on the thread-default
 * GMainContext. GLib watches the loop's fd and pw_loop_iterate(…, 0) runs whatever is
 * ready, so every PipeWire callback runs on that context's thread and no pw_thread_loop
 * (with the locking it brings) is needed. Used by capture_pw, audio and the portal
 * backend's connection. */
#pragma once

#include <glib.h>
#include <stdbool.h>

struct pw_loop;
struct pwloop;

/* Called after each iteration, outside PipeWire's own callbacks: where an owner may
 * destroy a stream that failed inside one, or free itself and this loop (touching neither
 * afterwards). Returns false to stop polling: the loop stays until pwloop_free. */
typedef bool (*pwloop_after_fn)(void *data);

/* Also calls pw_init. `after` may be NULL; `name` names the GSource. */
struct pwloop *pwloop_new(const char *name, pwloop_after_fn after, void *data, GError **error);
/* The loop to make a pw_context on. */
struct pw_loop *pwloop_get(const struct pwloop *loop);
/* True while an iteration (or the `after` call following it) runs: what a callback's
 * owner asks before freeing itself from inside one. */
bool pwloop_dispatching(const struct pwloop *loop);
/* After the context made on it is destroyed. Accepts NULL; callable from `after`. */
void pwloop_free(struct pwloop *loop);
