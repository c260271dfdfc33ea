/* A viewer's life: hello + offer on admission, answer and candidates in, candidates out,
 * keyframe requests to the encoder, NACKs to the hub's history, and its data channels:
 * input to a virtual keyboard and pointer of its own (so leaving releases only its keys),
 * if its token allows control. Bad messages get an error reply and the session goes on. */
#define LOG_MODULE "viewer"
#include "viewer.h"

#include <string.h>

#include "input/message.h"
#include "input/sink.h"
#include "rtc/peer.h"
#include "rtc/turn.h"
#include "server/auth.h"
#include "server/server.h"
#include "server/signaling.h"
#include "share/arbiter.h"
#include "share/config.h"
#include "share/cursor.h"
#include "util/log.h"

/* A browser that loses packets may ask for many keyframes; each costs a big frame. One
 * that comes sooner waits for the interval's end, not dropped: the peer may be skipping
 * every frame until the keyframe comes. */
#define KEYFRAME_MIN_INTERVAL_US (300 * 1000)
/* A pointer message that found the cursor channel's send buffer full is tried again this
 * soon, as whatever is newest then: never more than one waits per viewer. */
#define CURSOR_RETRY_MS 20
/* How long after connecting a viewer's bandwidth estimate is left to settle before it can
 * lower the encode's rate. */
#define ESTIMATE_SETTLE_MS 3000
/* After this long its estimate has measured the link (the start-up probes answered), good
 * enough to tell a slow link from a fast one (viewer_get_link_estimate). */
#define LINK_KNOWN_MS 1000
/* One line per viewer this often at debug: what its link does (issue 9, "seeing it"). */
#define STATS_INTERVAL_S 5

/* The data channels we know, by label (docs/input.md). */
enum channel_kind {
	CHANNEL_INPUT = 0, /* keys, buttons, wheel, text: ordered, reliable */
	CHANNEL_POINTER,   /* pointer motion only: unordered, unreliable */
	CHANNEL_CLIPBOARD, /* text both ways */
	CHANNEL_CURSOR,    /* the desktop's pointer, to the browser: ordered, reliable */
	N_CHANNEL_KINDS,
};

static const char *const channel_labels[N_CHANNEL_KINDS] = {"input", "pointer", "clipboard",
                                                            "cursor"};

struct viewer {
	const struct viewer_host *host;
	struct server_client *client;
	struct rtc_peer *peer;
	uint32_t scope;
	bool attached; /* the share sends it media */
	bool listens;  /* its offer has the audio: attached to it too */
	int64_t last_keyframe_us;
	guint keyframe_timer; /* a request that came too soon after the last, for later */
	int channel_ids[N_CHANNEL_KINDS]; /* stream id, -1: not open */
	struct input_sink *sink;          /* from the first control channel on */
	bool sink_failed;
	double input_tokens; /* rate limit, refilled at VIEWER_INPUT_PER_SECOND */
	int64_t input_refill_us;
	uint64_t input_ignored; /* no right to control: counted, never applied */
	uint64_t input_dropped; /* malformed, over the rate, or on the wrong channel */
	GQueue held;            /* GBytes: channel kind byte, then the message */
	bool holding;           /* our clipboard text is being applied */
	unsigned cursor_behind; /* CURSOR_CHANGED_* not yet sent on `cursor` */
	guint cursor_retry;     /* the send buffer was full: trying again */
	guint stats_timer;      /* the debug stats line, while connected */
	int64_t connected_us;   /* 0: not yet */
	guint estimate_timer;   /* its estimate is not used yet (ESTIMATE_SETTLE_MS) */
	struct rtc_peer_stats stats_last;
	int64_t stats_last_us;
	uint8_t *cursor_fit; /* the image made small enough for this browser, if needed */
};

static void send_json(struct viewer *viewer, char *json)
{
	server_client_send(viewer->client, json);
	g_free(json);
}

static void on_candidate(void *data, const char *candidate)
{
	struct viewer *viewer = data;

	send_json(viewer, signal_build_candidate(candidate));
}

static void request_keyframe(struct viewer *viewer);

static gboolean keyframe_later(void *data)
{
	struct viewer *viewer = data;

	viewer->keyframe_timer = 0;
	request_keyframe(viewer);
	return G_SOURCE_REMOVE;
}

