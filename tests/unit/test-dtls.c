/* DTLS-SRTP between two endpoints in this process, over an in-memory datagram link on
 * the main loop that can lose chosen datagrams: the handshake completes (also when the
 * first and the last flights are lost), both sides derive mirrored keys and the same
 * profile, SRTP round-trips with them; a wrong fingerprint or no common profile fails the
 * handshake on both sides; close_notify and application data reach the other side. */
#include <errno.h>
#include <gio/gio.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "util/log.h"
#include "rtc/dtls.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"

#define TIMEOUT_MS   8000
#define DTLS_CCS     20 /* ChangeCipherSpec: opens a side's last flight */
#define MAX_DATAGRAM 1200

struct side {
	const char *name;
	struct rtc_dtls *dtls;
	struct side *other;
	bool connected;
	bool failed;
	bool closed;
	char *reason;
	struct rtc_srtp_keys keys;
	unsigned sent;
	unsigned max_len;
	unsigned drop_first;   /* lose this many datagrams from the start */
	bool drop_last_flight; /* lose the first datagram that starts with a CCS */
	unsigned dropped;
	GByteArray *received; /* application data */
	GQueue *raw;          /* a foreign GnuTLS client's inbox instead of an rtc_dtls */
};

struct datagram {
	struct side *to;
	GBytes *bytes;
};

/* Delivered from the loop, as a socket would: never from inside the sender's handshake. */
static gboolean deliver(void *data)
{
	struct datagram *d = data;
	gsize len;
	const uint8_t *buf = g_bytes_get_data(d->bytes, &len);

	if (d->to->raw)
		g_queue_push_tail(d->to->raw, g_bytes_ref(d->bytes));
	else if (d->to->dtls)
		rtc_dtls_handle(d->to->dtls, buf, len);
	g_bytes_unref(d->bytes);
	g_free(d);
	return G_SOURCE_REMOVE;
}

static void side_send(void *data, const uint8_t *buf, size_t len)
{
	struct side *s = data;
	struct datagram *d;

	s->sent++;
	s->max_len = MAX(s->max_len, (unsigned)len);
	if (s->sent <= s->drop_first) {
		s->dropped++;
		return; /* lost on the way: GnuTLS must retransmit */
	}
	if (s->drop_last_flight && buf[0] == DTLS_CCS) {
		s->drop_last_flight = false;
		s->dropped++;
		return;
	}
	d = g_new(struct datagram, 1);
	d->to = s->other;
	d->bytes = g_bytes_new(buf, len);
	g_idle_add(deliver, d);
}

static void side_connected(void *data, const struct rtc_srtp_keys *keys)
{
	struct side *s = data;

	g_assert_false(s->connected);
	s->connected = true;
	s->keys = *keys;
}

static void side_failed(void *data, const char *reason)
{
	struct side *s = data;

	g_assert_false(s->failed);
	s->failed = true;
	g_free(s->reason);
	s->reason = g_strdup(reason);
}

static void side_closed(void *data, const char *reason)
{
	struct side *s = data;

	s->closed = true;
	g_free(s->reason);
	s->reason = g_strdup(reason);
}

static void side_receive(void *data, const uint8_t *buf, size_t len)
{
	struct side *s = data;

	g_byte_array_append(s->received, buf, (guint)len);
}

static const struct rtc_dtls_listener listener = {
        .send = side_send,
        .connected = side_connected,
        .failed = side_failed,
        .closed = side_closed,
        .receive = side_receive,
};

