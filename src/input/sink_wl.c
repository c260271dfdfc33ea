/* Input sink over wlroots' virtual keyboard and pointer (wayland/vkeyboard.c,
 * wayland/vpointer.c) on wayrtc's one Wayland connection. The compositor trusts our
 * modifier state (a virtual keyboard's keys do not update it), so an xkb_state follows
 * every key we send and .modifiers goes out whenever it changes. Text is typed as the
 * planner (input/text_plan.c) says. Making a sink never waits for the compositor: its
 * requests go out in order, and a wl_display.sync says when the devices exist. */
#define LOG_MODULE "input"
#include <gio/gio.h>
#include <math.h>
#include <string.h>
#include <xkbcommon/xkbcommon.h>

#include "input/sink_wl.h"
#include "input/text_plan.h"
#include "util/log.h"
#include "util/transform.h"
#include "wayland/conn.h"
#include "wayland/vkeyboard.h"
#include "wayland/vpointer.h"

/* Extent for absolute motion before the output told its size: only the ratio matters. */
#define FALLBACK_EXTENT 65535
/* Outputs larger than this are not believed (the extent is a uint32 on the wire). */
#define MAX_OUTPUT_SIDE 65535
/* Characters the layout lacks, typed per second at most (two keymap uploads each): a
 * person types far fewer; a flood would keep every client recompiling keymaps. */
#define UNMAPPED_PER_SECOND 30

struct sink_wl {
	struct input_sink base;
	struct wayland_conn *conn;
	void *observer;
	/* the output the pointer is mapped to; NULL: none, or it is gone */
	struct wayland_output *output;
	int32_t extent_w, extent_h; /* its size, transformed; 0 until known */
	struct wayland_vkeyboard *keyboard;
	struct wayland_vpointer *pointer;
	struct wl_callback *made; /* the sync after the devices' creation */

	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	struct text_planner *planner;
	/* what the compositor last heard through .modifiers */
	xkb_mod_mask_t sent_depressed, sent_latched, sent_locked;
	xkb_layout_index_t sent_group;

	int32_t wheel_rest[2]; /* 1/120 notches not yet sent as a whole notch, per axis */
	/* characters typed through a momentary keymap in the current second (each costs the
	 * compositor and every client two keymap uploads) */
	int64_t unmapped_second;
	unsigned unmapped_count;
	bool lost;
	void (*closed)(void *data, const char *reason);
	void (*ready)(void *data);
	void *closed_data;
};

/* ---- the connection's news ---- */

static void take_extent(struct sink_wl *s)
{
	int32_t w, h;

	wayland_output_size(s->output, &w, &h);
	if (w <= 0 || h <= 0 || w > MAX_OUTPUT_SIDE || h > MAX_OUTPUT_SIDE)
		return;
	s->extent_w = w;
	s->extent_h = h;
}

static void on_output_done(void *data, struct wayland_output *output)
{
	struct sink_wl *s = data;

	if (output != s->output)
		return;
	take_extent(s);
	log_debug("pointer extent %dx%d", s->extent_w, s->extent_h);
}

static void on_output_removed(void *data, struct wayland_output *output)
{
	struct sink_wl *s = data;

	/* The pointer stays mapped to whatever the compositor chooses; the extent is kept,
	 * since only its ratio matters. */
	if (output != s->output)
		return;
	log_info("the output the pointer was mapped to is gone");
	s->output = NULL;
}

static void on_lost(void *data, const char *reason)
{
	struct sink_wl *s = data;

	if (s->lost)
		return;
	s->lost = true;
	log_warn("%s", reason);
	if (s->closed)
		s->closed(s->closed_data, reason);
}

static const struct wayland_conn_observer conn_observer = {
        .output_done = on_output_done,
        .output_removed = on_output_removed,
        .lost = on_lost,
};

static void made_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct sink_wl *s = data;

	wl_callback_destroy(s->made);
	s->made = NULL;
	log_debug("the virtual keyboard and pointer are there");
	if (s->ready && !s->lost)
		s->ready(s->closed_data);
}

static const struct wl_callback_listener made_listener = {
        .done = made_done,
};

/* ---- keyboard ---- */

