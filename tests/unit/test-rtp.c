/* RTP: H.264 (single NAL, STAP-A, FU-A) and VP8 packetization reassemble to the input,
 * within the size limit, with the marker on the last packet, contiguous sequence numbers
 * and the playout-delay extension on every packet; Opus goes one packet per packet, with
 * no extension and no marker; header parsing refuses bad packets. Known answers: a real
 * H.264 access unit and VP8 keyframe (tests/unit/data/) come out as GStreamer's own
 * payloaders packetise them. */
#include <glib.h>
#include <string.h>

#include "rtc/rtp.h"

#define HDR_EXT 24 /* 12-byte header + 12-byte extension (playout delay, twcc slot) */

static const uint8_t sc4[] = {0, 0, 0, 1};

static void collect(void *data, const uint8_t *pkt, size_t len)
{
	GPtrArray *packets = data;

	g_assert_cmpuint(len, <=, RTC_RTP_MAX);
	g_ptr_array_add(packets, g_bytes_new(pkt, len));
}

static GPtrArray *packets_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

static const uint8_t *packet(GPtrArray *packets, guint i, size_t *len)
{
	gsize n;
	const uint8_t *p = g_bytes_get_data(g_ptr_array_index(packets, i), &n);

	*len = n;
	return p;
}

/* What every packet of one frame shares. */
static void check_common(GPtrArray *packets, uint32_t ssrc, uint32_t ts, uint8_t pt, bool extension)
{
	struct rtc_rtp_header h;
	uint16_t first = 0;

	g_assert_cmpuint(packets->len, >, 0);
	for (guint i = 0; i < packets->len; i++) {
		size_t len;
		const uint8_t *p = packet(packets, i, &len);

		g_assert_true(rtc_rtp_header_parse(p, len, &h));
		if (i == 0)
			first = h.seq;
		g_assert_cmpuint(p[0] & 0xc0, ==, 0x80);
		g_assert_cmpuint(h.ssrc, ==, ssrc);
		g_assert_cmpuint(h.timestamp, ==, ts);
		g_assert_cmpuint(h.payload_type, ==, pt);
		g_assert_cmpuint(h.seq, ==, (uint16_t)(first + i));
		g_assert_cmpint(h.marker, ==, i + 1 == packets->len);
		g_assert_cmpuint(h.payload_len, >, 0);
		if (!extension) {
			g_assert_cmpuint(p[0] & 0x10, ==, 0);
			g_assert_cmpuint(h.header_len, ==, 12);
			continue;
		}
		/* RFC 8285 one-byte form: 0xBEDE, 2 words; id 1 len-1 = 2, min = max = 0; the
		 * transport-wide sequence number's slot, id 3 len-1 = 1, zero; one byte pad */
		g_assert_cmpuint(p[0] & 0x10, ==, 0x10);
		g_assert_cmpmem(
		        p + 12, 12,
		        ((const uint8_t[]){0xbe, 0xde, 0x00, 0x02, (RTC_EXT_PLAYOUT_DELAY << 4) | 2,
		                           0, 0, 0, (RTC_EXT_TWCC << 4) | 1, 0, 0, 0}),
		        12);
		g_assert_cmpuint(h.header_len, ==, HDR_EXT);
	}
}

/* A receiver's view: single NAL units, STAP-A and FU-A back to Annex-B with 4-byte
 * start codes. Fails the test on any malformed packet. */
static GByteArray *h264_depacketize(GPtrArray *packets, guint *n_stap, guint *n_fu)
{
	GByteArray *out = g_byte_array_new();
	bool in_fu = false;

	*n_stap = *n_fu = 0;
	for (guint i = 0; i < packets->len; i++) {
		size_t len;
		const uint8_t *pkt = packet(packets, i, &len);
		struct rtc_rtp_header h;
		const uint8_t *pl;
		size_t plen;

		g_assert_true(rtc_rtp_header_parse(pkt, len, &h));
		pl = pkt + h.header_len;
		plen = h.payload_len;
		switch (pl[0] & 0x1f) {
		case 24: /* STAP-A */
			(*n_stap)++;
			g_assert_false(in_fu);
			for (size_t off = 1; off < plen;) {
				size_t n;

				g_assert_cmpuint(off + 2, <=, plen);
				n = (size_t)pl[off] << 8 | pl[off + 1];
				g_assert_cmpuint(n, >, 0);
				g_assert_cmpuint(off + 2 + n, <=, plen);
				g_byte_array_append(out, sc4, 4);
				g_byte_array_append(out, pl + off + 2, (guint)n);
				off += 2 + n;
			}
			break;
		case 28: { /* FU-A */
			bool start = pl[1] & 0x80, end = pl[1] & 0x40;

			(*n_fu)++;
			g_assert_cmpuint(plen, >, 2);
			g_assert_true(start != in_fu);
			if (start) {
				uint8_t hdr = (pl[0] & 0xe0) | (pl[1] & 0x1f);

				g_byte_array_append(out, sc4, 4);
				g_byte_array_append(out, &hdr, 1);
			}
			g_byte_array_append(out, pl + 2, (guint)plen - 2);
			in_fu = !end;
			break;
		}
		default:
			g_assert_false(in_fu);
			g_assert_cmpuint(pl[0] & 0x1f, >=, 1);
			g_assert_cmpuint(pl[0] & 0x1f, <=, 23);
			g_byte_array_append(out, sc4, 4);
			g_byte_array_append(out, pl, (guint)plen);
		}
	}
	g_assert_false(in_fu);
	return out;
}

