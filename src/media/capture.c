/* What every capture source shares: destroy, the buffer rule, the damage test. */
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

bool capture_frame_changed(const struct capture_frame *frame)
{
	if (frame->n_damage == 0)
		return true;
	for (size_t i = 0; i < frame->n_damage && i < CAPTURE_MAX_DAMAGE; i++) {
		if (frame->damage[i].width && frame->damage[i].height)
			return true;
	}
	return false;
}
