/* share/viewer's gates, through its real API: the real server on 127.0.0.1 admits a page
 * (a libsoup WebSocket client) and the test's viewer_host makes a viewer of it, with its
 * real rtc_peer. Signaling goes over the socket; data-channel messages go in where the
 * peer would hand them over (viewer_channel_*), since no browser brings an SCTP
 * association here. An input sink of the test's own counts what reaches the desktop.
 * Each check says which gate it guards: remove the gate and it fails. One test connects:
 * a browser of our own modules (browser.c) answers the offer over loopback.
 *
 * Built a second time with VIEWER_WITH_SESSION (the integration suite), against a real
 * wayrtc-session for the clipboard: input held while a paste is applied, and its cap. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "rtc/dtls.h"
#include "rtc/peer.h"
#include "rtc/rtp.h"
#include "server/auth.h"
#include "server/cert.h"
#include "server/server.h"
#include "share/arbiter.h"
#include "share/config.h"
#include "share/viewer.h"
#include "input/sink.h"
#include "browser.h"
#ifdef VIEWER_WITH_SESSION
#include "../integration/session.h"
#endif

#define WAIT_MS 10000

/* stream ids as a browser (the DTLS client's even ones) would pick them */
#define ID_INPUT     0
#define ID_POINTER   2
#define ID_CLIPBOARD 4
#define ID_CURSOR    6

static char *state_dir;
static GTlsCertificate *tls_cert;
static struct auth_key key;
static struct rtc_cert *dtls_cert;

/* ---- what reached the desktop ---- */

struct world;

struct test_sink {
	struct input_sink base;
	struct world *w;
};

struct world {
	struct server *server;
	unsigned port;
	char *origin;
	SoupSession *session;
	struct config config;
	struct viewer_host host;
	struct viewer *viewer;
	uint32_t scope;
	/* the page */
	SoupWebsocketConnection *conn;
	GPtrArray *texts; /* every text the page got, in order */
	unsigned read;    /* of them, looked at */
	bool closed;
	/* the host */
	unsigned sinks, resizes, attaches, keyframes;
	struct rtc_peer *attached; /* the peer host->attach was given */
	int64_t keyframe_us;       /* when host->request_keyframe was last called */
	GArray *retransmits;       /* uint16_t: what host->retransmit was asked for */
	char *offer;               /* the offer's SDP */
	unsigned resize_w, resize_h;
	double resize_ratio;
	/* the sink */
	unsigned moves, keys_down, keys_up, buttons, texts_typed;
	double last_x;
#ifdef VIEWER_WITH_SESSION
	unsigned applied;
#endif
};

static void sink_motion(struct input_sink *sink, double x, double y)
{
	struct test_sink *s = (struct test_sink *)sink;

	s->w->moves++;
	s->w->last_x = x;
}

static void sink_button(struct input_sink *sink, uint32_t button, bool pressed)
{
	((struct test_sink *)sink)->w->buttons++;
}

static void sink_axis(struct input_sink *sink, enum input_axis axis, double value,
                      int32_t discrete120)
{
}

static void sink_frame(struct input_sink *sink)
{
}

static void sink_key(struct input_sink *sink, uint32_t code, bool pressed)
{
	struct test_sink *s = (struct test_sink *)sink;

	if (pressed)
		s->w->keys_down++;
	else
		s->w->keys_up++;
}

static size_t sink_text(struct input_sink *sink, const char *utf8, size_t len)
{
	((struct test_sink *)sink)->w->texts_typed++;
	return 0;
}

static void sink_destroy(struct input_sink *sink)
{
	g_free(sink);
}

static const struct input_sink_impl sink_impl = {
        .pointer_motion_abs = sink_motion,
        .pointer_button = sink_button,
        .pointer_axis = sink_axis,
        .frame = sink_frame,
        .key = sink_key,
        .text = sink_text,
        .destroy = sink_destroy,
};

/* ---- the share, as the viewer sees it ---- */

static void host_get_size(void *data, unsigned *width, unsigned *height)
{
	*width = 1280;
	*height = 720;
}