static void request_keyframe(struct viewer *viewer)
{
	int64_t now = g_get_monotonic_time();
	int64_t wait = viewer->last_keyframe_us + KEYFRAME_MIN_INTERVAL_US - now;

	if (!viewer->attached || viewer->keyframe_timer)
		return;
	if (viewer->last_keyframe_us && wait > 0) {
		viewer->keyframe_timer =
		        g_timeout_add((guint)((wait + 999) / 1000), keyframe_later, viewer);
		return;
	}
	viewer->last_keyframe_us = now;
	viewer->host->request_keyframe(viewer->host->data, viewer->peer);
}

/* Rates over the interval since the last line; RTCP's figures as last reported. */
static gboolean log_stats(void *data)
{
	struct viewer *viewer = data;
	struct rtc_peer_stats now, *was = &viewer->stats_last;
	int64_t now_us = g_get_monotonic_time();
	double secs = (double)(now_us - viewer->stats_last_us) / 1e6;

	rtc_peer_get_stats(viewer->peer, &now);
	if (secs > 0)
		log_debug("%s: sent %.0f kbit/s (%.0f packets/s), RTT %d ms, %.1f %% lost "
		          "(%" G_GINT32_FORMAT " in all), jitter %.1f ms, %u NACKs, %u keyframe "
		          "requests, REMB %.0f kbit/s",
		          server_client_get_address(viewer->client),
		          (double)(uint32_t)(now.octets - was->octets) * 8 / secs / 1000,
		          (double)(uint32_t)(now.packets - was->packets) / secs, now.rtt_ms,
		          now.fraction_lost * 100.0 / 256, now.cumulative_lost, now.jitter / 90.0,
		          now.nacks - was->nacks, now.keyframe_requests - was->keyframe_requests,
		          (double)now.remb_bps / 1000);
	*was = now;
	viewer->stats_last_us = now_us;
	return G_SOURCE_CONTINUE;
}

/* The estimator starts from a guess (rtc/bwe.c) and probes up within a second or two: until
 * it has measured the link, this viewer's estimate does not lower the encode, or everyone
 * watching would get a joiner's keyframe at the guess's rate. */
static gboolean estimate_settled(void *data)
{
	struct viewer *viewer = data;

	viewer->estimate_timer = 0;
	if (viewer->host->estimate_changed)
		viewer->host->estimate_changed(viewer->host->data);
	return G_SOURCE_REMOVE;
}

static void on_state(void *data, enum rtc_peer_state state, const char *reason)
{
	struct viewer *viewer = data;

	switch (state) {
	case RTC_PEER_CONNECTED:
		log_info("%s: connected", server_client_get_address(viewer->client));
		viewer->connected_us = g_get_monotonic_time();
		request_keyframe(viewer);
		if (!viewer->estimate_timer)
			viewer->estimate_timer =
			        g_timeout_add(ESTIMATE_SETTLE_MS, estimate_settled, viewer);
		if (log_get_level() >= LOG_DEBUG && !viewer->stats_timer) {
			rtc_peer_get_stats(viewer->peer, &viewer->stats_last);
			viewer->stats_last_us = g_get_monotonic_time();
			viewer->stats_timer =
			        g_timeout_add_seconds(STATS_INTERVAL_S, log_stats, viewer);
		}
		break;
	case RTC_PEER_FAILED:
		log_warn("%s: %s", server_client_get_address(viewer->client),
		         reason ? reason : "connection failed");
		send_json(viewer, signal_build_error("connection-failed",
		                                     reason ? reason : "the connection failed"));
		break;
	default:
		break;
	}
}

static void on_keyframe(void *data)
{
	request_keyframe(data);
}

static void on_nack(void *data, uint16_t seq)
{
	struct viewer *viewer = data;

	if (viewer->attached)
		viewer->host->retransmit(viewer->host->data, viewer->peer, seq);
}

static void on_estimate(void *data, uint32_t bps)
{
	struct viewer *viewer = data;

	if (viewer->host->estimate_changed)
		viewer->host->estimate_changed(viewer->host->data);
}

