/* The clipboard over wlr-data-control. Requests' fds are served and selections read by
 * GSources of their own (one per fd, each with a deadline), so a slow or stuck client
 * never holds up the loop. Callbacks are queued and run from an idle source, never from
 * inside libwayland's dispatch, where freeing the display would pull the rug from under
 * it. */
#define LOG_MODULE "clipboard"
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "input/clipboard.h"
#include "input/wl_source.h"
#include "util/log.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

#define SEAT_VERSION 1
/* Version 2 devices also report the primary selection, which we do not share. */
#define DATA_CONTROL_VERSION 1
#define READ_TIMEOUT_MS      2000 /* a selection's owner that never closes its end */
#define WRITE_STALL_MS       5000 /* a requester that stops reading */
#define MAX_WRITERS          64   /* requests served at once: each holds an fd */
#define MAX_OFFER_TYPES      64   /* MIME types remembered per offer */
#define READ_CHUNK           65536

/* What we offer, in the order we offer it; X11 clients through Xwayland ask for the last
 * three. Every one gets the same UTF-8 bytes. */
static const char *const offered_mimes[] = {
        "text/plain;charset=utf-8", "text/plain", "UTF8_STRING", "TEXT", "STRING",
};
/* What we take from an offer, best first. */
static const char *const wanted_mimes[] = {
        "text/plain;charset=utf-8", "UTF8_STRING", "text/plain", "TEXT", "STRING",
};

struct offer {
	struct zwlr_data_control_offer_v1 *proxy;
	GPtrArray *types; /* char *, at most MAX_OFFER_TYPES */
};

/* One text we set; it serves requests until the compositor cancels it. */
struct source {
	struct clipboard *clipboard;
	struct zwlr_data_control_source_v1 *proxy;
	GBytes *text; /* a NUL follows the last byte, outside the size */
};

struct sync {
	struct clipboard *clipboard;
	struct wl_callback *callback;
	void (*done)(void *data);
	void *data;
};

/* Our text into a requester's fd, non-blocking, until done, refused or stalled. */
struct writer {
	GSource base;
	gpointer tag;
	int fd;
	GBytes *text;
	size_t written;
	struct clipboard *clipboard; /* NULL once detached */
};

/* A selection's text out of a pipe, up to CLIPBOARD_MAX + 1 bytes, before a deadline. */
struct reader {
	GSource base;
	gpointer tag;
	int fd;
	GByteArray *buf;
	struct clipboard *clipboard; /* NULL once detached */
};

enum note_kind {
	NOTE_OURS,
	NOTE_DONE,
	NOTE_CLOSED,
};

/* A callback waiting for the idle source. */
struct note {
	enum note_kind kind;
	GBytes *text;
	void (*done)(void *data);
	void *done_data;
	char *reason;
};

struct clipboard {
	struct clipboard_listener listener;
	void *data;
	GMainContext *context;

	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_seat *seat;
	struct zwlr_data_control_manager_v1 *manager;
	struct zwlr_data_control_device_v1 *device;
	GSource *wayland;

	GPtrArray *offers;  /* struct offer *, owned: introduced, not yet a selection */
	GPtrArray *sources; /* struct source *, owned: not yet cancelled */
	GPtrArray *syncs;   /* struct sync *, owned */
	GPtrArray *writers; /* struct writer *, owned by the context */
	struct reader *reader;
	/* The newest text we set while it is (or is about to be) the selection: the next
	 * selection event is ours. Cleared when the compositor cancels it. */
	struct source *current;
	bool current_reported;

	bool refusing; /* MAX_WRITERS reached, and said so */

	GQueue notes; /* struct note * */
	GSource *notify;
	bool closed;
};

static void flush(struct clipboard *c)
{
	/* EAGAIN: the Wayland source waits for room and sends the rest */
	if (!c->closed && wl_display_flush(c->display) < 0 && errno != EAGAIN)
		log_debug("flush: %s", g_strerror(errno));
}

