/* DTLS-SRTP between two endpoints in this process, over an in-memory datagram link that
 * drops the first flight: the handshake completes, both sides derive mirrored keys, SRTP
 * round-trips with them; a wrong fingerprint fails the handshake. */
#include <gio/gio.h>
#include <string.h>

#include "log.h"
#include "rtc/dtls.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"

struct side {
	struct rtc_dtls *dtls;
	struct side *other;
	bool connected;
	bool failed;
	struct rtc_srtp_keys keys;
	unsigned sent;
	unsigned drop_first;
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

	if (d->to->dtls)
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
	if (s->drop_first && s->sent <= s->drop_first)
		return; /* lost on the way: GnuTLS must retransmit */
	d = g_new(struct datagram, 1);
	d->to = s->other;
	d->bytes = g_bytes_new(buf, len);
	g_idle_add(deliver, d);
}

static void side_connected(void *data, const struct rtc_srtp_keys *keys)
{
	struct side *s = data;

	s->connected = true;
	s->keys = *keys;
}

static void side_failed(void *data, const char *reason)
{
	struct side *s = data;

	s->failed = true;
}

static const struct rtc_dtls_listener listener = {
        .send = side_send,
        .connected = side_connected,
        .failed = side_failed,
};

static void run_until(bool *a, bool *b, int timeout_ms)
{
	int64_t end = g_get_monotonic_time() + timeout_ms * 1000;

	while (!(*a && *b) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

static void handshake(bool wrong_fp, struct side *client, struct side *server)
{
	g_autoptr(GError) error = NULL;
	struct rtc_cert *cc = rtc_cert_new(&error), *sc = rtc_cert_new(&error);
	uint8_t cfp[32], sfp[32];

	g_assert_nonnull(cc);
	g_assert_nonnull(sc);
	g_assert_true(sdp_fingerprint_parse(rtc_cert_fingerprint(cc), 95, cfp));
	g_assert_true(sdp_fingerprint_parse(rtc_cert_fingerprint(sc), 95, sfp));
	if (wrong_fp)
		cfp[5] ^= 1;
	client->other = server;
	server->other = client;
	client->drop_first = 1;
	client->dtls = rtc_dtls_new(cc, false, sfp, &listener, client, &error);
	server->dtls = rtc_dtls_new(sc, true, cfp, &listener, server, &error);
	g_assert_nonnull(client->dtls);
	g_assert_nonnull(server->dtls);
	rtc_dtls_start(server->dtls);
	rtc_dtls_start(client->dtls);
	if (wrong_fp)
		run_until(&server->failed, &server->failed, 5000);
	else
		run_until(&client->connected, &server->connected, 5000);
	rtc_dtls_free(client->dtls);
	rtc_dtls_free(server->dtls);
	client->dtls = server->dtls = NULL;
	while (g_main_context_iteration(NULL, FALSE))
		; /* drain datagrams still queued for the freed endpoints */
	rtc_cert_free(cc);
	rtc_cert_free(sc);
}

static void test_handshake(void)
{
	struct side client = {0}, server = {0};
	g_autoptr(GError) error = NULL;
	struct rtc_srtp *a, *b;
	uint8_t pkt[64 + RTC_SRTP_TRAILER] = {0x80, 102, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9};
	uint8_t orig[64];
	size_t len = 64;

	handshake(false, &client, &server);
	g_assert_true(client.connected);
	g_assert_true(server.connected);
	g_assert_cmpuint(client.sent, >, 1); /* the dropped flight was sent again */
	g_assert_cmpmem(client.keys.local_key, sizeof(client.keys.local_key),
	                server.keys.remote_key, sizeof(server.keys.remote_key));
	g_assert_cmpmem(client.keys.remote_key, sizeof(client.keys.remote_key),
	                server.keys.local_key, sizeof(server.keys.local_key));
	g_assert_true(memcmp(client.keys.local_key, client.keys.remote_key, 30) != 0);

	/* the exported keys protect and unprotect SRTP between the two */
	a = rtc_srtp_new(&server.keys, &error);
	b = rtc_srtp_new(&client.keys, &error);
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	for (size_t i = 12; i < 64; i++)
		pkt[i] = (uint8_t)i;
	memcpy(orig, pkt, 64);
	g_assert_true(rtc_srtp_protect_rtp(a, pkt, &len));
	g_assert_cmpuint(len, ==, 64 + 10); /* HMAC-SHA1-80 tag */
	g_assert_true(memcmp(pkt + 12, orig + 12, 52) != 0);
	g_assert_true(rtc_srtp_unprotect_rtp(b, pkt, &len));
	g_assert_cmpmem(pkt, len, orig, 64);
	rtc_srtp_free(a);
	rtc_srtp_free(b);
}

static void test_wrong_fingerprint(void)
{
	struct side client = {0}, server = {0};

	handshake(true, &client, &server);
	g_assert_true(server.failed);
	g_assert_false(server.connected);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	log_init(LOG_WARN);
	g_test_add_func("/dtls/handshake", test_handshake);
	g_test_add_func("/dtls/wrong-fingerprint", test_wrong_fingerprint);
	return g_test_run();
}