uint32_t viewer_get_estimate(struct viewer *viewer)
{
	if (!viewer->peer || rtc_peer_get_state(viewer->peer) != RTC_PEER_CONNECTED ||
	    viewer->estimate_timer)
		return 0;
	return rtc_peer_get_estimate(viewer->peer);
}

uint32_t viewer_get_link_estimate(struct viewer *viewer)
{
	if (!viewer->peer || rtc_peer_get_state(viewer->peer) != RTC_PEER_CONNECTED ||
	    !viewer->connected_us ||
	    g_get_monotonic_time() - viewer->connected_us < LINK_KNOWN_MS * 1000)
		return 0;
	return rtc_peer_get_estimate(viewer->peer);
}

struct rtc_peer *viewer_get_peer(struct viewer *viewer)
{
	return viewer->peer;
}

const char *viewer_get_address(struct viewer *viewer)
{
	return server_client_get_address(viewer->client);
}

static const char *viewer_address(struct viewer *viewer)
{
	return server_client_get_address(viewer->client);
}

static int channel_kind(struct viewer *viewer, uint16_t id)
{
	for (int k = 0; k < N_CHANNEL_KINDS; k++) {
		if (viewer->channel_ids[k] == id)
			return k;
	}
	return -1;
}

static void send_clipboard(struct viewer *viewer, GBytes *text, bool at_join)
{
	int id = viewer->channel_ids[CHANNEL_CLIPBOARD];
	gsize len;
	const uint8_t *buf = g_bytes_get_data(text, &len);

	if (id < 0 || !(viewer->scope & AUTH_SCOPE_CLIPBOARD) || !viewer->peer)
		return;
	if (!rtc_peer_channel_send(viewer->peer, (uint16_t)id, at_join, buf, len))
		log_debug("%s: the clipboard (%zu bytes) did not go out", viewer_address(viewer),
		          len);
}

static void start_sink(struct viewer *viewer)
{
	g_autoptr(GError) error = NULL;

	if (viewer->sink || viewer->sink_failed)
		return;
	viewer->sink = viewer->host->new_sink(viewer->host->data, &error);
	if (!viewer->sink) {
		viewer->sink_failed = true;
		log_warn("%s: no control: %s", viewer_address(viewer), error->message);
		send_json(viewer, signal_build_error("no-control", error->message));
	}
}

void viewer_channel_open(struct viewer *viewer, uint16_t id, const char *label)
{
	int kind = -1;

	for (int k = 0; k < N_CHANNEL_KINDS; k++) {
		if (!strcmp(label, channel_labels[k]))
			kind = k;
	}
	if (kind < 0 || viewer->channel_ids[kind] >= 0) {
		log_debug("%s: channel “%s” refused", viewer_address(viewer), label);
		rtc_peer_channel_close(viewer->peer, id);
		return;
	}
	viewer->channel_ids[kind] = id;
	if ((kind == CHANNEL_INPUT || kind == CHANNEL_POINTER) &&
	    (viewer->scope & AUTH_SCOPE_CONTROL))
		start_sink(viewer);
	/* what the desktop holds now goes as binary, so the page tells it from a new copy */
	if (kind == CHANNEL_CLIPBOARD && arbiter_get_text(viewer->host->clipboard))
		send_clipboard(viewer, arbiter_get_text(viewer->host->clipboard), true);
	/* a page that joins sees the pointer's shape and place before it moves */
	if (kind == CHANNEL_CURSOR)
		viewer_send_cursor(viewer, CURSOR_CHANGED_IMAGE | CURSOR_CHANGED_POSITION);
}

static bool input_allowed(struct viewer *viewer)
{
	int64_t now = g_get_monotonic_time();

	viewer->input_tokens +=
	        (double)(now - viewer->input_refill_us) * VIEWER_INPUT_PER_SECOND / G_USEC_PER_SEC;
	viewer->input_tokens = MIN(viewer->input_tokens, VIEWER_INPUT_BURST);
	viewer->input_refill_us = now;
	if (viewer->input_tokens < 1)
		return false;
	viewer->input_tokens -= 1;
	return true;
}

/* Text the desktop could not type (the portal types only what its layout has) is said to
 * the page, which would otherwise see it vanish. */
