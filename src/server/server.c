/* The front door. libsoup 3 over TLS only. A WebSocket upgrade on /ws is decided in the
 * early handler, before libsoup would accept it: rate limit, Origin, token, capacity. */
#define LOG_MODULE "server"
#include "server/server.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "util/log.h"
#include "server/ratelimit.h"

#define WS_PATH               "/ws"
#define AUTH_PATH             "/auth"
#define WEB_RESOURCE_PREFIX   "/org/wayrtc/web"
#define TOKEN_PROTOCOL_PREFIX "token."
#define KEEPALIVE_S           15 /* pings keep NATs and proxies from dropping an idle socket */
#define STATIC_PATH_MAX       64 /* longer than any file name the client has */
#define ADMITTED_KEY          "wayrtc-admitted"
#define SCOPE_KEY             "wayrtc-scope"
#define STATUS_TOO_MANY       429 /* RFC 6585; libsoup 3.2 has no name for it */

/* from the generated web-resources.c */
GResource *wayrtc_web_get_resource(void);

struct server {
	SoupServer *soup;
	struct server_config config;
	const struct server_listener *listener;
	void *data;
	struct ratelimit *ratelimit;
	GList *clients;
	unsigned port;
};

struct server_client {
	struct server *server;
	SoupWebsocketConnection *conn;
	char *address;
	uint32_t scope;
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

/* Checks one attempt; on refusal sets the status and a JSON reason. */
static bool admit(struct server *server, SoupServerMessage *msg, const char *token,
                  bool check_origin, uint32_t *scope)
{
	const char *addr = remote_address(msg);
	int64_t now = g_get_monotonic_time();
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;

	if (!ratelimit_allowed(server->ratelimit, addr, now)) {
		log_warn("%s: refused, too many failed attempts", addr);
		reply_json(msg, STATUS_TOO_MANY,
		           "{\"ok\":false,\"message\":\"too many failed attempts from this "
		           "address; wait a little\"}");
		return false;
	}
	if (check_origin && !origin_ok(msg)) {
		log_warn("%s: refused, foreign or missing Origin", addr);
		ratelimit_fail(server->ratelimit, addr, now);
		reply_json(msg, SOUP_STATUS_FORBIDDEN,
		           "{\"ok\":false,\"message\":\"this page may not connect here\"}");
		return false;
	}
	if (!auth_token_verify(server->config.key, token ? token : "", token ? strlen(token) : 0,
	                       scope, &error)) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
		g_autofree char *quoted = NULL;

		log_warn("%s: refused, %s", addr, error->message);
		ratelimit_fail(server->ratelimit, addr, now);
		json_node_set_string(node, error->message);
		quoted = json_to_string(node, FALSE);
		json = g_strdup_printf("{\"ok\":false,\"message\":%s}", quoted);
		reply_json(msg, SOUP_STATUS_UNAUTHORIZED, json);
		return false;
	}
	return true;
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
	early_common(msg, path);
}

/* The admission of a WebSocket viewer, decided here because libsoup calls early handlers
 * once the headers are in, before it answers an upgrade: a status set here means no
 * upgrade happens. Order: rate limit (429), Origin (403), token (401), room (503). */
