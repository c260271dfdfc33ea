/* wayrtc-test-pattern: an xdg-shell window filling whatever size it is configured to
 * with four solid quadrants (red, green / blue, white), so a decoded frame is easy to
 * check, and printing every input event it gets as one line on stdout:
 *   configured WxH | pointer motion X Y | button CODE pressed|released |
 *   axis AXIS VALUE | key CODE pressed|released | keymap
 * (X, Y surface-local and rounded; AXIS 0 vertical, 1 horizontal; CODE evdev).
 * --keysyms adds to each key press what the keymap the compositor sent makes of it: the
 * UTF-8 text ("key 21 pressed z"), or the keysym name where there is none ("Shift_L").
 * --timestamps ends each input event line in " @MS" (CLOCK_REALTIME, milliseconds).
 * --animate also repaints a small moving square on every frame callback; --clock (with
 * --animate) paints the wall-clock time in ms as a 32-cell bar code on the top row, so a
 * browser can tell how old the frame it shows is.
 * --busy (with --animate) fills the window with a terminal scrolling random text, one
 * new line per frame, under the --clock row: content that needs megabits a second, the
 * same on every run (a fixed seed), for the network tests.
 * --keyflash repaints a 64x64 square at the top-left corner on every key press, black
 * and white in turn (black before the first press), and commits at once (damaging only
 * that square), so a browser can tell when a typed key became visible.
 * --cursor sets its own pointer cursor on every wl_pointer.enter, easy to tell from any
 * theme's: 24x24 ARGB8888, the top half opaque magenta (0xffff00ff), the bottom half
 * opaque cyan (0xff00ffff), hotspot (5, 7).
 * --fullscreen asks to be fullscreen (desktops such as GNOME place a window where they
 * like otherwise), so its pixels are the screen's. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "xdg-shell-client-protocol.h"

#define DEFAULT_WIDTH  640
#define DEFAULT_HEIGHT 480
/* Refuse absurd configures instead of allocating gigabytes of shared memory. */
#define MAX_SIDE 8192
/* Enough for double buffering with one buffer still held by the compositor. */
#define MAX_BUFFERS        3
#define SQUARE_SIDE        32
#define SQUARE_STEP        4
#define SEAT_VERSION       5
#define COMPOSITOR_VERSION 4
#define FLASH_SIDE         64
#define CURSOR_SIDE        24
#define CURSOR_HOTSPOT_X   5
#define CURSOR_HOTSPOT_Y   7

/* --timestamps: each input event line ends in " @MS", the wall clock in milliseconds when
 * the client got it, so a benchmark can compare with the browser's clock. */
static bool timestamps;

