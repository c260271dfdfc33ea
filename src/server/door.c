/* The front door's sockets. libsoup 3.2.3 left to itself has no idle or handshake
 * deadline, keeps a closed keep-alive socket in CLOSE-WAIT for ever, and runs every
 * handshake in a worker thread even for clients that never speak; here each of those is
 * bounded. libsoup gets finished TLS streams through soup_server_accept_iostream: with
 * no listener of its own it closes every connection after one answer (no keep-alive),
 * except the WebSocket upgrades it hands back to us. */
#define LOG_MODULE "door"
#include "server/door.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "util/log.h"
#include "server/ratelimit.h"
#include "server/wsguard.h"

enum conn_state {
	CONN_HELLO,     /* accepted, waiting for a whole ClientHello (no thread) */
	CONN_HANDSHAKE, /* glib-networking's handshake runs */
	CONN_REQUEST,   /* libsoup has it, the request's headers are not in yet */
	CONN_ANSWER,    /* libsoup answers; it closes the connection after that */
	CONN_WEBSOCKET, /* an admitted viewer */
};

struct door_conn {
	struct door *door; /* NULL once the door is gone and this only waits to be freed */
	GList *queue_link; /* in door->queue (oldest first) while it counts */
	enum conn_state state;
	char key[RATELIMIT_KEY_MAX];
	char *address;
	GSocketConnection *tcp;
	GSocketAddress *remote, *local;
	GTlsConnection *tls;
	GCancellable *cancel;
	GSource *hello_source;
	size_t hello_seen;
	guint timer;
	struct _DoorStream *stream; /* weak: libsoup owns it */
};

struct door {
	GSocketService *service;
	SoupServer *soup;
	GTlsCertificate *cert;
	GQueue queue;          /* conns that count, oldest first */
	GList *all;            /* every conn record, counted or closing */
	GHashTable *per_key;   /* address key → count */
	GHashTable *by_remote; /* the GSocketAddress handed to libsoup → conn */
	unsigned port;
	bool warned_tls;
};

static void conn_close(struct door_conn *conn, const char *why);
static void conn_free(struct door_conn *conn);
static void conn_stream_gone(struct door_conn *conn);

/* ---- the stream libsoup gets: the TLS connection, with its close reported and its
 * WebSocket input bounded ---- */

#define DOOR_TYPE_INPUT (door_input_get_type())
G_DECLARE_FINAL_TYPE(DoorInput, door_input, DOOR, INPUT, GInputStream)

struct _DoorInput {
	GInputStream parent;
	GInputStream *base;
	struct wsguard guard;
	bool armed;
};

static void door_input_pollable_init(GPollableInputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE(DoorInput, door_input, G_TYPE_INPUT_STREAM,
                        G_IMPLEMENT_INTERFACE(G_TYPE_POLLABLE_INPUT_STREAM,
                                              door_input_pollable_init))

static gssize input_check(DoorInput *self, const void *buf, gssize n, GError **error)
{
	if (n > 0 && self->armed && !wsguard_feed(&self->guard, buf, (size_t)n)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
		            "a WebSocket message over %" G_GUINT64_FORMAT " bytes",
		            self->guard.limit);
		return -1;
	}
	return n;
}

static gssize door_input_read(GInputStream *stream, void *buf, gsize count,
                              GCancellable *cancellable, GError **error)
{
	DoorInput *self = DOOR_INPUT(stream);

	return input_check(self, buf,
	                   g_input_stream_read(self->base, buf, count, cancellable, error), error);
}

static gboolean door_input_close(GInputStream *stream, GCancellable *cancellable, GError **error)
{
	return TRUE; /* the TLS connection closes its own streams */
}

static gboolean door_input_can_poll(GPollableInputStream *stream)
{
	return g_pollable_input_stream_can_poll(G_POLLABLE_INPUT_STREAM(DOOR_INPUT(stream)->base));
}

static gboolean door_input_is_readable(GPollableInputStream *stream)
{
	return g_pollable_input_stream_is_readable(
	        G_POLLABLE_INPUT_STREAM(DOOR_INPUT(stream)->base));
}

