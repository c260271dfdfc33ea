/* Small blocking I/O on file descriptors, for start-up handshakes with child processes
 * (readiness pipes) and writes into memfds and pipes: EINTR and short transfers handled
 * once, here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes all `len` bytes; false (errno set) on an error or a closed reader. */
bool io_write_all(int fd, const void *buf, size_t len);

/* Reads until a newline, end of file, `cap - 1` bytes or `timeout_ms`, and leaves what
 * came NUL-terminated in `buf`. Returns the line's length without its newline, or -1 with
 * errno ETIMEDOUT (time ran out), EPIPE (end of file or `buf` full before a newline) or
 * the read error. */
ssize_t io_read_line(int fd, char *buf, size_t cap, int timeout_ms);
