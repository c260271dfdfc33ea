#include "util/io.h"

#include <assert.h>
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

bool io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0) {
			errno = EPIPE;
			return false;
		}
		done += (size_t)n;
	}
	return true;
}

ssize_t io_read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
	int64_t deadline = g_get_monotonic_time() + timeout_ms * (int64_t)1000;
	size_t len = 0;
	char *nl;

	assert(cap > 0);
	buf[0] = '\0';
	while (len < cap - 1) {
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		nl = memchr(buf, '\n', len);
		if (nl) {
			*nl = '\0';
			return nl - buf;
		}
	}
	errno = EPIPE;
	return -1;
}