static GSource *door_input_create_source(GPollableInputStream *stream, GCancellable *cancellable)
{
	GSource *base = g_pollable_input_stream_create_source(
	        G_POLLABLE_INPUT_STREAM(DOOR_INPUT(stream)->base), NULL);
	GSource *source = g_pollable_source_new_full(stream, base, cancellable);

	g_source_unref(base);
	return source;
}

static gssize door_input_read_nonblocking(GPollableInputStream *stream, void *buf, gsize count,
                                          GError **error)
{
	DoorInput *self = DOOR_INPUT(stream);

	return input_check(self, buf,
	                   g_pollable_input_stream_read_nonblocking(
	                           G_POLLABLE_INPUT_STREAM(self->base), buf, count, NULL, error),
	                   error);
}

static void door_input_pollable_init(GPollableInputStreamInterface *iface)
{
	iface->can_poll = door_input_can_poll;
	iface->is_readable = door_input_is_readable;
	iface->create_source = door_input_create_source;
	iface->read_nonblocking = door_input_read_nonblocking;
}

static void door_input_finalize(GObject *object)
{
	g_clear_object(&DOOR_INPUT(object)->base);
	G_OBJECT_CLASS(door_input_parent_class)->finalize(object);
}

static void door_input_class_init(DoorInputClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = door_input_finalize;
	G_INPUT_STREAM_CLASS(klass)->read_fn = door_input_read;
	G_INPUT_STREAM_CLASS(klass)->close_fn = door_input_close;
}

static void door_input_init(DoorInput *self)
{
}

#define DOOR_TYPE_STREAM (door_stream_get_type())
G_DECLARE_FINAL_TYPE(DoorStream, door_stream, DOOR, STREAM, GIOStream)

struct _DoorStream {
	GIOStream parent;
	GIOStream *base; /* the GTlsConnection */
	GSocket *socket;
	DoorInput *input;
	struct door_conn *conn;
};

G_DEFINE_TYPE(DoorStream, door_stream, G_TYPE_IO_STREAM)

static GInputStream *door_stream_get_input(GIOStream *stream)
{
	return G_INPUT_STREAM(DOOR_STREAM(stream)->input);
}

static GOutputStream *door_stream_get_output(GIOStream *stream)
{
	return g_io_stream_get_output_stream(DOOR_STREAM(stream)->base);
}

/* glib-networking sends close_notify with a blocking write: to a client that stopped
 * reading, that would hang the main loop (or a worker thread). When the socket cannot
 * take a byte now, its sending side is shut first so the write fails at once. */
static void before_close(DoorStream *self)
{
	struct pollfd p = {.fd = g_socket_get_fd(self->socket), .events = POLLOUT};

	if (!g_socket_is_closed(self->socket) && (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT)))
		g_socket_shutdown(self->socket, FALSE, TRUE, NULL);
}

static void stream_gone(DoorStream *self)
{
	struct door_conn *conn = self->conn;

	self->conn = NULL;
	if (conn)
		conn_stream_gone(conn);
}

static gboolean door_stream_close(GIOStream *stream, GCancellable *cancellable, GError **error)
{
	DoorStream *self = DOOR_STREAM(stream);
	gboolean ok;

	before_close(self);
	ok = g_io_stream_close(self->base, cancellable, error);
	stream_gone(self);
	return ok;
}

static void on_base_closed(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GTask) task = data;
	GError *error = NULL;

	g_io_stream_close_finish(G_IO_STREAM(source), res, &error);
	stream_gone(g_task_get_source_object(task));
	if (error)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

static void door_stream_close_async(GIOStream *stream, int priority, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer data)
{
	DoorStream *self = DOOR_STREAM(stream);
	GTask *task = g_task_new(stream, cancellable, callback, data);

	before_close(self);
	g_io_stream_close_async(self->base, priority, cancellable, on_base_closed, task);
}

static gboolean door_stream_close_finish(GIOStream *stream, GAsyncResult *res, GError **error)
{
	return g_task_propagate_boolean(G_TASK(res), error);
}