static void tell_untyped(struct viewer *viewer)
{
	g_autofree char *chars = input_sink_take_untyped(viewer->sink);
	g_autofree char *words = NULL;
	size_t refused = input_sink_take_refused(viewer->sink);

	/* the portal's text path goes a call at a time, and is bounded: the rest of a long
	 * text is refused */
	if (refused) {
		g_autofree char *said = NULL;

		log_warn("%s: %zu characters of text refused: more text waits to be typed than "
		         "the desktop's portal takes",
		         viewer_address(viewer), refused);
		said = g_strdup_printf("Not typed: the last %zu characters. This desktop takes "
		                       "text a key at a time, and more was sent than may wait; "
		                       "send the rest once the text before it is typed.",
		                       refused);
		send_json(viewer, signal_build_error("text-overflow", said));
	}
	if (!chars)
		return;
	log_info("%s: the desktop's keyboard layout cannot type “%s”", viewer_address(viewer),
	         chars);
	words = g_strdup_printf("Not typed: “%s”. The desktop's keyboard layout has no key for "
	                        "these, and its sharing portal types only what the layout has. "
	                        "Add a keyboard layout that has them on the shared desktop.",
	                        chars);
	send_json(viewer, signal_build_error("untyped", words));
}

static void handle_input(struct viewer *viewer, int kind, bool binary, const uint8_t *buf,
                         size_t len)
{
	struct input_event ev;

	if (!(viewer->scope & AUTH_SCOPE_CONTROL)) {
		/* whatever the page sends, a view-only link moves nothing */
		if (viewer->input_ignored++ == 0)
			log_warn("%s: input from a view-only link ignored", viewer_address(viewer));
		return;
	}
	if (!binary || !input_allowed(viewer) || !input_message_decode(buf, len, &ev) ||
	    (kind == CHANNEL_POINTER && ev.type != INPUT_EVENT_POINTER_MOVE)) {
		viewer->input_dropped++;
		return;
	}
	if (viewer->sink && !input_dispatch(viewer->sink, &ev))
		viewer->input_dropped++;
	if (viewer->sink && ev.type == INPUT_EVENT_TEXT)
		tell_untyped(viewer);
}

static void hold_input(struct viewer *viewer, int kind, const uint8_t *buf, size_t len)
{
	g_autofree uint8_t *copy = g_malloc(len + 1);

	if (viewer->held.length >= VIEWER_INPUT_HELD_MAX) {
		viewer->input_dropped++;
		return;
	}
	copy[0] = (uint8_t)kind;
	if (len)
		memcpy(copy + 1, buf, len);
	g_queue_push_tail(&viewer->held, g_bytes_new_take(g_steal_pointer(&copy), len + 1));
}

static void release_held(struct viewer *viewer)
{
	GBytes *bytes;

	viewer->holding = false;
	while (!viewer->holding && (bytes = g_queue_pop_head(&viewer->held))) {
		gsize n;
		const uint8_t *b = g_bytes_get_data(bytes, &n);

		handle_input(viewer, b[0], true, b + 1, n - 1);
		g_bytes_unref(bytes);
	}
}

void viewer_clipboard_applied(struct viewer *viewer)
{
	release_held(viewer);
}

static void handle_clipboard(struct viewer *viewer, bool binary, const uint8_t *buf, size_t len)
{
	if (!(viewer->scope & AUTH_SCOPE_CLIPBOARD)) {
		viewer->input_ignored++;
		return;
	}
	if (binary || !viewer->host->clipboard || !len ||
	    !arbiter_set_text(viewer->host->clipboard, viewer, buf, len)) {
		viewer->input_dropped++;
		return;
	}
	viewer->holding = true;
}

void viewer_send_clipboard(struct viewer *viewer, GBytes *text)
{
	send_clipboard(viewer, text, false);
}

/* Sends what is behind, the image first (the page draws a position with the image it
 * has); true while something is still waiting for room in the send buffer. */