/* Bytes without any accidental start code, and a NAL header of the given type. */
static void fill_nal(uint8_t *nal, size_t len, uint8_t header)
{
	nal[0] = header;
	for (size_t i = 1; i < len; i++)
		nal[i] = (uint8_t)(i * 7 + 1) | 1;
}

static void test_h264_keyframe(void)
{
	struct rtc_rtp_packetizer p;
	g_autoptr(GPtrArray) packets = packets_new();
	g_autoptr(GByteArray) au = g_byte_array_new();
	g_autoptr(GByteArray) want = g_byte_array_new();
	g_autoptr(GByteArray) got = NULL;
	static const uint8_t sc3[] = {0, 0, 1};
	static const uint8_t aud[] = {0x09, 0xf0};
	static const uint8_t sps[] = {0x67, 0x42, 0xe0, 0x1f, 0xaa};
	static const uint8_t pps[] = {0x68, 0xce, 0x3c, 0x80};
	uint8_t idr[5000];
	guint n_stap, n_fu;
	size_t n, len;
	const uint8_t *first;

	fill_nal(idr, sizeof(idr), 0x65);
	g_byte_array_append(au, sc4, 4);
	g_byte_array_append(au, aud, sizeof(aud));
	g_byte_array_append(au, sc4, 4);
	g_byte_array_append(au, sps, sizeof(sps));
	g_byte_array_append(au, sc3, 3);
	g_byte_array_append(au, pps, sizeof(pps));
	g_byte_array_append(au, sc4, 4);
	g_byte_array_append(au, idr, sizeof(idr));
	/* the access unit without its AUD, every start code 4 bytes */
	g_byte_array_append(want, sc4, 4);
	g_byte_array_append(want, sps, sizeof(sps));
	g_byte_array_append(want, sc4, 4);
	g_byte_array_append(want, pps, sizeof(pps));
	g_byte_array_append(want, sc4, 4);
	g_byte_array_append(want, idr, sizeof(idr));

	rtc_rtp_packetizer_init(&p, RTC_CODEC_H264, 0xdeadbeef);
	g_assert_cmpuint(p.playout_delay_id, ==, RTC_EXT_PLAYOUT_DELAY);
	n = rtc_rtp_packetize(&p, au->data, au->len, 9000, true, collect, packets);
	g_assert_cmpuint(n, ==, packets->len);
	/* SPS + PPS in one STAP-A; the IDR in FU-A fragments of 1200 - 24 - 2 bytes */
	g_assert_cmpuint(n, ==, 1 + (sizeof(idr) - 1 + 1173) / 1174);
	check_common(packets, 0xdeadbeef, 9000, RTC_PT_H264, true);

	first = packet(packets, 0, &len);
	g_assert_cmpuint(len, ==, HDR_EXT + 1 + 2 + sizeof(sps) + 2 + sizeof(pps));
	g_assert_cmpuint(first[HDR_EXT], ==, 0x60 | 24); /* NRI 3 (max of SPS, PPS) */
	g_assert_cmpuint(first[HDR_EXT + 1], ==, 0);
	g_assert_cmpuint(first[HDR_EXT + 2], ==, sizeof(sps));
	/* FU-A: indicator NRI from the IDR, S on the first, E on the last fragment */
	first = packet(packets, 1, &len);
	g_assert_cmpuint(len, ==, RTC_RTP_MAX);
	g_assert_cmpuint(first[HDR_EXT], ==, 0x60 | 28);
	g_assert_cmpuint(first[HDR_EXT + 1], ==, 0x80 | 5);
	first = packet(packets, packets->len - 1, &len);
	g_assert_cmpuint(first[HDR_EXT + 1], ==, 0x40 | 5);

	got = h264_depacketize(packets, &n_stap, &n_fu);
	g_assert_cmpuint(n_stap, ==, 1);
	g_assert_cmpuint(n_fu, ==, n - 1);
	g_assert_cmpmem(got->data, got->len, want->data, want->len);
}

