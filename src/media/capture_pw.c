/* PipeWire capture: one pw_stream consumer on a pw_loop of our own (media/pwloop.h), so
 * stream callbacks run on the main loop and no thread of ours is needed. Only the newest
 * buffer of each wakeup is handed over, with the damage of every buffer it replaced. */
#define LOG_MODULE "pipewire"
#include <errno.h>
#include <gio/gio.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/format-utils.h>
#include <spa/utils/result.h>

#include "util/log.h"
#include "media/capture_pw.h"
#include "media/pwloop.h"
#include "media/orient.h"
#include "media/pwmeta.h"

#define BYTES_PER_PIXEL 4
/* A producer that announces absurd sizes is refused rather than obeyed. */
#define MAX_SIDE 16384
/* Only a default for fixation: screen casts announce their own, fixed size. */
#define DEFAULT_WIDTH  1920
#define DEFAULT_HEIGHT 1080
#define MAX_FPS        1000
#define CURSOR_DEFAULT 64
/* Metadata of any size up to this side is taken (mutter offers a fixed room for 384 px);
 * share/cursor.c scales down what is too large for a browser. */
#define CURSOR_MAX CAPTURE_CURSOR_SOURCE_MAX
/* Enough for CAPTURE_PW_MAX_FORMATS DMA-BUF formats with CAPTURE_PW_MAX_MODIFIERS each. */
#define PARAMS_SIZE 8192
#define MAX_PARAMS  (CAPTURE_PW_MAX_FORMATS + 1)

static const struct {
	uint32_t spa, drm;
	const char *name;
} format_table[] = {
        /* preference order: what compositors produce natively comes first */
        {SPA_VIDEO_FORMAT_BGRx, DRM_FORMAT_XRGB8888, "BGRx"},
        {SPA_VIDEO_FORMAT_BGRA, DRM_FORMAT_ARGB8888, "BGRA"},
        {SPA_VIDEO_FORMAT_RGBx, DRM_FORMAT_XBGR8888, "RGBx"},
        {SPA_VIDEO_FORMAT_RGBA, DRM_FORMAT_ABGR8888, "RGBA"},
};

uint32_t capture_pw_drm_format(uint32_t spa_format)
{
	for (size_t i = 0; i < G_N_ELEMENTS(format_table); i++) {
		if (format_table[i].spa == spa_format)
			return format_table[i].drm;
	}
	return 0;
}

uint32_t capture_pw_spa_format(uint32_t drm_format)
{
	for (size_t i = 0; i < G_N_ELEMENTS(format_table); i++) {
		if (format_table[i].drm == drm_format)
			return format_table[i].spa;
	}
	return SPA_VIDEO_FORMAT_UNKNOWN;
}

static const char *format_name(uint32_t spa_format)
{
	for (size_t i = 0; i < G_N_ELEMENTS(format_table); i++) {
		if (format_table[i].spa == spa_format)
			return format_table[i].name;
	}
	return "?";
}

static bool contains_u64(const uint64_t *v, size_t n, uint64_t x)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == x)
			return true;
	}
	return false;
}

static bool contains_u32(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == x)
			return true;
	}
	return false;
}

void capture_pw_choose_offer(const struct capture_pw_options *options, const uint64_t *failed,
                             size_t n_failed, struct capture_pw_offer *offer)
{
	*offer = (struct capture_pw_offer){0};
	/* without a render node the producer has nowhere to allocate what we would import */
	if (!options || !options->render_node)
		return;
	for (size_t i = 0; i < options->n_modifiers; i++) {
		uint64_t m = options->modifiers[i];

		if (offer->n_modifiers == CAPTURE_PW_MAX_MODIFIERS)
			break;
		if (!contains_u64(failed, n_failed, m) &&
		    !contains_u64(offer->modifiers, offer->n_modifiers, m))
			offer->modifiers[offer->n_modifiers++] = m;
	}
	if (offer->n_modifiers == 0)
		return;
	for (size_t i = 0; i < options->n_dmabuf_formats; i++) {
		uint32_t f = capture_pw_spa_format(options->dmabuf_formats[i]);

		if (offer->n_dmabuf_formats == CAPTURE_PW_MAX_FORMATS)
			break;
		if (f != SPA_VIDEO_FORMAT_UNKNOWN &&
		    !contains_u32(offer->dmabuf_formats, offer->n_dmabuf_formats, f))
			offer->dmabuf_formats[offer->n_dmabuf_formats++] = f;
	}
	if (offer->n_dmabuf_formats == 0)
		offer->n_modifiers = 0;
}

