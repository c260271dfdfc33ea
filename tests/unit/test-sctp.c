/* Data channels between two real usrsctp associations in one process: packets go from one
 * rtc_sctp to the other through a queue that may lose some, exactly as DTLS records would
 * carry them. One end opens channels (as the browser does), the other accepts them. */
#include <gio/gio.h>
#include <string.h>

#include "rtc/sctp.h"

#define TIMEOUT_MS 10000
#define MTU        1150

struct end {
	const char *name;
	struct rtc_sctp *sctp;
	struct end *other;
	GPtrArray *opened;   /* labels, in order */
	GPtrArray *messages; /* GBytes, in order of arrival */
	GArray *binary;      /* gboolean per message */
	GArray *closed_ids;  /* uint16_t */
	char *closed_reason;
	uint16_t last_open_id;
};

static struct {
	struct end a, b;
	GQueue packets; /* struct packet * */
	GSource *pump;
	double loss; /* fraction of packets dropped */
	GRand *rand;
	unsigned sent, lost;
} net;

struct packet {
	struct end *to;
	GBytes *bytes;
};

static gboolean pump(void *data)
{
	struct packet *p;

	while ((p = g_queue_pop_head(&net.packets))) {
		gsize len;
		const uint8_t *buf = g_bytes_get_data(p->bytes, &len);

		if (p->to->sctp)
			rtc_sctp_handle(p->to->sctp, buf, len);
		g_bytes_unref(p->bytes);
		g_free(p);
	}
	g_source_unref(net.pump);
	net.pump = NULL;
	return G_SOURCE_REMOVE;
}

/* Never delivered from inside the sender's usrsctp call: queued for the loop. */
static void on_send(void *data, const uint8_t *buf, size_t len)
{
	struct end *from = data;
	struct packet *p;

	g_assert_cmpuint(len, <=, MTU);
	net.sent++;
	if (net.loss > 0 && g_rand_double(net.rand) < net.loss) {
		net.lost++;
		return;
	}
	p = g_new0(struct packet, 1);
	p->to = from->other;
	p->bytes = g_bytes_new(buf, len);
	g_queue_push_tail(&net.packets, p);
	if (!net.pump) {
		net.pump = g_idle_source_new();
		g_source_set_callback(net.pump, pump, NULL, NULL);
		g_source_attach(net.pump, NULL);
	}
}

static void on_open(void *data, uint16_t id, const struct rtc_dcep_open *open)
{
	struct end *e = data;

	g_ptr_array_add(e->opened, g_strdup(open->label));
	e->last_open_id = id;
}

static void on_message(void *data, uint16_t id, bool binary, const uint8_t *buf, size_t len)
{
	struct end *e = data;
	gboolean b = binary;

	g_ptr_array_add(e->messages, g_bytes_new(buf, len));
	g_array_append_val(e->binary, b);
}

static void on_channel_closed(void *data, uint16_t id)
{
	struct end *e = data;

	g_array_append_val(e->closed_ids, id);
}

static void on_closed(void *data, const char *reason)
{
	struct end *e = data;

	g_free(e->closed_reason);
	e->closed_reason = g_strdup(reason);
}

static const struct rtc_sctp_listener listener = {
        .send = on_send,
        .channel_open = on_open,
        .message = on_message,
        .channel_closed = on_channel_closed,
        .closed = on_closed,
};

/* what the browser's a=max-message-size lets wayrtc's end send */
static size_t wayrtc_max_send = RTC_SCTP_MAX_MESSAGE;

static void end_init(struct end *e, const char *name, struct end *other, bool dtls_server)
{
	struct rtc_sctp_config config = {
	        .remote_port = RTC_SCTP_PORT,
	        .mtu = MTU,
	        .max_send = dtls_server ? wayrtc_max_send : RTC_SCTP_MAX_MESSAGE,
	        .dtls_server = dtls_server,
	};
	g_autoptr(GError) error = NULL;

	e->name = name;
	e->other = other;
	e->opened = g_ptr_array_new_with_free_func(g_free);
	e->messages = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	e->binary = g_array_new(FALSE, FALSE, sizeof(gboolean));
	e->closed_ids = g_array_new(FALSE, FALSE, sizeof(uint16_t));
	e->sctp = rtc_sctp_new(&config, &listener, e, &error);
	g_assert_no_error(error);
	g_assert_nonnull(e->sctp);
}

