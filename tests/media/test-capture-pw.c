/* The PipeWire capture source. The format table and the DMA-BUF offer rule are pure and
 * tested as such (no GPU here: DMA-BUF cannot run). Then shared memory for real: the test
 * brings up its own D-Bus session bus, pipewire and wireplumber in a temporary runtime
 * dir, a GStreamer producer (videotestsrc ! pipewiresink), and captures that node. */
#include <errno.h>
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <pipewire/pipewire.h>
#include <spa/param/video/raw.h>

#include "media/capture_pw.h"

#define XR24 0x34325258
#define AR24 0x34325241
#define XB24 0x34324258
#define AB24 0x34324241

static void test_formats(void)
{
	static const struct {
		uint32_t spa, drm;
	} table[] = {
	        {SPA_VIDEO_FORMAT_BGRx, XR24},
	        {SPA_VIDEO_FORMAT_BGRA, AR24},
	        {SPA_VIDEO_FORMAT_RGBx, XB24},
	        {SPA_VIDEO_FORMAT_RGBA, AB24},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
		g_assert_cmphex(capture_pw_drm_format(table[i].spa), ==, table[i].drm);
		g_assert_cmphex(capture_pw_spa_format(table[i].drm), ==, table[i].spa);
	}
	/* byte orders we do not take, and nonsense */
	g_assert_cmphex(capture_pw_drm_format(SPA_VIDEO_FORMAT_xRGB), ==, 0);
	g_assert_cmphex(capture_pw_drm_format(SPA_VIDEO_FORMAT_I420), ==, 0);
	g_assert_cmphex(capture_pw_drm_format(SPA_VIDEO_FORMAT_UNKNOWN), ==, 0);
	g_assert_cmphex(capture_pw_spa_format(0x30335258 /* XR30 */), ==, SPA_VIDEO_FORMAT_UNKNOWN);
	g_assert_cmphex(capture_pw_spa_format(0), ==, SPA_VIDEO_FORMAT_UNKNOWN);
}

#define MOD_LINEAR  0ULL
#define MOD_TILED   0x0100000000000001ULL /* I915_FORMAT_MOD_X_TILED */
#define MOD_INVALID 0x00ffffffffffffffULL

/* DMA-BUF is offered only with a render node, a format we map, and a modifier that has
 * not failed; a failed modifier is dropped, and with the last one DMA-BUF altogether. */
static void test_offer(void)
{
	const uint32_t formats[] = {XR24, 0x30335258 /* XR30: not ours */, AR24, XR24};
	const uint64_t modifiers[] = {MOD_TILED, MOD_LINEAR, MOD_TILED};
	const uint64_t implicit[] = {MOD_INVALID};
	struct capture_pw_options gpu = {.dmabuf_formats = formats,
	                                 .n_dmabuf_formats = G_N_ELEMENTS(formats),
	                                 .modifiers = modifiers,
	                                 .n_modifiers = G_N_ELEMENTS(modifiers),
	                                 .render_node = true};
	struct capture_pw_options no_node = gpu;
	struct capture_pw_options no_modifiers = gpu;
	struct capture_pw_options no_formats = gpu;
	struct capture_pw_options foreign = gpu;
	struct capture_pw_options implicit_only = gpu;
	const uint64_t tiled_failed[] = {MOD_TILED};
	const uint64_t both_failed[] = {MOD_LINEAR, MOD_TILED};
	struct capture_pw_offer offer;

	no_node.render_node = false;
	no_modifiers.n_modifiers = 0;
	no_formats.n_dmabuf_formats = 0;
	foreign.dmabuf_formats = &formats[1];
	foreign.n_dmabuf_formats = 1;
	implicit_only.modifiers = implicit;
	implicit_only.n_modifiers = 1;

	capture_pw_choose_offer(&gpu, NULL, 0, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 2); /* XR30 dropped, XR24 once */
	g_assert_cmphex(offer.dmabuf_formats[0], ==, SPA_VIDEO_FORMAT_BGRx);
	g_assert_cmphex(offer.dmabuf_formats[1], ==, SPA_VIDEO_FORMAT_BGRA);
	g_assert_cmpuint(offer.n_modifiers, ==, 2); /* order kept, duplicates gone */
	g_assert_cmphex(offer.modifiers[0], ==, MOD_TILED);
	g_assert_cmphex(offer.modifiers[1], ==, MOD_LINEAR);

	/* the tiled import failed: linear is left */
	capture_pw_choose_offer(&gpu, tiled_failed, 1, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 2);
	g_assert_cmpuint(offer.n_modifiers, ==, 1);
	g_assert_cmphex(offer.modifiers[0], ==, MOD_LINEAR);
	/* and then linear too: shared memory only */
	capture_pw_choose_offer(&gpu, both_failed, 2, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 0);
	g_assert_cmpuint(offer.n_modifiers, ==, 0);

	capture_pw_choose_offer(&no_node, NULL, 0, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 0);
	capture_pw_choose_offer(&no_modifiers, NULL, 0, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 0);
	capture_pw_choose_offer(&no_formats, NULL, 0, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 0);
	g_assert_cmpuint(offer.n_modifiers, ==, 0);
	capture_pw_choose_offer(&foreign, NULL, 0, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 0);
	g_assert_cmpuint(offer.n_modifiers, ==, 0);
	capture_pw_choose_offer(NULL, NULL, 0, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 0);

	/* an implicit modifier is offered as DRM_FORMAT_MOD_INVALID */
	capture_pw_choose_offer(&implicit_only, NULL, 0, &offer);
	g_assert_cmpuint(offer.n_dmabuf_formats, ==, 2);
	g_assert_cmpuint(offer.n_modifiers, ==, 1);
	g_assert_cmphex(offer.modifiers[0], ==, MOD_INVALID);
}

