/* The PipeWire capture source. The format table and the DMA-BUF offer rule are pure and
 * tested as such (no GPU here: DMA-BUF cannot run). Then shared memory for real: the test
 * brings up its own D-Bus session bus, pipewire and wireplumber in a temporary runtime
 * dir, and captures a GStreamer producer (videotestsrc ! pipewiresink) for pixels, rate
 * and endings, and a producer of its own (a pw_stream in this process, one buffer per
 * cycle it triggers) for what pipewiresink never sends: damage and cursor metadata,
 * empty and corrupted buffers, several buffers at once, a new size. */
#include <errno.h>
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/format-utils.h>

#include "util/log.h"
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

/* Set once, before any thread exists (setenv is not thread-safe): XDG_RUNTIME_DIR and
 * PIPEWIRE_RUNTIME_DIR point into it, for each test's daemons and for us. */
static char *test_dir;

struct stack {
	char *dir; /* logs */
	char *bus;
	GPid dbus_pid;
	GSubprocess *pipewire;
	GSubprocess *wireplumber;
	GSubprocess *producer;
};

static const char *const programs[] = {"dbus-daemon", "pipewire", "wireplumber", "gst-launch-1.0"};

/* A failed assertion aborts before stack_stop: the daemons must not outlive us. */
static void die_with_parent(void *data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *spawn_logged(struct stack *s, const char *log, GError **error,
                                 const char *const *argv)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autofree char *path = g_build_filename(s->dir, log, NULL);

	g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);

	if (s->bus)
		g_subprocess_launcher_setenv(l, "DBUS_SESSION_BUS_ADDRESS", s->bus, TRUE);
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
	if (s->dir && g_test_failed())
		g_test_message("logs kept in %s", s->dir);
	g_free(s->dir);
	g_free(s->bus);
	*s = (struct stack){0};
}

/* A private session bus, pipewire and wireplumber on it, in a runtime dir of our own, so
 * the PipeWire of anyone else on this machine is never touched. */
/* True once $PIPEWIRE_RUNTIME_DIR/pipewire-0 takes a connection. */
static bool wait_listening(unsigned timeout_ms)
{
	g_autofree char *path =
	        g_build_filename(g_getenv("PIPEWIRE_RUNTIME_DIR"), "pipewire-0", NULL);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int64_t deadline = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;

	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	while (g_get_monotonic_time() < deadline) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;

		if (fd >= 0)
			close(fd);
		if (ok)
			return true;
		g_usleep(10 * 1000);
	}
	return false;
}

static bool stack_start(struct stack *s)
{
	g_autoptr(GError) error = NULL;
	static unsigned stacks;
	g_autofree char *out = NULL;
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
	s->dir = g_strdup_printf("%s/logs-%u", test_dir, ++stacks);
	g_assert_cmpint(g_mkdir(s->dir, 0700), ==, 0);
	g_spawn_sync(NULL, (char **)dbus_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
	             &status, &error);
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	lines = g_strsplit(out, "\n", 3);
	g_assert_cmpuint(g_strv_length(lines), >=, 2);
	s->dbus_pid = (GPid)g_ascii_strtoll(lines[1], NULL, 10);
	g_assert_cmpint(s->dbus_pid, >, 0);
	s->bus = g_strdup(lines[0]);

	s->pipewire = spawn_logged(s, "pipewire.log", &error, pw_argv);
	g_assert_no_error(error);
	/* WirePlumber gives up at once when PipeWire is not listening yet (seen on a loaded
	 * machine): start it only once the socket answers */
	if (!wait_listening(WAIT_MS)) {
		g_test_fail_printf("pipewire did not start listening (logs in %s)", s->dir);
		return false;
	}
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

/* ---- a producer of our own, for what pipewiresink never sends: damage and cursor
 * metadata, empty and corrupted buffers, several buffers at once, a new size ---- */

#define OWN_NAME    "wayrtc-test-own"
#define OWN_BUFFERS 8
#define CURSOR_SIDE 4
#define CURSOR_META                                                                                \
	(sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) +                         \
	 CURSOR_SIDE * CURSOR_SIDE * PIXEL_BYTES)
/* What mutter 43 offers, fixed: room for a 384x384 image. The consumer must accept it
 * (once it asked for at most 256 px, PipeWire found no overlap and dropped the metadata). */
#define OFFERED_CURSOR_META 589872
#define STEP_RECTS          4
#define CYCLE_MS            20
/* The last buffer sent is in the consumer's queue within microseconds; this is margin for
 * a loaded machine and the sanitizers. */
#define SETTLE_MS 100
#define GREEN     0x40
#define RED       0x80
#define MARK      0xee

enum step_kind {
	STEP_FRAME,
	STEP_EMPTY,           /* chunk size 0: nothing changed */
	STEP_CORRUPTED,       /* SPA_META_HEADER_FLAG_CORRUPTED */
	STEP_CHUNK_CORRUPTED, /* SPA_CHUNK_FLAG_CORRUPTED */
};

enum step_cursor {
	CURSOR_NONE,   /* id 0: no news about the pointer */
	CURSOR_MOVED,  /* a position, the image unchanged */
	CURSOR_IMAGE,  /* a position and a new image */
	CURSOR_HIDDEN, /* a bitmap without image data */
};

/* One buffer the producer sends. */
struct step {
	enum step_kind kind;
	uint8_t value;  /* every pixel's blue byte, to tell frames apart */
	size_t n_rects; /* damage regions; 0: an empty list */
	struct spa_region rects[STEP_RECTS];
	enum step_cursor cursor;
	int32_t cursor_x, cursor_y;
	uint32_t transform; /* SPA_META_VideoTransform: what the producer applied */
	bool mark;          /* the buffer's top-left pixel gets the blue byte MARK */
};