static void host_resize(void *data, unsigned css_width, unsigned css_height, double ratio)
{
	struct world *w = data;

	w->resizes++;
	w->resize_w = css_width;
	w->resize_h = css_height;
	w->resize_ratio = ratio;
}

static void host_attach(void *data, struct rtc_peer *peer, bool audio)
{
	struct world *w = data;

	w->attaches++;
	w->attached = peer;
}

static void host_detach(void *data, struct rtc_peer *peer, bool audio)
{
}

static void host_keyframe(void *data, struct rtc_peer *peer)
{
	struct world *w = data;

	w->keyframes++;
	w->keyframe_us = g_get_monotonic_time();
}

static void host_retransmit(void *data, struct rtc_peer *peer, uint16_t seq)
{
	struct world *w = data;

	g_assert_true(peer == w->attached);
	g_array_append_val(w->retransmits, seq);
}

static struct input_sink *host_new_sink(void *data, GError **error)
{
	struct world *w = data;
	struct test_sink *s = g_new0(struct test_sink, 1);

	w->sinks++;
	s->w = w;
	input_sink_init(&s->base, &sink_impl);
	return &s->base;
}

static const enum rtc_codec codecs[] = {RTC_CODEC_H264, RTC_CODEC_VP8};

/* ---- the server, handing its admitted socket to a viewer as the share does ---- */

static void on_open(void *data, struct server_client *client, uint32_t scope)
{
	struct world *w = data;

	g_assert_null(w->viewer);
	w->scope = scope;
	w->viewer = viewer_new(&w->host, client, scope);
	server_client_set_data(client, w->viewer);
}

static void on_message(void *data, struct server_client *client, const char *text, size_t len)
{
	viewer_handle_message(server_client_get_data(client), text, len);
}

static void on_closed(void *data, struct server_client *client)
{
	struct world *w = data;

	viewer_free(server_client_get_data(client));
	w->viewer = NULL;
}

static const struct server_listener server_listener = {
        .open = on_open,
        .message = on_message,
        .closed = on_closed,
};

static gboolean on_timeout(gpointer data)
{
	g_error("timed out waiting for %s", (const char *)data);
	return G_SOURCE_REMOVE;
}

static gboolean on_accept_certificate(SoupMessage *msg, GTlsCertificate *peer,
                                      GTlsCertificateFlags errors, gpointer data)
{
	return g_tls_certificate_is_same(peer, tls_cert);
}

struct ws_attempt {
	bool done;
	SoupWebsocketConnection *conn;
	GError *error;
};

static void on_ws_connected(GObject *source, GAsyncResult *res, gpointer data)
{
	struct ws_attempt *a = data;

	a->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &a->error);
	a->done = true;
}

static void on_page_message(SoupWebsocketConnection *conn, gint type, GBytes *message,
                            gpointer data)
{
	struct world *w = data;
	gsize len;
	const char *text = g_bytes_get_data(message, &len);

	g_ptr_array_add(w->texts, g_strndup(text, len));
}

static void on_page_closed(SoupWebsocketConnection *conn, gpointer data)
{
	((struct world *)data)->closed = true;
}

static char *type_of(const char *text, JsonObject **out)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;

	g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
	root = json_parser_get_root(parser);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
	if (out)
		*out = json_object_ref(json_node_get_object(root));
	return g_strdup(json_object_get_string_member(json_node_get_object(root), "type"));
}

/* The next message to the page that is not a trickled candidate (those come whenever
 * libnice finds one); waits for it. */
static char *page_next(struct world *w, JsonObject **obj)
{
	guint id = g_timeout_add(WAIT_MS, on_timeout, (gpointer) "a message to the page");

	for (;;) {
		while (w->read >= w->texts->len)
			g_main_context_iteration(NULL, TRUE);
		const char *text = w->texts->pdata[w->read++];
		char *type = type_of(text, obj);

		if (strcmp(type, "candidate")) {
			g_source_remove(id);
			return type;
		}
		g_free(type);
		if (obj)
			json_object_unref(*obj);
	}
}

static void page_send(struct world *w, const char *json)
{
	soup_websocket_connection_send_text(w->conn, json);
}

/* A ping after whatever was sent: its pong proves the viewer handled everything before
 * it, and what came to the page in between is checked by the caller. */