/* ---- the live stack: bus, pipewire, wireplumber, a producer ---- */

#define SIZE_W       320
#define SIZE_H       240
#define FPS          30
#define PIXEL_BYTES  4
#define WAIT_MS      10000
#define RATE_MS      2000
#define MIN_FRAMES   (FPS * RATE_MS / 1000 / 2) /* half the producer's rate, under load */
#define QUIET_MS     300
#define PRODUCER     "wayrtc-test-producer"
#define TICK_MS      10
#define NO_SUCH_NODE 4000000u

struct stack {
	char *dir;
	GPid dbus_pid;
	GSubprocess *pipewire;
	GSubprocess *wireplumber;
	GSubprocess *producer;
};

static const char *const programs[] = {"dbus-daemon", "pipewire", "wireplumber", "gst-launch-1.0"};

static GSubprocess *spawn_logged(struct stack *s, const char *log, GError **error,
                                 const char *const *argv)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autofree char *path = g_build_filename(s->dir, log, NULL);

	g_subprocess_launcher_set_stdout_file_path(l, path);
	g_subprocess_launcher_set_stderr_file_path(l, path);
	return g_subprocess_launcher_spawnv(l, argv, error);
}

/* What a PipeWire client (this test, the source under test) sees of the daemon: the
 * registry, polled on a loop of its own until `type` with `key`=`value` shows up. */
struct find {
	const char *type, *key, *value;
	uint32_t id;
};

static void find_global(void *data, uint32_t id, uint32_t permissions, const char *type,
                        uint32_t version, const struct spa_dict *props)
{
	struct find *f = data;
	const char *v = props ? spa_dict_lookup(props, f->key) : NULL;

	if (strcmp(type, f->type) == 0 && v && strcmp(v, f->value) == 0)
		f->id = id;
}

static const struct pw_registry_events find_events = {
        PW_VERSION_REGISTRY_EVENTS,
        .global = find_global,
};

static uint32_t wait_global(const char *type, const char *key, const char *value, int ms)
{
	struct find f = {type, key, value, SPA_ID_INVALID};
	int64_t end = g_get_monotonic_time() + ms * 1000LL;
	struct pw_loop *loop = pw_loop_new(NULL);
	struct pw_context *context = pw_context_new(loop, NULL, 0);
	struct pw_core *core = NULL;
	struct pw_registry *registry = NULL;
	struct spa_hook listener;

	pw_loop_enter(loop);
	while (!core && g_get_monotonic_time() < end) {
		core = pw_context_connect(context, NULL, 0);
		if (!core)
			g_usleep(50000);
	}
	if (core) {
		registry = pw_core_get_registry(core, PW_VERSION_REGISTRY, 0);
		pw_registry_add_listener(registry, &listener, &find_events, &f);
		while (f.id == SPA_ID_INVALID && g_get_monotonic_time() < end)
			pw_loop_iterate(loop, 50);
		spa_hook_remove(&listener);
		pw_proxy_destroy((struct pw_proxy *)registry);
		pw_core_disconnect(core);
	}
	pw_context_destroy(context);
	pw_loop_leave(loop);
	pw_loop_destroy(loop);
	return f.id;
}

