/* sdp_answer_parse over any bytes; what it accepts must hold what it promises. */
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sdp_answer *a)
{
	size_t ufrag = strlen(a->ice_ufrag), pwd = strlen(a->ice_pwd);

	if (ufrag < 4 || ufrag > 256 || pwd < 22 || pwd > 256 || a->setup == SDP_SETUP_ACTPASS ||
	    !a->video || a->video_mline < 0 || a->n_video_pts > G_N_ELEMENTS(a->video_pts) ||
	    a->n_candidates > SDP_MAX_REMOTE_CANDIDATES)
		abort();
	for (size_t i = 0; i < a->n_candidates; i++) {
		if (strncmp(a->candidates[i], "candidate:", 10) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_answer *a = malloc(sizeof(*a));
	GError *error = NULL;

	if (!a)
		return 0;
	if (sdp_answer_parse(data, size, a, &error))
		check(a);
	else if (!error || !error->message[0])
		abort(); /* every refusal says why */
	g_clear_error(&error);
	free(a);
	return 0;
}
