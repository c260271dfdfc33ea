/* The front door. libsoup 3 over TLS only, on sockets door.c accepts and bounds. A
 * WebSocket upgrade on /ws is decided in the early handler, before libsoup would accept
 * it: Origin, token (with its own failure limit), room. Admitted viewers are cut off
 * when their link expires or the key that signed it goes. */
#define LOG_MODULE "server"
#include "server/server.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "server/door.h"
#include "util/log.h"
#include "server/ratelimit.h"
#include "server/signaling.h"

#define WS_PATH               "/ws"
#define AUTH_PATH             "/auth"
#define WEB_RESOURCE_PREFIX   "/org/wayrtc/web"
#define TOKEN_PROTOCOL_PREFIX "token."
#define KEEPALIVE_S           15 /* pings keep NATs and proxies from dropping an idle socket */
#define STATIC_PATH_MAX       64 /* longer than any file name the client has */
#define ADMITTED_KEY          "wayrtc-admitted"
#define CLAIMS_KEY            "wayrtc-claims"
#define TOKEN_KEY             "wayrtc-token"
#define STATUS_TOO_MANY       429 /* RFC 6585; libsoup 3.2 has no name for it */
#define CLOSE_EXPIRED         SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION
#define CLOSE_TRY_AGAIN       1013 /* RFC 6455 registry; libsoup 3.2 has no name for it */

/* from the generated web-resources.c */
GResource *wayrtc_web_get_resource(void);

struct server {
	SoupServer *soup;
	struct door *door;
	struct server_config config;
	const struct server_listener *listener;
	void *data;
	/* Failures counted per address, in two buckets: a page on another origin (any tab
	 * in the owner's browser, any local user) must not use up the owner's token tries. */
	struct ratelimit *token_limit;
	struct ratelimit *origin_limit;
	GFileMonitor *key_monitor;
	GList *clients;
};

struct server_client {
	struct server *server;
	SoupWebsocketConnection *conn;
	char *address;
	char *token; /* to check it again when the key changes; never logged */
	struct auth_claims claims;
	guint warn_timer, expire_timer;
	bool warned;
	void *data;
};

static const char *const security_headers[][2] = {
        {"Content-Security-Policy",
         "default-src 'self'; connect-src 'self' wss:; img-src 'self' data:; "
         "media-src 'self' blob:; style-src 'self'; frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Cache-Control", "no-store"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
};

static void add_security_headers(SoupServerMessage *msg)
{
	SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);

	for (size_t i = 0; i < G_N_ELEMENTS(security_headers); i++)
		soup_message_headers_replace(h, security_headers[i][0], security_headers[i][1]);
}

static void reply_json(SoupServerMessage *msg, unsigned status, const char *json)
{
	add_security_headers(msg);
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json,
	                                 strlen(json));
}

static const char *remote_address(SoupServerMessage *msg)
{
	const char *host = soup_server_message_get_remote_host(msg);

	return host ? host : "unknown";
}

/* The token from "Sec-WebSocket-Protocol: wayrtc, token.JWT"; NULL if none. */
static char *token_from_protocols(SoupServerMessage *msg)
{
	const char *header = soup_message_headers_get_list(
	        soup_server_message_get_request_headers(msg), "Sec-WebSocket-Protocol");
	g_auto(GStrv) parts = NULL;

	if (!header)
		return NULL;
	parts = g_strsplit(header, ",", 0);
	for (size_t i = 0; parts[i]; i++) {
		const char *p = g_strstrip(parts[i]);

		if (g_str_has_prefix(p, TOKEN_PROTOCOL_PREFIX))
			return g_strdup(p + strlen(TOKEN_PROTOCOL_PREFIX));
	}
	return NULL;
}

static bool origin_ok(SoupServerMessage *msg)
{
	SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
	const char *origin = soup_message_headers_get_one(h, "Origin");
	const char *host = soup_message_headers_get_one(h, "Host");
	g_autofree char *expected = NULL;

	if (!origin || !host)
		return false;
	expected = g_strconcat("https://", host, NULL);
	return g_ascii_strcasecmp(origin, expected) == 0;
}

static void recheck_clients(struct server *server);

/* Checks one attempt; on refusal sets the status and a JSON reason. A valid token is
 * always let through: the failure bucket only decides whether a refusal is answered 401
 * with its reason and logged, or 429 and kept quiet. Checking costs a few microseconds
 * (docs/benchmarks.md), less than the TLS handshake in front of it. */