/* Packetize one Annex-B unit and return the depacketized bytes. */
static GByteArray *roundtrip(struct rtc_rtp_packetizer *p, const uint8_t *au, size_t len,
                             size_t want_packets, guint *n_stap, guint *n_fu)
{
	g_autoptr(GPtrArray) packets = packets_new();

	g_assert_cmpuint(rtc_rtp_packetize(p, au, len, 1, false, collect, packets), ==,
	                 want_packets);
	g_assert_cmpuint(packets->len, ==, want_packets);
	if (want_packets)
		check_common(packets, 5, 1, RTC_PT_H264, p->playout_delay_id != 0);
	return h264_depacketize(packets, n_stap, n_fu);
}

/* The size boundaries between single NAL, STAP-A and FU-A. */
static void test_h264_sizes(void)
{
	const size_t room = RTC_RTP_MAX - HDR_EXT;
	struct rtc_rtp_packetizer p;
	g_autofree uint8_t *au = g_malloc(4 + room + 12);
	g_autoptr(GByteArray) small = g_byte_array_new();
	GByteArray *got;
	guint n_stap, n_fu;

	rtc_rtp_packetizer_init(&p, RTC_CODEC_H264, 5);
	memcpy(au, sc4, 4);
	fill_nal(au + 4, room + 12, 0x41);
	/* exactly the room: one single-NAL packet; one byte more: two FU-A */
	got = roundtrip(&p, au, 4 + room, 1, &n_stap, &n_fu);
	g_assert_cmpmem(got->data, got->len, au, 4 + room);
	g_assert_cmpuint(n_fu, ==, 0);
	g_byte_array_unref(got);
	got = roundtrip(&p, au, 4 + room + 1, 2, &n_stap, &n_fu);
	g_assert_cmpmem(got->data, got->len, au, 4 + room + 1);
	g_assert_cmpuint(n_fu, ==, 2);
	g_byte_array_unref(got);
	/* too big to share a STAP-A with anything: alone, not fragmented */
	got = roundtrip(&p, au, 4 + room - 2, 1, &n_stap, &n_fu);
	g_assert_cmpuint(n_stap + n_fu, ==, 0);
	g_byte_array_unref(got);

	/* 20 NALs of 100 bytes: 11 fit in one STAP-A (1 + 11 * 102), the other 9 in a second */
	for (int i = 0; i < 20; i++) {
		uint8_t nal[100];

		fill_nal(nal, sizeof(nal), (uint8_t)(0x01 | (i & 3) << 5));
		g_byte_array_append(small, sc4, 4);
		g_byte_array_append(small, nal, sizeof(nal));
	}
	got = roundtrip(&p, small->data, small->len, 2, &n_stap, &n_fu);
	g_assert_cmpuint(n_stap, ==, 2);
	g_assert_cmpmem(got->data, got->len, small->data, small->len);
	g_byte_array_unref(got);

	/* 20 NALs of 3 bytes: a STAP-A holds at most 16 */
	g_byte_array_set_size(small, 0);
	for (int i = 0; i < 20; i++) {
		const uint8_t nal[] = {0x06, 0x05, (uint8_t)(i + 1)};

		g_byte_array_append(small, sc4, 4);
		g_byte_array_append(small, nal, sizeof(nal));
	}
	got = roundtrip(&p, small->data, small->len, 2, &n_stap, &n_fu);
	g_assert_cmpuint(n_stap, ==, 2);
	g_assert_cmpmem(got->data, got->len, small->data, small->len);
	g_byte_array_unref(got);

	/* without the extensions, 12 more bytes of payload fit */
	p.playout_delay_id = 0;
	p.twcc_id = 0;
	got = roundtrip(&p, au, 4 + room + 12, 1, &n_stap, &n_fu);
	g_assert_cmpmem(got->data, got->len, au, 4 + room + 12);
	g_byte_array_unref(got);
}

