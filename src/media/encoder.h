/* Video encoding with GStreamer: appsrc → (videoconvert) → encoder → appsink, built in code.
 * Hardware first (va, vaapi, nvcodec, v4l2), else x264 zerolatency / openh264 / vp8. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/capture.h"
#include "rtc/codec.h"

struct encoder_info {
	const char *name; /* element factory name, e.g. "x264enc" */
	enum rtc_codec codec;
	bool hardware;
};

/* Fills `out` with the encoders this machine has, hardware first. Returns the count. */
size_t encoder_probe(struct encoder_info *out, size_t cap);

enum encoder_chroma {
	ENCODER_CHROMA_420, /* every browser decodes it */
	/* full-resolution colour (H.264 High 4:4:4 Predictive, profile_idc 244, SDP
	 * profile-level-id f400xx): coloured text keeps its edges; only x264enc makes it, the
	 * others stay at 4:2:0 */
	ENCODER_CHROMA_444,
};

struct encoder_config {
	const char *name; /* "auto" or NULL: best available for codec */
	enum rtc_codec codec;
	unsigned max_fps; /* frames above this rate are dropped (newest wins) */
	unsigned bitrate_kbps;
	/* Whole frames through videoconvert even for encoders that take our I420 (measuring
	 * one against the other). */
	bool videoconvert;
	/* No still-screen refinement (repeats of the last frame): for tests that count
	 * frames. */
	bool no_refinement;
	enum encoder_chroma chroma;
	/* Main thread, optional, with the output's `data`: how long until the slowest
	 * viewer of this encode has sent what waits for it, in microseconds. While that is
	 * more than a little, new frames wait (the newest wins): fewer frames, not older
	 * ones. */
	int64_t (*backlog_us)(void *data);
	/* Main thread, optional, with the output's `data`: the newest picture whole (the
	 * share's copy of the screen, which outlives each frame), current at every
	 * encoder_push. With it a frame that must wait (max_fps, a backlog) is not converted
	 * on arrival: its damage is kept, and converted from this picture when its turn
	 * comes. An encode held to a slow link's rate then converts one frame in several. */
	const struct capture_frame *(*picture)(void *data);
};

/* Called on the encoder's streaming thread for each encoded frame (H.264: Annex-B access
 * unit; VP8: one frame). `ready_us` is the capture frame's ready time, carried through. */
typedef void (*encoder_output_fn)(void *data, const uint8_t *frame, size_t len, bool keyframe,
                                  uint32_t rtp_ts, int64_t ready_us);

struct encoder *encoder_new(const struct encoder_config *config, encoder_output_fn output,
                            void *data, GError **error);
void encoder_free(struct encoder *enc); /* accepts NULL; stops the pipeline first */

const char *encoder_get_name(struct encoder *enc);
/* What the stream carries: 4:4:4 only where asked and the encoder makes it. */
enum encoder_chroma encoder_get_chroma(struct encoder *enc);

/* Main thread. Takes the frame in and encodes it: for the software encoders only its damage
 * is converted, into the picture the encoder got last; else it is copied whole. */
void encoder_push(struct encoder *enc, const struct capture_frame *frame);
/* Main thread. While idle (nobody watching) frames are neither converted nor encoded:
 * an encode nobody watches costs nothing. Its picture is then out of date, so whoever
 * wakes it hands it the newest whole frame (encoder_set_picture) before the first
 * viewer's keyframe request, which encodes that. */
void encoder_set_idle(struct encoder *enc, bool idle);
/* Main thread. The picture a keyframe repeats, converted whole, without encoding it:
 * the newest frame for an encoder that was idle. */
void encoder_set_picture(struct encoder *enc, const struct capture_frame *frame);
/* Main thread. Frames converted (whole or their damage) since encoder_new, for tests
 * and benchmarks. */
uint64_t encoder_get_conversions(struct encoder *enc);
/* Main thread. A keyframe comes next, even if the screen stays still; at most one per
 * 300 ms (requests inside that are served together at its end). */
void encoder_request_keyframe(struct encoder *enc);

/* Main thread. The rate the encoder may spend, in kbit/s, from now on: the one knob for
 * a share-level policy (e.g. the lowest viewer estimate, capped by --bitrate). For x264 it
 * bounds keyframes and the still-screen refinement too (its VBV). 0 is ignored. */
void encoder_set_bitrate(struct encoder *enc, unsigned kbps);
unsigned encoder_get_bitrate(struct encoder *enc);

/* Main thread. How many times a still screen's last frame was encoded again to sharpen it
 * (the refinement: 200 ms without a new frame, then up to 24 repeats 33 ms apart, fewer
 * once they come out small; then one a second while the screen stays still). */
uint64_t encoder_get_refinements(struct encoder *enc);