static bool admit(struct server *server, SoupServerMessage *msg, const char *token,
                  bool check_origin, struct auth_claims *claims)
{
	const char *addr = remote_address(msg);
	int64_t now = g_get_monotonic_time();
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *quoted = NULL;

	if (check_origin && !origin_ok(msg)) {
		if (ratelimit_allowed(server->origin_limit, addr, now))
			log_warn("%s: refused, foreign or missing Origin", addr);
		else
			log_debug("%s: refused, foreign or missing Origin", addr);
		ratelimit_fail(server->origin_limit, addr, now);
		reply_json(msg, SOUP_STATUS_FORBIDDEN,
		           "{\"ok\":false,\"message\":\"this page may not connect here\"}");
		return false;
	}
	/* a stat; the file is read again only when it changed */
	if (auth_key_refresh(server->config.key))
		recheck_clients(server);
	if (auth_token_check(server->config.key, token ? token : "", token ? strlen(token) : 0,
	                     claims, &error))
		return true;
	if (!ratelimit_allowed(server->token_limit, addr, now)) {
		log_debug("%s: refused, %s (too many failures)", addr, error->message);
		ratelimit_fail(server->token_limit, addr, now);
		reply_json(msg, STATUS_TOO_MANY,
		           "{\"ok\":false,\"message\":\"too many failed attempts from this "
		           "address; wait a little\"}");
		return false;
	}
	log_warn("%s: refused, %s", addr, error->message);
	ratelimit_fail(server->token_limit, addr, now);
	node = json_node_new(JSON_NODE_VALUE);
	json_node_set_string(node, error->message);
	quoted = json_to_string(node, FALSE);
	json = g_strdup_printf("{\"ok\":false,\"message\":%s}", quoted);
	reply_json(msg, SOUP_STATUS_UNAUTHORIZED, json);
	return false;
}

/* Every answer but an accepted upgrade ends its connection: libsoup 3.2.3 loses track of
 * idle keep-alive sockets (CLOSE-WAIT for ever), and a page needs only a few files. */
static void close_after(SoupServerMessage *msg)
{
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
	                             "close");
}

/* Before any body is read: requests carry no body we want, so none is kept in memory
 * (libsoup reads and buffers a body of any size for a normal handler), and methods we
 * never answer are refused at once. */
static bool early_common(SoupServerMessage *msg, const char *path)
{
	const char *method = soup_server_message_get_method(msg);
	bool allowed;

	soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
	if (strcmp(path, AUTH_PATH) == 0)
		allowed = method == SOUP_METHOD_POST;
	else
		allowed = method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
	if (!allowed) {
		add_security_headers(msg);
		soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
		                             strcmp(path, AUTH_PATH) == 0 ? "POST" : "GET, HEAD");
		soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
	}
	return allowed;
}

static void early_any_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                              GHashTable *query, gpointer data)
{
	struct server *server = data;

	door_request_started(server->door, msg);
	close_after(msg);
	early_common(msg, path);
}

static unsigned link_viewers(struct server *server, const struct auth_claims *claims)
{
	unsigned n = 0;

	for (GList *l = server->clients; l; l = l->next) {
		struct server_client *c = l->data;

		n += memcmp(c->claims.id, claims->id, sizeof(claims->id)) == 0;
	}
	return n;
}

static void free_secret(gpointer data)
{
	char *s = data;

	explicit_bzero(s, strlen(s));
	g_free(s);
}

/* The admission of a WebSocket viewer, decided here because libsoup calls early handlers
 * once the headers are in, before it answers an upgrade: a status set here means no
 * upgrade happens. Order: rate limit (429), Origin (403), token (401), room (503). */
