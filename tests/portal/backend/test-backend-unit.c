/* The backend's decisions without a desktop: which restore data is ours, where the chooser
 * comes from (and that none configured means no), how a chooser's answer is read, and the
 * cursor metadata a consumer reads in each buffer. */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "chooser.h"
#include "cursor_meta.h"
#include "portal.h"

#define DRM_FORMAT_ARGB8888 0x34325241
#define DRM_FORMAT_XBGR8888 0x34324258

static void test_restore_data(void)
{
	g_autoptr(GVariant) ours = g_variant_ref_sink(
	        g_variant_new("(suv)", "wayrtc", 1, g_variant_new_string("HEADLESS-1")));
	g_autoptr(GVariant) vendor = g_variant_ref_sink(
	        g_variant_new("(suv)", "wlroots", 1, g_variant_new_string("HEADLESS-1")));
	g_autoptr(GVariant) version = g_variant_ref_sink(
	        g_variant_new("(suv)", "wayrtc", 2, g_variant_new_string("HEADLESS-1")));
	g_autoptr(GVariant) type =
	        g_variant_ref_sink(g_variant_new("(suv)", "wayrtc", 1, g_variant_new_uint32(1)));
	g_autoptr(GVariant) shape = g_variant_ref_sink(g_variant_new_string("HEADLESS-1"));
	g_autofree char *name = portal_restore_output(ours);

	g_assert_cmpstr(name, ==, "HEADLESS-1");
	g_assert_null(portal_restore_output(vendor));
	g_assert_null(portal_restore_output(version));
	g_assert_null(portal_restore_output(type));
	g_assert_null(portal_restore_output(shape));
	g_assert_null(portal_restore_output(NULL));
}

struct answer {
	bool done;
	enum chooser_result result;
	char *output;
};

static void answered(void *data, enum chooser_result result, const char *output)
{
	struct answer *a = data;

	a->done = true;
	a->result = result;
	a->output = g_strdup(output);
}