struct producer {
	struct pw_thread_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct pw_stream *stream;
	struct spa_hook listener;
	bool damage_meta; /* offers SPA_META_VideoDamage; fixed before the stream connects */
	/* Buffers are filled on the context's data thread (PW_STREAM_FLAG_RT_PROCESS), which
	 * never takes the thread loop's lock, so what it reads has a lock of its own. */
	GMutex lock;
	GQueue steps;
	unsigned sent;
	uint32_t width, height; /* as negotiated */
};

static const struct spa_pod *own_format(struct spa_pod_builder *b, uint32_t w, uint32_t h)
{
	return spa_pod_builder_add_object(
	        b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat, SPA_FORMAT_mediaType,
	        SPA_POD_Id(SPA_MEDIA_TYPE_video), SPA_FORMAT_mediaSubtype,
	        SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), SPA_FORMAT_VIDEO_format,
	        SPA_POD_Id(SPA_VIDEO_FORMAT_BGRx), SPA_FORMAT_VIDEO_size,
	        SPA_POD_Rectangle(&SPA_RECTANGLE(w, h)), SPA_FORMAT_VIDEO_framerate,
	        SPA_POD_Fraction(&SPA_FRACTION(0, 1)));
}

/* On the thread loop. */
static void producer_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct producer *p = data;
	uint8_t buf[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *params[5];
	struct spa_video_info_raw info = {0};
	uint32_t n = 0;

	if (id != SPA_PARAM_Format || !param)
		return;
	if (spa_format_video_raw_parse(param, &info) < 0)
		g_error("the producer got a format it cannot parse");
	params[n++] = spa_pod_builder_add_object(
	        &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers,
	        SPA_POD_CHOICE_RANGE_Int(OWN_BUFFERS, 2, OWN_BUFFERS), SPA_PARAM_BUFFERS_blocks,
	        SPA_POD_Int(1), SPA_PARAM_BUFFERS_size,
	        SPA_POD_Int(info.size.width * info.size.height * PIXEL_BYTES),
	        SPA_PARAM_BUFFERS_stride, SPA_POD_Int(info.size.width * PIXEL_BYTES),
	        SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(1 << SPA_DATA_MemFd));
	params[n++] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
	                                         SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
	                                         SPA_PARAM_META_size,
	                                         SPA_POD_Int(sizeof(struct spa_meta_header)));
	if (p->damage_meta)
		params[n++] = spa_pod_builder_add_object(
		        &b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		        SPA_POD_Id(SPA_META_VideoDamage), SPA_PARAM_META_size,
		        SPA_POD_Int(sizeof(struct spa_meta_region) * STEP_RECTS));
	params[n++] = spa_pod_builder_add_object(
	        &b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
	        SPA_POD_Id(SPA_META_Cursor), SPA_PARAM_META_size, SPA_POD_Int(OFFERED_CURSOR_META));
	/* as xdg-desktop-portal-wlr does for a turned output */
	params[n++] = spa_pod_builder_add_object(
	        &b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
	        SPA_POD_Id(SPA_META_VideoTransform), SPA_PARAM_META_size,
	        SPA_POD_Int(sizeof(struct spa_meta_videotransform)));
	g_mutex_lock(&p->lock);
	p->width = info.size.width;
	p->height = info.size.height;
	g_mutex_unlock(&p->lock);
	pw_stream_update_params(p->stream, params, n);
}

static uint8_t cursor_byte(size_t i)
{
	return (uint8_t)(0x10 + i);
}

static void fill_cursor(struct spa_buffer *buf, const struct step *st)
{
	struct spa_meta *m = spa_buffer_find_meta(buf, SPA_META_Cursor);
	struct spa_meta_cursor *mc;
	struct spa_meta_bitmap *bm;
	uint8_t *bits;

	/* the consumer asks for cursor metadata only when it has a cursor callback */
	if (!m || m->size < CURSOR_META)
		return;
	mc = m->data;
	memset(mc, 0, m->size); /* buffers come back with what they carried before */
	if (st->cursor == CURSOR_NONE)
		return;
	mc->id = 1;
	mc->position = (struct spa_point){st->cursor_x, st->cursor_y};
	/* as mutter does: a hotspot of 0,0 in buffers that carry only a position */
	if (st->cursor == CURSOR_MOVED)
		return;
	mc->hotspot = (struct spa_point){2, 3};
	mc->bitmap_offset = sizeof(*mc);
	bm = SPA_PTROFF(mc, mc->bitmap_offset, struct spa_meta_bitmap);
	bm->format = SPA_VIDEO_FORMAT_BGRA;
	if (st->cursor == CURSOR_HIDDEN)
		return; /* offset 0: no image, the pointer is invisible */
	bm->size = (struct spa_rectangle){CURSOR_SIDE, CURSOR_SIDE};
	bm->stride = CURSOR_SIDE * PIXEL_BYTES;
	bm->offset = sizeof(*bm);
	bits = SPA_PTROFF(bm, bm->offset, uint8_t);
	for (size_t i = 0; i < CURSOR_SIDE * CURSOR_SIDE * PIXEL_BYTES; i++)
		bits[i] = cursor_byte(i);
}

