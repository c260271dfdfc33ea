/* The listening socket, owned by wayrtc rather than libsoup: connections counted per
 * address and in total (the oldest unfinished one makes room for a newcomer), the TLS
 * ClientHello awaited on the main loop without a thread, the handshake bounded in time
 * with TLS 1.2+ and AEAD suites only, then the stream handed to libsoup. Every
 * connection has a deadline until it becomes a WebSocket; a WebSocket's messages are
 * bounded as a whole (wsguard). */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOOR_MAX_CONNECTIONS 512   /* open at once, all addresses (well under 1024 fds) */
#define DOOR_MAX_PER_ADDRESS 64    /* from one address (an IPv6 /64) */
#define DOOR_HANDSHAKE_MS    5000  /* from accept to the end of the TLS handshake */
#define DOOR_REQUEST_MS      10000 /* from accept to the request's last header line */
#define DOOR_ANSWER_MS       30000 /* from the headers to the answer sent and closed */
#define DOOR_LINGER_MS       2000  /* after a shutdown, for libsoup to let go */
#define DOOR_HELLO_MAX       16384 /* a TLS record's largest body (RFC 8446 5.1) */
#define DOOR_BACKLOG         512   /* the kernel's accept queue (capped by somaxconn) */

/* TLS 1.3 and 1.2 only, forward-secret ECDHE, AEAD ciphers; set for glib-networking's
 * GnuTLS backend through G_TLS_GNUTLS_PRIORITY before its first connection. */
#define DOOR_TLS_PRIORITY                                                                          \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"        \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE"

enum door_hello {
	DOOR_HELLO_MORE = 0, /* not all of the first record yet */
	DOOR_HELLO_READY,    /* a whole handshake record that starts a ClientHello */
	DOOR_HELLO_BAD,      /* not TLS: close without a handshake */
};

/* Looks at the first bytes a client sent. `*need` gets how many bytes the first record
 * takes in all (once its header is in). Pure, for the fuzzer. */
enum door_hello door_hello_check(const uint8_t *buf, size_t len, size_t *need);

struct door;

/* Sets DOOR_TLS_PRIORITY for glib-networking, which reads G_TLS_GNUTLS_PRIORITY once, when
 * its first TLS connection type is made, and makes that type at once. Idempotent;
 * door_new calls it too. main() calls it first, before any thread could read the
 * environment while it is written. */
void door_tls_init(void);

/* Listens on `host` (NULL or "" = every interface, "localhost", or an IP address) and
 * hands each finished handshake to `soup` with soup_server_accept_iostream. */
struct door *door_new(const char *host, unsigned port, GTlsCertificate *cert, SoupServer *soup,
                      GError **error);
void door_free(struct door *door); /* accepts NULL */
unsigned door_get_port(struct door *door);
/* How many connections are open (for tests and status). */
unsigned door_get_count(struct door *door);

/* libsoup has this message's request headers: the answer's deadline starts. */
void door_request_started(struct door *door, SoupServerMessage *msg);
/* The message's connection is now a WebSocket: no deadline, never evicted, and no
 * message over `max_message` bytes, fragments included (the socket is closed). */
void door_upgraded(struct door *door, SoupServerMessage *msg, uint64_t max_message);