static void early_ws_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                             GHashTable *query, gpointer data)
{
	struct server *server = data;
	g_autofree char *token = NULL;
	uint32_t scope;

	/* libsoup matches handlers by plain prefix: "/wsx" and "/ws/x" land here too, and
	 * would reach the WebSocket handler unchecked if simply let through */
	if (strcmp(path, WS_PATH) != 0) {
		add_security_headers(msg);
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	if (!early_common(msg, path))
		return;
	token = token_from_protocols(msg);
	if (!admit(server, msg, token, true, &scope))
		return;
	if (g_list_length(server->clients) >= SERVER_MAX_CLIENTS) {
		log_warn("%s: refused, already %d viewers", remote_address(msg),
		         SERVER_MAX_CLIENTS);
		reply_json(msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
		           "{\"ok\":false,\"message\":\"the desktop has too many viewers\"}");
		return;
	}
	/* remembered until the upgrade completes, in the websocket callback */
	g_object_set_data(G_OBJECT(msg), ADMITTED_KEY, GUINT_TO_POINTER(1));
	g_object_set_data(G_OBJECT(msg), SCOPE_KEY, GUINT_TO_POINTER(scope));
}

static void auth_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                         GHashTable *query, gpointer data)
{
	struct server *server = data;
	const char *header = soup_message_headers_get_one(
	        soup_server_message_get_request_headers(msg), "Authorization");
	const char *origin = soup_message_headers_get_one(
	        soup_server_message_get_request_headers(msg), "Origin");
	uint32_t scope;

	if (strcmp(path, AUTH_PATH) != 0) {
		add_security_headers(msg);
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	/* a same-origin fetch always sends Origin, so when there is one it must be ours */
	if (!admit(server, msg, header && g_str_has_prefix(header, "Bearer ") ? header + 7 : NULL,
	           origin != NULL, &scope))
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
	g_free(client->address);
	g_free(client);
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

static void on_ws_error(SoupWebsocketConnection *conn, GError *error, gpointer data)
{
	struct server_client *client = data;

	log_info("%s: %s", client->address, error->message);
}

static void on_ws_closed(SoupWebsocketConnection *conn, gpointer data)
{
	struct server_client *client = data;
	struct server *server = client->server;

	log_info("%s: viewer left (%u%s%s)", client->address,
	         soup_websocket_connection_get_close_code(conn),
	         soup_websocket_connection_get_close_data(conn) ? ", " : "",
	         soup_websocket_connection_get_close_data(conn)
	                 ? soup_websocket_connection_get_close_data(conn)
	                 : "");
	server->clients = g_list_remove(server->clients, client);
	server->listener->closed(server->data, client);
	client_free(client);
}

static void websocket_handler(SoupServer *soup, SoupServerMessage *msg, const char *path,
                              SoupWebsocketConnection *conn, gpointer data)
{
	struct server *server = data;
	struct server_client *client;

	/* never reached without admission; if libsoup ever routes around the early handler,
	 * the socket is closed rather than trusted */
	if (!g_object_get_data(G_OBJECT(msg), ADMITTED_KEY)) {
		log_error("%s: a WebSocket reached %s without admission; closed",
		          remote_address(msg), path);
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
		                                "not admitted");
		return;
	}
	client = g_new0(struct server_client, 1);
	client->server = server;
	client->conn = g_object_ref(conn);
	client->address = g_strdup(remote_address(msg));
	client->scope = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(msg), SCOPE_KEY));
	soup_websocket_connection_set_max_incoming_payload_size(conn, SERVER_MAX_MESSAGE);
	soup_websocket_connection_set_keepalive_interval(conn, KEEPALIVE_S);
	g_signal_connect(conn, "message", G_CALLBACK(on_ws_message), client);
	g_signal_connect(conn, "closed", G_CALLBACK(on_ws_closed), client);
	g_signal_connect(conn, "error", G_CALLBACK(on_ws_error), client);
	server->clients = g_list_prepend(server->clients, client);
	log_info("%s: viewer admitted", client->address);
	server->listener->open(server->data, client, client->scope);
}

static bool listen_on(struct server *server, GError **error)
{
	const struct server_config *c = &server->config;
	g_autoptr(GInetAddress) addr = NULL;
	g_autoptr(GSocketAddress) sa = NULL;
	GSList *uris;

	if (!c->host || !*c->host)
		return soup_server_listen_all(server->soup, c->port, SOUP_SERVER_LISTEN_HTTPS,
		                              error);
	if (strcmp(c->host, "localhost") == 0)
		return soup_server_listen_local(server->soup, c->port, SOUP_SERVER_LISTEN_HTTPS,
		                                error);
	addr = g_inet_address_new_from_string(c->host);
	if (!addr) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "--listen needs an IP address, not “%s”", c->host);
		return false;
	}
	sa = g_inet_socket_address_new(addr, c->port);
	if (!soup_server_listen(server->soup, sa, SOUP_SERVER_LISTEN_HTTPS, error))
		return false;
	uris = soup_server_get_uris(server->soup);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return true;
}

struct server *server_new(const struct server_config *config,
                          const struct server_listener *listener, void *data, GError **error)
{
	static const char *protocols[] = {"wayrtc", NULL};
	struct server *server = g_new0(struct server, 1);
	GSList *uris;

	/* keeps the web resource's constructor linked in from the static library */
	(void)wayrtc_web_get_resource();
	server->config = *config;
	server->listener = listener;
	server->data = data;
	server->ratelimit = ratelimit_new();
	server->soup =
	        soup_server_new("tls-certificate", config->cert, "server-header", "wayrtc", NULL);
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
	if (!listen_on(server, error)) {
		g_prefix_error(error, "cannot listen on port %u: ", config->port);
		server_free(server);
		return NULL;
	}
	uris = soup_server_get_uris(server->soup);
	if (uris)
		server->port = (unsigned)g_uri_get_port(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return server;
}

void server_free(struct server *server)
{
	if (!server)
		return;
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
	if (server->soup) {
		soup_server_disconnect(server->soup);
		g_object_unref(server->soup);
	}
	ratelimit_free(server->ratelimit);
	g_free(server);
}

unsigned server_get_port(struct server *server)
{
	return server->port;
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