static void fill(struct spa_buffer *buf, const struct step *st, uint32_t w, uint32_t h)
{
	struct spa_data *d = &buf->datas[0];
	struct spa_meta_header *hdr = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*hdr));
	struct spa_meta *dm = spa_buffer_find_meta(buf, SPA_META_VideoDamage);
	struct spa_meta_videotransform *vt =
	        spa_buffer_find_meta_data(buf, SPA_META_VideoTransform, sizeof(*vt));
	size_t size = (size_t)w * h * PIXEL_BYTES;
	uint8_t *px = d->data;

	if (!px || d->maxsize < size || !hdr)
		g_error("the producer's buffer has no room or no header (%u bytes)", d->maxsize);
	for (size_t i = 0; i < (size_t)w * h; i++) {
		px[i * PIXEL_BYTES] = st->value;
		px[i * PIXEL_BYTES + 1] = GREEN;
		px[i * PIXEL_BYTES + 2] = RED;
		px[i * PIXEL_BYTES + 3] = 0xff;
	}
	if (st->mark)
		px[0] = MARK;
	if (vt)
		vt->transform = st->transform;
	else if (st->transform)
		g_error("the consumer did not ask for SPA_META_VideoTransform");
	d->chunk->offset = 0;
	d->chunk->stride = (int32_t)(w * PIXEL_BYTES);
	d->chunk->size = st->kind == STEP_EMPTY ? 0 : (uint32_t)size;
	d->chunk->flags = st->kind == STEP_CHUNK_CORRUPTED ? SPA_CHUNK_FLAG_CORRUPTED : 0;
	*hdr = (struct spa_meta_header){0};
	if (st->kind == STEP_CORRUPTED)
		hdr->flags = SPA_META_HEADER_FLAG_CORRUPTED;
	if (dm) {
		memset(dm->data, 0, dm->size); /* an empty region ends the list */
		memcpy(dm->data, st->rects,
		       MIN(st->n_rects * sizeof(struct spa_region), (size_t)dm->size));
	}
	fill_cursor(buf, st);
}

/* On the data thread, once per cycle the test triggers: the next step, if a buffer is
 * free. */
static void producer_process(void *data)
{
	struct producer *p = data;
	struct pw_buffer *b;
	struct step *st;

	g_mutex_lock(&p->lock);
	st = g_queue_peek_head(&p->steps);
	if (st && (b = pw_stream_dequeue_buffer(p->stream))) {
		fill(b->buffer, st, p->width, p->height);
		pw_stream_queue_buffer(p->stream, b);
		g_free(g_queue_pop_head(&p->steps));
		p->sent++;
	}
	g_mutex_unlock(&p->lock);
}

static const struct pw_stream_events producer_events = {
        PW_VERSION_STREAM_EVENTS,
        .param_changed = producer_param_changed,
        .process = producer_process,
};

/* A Video/Source node that sends a buffer only when the test says: it drives its graph,
 * and each pw_stream_trigger_process is one cycle. RT_PROCESS, because without it
 * trigger_process only schedules `process` on the thread loop and runs the cycle at once,
 * so the buffer queued there waits for the next trigger (the first attempt at this test
 * triggered once per step and never saw a frame). */