static bool flush_cursor(struct viewer *viewer)
{
	const struct cursor *c = viewer->host->cursor;
	int id = viewer->channel_ids[CHANNEL_CURSOR];
	uint8_t pos[CURSOR_POSITION_LEN];
	size_t len, max;

	if (id < 0 || !c || !viewer->peer) {
		viewer->cursor_behind = 0;
		return false;
	}
	max = rtc_peer_get_max_message_size(viewer->peer);
	if ((viewer->cursor_behind & CURSOR_CHANGED_IMAGE) && c->image_message_len) {
		const uint8_t *msg = c->image_message;

		len = c->image_message_len;
		if (len > max) {
			/* SCTP refuses it every time (aiortc and webrtcbin take 64 KiB, a
			 * 128×128 image is 9 bytes more): a smaller picture, or none */
			if (!viewer->cursor_fit)
				viewer->cursor_fit = g_malloc(CURSOR_MESSAGE_MAX);
			len = cursor_encode_image_within(viewer->cursor_fit, CURSOR_MESSAGE_MAX,
			                                 max, c->width, c->height, c->hot_x,
			                                 c->hot_y, c->rgba);
			msg = viewer->cursor_fit;
			log_debug(
			        "%s: the pointer image scaled down to %zu bytes (the browser takes "
			        "%zu)",
			        viewer_address(viewer), len, max);
		}
		if (len && !rtc_peer_channel_send(viewer->peer, (uint16_t)id, true, msg, len))
			return true; /* the send buffer is full: it fits, so it will go */
	}
	viewer->cursor_behind &= ~CURSOR_CHANGED_IMAGE;
	if ((viewer->cursor_behind & CURSOR_CHANGED_POSITION) && c->have_position &&
	    CURSOR_POSITION_LEN <= max) {
		len = cursor_encode_position(pos, sizeof(pos), c->x, c->y, c->visible);
		if (!rtc_peer_channel_send(viewer->peer, (uint16_t)id, true, pos, len))
			return true;
	}
	viewer->cursor_behind = 0;
	return false;
}

static gboolean retry_cursor(void *data)
{
	struct viewer *viewer = data;

	if (flush_cursor(viewer))
		return G_SOURCE_CONTINUE;
	viewer->cursor_retry = 0;
	return G_SOURCE_REMOVE;
}

void viewer_send_cursor(struct viewer *viewer, unsigned changed)
{
	viewer->cursor_behind |= changed;
	/* a retry is due: it sends the newest, so positions never queue up behind a slow link */
	if (viewer->cursor_retry || !flush_cursor(viewer))
		return;
	viewer->cursor_retry = g_timeout_add(CURSOR_RETRY_MS, retry_cursor, viewer);
}

void viewer_channel_message(struct viewer *viewer, uint16_t id, bool binary, const uint8_t *buf,
                            size_t len)
{
	int kind = channel_kind(viewer, id);

	if (kind == CHANNEL_CURSOR)
		viewer->input_dropped++; /* the server's to send, never to read */
	else if (kind == CHANNEL_CLIPBOARD)
		handle_clipboard(viewer, binary, buf, len);
	else if (kind >= 0 && viewer->holding && binary && (viewer->scope & AUTH_SCOPE_CONTROL))
		hold_input(viewer, kind, buf, len);
	else if (kind >= 0)
		handle_input(viewer, kind, binary, buf, len);
}

void viewer_channel_closed(struct viewer *viewer, uint16_t id)
{
	int kind = channel_kind(viewer, id);

	if (kind < 0)
		return;
	viewer->channel_ids[kind] = -1;
	/* no stuck keys: whatever this viewer held goes up with its channel */
	if (kind == CHANNEL_INPUT && viewer->sink)
		input_sink_release_all(viewer->sink);
}

void viewer_get_input_counts(struct viewer *viewer, uint64_t *ignored, uint64_t *dropped)
{
	*ignored = viewer->input_ignored;
	*dropped = viewer->input_dropped;
}

static void on_channel_open(void *data, uint16_t id, const char *label)
{
	viewer_channel_open(data, id, label);
}

static void on_channel_message(void *data, uint16_t id, bool binary, const uint8_t *buf, size_t len)
{
	viewer_channel_message(data, id, binary, buf, len);
}

static void on_channel_closed(void *data, uint16_t id)
{
	viewer_channel_closed(data, id);
}

