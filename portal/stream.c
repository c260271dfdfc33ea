/* The producer side of a screencast. Buffers are MemFd we allocate (add_buffer), which is
 * what SHM capture can fill; a DMA-BUF path would announce SPA_DATA_DmaBuf with modifiers
 * in the EnumFormat and allocate GBM buffers in add_buffer, with screencopy copying straight
 * into them (capture_choose_buffer already decides between the two). No GPU here, so only
 * MemFd is offered. */
#define LOG_MODULE "stream"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cursor_meta.h"
#include "util/log.h"
#include "media/capture.h"
#include "media/pwmeta.h"
#include "pw.h"

#define DRM_FORMAT_ARGB8888 0x34325241 /* 'AR24' */
#define DRM_FORMAT_XRGB8888 0x34325258 /* 'XR24' */
#define DRM_FORMAT_ABGR8888 0x34324241 /* 'AB24' */
#define DRM_FORMAT_XBGR8888 0x34324258 /* 'XB24' */
#define MAX_FPS             60
#define N_BUFFERS           4
#define MIN_BUFFERS         2
#define MAX_BUFFERS         16
#define POD_BUFFER          1024
/* Cursor-only buffers: at most one per output frame, and never faster than the node's
 * maxFramerate; a refresh below 10 Hz is not believed. */
#define CURSOR_INTERVAL_MAX_US (G_USEC_PER_SEC / 10)

struct screen_stream {
	struct backend_pw *pw;
	struct capture *capture;
	struct pw_stream *stream;
	struct spa_hook stream_listener;
	const struct screen_stream_listener *listener;
	void *data;

	/* the newest frame, kept because a still screen sends no more and a consumer that
	 * connects later still needs one */
	uint8_t *last;
	uint32_t width, height, stride;
	enum spa_video_format format;
	bool y_invert;
	/* what the node negotiated; frames of another size wait for renegotiation */
	uint32_t neg_width, neg_height;
	bool negotiated, streaming, announced;
	uint32_t node_id;
	uint64_t seq;
	uint64_t frames;
	int64_t last_queue_us; /* when the last buffer (of any kind) went out */
	/* cursor mode metadata */
	bool cursor_meta;
	bool cursor_negotiated; /* the consumer's buffers carry SPA_META_Cursor */
	struct cursor_meta cursor;
	int64_t cursor_interval_us;
	guint cursor_timer; /* a cursor-only buffer once the interval since the last is over */
	uint64_t cursor_buffers;
	guint close_idle;
	guint repeat_timer; /* the kept frame again, shortly after streaming starts */
	unsigned repeats;
	char *close_reason;
	bool dying; /* in screen_stream_free: disconnecting tells nobody */
};

static enum spa_video_format spa_format(uint32_t drm)
{
	/* DRM fourccs name the little-endian word, SPA names the bytes in memory; the
	 * alpha of a screen means nothing, so both variants map to the x format */
	switch (drm) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
		return SPA_VIDEO_FORMAT_BGRx;
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888:
		return SPA_VIDEO_FORMAT_RGBx;
	default:
		return SPA_VIDEO_FORMAT_UNKNOWN;
	}
}

static gboolean close_now(void *data)
{
	struct screen_stream *s = data;

	s->close_idle = 0;
	s->listener->closed(s->data, s->close_reason);
	return G_SOURCE_REMOVE;
}

/* Callbacks of PipeWire and Wayland must not free what they run in: the end is told from
 * an idle callback instead. */
static void close_later(struct screen_stream *s, const char *reason)
{
	if (s->close_reason || s->dying)
		return;
	s->close_reason = g_strdup(reason);
	log_info("screencast ended: %s", reason);
	s->close_idle = g_idle_add(close_now, s);
}

static const struct spa_pod *build_format(struct screen_stream *s, struct spa_pod_builder *b)
{
	return spa_pod_builder_add_object(
	        b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat, SPA_FORMAT_mediaType,
	        SPA_POD_Id(SPA_MEDIA_TYPE_video), SPA_FORMAT_mediaSubtype,
	        SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), SPA_FORMAT_VIDEO_format, SPA_POD_Id(s->format),
	        SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&SPA_RECTANGLE(s->width, s->height)),
	        /* variable rate: a frame comes when the screen changes */
	        SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(0, 1)),
	        SPA_FORMAT_VIDEO_maxFramerate,
	        SPA_POD_CHOICE_RANGE_Fraction(&SPA_FRACTION(MAX_FPS, 1), &SPA_FRACTION(1, 1),
	                                      &SPA_FRACTION(MAX_FPS, 1)));
}