static struct producer *own_producer_start(bool damage_meta, uint32_t *node)
{
	struct producer *p = g_new0(struct producer, 1);
	uint8_t buf[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *format;
	int64_t end = g_get_monotonic_time() + WAIT_MS * 1000LL;

	p->damage_meta = damage_meta;
	g_mutex_init(&p->lock);
	g_queue_init(&p->steps);
	p->loop = pw_thread_loop_new("test-producer", NULL);
	p->context = pw_context_new(pw_thread_loop_get_loop(p->loop), NULL, 0);
	g_assert_cmpint(pw_thread_loop_start(p->loop), ==, 0);
	pw_thread_loop_lock(p->loop);
	p->core = pw_context_connect(p->context, NULL, 0);
	g_assert_nonnull(p->core);
	p->stream = pw_stream_new(p->core, OWN_NAME,
	                          pw_properties_new(PW_KEY_MEDIA_CLASS, "Video/Source",
	                                            PW_KEY_NODE_NAME, OWN_NAME, NULL));
	pw_stream_add_listener(p->stream, &p->listener, &producer_events, p);
	format = own_format(&b, SIZE_W, SIZE_H);
	g_assert_cmpint(pw_stream_connect(p->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
	                                  PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS |
	                                          PW_STREAM_FLAG_RT_PROCESS,
	                                  &format, 1),
	                ==, 0);
	while (pw_stream_get_node_id(p->stream) == SPA_ID_INVALID && g_get_monotonic_time() < end) {
		pw_thread_loop_unlock(p->loop);
		g_usleep(TICK_MS * 1000);
		pw_thread_loop_lock(p->loop);
	}
	*node = pw_stream_get_node_id(p->stream);
	pw_thread_loop_unlock(p->loop);
	return p;
}

/* The producer leaves, as a screen cast's producer does when it ends. */
static void own_producer_stop(struct producer *p)
{
	if (!p)
		return;
	pw_thread_loop_lock(p->loop);
	spa_hook_remove(&p->listener);
	pw_stream_destroy(p->stream);
	pw_core_disconnect(p->core);
	pw_thread_loop_unlock(p->loop);
	pw_thread_loop_stop(p->loop);
	pw_context_destroy(p->context);
	pw_thread_loop_destroy(p->loop);
	g_queue_clear_full(&p->steps, g_free);
	g_mutex_clear(&p->lock);
	g_free(p);
}

static void own_producer_push(struct producer *p, const struct step *st)
{
	g_mutex_lock(&p->lock);
	g_queue_push_tail(&p->steps, g_memdup2(st, sizeof(*st)));
	g_mutex_unlock(&p->lock);
}

static unsigned own_producer_sent(struct producer *p)
{
	unsigned sent;

	g_mutex_lock(&p->lock);
	sent = p->sent;
	g_mutex_unlock(&p->lock);
	return sent;
}

/* One cycle, when the producer drives a graph (that is, once it is linked). */
static bool own_producer_trigger(struct producer *p)
{
	bool driving;

	pw_thread_loop_lock(p->loop);
	driving = pw_stream_is_driving(p->stream);
	if (driving)
		pw_stream_trigger_process(p->stream);
	pw_thread_loop_unlock(p->loop);
	return driving;
}

/* The steps go out one cycle each, in order. The consumer's main context is not iterated
 * meanwhile, so everything sent waits in its stream for one wakeup. */
static void own_producer_send(struct producer *p, const struct step *steps, size_t n)
{
	int64_t end = g_get_monotonic_time() + WAIT_MS * 1000LL;

	for (size_t i = 0; i < n; i++) {
		unsigned want = own_producer_sent(p) + 1;

		own_producer_push(p, &steps[i]);
		/* a cycle without a free buffer sends nothing: trigger another */
		while (own_producer_sent(p) < want && g_get_monotonic_time() < end) {
			g_assert_true(own_producer_trigger(p));
			g_usleep(CYCLE_MS * 1000);
		}
		g_assert_cmpuint(own_producer_sent(p), ==, want);
	}
	g_usleep(SETTLE_MS * 1000);
}

static void own_producer_resize(struct producer *p, uint32_t w, uint32_t h)
{
	uint8_t buf[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *format = own_format(&b, w, h);
	int64_t end = g_get_monotonic_time() + WAIT_MS * 1000LL;
	bool done = false;

	/* as compositors do when an output changes mode: the link negotiates again */
	pw_thread_loop_lock(p->loop);
	g_assert_cmpint(pw_stream_update_params(p->stream, &format, 1), >=, 0);
	pw_thread_loop_unlock(p->loop);
	while (!done && g_get_monotonic_time() < end) {
		/* the consumer's side of the negotiation runs on the main context */
		g_main_context_iteration(NULL, FALSE);
		g_usleep(TICK_MS * 1000);
		g_mutex_lock(&p->lock);
		done = p->width == w && p->height == h;
		g_mutex_unlock(&p->lock);
	}
	g_assert_true(done);
}

/* What the consumer handed over, copied out of the callbacks. */
struct own_seen {
	unsigned frames;
	struct capture_frame first; /* since `frames` was last 0; data NULL */
	struct capture_frame last;
	uint8_t last_value; /* blue byte of the frame's first pixel */
	uint8_t top_right;  /* blue byte of its top-right pixel */
	bool bad;           /* a frame's pixels were not the producer's, or misplaced */
	char why[200];
	unsigned cursors;
	struct capture_cursor cursor; /* bitmap: non-NULL only as "there was one" */
	bool cursor_bitmap_ok;
	char *closed;
	unsigned n_closed;
	unsigned after_close;
};

static void own_frame(void *data, const struct capture_frame *f)
{
	struct own_seen *s = data;
	const uint8_t *first = f->data;
	const uint8_t *last;

	if (s->closed)
		s->after_close++;
	s->last = *f;
	s->last.data = NULL;
	if (s->frames++ == 0)
		s->first = s->last;
	if (!f->data || f->width == 0 || f->height == 0 || f->stride != f->width * PIXEL_BYTES ||
	    f->format != XR24 || f->y_invert) {
		s->bad = true;
		g_snprintf(s->why, sizeof(s->why), "frame %ux%u stride %u format %08x y_invert %d",
		           f->width, f->height, f->stride, f->format, f->y_invert);
		return;
	}
	/* the last pixel too: the frame's size and stride are the buffer's */
	last = f->data + (size_t)(f->height - 1) * f->stride + (size_t)(f->width - 1) * PIXEL_BYTES;
	s->last_value = first[0];
	s->top_right = first[(f->width - 1) * PIXEL_BYTES];
	if (first[1] != GREEN || first[2] != RED || last[0] != first[0] || last[1] != GREEN ||
	    last[2] != RED) {
		s->bad = true;
		g_snprintf(s->why, sizeof(s->why), "pixels %02x%02x%02x … %02x%02x%02x", first[2],
		           first[1], first[0], last[2], last[1], last[0]);
	}
}

static void own_closed(void *data, const char *reason)
{
	struct own_seen *s = data;

	s->n_closed++;
	g_free(s->closed);
	s->closed = g_strdup(reason);
}

static void own_cursor(void *data, const struct capture_cursor *cursor)
{
	struct own_seen *s = data;

	s->cursors++;
	s->cursor = *cursor;
	s->cursor.bitmap = NULL;
	if (!cursor->bitmap)
		return;
	s->cursor.bitmap = (const uint8_t *)1; /* never read */
	s->cursor_bitmap_ok = cursor->width == CURSOR_SIDE && cursor->height == CURSOR_SIDE &&
	                      cursor->stride == CURSOR_SIDE * PIXEL_BYTES && cursor->format == AR24;
	for (size_t i = 0; s->cursor_bitmap_ok && i < CURSOR_SIDE * CURSOR_SIDE * PIXEL_BYTES; i++)
		s->cursor_bitmap_ok = cursor->bitmap[i] == cursor_byte(i);
}

static const struct capture_listener own_listener = {
        .frame = own_frame, .closed = own_closed, .cursor = own_cursor};
static const struct capture_listener own_listener_no_cursor = {.frame = own_frame,
                                                               .closed = own_closed};

struct own {
	struct stack stack;
	struct producer *producer;
	struct capture *capture;
	struct own_seen seen;
};

static void iterate_for(int ms)
{
	int64_t end = g_get_monotonic_time() + ms * 1000LL;
	guint ticker = g_timeout_add(TICK_MS, tick, NULL);

	while (g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(ticker);
}

#define RECT(x, y, w, h) ((struct spa_region){{x, y}, {w, h}})

/* A buffer sent while the link is still being set up is lost: sends `st` until a frame
 * comes, the main context running in between (the consumer's side of the negotiation
 * runs there); then drops what is left of that. */
static void own_until_frame(struct own *o, const struct step *st)
{
	int64_t end = g_get_monotonic_time() + WAIT_MS * 1000LL;
	unsigned before = o->seen.frames;

	while (o->seen.frames == before && !o->seen.closed && g_get_monotonic_time() < end) {
		bool idle;

		iterate_for(CYCLE_MS);
		g_mutex_lock(&o->producer->lock);
		idle = g_queue_is_empty(&o->producer->steps);
		g_mutex_unlock(&o->producer->lock);
		if (o->seen.frames == before && idle)
			own_producer_push(o->producer, st);
		own_producer_trigger(o->producer);
	}
	g_assert_null(o->seen.closed);
	g_assert_cmpuint(o->seen.frames, >, before);
	if (o->seen.bad)
		g_error("%s", o->seen.why);
	g_assert_cmpuint(o->seen.last_value, ==, st->value);
	g_mutex_lock(&o->producer->lock);
	g_queue_clear_full(&o->producer->steps, g_free);
	g_mutex_unlock(&o->producer->lock);
	g_usleep(SETTLE_MS * 1000);
	iterate_for(QUIET_MS);
}

/* The stack, our producer and the source under test, linked and streaming: the first
 * frame has arrived, and it came whole although the producer said only a pixel changed
 * (the first frame of a format is new everywhere). Then the counts start from zero. */
static bool own_start(struct own *o, bool damage_meta, const struct capture_listener *l)
{
	g_autoptr(GError) error = NULL;
	const struct step first = {.value = 1, .n_rects = 1, .rects = {RECT(0, 0, 1, 1)}};
	uint32_t node;

	*o = (struct own){0};
	if (!stack_start(&o->stack))
		return false;
	o->producer = own_producer_start(damage_meta, &node);
	g_assert_cmpuint(node, !=, SPA_ID_INVALID);
	o->capture = capture_pw_new(-1, node, NULL, l, &o->seen, &error);
	g_assert_no_error(error);
	g_assert_nonnull(o->capture);
	own_until_frame(o, &first);
	g_assert_cmpuint(o->seen.first.n_damage, ==, 0);
	g_assert_cmpuint(o->seen.first.width, ==, SIZE_W);
	g_assert_cmpuint(o->seen.first.height, ==, SIZE_H);
	o->seen.frames = 0;
	o->seen.cursors = 0;
	return true;
}

static void own_stop(struct own *o)
{
	capture_destroy(o->capture);
	own_producer_stop(o->producer);
	g_free(o->seen.closed);
	stack_stop(&o->stack);
}

/* Sends `steps`, then lets the consumer run: exactly `frames` frames come of them (none
 * later), and the newest has the blue byte `value`. */
static void own_expect(struct own *o, const struct step *steps, size_t n, unsigned frames,
                       uint8_t value)
{
	unsigned before = o->seen.frames;
	int64_t end = g_get_monotonic_time() + WAIT_MS * 1000LL;
	guint ticker;

	own_producer_send(o->producer, steps, n);
	ticker = g_timeout_add(TICK_MS, tick, NULL);
	while (o->seen.frames - before < frames && !o->seen.closed && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(ticker);
	iterate_for(QUIET_MS);
	g_assert_null(o->seen.closed);
	if (o->seen.bad)
		g_error("%s", o->seen.why);
	g_assert_cmpuint(o->seen.frames - before, ==, frames);
	if (frames)
		g_assert_cmpuint(o->seen.last_value, ==, value);
}

static void assert_rect(const struct capture_rect *r, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	g_assert_cmpint(r->x, ==, x);
	g_assert_cmpint(r->y, ==, y);
	g_assert_cmpuint(r->width, ==, w);
	g_assert_cmpuint(r->height, ==, h);
}

/* The producer's damage regions arrive as rectangles, clipped to the frame; an empty list
 * means "somewhere": the whole frame; a buffer of size 0 changed nothing, so it is no
 * frame and does not widen the next one's damage. */
static void test_own_damage(void)
{
	struct own o;
	struct capture_frame *f = &o.seen.last;

	if (!own_start(&o, true, &own_listener))
		goto out;
	own_expect(&o,
	           &(struct step){.value = 2,
	                          .n_rects = 4,
	                          .rects = {RECT(100, 50, 10, 10), RECT(300, 230, 100, 100),
	                                    RECT(-5, -5, 10, 20), RECT(SIZE_W, 10, 5, 5)}},
	           1, 1, 2);
	g_assert_cmpuint(f->n_damage, ==, 3); /* the last lies wholly outside */
	assert_rect(&f->damage[0], 100, 50, 10, 10);
	assert_rect(&f->damage[1], 300, 230, SIZE_W - 300, SIZE_H - 230);
	assert_rect(&f->damage[2], 0, 0, 5, 15);

	own_expect(&o, &(struct step){.value = 3}, 1, 1, 3);
	g_assert_cmpuint(f->n_damage, ==, 0);

	own_expect(&o, &(struct step){.kind = STEP_EMPTY, .value = 4}, 1, 0, 0);
	own_expect(&o, &(struct step){.value = 5, .n_rects = 1, .rects = {RECT(1, 1, 2, 2)}}, 1, 1,
	           5);
	g_assert_cmpuint(f->n_damage, ==, 1);
	assert_rect(&f->damage[0], 1, 1, 2, 2);
	g_assert_true(capture_frame_changed(f));
out:
	own_stop(&o);
}

/* A producer that sends no damage metadata: every frame is whole; and a listener without
 * a cursor callback is fine. */
static void test_own_no_damage_meta(void)
{
	struct own o;

	if (!own_start(&o, false, &own_listener_no_cursor))
		goto out;
	for (uint8_t v = 2; v < 5; v++) {
		own_expect(&o,
		           &(struct step){.value = v,
		                          .n_rects = 1,
		                          .rects = {RECT(1, 1, 2, 2)},
		                          .cursor = CURSOR_IMAGE},
		           1, 1, v);
		g_assert_cmpuint(o.seen.last.n_damage, ==, 0);
	}
	g_assert_cmpuint(o.seen.cursors, ==, 0);
out:
	own_stop(&o);
}

/* Buffers that piled up while the main loop was busy: only the newest is handed over,
 * with the damage of every one it replaced; past CAPTURE_MAX_DAMAGE rectangles the rest
 * merge into the last; one without a region makes it whole; a buffer skipped after the
 * one handed over makes the next frame whole. */
static void test_own_newest(void)
{
	struct own o;
	struct capture_frame *f = &o.seen.last;
	struct step many[5];

	if (!own_start(&o, true, &own_listener))
		goto out;
	own_expect(&o,
	           (struct step[]){
	                   {.value = 10, .n_rects = 1, .rects = {RECT(0, 0, 1, 1)}},
	                   {.value = 11, .n_rects = 1, .rects = {RECT(10, 0, 1, 1)}},
	                   {.value = 12, .n_rects = 1, .rects = {RECT(20, 0, 1, 1)}},
	           },
	           3, 1, 12);
	g_assert_cmpuint(f->n_damage, ==, 3);
	assert_rect(&f->damage[0], 0, 0, 1, 1);
	assert_rect(&f->damage[1], 10, 0, 1, 1);
	assert_rect(&f->damage[2], 20, 0, 1, 1);

	/* an empty buffer after the newest changes nothing */
	own_expect(&o,
	           (struct step[]){
	                   {.value = 13, .n_rects = 1, .rects = {RECT(5, 5, 1, 1)}},
	                   {.kind = STEP_EMPTY, .value = 14},
	           },
	           2, 1, 13);
	g_assert_cmpuint(f->n_damage, ==, 1);
	assert_rect(&f->damage[0], 5, 5, 1, 1);

	/* a dropped one that says nothing about where */
	own_expect(&o,
	           (struct step[]){
	                   {.value = 15},
	                   {.value = 16, .n_rects = 1, .rects = {RECT(5, 5, 1, 1)}},
	           },
	           2, 1, 16);
	g_assert_cmpuint(f->n_damage, ==, 0);

	/* 5 × 4 rectangles, x = 0, 10, … 190: 15 kept, the last 5 merged into one */
	for (size_t i = 0; i < G_N_ELEMENTS(many); i++) {
		many[i] = (struct step){.value = (uint8_t)(20 + i), .n_rects = STEP_RECTS};
		for (size_t j = 0; j < STEP_RECTS; j++)
			many[i].rects[j] = RECT((int32_t)(10 * (STEP_RECTS * i + j)), 100, 2, 2);
	}
	own_expect(&o, many, G_N_ELEMENTS(many), 1, 24);
	g_assert_cmpuint(f->n_damage, ==, CAPTURE_MAX_DAMAGE);
	for (size_t i = 0; i < CAPTURE_MAX_DAMAGE - 1; i++)
		assert_rect(&f->damage[i], (int32_t)(10 * i), 100, 2, 2);
	assert_rect(&f->damage[CAPTURE_MAX_DAMAGE - 1], 150, 100, 42, 2);

	/* the corrupted buffer came after the one handed over: that one's damage is exact,
	 * and what the corrupted one changed is unknown, so the next frame is whole */
	own_expect(&o,
	           (struct step[]){
	                   {.value = 30, .n_rects = 1, .rects = {RECT(0, 0, 1, 1)}},
	                   {.kind = STEP_CORRUPTED,
	                    .value = 31,
	                    .n_rects = 1,
	                    .rects = {RECT(50, 50, 1, 1)}},
	           },
	           2, 1, 30);
	g_assert_cmpuint(f->n_damage, ==, 1);
	assert_rect(&f->damage[0], 0, 0, 1, 1);
	own_expect(&o, &(struct step){.value = 32, .n_rects = 1, .rects = {RECT(2, 2, 1, 1)}}, 1, 1,
	           32);
	g_assert_cmpuint(f->n_damage, ==, 0);
out:
	own_stop(&o);
}

/* Corrupted buffers (in the header or the chunk) are skipped, and the frame after one is
 * whole, since what it changed is unknown; after that, damage as sent again. */
static void test_own_corrupted(void)
{
	const enum step_kind kinds[] = {STEP_CORRUPTED, STEP_CHUNK_CORRUPTED};
	struct own o;
	struct capture_frame *f = &o.seen.last;

	if (!own_start(&o, true, &own_listener))
		goto out;
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		uint8_t v = (uint8_t)(10 * (i + 1));

		own_expect(&o,
		           &(struct step){.kind = kinds[i],
		                          .value = v,
		                          .n_rects = 1,
		                          .rects = {RECT(0, 0, 5, 5)}},
		           1, 0, 0);
		own_expect(
		        &o,
		        &(struct step){.value = v + 1, .n_rects = 1, .rects = {RECT(1, 1, 2, 2)}},
		        1, 1, v + 1);
		g_assert_cmpuint(f->n_damage, ==, 0);
		own_expect(
		        &o,
		        &(struct step){.value = v + 2, .n_rects = 1, .rects = {RECT(3, 3, 1, 1)}},
		        1, 1, v + 2);
		g_assert_cmpuint(f->n_damage, ==, 1);
		assert_rect(&f->damage[0], 3, 3, 1, 1);
	}
out:
	own_stop(&o);
}

/* Cursor metadata reaches the cursor callback: position, hotspot and image; a move alone
 * (also in a buffer where nothing else changed) without an image; hidden, by a bitmap
 * without image data or by id 0; a position outside the frame as it is. */
static void test_own_cursor(void)
{
	struct own o;
	struct capture_cursor *c = &o.seen.cursor;

	if (!own_start(&o, true, &own_listener))
		goto out;
	own_expect(
	        &o,
	        &(struct step){.value = 2, .cursor = CURSOR_IMAGE, .cursor_x = 50, .cursor_y = 60},
	        1, 1, 2);
	g_assert_cmpuint(o.seen.cursors, ==, 1);
	g_assert_false(c->hidden);
	g_assert_cmpint(c->x, ==, 50);
	g_assert_cmpint(c->y, ==, 60);
	g_assert_cmpint(c->hotspot_x, ==, 2);
	g_assert_cmpint(c->hotspot_y, ==, 3);
	g_assert_nonnull(c->bitmap);
	g_assert_true(o.seen.cursor_bitmap_ok);

	/* id 0 is what mutter and KWin write while the pointer is outside the shared area:
	 * hidden, said once however many buffers carry it */
	own_expect(&o, &(struct step){.value = 3, .cursor = CURSOR_NONE}, 1, 1, 3);
	g_assert_cmpuint(o.seen.cursors, ==, 2);
	g_assert_true(c->hidden);
	g_assert_null(c->bitmap);
	own_expect(&o, &(struct step){.value = 4, .cursor = CURSOR_NONE}, 1, 1, 4);
	g_assert_cmpuint(o.seen.cursors, ==, 2);

	own_expect(
	        &o,
	        &(struct step){
	                .kind = STEP_EMPTY, .cursor = CURSOR_MOVED, .cursor_x = 70, .cursor_y = 80},
	        1, 0, 0);
	g_assert_cmpuint(o.seen.cursors, ==, 3);
	g_assert_false(c->hidden);
	g_assert_cmpint(c->x, ==, 70);
	g_assert_cmpint(c->y, ==, 80);
	g_assert_cmpint(c->hotspot_x, ==, 2);
	g_assert_null(c->bitmap);

	own_expect(
	        &o,
	        &(struct step){.value = 5, .cursor = CURSOR_HIDDEN, .cursor_x = 1, .cursor_y = 1},
	        1, 1, 5);
	g_assert_cmpuint(o.seen.cursors, ==, 4);
	g_assert_true(c->hidden);
	g_assert_null(c->bitmap);

	own_expect(
	        &o,
	        &(struct step){
	                .value = 6, .cursor = CURSOR_IMAGE, .cursor_x = -3, .cursor_y = SIZE_H + 7},
	        1, 1, 6);
	g_assert_cmpuint(o.seen.cursors, ==, 5);
	g_assert_false(c->hidden);
	g_assert_cmpint(c->x, ==, -3);
	g_assert_cmpint(c->y, ==, SIZE_H + 7);
	g_assert_true(o.seen.cursor_bitmap_ok);
out:
	own_stop(&o);
}

/* The producer changes size (an output's new mode): the stream negotiates again, and the
 * frames come at the new size, the first whole, damage clipped to the new size. */
static void test_own_resize(void)
{
	static const struct {
		uint32_t w, h;
	} sizes[] = {{640, 360}, {160, 120}};
	struct own o;
	struct capture_frame *f = &o.seen.last;

	if (!own_start(&o, true, &own_listener))
		goto out;
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		uint32_t w = sizes[i].w, h = sizes[i].h;
		uint8_t v = (uint8_t)(10 * (i + 1));

		own_producer_resize(o.producer, w, h);
		own_until_frame(
		        &o, &(struct step){.value = v, .n_rects = 1, .rects = {RECT(1, 1, 1, 1)}});
		g_assert_cmpuint(o.seen.first.width, ==, w);
		g_assert_cmpuint(o.seen.first.height, ==, h);
		g_assert_cmpuint(o.seen.first.n_damage, ==, 0);
		g_assert_cmpuint(f->width, ==, w);
		own_expect(
		        &o,
		        &(struct step){.value = v + 1,
		                       .n_rects = 1,
		                       .rects = {RECT((int32_t)w - 10, (int32_t)h - 20, 100, 100)}},
		        1, 1, v + 1);
		g_assert_cmpuint(f->width, ==, w);
		g_assert_cmpuint(f->n_damage, ==, 1);
		assert_rect(&f->damage[0], (int32_t)w - 10, (int32_t)h - 20, 10, 20);
		o.seen.frames = 0;
	}
out:
	own_stop(&o);
}

/* A producer that turned its picture (SPA_META_VideoTransform 90, as xdg-desktop-portal-wlr
 * says for a turned output): the frames come upright, the producer's top-left pixel at the
 * top right, the damage and the pointer turned with them; back to normal, as they were. */
static void test_own_transform(void)
{
	const struct step turned = {.value = 7,
	                            .transform = SPA_META_TRANSFORMATION_90,
	                            .mark = true,
	                            .n_rects = 1,
	                            .rects = {RECT(0, 0, 1, 1)}};
	struct step moved = turned;
	struct own o;
	struct capture_frame *f = &o.seen.last;

	if (!own_start(&o, true, &own_listener))
		goto out;
	own_expect(&o, &turned, 1, 1, 7);
	g_assert_cmpuint(f->width, ==, SIZE_H);
	g_assert_cmpuint(f->height, ==, SIZE_W);
	g_assert_cmpuint(f->n_damage, ==, 0); /* a new transform: all of it */
	g_assert_cmphex(o.seen.top_right, ==, MARK);
	/* only the marked pixel said changed: the frame's first pixel stays 7 */
	moved.value = 8;
	moved.cursor = CURSOR_MOVED;
	moved.cursor_x = 10;
	moved.cursor_y = 20;
	own_expect(&o, &moved, 1, 1, 7);
	g_assert_cmpuint(f->n_damage, ==, 1);
	assert_rect(&f->damage[0], SIZE_H - 1, 0, 1, 1);
	g_assert_cmpint(o.seen.cursor.x, ==, SIZE_H - 1 - 20);
	g_assert_cmpint(o.seen.cursor.y, ==, 10);
	own_expect(&o, &(struct step){.value = 9, .n_rects = 1, .rects = {RECT(0, 0, 1, 1)}}, 1, 1,
	           9);
	g_assert_cmpuint(f->width, ==, SIZE_W);
	g_assert_cmpuint(f->height, ==, SIZE_H);
	g_assert_cmpuint(f->n_damage, ==, 0);
out:
	own_stop(&o);
}

/* The producer goes away: `closed` once, saying the screen cast stopped, nothing after. */
static void test_own_producer_gone(void)
{
	struct own o;
	int64_t end;

	if (!own_start(&o, true, &own_listener))
		goto out;
	own_producer_stop(o.producer);
	o.producer = NULL;
	end = g_get_monotonic_time() + WAIT_MS * 1000LL;
	while (!o.seen.closed && g_get_monotonic_time() < end)
		iterate_for(TICK_MS);
	g_assert_nonnull(o.seen.closed);
	g_test_message("closed: %s", o.seen.closed);
	g_assert_nonnull(strstr(o.seen.closed, "stopped"));
	iterate_for(QUIET_MS);
	g_assert_cmpuint(o.seen.n_closed, ==, 1);
	g_assert_cmpuint(o.seen.frames, ==, 0);
	g_assert_cmpuint(o.seen.after_close, ==, 0);
out:
	own_stop(&o);
}

/* No daemon at all: an error at once, naming PipeWire. */
static void test_no_daemon(void)
{
	g_autoptr(GError) error = NULL;
	struct seen seen = {0};

	/* runs before any stack: nothing listens in our runtime dir yet */
	g_assert_null(capture_pw_new(-1, 42, NULL, &listener, &seen, &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "PipeWire"));
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *run = NULL;
	g_autofree char *cmd = NULL;
	int res;

	g_test_init(&argc, &argv, NULL);
	log_init(LOG_WARN); /* $WAYRTC_LOG overrides */
	test_dir = g_dir_make_tmp("wayrtc-pw-XXXXXX", &error);
	g_assert_no_error(error);
	run = g_build_filename(test_dir, "run", NULL);
	g_assert_cmpint(g_mkdir(run, 0700), ==, 0);
	g_setenv("XDG_RUNTIME_DIR", run, TRUE);
	g_setenv("PIPEWIRE_RUNTIME_DIR", run, TRUE);
	/* nothing of a real user's configuration or saved state leaks in */
	g_setenv("XDG_CONFIG_HOME", test_dir, TRUE);
	g_setenv("XDG_STATE_HOME", test_dir, TRUE);
	g_unsetenv("PIPEWIRE_REMOTE");
	g_unsetenv("PIPEWIRE_CORE");
	pw_init(&argc, &argv);
	g_test_add_func("/capture-pw/formats", test_formats);
	g_test_add_func("/capture-pw/offer", test_offer);
	g_test_add_func("/capture-pw/no-daemon", test_no_daemon);
	g_test_add_func("/capture-pw/live-bgrx", test_live_bgrx);
	g_test_add_func("/capture-pw/live-rgbx", test_live_rgbx);
	g_test_add_func("/capture-pw/own/damage", test_own_damage);
	g_test_add_func("/capture-pw/own/no-damage-meta", test_own_no_damage_meta);
	g_test_add_func("/capture-pw/own/newest", test_own_newest);
	g_test_add_func("/capture-pw/own/corrupted", test_own_corrupted);
	g_test_add_func("/capture-pw/own/cursor", test_own_cursor);
	g_test_add_func("/capture-pw/own/resize", test_own_resize);
	g_test_add_func("/capture-pw/own/transform", test_own_transform);
	g_test_add_func("/capture-pw/own/producer-gone", test_own_producer_gone);
	g_test_add_func("/capture-pw/no-node", test_no_node);
	g_test_add_func("/capture-pw/daemon-gone", test_daemon_gone);
	res = g_test_run();
	if (res != 0) {
		g_printerr("# logs kept in %s\n", test_dir);
	} else {
		cmd = g_strdup_printf("rm -rf '%s'", test_dir);
		g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL);
	}
	g_free(test_dir);
	return res;
}