static void door_stream_dispose(GObject *object)
{
	DoorStream *self = DOOR_STREAM(object);

	/* dropped without a close: the TLS connection goes with it, so it is gone */
	if (self->conn && self->base && !g_io_stream_is_closed(self->base)) {
		before_close(self);
		g_io_stream_close(self->base, NULL, NULL);
	}
	stream_gone(self);
	G_OBJECT_CLASS(door_stream_parent_class)->dispose(object);
}

static void door_stream_finalize(GObject *object)
{
	DoorStream *self = DOOR_STREAM(object);

	g_clear_object(&self->input);
	g_clear_object(&self->base);
	g_clear_object(&self->socket);
	G_OBJECT_CLASS(door_stream_parent_class)->finalize(object);
}

static void door_stream_class_init(DoorStreamClass *klass)
{
	GIOStreamClass *io = G_IO_STREAM_CLASS(klass);

	G_OBJECT_CLASS(klass)->dispose = door_stream_dispose;
	G_OBJECT_CLASS(klass)->finalize = door_stream_finalize;
	io->get_input_stream = door_stream_get_input;
	io->get_output_stream = door_stream_get_output;
	io->close_fn = door_stream_close;
	io->close_async = door_stream_close_async;
	io->close_finish = door_stream_close_finish;
}

static void door_stream_init(DoorStream *self)
{
}

static DoorStream *door_stream_new(struct door_conn *conn)
{
	DoorStream *self = g_object_new(DOOR_TYPE_STREAM, NULL);

	self->base = G_IO_STREAM(g_object_ref(conn->tls));
	self->socket = g_object_ref(g_socket_connection_get_socket(conn->tcp));
	self->input = g_object_new(DOOR_TYPE_INPUT, NULL);
	self->input->base = g_object_ref(g_io_stream_get_input_stream(self->base));
	self->conn = conn;
	return self;
}

/* ---- the ClientHello, before any thread is involved ---- */

enum door_hello door_hello_check(const uint8_t *buf, size_t len, size_t *need)
{
	size_t body;

	*need = 5;
	/* a handshake record (22) of TLS 1.x (3.x; a ClientHello's record says 3.1 or 3.3) */
	if (len >= 1 && buf[0] != 22)
		return DOOR_HELLO_BAD;
	if (len >= 2 && buf[1] != 3)
		return DOOR_HELLO_BAD;
	if (len < 5)
		return DOOR_HELLO_MORE;
	body = (size_t)buf[3] << 8 | buf[4];
	if (body < 4 || body > DOOR_HELLO_MAX)
		return DOOR_HELLO_BAD;
	*need = 5 + body;
	if (len >= 6 && buf[5] != 1) /* handshake type: client_hello */
		return DOOR_HELLO_BAD;
	return len >= *need ? DOOR_HELLO_READY : DOOR_HELLO_MORE;
}

/* ---- counting ---- */

static unsigned key_count(struct door *door, const char *key)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(door->per_key, key));
}

static void key_add(struct door *door, const char *key, int delta)
{
	unsigned n = key_count(door, key) + delta;

	if (n)
		g_hash_table_insert(door->per_key, g_strdup(key), GUINT_TO_POINTER(n));
	else
		g_hash_table_remove(door->per_key, key);
}

/* Stops counting it: from here it only waits for its descriptor to be released. */
static void conn_uncount(struct door_conn *conn)
{
	struct door *door = conn->door;

	if (!door || !conn->queue_link)
		return;
	g_queue_delete_link(&door->queue, conn->queue_link);
	conn->queue_link = NULL;
	key_add(door, conn->key, -1);
}

static void conn_set_deadline(struct door_conn *conn, unsigned ms);

static void conn_free(struct door_conn *conn)
{
	conn_uncount(conn);
	if (conn->door) {
		conn->door->all = g_list_remove(conn->door->all, conn);
		if (conn->remote)
			g_hash_table_remove(conn->door->by_remote, conn->remote);
	}
	if (conn->stream)
		conn->stream->conn = NULL;
	if (conn->timer)
		g_source_remove(conn->timer);
	if (conn->hello_source) {
		g_source_destroy(conn->hello_source);
		g_source_unref(conn->hello_source);
	}
	g_clear_object(&conn->cancel);
	g_clear_object(&conn->tls);
	if (conn->tcp && !conn->stream)
		g_io_stream_close(G_IO_STREAM(conn->tcp), NULL, NULL);
	g_clear_object(&conn->tcp);
	g_clear_object(&conn->remote);
	g_clear_object(&conn->local);
	g_free(conn->address);
	g_free(conn);
}