static void stack_stop(struct stack *s)
{
	GSubprocess *procs[] = {s->producer, s->wireplumber, s->pipewire};

	for (size_t i = 0; i < G_N_ELEMENTS(procs); i++) {
		if (!procs[i])
			continue;
		g_subprocess_send_signal(procs[i], SIGTERM);
		g_subprocess_wait(procs[i], NULL, NULL);
		g_object_unref(procs[i]);
	}
	if (s->dbus_pid > 0)
		kill(s->dbus_pid, SIGTERM);
	if (s->dir) {
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", s->dir);

		if (g_test_failed())
			g_test_message("logs kept in %s", s->dir);
		else
			g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL);
	}
	g_free(s->dir);
	*s = (struct stack){0};
}

/* A private session bus, pipewire and wireplumber on it, in a runtime dir of our own, so
 * the PipeWire of anyone else on this machine is never touched. */
static bool stack_start(struct stack *s)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	g_autofree char *run = NULL;
	g_auto(GStrv) lines = NULL;
	const char *dbus_argv[] = {"dbus-daemon",       "--session",     "--fork",
	                           "--print-address=1", "--print-pid=1", NULL};
	const char *pw_argv[] = {"pipewire", NULL};
	const char *wp_argv[] = {"wireplumber", NULL};
	int status;

	*s = (struct stack){0};
	for (size_t i = 0; i < G_N_ELEMENTS(programs); i++) {
		g_autofree char *path = g_find_program_in_path(programs[i]);

		if (!path) {
			g_test_fail_printf(
			        "%s is not installed: this test needs dbus-daemon, "
			        "pipewire, wireplumber and gst-launch-1.0 with "
			        "gstreamer1.0-pipewire (tools/install-deps installs them)",
			        programs[i]);
			return false;
		}
	}
	s->dir = g_dir_make_tmp("wayrtc-pw-XXXXXX", &error);
	g_assert_no_error(error);
	run = g_build_filename(s->dir, "run", NULL);
	g_assert_cmpint(g_mkdir(run, 0700), ==, 0);
	g_setenv("XDG_RUNTIME_DIR", run, TRUE);
	g_setenv("PIPEWIRE_RUNTIME_DIR", run, TRUE);
	/* nothing of a real user's configuration or saved state leaks in */
	g_setenv("XDG_CONFIG_HOME", s->dir, TRUE);
	g_setenv("XDG_STATE_HOME", s->dir, TRUE);
	g_unsetenv("PIPEWIRE_REMOTE");
	g_unsetenv("PIPEWIRE_CORE");

	g_spawn_sync(NULL, (char **)dbus_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
	             &status, &error);
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	lines = g_strsplit(out, "\n", 3);
	g_assert_cmpuint(g_strv_length(lines), >=, 2);
	s->dbus_pid = (GPid)g_ascii_strtoll(lines[1], NULL, 10);
	g_assert_cmpint(s->dbus_pid, >, 0);
	g_setenv("DBUS_SESSION_BUS_ADDRESS", lines[0], TRUE);

	s->pipewire = spawn_logged(s, "pipewire.log", &error, pw_argv);
	g_assert_no_error(error);
	s->wireplumber = spawn_logged(s, "wireplumber.log", &error, wp_argv);
	g_assert_no_error(error);
	/* without the session manager nothing is ever linked: wait until it is in */
	if (wait_global(PW_TYPE_INTERFACE_Client, PW_KEY_APP_NAME, "WirePlumber", WAIT_MS) ==
	    SPA_ID_INVALID) {
		g_test_fail_printf("pipewire and wireplumber did not come up (logs in %s)", s->dir);
		return false;
	}
	return true;
}

/* videotestsrc through pipewiresink: a node of its own, found by name. */
static uint32_t producer_start(struct stack *s, const char *format, const char *pattern)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *caps = g_strdup_printf("video/x-raw,format=%s,width=%d,height=%d,"
	                                        "framerate=%d/1",
	                                        format, SIZE_W, SIZE_H, FPS);
	g_autofree char *pat = g_strdup_printf("pattern=%s", pattern);
	const char *argv[] = {"gst-launch-1.0",
	                      "-q",
	                      "videotestsrc",
	                      "is-live=true",
	                      pat,
	                      "!",
	                      caps,
	                      "!",
	                      "pipewiresink",
	                      "mode=provide",
	                      "stream-properties=props,node.name=" PRODUCER
	                      ",media.class=Video/Source",
	                      NULL};
	uint32_t id;

	s->producer = spawn_logged(s, "producer.log", &error, argv);
	g_assert_no_error(error);
	id = wait_global(PW_TYPE_INTERFACE_Node, PW_KEY_NODE_NAME, PRODUCER, WAIT_MS);
	if (id == SPA_ID_INVALID)
		g_test_fail_printf("the GStreamer producer's node never appeared (is "
		                   "gstreamer1.0-pipewire installed? log in %s)",
		                   s->dir);
	return id;
}