G_GNUC_UNUSED static void page_sync(struct world *w)
{
	g_autofree char *type = NULL;

	page_send(w, "{\"type\":\"ping\"}");
	type = page_next(w, NULL);
	g_assert_cmpstr(type, ==, "pong");
}

/* A page with this scope, admitted, with its hello and offer read. `resize`: the desktop
 * follows the controlling page's window. */
static void world_start(struct world *w, uint32_t scope, bool resize)
{
	struct server_config sc = {.host = "127.0.0.1", .port = 0, .cert = tls_cert, .key = &key};
	g_autoptr(GError) error = NULL;
	g_autofree char *token = auth_token_mint(&key, scope, 3600);
	g_autofree char *token_protocol = g_strconcat("token.", token, NULL);
	const char *protocols[] = {"wayrtc", token_protocol, NULL};
	g_autofree char *uri = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	struct ws_attempt a = {0};
	g_autoptr(JsonObject) hello = NULL;
	g_autofree char *type = NULL, *offer = NULL;
	guint id;

	memset(w, 0, sizeof(*w));
	config_init(&w->config);
	w->host = (struct viewer_host){
	        .config = &w->config,
	        .dtls_cert = dtls_cert,
	        .video_ssrc = 0x11223344,
	        .codecs = codecs,
	        .n_codecs = G_N_ELEMENTS(codecs),
	        .data = w,
	        .get_size = host_get_size,
	        .resize = resize ? host_resize : NULL,
	        .max_width = 2560,
	        .max_height = 1600,
	        .attach = host_attach,
	        .detach = host_detach,
	        .request_keyframe = host_keyframe,
	        .retransmit = host_retransmit,
	        .new_sink = host_new_sink,
	};
	w->texts = g_ptr_array_new_with_free_func(g_free);
	w->retransmits = g_array_new(FALSE, FALSE, sizeof(uint16_t));
	w->server = server_new(&sc, &server_listener, w, &error);
	g_assert_no_error(error);
	w->port = server_get_port(w->server);
	w->origin = g_strdup_printf("https://127.0.0.1:%u", w->port);
	w->session = soup_session_new_with_options("timeout", WAIT_MS / 1000, NULL);
	uri = g_strdup_printf("https://127.0.0.1:%u/ws", w->port);
	msg = soup_message_new("GET", uri);
	g_signal_connect(msg, "accept-certificate", G_CALLBACK(on_accept_certificate), NULL);
	soup_session_websocket_connect_async(w->session, msg, w->origin, (char **)protocols,
	                                     G_PRIORITY_DEFAULT, NULL, on_ws_connected, &a);
	id = g_timeout_add(WAIT_MS, on_timeout, (gpointer) "the upgrade");
	while (!a.done || !w->viewer)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
	g_assert_no_error(a.error);
	w->conn = a.conn;
	g_signal_connect(w->conn, "message", G_CALLBACK(on_page_message), w);
	g_signal_connect(w->conn, "closed", G_CALLBACK(on_page_closed), w);
	g_assert_cmpuint(w->scope, ==, scope);

	type = page_next(w, &hello);
	g_assert_cmpstr(type, ==, "hello");
	/* the page is told it may size the desktop only where both hold */
	g_assert_cmpint(json_object_get_boolean_member_with_default(hello, "resize", false), ==,
	                resize && (scope & AUTH_SCOPE_CONTROL));
	{
		g_autoptr(JsonObject) o = NULL;

		offer = page_next(w, &o);
		g_assert_cmpstr(offer, ==, "offer");
		w->offer = g_strdup(json_object_get_string_member(o, "sdp"));
	}
	g_assert_nonnull(viewer_get_peer(w->viewer));
}

static void world_stop(struct world *w)
{
	if (w->conn) {
		guint id = g_timeout_add(WAIT_MS, on_timeout, (gpointer) "the viewer's end");

		if (soup_websocket_connection_get_state(w->conn) == SOUP_WEBSOCKET_STATE_OPEN)
			soup_websocket_connection_close(w->conn, 1000, NULL);
		while (w->viewer || !w->closed)
			g_main_context_iteration(NULL, TRUE);
		g_source_remove(id);
		/* nothing of this world's stack frame is touched after it returns */
		g_signal_handlers_disconnect_by_data(w->conn, w);
		g_object_unref(w->conn);
	}
	server_free(w->server);
	g_object_unref(w->session);
	g_free(w->origin);
	g_ptr_array_unref(w->texts);
	g_array_unref(w->retransmits);
	g_free(w->offer);
	config_clear(&w->config);
}

