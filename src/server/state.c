/* Secrets on disk: never world-readable, never half-written. */
#include "server/state.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

char *state_dir_get(GError **error)
{
	g_autofree char *dir = g_build_filename(g_get_user_state_dir(), "wayrtc", NULL);

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "cannot create the state directory %s: %s", dir, g_strerror(errno));
		return NULL;
	}
	return g_steal_pointer(&dir);
}

bool state_read_secret(const char *dir, const char *name, char **data, size_t *len, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	struct stat st;

	if (lstat(path, &st) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		            g_strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a regular file",
		            path);
		return false;
	}
	if (st.st_mode & 077) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		            "%s may be read by other users (mode %03o); fix it with chmod 600",
		            path, st.st_mode & 0777);
		return false;
	}
	return g_file_get_contents(path, data, len, error);
}

bool state_write_secret(const char *dir, const char *name, const void *data, size_t len,
                        GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
	const char *p = data;
	size_t left = len;

	if (fd < 0)
		goto fail;
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_fd;
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0)
		goto fail;
	return true;
fail_fd:
	close(fd);
fail:
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot write %s: %s",
	            path, g_strerror(errno));
	g_unlink(tmp);
	return false;
}
