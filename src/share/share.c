/* The share wires the modules: capture → encoder → hub → peers, the sound beside them,
 * and the server that admits viewers; it is the one owner of all of them, and each viewer
 * reaches it only through its `viewer_host`. */
#define LOG_MODULE "wayrtc"
#include <glib-unix.h>
#include <gst/gst.h>
#include <string.h>

#include "input/sink_portal.h"
#include "input/sink_wl.h"
#include "media/audio.h"
#include "media/capture.h"
#include "media/encoder.h"
#include "media/hub.h"
#include "rtc/dtls.h"
#include "rtc/peer.h"
#include "server/cert.h"
#include "server/server.h"
#include "share/arbiter.h"
#include "share/cursor.h"
#include "share/fit.h"
#include "share/link.h"
#include "share/share-private.h"
#include "share/virtual.h"
#include "util/log.h"
#include "util/state.h"
#include "wayland/keyboard.h"
#include "xdp/session.h"

#define BYE_FLUSH_MS 200 /* time for the "bye" messages to reach the browsers */

static gboolean quit_now(void *data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

void share_quit(struct share *share, int status, const char *reason)
{
	if (share->quitting)
		return;
	share->quitting = true;
	if (reason)
		log_info("stopping: %s", reason);
	for (GList *l = share->viewers; l; l = l->next)
		viewer_say_bye(l->data, reason ? reason : "the share has ended");
	share->exit_status = status;
	g_timeout_add(share->viewers ? BYE_FLUSH_MS : 0, quit_now, share->loop);
}

/* Encoder thread: straight into its hub, no hop through the main loop. */
static void on_encoded(void *data, const uint8_t *frame, size_t len, bool keyframe, uint32_t rtp_ts,
                       int64_t ready_us)
{
	struct share_encode *encode = data;

	hub_push_video(encode->hub, frame, len, keyframe, rtp_ts, ready_us);
}

/* Main thread: the encode's frames wait while a viewer's link is still busy. */
static int64_t encode_backlog_us(void *data)
{
	struct share_encode *encode = data;

	return encode->hub ? hub_get_backlog_us(encode->hub) : 0;
}

/* Main thread: the screen as the share keeps it, for frames an encode converts late. */
static const struct capture_frame *encode_picture(void *data)
{
	struct share_encode *encode = data;

	return encode->share->screen_data ? &encode->share->screen : NULL;
}

/* Opus encoder thread: the same way, into every hub (each viewer is in one); a hub
 * drops it for peers that were not offered the sound. */
static void on_audio(void *data, const uint8_t *opus, size_t len, uint32_t rtp_ts)
{
	struct share *share = data;

	for (size_t i = 0; i < share->n_encodes; i++)
		hub_push_audio(share->encodes[i].hub, opus, len, rtp_ts);
}

/* The frame into share->screen: its damage, or all of it (a new size or format, no
 * damage, or a y-inverted buffer, whose damage rows are not pinned down). */
static void keep_screen(struct share *share, const struct capture_frame *frame)
{
	struct capture_frame *s = &share->screen;
	size_t row = (size_t)frame->width * 4;
	bool whole = !share->screen_data || frame->n_damage == 0 || frame->y_invert ||
	             s->width != frame->width || s->height != frame->height ||
	             s->format != frame->format || s->y_invert != frame->y_invert;

	if (!frame->data || frame->stride < row || !capture_frame_changed(frame))
		return;
	if (s->width != frame->width || s->height != frame->height || !share->screen_data) {
		g_free(share->screen_data);
		share->screen_data = g_malloc(row * frame->height);
	}
	*s = (struct capture_frame){.width = frame->width,
	                            .height = frame->height,
	                            .stride = (uint32_t)row,
	                            .format = frame->format,
	                            .y_invert = frame->y_invert,
	                            .data = share->screen_data,
	                            .ready_us = frame->ready_us};
	if (whole) {
		for (uint32_t y = 0; y < frame->height; y++)
			memcpy(share->screen_data + y * row,
			       frame->data + (size_t)y * frame->stride, row);
		return;
	}
	for (size_t i = 0; i < MIN(frame->n_damage, CAPTURE_MAX_DAMAGE); i++) {
		const struct capture_rect *r = &frame->damage[i];

		/* capture_frame_add_damage clipped them to the frame */
		for (uint32_t y = (uint32_t)r->y; y < (uint32_t)r->y + r->height; y++)
			memcpy(share->screen_data + y * row + (size_t)r->x * 4,
			       frame->data + (size_t)y * frame->stride + (size_t)r->x * 4,
			       (size_t)r->width * 4);
	}
}

void share_push_frame(struct share *share, const struct capture_frame *frame)
{
	keep_screen(share, frame);
	for (size_t i = 0; i < share->n_encodes; i++)
		encoder_push(share->encodes[i].encoder, frame);
}

/* Where a viewer's video comes from: the first encode of its codec, or the second one
 * when its link is far slower than the others' (see update_bitrates). */
struct placement {
	struct share_encode *encode;
	int64_t since_us; /* when it came there */
	int64_t slow_us;  /* since when its link is far slower than the best; 0: it is not */
};

static struct share_encode *first_encode(struct share *share, enum rtc_codec codec)
{
	for (size_t i = 0; i < share->n_encodes; i++) {
		if (share->encodes[i].codec == codec && !share->encodes[i].slow)
			return &share->encodes[i];
	}
	return &share->encodes[0]; /* not reached: only these codecs are offered */
}

/* The encode this peer gets: where it was placed, else the first of its codec
 * (rtc_peer_get_codec, once its answer is in). */
static struct share_encode *encode_of(struct share *share, struct rtc_peer *peer)
{
	struct placement *p = g_hash_table_lookup(share->placed, peer);

	return p ? p->encode : first_encode(share, rtc_peer_get_codec(peer));
}

/* Sound is a bonus: without it (no PipeWire here, no Opus encoder) the desktop is still
 * shared, and one line says so. */
static void start_audio(struct share *share)
{
	g_autoptr(GError) error = NULL;

	if (!share->config.audio)
		return;
	share->audio_ssrc = g_random_int();
	if (share->audio_ssrc == share->video_ssrc)
		share->audio_ssrc++;
	for (size_t i = 0; i < share->n_encodes; i++)
		hub_set_audio_ssrc(share->encodes[i].hub, share->audio_ssrc);
	share->audio = audio_new(AUDIO_DEFAULT_BITRATE, on_audio, share, &error);
	if (!share->audio)
		log_info("sharing without sound: %s", error->message);
	else
		log_info("sharing the desktop's sound (Opus, %u kbit/s)",
		         AUDIO_DEFAULT_BITRATE / 1000);
}

const char *share_display(struct share *share)
{
	return share->session ? virtual_session_display(share->session) : NULL;
}

static struct input_sink_wl_options input_options(struct share *share)
{
	return (struct input_sink_wl_options){
	        .display = share_display(share),
	        .layout = share->config.keyboard_layout,
	        .variant = share->config.keyboard_variant,
	};
}

/* The viewer_host: what a viewer may ask of its share. */

static void host_get_size(void *data, unsigned *width, unsigned *height)
{
	struct share *share = data;

	*width = share->width;
	*height = share->height;
}

static void host_resize(void *data, unsigned css_width, unsigned css_height, double pixel_ratio)
{
	struct share *share = data;

	fit_request(share->fit, css_width, css_height, pixel_ratio);
}

static void join_encode(struct share *share, struct share_encode *encode, struct rtc_peer *peer)
{
	/* the first viewer of an encode starts it (the newest picture first) */
	if (hub_peer_count(encode->hub) == 0) {
		log_info("encoding %s with %s%s", rtc_codec_name(encode->codec),
		         encoder_get_name(encode->encoder), encode->slow ? " (slow links)" : "");
		encoder_set_idle(encode->encoder, false);
		if (share->screen_data)
			encoder_set_picture(encode->encoder, &share->screen);
	}
	hub_add_peer(encode->hub, peer);
}

static void leave_encode(struct share_encode *encode, struct rtc_peer *peer)
{
	hub_remove_peer(encode->hub, peer);
	/* its last viewer left: it stops encoding, the picture stays */
	if (hub_peer_count(encode->hub) == 0) {
		log_info("%s%s: nobody watching, not encoding", rtc_codec_name(encode->codec),
		         encode->slow ? " (slow links)" : "");
		encoder_set_idle(encode->encoder, true);
	}
}

static void host_attach(void *data, struct rtc_peer *peer, bool audio)
{
	struct share *share = data;
	struct placement *p = g_new(struct placement, 1);

	p->encode = first_encode(share, rtc_peer_get_codec(peer));
	p->since_us = g_get_monotonic_time();
	p->slow_us = 0;
	g_hash_table_insert(share->placed, peer, p);
	join_encode(share, p->encode, peer);
	/* the sound is captured while anyone may hear it */
	if (audio && share->n_listeners++ == 0)
		audio_set_active(share->audio, true);
}

static void host_detach(void *data, struct rtc_peer *peer, bool audio)
{
	struct share *share = data;

	leave_encode(encode_of(share, peer), peer);
	g_hash_table_remove(share->placed, peer);
	if (audio && --share->n_listeners == 0)
		audio_set_active(share->audio, false);
}

static void host_request_keyframe(void *data, struct rtc_peer *peer)
{
	encoder_request_keyframe(encode_of(data, peer)->encoder);
}

static void host_retransmit(void *data, struct rtc_peer *peer, uint16_t seq)
{
	hub_retransmit(encode_of(data, peer)->hub, peer, seq);
}

/* Two encodes per codec. Each encode follows the slowest link among its viewers (the
 * smallest settled estimate), never above --bitrate. So that one viewer on a slow link
 * does not lower everyone's picture to its link, a viewer whose estimate stays under
 * TIER_SPLIT of the best one of its codec for TIER_SPLIT_US moves to a second encode of
 * that codec (made on first need), which follows the slow viewers alone; it comes back
 * once its estimate reaches TIER_JOIN of what the first encode runs at, at most every
 * TIER_HOLD_US (the move costs the first encode's viewers a keyframe). A move costs the
 * mover a keyframe of its new encode (rtc_peer_restart_video: the browser sees one
 * stream). The split is wide and must last: a busy receiver's CPU makes an estimate dip
 * to a third for a second or two (measured on loopback with two Chromiums on 2 cores),
 * where a slow link stays at an eighth. */
#define TIER_SPLIT    0.3
#define TIER_SPLIT_US (1 * G_USEC_PER_SEC)
#define TIER_JOIN     0.8
#define TIER_HOLD_US  (5 * G_USEC_PER_SEC)
#define TIER_TICK_MS  500

static bool start_encode(struct share *share, struct share_encode *encode, enum rtc_codec codec,
                         bool slow, GError **error)
{
	bool high444 = codec == RTC_CODEC_H264_444;
	struct encoder_config ec = {
	        .name = share->config.encoder,
	        .codec = high444 ? RTC_CODEC_H264 : codec,
	        .max_fps = share->config.max_fps,
	        .bitrate_kbps = share->config.bitrate_kbps,
	        .chroma = high444 ? ENCODER_CHROMA_444 : ENCODER_CHROMA_420,
	        .backlog_us = encode_backlog_us,
	        .picture = encode_picture,
	};

	encode->share = share;
	encode->codec = codec;
	encode->slow = slow;
	encode->encoder = encoder_new(&ec, on_encoded, encode, error);
	if (!encode->encoder)
		return false;
	/* 4:4:4 is offered only where the encoder makes it */
	if (high444 && encoder_get_chroma(encode->encoder) != ENCODER_CHROMA_444) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s makes 4:2:0 only",
		            encoder_get_name(encode->encoder));
		g_clear_pointer(&encode->encoder, encoder_free);
		return false;
	}
	encode->hub = hub_new(codec, share->video_ssrc);
	if (share->audio_ssrc)
		hub_set_audio_ssrc(encode->hub, share->audio_ssrc);
	encoder_set_idle(encode->encoder, true);
	return true;
}

