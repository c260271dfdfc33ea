/* The clipboard against the real compositor: two clipboards of ours on one wayrtc-session
 * see each other's text, and a third data-control client written here (`struct foreign`)
 * plays the other applications: one that offers only an image, one that never sends its
 * data, requesters that read at once, leave early or ask for a type we do not offer.
 * Everything runs in this one thread, so a write or read of ours that blocked would hang
 * the test. SIGPIPE keeps its default action: a write into a pipe whose reader left must
 * not kill us. */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <wayland-server.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "wayland/clipboard.h"
#include "wayland/source.h"
#include "session.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

#define WIDTH        320
#define HEIGHT       240
#define TIMEOUT_MS   10000
#define QUIET_MS     400  /* long enough for a selection to travel, if one did */
#define STUCK_MS     2600 /* past the clipboard's read timeout of 2 s */
#define STALL_MS     5600 /* past the clipboard's 5 s for a requester that stops reading */
#define N_READERS    3
#define MAX_REQUESTS 64 /* the clipboard's MAX_WRITERS */
#define FOREIGN_MAX  16 /* fds a foreign source holds on to */

static struct test_session desktop;

/* ---- the main loop ---- */

static gboolean set_flag(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Runs the loop until *flag, failing after TIMEOUT_MS. */
#define wait_for(cond)                                                                             \
	do {                                                                                       \
		bool timed_out_ = false;                                                           \
		guint timer_ = g_timeout_add(TIMEOUT_MS, set_flag, &timed_out_);                   \
		while (!(cond) && !timed_out_)                                                     \
			g_main_context_iteration(NULL, TRUE);                                      \
		if (!(cond))                                                                       \
			g_error("timed out waiting for %s", #cond);                                \
		g_source_remove(timer_);                                                           \
	} while (0)

static void run_for(unsigned ms)
{
	bool done = false;

	g_timeout_add(ms, set_flag, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

/* ---- one of our clipboards and what it heard ---- */

struct peer {
	struct clipboard *clipboard;
	GPtrArray *texts; /* GBytes *, each with its `ours` in `ours` at the same index */
	GArray *ours;     /* bool */
	char *closed;
	bool free_in_callback;
};

static void peer_text(void *data, const char *utf8, size_t len, bool ours)
{
	struct peer *p = data;

	g_assert_true(g_utf8_validate_len(utf8, len, NULL));
	g_assert_cmpint(utf8[len], ==, '\0');
	g_ptr_array_add(p->texts, g_bytes_new(utf8, len));
	g_array_append_val(p->ours, ours);
	if (p->free_in_callback)
		g_clear_pointer(&p->clipboard, clipboard_free);
}

static void peer_closed(void *data, const char *reason)
{
	struct peer *p = data;

	g_assert_null(p->closed);
	p->closed = g_strdup(reason);
}

static const struct clipboard_listener peer_listener = {
        .text = peer_text,
        .closed = peer_closed,
};

static void peer_init(struct peer *p)
{
	g_autoptr(GError) error = NULL;

	*p = (struct peer){0};
	p->texts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	p->ours = g_array_new(FALSE, FALSE, sizeof(bool));
	p->clipboard = clipboard_new(desktop.display, &peer_listener, p, &error);
	g_assert_no_error(error);
	g_assert_nonnull(p->clipboard);
}

static void peer_finish(struct peer *p)
{
	clipboard_free(p->clipboard);
	g_ptr_array_unref(p->texts);
	g_array_unref(p->ours);
	g_free(p->closed);
}

/* Waits for the next text after `*seen` and checks it. */
static void peer_expect(struct peer *p, guint *seen, const char *want, size_t len, bool ours)
{
	GBytes *got;

	wait_for(p->texts->len > *seen);
	got = g_ptr_array_index(p->texts, *seen);
	g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), want, len);
	g_assert_cmpint(g_array_index(p->ours, bool, *seen), ==, ours);
	(*seen)++;
}

static void on_done(void *data)
{
	(*(int *)data)++;
}

/* ---- another data-control client ---- */

enum foreign_mode {
	FOREIGN_SEND,  /* write the payload, close */
	FOREIGN_STUCK, /* keep the fd open, write nothing */
	FOREIGN_BIG,   /* write `big_len` bytes from a thread of its own, close */
};

struct foreign {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_seat *seat;
	struct zwlr_data_control_manager_v1 *manager;
	struct zwlr_data_control_device_v1 *device;
	struct zwlr_data_control_source_v1 *source;
	GSource *wayland;
	struct zwlr_data_control_offer_v1 *offer; /* the selection, NULL for none */
	enum foreign_mode mode;
	const char *payload;
	size_t big_len;
	GThread *writer;
	int held[FOREIGN_MAX];
	int n_held;
	int n_sends;
};

static void foreign_global(void *data, struct wl_registry *registry, uint32_t name,
                           const char *iface, uint32_t version)
{
	struct foreign *f = data;

	if (strcmp(iface, wl_seat_interface.name) == 0 && !f->seat)
		f->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	else if (strcmp(iface, zwlr_data_control_manager_v1_interface.name) == 0)
		f->manager = wl_registry_bind(registry, name,
		                              &zwlr_data_control_manager_v1_interface, 1);
}

static void foreign_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener foreign_registry_listener = {
        .global = foreign_global,
        .global_remove = foreign_global_remove,
};

static void foreign_offer_type(void *data, struct zwlr_data_control_offer_v1 *offer,
                               const char *mime)
{
}

static const struct zwlr_data_control_offer_v1_listener foreign_offer_listener = {
        .offer = foreign_offer_type,
};

static void foreign_data_offer(void *data, struct zwlr_data_control_device_v1 *device,
                               struct zwlr_data_control_offer_v1 *offer)
{
	zwlr_data_control_offer_v1_add_listener(offer, &foreign_offer_listener, data);
}

static void foreign_selection(void *data, struct zwlr_data_control_device_v1 *device,
                              struct zwlr_data_control_offer_v1 *offer)
{
	struct foreign *f = data;

	if (f->offer)
		zwlr_data_control_offer_v1_destroy(f->offer);
	f->offer = offer;
}

static void foreign_finished(void *data, struct zwlr_data_control_device_v1 *device)
{
}

static void foreign_primary(void *data, struct zwlr_data_control_device_v1 *device,
                            struct zwlr_data_control_offer_v1 *offer)
{
	if (offer)
		zwlr_data_control_offer_v1_destroy(offer);
}

static const struct zwlr_data_control_device_v1_listener foreign_device_listener = {
        .data_offer = foreign_data_offer,
        .selection = foreign_selection,
        .finished = foreign_finished,
        .primary_selection = foreign_primary,
};

struct big_write {
	int fd;
	size_t len;
};

/* Writes like an ordinary application, with blocking writes; it is gone when our side
 * has read all or stopped reading, so SIGPIPE stays away from this thread. */
static gpointer big_write(gpointer data)
{
	struct big_write *w = data;
	g_autofree char *buf = g_malloc(w->len);
	sigset_t pipe_set;
	size_t done = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	memset(buf, 'b', w->len);
	while (done < w->len) {
		ssize_t n = write(w->fd, buf + done, w->len - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(w->fd);
	g_free(w);
	return NULL;
}

static void foreign_join(struct foreign *f)
{
	if (f->writer)
		g_thread_join(f->writer);
	f->writer = NULL;
}

static void foreign_send(void *data, struct zwlr_data_control_source_v1 *source, const char *mime,
                         int32_t fd)
{
	struct foreign *f = data;

	f->n_sends++;
	if (f->mode == FOREIGN_STUCK) {
		g_assert_cmpint(f->n_held, <, FOREIGN_MAX);
		f->held[f->n_held++] = fd;
		return;
	}
	if (f->mode == FOREIGN_BIG) {
		struct big_write *w = g_new0(struct big_write, 1);

		/* one reader at a time in these tests */
		foreign_join(f);
		w->fd = fd;
		w->len = f->big_len;
		f->writer = g_thread_new("big-write", big_write, w);
		return;
	}
	/* small payloads only: a pipe takes them without blocking */
	g_assert_cmpint(write(fd, f->payload, strlen(f->payload)), ==, strlen(f->payload));
	close(fd);
}

static void foreign_cancelled(void *data, struct zwlr_data_control_source_v1 *source)
{
	struct foreign *f = data;

	g_assert_true(source == f->source);
	zwlr_data_control_source_v1_destroy(source);
	f->source = NULL;
}

static const struct zwlr_data_control_source_v1_listener foreign_source_listener = {
        .send = foreign_send,
        .cancelled = foreign_cancelled,
};

static void foreign_lost(void *data, const char *reason)
{
	g_error("the foreign client lost the compositor: %s", reason);
}

static struct foreign *foreign_new(void)
{
	struct foreign *f = g_new0(struct foreign, 1);

	f->display = wl_display_connect(desktop.display);
	g_assert_nonnull(f->display);
	f->registry = wl_display_get_registry(f->display);
	wl_registry_add_listener(f->registry, &foreign_registry_listener, f);
	g_assert_cmpint(wl_display_roundtrip(f->display), >=, 0);
	g_assert_nonnull(f->seat);
	g_assert_nonnull(f->manager);
	f->device = zwlr_data_control_manager_v1_get_data_device(f->manager, f->seat);
	zwlr_data_control_device_v1_add_listener(f->device, &foreign_device_listener, f);
	g_assert_cmpint(wl_display_roundtrip(f->display), >=, 0);
	f->wayland = wayland_source_new(f->display, "foreign", foreign_lost, f);
	return f;
}

static void foreign_release_held(struct foreign *f)
{
	for (int i = 0; i < f->n_held; i++)
		close(f->held[i]);
	f->n_held = 0;
}

static void foreign_free(struct foreign *f)
{
	wayland_source_free(f->wayland);
	foreign_join(f);
	foreign_release_held(f);
	if (f->offer)
		zwlr_data_control_offer_v1_destroy(f->offer);
	if (f->source)
		zwlr_data_control_source_v1_destroy(f->source);
	zwlr_data_control_device_v1_destroy(f->device);
	zwlr_data_control_manager_v1_destroy(f->manager);
	wl_seat_destroy(f->seat);
	wl_registry_destroy(f->registry);
	wl_display_roundtrip(f->display);
	wl_display_disconnect(f->display);
	g_free(f);
}

/* Makes a selection offering `types` (NULL-terminated). */
static void foreign_set(struct foreign *f, const char *const *types, enum foreign_mode mode,
                        const char *payload)
{
	f->mode = mode;
	f->payload = payload;
	f->n_sends = 0;
	if (f->source)
		zwlr_data_control_source_v1_destroy(f->source);
	f->source = zwlr_data_control_manager_v1_create_data_source(f->manager);
	zwlr_data_control_source_v1_add_listener(f->source, &foreign_source_listener, f);
	for (size_t i = 0; types[i]; i++)
		zwlr_data_control_source_v1_offer(f->source, types[i]);
	zwlr_data_control_device_v1_set_selection(f->device, f->source);
	g_assert_cmpint(wl_display_roundtrip(f->display), >=, 0);
}

/* Asks the current selection for `mime`: the read end of its pipe, non-blocking. */
static int foreign_receive(struct foreign *f, const char *mime)
{
	int fds[2];

	g_assert_nonnull(f->offer);
	g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
	zwlr_data_control_offer_v1_receive(f->offer, mime, fds[1]);
	close(fds[1]);
	g_assert_cmpint(wl_display_flush(f->display), >=, 0);
	g_assert_cmpint(fcntl(fds[0], F_SETFL, O_NONBLOCK), ==, 0);
	return fds[0];
}

/* Reads every fd to its end, a chunk of each in turn, the loop running in between. */
static void read_all(const int *fds, GByteArray **out, int n)
{
	int open = n;
	bool timed_out = false;
	guint timer = g_timeout_add(TIMEOUT_MS, set_flag, &timed_out);
	bool *eof = g_new0(bool, n);

	while (open && !timed_out) {
		for (int i = 0; i < n; i++) {
			guint8 chunk[4096];
			ssize_t got;

			if (eof[i])
				continue;
			got = read(fds[i], chunk, sizeof(chunk));
			if (got > 0) {
				g_byte_array_append(out[i], chunk, (guint)got);
			} else if (got == 0) {
				eof[i] = true;
				open--;
			} else {
				g_assert_cmpint(errno, ==, EAGAIN);
			}
		}
		g_main_context_iteration(NULL, FALSE);
	}
	g_assert_false(timed_out);
	g_source_remove(timer);
	g_free(eof);
}

/* True when the reader of this pipe's write end has gone. */
static bool reader_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* ---- tests ---- */

static void test_mime(void)
{
	const char *all[] = {"STRING", "TEXT", "text/plain", "UTF8_STRING",
	                     "text/plain;charset=utf-8"};
	const char *x11[] = {"TARGETS", "STRING", "UTF8_STRING", "TEXT"};
	const char *upper[] = {"text/html", "text/plain;charset=UTF-8", "text/plain"};
	const char *plain[] = {"image/png", "text/plain", "STRING"};
	const char *none[] = {"image/png", "text/html", "text/plain;charset=iso-8859-1",
	                      "text/uri-list", NULL};
	const char *last[] = {"application/octet-stream", "STRING"};

	g_assert_cmpstr(clipboard_pick_mime(all, G_N_ELEMENTS(all)), ==,
	                "text/plain;charset=utf-8");
	g_assert_cmpstr(clipboard_pick_mime(x11, G_N_ELEMENTS(x11)), ==, "UTF8_STRING");
	/* the offer's own spelling comes back: it is what receive must name */
	g_assert_true(clipboard_pick_mime(upper, G_N_ELEMENTS(upper)) == upper[1]);
	g_assert_cmpstr(clipboard_pick_mime(plain, G_N_ELEMENTS(plain)), ==, "text/plain");
	g_assert_cmpstr(clipboard_pick_mime(last, G_N_ELEMENTS(last)), ==, "STRING");
	g_assert_null(clipboard_pick_mime(none, G_N_ELEMENTS(none)));
	/* only the first n count */
	g_assert_null(clipboard_pick_mime(plain, 1));
	g_assert_null(clipboard_pick_mime(NULL, 0));
}

static void test_errors(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(clipboard_new("/nonexistent/wayrtc-0", &peer_listener, NULL, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_assert_false(clipboard_set_text(NULL, "a", 1, NULL, NULL));
	clipboard_free(NULL);
}

/* A compositor with a seat and nothing else, in a thread of its own, since
 * clipboard_new waits for its answer. */
struct bare {
	struct wl_display *display;
	GThread *thread;
	char *dir;
	char *path;
};

static void bare_bind_seat(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *seat = wl_resource_create(client, &wl_seat_interface, 1, id);

	wl_resource_set_implementation(seat, NULL, NULL, NULL);
}

static gpointer bare_run(gpointer data)
{
	wl_display_run(data);
	return NULL;
}

static void bare_start(struct bare *b)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	g_autoptr(GError) error = NULL;
	int fd;

	b->dir = g_dir_make_tmp("wayrtc-bare-XXXXXX", &error);
	g_assert_no_error(error);
	b->path = g_build_filename(b->dir, "wayland-bare", NULL);
	g_assert_cmpuint(strlen(b->path), <, sizeof(addr.sun_path));
	strcpy(addr.sun_path, b->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(fd, 4), ==, 0);
	b->display = wl_display_create();
	g_assert_cmpint(wl_display_add_socket_fd(b->display, fd), ==, 0);
	g_assert_nonnull(wl_global_create(b->display, &wl_seat_interface, 1, NULL, bare_bind_seat));
	b->thread = g_thread_new("bare", bare_run, b->display);
}

static void bare_stop(struct bare *b)
{
	wl_display_terminate(b->display);
	g_thread_join(b->thread);
	wl_display_destroy(b->display);
	g_unlink(b->path);
	g_rmdir(b->dir);
	g_free(b->path);
	g_free(b->dir);
}

static void test_no_data_control(void)
{
	g_autoptr(GError) error = NULL;
	struct bare b;

	bare_start(&b);
	g_assert_null(clipboard_new(b.path, &peer_listener, NULL, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "zwlr_data_control_manager_v1"));
	bare_stop(&b);
}

static void test_roundtrip(void)
{
	static const char utf8[] = "Grüße, ☃ 日本語 🎉\n\ttabs";
	struct peer a, b, c;
	guint seen_a = 0, seen_b = 0, seen_c = 0;
	int done = 0;

	test_session_start(&desktop, WIDTH, HEIGHT, 0, NULL);
	peer_init(&a);
	peer_init(&b);
	peer_init(&c);
	c.free_in_callback = true; /* freed from inside its own callback */
	run_for(QUIET_MS);
	g_assert_cmpuint(a.texts->len, ==, 0); /* an empty clipboard reports nothing */

	g_assert_true(clipboard_set_text(a.clipboard, "hello", 5, on_done, &done));
	wait_for(done == 1);
	peer_expect(&a, &seen_a, "hello", 5, true);
	peer_expect(&b, &seen_b, "hello", 5, false);
	peer_expect(&c, &seen_c, "hello", 5, false);
	g_assert_null(c.clipboard);

	/* not NUL-terminated: only len bytes count */
	g_assert_true(clipboard_set_text(b.clipboard, utf8, strlen(utf8), NULL, NULL));
	peer_expect(&b, &seen_b, utf8, strlen(utf8), true);
	peer_expect(&a, &seen_a, utf8, strlen(utf8), false);
	g_assert_true(clipboard_set_text(a.clipboard, "abcdef", 3, on_done, &done));
	peer_expect(&a, &seen_a, "abc", 3, true);
	peer_expect(&b, &seen_b, "abc", 3, false);
	wait_for(done == 2);

	/* the empty text is text too */
	g_assert_true(clipboard_set_text(a.clipboard, "", 0, NULL, NULL));
	peer_expect(&b, &seen_b, "", 0, false);

	/* two at once: whatever comes, the last one is where both end */
	g_assert_true(clipboard_set_text(a.clipboard, "one", 3, NULL, NULL));
	g_assert_true(clipboard_set_text(a.clipboard, "two", 3, on_done, &done));
	wait_for(done == 3);
	run_for(QUIET_MS);
	g_assert_cmpmem(g_bytes_get_data(g_ptr_array_index(a.texts, a.texts->len - 1), NULL), 3,
	                "two", 3);
	g_assert_cmpmem(g_bytes_get_data(g_ptr_array_index(b.texts, b.texts->len - 1), NULL), 3,
	                "two", 3);
	g_assert_true(g_array_index(a.ours, bool, a.ours->len - 1));
	g_assert_false(g_array_index(b.ours, bool, b.ours->len - 1));

	peer_finish(&a);
	peer_finish(&b);
	peer_finish(&c);
	test_session_stop(&desktop);
}

static void test_limits(void)
{
	struct peer a, b;
	guint seen_a = 0, seen_b = 0;
	g_autofree char *big = g_malloc(CLIPBOARD_MAX + 1);

	/* multi-byte characters up to the last byte, which is a whole character */
	for (size_t i = 0; i + 3 <= CLIPBOARD_MAX; i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3); /* € */
	memset(big + CLIPBOARD_MAX / 3 * 3, 'x', CLIPBOARD_MAX + 1 - CLIPBOARD_MAX / 3 * 3);

	test_session_start(&desktop, WIDTH, HEIGHT, 0, NULL);
	peer_init(&a);
	peer_init(&b);

	g_assert_false(clipboard_set_text(a.clipboard, big, CLIPBOARD_MAX + 1, NULL, NULL));
	g_assert_false(clipboard_set_text(a.clipboard, "\xff", 1, NULL, NULL));
	g_assert_false(clipboard_set_text(a.clipboard, "a\0b", 3, NULL, NULL));
	g_assert_false(clipboard_set_text(a.clipboard, "\xc0\xaf", 2, NULL, NULL)); /* overlong */
	g_assert_false(clipboard_set_text(a.clipboard, "\xe2\x82", 2, NULL, NULL)); /* cut off */
	g_assert_false(clipboard_set_text(a.clipboard, "\xed\xa0\x80", 3, NULL,
	                                  NULL)); /* UTF-16 surrogate */
	g_assert_false(clipboard_set_text(a.clipboard, NULL, 1, NULL, NULL));
	run_for(QUIET_MS);
	g_assert_cmpuint(b.texts->len, ==, 0);

	/* four times a pipe's buffer, through one thread: neither side may block */
	g_assert_true(clipboard_set_text(a.clipboard, big, CLIPBOARD_MAX, NULL, NULL));
	peer_expect(&a, &seen_a, big, CLIPBOARD_MAX, true);
	peer_expect(&b, &seen_b, big, CLIPBOARD_MAX, false);

	peer_finish(&a);
	peer_finish(&b);
	test_session_stop(&desktop);
}

static void test_foreign(void)
{
	static const char *const image[] = {"image/png", NULL};
	static const char *const text[] = {"text/html", "text/plain", "STRING", NULL};
	struct peer a, b;
	guint seen_a = 0, seen_b = 0;
	struct foreign *f;

	test_session_start(&desktop, WIDTH, HEIGHT, 0, NULL);
	peer_init(&a);
	peer_init(&b);
	f = foreign_new();

	g_assert_true(clipboard_set_text(a.clipboard, "mine", 4, NULL, NULL));
	peer_expect(&a, &seen_a, "mine", 4, true);
	peer_expect(&b, &seen_b, "mine", 4, false);

	/* an image replaces our text: nobody reports anything, and A's text is not ours
	 * any more */
	foreign_set(f, image, FOREIGN_SEND, "\x89PNG");
	run_for(QUIET_MS);
	g_assert_cmpuint(a.texts->len, ==, seen_a);
	g_assert_cmpuint(b.texts->len, ==, seen_b);
	g_assert_cmpint(f->n_sends, ==, 0);

	/* another application's text: read by both, the type we like best of its three */
	foreign_set(f, text, FOREIGN_SEND, "theirs");
	peer_expect(&a, &seen_a, "theirs", 6, false);
	peer_expect(&b, &seen_b, "theirs", 6, false);
	g_assert_cmpint(f->n_sends, ==, 2);

	/* cleared */
	zwlr_data_control_device_v1_set_selection(f->device, NULL);
	wl_display_flush(f->display);
	run_for(QUIET_MS);
	g_assert_cmpuint(a.texts->len, ==, seen_a);

	/* not UTF-8: dropped */
	foreign_set(f, text, FOREIGN_SEND, "caf\xe9");
	run_for(QUIET_MS);
	g_assert_cmpuint(a.texts->len, ==, seen_a);
	g_assert_cmpint(f->n_sends, ==, 2);

	/* as large as the clipboard takes, then one byte more: dropped. Only A listens, so
	 * one thread writes at a time. */
	peer_finish(&b);
	f->big_len = CLIPBOARD_MAX;
	foreign_set(f, text, FOREIGN_BIG, NULL);
	wait_for(a.texts->len > seen_a);
	g_assert_cmpuint(g_bytes_get_size(g_ptr_array_index(a.texts, seen_a)), ==, CLIPBOARD_MAX);
	g_assert_false(g_array_index(a.ours, bool, seen_a));
	seen_a++;
	f->big_len = CLIPBOARD_MAX + 1;
	foreign_set(f, text, FOREIGN_BIG, NULL);
	wait_for(f->n_sends == 1);
	run_for(QUIET_MS);
	g_assert_cmpuint(a.texts->len, ==, seen_a);
	foreign_join(f);

	peer_init(&b);
	seen_b = 0;
	g_assert_true(clipboard_set_text(b.clipboard, "back", 4, NULL, NULL));
	peer_expect(&b, &seen_b, "back", 4, true);
	peer_expect(&a, &seen_a, "back", 4, false);

	foreign_free(f);
	peer_finish(&a);
	peer_finish(&b);
	test_session_stop(&desktop);
}

static void test_stuck_owner(void)
{
	static const char *const text[] = {"text/plain;charset=utf-8", NULL};
	struct peer a, b;
	guint seen_a = 0, seen_b = 0;
	struct foreign *f;

	test_session_start(&desktop, WIDTH, HEIGHT, 0, NULL);
	peer_init(&a);
	peer_init(&b);
	f = foreign_new();

	/* an owner that never sends: both reads give up after their timeout */
	foreign_set(f, text, FOREIGN_STUCK, NULL);
	wait_for(f->n_held == 2);
	run_for(QUIET_MS);
	g_assert_false(reader_gone(f->held[0]));
	g_assert_false(reader_gone(f->held[1]));
	run_for(STUCK_MS);
	g_assert_true(reader_gone(f->held[0]));
	g_assert_true(reader_gone(f->held[1]));
	g_assert_cmpuint(a.texts->len, ==, 0);
	g_assert_cmpuint(b.texts->len, ==, 0);
	foreign_release_held(f);

	/* a newer selection cancels a read at once */
	foreign_set(f, text, FOREIGN_STUCK, NULL);
	wait_for(f->n_held == 2);
	g_assert_true(clipboard_set_text(a.clipboard, "newer", 5, NULL, NULL));
	peer_expect(&a, &seen_a, "newer", 5, true);
	peer_expect(&b, &seen_b, "newer", 5, false);
	g_assert_true(reader_gone(f->held[0]));
	g_assert_true(reader_gone(f->held[1]));
	g_assert_cmpuint(a.texts->len, ==, 1);

	foreign_free(f);
	peer_finish(&a);
	peer_finish(&b);
	test_session_stop(&desktop);
}

static void test_requesters(void)
{
	struct peer a, b;
	guint seen_a = 0, seen_b = 0;
	struct foreign *f;
	g_autofree char *text = g_malloc(CLIPBOARD_MAX);
	int fds[N_READERS + 1];
	GByteArray *out[N_READERS + 1];
	int gone;

	for (size_t i = 0; i < CLIPBOARD_MAX; i++)
		text[i] = 'a' + i % 26;
	test_session_start(&desktop, WIDTH, HEIGHT, 0, NULL);
	peer_init(&a);
	peer_init(&b);
	f = foreign_new();

	g_assert_true(clipboard_set_text(a.clipboard, text, CLIPBOARD_MAX, NULL, NULL));
	peer_expect(&a, &seen_a, text, CLIPBOARD_MAX, true);
	peer_expect(&b, &seen_b, text, CLIPBOARD_MAX, false);
	wait_for(f->offer != NULL);

	/* requesters at once, in each type X11 clients use, and one in a type we never
	 * offered, which gets nothing */
	fds[0] = foreign_receive(f, "text/plain;charset=utf-8");
	fds[1] = foreign_receive(f, "UTF8_STRING");
	fds[2] = foreign_receive(f, "STRING");
	fds[3] = foreign_receive(f, "image/png");
	for (int i = 0; i <= N_READERS; i++)
		out[i] = g_byte_array_new();
	read_all(fds, out, N_READERS + 1);
	for (int i = 0; i < N_READERS; i++)
		g_assert_cmpmem(out[i]->data, out[i]->len, text, CLIPBOARD_MAX);
	g_assert_cmpuint(out[N_READERS]->len, ==, 0);
	for (int i = 0; i <= N_READERS; i++) {
		close(fds[i]);
		g_byte_array_unref(out[i]);
	}

	/* a requester that leaves before we write: EPIPE, and no SIGPIPE kills us */
	gone = foreign_receive(f, "text/plain");
	close(gone);
	/* and one that reads a little, then leaves with the rest unwritten */
	fds[0] = foreign_receive(f, "TEXT");
	{
		char chunk[1024];

		wait_for(read(fds[0], chunk, sizeof(chunk)) > 0);
	}
	close(fds[0]);
	run_for(QUIET_MS);

	/* one that never reads: after WRITE_STALL_MS it gets what fitted in the pipe, and
	 * the end */
	fds[0] = foreign_receive(f, "text/plain");
	run_for(STALL_MS);
	out[0] = g_byte_array_new();
	read_all(fds, out, 1);
	g_assert_cmpuint(out[0]->len, >, 0);
	g_assert_cmpuint(out[0]->len, <, CLIPBOARD_MAX);
	g_assert_cmpmem(out[0]->data, out[0]->len, text, out[0]->len);
	g_byte_array_unref(out[0]);
	close(fds[0]);

	/* more requesters at once than the clipboard serves: the last is refused */
	{
		int many[MAX_REQUESTS + 1];
		char chunk[16];

		for (int i = 0; i <= MAX_REQUESTS; i++)
			many[i] = foreign_receive(f, "text/plain");
		run_for(QUIET_MS);
		for (int i = 0; i < MAX_REQUESTS; i++)
			g_assert_cmpint(read(many[i], chunk, sizeof(chunk)), ==, sizeof(chunk));
		g_assert_cmpint(read(many[MAX_REQUESTS], chunk, sizeof(chunk)), ==, 0);
		for (int i = 0; i <= MAX_REQUESTS; i++)
			close(many[i]);
	}

	/* still serving */
	g_assert_true(clipboard_set_text(b.clipboard, "still", 5, NULL, NULL));
	peer_expect(&b, &seen_b, "still", 5, true);
	peer_expect(&a, &seen_a, "still", 5, false);

	foreign_free(f);
	peer_finish(&a);
	peer_finish(&b);
	test_session_stop(&desktop);
}

static void test_closed(void)
{
	struct peer a;

	test_session_start(&desktop, WIDTH, HEIGHT, 0, NULL);
	peer_init(&a);
	g_subprocess_send_signal(desktop.proc, SIGTERM);
	wait_for(a.closed != NULL);
	g_assert_cmpstr(a.closed, !=, "");
	g_assert_false(clipboard_set_text(a.clipboard, "late", 4, NULL, NULL));
	peer_finish(&a);
	test_session_stop(&desktop);
}

int main(int argc, char **argv)
{
	/* the default action, whatever the runner left: a SIGPIPE of ours must fail us */
	signal(SIGPIPE, SIG_DFL);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/clipboard/mime", test_mime);
	g_test_add_func("/clipboard/errors", test_errors);
	g_test_add_func("/clipboard/no-data-control", test_no_data_control);
	g_test_add_func("/clipboard/roundtrip", test_roundtrip);
	g_test_add_func("/clipboard/limits", test_limits);
	g_test_add_func("/clipboard/foreign", test_foreign);
	g_test_add_func("/clipboard/stuck-owner", test_stuck_owner);
	g_test_add_func("/clipboard/requesters", test_requesters);
	g_test_add_func("/clipboard/closed", test_closed);
	return g_test_run();
}