struct capture_pw;

struct capture_pw {
	struct capture base;
	uint32_t node_id;
	struct capture_pw_options options;         /* arrays owned, copied from the caller's */
	uint64_t failed[CAPTURE_PW_MAX_MODIFIERS]; /* modifiers whose import failed */
	size_t n_failed;

	struct pwloop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	struct pw_stream *stream;
	struct spa_hook stream_listener;
	int sync_seq;
	bool node_seen; /* node_id is in the registry */

	bool have_format;
	bool dmabuf; /* the negotiated format carries a modifier */
	struct spa_video_info_raw format;
	uint32_t drm_format;
	/* Damage since the last frame handed over, also of buffers dropped for a newer one. */
	struct capture_frame out;
	bool whole; /* ...or all of it: new format, a buffer without damage, one after `lost` */
	/* A buffer after the last one taken was skipped: what it changed is unknown, so the
	 * next one taken counts whole (not the one taken before it, which is exact). */
	bool lost;
	bool renegotiate;
	bool cursor_hidden;                 /* the last cursor call said hidden */
	int32_t cursor_hot_x, cursor_hot_y; /* of the last image */
	/* SPA_META_VideoTransform of the newest buffer: what the producer applied to the
	 * picture (xdg-desktop-portal-wlr: the output's transform), undone here */
	uint32_t transform;
	struct orient *orient; /* NULL until a turned buffer comes */
	struct capture_frame upright;

	bool closed;
	bool dying; /* destroyed from inside the loop's dispatch: freed once it is over */
};

static void capture_pw_free(struct capture_pw *c);

static void close_with(struct capture_pw *c, const char *reason)
{
	if (c->closed)
		return;
	c->closed = true;
	log_info("capture ended: %s", reason);
	c->base.listener->closed(c->base.data, reason);
}

static void add_video_common(struct spa_pod_builder *b)
{
	spa_pod_builder_add(b, SPA_FORMAT_VIDEO_size,
	                    SPA_POD_CHOICE_RANGE_Rectangle(
	                            &SPA_RECTANGLE(DEFAULT_WIDTH, DEFAULT_HEIGHT),
	                            &SPA_RECTANGLE(1, 1), &SPA_RECTANGLE(MAX_SIDE, MAX_SIDE)),
	                    /* 0/1: a variable rate, which is what screen casts announce */
	                    SPA_FORMAT_VIDEO_framerate,
	                    SPA_POD_CHOICE_RANGE_Fraction(&SPA_FRACTION(0, 1), &SPA_FRACTION(0, 1),
	                                                  &SPA_FRACTION(MAX_FPS, 1)),
	                    0);
}

/* EnumFormat params for `offer`: the usual PipeWire DMA-BUF negotiation (one object per
 * format, the modifiers a mandatory, not-to-fixate choice the producer picks from), then
 * the shared-memory formats. */