const char *clipboard_pick_mime(const char *const *types, size_t n)
{
	for (size_t p = 0; p < G_N_ELEMENTS(wanted_mimes); p++) {
		for (size_t i = 0; i < n; i++) {
			/* MIME types and charset names ignore case ("charset=UTF-8") */
			if (types[i] && g_ascii_strcasecmp(types[i], wanted_mimes[p]) == 0)
				return types[i];
		}
	}
	return NULL;
}

static bool is_offered_mime(const char *mime)
{
	for (size_t i = 0; i < G_N_ELEMENTS(offered_mimes); i++) {
		if (strcmp(mime, offered_mimes[i]) == 0)
			return true;
	}
	return false;
}

/* ---- callbacks, from the idle source ---- */

static void note_free(struct note *n)
{
	g_clear_pointer(&n->text, g_bytes_unref);
	g_free(n->reason);
	g_free(n);
}

static gboolean notify_dispatch(gpointer data)
{
	struct clipboard *c = data;
	struct clipboard_listener listener = c->listener;
	void *listener_data = c->data;
	struct note *n = g_queue_pop_head(&c->notes);
	bool more = !g_queue_is_empty(&c->notes);
	size_t len;
	const char *text;

	/* The callback may free the clipboard: nothing of it is touched after. */
	if (!more)
		c->notify = NULL;
	if (!n)
		return G_SOURCE_REMOVE;
	switch (n->kind) {
	case NOTE_OURS:
		text = g_bytes_get_data(n->text, &len);
		if (listener.text)
			listener.text(listener_data, text ? text : "", len, true);
		break;
	case NOTE_DONE:
		n->done(n->done_data);
		break;
	case NOTE_CLOSED:
		if (listener.closed)
			listener.closed(listener_data, n->reason);
		break;
	}
	note_free(n);
	return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void note_push(struct clipboard *c, struct note *n)
{
	g_queue_push_tail(&c->notes, n);
	if (c->notify)
		return;
	c->notify = g_idle_source_new();
	g_source_set_name(c->notify, "wayrtc clipboard callbacks");
	g_source_set_callback(c->notify, notify_dispatch, c, NULL);
	g_source_attach(c->notify, c->context);
	g_source_unref(c->notify); /* the context holds it until it is removed */
}

static void notes_clear(struct clipboard *c)
{
	if (c->notify)
		g_source_destroy(c->notify);
	c->notify = NULL;
	g_queue_clear_full(&c->notes, (GDestroyNotify)note_free);
}

/* ---- writing our text to requesters ---- */

/* write(2) into a pipe whose reader left raises SIGPIPE, which kills wayrtc unless the
 * process ignores it. A module may not change the process's disposition, so this thread
 * blocks the signal around the write and takes one it caused back out of pending. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
	static const struct timespec no_wait = {0};
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t n;
	int err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	do {
		n = write(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	err = errno;
	/* a SIGPIPE pending before ours is the same signal: leave it to its owner */
	if (n < 0 && err == EPIPE && !was_pending) {
		while (sigtimedwait(&pipe_set, NULL, &no_wait) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}

static void writer_finish(struct writer *w)
{
	if (w->clipboard) {
		g_ptr_array_remove_fast(w->clipboard->writers, w);
		w->clipboard->refusing = false;
	}
	w->clipboard = NULL;
	g_source_destroy(&w->base); /* finalize closes the fd */
}

static gboolean writer_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	struct writer *w = (struct writer *)base;
	const char *text;
	size_t len;

	if (!g_source_query_unix_fd(base, w->tag)) {
		log_debug("a requester read %zu bytes of the clipboard, then nothing for %d ms; "
		          "dropped",
		          w->written, WRITE_STALL_MS);
		writer_finish(w);
		return G_SOURCE_REMOVE;
	}
	text = g_bytes_get_data(w->text, &len);
	while (w->written < len) {
		ssize_t n = write_nosigpipe(w->fd, text + w->written, len - w->written);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			/* EPIPE: the requester left, as pasting apps may */
			log_debug("a requester of the clipboard left after %zu of %zu bytes: %s",
			          w->written, len, g_strerror(errno));
			writer_finish(w);
			return G_SOURCE_REMOVE;
		}
		w->written += (size_t)n;
	}
	if (w->written == len) {
		log_debug("served %zu bytes of clipboard text", len);
		writer_finish(w);
		return G_SOURCE_REMOVE;
	}
	g_source_set_ready_time(base,
	                        g_get_monotonic_time() + WRITE_STALL_MS * G_TIME_SPAN_MILLISECOND);
	return G_SOURCE_CONTINUE;
}

