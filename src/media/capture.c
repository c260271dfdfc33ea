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

void capture_frame_add_damage(struct capture_frame *f, uint32_t x, uint32_t y, uint32_t w,
                              uint32_t h)
{
	struct capture_rect *last;
	int32_t x2, y2;

	/* the frame is at most INT32_MAX wide, so after clipping nothing overflows */
	if (x >= f->width || y >= f->height || w == 0 || h == 0 || f->width > INT32_MAX ||
	    f->height > INT32_MAX)
		return;
	w = MIN(w, f->width - x);
	h = MIN(h, f->height - y);
	if (f->n_damage < CAPTURE_MAX_DAMAGE) {
		f->damage[f->n_damage++] = (struct capture_rect){(int32_t)x, (int32_t)y, w, h};
		return;
	}
	last = &f->damage[CAPTURE_MAX_DAMAGE - 1];
	x2 = MAX(last->x + (int32_t)last->width, (int32_t)(x + w));
	y2 = MAX(last->y + (int32_t)last->height, (int32_t)(y + h));
	last->x = MIN(last->x, (int32_t)x);
	last->y = MIN(last->y, (int32_t)y);
	last->width = (uint32_t)(x2 - last->x);
	last->height = (uint32_t)(y2 - last->y);
}