/* libsoup (or the WebSocket) closed our stream: the descriptor is released. */
static void conn_stream_gone(struct door_conn *conn)
{
	conn->stream = NULL;
	conn_free(conn);
}

static void shutdown_socket(struct door_conn *conn)
{
	GSocket *socket = g_socket_connection_get_socket(conn->tcp);

	if (!g_socket_is_closed(socket))
		g_socket_shutdown(socket, TRUE, TRUE, NULL);
}

static gboolean on_linger_over(gpointer data)
{
	struct door_conn *conn = data;

	conn->timer = 0;
	/* libsoup did not let go after the shutdown: close the TLS connection under it; its
	 * next read or write fails and it drops our stream */
	log_debug("%s: closed under libsoup", conn->address);
	if (conn->stream) {
		conn->stream->conn = NULL;
		conn->stream = NULL;
	}
	if (conn->tls)
		g_io_stream_close(G_IO_STREAM(conn->tls), NULL, NULL);
	conn_free(conn);
	return G_SOURCE_REMOVE;
}

/* Ends a connection in whatever hands it is; the record goes when its descriptor does. */
static void conn_close(struct door_conn *conn, const char *why)
{
	log_debug("%s: closed, %s", conn->address, why);
	conn_uncount(conn);
	switch (conn->state) {
	case CONN_HELLO:
		conn_free(conn);
		return;
	case CONN_HANDSHAKE:
		/* the handshake's callback frees it; the shutdown wakes its blocked thread */
		g_cancellable_cancel(conn->cancel);
		shutdown_socket(conn);
		if (conn->timer) {
			g_source_remove(conn->timer);
			conn->timer = 0;
		}
		return;
	default:
		/* libsoup notices the end of the stream, closes it and we hear of it */
		shutdown_socket(conn);
		if (conn->timer)
			g_source_remove(conn->timer);
		conn->timer = g_timeout_add(DOOR_LINGER_MS, on_linger_over, conn);
		return;
	}
}

static gboolean on_deadline(gpointer data)
{
	struct door_conn *conn = data;
	static const char *const what[] = {
	        [CONN_HELLO] = "no TLS hello in time",
	        [CONN_HANDSHAKE] = "TLS handshake took too long",
	        [CONN_REQUEST] = "no request in time",
	        [CONN_ANSWER] = "the answer took too long",
	        [CONN_WEBSOCKET] = "",
	};

	conn->timer = 0;
	conn_close(conn, what[conn->state]);
	return G_SOURCE_REMOVE;
}

static void conn_set_deadline(struct door_conn *conn, unsigned ms)
{
	if (conn->timer)
		g_source_remove(conn->timer);
	conn->timer = ms ? g_timeout_add(ms, on_deadline, conn) : 0;
}

/* ---- accept → hello → handshake → libsoup ---- */

static bool tls_acceptable(GTlsConnection *tls)
{
	GTlsProtocolVersion version = g_tls_connection_get_protocol_version(tls);
	g_autofree char *suite = g_tls_connection_get_ciphersuite_name(tls);

	if (version != G_TLS_PROTOCOL_VERSION_TLS_1_2 && version != G_TLS_PROTOCOL_VERSION_TLS_1_3)
		return false;
	return suite && (strstr(suite, "GCM") || strstr(suite, "CHACHA20") || strstr(suite, "CCM"));
}

