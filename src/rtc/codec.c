/* Codec names and payload types, in one place. */
#include "rtc/codec.h"

#include <string.h>

const char *rtc_codec_name(enum rtc_codec codec)
{
	return codec == RTC_CODEC_VP8 ? "vp8" : "h264";
}

bool rtc_codec_from_name(const char *name, enum rtc_codec *out)
{
	if (strcmp(name, "h264") == 0)
		*out = RTC_CODEC_H264;
	else if (strcmp(name, "vp8") == 0)
		*out = RTC_CODEC_VP8;
	else
		return false;
	return true;
}

uint8_t rtc_codec_payload_type(enum rtc_codec codec)
{
	return codec == RTC_CODEC_VP8 ? RTC_PT_VP8 : RTC_PT_H264;
}

uint8_t rtc_codec_rtx_payload_type(enum rtc_codec codec)
{
	return codec == RTC_CODEC_VP8 ? RTC_PT_VP8_RTX : RTC_PT_H264_RTX;
}
