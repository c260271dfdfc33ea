/* The capture interface's one shared function. */
#include "media/capture.h"

void capture_destroy(struct capture *capture)
{
	if (capture)
		capture->impl->destroy(capture);
}

enum capture_buffer_kind capture_choose_buffer(const struct capture_offer *offer,
                                               const struct capture_import *import)
{
	if (offer->dmabuf_format && import->render_node) {
		for (size_t i = 0; i < import->n_dmabuf_formats; i++) {
			if (import->dmabuf_formats[i] == offer->dmabuf_format)
				return CAPTURE_BUFFER_DMABUF;
		}
	}
	return offer->shm ? CAPTURE_BUFFER_SHM : CAPTURE_BUFFER_NONE;
}