static gboolean on_deadline(void *data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Runs the loop until *a and *b (either of them when `any`), or the deadline. */
static void run_until(const bool *a, const bool *b, bool any)
{
	bool late = false;
	guint id = g_timeout_add(TIMEOUT_MS, on_deadline, &late);

	while (!late && !(any ? (*a || *b) : (*a && *b)))
		g_main_context_iteration(NULL, TRUE);
	if (!late)
		g_source_remove(id);
}

static void drain(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

struct link {
	struct side client, server;
	struct rtc_cert *client_cert, *server_cert;
};

static void link_init(struct link *l)
{
	g_autoptr(GError) error = NULL;

	memset(l, 0, sizeof(*l));
	l->client_cert = rtc_cert_new(&error);
	g_assert_no_error(error);
	l->server_cert = rtc_cert_new(&error);
	g_assert_no_error(error);
	l->client.name = "client";
	l->server.name = "server";
	l->client.other = &l->server;
	l->server.other = &l->client;
	l->client.received = g_byte_array_new();
	l->server.received = g_byte_array_new();
}

/* Endpoints expecting these fingerprints: the server the client's, the client the
 * server's. */
static void link_open_with(struct link *l, const struct rtc_fingerprint *cfp, size_t n_cfp,
                           const struct rtc_fingerprint *sfp, size_t n_sfp)
{
	g_autoptr(GError) error = NULL;

	l->client.dtls =
	        rtc_dtls_new(l->client_cert, false, sfp, n_sfp, &listener, &l->client, &error);
	g_assert_no_error(error);
	l->server.dtls =
	        rtc_dtls_new(l->server_cert, true, cfp, n_cfp, &listener, &l->server, &error);
	g_assert_no_error(error);
}

/* Endpoints expecting each other's real SHA-256 fingerprints unless told otherwise. */
static void link_open(struct link *l, bool wrong_client_fp, bool wrong_server_fp)
{
	struct rtc_fingerprint cfp = {.hash = RTC_HASH_SHA256}, sfp = {.hash = RTC_HASH_SHA256};

	g_assert_true(rtc_sdp_fingerprint_parse(rtc_cert_fingerprint(l->client_cert), 95,
	                                        cfp.digest, 32));
	g_assert_true(rtc_sdp_fingerprint_parse(rtc_cert_fingerprint(l->server_cert), 95,
	                                        sfp.digest, 32));
	if (wrong_client_fp)
		cfp.digest[5] ^= 1;
	if (wrong_server_fp)
		sfp.digest[31] ^= 0x80;
	link_open_with(l, &cfp, 1, &sfp, 1);
}

static struct rtc_fingerprint digest_of(struct rtc_cert *cert, enum rtc_hash hash)
{
	struct rtc_fingerprint fp = {.hash = hash};

	g_assert_true(rtc_cert_digest(cert, hash, fp.digest));
	return fp;
}

static void link_start(struct link *l)
{
	rtc_dtls_start(l->server.dtls);
	rtc_dtls_start(l->client.dtls);
}

static void link_clear(struct link *l)
{
	rtc_dtls_free(l->client.dtls);
	rtc_dtls_free(l->server.dtls);
	l->client.dtls = l->server.dtls = NULL;
	drain(); /* datagrams still queued for the freed endpoints */
	rtc_cert_free(l->client_cert);
	rtc_cert_free(l->server_cert);
	g_free(l->client.reason);
	g_free(l->server.reason);
	g_byte_array_unref(l->client.received);
	g_byte_array_unref(l->server.received);
}

static void assert_mirrored(struct link *l, enum rtc_srtp_profile profile)
{
	struct rtc_srtp_keys *c = &l->client.keys, *s = &l->server.keys;
	size_t salt = rtc_srtp_salt_len(profile);
	static const uint8_t zero[RTC_SRTP_MAX_SALT_LEN];

	g_assert_cmpint(c->profile, ==, profile);
	g_assert_cmpint(s->profile, ==, profile);
	g_assert_cmpmem(c->local_key, RTC_SRTP_KEY_LEN, s->remote_key, RTC_SRTP_KEY_LEN);
	g_assert_cmpmem(c->remote_key, RTC_SRTP_KEY_LEN, s->local_key, RTC_SRTP_KEY_LEN);
	g_assert_cmpmem(c->local_salt, salt, s->remote_salt, salt);
	g_assert_cmpmem(c->remote_salt, salt, s->local_salt, salt);
	g_assert_true(memcmp(c->local_key, c->remote_key, RTC_SRTP_KEY_LEN) != 0);
	g_assert_true(memcmp(c->local_salt, zero, salt) != 0);
	/* bytes past the profile's salt stay zero: nothing else leaked in */
	if (salt < RTC_SRTP_MAX_SALT_LEN)
		g_assert_cmpmem(c->local_salt + salt, RTC_SRTP_MAX_SALT_LEN - salt, zero,
		                RTC_SRTP_MAX_SALT_LEN - salt);
}

/* The exported keys protect on one side and unprotect on the other, both ways. */
static void assert_srtp_works(struct link *l)
{
	g_autoptr(GError) error = NULL;
	struct rtc_srtp *a = rtc_srtp_new(&l->server.keys, &error);
	struct rtc_srtp *b = rtc_srtp_new(&l->client.keys, &error);
	uint8_t pkt[64 + RTC_SRTCP_TRAILER] = {0x80, 102, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9};
	uint8_t orig[64];
	size_t len = 64;

	g_assert_no_error(error);
	for (size_t i = 12; i < 64; i++)
		pkt[i] = (uint8_t)i;
	memcpy(orig, pkt, 64);
	g_assert_true(rtc_srtp_protect_rtp(a, pkt, &len, sizeof(pkt)));
	g_assert_cmpuint(len, ==, 64 + rtc_srtp_tag_len(l->server.keys.profile));
	g_assert_true(rtc_srtp_unprotect_rtp(b, pkt, &len));
	g_assert_cmpmem(pkt, len, orig, 64);

	memcpy(pkt, (uint8_t[]){0x81, 206, 0, 2, 0, 0, 0, 9, 0, 0, 0, 1}, 12);
	memcpy(orig, pkt, 12);
	len = 12;
	g_assert_true(rtc_srtp_protect_rtcp(b, pkt, &len, sizeof(pkt)));
	g_assert_true(rtc_srtp_unprotect_rtcp(a, pkt, &len));
	g_assert_cmpmem(pkt, len, orig, 12);
	rtc_srtp_free(a);
	rtc_srtp_free(b);
}

static void test_handshake(void)
{
	struct link l;

	link_init(&l);
	link_open(&l, false, false);
	link_start(&l);
	run_until(&l.client.connected, &l.server.connected, false);
	g_assert_true(l.client.connected);
	g_assert_true(l.server.connected);
	g_assert_false(l.client.failed || l.server.failed);
	g_assert_cmpuint(l.client.max_len, <=, 1200);
	g_assert_cmpuint(l.server.max_len, <=, 1200);
	/* AEAD is our first choice, and the other side knows it too */
	assert_mirrored(&l, RTC_SRTP_AEAD_AES_128_GCM);
	assert_srtp_works(&l);
	link_clear(&l);
}

static void test_lost_flights(void)
{
	struct link l;
	int64_t start = g_get_monotonic_time();

	link_init(&l);
	l.client.drop_first = 1;          /* the ClientHello */
	l.server.drop_last_flight = true; /* the server's ChangeCipherSpec + Finished */
	link_open(&l, false, false);
	link_start(&l);
	run_until(&l.client.connected, &l.server.connected, false);
	g_assert_true(l.client.connected);
	g_assert_true(l.server.connected);
	g_assert_cmpuint(l.client.dropped, ==, 1);
	g_assert_cmpuint(l.server.dropped, ==, 1);
	/* both losses were repaired by retransmission, each after a timeout */
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 2 * 400 * 1000);
	assert_mirrored(&l, RTC_SRTP_AEAD_AES_128_GCM);
	assert_srtp_works(&l);
	link_clear(&l);
}

static void test_profile_cm(void)
{
	static const enum rtc_srtp_profile cm[] = {RTC_SRTP_AES128_CM_SHA1_80};
	struct link l;

	link_init(&l);
	link_open(&l, false, false);
	/* a client that only knows the SHA1 profile gets it from a server that knows both */
	rtc_dtls_set_profiles(l.client.dtls, cm, 1);
	link_start(&l);
	run_until(&l.client.connected, &l.server.connected, false);
	g_assert_true(l.client.connected && l.server.connected);
	assert_mirrored(&l, RTC_SRTP_AES128_CM_SHA1_80);
	assert_srtp_works(&l);
	link_clear(&l);
}

static void test_no_common_profile(void)
{
	static const enum rtc_srtp_profile cm[] = {RTC_SRTP_AES128_CM_SHA1_80};
	static const enum rtc_srtp_profile gcm[] = {RTC_SRTP_AEAD_AES_128_GCM};
	struct link l;

	link_init(&l);
	link_open(&l, false, false);
	rtc_dtls_set_profiles(l.client.dtls, cm, 1);
	rtc_dtls_set_profiles(l.server.dtls, gcm, 1);
	link_start(&l);
	run_until(&l.client.failed, &l.server.failed, false);
	g_assert_true(l.client.failed);
	g_assert_true(l.server.failed);
	g_assert_false(l.client.connected || l.server.connected);
	g_assert_nonnull(strstr(l.server.reason, "SRTP"));
	link_clear(&l);
}

static void test_wrong_fingerprint(void)
{
	struct link l;

	/* the server expected another client certificate */
	link_init(&l);
	link_open(&l, true, false);
	link_start(&l);
	run_until(&l.client.failed, &l.server.failed, false);
	g_assert_true(l.server.failed);
	g_assert_nonnull(strstr(l.server.reason, "fingerprint"));
	g_assert_true(l.client.failed); /* told by an alert */
	g_assert_false(l.client.connected || l.server.connected);
	link_clear(&l);

	/* the client expected another server certificate */
	link_init(&l);
	link_open(&l, false, true);
	link_start(&l);
	run_until(&l.client.failed, &l.server.failed, false);
	g_assert_true(l.client.failed);
	g_assert_nonnull(strstr(l.client.reason, "fingerprint"));
	g_assert_false(l.client.connected || l.server.connected);
	link_clear(&l);
}

/* RFC 8122: sha-384 and sha-512 are checked as well as sha-256; one match of those
 * given is enough, none is a failure. */
static void test_fingerprint_hashes(void)
{
	struct link l;
	struct rtc_fingerprint cfp[2], sfp;
	g_autoptr(GError) error = NULL;
	struct rtc_fingerprint none = {.hash = RTC_HASH_NONE};

	link_init(&l);
	cfp[0] = digest_of(l.client_cert, RTC_HASH_SHA256);
	cfp[0].digest[0] ^= 1; /* another certificate's */
	cfp[1] = digest_of(l.client_cert, RTC_HASH_SHA512);
	sfp = digest_of(l.server_cert, RTC_HASH_SHA384);
	link_open_with(&l, cfp, 2, &sfp, 1);
	link_start(&l);
	run_until(&l.client.connected, &l.server.connected, false);
	g_assert_true(l.client.connected && l.server.connected);
	link_clear(&l);

	/* a sha-512 that does not match */
	link_init(&l);
	cfp[0] = digest_of(l.client_cert, RTC_HASH_SHA512);
	cfp[0].digest[63] ^= 0x10;
	sfp = digest_of(l.server_cert, RTC_HASH_SHA384);
	link_open_with(&l, cfp, 1, &sfp, 1);
	link_start(&l);
	run_until(&l.client.failed, &l.server.failed, false);
	g_assert_true(l.server.failed);
	g_assert_nonnull(strstr(l.server.reason, "fingerprint"));
	g_assert_false(l.client.connected || l.server.connected);
	link_clear(&l);

	/* nothing checkable: refused at once */
	link_init(&l);
	g_assert_null(rtc_dtls_new(l.server_cert, true, &none, 1, &listener, &l.server, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_null(rtc_dtls_new(l.server_cert, true, NULL, 0, &listener, &l.server, &error));
	g_assert_nonnull(error);
	link_clear(&l);
}

static void test_data_and_close(void)
{
	static const char hello[] = "sctp would go here";
	struct link l;

	link_init(&l);
	link_open(&l, false, false);
	g_assert_false(rtc_dtls_send(l.client.dtls, (const uint8_t *)hello, sizeof(hello)));
	link_start(&l);
	run_until(&l.client.connected, &l.server.connected, false);
	g_assert_true(rtc_dtls_send(l.client.dtls, (const uint8_t *)hello, sizeof(hello)));
	while (l.server.received->len < sizeof(hello) && g_main_context_iteration(NULL, TRUE))
		;
	g_assert_cmpmem(l.server.received->data, l.server.received->len, hello, sizeof(hello));

	rtc_dtls_close(l.client.dtls);
	run_until(&l.server.closed, &l.server.failed, true);
	g_assert_true(l.server.closed);
	g_assert_false(l.server.failed);
	g_assert_nonnull(strstr(l.server.reason, "closed"));
	g_assert_false(rtc_dtls_send(l.server.dtls, (const uint8_t *)hello, sizeof(hello)));
	link_clear(&l);
}

/* ---- a foreign client that offers what browsers no longer do ---- */

static ssize_t raw_push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
	side_send(ptr, buf, len); /* `ptr` is the client's side: it sends to the server */
	return (ssize_t)len;
}

static ssize_t raw_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct side *s = ptr;
	g_autoptr(GBytes) b = g_queue_pop_head(s->raw);
	gsize n;
	const void *d;

	if (!b) {
		errno = EAGAIN;
		return -1;
	}
	d = g_bytes_get_data(b, &n);
	n = MIN(n, len);
	memcpy(buf, d, n);
	return (ssize_t)n;
}

static int raw_pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
	return g_queue_is_empty(((struct side *)ptr)->raw) ? 0 : 1;
}

