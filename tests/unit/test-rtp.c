/* RTP: H.264 FU-A and VP8 packetization reassemble to the input, within the size limit,
 * with the marker on the last packet and the playout-delay extension on every one. */
#include <glib.h>
#include <string.h>

#include "rtc/rtp.h"

struct collected {
	GPtrArray *packets; /* GBytes */
};

static void collect(void *data, const uint8_t *pkt, size_t len)
{
	struct collected *c = data;

	g_assert_cmpuint(len, <=, RTC_RTP_MAX);
	g_ptr_array_add(c->packets, g_bytes_new(pkt, len));
}

static void check_common(struct collected *c, uint32_t ssrc, uint32_t ts, uint8_t pt)
{
	struct rtp_header h, first;

	for (guint i = 0; i < c->packets->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(g_ptr_array_index(c->packets, i), &len);

		g_assert_true(rtp_header_parse(p, len, &h));
		if (i == 0)
			first = h;
		g_assert_cmpuint(h.ssrc, ==, ssrc);
		g_assert_cmpuint(h.timestamp, ==, ts);
		g_assert_cmpuint(h.payload_type, ==, pt);
		g_assert_cmpuint(h.seq, ==, (uint16_t)(first.seq + i));
		g_assert_cmpint(h.marker, ==, i + 1 == c->packets->len);
		/* one-byte extension: 0xBEDE, 1 word, id 1 len 3, min = max = 0 */
		g_assert_cmpuint(p[0] & 0x10, ==, 0x10);
		g_assert_cmpuint(p[12], ==, 0xBE);
		g_assert_cmpuint(p[13], ==, 0xDE);
		g_assert_cmpuint(p[15], ==, 1);
		g_assert_cmpuint(p[16], ==, (RTC_EXT_PLAYOUT_DELAY << 4) | 2);
		g_assert_cmpuint(p[17] | p[18] | p[19], ==, 0);
		g_assert_cmpuint(h.header_len, ==, 20);
	}
}

static void test_h264(void)
{
	struct rtp_packetizer p;
	struct collected c = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref)};
	GByteArray *au = g_byte_array_new(), *out = g_byte_array_new();
	static const uint8_t sc4[] = {0, 0, 0, 1}, sc3[] = {0, 0, 1};
	static const uint8_t aud[] = {0x09, 0xf0};
	static const uint8_t sps[] = {0x67, 0x42, 0xe0, 0x1f, 0xaa};
	static const uint8_t pps[] = {0x68, 0xce, 0x3c, 0x80};
	uint8_t idr[5000];
	size_t n;

	idr[0] = 0x65;
	for (size_t i = 1; i < sizeof(idr); i++)
		idr[i] = (uint8_t)(i * 7 + 1) | 1; /* no accidental start codes */
	g_byte_array_append(au, sc4, 4);
	g_byte_array_append(au, aud, sizeof(aud));
	g_byte_array_append(au, sc4, 4);
	g_byte_array_append(au, sps, sizeof(sps));
	g_byte_array_append(au, sc3, 3);
	g_byte_array_append(au, pps, sizeof(pps));
	g_byte_array_append(au, sc4, 4);
	g_byte_array_append(au, idr, sizeof(idr));

	rtp_packetizer_init(&p, RTC_CODEC_H264, 0xdeadbeef);
	n = rtp_packetize(&p, au->data, au->len, 9000, true, collect, &c);
	g_assert_cmpuint(n, ==, c.packets->len);
	/* SPS, PPS single; IDR 5000 bytes in FU-A of at most 1200-20-2 bytes each */
	g_assert_cmpuint(n, ==, 2 + (sizeof(idr) - 1 + 1177) / 1178);
	check_common(&c, 0xdeadbeef, 9000, RTC_PT_H264);

	for (guint i = 0; i < c.packets->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(c.packets, i), &len);
		const uint8_t *pl = pkt + 20;
		size_t plen = len - 20;

		if ((pl[0] & 0x1f) == 28) {
			bool start = pl[1] & 0x80, end = pl[1] & 0x40;

			g_assert_cmpuint(start, ==, i == 2);
			g_assert_cmpuint(end, ==, i + 1 == c.packets->len);
			if (start) {
				uint8_t hdr = (pl[0] & 0xe0) | (pl[1] & 0x1f);

				g_byte_array_append(out, sc4, 4);
				g_byte_array_append(out, &hdr, 1);
			}
			g_byte_array_append(out, pl + 2, plen - 2);
		} else {
			g_byte_array_append(out, sc4, 4);
			g_byte_array_append(out, pl, plen);
		}
	}
	/* the AUD is dropped; everything else comes back byte for byte */
	/* less the AUD (4 + 2), plus one byte where PPS had a 3-byte start code */
	g_assert_cmpuint(out->len, ==, au->len - 6 + 1);
	g_assert_cmpmem(out->data + 4, sizeof(sps), sps, sizeof(sps));
	g_assert_cmpmem(out->data + out->len - sizeof(idr), sizeof(idr), idr, sizeof(idr));
	g_byte_array_unref(au);
	g_byte_array_unref(out);
	g_ptr_array_unref(c.packets);
}