/* Odd Annex-B: trailing zeros, 3-byte codes, leading junk, nothing but an AUD. */
static void test_h264_annexb(void)
{
	struct rtc_rtp_packetizer p;
	guint n_stap, n_fu;
	GByteArray *got;
	static const uint8_t junk[] = {0xff, 0x00, 0x00, 0x01, 0x41, 0x9a, 0x00, 0x00,
	                               0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x00};
	static const uint8_t clean[] = {0, 0, 0, 1, 0x41, 0x9a, 0, 0, 0, 1, 0x01, 0x02};
	static const uint8_t only_aud[] = {0, 0, 0, 1, 0x09, 0x10, 0, 0, 1};
	static const uint8_t no_code[] = {0x65, 0x88, 0x84, 0x00};

	rtc_rtp_packetizer_init(&p, RTC_CODEC_H264, 5);
	got = roundtrip(&p, junk, sizeof(junk), 1, &n_stap, &n_fu);
	g_assert_cmpuint(n_stap, ==, 1);
	g_assert_cmpmem(got->data, got->len, clean, sizeof(clean));
	g_byte_array_unref(got);
	g_byte_array_unref(roundtrip(&p, only_aud, sizeof(only_aud), 0, &n_stap, &n_fu));
	g_byte_array_unref(roundtrip(&p, no_code, sizeof(no_code), 0, &n_stap, &n_fu));
	g_byte_array_unref(roundtrip(&p, NULL, 0, 0, &n_stap, &n_fu));
}

static void test_seq_wrap(void)
{
	struct rtc_rtp_packetizer p;
	g_autoptr(GPtrArray) packets = packets_new();
	uint8_t frame[2500];
	struct rtc_rtp_header h;
	size_t len;
	const uint8_t *pkt;

	memset(frame, 0xab, sizeof(frame));
	rtc_rtp_packetizer_init(&p, RTC_CODEC_VP8, 9);
	p.seq = 0xffff;
	g_assert_cmpuint(rtc_rtp_packetize(&p, frame, sizeof(frame), 7, true, collect, packets), ==,
	                 3);
	check_common(packets, 9, 7, RTC_PT_VP8, true);
	pkt = packet(packets, 2, &len);
	g_assert_true(rtc_rtp_header_parse(pkt, len, &h));
	g_assert_cmpuint(h.seq, ==, 1);
	g_assert_cmpuint(p.seq, ==, 2);
}

/* RFC 7587: one Opus packet per RTP packet, the caller's 48 kHz timestamps, the marker
 * clear, only the transport-wide sequence number's slot; sequence numbers run on across
 * packets and wrap. */
static void test_opus(void)
{
	struct rtc_rtp_packetizer p;
	g_autoptr(GPtrArray) packets = packets_new();
	uint8_t opus[RTC_RTP_MAX];
	struct rtc_rtp_header h;
	size_t len;
	const uint8_t *pkt;

	for (size_t i = 0; i < sizeof(opus); i++)
		opus[i] = (uint8_t)(i * 7);
	rtc_rtp_packetizer_init_opus(&p, 0xa0d10);
	g_assert_cmpuint(p.payload_type, ==, RTC_PT_OPUS);
	g_assert_cmpuint(p.playout_delay_id, ==, 0);
	p.seq = 0xfffe;
	for (unsigned i = 0; i < 4; i++)
		g_assert_cmpuint(
		        rtc_rtp_packetize_opus(&p, opus, 120, 1000 + i * 480, collect, packets), ==,
		        1);
	g_assert_cmpuint(packets->len, ==, 4);
	for (unsigned i = 0; i < 4; i++) {
		pkt = packet(packets, i, &len);
		g_assert_cmpuint(len, ==, 20 + 120);
		g_assert_true(rtc_rtp_header_parse(pkt, len, &h));
		g_assert_cmpuint(pkt[0], ==, 0x90); /* V=2, an extension, no padding or CSRC */
		g_assert_cmpmem(
		        pkt + 12, 8,
		        ((const uint8_t[]){0xbe, 0xde, 0, 1, (RTC_EXT_TWCC << 4) | 1, 0, 0, 0}), 8);
		g_assert_false(h.marker);
		g_assert_cmpuint(h.payload_type, ==, RTC_PT_OPUS);
		g_assert_cmpuint(h.ssrc, ==, 0xa0d10);
		g_assert_cmpuint(h.seq, ==, (uint16_t)(0xfffe + i));
		g_assert_cmpuint(h.timestamp, ==, 1000 + i * 480);
		g_assert_cmpuint(h.header_len, ==, 20);
		g_assert_cmpmem(pkt + 20, 120, opus, 120);
	}
	/* the largest that fits goes whole; one byte more, or nothing, is not sent at all */
	g_assert_cmpuint(rtc_rtp_packetize_opus(&p, opus, RTC_RTP_MAX - 20, 0, collect, packets),
	                 ==, 1);
	g_assert_cmpuint(rtc_rtp_packetize_opus(&p, opus, RTC_RTP_MAX - 19, 0, collect, packets),
	                 ==, 0);
	g_assert_cmpuint(rtc_rtp_packetize_opus(&p, opus, 0, 0, collect, packets), ==, 0);
	g_assert_cmpuint(packets->len, ==, 5);
	g_assert_cmpuint(p.seq, ==, 3);
}

