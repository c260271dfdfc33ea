/* Input sink over wlroots' virtual keyboard and pointer. The compositor trusts our
 * modifier state (a virtual keyboard's keys do not update it), so an xkb_state follows
 * every key we send and .modifiers goes out whenever it changes. Characters without a key
 * of their own are typed by finding the key and level that produce them in our keymap. */
#define LOG_MODULE "input"
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xkbcommon/xkbcommon.h>

#include "input/sink_wl.h"
#include "input/wl_source.h"
#include "util/log.h"
#include "virtual-keyboard-unstable-v1-client-protocol.h"
#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

#define SEAT_VERSION             1
#define OUTPUT_MIN_VERSION       2 /* `done` */
#define OUTPUT_MAX_VERSION       4 /* `name`, to map the pointer to an output by name */
#define MAX_OUTPUTS              16
#define POINTER_MANAGER_MIN      1
#define POINTER_MANAGER_MAX      2 /* create_virtual_pointer_with_output */
#define KEYBOARD_MANAGER_VERSION 1
#define XKB_EVDEV_OFFSET         8 /* XKB keycode = evdev code + 8 */
/* Extent for absolute motion before the output told its size: only the ratio matters. */
#define FALLBACK_EXTENT 65535
/* Outputs larger than this are not believed (the extent is a uint32 on the wire). */
#define MAX_OUTPUT_SIDE 65535
/* Modifier keys text() may press for a level: Shift, AltGr (level 3), level 5. */
#define N_LEVEL_KEYS 3
#define MAX_MASKS    8 /* modifier masks looked at per level */
/* Characters the layout lacks, typed per second at most (two keymap uploads each): a
 * person types far fewer; a flood would keep every client recompiling keymaps. */
#define UNMAPPED_PER_SECOND 30

struct sink_wl;

/* An output as the pointer may be mapped to it; all are looked at until one is chosen. */
struct sink_output {
	struct sink_wl *sink;
	struct wl_output *output;
	uint32_t global;
	char *name;            /* wl_output v4; NULL before it */
	int32_t width, height; /* current mode, transformed; 0 until told */
	int32_t pending_width, pending_height, transform;
};

struct sink_wl {
	struct input_sink base;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_seat *seat;
	struct sink_output outputs[MAX_OUTPUTS];
	unsigned n_outputs;
	struct sink_output *output; /* the one the pointer is mapped to; NULL: none */
	bool outputs_chosen;        /* later outputs are not bound */
	struct zwp_virtual_keyboard_manager_v1 *keyboard_manager;
	struct zwlr_virtual_pointer_manager_v1 *pointer_manager;
	uint32_t pointer_manager_version;
	struct zwp_virtual_keyboard_v1 *keyboard;
	struct zwlr_virtual_pointer_v1 *pointer;
	GSource *source;

	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	/* what the compositor last heard through .modifiers */
	xkb_mod_mask_t sent_depressed, sent_latched, sent_locked;
	xkb_layout_index_t sent_group;
	/* keys whose level-0 symbol is Shift, ISO_Level3_Shift, ISO_Level5_Shift (0: none),
	 * and the modifier mask each sets when held */
	xkb_keycode_t level_keys[N_LEVEL_KEYS];
	xkb_mod_mask_t level_masks[N_LEVEL_KEYS];

	int32_t wheel_rest[2]; /* 1/120 notches not yet sent as a whole notch, per axis */
	/* characters typed through a momentary keymap in the current second (each costs the
	 * compositor and every client two keymap uploads) */
	int64_t unmapped_second;
	unsigned unmapped_count;
	bool lost;
	void (*closed)(void *data, const char *reason);
	void *closed_data;
};

static uint32_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void flush(struct sink_wl *s)
{
	/* EAGAIN: the source waits for room and sends the rest */
	if (!s->lost && wl_display_flush(s->display) < 0 && errno != EAGAIN)
		log_debug("flush: %s", g_strerror(errno));
}

/* ---- registry and output ---- */

static void output_geometry(void *data, struct wl_output *output, int32_t x, int32_t y,
                            int32_t phys_w, int32_t phys_h, int32_t subpixel, const char *make,
                            const char *model, int32_t transform)
{
	struct sink_output *o = data;

	o->transform = transform;
}