static void writer_finalize(GSource *base)
{
	struct writer *w = (struct writer *)base;

	close(w->fd);
	g_bytes_unref(w->text);
}

static GSourceFuncs writer_funcs = {
        .dispatch = writer_dispatch,
        .finalize = writer_finalize,
};

static void writer_start(struct clipboard *c, GBytes *text, int fd)
{
	struct writer *w;
	int flags = fcntl(fd, F_GETFL);

	/* the description is ours alone: the requester keeps the read end, the compositor
	 * has closed its copy */
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		log_debug("a requester's fd: %s", g_strerror(errno));
		close(fd);
		return;
	}
	w = (struct writer *)g_source_new(&writer_funcs, sizeof(*w));
	w->fd = fd;
	w->text = g_bytes_ref(text);
	w->clipboard = c;
	w->tag = g_source_add_unix_fd(&w->base, fd, G_IO_OUT | G_IO_ERR | G_IO_HUP);
	g_source_set_ready_time(&w->base,
	                        g_get_monotonic_time() + WRITE_STALL_MS * G_TIME_SPAN_MILLISECOND);
	g_source_set_name(&w->base, "wayrtc clipboard writer");
	g_ptr_array_add(c->writers, w);
	g_source_attach(&w->base, c->context);
	g_source_unref(&w->base);
}

/* ---- reading the desktop's selection ---- */

static void reader_finish(struct reader *r)
{
	if (r->clipboard && r->clipboard->reader == r)
		r->clipboard->reader = NULL;
	r->clipboard = NULL;
	g_source_destroy(&r->base); /* finalize closes the fd */
}

static void reader_cancel(struct clipboard *c)
{
	if (c->reader)
		reader_finish(c->reader);
}

/* At the end of the pipe: the text goes to the listener if it is text we may pass on. */
static void reader_deliver(struct reader *r)
{
	struct clipboard *c = r->clipboard;
	struct clipboard_listener listener = c->listener;
	void *data = c->data;
	size_t len = r->buf->len;

	reader_finish(r);
	/* g_utf8_validate_len refuses NUL bytes too */
	if (!g_utf8_validate_len((const char *)r->buf->data, len, NULL)) {
		log_debug("the desktop's selection (%zu bytes) is not UTF-8 text; dropped", len);
		return;
	}
	log_debug("the desktop's selection is %zu bytes of text", len);
	g_byte_array_append(r->buf, (const guint8 *)"", 1);
	/* the buffer lives until this dispatch returns; the clipboard may be freed now */
	if (listener.text)
		listener.text(data, (const char *)r->buf->data, len, false);
}

static gboolean reader_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	struct reader *r = (struct reader *)base;

	if (!g_source_query_unix_fd(base, r->tag)) {
		log_debug("the desktop's selection sent %u bytes and no end in %d ms; dropped",
		          r->buf->len, READ_TIMEOUT_MS);
		reader_finish(r);
		return G_SOURCE_REMOVE;
	}
	for (;;) {
		guint have = r->buf->len;
		size_t want = MIN((size_t)READ_CHUNK, (size_t)CLIPBOARD_MAX + 1 - have);
		ssize_t n;

		g_byte_array_set_size(r->buf, have + want);
		n = read(r->fd, r->buf->data + have, want);
		g_byte_array_set_size(r->buf, have + (n > 0 ? (size_t)n : 0));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return G_SOURCE_CONTINUE;
		if (n < 0) {
			log_debug("reading the desktop's selection: %s", g_strerror(errno));
			reader_finish(r);
			return G_SOURCE_REMOVE;
		}
		if (n == 0) {
			reader_deliver(r);
			return G_SOURCE_REMOVE;
		}
		if (r->buf->len > CLIPBOARD_MAX) {
			log_warn("the desktop's clipboard holds more than %d bytes of text; not "
			         "shared",
			         CLIPBOARD_MAX);
			reader_finish(r);
			return G_SOURCE_REMOVE;
		}
	}
}

