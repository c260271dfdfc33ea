/* sdp_answer_parse over any bytes. */
#include <stdlib.h>

#include "rtc/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_answer *a = malloc(sizeof(*a));
	GError *error = NULL;

	if (sdp_answer_parse(data, size, a, &error))
		sdp_answer_has_pt(a, 102);
	g_clear_error(&error);
	free(a);
	return 0;
}