static void end_clear(struct end *e)
{
	rtc_sctp_free(e->sctp);
	e->sctp = NULL;
	g_ptr_array_unref(e->opened);
	g_ptr_array_unref(e->messages);
	g_array_unref(e->binary);
	g_array_unref(e->closed_ids);
	g_clear_pointer(&e->closed_reason, g_free);
}

static gboolean set_flag(void *data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Runs the loop until cond() holds; fails the test after TIMEOUT_MS. */
static void wait_for(bool (*cond)(void), const char *what)
{
	bool timed_out = false;
	guint timer = g_timeout_add(TIMEOUT_MS, set_flag, &timed_out);

	while (!cond() && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (timed_out)
		g_error("timed out waiting for %s (%u packets sent, %u lost)", what, net.sent,
		        net.lost);
	g_source_remove(timer);
}

/* Lets the loop run for ms whatever happens (for "nothing more arrives"). */
static void run_for(unsigned ms)
{
	bool done = false;

	g_timeout_add(ms, set_flag, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

static size_t want_n;
static struct end *want_end;

static bool have_opened(void)
{
	return want_end->opened->len >= want_n;
}

static bool have_messages(void)
{
	return want_end->messages->len >= want_n;
}

static bool have_closed_ids(void)
{
	return want_end->closed_ids->len >= want_n;
}

static bool have_closed(void)
{
	return want_end->closed_reason != NULL;
}

static void wait_opened(struct end *e, size_t n)
{
	want_end = e;
	want_n = n;
	wait_for(have_opened, "a channel to open");
}

static void wait_messages(struct end *e, size_t n)
{
	want_end = e;
	want_n = n;
	wait_for(have_messages, "messages");
}

static void setup(double loss)
{
	memset(&net, 0, sizeof(net));
	net.loss = loss;
	net.rand = g_rand_new_with_seed(20261201);
	/* the browser is the DTLS client */
	end_init(&net.a, "browser", &net.b, false);
	end_init(&net.b, "wayrtc", &net.a, true);
}

static void teardown(void)
{
	end_clear(&net.a);
	end_clear(&net.b);
	/* the ABORTs of the two frees */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_queue_clear_full(&net.packets, g_free);
	g_rand_free(net.rand);
}

static int open_channel(struct end *e, const char *label, enum rtc_dcep_reliability rel,
                        uint32_t param, bool unordered)
{
	struct rtc_dcep_open open = {.reliability = rel, .param = param, .unordered = unordered};

	g_strlcpy(open.label, label, sizeof(open.label));
	return rtc_sctp_open_channel(e->sctp, &open);
}

static void assert_message(struct end *e, guint i, const void *want, size_t len, bool binary)
{
	gsize n;
	const void *got = g_bytes_get_data(g_ptr_array_index(e->messages, i), &n);

	g_assert_cmpmem(got, n, want, len);
	g_assert_cmpint(g_array_index(e->binary, gboolean, i), ==, binary);
}

static void test_open_and_talk(void)
{
	static const char hello[] = "\x04\x01\x04KeyA";
	int id;

	setup(0);
	id = open_channel(&net.a, "input", RTC_DCEP_RELIABLE, 0, false);
	g_assert_cmpint(id, ==, 0); /* the DTLS client's ids are even */
	g_assert_true(rtc_sctp_send(net.a.sctp, (uint16_t)id, true, (const uint8_t *)hello,
	                            sizeof(hello) - 1));
	wait_opened(&net.b, 1);
	g_assert_cmpstr(g_ptr_array_index(net.b.opened, 0), ==, "input");
	g_assert_cmpuint(net.b.last_open_id, ==, 0);
	g_assert_cmpstr(rtc_sctp_channel_label(net.b.sctp, 0), ==, "input");
	wait_messages(&net.b, 1);
	assert_message(&net.b, 0, hello, sizeof(hello) - 1, true);

	/* the accepting side answers on the same stream, as a string */
	g_assert_true(rtc_sctp_send(net.b.sctp, 0, false, (const uint8_t *)"copied", 6));
	wait_messages(&net.a, 1);
	assert_message(&net.a, 0, "copied", 6, false);

	/* empty messages travel as one byte with the "empty" PPID, and arrive empty */
	g_assert_true(rtc_sctp_send(net.a.sctp, 0, false, NULL, 0));
	g_assert_true(rtc_sctp_send(net.a.sctp, 0, true, NULL, 0));
	wait_messages(&net.b, 3);
	assert_message(&net.b, 1, "", 0, false);
	assert_message(&net.b, 2, "", 0, true);

	/* a channel we open gets the odd ids of the DTLS server */
	g_assert_cmpint(open_channel(&net.b, "cursor", RTC_DCEP_PARTIAL_REXMIT, 0, true), ==, 1);
	wait_opened(&net.a, 1);
	g_assert_cmpstr(g_ptr_array_index(net.a.opened, 0), ==, "cursor");
	g_assert_false(rtc_sctp_send(net.b.sctp, 7, true, (const uint8_t *)"x", 1));
	teardown();
}

static void test_large_messages(void)
{
	g_autofree uint8_t *big = g_malloc(RTC_SCTP_MAX_MESSAGE + 1);
	int id;

	for (size_t i = 0; i < RTC_SCTP_MAX_MESSAGE + 1; i++)
		big[i] = (uint8_t)(i * 7 + i / 251);
	setup(0.05); /* and some loss, so fragments are retransmitted */
	id = open_channel(&net.a, "clipboard", RTC_DCEP_RELIABLE, 0, false);
	g_assert_cmpint(id, >=, 0);
	/* the largest message goes, one byte more is refused before it is queued */
	g_assert_true(rtc_sctp_send(net.a.sctp, (uint16_t)id, false, big, RTC_SCTP_MAX_MESSAGE));
	g_assert_false(
	        rtc_sctp_send(net.a.sctp, (uint16_t)id, false, big, RTC_SCTP_MAX_MESSAGE + 1));
	g_assert_true(rtc_sctp_send(net.a.sctp, (uint16_t)id, false, big + 1, 1000));
	wait_messages(&net.b, 2);
	assert_message(&net.b, 0, big, RTC_SCTP_MAX_MESSAGE, false);
	assert_message(&net.b, 1, big + 1, 1000, false);
	g_assert_cmpuint(net.lost, >, 0);
	teardown();
}

/* A browser that takes 64 KiB a message (aiortc, webrtcbin): a larger one (a 128×128
 * cursor image is 65545 bytes) is refused at once and every time, never queued, and
 * what fits still goes after it. */
static void test_peer_limit(void)
{
	g_autofree uint8_t *big = g_malloc0(65545);
	int id;

	wayrtc_max_send = 65536;
	setup(0);
	wayrtc_max_send = RTC_SCTP_MAX_MESSAGE;
	id = open_channel(&net.b, "cursor", RTC_DCEP_RELIABLE, 0, false);
	g_assert_cmpint(id, >=, 0);
	for (int i = 0; i < 3; i++)
		g_assert_false(rtc_sctp_send(net.b.sctp, (uint16_t)id, true, big, 65545));
	g_assert_true(rtc_sctp_send(net.b.sctp, (uint16_t)id, true, big, 65536));
	g_assert_true(rtc_sctp_send(net.b.sctp, (uint16_t)id, true, (const uint8_t *)"\x01", 1));
	wait_messages(&net.a, 2);
	g_assert_cmpuint(g_bytes_get_size(g_ptr_array_index(net.a.messages, 0)), ==, 65536);
	assert_message(&net.a, 1, "\x01", 1, true);
	/* the other way the browser's own limit holds, not ours */
	g_assert_true(rtc_sctp_send(net.a.sctp, (uint16_t)id, true, big, 65545));
	wait_messages(&net.b, 1);
	teardown();
}

static void test_reliable_under_loss(void)
{
	int id;

	setup(0.2);
	id = open_channel(&net.a, "input", RTC_DCEP_RELIABLE, 0, false);
	for (unsigned i = 0; i < 100; i++) {
		uint8_t msg[2] = {(uint8_t)i, (uint8_t)~i};

		g_assert_true(rtc_sctp_send(net.a.sctp, (uint16_t)id, true, msg, sizeof(msg)));
	}
	wait_messages(&net.b, 100);
	/* every key press arrives, once, in order */
	for (unsigned i = 0; i < 100; i++) {
		uint8_t msg[2] = {(uint8_t)i, (uint8_t)~i};

		assert_message(&net.b, i, msg, sizeof(msg), true);
	}
	g_assert_cmpuint(net.lost, >, 0);
	teardown();
}

static void test_unreliable(void)
{
	int id;

	setup(0);
	id = open_channel(&net.a, "pointer", RTC_DCEP_PARTIAL_REXMIT, 0, true);
	wait_opened(&net.b, 1);
	/* what arrives arrives whole; with a lossy link some is simply gone, never resent */
	net.loss = 0.3;
	for (unsigned i = 0; i < 200; i++) {
		uint8_t msg[5] = {1, (uint8_t)i, 0, (uint8_t)(i * 3), 0};

		g_assert_true(rtc_sctp_send(net.a.sctp, (uint16_t)id, true, msg, sizeof(msg)));
	}
	run_for(1500);
	g_assert_cmpuint(net.b.messages->len, >, 50);
	g_assert_cmpuint(net.b.messages->len, <, 200);
	for (guint i = 0; i < net.b.messages->len; i++) {
		gsize n;
		const uint8_t *m = g_bytes_get_data(g_ptr_array_index(net.b.messages, i), &n);

		g_assert_cmpuint(n, ==, 5);
		g_assert_cmpuint(m[0], ==, 1);
		g_assert_cmpuint(m[3], ==, (uint8_t)(m[1] * 3));
	}
	teardown();
}

static void test_close_channel(void)
{
	int input, pointer;

	setup(0);
	input = open_channel(&net.a, "input", RTC_DCEP_RELIABLE, 0, false);
	pointer = open_channel(&net.a, "pointer", RTC_DCEP_PARTIAL_REXMIT, 0, true);
	wait_opened(&net.b, 2);
	/* the browser closes one channel: a stream reset, which we answer with ours */
	rtc_sctp_close_channel(net.a.sctp, (uint16_t)input);
	want_end = &net.b;
	want_n = 1;
	wait_for(have_closed_ids, "the channel to close");
	g_assert_cmpuint(g_array_index(net.b.closed_ids, uint16_t, 0), ==, input);
	g_assert_null(rtc_sctp_channel_label(net.b.sctp, (uint16_t)input));
	g_assert_false(rtc_sctp_send(net.b.sctp, (uint16_t)input, true, (const uint8_t *)"x", 1));
	/* the other one still works */
	g_assert_cmpstr(rtc_sctp_channel_label(net.b.sctp, (uint16_t)pointer), ==, "pointer");
	g_assert_true(rtc_sctp_send(net.a.sctp, (uint16_t)pointer, true, (const uint8_t *)"y", 1));
	wait_messages(&net.b, 1);
	teardown();
}

static void test_channel_limit(void)
{
	uint16_t ids[RTC_SCTP_MAX_CHANNELS];

	setup(0);
	/* the opener's own table is as small as ours: it cannot go past the limit either */
	for (unsigned i = 0; i < RTC_SCTP_MAX_CHANNELS; i++)
		g_assert_cmpint(open_channel(&net.a, "c", RTC_DCEP_RELIABLE, 0, false), >=, 0);
	g_assert_cmpint(open_channel(&net.a, "one too many", RTC_DCEP_RELIABLE, 0, false), ==, -1);
	wait_opened(&net.b, RTC_SCTP_MAX_CHANNELS);
	g_assert_cmpuint(rtc_sctp_get_channels(net.b.sctp, ids), ==, RTC_SCTP_MAX_CHANNELS);
	teardown();
}

static void test_abort(void)
{
	int id;

	setup(0);
	id = open_channel(&net.a, "input", RTC_DCEP_RELIABLE, 0, false);
	wait_opened(&net.b, 1);
	g_assert_cmpint(id, >=, 0);
	/* the browser goes away: its ABORT ends our association, in words */
	rtc_sctp_free(net.a.sctp);
	net.a.sctp = NULL;
	want_end = &net.b;
	wait_for(have_closed, "the association to end");
	g_assert_nonnull(strstr(net.b.closed_reason, "data channels"));
	g_assert_false(rtc_sctp_send(net.b.sctp, (uint16_t)id, true, (const uint8_t *)"x", 1));
	teardown();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sctp/open-and-talk", test_open_and_talk);
	g_test_add_func("/sctp/large-messages", test_large_messages);
	g_test_add_func("/sctp/peer-limit", test_peer_limit);
	g_test_add_func("/sctp/reliable-under-loss", test_reliable_under_loss);
	g_test_add_func("/sctp/unreliable", test_unreliable);
	g_test_add_func("/sctp/close-channel", test_close_channel);
	g_test_add_func("/sctp/channel-limit", test_channel_limit);
	g_test_add_func("/sctp/abort", test_abort);
	return g_test_run();
}
