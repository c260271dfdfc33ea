/* The state directory, secret files and the HTTPS certificate: modes, names, reuse, and
 * when a certificate is remade or refused. */
#include <arpa/inet.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/cert.h"
#include "util/state.h"

#define SHA256_HEX_LEN (32 * 3 - 1) /* "AB:" × 31 + "CD" */

static char *tmp_dir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("wayrtc-cert-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

static void rm_rf(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			rm_rf(path);
		else
			g_unlink(path);
	}
	g_rmdir(dir);
}

static unsigned file_mode(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	struct stat st;

	g_assert_cmpint(lstat(path, &st), ==, 0);
	return st.st_mode & 0777;
}

static gnutls_x509_crt_t read_crt(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "tls.crt", NULL);
	g_autofree char *pem = NULL;
	gsize len;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;

	g_assert_true(g_file_get_contents(path, &pem, &len, NULL));
	d = (gnutls_datum_t){(unsigned char *)pem, (unsigned)len};
	g_assert_cmpint(gnutls_x509_crt_init(&crt), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), ==, 0);
	return crt;
}

/* Every subjectAltName as text: DNS names as they are, IP addresses via inet_ntop. */
static GPtrArray *alt_names(gnutls_x509_crt_t crt)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

	for (unsigned i = 0;; i++) {
		char buf[256];
		size_t len = sizeof(buf);
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &len, NULL);
		char text[INET6_ADDRSTRLEN];

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		g_assert_cmpint(type, >=, 0);
		if (type == GNUTLS_SAN_DNSNAME) {
			g_ptr_array_add(names, g_strndup(buf, len));
		} else if (type == GNUTLS_SAN_IPADDRESS) {
			g_assert_true(len == 4 || len == 16);
			inet_ntop(len == 4 ? AF_INET : AF_INET6, buf, text, sizeof(text));
			g_ptr_array_add(names, g_strdup(text));
		}
	}
	return names;
}

static bool has_name(GPtrArray *names, const char *name)
{
	for (unsigned i = 0; i < names->len; i++) {
		if (strcmp(names->pdata[i], name) == 0)
			return true;
	}
	return false;
}

