/* wayland/conn against a compositor of libwayland-server in a thread of the test: one
 * connection per display however often it is asked for, the outputs and seats it knows
 * on return, an observer told of an output's removal (also one that leaves during the
 * call), and of the connection's loss, after which a new one is made. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <wayland-server.h>

#include "wayland/conn.h"

#define TIMEOUT_MS 5000

struct server {
	struct wl_display *display;
	struct wl_global *output;
	GThread *thread;
	int commands[2]; /* a pipe: what the server thread is to do next */
	char *dir, *path;
};

static void resource_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void seat_get_device(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
}

static const struct wl_output_interface output_impl = {.release = resource_destroy};
static const struct wl_seat_interface seat_impl = {
        .get_pointer = seat_get_device,
        .get_keyboard = seat_get_device,
        .get_touch = seat_get_device,
        .release = resource_destroy,
};

static void bind_output(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_output_interface, version, id);

	wl_resource_set_implementation(r, &output_impl, NULL, NULL);
	wl_output_send_geometry(r, 10, 20, 0, 0, 0, "wayrtc", "test", WL_OUTPUT_TRANSFORM_90);
	wl_output_send_mode(r, WL_OUTPUT_MODE_CURRENT, 640, 480, 60000);
	if (version >= 4)
		wl_output_send_name(r, "TEST-1");
	if (version >= 2)
		wl_output_send_done(r);
}

static void bind_seat(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_seat_interface, version, id);

	wl_resource_set_implementation(r, &seat_impl, NULL, NULL);
	wl_seat_send_capabilities(r, WL_SEAT_CAPABILITY_POINTER | WL_SEAT_CAPABILITY_KEYBOARD);
}

/* In the server's thread: 'r' removes the output, 't' ends the server. */
static int on_command(int fd, uint32_t mask, void *data)
{
	struct server *s = data;
	char c = 0;

	g_assert_cmpint(read(fd, &c, 1), ==, 1);
	if (c == 'r') {
		wl_global_destroy(s->output);
		s->output = NULL;
	} else if (c == 't') {
		wl_display_terminate(s->display);
	}
	return 0;
}

static gpointer server_run(gpointer data)
{
	wl_display_run(data);
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	g_autoptr(GError) error = NULL;
	int fd;

	s->dir = g_dir_make_tmp("wayrtc-conn-XXXXXX", &error);
	g_assert_no_error(error);
	s->path = g_build_filename(s->dir, "wayland-test", NULL);
	g_assert_cmpuint(strlen(s->path), <, sizeof(addr.sun_path));
	strcpy(addr.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(fd, 4), ==, 0);
	s->display = wl_display_create();
	g_assert_cmpint(wl_display_add_socket_fd(s->display, fd), ==, 0);
	s->output = wl_global_create(s->display, &wl_output_interface, 4, s, bind_output);
	g_assert_nonnull(wl_global_create(s->display, &wl_seat_interface, 5, s, bind_seat));
	g_assert_cmpint(pipe(s->commands), ==, 0);
	wl_event_loop_add_fd(wl_display_get_event_loop(s->display), s->commands[0],
	                     WL_EVENT_READABLE, on_command, s);
	s->thread = g_thread_new("server", server_run, s->display);
}

static void server_command(struct server *s, char c)
{
	g_assert_cmpint(write(s->commands[1], &c, 1), ==, 1);
}

/* Ends the server; its clients see their connection closed. */
static void server_stop(struct server *s)
{
	server_command(s, 't');
	g_thread_join(s->thread);
	wl_display_destroy_clients(s->display);
	wl_display_destroy(s->display);
	close(s->commands[0]);
	close(s->commands[1]);
	g_unlink(s->path);
	g_rmdir(s->dir);
	g_free(s->path);
	g_free(s->dir);
}

struct seen {
	struct wayland_conn *conn;
	void *handle;
	bool leave; /* unobserve from inside output_removed */
	unsigned removed;
	char *lost;
};

static void on_output_removed(void *data, struct wayland_output *output)
{
	struct seen *s = data;

	g_assert_cmpstr(output->name, ==, "TEST-1");
	s->removed++;
	if (s->leave) {
		wayland_conn_unobserve(s->conn, s->handle);
		s->handle = NULL;
	}
}