static void test_vp8(void)
{
	struct rtc_rtp_packetizer p;
	g_autoptr(GPtrArray) packets = packets_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	uint8_t frame[3000];
	uint16_t pid0 = 0;
	size_t len;
	const uint8_t *pl;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	rtc_rtp_packetizer_init(&p, RTC_CODEC_VP8, 7);
	/* 1200 - 24 - 4 = 1172 bytes of frame per packet */
	g_assert_cmpuint(rtc_rtp_packetize(&p, frame, sizeof(frame), 1, true, collect, packets), ==,
	                 3);
	check_common(packets, 7, 1, RTC_PT_VP8, true);
	for (guint i = 0; i < packets->len; i++) {
		uint16_t pid;

		pl = packet(packets, i, &len) + HDR_EXT;
		pid = (uint16_t)((pl[2] & 0x7f) << 8 | pl[3]);
		/* X=1, S on the first packet only, PID=0; I=1; M=1 (15-bit picture id) */
		g_assert_cmpuint(pl[0], ==, i == 0 ? 0x90 : 0x80);
		g_assert_cmpuint(pl[1], ==, 0x80);
		g_assert_cmpuint(pl[2] & 0x80, ==, 0x80);
		if (i == 0)
			pid0 = pid;
		g_assert_cmpuint(pid, ==, pid0);
		g_assert_cmpuint(len, ==, i < 2 ? RTC_RTP_MAX : HDR_EXT + 4 + 3000 - 2 * 1172);
		g_byte_array_append(out, pl + 4, (guint)(len - HDR_EXT - 4));
	}
	g_assert_cmpmem(out->data, out->len, frame, sizeof(frame));

	/* the next frame gets the next picture id, wrapping at 15 bits */
	p.vp8_picture_id = 0x7fff;
	g_ptr_array_set_size(packets, 0);
	rtc_rtp_packetize(&p, frame, 10, 2, false, collect, packets);
	rtc_rtp_packetize(&p, frame, 10, 3, false, collect, packets);
	g_assert_cmpuint(packets->len, ==, 2);
	pl = packet(packets, 0, &len) + HDR_EXT;
	g_assert_cmpuint(len, ==, HDR_EXT + 4 + 10);
	g_assert_cmpuint(pl[2], ==, 0xff);
	g_assert_cmpuint(pl[3], ==, 0xff);
	pl = packet(packets, 1, &len) + HDR_EXT;
	g_assert_cmpuint(pl[2], ==, 0x80);
	g_assert_cmpuint(pl[3], ==, 0x00);

	/* nothing to send: no packet, no picture id used */
	g_assert_cmpuint(rtc_rtp_packetize(&p, frame, 0, 4, false, collect, packets), ==, 0);
	g_assert_cmpuint(packets->len, ==, 2);
	g_assert_cmpuint(p.vp8_picture_id, ==, 1);
}

/* Each peer writes its own transport-wide sequence number into the slot, or blanks it to
 * padding; rtc_rtp_find_ext walks the one-byte elements and refuses what runs past the end. */