static void counts(struct world *w, uint64_t *ignored, uint64_t *dropped)
{
	viewer_get_input_counts(w->viewer, ignored, dropped);
}

/* ---- input messages as web/input.js makes them (docs/input.md) ---- */

static size_t msg_move(uint8_t *b, uint16_t x, uint16_t y)
{
	b[0] = 1;
	b[1] = x & 0xff;
	b[2] = x >> 8;
	b[3] = y & 0xff;
	b[4] = y >> 8;
	return 5;
}

G_GNUC_UNUSED static size_t msg_key(uint8_t *b, const char *code, bool pressed)
{
	size_t n = strlen(code);

	b[0] = 4;
	b[1] = pressed;
	b[2] = (uint8_t)n;
	memcpy(b + 3, code, n);
	return 3 + n;
}

G_GNUC_UNUSED static size_t msg_button(uint8_t *b, uint8_t button, bool pressed)
{
	b[0] = 2;
	b[1] = button;
	b[2] = pressed;
	return 3;
}

static void send_input(struct world *w, uint16_t id, const uint8_t *b, size_t len)
{
	viewer_channel_message(w->viewer, id, true, b, len);
}

static void open_channels(struct world *w)
{
	viewer_channel_open(w->viewer, ID_INPUT, "input");
	viewer_channel_open(w->viewer, ID_POINTER, "pointer");
	viewer_channel_open(w->viewer, ID_CLIPBOARD, "clipboard");
	viewer_channel_open(w->viewer, ID_CURSOR, "cursor");
}

/* ---- the tests ---- */

#ifndef VIEWER_WITH_SESSION

/* Gate: no `control` in the link's scope, no input reaches the desktop; each message is
 * counted as ignored (not dropped), and no keyboard or pointer is even made for it. */
static void test_view_only(void)
{
	struct world w;
	uint8_t b[64];
	uint64_t ignored, dropped;

	world_start(&w, AUTH_SCOPE_VIEW, true);
	open_channels(&w);
	send_input(&w, ID_INPUT, b, msg_key(b, "KeyA", true));
	send_input(&w, ID_INPUT, b, msg_move(b, 100, 200));
	send_input(&w, ID_INPUT, b, msg_button(b, 0, true));
	send_input(&w, ID_POINTER, b, msg_move(b, 300, 400));
	viewer_channel_message(w.viewer, ID_CLIPBOARD, false, (const uint8_t *)"secret", 6);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(ignored, ==, 5);
	g_assert_cmpuint(dropped, ==, 0);
	g_assert_cmpuint(w.sinks, ==, 0);
	g_assert_cmpuint(w.moves + w.keys_down + w.buttons, ==, 0);
	world_stop(&w);
}

/* Gate: with `control`, input reaches the desktop through the viewer's own sink; the
 * pointer channel carries motion only; text frames and malformed messages are dropped;
 * the cursor channel is ours to send on; closing the input channel lets go of its keys. */