static void on_handshake(GObject *source, GAsyncResult *res, gpointer data)
{
	struct door_conn *conn = data;
	struct door *door = conn->door;
	g_autoptr(GError) error = NULL;
	GError *soup_error = NULL;
	DoorStream *stream;
	bool ok = g_tls_connection_handshake_finish(G_TLS_CONNECTION(source), res, &error);

	if (!door || !conn->queue_link) { /* closed meanwhile, or the door is gone */
		conn_free(conn);
		return;
	}
	if (!ok) {
		log_debug("%s: TLS handshake failed: %s", conn->address, error->message);
		conn_free(conn);
		return;
	}
	if (!tls_acceptable(conn->tls)) {
		/* only when something initialised GnuTLS's priority before us */
		if (!door->warned_tls)
			log_warn("TLS below 1.2 or without AEAD was negotiated; refused (is "
			         "G_TLS_GNUTLS_PRIORITY set before wayrtc's server started?)");
		door->warned_tls = true;
		conn_free(conn);
		return;
	}
	conn->state = CONN_REQUEST;
	conn_set_deadline(conn, DOOR_REQUEST_MS);
	stream = conn->stream = door_stream_new(conn);
	g_hash_table_insert(door->by_remote, conn->remote, conn);
	/* libsoup keeps its own reference; ours goes, so the stream's end is libsoup's. It
	 * may answer and close at once, `conn` with it. */
	soup_server_accept_iostream(door->soup, G_IO_STREAM(stream), conn->local, conn->remote,
	                            &soup_error);
	g_clear_error(&soup_error);
	g_object_unref(stream);
}

static void start_handshake(struct door_conn *conn)
{
	static const char *const alpn[] = {"http/1.1", NULL};
	g_autoptr(GError) error = NULL;
	GIOStream *tls;

	tls = g_tls_server_connection_new(G_IO_STREAM(conn->tcp), conn->door->cert, &error);
	if (!tls) {
		log_warn("%s: no TLS connection: %s", conn->address, error->message);
		conn_close(conn, "no TLS");
		return;
	}
	conn->tls = G_TLS_CONNECTION(tls);
	g_object_set(tls, "require-close-notify", FALSE, NULL);
	g_tls_connection_set_advertised_protocols(conn->tls, alpn);
	conn->state = CONN_HANDSHAKE;
	conn->cancel = g_cancellable_new();
	g_tls_connection_handshake_async(conn->tls, G_PRIORITY_DEFAULT, conn->cancel, on_handshake,
	                                 conn);
}

/* Readable: peek at what came. The socket's low-water mark is the bytes still missing, so
 * this runs again only when they are all in, or the client closed. */
static gboolean on_hello_readable(GSocket *socket, GIOCondition cond, gpointer data)
{
	struct door_conn *conn = data;
	uint8_t buf[5 + DOOR_HELLO_MAX];
	int fd = g_socket_get_fd(socket);
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	size_t need;
	int lowat = 1;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0 || (size_t)n <= conn->hello_seen) {
		conn_close(conn, n < 0 ? "read error" : "closed before a TLS hello");
		return G_SOURCE_REMOVE;
	}
	conn->hello_seen = (size_t)n;
	switch (door_hello_check(buf, (size_t)n, &need)) {
	case DOOR_HELLO_BAD:
		conn_close(conn, "not a TLS hello");
		return G_SOURCE_REMOVE;
	case DOOR_HELLO_MORE:
		lowat = (int)need;
		setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
		return G_SOURCE_CONTINUE;
	case DOOR_HELLO_READY:
		break;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
	g_source_unref(conn->hello_source);
	conn->hello_source = NULL;
	start_handshake(conn);
	return G_SOURCE_REMOVE;
}

/* The oldest connection that is not a viewer, from `key`'s address or any (NULL). */
static struct door_conn *oldest(struct door *door, const char *key)
{
	for (GList *l = door->queue.head; l; l = l->next) {
		struct door_conn *c = l->data;

		if (c->state != CONN_WEBSOCKET && (!key || strcmp(c->key, key) == 0))
			return c;
	}
	return NULL;
}

/* Room for one more from `key`: the oldest unfinished connection makes way, so held-open
 * sockets cannot keep a newcomer out (they would have to outpace its handshake). */
static bool make_room(struct door *door, const char *key)
{
	struct door_conn *victim;

	if (key_count(door, key) >= DOOR_MAX_PER_ADDRESS) {
		victim = oldest(door, key);
		if (!victim)
			return false;
		conn_close(victim, "making room for a newer connection from its address");
	}
	if (g_queue_get_length(&door->queue) >= DOOR_MAX_CONNECTIONS) {
		victim = oldest(door, NULL);
		if (!victim)
			return false;
		conn_close(victim, "making room for a newer connection");
	}
	return true;
}