static void copy_frame(struct screen_stream *s, uint8_t *dst, uint32_t dst_stride)
{
	uint32_t row = MIN(s->stride, dst_stride);

	for (uint32_t y = 0; y < s->height; y++) {
		uint32_t from = s->y_invert ? s->height - 1 - y : y;

		memcpy(dst + (size_t)y * dst_stride, s->last + (size_t)from * s->stride, row);
	}
}

static void fill_damage(struct spa_buffer *buf, const struct capture_frame *frame, uint32_t width,
                        uint32_t height)
{
	struct spa_meta *meta = spa_buffer_find_meta(buf, SPA_META_VideoDamage);
	struct spa_meta_region *r;
	size_t room, n = 0;

	if (!meta)
		return;
	room = meta->size / sizeof(struct spa_meta_region);
	r = meta->data;
	if (!frame || frame->n_damage == 0 || frame->y_invert) {
		/* the whole frame (an inverted frame's rectangles would need flipping) */
		if (room > 0)
			r[n++] =
			        (struct spa_meta_region){.region = SPA_REGION(0, 0, width, height)};
	} else {
		for (size_t i = 0; i < frame->n_damage && n < room; i++) {
			const struct capture_rect *d = &frame->damage[i];

			if (!d->width || !d->height)
				continue;
			r[n++] = (struct spa_meta_region){
			        .region = SPA_REGION(d->x, d->y, d->width, d->height)};
		}
	}
	/* a zero-sized region ends the list when it is shorter than the room */
	if (n < room)
		r[n] = (struct spa_meta_region){0};
}

static bool can_push(const struct screen_stream *s)
{
	return s->streaming && s->negotiated && s->neg_width == s->width &&
	       s->neg_height == s->height;
}

/* Header and cursor metadata, then out: a driver stream starts the graph cycle itself. */
static void queue_buffer(struct screen_stream *s, struct pw_buffer *pwb, int64_t pts_us,
                         bool with_image)
{
	struct spa_meta_header *h =
	        spa_buffer_find_meta_data(pwb->buffer, SPA_META_Header, sizeof(*h));

	if (h) {
		h->flags = 0;
		h->offset = 0;
		h->seq = s->seq++;
		h->pts = pts_us * SPA_NSEC_PER_USEC;
		h->dts_offset = 0;
	}
	if (s->cursor_meta)
		cursor_meta_write(&s->cursor, spa_buffer_find_meta(pwb->buffer, SPA_META_Cursor),
		                  with_image);
	pw_stream_queue_buffer(s->stream, pwb);
	pw_stream_trigger_process(s->stream);
	s->last_queue_us = g_get_monotonic_time();
}

static void cursor_schedule(struct screen_stream *s);

/* Puts the kept frame into the node: `frame` carries its damage, NULL means all of it. */
static void push_frame(struct screen_stream *s, const struct capture_frame *frame)
{
	struct pw_buffer *pwb;
	struct spa_buffer *buf;
	struct spa_data *d;
	uint32_t stride;

	if (!can_push(s))
		return;
	pwb = pw_stream_dequeue_buffer(s->stream);
	if (!pwb) {
		/* every buffer is with the consumer: this frame is skipped, the next one
		 * carries the whole picture anyway */
		log_debug("no free buffer, frame dropped");
		/* a cursor change it would have carried goes when a buffer is back */
		cursor_schedule(s);
		return;
	}
	buf = pwb->buffer;
	d = &buf->datas[0];
	stride = SPA_ROUND_UP_N(s->width * 4, 4);
	if (!d->data || d->maxsize < (size_t)stride * s->height) {
		log_debug("buffer unusable (%p, %u bytes)", d->data, d->maxsize);
		d->chunk->size = 0;
		d->chunk->flags = SPA_CHUNK_FLAG_CORRUPTED;
		pw_stream_queue_buffer(s->stream, pwb);
		return;
	}
	copy_frame(s, d->data, stride);
	d->chunk->offset = 0;
	d->chunk->stride = (int32_t)stride;
	d->chunk->size = stride * s->height;
	d->chunk->flags = SPA_CHUNK_FLAG_NONE;
	fill_damage(buf, frame, s->width, s->height);
	/* the kept frame again (a consumer starting): the image again too, since the
	 * buffer that had it may be the one lost at the start */
	queue_buffer(s, pwb, frame ? frame->ready_us : g_get_monotonic_time(), !frame);
	s->frames++;
	log_debug("frame %" G_GUINT64_FORMAT " queued (%zu damage rectangles)", s->frames,
	          frame ? frame->n_damage : 0);
}