/* The second encode of `codec`, made now if it was not; NULL if it cannot be. */
static struct share_encode *slow_encode(struct share *share, enum rtc_codec codec)
{
	g_autoptr(GError) error = NULL;
	struct share_encode *encode;

	for (size_t i = 0; i < share->n_encodes; i++) {
		if (share->encodes[i].codec == codec && share->encodes[i].slow)
			return &share->encodes[i];
	}
	if (share->n_encodes == G_N_ELEMENTS(share->encodes))
		return NULL;
	encode = &share->encodes[share->n_encodes];
	if (!start_encode(share, encode, codec, true, &error)) {
		log_warn("no second %s encode for slow links: %s", rtc_codec_name(codec),
		         error->message);
		return NULL;
	}
	share->n_encodes++;
	return encode;
}

static void move_viewer(struct share *share, struct viewer *viewer, struct placement *p,
                        struct share_encode *to, uint32_t bps)
{
	struct rtc_peer *peer = viewer_get_peer(viewer);

	log_info("%s: %s (its link: %u kbit/s)", viewer_get_address(viewer),
	         to->slow ? "to the encode for slow links" : "back to the main encode", bps / 1000);
	leave_encode(p->encode, peer);
	rtc_peer_restart_video(peer);
	join_encode(share, to, peer);
	encoder_request_keyframe(to->encoder);
	p->encode = to;
	p->since_us = g_get_monotonic_time();
	p->slow_us = 0;
}

