/* DTLS-SRTP on GnuTLS, driven by the GLib loop: datagrams in through rtc_dtls_handle,
 * out through the listener, retransmissions on GnuTLS's own timeout. */
#define LOG_MODULE "dtls"
#include "rtc/dtls.h"

#include <errno.h>
#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "log.h"

#define CERT_DAYS       30
#define DTLS_MTU        1200
#define DTLS_RETRANS_MS 500
#define DTLS_TOTAL_MS   20000
#define DTLS_MAX_QUEUE  32 /* datagrams waiting for GnuTLS to read them */
#define PRIORITY        "NORMAL:-VERS-ALL:+VERS-DTLS1.2"

struct rtc_cert {
	gnutls_certificate_credentials_t cred;
	char fingerprint[32 * 3];
};

struct rtc_dtls {
	gnutls_session_t session;
	struct rtc_cert *cert;
	const struct rtc_dtls_listener *listener;
	void *data;
	bool is_server;
	bool done;
	bool failed;
	uint8_t expected[32];
	GQueue incoming; /* GBytes */
	guint timer;
};

static bool tls_fail(GError **error, const char *what, int ret)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, gnutls_strerror(ret));
	return false;
}

static void format_fingerprint(const uint8_t *digest, char *out)
{
	for (size_t i = 0; i < 32; i++)
		g_snprintf(out + i * 3, 4, i < 31 ? "%02X:" : "%02X", digest[i]);
}

struct rtc_cert *rtc_cert_new(GError **error)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	struct rtc_cert *cert = g_new0(struct rtc_cert, 1);
	uint8_t serial[16], der[4096], digest[32];
	size_t der_len = sizeof(der);
	time_t now = time(NULL);
	int ret;

	if ((ret = gnutls_x509_privkey_init(&key)) < 0 ||
	    (ret = gnutls_x509_privkey_generate2(key, GNUTLS_PK_ECDSA,
	                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
	                                         0, NULL, 0)) < 0) {
		tls_fail(error, "DTLS key", ret);
		goto fail;
	}
	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f; /* positive */
	if ((ret = gnutls_x509_crt_init(&crt)) < 0 ||
	    (ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (ret = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (ret = gnutls_x509_crt_set_activation_time(crt, now - 86400)) < 0 ||
	    (ret = gnutls_x509_crt_set_expiration_time(crt, now + CERT_DAYS * 86400)) < 0 ||
	    (ret = gnutls_x509_crt_set_dn(crt, "CN=wayrtc", NULL)) < 0 ||
	    (ret = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (ret = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
	    (ret = gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_DER, der, &der_len)) < 0 ||
	    (ret = gnutls_hash_fast(GNUTLS_DIG_SHA256, der, der_len, digest)) < 0 ||
	    (ret = gnutls_certificate_allocate_credentials(&cert->cred)) < 0 ||
	    (ret = gnutls_certificate_set_x509_key(cert->cred, &crt, 1, key)) < 0) {
		tls_fail(error, "DTLS certificate", ret);
		goto fail;
	}
	format_fingerprint(digest, cert->fingerprint);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return cert;
fail:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	rtc_cert_free(cert);
	return NULL;
}

void rtc_cert_free(struct rtc_cert *cert)
{
	if (!cert)
		return;
	if (cert->cred)
		gnutls_certificate_free_credentials(cert->cred);
	g_free(cert);
}

const char *rtc_cert_fingerprint(const struct rtc_cert *cert)
{
	return cert->fingerprint;
}

static ssize_t push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
	struct rtc_dtls *dtls = ptr;

	dtls->listener->send(dtls->data, buf, len);
	return (ssize_t)len;
}

static ssize_t pull(gnutls_transport_ptr_t ptr, void *buf, size_t cap)
{
	struct rtc_dtls *dtls = ptr;
	g_autoptr(GBytes) bytes = g_queue_pop_head(&dtls->incoming);
	const uint8_t *data;
	size_t len;

	if (!bytes) {
		gnutls_transport_set_errno(dtls->session, EAGAIN);
		return -1;
	}
	data = g_bytes_get_data(bytes, &len);
	len = MIN(len, cap);
	memcpy(buf, data, len);
	return (ssize_t)len;
}

static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct rtc_dtls *dtls = ptr;

	return dtls->incoming.length ? 1 : 0;
}

static void fail(struct rtc_dtls *dtls, const char *reason)
{
	if (dtls->failed)
		return;
	dtls->failed = true;
	if (dtls->timer) {
		g_source_remove(dtls->timer);
		dtls->timer = 0;
	}
	log_warn("%s", reason);
	dtls->listener->failed(dtls->data, reason);
}

/* The peer's certificate must be the one the browser's SDP named. */
static bool peer_matches(struct rtc_dtls *dtls)
{
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(dtls->session, &n);
	uint8_t digest[32];

	if (!certs || n == 0)
		return false;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size, digest) < 0)
		return false;
	return memcmp(digest, dtls->expected, 32) == 0;
}

static void export_keys(struct rtc_dtls *dtls)
{
	gnutls_datum_t ck, cs, sk, ss;
	uint8_t material[2 * (RTC_SRTP_KEY_LEN + RTC_SRTP_SALT_LEN)];
	struct rtc_srtp_keys keys;
	const gnutls_datum_t *lk, *ls, *rk, *rs;
	int ret =
	        gnutls_srtp_get_keys(dtls->session, material, sizeof(material), &ck, &cs, &sk, &ss);

	if (ret < 0 || ck.size != RTC_SRTP_KEY_LEN || cs.size != RTC_SRTP_SALT_LEN) {
		fail(dtls, "the browser and wayrtc found no common SRTP protection profile");
		return;
	}
	lk = dtls->is_server ? &sk : &ck;
	ls = dtls->is_server ? &ss : &cs;
	rk = dtls->is_server ? &ck : &sk;
	rs = dtls->is_server ? &cs : &ss;
	memcpy(keys.local_key, lk->data, RTC_SRTP_KEY_LEN);
	memcpy(keys.local_key + RTC_SRTP_KEY_LEN, ls->data, RTC_SRTP_SALT_LEN);
	memcpy(keys.remote_key, rk->data, RTC_SRTP_KEY_LEN);
	memcpy(keys.remote_key + RTC_SRTP_KEY_LEN, rs->data, RTC_SRTP_SALT_LEN);
	dtls->listener->connected(dtls->data, &keys);
	memset(&keys, 0, sizeof(keys));
	memset(material, 0, sizeof(material));
}