static const struct rtc_peer_listener peer_listener = {
        .candidate = on_candidate,
        .state = on_state,
        .keyframe = on_keyframe,
        .nack = on_nack,
        .estimate = on_estimate,
        .channel_open = on_channel_open,
        .channel_message = on_channel_message,
        .channel_closed = on_channel_closed,
};

struct viewer *viewer_new(const struct viewer_host *host, struct server_client *client,
                          uint32_t scope)
{
	const struct config *config = host->config;
	struct rtc_peer_config pc = {
	        .cert = host->dtls_cert,
	        .n_codecs = MIN(host->n_codecs, RTC_CODEC_COUNT),
	        .video_ssrc = host->video_ssrc,
	        .max_bitrate_kbps = config->bitrate_kbps,
	        /* no section at all for a link without the right, nor where there is no sound */
	        .audio = host->audio && (scope & AUTH_SCOPE_AUDIO),
	        .audio_ssrc = host->audio_ssrc,
	        .stun_host = config->stun_host,
	        .stun_port = config->stun_port,
	        .turn_host = config->turn_host,
	        .turn_port = config->turn_port,
	        .turn_user = config->turn_user,
	        .turn_pass = config->turn_pass,
	};
	g_autoptr(GError) error = NULL;
	g_autofree char *offer = NULL;
	g_autofree char *turn_user = NULL, *turn_pass = NULL;
	g_autofree char *own_user = NULL, *own_pass = NULL;
	g_auto(GStrv) turn_urls = NULL;
	struct signal_ice_server ice = {0};
	struct viewer *viewer = g_new0(struct viewer, 1);
	unsigned width, height, level_w, level_h;
	/* names each viewer's TURN credentials apart in the TURN server's log */
	static unsigned serial;

	viewer->host = host;
	viewer->client = client;
	viewer->scope = scope;
	viewer->input_tokens = VIEWER_INPUT_BURST;
	viewer->input_refill_us = g_get_monotonic_time();
	for (int k = 0; k < N_CHANNEL_KINDS; k++)
		viewer->channel_ids[k] = -1;
	host->get_size(host->data, &width, &height);
	/* Credentials of its own for each viewer, and for our side of its connection, that
	 * expire: a page that leaks them (or the static password we never send) cannot relay
	 * through the TURN server for ever. */
	if (config->turn_host && config->turn_secret) {
		int64_t expiry = g_get_real_time() / G_USEC_PER_SEC + CONFIG_TURN_CREDENTIAL_TTL;
		g_autofree char *name = g_strdup_printf("viewer-%u", ++serial);
		g_autofree char *own = g_strdup_printf("wayrtc-%u", serial);

		if (rtc_turn_credentials(config->turn_secret, expiry, name, &turn_user,
		                         &turn_pass) &&
		    rtc_turn_credentials(config->turn_secret, expiry, own, &own_user, &own_pass)) {
			turn_urls = rtc_turn_urls(config->turn_host, config->turn_port,
			                          config->turn_tls_port);
			ice = (struct signal_ice_server){
			        .urls = turn_urls, .username = turn_user, .credential = turn_pass};
			pc.turn_user = own_user;
			pc.turn_pass = own_pass;
		}
	}
	for (size_t i = 0; i < pc.n_codecs; i++)
		pc.codecs[i] = host->codecs[i];
	/* the level of what the encoder makes of this size (the SPS says the same), or of the
	 * largest a desktop that follows the windows may take */
	level_w = host->resize ? host->max_width : width;
	level_h = host->resize ? host->max_height : height;
	pc.h264_level_idc = level_w ? rtc_h264_level_idc(level_w, level_h, config->max_fps,
	                                                 config->bitrate_kbps)
	                            : 0;
	pc.h264_444_level_idc = level_w ? rtc_h264_444_level_idc(level_w, level_h, config->max_fps,
	                                                         config->bitrate_kbps)
	                                : 0;
	/* the most wanted codec; the answer decides */
	send_json(viewer,
	          signal_build_hello(scope, width, height,
	                             rtc_codec_name(pc.n_codecs ? pc.codecs[0] : config->codec),
	                             ice.urls ? &ice : NULL,
	                             host->resize && (scope & AUTH_SCOPE_CONTROL)));
	viewer->peer = rtc_peer_new(&pc, &peer_listener, viewer, &error);
	if (viewer->peer)
		offer = rtc_peer_create_offer(viewer->peer, &error);
	if (!offer) {
		log_error("%s: %s", server_client_get_address(client), error->message);
		send_json(viewer, signal_build_error("internal", error->message));
		server_client_close(client, 1011, "the server could not start a connection");
		return viewer;
	}
	viewer->listens = pc.audio;
	send_json(viewer, signal_build_offer(offer));
	return viewer;
}

