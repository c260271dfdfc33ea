/* RTP packets: the fixed header, the playout-delay extension, and the H.264 (RFC 6184,
 * single NAL unit, STAP-A, FU-A), VP8 (RFC 7741) and Opus (RFC 7587) payload formats. */
#include "rtc/rtp.h"

#include <glib.h>
#include <string.h>

#define RTP_HEADER           12
#define EXT_HEADER           4 /* 0xBEDE, length in words */
#define EXT_PLAYOUT          4 /* id|len, 3 bytes */
#define EXT_TWCC             3 /* id|len, 2 bytes */
#define H264_FU_A            28
#define H264_FU_A_HEADER     2 /* FU indicator, FU header */
#define H264_STAP_A          24
#define H264_STAP_A_MAX_NALS 16 /* enough for SPS, PPS, SEI and a few small slices */
#define VP8_DESCRIPTOR       4
#define H264_AUD             9

bool rtc_rtp_header_parse(const uint8_t *buf, size_t len, struct rtc_rtp_header *out)
{
	size_t off = RTP_HEADER, pad = 0;
	unsigned cc;

	if (len < RTP_HEADER || (buf[0] >> 6) != 2)
		return false;
	cc = buf[0] & 0x0f;
	off += cc * 4;
	if (off > len)
		return false;
	if (buf[0] & 0x10) {
		size_t words;

		if (off + 4 > len)
			return false;
		words = (size_t)buf[off + 2] << 8 | buf[off + 3];
		off += 4 + words * 4;
		if (off > len)
			return false;
	}
	if (buf[0] & 0x20) {
		if (len == off)
			return false;
		pad = buf[len - 1];
		if (pad == 0 || pad > len - off)
			return false;
	}
	out->marker = buf[1] >> 7;
	out->payload_type = buf[1] & 0x7f;
	out->seq = (uint16_t)(buf[2] << 8 | buf[3]);
	out->timestamp = (uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7];
	out->ssrc = (uint32_t)buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11];
	out->header_len = off;
	out->payload_len = len - off - pad;
	return true;
}

void rtc_rtp_packetizer_init(struct rtc_rtp_packetizer *p, enum rtc_codec codec, uint32_t ssrc)
{
	*p = (struct rtc_rtp_packetizer){
	        .codec = codec,
	        .payload_type = rtc_codec_payload_type(codec),
	        .ssrc = ssrc,
	        .seq = (uint16_t)g_random_int(),
	        .playout_delay_id = RTC_EXT_PLAYOUT_DELAY,
	        .twcc_id = RTC_EXT_TWCC,
	        .vp8_picture_id = (uint16_t)(g_random_int() & 0x7fff),
	};
}

static size_t header_room(const struct rtc_rtp_packetizer *p)
{
	size_t body = (p->playout_delay_id ? EXT_PLAYOUT : 0) + (p->twcc_id ? EXT_TWCC : 0);

	return RTP_HEADER + (body ? EXT_HEADER + (body + 3) / 4 * 4 : 0);
}

size_t rtc_rtp_find_ext(const uint8_t *pkt, size_t len, uint8_t id, size_t *elen)
{
	size_t off, end;

	if (len < RTP_HEADER || (pkt[0] >> 6) != 2 || !(pkt[0] & 0x10) || id == 0 || id > 14)
		return 0;
	off = RTP_HEADER + (size_t)(pkt[0] & 0x0f) * 4;
	if (off + EXT_HEADER > len || pkt[off] != 0xbe || pkt[off + 1] != 0xde)
		return 0;
	end = off + EXT_HEADER + ((size_t)pkt[off + 2] << 8 | pkt[off + 3]) * 4;
	if (end > len)
		return 0;
	off += EXT_HEADER;
	while (off < end) {
		uint8_t eid = pkt[off] >> 4;
		size_t n = (size_t)(pkt[off] & 0x0f) + 1;

		if (pkt[off] == 0) { /* padding */
			off++;
			continue;
		}
		if (eid == 15 || off + 1 + n > end)
			return 0; /* 15 ends the block (RFC 8285 4.2) */
		if (eid == id) {
			*elen = n;
			return off + 1;
		}
		off += 1 + n;
	}
	return 0;
}

bool rtc_rtp_set_twcc(uint8_t *pkt, size_t len, uint8_t id, bool keep, uint16_t seq)
{
	size_t n = 0, at = rtc_rtp_find_ext(pkt, len, id, &n);

	if (!at || n != 2)
		return false;
	if (keep) {
		pkt[at] = seq >> 8;
		pkt[at + 1] = seq & 0xff;
	} else {
		memset(pkt + at - 1, 0, 3);
	}
	return true;
}