static void test_twcc_slot(void)
{
	struct rtc_rtp_packetizer p;
	g_autoptr(GPtrArray) packets = packets_new();
	uint8_t frame[100] = {0}, pkt[RTC_RTP_MAX];
	struct rtc_rtp_header h;
	size_t len, elen = 0, at;

	rtc_rtp_packetizer_init(&p, RTC_CODEC_VP8, 7);
	rtc_rtp_packetize(&p, frame, sizeof(frame), 1, true, collect, packets);
	len = 0;
	memcpy(pkt, packet(packets, 0, &len), g_bytes_get_size(g_ptr_array_index(packets, 0)));
	at = rtc_rtp_find_ext(pkt, len, RTC_EXT_TWCC, &elen);
	g_assert_cmpuint(at, ==, 21);
	g_assert_cmpuint(elen, ==, 2);
	g_assert_cmpuint(rtc_rtp_find_ext(pkt, len, RTC_EXT_PLAYOUT_DELAY, &elen), ==, 17);
	g_assert_cmpuint(elen, ==, 3);
	g_assert_cmpuint(rtc_rtp_find_ext(pkt, len, 5, &elen), ==, 0);
	g_assert_true(rtc_rtp_set_twcc(pkt, len, RTC_EXT_TWCC, true, 0xabcd));
	g_assert_cmpuint(pkt[21], ==, 0xab);
	g_assert_cmpuint(pkt[22], ==, 0xcd);
	/* dropped by the answer: padding, and the playout delay still found */
	g_assert_true(rtc_rtp_set_twcc(pkt, len, RTC_EXT_TWCC, false, 0));
	g_assert_cmpuint(rtc_rtp_find_ext(pkt, len, RTC_EXT_TWCC, &elen), ==, 0);
	g_assert_cmpuint(rtc_rtp_find_ext(pkt, len, RTC_EXT_PLAYOUT_DELAY, &elen), ==, 17);
	g_assert_true(rtc_rtp_header_parse(pkt, len, &h));
	g_assert_cmpuint(h.header_len, ==, HDR_EXT);
	g_assert_false(rtc_rtp_set_twcc(pkt, len, RTC_EXT_TWCC, true, 1));
	/* an element longer than the block */
	len = 0;
	memcpy(pkt, packet(packets, 0, &len), g_bytes_get_size(g_ptr_array_index(packets, 0)));
	pkt[16] = (RTC_EXT_PLAYOUT_DELAY << 4) | 9;
	g_assert_cmpuint(rtc_rtp_find_ext(pkt, len, RTC_EXT_TWCC, &elen), ==, 0);
	/* a block longer than the packet */
	len = 0;
	memcpy(pkt, packet(packets, 0, &len), g_bytes_get_size(g_ptr_array_index(packets, 0)));
	g_assert_cmpuint(rtc_rtp_find_ext(pkt, 20, RTC_EXT_TWCC, &elen), ==, 0);
}

static void test_header_parse(void)
{
	struct rtc_rtp_header h;
	uint8_t pkt[40] = {0x80, 0xe6, 0x12, 0x34, 0, 1, 0x5f, 0x90, 0xca, 0xfe, 0xba, 0xbe};

	g_assert_true(rtc_rtp_header_parse(pkt, 12, &h));
	g_assert_true(h.marker);
	g_assert_cmpuint(h.payload_type, ==, 102);
	g_assert_cmpuint(h.seq, ==, 0x1234);
	g_assert_cmpuint(h.timestamp, ==, 90000);
	g_assert_cmpuint(h.ssrc, ==, 0xcafebabe);
	g_assert_cmpuint(h.header_len, ==, 12);
	g_assert_cmpuint(h.payload_len, ==, 0);
	g_assert_false(rtc_rtp_header_parse(pkt, 11, &h)); /* short */
	g_assert_false(rtc_rtp_header_parse(pkt, 0, &h));

	pkt[0] = 0x82; /* two CSRCs */
	g_assert_true(rtc_rtp_header_parse(pkt, 40, &h));
	g_assert_cmpuint(h.header_len, ==, 20);
	g_assert_cmpuint(h.payload_len, ==, 20);
	g_assert_false(rtc_rtp_header_parse(pkt, 19, &h));
	pkt[0] = 0x8f; /* 15 CSRCs: 72 bytes */
	g_assert_false(rtc_rtp_header_parse(pkt, 40, &h));

	pkt[0] = 0x90; /* extension: 0xBEDE, 2 words */
	pkt[12] = 0xbe;
	pkt[13] = 0xde;
	pkt[15] = 2;
	g_assert_true(rtc_rtp_header_parse(pkt, 40, &h));
	g_assert_cmpuint(h.header_len, ==, 24);
	g_assert_false(rtc_rtp_header_parse(pkt, 23, &h)); /* extension body cut */
	g_assert_false(rtc_rtp_header_parse(pkt, 15, &h)); /* extension header cut */
	pkt[15] = 7;                                       /* running past the end */
	g_assert_false(rtc_rtp_header_parse(pkt, 40, &h));
	pkt[15] = 0;

	pkt[0] = 0xa0; /* padding */
	pkt[39] = 40;  /* larger than what follows the header */
	g_assert_false(rtc_rtp_header_parse(pkt, 40, &h));
	pkt[39] = 0; /* zero is not a padding count */
	g_assert_false(rtc_rtp_header_parse(pkt, 40, &h));
	pkt[39] = 4;
	g_assert_true(rtc_rtp_header_parse(pkt, 40, &h));
	g_assert_cmpuint(h.payload_len, ==, 24);
	pkt[39] = 28; /* the whole payload is padding */
	g_assert_true(rtc_rtp_header_parse(pkt, 40, &h));
	g_assert_cmpuint(h.payload_len, ==, 0);
	g_assert_false(rtc_rtp_header_parse(pkt, 12, &h)); /* padding bit, no room for its count */
	pkt[0] = 0x40;                                     /* version 1 */
	g_assert_false(rtc_rtp_header_parse(pkt, 40, &h));
}