/* Runs a GnuTLS DTLS client with `priority` against our server until one side gives up;
 * returns the server's reason (g_free). */
static char *raw_handshake(const char *priority)
{
	struct link l;
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	int64_t deadline = g_get_monotonic_time() + TIMEOUT_MS * 1000;
	int ret = GNUTLS_E_AGAIN;
	char *reason;

	link_init(&l);
	link_open(&l, false, false);
	rtc_dtls_free(l.client.dtls);
	l.client.dtls = NULL;
	l.client.raw = g_queue_new();
	g_assert_cmpint(gnutls_certificate_allocate_credentials(&cred), ==, 0);
	g_assert_cmpint(gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK),
	                ==, 0);
	g_assert_cmpint(gnutls_priority_set_direct(session, priority, NULL), ==, 0);
	gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_ptr(session, &l.client);
	gnutls_transport_set_push_function(session, raw_push);
	gnutls_transport_set_pull_function(session, raw_pull);
	gnutls_transport_set_pull_timeout_function(session, raw_pull_timeout);
	rtc_dtls_start(l.server.dtls);
	while (!l.server.failed && g_get_monotonic_time() < deadline &&
	       (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)) {
		ret = gnutls_handshake(session);
		g_main_context_iteration(NULL, FALSE);
	}
	run_until(&l.server.failed, &l.server.connected, true);
	g_assert_false(l.server.connected);
	g_assert_true(l.server.failed);
	reason = g_strdup(l.server.reason);
	gnutls_deinit(session);
	gnutls_certificate_free_credentials(cred);
	g_queue_free_full(l.client.raw, (GDestroyNotify)g_bytes_unref);
	l.client.raw = NULL;
	link_clear(&l);
	return reason;
}

