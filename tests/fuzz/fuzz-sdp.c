/* rtc_sdp_answer_parse over any bytes; what it accepts must hold what it promises, and
 * the codec choice over it (rtc_sdp_answer_choose_codec) for each offer the share makes:
 * both H.264 (4:4:4 first) and VP8, each alone, at the default levels and higher ones. */
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a codec chosen is one offered and kept, whose fmtp we can send (packetization-mode 1;
 * 4:4:4 only where the answer names profile_idc 244); none chosen is said in words, and
 * the choice is the same without a place for the words */
static void check_choice(const struct rtc_sdp_answer *a, const enum rtc_codec *offered, size_t n,
                         uint8_t level, uint8_t level_444)
{
	enum rtc_codec codec, again;
	char *why = NULL;
	bool ours = false, chose;

	chose = rtc_sdp_answer_choose_codec(a, offered, n, level, level_444, &codec, &why);
	if (chose) {
		for (size_t i = 0; i < n; i++)
			ours = ours || offered[i] == codec;
		if (!ours || !rtc_sdp_answer_has_pt(a, rtc_codec_payload_type(codec)) || why ||
		    (codec == RTC_CODEC_H264_444 &&
		     a->h264_444.profile_idc != RTC_H264_444_PROFILE_IDC) ||
		    (codec == RTC_CODEC_H264 && a->h264.packetization_mode != 1) ||
		    (codec == RTC_CODEC_H264_444 && a->h264_444.packetization_mode != 1))
			abort();
	} else if (!why || !why[0]) {
		abort();
	}
	g_free(why);
	if (rtc_sdp_answer_choose_codec(a, offered, n, level, level_444, &again, NULL) != chose ||
	    (chose && again != codec))
		abort();
}

static void check(const struct rtc_sdp_answer *a)
{
	static const struct {
		enum rtc_codec codecs[3];
		size_t n;
		uint8_t level, level_444;
	} offers[] = {
	        {{RTC_CODEC_H264, RTC_CODEC_VP8}, 2, 0x20, 0},
	        {{RTC_CODEC_H264_444, RTC_CODEC_H264, RTC_CODEC_VP8}, 3, 0, 0},
	        {{RTC_CODEC_H264_444, RTC_CODEC_VP8}, 2, 0x33, 0x1f},
	        {{RTC_CODEC_H264}, 1, 0x34, 0},
	        {{RTC_CODEC_VP8}, 1, 0, 0},
	};
	size_t ufrag = strlen(a->ice_ufrag), pwd = strlen(a->ice_pwd);

	if (ufrag < 4 || ufrag > 256 || pwd < 22 || pwd > 256 ||
	    a->setup == RTC_SDP_SETUP_ACTPASS || !a->video || a->video_mline < 0 ||
	    a->n_video_pts > G_N_ELEMENTS(a->video_pts) ||
	    a->n_candidates > RTC_SDP_MAX_REMOTE_CANDIDATES)
		abort();
	for (size_t i = 0; i < a->n_candidates; i++) {
		if (strncmp(a->candidates[i], "candidate:", 10) != 0)
			abort();
	}
	/* at least one fingerprint, all of one hash we check */
	if (a->n_fingerprints < 1 || a->n_fingerprints > G_N_ELEMENTS(a->fingerprints))
		abort();
	for (size_t i = 0; i < a->n_fingerprints; i++) {
		if (!rtc_hash_len(a->fingerprints[i].hash) ||
		    a->fingerprints[i].hash != a->fingerprints[0].hash)
			abort();
	}
	for (size_t i = 0; i < G_N_ELEMENTS(offers); i++)
		check_choice(a, offers[i].codecs, offers[i].n, offers[i].level,
		             offers[i].level_444);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_sdp_answer *a = malloc(sizeof(*a));
	GError *error = NULL;

	if (!a)
		return 0;
	if (rtc_sdp_answer_parse(data, size, a, &error))
		check(a);
	else if (!error || !error->message[0])
		abort(); /* every refusal says why */
	g_clear_error(&error);
	free(a);
	return 0;
}