static void test_control(void)
{
	struct world w;
	uint8_t b[64];
	uint64_t ignored, dropped;

	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, false);
	open_channels(&w);
	g_assert_cmpuint(w.sinks, ==, 1);
	send_input(&w, ID_INPUT, b, msg_key(b, "KeyA", true));
	send_input(&w, ID_INPUT, b, msg_move(b, 0x8000, 200));
	send_input(&w, ID_INPUT, b, msg_button(b, 0, true));
	send_input(&w, ID_POINTER, b, msg_move(b, 0xffff, 400));
	g_assert_cmpuint(w.keys_down, ==, 1);
	g_assert_cmpuint(w.buttons, ==, 1);
	g_assert_cmpuint(w.moves, ==, 2);
	g_assert_cmpfloat(w.last_x, ==, 1.0);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(ignored, ==, 0);
	g_assert_cmpuint(dropped, ==, 0);

	/* the unreliable pointer channel moves, never presses */
	send_input(&w, ID_POINTER, b, msg_key(b, "KeyB", true));
	send_input(&w, ID_POINTER, b, msg_button(b, 2, true));
	/* input is binary; a string, a malformed message, a message on the cursor channel */
	viewer_channel_message(w.viewer, ID_INPUT, false, b, msg_key(b, "KeyC", true));
	send_input(&w, ID_INPUT, b, msg_move(b, 1, 2) - 1);
	send_input(&w, ID_CURSOR, b, msg_move(b, 1, 2));
	/* a channel of a label we do not know, and a second "input", are refused */
	viewer_channel_open(w.viewer, 8, "evil");
	viewer_channel_open(w.viewer, 10, "input");
	send_input(&w, 8, b, msg_key(b, "KeyD", true));
	send_input(&w, 10, b, msg_key(b, "KeyE", true));
	g_assert_cmpuint(w.keys_down, ==, 1);
	g_assert_cmpuint(w.buttons, ==, 1);
	g_assert_cmpuint(w.moves, ==, 2);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(ignored, ==, 0);
	g_assert_cmpuint(dropped, ==, 5);

	/* no stuck keys: the page's input channel closing lets go of KeyA */
	viewer_channel_closed(w.viewer, ID_INPUT);
	g_assert_cmpuint(w.keys_up, ==, 1);
	g_assert_cmpuint(w.sinks, ==, 1);
	world_stop(&w);
}

/* Gate: clipboard text from the page needs `clipboard`; `control` alone is not enough.
 * With the right, it goes on to the desktop's clipboard (none here: dropped, not
 * ignored), and only as text. */
static void test_clipboard_scope(void)
{
	struct world w;
	uint64_t ignored, dropped;

	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, false);
	open_channels(&w);
	viewer_channel_message(w.viewer, ID_CLIPBOARD, false, (const uint8_t *)"secret", 6);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(ignored, ==, 1);
	g_assert_cmpuint(dropped, ==, 0);
	world_stop(&w);

	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CLIPBOARD, false);
	open_channels(&w);
	viewer_channel_message(w.viewer, ID_CLIPBOARD, false, (const uint8_t *)"secret", 6);
	viewer_channel_message(w.viewer, ID_CLIPBOARD, true, (const uint8_t *)"secret", 6);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(ignored, ==, 0);
	g_assert_cmpuint(dropped, ==, 2);
	/* the clipboard right is not control: input is still ignored */
	viewer_channel_message(w.viewer, ID_INPUT, true, (const uint8_t *)"\x06", 1);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(ignored, ==, 1);
	g_assert_cmpuint(w.sinks, ==, 0);
	world_stop(&w);
}

/* Sends n pointer moves, each to a new place; returns how many reached the desktop. */
static unsigned send_moves(struct world *w, unsigned n, unsigned *x)
{
	unsigned before = w->moves;
	uint8_t b[8];

	for (unsigned i = 0; i < n; i++)
		send_input(w, ID_POINTER, b, msg_move(b, (uint16_t)(++*x % 65536), 7));
	return w->moves - before;
}

/* Gate: VIEWER_INPUT_BURST messages at once, then VIEWER_INPUT_PER_SECOND. The clock is
 * the real one, so each bound counts the tokens the time the test itself measured can
 * have added; the extra messages and the pause are large against that. */