static uint32_t build_formats(const struct capture_pw_offer *offer, struct spa_pod_builder *b,
                              const struct spa_pod **params)
{
	struct spa_pod_frame obj, choice;
	uint32_t n = 0;

	for (size_t i = 0; i < offer->n_dmabuf_formats && offer->n_modifiers; i++) {
		spa_pod_builder_push_object(b, &obj, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
		spa_pod_builder_add(b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
		                    SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
		                    SPA_FORMAT_VIDEO_format, SPA_POD_Id(offer->dmabuf_formats[i]),
		                    0);
		spa_pod_builder_prop(b, SPA_FORMAT_VIDEO_modifier,
		                     SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
		spa_pod_builder_push_choice(b, &choice, SPA_CHOICE_Enum, 0);
		spa_pod_builder_long(b, (int64_t)offer->modifiers[0]); /* the default */
		for (size_t m = 0; m < offer->n_modifiers; m++)
			spa_pod_builder_long(b, (int64_t)offer->modifiers[m]);
		spa_pod_builder_pop(b, &choice);
		add_video_common(b);
		params[n++] = spa_pod_builder_pop(b, &obj);
	}
	spa_pod_builder_push_object(b, &obj, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
	spa_pod_builder_add(b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
	                    SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
	                    SPA_FORMAT_VIDEO_format,
	                    SPA_POD_CHOICE_ENUM_Id(5, format_table[0].spa, format_table[0].spa,
	                                           format_table[1].spa, format_table[2].spa,
	                                           format_table[3].spa),
	                    0);
	add_video_common(b);
	params[n++] = spa_pod_builder_pop(b, &obj);
	return n;
}

/* Buffers and metadata, once the format is known. */
static void update_buffer_params(struct capture_pw *c)
{
	uint8_t buf[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *params[2 + PWMETA_MAX_PARAMS];
	uint32_t n = 0;
	int types = c->dmabuf ? 1 << SPA_DATA_DmaBuf : 1 << SPA_DATA_MemFd | 1 << SPA_DATA_MemPtr;

	params[n++] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamBuffers,
	                                         SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_dataType,
	                                         SPA_POD_CHOICE_FLAGS_Int(types));
	/* producers fill only the metadata asked for: no bitmaps for a listener without use */
	n += pwmeta_params(&b, params + n, CAPTURE_MAX_DAMAGE, CURSOR_DEFAULT,
	                   c->base.listener->cursor ? CURSOR_MAX : 0);
	/* a producer that turns the picture says so (our own portal sends it upright) */
	params[n++] = spa_pod_builder_add_object(
	        &b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
	        SPA_POD_Id(SPA_META_VideoTransform), SPA_PARAM_META_size,
	        SPA_POD_Int(sizeof(struct spa_meta_videotransform)));
	pw_stream_update_params(c->stream, params, n);
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct capture_pw *c = data;
	struct spa_video_info_raw info = {0};
	uint32_t media_type, media_subtype, w, h;

	if (id != SPA_PARAM_Format || c->closed)
		return;
	c->have_format = false;
	if (!param) {
		log_debug("format cleared");
		return;
	}
	if (spa_format_parse(param, &media_type, &media_subtype) < 0 ||
	    media_type != SPA_MEDIA_TYPE_video || media_subtype != SPA_MEDIA_SUBTYPE_raw ||
	    spa_format_video_raw_parse(param, &info) < 0) {
		close_with(c, "the screen cast sends something other than raw video");
		return;
	}
	w = info.size.width;
	h = info.size.height;
	if (!capture_pw_drm_format(info.format) || w == 0 || h == 0 || w > MAX_SIDE ||
	    h > MAX_SIDE) {
		close_with(c, "the screen cast sends a picture format or size wayrtc cannot use");
		return;
	}
	c->format = info;
	c->drm_format = capture_pw_drm_format(info.format);
	c->dmabuf = info.flags & SPA_VIDEO_FLAG_MODIFIER;
	c->have_format = true;
	c->whole = true;
	c->out.n_damage = 0;
	c->out.width = w;
	c->out.height = h;
	if (c->dmabuf)
		log_info("PipeWire: %ux%u %s, DMA-BUF (modifier 0x%" PRIx64 ")", w, h,
		         format_name(info.format), info.modifier);
	else
		log_info("PipeWire: %ux%u %s, shared memory", w, h, format_name(info.format));
	log_debug("framerate %u/%u, max %u/%u", info.framerate.num, info.framerate.denom,
	          info.max_framerate.num, info.max_framerate.denom);
	update_buffer_params(c);
}

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
                             const char *error)
{
	struct capture_pw *c = data;
	g_autofree char *reason = NULL;

	log_debug("stream %s → %s%s%s", pw_stream_state_as_string(old),
	          pw_stream_state_as_string(state), error ? ": " : "", error ? error : "");
	switch (state) {
	case PW_STREAM_STATE_ERROR:
		reason = g_strdup_printf("the screen cast failed: %s",
		                         error ? error : "PipeWire reported a stream error");
		close_with(c, reason);
		break;
	case PW_STREAM_STATE_UNCONNECTED:
		close_with(c, "the screen cast was stopped");
		break;
	default:
		break;
	}
}

enum buffer_kind {
	BUFFER_FRAME,   /* pixels to hand over */
	BUFFER_NOTHING, /* nothing changed (chunk size 0): PipeWire's idle buffers */
	BUFFER_BAD,     /* corrupted or unreadable: skipped, and the next frame counts whole */
};

static enum buffer_kind buffer_inspect(const struct capture_pw *c, const struct spa_buffer *buf,
                                       uint32_t *stride)
{
	const struct spa_meta_header *h =
	        spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*h));
	const struct spa_data *d;
	uint64_t need;

	if (!c->have_format || buf->n_datas < 1)
		return BUFFER_BAD;
	d = &buf->datas[0];
	if ((h && (h->flags & SPA_META_HEADER_FLAG_CORRUPTED)) || !d->chunk ||
	    (d->chunk->flags & SPA_CHUNK_FLAG_CORRUPTED))
		return BUFFER_BAD;
	if (d->chunk->size == 0)
		return BUFFER_NOTHING;
	*stride = d->chunk->stride > 0 ? (uint32_t)d->chunk->stride
	                               : c->format.size.width * BYTES_PER_PIXEL;
	/* the producer's numbers are checked before we read through them */
	need = (uint64_t)d->chunk->offset + (uint64_t)*stride * (c->format.size.height - 1) +
	       (uint64_t)c->format.size.width * BYTES_PER_PIXEL;
	if (*stride < c->format.size.width * BYTES_PER_PIXEL || need > d->maxsize)
		return BUFFER_BAD;
	if (d->type == SPA_DATA_DmaBuf)
		return d->fd >= 0 ? BUFFER_FRAME : BUFFER_BAD;
	if ((d->type == SPA_DATA_MemFd || d->type == SPA_DATA_MemPtr) && d->data)
		return BUFFER_FRAME;
	return BUFFER_BAD;
}