/* Only the pointer moved: a buffer without a picture (chunk size 0, not corrupted, which
 * would make the consumer take the next frame as wholly new) and with no damage, carrying
 * the cursor, as mutter sends them. False when every buffer is with the consumer. */
static bool push_cursor(struct screen_stream *s)
{
	struct pw_buffer *pwb = pw_stream_dequeue_buffer(s->stream);
	struct spa_data *d;
	struct spa_meta *damage;

	if (!pwb)
		return false;
	d = &pwb->buffer->datas[0];
	d->chunk->offset = 0;
	d->chunk->size = 0;
	d->chunk->stride = (int32_t)SPA_ROUND_UP_N(s->width * 4, 4);
	d->chunk->flags = SPA_CHUNK_FLAG_NONE;
	damage = spa_buffer_find_meta(pwb->buffer, SPA_META_VideoDamage);
	if (damage && damage->size >= sizeof(struct spa_meta_region))
		*(struct spa_meta_region *)damage->data = (struct spa_meta_region){0};
	queue_buffer(s, pwb, g_get_monotonic_time(), false);
	s->cursor_buffers++;
	log_debug("cursor-only buffer %" G_GUINT64_FORMAT ": %d,%d%s", s->cursor_buffers,
	          s->cursor.x, s->cursor.y, s->cursor.hidden ? " (hidden)" : "");
	return true;
}

static gboolean cursor_due(void *data)
{
	struct screen_stream *s = data;

	s->cursor_timer = 0;
	cursor_schedule(s);
	return G_SOURCE_REMOVE;
}

/* A cursor change goes out at once when the last buffer is at least one interval old (so
 * the first move after a pause is never delayed), else when the interval is over; a frame
 * going out meanwhile takes it along. */
static void cursor_schedule(struct screen_stream *s)
{
	int64_t now, due;

	if (!s->cursor.moved || s->cursor_timer || !s->cursor_negotiated || !can_push(s))
		return;
	now = g_get_monotonic_time();
	due = s->last_queue_us + s->cursor_interval_us;
	if (now >= due && push_cursor(s))
		return;
	/* too soon, or no free buffer: a little later */
	if (now >= due)
		due = now + s->cursor_interval_us;
	s->cursor_timer = g_timeout_add((guint)MAX((due - now + 999) / 1000, 1), cursor_due, s);
}

static void stop_cursor_timer(struct screen_stream *s)
{
	if (s->cursor_timer)
		g_source_remove(s->cursor_timer);
	s->cursor_timer = 0;
}

/* A frame queued at the very moment the graph starts can be lost on its way to the new
 * consumer (seen about one start in five here), and a still screen sends no other: so the
 * kept frame goes again a little later, twice. A consumer that had it sees a duplicate
 * and encodes nothing new. */
static const unsigned repeat_after_ms[] = {100, 400}; /* after streaming starts */

static gboolean repeat_frame(void *data)
{
	struct screen_stream *s = data;

	push_frame(s, NULL);
	s->repeat_timer = 0;
	if (++s->repeats < G_N_ELEMENTS(repeat_after_ms))
		s->repeat_timer =
		        g_timeout_add(repeat_after_ms[s->repeats] - repeat_after_ms[s->repeats - 1],
		                      repeat_frame, s);
	return G_SOURCE_REMOVE;
}

