/* The real HTTPS + WebSocket server on 127.0.0.1, driven by a libsoup client: static
 * files and their headers, every refusal before the upgrade, a good viewer, limits. */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "util/log.h"
#include "server/auth.h"
#include "server/cert.h"
#include "server/door.h"
#include "server/ratelimit.h"
#include "server/server.h"
#include "server/wsguard.h"

#define WAIT_MS   10000 /* a generous bound on anything over loopback */
#define BODY_JUNK (4 * 1024 * 1024)
#define CSP                                                                                        \
	"default-src 'self'; connect-src 'self' wss:; img-src 'self' data:; media-src 'self' "     \
	"blob:; style-src 'self'; frame-ancestors 'none'"

static char *state_dir;
static GTlsCertificate *cert;
static struct auth_key key;

struct fixture {
	struct server *server;
	unsigned port;
	char *origin;
	SoupSession *session;
	/* what the listener saw */
	unsigned opened, closed;
	uint32_t scope;
	GPtrArray *messages;
	GPtrArray *clients;
};

static void on_open(void *data, struct server_client *client, uint32_t scope)
{
	struct fixture *f = data;

	f->opened++;
	f->scope = scope;
	g_ptr_array_add(f->clients, client);
}

static void on_message(void *data, struct server_client *client, const char *text, size_t len)
{
	struct fixture *f = data;

	g_ptr_array_add(f->messages, g_strndup(text, len));
	server_client_send(client, "{\"type\":\"pong\"}");
}

static void on_closed(void *data, struct server_client *client)
{
	struct fixture *f = data;

	f->closed++;
	g_ptr_array_remove(f->clients, client);
}

static const struct server_listener listener = {
        .open = on_open,
        .message = on_message,
        .closed = on_closed,
};

static gboolean on_accept_certificate(SoupMessage *msg, GTlsCertificate *peer,
                                      GTlsCertificateFlags errors, gpointer data)
{
	/* accept exactly the certificate the server was given, nothing else */
	return g_tls_certificate_is_same(peer, cert);
}

static void fixture_set_up(struct fixture *f, gconstpointer data)
{
	struct server_config config = {
	        .host = "127.0.0.1",
	        .port = 0,
	        .cert = cert,
	        .key = &key,
	};
	g_autoptr(GError) error = NULL;

	f->messages = g_ptr_array_new_with_free_func(g_free);
	f->clients = g_ptr_array_new();
	f->server = server_new(&config, &listener, f, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->server);
	f->port = server_get_port(f->server);
	g_assert_cmpuint(f->port, >, 0);
	f->origin = g_strdup_printf("https://127.0.0.1:%u", f->port);
	f->session = soup_session_new_with_options("timeout", WAIT_MS / 1000, NULL);
}

static void fixture_tear_down(struct fixture *f, gconstpointer data)
{
	server_free(f->server);
	g_object_unref(f->session);
	g_free(f->origin);
	g_ptr_array_unref(f->messages);
	g_ptr_array_unref(f->clients);
}

static gboolean on_timeout(gpointer data)
{
	g_error("timed out waiting for %s", (const char *)data);
	return G_SOURCE_REMOVE;
}

/* Runs the main loop until *flag turns true. */
static void wait_for(bool *flag, const char *what)
{
	guint id = g_timeout_add(WAIT_MS, on_timeout, (gpointer)what);

	while (!*flag)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
}

static void wait_until(unsigned *counter, unsigned value, const char *what)
{
	guint id = g_timeout_add(WAIT_MS, on_timeout, (gpointer)what);

	while (*counter < value)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
}

static SoupMessage *new_message(struct fixture *f, const char *method, const char *path)
{
	g_autofree char *uri = g_strdup_printf("https://127.0.0.1:%u%s", f->port, path);
	SoupMessage *msg = soup_message_new(method, uri);

	g_assert_nonnull(msg);
	g_signal_connect(msg, "accept-certificate", G_CALLBACK(on_accept_certificate), NULL);
	return msg;
}

struct reply {
	bool done;
	GBytes *body;
	GError *error;
};

static void on_sent(GObject *source, GAsyncResult *res, gpointer data)
{
	struct reply *r = data;

	r->body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &r->error);
	r->done = true;
}