static void test_rate_limit(void)
{
	struct world w;
	unsigned x = 0, got;
	int64_t t0, t1, ta, tb, tc;
	uint64_t ignored, dropped;
	const unsigned extra = 2000;
	double refill;

	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, false);
	open_channels(&w);
	t0 = g_get_monotonic_time();
	got = send_moves(&w, VIEWER_INPUT_BURST + extra, &x);
	t1 = g_get_monotonic_time();
	refill = (double)(t1 - t0) * VIEWER_INPUT_PER_SECOND / G_USEC_PER_SEC;
	g_test_message("burst: %u of %u in %.1f ms", got, VIEWER_INPUT_BURST + extra,
	               (t1 - t0) / 1000.0);
	g_assert_cmpfloat(refill, <, extra / 2); /* else this machine is too slow to tell */
	g_assert_cmpuint(got, >=, VIEWER_INPUT_BURST);
	g_assert_cmpfloat(got, <=, VIEWER_INPUT_BURST + refill + 1);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(dropped, ==, VIEWER_INPUT_BURST + extra - got);

	/* empty now; after a pause, about pause × rate come through, no more */
	ta = g_get_monotonic_time();
	g_usleep(100 * 1000);
	tb = g_get_monotonic_time();
	got = send_moves(&w, 1000, &x);
	tc = g_get_monotonic_time();
	g_test_message("refill: %u after %.1f ms", got, (tb - ta) / 1000.0);
	g_assert_cmpfloat(got, >=,
	                  (double)(tb - ta) * VIEWER_INPUT_PER_SECOND / G_USEC_PER_SEC - 1);
	/* the last burst message may have been sent before t1's reading: count from t0's end */
	g_assert_cmpfloat(got, <=,
	                  (double)(tc - t1) * VIEWER_INPUT_PER_SECOND / G_USEC_PER_SEC + 2);
	g_assert_cmpuint(got, <, 1000);
	world_stop(&w);
}

/* Gate: "size" changes the desktop for everyone, so only a page with `control` may send
 * it; from one without it host->resize is never called. */
static void test_size(void)
{
	struct world w;
	const char *size = "{\"type\":\"size\",\"width\":1000,\"height\":600,\"pixelRatio\":2}";

	world_start(&w, AUTH_SCOPE_VIEW, true);
	page_send(&w, size);
	page_sync(&w);
	g_assert_cmpuint(w.resizes, ==, 0);
	world_stop(&w);

	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CLIPBOARD | AUTH_SCOPE_AUDIO, true);
	page_send(&w, size);
	page_sync(&w);
	g_assert_cmpuint(w.resizes, ==, 0);
	world_stop(&w);

	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, true);
	page_send(&w, size);
	page_sync(&w);
	g_assert_cmpuint(w.resizes, ==, 1);
	g_assert_cmpuint(w.resize_w, ==, 1000);
	g_assert_cmpuint(w.resize_h, ==, 600);
	g_assert_cmpfloat(w.resize_ratio, ==, 2.0);
	world_stop(&w);

	/* a desktop that cannot follow (resize NULL) takes it from anyone without harm */
	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, false);
	page_send(&w, size);
	page_sync(&w);
	world_stop(&w);
}

static void page_send_member(struct world *w, const char *type, const char *name, const char *value)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	page_send(w, text);
}

static void spin_until(bool (*cond)(struct world *w), struct world *w, const char *what)
{
	guint id = g_timeout_add(WAIT_MS, on_timeout, (gpointer)what);

	while (!cond(w))
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
}

static struct browser browser;

static bool is_connected(struct world *w)
{
	return w->keyframes > 0 && browser.srtp;
}

static bool got_rtp(struct world *w)
{
	return browser.rtp->len > 0;
}

static bool got_retransmit(struct world *w)
{
	return w->retransmits->len > 0;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v & 0xff;
}

static void collect(void *data, const uint8_t *pkt, size_t len)
{
	g_ptr_array_add(data, g_bytes_new(pkt, len));
}

/* Gates of a connected viewer (a browser of our own modules answers over loopback): its
 * answer attaches it to the share's encode; connected, it asks for a keyframe, and the
 * page's own requests are held to one per 300 ms; a NACK from the browser reaches the
 * share's history (host->retransmit) with the encode's own number for the packet. */
static bool two_keyframes(struct world *w)
{
	return w->keyframes >= 2;
}

