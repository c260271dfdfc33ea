/* TURN for viewers behind firewalls: time-limited credentials made from a secret shared
 * with the TURN server (coturn's use-auth-secret, the "TURN REST API" of
 * draft-uberti-behave-turn-rest-00), and the server's URLs as a browser's iceServers take
 * them. Pure functions: the clock and the names come from the caller. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* username "EXPIRY:NAME" (EXPIRY in Unix seconds, after which the server refuses it),
 * password base64(HMAC-SHA1(secret, username)). NAME must not hold ':'. g_free both. */
bool rtc_turn_credentials(const char *secret, int64_t expiry, const char *name, char **username,
                          char **password);

/* "turn:HOST:PORT?transport=udp", "turn:HOST:PORT?transport=tcp" and, when tls_port is
 * not 0, "turns:HOST:TLS_PORT?transport=tcp" (IPv6 addresses in brackets). g_strfreev. */
char **rtc_turn_urls(const char *host, unsigned port, unsigned tls_port);