static void output_mode(void *data, struct wl_output *output, uint32_t flags, int32_t width,
                        int32_t height, int32_t refresh)
{
	struct sink_output *o = data;

	if (!(flags & WL_OUTPUT_MODE_CURRENT))
		return;
	o->pending_width = width;
	o->pending_height = height;
}

static void output_done(void *data, struct wl_output *output)
{
	struct sink_output *o = data;
	int32_t w = o->pending_width, h = o->pending_height;

	if (w <= 0 || h <= 0 || w > MAX_OUTPUT_SIDE || h > MAX_OUTPUT_SIDE)
		return;
	/* a quarter turn swaps the sides the pointer moves over */
	if (o->transform & WL_OUTPUT_TRANSFORM_90) {
		int32_t t = w;

		w = h;
		h = t;
	}
	o->width = w;
	o->height = h;
	if (o == o->sink->output)
		log_debug("pointer extent %dx%d", w, h);
}

static void output_scale(void *data, struct wl_output *output, int32_t factor)
{
}

static void output_name(void *data, struct wl_output *output, const char *name)
{
	struct sink_output *o = data;

	g_free(o->name);
	o->name = g_strdup(name);
}

static void output_description(void *data, struct wl_output *output, const char *description)
{
}

static const struct wl_output_listener output_listener = {
        .geometry = output_geometry,
        .mode = output_mode,
        .done = output_done,
        .scale = output_scale,
        .name = output_name,
        .description = output_description,
};

static void output_clear(struct sink_output *o)
{
	if (o->output)
		wl_output_destroy(o->output);
	g_free(o->name);
	*o = (struct sink_output){0};
}

/* The output named `name` (NULL: the first), the others let go. False when there is no
 * such output (or none at all, with a name). */
static bool choose_output(struct sink_wl *s, const char *name)
{
	struct sink_output *chosen = NULL;

	for (unsigned i = 0; i < s->n_outputs && !chosen; i++) {
		if (!name || g_strcmp0(s->outputs[i].name, name) == 0)
			chosen = &s->outputs[i];
	}
	for (unsigned i = 0; i < s->n_outputs; i++) {
		if (&s->outputs[i] != chosen)
			output_clear(&s->outputs[i]);
	}
	if (chosen && chosen != &s->outputs[0]) {
		s->outputs[0] = *chosen;
		*chosen = (struct sink_output){0};
		chosen = &s->outputs[0];
		/* the listener's data moves with it */
		wl_output_set_user_data(chosen->output, chosen);
	}
	s->n_outputs = chosen ? 1 : 0;
	s->output = chosen;
	s->outputs_chosen = true;
	return chosen || !name;
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
                            const char *iface, uint32_t version)
{
	struct sink_wl *s = data;

	if (strcmp(iface, wl_seat_interface.name) == 0 && !s->seat) {
		s->seat = wl_registry_bind(registry, name, &wl_seat_interface, SEAT_VERSION);
	} else if (strcmp(iface, wl_output_interface.name) == 0 && !s->outputs_chosen &&
	           s->n_outputs < MAX_OUTPUTS && version >= OUTPUT_MIN_VERSION) {
		struct sink_output *o = &s->outputs[s->n_outputs++];

		o->sink = s;
		o->global = name;
		o->output = wl_registry_bind(registry, name, &wl_output_interface,
		                             MIN(version, (uint32_t)OUTPUT_MAX_VERSION));
		wl_output_add_listener(o->output, &output_listener, o);
	} else if (strcmp(iface, zwp_virtual_keyboard_manager_v1_interface.name) == 0 &&
	           !s->keyboard_manager) {
		s->keyboard_manager =
		        wl_registry_bind(registry, name, &zwp_virtual_keyboard_manager_v1_interface,
		                         KEYBOARD_MANAGER_VERSION);
	} else if (strcmp(iface, zwlr_virtual_pointer_manager_v1_interface.name) == 0 &&
	           !s->pointer_manager && version >= POINTER_MANAGER_MIN) {
		s->pointer_manager_version = MIN(version, (uint32_t)POINTER_MANAGER_MAX);
		s->pointer_manager =
		        wl_registry_bind(registry, name, &zwlr_virtual_pointer_manager_v1_interface,
		                         s->pointer_manager_version);
	}
}