void viewer_free(struct viewer *viewer)
{
	if (!viewer)
		return;
	if (viewer->attached)
		viewer->host->detach(viewer->host->data, viewer->peer, viewer->listens);
	g_clear_handle_id(&viewer->stats_timer, g_source_remove);
	g_clear_handle_id(&viewer->keyframe_timer, g_source_remove);
	rtc_peer_free(viewer->peer);
	g_clear_handle_id(&viewer->cursor_retry, g_source_remove);
	g_clear_handle_id(&viewer->estimate_timer, g_source_remove);
	g_free(viewer->cursor_fit);
	arbiter_forget(viewer->host->clipboard, viewer);
	g_queue_clear_full(&viewer->held, (GDestroyNotify)g_bytes_unref);
	/* releases every key and button still held */
	input_sink_destroy(viewer->sink);
	if (viewer->input_ignored || viewer->input_dropped)
		log_info("%s: %" G_GUINT64_FORMAT
		         " input messages ignored (view-only), %" G_GUINT64_FORMAT " dropped",
		         viewer_address(viewer), viewer->input_ignored, viewer->input_dropped);
	g_free(viewer);
}

void viewer_handle_message(struct viewer *viewer, const char *text, size_t len)
{
	g_autoptr(GError) error = NULL;
	struct signal_msg msg = {0};
	bool ok = true;

	if (!signal_parse(text, len, &msg, &error)) {
		send_json(viewer, signal_build_error("bad-message", error->message));
		return;
	}
	if (!viewer->peer) {
		signal_msg_clear(&msg);
		return;
	}
	switch (msg.type) {
	case SIGNAL_ANSWER:
		ok = rtc_peer_set_answer(viewer->peer, msg.sdp, strlen(msg.sdp), &error);
		if (!ok && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) {
			/* in words, for the page to show: what this browser lacks */
			log_warn("%s: %s", viewer_address(viewer), error->message);
			send_json(viewer, signal_build_error("no-codec", error->message));
			ok = true;
		} else if (ok) {
			log_info("%s: %s video", viewer_address(viewer),
			         rtc_codec_name(rtc_peer_get_codec(viewer->peer)));
			/* the codec is known now: its encode feeds this peer */
			viewer->attached = true;
			viewer->host->attach(viewer->host->data, viewer->peer, viewer->listens);
		}
		break;
	case SIGNAL_CANDIDATE:
		ok = rtc_peer_add_candidate(viewer->peer, msg.candidate ? msg.candidate : "",
		                            &error);
		break;
	case SIGNAL_KEYFRAME:
		request_keyframe(viewer);
		break;
	case SIGNAL_PING:
		server_client_send(viewer->client, "{\"type\":\"pong\"}");
		break;
	case SIGNAL_SIZE:
		/* only a viewer who may drive the desktop may change its size for everyone;
		 * from the others, and where the desktop cannot follow, it is ignored */
		if (viewer->host->resize && (viewer->scope & AUTH_SCOPE_CONTROL))
			viewer->host->resize(viewer->host->data, msg.width, msg.height,
			                     msg.pixel_ratio);
		break;
	}
	if (!ok) {
		log_warn("%s: %s", server_client_get_address(viewer->client), error->message);
		send_json(viewer, signal_build_error("bad-message", error->message));
	}
	signal_msg_clear(&msg);
}

void viewer_say_no_picture(struct viewer *viewer, unsigned seconds, const char *message)
{
	send_json(viewer,
	          message ? signal_build_no_picture(seconds, message) : signal_build_picture());
}

void viewer_say_bye(struct viewer *viewer, const char *reason)
{
	send_json(viewer, signal_build_bye(reason));
	server_client_close(viewer->client, 1001, reason);
}