/* One request; returns the status and the body (NUL-terminated, g_free). */
static unsigned request(struct fixture *f, SoupMessage *msg, char **body)
{
	struct reply r = {0};
	gsize len;
	const char *data;

	soup_session_send_and_read_async(f->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &r);
	wait_for(&r.done, "an HTTP reply");
	g_assert_no_error(r.error);
	data = g_bytes_get_data(r.body, &len);
	if (body)
		*body = g_strndup(data ? data : "", len);
	g_bytes_unref(r.body);
	return soup_message_get_status(msg);
}

static unsigned get(struct fixture *f, const char *method, const char *path, char **body,
                    SoupMessageHeaders **headers)
{
	g_autoptr(SoupMessage) msg = new_message(f, method, path);
	unsigned status = request(f, msg, body);

	if (headers)
		*headers = soup_message_headers_ref(soup_message_get_response_headers(msg));
	return status;
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

/* Tries an upgrade on `path`; returns the HTTP status (101 when it succeeded) and, then,
 * the connection. `token` NULL offers "wayrtc" alone. */
static unsigned ws_try(struct fixture *f, const char *path, const char *origin, const char *token,
                       SoupWebsocketConnection **conn)
{
	g_autoptr(SoupMessage) msg = new_message(f, "GET", path);
	g_autofree char *token_protocol = token ? g_strconcat("token.", token, NULL) : NULL;
	const char *protocols[] = {"wayrtc", token_protocol, NULL};
	struct ws_attempt a = {0};

	soup_session_websocket_connect_async(f->session, msg, origin, (char **)protocols,
	                                     G_PRIORITY_DEFAULT, NULL, on_ws_connected, &a);
	wait_for(&a.done, "a WebSocket upgrade");
	if (a.conn) {
		g_assert_no_error(a.error);
		g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_SWITCHING_PROTOCOLS);
		if (conn)
			*conn = a.conn;
		else
			g_object_unref(a.conn);
	} else {
		g_assert_nonnull(a.error);
		g_clear_error(&a.error);
	}
	return soup_message_get_status(msg);
}

static char *good_token(uint32_t scope)
{
	return auth_token_mint(&key, scope, 60);
}

static void test_static(struct fixture *f, gconstpointer data)
{
	g_autofree char *body = NULL, *js = NULL, *head_body = NULL, *missing = NULL;
	SoupMessageHeaders *h = NULL;

	g_assert_cmpuint(get(f, "GET", "/", &body, &h), ==, 200);
	g_assert_nonnull(strstr(body, "<html"));
	g_assert_cmpstr(soup_message_headers_get_one(h, "Content-Type"), ==,
	                "text/html; charset=utf-8");
	g_assert_cmpstr(soup_message_headers_get_one(h, "Content-Security-Policy"), ==, CSP);
	g_assert_cmpstr(soup_message_headers_get_one(h, "X-Content-Type-Options"), ==, "nosniff");
	g_assert_cmpstr(soup_message_headers_get_one(h, "Referrer-Policy"), ==, "no-referrer");
	g_assert_cmpstr(soup_message_headers_get_one(h, "Cache-Control"), ==, "no-store");
	soup_message_headers_unref(h);

	g_assert_cmpuint(get(f, "GET", "/app.js", &js, &h), ==, 200);
	g_assert_cmpuint(strlen(js), >, 0);
	g_assert_cmpstr(soup_message_headers_get_one(h, "Content-Type"), ==,
	                "text/javascript; charset=utf-8");
	soup_message_headers_unref(h);
	g_assert_cmpuint(get(f, "GET", "/style.css", NULL, &h), ==, 200);
	g_assert_cmpstr(soup_message_headers_get_one(h, "Content-Type"), ==,
	                "text/css; charset=utf-8");
	soup_message_headers_unref(h);

	g_assert_cmpuint(get(f, "HEAD", "/", &head_body, NULL), ==, 200);
	g_assert_cmpstr(head_body, ==, "");

	g_assert_cmpuint(get(f, "GET", "/nothing-here.html", &missing, &h), ==, 404);
	g_assert_cmpstr(soup_message_headers_get_one(h, "Content-Security-Policy"), ==, CSP);
	soup_message_headers_unref(h);
	g_assert_cmpuint(get(f, "GET", "/web.gresource.xml", NULL, NULL), ==, 404);
	g_assert_cmpuint(get(f, "POST", "/", NULL, &h), ==, 405);
	g_assert_cmpstr(soup_message_headers_get_one(h, "Allow"), ==, "GET, HEAD");
	soup_message_headers_unref(h);
	g_assert_cmpuint(get(f, "PUT", "/index.html", NULL, NULL), ==, 405);
	g_assert_cmpuint(get(f, "DELETE", "/ws", NULL, NULL), ==, 405);
	g_assert_cmpuint(get(f, "GET", "/auth", NULL, NULL), ==, 405);
	/* none of that was an authentication attempt: nothing was counted */
	g_assert_cmpuint(f->opened, ==, 0);
}