static void stop_repeats(struct screen_stream *s)
{
	if (s->repeat_timer)
		g_source_remove(s->repeat_timer);
	s->repeat_timer = 0;
}

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
                             const char *error)
{
	struct screen_stream *s = data;

	log_debug("stream state %s → %s", pw_stream_state_as_string(old),
	          pw_stream_state_as_string(state));
	switch (state) {
	case PW_STREAM_STATE_ERROR:
		close_later(s, error ? error : "the PipeWire stream failed");
		break;
	case PW_STREAM_STATE_UNCONNECTED:
		close_later(s, "the PipeWire stream was disconnected");
		break;
	case PW_STREAM_STATE_PAUSED:
		s->streaming = false;
		stop_repeats(s);
		stop_cursor_timer(s);
		if (!s->announced && pw_stream_get_node_id(s->stream) != SPA_ID_INVALID) {
			s->announced = true;
			s->node_id = pw_stream_get_node_id(s->stream);
			log_info("node %u: %ux%u", s->node_id, s->width, s->height);
			s->listener->ready(s->data, s->node_id, s->width, s->height);
		}
		break;
	case PW_STREAM_STATE_STREAMING:
		s->streaming = true;
		/* a new consumer has seen nothing yet */
		push_frame(s, NULL);
		stop_repeats(s);
		s->repeats = 0;
		s->repeat_timer = g_timeout_add(repeat_after_ms[0], repeat_frame, s);
		break;
	case PW_STREAM_STATE_CONNECTING:
		break;
	}
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct screen_stream *s = data;
	struct spa_video_info_raw info;
	uint8_t buffer[POD_BUFFER];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[1 + PWMETA_MAX_PARAMS];
	uint32_t n = 0, stride, size;

	if (id != SPA_PARAM_Format)
		return;
	if (!param) {
		s->negotiated = false;
		return;
	}
	if (spa_format_video_raw_parse(param, &info) < 0) {
		pw_stream_set_error(s->stream, -EINVAL, "unparsable format");
		return;
	}
	s->neg_width = info.size.width;
	s->neg_height = info.size.height;
	s->negotiated = true;
	s->cursor_negotiated = false; /* add_buffer tells */
	stride = SPA_ROUND_UP_N(info.size.width * 4, 4);
	size = stride * info.size.height;
	params[n++] = spa_pod_builder_add_object(
	        &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers,
	        SPA_POD_CHOICE_RANGE_Int(N_BUFFERS, MIN_BUFFERS, MAX_BUFFERS),
	        SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1), SPA_PARAM_BUFFERS_size, SPA_POD_Int(size),
	        SPA_PARAM_BUFFERS_stride, SPA_POD_Int(stride), SPA_PARAM_BUFFERS_dataType,
	        SPA_POD_CHOICE_FLAGS_Int(1 << SPA_DATA_MemFd));
	/* consumers that ask for less room get images up to their size, larger ones go as
	 * invisible (cursor_meta_write); the default is all we can send */
	n += pwmeta_params(&b, params + n, CAPTURE_MAX_DAMAGE, CURSOR_META_SIDE,
	                   s->cursor_meta ? CURSOR_META_SIDE : 0);
	pw_stream_update_params(s->stream, params, n);
	log_debug("format %ux%u negotiated", info.size.width, info.size.height);
}