static void handshake(struct rtc_dtls *dtls);

static gboolean on_timeout(void *data)
{
	struct rtc_dtls *dtls = data;

	dtls->timer = 0;
	handshake(dtls);
	return G_SOURCE_REMOVE;
}

static void handshake(struct rtc_dtls *dtls)
{
	int ret;

	if (dtls->done || dtls->failed)
		return;
	ret = gnutls_handshake(dtls->session);
	if (dtls->timer) {
		g_source_remove(dtls->timer);
		dtls->timer = 0;
	}
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
		log_debug("%s: handshake continues, next try in %u ms",
		          dtls->is_server ? "server" : "client",
		          gnutls_dtls_get_timeout(dtls->session));
		dtls->timer = g_timeout_add(MAX(1u, gnutls_dtls_get_timeout(dtls->session)),
		                            on_timeout, dtls);
		return;
	}
	if (ret < 0) {
		g_autofree char *reason =
		        g_strdup_printf(ret == GNUTLS_E_TIMEDOUT ? "the DTLS handshake timed out"
		                                                 : "the DTLS handshake failed: %s",
		                        gnutls_strerror(ret));
		fail(dtls, reason);
		return;
	}
	if (!peer_matches(dtls)) {
		fail(dtls, "the browser's DTLS certificate does not match its SDP fingerprint");
		return;
	}
	dtls->done = true;
	log_debug("handshake done (%s)",
	          gnutls_protocol_get_name(gnutls_protocol_get_version(dtls->session)));
	export_keys(dtls);
}

struct rtc_dtls *rtc_dtls_new(struct rtc_cert *cert, bool is_server,
                              const uint8_t expected_fingerprint[32],
                              const struct rtc_dtls_listener *listener, void *data, GError **error)
{
	struct rtc_dtls *dtls = g_new0(struct rtc_dtls, 1);
	unsigned flags =
	        (is_server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK;
	int ret;

	dtls->cert = cert;
	dtls->is_server = is_server;
	dtls->listener = listener;
	dtls->data = data;
	memcpy(dtls->expected, expected_fingerprint, 32);
	g_queue_init(&dtls->incoming);
	if ((ret = gnutls_init(&dtls->session, flags)) < 0 ||
	    (ret = gnutls_priority_set_direct(dtls->session, PRIORITY, NULL)) < 0 ||
	    (ret = gnutls_credentials_set(dtls->session, GNUTLS_CRD_CERTIFICATE, cert->cred)) < 0 ||
	    (ret = gnutls_srtp_set_profile_direct(dtls->session, "SRTP_AES128_CM_HMAC_SHA1_80",
	                                          NULL)) < 0) {
		tls_fail(error, "DTLS session", ret);
		rtc_dtls_free(dtls);
		return NULL;
	}
	if (is_server)
		gnutls_certificate_server_set_request(dtls->session, GNUTLS_CERT_REQUIRE);
	gnutls_transport_set_ptr(dtls->session, dtls);
	gnutls_transport_set_push_function(dtls->session, push);
	gnutls_transport_set_pull_function(dtls->session, pull);
	gnutls_transport_set_pull_timeout_function(dtls->session, pull_timeout);
	gnutls_dtls_set_mtu(dtls->session, DTLS_MTU);
	gnutls_dtls_set_timeouts(dtls->session, DTLS_RETRANS_MS, DTLS_TOTAL_MS);
	return dtls;
}

void rtc_dtls_free(struct rtc_dtls *dtls)
{
	if (!dtls)
		return;
	if (dtls->timer)
		g_source_remove(dtls->timer);
	if (dtls->session)
		gnutls_deinit(dtls->session);
	g_queue_clear_full(&dtls->incoming, (GDestroyNotify)g_bytes_unref);
	g_free(dtls);
}

void rtc_dtls_start(struct rtc_dtls *dtls)
{
	/* a server has nothing to say until the client's first flight arrives */
	if (!dtls->is_server)
		handshake(dtls);
}

void rtc_dtls_handle(struct rtc_dtls *dtls, const uint8_t *buf, size_t len)
{
	if (dtls->failed || dtls->incoming.length >= DTLS_MAX_QUEUE)
		return;
	g_queue_push_tail(&dtls->incoming, g_bytes_new(buf, len));
	if (!dtls->done) {
		handshake(dtls);
		return;
	}
	/* after the handshake: application data or an alert */
	for (;;) {
		uint8_t rec[DTLS_MTU * 2];
		ssize_t n = gnutls_record_recv(dtls->session, rec, sizeof(rec));

		if (n > 0) {
			if (dtls->listener->receive)
				dtls->listener->receive(dtls->data, rec, (size_t)n);
			continue;
		}
		if (n == 0) {
			fail(dtls, "the browser closed the connection");
		} else if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED &&
		           !gnutls_error_is_fatal((int)n)) {
			continue;
		} else if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED) {
			g_autofree char *reason =
			        g_strdup_printf("DTLS error: %s", gnutls_strerror((int)n));
			fail(dtls, reason);
		}
		break;
	}
}
