/* Shared-memory buffers on memfds, the one kind of wl_buffer every client of ours makes. */
#include <glib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wayland/shm.h"

void wayland_shm_buffer_free(struct wayland_shm_buffer *b)
{
	if (b->buffer)
		wl_buffer_destroy(b->buffer);
	if (b->data)
		munmap(b->data, b->size);
	*b = (struct wayland_shm_buffer){0};
}

bool wayland_shm_buffer_make(struct wayland_shm_buffer *b, struct wl_shm *shm, const char *name,
                             uint32_t width, uint32_t height, uint32_t stride, uint32_t format)
{
	struct wl_shm_pool *pool;
	size_t size = (size_t)stride * height;
	void *data;
	int fd;

	/* the caller checked the geometry: nothing here may overflow */
	g_assert(width > 0 && height > 0 && stride > 0 && size / stride == height);
	wayland_shm_buffer_free(b);
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return false;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED)
		goto fail;
	pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	b->buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)width, (int32_t)height,
	                                      (int32_t)stride, format);
	wl_shm_pool_destroy(pool);
	close(fd);
	b->data = data;
	b->size = size;
	b->width = width;
	b->height = height;
	b->stride = stride;
	b->format = format;
	return true;
fail:
	close(fd);
	return false;
}