static void registry_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	struct sink_wl *s = data;

	/* The pointer stays mapped to whatever the compositor chooses; the extent is kept,
	 * since only its ratio matters. */
	if (s->output && name == s->output->global)
		log_info("the output the pointer was mapped to is gone");
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_global,
        .global_remove = registry_remove,
};

static void source_lost(void *data, const char *reason)
{
	struct sink_wl *s = data;

	if (s->lost)
		return;
	s->lost = true;
	log_warn("%s", reason);
	if (s->closed)
		s->closed(s->closed_data, reason);
}

/* ---- keyboard ---- */

static void send_modifiers(struct sink_wl *s, xkb_mod_mask_t depressed, xkb_mod_mask_t latched,
                           xkb_mod_mask_t locked, xkb_layout_index_t group)
{
	if (depressed == s->sent_depressed && latched == s->sent_latched &&
	    locked == s->sent_locked && group == s->sent_group)
		return;
	zwp_virtual_keyboard_v1_modifiers(s->keyboard, depressed, latched, locked, group);
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
	zwp_virtual_keyboard_v1_key(s->keyboard, now_ms(), code,
	                            pressed ? WL_KEYBOARD_KEY_STATE_PRESSED
	                                    : WL_KEYBOARD_KEY_STATE_RELEASED);
	xkb_state_update_key(s->state, code + XKB_EVDEV_OFFSET,
	                     pressed ? XKB_KEY_DOWN : XKB_KEY_UP);
	sync_modifiers(s);
}

static void wl_key(struct input_sink *base, uint32_t code, bool pressed)
{
	struct sink_wl *s = (struct sink_wl *)base;

	if (s->lost)
		return;
	send_key(s, code, pressed);
	flush(s);
}

static bool upload_keymap_text(struct sink_wl *s, const char *text, GError **error)
{
	size_t size = strlen(text) + 1;
	size_t done = 0;
	int fd;

	fd = memfd_create("wayrtc-keymap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto fail;
	while (done < size) {
		ssize_t n = write(fd, text + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail_fd;
		done += (size_t)n;
	}
	/* the compositor maps it: it must not change size or contents under it */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	zwp_virtual_keyboard_v1_keymap(s->keyboard, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd,
	                               (uint32_t)size);
	close(fd);
	return true;
fail_fd:
	close(fd);
fail:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
	            "cannot hand the keymap to the compositor: %s", g_strerror(errno));
	return false;
}

static bool upload_keymap(struct sink_wl *s, GError **error)
{
	g_autofree char *text = xkb_keymap_get_as_string(s->keymap, XKB_KEYMAP_FORMAT_TEXT_V1);

	if (!text) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot serialise the keymap");
		return false;
	}
	return upload_keymap_text(s, text, error);
}

static bool key_is(struct sink_wl *s, xkb_keycode_t kc, xkb_keysym_t sym)
{
	const xkb_keysym_t *syms;

	return xkb_keymap_key_get_syms_by_level(s->keymap, kc, 0, 0, &syms) == 1 && syms[0] == sym;
}

/* Finds the keys that select levels, the physical ones people use first (left Shift,
 * right Alt as AltGr), and the modifiers each one sets when held. */
static void find_level_keys(struct sink_wl *s)
{
	static const struct {
		xkb_keysym_t sym;
		uint32_t usual; /* evdev code to try first */
	} wanted[N_LEVEL_KEYS] = {
	        {XKB_KEY_Shift_L, KEY_LEFTSHIFT},
	        {XKB_KEY_ISO_Level3_Shift, KEY_RIGHTALT},
	        {XKB_KEY_ISO_Level5_Shift, 0},
	};
	xkb_keycode_t min = xkb_keymap_min_keycode(s->keymap);
	xkb_keycode_t max = xkb_keymap_max_keycode(s->keymap);

	for (int i = 0; i < N_LEVEL_KEYS; i++) {
		xkb_keycode_t usual = wanted[i].usual + XKB_EVDEV_OFFSET;
		struct xkb_state *t;

		if (wanted[i].usual && key_is(s, usual, wanted[i].sym))
			s->level_keys[i] = usual;
		for (xkb_keycode_t kc = min; !s->level_keys[i] && kc <= max && kc != 0; kc++) {
			if (kc >= XKB_EVDEV_OFFSET && key_is(s, kc, wanted[i].sym))
				s->level_keys[i] = kc;
		}
		if (!s->level_keys[i] || !(t = xkb_state_new(s->keymap)))
			continue;
		xkb_state_update_key(t, s->level_keys[i], XKB_KEY_DOWN);
		s->level_masks[i] = xkb_state_serialize_mods(t, XKB_STATE_MODS_DEPRESSED);
		xkb_state_unref(t);
	}
}