static void test_refusals(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autofree char *other_key_token = NULL;
	struct auth_key other;

	memset(other.bytes, 7, sizeof(other.bytes));
	other_key_token = auth_token_mint(&other, AUTH_SCOPE_VIEW, 60);

	g_assert_cmpuint(ws_try(f, "/ws", f->origin, NULL, NULL), ==, 401);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, "not.a.token", NULL), ==, 401);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, other_key_token, NULL), ==, 401);
	g_assert_cmpuint(ws_try(f, "/ws", "https://evil.example", token, NULL), ==, 403);
	g_assert_cmpuint(ws_try(f, "/ws", "http://127.0.0.1", token, NULL), ==, 403);
	g_assert_cmpuint(ws_try(f, "/ws", NULL, token, NULL), ==, 403);
	/* libsoup matches handler paths by prefix: these must not reach the upgrade */
	g_assert_cmpuint(ws_try(f, "/wsx", f->origin, token, NULL), ==, 404);
	g_assert_cmpuint(ws_try(f, "/ws/x", f->origin, token, NULL), ==, 404);
	/* a token in the query string is not looked at */
	{
		g_autofree char *path = g_strconcat("/ws?token=", token, NULL);

		g_assert_cmpuint(ws_try(f, path, f->origin, NULL, NULL), ==, 401);
	}
	g_assert_cmpuint(f->opened, ==, 0);
}

/* Guards the exact Origin match: a page on another origin must never open /ws, however
 * much of our origin its own contains. A prefix compare would let a host named
 * "127.0.0.1:PORT.evil.example" in, a suffix compare "https://evil.127.0.0.1:PORT", a
 * compare that ignores the port another service on the same host. Fewer refusals than
 * the rate limit's burst, so each answer is the Origin check's own. */
static void test_origin_forged(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	char *forged[] = {
	        g_strconcat(f->origin, ".evil.example", NULL),         /* ours as a prefix */
	        g_strdup_printf("https://evil.127.0.0.1:%u", f->port), /* ours as a suffix */
	        g_strdup_printf("https://127.0.0.1:%u0", f->port),     /* another port */
	        g_strdup("https://127.0.0.1"),                         /* no port (443) */
	        g_strdup_printf("https://127.0.0.1:%u@evil.example", f->port), /* userinfo */
	        g_strconcat(f->origin, "/", NULL),                             /* not an origin */
	        g_strdup_printf("http://127.0.0.1:%u", f->port),               /* plain http */
	        g_strdup_printf("wss://127.0.0.1:%u", f->port),                /* another scheme */
	        g_strdup("null"),                                              /* opaque origin */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(forged); i++) {
		g_test_message("Origin: %s", forged[i]);
		g_assert_cmpuint(ws_try(f, "/ws", forged[i], token, NULL), ==, 403);
		g_free(forged[i]);
	}
	g_assert_cmpuint(f->opened, ==, 0);
	/* and the same token with our own origin works, so the refusals were the Origin's */
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, NULL), ==, 101);
}

/* Scheme and host are case-insensitive (RFC 6454 section 4), so an origin that differs
 * from ours only in case is ours; this guards against a compare that would turn it away. */
static void test_origin_case(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autofree char *upper = g_strdup_printf("HTTPS://127.0.0.1:%u", f->port);

	g_assert_cmpuint(ws_try(f, "/ws", upper, token, NULL), ==, 101);
	g_assert_cmpuint(f->opened, ==, 1);
}

