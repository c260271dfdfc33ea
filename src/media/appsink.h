/* An appsink's output as one call per buffer, its bytes mapped for the call: the
 * new-sample callback the encoder and the audio would each write (pull, map, unmap, unref),
 * written once. Runs on the pipeline's streaming thread. */
#pragma once

#include <gst/gst.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*appsink_buffer_fn)(void *data, GstBuffer *buf, const uint8_t *bytes, size_t len);

/* `sink` is an appsink; `fn` gets every buffer until the sink is disposed. */
void appsink_set_output(GstElement *sink, appsink_buffer_fn fn, void *data);