/* The media's DTLS takes 1.2 with ECDHE and AEAD only. A client that asks for DTLS 1.0,
 * or for 1.2 with CBC suites, is refused at its hello; one that asks for what browsers
 * ask gets past it (and fails later only for having no certificate). */
static void test_old_versions_refused(void)
{
	g_autofree char *v10 = raw_handshake("NORMAL:-VERS-ALL:+VERS-DTLS1.0");
	g_autofree char *cbc = raw_handshake("NORMAL:-VERS-ALL:+VERS-DTLS1.2:-CIPHER-ALL:"
	                                     "+AES-128-CBC:+AES-256-CBC");
	g_autofree char *good = raw_handshake("NORMAL:-VERS-ALL:+VERS-DTLS1.2");

	g_test_message("DTLS 1.0: %s; 1.2 CBC: %s; 1.2: %s", v10, cbc, good);
	g_assert_nonnull(strstr(v10, "version"));
	g_assert_nonnull(strstr(cbc, "cipher"));
	g_assert_null(strstr(good, "version"));
	g_assert_null(strstr(good, "cipher"));
}

static void test_cert(void)
{
	g_autoptr(GError) error = NULL;
	struct rtc_cert *a = rtc_cert_new(&error), *b = rtc_cert_new(&error);
	const char *fa = rtc_cert_fingerprint(a);
	uint8_t raw[32], digest[RTC_DIGEST_MAX];

	g_assert_no_error(error);
	g_assert_cmpuint(strlen(fa), ==, 32 * 3 - 1);
	g_assert_true(rtc_sdp_fingerprint_parse(fa, strlen(fa), raw, sizeof(raw)));
	/* the text is the SHA-256 of the same DER rtc_cert_digest hashes */
	g_assert_true(rtc_cert_digest(a, RTC_HASH_SHA256, digest));
	g_assert_cmpmem(digest, 32, raw, 32);
	g_assert_false(rtc_cert_digest(a, RTC_HASH_NONE, digest));
	for (const char *c = fa; *c; c++)
		g_assert_true(g_ascii_isxdigit(*c) ? !g_ascii_islower(*c) : *c == ':');
	g_assert_cmpstr(fa, !=, rtc_cert_fingerprint(b)); /* fresh key each time */
	rtc_cert_free(a);
	rtc_cert_free(b);
	rtc_cert_free(NULL);
	rtc_dtls_free(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	log_init(g_getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_ERROR);
	g_test_add_func("/dtls/cert", test_cert);
	g_test_add_func("/dtls/handshake", test_handshake);
	g_test_add_func("/dtls/lost-flights", test_lost_flights);
	g_test_add_func("/dtls/profile-sha1", test_profile_cm);
	g_test_add_func("/dtls/no-common-profile", test_no_common_profile);
	g_test_add_func("/dtls/wrong-fingerprint", test_wrong_fingerprint);
	g_test_add_func("/dtls/fingerprint-hashes", test_fingerprint_hashes);
	g_test_add_func("/dtls/data-and-close", test_data_and_close);
	g_test_add_func("/dtls/old-versions-refused", test_old_versions_refused);
	return g_test_run();
}
