/* Secrets on disk: never readable by others, never half-written, never read through a
 * link or from something that is not a plain file. */
#include "util/state.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/io.h"

#define STATE_DIR_NAME  "wayrtc"
#define STATE_DIR_MODE  0700
#define SECRET_MODE     0600
#define SECRET_MAX_SIZE (64 * 1024) /* keys and certificates are a few KiB */

/* Our own directory must be ours and closed to others; a directory we made with a looser
 * umask long ago is tightened, one that belongs to someone else is refused. */
static bool dir_check(const char *dir, GError **error)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", dir,
		            g_strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
		            "the state directory %s is not a directory", dir);
		return false;
	}
	if (st.st_uid != geteuid()) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		            "the state directory %s belongs to another user", dir);
		return false;
	}
	if ((st.st_mode & 077) && chmod(dir, STATE_DIR_MODE) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "cannot close the state directory %s to other users: %s", dir,
		            g_strerror(errno));
		return false;
	}
	return true;
}

char *state_dir_get(GError **error)
{
	g_autofree char *dir = g_build_filename(g_get_user_state_dir(), STATE_DIR_NAME, NULL);

	if (g_mkdir_with_parents(dir, STATE_DIR_MODE) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "cannot create the state directory %s: %s", dir, g_strerror(errno));
		return NULL;
	}
	if (!dir_check(dir, error))
		return NULL;
	return g_steal_pointer(&dir);
}

bool state_read_secret(const char *dir, const char *name, char **data, size_t *len, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *buf = NULL;
	size_t got = 0;
	struct stat st;
	int fd;

	/* O_NOFOLLOW + fstat: the file checked is the file read, and a symlink planted in
	 * its place is refused rather than followed. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s is a symbolic link, not a regular file; remove it", path);
		return false;
	}
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		return false;
	}
	if (fstat(fd, &st) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s is not a regular file; remove it", path);
		goto fail;
	}
	if (st.st_mode & 077) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		            "%s may be read by other users (mode %03o); fix it with chmod 600",
		            path, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	if (st.st_size > SECRET_MAX_SIZE) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s is too large (%lld bytes) to be one of wayrtc's keys", path,
		            (long long)st.st_size);
		goto fail;
	}
	buf = g_malloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			            "cannot read %s: %s", path, g_strerror(errno));
			explicit_bzero(buf, got);
			goto fail;
		}
		if (n == 0)
			break; /* shrank under us: take what is there */
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = g_steal_pointer(&buf);
	*len = got;
	return true;
fail:
	close(fd);
	return false;
}

bool state_write_secret(const char *dir, const char *name, const void *data, size_t len,
                        GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, SECRET_MODE);
	int saved;

	if (fd < 0) {
		saved = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
		            "cannot write %s: %s", path, g_strerror(saved));
		return false;
	}
	if (!io_write_all(fd, data, len))
		goto fail_fd;
	/* the data reaches the disk before the name does, so a crash leaves the old
	 * file or the new one, never an empty key */
	if (fsync(fd) < 0)
		goto fail_fd;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_fd;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail_fd;
	return true;
fail_fd:
	saved = errno;
	if (fd >= 0)
		close(fd);
	g_unlink(tmp);
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "cannot write %s: %s",
	            path, g_strerror(saved));
	return false;
}
