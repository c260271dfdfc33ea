/* Codec names, payload types and the H.264 level for a size and rate, in one place. */
#include "rtc/codec.h"

#include <string.h>

static const struct {
	const char *name;
	uint8_t pt, rtx_pt;
} codecs[RTC_CODEC_COUNT] = {
        [RTC_CODEC_H264] = {"h264", RTC_PT_H264, RTC_PT_H264_RTX},
        [RTC_CODEC_VP8] = {"vp8", RTC_PT_VP8, RTC_PT_VP8_RTX},
        [RTC_CODEC_H264_444] = {"h264-444", RTC_PT_H264_444, RTC_PT_H264_444_RTX},
};

const char *rtc_codec_name(enum rtc_codec codec)
{
	return (unsigned)codec < RTC_CODEC_COUNT ? codecs[codec].name : "?";
}

bool rtc_codec_is_h264(enum rtc_codec codec)
{
	return codec == RTC_CODEC_H264 || codec == RTC_CODEC_H264_444;
}

bool rtc_codec_from_name(const char *name, enum rtc_codec *out)
{
	for (unsigned i = 0; i < RTC_CODEC_COUNT; i++) {
		if (strcmp(name, codecs[i].name) == 0) {
			*out = (enum rtc_codec)i;
			return true;
		}
	}
	return false;
}

uint8_t rtc_codec_payload_type(enum rtc_codec codec)
{
	return codecs[(unsigned)codec < RTC_CODEC_COUNT ? codec : RTC_CODEC_H264].pt;
}

bool rtc_codec_from_payload_type(uint8_t pt, enum rtc_codec *out)
{
	for (unsigned i = 0; i < RTC_CODEC_COUNT; i++) {
		if (pt == codecs[i].pt) {
			*out = (enum rtc_codec)i;
			return true;
		}
	}
	return false;
}

/* H.264 Table A-1 (level 1b left out: constrained baseline never needs it). */
static const struct {
	uint8_t idc;
	uint32_t max_mbps; /* macroblocks per second */
	uint32_t max_fs;   /* macroblocks per frame */
	uint32_t max_kbps; /* MaxBR, baseline: 1000 bit/s units */
} levels[] = {
        {10, 1485, 99, 64},           {11, 3000, 396, 192},        {12, 6000, 396, 384},
        {13, 11880, 396, 768},        {20, 11880, 396, 2000},      {21, 19800, 792, 4000},
        {22, 20250, 1620, 4000},      {30, 40500, 1620, 10000},    {31, 108000, 3600, 14000},
        {32, 216000, 5120, 20000},    {40, 245760, 8192, 20000},   {41, 245760, 8192, 50000},
        {42, 522240, 8704, 50000},    {50, 589824, 22080, 135000}, {51, 983040, 36864, 240000},
        {52, 2073600, 36864, 240000},
};

uint8_t rtc_h264_level_idc(unsigned width, unsigned height, unsigned fps, unsigned kbps)
{
	uint64_t w = (width + 15) / 16, h = (height + 15) / 16, fs = w * h;

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		/* A.3.1: neither dimension beyond sqrt(8 * MaxFS) macroblocks */
		if (fs <= levels[i].max_fs && w * w <= 8ull * levels[i].max_fs &&
		    h * h <= 8ull * levels[i].max_fs && fs * fps <= levels[i].max_mbps &&
		    kbps <= levels[i].max_kbps)
			return levels[i].idc;
	}
	return 52;
}

uint8_t rtc_h264_444_level_idc(unsigned width, unsigned height, unsigned fps, unsigned kbps)
{
	return rtc_h264_level_idc(width, height, fps, kbps / 4 + (kbps % 4 != 0));
}

uint8_t rtc_codec_rtx_payload_type(enum rtc_codec codec)
{
	return codecs[(unsigned)codec < RTC_CODEC_COUNT ? codec : RTC_CODEC_H264].rtx_pt;
}
