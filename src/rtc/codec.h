/* Video codecs wayrtc sends, and the RTP facts fixed for each in our offer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* H.264 High 4:4:4 is a codec of its own here: a payload type of its own in the offer,
 * an encode of its own (full-resolution chroma), chosen by the answer like any other. */
enum rtc_codec {
	RTC_CODEC_H264 = 0, /* constrained baseline, 4:2:0 */
	RTC_CODEC_VP8,
	RTC_CODEC_H264_444, /* High 4:4:4 Predictive (profile_idc 244) */
};
#define RTC_CODEC_COUNT 3

/* Payload types and header-extension ids we offer; the answer echoes them,
 * so every viewer gets byte-identical RTP before SRTP (one packetization, N peers). */
#define RTC_PT_H264           102
#define RTC_PT_VP8            96
#define RTC_PT_OPUS           111
#define RTC_PT_H264_RTX       103 /* RFC 4588 retransmissions of 102 */
#define RTC_PT_VP8_RTX        97  /* of 96 */
#define RTC_PT_H264_444       104
#define RTC_PT_H264_444_RTX   105 /* of 104 */
#define RTC_EXT_PLAYOUT_DELAY 1   /* http://www.webrtc.org/experiments/rtp-hdrext/playout-delay */
/* transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01);
 * each peer writes its own into the slot the packetizer leaves */
#define RTC_EXT_TWCC    3
#define RTC_VIDEO_CLOCK 90000

/* Largest RTP packet we build (header + extension + payload), before SRTP adds its tag.
 * 1200 keeps the datagram under every path MTU a browser will meet. */
#define RTC_RTP_MAX 1200

/* H.264 constrained baseline (profile_idc 66, constraint_set1): what we send and offer. */
#define RTC_H264_PROFILE_IDC       0x42
#define RTC_H264_PROFILE_IOP       0xe0
#define RTC_H264_LEVEL_IDC_DEFAULT 0x1f /* 3.1: 720p at 30 fps, for callers that know no size */
/* H.264 High 4:4:4 Predictive (profile_idc 244, no constraint flags): RFC 6184's
 * profile-level-id f400xx, what x264 writes for I444 input */
#define RTC_H264_444_PROFILE_IDC 0xf4
#define RTC_H264_444_PROFILE_IOP 0x00

const char *rtc_codec_name(enum rtc_codec codec); /* "h264", "vp8", "h264-444" */
/* H.264 of either chroma: one packetization, one fmtp grammar. */
bool rtc_codec_is_h264(enum rtc_codec codec);
bool rtc_codec_from_name(const char *name, enum rtc_codec *out);
uint8_t rtc_codec_payload_type(enum rtc_codec codec);
/* The codec with this payload type in our offer; false for any other. */
bool rtc_codec_from_payload_type(uint8_t pt, enum rtc_codec *out);

/* The lowest H.264 level (level_idc: 31 for 3.1) whose limits (H.264 Table A-1: macroblocks
 * per frame and per second, frame width and height, bit rate) admit this size, rate and
 * bitrate; 52 when none does. The offer's profile-level-id and the encoder's SPS both use
 * it, so what we signal is what we send. */
uint8_t rtc_h264_level_idc(unsigned width, unsigned height, unsigned fps, unsigned kbps);
/* The same for High 4:4:4 Predictive: its bit-rate and buffer limits are four times the
 * baseline's (Table A-2, cpbBrVclFactor 4800 against 1200), as x264 counts them. */
uint8_t rtc_h264_444_level_idc(unsigned width, unsigned height, unsigned fps, unsigned kbps);

/* The payload type of retransmissions (RFC 4588) for `codec`'s payload type. */
uint8_t rtc_codec_rtx_payload_type(enum rtc_codec codec);
