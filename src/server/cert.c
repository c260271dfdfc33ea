/* The HTTPS certificate: made once, kept, renewed when it nears its end. Browsers will
 * warn (it is self-signed); the printed SHA-256 lets a person check what they accept. */
#define LOG_MODULE "cert"
#include "server/cert.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/state.h"

#define CERT_FILE      "tls.crt"
#define KEY_FILE       "tls.key"
#define CERT_DAYS      365
#define RENEW_BEFORE_S (7 * 86400)
#define KEY_ID_MAX     64

static char *fingerprint_of(gnutls_x509_crt_t crt)
{
	uint8_t digest[32];
	size_t len = sizeof(digest);
	GString *s = g_string_new(NULL);

	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, digest, &len) < 0)
		len = 0;
	for (size_t i = 0; i < len; i++)
		g_string_append_printf(s, i ? ":%02X" : "%02X", digest[i]);
	return g_string_free(s, FALSE);
}

static void add_ip(gnutls_x509_crt_t crt, GHashTable *seen, const void *addr, size_t len)
{
	char key[INET6_ADDRSTRLEN];

	/* an address on several interfaces, or the loopback added twice, is named once */
	if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, key, sizeof(key)) ||
	    g_hash_table_contains(seen, key))
		return;
	g_hash_table_add(seen, g_strdup(key));
	gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, addr, (unsigned)len,
	                                     GNUTLS_FSAN_APPEND);
}

/* subjectAltNames: the host name and "localhost", then 127.0.0.1, ::1 and every address
 * of every interface, so the browser's name check passes for whatever the link says. */
static void add_names(gnutls_x509_crt_t crt)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct in_addr lo4 = {htonl(INADDR_LOOPBACK)};
	struct ifaddrs *ifa;
	char host[HOST_NAME_MAX + 1];

	if (gethostname(host, sizeof(host)) == 0 && host[0] && strcmp(host, "localhost") != 0) {
		host[sizeof(host) - 1] = '\0';
		gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host,
		                                     (unsigned)strlen(host), GNUTLS_FSAN_APPEND);
	}
	gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost",
	                                     sizeof("localhost") - 1, GNUTLS_FSAN_APPEND);
	add_ip(crt, seen, &lo4, 4);
	add_ip(crt, seen, &in6addr_loopback, 16);
	if (getifaddrs(&ifa) < 0) {
		log_warn("cannot list the network addresses (%s); the certificate names only "
		         "this host's name and loopback",
		         g_strerror(errno));
		return;
	}
	for (struct ifaddrs *it = ifa; it; it = it->ifa_next) {
		if (!it->ifa_addr)
			continue;
		if (it->ifa_addr->sa_family == AF_INET)
			add_ip(crt, seen, &((struct sockaddr_in *)it->ifa_addr)->sin_addr, 4);
		else if (it->ifa_addr->sa_family == AF_INET6)
			add_ip(crt, seen, &((struct sockaddr_in6 *)it->ifa_addr)->sin6_addr, 16);
	}
	freeifaddrs(ifa);
}