/* Moves viewers of `first`'s codec between it and its second encode, by their links'
 * estimates from a second after they connect (a joiner on a slow link goes at once,
 * before its keyframes at the first encode's rate flood its link). */
static void place_viewers(struct share *share, struct share_encode *first)
{
	int64_t now = g_get_monotonic_time();
	uint32_t best = 0, first_min = 0;

	for (GList *l = share->viewers; l; l = l->next) {
		struct rtc_peer *peer = viewer_get_peer(l->data);
		uint32_t bps = viewer_get_link_estimate(l->data);

		if (!peer || !bps || !g_hash_table_contains(share->placed, peer) ||
		    first_encode(share, rtc_peer_get_codec(peer)) != first)
			continue;
		best = MAX(best, bps);
		if (encode_of(share, peer) == first)
			first_min = first_min ? MIN(first_min, bps) : bps;
	}
	for (GList *l = share->viewers; l; l = l->next) {
		struct rtc_peer *peer = viewer_get_peer(l->data);
		uint32_t bps = viewer_get_link_estimate(l->data);
		struct placement *p = peer ? g_hash_table_lookup(share->placed, peer) : NULL;
		struct share_encode *to;

		if (!p || !bps || first_encode(share, rtc_peer_get_codec(peer)) != first)
			continue;
		if (p->encode == first && bps < TIER_SPLIT * best) {
			if (!p->slow_us)
				p->slow_us = now;
			if (now - p->slow_us >= TIER_SPLIT_US &&
			    (to = slow_encode(share, first->codec)))
				move_viewer(share, l->data, p, to, bps);
		} else if (p->encode == first) {
			p->slow_us = 0;
		} else if (p->encode != first && now - p->since_us >= TIER_HOLD_US &&
		           bps >= TIER_JOIN * (first_min ? first_min : best)) {
			move_viewer(share, l->data, p, first, bps);
		}
	}
}

