/* Link tokens: HS512 JWTs signed with a key of 256 random bytes kept in the state dir.
 * The algorithm is pinned, `exp` is required, `scope` lists rights. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum auth_scope {
	AUTH_SCOPE_VIEW = 1 << 0,
	AUTH_SCOPE_CONTROL = 1 << 1,
	AUTH_SCOPE_CLIPBOARD = 1 << 2,
	AUTH_SCOPE_AUDIO = 1 << 3,
};

#define AUTH_KEY_LEN   256
#define AUTH_TOKEN_MAX 4096 /* longer tokens are refused unread */

struct auth_key {
	uint8_t bytes[AUTH_KEY_LEN];
};

/* Loads $state_dir/jwt.key, or creates it (mode 0600) from the system's random source. */
bool auth_key_load_or_create(const char *state_dir, struct auth_key *key, GError **error);

/* "view,control" → bits; false (with a message naming the word) for an unknown right. */
bool auth_scope_parse(const char *text, uint32_t *out, GError **error);
char *auth_scope_format(uint32_t scope); /* g_free */

/* A new token for `scope`, expiring `ttl_s` seconds from now. g_free it. */
char *auth_token_mint(const struct auth_key *key, uint32_t scope, int64_t ttl_s);

/* Checks signature, alg == HS512, exp in the future, a non-empty known scope.
 * The error says which, in words a user can act on ("the link has expired"). */
bool auth_token_verify(const struct auth_key *key, const char *token, size_t len, uint32_t *scope,
                       GError **error);