/* Runs `command` over two outputs and waits for its answer. */
static enum chooser_result ask(const char *command, char **output)
{
	const char *names[] = {"DP-1", "HDMI-A-1", NULL};
	struct answer a = {0};
	struct chooser_run *run =
	        chooser_run(command, names, "org.example.App", "keyboard", answered, &a);
	int64_t deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	g_assert_nonnull(run);
	/* never from inside chooser_run: the caller's state may not be ready */
	g_assert_false(a.done);
	while (!a.done && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(a.done);
	if (output)
		*output = a.output;
	else
		g_free(a.output);
	return a.result;
}

static void test_chooser_answers(void)
{
	char *out = NULL;

	g_assert_cmpint(ask("none", &out), ==, CHOOSER_CHOSEN);
	g_assert_cmpstr(out, ==, "DP-1");
	g_free(out);
	/* the names come on stdin, one a line: this picks the second */
	g_assert_cmpint(ask("sed -n 2p", &out), ==, CHOOSER_CHOSEN);
	g_assert_cmpstr(out, ==, "HDMI-A-1");
	g_free(out);
	/* the environment says who asks and for what */
	g_assert_cmpint(ask("sh -c 'test \"$WAYRTC_PORTAL_APP_ID|$WAYRTC_PORTAL_DEVICES\" = "
	                    "\"org.example.App|keyboard\" && head -n 1'",
	                    &out),
	                ==, CHOOSER_CHOSEN);
	g_assert_cmpstr(out, ==, "DP-1");
	g_free(out);
	g_assert_cmpint(ask("false", NULL), ==, CHOOSER_CANCELLED);
	g_assert_cmpint(ask("true", NULL), ==, CHOOSER_CANCELLED); /* no answer: Escape */
	g_assert_cmpint(ask("echo eDP-9", NULL), ==, CHOOSER_FAILED);
	g_assert_cmpint(ask("/nonexistent/chooser", NULL), ==, CHOOSER_FAILED);
	g_assert_cmpint(ask("'unbalanced", NULL), ==, CHOOSER_FAILED);
}

static void test_chooser_cancel(void)
{
	const char *names[] = {"DP-1", NULL};
	struct answer a = {0};
	struct chooser_run *run = chooser_run("sleep 30", names, "", "", answered, &a);
	int64_t until = g_get_monotonic_time() + G_USEC_PER_SEC / 5;

	g_assert_nonnull(run);
	chooser_cancel(run);
	while (g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE);
	g_assert_false(a.done);
}

static void test_chooser_config(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *home = g_dir_make_tmp("wayrtc-portal-config-XXXXXX", NULL);
	g_autofree char *dir = g_build_filename(home, "xdg-desktop-portal-wayrtc", NULL);
	g_autofree char *file = g_build_filename(dir, "config.ini", NULL);
	char *command;

	g_setenv("XDG_CONFIG_HOME", home, TRUE);
	g_unsetenv("WAYRTC_PORTAL_CHOOSER");
	/* nothing configured: refused, never granted */
	g_assert_null(chooser_command(&error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(file, "[portal]\nchooser=\n", -1, NULL));
	g_assert_null(chooser_command(&error));
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(file, "[portal]\nchooser= wofi --dmenu \n", -1, NULL));
	command = chooser_command(&error);
	g_assert_no_error(error);
	g_assert_cmpstr(command, ==, "wofi --dmenu");
	g_free(command);
	g_setenv("WAYRTC_PORTAL_CHOOSER", "none", TRUE);
	command = chooser_command(&error);
	g_assert_cmpstr(command, ==, "none");
	g_free(command);
	g_unsetenv("WAYRTC_PORTAL_CHOOSER");
	g_unlink(file);
	g_rmdir(dir);
	g_rmdir(home);
}

/* A buffer's SPA_META_Cursor with `room` bytes, as PipeWire hands it over. */
struct meta_room {
	struct spa_meta meta;
	uint8_t data[PWMETA_CURSOR_SIZE(CURSOR_META_SIDE, CURSOR_META_SIDE)];
};

static struct spa_meta *meta_init(struct meta_room *r, size_t room)
{
	memset(r->data, 0xaa, sizeof(r->data)); /* what the last buffer left */
	r->meta = (struct spa_meta){.type = SPA_META_Cursor, .size = room, .data = r->data};
	return &r->meta;
}

static const struct spa_meta_bitmap *meta_bitmap(struct spa_meta *m)
{
	const struct spa_meta_cursor *mc = m->data;

	return mc->bitmap_offset ? SPA_PTROFF(mc, mc->bitmap_offset, const struct spa_meta_bitmap)
	                         : NULL;
}

static void test_cursor_meta(void)
{
	static struct cursor_meta c;
	static struct meta_room r;
	static uint8_t image[10 * 12]; /* 2x3 ARGB rows of 12 bytes: 4 bytes of padding */
	struct capture_cursor in = {.x = 100, .y = 50, .hotspot_x = 1, .hotspot_y = 2};
	struct spa_meta *m = meta_init(&r, sizeof(r.data));
	const struct spa_meta_cursor *mc = m->data;
	const struct spa_meta_bitmap *bm;
	const uint8_t *px;

	memset(&c, 0, sizeof(c));
	/* nothing reported yet: hidden */
	cursor_meta_write(&c, m, false);
	g_assert_cmpuint(mc->id, ==, 0);
	g_assert_cmpuint(mc->bitmap_offset, ==, 0);
	/* a place before any image: no bitmap (the consumer keeps its own) */
	cursor_meta_take(&c, &in);
	g_assert_true(c.moved);
	cursor_meta_write(&c, meta_init(&r, sizeof(r.data)), false);
	g_assert_false(c.moved);
	g_assert_cmpuint(mc->id, ==, 1);
	g_assert_cmpint(mc->position.x, ==, 100);
	g_assert_cmpint(mc->position.y, ==, 50);
	g_assert_cmpint(mc->hotspot.x, ==, 1);
	g_assert_cmpint(mc->hotspot.y, ==, 2);
	g_assert_null(meta_bitmap(m));
	/* a new image, padded rows: written once, tightly, in the SPA format of its bytes */
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)i;
	in = (struct capture_cursor){.x = 10,
	                             .y = 20,
	                             .hotspot_x = 3,
	                             .hotspot_y = 4,
	                             .bitmap = image,
	                             .width = 2,
	                             .height = 3,
	                             .stride = 12,
	                             .format = DRM_FORMAT_ARGB8888};
	cursor_meta_take(&c, &in);
	cursor_meta_write(&c, meta_init(&r, sizeof(r.data)), false);
	bm = meta_bitmap(m);
	g_assert_nonnull(bm);
	g_assert_cmpuint(mc->bitmap_offset, >=, sizeof(*mc));
	g_assert_cmpuint(bm->format, ==, SPA_VIDEO_FORMAT_BGRA);
	g_assert_cmpuint(bm->size.width, ==, 2);
	g_assert_cmpuint(bm->size.height, ==, 3);
	g_assert_cmpint(bm->stride, ==, 8);
	g_assert_cmpuint(bm->offset, >=, sizeof(*bm));
	g_assert_cmpuint(mc->bitmap_offset + bm->offset + 3 * 8, <=, m->size);
	px = SPA_PTROFF(bm, bm->offset, const uint8_t);
	g_assert_cmpmem(px, 8, image, 8);
	g_assert_cmpmem(px + 16, 8, image + 24, 8);
	/* the next buffer: the place again, no image */
	in = (struct capture_cursor){.x = 11, .y = 21, .hotspot_x = 3, .hotspot_y = 4};
	cursor_meta_take(&c, &in);
	cursor_meta_write(&c, meta_init(&r, sizeof(r.data)), false);
	g_assert_cmpint(mc->position.x, ==, 11);
	g_assert_null(meta_bitmap(m));
	/* unless asked (a consumer starting) */
	cursor_meta_write(&c, meta_init(&r, sizeof(r.data)), true);
	g_assert_nonnull(meta_bitmap(m));
	/* hidden: id 0, whatever came before */
	in = (struct capture_cursor){.hidden = true};
	cursor_meta_take(&c, &in);
	cursor_meta_write(&c, meta_init(&r, sizeof(r.data)), true);
	g_assert_cmpuint(mc->id, ==, 0);
	/* visible again at its old image, and the place it says */
	in = (struct capture_cursor){.x = 5, .y = 6};
	cursor_meta_take(&c, &in);
	cursor_meta_write(&c, meta_init(&r, sizeof(r.data)), false);
	g_assert_cmpuint(mc->id, ==, 1);
	g_assert_cmpint(mc->position.x, ==, 5);
	/* an image over 128 px a side: an invisible bitmap (offset 0), not the old one */
	in = (struct capture_cursor){.x = 5,
	                             .y = 6,
	                             .bitmap = image,
	                             .width = 129,
	                             .height = 2,
	                             .stride = 129 * 4,
	                             .format = DRM_FORMAT_ARGB8888};
	cursor_meta_take(&c, &in);
	cursor_meta_write(&c, meta_init(&r, sizeof(r.data)), false);
	bm = meta_bitmap(m);
	g_assert_nonnull(bm);
	g_assert_cmpuint(bm->format, !=, 0);
	g_assert_cmpuint(bm->offset, ==, 0);
	/* a consumer that gave less room than the image needs: invisible too */
	in = (struct capture_cursor){.x = 5,
	                             .y = 6,
	                             .bitmap = image,
	                             .width = 2,
	                             .height = 3,
	                             .stride = 8,
	                             .format = DRM_FORMAT_XBGR8888};
	cursor_meta_take(&c, &in);
	cursor_meta_write(&c, meta_init(&r, PWMETA_CURSOR_SIZE(1, 1)), false);
	bm = meta_bitmap(m);
	g_assert_nonnull(bm);
	g_assert_cmpuint(bm->offset, ==, 0);
	/* and the same image where it fits, as RGBx */
	cursor_meta_write(&c, meta_init(&r, PWMETA_CURSOR_SIZE(2, 3)), true);
	bm = meta_bitmap(m);
	g_assert_cmpuint(bm->format, ==, SPA_VIDEO_FORMAT_RGBx);
	g_assert_cmpuint(bm->offset, >, 0);
	/* no room for the cursor at all: nothing written */
	meta_init(&r, sizeof(*mc) - 1);
	cursor_meta_write(&c, m, true);
	g_assert_cmpuint(r.data[0], ==, 0xaa);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* as main() does: a chooser that exits without reading its stdin must not kill us */
	signal(SIGPIPE, SIG_IGN);
	g_test_add_func("/portal-backend/restore-data", test_restore_data);
	g_test_add_func("/portal-backend/chooser/answers", test_chooser_answers);
	g_test_add_func("/portal-backend/chooser/cancel", test_chooser_cancel);
	g_test_add_func("/portal-backend/chooser/config", test_chooser_config);
	g_test_add_func("/portal-backend/cursor-meta", test_cursor_meta);
	return g_test_run();
}