static void reader_finalize(GSource *base)
{
	struct reader *r = (struct reader *)base;

	close(r->fd);
	g_byte_array_unref(r->buf);
}

static GSourceFuncs reader_funcs = {
        .dispatch = reader_dispatch,
        .finalize = reader_finalize,
};

static void reader_start(struct clipboard *c, struct offer *o, const char *mime)
{
	struct reader *r;
	int fds[2];

	/* only our end is non-blocking: the write end's description is the owner's, and
	 * a client writing with blocking writes must keep them */
	if (pipe2(fds, O_CLOEXEC) < 0) {
		log_warn("cannot read the desktop's clipboard: %s", g_strerror(errno));
		return;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		log_warn("cannot read the desktop's clipboard: %s", g_strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	/* libwayland duplicates the fd as it queues the request */
	zwlr_data_control_offer_v1_receive(o->proxy, mime, fds[1]);
	close(fds[1]);
	flush(c);

	r = (struct reader *)g_source_new(&reader_funcs, sizeof(*r));
	r->fd = fds[0];
	r->buf = g_byte_array_new();
	r->clipboard = c;
	r->tag = g_source_add_unix_fd(&r->base, fds[0], G_IO_IN | G_IO_ERR | G_IO_HUP);
	g_source_set_ready_time(&r->base,
	                        g_get_monotonic_time() + READ_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND);
	g_source_set_name(&r->base, "wayrtc clipboard reader");
	c->reader = r;
	g_source_attach(&r->base, c->context);
	g_source_unref(&r->base);
}

/* ---- losing the compositor ---- */

/* Stops all work; the proxies stay until clipboard_free. */
static void shut(struct clipboard *c)
{
	c->closed = true;
	reader_cancel(c);
	while (c->writers->len)
		writer_finish(g_ptr_array_index(c->writers, 0));
	notes_clear(c);
}

/* From the Wayland source's dispatch, outside any event handler: the listener may free
 * us. */
static void connection_lost(void *data, const char *reason)
{
	struct clipboard *c = data;

	if (c->closed)
		return;
	shut(c);
	log_warn("%s", reason);
	if (c->listener.closed)
		c->listener.closed(c->data, reason);
}

/* ---- our sources ---- */

static void source_free(struct source *s)
{
	zwlr_data_control_source_v1_destroy(s->proxy);
	g_bytes_unref(s->text);
	g_free(s);
}

static void source_send(void *data, struct zwlr_data_control_source_v1 *proxy, const char *mime,
                        int32_t fd)
{
	struct source *s = data;
	struct clipboard *c = s->clipboard;

	if (c->closed || !is_offered_mime(mime)) {
		close(fd); /* the requester reads nothing */
		return;
	}
	if (c->writers->len >= MAX_WRITERS) {
		/* once per flood, not once per request */
		if (!c->refusing)
			log_warn("%d requests for the clipboard at once; refusing more",
			         MAX_WRITERS);
		c->refusing = true;
		close(fd);
		return;
	}
	writer_start(c, s->text, fd);
}

static void source_cancelled(void *data, struct zwlr_data_control_source_v1 *proxy)
{
	struct source *s = data;
	struct clipboard *c = s->clipboard;

	if (c->current == s)
		c->current = NULL;
	g_ptr_array_remove(c->sources, s); /* destroying a proxy in its handler is allowed */
}

static const struct zwlr_data_control_source_v1_listener source_listener = {
        .send = source_send,
        .cancelled = source_cancelled,
};

static void sync_free(struct sync *s)
{
	wl_callback_destroy(s->callback);
	g_free(s);
}

static void sync_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct sync *s = data;
	struct clipboard *c = s->clipboard;
	struct note *n;

	if (!c->closed) {
		n = g_new0(struct note, 1);
		n->kind = NOTE_DONE;
		n->done = s->done;
		n->done_data = s->data;
		note_push(c, n);
	}
	g_ptr_array_remove(c->syncs, s);
}

static const struct wl_callback_listener sync_listener = {
        .done = sync_done,
};

bool clipboard_set_text(struct clipboard *c, const char *utf8, size_t len, void (*done)(void *data),
                        void *done_data)
{
	struct source *s;
	char *copy;

	if (!c || c->closed || (!utf8 && len))
		return false;
	if (len > CLIPBOARD_MAX) {
		log_debug("refused %zu bytes for the clipboard (at most %d)", len, CLIPBOARD_MAX);
		return false;
	}
	/* refuses NUL bytes too */
	if (len && !g_utf8_validate_len(utf8, len, NULL)) {
		log_debug("refused %zu bytes for the clipboard: not UTF-8 text", len);
		return false;
	}
	copy = g_malloc(len + 1);
	if (len)
		memcpy(copy, utf8, len);
	copy[len] = '\0';

	s = g_new0(struct source, 1);
	s->clipboard = c;
	s->text = g_bytes_new_take(copy, len);
	s->proxy = zwlr_data_control_manager_v1_create_data_source(c->manager);
	zwlr_data_control_source_v1_add_listener(s->proxy, &source_listener, s);
	for (size_t i = 0; i < G_N_ELEMENTS(offered_mimes); i++)
		zwlr_data_control_source_v1_offer(s->proxy, offered_mimes[i]);
	/* The previous source serves requests until the compositor cancels it, which it
	 * does now that this one replaces it. */
	zwlr_data_control_device_v1_set_selection(c->device, s->proxy);
	g_ptr_array_add(c->sources, s);
	c->current = s;
	c->current_reported = false;
	if (done) {
		struct sync *y = g_new0(struct sync, 1);

		y->clipboard = c;
		y->done = done;
		y->data = done_data;
		y->callback = wl_display_sync(c->display);
		wl_callback_add_listener(y->callback, &sync_listener, y);
		g_ptr_array_add(c->syncs, y);
	}
	flush(c);
	log_debug("set %zu bytes as the desktop's clipboard", len);
	return true;
}

/* ---- the device and its offers ---- */

static void offer_free(struct offer *o)
{
	zwlr_data_control_offer_v1_destroy(o->proxy);
	g_ptr_array_unref(o->types);
	g_free(o);
}

static void offer_offer(void *data, struct zwlr_data_control_offer_v1 *proxy, const char *mime)
{
	struct offer *o = data;

	if (o->types->len < MAX_OFFER_TYPES)
		g_ptr_array_add(o->types, g_strdup(mime));
}

static const struct zwlr_data_control_offer_v1_listener offer_listener = {
        .offer = offer_offer,
};

static void device_data_offer(void *data, struct zwlr_data_control_device_v1 *device,
                              struct zwlr_data_control_offer_v1 *proxy)
{
	struct clipboard *c = data;
	struct offer *o = g_new0(struct offer, 1);

	o->proxy = proxy;
	o->types = g_ptr_array_new_with_free_func(g_free);
	zwlr_data_control_offer_v1_add_listener(proxy, &offer_listener, o);
	g_ptr_array_add(c->offers, o);
}

static void device_selection(void *data, struct zwlr_data_control_device_v1 *device,
                             struct zwlr_data_control_offer_v1 *proxy)
{
	struct clipboard *c = data;
	struct offer *o = proxy ? zwlr_data_control_offer_v1_get_user_data(proxy) : NULL;
	const char *mime;

	reader_cancel(c); /* a newer selection: the older text is no longer the clipboard */
	if (c->closed || !o)
		goto out;
	if (c->current) {
		/* our own source: its text is known, and reading it through the compositor
		 * would have us serve ourselves */
		if (!c->current_reported) {
			struct note *n = g_new0(struct note, 1);

			n->kind = NOTE_OURS;
			n->text = g_bytes_ref(c->current->text);
			note_push(c, n);
		}
		c->current_reported = true;
		goto out;
	}
	mime = clipboard_pick_mime((const char *const *)o->types->pdata, o->types->len);
	if (!mime) {
		log_debug("the desktop's selection holds no text (%u types)", o->types->len);
		goto out;
	}
	reader_start(c, o, mime);
out:
	if (o)
		g_ptr_array_remove(c->offers, o); /* the pipe carries on without it */
}

static void device_primary_selection(void *data, struct zwlr_data_control_device_v1 *device,
                                     struct zwlr_data_control_offer_v1 *proxy)
{
	struct clipboard *c = data;

	if (proxy)
		g_ptr_array_remove(c->offers, zwlr_data_control_offer_v1_get_user_data(proxy));
}

static void device_finished(void *data, struct zwlr_data_control_device_v1 *device)
{
	struct clipboard *c = data;
	struct note *n;

	if (c->closed)
		return;
	shut(c);
	log_warn("the desktop's seat is gone: no more clipboard");
	n = g_new0(struct note, 1);
	n->kind = NOTE_CLOSED;
	n->reason = g_strdup("the desktop's seat is gone");
	note_push(c, n);
}

static const struct zwlr_data_control_device_v1_listener device_listener = {
        .data_offer = device_data_offer,
        .selection = device_selection,
        .finished = device_finished,
        .primary_selection = device_primary_selection,
};

/* ---- life ---- */

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
                            const char *iface, uint32_t version)
{
	struct clipboard *c = data;

	if (strcmp(iface, wl_seat_interface.name) == 0 && !c->seat) {
		c->seat = wl_registry_bind(registry, name, &wl_seat_interface, SEAT_VERSION);
	} else if (strcmp(iface, zwlr_data_control_manager_v1_interface.name) == 0 && !c->manager) {
		c->manager =
		        wl_registry_bind(registry, name, &zwlr_data_control_manager_v1_interface,
		                         DATA_CONTROL_VERSION);
	}
}