static void end_line(void)
{
	struct timespec ts;

	if (timestamps) {
		clock_gettime(CLOCK_REALTIME, &ts);
		printf(" @%.3f", (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
	}
	putchar('\n');
}

static const uint32_t color_red = 0xffff0000;
static const uint32_t color_green = 0xff00ff00;
static const uint32_t color_blue = 0xff0000ff;
static const uint32_t color_white = 0xffffffff;
static const uint32_t color_square = 0xff202020;
static const uint32_t color_black = 0xff000000;
static const uint32_t color_cursor_top = 0xffff00ff;
static const uint32_t color_cursor_bottom = 0xff00ffff;

struct client;

struct buffer {
	struct client *client;
	struct wl_buffer *wl_buffer;
	uint32_t *pixels;
	size_t size;
	int width, height;
	bool busy;
};

struct client {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	struct wl_keyboard *keyboard;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_callback *frame_callback;

	struct buffer buffers[MAX_BUFFERS];
	int pending_width, pending_height;
	int width, height;
	bool animate;
	bool clock;
	bool busy;
	/* --busy: glyph numbers (0 blank) of the text on screen, row by row, scrolled as a
	 * ring (busy_top is the screen's first row); its own PRNG state, so runs match. */
	uint8_t *busy_cells;
	int busy_cols, busy_rows, busy_top;
	uint32_t busy_seed;
	bool announced;
	bool closed;
	unsigned frame;
	bool keysyms;
	/* --keyflash: the square's colour flips on each press; a press that found every
	 * buffer busy is drawn when the compositor releases one. */
	bool keyflash;
	bool flash_white;
	bool flash_pending;
	int committed_width, committed_height;
	/* --cursor: one surface and buffer, committed once, set on each pointer enter. */
	bool cursor;
	struct wl_surface *cursor_surface;
	struct buffer cursor_buffer;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *xkb_state;
};

static void buffer_destroy(struct buffer *buffer)
{
	if (buffer->wl_buffer)
		wl_buffer_destroy(buffer->wl_buffer);
	if (buffer->pixels)
		munmap(buffer->pixels, buffer->size);
	memset(buffer, 0, sizeof(*buffer));
}

static void client_flash(struct client *client);

static void buffer_handle_release(void *data, struct wl_buffer *wl_buffer)
{
	struct buffer *buffer = data;

	buffer->busy = false;
	if (buffer->client->flash_pending)
		client_flash(buffer->client);
}

static const struct wl_buffer_listener buffer_listener = {
        .release = buffer_handle_release,
};

static bool buffer_create_format(struct client *client, struct buffer *buffer, int width,
                                 int height, uint32_t format)
{
	int stride = width * 4;
	size_t size = (size_t)stride * (size_t)height;
	struct wl_shm_pool *pool;
	int fd = memfd_create("wayrtc-test-pattern", MFD_CLOEXEC);

	if (fd < 0)
		return false;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return false;
	}
	buffer->pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buffer->pixels == MAP_FAILED) {
		buffer->pixels = NULL;
		close(fd);
		return false;
	}
	pool = wl_shm_create_pool(client->shm, fd, (int32_t)size);
	buffer->wl_buffer = wl_shm_pool_create_buffer(pool, 0, width, height, stride, format);
	wl_shm_pool_destroy(pool);
	close(fd);
	buffer->client = client;
	buffer->size = size;
	buffer->width = width;
	buffer->height = height;
	wl_buffer_add_listener(buffer->wl_buffer, &buffer_listener, buffer);
	return true;
}

static bool buffer_create(struct client *client, struct buffer *buffer, int width, int height)
{
	return buffer_create_format(client, buffer, width, height, WL_SHM_FORMAT_XRGB8888);
}

/* A free buffer of the current size; stale sizes are dropped once released. */
static struct buffer *client_next_buffer(struct client *client)
{
	struct buffer *free_slot = NULL;

	for (int i = 0; i < MAX_BUFFERS; i++) {
		struct buffer *buffer = &client->buffers[i];

		if (buffer->wl_buffer && !buffer->busy &&
		    (buffer->width != client->width || buffer->height != client->height))
			buffer_destroy(buffer);
		if (buffer->wl_buffer && !buffer->busy)
			return buffer;
		if (!buffer->wl_buffer && !free_slot)
			free_slot = buffer;
	}
	if (!free_slot || !buffer_create(client, free_slot, client->width, client->height))
		return NULL;
	return free_slot;
}

static void paint_pattern(struct buffer *buffer)
{
	int half_w = buffer->width / 2, half_h = buffer->height / 2;

	for (int y = 0; y < buffer->height; y++) {
		uint32_t *row = buffer->pixels + (size_t)y * (size_t)buffer->width;
		uint32_t left = y < half_h ? color_red : color_blue;
		uint32_t right = y < half_h ? color_green : color_white;

		for (int x = 0; x < buffer->width; x++)
			row[x] = x < half_w ? left : right;
	}
}

static void paint_square(struct buffer *buffer, unsigned frame)
{
	int span_x = buffer->width - SQUARE_SIDE, span_y = buffer->height - SQUARE_SIDE;
	int x0, y0;

	if (span_x <= 0 || span_y <= 0)
		return;
	x0 = (int)((frame * SQUARE_STEP) % (unsigned)span_x);
	y0 = (int)((frame * SQUARE_STEP) % (unsigned)span_y);
	for (int y = y0; y < y0 + SQUARE_SIDE; y++) {
		for (int x = x0; x < x0 + SQUARE_SIDE; x++)
			buffer->pixels[(size_t)y * (size_t)buffer->width + (size_t)x] =
			        color_square;
	}
}

#define CLOCK_CELL 16 /* px per bit: survives video compression */
#define CLOCK_BITS 32