static void early_ws_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                             GHashTable *query, gpointer data)
{
	struct server *server = data;
	g_autofree char *token = NULL;
	struct auth_claims claims;

	door_request_started(server->door, msg);
	/* libsoup matches handlers by plain prefix: "/wsx" and "/ws/x" land here too, and
	 * would reach the WebSocket handler unchecked if simply let through */
	if (strcmp(path, WS_PATH) != 0) {
		add_security_headers(msg);
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		goto refused;
	}
	if (!early_common(msg, path))
		goto refused;
	token = token_from_protocols(msg);
	if (!admit(server, msg, token, true, &claims))
		goto refused;
	if (g_list_length(server->clients) >= SERVER_MAX_CLIENTS) {
		log_warn("%s: refused, already %d viewers", remote_address(msg),
		         SERVER_MAX_CLIENTS);
		reply_json(msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
		           "{\"ok\":false,\"message\":\"the desktop has too many viewers\"}");
		goto refused;
	}
	if (link_viewers(server, &claims) >= SERVER_MAX_PER_LINK) {
		log_warn("%s: refused, this link already has %d viewers", remote_address(msg),
		         SERVER_MAX_PER_LINK);
		reply_json(msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
		           "{\"ok\":false,\"message\":\"this link is already open in too many "
		           "places; close one or ask for another link\"}");
		goto refused;
	}
	/* remembered until the upgrade completes, in the websocket callback */
	g_object_set_data(G_OBJECT(msg), ADMITTED_KEY, GUINT_TO_POINTER(1));
	g_object_set_data_full(G_OBJECT(msg), CLAIMS_KEY, g_memdup2(&claims, sizeof(claims)),
	                       g_free);
	g_object_set_data_full(G_OBJECT(msg), TOKEN_KEY, g_steal_pointer(&token), free_secret);
	return;
refused:
	if (token)
		explicit_bzero(token, strlen(token));
	close_after(msg);
}

static void auth_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                         GHashTable *query, gpointer data)
{
	struct server *server = data;
	const char *header = soup_message_headers_get_one(
	        soup_server_message_get_request_headers(msg), "Authorization");
	const char *origin = soup_message_headers_get_one(
	        soup_server_message_get_request_headers(msg), "Origin");
	struct auth_claims claims;

	if (strcmp(path, AUTH_PATH) != 0) {
		add_security_headers(msg);
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	/* a same-origin fetch always sends Origin, so when there is one it must be ours */
	if (!admit(server, msg, header && g_str_has_prefix(header, "Bearer ") ? header + 7 : NULL,
	           origin != NULL, &claims))
		return;
	reply_json(msg, SOUP_STATUS_OK, "{\"ok\":true}");
}

static const char *const content_types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/vnd.microsoft.icon"},
        {".json", "application/json"},
        {".webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *path)
{
	for (size_t i = 0; i < G_N_ELEMENTS(content_types); i++) {
		if (g_str_has_suffix(path, content_types[i][0]))
			return content_types[i][1];
	}
	return "application/octet-stream";
}

static void static_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                           GHashTable *query, gpointer data)
{
	const char *method = soup_server_message_get_method(msg);
	g_autofree char *name = NULL;
	g_autoptr(GBytes) bytes = NULL;

	add_security_headers(msg);
	if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
		soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
		return;
	}
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (path[0] != '/' || strstr(path, "..") || strstr(path, "//") ||
	    strlen(path) > STATIC_PATH_MAX) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	name = g_strconcat(WEB_RESOURCE_PREFIX, path, NULL);
	bytes = g_resources_lookup_data(name, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	if (!bytes) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg, content_type(path), SOUP_MEMORY_COPY,
	                                 g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
}

static void client_free(struct server_client *client)
{
	g_signal_handlers_disconnect_by_data(client->conn, client);
	g_object_unref(client->conn);
	if (client->warn_timer)
		g_source_remove(client->warn_timer);
	if (client->expire_timer)
		g_source_remove(client->expire_timer);
	free_secret(client->token);
	g_free(client->address);
	g_free(client);
}

/* Tells the page why (a `bye` it shows, and no reconnecting), then closes. */
static void client_end(struct server_client *client, const char *reason)
{
	g_autofree char *bye = signal_build_bye(reason);

	log_info("%s: viewer cut off, %s", client->address, reason);
	server_client_send(client, bye);
	server_client_close(client, CLOSE_EXPIRED, reason);
}

static int64_t now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static void schedule_expiry(struct server_client *client);

static gboolean on_expiry_warning(gpointer data)
{
	struct server_client *client = data;
	int64_t left = client->claims.exp - now_s();
	g_autofree char *json = NULL;

	client->warn_timer = 0;
	if (left > SERVER_EXPIRY_WARNING_S) { /* the timer ran early (suspend, clock change) */
		schedule_expiry(client);
		return G_SOURCE_REMOVE;
	}
	client->warned = true;
	json = g_strdup_printf("{\"type\":\"expiring\",\"seconds\":%lld}", (long long)MAX(left, 0));
	server_client_send(client, json);
	return G_SOURCE_REMOVE;
}

static gboolean on_expired(gpointer data)
{
	struct server_client *client = data;

	client->expire_timer = 0;
	if (client->claims.exp > now_s()) {
		schedule_expiry(client);
		return G_SOURCE_REMOVE;
	}
	client_end(client, "the link has expired");
	return G_SOURCE_REMOVE;
}

/* Timers run on the monotonic clock and `exp` is wall time: each one checks again when it
 * fires and sets itself anew if it was early. */
static void schedule_expiry(struct server_client *client)
{
	int64_t left = client->claims.exp - now_s();
	int64_t cap = G_MAXUINT / 2;

	if (!client->warn_timer && left > SERVER_EXPIRY_WARNING_S)
		client->warn_timer = g_timeout_add_seconds(
		        (guint)MIN(left - SERVER_EXPIRY_WARNING_S, cap), on_expiry_warning, client);
	else if (!client->warned)
		client->warn_timer =
		        g_idle_add(on_expiry_warning, client); /* a link near its end */
	if (!client->expire_timer)
		client->expire_timer =
		        g_timeout_add_seconds((guint)CLAMP(left, 0, cap), on_expired, client);
}

/* The key changed or went: every viewer whose link it no longer signs is cut off. */
static void recheck_clients(struct server *server)
{
	for (GList *l = server->clients; l; l = l->next) {
		struct server_client *client = l->data;
		struct auth_claims claims;
		g_autoptr(GError) error = NULL;

		if (!auth_token_check(server->config.key, client->token, strlen(client->token),
		                      &claims, &error))
			client_end(client, "the link was revoked");
	}
}

static void on_key_changed(GFileMonitor *monitor, GFile *file, GFile *other,
                           GFileMonitorEvent event, gpointer data)
{
	struct server *server = data;

	if (auth_key_refresh(server->config.key))
		recheck_clients(server);
}

static void on_ws_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
{
	struct server_client *client = data;
	struct server *server = client->server;
	gsize len;
	const char *text = g_bytes_get_data(message, &len);

	if (type != SOUP_WEBSOCKET_DATA_TEXT) {
		server_client_close(client, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA,
		                    "wayrtc speaks JSON text messages only");
		return;
	}
	server->listener->message(server->data, client, text, len);
}

bool server_error_is_departure(const GError *error)
{
	/* ECONNRESET is G_IO_ERROR_CONNECTION_CLOSED, the same code as BROKEN_PIPE (EPIPE) */
	return error && (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
	                 g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED) ||
	                 g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
	                 g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_EOF));
}

