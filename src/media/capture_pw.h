/* PipeWire capture source: a pw_stream consumer of one video node (the ScreenCast portal's,
 * or any other), behind the `struct capture` interface, so the encoder and hub take its
 * frames unchanged. Its pw_loop is a GSource on the thread-default GMainContext.
 *
 * Exercised on the test machines (tests/integration/test-capture-pw.c, real PipeWire and
 * WirePlumber, a GStreamer producer and one of the test's own): shared memory (MemFd) in
 * BGRx and RGBx, damage and cursor metadata, size-0 and corrupted buffers, the newest
 * buffer only, a new size, and `closed` when the producer or the daemon goes away. NOT
 * exercised (no GPU, no /dev/dri there): the DMA-BUF path; only the decision of what to
 * offer (capture_pw_choose_offer) and the format table are unit-tested. Nor has it met
 * mutter's or KWin's streams, whose cursor conventions it follows from their source. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/capture.h"

#define DRM_FORMAT_MOD_LINEAR_VALUE  0ULL
#define DRM_FORMAT_MOD_INVALID_VALUE 0x00ffffffffffffffULL /* implicit modifier */

struct capture_pw_options {
	/* DRM fourccs the encoder imports as DMA-BUFs, best first; only the four 8-bit
	 * RGB ones of capture_pw_drm_format count. Empty: shared memory only. */
	const uint32_t *dmabuf_formats;
	size_t n_dmabuf_formats;
	/* Modifiers it imports them with (each for every format above), best first;
	 * DRM_FORMAT_MOD_INVALID_VALUE for an implicit one. Empty: no DMA-BUF. */
	const uint64_t *modifiers;
	size_t n_modifiers;
	bool render_node; /* a GPU render node exists (/dev/dri/renderD*) */
};

/* Captures PipeWire node `node_id` over `pw_fd` (from the portal's OpenPipeWireRemote; the
 * source takes ownership, even on failure; -1: connect to the default PipeWire daemon, for
 * tests and for nodes found otherwise). Driven from the thread-default GMainContext: every
 * listener call comes from it. `options` may be NULL (shared memory only) and is copied.
 * Fails at once only when PipeWire cannot be reached; a node that does not exist, a stream
 * that fails or ends, the producer or the daemon going away: `closed` (once, with a reason
 * in words), and nothing after it. capture_destroy may be called from any listener call. */
struct capture *capture_pw_new(int pw_fd, uint32_t node_id,
                               const struct capture_pw_options *options,
                               const struct capture_listener *listener, void *data, GError **error);

/* SPA_VIDEO_FORMAT_* ↔ DRM fourcc (capture_frame.format) for the formats we take:
 * BGRx→XR24, BGRA→AR24, RGBx→XB24, RGBA→AB24. 0 (and SPA_VIDEO_FORMAT_UNKNOWN, 0) for any
 * other. */
uint32_t capture_pw_drm_format(uint32_t spa_format);
uint32_t capture_pw_spa_format(uint32_t drm_format);

#define CAPTURE_PW_MAX_FORMATS   4
#define CAPTURE_PW_MAX_MODIFIERS 16

/* What to put in the stream's EnumFormat params: DMA-BUF formats with their modifiers
 * first (when any), then shared memory, always, so a producer without DMA-BUF still
 * matches. */
struct capture_pw_offer {
	size_t n_dmabuf_formats;                         /* 0: no DMA-BUF offer */
	uint32_t dmabuf_formats[CAPTURE_PW_MAX_FORMATS]; /* SPA_VIDEO_FORMAT_*, best first */
	size_t n_modifiers;
	uint64_t modifiers[CAPTURE_PW_MAX_MODIFIERS];
};

/* DMA-BUF only with a render node, a format both sides know, and at least one modifier
 * the encoder imports that has not failed yet (`failed`: modifiers whose import failed on
 * this stream, which are dropped before renegotiating). Pure, so the rule is tested on
 * machines where DMA-BUF cannot run. `options` may be NULL. */
void capture_pw_choose_offer(const struct capture_pw_options *options, const uint64_t *failed,
                             size_t n_failed, struct capture_pw_offer *offer);
