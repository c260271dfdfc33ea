/* DTLS-SRTP on GnuTLS, driven by the GLib loop: datagrams in through rtc_dtls_handle,
 * out through the listener, retransmissions when gnutls_dtls_get_timeout says so. The
 * peer's certificate is checked during the handshake, so a mismatch aborts it with an
 * alert instead of completing and being thrown away. */
#define LOG_MODULE "dtls"
#include "rtc/dtls.h"

#include <errno.h>
#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "util/log.h"

#define CERT_DAYS         30
#define CERT_BACKDATE_S   86400 /* the viewer's clock may be behind ours */
#define CERT_SERIAL_LEN   16
#define CERT_DER_MAX      4096
#define DTLS_MTU          1200
#define DTLS_RETRANS_MS   500   /* first retransmission; GnuTLS doubles it each time */
#define DTLS_TOTAL_MS     20000 /* the whole handshake, and a server's wait for it to begin */
#define DTLS_MAX_QUEUE    32    /* datagrams waiting for GnuTLS to read them */
#define DTLS_MAX_DGRAM    (16 * 1024 + 64) /* a full record plus its header */
#define DTLS_MAX_PROFILES 4
#define SRTP_LABEL        "EXTRACTOR-dtls_srtp" /* RFC 5764 section 4.2 */
/* DTLS 1.2 only (browsers speak nothing older; GnuTLS has no DTLS 1.3), forward-secret
 * ECDHE with AEAD ciphers. Our certificate is ECDSA; a browser's may be RSA. */
#define PRIORITY                                                                                   \
	"NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"                          \
	"-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"

struct rtc_cert {
	gnutls_certificate_credentials_t cred;
	char fingerprint[RTC_FINGERPRINT_LEN * 3];
	GBytes *der; /* for fingerprints with other hashes */
};

enum dtls_phase {
	PHASE_IDLE = 0,
	PHASE_HANDSHAKE,
	PHASE_CONNECTED,
	PHASE_DONE, /* failed or closed: nothing more happens */
};

struct rtc_dtls {
	gnutls_session_t session;
	struct rtc_cert *cert;
	const struct rtc_dtls_listener *listener;
	void *data;
	GMainContext *context;
	bool is_server;
	bool started;
	bool fingerprint_mismatch;
	enum dtls_phase phase;
	struct rtc_fingerprint expected[RTC_DTLS_MAX_EXPECTED];
	size_t n_expected;
	enum rtc_srtp_profile profiles[DTLS_MAX_PROFILES];
	size_t n_profiles;
	GQueue incoming; /* GBytes, read by pull() */
	GSource *timer;  /* retransmission, or a server's wait for the first flight */
};

static bool tls_fail(GError **error, const char *what, int ret)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, gnutls_strerror(ret));
	return false;
}

static void format_fingerprint(const uint8_t *digest, char *out)
{
	for (size_t i = 0; i < RTC_FINGERPRINT_LEN; i++)
		g_snprintf(out + i * 3, 4, i + 1 < RTC_FINGERPRINT_LEN ? "%02X:" : "%02X",
		           digest[i]);
}

size_t rtc_hash_len(enum rtc_hash hash)
{
	switch (hash) {
	case RTC_HASH_SHA256:
		return 32;
	case RTC_HASH_SHA384:
		return 48;
	case RTC_HASH_SHA512:
		return 64;
	default:
		return 0;
	}
}

static gnutls_digest_algorithm_t gnutls_digest(enum rtc_hash hash)
{
	switch (hash) {
	case RTC_HASH_SHA256:
		return GNUTLS_DIG_SHA256;
	case RTC_HASH_SHA384:
		return GNUTLS_DIG_SHA384;
	case RTC_HASH_SHA512:
		return GNUTLS_DIG_SHA512;
	default:
		return GNUTLS_DIG_UNKNOWN;
	}
}

