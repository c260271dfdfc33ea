/* The link a viewer opens: `URL https://HOST:PORT/#token=JWT` on stdout, the one line
 * scripts rely on (README.md, `wayrtc --help`), with the token kept in the #fragment. */
#pragma once

#include <stdint.h>

#include "server/auth.h"

struct config;

#define LINK_SCOPE_ALL                                                                             \
	(AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL | AUTH_SCOPE_CLIPBOARD | AUTH_SCOPE_AUDIO)
#define LINK_SCOPE_VIEW_ONLY (AUTH_SCOPE_VIEW | AUTH_SCOPE_AUDIO)

/* Mints a token for `scope`, valid `ttl_s`, and prints the line for `port`. */
void link_print(const struct config *config, unsigned port, const struct auth_key *key,
                uint32_t scope, int64_t ttl_s);