static void add_buffer_damage(struct capture_pw *c, const struct spa_buffer *buf)
{
	struct spa_meta *m = spa_buffer_find_meta(buf, SPA_META_VideoDamage);
	struct spa_meta_region *r;
	bool inside = false;

	if (!m) {
		c->whole = true;
		return;
	}
	spa_meta_for_each(r, m)
	{
		int64_t x = r->region.position.x, y = r->region.position.y;
		int64_t w = r->region.size.width, h = r->region.size.height;

		if (!spa_meta_region_is_valid(r))
			break;
		/* clip what lies left of or above the frame; capture_frame_add_damage the rest */
		if (x < 0) {
			w += x;
			x = 0;
		}
		if (y < 0) {
			h += y;
			y = 0;
		}
		if (w <= 0 || h <= 0 || x >= c->out.width || y >= c->out.height)
			continue;
		capture_frame_add_damage(&c->out, (uint32_t)x, (uint32_t)y,
		                         (uint32_t)MIN(w, UINT32_MAX),
		                         (uint32_t)MIN(h, UINT32_MAX));
		/* not n_damage growing: past CAPTURE_MAX_DAMAGE rectangles merge, and a
		 * buffer whose regions all merged still said where it changed */
		inside = true;
	}
	/* pixels came but no region inside the frame says where: assume all of it */
	if (!inside)
		c->whole = true;
}

/* The newest buffer's transform; none said is none applied. A new one makes the next
 * frame whole (the kept upright picture is another shape, or the same turned otherwise). */
static void transform_meta(struct capture_pw *c, const struct spa_buffer *buf)
{
	const struct spa_meta_videotransform *vt =
	        spa_buffer_find_meta_data(buf, SPA_META_VideoTransform, sizeof(*vt));
	uint32_t t = vt && vt->transform < TRANSFORM_COUNT ? vt->transform : TRANSFORM_NORMAL;

	if (t != c->transform)
		c->whole = true;
	c->transform = t;
}