/* Does the DER certificate match one of the fingerprints its SDP named? */
static bool matches_expected(const struct rtc_dtls *dtls, const gnutls_datum_t *cert)
{
	for (size_t i = 0; i < dtls->n_expected; i++) {
		const struct rtc_fingerprint *fp = &dtls->expected[i];
		uint8_t digest[RTC_DIGEST_MAX];

		if (gnutls_hash_fast(gnutls_digest(fp->hash), cert->data, cert->size, digest) ==
		            0 &&
		    memcmp(digest, fp->digest, rtc_hash_len(fp->hash)) == 0)
			return true;
	}
	return false;
}

/* The peer's certificate must be the one its SDP named; self-signed is expected, so no
 * chain is verified. GnuTLS calls this for the client's certificate on a server and the
 * server's on a client; a non-zero return aborts the handshake. */
static int verify_peer(gnutls_session_t session)
{
	struct rtc_dtls *dtls = gnutls_session_get_ptr(session);
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);

	if (!dtls)
		return -1;
	if (!certs || n == 0 || !matches_expected(dtls, &certs[0])) {
		dtls->fingerprint_mismatch = true;
		return -1;
	}
	return 0;
}

struct rtc_cert *rtc_cert_new(GError **error)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	struct rtc_cert *cert = g_new0(struct rtc_cert, 1);
	uint8_t serial[CERT_SERIAL_LEN], digest[RTC_FINGERPRINT_LEN];
	g_autofree uint8_t *der = g_malloc(CERT_DER_MAX);
	size_t der_len = CERT_DER_MAX;
	time_t now = time(NULL);
	int ret;

	if ((ret = gnutls_x509_privkey_init(&key)) < 0 ||
	    (ret = gnutls_x509_privkey_generate2(key, GNUTLS_PK_ECDSA,
	                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
	                                         0, NULL, 0)) < 0) {
		tls_fail(error, "DTLS key", ret);
		goto fail;
	}
	if ((ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0) {
		tls_fail(error, "DTLS certificate serial", ret);
		goto fail;
	}
	serial[0] &= 0x7f; /* a positive INTEGER */
	serial[0] |= 0x01; /* and no leading zero byte for DER to strip */
	if ((ret = gnutls_x509_crt_init(&crt)) < 0 ||
	    (ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (ret = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (ret = gnutls_x509_crt_set_activation_time(crt, now - CERT_BACKDATE_S)) < 0 ||
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
	gnutls_certificate_set_verify_function(cert->cred, verify_peer);
	format_fingerprint(digest, cert->fingerprint);
	cert->der = g_bytes_new(der, der_len);
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
	if (cert->der)
		g_bytes_unref(cert->der);
	g_free(cert);
}

bool rtc_cert_digest(const struct rtc_cert *cert, enum rtc_hash hash, uint8_t out[RTC_DIGEST_MAX])
{
	gsize len;
	const uint8_t *der = g_bytes_get_data(cert->der, &len);

	return rtc_hash_len(hash) && gnutls_hash_fast(gnutls_digest(hash), der, len, out) == 0;
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

/* Never blocks: GnuTLS only asks whether a datagram is already there. */
static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct rtc_dtls *dtls = ptr;

	return dtls->incoming.length ? 1 : 0;
}

static void stop_timer(struct rtc_dtls *dtls)
{
	if (dtls->timer) {
		g_source_destroy(dtls->timer);
		g_source_unref(dtls->timer);
		dtls->timer = NULL;
	}
}

static void start_timer(struct rtc_dtls *dtls, unsigned ms, GSourceFunc fn)
{
	stop_timer(dtls);
	dtls->timer = g_timeout_source_new(ms);
	g_source_set_callback(dtls->timer, fn, dtls, NULL);
	g_source_attach(dtls->timer, dtls->context);
}

static void finish(struct rtc_dtls *dtls, bool was_connected, const char *reason)
{
	if (dtls->phase == PHASE_DONE)
		return;
	dtls->phase = PHASE_DONE;
	stop_timer(dtls);
	g_queue_clear_full(&dtls->incoming, (GDestroyNotify)g_bytes_unref);
	if (was_connected && dtls->listener->closed) {
		log_info("%s", reason);
		dtls->listener->closed(dtls->data, reason);
	} else {
		log_warn("%s", reason);
		dtls->listener->failed(dtls->data, reason);
	}
}

/* RFC 5764 section 4.2; rtc_srtp_keys_from_export knows the layout. */
static void export_keys(struct rtc_dtls *dtls)
{
	uint8_t material[2 * (RTC_SRTP_KEY_LEN + RTC_SRTP_MAX_SALT_LEN)];
	gnutls_srtp_profile_t selected;
	struct rtc_srtp_keys keys = {0};
	enum rtc_srtp_profile profile;
	size_t salt_len, total;
	int ret;

	if (gnutls_srtp_get_selected_profile(dtls->session, &selected) < 0 ||
	    !(salt_len = rtc_srtp_salt_len((enum rtc_srtp_profile)selected))) {
		finish(dtls, false,
		       "the browser and wayrtc found no common SRTP protection profile");
		return;
	}
	profile = (enum rtc_srtp_profile)selected;
	/* gnutls_srtp_get_keys knows no AEAD profile (GnuTLS 3.7), so export as it does:
	 * the RFC 5705 exporter without context */
	total = 2 * (RTC_SRTP_KEY_LEN + salt_len);
	ret = gnutls_prf(dtls->session, strlen(SRTP_LABEL), SRTP_LABEL, 0, 0, NULL, total,
	                 (char *)material);
	if (ret < 0 ||
	    !rtc_srtp_keys_from_export(profile, material, total, dtls->is_server, &keys)) {
		gnutls_memset(material, 0, sizeof(material));
		finish(dtls, false, "the DTLS key export failed");
		return;
	}
	gnutls_memset(material, 0, sizeof(material));
	dtls->phase = PHASE_CONNECTED;
	log_debug("%s: connected, %s, %s", dtls->is_server ? "server" : "client",
	          gnutls_cipher_get_name(gnutls_cipher_get(dtls->session)),
	          rtc_srtp_profile_name(keys.profile));
	dtls->listener->connected(dtls->data, &keys);
	gnutls_memset(&keys, 0, sizeof(keys));
}

static void handshake(struct rtc_dtls *dtls);

static gboolean on_retransmit(void *data)
{
	struct rtc_dtls *dtls = data;

	g_source_unref(dtls->timer);
	dtls->timer = NULL;
	handshake(dtls);
	return G_SOURCE_REMOVE;
}

static gboolean on_first_flight_timeout(void *data)
{
	struct rtc_dtls *dtls = data;

	g_source_unref(dtls->timer);
	dtls->timer = NULL;
	finish(dtls, false, "the browser never started the DTLS handshake");
	return G_SOURCE_REMOVE;
}

static void handshake(struct rtc_dtls *dtls)
{
	g_autofree char *reason = NULL;
	int ret;

	if (dtls->phase != PHASE_HANDSHAKE)
		return;
	stop_timer(dtls);
	ret = gnutls_handshake(dtls->session);
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
		unsigned ms = gnutls_dtls_get_timeout(dtls->session);

		start_timer(dtls, MAX(1u, ms), on_retransmit);
		return;
	}
	if (ret == 0) {
		/* verify_peer ran during the handshake; checked again in case GnuTLS skipped
		 * it (no certificate is an error with GNUTLS_CERT_REQUIRE, but be sure) */
		if (verify_peer(dtls->session) != 0) {
			finish(dtls, false,
			       "the browser's DTLS certificate does not match its SDP fingerprint");
			return;
		}
		export_keys(dtls);
		return;
	}
	if (dtls->fingerprint_mismatch)
		reason = g_strdup("the browser's DTLS certificate does not match its SDP "
		                  "fingerprint");
	else if (ret == GNUTLS_E_TIMEDOUT)
		reason = g_strdup("the DTLS handshake timed out");
	else if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED)
		reason = g_strdup_printf("the browser refused the DTLS handshake (%s)",
		                         gnutls_alert_get_name(gnutls_alert_get(dtls->session)));
	else
		reason = g_strdup_printf("the DTLS handshake failed: %s", gnutls_strerror(ret));
	if (ret != GNUTLS_E_FATAL_ALERT_RECEIVED && ret != GNUTLS_E_TIMEDOUT)
		gnutls_alert_send_appropriate(dtls->session, ret);
	finish(dtls, false, reason);
}

struct rtc_dtls *rtc_dtls_new(struct rtc_cert *cert, bool is_server,
                              const struct rtc_fingerprint *expected, size_t n_expected,
                              const struct rtc_dtls_listener *listener, void *data, GError **error)
{
	static const enum rtc_srtp_profile default_profiles[] = {
	        RTC_SRTP_AEAD_AES_128_GCM,
	        RTC_SRTP_AES128_CM_SHA1_80,
	};
	struct rtc_dtls *dtls = g_new0(struct rtc_dtls, 1);
	unsigned flags =
	        (is_server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK;
	int ret;

	for (size_t i = 0; i < n_expected && dtls->n_expected < RTC_DTLS_MAX_EXPECTED; i++) {
		if (rtc_hash_len(expected[i].hash))
			dtls->expected[dtls->n_expected++] = expected[i];
	}
	if (!dtls->n_expected) {
		/* nothing could ever match: refuse now rather than fail every handshake */
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "no fingerprint to check the peer's DTLS certificate with");
		g_free(dtls);
		return NULL;
	}
	dtls->cert = cert;
	dtls->is_server = is_server;
	dtls->listener = listener;
	dtls->data = data;
	dtls->context = g_main_context_ref_thread_default();
	g_queue_init(&dtls->incoming);
	rtc_dtls_set_profiles(dtls, default_profiles, G_N_ELEMENTS(default_profiles));
	if ((ret = gnutls_init(&dtls->session, flags)) < 0) {
		dtls->session = NULL;
		goto fail;
	}
	if ((ret = gnutls_priority_set_direct(dtls->session, PRIORITY, NULL)) < 0 ||
	    (ret = gnutls_credentials_set(dtls->session, GNUTLS_CRD_CERTIFICATE, cert->cred)) < 0)
		goto fail;
	if (is_server)
		gnutls_certificate_server_set_request(dtls->session, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_ptr(dtls->session, dtls);
	gnutls_transport_set_ptr(dtls->session, dtls);
	gnutls_transport_set_push_function(dtls->session, push);
	gnutls_transport_set_pull_function(dtls->session, pull);
	gnutls_transport_set_pull_timeout_function(dtls->session, pull_timeout);
	gnutls_dtls_set_mtu(dtls->session, DTLS_MTU);
	gnutls_dtls_set_timeouts(dtls->session, DTLS_RETRANS_MS, DTLS_TOTAL_MS);
	return dtls;
fail:
	tls_fail(error, "DTLS session", ret);
	rtc_dtls_free(dtls);
	return NULL;
}

void rtc_dtls_free(struct rtc_dtls *dtls)
{
	if (!dtls)
		return;
	stop_timer(dtls);
	if (dtls->session)
		gnutls_deinit(dtls->session);
	g_queue_clear_full(&dtls->incoming, (GDestroyNotify)g_bytes_unref);
	g_main_context_unref(dtls->context);
	g_free(dtls);
}

void rtc_dtls_set_profiles(struct rtc_dtls *dtls, const enum rtc_srtp_profile *profiles, size_t n)
{
	dtls->n_profiles = 0;
	for (size_t i = 0; i < n && dtls->n_profiles < DTLS_MAX_PROFILES; i++)
		if (rtc_srtp_salt_len(profiles[i]))
			dtls->profiles[dtls->n_profiles++] = profiles[i];
}

/* GnuTLS's profile names stop at the SHA1 ones, so profiles are set by number. */
static void begin(struct rtc_dtls *dtls)
{
	if (dtls->phase != PHASE_IDLE)
		return;
	dtls->phase = PHASE_HANDSHAKE;
	for (size_t i = 0; i < dtls->n_profiles; i++)
		gnutls_srtp_set_profile(dtls->session, (gnutls_srtp_profile_t)dtls->profiles[i]);
}

void rtc_dtls_start(struct rtc_dtls *dtls)
{
	if (dtls->started)
		return;
	dtls->started = true;
	if (dtls->phase != PHASE_IDLE)
		return; /* a server already answering a ClientHello, or closed */
	begin(dtls);
	if (!dtls->is_server || dtls->incoming.length) {
		handshake(dtls);
		return;
	}
	/* a server has nothing to say until the client's first flight arrives */
	start_timer(dtls, DTLS_TOTAL_MS, on_first_flight_timeout);
}

/* After the handshake: application data, alerts, or the peer's retransmitted last flight
 * (GnuTLS answers that one itself, from inside gnutls_record_recv). */
static void receive_records(struct rtc_dtls *dtls)
{
	uint8_t rec[DTLS_MAX_DGRAM];

	for (unsigned i = 0; i <= DTLS_MAX_QUEUE && dtls->phase == PHASE_CONNECTED; i++) {
		ssize_t n = gnutls_record_recv(dtls->session, rec, DTLS_MAX_DGRAM);
		g_autofree char *reason = NULL;

		if (n > 0) {
			if (dtls->listener->receive)
				dtls->listener->receive(dtls->data, rec, (size_t)n);
			continue;
		}
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return;
		if (n == 0) {
			finish(dtls, true, "the browser closed the connection");
			return;
		}
		if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
			reason = g_strdup_printf(
			        "the browser ended the connection (%s)",
			        gnutls_alert_get_name(gnutls_alert_get(dtls->session)));
			finish(dtls, true, reason);
			return;
		}
		if (n == GNUTLS_E_REHANDSHAKE) {
			gnutls_alert_send(dtls->session, GNUTLS_AL_WARNING,
			                  GNUTLS_A_NO_RENEGOTIATION);
			continue;
		}
		if (gnutls_error_is_fatal((int)n)) {
			reason = g_strdup_printf("DTLS error: %s", gnutls_strerror((int)n));
			finish(dtls, true, reason);
			return;
		}
		/* a warning alert or a record GnuTLS discarded: read on */
	}
}

void rtc_dtls_handle(struct rtc_dtls *dtls, const uint8_t *buf, size_t len)
{
	if (dtls->phase == PHASE_DONE || len == 0 || len > DTLS_MAX_DGRAM)
		return;
	if (dtls->incoming.length >= DTLS_MAX_QUEUE) {
		log_debug("incoming queue full, datagram dropped");
		return;
	}
	g_queue_push_tail(&dtls->incoming, g_bytes_new(buf, len));
	/* a server answers a ClientHello that beats our own ICE "connected" */
	if (dtls->is_server)
		begin(dtls);
	if (dtls->phase == PHASE_HANDSHAKE)
		handshake(dtls);
	else if (dtls->phase == PHASE_CONNECTED)
		receive_records(dtls);
}

bool rtc_dtls_send(struct rtc_dtls *dtls, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (dtls->phase != PHASE_CONNECTED)
		return false;
	n = gnutls_record_send(dtls->session, buf, len);
	return n == (ssize_t)len;
}

size_t rtc_dtls_get_data_mtu(struct rtc_dtls *dtls)
{
	return gnutls_dtls_get_data_mtu(dtls->session);
}

void rtc_dtls_close(struct rtc_dtls *dtls)
{
	if (dtls->phase == PHASE_CONNECTED)
		gnutls_bye(dtls->session, GNUTLS_SHUT_WR);
	dtls->phase = PHASE_DONE;
	stop_timer(dtls);
}