/* An IPv4 client of a dual-stack socket is named by its IPv4 address. */
static GSocketAddress *plain_address(GSocketAddress *addr)
{
	GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS(addr);
	GInetAddress *ia = g_inet_socket_address_get_address(isa);
	const guint8 *b;
	g_autoptr(GInetAddress) v4 = NULL;

	static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (g_inet_address_get_family(ia) != G_SOCKET_FAMILY_IPV6)
		return g_object_ref(addr);
	b = g_inet_address_to_bytes(ia);
	if (memcmp(b, mapped, sizeof(mapped)) != 0)
		return g_object_ref(addr);
	v4 = g_inet_address_new_from_bytes(b + 12, G_SOCKET_FAMILY_IPV4);
	return g_inet_socket_address_new(v4, g_inet_socket_address_get_port(isa));
}

static gboolean on_incoming(GSocketService *service, GSocketConnection *tcp, GObject *source,
                            gpointer data)
{
	struct door *door = data;
	g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address(tcp, NULL);
	GSocket *socket = g_socket_connection_get_socket(tcp);
	struct door_conn *conn;
	char key[RATELIMIT_KEY_MAX];

	if (!remote || !G_IS_INET_SOCKET_ADDRESS(remote)) {
		g_io_stream_close(G_IO_STREAM(tcp), NULL, NULL);
		return TRUE;
	}
	conn = g_new0(struct door_conn, 1);
	conn->remote = plain_address(remote);
	conn->address = g_inet_address_to_string(
	        g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(conn->remote)));
	ratelimit_address_key(conn->address, key);
	if (!make_room(door, key)) {
		log_debug("%s: refused, no room", conn->address);
		g_io_stream_close(G_IO_STREAM(tcp), NULL, NULL);
		g_object_unref(conn->remote);
		g_free(conn->address);
		g_free(conn);
		return TRUE;
	}
	conn->door = door;
	g_strlcpy(conn->key, key, sizeof(conn->key));
	conn->tcp = g_object_ref(tcp);
	conn->local = g_socket_connection_get_local_address(tcp, NULL);
	g_queue_push_tail(&door->queue, conn);
	conn->queue_link = door->queue.tail;
	key_add(door, key, 1);
	door->all = g_list_prepend(door->all, conn);
	g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
	conn->state = CONN_HELLO;
	conn_set_deadline(conn, DOOR_HANDSHAKE_MS);
	conn->hello_source = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(conn->hello_source, (GSourceFunc)(void (*)(void))on_hello_readable,
	                      conn, NULL);
	g_source_attach(conn->hello_source, NULL);
	return TRUE;
}

static struct door_conn *conn_of(struct door *door, SoupServerMessage *msg)
{
	GSocketAddress *remote = soup_server_message_get_remote_address(msg);

	return remote ? g_hash_table_lookup(door->by_remote, remote) : NULL;
}

void door_request_started(struct door *door, SoupServerMessage *msg)
{
	struct door_conn *conn = conn_of(door, msg);

	if (!conn || conn->state != CONN_REQUEST || !conn->queue_link)
		return;
	conn->state = CONN_ANSWER;
	conn_set_deadline(conn, DOOR_ANSWER_MS);
}

void door_upgraded(struct door *door, SoupServerMessage *msg, uint64_t max_message)
{
	struct door_conn *conn = conn_of(door, msg);

	if (!conn || !conn->stream)
		return;
	conn->state = CONN_WEBSOCKET;
	conn_set_deadline(conn, 0);
	/* libsoup has read nothing past the upgrade request yet: the next byte starts a frame */
	wsguard_init(&conn->stream->input->guard, max_message);
	conn->stream->input->armed = true;
}

/* ---- listening ---- */