/* ---- text ---- */

struct text_plan {
	xkb_keycode_t key;
	xkb_layout_index_t layout;
	xkb_mod_mask_t mask; /* override path: the modifiers to announce */
	unsigned press_set;  /* press path: bit i = hold level_keys[i] */
	bool press;          /* press path (real modifier keys) or override path */
};

static xkb_keysym_t keysym_for(gunichar c)
{
	/* keys, not the control characters xkb_utf32_to_keysym would name */
	if (c == '\n' || c == '\r')
		return XKB_KEY_Return;
	if (c == '\t')
		return XKB_KEY_Tab;
	if (c == '\b')
		return XKB_KEY_BackSpace;
	return xkb_utf32_to_keysym(c);
}

/* Tries holding a set of level keys in a clean state: does `key` then type `sym`? */
static bool try_press(struct sink_wl *s, xkb_keycode_t key, xkb_keysym_t sym, xkb_mod_mask_t mask,
                      unsigned *press_set)
{
	for (unsigned set = 0; set < (1u << N_LEVEL_KEYS); set++) {
		xkb_mod_mask_t got = 0;
		struct xkb_state *t;
		bool ok;

		for (int i = 0; i < N_LEVEL_KEYS; i++) {
			if (!(set & (1u << i)))
				continue;
			if (!s->level_keys[i])
				goto next;
			got |= s->level_masks[i];
		}
		if (got != mask)
			continue;
		t = xkb_state_new(s->keymap);
		if (!t)
			return false;
		for (int i = 0; i < N_LEVEL_KEYS; i++) {
			if (set & (1u << i))
				xkb_state_update_key(t, s->level_keys[i], XKB_KEY_DOWN);
		}
		ok = xkb_state_key_get_one_sym(t, key) == sym;
		xkb_state_unref(t);
		if (ok) {
			*press_set = set;
			return true;
		}
	next:;
	}
	return false;
}

static bool try_override(struct sink_wl *s, xkb_keycode_t key, xkb_layout_index_t layout,
                         xkb_keysym_t sym, xkb_mod_mask_t mask)
{
	struct xkb_state *t = xkb_state_new(s->keymap);
	bool ok;

	if (!t)
		return false;
	xkb_state_update_mask(t, mask, 0, 0, 0, 0, layout);
	ok = xkb_state_key_get_one_sym(t, key) == sym;
	xkb_state_unref(t);
	return ok;
}