static void registry_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	/* a seat that goes away finishes the device */
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_global,
        .global_remove = registry_remove,
};

struct clipboard *clipboard_new(const char *display, const struct clipboard_listener *listener,
                                void *data, GError **error)
{
	struct clipboard *c = g_new0(struct clipboard, 1);
	const char *name = display ? display : g_getenv("WAYLAND_DISPLAY");

	if (listener)
		c->listener = *listener;
	c->data = data;
	c->context = g_main_context_ref_thread_default();
	c->offers = g_ptr_array_new_with_free_func((GDestroyNotify)offer_free);
	c->sources = g_ptr_array_new_with_free_func((GDestroyNotify)source_free);
	c->syncs = g_ptr_array_new_with_free_func((GDestroyNotify)sync_free);
	c->writers = g_ptr_array_new();
	g_queue_init(&c->notes);
	c->display = wayland_connect(name, "for the clipboard", &registry_listener, c, &c->registry,
	                             error);
	if (!c->display)
		goto fail;
	if (!c->seat) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the compositor on “%s” has no seat, so no clipboard", name);
		goto fail;
	}
	if (!c->manager) {
		g_set_error(
		        error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		        "the desktop offers no clipboard access (zwlr_data_control_manager_v1)");
		goto fail;
	}
	/* the device reports the current selection first, through the source below */
	c->device = zwlr_data_control_manager_v1_get_data_device(c->manager, c->seat);
	zwlr_data_control_device_v1_add_listener(c->device, &device_listener, c);
	c->wayland = wayland_source_new(c->display, "wayrtc clipboard", connection_lost, c);
	flush(c);
	log_info("clipboard on “%s”", name);
	return c;
fail:
	clipboard_free(c);
	return NULL;
}

void clipboard_free(struct clipboard *c)
{
	if (!c)
		return;
	shut(c);
	wayland_source_free(c->wayland);
	g_ptr_array_unref(c->syncs);
	g_ptr_array_unref(c->offers);
	g_ptr_array_unref(c->sources);
	g_ptr_array_unref(c->writers);
	if (c->device)
		zwlr_data_control_device_v1_destroy(c->device);
	if (c->manager)
		zwlr_data_control_manager_v1_destroy(c->manager);
	if (c->seat)
		wl_seat_destroy(c->seat);
	if (c->registry)
		wl_registry_destroy(c->registry);
	if (c->display) {
		/* our sources' destruction must reach the compositor before we hang up */
		wl_display_flush(c->display);
		wl_display_disconnect(c->display);
	}
	g_main_context_unref(c->context);
	g_free(c);
}
