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

/* Length of the valid UTF-8 sequence at `s` (1-4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned c = s[0];
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp <= 0x9f) /* C1 controls, CSI among them */
		return 0;
	return n;
}

void log_escape(char *out, size_t size, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t at = 0;

	if (!size)
		return;
	while (*s) {
		size_t n = utf8_len(s);

		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			n = 0;
		if (n) {
			if (at + n >= size)
				break;
			memcpy(out + at, s, n);
			at += n;
			s += n;
			continue;
		}
		if (at + 4 >= size)
			break;
		out[at++] = '\\';
		out[at++] = 'x';
		out[at++] = hex[*s >> 4];
		out[at++] = hex[*s & 0xf];
		s++;
	}
	out[at] = '\0';
}

void log_printf(enum log_level level, const char *module, const char *fmt, ...)
{
	struct timespec ts;
	char raw[1024], line[1024];
	va_list ap;

	if (level > max_level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(line, sizeof(line), raw);
	/* One fprintf per line, so lines from the encoder thread do not interleave. */
	fprintf(stderr, "%5lld.%03ld %-5s %s: %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000,
	        level_names[level], module, line);
}