/* Bit i of (ms since the epoch, low 32 bits) is cell i of the top row: white 1, black 0. */
static void paint_clock(struct buffer *buffer)
{
	struct timespec ts;
	uint32_t ms;

	if (buffer->width < CLOCK_CELL * CLOCK_BITS || buffer->height < CLOCK_CELL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
	for (int y = 0; y < CLOCK_CELL; y++) {
		for (int x = 0; x < CLOCK_CELL * CLOCK_BITS; x++)
			buffer->pixels[(size_t)y * (size_t)buffer->width + (size_t)x] =
			        (ms >> (x / CLOCK_CELL)) & 1 ? 0xffffffff : 0xff000000;
	}
}

#define GLYPH_W      8
#define GLYPH_H      16
#define GLYPHS       95
#define GLYPH_INK_W  6
#define GLYPH_INK_H  10
#define GLYPH_INK_Y0 3

static uint32_t busy_random(uint32_t *state)
{
	/* xorshift32: fixed sequence, no libc state shared with anything */
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Bit (y * GLYPH_INK_W + x) of glyph g: a random 6x10 "letter" per code, fixed. */
static uint64_t glyph_bits(unsigned g)
{
	static uint64_t font[GLYPHS + 1];
	static bool made;

	if (!made) {
		uint32_t seed = 0x9e3779b9;

		for (unsigned i = 1; i <= GLYPHS; i++)
			font[i] = ((uint64_t)busy_random(&seed) << 32 | busy_random(&seed)) &
			          busy_random(&seed); /* ~25 % ink, about a letter's */
		made = true;
	}
	return g <= GLYPHS ? font[g] : 0;
}

/* One new line of text at the bottom: a random length, words of random letters. */
static void busy_new_line(struct client *client, uint8_t *row)
{
	int len = (int)(busy_random(&client->busy_seed) % (unsigned)client->busy_cols);

	for (int x = 0; x < client->busy_cols; x++) {
		bool space = x >= len || busy_random(&client->busy_seed) % 6 == 0;

		row[x] = space ? 0 : (uint8_t)(1 + busy_random(&client->busy_seed) % GLYPHS);
	}
}

/* --busy: scrolls the text by one line and draws all of it, light grey on black. */
static void paint_busy(struct client *client, struct buffer *buffer)
{
	int cols = buffer->width / GLYPH_W, rows = buffer->height / GLYPH_H;

	if (cols != client->busy_cols || rows != client->busy_rows) {
		free(client->busy_cells);
		client->busy_cells = calloc((size_t)cols * (size_t)rows, 1);
		client->busy_cols = cols;
		client->busy_rows = rows;
		client->busy_top = 0;
		client->busy_seed = 0x2545f491;
		if (!client->busy_cells)
			return;
	}
	if (!client->busy_cells || !rows)
		return;
	busy_new_line(client, client->busy_cells + (size_t)client->busy_top * (size_t)cols);
	client->busy_top = (client->busy_top + 1) % rows;
	for (int y = 0; y < buffer->height; y++)
		memset(buffer->pixels + (size_t)y * (size_t)buffer->width, 0,
		       (size_t)buffer->width * 4);
	for (int r = 0; r < rows; r++) {
		const uint8_t *line =
		        client->busy_cells + (size_t)((client->busy_top + r) % rows) * (size_t)cols;

		for (int c = 0; c < cols; c++) {
			uint64_t bits = glyph_bits(line[c]);

			for (int gy = 0; bits && gy < GLYPH_INK_H; gy++) {
				uint32_t *px = buffer->pixels +
				               (size_t)(r * GLYPH_H + GLYPH_INK_Y0 + gy) *
				                       (size_t)buffer->width +
				               (size_t)(c * GLYPH_W + 1);

				for (int gx = 0; gx < GLYPH_INK_W; gx++)
					if (bits >> (gy * GLYPH_INK_W + gx) & 1)
						px[gx] = 0xffd0d0d0;
			}
		}
	}
}

/* --keyflash: the square at the top-left corner, in this press's colour. */
static void paint_flash(struct client *client, struct buffer *buffer)
{
	uint32_t color = client->flash_white ? color_white : color_black;
	int side_x = buffer->width < FLASH_SIDE ? buffer->width : FLASH_SIDE;
	int side_y = buffer->height < FLASH_SIDE ? buffer->height : FLASH_SIDE;

	for (int y = 0; y < side_y; y++) {
		for (int x = 0; x < side_x; x++)
			buffer->pixels[(size_t)y * (size_t)buffer->width + (size_t)x] = color;
	}
}

static void client_draw_damage(struct client *client, bool flash_only);

static void client_draw(struct client *client)
{
	client_draw_damage(client, false);
}

static void frame_handle_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct client *client = data;

	wl_callback_destroy(callback);
	client->frame_callback = NULL;
	client->frame++;
	client_draw(client);
}

static const struct wl_callback_listener frame_listener = {
        .done = frame_handle_done,
};

/* Paints a whole buffer and commits it. flash_only: only the --keyflash square changed
 * since the last commit, so only it is damaged (a static client repainting for a key). */
static void client_draw_damage(struct client *client, bool flash_only)
{
	struct buffer *buffer = client_next_buffer(client);

	if (!buffer) {
		bool all_busy = true;

		for (int i = 0; i < MAX_BUFFERS; i++)
			all_busy =
			        all_busy && client->buffers[i].wl_buffer && client->buffers[i].busy;
		if (all_busy && client->animate) {
			/* The compositor still holds every buffer: try again next frame. */
			if (!client->frame_callback) {
				client->frame_callback = wl_surface_frame(client->surface);
				wl_callback_add_listener(client->frame_callback, &frame_listener,
				                         client);
			}
			wl_surface_commit(client->surface);
			return;
		}
		if (all_busy && flash_only) {
			/* drawn from the release of one of them */
			client->flash_pending = true;
			return;
		}
		fprintf(stderr, "wayrtc-test-pattern: cannot get a %dx%d buffer\n", client->width,
		        client->height);
		client->closed = true;
		return;
	}
	paint_pattern(buffer);
	if (client->keyflash)
		paint_flash(client, buffer);
	if (client->animate) {
		if (client->busy)
			paint_busy(client, buffer);
		else
			paint_square(buffer, client->frame);
		if (client->clock)
			paint_clock(buffer);
		if (!client->frame_callback) {
			client->frame_callback = wl_surface_frame(client->surface);
			wl_callback_add_listener(client->frame_callback, &frame_listener, client);
		}
	}
	wl_surface_attach(client->surface, buffer->wl_buffer, 0, 0);
	if (flash_only && !client->animate && client->committed_width == buffer->width &&
	    client->committed_height == buffer->height)
		wl_surface_damage_buffer(client->surface, 0, 0, FLASH_SIDE, FLASH_SIDE);
	else
		wl_surface_damage_buffer(client->surface, 0, 0, INT32_MAX, INT32_MAX);
	wl_surface_commit(client->surface);
	buffer->busy = true;
	client->committed_width = buffer->width;
	client->committed_height = buffer->height;
	if (!client->announced) {
		client->announced = true;
		printf("configured %dx%d\n", client->width, client->height);
	}
}

/* A key press under --keyflash: the new colour goes out now, not at the next event. */
static void client_flash(struct client *client)
{
	client->flash_pending = false;
	client_draw_damage(client, true);
	wl_display_flush(client->display);
}

static void xdg_surface_handle_configure(void *data, struct xdg_surface *xdg_surface,
                                         uint32_t serial)
{
	struct client *client = data;
	int width = client->pending_width > 0 ? client->pending_width : DEFAULT_WIDTH;
	int height = client->pending_height > 0 ? client->pending_height : DEFAULT_HEIGHT;
	bool resized = width != client->width || height != client->height;

	xdg_surface_ack_configure(xdg_surface, serial);
	if (width > MAX_SIDE || height > MAX_SIDE) {
		fprintf(stderr, "wayrtc-test-pattern: refusing a %dx%d configure\n", width, height);
		client->closed = true;
		return;
	}
	client->width = width;
	client->height = height;
	/* Static content: repaint only when the size changed (or nothing is shown yet). An
	 * animating client repaints from its frame callbacks anyway. */
	if (resized || !client->announced) {
		if (resized && client->announced)
			printf("configured %dx%d\n", width, height);
		if (!client->animate || !client->frame_callback)
			client_draw(client);
	} else {
		wl_surface_commit(client->surface);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
        .configure = xdg_surface_handle_configure,
};

static void toplevel_handle_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
                                      int32_t height, struct wl_array *states)
{
	struct client *client = data;

	client->pending_width = width;
	client->pending_height = height;
}

static void toplevel_handle_close(void *data, struct xdg_toplevel *toplevel)
{
	struct client *client = data;

	client->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
        .configure = toplevel_handle_configure,
        .close = toplevel_handle_close,
};

static void wm_base_handle_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
        .ping = wm_base_handle_ping,
};