/* The lowest level of the current layout first (fewest modifiers), then other layouts. */
static bool plan_char(struct sink_wl *s, xkb_keysym_t sym, struct text_plan *plan)
{
	xkb_keycode_t min = xkb_keymap_min_keycode(s->keymap);
	xkb_keycode_t max = xkb_keymap_max_keycode(s->keymap);
	xkb_layout_index_t current =
	        xkb_state_serialize_layout(s->state, XKB_STATE_LAYOUT_EFFECTIVE);
	xkb_layout_index_t n_layouts = xkb_keymap_num_layouts(s->keymap);
	/* real modifier keys only from a clean state: held or locked modifiers would change
	 * the level under us */
	bool clean = xkb_state_serialize_mods(s->state, XKB_STATE_MODS_EFFECTIVE) == 0;
	xkb_level_index_t max_levels = 0;

	for (xkb_keycode_t kc = min; kc <= max && kc != 0; kc++) {
		for (xkb_layout_index_t l = 0; l < xkb_keymap_num_layouts_for_key(s->keymap, kc);
		     l++)
			max_levels =
			        MAX(max_levels, xkb_keymap_num_levels_for_key(s->keymap, kc, l));
	}
	for (xkb_layout_index_t i = 0; i < n_layouts; i++) {
		xkb_layout_index_t layout = (current + i) % n_layouts;

		for (xkb_level_index_t level = 0; level < max_levels; level++) {
			for (xkb_keycode_t kc = min; kc <= max && kc != 0; kc++) {
				const xkb_keysym_t *syms;
				xkb_mod_mask_t masks[MAX_MASKS];
				size_t n_masks;

				if (layout >= xkb_keymap_num_layouts_for_key(s->keymap, kc) ||
				    level >= xkb_keymap_num_levels_for_key(s->keymap, kc, layout))
					continue;
				if (xkb_keymap_key_get_syms_by_level(s->keymap, kc, layout, level,
				                                     &syms) != 1 ||
				    syms[0] != sym)
					continue;
				if (kc < XKB_EVDEV_OFFSET ||
				    input_sink_key_held(&s->base, kc - XKB_EVDEV_OFFSET))
					continue; /* a second press of a held key would be a repeat
					           */
				n_masks = xkb_keymap_key_get_mods_for_level(
				        s->keymap, kc, layout, level, masks, MAX_MASKS);
				*plan = (struct text_plan){.key = kc, .layout = layout};
				for (size_t m = 0; clean && layout == current && m < n_masks; m++) {
					if (try_press(s, kc, sym, masks[m], &plan->press_set)) {
						plan->press = true;
						return true;
					}
				}
				for (size_t m = 0; m < n_masks; m++) {
					if (try_override(s, kc, layout, sym, masks[m])) {
						plan->mask = masks[m];
						return true;
					}
				}
			}
		}
	}
	return false;
}

static void type_char(struct sink_wl *s, const struct text_plan *plan)
{
	uint32_t code = plan->key - XKB_EVDEV_OFFSET;

	if (plan->press) {
		for (int i = 0; i < N_LEVEL_KEYS; i++) {
			if (plan->press_set & (1u << i))
				send_key(s, s->level_keys[i] - XKB_EVDEV_OFFSET, true);
		}
		send_key(s, code, true);
		send_key(s, code, false);
		for (int i = N_LEVEL_KEYS - 1; i >= 0; i--) {
			if (plan->press_set & (1u << i))
				send_key(s, s->level_keys[i] - XKB_EVDEV_OFFSET, false);
		}
		return;
	}
	/* Announce exactly the modifiers the level needs around one key, then what really
	 * holds again; the key itself changes no modifier, so our state need not see it. */
	send_modifiers(s, plan->mask, 0, 0, plan->layout);
	zwp_virtual_keyboard_v1_key(s->keyboard, now_ms(), code, WL_KEYBOARD_KEY_STATE_PRESSED);
	zwp_virtual_keyboard_v1_key(s->keyboard, now_ms(), code, WL_KEYBOARD_KEY_STATE_RELEASED);
	sync_modifiers(s);
}

/* A keycode the keymap names but gives no symbols (evdev leaves many unused), searched
 * from the top so ordinary keys are never borrowed; 0 when there is none. */
static xkb_keycode_t spare_keycode(struct sink_wl *s)
{
	xkb_keycode_t min = xkb_keymap_min_keycode(s->keymap);

	for (xkb_keycode_t kc = xkb_keymap_max_keycode(s->keymap); kc > min; kc--) {
		if (kc > XKB_EVDEV_OFFSET && xkb_keymap_key_get_name(s->keymap, kc) &&
		    xkb_keymap_num_layouts_for_key(s->keymap, kc) == 0 &&
		    !input_sink_key_held(&s->base, kc - XKB_EVDEV_OFFSET))
			return kc;
	}
	return 0;
}

/* A character no key of our layout makes (é on a US keyboard, an emoji): for a moment the
 * compositor gets our keymap plus one spare key with that symbol, the key is pressed with
 * no modifiers announced, and the real keymap goes back, as wtype does it. Clients see two
 * keymap changes around one key. */