/* ---- known answers: recorded frames against GStreamer's payloaders ---- */

/* A file of tests/unit/data/ (make-rtp-vectors.py says how it was made). */
static GBytes *load(const char *name)
{
	g_autofree char *path = g_test_build_filename(G_TEST_DIST, "unit", "data", name, NULL);
	g_autoptr(GError) error = NULL;
	char *data;
	gsize len;

	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	g_assert_no_error(error);
	return g_bytes_new_take(data, len);
}

/* The packets of a .rtp vector (a 2-byte length before each). */
static GPtrArray *load_packets(const char *name)
{
	g_autoptr(GBytes) file = load(name);
	GPtrArray *packets = packets_new();
	gsize len;
	const uint8_t *b = g_bytes_get_data(file, &len);

	for (size_t off = 0; off < len;) {
		size_t n;

		g_assert_cmpuint(off + 2, <=, len);
		n = (size_t)b[off] << 8 | b[off + 1];
		g_assert_cmpuint(off + 2 + n, <=, len);
		g_ptr_array_add(packets, g_bytes_new(b + off + 2, n));
		off += 2 + n;
	}
	return packets;
}

/* A real access unit (x264: SPS, PPS, its SEI and two IDR slices of 673 and 7654 bytes)
 * packetised byte for byte as rtph264pay (aggregate-mode=zero-latency) does at the same
 * payload room: RFC 6184's STAP-A for the parameter sets and SEI, the small slice as a
 * single NAL unit, the large one as FU-A, the marker on the last packet only. Our
 * packets carry 12 bytes of header extension that GStreamer's do not. */
static void test_h264_known_answer(void)
{
	g_autoptr(GBytes) au = load("h264-idr.264");
	g_autoptr(GPtrArray) want = load_packets("h264-idr.rtp");
	g_autoptr(GPtrArray) got = packets_new();
	struct rtc_rtp_packetizer p;
	gsize au_len;
	const uint8_t *au_data = g_bytes_get_data(au, &au_len);
	const uint8_t *pl;
	size_t len;

	rtc_rtp_packetizer_init(&p, RTC_CODEC_H264, 0x01020304);
	g_assert_cmpuint(rtc_rtp_packetize(&p, au_data, au_len, 90000, true, collect, got), ==, 9);
	check_common(got, 0x01020304, 90000, RTC_PT_H264, true);
	g_assert_cmpuint(got->len, ==, want->len);
	for (guint i = 0; i < got->len; i++) {
		size_t wlen;
		const uint8_t *g = packet(got, i, &len), *w = packet(want, i, &wlen);

		g_test_message("packet %u: %zu bytes, GStreamer's %zu", i, len, wlen);
		g_assert_cmpuint(w[1] & 0x80, ==, g[1] & 0x80); /* marker */
		g_assert_cmpmem(g + HDR_EXT, len - HDR_EXT, w + 12, wlen - 12);
	}

	/* what RFC 6184 says of each, spelled out */
	pl = packet(got, 0, &len) + HDR_EXT;
	g_assert_cmpuint(pl[0], ==, 0x78); /* STAP-A (24), NRI 3, the largest aggregated */
	g_assert_cmpmem(pl + 1, 3, ((const uint8_t[]){0x00, 27, 0x67}), 3);         /* SPS */
	g_assert_cmpmem(pl + 1 + 2 + 27, 3, ((const uint8_t[]){0x00, 4, 0x68}), 3); /* PPS */
	g_assert_cmpmem(pl + 1 + 2 + 27 + 2 + 4, 3, ((const uint8_t[]){692 >> 8, 692 & 0xff, 0x06}),
	                3); /* SEI */
	g_assert_cmpuint(len, ==, HDR_EXT + 1 + 2 + 27 + 2 + 4 + 2 + 692);
	pl = packet(got, 1, &len) + HDR_EXT;
	g_assert_cmpuint(pl[0], ==, 0x65); /* the first slice as it is */
	g_assert_cmpuint(len, ==, HDR_EXT + 673);
	for (guint i = 2; i < got->len; i++) {
		pl = packet(got, i, &len) + HDR_EXT;
		/* FU indicator: F, NRI of the IDR, type 28; FU header: S, E, R = 0, type 5 */
		g_assert_cmpuint(pl[0], ==, 0x60 | 28);
		g_assert_cmpuint(pl[1], ==,
		                 (i == 2 ? 0x80 : 0) | (i + 1 == got->len ? 0x40 : 0) | 5);
		/* every fragment but the last fills the packet to RTC_RTP_MAX, none more */
		if (i + 1 < got->len)
			g_assert_cmpuint(len, ==, RTC_RTP_MAX);
	}
	g_assert_cmpuint(len, ==, HDR_EXT + 2 + (7654 - 1) - 6 * (RTC_RTP_MAX - HDR_EXT - 2));
}