static void update_bitrates(struct share *share)
{
	for (size_t i = 0; i < share->n_encodes; i++) {
		if (!share->encodes[i].slow)
			place_viewers(share, &share->encodes[i]);
	}
	for (size_t i = 0; i < share->n_encodes; i++) {
		struct share_encode *encode = &share->encodes[i];
		unsigned kbps = share->config.bitrate_kbps;

		for (GList *l = share->viewers; l; l = l->next) {
			struct rtc_peer *peer = viewer_get_peer(l->data);
			/* the second encode serves slow links alone: no one to protect */
			uint32_t bps = encode->slow ? viewer_get_link_estimate(l->data)
			                            : viewer_get_estimate(l->data);

			if (bps && peer && g_hash_table_contains(share->placed, peer) &&
			    encode_of(share, peer) == encode)
				kbps = MIN(kbps, MAX(bps / 1000, 1u));
		}
		if (kbps != encoder_get_bitrate(encode->encoder))
			log_debug("%s%s: video bitrate %u kbit/s", rtc_codec_name(encode->codec),
			          encode->slow ? " (slow links)" : "", kbps);
		encoder_set_bitrate(encode->encoder, kbps);
	}
}

static void host_estimate_changed(void *data)
{
	update_bitrates(data);
}

static gboolean tier_tick(void *data)
{
	struct share *share = data;

	if (share->viewers && share->viewers->next)
		update_bitrates(share);
	return G_SOURCE_CONTINUE;
}