static void send_modifiers(struct sink_wl *s, xkb_mod_mask_t depressed, xkb_mod_mask_t latched,
                           xkb_mod_mask_t locked, xkb_layout_index_t group)
{
	if (depressed == s->sent_depressed && latched == s->sent_latched &&
	    locked == s->sent_locked && group == s->sent_group)
		return;
	wayland_vkeyboard_modifiers(s->keyboard, depressed, latched, locked, group);
	s->sent_depressed = depressed;
	s->sent_latched = latched;
	s->sent_locked = locked;
	s->sent_group = group;
}

static void sync_modifiers(struct sink_wl *s)
{
	send_modifiers(s, xkb_state_serialize_mods(s->state, XKB_STATE_MODS_DEPRESSED),
	               xkb_state_serialize_mods(s->state, XKB_STATE_MODS_LATCHED),
	               xkb_state_serialize_mods(s->state, XKB_STATE_MODS_LOCKED),
	               xkb_state_serialize_layout(s->state, XKB_STATE_LAYOUT_EFFECTIVE));
}

/* One key to the compositor, our state following it, modifiers after it if they moved. */
static void send_key(struct sink_wl *s, uint32_t code, bool pressed)
{
	wayland_vkeyboard_key(s->keyboard, code, pressed);
	xkb_state_update_key(s->state, code + TEXT_PLAN_EVDEV_OFFSET,
	                     pressed ? XKB_KEY_DOWN : XKB_KEY_UP);
	sync_modifiers(s);
}

static void wl_key(struct input_sink *base, uint32_t code, bool pressed)
{
	struct sink_wl *s = (struct sink_wl *)base;

	g_assert(code > 0 && code < INPUT_SINK_CODES); /* input_sink_key's promise */
	if (s->lost)
		return;
	send_key(s, code, pressed);
	wayland_conn_flush(s->conn);
}

/* ---- text ---- */

/* A momentary keymap costs the compositor and every client two compilations. */
static bool spare_allowed(struct sink_wl *s)
{
	int64_t second = g_get_monotonic_time() / G_USEC_PER_SEC;

	if (second != s->unmapped_second) {
		s->unmapped_second = second;
		s->unmapped_count = 0;
	}
	if (s->unmapped_count >= UNMAPPED_PER_SECOND)
		return false;
	s->unmapped_count++;
	return true;
}

static bool type_plan(struct sink_wl *s, const struct text_plan *plan)
{
	g_autoptr(GError) error = NULL;

	switch (plan->kind) {
	case TEXT_PLAN_PRESS:
		for (size_t i = 0; i < plan->n_hold; i++)
			send_key(s, plan->hold[i], true);
		send_key(s, plan->code, true);
		send_key(s, plan->code, false);
		for (size_t i = plan->n_hold; i-- > 0;)
			send_key(s, plan->hold[i], false);
		return true;
	case TEXT_PLAN_OVERRIDE:
		/* the key itself changes no modifier, so our state need not see it */
		send_modifiers(s, plan->mask, 0, 0, plan->layout);
		wayland_vkeyboard_key(s->keyboard, plan->code, true);
		wayland_vkeyboard_key(s->keyboard, plan->code, false);
		sync_modifiers(s);
		return true;
	case TEXT_PLAN_SPARE:
		/* clients see two keymap changes around one key */
		if (!spare_allowed(s))
			return false;
		if (!wayland_vkeyboard_keymap(s->keyboard, plan->keymap, &error)) {
			log_debug("%s", error->message);
			return false;
		}
		send_modifiers(s, 0, 0, 0, 0);
		wayland_vkeyboard_key(s->keyboard, plan->code, true);
		wayland_vkeyboard_key(s->keyboard, plan->code, false);
		if (!wayland_vkeyboard_keymap(s->keyboard, text_planner_keymap_text(s->planner),
		                              &error))
			log_warn("%s", error->message);
		sync_modifiers(s);
		return true;
	}
	return false;
}

static size_t wl_text(struct input_sink *base, const char *utf8, size_t len)
{
	struct sink_wl *s = (struct sink_wl *)base;
	const char *p = utf8, *end = utf8 + len;
	size_t skipped = 0;

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		struct text_plan plan;
		xkb_keysym_t sym;

		if (c == (gunichar)-1 || c == (gunichar)-2)
			return skipped + 1; /* the decoder validated it: cannot happen */
		p = g_utf8_next_char(p);
		sym = text_plan_keysym(c);
		if (s->lost || sym == XKB_KEY_NoSymbol) {
			skipped++;
			continue;
		}
		if (!text_planner_plan(s->planner, s->state, s->base.keys, sym, &plan) ||
		    !type_plan(s, &plan))
			skipped++;
		text_plan_clear(&plan);
	}
	if (skipped)
		log_debug("%zu characters the keymap cannot type were skipped", skipped);
	if (!s->lost)
		wayland_conn_flush(s->conn);
	return skipped;
}