/* --cursor: the magenta-over-cyan image, drawn and committed on the first enter. */
static bool client_make_cursor(struct client *client)
{
	struct buffer *buffer = &client->cursor_buffer;

	if (client->cursor_surface)
		return true;
	if (!buffer_create_format(client, buffer, CURSOR_SIDE, CURSOR_SIDE, WL_SHM_FORMAT_ARGB8888))
		return false;
	for (int y = 0; y < CURSOR_SIDE; y++) {
		for (int x = 0; x < CURSOR_SIDE; x++)
			buffer->pixels[y * CURSOR_SIDE + x] =
			        y < CURSOR_SIDE / 2 ? color_cursor_top : color_cursor_bottom;
	}
	client->cursor_surface = wl_compositor_create_surface(client->compositor);
	wl_surface_attach(client->cursor_surface, buffer->wl_buffer, 0, 0);
	wl_surface_damage_buffer(client->cursor_surface, 0, 0, CURSOR_SIDE, CURSOR_SIDE);
	wl_surface_commit(client->cursor_surface);
	return true;
}

static void pointer_handle_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
                                 struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct client *client = data;

	if (!client->cursor)
		return;
	if (!client_make_cursor(client)) {
		fprintf(stderr, "wayrtc-test-pattern: cannot make the cursor buffer\n");
		return;
	}
	wl_pointer_set_cursor(pointer, serial, client->cursor_surface, CURSOR_HOTSPOT_X,
	                      CURSOR_HOTSPOT_Y);
}