static struct input_sink *host_new_sink(void *data, GError **error)
{
	struct share *share = data;
	struct input_sink_wl_options options = input_options(share);

	if (!share->portal)
		return input_sink_wl_new(&options, error);
	if (!(share->portal_devices & (XDP_DEVICE_KEYBOARD | XDP_DEVICE_POINTER))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
		            "the desktop granted no keyboard or pointer to this share");
		return NULL;
	}
	if (!share->portal_layout_tried) {
		g_autoptr(GError) local = NULL;

		/* the desktop's own display: where the portal's desktop runs */
		share->portal_layout_tried = true;
		share->portal_layout = wayland_keyboard_new(NULL, &local);
		if (!share->portal_layout)
			log_info("the desktop's keyboard layout is unknown (%s): text it cannot "
			         "type is lost without a word",
			         local->message);
	}
	return input_sink_portal_new(share->portal, share->portal_layout);
}

/* The desktop's selection: to every viewer allowed to read it but the one it came from. */
static void on_clipboard_text(void *data, GBytes *text, const void *except)
{
	struct share *share = data;

	for (GList *l = share->viewers; l; l = l->next) {
		if (l->data != except)
			viewer_send_clipboard(l->data, text);
	}
}

static void on_clipboard_applied(void *data, void *who)
{
	viewer_clipboard_applied(who);
}

static const struct arbiter_listener arbiter_listener = {
        .text = on_clipboard_text,
        .applied = on_clipboard_applied,
};

static void on_viewer_open(void *data, struct server_client *client, uint32_t scope)
{
	struct share *share = data;
	struct viewer *viewer;

	if (share->config.view_only)
		scope &= LINK_SCOPE_VIEW_ONLY;
	viewer = viewer_new(&share->host, client, scope);
	server_client_set_data(client, viewer);
	if (share->no_picture)
		viewer_say_no_picture(viewer, SOURCE_NO_PICTURE_S, share->no_picture);
	share->viewers = g_list_prepend(share->viewers, viewer);
}

static void on_viewer_message(void *data, struct server_client *client, const char *text,
                              size_t len)
{
	viewer_handle_message(server_client_get_data(client), text, len);
}

static void on_viewer_closed(void *data, struct server_client *client)
{
	struct share *share = data;
	struct viewer *viewer = server_client_get_data(client);

	share->viewers = g_list_remove(share->viewers, viewer);
	viewer_free(viewer); /* detaches it: its encode stops if it was the last */
	/* the slowest may have left */
	update_bitrates(share);
}

static const struct server_listener server_listener = {
        .open = on_viewer_open,
        .message = on_viewer_message,
        .closed = on_viewer_closed,
};

/* The first SIGINT or SIGTERM says goodbye to every browser; a second one does not wait
 * for that. The handler stays, so a second signal never kills wayrtc half-way through
 * its cleanup. */
static gboolean on_signal(void *data)
{
	struct share *share = data;

	if (share->quitting)
		g_main_loop_quit(share->loop);
	else
		share_quit(share, 0, "wayrtc was stopped on the shared machine");
	return G_SOURCE_CONTINUE;
}

/* Names are looked up once, at start, so one that does not resolve is refused before a
 * desktop starts. libnice takes STUN and TURN servers by address (`replace`); the listen
 * name stays as given, for the printed link. */
static bool resolve(const char *key, char **host, bool replace, GError **error)
{
	g_autoptr(GResolver) resolver = NULL;
	GList *addrs;

	if (!*host || g_hostname_is_ip_address(*host))
		return true;
	resolver = g_resolver_get_default();
	addrs = g_resolver_lookup_by_name(resolver, *host, NULL, error);
	if (!addrs) {
		g_prefix_error(error, "%s: cannot resolve %s: ", key, *host);
		return false;
	}
	if (replace) {
		g_free(*host);
		*host = g_inet_address_to_string(addrs->data);
	}
	g_resolver_free_addresses(addrs);
	return true;
}

