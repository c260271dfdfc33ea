/* rtc_sdp_answer_parse over any bytes; what it accepts must hold what it promises. */
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct rtc_sdp_answer *a)
{
	size_t ufrag = strlen(a->ice_ufrag), pwd = strlen(a->ice_pwd);

	if (ufrag < 4 || ufrag > 256 || pwd < 22 || pwd > 256 ||
	    a->setup == RTC_SDP_SETUP_ACTPASS || !a->video || a->video_mline < 0 ||
	    a->n_video_pts > G_N_ELEMENTS(a->video_pts) ||
	    a->n_candidates > RTC_SDP_MAX_REMOTE_CANDIDATES)
		abort();
	static const enum rtc_codec both[] = {RTC_CODEC_H264, RTC_CODEC_VP8};
	enum rtc_codec codec;
	char *why = NULL;

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
	/* a codec chosen is one offered and kept; none chosen is said in words */
	if (rtc_sdp_answer_choose_codec(a, both, 2, 0x20, 0, &codec, &why)) {
		if (!rtc_sdp_answer_has_pt(a, rtc_codec_payload_type(codec)) || why)
			abort();
	} else if (!why || !why[0]) {
		abort();
	}
	g_free(why);
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