/* Writes the header (and extension) and returns its length. */
static size_t write_header(struct rtc_rtp_packetizer *p, uint8_t *pkt, uint32_t ts, bool marker)
{
	size_t off = RTP_HEADER;

	pkt[0] = 0x80 | (p->playout_delay_id || p->twcc_id ? 0x10 : 0);
	pkt[1] = (uint8_t)((marker ? 0x80 : 0) | p->payload_type);
	pkt[2] = p->seq >> 8;
	pkt[3] = p->seq & 0xff;
	pkt[4] = ts >> 24;
	pkt[5] = ts >> 16;
	pkt[6] = ts >> 8;
	pkt[7] = ts & 0xff;
	pkt[8] = p->ssrc >> 24;
	pkt[9] = p->ssrc >> 16;
	pkt[10] = p->ssrc >> 8;
	pkt[11] = p->ssrc & 0xff;
	p->seq++;
	if (p->playout_delay_id || p->twcc_id) {
		/* RFC 8285 one-byte form, zero bytes pad it to whole words */
		size_t body = header_room(p) - RTP_HEADER - EXT_HEADER, e = off + EXT_HEADER;

		pkt[off] = 0xbe;
		pkt[off + 1] = 0xde;
		pkt[off + 2] = 0;
		pkt[off + 3] = (uint8_t)(body / 4);
		memset(pkt + e, 0, body);
		if (p->playout_delay_id) {
			/* min = max = 0: render as soon as decoded */
			pkt[e] = (uint8_t)(p->playout_delay_id << 4 | 2);
			e += EXT_PLAYOUT;
		}
		if (p->twcc_id)
			pkt[e] = (uint8_t)(p->twcc_id << 4 | 1); /* the peer writes the number */
		off += EXT_HEADER + body;
	}
	return off;
}

/* Finds the next Annex-B start code at or after `from`; returns len if none. */
static size_t next_start(const uint8_t *b, size_t len, size_t from, size_t *code_len)
{
	for (size_t i = from; i + 3 <= len; i++) {
		if (b[i] == 0 && b[i + 1] == 0) {
			if (b[i + 2] == 1) {
				*code_len = 3;
				return i;
			}
			if (i + 4 <= len && b[i + 2] == 0 && b[i + 3] == 1) {
				*code_len = 4;
				return i;
			}
		}
	}
	*code_len = 0;
	return len;
}

/* One NAL that fits as it is, or its FU-A fragments (RFC 6184 5.8). */
static size_t h264_nal(struct rtc_rtp_packetizer *p, const uint8_t *nal, size_t len, uint32_t ts,
                       bool last, rtc_rtp_emit_fn emit, void *data)
{
	uint8_t pkt[RTC_RTP_MAX];
	size_t room = RTC_RTP_MAX - header_room(p), off, n = 0;

	if (len <= room) {
		off = write_header(p, pkt, ts, last);
		memcpy(pkt + off, nal, len);
		emit(data, pkt, off + len);
		return 1;
	}
	/* FU-A: the NAL header's F|NRI go into the indicator, its type into the FU header */
	uint8_t indicator = (nal[0] & 0xe0) | H264_FU_A, type = nal[0] & 0x1f;
	size_t pos = 1, chunk_max = room - H264_FU_A_HEADER;

	while (pos < len) {
		size_t chunk = MIN(chunk_max, len - pos);
		bool end = pos + chunk == len;

		off = write_header(p, pkt, ts, last && end);
		pkt[off] = indicator;
		pkt[off + 1] = (uint8_t)((pos == 1 ? 0x80 : 0) | (end ? 0x40 : 0) | type);
		memcpy(pkt + off + H264_FU_A_HEADER, nal + pos, chunk);
		emit(data, pkt, off + H264_FU_A_HEADER + chunk);
		pos += chunk;
		n++;
	}
	return n;
}

/* Small NALs waiting to share one STAP-A packet (RFC 6184 5.7.1). */
struct stap {
	const uint8_t *nal[H264_STAP_A_MAX_NALS];
	size_t len[H264_STAP_A_MAX_NALS];
	size_t count;
	size_t size; /* STAP-A header + every size field and NAL so far */
};

static size_t stap_flush(struct rtc_rtp_packetizer *p, struct stap *st, uint32_t ts, bool last,
                         rtc_rtp_emit_fn emit, void *data)
{
	uint8_t pkt[RTC_RTP_MAX], f = 0, nri = 0;
	size_t off;

	if (st->count == 0)
		return 0;
	if (st->count == 1) {
		st->count = 0;
		return h264_nal(p, st->nal[0], st->len[0], ts, last, emit, data);
	}
	off = write_header(p, pkt, ts, last);
	/* F is the OR of the aggregated F bits, NRI their maximum */
	for (size_t i = 0; i < st->count; i++) {
		f |= st->nal[i][0] & 0x80;
		nri = MAX(nri, st->nal[i][0] & 0x60);
	}
	pkt[off++] = (uint8_t)(f | nri | H264_STAP_A);
	for (size_t i = 0; i < st->count; i++) {
		pkt[off] = (uint8_t)(st->len[i] >> 8);
		pkt[off + 1] = st->len[i] & 0xff;
		memcpy(pkt + off + 2, st->nal[i], st->len[i]);
		off += 2 + st->len[i];
	}
	emit(data, pkt, off);
	st->count = 0;
	return 1;
}