static void test_auth_endpoint(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autofree char *bearer = g_strconcat("Bearer ", token, NULL);
	g_autofree char *body = NULL;
	g_autoptr(SoupMessage) ok = new_message(f, "POST", "/auth");
	g_autoptr(SoupMessage) bad = new_message(f, "POST", "/auth");
	g_autoptr(SoupMessage) foreign = new_message(f, "POST", "/auth");

	soup_message_headers_replace(soup_message_get_request_headers(ok), "Authorization", bearer);
	soup_message_headers_replace(soup_message_get_request_headers(ok), "Origin", f->origin);
	g_assert_cmpuint(request(f, ok, &body), ==, 200);
	g_assert_cmpstr(body, ==, "{\"ok\":true}");
	g_clear_pointer(&body, g_free);

	soup_message_headers_replace(soup_message_get_request_headers(bad), "Authorization",
	                             "Bearer a.b.c");
	g_assert_cmpuint(request(f, bad, &body), ==, 401);
	g_assert_nonnull(strstr(body, "\"message\":\"the link"));
	g_clear_pointer(&body, g_free);

	soup_message_headers_replace(soup_message_get_request_headers(foreign), "Authorization",
	                             bearer);
	soup_message_headers_replace(soup_message_get_request_headers(foreign), "Origin",
	                             "https://evil.example");
	g_assert_cmpuint(request(f, foreign, &body), ==, 403);
	g_clear_pointer(&body, g_free);

	/* a body is read and dropped, not kept (nothing here takes one) */
	{
		g_autoptr(SoupMessage) big = new_message(f, "POST", "/auth");
		g_autoptr(GBytes) junk = g_bytes_new_take(g_malloc0(BODY_JUNK), BODY_JUNK);

		soup_message_headers_replace(soup_message_get_request_headers(big), "Authorization",
		                             bearer);
		soup_message_set_request_body_from_bytes(big, "application/octet-stream", junk);
		g_assert_cmpuint(request(f, big, &body), ==, 200);
	}
}

struct ws_events {
	GPtrArray *texts;
	bool closed;
};

static void on_client_message(SoupWebsocketConnection *conn, gint type, GBytes *message,
                              gpointer data)
{
	struct ws_events *e = data;
	gsize len;
	const char *text = g_bytes_get_data(message, &len);

	g_ptr_array_add(e->texts, g_strndup(text, len));
}

static void on_client_closed(SoupWebsocketConnection *conn, gpointer data)
{
	struct ws_events *e = data;

	e->closed = true;
}

static void test_viewer(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL);
	g_autoptr(SoupWebsocketConnection) conn = NULL;
	struct ws_events e = {.texts = g_ptr_array_new_with_free_func(g_free)};
	unsigned n_texts = 0;

	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conn), ==, 101);
	/* the server chose "wayrtc" and never echoes the token */
	g_assert_cmpstr(soup_websocket_connection_get_protocol(conn), ==, "wayrtc");
	wait_until(&f->opened, 1, "open()");
	g_assert_cmpuint(f->scope, ==, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL);
	g_assert_cmpuint(f->clients->len, ==, 1);
	g_assert_cmpstr(server_client_get_address(f->clients->pdata[0]), ==, "127.0.0.1");

	g_signal_connect(conn, "message", G_CALLBACK(on_client_message), &e);
	g_signal_connect(conn, "closed", G_CALLBACK(on_client_closed), &e);
	soup_websocket_connection_send_text(conn, "{\"type\":\"ping\"}");
	{
		guint id = g_timeout_add(WAIT_MS, on_timeout, (gpointer) "the reply");

		while (e.texts->len < 1)
			g_main_context_iteration(NULL, TRUE);
		g_source_remove(id);
	}
	g_assert_cmpuint(f->messages->len, ==, 1);
	g_assert_cmpstr(f->messages->pdata[0], ==, "{\"type\":\"ping\"}");
	g_assert_cmpstr(e.texts->pdata[0], ==, "{\"type\":\"pong\"}");
	n_texts = e.texts->len;

	/* binary is refused with a reason the browser can show */
	soup_websocket_connection_send_binary(conn, "\x01\x02", 2);
	wait_for(&e.closed, "the close after a binary message");
	g_assert_cmpuint(soup_websocket_connection_get_close_code(conn), ==,
	                 SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA);
	g_assert_nonnull(strstr(soup_websocket_connection_get_close_data(conn), "text"));
	wait_until(&f->closed, 1, "closed()");
	g_assert_cmpuint(f->clients->len, ==, 0);
	g_assert_cmpuint(e.texts->len, ==, n_texts);
	g_ptr_array_unref(e.texts);
}