/* ---- pointer ---- */

static void wl_pointer_motion_abs(struct input_sink *base, double x, double y)
{
	struct sink_wl *s = (struct sink_wl *)base;
	uint32_t w = s->extent_w > 0 ? (uint32_t)s->extent_w : FALLBACK_EXTENT;
	uint32_t h = s->extent_h > 0 ? (uint32_t)s->extent_h : FALLBACK_EXTENT;
	uint32_t transform = s->output ? (uint32_t)s->output->transform : 0;
	/* the panel's extent: a quarter turn swaps the sides */
	int64_t pw = transform_swaps(transform) ? h : w, ph = transform_swaps(transform) ? w : h;
	int64_t px, py, bx, by;

	g_assert(x >= 0.0 && x <= 1.0 && y >= 0.0 && y <= 1.0); /* clamped by the wrapper */
	/* 1.0 is the far edge, whose last pixel is one less */
	px = MIN(lround(x * w), (long)w - 1);
	py = MIN(lround(y * h), (long)h - 1);
	if (s->lost)
		return;
	/* wlroots takes an output's absolute pointer as a touchscreen's, in the turned panel's
	 * own coordinates, and turns that point, mirroring v as 1 - v: aim at the panel point
	 * under the upright one (on a normal output, that point itself). A grid one wider
	 * mirrors x as width - x, the continuous way; the far edge is a point no pixel starts
	 * at, so it moves in by one. */
	transform_to_buffer(transform, (int64_t)w + 1, (int64_t)h + 1, px, py, &bx, &by);
	wayland_vpointer_motion_absolute(s->pointer, (uint32_t)MIN(bx, pw - 1),
	                                 (uint32_t)MIN(by, ph - 1), (uint32_t)pw, (uint32_t)ph);
}

static void wl_pointer_button(struct input_sink *base, uint32_t button, bool pressed)
{
	struct sink_wl *s = (struct sink_wl *)base;

	if (s->lost)
		return;
	wayland_vpointer_button(s->pointer, button, pressed);
}

static void wl_pointer_axis(struct input_sink *base, enum input_axis axis, double value,
                            int32_t discrete120)
{
	struct sink_wl *s = (struct sink_wl *)base;
	int32_t steps = 0;

	g_assert(axis == INPUT_AXIS_VERTICAL || axis == INPUT_AXIS_HORIZONTAL);
	if (s->lost)
		return;
	if (discrete120)
		steps = input_wheel_steps(&s->wheel_rest[axis], discrete120);
	wayland_vpointer_wheel(s->pointer,
	                       axis == INPUT_AXIS_VERTICAL ? WL_POINTER_AXIS_VERTICAL_SCROLL
	                                                   : WL_POINTER_AXIS_HORIZONTAL_SCROLL,
	                       value, steps);
}

static void wl_frame(struct input_sink *base)
{
	struct sink_wl *s = (struct sink_wl *)base;

	if (s->lost)
		return;
	wayland_vpointer_frame(s->pointer);
	wayland_conn_flush(s->conn);
}

/* ---- life ---- */

static void sink_wl_free(struct sink_wl *s)
{
	if (s->made)
		wl_callback_destroy(s->made);
	wayland_vkeyboard_free(s->keyboard);
	wayland_vpointer_free(s->pointer);
	if (s->conn) {
		wayland_conn_unobserve(s->conn, s->observer);
		/* the releases input_sink_destroy just queued must leave now */
		wayland_conn_flush(s->conn);
		wayland_conn_unref(s->conn);
	}
	text_planner_free(s->planner);
	xkb_state_unref(s->state);
	xkb_keymap_unref(s->keymap);
	xkb_context_unref(s->xkb);
	g_free(s);
}

static void wl_destroy(struct input_sink *base)
{
	sink_wl_free((struct sink_wl *)base);
}

static const struct input_sink_impl sink_wl_impl = {
        .pointer_motion_abs = wl_pointer_motion_abs,
        .pointer_button = wl_pointer_button,
        .pointer_axis = wl_pointer_axis,
        .frame = wl_frame,
        .key = wl_key,
        .text = wl_text,
        .destroy = wl_destroy,
};

