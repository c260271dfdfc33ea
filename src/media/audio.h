/* The desktop's sound: a PipeWire capture stream of the default sink's monitor, driven
 * from the thread-default GMainContext, encoded to Opus (10 ms packets, low delay) by
 * GStreamer: appsrc → opusenc → appsink. Each packet goes to the caller on GStreamer's
 * streaming thread, as video's do: no queue between the encoder and the sockets. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIO_RATE            48000 /* Opus's RTP clock; PipeWire resamples to it */
#define AUDIO_CHANNELS        2
#define AUDIO_FRAME_MS        10
#define AUDIO_DEFAULT_BITRATE 96000 /* bit/s */

/* Streaming thread: one Opus packet; `rtp_ts` on the 48 kHz clock, following wall time
 * across pauses (the capture stops while nobody may hear). */
typedef void (*audio_output_fn)(void *data, const uint8_t *opus, size_t len, uint32_t rtp_ts);

/* Fails (saying why, in words for a person) when there is no PipeWire to connect to, or
 * no Opus encoder; later failures (PipeWire going away, a stream error) are logged and
 * end the sound, never anything else. Starts idle. */
struct audio *audio_new(unsigned bitrate_bps, audio_output_fn output, void *data, GError **error);
void audio_free(struct audio *audio); /* accepts NULL */

/* Main thread. Captures and encodes only while active (someone may hear): idle, there is
 * no PipeWire stream at all and the encoder is stopped. */
void audio_set_active(struct audio *audio, bool active);

struct audio_stats {
	uint64_t buffers; /* PipeWire buffers taken */
	uint64_t samples; /* per channel */
	uint64_t packets; /* Opus packets out */
	bool linked;      /* the stream is linked to a sink's monitor and streaming */
};
/* Main thread. */
void audio_get_stats(struct audio *audio, struct audio_stats *out);