static void test_message_limit(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autoptr(SoupWebsocketConnection) conn = NULL;
	g_autofree char *just_fits = g_strnfill(SERVER_MAX_MESSAGE, 'a');
	g_autofree char *too_big = g_strnfill(SERVER_MAX_MESSAGE + 1, 'a');
	struct ws_events e = {.texts = g_ptr_array_new_with_free_func(g_free)};

	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conn), ==, 101);
	wait_until(&f->opened, 1, "open()");
	g_signal_connect(conn, "message", G_CALLBACK(on_client_message), &e);
	g_signal_connect(conn, "closed", G_CALLBACK(on_client_closed), &e);
	soup_websocket_connection_send_text(conn, just_fits);
	{
		guint id = g_timeout_add(WAIT_MS, on_timeout, (gpointer) "the largest message");

		while (f->messages->len < 1)
			g_main_context_iteration(NULL, TRUE);
		g_source_remove(id);
	}
	g_assert_cmpuint(strlen(f->messages->pdata[0]), ==, SERVER_MAX_MESSAGE);
	soup_websocket_connection_send_text(conn, too_big);
	wait_for(&e.closed, "the close after an oversized message");
	/* libsoup 3.2 queues a 1009 close frame and drops the stream at once, so the client
	 * may see the frame or only the end of the stream */
	g_assert_true(soup_websocket_connection_get_close_code(conn) ==
	                      SOUP_WEBSOCKET_CLOSE_TOO_BIG ||
	              soup_websocket_connection_get_close_code(conn) == 0);
	wait_until(&f->closed, 1, "closed()");
	g_assert_cmpuint(f->messages->len, ==, 1);
	g_ptr_array_unref(e.texts);
}

static void test_rate_limit(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autoptr(SoupMessage) auth = NULL;
	g_autoptr(SoupMessage) bad_auth = NULL;
	g_autofree char *bearer = g_strconcat("Bearer ", token, NULL);
	SoupWebsocketConnection *conn = NULL;

	/* a page on another origin hammering the server (every tab of the owner's browser
	 * shares its address) is refused each time, and counted apart */
	for (unsigned i = 0; i < 3 * RATELIMIT_BURST; i++)
		g_assert_cmpuint(ws_try(f, "/ws", "https://evil.example", token, NULL), ==, 403);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, "x.y.z", NULL), ==, 401);
	/* forged tokens use up the address's tries: then refusals are 429 and quiet */
	for (unsigned i = 1; i < RATELIMIT_BURST; i++)
		g_assert_cmpuint(ws_try(f, "/ws", f->origin, "x.y.z", NULL), ==, 401);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, "x.y.z", NULL), ==, 429);
	bad_auth = new_message(f, "POST", "/auth");
	soup_message_headers_replace(soup_message_get_request_headers(bad_auth), "Authorization",
	                             "Bearer x.y.z");
	g_assert_cmpuint(request(f, bad_auth, NULL), ==, 429);
	/* but the owner's valid link is never locked out by them */
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conn), ==, 101);
	wait_until(&f->opened, 1, "open()");
	g_object_unref(conn);
	auth = new_message(f, "POST", "/auth");
	soup_message_headers_replace(soup_message_get_request_headers(auth), "Authorization",
	                             bearer);
	g_assert_cmpuint(request(f, auth, NULL), ==, 200);
	/* files are still served */
	g_assert_cmpuint(get(f, "GET", "/", NULL, NULL), ==, 200);
}

static void test_capacity(struct fixture *f, gconstpointer data)
{
	SoupWebsocketConnection *conns[SERVER_MAX_CLIENTS];
	SoupWebsocketConnection *last = NULL;
	g_autofree char *token = NULL;

	/* links differ by their expiry here; each is used by at most SERVER_MAX_PER_LINK */
	for (unsigned i = 0; i < SERVER_MAX_CLIENTS; i++) {
		g_autofree char *t =
		        auth_token_mint(&key, AUTH_SCOPE_VIEW, 60 + i / SERVER_MAX_PER_LINK);

		g_assert_cmpuint(ws_try(f, "/ws", f->origin, t, &conns[i]), ==, 101);
	}
	wait_until(&f->opened, SERVER_MAX_CLIENTS, "every open()");
	token = auth_token_mint(&key, AUTH_SCOPE_VIEW, 600);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, NULL), ==, 503);
	/* one leaves, one more may come */
	soup_websocket_connection_close(conns[0], SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	wait_until(&f->closed, 1, "closed()");
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &last), ==, 101);
	wait_until(&f->opened, SERVER_MAX_CLIENTS + 1, "open() again");
	for (unsigned i = 0; i < SERVER_MAX_CLIENTS; i++)
		g_object_unref(conns[i]);
	g_object_unref(last);
}

