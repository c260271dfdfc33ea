#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum log_level max_level = LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_init(enum log_level level)
{
	const char *env = getenv("WAYRTC_LOG");

	max_level = level;
	if (!env)
		return;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(env, level_names[i]) == 0)
			max_level = (enum log_level)i;
	}
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_printf(enum log_level level, const char *module, const char *fmt, ...)
{
	struct timespec ts;
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line, so lines from the encoder thread do not interleave. */
	fprintf(stderr, "%5lld.%03ld %-5s %s: %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000,
	        level_names[level], module, line);
}