static void test_connected(void)
{
	struct world w;
	int64_t t0;
	g_autofree char *answer = NULL;
	g_autoptr(GPtrArray) pkts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	struct rtc_rtp_packetizer p;
	struct rtc_rtp_header h;
	uint8_t frame[300], fb[16] = {0x81, 205, 0, 3};
	uint16_t sent_seq;
	gsize len;
	const uint8_t *d;

	world_start(&w, AUTH_SCOPE_VIEW, false);
	memset(&browser, 0, sizeof(browser));
	answer = browser_answer(&browser, w.offer, true, AUDIO_NONE);
	/* before its answer, a viewer's keyframe request goes nowhere */
	page_send(&w, "{\"type\":\"keyframe\"}");
	page_sync(&w);
	g_assert_cmpuint(w.keyframes, ==, 0);
	page_send_member(&w, "answer", "sdp", answer);
	page_send_member(&w, "candidate", "candidate", "");
	page_sync(&w);
	g_assert_cmpuint(w.attaches, ==, 1);
	g_assert_true(w.attached == viewer_get_peer(w.viewer));
	g_assert_cmpint(rtc_peer_get_codec(w.attached), ==, RTC_CODEC_VP8);
	spin_until(is_connected, &w, "the connection");
	g_assert_cmpuint(w.keyframes, ==, 1);
	/* the page asks again at once, three times: within 300 ms of the last, held back
	 * (unless this machine took that long to carry them), then passed on once when the
	 * interval ends (the peer may drop every frame until a keyframe comes) */
	t0 = w.keyframe_us;
	for (int i = 0; i < 3; i++)
		page_send(&w, "{\"type\":\"keyframe\"}");
	page_sync(&w);
	if (g_get_monotonic_time() - t0 < 250 * 1000)
		g_assert_cmpuint(w.keyframes, ==, 1);
	else
		g_test_message("the keyframe requests took over 250 ms: their holding not checked");
	spin_until(two_keyframes, &w, "the held keyframe request");
	g_assert_cmpint(w.keyframe_us - t0, >=, 300 * 1000);
	g_usleep(100 * 1000);
	page_sync(&w);
	g_assert_cmpuint(w.keyframes, ==, 2);

	/* one frame of the encode, as the hub hands it over */
	rtc_rtp_packetizer_init(&p, RTC_CODEC_VP8, w.host.video_ssrc);
	memset(frame, 0x5a, sizeof(frame));
	sent_seq = p.seq;
	g_assert_cmpuint(rtc_rtp_packetize(&p, frame, sizeof(frame), 90, true, collect, pkts), ==,
	                 1);
	d = g_bytes_get_data(pkts->pdata[0], &len);
	rtc_peer_send_video(w.attached, d, len, true, true);
	spin_until(got_rtp, &w, "the frame at the browser");
	d = g_bytes_get_data(browser.rtp->pdata[0], &len);
	g_assert_true(rtc_rtp_header_parse(d, len, &h));
	/* the browser lost it: a generic NACK (RFC 4585) for the number it would have had */
	put32(fb + 4, 0x55667788);
	put32(fb + 8, w.host.video_ssrc);
	fb[12] = h.seq >> 8;
	fb[13] = h.seq & 0xff;
	g_assert_true(browser_send_rtcp(&browser, fb, sizeof(fb)));
	spin_until(got_retransmit, &w, "host->retransmit");
	g_assert_cmpuint(g_array_index(w.retransmits, uint16_t, 0), ==, sent_seq);
	world_stop(&w);
	browser_clear(&browser);
}

/* Unknown and malformed messages: one "bad-message" error each, the socket stays open,
 * and nothing else happens (no resize, no attach, no keyframe, no other reply). */
static void test_bad_messages(void)
{
	const char *bad[] = {
	        "not json",
	        "[1,2,3]",
	        "{\"type\":\"nope\"}",
	        "{\"type\":\"answer\"}",
	        "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\nthis is not an answer\\r\\n\"}",
	        "{\"type\":\"candidate\",\"candidate\":\"candidate:garbage\"}",
	        "{\"type\":\"size\",\"width\":0,\"height\":600,\"pixelRatio\":1}",
	        "{\"type\":\"size\",\"width\":1000,\"height\":600,\"pixelRatio\":100}",
	        "{\"type\":\"size\",\"width\":\"1000\",\"height\":600}",
	};
	struct world w;

	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, true);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(JsonObject) err = NULL;
		g_autofree char *type = NULL;

		g_test_message("%s", bad[i]);
		page_send(&w, bad[i]);
		type = page_next(&w, &err);
		g_assert_cmpstr(type, ==, "error");
		g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "bad-message");
		page_sync(&w); /* and nothing between the error and the pong */
	}
	g_assert_false(w.closed);
	g_assert_cmpuint(w.resizes, ==, 0);
	g_assert_cmpuint(w.attaches, ==, 0);
	g_assert_cmpuint(w.keyframes, ==, 0);
	g_assert_cmpuint(w.sinks, ==, 0);
	world_stop(&w);
}