static void report_cursor(struct capture_pw *c, const struct spa_buffer *buf)
{
	struct spa_meta *m = spa_buffer_find_meta(buf, SPA_META_Cursor);
	const struct spa_meta_cursor *mc;
	const struct spa_meta_bitmap *bm;
	struct capture_cursor cur = {0};

	if (!m || m->size < sizeof(*mc))
		return;
	mc = m->data;
	if (!spa_meta_cursor_is_valid(mc)) {
		/* mutter and KWin write id 0 into every buffer while the pointer is outside
		 * what is shared, so it means hidden; said once, not per buffer */
		if (!c->cursor_hidden) {
			c->cursor_hidden = true;
			cur.hidden = true;
			c->base.listener->cursor(c->base.data, &cur);
		}
		return;
	}
	cur.x = mc->position.x;
	cur.y = mc->position.y;
	/* in the buffer's pixels, as its picture is: upright with it (the transform of the
	 * buffer the pointer came with; the frame goes out turned the same way) */
	transform_meta(c, buf);
	if (c->transform != TRANSFORM_NORMAL && c->have_format)
		orient_point(c->transform, false, c->format.size.width, c->format.size.height,
		             mc->position.x, mc->position.y, &cur.x, &cur.y);
	/* the hotspot belongs to an image: mutter writes 0,0 into buffers that carry only a
	 * position, so it is taken only where a bitmap comes */
	cur.hotspot_x = c->cursor_hot_x;
	cur.hotspot_y = c->cursor_hot_y;
	if (mc->bitmap_offset >= sizeof(*mc) && mc->bitmap_offset <= m->size &&
	    m->size - mc->bitmap_offset >= sizeof(*bm)) {
		bm = SPA_PTROFF(mc, mc->bitmap_offset, const struct spa_meta_bitmap);
		if (spa_meta_bitmap_is_valid(bm) && bm->offset == 0) {
			cur.hidden = true;
		} else if (spa_meta_bitmap_is_valid(bm) && bm->offset >= sizeof(*bm) &&
		           capture_pw_drm_format(bm->format) && bm->size.width > 0 &&
		           bm->size.height > 0 && bm->size.width <= CURSOR_MAX &&
		           bm->size.height <= CURSOR_MAX && bm->stride > 0 &&
		           (uint32_t)bm->stride >= bm->size.width * BYTES_PER_PIXEL &&
		           (uint64_t)mc->bitmap_offset + bm->offset +
		                           (uint64_t)bm->stride * (bm->size.height - 1) +
		                           (uint64_t)bm->size.width * BYTES_PER_PIXEL <=
		                   m->size) {
			cur.bitmap = SPA_PTROFF(bm, bm->offset, const uint8_t);
			cur.hotspot_x = c->cursor_hot_x = mc->hotspot.x;
			cur.hotspot_y = c->cursor_hot_y = mc->hotspot.y;
			cur.width = bm->size.width;
			cur.height = bm->size.height;
			cur.stride = (uint32_t)bm->stride;
			cur.format = capture_pw_drm_format(bm->format);
		}
	}
	c->cursor_hidden = cur.hidden;
	c->base.listener->cursor(c->base.data, &cur);
}

/* The frame to the listener, upright when the producer turned it. */
static void hand_over(struct capture_pw *c, const struct capture_frame *f)
{
	f = orient_upright(&c->orient, f, c->transform, &c->upright);
	if (f)
		c->base.listener->frame(c->base.data, f);
}

/* A DMA-BUF drops its modifier from the offer and the stream renegotiates (in dispatch,
 * outside the stream's callbacks). */
static void dmabuf_failed(struct capture_pw *c, const char *why)
{
	uint64_t m = c->format.modifier;

	log_info("DMA-BUF with modifier 0x%" PRIx64 " unusable (%s); renegotiating", m, why);
	if (!contains_u64(c->failed, c->n_failed, m) && c->n_failed < CAPTURE_PW_MAX_MODIFIERS)
		c->failed[c->n_failed++] = m;
	c->have_format = false; /* nothing more from this format */
	c->renegotiate = true;
}

/* capture_frame carries CPU pixels, so a DMA-BUF is read through a mapping, which only
 * means something for the linear layout; a zero-copy import into the encoder needs the
 * frame to carry the dma-buf planes instead. */
static void deliver_dmabuf(struct capture_pw *c, const struct spa_data *d, uint32_t stride)
{
	struct dma_buf_sync sync = {DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ};
	size_t size = (size_t)d->mapoffset + d->maxsize;
	uint8_t *map;

	if (c->format.modifier != DRM_FORMAT_MOD_LINEAR_VALUE) {
		dmabuf_failed(c, "not linear");
		return;
	}
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, (int)d->fd, 0);
	if (map == MAP_FAILED) {
		dmabuf_failed(c, g_strerror(errno));
		return;
	}
	ioctl((int)d->fd, DMA_BUF_IOCTL_SYNC, &sync);
	c->out.data = map + d->mapoffset + d->chunk->offset;
	c->out.stride = stride;
	hand_over(c, &c->out);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	ioctl((int)d->fd, DMA_BUF_IOCTL_SYNC, &sync);
	munmap(map, size);
}

static void deliver(struct capture_pw *c, const struct spa_buffer *buf, uint32_t stride)
{
	const struct spa_data *d = &buf->datas[0];
	struct capture_frame *f = &c->out;

	f->ready_us = g_get_monotonic_time();
	f->width = c->format.size.width;
	f->height = c->format.size.height;
	f->format = c->drm_format;
	f->y_invert = false;
	if (c->whole || f->n_damage == 0)
		f->n_damage = 0; /* the whole frame */
	if (d->type == SPA_DATA_DmaBuf) {
		deliver_dmabuf(c, d, stride);
	} else {
		f->data = (const uint8_t *)d->data + d->chunk->offset;
		f->stride = stride;
		hand_over(c, f);
	}
	f->data = NULL;
	f->n_damage = 0;
	c->whole = false;
}