static void pointer_handle_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
                                 struct wl_surface *surface)
{
}

static void pointer_handle_motion(void *data, struct wl_pointer *pointer, uint32_t time,
                                  wl_fixed_t x, wl_fixed_t y)
{
	printf("pointer motion %ld %ld", lround(wl_fixed_to_double(x)),
	       lround(wl_fixed_to_double(y)));
	end_line();
}

static void pointer_handle_button(void *data, struct wl_pointer *pointer, uint32_t serial,
                                  uint32_t time, uint32_t button, uint32_t state)
{
	printf("button %u %s", button,
	       state == WL_POINTER_BUTTON_STATE_PRESSED ? "pressed" : "released");
	end_line();
}

static void pointer_handle_axis(void *data, struct wl_pointer *pointer, uint32_t time,
                                uint32_t axis, wl_fixed_t value)
{
	printf("axis %u %g", axis, wl_fixed_to_double(value));
	end_line();
}

static void pointer_handle_frame(void *data, struct wl_pointer *pointer)
{
}

static void pointer_handle_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
}

static void pointer_handle_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time,
                                     uint32_t axis)
{
}

static void pointer_handle_axis_discrete(void *data, struct wl_pointer *pointer, uint32_t axis,
                                         int32_t discrete)
{
}

static const struct wl_pointer_listener pointer_listener = {
        .enter = pointer_handle_enter,
        .leave = pointer_handle_leave,
        .motion = pointer_handle_motion,
        .button = pointer_handle_button,
        .axis = pointer_handle_axis,
        .frame = pointer_handle_frame,
        .axis_source = pointer_handle_axis_source,
        .axis_stop = pointer_handle_axis_stop,
        .axis_discrete = pointer_handle_axis_discrete,
};

static void keyboard_handle_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format,
                                   int32_t fd, uint32_t size)
{
	struct client *client = data;
	char *text;

	if (client->keysyms && format == WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 && size > 0) {
		text = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (text != MAP_FAILED) {
			xkb_state_unref(client->xkb_state);
			xkb_keymap_unref(client->keymap);
			client->keymap = xkb_keymap_new_from_buffer(
			        client->xkb, text, strnlen(text, size), XKB_KEYMAP_FORMAT_TEXT_V1,
			        XKB_KEYMAP_COMPILE_NO_FLAGS);
			client->xkb_state = client->keymap ? xkb_state_new(client->keymap) : NULL;
			munmap(text, size);
		}
	}
	close(fd);
	printf("keymap\n");
}

