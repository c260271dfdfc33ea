/* SCTP data channels (src/rtc/sctp.c over usrsctp): two real associations in one process,
 * "browser" and "wayrtc", packets carried between them in memory. The input is a script
 * the browser follows: open channels (DCEP), send messages of any size up to past the
 * limit, close channels, and inject raw SCTP packets into wayrtc's side (given the
 * association's ports, verification tag and a correct CRC32c, so usrsctp parses them).
 * wayrtc must deliver only whole messages within RTC_SCTP_MAX_MESSAGE, byte for byte what
 * was sent unless raw packets were mixed in, and never hold more channels than the cap. */
#include <stdlib.h>
#include <string.h>

#include "rtc/sctp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MTU       1150
#define MAX_STEPS 4096 /* packet deliveries per operation */

struct end {
	struct rtc_sctp *sctp;
	struct end *other;
	bool is_wayrtc;
	unsigned open_channels;
	bool closed;
};

static struct end browser, wayrtc;
static GQueue packets;          /* GBytes *, tagged by the low bit of their queue slot's end */
static GQueue targets;          /* struct end * for each packet, same order */
static uint8_t last_header[12]; /* of the newest browser → wayrtc packet */
static bool have_header, raw_injected;

static void on_send(void *data, const uint8_t *buf, size_t len)
{
	struct end *from = data;

	if (len > MTU)
		abort();
	if (!from->is_wayrtc && len >= 12) {
		memcpy(last_header, buf, 12);
		have_header = true;
	}
	g_queue_push_tail(&packets, g_bytes_new(buf, len));
	g_queue_push_tail(&targets, from->other);
}

static void on_open(void *data, uint16_t id, const struct rtc_dcep_open *open)
{
	struct end *e = data;

	if (++e->open_channels > RTC_SCTP_MAX_CHANNELS)
		abort();
}

/* What the browser's messages hold: each byte tells its offset and the length. */
static uint8_t pattern(size_t len, size_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) + len);
}

static void on_message(void *data, uint16_t id, bool binary, const uint8_t *buf, size_t len)
{
	struct end *e = data;

	if (len > RTC_SCTP_MAX_MESSAGE)
		abort();
	if (e->is_wayrtc && !raw_injected) {
		for (size_t i = 0; i < len; i++) {
			if (buf[i] != pattern(len, i))
				abort();
		}
	}
}

static void on_channel_closed(void *data, uint16_t id)
{
	struct end *e = data;

	/* wayrtc holds only channels the browser opened, each reported once */
	if (e->is_wayrtc && e->open_channels == 0)
		abort();
	if (e->open_channels)
		e->open_channels--;
}

static void on_closed(void *data, const char *reason)
{
	struct end *e = data;

	if (!reason || !reason[0])
		abort();
	e->closed = true;
}

static const struct rtc_sctp_listener listener = {
        .send = on_send,
        .channel_open = on_open,
        .message = on_message,
        .channel_closed = on_channel_closed,
        .closed = on_closed,
};

static void pump(void)
{
	for (int steps = 0; steps < MAX_STEPS; steps++) {
		GBytes *bytes = g_queue_pop_head(&packets);
		struct end *to = g_queue_pop_head(&targets);
		gsize len;
		const uint8_t *buf;

		if (!bytes) {
			if (!g_main_context_iteration(NULL, FALSE))
				return;
			continue;
		}
		buf = g_bytes_get_data(bytes, &len);
		if (to->sctp)
			rtc_sctp_handle(to->sctp, buf, len);
		g_bytes_unref(bytes);
	}
}

static void end_init(struct end *e, struct end *other, bool is_wayrtc)
{
	struct rtc_sctp_config config = {
	        .remote_port = RTC_SCTP_PORT,
	        .mtu = MTU,
	        .max_send = RTC_SCTP_MAX_MESSAGE + 4096, /* the browser may try more */
	        .dtls_server = is_wayrtc,
	};

	memset(e, 0, sizeof(*e));
	e->other = other;
	e->is_wayrtc = is_wayrtc;
	e->sctp = rtc_sctp_new(&config, &listener, e, NULL);
	if (!e->sctp)
		abort();
}

/* CRC32c (Castagnoli, reflected), as SCTP's common header carries it (RFC 9260 appx A). */
static uint32_t crc32c(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
	}
	return ~crc;
}

static void inject(const uint8_t *chunks, size_t len)
{
	uint8_t pkt[MTU];
	uint32_t crc;

	if (!have_header || len > MTU - 12)
		return;
	memcpy(pkt, last_header, 12);
	memcpy(pkt + 12, chunks, len);
	memset(pkt + 8, 0, 4);
	crc = crc32c(pkt, 12 + len);
	/* the checksum goes on the wire least significant byte first */
	pkt[8] = (uint8_t)crc;
	pkt[9] = (uint8_t)(crc >> 8);
	pkt[10] = (uint8_t)(crc >> 16);
	pkt[11] = (uint8_t)(crc >> 24);
	raw_injected = true;
	rtc_sctp_handle(wayrtc.sctp, pkt, 12 + len);
}

static void send_message(uint16_t id, bool binary, size_t len)
{
	uint8_t *buf = g_malloc(len ? len : 1);

	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(len, i);
	rtc_sctp_send(browser.sctp, id, binary, buf, len);
	g_free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t ids[64];
	unsigned n_ids = 0;
	size_t at = 0;

	end_init(&browser, &wayrtc, false);
	end_init(&wayrtc, &browser, true);
	have_header = raw_injected = false;
	pump();
	while (at + 2 <= size && !browser.closed && !wayrtc.closed) {
		uint8_t op = data[at], arg = data[at + 1];

		at += 2;
		switch (op % 6) {
		case 0: { /* open a channel, the label from the input */
			struct rtc_dcep_open open = {
			        .reliability = arg % 3, .param = arg / 3, .unordered = arg & 0x80};
			size_t n = MIN((size_t)(arg % 32), size - at);
			int id;

			memcpy(open.label, data + at, MIN(n, sizeof(open.label) - 1));
			at += n;
			id = rtc_sctp_open_channel(browser.sctp, &open);
			if (id >= 0 && n_ids < G_N_ELEMENTS(ids))
				ids[n_ids++] = (uint16_t)id;
			break;
		}
		case 1: /* a small message */
			if (n_ids)
				send_message(ids[arg % n_ids], arg & 1, arg);
			break;
		case 2: /* one near the limit, on either side of it */
			if (n_ids)
				send_message(ids[arg % n_ids], arg & 1,
				             RTC_SCTP_MAX_MESSAGE - 2048 + (size_t)arg * 16);
			break;
		case 3: /* close one */
			if (n_ids)
				rtc_sctp_close_channel(browser.sctp, ids[arg % n_ids]);
			break;
		case 4: { /* raw chunks into wayrtc's side */
			size_t n = MIN((size_t)arg, size - at);

			inject(data + at, n);
			at += n;
			break;
		}
		default: /* wayrtc answers on a channel it holds */
			if (n_ids)
				rtc_sctp_send(wayrtc.sctp, ids[arg % n_ids], true, data,
				              MIN(size, 64));
			break;
		}
		pump();
	}
	rtc_sctp_free(browser.sctp);
	rtc_sctp_free(wayrtc.sctp);
	browser.sctp = wayrtc.sctp = NULL;
	pump();
	while (!g_queue_is_empty(&packets)) {
		g_bytes_unref(g_queue_pop_head(&packets));
		g_queue_pop_head(&targets);
	}
	return 0;
}
