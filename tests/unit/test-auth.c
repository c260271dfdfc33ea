/* Link tokens: what is accepted, and every way a forged or stale one is refused. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <string.h>
#include <sys/stat.h>

#include "server/auth.h"
#include "server/ratelimit.h"
#include "util/state.h"

static struct auth_key key;

static char *b64url(const void *data, size_t len)
{
	char *s = g_base64_encode(data, len);

	g_strdelimit(s, "+", '-');
	g_strdelimit(s, "/", '_');
	*strchrnul(s, '=') = '\0';
	return s;
}

/* A token signed (HMAC-SHA512 or SHA256) with our key, with any header and payload. */
static char *forge(const char *header, const char *payload, gnutls_mac_algorithm_t mac)
{
	g_autofree char *h = b64url(header, strlen(header));
	g_autofree char *p = b64url(payload, strlen(payload));
	g_autofree char *input = g_strconcat(h, ".", p, NULL);
	uint8_t sig[64];
	g_autofree char *s = NULL;

	gnutls_hmac_fast(mac, key.bytes, AUTH_KEY_LEN, input, strlen(input), sig);
	s = b64url(sig, mac == GNUTLS_MAC_SHA512 ? 64 : 32);
	return g_strconcat(input, ".", s, NULL);
}

static void expect_refused(const char *token, const char *why)
{
	g_autoptr(GError) error = NULL;
	uint32_t scope = 0;

	g_assert_false(auth_token_verify(&key, token, strlen(token), &scope, &error));
	g_assert_nonnull(error);
	if (!strstr(error->message, why))
		g_error("refused for “%s”, expected “%s”", error->message, why);
}