/* A link offers control only where there is some: not with --view-only, nor where the
 * desktop's portal granted no keyboard or pointer. */
static bool can_control(struct share *share)
{
	if (share->config.view_only)
		return false;
	return !share->portal ||
	       (share->portal_devices & (XDP_DEVICE_KEYBOARD | XDP_DEVICE_POINTER));
}

/* A virtual desktop of --size=auto follows the windows of the viewers who control it. */
static void start_fit(struct share *share)
{
	g_autoptr(GError) error = NULL;

	if (!share->session || !share->config.size_auto || !can_control(share))
		return;
	share->fit = fit_new(share_display(share), &error);
	if (!share->fit) {
		log_info("the desktop keeps its size: %s", error->message);
		return;
	}
	share->host.resize = host_resize;
	share->host.max_width = FIT_AREA_WIDTH;
	share->host.max_height = FIT_AREA_HEIGHT;
}

bool share_serve(struct share *share, GError **error)
{
	g_autoptr(GError) local = NULL;
	struct server_config sc = {
	        .host = share->config.listen_host,
	        .port = share->config.listen_port,
	        .cert = share->tls,
	        .key = &share->key,
	};

	/* the source is up: a virtual desktop may have brought its own sound server. Before
	 * the viewer_host is filled, which tells viewers whether there is sound. */
	start_audio(share);
	share->clipboard = arbiter_new(share_display(share), &arbiter_listener, share, &local);
	if (!share->clipboard)
		log_info("no clipboard sharing: %s", local->message);
	if (!share->portal && !share->config.view_only) {
		/* On a desktop without a keyboard or mouse of its own (headless, virtual) each
		 * viewer's devices would be the seat's only ones: clients would lose and regain
		 * wl_keyboard and wl_pointer as viewers come and go, and miss the first key
		 * while they bind again. */
		struct input_sink_wl_options options = input_options(share);

		g_clear_error(&local);
		share->seat_anchor = input_sink_wl_new(&options, &local);
		if (!share->seat_anchor)
			log_info("the browser cannot control this desktop: %s", local->message);
	}
	share->host = (struct viewer_host){
	        .config = &share->config,
	        .dtls_cert = share->dtls_cert,
	        .video_ssrc = share->video_ssrc,
	        .codecs = share->codecs,
	        .n_codecs = share->n_codecs,
	        .audio = share->audio != NULL,
	        .audio_ssrc = share->audio_ssrc,
	        .cursor = share->cursor,
	        .clipboard = share->clipboard,
	        .data = share,
	        .get_size = host_get_size,
	        .attach = host_attach,
	        .detach = host_detach,
	        .request_keyframe = host_request_keyframe,
	        .retransmit = host_retransmit,
	        .estimate_changed = host_estimate_changed,
	        .new_sink = host_new_sink,
	};
	start_fit(share);
	share->server = server_new(&sc, &server_listener, share, error);
	if (!share->server)
		return false;
	/* a viewer's placement waits on time as well as on its estimate (TIER_SPLIT_US) */
	share->tier_timer = g_timeout_add(TIER_TICK_MS, tier_tick, share);
	log_info("certificate SHA-256 %s", share->tls_fingerprint);
	link_print(&share->config, server_get_port(share->server), &share->key,
	           can_control(share) ? LINK_SCOPE_ALL : LINK_SCOPE_VIEW_ONLY, share->config.ttl_s);
	return true;
}

struct share *share_new(struct config *config, GError **error)
{
	struct share *share = g_new0(struct share, 1);
	struct input_sink_wl_options options;

	share->placed = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	share->config = *config;
	memset(config, 0, sizeof(*config));
	if (!resolve("listen", &share->config.listen_host, false, error) ||
	    !resolve("stun", &share->config.stun_host, true, error) ||
	    !resolve("turn", &share->config.turn_host, true, error))
		goto fail;
	/* a layout that does not compile is refused now, not at the first viewer */
	options = input_options(share);
	if (!input_sink_wl_check_keymap(&options, error))
		goto fail;
	gst_init(NULL, NULL);
	share->state_dir = state_dir_get(error);
	if (!share->state_dir || !auth_key_load_or_create(share->state_dir, &share->key, error))
		goto fail;
	share->tls = cert_load_or_create(share->state_dir, &share->tls_fingerprint, error);
	if (!share->tls)
		goto fail;
	share->dtls_cert = rtc_cert_new(error);
	if (!share->dtls_cert)
		goto fail;
	share->cursor = cursor_new();
	return share;
fail:
	share_free(share);
	return NULL;
}