/* Everything queued is taken; all but the newest frame go back at once, and the damage of
 * those goes with the newest. */
static void on_process(void *data)
{
	struct capture_pw *c = data;
	struct pw_buffer *b, *newest = NULL;
	uint32_t stride = 0, newest_stride = 0;

	while ((b = pw_stream_dequeue_buffer(c->stream))) {
		enum buffer_kind kind;

		if (!c->closed && c->base.listener->cursor)
			report_cursor(c, b->buffer);
		kind = buffer_inspect(c, b->buffer, &stride);
		if (kind == BUFFER_FRAME) {
			if (c->lost)
				c->whole = true;
			c->lost = false;
			add_buffer_damage(c, b->buffer);
			if (newest)
				pw_stream_queue_buffer(c->stream, newest);
			newest = b;
			newest_stride = stride;
			continue;
		}
		if (kind == BUFFER_BAD) {
			log_debug("skipped a corrupted or unreadable buffer");
			c->lost = true;
		}
		pw_stream_queue_buffer(c->stream, b);
	}
	if (!newest)
		return;
	transform_meta(c, newest->buffer);
	if (!c->closed && c->have_format)
		deliver(c, newest->buffer, newest_stride);
	pw_stream_queue_buffer(c->stream, newest);
}

static const struct pw_stream_events stream_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_state_changed,
        .param_changed = on_param_changed,
        .process = on_process,
};

static void on_core_done(void *data, uint32_t id, int seq)
{
	struct capture_pw *c = data;
	g_autofree char *reason = NULL;

	/* the registry's globals all came before the answer to our first sync */
	if (id != PW_ID_CORE || seq != c->sync_seq || c->node_seen)
		return;
	reason = g_strdup_printf("there is no PipeWire node %u to capture (the screen cast "
	                         "may have ended already)",
	                         c->node_id);
	close_with(c, reason);
}

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct capture_pw *c = data;
	g_autofree char *reason = NULL;

	log_debug("error on object %u: %s (%s)", id, message ? message : "", spa_strerror(res));
	/* errors on our own objects show again as the stream's state */
	if (id != PW_ID_CORE)
		return;
	if (res == -EPIPE) {
		close_with(c, "the connection to PipeWire was lost: the screen cast was stopped");
		return;
	}
	reason = g_strdup_printf("PipeWire failed: %s", message ? message : spa_strerror(res));
	close_with(c, reason);
}

static const struct pw_core_events core_events = {
        PW_VERSION_CORE_EVENTS,
        .done = on_core_done,
        .error = on_core_error,
};

static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
                      uint32_t version, const struct spa_dict *props)
{
	struct capture_pw *c = data;

	if (id == c->node_id && strcmp(type, PW_TYPE_INTERFACE_Node) == 0)
		c->node_seen = true;
}

static void on_global_remove(void *data, uint32_t id)
{
	struct capture_pw *c = data;

	if (id == c->node_id && c->node_seen)
		close_with(c, "the screen cast was stopped (its PipeWire stream went away)");
}

static const struct pw_registry_events registry_events = {
        PW_VERSION_REGISTRY_EVENTS,
        .global = on_global,
        .global_remove = on_global_remove,
};

static void renegotiate(struct capture_pw *c)
{
	uint8_t buf[PARAMS_SIZE];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *params[MAX_PARAMS];
	struct capture_pw_offer offer;
	uint32_t n;

	capture_pw_choose_offer(&c->options, c->failed, c->n_failed, &offer);
	n = build_formats(&offer, &b, params);
	log_debug("offering %zu DMA-BUF formats with %zu modifiers, and shared memory",
	          offer.n_dmabuf_formats, offer.n_modifiers);
	pw_stream_update_params(c->stream, params, n);
}

/* After each iteration of the loop, outside PipeWire's callbacks. */
static bool after_iterate(void *data)
{
	struct capture_pw *c = data;

	if (c->renegotiate && !c->closed && !c->dying) {
		c->renegotiate = false;
		renegotiate(c);
	}
	if (c->dying) {
		capture_pw_free(c);
		return false;
	}
	return true;
}