static void test_mint_verify(void)
{
	g_autofree char *token = auth_token_mint(&key, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL, 60);
	g_autoptr(GError) error = NULL;
	uint32_t scope = 0;

	g_assert_true(auth_token_verify(&key, token, strlen(token), &scope, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(scope, ==, AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL);
}

static void test_refusals(void)
{
	g_autofree char *good = auth_token_mint(&key, AUTH_SCOPE_VIEW, 60);
	g_autofree char *tampered_sig = g_strdup(good);
	g_autofree char *tampered_payload = NULL;
	g_autofree char *expired = NULL, *none = NULL, *hs256 = NULL, *no_exp = NULL;
	g_autofree char *no_scope = NULL, *bad_scope = NULL, *empty_scope = NULL;
	g_autofree char *valid_forge = NULL, *long_token = g_strnfill(AUTH_TOKEN_MAX + 1, 'a');
	char *dot;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	g_autofree char *exp_past =
	        g_strdup_printf("{\"exp\":%" G_GINT64_FORMAT ",\"scope\":\"view\"}", now - 10);
	g_autofree char *exp_future =
	        g_strdup_printf("{\"exp\":%" G_GINT64_FORMAT ",\"scope\":\"view\"}", now + 600);

	{
		char *c = &tampered_sig[strlen(tampered_sig) - 2];

		*c = *c == 'A' ? 'B' : 'A'; /* still base64url, another signature */
	}
	expect_refused(tampered_sig, "signature");

	/* a payload swapped for one with more rights, signature kept */
	dot = strchr(good, '.');
	{
		g_autofree char *h = g_strndup(good, dot - good);
		g_autofree char *p = b64url(exp_future, strlen(exp_future));
		tampered_payload = g_strconcat(h, ".", p, strrchr(good, '.'), NULL);
	}
	expect_refused(tampered_payload, "signature");

	valid_forge = forge("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", exp_future, GNUTLS_MAC_SHA512);
	{
		uint32_t scope;
		g_autoptr(GError) error = NULL;

		g_assert_true(
		        auth_token_verify(&key, valid_forge, strlen(valid_forge), &scope, &error));
	}
	expired = forge("{\"alg\":\"HS512\"}", exp_past, GNUTLS_MAC_SHA512);
	expect_refused(expired, "expired");
	hs256 = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", exp_future, GNUTLS_MAC_SHA256);
	expect_refused(hs256, "algorithm");
	{
		g_autofree char *h = b64url("{\"alg\":\"none\"}", 14);
		g_autofree char *p = b64url(exp_future, strlen(exp_future));
		none = g_strconcat(h, ".", p, ".", NULL);
	}
	expect_refused(none, "malformed");
	{
		g_autofree char *h = b64url("{\"alg\":\"none\"}", 14);
		g_autofree char *p = b64url(exp_future, strlen(exp_future));
		g_free(none);
		none = g_strconcat(h, ".", p, ".AAAA", NULL);
	}
	expect_refused(none, "algorithm");
	no_exp = forge("{\"alg\":\"HS512\"}", "{\"scope\":\"view\"}", GNUTLS_MAC_SHA512);
	expect_refused(no_exp, "expiry");
	no_scope = forge("{\"alg\":\"HS512\"}", exp_future + 0, GNUTLS_MAC_SHA512);
	{
		g_autofree char *payload =
		        g_strdup_printf("{\"exp\":%" G_GINT64_FORMAT "}", now + 60);
		g_free(no_scope);
		no_scope = forge("{\"alg\":\"HS512\"}", payload, GNUTLS_MAC_SHA512);
		expect_refused(no_scope, "rights");
		g_free(payload);
		payload = g_strdup_printf("{\"exp\":%" G_GINT64_FORMAT ",\"scope\":\"root\"}",
		                          now + 60);
		bad_scope = forge("{\"alg\":\"HS512\"}", payload, GNUTLS_MAC_SHA512);
		expect_refused(bad_scope, "rights");
		g_free(payload);
		payload =
		        g_strdup_printf("{\"exp\":%" G_GINT64_FORMAT ",\"scope\":\"\"}", now + 60);
		empty_scope = forge("{\"alg\":\"HS512\"}", payload, GNUTLS_MAC_SHA512);
		expect_refused(empty_scope, "rights");
	}
	expect_refused(long_token, "too long");
	expect_refused("", "no token");
	expect_refused("a.b", "malformed");
	expect_refused("a.b.c.d", "malformed");
	expect_refused("a b.c.d", "malformed");
}

/* Tokens that only differ from a good one in the details an attacker would try. */
static void test_header_and_bytes(void)
{
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	g_autofree char *payload =
	        g_strdup_printf("{\"exp\":%" G_GINT64_FORMAT ",\"scope\":\"view\"}", now + 60);
	const char *headers[] = {
	        "{\"alg\":\"hs512\"}", "{\"alg\":\"HS512 \"}", "{\"alg\":[\"HS512\"]}",
	        "{\"typ\":\"JWT\"}",   "[\"HS512\"]",          "not json",
	        "{\"alg\":\"RS512\"}", "{\"alg\":\"NONE\"}",
	};
	g_autofree char *good = auth_token_mint(&key, AUTH_SCOPE_VIEW, 60);
	g_autofree char *with_nul = g_strconcat(good, "Xjunk", NULL);
	g_autoptr(GError) error = NULL;
	uint32_t scope = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(headers); i++) {
		g_autofree char *t = forge(headers[i], payload, GNUTLS_MAC_SHA512);

		expect_refused(t, "algorithm");
	}
	/* a NUL inside the counted length: not a shorter, valid token */
	with_nul[strlen(good)] = '\0';
	g_assert_false(auth_token_verify(&key, with_nul, strlen(good) + 5, &scope, &error));
	g_assert_nonnull(strstr(error->message, "malformed"));
	g_clear_error(&error);
	/* exp as a string or a fraction is no expiry */
	{
		g_autofree char *p1 = g_strdup_printf(
		        "{\"exp\":\"%" G_GINT64_FORMAT "\",\"scope\":\"view\"}", now + 60);
		g_autofree char *p2 = g_strdup_printf(
		        "{\"exp\":%" G_GINT64_FORMAT ".5,\"scope\":\"view\"}", now + 60);
		g_autofree char *t1 = forge("{\"alg\":\"HS512\"}", p1, GNUTLS_MAC_SHA512);
		g_autofree char *t2 = forge("{\"alg\":\"HS512\"}", p2, GNUTLS_MAC_SHA512);

		expect_refused(t1, "expiry");
		expect_refused(t2, "expiry");
	}
	/* the good one still passes, with its exact length */
	g_assert_true(auth_token_verify(&key, good, strlen(good), &scope, &error));
	g_assert_cmpuint(scope, ==, AUTH_SCOPE_VIEW);
}

static void test_scope(void)
{
	uint32_t s;
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(auth_scope_parse("view, audio", &s, NULL));
	g_assert_cmpuint(s, ==, AUTH_SCOPE_VIEW | AUTH_SCOPE_AUDIO);
	text = auth_scope_format(s);
	g_assert_cmpstr(text, ==, "view,audio");
	g_assert_false(auth_scope_parse("view,root", &s, &error));
	g_assert_nonnull(strstr(error->message, "root"));
	g_assert_false(auth_scope_parse("", &s, NULL));
	g_assert_false(auth_scope_parse("view,,control", &s, NULL));
	g_assert_false(auth_scope_parse("View", &s, NULL));
	g_assert_true(auth_scope_parse("audio,clipboard,control,view", &s, NULL));
	g_assert_cmpuint(s, ==,
	                 AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL | AUTH_SCOPE_CLIPBOARD |
	                         AUTH_SCOPE_AUDIO);
	g_free(text);
	text = auth_scope_format(s);
	g_assert_cmpstr(text, ==, "view,control,clipboard,audio");
	g_free(text);
	text = auth_scope_format(0);
	g_assert_cmpstr(text, ==, "");
}

static void test_key_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("wayrtc-auth-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "jwt.key", NULL);
	struct auth_key a, b;
	g_autoptr(GError) error = NULL;
	struct stat st;

	g_assert_true(auth_key_load_or_create(dir, &a, &error));
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpuint(st.st_size, ==, AUTH_KEY_LEN);
	g_assert_true(auth_key_load_or_create(dir, &b, &error));
	g_assert_cmpmem(a.bytes, AUTH_KEY_LEN, b.bytes, AUTH_KEY_LEN);
	/* others may read it: refused, not silently used */
	chmod(path, 0644);
	g_assert_false(auth_key_load_or_create(dir, &b, &error));
	g_assert_nonnull(strstr(error->message, "chmod 600"));
	g_unlink(path);
	g_rmdir(dir);
}

static void fail_n(struct ratelimit *rl, const char *address, unsigned n, int64_t now)
{
	for (unsigned i = 0; i < n; i++)
		ratelimit_fail(rl, address, now);
}

static void test_ratelimit_bucket(void)
{
	struct ratelimit *rl = ratelimit_new();
	int64_t t = 1000 * G_USEC_PER_SEC; /* any start: the clock is ours */

	g_assert_true(ratelimit_allowed(rl, "192.0.2.1", t));
	fail_n(rl, "192.0.2.1", RATELIMIT_BURST - 1, t);
	g_assert_true(ratelimit_allowed(rl, "192.0.2.1", t));
	ratelimit_fail(rl, "192.0.2.1", t);
	g_assert_false(ratelimit_allowed(rl, "192.0.2.1", t));
	/* others are not affected */
	g_assert_true(ratelimit_allowed(rl, "192.0.2.2", t));
	/* one more try per refill period, not before */
	g_assert_false(ratelimit_allowed(rl, "192.0.2.1", t + RATELIMIT_REFILL_US - 1));
	g_assert_true(ratelimit_allowed(rl, "192.0.2.1", t + RATELIMIT_REFILL_US));
	ratelimit_fail(rl, "192.0.2.1", t + RATELIMIT_REFILL_US);
	g_assert_false(ratelimit_allowed(rl, "192.0.2.1", t + RATELIMIT_REFILL_US));
	/* a clock that steps back gives nothing back */
	g_assert_false(ratelimit_allowed(rl, "192.0.2.1", t));
	/* a long quiet time refills to the burst, no further */
	t += 1000 * RATELIMIT_REFILL_US;
	fail_n(rl, "192.0.2.1", RATELIMIT_BURST - 1, t);
	g_assert_true(ratelimit_allowed(rl, "192.0.2.1", t));
	ratelimit_fail(rl, "192.0.2.1", t);
	g_assert_false(ratelimit_allowed(rl, "192.0.2.1", t));
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void test_ratelimit_keys(void)
{
	struct ratelimit *rl = ratelimit_new();
	int64_t t = 0;

	/* an IPv6 host owns its /64: all of it counts as one */
	fail_n(rl, "2001:db8:1:2::1", RATELIMIT_BURST / 2, t);
	fail_n(rl, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", RATELIMIT_BURST - RATELIMIT_BURST / 2, t);
	g_assert_false(ratelimit_allowed(rl, "2001:db8:1:2::ffff", t));
	g_assert_true(ratelimit_allowed(rl, "2001:db8:1:3::1", t));
	/* IPv4 over an IPv6 socket is the same IPv4 address */
	fail_n(rl, "::ffff:198.51.100.7", RATELIMIT_BURST, t);
	g_assert_false(ratelimit_allowed(rl, "198.51.100.7", t));
	g_assert_true(ratelimit_allowed(rl, "198.51.100.8", t));
	/* anything else is a label of its own, even a very long one */
	{
		g_autofree char *a = g_strnfill(200, 'x');

		fail_n(rl, a, RATELIMIT_BURST, t);
		g_assert_false(ratelimit_allowed(rl, a, t));
		g_assert_true(ratelimit_allowed(rl, "unknown", t));
	}
	ratelimit_free(rl);
}

static void test_ratelimit_table(void)
{
	struct ratelimit *rl = ratelimit_new();
	char addr[32];

	/* the first address fails first, then the table fills with others */
	fail_n(rl, "10.0.0.0", RATELIMIT_BURST, 0);
	for (unsigned i = 1; i < RATELIMIT_TABLE; i++) {
		g_snprintf(addr, sizeof(addr), "10.0.%u.%u", i / 256, i % 256);
		fail_n(rl, addr, RATELIMIT_BURST, (int64_t)i);
	}
	/* (asking counts as being seen, so ask about another one) */
	g_assert_false(ratelimit_allowed(rl, "10.0.0.1", RATELIMIT_TABLE));
	/* one more address: the stalest (10.0.0.0) is forgotten, the rest kept */
	fail_n(rl, "10.9.9.9", RATELIMIT_BURST, RATELIMIT_TABLE);
	g_assert_false(ratelimit_allowed(rl, "10.9.9.9", RATELIMIT_TABLE));
	g_assert_true(ratelimit_allowed(rl, "10.0.0.0", RATELIMIT_TABLE));
	g_assert_false(ratelimit_allowed(rl, "10.0.0.2", RATELIMIT_TABLE));
	g_snprintf(addr, sizeof(addr), "10.0.%u.%u", (RATELIMIT_TABLE - 1) / 256,
	           (RATELIMIT_TABLE - 1) % 256);
	g_assert_false(ratelimit_allowed(rl, addr, RATELIMIT_TABLE));
	ratelimit_free(rl);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gnutls_rnd(GNUTLS_RND_KEY, key.bytes, sizeof(key.bytes));
	g_test_add_func("/auth/mint-verify", test_mint_verify);
	g_test_add_func("/auth/refusals", test_refusals);
	g_test_add_func("/auth/header-and-bytes", test_header_and_bytes);
	g_test_add_func("/auth/scope", test_scope);
	g_test_add_func("/auth/key-file", test_key_file);
	g_test_add_func("/auth/ratelimit-bucket", test_ratelimit_bucket);
	g_test_add_func("/auth/ratelimit-keys", test_ratelimit_keys);
	g_test_add_func("/auth/ratelimit-table", test_ratelimit_table);
	return g_test_run();
}