/* The encodes, idle until a viewer chooses their codec: --codec first, then (with
 * --encoder=auto) every other codec this machine has an encoder for, so a browser that
 * decodes only one of them still gets a picture. H.264 High 4:4:4 comes before 4:2:0
 * H.264 (sharp coloured text where the browser decodes it), and only where the H.264
 * encoder makes it (x264); a named H.264 encoder is offered in both chromas too. */
static bool start_encodes(struct share *share, GError **error)
{
	static const enum rtc_codec all[] = {RTC_CODEC_H264_444, RTC_CODEC_H264, RTC_CODEC_VP8};
	bool any = !share->config.encoder || !strcmp(share->config.encoder, "auto");
	enum rtc_codec order[RTC_CODEC_COUNT];
	size_t n = 0;

	order[n++] = share->config.codec;
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
		if (all[i] != share->config.codec &&
		    (any || rtc_codec_is_h264(all[i]) == rtc_codec_is_h264(share->config.codec)))
			order[n++] = all[i];
	}
	for (size_t i = 0; i < n; i++) {
		g_autoptr(GError) local = NULL;
		/* the one asked for must work (4:4:4 may fall back to the 4:2:0 after it); the
		 * others are a bonus */
		bool must = i == 0 && order[i] != RTC_CODEC_H264_444;

		if (!start_encode(share, &share->encodes[share->n_encodes], order[i], false,
		                  &local)) {
			if (must) {
				g_propagate_error(error, g_steal_pointer(&local));
				return false;
			}
			log_info("%s is not offered: %s", rtc_codec_name(order[i]), local->message);
			continue;
		}
		share->n_encodes++;
		share->codecs[share->n_codecs++] = order[i];
	}
	if (!share->n_encodes) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no video encoder for %s",
		            rtc_codec_name(share->config.codec));
		return false;
	}
	for (size_t i = 0; i < share->n_encodes; i++)
		log_info("offering %s (%s)", rtc_codec_name(share->encodes[i].codec),
		         encoder_get_name(share->encodes[i].encoder));
	return true;
}

int share_run(struct share *share, const char *const *command, GError **error)
{
	share->loop = g_main_loop_new(NULL, FALSE);
	share->video_ssrc = g_random_int();
	if (!start_encodes(share, error))
		return 1;
	/* before the source: the desktop's dialog may wait a long time, and a signal then
	 * must still close the portal session rather than kill wayrtc; they stay until the
	 * end, so a signal during the cleanup cannot cut it short */
	g_unix_signal_add(SIGINT, on_signal, share);
	g_unix_signal_add(SIGTERM, on_signal, share);
	/* the sound starts with the server (share_serve), once the source is up */
	if (!source_start(share, command, error))
		return 1;
	g_main_loop_run(share->loop);
	return share->exit_status;
}

void share_free(struct share *share)
{
	if (!share)
		return;
	g_clear_handle_id(&share->tier_timer, g_source_remove);
	server_free(share->server); /* closes every viewer first */
	arbiter_free(share->clipboard);
	fit_free(share->fit);
	input_sink_destroy(share->seat_anchor);
	/* the encoders before the capture: a PipeWire buffer may still be in one */
	for (size_t i = 0; i < share->n_encodes; i++)
		encoder_free(share->encodes[i].encoder);
	audio_free(share->audio);
	source_stop(share);
	cursor_free(share->cursor);
	for (size_t i = 0; i < share->n_encodes; i++)
		hub_free(share->encodes[i].hub);
	g_clear_pointer(&share->placed, g_hash_table_unref);
	rtc_cert_free(share->dtls_cert);
	g_free(share->screen_data);
	if (share->loop)
		g_main_loop_unref(share->loop);
	config_clear(&share->config);
	g_clear_object(&share->tls);
	g_free(share->tls_fingerprint);
	g_free(share->state_dir);
	g_free(share);
}
