/* A wl_shm buffer on its own memfd, mapped for reading and writing: what screencopy and
 * the cursor capture copy into. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-client.h>

/* A wl_shm buffer on its own memfd, mapped for reading and writing. */
struct wayland_shm_buffer {
	struct wl_buffer *buffer;
	void *data;
	size_t size;
	uint32_t width, height, stride, format; /* format: wl_shm */
};

/* Frees what `b` held, then makes a buffer of that geometry (`name` labels the memfd);
 * false, with `b` empty, when the memory cannot be had. The caller checks the geometry's
 * sanity first: it sizes a mapping. */
bool wayland_shm_buffer_make(struct wayland_shm_buffer *b, struct wl_shm *shm, const char *name,
                             uint32_t width, uint32_t height, uint32_t stride, uint32_t format);
void wayland_shm_buffer_free(struct wayland_shm_buffer *b); /* empty is fine */