static bool type_unmapped(struct sink_wl *s, xkb_keysym_t sym)
{
	g_autofree char *text = xkb_keymap_get_as_string(s->keymap, XKB_KEYMAP_FORMAT_TEXT_V1);
	xkb_keycode_t kc = spare_keycode(s);
	g_autoptr(GString) extended = NULL;
	g_autoptr(GError) error = NULL;
	char name[64];
	const char *symbols, *end;

	int64_t second = g_get_monotonic_time() / G_USEC_PER_SEC;

	if (second != s->unmapped_second) {
		s->unmapped_second = second;
		s->unmapped_count = 0;
	}
	if (s->unmapped_count >= UNMAPPED_PER_SECOND)
		return false;
	if (!text || !kc || xkb_keysym_get_name(sym, name, sizeof(name)) <= 0)
		return false;
	s->unmapped_count++;
	/* the symbols section is the last one; its "};" line ends before the keymap's */
	symbols = strstr(text, "xkb_symbols");
	end = symbols ? strstr(symbols, "\n};") : NULL;
	if (!end)
		return false;
	extended = g_string_new_len(text, end - text);
	g_string_append_printf(extended, "\n\tkey <%s> { [ %s ] };%s",
	                       xkb_keymap_key_get_name(s->keymap, kc), name, end);
	if (!upload_keymap_text(s, extended->str, &error)) {
		log_debug("%s", error->message);
		return false;
	}
	send_modifiers(s, 0, 0, 0, 0);
	zwp_virtual_keyboard_v1_key(s->keyboard, now_ms(), kc - XKB_EVDEV_OFFSET,
	                            WL_KEYBOARD_KEY_STATE_PRESSED);
	zwp_virtual_keyboard_v1_key(s->keyboard, now_ms(), kc - XKB_EVDEV_OFFSET,
	                            WL_KEYBOARD_KEY_STATE_RELEASED);
	if (!upload_keymap_text(s, text, &error))
		log_warn("%s", error->message);
	sync_modifiers(s);
	return true;
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
		sym = keysym_for(c);
		if (s->lost || sym == XKB_KEY_NoSymbol) {
			skipped++;
			continue;
		}
		if (plan_char(s, sym, &plan))
			type_char(s, &plan);
		else if (!type_unmapped(s, sym))
			skipped++;
	}
	if (skipped)
		log_debug("%zu characters the keymap cannot type were skipped", skipped);
	flush(s);
	return skipped;
}

/* ---- pointer ---- */

static void wl_pointer_motion_abs(struct input_sink *base, double x, double y)
{
	struct sink_wl *s = (struct sink_wl *)base;
	int32_t ow = s->output ? s->output->width : 0, oh = s->output ? s->output->height : 0;
	uint32_t w = ow > 0 ? (uint32_t)ow : FALLBACK_EXTENT;
	uint32_t h = oh > 0 ? (uint32_t)oh : FALLBACK_EXTENT;
	uint32_t px = (uint32_t)lround(x * w), py = (uint32_t)lround(y * h);

	if (s->lost)
		return;
	/* 1.0 is the far edge, whose last pixel is one less */
	zwlr_virtual_pointer_v1_motion_absolute(s->pointer, now_ms(), MIN(px, w - 1),
	                                        MIN(py, h - 1), w, h);
}

static void wl_pointer_button(struct input_sink *base, uint32_t button, bool pressed)
{
	struct sink_wl *s = (struct sink_wl *)base;

	if (s->lost)
		return;
	zwlr_virtual_pointer_v1_button(s->pointer, now_ms(), button,
	                               pressed ? WL_POINTER_BUTTON_STATE_PRESSED
	                                       : WL_POINTER_BUTTON_STATE_RELEASED);
}

static void wl_pointer_axis(struct input_sink *base, enum input_axis axis, double value,
                            int32_t discrete120)
{
	struct sink_wl *s = (struct sink_wl *)base;
	int32_t steps = 0;

	if (s->lost)
		return;
	if (discrete120)
		steps = input_wheel_steps(&s->wheel_rest[axis], discrete120);
	/* axis_discrete even with no whole notch: wlroots 0.15 files a plain `axis` under the
	 * axis of the previous discrete request, while this one names its own. The source
	 * request applies to that same axis, so it comes second. */
	zwlr_virtual_pointer_v1_axis_discrete(s->pointer, now_ms(),
	                                      axis == INPUT_AXIS_VERTICAL
	                                              ? WL_POINTER_AXIS_VERTICAL_SCROLL
	                                              : WL_POINTER_AXIS_HORIZONTAL_SCROLL,
	                                      wl_fixed_from_double(value), steps);
	zwlr_virtual_pointer_v1_axis_source(s->pointer, WL_POINTER_AXIS_SOURCE_WHEEL);
}