static void producer_kill(struct stack *s)
{
	g_subprocess_send_signal(s->producer, SIGKILL);
	g_subprocess_wait(s->producer, NULL, NULL);
	g_clear_object(&s->producer);
}

struct seen {
	unsigned frames;
	unsigned whole; /* frames with n_damage == 0 */
	unsigned after_close;
	bool pattern; /* a frame had the bars where they belong */
	bool bad;
	char why[160];
	uint32_t format;
	int64_t first_us, last_us;
	char *closed;
	unsigned n_closed;
	struct capture *destroy_on_close;
};

/* as 0xRRGGBB, whatever the byte order of the frame */
static uint32_t pixel(const struct capture_frame *f, unsigned x, unsigned y)
{
	const uint8_t *p = f->data + (size_t)y * f->stride + (size_t)x * PIXEL_BYTES;

	if (f->format == XB24 || f->format == AB24)
		return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void on_frame(void *data, const struct capture_frame *f)
{
	struct seen *s = data;

	if (s->closed)
		s->after_close++;
	if (f->width != SIZE_W || f->height != SIZE_H || f->stride != SIZE_W * PIXEL_BYTES ||
	    f->format != s->format || f->y_invert || !f->data || f->ready_us < s->last_us) {
		s->bad = true;
		g_snprintf(s->why, sizeof(s->why), "frame %ux%u stride %u format %08x y_invert %d",
		           f->width, f->height, f->stride, f->format, f->y_invert);
	}
	if (s->frames++ == 0)
		s->first_us = f->ready_us;
	s->last_us = f->ready_us;
	if (f->n_damage == 0)
		s->whole++;
	/* smpte's top row of bars, 100% colours: white, yellow, cyan, green, magenta, red,
	 * blue, each 320/7 wide; one per channel order that could go wrong */
	if (f->data && f->width == SIZE_W && f->height == SIZE_H) {
		if (pixel(f, 20, 40) == 0xffffff && pixel(f, 70, 40) == 0xffff00 &&
		    pixel(f, 115, 40) == 0x00ffff && pixel(f, 160, 40) == 0x00ff00 &&
		    pixel(f, 250, 40) == 0xff0000 && pixel(f, 300, 40) == 0x0000ff)
			s->pattern = true;
		else if (!s->bad)
			g_snprintf(s->why, sizeof(s->why), "bars %06x %06x %06x %06x %06x %06x",
			           pixel(f, 20, 40), pixel(f, 70, 40), pixel(f, 115, 40),
			           pixel(f, 160, 40), pixel(f, 250, 40), pixel(f, 300, 40));
	}
}

static void on_closed(void *data, const char *reason)
{
	struct seen *s = data;

	s->n_closed++;
	g_free(s->closed);
	s->closed = g_strdup(reason);
	if (s->destroy_on_close) {
		/* from inside the source's own callback: the deferred path */
		capture_destroy(s->destroy_on_close);
		s->destroy_on_close = NULL;
	}
}

static const struct capture_listener listener = {.frame = on_frame, .closed = on_closed};

static gboolean tick(void *data)
{
	return G_SOURCE_CONTINUE;
}

static bool wait_until(bool (*done)(struct seen *s), struct seen *s, int ms)
{
	int64_t end = g_get_monotonic_time() + ms * 1000LL;
	guint ticker = g_timeout_add(TICK_MS, tick, NULL);

	while (!done(s) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(ticker);
	return done(s);
}

static bool saw_frame(struct seen *s)
{
	return s->frames > 0 || s->closed;
}

static bool saw_close(struct seen *s)
{
	return s->closed != NULL;
}

static bool never(struct seen *s)
{
	return false;
}

/* Frames of the producer's size, stride, format and pixels, at about its rate, each whole
 * (pipewiresink sends no damage metadata); then the producer dies and `closed` says the
 * screen cast stopped, once, with no frame after it. */
static void live(const char *gst_format, uint32_t drm_format)
{
	g_autoptr(GError) error = NULL;
	struct stack stack;
	struct seen seen = {.format = drm_format};
	struct capture *capture;
	uint32_t node;
	unsigned before;

	if (!stack_start(&stack))
		goto out;
	node = producer_start(&stack, gst_format, "smpte");
	if (node == SPA_ID_INVALID)
		goto out;
	capture = capture_pw_new(-1, node, NULL, &listener, &seen, &error);
	g_assert_no_error(error);
	g_assert_nonnull(capture);
	g_assert_true(wait_until(saw_frame, &seen, WAIT_MS));
	g_assert_null(seen.closed);
	before = seen.frames;
	wait_until(never, &seen, RATE_MS);
	if (seen.bad || !seen.pattern)
		g_error("%s", seen.why);
	g_test_message("%u frames in %d ms", seen.frames - before, RATE_MS);
	g_assert_cmpuint(seen.frames - before, >=, MIN_FRAMES);
	g_assert_cmpuint(seen.whole, ==, seen.frames);

	producer_kill(&stack);
	g_assert_true(wait_until(saw_close, &seen, WAIT_MS));
	g_assert_nonnull(strstr(seen.closed, "stopped"));
	wait_until(never, &seen, QUIET_MS);
	g_assert_cmpuint(seen.n_closed, ==, 1);
	g_assert_cmpuint(seen.after_close, ==, 0);
	capture_destroy(capture);
out:
	g_free(seen.closed);
	stack_stop(&stack);
}

static void test_live_bgrx(void)
{
	live("BGRx", XR24);
}

static void test_live_rgbx(void)
{
	live("RGBx", XB24);
}

/* A node id that is not there: `closed`, not a capture of whatever else is linked; and
 * the source destroyed from inside that callback. */
static void test_no_node(void)
{
	g_autoptr(GError) error = NULL;
	struct stack stack;
	struct seen seen = {0};

	if (!stack_start(&stack))
		goto out;
	seen.destroy_on_close = capture_pw_new(-1, NO_SUCH_NODE, NULL, &listener, &seen, &error);
	g_assert_no_error(error);
	g_assert_true(wait_until(saw_close, &seen, WAIT_MS));
	g_assert_nonnull(strstr(seen.closed, "no PipeWire node"));
	g_assert_null(seen.destroy_on_close);
	wait_until(never, &seen, QUIET_MS);
	g_assert_cmpuint(seen.frames, ==, 0);
	g_assert_cmpuint(seen.n_closed, ==, 1);
out:
	g_free(seen.closed);
	stack_stop(&stack);
}

/* The daemon itself goes away (the portal's fd closes the same way). */
static void test_daemon_gone(void)
{
	g_autoptr(GError) error = NULL;
	struct stack stack;
	struct seen seen = {.format = XR24};
	struct capture *capture;
	uint32_t node;

	if (!stack_start(&stack))
		goto out;
	node = producer_start(&stack, "BGRx", "smpte");
	if (node == SPA_ID_INVALID)
		goto out;
	capture = capture_pw_new(-1, node, NULL, &listener, &seen, &error);
	g_assert_no_error(error);
	g_assert_true(wait_until(saw_frame, &seen, WAIT_MS));
	g_subprocess_send_signal(stack.pipewire, SIGKILL);
	g_assert_true(wait_until(saw_close, &seen, WAIT_MS));
	g_assert_nonnull(strstr(seen.closed, "PipeWire"));
	wait_until(never, &seen, QUIET_MS);
	g_assert_cmpuint(seen.n_closed, ==, 1);
	g_assert_cmpuint(seen.after_close, ==, 0);
	capture_destroy(capture);
out:
	g_free(seen.closed);
	stack_stop(&stack);
}

/* No daemon at all: an error at once, naming PipeWire. */
static void test_no_daemon(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("wayrtc-pw-XXXXXX", NULL);
	struct seen seen = {0};

	g_assert_nonnull(dir);
	g_setenv("XDG_RUNTIME_DIR", dir, TRUE);
	g_setenv("PIPEWIRE_RUNTIME_DIR", dir, TRUE);
	g_unsetenv("PIPEWIRE_REMOTE");
	g_assert_null(capture_pw_new(-1, 42, NULL, &listener, &seen, &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "PipeWire"));
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	pw_init(&argc, &argv);
	g_test_add_func("/capture-pw/formats", test_formats);
	g_test_add_func("/capture-pw/offer", test_offer);
	g_test_add_func("/capture-pw/no-daemon", test_no_daemon);
	g_test_add_func("/capture-pw/live-bgrx", test_live_bgrx);
	g_test_add_func("/capture-pw/live-rgbx", test_live_rgbx);
	g_test_add_func("/capture-pw/no-node", test_no_node);
	g_test_add_func("/capture-pw/daemon-gone", test_daemon_gone);
	return g_test_run();
}
