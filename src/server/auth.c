/* Link tokens. libjwt signs and checks the HMAC; the header's `alg` is checked here
 * first, by us, so no token can choose its own algorithm. */
#define LOG_MODULE "auth"
#include "server/auth.h"

#include <errno.h>
#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-glib/json-glib.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

#include "util/state.h"

#define KEY_FILE   "jwt.key"
#define HEADER_MAX 256

static const char *const scope_names[] = {"view", "control", "clipboard", "audio"};

bool auth_key_load_or_create(const char *state_dir, struct auth_key *key, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *data = NULL;
	size_t len = 0;

	if (state_read_secret(state_dir, KEY_FILE, &data, &len, &local)) {
		if (len != AUTH_KEY_LEN) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s/%s is damaged (%zu bytes, want %d); delete it to make a "
			            "new one (every link becomes invalid)",
			            state_dir, KEY_FILE, len, AUTH_KEY_LEN);
			return false;
		}
		memcpy(key->bytes, data, AUTH_KEY_LEN);
		explicit_bzero(data, len);
		return true;
	}
	if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return false;
	}
	if (gnutls_rnd(GNUTLS_RND_KEY, key->bytes, AUTH_KEY_LEN) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no random source for the key");
		return false;
	}
	return state_write_secret(state_dir, KEY_FILE, key->bytes, AUTH_KEY_LEN, error);
}

bool auth_scope_parse(const char *text, uint32_t *out, GError **error)
{
	g_auto(GStrv) words = g_strsplit(text, ",", 0);
	uint32_t scope = 0;

	for (size_t i = 0; words[i]; i++) {
		const char *w = g_strstrip(words[i]);
		bool found = false;

		for (size_t k = 0; k < G_N_ELEMENTS(scope_names); k++) {
			if (strcmp(w, scope_names[k]) == 0) {
				scope |= 1u << k;
				found = true;
			}
		}
		if (!found) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			            "unknown right “%s” (rights: view, control, clipboard, audio)",
			            w);
			return false;
		}
	}
	if (!scope) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no rights given");
		return false;
	}
	*out = scope;
	return true;
}

char *auth_scope_format(uint32_t scope)
{
	GString *s = g_string_new(NULL);

	for (size_t k = 0; k < G_N_ELEMENTS(scope_names); k++) {
		if (scope & (1u << k))
			g_string_append_printf(s, "%s%s", s->len ? "," : "", scope_names[k]);
	}
	return g_string_free(s, FALSE);
}

char *auth_token_mint(const struct auth_key *key, uint32_t scope, int64_t ttl_s)
{
	g_autofree char *scope_text = auth_scope_format(scope);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	jwt_t *jwt = NULL;
	char *raw, *token = NULL;

	if (jwt_new(&jwt) != 0)
		return NULL;
	if (jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)(now + ttl_s)) == 0 &&
	    jwt_add_grant(jwt, "scope", scope_text) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS512, key->bytes, AUTH_KEY_LEN) == 0) {
		raw = jwt_encode_str(jwt);
		token = g_strdup(raw);
		free(raw);
	}
	jwt_free(jwt);
	return token;
}

static bool reject(GError **error, const char *why)
{
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, why);
	return false;
}

/* The header must say exactly {"alg":"HS512"} (and optionally "typ":"JWT"). */
static bool header_ok(const char *b64, size_t len)
{
	g_autofree char *std = NULL;
	g_autofree guchar *raw = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	JsonObject *obj;
	gsize raw_len = 0;

	if (len == 0 || len > HEADER_MAX)
		return false;
	std = g_malloc(len + 4);
	for (size_t i = 0; i < len; i++)
		std[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
	for (size_t i = len; i % 4; i++)
		std[len++] = '=';
	std[len] = '\0';
	raw = g_base64_decode(std, &raw_len);
	if (!raw || !raw_len ||
	    !json_parser_load_from_data(parser, (const char *)raw, (gssize)raw_len, NULL))
		return false;
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root))
		return false;
	obj = json_node_get_object(root);
	return json_object_has_member(obj, "alg") &&
	       json_node_get_value_type(json_object_get_member(obj, "alg")) == G_TYPE_STRING &&
	       strcmp(json_object_get_string_member(obj, "alg"), "HS512") == 0;
}

bool auth_token_verify(const struct auth_key *key, const char *token, size_t len, uint32_t *scope,
                       GError **error)
{
	g_autofree char *copy = NULL;
	const char *dot1, *dot2, *scope_text;
	jwt_t *jwt = NULL;
	long exp;
	bool ok = false;

	if (len == 0)
		return reject(error, "the link has no token");
	if (len > AUTH_TOKEN_MAX)
		return reject(error, "the link's token is too long");
	for (size_t i = 0; i < len; i++) {
		char c = token[i];

		/* spelled out: strchr() would also "find" a NUL byte */
		if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
			return reject(error, "the link's token is malformed");
	}
	copy = g_strndup(token, len);
	dot1 = strchr(copy, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || dot2[1] == '\0')
		return reject(error, "the link's token is malformed");
	if (!header_ok(copy, (size_t)(dot1 - copy)))
		return reject(error, "the link's token uses an algorithm wayrtc does not accept");
	if (jwt_decode(&jwt, copy, key->bytes, AUTH_KEY_LEN) != 0 || !jwt ||
	    jwt_get_alg(jwt) != JWT_ALG_HS512) {
		reject(error, "the link's signature is not valid (was wayrtc's key renewed?)");
		goto out;
	}
	errno = 0;
	exp = jwt_get_grant_int(jwt, "exp");
	if (errno || exp <= 0) {
		reject(error, "the link's token has no expiry");
		goto out;
	}
	if (exp <= g_get_real_time() / G_USEC_PER_SEC) {
		reject(error, "the link has expired; ask for a new one (wayrtc token)");
		goto out;
	}
	scope_text = jwt_get_grant(jwt, "scope");
	if (!scope_text || !auth_scope_parse(scope_text, scope, NULL)) {
		reject(error, "the link's token grants no known rights");
		goto out;
	}
	ok = true;
out:
	jwt_free(jwt);
	return ok;
}
