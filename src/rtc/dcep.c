/* DCEP messages, every length checked against the buffer. */
#include "rtc/dcep.h"

#include <string.h>

#define MSG_ACK       0x02
#define MSG_OPEN      0x03
#define OPEN_HEADER   12
#define UNORDERED_BIT 0x80

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

enum rtc_dcep_type rtc_dcep_parse(const uint8_t *buf, size_t len, struct rtc_dcep_open *out)
{
	uint16_t label_len, proto_len;
	uint8_t kind;

	if (len == 0)
		return RTC_DCEP_INVALID;
	if (buf[0] == MSG_ACK)
		return len == 1 ? RTC_DCEP_ACK : RTC_DCEP_INVALID;
	if (buf[0] != MSG_OPEN || len < OPEN_HEADER)
		return RTC_DCEP_INVALID;
	kind = buf[1];
	label_len = rd16(buf + 8);
	proto_len = rd16(buf + 10);
	if (label_len > RTC_DCEP_MAX_LABEL || proto_len > RTC_DCEP_MAX_LABEL ||
	    (size_t)OPEN_HEADER + label_len + proto_len != len)
		return RTC_DCEP_INVALID;
	switch (kind & ~UNORDERED_BIT) {
	case 0x00:
		out->reliability = RTC_DCEP_RELIABLE;
		break;
	case 0x01:
		out->reliability = RTC_DCEP_PARTIAL_REXMIT;
		break;
	case 0x02:
		out->reliability = RTC_DCEP_PARTIAL_TIMED;
		break;
	default:
		return RTC_DCEP_INVALID;
	}
	out->unordered = kind & UNORDERED_BIT;
	out->priority = rd16(buf + 2);
	out->param = (uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7];
	memcpy(out->label, buf + OPEN_HEADER, label_len);
	out->label[label_len] = '\0';
	memcpy(out->protocol, buf + OPEN_HEADER + label_len, proto_len);
	out->protocol[proto_len] = '\0';
	/* a NUL inside a label would make two different labels compare equal */
	if (strlen(out->label) != label_len || strlen(out->protocol) != proto_len)
		return RTC_DCEP_INVALID;
	return RTC_DCEP_OPEN;
}

size_t rtc_dcep_build_ack(uint8_t *buf, size_t cap)
{
	if (cap < 1)
		return 0;
	buf[0] = MSG_ACK;
	return 1;
}

size_t rtc_dcep_build_open(uint8_t *buf, size_t cap, const struct rtc_dcep_open *open)
{
	size_t label_len = strlen(open->label), proto_len = strlen(open->protocol);
	size_t len = OPEN_HEADER + label_len + proto_len;

	if (len > cap || label_len > RTC_DCEP_MAX_LABEL || proto_len > RTC_DCEP_MAX_LABEL)
		return 0;
	buf[0] = MSG_OPEN;
	buf[1] = (uint8_t)(open->reliability | (open->unordered ? UNORDERED_BIT : 0));
	buf[2] = open->priority >> 8;
	buf[3] = open->priority & 0xff;
	buf[4] = open->param >> 24;
	buf[5] = open->param >> 16;
	buf[6] = open->param >> 8;
	buf[7] = open->param & 0xff;
	buf[8] = (uint8_t)(label_len >> 8);
	buf[9] = label_len & 0xff;
	buf[10] = (uint8_t)(proto_len >> 8);
	buf[11] = proto_len & 0xff;
	memcpy(buf + OPEN_HEADER, open->label, label_len);
	memcpy(buf + OPEN_HEADER + label_len, open->protocol, proto_len);
	return len;
}
