/* The config file (config_load_file, GKeyFile under it, then config_set for each key of
 * [wayrtc]) and the value parsers the command line shares with it. The input is the
 * file; its first line is also given to each value parser. A refusal says why, and what
 * is taken stays within the documented bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "share/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void values(const char *line)
{
	enum source_kind source;
	unsigned port, w, h;
	int64_t seconds;
	char *host = NULL;

	config_parse_source(line, &source);
	/* port 0 is allowed: "any free port" (tests listen so) */
	if (config_parse_hostport(line, 8443, &host, &port) && port > 65535)
		abort();
	g_free(host);
	if (config_parse_size(line, &w, &h) &&
	    (!w || !h || w > CONFIG_MAX_SIZE || h > CONFIG_MAX_SIZE))
		abort();
	if (config_parse_duration(line, &seconds) && (seconds < 1 || seconds > 365 * 86400))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct config config;
	GError *error = NULL;
	char path[64];
	char *first;

	if (fd < 0 && (fd = memfd_create("fuzz-config", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_init(&config);
	if (!config_load_file(&config, path, &error) && (!error || !error->message[0]))
		abort(); /* every refusal says why */
	if (config.width > CONFIG_MAX_SIZE || config.height > CONFIG_MAX_SIZE)
		abort();
	g_clear_error(&error);
	config_clear(&config);

	first = g_malloc0(size + 1); /* g_strndup gives NULL for an empty input */
	if (size)
		memcpy(first, data, size);
	first[strcspn(first, "\n")] = '\0';
	values(first);
	g_free(first);
	return 0;
}
