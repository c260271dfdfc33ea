#include "media/appsink.h"

#include <gst/app/gstappsink.h>

struct appsink_output {
	appsink_buffer_fn fn;
	void *data;
};

static GstFlowReturn on_sample(GstAppSink *sink, gpointer data)
{
	const struct appsink_output *out = data;
	GstSample *sample = gst_app_sink_pull_sample(sink);
	GstBuffer *buf;
	GstMapInfo map;

	if (!sample)
		return GST_FLOW_EOS;
	buf = gst_sample_get_buffer(sample);
	if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
		out->fn(out->data, buf, map.data, map.size);
		gst_buffer_unmap(buf, &map);
	}
	gst_sample_unref(sample);
	return GST_FLOW_OK;
}

void appsink_set_output(GstElement *sink, appsink_buffer_fn fn, void *data)
{
	GstAppSinkCallbacks callbacks = {.new_sample = on_sample};
	struct appsink_output *out = g_new(struct appsink_output, 1);

	g_assert(GST_IS_APP_SINK(sink) && fn);
	out->fn = fn;
	out->data = data;
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, out, g_free);
}