/* A real VP8 keyframe (vp8enc) as rtpvp8pay (15-bit picture ids) packetises it at the
 * same room: RFC 7741's descriptor X=1, S=1 and PID=0 on the first packet, S=0 after;
 * I=1, M=1 and the frame's picture id; the frame split in order; the marker on the last
 * packet. One difference is allowed: rtpvp8pay writes the partition index in PID, which
 * RFC 7741 4.2 says "MAY be kept at 0 for all packets", as ours are. */
static void test_vp8_known_answer(void)
{
	g_autoptr(GBytes) frame = load("vp8-key.vp8");
	g_autoptr(GPtrArray) want = load_packets("vp8-key.rtp");
	g_autoptr(GPtrArray) got = packets_new();
	struct rtc_rtp_packetizer p;
	gsize frame_len;
	const uint8_t *frame_data = g_bytes_get_data(frame, &frame_len);
	size_t len, wlen;
	const uint8_t *w = packet(want, 0, &wlen);

	/* a keyframe (P = 0) with the start code of RFC 6386 9.1 */
	g_assert_cmpuint(frame_data[0] & 1, ==, 0);
	g_assert_cmpmem(frame_data + 3, 3, ((const uint8_t[]){0x9d, 0x01, 0x2a}), 3);
	rtc_rtp_packetizer_init(&p, RTC_CODEC_VP8, 0x01020304);
	p.vp8_picture_id = (uint16_t)((w[14] & 0x7f) << 8 | w[15]);
	g_assert_cmpuint(rtc_rtp_packetize(&p, frame_data, frame_len, 3000, true, collect, got), ==,
	                 5);
	check_common(got, 0x01020304, 3000, RTC_PT_VP8, true);
	g_assert_cmpuint(got->len, ==, want->len);
	for (guint i = 0; i < got->len; i++) {
		const uint8_t *g = packet(got, i, &len) + HDR_EXT;

		w = packet(want, i, &wlen);
		g_test_message("packet %u: %zu bytes, GStreamer's %zu", i, len, wlen);
		g_assert_cmpuint(w[1] & 0x80, ==, g[-HDR_EXT + 1] & 0x80); /* marker */
		w += 12;
		wlen -= 12;
		g_assert_cmpuint(g[0], ==, i == 0 ? 0x90 : 0x80); /* X, S on the first; PID 0 */
		g_assert_cmpuint(g[0] & ~0x07, ==, w[0] & ~0x07);
		g_assert_cmpmem(g + 1, len - HDR_EXT - 1, w + 1, wlen - 1);
		if (i + 1 < got->len)
			g_assert_cmpuint(len, ==, RTC_RTP_MAX);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rtp/h264-keyframe", test_h264_keyframe);
	g_test_add_func("/rtp/h264-sizes", test_h264_sizes);
	g_test_add_func("/rtp/h264-annexb", test_h264_annexb);
	g_test_add_func("/rtp/seq-wrap", test_seq_wrap);
	g_test_add_func("/rtp/vp8", test_vp8);
	g_test_add_func("/rtp/opus", test_opus);
	g_test_add_func("/rtp/header-parse", test_header_parse);
	g_test_add_func("/rtp/twcc-slot", test_twcc_slot);
	g_test_add_func("/rtp/h264-known-answer", test_h264_known_answer);
	g_test_add_func("/rtp/vp8-known-answer", test_vp8_known_answer);
	return g_test_run();
}