static void keyboard_handle_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
                                  struct wl_surface *surface, struct wl_array *keys)
{
}

static void keyboard_handle_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
                                  struct wl_surface *surface)
{
}

static void keyboard_handle_key(void *data, struct wl_keyboard *keyboard, uint32_t serial,
                                uint32_t time, uint32_t key, uint32_t state)
{
	struct client *client = data;
	bool pressed = state == WL_KEYBOARD_KEY_STATE_PRESSED;
	char text[64] = "";

	if (pressed && client->xkb_state) {
		/* evdev code + 8 is the XKB keycode */
		xkb_keysym_t sym = xkb_state_key_get_one_sym(client->xkb_state, key + 8);

		text[0] = ' ';
		if (xkb_state_key_get_utf8(client->xkb_state, key + 8, text + 1,
		                           sizeof(text) - 1) <= 0 ||
		    (unsigned char)text[1] < ' ')
			xkb_keysym_get_name(sym, text + 1, sizeof(text) - 1);
	}
	printf("key %u %s%s", key, pressed ? "pressed" : "released", text);
	end_line();
	if (pressed && client->keyflash && client->announced && !client->closed) {
		client->flash_white = !client->flash_white;
		client_flash(client);
	}
}

static void keyboard_handle_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial,
                                      uint32_t depressed, uint32_t latched, uint32_t locked,
                                      uint32_t group)
{
	struct client *client = data;

	if (client->xkb_state)
		xkb_state_update_mask(client->xkb_state, depressed, latched, locked, 0, 0, group);
}

static void keyboard_handle_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate,
                                        int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
        .keymap = keyboard_handle_keymap,
        .enter = keyboard_handle_enter,
        .leave = keyboard_handle_leave,
        .key = keyboard_handle_key,
        .modifiers = keyboard_handle_modifiers,
        .repeat_info = keyboard_handle_repeat_info,
};

static void seat_handle_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct client *client = data;

	/* A capability that goes away (the last virtual pointer of a viewer who left) makes
	 * the old object inert: let it go, and take a new one when the capability returns. */
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !client->pointer) {
		client->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(client->pointer, &pointer_listener, client);
	} else if (!(caps & WL_SEAT_CAPABILITY_POINTER) && client->pointer) {
		wl_pointer_release(client->pointer);
		client->pointer = NULL;
	}
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !client->keyboard) {
		client->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(client->keyboard, &keyboard_listener, client);
	} else if (!(caps & WL_SEAT_CAPABILITY_KEYBOARD) && client->keyboard) {
		wl_keyboard_release(client->keyboard);
		client->keyboard = NULL;
	}
}

static void seat_handle_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
        .capabilities = seat_handle_capabilities,
        .name = seat_handle_name,
};

static uint32_t min_version(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
                                   const char *interface, uint32_t version)
{
	struct client *client = data;

	if (strcmp(interface, wl_compositor_interface.name) == 0 && !client->compositor) {
		client->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
		                                      min_version(version, COMPOSITOR_VERSION));
	} else if (strcmp(interface, wl_shm_interface.name) == 0 && !client->shm) {
		client->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 && !client->wm_base) {
		client->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(client->wm_base, &wm_base_listener, client);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !client->seat) {
		client->seat = wl_registry_bind(registry, name, &wl_seat_interface,
		                                min_version(version, SEAT_VERSION));
		wl_seat_add_listener(client->seat, &seat_listener, client);
	}
}

static void registry_handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
        .global = registry_handle_global,
        .global_remove = registry_handle_global_remove,
};

