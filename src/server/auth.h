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
	/* The file it came from and what it looked like then, so a running share notices a
	 * renewed or deleted key; empty for a key made in memory (tests, fuzzers). */
	char path[4096];
	uint64_t stamp[4]; /* device, inode, size, change time (ns) */
	bool revoked;      /* the file went or is no longer a key: every token is refused */
};

/* What a valid token says. `id` names the link without being it (SHA-256 of the token):
 * the server counts viewers per link with it. */
struct auth_claims {
	uint32_t scope;
	int64_t exp; /* seconds since the epoch */
	uint8_t id[32];
};

/* Loads $state_dir/jwt.key, or creates it (mode 0600) from the system's random source. */
bool auth_key_load_or_create(const char *state_dir, struct auth_key *key, GError **error);
/* Looks at the key's file again (a stat, and a read only when it changed): a deleted or
 * damaged file revokes the key, a new one replaces it. True when anything changed. */
bool auth_key_refresh(struct auth_key *key);

/* "view,control" → bits; false (with a message naming the word) for an unknown right. */
bool auth_scope_parse(const char *text, uint32_t *out, GError **error);
char *auth_scope_format(uint32_t scope); /* g_free */

/* A new token for `scope`, expiring `ttl_s` seconds from now. g_free it. */
char *auth_token_mint(const struct auth_key *key, uint32_t scope, int64_t ttl_s);

/* Checks signature, alg == HS512, exp in the future, a non-empty known scope.
 * The error says which, in words a user can act on ("the link has expired"). */
bool auth_token_verify(const struct auth_key *key, const char *token, size_t len, uint32_t *scope,
                       GError **error);
/* The same, with every claim wayrtc uses. */
bool auth_token_check(const struct auth_key *key, const char *token, size_t len,
                      struct auth_claims *claims, GError **error);
