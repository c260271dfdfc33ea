/* The metadata a video stream's buffers carry, as SPA_PARAM_Meta objects: a header,
 * damage regions and, where asked, the pointer (SPA_META_Cursor with its bitmap). Both of
 * wayrtc's PipeWire video streams use them, the consumer (capture_pw) and the portal
 * backend's producer, so the two agree on the layout by construction. */
#pragma once

#include <spa/buffer/meta.h>
#include <spa/pod/builder.h>
#include <stdint.h>

/* Room for one cursor of w×h 4-byte pixels in SPA_META_Cursor. */
#define PWMETA_CURSOR_SIZE(w, h)                                                                   \
	((int32_t)(sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) +               \
	           (size_t)(w) * (h)*4))

/* How many objects pwmeta_params adds at most. */
#define PWMETA_MAX_PARAMS 3

/* Adds the header's and `max_damage` regions' metadata to `params` and, when cursor_max is
 * not 0, the cursor's: room for a cursor_default-sided image, any from 1×1 up to
 * cursor_max a side. Returns how many it added. */
uint32_t pwmeta_params(struct spa_pod_builder *b, const struct spa_pod **params,
                       uint32_t max_damage, uint32_t cursor_default, uint32_t cursor_max);