static void wl_frame(struct input_sink *base)
{
	struct sink_wl *s = (struct sink_wl *)base;

	if (s->lost)
		return;
	zwlr_virtual_pointer_v1_frame(s->pointer);
	flush(s);
}

/* ---- life ---- */

static void sink_wl_free(struct sink_wl *s)
{
	wayland_source_free(s->source);
	if (s->keyboard)
		zwp_virtual_keyboard_v1_destroy(s->keyboard);
	if (s->pointer)
		zwlr_virtual_pointer_v1_destroy(s->pointer);
	if (s->keyboard_manager)
		zwp_virtual_keyboard_manager_v1_destroy(s->keyboard_manager);
	if (s->pointer_manager)
		zwlr_virtual_pointer_manager_v1_destroy(s->pointer_manager);
	for (unsigned i = 0; i < s->n_outputs; i++)
		output_clear(&s->outputs[i]);
	if (s->seat)
		wl_seat_destroy(s->seat);
	if (s->registry)
		wl_registry_destroy(s->registry);
	if (s->display) {
		/* the releases input_sink_destroy just queued must leave before we hang up */
		flush(s);
		wl_display_disconnect(s->display);
	}
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
	if (!s->state) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make a keyboard state");
		return false;
	}
	find_level_keys(s);
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
	const char *name = o->display ? o->display : g_getenv("WAYLAND_DISPLAY");

	input_sink_init(&s->base, &sink_wl_impl);
	s->closed = o->closed;
	s->closed_data = o->data;
	if (!make_keymap(s, o, error))
		goto fail;
	s->display = wayland_connect(name, "to drive", &registry_listener, s, &s->registry, error);
	if (!s->display)
		goto fail;
	/* the second roundtrip brings the output's mode */
	if (wl_display_roundtrip(s->display) < 0) {
		g_autofree char *why = wayland_display_error(s->display);

		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "Wayland display “%s”: %s", name,
		            why);
		goto fail;
	}
	if (!s->seat) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "the compositor on “%s” has no seat to send input to", name);
		goto fail;
	}
	if (!choose_output(s, o->output)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "the compositor on “%s” has no output “%s” to map the pointer to", name,
		            o->output);
		goto fail;
	}
	if (!s->keyboard_manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this compositor (“%s”) offers no virtual keyboard "
		            "(zwp_virtual_keyboard_manager_v1); try --source=portal",
		            name);
		goto fail;
	}
	if (!s->pointer_manager) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this compositor (“%s”) offers no virtual pointer "
		            "(zwlr_virtual_pointer_manager_v1); try --source=portal",
		            name);
		goto fail;
	}
	s->keyboard = zwp_virtual_keyboard_manager_v1_create_virtual_keyboard(s->keyboard_manager,
	                                                                      s->seat);
	/* before any key: wlroots refuses keys from a keyboard without a keymap */
	if (!upload_keymap(s, error))
		goto fail;
	if (s->output && s->pointer_manager_version >= 2)
		s->pointer = zwlr_virtual_pointer_manager_v1_create_virtual_pointer_with_output(
		        s->pointer_manager, s->seat, s->output->output);
	else
		s->pointer = zwlr_virtual_pointer_manager_v1_create_virtual_pointer(
		        s->pointer_manager, s->seat);
	/* a refused keymap shows up here, while the caller can still hear about it */
	if (wl_display_roundtrip(s->display) < 0) {
		g_autofree char *why = wayland_display_error(s->display);

		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "Wayland display “%s”: %s", name,
		            why);
		goto fail;
	}
	s->source = wayland_source_new(s->display, "wayrtc input", source_lost, s);
	log_info("input to “%s”: virtual keyboard (layout %s) and pointer v%u on %s, extent %dx%d",
	         name, o->layout ? o->layout : "default", s->pointer_manager_version,
	         s->output && s->output->name ? s->output->name : "the first output",
	         s->output ? s->output->width : 0, s->output ? s->output->height : 0);
	return &s->base;
fail:
	sink_wl_free(s);
	return NULL;
}