static void client_finish(struct client *client)
{
	for (int i = 0; i < MAX_BUFFERS; i++)
		buffer_destroy(&client->buffers[i]);
	buffer_destroy(&client->cursor_buffer);
	free(client->busy_cells);
	if (client->cursor_surface)
		wl_surface_destroy(client->cursor_surface);
	if (client->frame_callback)
		wl_callback_destroy(client->frame_callback);
	if (client->toplevel)
		xdg_toplevel_destroy(client->toplevel);
	if (client->xdg_surface)
		xdg_surface_destroy(client->xdg_surface);
	if (client->surface)
		wl_surface_destroy(client->surface);
	if (client->pointer)
		wl_pointer_destroy(client->pointer);
	if (client->keyboard)
		wl_keyboard_destroy(client->keyboard);
	if (client->seat)
		wl_seat_destroy(client->seat);
	if (client->wm_base)
		xdg_wm_base_destroy(client->wm_base);
	if (client->shm)
		wl_shm_destroy(client->shm);
	if (client->compositor)
		wl_compositor_destroy(client->compositor);
	if (client->registry)
		wl_registry_destroy(client->registry);
	wl_display_disconnect(client->display);
	xkb_state_unref(client->xkb_state);
	xkb_keymap_unref(client->keymap);
	xkb_context_unref(client->xkb);
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
	        /* clang-format off */
	        {"animate", no_argument, NULL, 'a'},
	        {"clock", no_argument, NULL, 'c'},
	        {"busy", no_argument, NULL, 'b'},
	        {"keysyms", no_argument, NULL, 'k'},
	        {"timestamps", no_argument, NULL, 't'},
	        {"keyflash", no_argument, NULL, 'f'},
	        {"cursor", no_argument, NULL, 'C'}, /* e2e tests rely on its exact image */
	        {"fullscreen", no_argument, NULL, 'F'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	        /* clang-format on */
	};
	struct client client = {0};
	bool fullscreen = false;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case 'a':
			client.animate = true;
			break;
		case 'c':
			client.clock = true;
			break;
		case 'b':
			client.busy = true;
			break;
		case 't':
			timestamps = true;
			break;
		case 'f':
			client.keyflash = true;
			break;
		case 'C':
			client.cursor = true;
			break;
		case 'F':
			fullscreen = true;
			break;
		case 'k':
			client.keysyms = true;
			client.xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
			break;
		case 'h':
			printf("Usage: %s [--animate [--clock] [--busy]] [--keysyms] "
			       "[--timestamps] "
			       "[--keyflash] [--cursor] [--fullscreen]\n"
			       "Shows four colour quadrants; prints input events on stdout.\n"
			       "  --keyflash  each key press turns the 64x64 square at the "
			       "top-left\n"
			       "              corner white, then black, and so on (black at "
			       "start)\n"
			       "  --busy      (with --animate) a terminal scrolling random "
			       "text\n"
			       "  --cursor    sets a 24x24 cursor, magenta over cyan, hotspot "
			       "(5, 7)\n",
			       argv[0]);
			return 0;
		default:
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	client.display = wl_display_connect(NULL);
	if (!client.display) {
		fprintf(stderr, "wayrtc-test-pattern: cannot connect to the Wayland display\n");
		return 1;
	}
	client.registry = wl_display_get_registry(client.display);
	wl_registry_add_listener(client.registry, &registry_listener, &client);
	wl_display_roundtrip(client.display);
	if (!client.compositor || !client.shm || !client.wm_base) {
		fprintf(stderr, "wayrtc-test-pattern: the compositor lacks wl_compositor, wl_shm "
		                "or xdg_wm_base\n");
		client_finish(&client);
		return 1;
	}

	client.surface = wl_compositor_create_surface(client.compositor);
	client.xdg_surface = xdg_wm_base_get_xdg_surface(client.wm_base, client.surface);
	xdg_surface_add_listener(client.xdg_surface, &xdg_surface_listener, &client);
	client.toplevel = xdg_surface_get_toplevel(client.xdg_surface);
	xdg_toplevel_add_listener(client.toplevel, &toplevel_listener, &client);
	xdg_toplevel_set_title(client.toplevel, "wayrtc test pattern");
	xdg_toplevel_set_app_id(client.toplevel, "wayrtc-test-pattern");
	if (fullscreen)
		xdg_toplevel_set_fullscreen(client.toplevel, NULL);
	wl_surface_commit(client.surface);

	while (!client.closed) {
		if (wl_display_dispatch(client.display) < 0) {
			if (errno != EPIPE && errno != ECONNRESET)
				fprintf(stderr, "wayrtc-test-pattern: connection lost: %s\n",
				        strerror(errno));
			ret = 1;
			break;
		}
	}
	client_finish(&client);
	return ret;
}