static void capture_pw_free(struct capture_pw *c)
{
	/* closed first: tearing the stream down reports states nobody should hear about */
	c->closed = true;
	if (c->stream) {
		spa_hook_remove(&c->stream_listener);
		pw_stream_destroy(c->stream);
	}
	if (c->registry) {
		spa_hook_remove(&c->registry_listener);
		pw_proxy_destroy((struct pw_proxy *)c->registry);
	}
	if (c->core) {
		spa_hook_remove(&c->core_listener);
		pw_core_disconnect(c->core);
	}
	if (c->context)
		pw_context_destroy(c->context);
	pwloop_free(c->loop);
	g_free((void *)c->options.dmabuf_formats);
	g_free((void *)c->options.modifiers);
	orient_free(c->orient);
	g_free(c);
}

static void capture_pw_destroy(struct capture *base)
{
	struct capture_pw *c = (struct capture_pw *)base;

	/* from inside one of our own callbacks: pw_loop_iterate returns first, then free */
	if (pwloop_dispatching(c->loop)) {
		c->closed = true;
		c->dying = true;
		return;
	}
	capture_pw_free(c);
}

static const struct capture_impl capture_pw_impl = {
        .destroy = capture_pw_destroy,
};

struct capture *capture_pw_new(int pw_fd, uint32_t node_id,
                               const struct capture_pw_options *options,
                               const struct capture_listener *listener, void *data, GError **error)
{
	struct capture_pw *c = g_new0(struct capture_pw, 1);
	uint8_t buf[PARAMS_SIZE];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *params[MAX_PARAMS];
	struct capture_pw_offer offer;
	bool portal = pw_fd >= 0;
	uint32_t n;
	int res;

	c->base.impl = &capture_pw_impl;
	c->base.listener = listener;
	c->base.data = data;
	c->node_id = node_id;
	c->whole = true;
	if (options) {
		c->options = *options;
		c->options.dmabuf_formats = g_memdup2(options->dmabuf_formats,
		                                      options->n_dmabuf_formats * sizeof(uint32_t));
		c->options.modifiers =
		        g_memdup2(options->modifiers, options->n_modifiers * sizeof(uint64_t));
	}
	c->loop = pwloop_new("wayrtc PipeWire", after_iterate, c, error);
	if (!c->loop)
		goto fail;
	c->context = pw_context_new(pwloop_get(c->loop), NULL, 0);
	if (!c->context)
		goto fail_errno;
	if (pw_fd >= 0) {
		/* from here on PipeWire owns it, and closes it on disconnect and on failure */
		c->core = pw_context_connect_fd(c->context, pw_fd, NULL, 0);
		pw_fd = -1;
	} else {
		c->core = pw_context_connect(c->context, NULL, 0);
	}
	if (!c->core) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "cannot connect to PipeWire: %s", g_strerror(errno));
		goto fail;
	}
	pw_core_add_listener(c->core, &c->core_listener, &core_events, c);
	c->registry = pw_core_get_registry(c->core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(c->registry, &c->registry_listener, &registry_events, c);

	c->stream =
	        pw_stream_new(c->core, "wayrtc",
	                      pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY,
	                                        "Capture", PW_KEY_MEDIA_ROLE, "Screen", NULL));
	if (!c->stream)
		goto fail_errno;
	pw_stream_add_listener(c->stream, &c->stream_listener, &stream_events, c);
	capture_pw_choose_offer(&c->options, NULL, 0, &offer);
	n = build_formats(&offer, &b, params);
	/* never moved to another node when this one goes: that ends the capture */
	res = pw_stream_connect(c->stream, PW_DIRECTION_INPUT, node_id,
	                        PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
	                                PW_STREAM_FLAG_DONT_RECONNECT,
	                        params, n);
	if (res < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot capture PipeWire node %u: %s", node_id, spa_strerror(res));
		goto fail;
	}
	c->sync_seq = pw_core_sync(c->core, PW_ID_CORE, 0);
	log_debug("capturing PipeWire node %u (%s; %zu DMA-BUF formats offered)", node_id,
	          portal ? "the remote given" : "the default daemon", offer.n_dmabuf_formats);
	return &c->base;

fail_errno:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot set up PipeWire: %s",
	            g_strerror(errno));
fail:
	if (pw_fd >= 0)
		close(pw_fd);
	capture_pw_free(c);
	return NULL;
}