static void on_ws_error(SoupWebsocketConnection *conn, GError *error, gpointer data)
{
	struct server_client *client = data;

	/* libsoup says "Error sending data: Broken pipe" for every tab closed mid-send */
	if (server_error_is_departure(error))
		log_debug("%s: %s", client->address, error->message);
	else
		log_info("%s: %s", client->address, error->message);
}

static void on_ws_closed(SoupWebsocketConnection *conn, gpointer data)
{
	struct server_client *client = data;
	struct server *server = client->server;
	const char *reason = soup_websocket_connection_get_close_data(conn);

	/* the reason is the client's own text: log_printf escapes what could forge a line */
	log_info("%s: viewer left (%u%s%s)", client->address,
	         soup_websocket_connection_get_close_code(conn), reason ? ", " : "",
	         reason ? reason : "");
	server->clients = g_list_remove(server->clients, client);
	server->listener->closed(server->data, client);
	client_free(client);
}

static void websocket_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                              SoupWebsocketConnection *conn, gpointer data)
{
	struct server *server = data;
	struct server_client *client;
	const struct auth_claims *claims = g_object_get_data(G_OBJECT(msg), CLAIMS_KEY);
	const char *token = g_object_get_data(G_OBJECT(msg), TOKEN_KEY);

	/* never reached without admission; if libsoup ever routes around the early handler,
	 * the socket is closed rather than trusted */
	if (!g_object_get_data(G_OBJECT(msg), ADMITTED_KEY) || !claims || !token) {
		log_error("%s: a WebSocket reached %s without admission; closed",
		          remote_address(msg), path);
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
		                                "not admitted");
		return;
	}
	/* bounds every message whole, fragments included: libsoup's own limit is per frame */
	door_upgraded(server->door, msg, SERVER_MAX_MESSAGE);
	/* upgrades admitted at the same moment may have filled the room meanwhile */
	if (g_list_length(server->clients) >= SERVER_MAX_CLIENTS ||
	    link_viewers(server, claims) >= SERVER_MAX_PER_LINK) {
		soup_websocket_connection_close(conn, CLOSE_TRY_AGAIN,
		                                "the desktop has too many viewers");
		return;
	}
	client = g_new0(struct server_client, 1);
	client->server = server;
	client->conn = g_object_ref(conn);
	client->address = g_strdup(remote_address(msg));
	client->token = g_strdup(token);
	client->claims = *claims;
	soup_websocket_connection_set_max_incoming_payload_size(conn, SERVER_MAX_MESSAGE);
	soup_websocket_connection_set_keepalive_interval(conn, KEEPALIVE_S);
	g_signal_connect(conn, "message", G_CALLBACK(on_ws_message), client);
	g_signal_connect(conn, "closed", G_CALLBACK(on_ws_closed), client);
	g_signal_connect(conn, "error", G_CALLBACK(on_ws_error), client);
	server->clients = g_list_prepend(server->clients, client);
	log_info("%s: viewer admitted", client->address);
	schedule_expiry(client);
	server->listener->open(server->data, client, client->claims.scope);
}