/* One link cannot take every viewer's place. */
static void test_per_link(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autofree char *other = auth_token_mint(&key, AUTH_SCOPE_VIEW, 120);
	SoupWebsocketConnection *conns[SERVER_MAX_PER_LINK + 1];

	for (unsigned i = 0; i < SERVER_MAX_PER_LINK; i++)
		g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conns[i]), ==, 101);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, NULL), ==, 503);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, other, &conns[SERVER_MAX_PER_LINK]), ==, 101);
	wait_until(&f->opened, SERVER_MAX_PER_LINK + 1, "every open()");
	for (unsigned i = 0; i <= SERVER_MAX_PER_LINK; i++)
		g_object_unref(conns[i]);
}

static void test_shutdown(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autoptr(SoupWebsocketConnection) conn = NULL;
	struct ws_events e = {.texts = g_ptr_array_new_with_free_func(g_free)};

	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conn), ==, 101);
	wait_until(&f->opened, 1, "open()");
	g_signal_connect(conn, "closed", G_CALLBACK(on_client_closed), &e);
	server_client_close(f->clients->pdata[0], SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
	                    "the desktop went away");
	wait_for(&e.closed, "the close");
	g_assert_cmpuint(soup_websocket_connection_get_close_code(conn), ==,
	                 SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
	g_assert_cmpstr(soup_websocket_connection_get_close_data(conn), ==,
	                "the desktop went away");
	wait_until(&f->closed, 1, "closed()");
	g_ptr_array_unref(e.texts);
}

static bool has_text(struct ws_events *e, const char *needle)
{
	for (unsigned i = 0; i < e->texts->len; i++) {
		if (strstr(e->texts->pdata[i], needle))
			return true;
	}
	return false;
}

/* A link that ends while its viewer watches: the page hears of it, then is cut off. */
static void test_expiry(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = auth_token_mint(&key, AUTH_SCOPE_VIEW, 2);
	g_autoptr(SoupWebsocketConnection) conn = NULL;
	struct ws_events e = {.texts = g_ptr_array_new_with_free_func(g_free)};

	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conn), ==, 101);
	g_signal_connect(conn, "message", G_CALLBACK(on_client_message), &e);
	g_signal_connect(conn, "closed", G_CALLBACK(on_client_closed), &e);
	wait_for(&e.closed, "the close at expiry");
	g_assert_true(has_text(&e, "\"type\":\"expiring\""));
	g_assert_true(has_text(&e, "\"type\":\"bye\""));
	g_assert_true(has_text(&e, "expired"));
	g_assert_cmpuint(soup_websocket_connection_get_close_code(conn), ==,
	                 SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
	wait_until(&f->closed, 1, "closed()");
	/* and the link is refused from now on */
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, NULL), ==, 401);
	g_ptr_array_unref(e.texts);
}

/* Deleting jwt.key revokes at once: running viewers and the next attempt. A new key
 * (what `wayrtc token` would write) is picked up without a restart. */
static void test_key_deleted(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autofree char *path = g_build_filename(state_dir, "jwt.key", NULL);
	g_autofree char *fresh = NULL;
	g_autoptr(SoupWebsocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	struct ws_events e = {.texts = g_ptr_array_new_with_free_func(g_free)};
	struct auth_key other;

	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conn), ==, 101);
	wait_until(&f->opened, 1, "open()");
	g_signal_connect(conn, "message", G_CALLBACK(on_client_message), &e);
	g_signal_connect(conn, "closed", G_CALLBACK(on_client_closed), &e);
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, NULL), ==, 401);
	wait_for(&e.closed, "the revoked viewer's close");
	g_assert_true(has_text(&e, "revoked"));
	/* a new key file: old links stay refused, new ones work */
	g_assert_true(auth_key_load_or_create(state_dir, &other, &error));
	g_assert_no_error(error);
	fresh = auth_token_mint(&other, AUTH_SCOPE_VIEW, 60);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, NULL), ==, 401);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, fresh, NULL), ==, 101);
	g_ptr_array_unref(e.texts);
}

static GSocketConnection *tcp_connect(struct fixture *f)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *where = g_strdup_printf("127.0.0.1:%u", f->port);
	GSocketConnection *c = g_socket_client_connect_to_host(client, where, 0, NULL, &error);

	g_assert_no_error(error);
	return c;
}