/* Each NAL either joins the waiting STAP-A or, too big to share, goes alone; the last
 * one of the access unit flushes with the marker. */
static size_t h264_add(struct rtc_rtp_packetizer *p, struct stap *st, const uint8_t *nal,
                       size_t len, uint32_t ts, bool last, rtc_rtp_emit_fn emit, void *data)
{
	size_t room = RTC_RTP_MAX - header_room(p), n = 0;

	if (1 + 2 + len > room) {
		n += stap_flush(p, st, ts, false, emit, data);
		return n + h264_nal(p, nal, len, ts, last, emit, data);
	}
	if (st->count && (st->size + 2 + len > room || st->count == H264_STAP_A_MAX_NALS))
		n += stap_flush(p, st, ts, false, emit, data);
	if (st->count == 0)
		st->size = 1;
	st->nal[st->count] = nal;
	st->len[st->count++] = len;
	st->size += 2 + len;
	if (last)
		n += stap_flush(p, st, ts, true, emit, data);
	return n;
}

static size_t packetize_h264(struct rtc_rtp_packetizer *p, const uint8_t *au, size_t len,
                             uint32_t ts, rtc_rtp_emit_fn emit, void *data)
{
	size_t code, start = next_start(au, len, 0, &code), n = 0;
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	struct stap st = {0};

	/* one NAL of lookahead, so the last NAL of the access unit carries the marker */
	while (start < len) {
		size_t begin = start + code, code2;
		size_t stop = next_start(au, len, begin, &code2);
		size_t nlen = stop - begin;

		/* trailing zero bytes belong to the next start code, not the NAL */
		while (nlen && au[begin + nlen - 1] == 0)
			nlen--;
		/* access unit delimiters say nothing RTP does not (RFC 6184 does not need them) */
		if (nlen && (au[begin] & 0x1f) != H264_AUD) {
			if (prev)
				n += h264_add(p, &st, prev, prev_len, ts, false, emit, data);
			prev = au + begin;
			prev_len = nlen;
		}
		start = stop;
		code = code2;
	}
	if (prev)
		n += h264_add(p, &st, prev, prev_len, ts, true, emit, data);
	return n;
}

static size_t packetize_vp8(struct rtc_rtp_packetizer *p, const uint8_t *frame, size_t len,
                            uint32_t ts, rtc_rtp_emit_fn emit, void *data)
{
	uint8_t pkt[RTC_RTP_MAX];
	const size_t desc = VP8_DESCRIPTOR; /* X|S|PID, I, M|PictureID(15) */
	size_t room = RTC_RTP_MAX - header_room(p) - desc, pos = 0, n = 0;
	uint16_t pid = p->vp8_picture_id;

	if (len == 0)
		return 0;
	p->vp8_picture_id = (p->vp8_picture_id + 1) & 0x7fff;
	while (pos < len) {
		size_t chunk = MIN(room, len - pos);
		bool end = pos + chunk == len;
		size_t off = write_header(p, pkt, ts, end);

		pkt[off] = 0x80 | (pos == 0 ? 0x10 : 0);
		pkt[off + 1] = 0x80;
		pkt[off + 2] = (uint8_t)(0x80 | pid >> 8);
		pkt[off + 3] = pid & 0xff;
		memcpy(pkt + off + desc, frame + pos, chunk);
		emit(data, pkt, off + desc + chunk);
		pos += chunk;
		n++;
	}
	return n;
}

size_t rtc_rtp_packetize(struct rtc_rtp_packetizer *p, const uint8_t *frame, size_t len,
                         uint32_t timestamp, bool keyframe, rtc_rtp_emit_fn emit, void *data)
{
	if (p->codec == RTC_CODEC_VP8)
		return packetize_vp8(p, frame, len, timestamp, emit, data);
	return packetize_h264(p, frame, len, timestamp, emit, data);
}

void rtc_rtp_packetizer_init_opus(struct rtc_rtp_packetizer *p, uint32_t ssrc)
{
	*p = (struct rtc_rtp_packetizer){
	        .payload_type = RTC_PT_OPUS,
	        .ssrc = ssrc,
	        .seq = (uint16_t)g_random_int(),
	        .twcc_id = RTC_EXT_TWCC,
	};
}

size_t rtc_rtp_packetize_opus(struct rtc_rtp_packetizer *p, const uint8_t *opus, size_t len,
                              uint32_t timestamp, rtc_rtp_emit_fn emit, void *data)
{
	uint8_t pkt[RTC_RTP_MAX];
	size_t off;

	/* an Opus packet is never split: a receiver cannot put halves together */
	if (len == 0 || len > RTC_RTP_MAX - header_room(p))
		return 0;
	off = write_header(p, pkt, timestamp, false);
	memcpy(pkt + off, opus, len);
	emit(data, pkt, off + len);
	return 1;
}
