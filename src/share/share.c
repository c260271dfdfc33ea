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
#include "server/cert.h"
#include "server/server.h"
#include "share/arbiter.h"
#include "share/cursor.h"
#include "share/link.h"
#include "share/share-private.h"
#include "share/virtual.h"
#include "util/log.h"
#include "util/state.h"
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

/* Encoder thread: straight into the hub, no hop through the main loop. */
static void on_encoded(void *data, const uint8_t *frame, size_t len, bool keyframe, uint32_t rtp_ts,
                       int64_t ready_us)
{
	struct share *share = data;

	hub_push_video(share->hub, frame, len, keyframe, rtp_ts, ready_us);
}

/* Opus encoder thread: the same way, straight into the hub. */
static void on_audio(void *data, const uint8_t *opus, size_t len, uint32_t rtp_ts)
{
	struct share *share = data;

	hub_push_audio(share->hub, opus, len, rtp_ts);
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
	hub_set_audio_ssrc(share->hub, share->audio_ssrc);
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

static void host_attach(void *data, struct rtc_peer *peer, bool audio)
{
	struct share *share = data;

	hub_add_peer(share->hub, peer);
	/* the sound is captured while anyone may hear it */
	if (audio && share->n_listeners++ == 0)
		audio_set_active(share->audio, true);
}

static void host_detach(void *data, struct rtc_peer *peer, bool audio)
{
	struct share *share = data;

	hub_remove_peer(share->hub, peer);
	if (audio && --share->n_listeners == 0)
		audio_set_active(share->audio, false);
}

static void host_request_keyframe(void *data)
{
	struct share *share = data;

	encoder_request_keyframe(share->encoder);
}

static void host_retransmit(void *data, struct rtc_peer *peer, uint16_t seq)
{
	struct share *share = data;

	hub_retransmit(share->hub, peer, seq);
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
	return input_sink_portal_new(share->portal);
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
	share->viewers = g_list_prepend(share->viewers, viewer);
	encoder_set_idle(share->encoder, false);
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
	viewer_free(viewer);
	/* nobody watching: stop encoding (the newest frame is still kept) */
	encoder_set_idle(share->encoder, share->viewers == NULL);
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

bool share_serve(struct share *share, GError **error)
{
	g_autoptr(GError) local = NULL;
	struct server_config sc = {
	        .host = share->config.listen_host,
	        .port = share->config.listen_port,
	        .cert = share->tls,
	        .key = &share->key,
	};

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
	        .new_sink = host_new_sink,
	};
	share->server = server_new(&sc, &server_listener, share, error);
	if (!share->server)
		return false;
	log_info("certificate SHA-256 %s", share->tls_fingerprint);
	link_print(&share->config, server_get_port(share->server), &share->key,
	           can_control(share) ? LINK_SCOPE_ALL : LINK_SCOPE_VIEW_ONLY, share->config.ttl_s);
	return true;
}

struct share *share_new(struct config *config, GError **error)
{
	struct share *share = g_new0(struct share, 1);
	struct input_sink_wl_options options;

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

int share_run(struct share *share, const char *const *command, GError **error)
{
	struct encoder_config ec = {
	        .name = share->config.encoder,
	        .codec = share->config.codec,
	        .max_fps = share->config.max_fps,
	        .bitrate_kbps = share->config.bitrate_kbps,
	};

	share->loop = g_main_loop_new(NULL, FALSE);
	share->video_ssrc = g_random_int();
	share->hub = hub_new(share->config.codec, share->video_ssrc);
	share->encoder = encoder_new(&ec, on_encoded, share, error);
	if (!share->encoder)
		return 1;
	encoder_set_idle(share->encoder, true);
	log_info("encoding %s with %s", rtc_codec_name(share->config.codec),
	         encoder_get_name(share->encoder));
	/* before the source: the desktop's dialog may wait a long time, and a signal then
	 * must still close the portal session rather than kill wayrtc; they stay until the
	 * end, so a signal during the cleanup cannot cut it short */
	g_unix_signal_add(SIGINT, on_signal, share);
	g_unix_signal_add(SIGTERM, on_signal, share);
	if (!source_start(share, command, error))
		return 1;
	/* after the source: a virtual desktop may have brought its own sound server; no
	 * viewer comes before the loop runs */
	start_audio(share);
	share->host.audio = share->audio != NULL;
	share->host.audio_ssrc = share->audio_ssrc;
	g_main_loop_run(share->loop);
	return share->exit_status;
}

void share_free(struct share *share)
{
	if (!share)
		return;
	server_free(share->server); /* closes every viewer first */
	arbiter_free(share->clipboard);
	input_sink_destroy(share->seat_anchor);
	/* the encoder before the capture: a PipeWire buffer may still be in it */
	encoder_free(share->encoder);
	audio_free(share->audio);
	source_stop(share);
	cursor_free(share->cursor);
	hub_free(share->hub);
	rtc_cert_free(share->dtls_cert);
	if (share->loop)
		g_main_loop_unref(share->loop);
	config_clear(&share->config);
	g_clear_object(&share->tls);
	g_free(share->tls_fingerprint);
	g_free(share->state_dir);
	g_free(share);
}