#else
/* ---- with a real compositor's clipboard ---- */

static void arbiter_text(void *data, GBytes *text, const void *except)
{
}

static void arbiter_applied(void *data, void *who)
{
	struct world *w = data;

	w->applied++;
	viewer_clipboard_applied(who);
}

static const struct arbiter_listener arbiter_listener = {
        .text = arbiter_text,
        .applied = arbiter_applied,
};

/* Gate: input that comes while the page's paste is being applied waits for it, in order,
 * and beyond VIEWER_INPUT_HELD_MAX messages it is dropped; once the compositor has the
 * text, what waited reaches the desktop. */
static void test_held(void)
{
	struct world w;
	struct test_session desktop;
	g_autoptr(GError) error = NULL;
	uint64_t ignored, dropped;
	unsigned x = 0;
	uint8_t b[8];
	guint id;

	test_session_start(&desktop, 320, 240, 0, NULL);
	world_start(&w, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL | AUTH_SCOPE_CLIPBOARD, false);
	w.host.clipboard = arbiter_new(desktop.display, &arbiter_listener, &w, &error);
	g_assert_no_error(error);
	open_channels(&w);
	viewer_channel_message(w.viewer, ID_CLIPBOARD, false, (const uint8_t *)"pasted", 6);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(ignored + dropped, ==, 0);
	/* held: more than the cap, and none reaches the desktop yet */
	for (unsigned i = 0; i < VIEWER_INPUT_HELD_MAX + 44; i++)
		send_input(&w, ID_POINTER, b, msg_move(b, (uint16_t)++x, 7));
	g_assert_cmpuint(w.moves, ==, 0);
	counts(&w, &ignored, &dropped);
	g_assert_cmpuint(dropped, ==, 44);
	/* the compositor takes the text: what waited goes on, in order */
	id = g_timeout_add(WAIT_MS, on_timeout, (gpointer) "the paste applied");
	while (!w.applied)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
	g_assert_cmpuint(w.moves, ==, VIEWER_INPUT_HELD_MAX);
	g_assert_cmpfloat(w.last_x, ==, (double)VIEWER_INPUT_HELD_MAX / 65535);
	/* and nothing waits after it */
	send_input(&w, ID_POINTER, b, msg_move(b, 9, 7));
	g_assert_cmpuint(w.moves, ==, VIEWER_INPUT_HELD_MAX + 1);
	world_stop(&w);
	arbiter_free(w.host.clipboard);
	test_session_stop(&desktop);
}
#endif

static void remove_state(void)
{
	const char *names[] = {"tls.crt", "tls.key", "jwt.key"};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = g_build_filename(state_dir, names[i], NULL);

		g_unlink(path);
	}
	g_rmdir(state_dir);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *fingerprint = NULL;
	int ret;

	g_test_init(&argc, &argv, NULL);
	state_dir = g_dir_make_tmp("wayrtc-viewer-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_true(auth_key_load_or_create(state_dir, &key, &error));
	tls_cert = cert_load_or_create(state_dir, &fingerprint, &error);
	g_assert_no_error(error);
	dtls_cert = rtc_cert_new(&error);
	g_assert_no_error(error);

#ifdef VIEWER_WITH_SESSION
	g_test_add_func("/viewer/held", test_held);
#else
	g_test_add_func("/viewer/view-only", test_view_only);
	g_test_add_func("/viewer/control", test_control);
	g_test_add_func("/viewer/clipboard-scope", test_clipboard_scope);
	g_test_add_func("/viewer/rate-limit", test_rate_limit);
	g_test_add_func("/viewer/size", test_size);
	g_test_add_func("/viewer/bad-messages", test_bad_messages);
	g_test_add_func("/viewer/connected", test_connected);
#endif
	ret = g_test_run();
	rtc_cert_free(dtls_cert);
	g_object_unref(tls_cert);
	remove_state();
	g_free(state_dir);
	return ret;
}
