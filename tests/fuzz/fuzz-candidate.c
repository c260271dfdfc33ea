/* Trickled remote candidates (rtc_ice_add_remote_candidate, and libnice's parser under
 * it): the input is one or more lines, each handed over as the browser's JSON would, to a
 * fresh agent with the remote credentials set. Every line is taken or refused with a
 * reason; none crashes or reads past its end. */
#include <stdlib.h>
#include <string.h>

#include "rtc/ice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 24

static void on_state(void *data, enum rtc_ice_state state)
{
}

static void on_receive(void *data, const uint8_t *buf, size_t len)
{
	abort(); /* nothing was gathered, so nothing can arrive */
}

static const struct rtc_ice_listener listener = {
        .state = on_state,
        .receive = on_receive,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtc_ice_config config = {.controlling = true};
	struct rtc_ice *ice = rtc_ice_new(&config, &listener, NULL, NULL);
	size_t start = 0;

	if (!ice || !rtc_ice_set_remote_credentials(ice, "fuzz", "fuzzfuzzfuzzfuzzfuzzfuzz", NULL))
		abort();
	for (int lines = 0; start <= size && lines < MAX_LINES; lines++) {
		/* memchr wants a real pointer even for no bytes (an empty input may be NULL) */
		const uint8_t *nl = start < size ? memchr(data + start, '\n', size - start) : NULL;
		size_t end = nl ? (size_t)(nl - data) : size;
		/* a tight copy: NUL where the line ends, nothing after it */
		char *line = g_strndup((const char *)data + start, end - start);
		GError *error = NULL;

		if (!rtc_ice_add_remote_candidate(ice, line, &error) &&
		    (!error || !error->message[0]))
			abort(); /* every refusal says why */
		g_clear_error(&error);
		g_free(line);
		start = end + 1;
	}
	rtc_ice_remote_gathering_done(ice);
	rtc_ice_free(ice);
	while (g_main_context_iteration(NULL, FALSE))
		;
	return 0;
}
