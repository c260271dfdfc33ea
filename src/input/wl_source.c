/* The Wayland fd as a GSource: prepare_read before polling, read_events or cancel_read
 * after, dispatch_pending in dispatch; a socket that is full makes us wait for G_IO_OUT
 * and flush the rest on the next turn. Also the shm buffers the clients share. */
#define LOG_MODULE "input"
#include <errno.h>
#include <gio/gio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "input/wl_source.h"
#include "util/log.h"

#define WATCH_EVENTS (G_IO_IN | G_IO_ERR | G_IO_HUP)

struct wayland_source {
	GSource base;
	struct wl_display *display; /* NULL once freed by its owner */
	gpointer fd_tag;
	GIOCondition events; /* what fd_tag watches now */
	bool reading;        /* between wl_display_prepare_read and read/cancel */
	bool lost;
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

static gboolean source_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	struct wayland_source *s = (struct wayland_source *)base;
	GIOCondition revents = g_source_query_unix_fd(base, s->fd_tag);
	g_autofree char *reason = NULL;

	if (!s->display || s->lost)
		return G_SOURCE_REMOVE;
	if (wl_display_dispatch_pending(s->display) >= 0 &&
	    !((revents & (G_IO_ERR | G_IO_HUP)) && !(revents & G_IO_IN))) {
		if (wl_display_flush(s->display) < 0 && errno != EAGAIN)
			log_debug("flush: %s", g_strerror(errno));
		return G_SOURCE_CONTINUE;
	}
	s->lost = true;
	reason = wayland_display_error(s->display);
	/* GLib holds a reference while we dispatch: `s` outlives a free from lost_fn */
	if (s->lost_fn)
		s->lost_fn(s->data, reason);
	return G_SOURCE_REMOVE;
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

void wayland_source_free(GSource *source)
{
	struct wayland_source *s = (struct wayland_source *)source;

	if (!s)
		return;
	if (s->reading && s->display)
		wl_display_cancel_read(s->display);
	s->reading = false;
	s->display = NULL;
	s->lost_fn = NULL;
	g_source_destroy(source);
	g_source_unref(source);
}

struct wl_display *wayland_connect(const char *name, const char *purpose,
                                   const struct wl_registry_listener *listener, void *data,
                                   struct wl_registry **registry, GError **error)
{
	struct wl_display *display;

	if (!name)
		name = g_getenv("WAYLAND_DISPLAY");
	if (!name || !*name) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "no Wayland display %s ($WAYLAND_DISPLAY is not set)", purpose);
		return NULL;
	}
	display = wl_display_connect(name);
	if (!display) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "cannot connect to the Wayland display “%s”: %s", name,
		            g_strerror(errno));
		return NULL;
	}
	*registry = wl_display_get_registry(display);
	wl_registry_add_listener(*registry, listener, data);
	if (wl_display_roundtrip(display) < 0) {
		g_autofree char *why = wayland_display_error(display);

		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "Wayland display “%s”: %s", name,
		            why);
		wl_registry_destroy(*registry);
		*registry = NULL;
		wl_display_disconnect(display);
		return NULL;
	}
	return display;
}

void wayland_shm_buffer_free(struct wayland_shm_buffer *b)
{
	if (b->buffer)
		wl_buffer_destroy(b->buffer);
	if (b->data)
		munmap(b->data, b->size);
	*b = (struct wayland_shm_buffer){0};
}

bool wayland_shm_buffer_make(struct wayland_shm_buffer *b, struct wl_shm *shm, const char *name,
                             uint32_t width, uint32_t height, uint32_t stride, uint32_t format)
{
	struct wl_shm_pool *pool;
	size_t size = (size_t)stride * height;
	void *data;
	int fd;

	wayland_shm_buffer_free(b);
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return false;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED)
		goto fail;
	pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	b->buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)width, (int32_t)height,
	                                      (int32_t)stride, format);
	wl_shm_pool_destroy(pool);
	close(fd);
	b->data = data;
	b->size = size;
	b->width = width;
	b->height = height;
	b->stride = stride;
	b->format = format;
	return true;
fail:
	close(fd);
	return false;
}