static void spin(unsigned ms)
{
	int64_t end = g_get_monotonic_time() + ms * 1000;

	while (g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

/* Silent sockets from one address: never more than DOOR_MAX_PER_ADDRESS held (the
 * oldest make room), a viewer still gets in, and the rest go at the deadline. */
static void test_held_open(struct fixture *f, gconstpointer data)
{
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autoptr(SoupWebsocketConnection) conn = NULL;
	GPtrArray *held = g_ptr_array_new_with_free_func(g_object_unref);
	guint id;

	for (unsigned i = 0; i < DOOR_MAX_PER_ADDRESS + 36; i++) {
		g_ptr_array_add(held, tcp_connect(f));
		g_main_context_iteration(NULL, FALSE);
	}
	spin(300);
	g_assert_cmpuint(server_get_connections(f->server), <=, DOOR_MAX_PER_ADDRESS);
	g_assert_cmpuint(ws_try(f, "/ws", f->origin, token, &conn), ==, 101);
	g_assert_cmpuint(server_get_connections(f->server), <=, DOOR_MAX_PER_ADDRESS);
	/* not TLS at all: closed without a handshake */
	{
		g_autoptr(GSocketConnection) c = tcp_connect(f);
		GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c));
		GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(c));
		char buf[64];

		GSocket *sock = g_socket_connection_get_socket(c);

		g_output_stream_write_all(out, "GET / HTTP/1.1\r\n\r\n", 18, NULL, NULL, NULL);
		/* the server runs on this thread: turn its loop until the answer (an end) */
		id = g_timeout_add(WAIT_MS, on_timeout, (gpointer) "the close of a plain socket");
		while (!g_socket_condition_check(sock, G_IO_IN | G_IO_HUP))
			g_main_context_iteration(NULL, TRUE);
		g_source_remove(id);
		g_assert_cmpint(g_input_stream_read(in, buf, sizeof(buf), NULL, NULL), <=, 0);
	}
	/* the held ones are closed at the handshake deadline; only the viewer stays */
	id = g_timeout_add(DOOR_HANDSHAKE_MS + WAIT_MS, on_timeout, (gpointer) "the deadline");
	while (server_get_connections(f->server) > 1)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(id);
	g_ptr_array_unref(held);
}

static void test_wsguard(void)
{
	struct wsguard g;
	/* masked text frame headers: FIN|op, MASK|len, 4 mask bytes */
	uint8_t start[] = {0x01, 0x80 | 126, 0x75, 0x30, 1, 2, 3, 4}; /* 30000, more to come */
	uint8_t cont[] = {0x00, 0x80 | 126, 0x75, 0x30, 1, 2, 3, 4};
	uint8_t last[] = {0x80, 0x80 | 126, 0x75, 0x30, 1, 2, 3, 4};
	uint8_t ping[] = {0x89, 0x80 | 4, 1, 2, 3, 4, 0, 0, 0, 0};
	uint8_t big_ping[] = {0x89, 0x80 | 126, 0x00, 0x7e, 1, 2, 3, 4};
	static uint8_t body[30000];

	wsguard_init(&g, 64 * 1024);
	g_assert_true(wsguard_feed(&g, start, sizeof(start)));
	g_assert_true(wsguard_feed(&g, body, sizeof(body)));
	g_assert_true(wsguard_feed(&g, ping, sizeof(ping))); /* control frames interleave */
	g_assert_true(wsguard_feed(&g, last, sizeof(last)));
	g_assert_true(wsguard_feed(&g, body, sizeof(body))); /* 60000 in all: fits */
	g_assert_true(wsguard_feed(&g, start, sizeof(start)));
	g_assert_true(wsguard_feed(&g, body, sizeof(body)));
	g_assert_true(wsguard_feed(&g, cont, sizeof(cont)));
	g_assert_true(wsguard_feed(&g, body, sizeof(body)));
	g_assert_false(wsguard_feed(&g, cont, sizeof(cont))); /* 90000: over */
	g_assert_false(wsguard_feed(&g, ping, sizeof(ping))); /* and stays over */
	wsguard_init(&g, 64 * 1024);
	g_assert_false(wsguard_feed(&g, big_ping, sizeof(big_ping)));
}