static void test_vp8(void)
{
	struct rtp_packetizer p;
	struct collected c = {g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref)};
	uint8_t frame[3000];
	GByteArray *out = g_byte_array_new();
	uint16_t pid0 = 0;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	rtp_packetizer_init(&p, RTC_CODEC_VP8, 7);
	g_assert_cmpuint(rtp_packetize(&p, frame, sizeof(frame), 1, true, collect, &c), ==, 3);
	check_common(&c, 7, 1, RTC_PT_VP8);
	for (guint i = 0; i < c.packets->len; i++) {
		gsize len;
		const uint8_t *pl =
		        (const uint8_t *)g_bytes_get_data(g_ptr_array_index(c.packets, i), &len) +
		        20;
		uint16_t pid = (uint16_t)((pl[2] & 0x7f) << 8 | pl[3]);

		g_assert_cmpuint(pl[0] & 0x80, ==, 0x80);       /* X */
		g_assert_cmpuint(!!(pl[0] & 0x10), ==, i == 0); /* S */
		g_assert_cmpuint(pl[1], ==, 0x80);              /* I */
		g_assert_cmpuint(pl[2] & 0x80, ==, 0x80);       /* M: 15-bit id */
		if (i == 0)
			pid0 = pid;
		g_assert_cmpuint(pid, ==, pid0);
		g_byte_array_append(out, pl + 4, len - 24);
	}
	g_assert_cmpmem(out->data, out->len, frame, sizeof(frame));
	/* the next frame gets the next picture id */
	g_ptr_array_set_size(c.packets, 0);
	rtp_packetize(&p, frame, 10, 2, false, collect, &c);
	{
		const uint8_t *pl =
		        (const uint8_t *)g_bytes_get_data(g_ptr_array_index(c.packets, 0), NULL) +
		        20;
		g_assert_cmpuint((uint16_t)((pl[2] & 0x7f) << 8 | pl[3]), ==, (pid0 + 1) & 0x7fff);
	}
	g_byte_array_unref(out);
	g_ptr_array_unref(c.packets);
}

static void test_header_parse(void)
{
	struct rtp_header h;
	uint8_t pkt[32] = {0x80, 0xe6, 0x12, 0x34, 0, 0, 0, 9, 0, 0, 0, 5};

	g_assert_true(rtp_header_parse(pkt, 12, &h));
	g_assert_true(h.marker);
	g_assert_cmpuint(h.payload_type, ==, 102);
	g_assert_cmpuint(h.seq, ==, 0x1234);
	g_assert_cmpuint(h.payload_len, ==, 0);
	g_assert_false(rtp_header_parse(pkt, 11, &h)); /* short */
	pkt[0] = 0x8f;                                 /* 15 CSRCs: 72 bytes */
	g_assert_false(rtp_header_parse(pkt, 32, &h));
	pkt[0] = 0x90; /* extension running past the end */
	pkt[14] = 0;
	pkt[15] = 9;
	g_assert_false(rtp_header_parse(pkt, 32, &h));
	pkt[0] = 0xa0; /* padding larger than the payload */
	pkt[31] = 40;
	g_assert_false(rtp_header_parse(pkt, 32, &h));
	pkt[31] = 4;
	g_assert_true(rtp_header_parse(pkt, 32, &h));
	g_assert_cmpuint(h.payload_len, ==, 16);
	pkt[0] = 0x40; /* version 1 */
	g_assert_false(rtp_header_parse(pkt, 32, &h));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rtp/h264", test_h264);
	g_test_add_func("/rtp/vp8", test_vp8);
	g_test_add_func("/rtp/header-parse", test_header_parse);
	return g_test_run();
}
