/* Video codecs wayrtc sends, and the RTP facts fixed for each in our offer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum rtc_codec {
	RTC_CODEC_H264 = 0,
	RTC_CODEC_VP8,
};

/* Payload types and header-extension ids we offer; the answer echoes them,
 * so every viewer gets byte-identical RTP before SRTP (one packetization, N peers). */
#define RTC_PT_H264           102
#define RTC_PT_VP8            96
#define RTC_PT_OPUS           111
#define RTC_PT_H264_RTX       103 /* RFC 4588 retransmissions of 102 */
#define RTC_PT_VP8_RTX        97  /* of 96 */
#define RTC_EXT_PLAYOUT_DELAY 1   /* http://www.webrtc.org/experiments/rtp-hdrext/playout-delay */
/* transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01);
 * each peer writes its own into the slot the packetizer leaves */
#define RTC_EXT_TWCC    3
#define RTC_VIDEO_CLOCK 90000

/* Largest RTP packet we build (header + extension + payload), before SRTP adds its tag.
 * 1200 keeps the datagram under every path MTU a browser will meet. */
#define RTC_RTP_MAX 1200

const char *rtc_codec_name(enum rtc_codec codec); /* "h264", "vp8" */
bool rtc_codec_from_name(const char *name, enum rtc_codec *out);
uint8_t rtc_codec_payload_type(enum rtc_codec codec);
uint8_t rtc_codec_rtx_payload_type(enum rtc_codec codec);