static bool make_keymap(struct sink_wl *s, const struct input_sink_wl_options *o, GError **error)
{
	struct xkb_rule_names names = {
	        .rules = o->rules,
	        .model = o->model,
	        .layout = o->layout,
	        .variant = o->variant,
	        .options = o->options,
	};

	s->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!s->xkb) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start xkbcommon");
		return false;
	}
	/* a layout that does not compile is said once, in our words, not in xkbcommon's ten */
	xkb_context_set_log_level(s->xkb, XKB_LOG_LEVEL_CRITICAL);
	s->keymap = xkb_keymap_new_from_names(s->xkb, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!s->keymap) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "the keyboard layout “%s%s%s” (model “%s”, options “%s”) does not "
		            "compile",
		            o->layout ? o->layout : "(default)", o->variant ? "/" : "",
		            o->variant ? o->variant : "", o->model ? o->model : "(default)",
		            o->options ? o->options : "");
		return false;
	}
	s->state = xkb_state_new(s->keymap);
	s->planner = text_planner_new(s->keymap);
	if (!s->state || !s->planner) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make a keyboard state");
		return false;
	}
	return true;
}

bool input_sink_wl_check_keymap(const struct input_sink_wl_options *options, GError **error)
{
	struct sink_wl *s = g_new0(struct sink_wl, 1);
	bool ok = make_keymap(s, options, error);

	sink_wl_free(s);
	return ok;
}

struct input_sink *input_sink_wl_new(const struct input_sink_wl_options *options, GError **error)
{
	static const struct input_sink_wl_options defaults = {0};
	const struct input_sink_wl_options *o = options ? options : &defaults;
	struct sink_wl *s = g_new0(struct sink_wl, 1);
	struct wayland_seat *seat;
	const char *name;

	input_sink_init(&s->base, &sink_wl_impl);
	s->closed = o->closed;
	s->ready = o->ready;
	s->closed_data = o->data;
	if (!make_keymap(s, o, error))
		goto fail;
	/* at start-up the first user makes the connection; every later sink finds it */
	s->conn = wayland_conn_get(o->display, "to drive", error);
	if (!s->conn)
		goto fail;
	name = wayland_conn_name(s->conn);
	seat = wayland_conn_seat(s->conn);
	if (!seat) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the compositor on “%s” has no seat to send input to", name);
		goto fail;
	}
	s->output = wayland_conn_find_output(s->conn, o->output);
	if (!s->output && o->output) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "the compositor on “%s” has no output “%s” to map the pointer to", name,
		            o->output);
		goto fail;
	}
	/* both checked before either device exists, so clients never see half a sink */
	if (!wayland_conn_has(s->conn, "zwp_virtual_keyboard_manager_v1", 1)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this compositor (“%s”) offers no virtual keyboard "
		            "(zwp_virtual_keyboard_manager_v1); try --source=portal",
		            name);
		goto fail;
	}
	if (!wayland_conn_has(s->conn, "zwlr_virtual_pointer_manager_v1", 1)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this compositor (“%s”) offers no virtual pointer "
		            "(zwlr_virtual_pointer_manager_v1); try --source=portal",
		            name);
		goto fail;
	}
	if (s->output)
		take_extent(s);
	s->keyboard = wayland_vkeyboard_new(s->conn, seat, error);
	/* before any key: wlroots refuses keys from a keyboard without a keymap */
	if (!s->keyboard ||
	    !wayland_vkeyboard_keymap(s->keyboard, text_planner_keymap_text(s->planner), error))
		goto fail;
	s->pointer = wayland_vpointer_new(s->conn, seat, s->output, error);
	if (!s->pointer)
		goto fail;
	/* no roundtrip: the main loop goes on while the compositor makes the devices, and
	 * input sent meanwhile follows them on the wire */
	s->made = wl_display_sync(wayland_conn_display(s->conn));
	wl_callback_add_listener(s->made, &made_listener, s);
	s->observer = wayland_conn_observe(s->conn, &conn_observer, s);
	wayland_conn_flush(s->conn);
	log_info("input to “%s”: virtual keyboard (layout %s) and pointer v%u on %s, extent %dx%d",
	         name, o->layout ? o->layout : "default", wayland_vpointer_version(s->pointer),
	         s->output && s->output->name ? s->output->name : "the first output", s->extent_w,
	         s->extent_h);
	return &s->base;
fail:
	sink_wl_free(s);
	return NULL;
}
