/* RFC 7983's first-byte ranges; RFC 5761 tells RTCP from RTP inside 128..191. */
#include "rtc/demux.h"

#include "rtc/rtcp.h"

enum rtc_demux rtc_demux(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return RTC_DEMUX_DROP;
	if (buf[0] <= 3)
		return RTC_DEMUX_STUN;
	if (buf[0] >= 20 && buf[0] <= 63)
		return RTC_DEMUX_DTLS;
	if (buf[0] >= 128 && buf[0] <= 191)
		return rtc_rtcp_is_rtcp(buf, len) ? RTC_DEMUX_RTCP : RTC_DEMUX_RTP;
	return RTC_DEMUX_DROP;
}