static void on_add_buffer(void *data, struct pw_buffer *pwb)
{
	struct screen_stream *s = data;
	struct spa_data *d = &pwb->buffer->datas[0];
	int fd;

	log_debug("add buffer: types %#x, %u bytes", d->type, d->maxsize);
	/* a consumer that did not ask for the cursor gets no buffers without a picture */
	if (s->cursor_meta && spa_buffer_find_meta(pwb->buffer, SPA_META_Cursor))
		s->cursor_negotiated = true;
	if (!(d->type & (1u << SPA_DATA_MemFd))) {
		log_warn("the consumer wants a buffer type other than MemFd");
		return;
	}
	/* with ALLOC_BUFFERS the memory, and so its size, is ours to choose */
	d->maxsize = SPA_ROUND_UP_N(s->neg_width * 4, 4) * s->neg_height;
	fd = memfd_create("wayrtc-portal-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return;
	if (ftruncate(fd, d->maxsize) < 0) {
		close(fd);
		return;
	}
	/* the consumer maps it too: it must keep its size */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	d->type = SPA_DATA_MemFd;
	d->flags = SPA_DATA_FLAG_READABLE;
	d->fd = fd;
	d->mapoffset = 0;
	d->data = mmap(NULL, d->maxsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (d->data == MAP_FAILED) {
		d->data = NULL;
		close(fd);
		d->fd = -1;
	}
}

static void on_remove_buffer(void *data, struct pw_buffer *pwb)
{
	struct spa_data *d = &pwb->buffer->datas[0];

	if (d->type != SPA_DATA_MemFd)
		return;
	if (d->data)
		munmap(d->data, d->maxsize);
	if (d->fd >= 0)
		close((int)d->fd);
	d->data = NULL;
	d->fd = -1;
}

static const struct pw_stream_events stream_events = {
        PW_VERSION_STREAM_EVENTS,          .state_changed = on_state_changed,
        .param_changed = on_param_changed, .add_buffer = on_add_buffer,
        .remove_buffer = on_remove_buffer,
};

static bool stream_connect(struct screen_stream *s)
{
	uint8_t buffer[POD_BUFFER];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[1];
	struct pw_properties *props;

	props = pw_properties_new(PW_KEY_MEDIA_CLASS, "Video/Source", PW_KEY_MEDIA_ROLE, "Screen",
	                          PW_KEY_NODE_NAME, "xdg-desktop-portal-wayrtc", NULL);
	s->stream = pw_stream_new(s->pw->core, "wayrtc screencast", props);
	if (!s->stream)
		return false;
	pw_stream_add_listener(s->stream, &s->stream_listener, &stream_events, s);
	params[0] = build_format(s, &b);
	return pw_stream_connect(s->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
	                         PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_ALLOC_BUFFERS, params,
	                         1) >= 0;
}

static void capture_frame(void *data, const struct capture_frame *frame)
{
	struct screen_stream *s = data;
	enum spa_video_format format = spa_format(frame->format);
	bool resized;

	if (format == SPA_VIDEO_FORMAT_UNKNOWN) {
		close_later(s, "the compositor's screen format has no PipeWire equivalent");
		return;
	}
	resized = frame->width != s->width || frame->height != s->height || format != s->format;
	if (resized || frame->stride != s->stride) {
		g_free(s->last);
		s->last = g_malloc((size_t)frame->stride * frame->height);
	}
	memcpy(s->last, frame->data, (size_t)frame->stride * frame->height);
	s->width = frame->width;
	s->height = frame->height;
	s->stride = frame->stride;
	s->format = format;
	s->y_invert = frame->y_invert;
	if (!s->stream) {
		/* the first frame tells the size and format the node offers */
		if (!stream_connect(s))
			close_later(s, "cannot create the PipeWire stream");
		return;
	}
	if (resized) {
		uint8_t buffer[POD_BUFFER];
		struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
		const struct spa_pod *params[1] = {build_format(s, &b)};

		/* the consumer renegotiates; the kept frame goes out when it streams again */
		log_info("screen now %ux%u", s->width, s->height);
		pw_stream_update_params(s->stream, params, 1);
		return;
	}
	if (capture_frame_changed(frame))
		push_frame(s, frame);
}

static void capture_closed(void *data, const char *reason)
{
	close_later(data, reason);
}

static void capture_cursor(void *data, const struct capture_cursor *in)
{
	struct screen_stream *s = data;

	cursor_meta_take(&s->cursor, in);
	cursor_schedule(s);
}

static const struct capture_listener capture_listener = {
        .frame = capture_frame,
        .closed = capture_closed,
};

/* Cursor mode metadata: capture_wlr leaves the pointer out of the frames and reports it. */
static const struct capture_listener capture_cursor_listener = {
        .frame = capture_frame,
        .closed = capture_closed,
        .cursor = capture_cursor,
};

struct screen_stream *screen_stream_new(struct backend_pw *pw,
                                        const struct screen_stream_options *options,
                                        const struct screen_stream_listener *listener, void *data,
                                        GError **error)
{
	struct screen_stream *s = g_new0(struct screen_stream, 1);
	struct capture_wlr_options copts = {
	        .display = options->display,
	        .output = options->output,
	        .overlay_cursor = options->cursor == SCREEN_CURSOR_EMBEDDED,
	};
	int64_t frame_us = options->refresh_mhz > 0
	                           ? (int64_t)G_USEC_PER_SEC * 1000 / options->refresh_mhz
	                           : G_USEC_PER_SEC / MAX_FPS;

	s->pw = pw;
	s->listener = listener;
	s->data = data;
	s->node_id = SPA_ID_INVALID;
	s->cursor_meta = options->cursor == SCREEN_CURSOR_METADATA;
	s->cursor_interval_us =
	        CLAMP(frame_us, (int64_t)G_USEC_PER_SEC / MAX_FPS, CURSOR_INTERVAL_MAX_US);
	if (pw->broken) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
		            "the connection to PipeWire is broken");
		goto fail;
	}
	s->capture = capture_wlr_new_with(
	        &copts, s->cursor_meta ? &capture_cursor_listener : &capture_listener, s, error);
	if (!s->capture)
		goto fail;
	return s;
fail:
	screen_stream_free(s);
	return NULL;
}

uint64_t screen_stream_frames(const struct screen_stream *stream)
{
	return stream->frames;
}

uint64_t screen_stream_cursor_buffers(const struct screen_stream *stream)
{
	return stream->cursor_buffers;
}

void screen_stream_free(struct screen_stream *s)
{
	if (!s)
		return;
	if (s->close_idle)
		g_source_remove(s->close_idle);
	stop_repeats(s);
	stop_cursor_timer(s);
	s->dying = true;
	capture_destroy(s->capture);
	if (s->stream) {
		/* with the listener still on, so remove_buffer unmaps and closes our memfds */
		pw_stream_disconnect(s->stream);
		spa_hook_remove(&s->stream_listener);
		pw_stream_destroy(s->stream);
	}
	g_free(s->last);
	g_free(s->close_reason);
	g_free(s);
}