struct server *server_new(const struct server_config *config,
                          const struct server_listener *listener, void *data, GError **error)
{
	static const char *protocols[] = {"wayrtc", NULL};
	struct server *server = g_new0(struct server, 1);

	/* keeps the web resource's constructor linked in from the static library */
	(void)wayrtc_web_get_resource();
	server->config = *config;
	server->listener = listener;
	server->data = data;
	server->token_limit = ratelimit_new();
	server->origin_limit = ratelimit_new();
	/* no certificate and no listener here: door.c accepts, bounds and does TLS */
	server->soup = soup_server_new("server-header", "wayrtc", NULL);
	/* signaling messages are small; compression would only add a decompression bomb */
	soup_server_remove_websocket_extension(server->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
	/* one early handler per path: libsoup calls only the longest match's */
	soup_server_add_early_handler(server->soup, NULL, early_any_handler, server, NULL);
	soup_server_add_early_handler(server->soup, AUTH_PATH, early_any_handler, server, NULL);
	soup_server_add_early_handler(server->soup, WS_PATH, early_ws_handler, server, NULL);
	soup_server_add_websocket_handler(server->soup, WS_PATH, NULL, (char **)protocols,
	                                  websocket_handler, server, NULL);
	soup_server_add_handler(server->soup, AUTH_PATH, auth_handler, server, NULL);
	soup_server_add_handler(server->soup, NULL, static_handler, server, NULL);
	server->door = door_new(config->host, config->port, config->cert, server->soup, error);
	if (!server->door) {
		g_prefix_error(error, "cannot listen on port %u: ", config->port);
		server_free(server);
		return NULL;
	}
	/* a deleted or renewed key cuts its links off at once, running viewers included */
	if (config->key->path[0]) {
		g_autoptr(GFile) file = g_file_new_for_path(config->key->path);

		server->key_monitor =
		        g_file_monitor_file(file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
		if (server->key_monitor)
			g_signal_connect(server->key_monitor, "changed", G_CALLBACK(on_key_changed),
			                 server);
	}
	return server;
}

void server_free(struct server *server)
{
	if (!server)
		return;
	if (server->key_monitor) {
		g_signal_handlers_disconnect_by_data(server->key_monitor, server);
		g_file_monitor_cancel(server->key_monitor);
		g_object_unref(server->key_monitor);
	}
	while (server->clients) {
		struct server_client *client = server->clients->data;

		server->clients = g_list_delete_link(server->clients, server->clients);
		server->listener->closed(server->data, client);
		/* the close frame is queued before the connection goes, so the browser hears
		 * "going away" rather than a reset */
		g_signal_handlers_disconnect_by_data(client->conn, client);
		server_client_close(client, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "wayrtc stopped");
		client_free(client);
	}
	door_free(server->door);
	if (server->soup) {
		soup_server_disconnect(server->soup);
		g_object_unref(server->soup);
	}
	ratelimit_free(server->token_limit);
	ratelimit_free(server->origin_limit);
	g_free(server);
}

unsigned server_get_port(struct server *server)
{
	return door_get_port(server->door);
}

unsigned server_get_connections(struct server *server)
{
	return door_get_count(server->door);
}

void server_client_send(struct server_client *client, const char *text)
{
	if (soup_websocket_connection_get_state(client->conn) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_send_text(client->conn, text);
}

void server_client_close(struct server_client *client, unsigned short code, const char *reason)
{
	if (soup_websocket_connection_get_state(client->conn) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(client->conn, code, reason);
}

void server_client_set_data(struct server_client *client, void *data)
{
	client->data = data;
}

void *server_client_get_data(struct server_client *client)
{
	return client->data;
}

const char *server_client_get_address(struct server_client *client)
{
	return client->address;
}