static bool create(const char *dir, GError **error)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t cert_pem = {0}, key_pem = {0};
	uint8_t serial[16];
	time_t now = time(NULL);
	bool ok = false;
	int ret;

	/* a positive, non-zero 127-bit serial (RFC 5280 4.1.2.2) */
	if ((ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS certificate: %s",
		            gnutls_strerror(ret));
		return false;
	}
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x01);
	if ((ret = gnutls_x509_privkey_init(&key)) < 0 ||
	    (ret = gnutls_x509_privkey_generate2(key, GNUTLS_PK_ECDSA,
	                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
	                                         0, NULL, 0)) < 0 ||
	    (ret = gnutls_x509_crt_init(&crt)) < 0 ||
	    (ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (ret = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (ret = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (ret = gnutls_x509_crt_set_expiration_time(crt, now + CERT_DAYS * 86400)) < 0 ||
	    (ret = gnutls_x509_crt_set_dn(crt, "CN=wayrtc", NULL)) < 0 ||
	    (ret = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (ret = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (ret = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS certificate: %s",
		            gnutls_strerror(ret));
		goto out;
	}
	add_names(crt);
	if ((ret = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
	    (ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_pem)) < 0 ||
	    (ret = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
	                                             GNUTLS_PKCS_PLAIN, &key_pem)) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS certificate: %s",
		            gnutls_strerror(ret));
		goto out;
	}
	ok = state_write_secret(dir, KEY_FILE, key_pem.data, key_pem.size, error) &&
	     state_write_secret(dir, CERT_FILE, cert_pem.data, cert_pem.size, error);
out:
	if (key_pem.data) {
		memset(key_pem.data, 0, key_pem.size);
		gnutls_free(key_pem.data);
	}
	gnutls_free(cert_pem.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return ok;
}

/* True when the private key is the one the certificate was made for: a crash between
 * the two writes of create() could leave a new key beside an old certificate. */
static bool key_matches(gnutls_x509_crt_t crt, const char *key_pem, size_t key_len)
{
	gnutls_x509_privkey_t key;
	gnutls_datum_t datum = {(unsigned char *)key_pem, (unsigned)key_len};
	uint8_t crt_id[KEY_ID_MAX], key_id[KEY_ID_MAX];
	size_t crt_id_len = sizeof(crt_id), key_id_len = sizeof(key_id);
	bool ok;

	if (gnutls_x509_privkey_init(&key) < 0)
		return false;
	ok = gnutls_x509_privkey_import(key, &datum, GNUTLS_X509_FMT_PEM) >= 0 &&
	     gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, key_id, &key_id_len) >=
	             0 &&
	     gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_id_len) >= 0 &&
	     key_id_len == crt_id_len && memcmp(key_id, crt_id, key_id_len) == 0;
	gnutls_x509_privkey_deinit(key);
	return ok;
}

/* Loads the pair if both exist, are private, belong together and the certificate is not
 * near its end. File errors keep G_FILE_ERROR; a pair to be remade gets G_IO_ERROR. */
static GTlsCertificate *load(const char *dir, char **fingerprint, GError **error)
{
	g_autofree char *cert_pem = NULL, *key_pem = NULL;
	g_autofree char *both = NULL;
	size_t cert_len, key_len;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t datum;
	GTlsCertificate *tls = NULL;
	time_t now = time(NULL), expires;

	if (!state_read_secret(dir, CERT_FILE, &cert_pem, &cert_len, error))
		return NULL;
	if (!state_read_secret(dir, KEY_FILE, &key_pem, &key_len, error))
		return NULL;
	if (gnutls_x509_crt_init(&crt) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "out of memory");
		goto out;
	}
	datum = (gnutls_datum_t){(unsigned char *)cert_pem, (unsigned)cert_len};
	if (gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_PEM) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "%s/%s is not a certificate wayrtc can read", dir, CERT_FILE);
		goto out;
	}
	expires = gnutls_x509_crt_get_expiration_time(crt);
	if (expires == (time_t)-1 || expires - now < RENEW_BEFORE_S) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            expires <= now ? "the TLS certificate has expired"
		                           : "the TLS certificate expires within a week");
		goto out;
	}
	if (!key_matches(crt, key_pem, key_len)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "%s/%s does not belong to %s/%s", dir, KEY_FILE, dir, CERT_FILE);
		goto out;
	}
	both = g_strconcat(cert_pem, "\n", key_pem, NULL);
	tls = g_tls_certificate_new_from_pem(both, -1, error);
	explicit_bzero(both, strlen(both));
	if (tls)
		*fingerprint = fingerprint_of(crt);
out:
	explicit_bzero(key_pem, key_len);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return tls;
}

GTlsCertificate *cert_load_or_create(const char *state_dir, char **fingerprint, GError **error)
{
	g_autoptr(GError) local = NULL;
	GTlsCertificate *tls = load(state_dir, fingerprint, &local);

	if (tls)
		return tls;
	/* a file that is missing is made; one that is unsafe (readable by others, a link,
	 * not a plain file) is refused, since replacing it would hide the problem */
	if (local->domain == G_FILE_ERROR && local->code != G_FILE_ERROR_NOENT) {
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	if (local->domain == G_FILE_ERROR)
		log_info("making a TLS certificate in %s", state_dir);
	else
		log_warn("%s; making a new TLS certificate (browsers will ask again)",
		         local->message);
	if (!create(state_dir, error))
		return NULL;
	return load(state_dir, fingerprint, error);
}