static bool listen_on(struct door *door, const char *host, unsigned port, GError **error)
{
	GSocketListener *l = G_SOCKET_LISTENER(door->service);
	g_autoptr(GInetAddress) addr = NULL;
	g_autoptr(GSocketAddress) sa = NULL;
	g_autoptr(GSocketAddress) effective = NULL;

	if (!host || !*host) {
		if (port)
			return g_socket_listener_add_inet_port(l, (guint16)port, NULL, error) &&
			       (door->port = port);
		door->port = g_socket_listener_add_any_inet_port(l, NULL, error);
		return door->port != 0;
	}
	if (strcmp(host, "localhost") == 0) {
		g_autoptr(GInetAddress) v4 = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
		g_autoptr(GInetAddress) v6 = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);
		g_autoptr(GSocketAddress) sa4 = g_inet_socket_address_new(v4, port);
		g_autoptr(GSocketAddress) sa6 = NULL;

		if (!g_socket_listener_add_address(l, sa4, G_SOCKET_TYPE_STREAM,
		                                   G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
			return false;
		door->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
		sa6 = g_inet_socket_address_new(v6, door->port);
		/* a machine without IPv6 still has the IPv4 loopback */
		g_socket_listener_add_address(l, sa6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
		                              NULL, NULL, NULL);
		return true;
	}
	addr = g_inet_address_new_from_string(host);
	if (!addr) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "--listen needs an IP address, not “%s”", host);
		return false;
	}
	sa = g_inet_socket_address_new(addr, port);
	if (!g_socket_listener_add_address(l, sa, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
	                                   &effective, error))
		return false;
	door->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	return true;
}

void door_tls_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_setenv("G_TLS_GNUTLS_PRIORITY", DOOR_TLS_PRIORITY, TRUE);
		g_type_class_unref(g_type_class_ref(
		        g_tls_backend_get_server_connection_type(g_tls_backend_get_default())));
		g_once_init_leave(&done, 1);
	}
}

struct door *door_new(const char *host, unsigned port, GTlsCertificate *cert, SoupServer *soup,
                      GError **error)
{
	struct door *door = g_new0(struct door, 1);

	door_tls_init();
	door->soup = g_object_ref(soup);
	door->cert = g_object_ref(cert);
	g_queue_init(&door->queue);
	door->per_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	door->by_remote = g_hash_table_new(g_direct_hash, g_direct_equal);
	door->service = g_socket_service_new();
	/* GLib's default of 10 drops SYNs under a burst, and a dropped SYN costs the client
	 * a 1 s retransmission: the owner's too */
	g_socket_listener_set_backlog(G_SOCKET_LISTENER(door->service), DOOR_BACKLOG);
	if (!listen_on(door, host, port, error)) {
		door_free(door);
		return NULL;
	}
	g_signal_connect(door->service, "incoming", G_CALLBACK(on_incoming), door);
	g_socket_service_start(door->service);
	return door;
}

void door_free(struct door *door)
{
	if (!door)
		return;
	if (door->service) {
		g_socket_service_stop(door->service);
		g_socket_listener_close(G_SOCKET_LISTENER(door->service));
		g_signal_handlers_disconnect_by_data(door->service, door);
		g_object_unref(door->service);
	}
	while (door->all) {
		struct door_conn *conn = door->all->data;

		door->all = g_list_delete_link(door->all, door->all);
		conn_uncount(conn);
		conn->door = NULL;
		switch (conn->state) {
		case CONN_HANDSHAKE:
			/* its callback frees it once the thread returns */
			g_cancellable_cancel(conn->cancel);
			shutdown_socket(conn);
			if (conn->timer)
				g_source_remove(conn->timer);
			conn->timer = 0;
			break;
		case CONN_WEBSOCKET:
			/* its close frame may still be on the way out: libsoup closes it */
			conn_free(conn);
			break;
		default:
			if (conn->stream)
				shutdown_socket(conn);
			conn_free(conn);
			break;
		}
	}
	g_hash_table_destroy(door->per_key);
	g_hash_table_destroy(door->by_remote);
	g_clear_object(&door->cert);
	g_clear_object(&door->soup);
	g_free(door);
}

unsigned door_get_port(struct door *door)
{
	return door->port;
}

unsigned door_get_count(struct door *door)
{
	return g_list_length(door->all);
}