static void on_lost(void *data, const char *reason)
{
	struct seen *s = data;

	g_assert_null(s->lost);
	s->lost = g_strdup(reason);
}

static const struct wayland_conn_observer observer = {
        .output_removed = on_output_removed,
        .lost = on_lost,
};

static gboolean set_flag(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

static void wait_for(const bool *flag, const unsigned *count, const char *const *text)
{
	bool timed_out = false;
	guint timer = g_timeout_add(TIMEOUT_MS, set_flag, &timed_out);

	while (!timed_out && !(flag && *flag) && !(count && *count) && !(text && *text))
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(timed_out);
	g_source_remove(timer);
}

static void test_conn(void)
{
	g_autoptr(GError) error = NULL;
	struct server server;
	struct wayland_conn *a, *b;
	struct wayland_output *o;
	struct wayland_seat *seat;
	struct seen one = {0}, two = {.leave = true};
	g_autofree char *path = NULL;
	int32_t w, h;

	server_start(&server);
	a = wayland_conn_get(server.path, "to test", &error);
	g_assert_no_error(error);
	b = wayland_conn_get(server.path, "to test", &error);
	g_assert_no_error(error);
	g_assert_true(a == b);

	/* known on return */
	g_assert_cmpuint(wayland_conn_outputs(a)->len, ==, 1);
	o = wayland_conn_find_output(a, NULL);
	g_assert_nonnull(o);
	g_assert_true(o == wayland_conn_find_output(a, "TEST-1"));
	g_assert_null(wayland_conn_find_output(a, "TEST-2"));
	g_assert_true(o->done);
	g_assert_cmpint(o->x, ==, 10);
	g_assert_cmpint(o->y, ==, 20);
	g_assert_cmpint(o->width, ==, 640);
	g_assert_cmpint(o->refresh_mhz, ==, 60000);
	wayland_output_size(o, &w, &h); /* a quarter turn */
	g_assert_cmpint(w, ==, 480);
	g_assert_cmpint(h, ==, 640);
	seat = wayland_conn_seat(a);
	g_assert_nonnull(seat);
	g_assert_cmpuint(seat->capabilities, ==,
	                 WL_SEAT_CAPABILITY_POINTER | WL_SEAT_CAPABILITY_KEYBOARD);
	g_assert_true(wayland_conn_has(a, "wl_output", 4));
	g_assert_false(wayland_conn_has(a, "wl_output", 5));
	g_assert_false(wayland_conn_has(a, "zwlr_screencopy_manager_v1", 1));
	g_assert_null(wayland_conn_shm(a));

	/* the output goes: both observers hear it, the second leaving during the call */
	one.conn = two.conn = a;
	one.handle = wayland_conn_observe(a, &observer, &one);
	two.handle = wayland_conn_observe(a, &observer, &two);
	server_command(&server, 'r');
	wait_for(NULL, &one.removed, NULL);
	g_assert_cmpuint(one.removed, ==, 1);
	g_assert_cmpuint(two.removed, ==, 1);
	g_assert_cmpuint(wayland_conn_outputs(a)->len, ==, 0);

	/* the compositor goes: only the observer still there hears it, once */
	path = g_strdup(server.path);
	server_stop(&server);
	wait_for(NULL, NULL, (const char *const *)&one.lost);
	g_assert_nonnull(strstr(one.lost, "compositor"));
	g_assert_null(two.lost);
	g_assert_true(wayland_conn_lost(a));
	/* a lost connection is not handed out again */
	g_assert_null(wayland_conn_get(path, "to test", &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	wayland_conn_unobserve(a, one.handle);
	wayland_conn_unref(b);
	wayland_conn_unref(a);
	g_free(one.lost);
}

static void test_errors(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(wayland_conn_get("/nonexistent/wayrtc-0", "to test", &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_unsetenv("WAYLAND_DISPLAY");
	g_assert_null(wayland_conn_get(NULL, "to test", &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "to test"));
	wayland_conn_unref(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/wayland-conn/conn", test_conn);
	g_test_add_func("/wayland-conn/errors", test_errors);
	return g_test_run();
}