static void test_state_dir(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = state_dir_get(&error);
	g_autofree char *expected = g_build_filename(g_getenv("XDG_STATE_HOME"), "wayrtc", NULL);
	g_autofree char *again = NULL;
	struct stat st;

	g_assert_no_error(error);
	g_assert_cmpstr(dir, ==, expected);
	g_assert_cmpint(stat(dir, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0700);
	/* made long ago with a loose umask: closed to others on the next start */
	g_assert_cmpint(chmod(dir, 0755), ==, 0);
	again = state_dir_get(&error);
	g_assert_no_error(error);
	g_assert_cmpint(stat(again, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0700);
}

static void test_secret_files(void)
{
	g_autofree char *dir = tmp_dir();
	g_autofree char *path = g_build_filename(dir, "s", NULL);
	g_autofree char *link = g_build_filename(dir, "l", NULL);
	g_autofree char *sub = g_build_filename(dir, "d", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *data = NULL;
	size_t len = 0;

	g_assert_true(state_write_secret(dir, "s", "hello", 5, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(file_mode(dir, "s"), ==, 0600);
	g_assert_true(state_read_secret(dir, "s", &data, &len, &error));
	g_assert_cmpmem(data, len, "hello", 5);
	g_clear_pointer(&data, g_free);
	/* rewritten atomically: the old content is replaced whole, no temp file stays */
	g_assert_true(state_write_secret(dir, "s", "bye", 3, &error));
	g_assert_true(state_read_secret(dir, "s", &data, &len, &error));
	g_assert_cmpmem(data, len, "bye", 3);
	g_clear_pointer(&data, g_free);
	{
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		unsigned n = 0;

		while (g_dir_read_name(d))
			n++;
		g_assert_cmpuint(n, ==, 1);
	}

	g_assert_false(state_read_secret(dir, "absent", &data, &len, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_clear_error(&error);

	g_assert_cmpint(chmod(path, 0640), ==, 0);
	g_assert_false(state_read_secret(dir, "s", &data, &len, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM);
	g_assert_nonnull(strstr(error->message, "chmod 600"));
	g_clear_error(&error);
	g_assert_cmpint(chmod(path, 0604), ==, 0);
	g_assert_false(state_read_secret(dir, "s", &data, &len, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM);
	g_clear_error(&error);
	g_assert_cmpint(chmod(path, 0600), ==, 0);

	/* a symlink to a private file is still refused: it is not followed */
	g_assert_cmpint(symlink(path, link), ==, 0);
	g_assert_false(state_read_secret(dir, "l", &data, &len, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_assert_nonnull(strstr(error->message, "not a regular file"));
	g_clear_error(&error);
	g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
	g_assert_false(state_read_secret(dir, "d", &data, &len, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_clear_error(&error);
	g_assert_null(data);
	rm_rf(dir);
}

static void test_create_and_reload(void)
{
	g_autofree char *dir = tmp_dir();
	g_autoptr(GError) error = NULL;
	g_autofree char *fp1 = NULL, *fp2 = NULL;
	g_autoptr(GTlsCertificate) tls1 = cert_load_or_create(dir, &fp1, &error);
	g_autoptr(GTlsCertificate) tls2 = NULL;
	g_autoptr(GPtrArray) names = NULL;
	gnutls_x509_crt_t crt;
	uint8_t digest[32];
	size_t digest_len = sizeof(digest);
	g_autoptr(GString) hex = g_string_new(NULL);
	unsigned bits = 0;
	time_t now = time(NULL);
	long days;
	char host[256];

	g_assert_no_error(error);
	g_assert_nonnull(tls1);
	g_assert_cmpuint(file_mode(dir, "tls.crt"), ==, 0600);
	g_assert_cmpuint(file_mode(dir, "tls.key"), ==, 0600);

	crt = read_crt(dir);
	/* the fingerprint printed is the certificate's SHA-256, "AB:CD:…" */
	g_assert_cmpint(
	        gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, digest, &digest_len), ==,
	        0);
	for (size_t i = 0; i < digest_len; i++)
		g_string_append_printf(hex, i ? ":%02X" : "%02X", digest[i]);
	g_assert_cmpuint(strlen(fp1), ==, SHA256_HEX_LEN);
	g_assert_cmpstr(fp1, ==, hex->str);

	/* ECDSA P-256, valid for a year from about now, for a server */
	g_assert_cmpint(gnutls_x509_crt_get_pk_algorithm(crt, &bits), ==, GNUTLS_PK_ECDSA);
	{
		gnutls_ecc_curve_t curve;
		gnutls_datum_t x = {0}, y = {0};

		g_assert_cmpint(gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y), ==, 0);
		g_assert_cmpint(curve, ==, GNUTLS_ECC_CURVE_SECP256R1);
		gnutls_free(x.data);
		gnutls_free(y.data);
	}
	g_assert_cmpint(gnutls_x509_crt_get_activation_time(crt), <=, now);
	days = (long)(gnutls_x509_crt_get_expiration_time(crt) - now) / 86400;
	g_assert_cmpint(days, >=, 364);
	g_assert_cmpint(days, <=, 366);

	names = alt_names(crt);
	g_assert_true(has_name(names, "localhost"));
	g_assert_true(has_name(names, "127.0.0.1"));
	g_assert_true(has_name(names, "::1"));
	if (gethostname(host, sizeof(host)) == 0 && host[0] && strcmp(host, "localhost") != 0)
		g_assert_true(has_name(names, host));
	gnutls_x509_crt_deinit(crt);

	/* the next start reuses it: same fingerprint, files untouched */
	tls2 = cert_load_or_create(dir, &fp2, &error);
	g_assert_no_error(error);
	g_assert_nonnull(tls2);
	g_assert_cmpstr(fp1, ==, fp2);
	g_assert_true(g_tls_certificate_is_same(tls1, tls2));
	rm_rf(dir);
}

/* Writes a self-signed pair that ends `valid_s` seconds from now. */
static void write_pair(const char *dir, time_t valid_s)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t cert_pem, key_pem;
	uint8_t serial[1] = {1};
	time_t now = time(NULL);

	g_assert_cmpint(gnutls_x509_privkey_init(&key), ==, 0);
	g_assert_cmpint(
	        gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
	        ==, 0);
	g_assert_cmpint(gnutls_x509_crt_init(&crt), ==, 0);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	gnutls_x509_crt_set_activation_time(crt, now - 86400);
	gnutls_x509_crt_set_expiration_time(crt, now + valid_s);
	gnutls_x509_crt_set_dn(crt, "CN=old", NULL);
	gnutls_x509_crt_set_key(crt, key);
	g_assert_cmpint(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);
	g_assert_cmpint(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_pem), ==, 0);
	g_assert_cmpint(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
	                                                  GNUTLS_PKCS_PLAIN, &key_pem),
	                ==, 0);
	g_assert_true(state_write_secret(dir, "tls.crt", cert_pem.data, cert_pem.size, NULL));
	g_assert_true(state_write_secret(dir, "tls.key", key_pem.data, key_pem.size, NULL));
	gnutls_free(cert_pem.data);
	gnutls_free(key_pem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

static char *load_fp(const char *dir)
{
	g_autoptr(GError) error = NULL;
	char *fp = NULL;
	g_autoptr(GTlsCertificate) tls = cert_load_or_create(dir, &fp, &error);

	g_assert_no_error(error);
	g_assert_nonnull(tls);
	return fp;
}

static void test_renewal(void)
{
	g_autofree char *dir = tmp_dir();
	g_autofree char *fp_long = NULL, *fp_soon = NULL, *fp_bad = NULL, *fp_mixed = NULL;
	g_autofree char *fp_expired = NULL, *first = NULL;
	g_autofree char *key_pem = NULL;
	size_t key_len;

	/* a pair with months left is kept as it is */
	write_pair(dir, 90 * 86400);
	first = load_fp(dir);
	fp_long = load_fp(dir);
	g_assert_cmpstr(first, ==, fp_long);

	/* one that ends within the week, or has ended, is made again */
	write_pair(dir, 3600);
	g_clear_pointer(&first, g_free);
	first = load_fp(dir);
	{
		gnutls_x509_crt_t crt = read_crt(dir);

		g_assert_cmpint(gnutls_x509_crt_get_expiration_time(crt) - time(NULL), >,
		                300 * 86400);
		gnutls_x509_crt_deinit(crt);
	}
	fp_soon = load_fp(dir);
	g_assert_cmpstr(first, ==, fp_soon);
	write_pair(dir, -60);
	fp_expired = load_fp(dir);
	g_assert_cmpstr(fp_expired, !=, fp_soon);

	/* an unreadable certificate is made again */
	g_assert_true(state_write_secret(dir, "tls.crt", "garbage", 7, NULL));
	fp_bad = load_fp(dir);
	g_assert_cmpstr(fp_bad, !=, fp_expired);
	g_assert_cmpuint(strlen(fp_bad), ==, SHA256_HEX_LEN);

	/* a key that is not the certificate's (a crash between two writes) too */
	g_assert_true(state_read_secret(dir, "tls.key", &key_pem, &key_len, NULL));
	write_pair(dir, 90 * 86400);
	g_assert_true(state_write_secret(dir, "tls.key", key_pem, key_len, NULL));
	fp_mixed = load_fp(dir);
	g_assert_cmpstr(fp_mixed, !=, fp_bad);
	{
		g_autofree char *again = load_fp(dir);

		g_assert_cmpstr(again, ==, fp_mixed);
	}
	rm_rf(dir);
}

static void test_unsafe_refused(void)
{
	g_autofree char *dir = tmp_dir();
	g_autofree char *key_path = g_build_filename(dir, "tls.key", NULL);
	g_autofree char *elsewhere = g_build_filename(dir, "elsewhere", NULL);
	g_autofree char *fp = NULL, *before = NULL, *after = NULL;
	g_autoptr(GError) error = NULL;
	GTlsCertificate *tls;
	size_t len;

	fp = load_fp(dir);
	g_assert_true(g_file_get_contents(key_path, &before, &len, NULL));

	/* readable by the group: refused with a message, and not replaced behind the
	 * user's back (that would hide that the key may have leaked) */
	g_assert_cmpint(chmod(key_path, 0640), ==, 0);
	tls = cert_load_or_create(dir, &fp, &error);
	g_assert_null(tls);
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM);
	g_assert_nonnull(strstr(error->message, "tls.key"));
	g_clear_error(&error);
	g_assert_true(g_file_get_contents(key_path, &after, &len, NULL));
	g_assert_cmpstr(before, ==, after);

	/* a symlink in its place: refused too */
	g_assert_cmpint(rename(key_path, elsewhere), ==, 0);
	g_assert_cmpint(chmod(elsewhere, 0600), ==, 0);
	g_assert_cmpint(symlink(elsewhere, key_path), ==, 0);
	tls = cert_load_or_create(dir, &fp, &error);
	g_assert_null(tls);
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_assert_nonnull(strstr(error->message, "not a regular file"));
	rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_autofree char *state_home = NULL;
	int ret;

	/* before GLib reads and caches it */
	state_home = g_dir_make_tmp("wayrtc-state-XXXXXX", NULL);
	g_setenv("XDG_STATE_HOME", state_home, TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cert/state-dir", test_state_dir);
	g_test_add_func("/cert/secret-files", test_secret_files);
	g_test_add_func("/cert/create-and-reload", test_create_and_reload);
	g_test_add_func("/cert/renewal", test_renewal);
	g_test_add_func("/cert/unsafe-refused", test_unsafe_refused);
	ret = g_test_run();
	rm_rf(state_home);
	return ret;
}
