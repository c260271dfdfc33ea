/* The HTTPS certificate: made once, kept, renewed when it nears its end. Browsers will
 * warn (it is self-signed); the printed SHA-256 lets a person check what they accept. */
#define LOG_MODULE "cert"
#include "server/cert.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server/state.h"

#define CERT_FILE      "tls.crt"
#define KEY_FILE       "tls.key"
#define CERT_DAYS      365
#define RENEW_BEFORE_S (7 * 86400)

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

static void add_addresses(gnutls_x509_crt_t crt)
{
	struct ifaddrs *ifa;
	char host[256];

	if (gethostname(host, sizeof(host)) == 0 && host[0]) {
		host[sizeof(host) - 1] = '\0';
		gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host, strlen(host),
		                                     GNUTLS_FSAN_APPEND);
	}
	gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
	                                     GNUTLS_FSAN_APPEND);
	if (getifaddrs(&ifa) < 0)
		return;
	for (struct ifaddrs *it = ifa; it; it = it->ifa_next) {
		if (!it->ifa_addr)
			continue;
		if (it->ifa_addr->sa_family == AF_INET)
			gnutls_x509_crt_set_subject_alt_name(
			        crt, GNUTLS_SAN_IPADDRESS,
			        &((struct sockaddr_in *)it->ifa_addr)->sin_addr, 4,
			        GNUTLS_FSAN_APPEND);
		else if (it->ifa_addr->sa_family == AF_INET6)
			gnutls_x509_crt_set_subject_alt_name(
			        crt, GNUTLS_SAN_IPADDRESS,
			        &((struct sockaddr_in6 *)it->ifa_addr)->sin6_addr, 16,
			        GNUTLS_FSAN_APPEND);
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

	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;
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
	add_addresses(crt);
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

/* Loads the pair if both exist, are private and the certificate is not near its end. */
static GTlsCertificate *load(const char *dir, char **fingerprint, GError **error)
{
	g_autofree char *cert_pem = NULL, *key_pem = NULL;
	g_autofree char *both = NULL;
	size_t cert_len, key_len;
	gnutls_x509_crt_t crt;
	gnutls_datum_t datum;
	GTlsCertificate *tls;
	time_t expires;

	if (!state_read_secret(dir, CERT_FILE, &cert_pem, &cert_len, error) ||
	    !state_read_secret(dir, KEY_FILE, &key_pem, &key_len, error))
		return NULL;
	datum = (gnutls_datum_t){(unsigned char *)cert_pem, (unsigned)cert_len};
	if (gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_crt_deinit(crt);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s/%s is not readable",
		            dir, CERT_FILE);
		return NULL;
	}
	expires = gnutls_x509_crt_get_expiration_time(crt);
	if (expires - time(NULL) < RENEW_BEFORE_S) {
		gnutls_x509_crt_deinit(crt);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "the TLS certificate expires soon");
		return NULL;
	}
	both = g_strconcat(cert_pem, key_pem, NULL);
	explicit_bzero(key_pem, key_len);
	tls = g_tls_certificate_new_from_pem(both, -1, error);
	explicit_bzero(both, strlen(both));
	if (tls)
		*fingerprint = fingerprint_of(crt);
	gnutls_x509_crt_deinit(crt);
	return tls;
}

GTlsCertificate *cert_load_or_create(const char *state_dir, char **fingerprint, GError **error)
{
	g_autoptr(GError) local = NULL;
	GTlsCertificate *tls = load(state_dir, fingerprint, &local);

	if (tls)
		return tls;
	if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_PERM)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		log_warn("making a new TLS certificate: %s", local->message);
	if (!create(state_dir, error))
		return NULL;
	return load(state_dir, fingerprint, error);
}
