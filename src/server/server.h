/* HTTPS + WebSocket front door (libsoup 3 on sockets of our own, door.h): static client
 * assets from a GResource and /ws for signaling, admitted only with a valid token and a
 * matching Origin, checked before the upgrade. Failed attempts are rate limited per
 * address; a link's viewers end when it expires or its key goes. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/auth.h"

#define SERVER_MAX_CLIENTS      16          /* WebSocket viewers at once */
#define SERVER_MAX_PER_LINK     4           /* of them with one link */
#define SERVER_MAX_MESSAGE      (64 * 1024) /* one signaling message, fragments included */
#define SERVER_EXPIRY_WARNING_S 60          /* the page hears of its link's end this early */

struct server_config {
	const char *host; /* listen address; NULL or "" = every interface */
	unsigned port;
	GTlsCertificate *cert;
	/* Watched: when its file changes or goes, the server reloads it (auth_key_refresh)
	 * and cuts off the viewers whose links it no longer signs. */
	struct auth_key *key;
};

struct server_client; /* one admitted WebSocket viewer */

struct server_listener {
	/* A viewer was admitted with these rights. */
	void (*open)(void *data, struct server_client *client, uint32_t scope);
	/* One text message, at most SERVER_MAX_MESSAGE bytes (larger ones close the socket). */
	void (*message)(void *data, struct server_client *client, const char *text, size_t len);
	/* The socket closed; `client` is freed after this returns. */
	void (*closed)(void *data, struct server_client *client);
};

struct server *server_new(const struct server_config *config,
                          const struct server_listener *listener, void *data, GError **error);
void server_free(struct server *server); /* accepts NULL; closes every client */

/* The port actually bound (useful with port 0 in tests). */
unsigned server_get_port(struct server *server);
/* TCP connections open now, viewers and unfinished ones (for tests and status). */
unsigned server_get_connections(struct server *server);

void server_client_send(struct server_client *client, const char *text);
/* Closes with a WebSocket close code and a reason the browser shows. */
void server_client_close(struct server_client *client, unsigned short code, const char *reason);
void server_client_set_data(struct server_client *client, void *data);
void *server_client_get_data(struct server_client *client);
const char *server_client_get_address(struct server_client *client);
/* Whether a WebSocket's error is only its viewer going away (a closed tab, a phone
 * asleep, a network gone: the socket broke or closed under a send or a read), logged at
 * debug; anything else is a real error and stays visible. */
bool server_error_is_departure(const GError *error);