/* A viewer that leaves is no error worth a line at info; everything else still is. */
static void test_departure(void)
{
	static const struct {
		GQuark domain;
		int code;
		bool departure;
	} cases[] = {
	        {0, G_IO_ERROR_BROKEN_PIPE, true}, /* EPIPE, and ECONNRESET */
	        {0, G_IO_ERROR_NOT_CONNECTED, true},
	        {0, G_IO_ERROR_CLOSED, true},
	        {1, G_TLS_ERROR_EOF, true},
	        {0, G_IO_ERROR_TIMED_OUT, false},
	        {0, G_IO_ERROR_INVALID_DATA, false},
	        {0, G_IO_ERROR_FAILED, false},
	        {1, G_TLS_ERROR_BAD_CERTIFICATE, false},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GQuark domain = cases[i].domain ? G_TLS_ERROR : G_IO_ERROR;
		g_autoptr(GError) error = g_error_new_literal(domain, cases[i].code, "x");

		g_assert_cmpint(server_error_is_departure(error), ==, cases[i].departure);
	}
	/* what libsoup emits when a tab closes while we send */
	g_autoptr(GError) errno_error = g_error_new_literal(
	        G_IO_ERROR, g_io_error_from_errno(ECONNRESET), "Error receiving data: reset");
	g_assert_true(server_error_is_departure(errno_error));
	g_assert_false(server_error_is_departure(NULL));
	/* a WebSocket protocol error from the viewer is not a departure */
	g_autoptr(GError) protocol =
	        g_error_new_literal(SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
	                            "Received invalid frame");
	g_assert_false(server_error_is_departure(protocol));
}

static void test_log_escape(void)
{
	char out[64];

	log_escape(out, sizeof(out), "bye\n12.000 error server: x\x1b[31m");
	g_assert_cmpstr(out, ==, "bye\\x0a12.000 error server: x\\x1b[31m");
	log_escape(out, sizeof(out), "caf\xc3\xa9 \xc2\x9b \xff\x7f");
	g_assert_cmpstr(out, ==, "caf\xc3\xa9 \\xc2\\x9b \\xff\\x7f");
	log_escape(out, 8, "abcdefghij");
	g_assert_cmpstr(out, ==, "abcdefg");
	log_escape(out, 6, "ab\ncd");
	g_assert_cmpstr(out, ==, "ab");
}

static void test_free_with_clients(void)
{
	struct fixture f = {0};
	g_autofree char *token = good_token(AUTH_SCOPE_VIEW);
	g_autoptr(SoupWebsocketConnection) conn = NULL;

	fixture_set_up(&f, NULL);
	g_assert_cmpuint(ws_try(&f, "/ws", f.origin, token, &conn), ==, 101);
	wait_until(&f.opened, 1, "open()");
	server_free(f.server);
	f.server = NULL;
	/* every viewer was told before the server went */
	g_assert_cmpuint(f.closed, ==, 1);
	fixture_tear_down(&f, NULL);
}

static void test_listen_refused(void)
{
	struct server_config config = {.host = "not-an-address", .cert = cert, .key = &key};
	g_autoptr(GError) error = NULL;
	struct fixture f = {0};

	g_assert_null(server_new(&config, &listener, &f, &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "not-an-address"));
}

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
	state_dir = g_dir_make_tmp("wayrtc-server-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_true(auth_key_load_or_create(state_dir, &key, &error));
	cert = cert_load_or_create(state_dir, &fingerprint, &error);
	g_assert_no_error(error);

#define ADD(name, fn)                                                                              \
	g_test_add("/server/" name, struct fixture, NULL, fixture_set_up, fn, fixture_tear_down)
	ADD("static", test_static);
	ADD("refusals", test_refusals);
	ADD("origin-forged", test_origin_forged);
	ADD("origin-case", test_origin_case);
	ADD("auth-endpoint", test_auth_endpoint);
	ADD("viewer", test_viewer);
	ADD("message-limit", test_message_limit);
	ADD("rate-limit", test_rate_limit);
	ADD("capacity", test_capacity);
	ADD("per-link", test_per_link);
	ADD("expiry", test_expiry);
	ADD("held-open", test_held_open);
	ADD("key-deleted", test_key_deleted);
	ADD("close", test_shutdown);
#undef ADD
	g_test_add_func("/server/free-with-clients", test_free_with_clients);
	g_test_add_func("/server/wsguard", test_wsguard);
	g_test_add_func("/server/log-escape", test_log_escape);
	g_test_add_func("/server/departure", test_departure);
	g_test_add_func("/server/listen-refused", test_listen_refused);
	ret = g_test_run();
	g_object_unref(cert);
	remove_state();
	g_free(state_dir);
	return ret;
}
