/* wayrtc: parses options and wires the modules — capture → encoder → hub → peers, and the
 * server that admits viewers. Nothing else lives here. */
#define LOG_MODULE "wayrtc"
#include <gio/gio.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <ifaddrs.h>
#include <locale.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "media/audio.h"
#include "media/capture.h"
#include "media/encoder.h"
#include "media/hub.h"
#include "input/clipboard.h"
#include "input/sink_wl.h"
#include "rtc/dtls.h"
#include "server/cert.h"
#include "server/server.h"
#include "server/state.h"
#include "source.h"
#include "viewer.h"
#include "virtual.h"

#define SCOPE_ALL       (AUTH_SCOPE_VIEW | AUTH_SCOPE_CONTROL | AUTH_SCOPE_CLIPBOARD | AUTH_SCOPE_AUDIO)
#define SCOPE_VIEW_ONLY (AUTH_SCOPE_VIEW | AUTH_SCOPE_AUDIO)

static const char summary[] =
        "Shares a Wayland desktop with any web browser over WebRTC.\n"
        "\n"
        "  wayrtc [OPTION…] [-- COMMAND ARGS…]   share; prints “URL https://HOST:PORT/#token=…”\n"
        "  wayrtc token [--scope=RIGHTS] [--ttl=DURATION]\n"
        "                                       print a new link for the running configuration\n"
        "  wayrtc encoders                      list the video encoders found, hardware first\n"
        "\n"
        "With --source=virtual (the default where no Wayland desktop runs) wayrtc starts its own\n"
        "headless desktop, wayrtc-session, and runs COMMAND in it (default: the foot terminal).\n"
        "Settings may also be given in $XDG_CONFIG_HOME/wayrtc/config.ini, group [wayrtc], with\n"
        "the option names as keys (listen=0.0.0.0:8443). Keys and certificate live in\n"
        "$XDG_STATE_HOME/wayrtc/.";

static gboolean option_cb(const char *name, const char *value, void *data, GError **error)
{
	struct config *config = data;

	return config_set(config, name + 2, value ? value : "true", error);
}

#define OPT(name, arg, desc)                                                                       \
	{                                                                                          \
		name, 0, 0, G_OPTION_ARG_CALLBACK, (void *)option_cb, desc, arg                    \
	}

static const GOptionEntry share_entries[] = {
        OPT("source", "auto|portal|wlr|virtual",
            "What to share (auto: the desktop's portal, else the wlroots desktop on "
            "$WAYLAND_DISPLAY, else a virtual one)"),
        OPT("listen", "HOST:PORT", "Where to listen (default: every interface, port 8443)"),
        {"view-only", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (void *)option_cb,
         "Every link may watch, none may control", NULL},
        {"no-audio", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (void *)option_cb,
         "Share no sound (default: the desktop's sound, from PipeWire's default output, "
         "to links with the right “audio”)",
         NULL},
        OPT("size", "WxH", "Size of the virtual desktop (default 1280x720)"),
        OPT("keyboard-layout", "XKB",
            "Keyboard layout the desktop types with, e.g. de or us,de (default: "
            "$XKB_DEFAULT_LAYOUT, else us)"),
        OPT("keyboard-variant", "XKB", "Layout variant, e.g. nodeadkeys"),
        OPT("encoder", "auto|NAME", "Video encoder element (see “wayrtc encoders”)"),
        OPT("codec", "h264|vp8", "Video codec (default h264)"),
        OPT("max-fps", "N", "Most frames per second to send (default 60)"),
        OPT("bitrate", "KBPS", "Target video bitrate in kbit/s (default 8000)"),
        OPT("ttl", "DURATION", "How long the printed link stays valid (default 24h)"),
        OPT("stun", "HOST[:PORT]", "STUN server for viewers behind NAT"),
        OPT("turn", "HOST[:PORT]", "TURN server to relay through"),
        OPT("turn-user", "NAME", "TURN user name"),
        OPT("turn-password", "SECRET", "TURN password"),
        {NULL},
};

/* The address printed in the link: the listen address if one was given, else the first
 * non-loopback IPv4 address (the viewer is usually another device), else localhost. */
static char *link_host(const struct config *config)
{
	struct ifaddrs *ifa, *it;
	char buf[INET6_ADDRSTRLEN];
	char *host = NULL;

	if (config->listen_host && strcmp(config->listen_host, "0.0.0.0") &&
	    strcmp(config->listen_host, "::")) {
		if (strchr(config->listen_host, ':'))
			return g_strdup_printf("[%s]", config->listen_host);
		return g_strdup(config->listen_host);
	}
	if (getifaddrs(&ifa) == 0) {
		for (it = ifa; it && !host; it = it->ifa_next) {
			if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET ||
			    (it->ifa_flags & IFF_LOOPBACK) || !(it->ifa_flags & IFF_UP))
				continue;
			inet_ntop(AF_INET, &((struct sockaddr_in *)it->ifa_addr)->sin_addr, buf,
			          sizeof(buf));
			host = g_strdup(buf);
		}
		freeifaddrs(ifa);
	}
	return host ? host : g_strdup("localhost");
}

static void print_link(const struct config *config, unsigned port, const struct auth_key *key,
                       uint32_t scope, int64_t ttl_s)
{
	g_autofree char *host = link_host(config);
	g_autofree char *token = auth_token_mint(key, scope, ttl_s);

	/* stdout carries exactly this line: scripts rely on it. */
	printf("URL https://%s:%u/#token=%s\n", host, port, token);
	fflush(stdout);
}

static bool load_config(struct config *config, GError **error)
{
	g_autofree char *path =
	        g_build_filename(g_get_user_config_dir(), "wayrtc", "config.ini", NULL);

	config_init(config);
	return config_load_file(config, path, error);
}

static bool load_key(struct auth_key *key, GError **error)
{
	g_autofree char *dir = state_dir_get(error);

	return dir && auth_key_load_or_create(dir, key, error);
}

static int cmd_token(int argc, char **argv)
{
	g_autofree char *scope_text = NULL, *ttl_text = NULL;
	const GOptionEntry entries[] = {
	        {"scope", 0, 0, G_OPTION_ARG_STRING, &scope_text,
	         "Rights: view, control, clipboard, audio (default: all)", "LIST"},
	        {"ttl", 0, 0, G_OPTION_ARG_STRING, &ttl_text,
	         "How long the link stays valid (default 24h)", "DURATION"},
	        {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- print a new link");
	g_autoptr(GError) error = NULL;
	struct config config;
	struct auth_key key;
	uint32_t scope = SCOPE_ALL;
	int64_t ttl;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || !load_config(&config, &error))
		goto fail;
	ttl = config.ttl_s;
	if (scope_text && !auth_scope_parse(scope_text, &scope, &error))
		goto fail;
	if (ttl_text && !config_parse_duration(ttl_text, &ttl)) {
		g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		            "--ttl: “%s” is not a duration such as 90s, 30m, 12h or 7d", ttl_text);
		goto fail;
	}
	if (config.view_only)
		scope &= SCOPE_VIEW_ONLY;
	if (!(scope & AUTH_SCOPE_VIEW)) {
		g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		            "--scope: a link needs at least the right “view”");
		goto fail;
	}
	if (!load_key(&key, &error))
		goto fail;
	print_link(&config, config.listen_port, &key, scope, ttl);
	config_clear(&config);
	return 0;
fail:
	fprintf(stderr, "wayrtc token: %s\n", error->message);
	return 2;
}

static int cmd_encoders(void)
{
	struct encoder_info infos[32];
	size_t n;

	gst_init(NULL, NULL);
	n = encoder_probe(infos, G_N_ELEMENTS(infos));
	if (n == 0) {
		fprintf(stderr, "wayrtc: no video encoder found; install gstreamer1.0-plugins-ugly "
		                "(x264) or gstreamer1.0-plugins-good (vp8)\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		printf("%-16s %-5s %s\n", infos[i].name, rtc_codec_name(infos[i].codec),
		       infos[i].hardware ? "hardware" : "software");
	return 0;
}

#define BYE_FLUSH_MS 200 /* time for the "bye" messages to reach the browsers */

static gboolean quit_now(void *data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

void app_quit(struct app *app, int status, const char *reason)
{
	if (app->quitting)
		return;
	app->quitting = true;
	if (reason)
		log_info("stopping: %s", reason);
	for (GList *l = app->viewers; l; l = l->next)
		viewer_say_bye(l->data, reason ? reason : "the share has ended");
	app->exit_status = status;
	g_timeout_add(app->viewers ? BYE_FLUSH_MS : 0, quit_now, app->loop);
}

/* Encoder thread: straight into the hub, no hop through the main loop. */
static void on_encoded(void *data, const uint8_t *frame, size_t len, bool keyframe, uint32_t rtp_ts,
                       int64_t ready_us)
{
	struct app *app = data;

	hub_push_video(app->hub, frame, len, keyframe, rtp_ts, ready_us);
}

/* Opus encoder thread: the same way, straight into the hub. */
static void on_audio(void *data, const uint8_t *opus, size_t len, uint32_t rtp_ts)
{
	struct app *app = data;

	hub_push_audio(app->hub, opus, len, rtp_ts);
}

void app_listener_changed(struct app *app, int delta)
{
	app->n_listeners += delta;
	audio_set_active(app->audio, app->n_listeners > 0);
}

/* Sound is a bonus: without it (no PipeWire here, no Opus encoder) the desktop is still
 * shared, and one line says so. */
static void start_audio(struct app *app)
{
	g_autoptr(GError) error = NULL;

	if (!app->config.audio)
		return;
	app->audio_ssrc = g_random_int();
	if (app->audio_ssrc == app->video_ssrc)
		app->audio_ssrc++;
	hub_set_audio_ssrc(app->hub, app->audio_ssrc);
	app->audio = audio_new(AUDIO_DEFAULT_BITRATE, on_audio, app, &error);
	if (!app->audio)
		log_info("sharing without sound: %s", error->message);
	else
		log_info("sharing the desktop's sound (Opus, %u kbit/s)",
		         AUDIO_DEFAULT_BITRATE / 1000);
}

const char *app_display(struct app *app)
{
	return app->session ? virtual_session_display(app->session) : NULL;
}

struct input_sink_wl_options app_input_options(struct app *app)
{
	return (struct input_sink_wl_options){
	        .display = app_display(app),
	        .layout = app->config.keyboard_layout,
	        .variant = app->config.keyboard_variant,
	};
}

void app_clipboard_applied(void *data)
{
	struct app *app = data;
	struct viewer *viewer = app->clipboard_waiter;

	app->clipboard_waiter = NULL;
	if (viewer)
		viewer_clipboard_applied(viewer);
}

/* The desktop's selection: to every viewer allowed to read it but the one it came from. */
static void on_clipboard_text(void *data, const char *utf8, size_t len, bool ours)
{
	struct app *app = data;

	if (app->clipboard_text)
		g_bytes_unref(app->clipboard_text);
	app->clipboard_text = g_bytes_new(utf8, len);
	if (!ours)
		app->clipboard_owner = NULL;
	for (GList *l = app->viewers; l; l = l->next) {
		if (l->data != app->clipboard_owner)
			viewer_send_clipboard(l->data, app->clipboard_text);
	}
}

static void on_clipboard_closed(void *data, const char *reason)
{
	log_info("clipboard: %s", reason);
}

static const struct clipboard_listener clipboard_listener = {
        .text = on_clipboard_text,
        .closed = on_clipboard_closed,
};

static void on_viewer_open(void *data, struct server_client *client, uint32_t scope)
{
	struct app *app = data;
	struct viewer *viewer;

	if (app->config.view_only)
		scope &= SCOPE_VIEW_ONLY;
	viewer = viewer_new(app, client, scope);
	server_client_set_data(client, viewer);
	app->viewers = g_list_prepend(app->viewers, viewer);
	encoder_set_idle(app->encoder, false);
}

static void on_viewer_message(void *data, struct server_client *client, const char *text,
                              size_t len)
{
	viewer_handle_message(server_client_get_data(client), text, len);
}

static void on_viewer_closed(void *data, struct server_client *client)
{
	struct app *app = data;
	struct viewer *viewer = server_client_get_data(client);

	app->viewers = g_list_remove(app->viewers, viewer);
	viewer_free(viewer);
	/* nobody watching: stop encoding (the newest frame is still kept) */
	encoder_set_idle(app->encoder, app->viewers == NULL);
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
	struct app *app = data;

	if (app->quitting)
		g_main_loop_quit(app->loop);
	else
		app_quit(app, 0, "wayrtc was stopped on the shared machine");
	return G_SOURCE_CONTINUE;
}

/* libnice takes STUN and TURN servers by address: resolve names once, at start. */
static bool resolve(char **host, GError **error)
{
	g_autoptr(GResolver) resolver = NULL;
	GList *addrs;

	if (!*host || g_hostname_is_ip_address(*host))
		return true;
	resolver = g_resolver_get_default();
	addrs = g_resolver_lookup_by_name(resolver, *host, NULL, error);
	if (!addrs) {
		g_prefix_error(error, "cannot resolve %s: ", *host);
		return false;
	}
	g_free(*host);
	*host = g_inet_address_to_string(addrs->data);
	g_resolver_free_addresses(addrs);
	return true;
}

bool app_serve(struct app *app, GError **error)
{
	g_autoptr(GError) local = NULL;
	struct server_config sc = {
	        .host = app->config.listen_host,
	        .port = app->config.listen_port,
	        .cert = app->tls,
	        .key = &app->key,
	};

	app->clipboard = clipboard_new(app_display(app), &clipboard_listener, app, &local);
	if (!app->clipboard)
		log_info("no clipboard sharing: %s", local->message);
	if (!app->portal && !app->config.view_only) {
		/* On a desktop without a keyboard or mouse of its own (headless, virtual) each
		 * viewer's devices would be the seat's only ones: clients would lose and regain
		 * wl_keyboard and wl_pointer as viewers come and go, and miss the first key
		 * while they bind again. */
		struct input_sink_wl_options options = app_input_options(app);

		g_clear_error(&local);
		app->seat_anchor = input_sink_wl_new(&options, &local);
		if (!app->seat_anchor)
			log_info("the browser cannot control this desktop: %s", local->message);
	}
	app->server = server_new(&sc, &server_listener, app, error);
	if (!app->server)
		return false;
	log_info("certificate SHA-256 %s", app->tls_fingerprint);
	print_link(&app->config, server_get_port(app->server), &app->key,
	           app->config.view_only ? SCOPE_VIEW_ONLY : SCOPE_ALL, app->config.ttl_s);
	return true;
}

static void app_clear(struct app *app)
{
	config_clear(&app->config);
	g_clear_object(&app->tls);
	g_free(app->tls_fingerprint);
	g_free(app->state_dir);
}

static int cmd_share(int argc, char **argv)
{
	g_auto(GStrv) command = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("[-- COMMAND ARGS…]");
	g_autoptr(GOptionGroup) group = NULL;
	g_autoptr(GError) error = NULL;
	const GOptionEntry rest[] = {
	        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &command, NULL, NULL},
	        {NULL},
	};
	struct app app = {0};
	struct input_sink_wl_options options;
	struct encoder_config ec;

	if (!load_config(&app.config, &error))
		goto fail;
	g_option_context_set_summary(ctx, summary);
	group = g_option_group_new(NULL, NULL, NULL, &app.config, NULL);
	g_option_group_add_entries(group, share_entries);
	g_option_group_add_entries(group, rest);
	g_option_context_set_main_group(ctx, g_steal_pointer(&group));
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		goto fail;
	if (command && command[0] && app.config.source != SOURCE_VIRTUAL &&
	    app.config.source != SOURCE_AUTO) {
		g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		            "a COMMAND runs only inside a virtual desktop (--source=virtual)");
		goto fail;
	}
	if (command && command[0])
		app.config.source = SOURCE_VIRTUAL;

	if (!resolve(&app.config.stun_host, &error) || !resolve(&app.config.turn_host, &error))
		goto fail;
	/* a layout that does not compile is refused now, not at the first viewer */
	options = app_input_options(&app);
	if (!input_sink_wl_check_keymap(&options, &error))
		goto fail;
	gst_init(NULL, NULL);
	app.state_dir = state_dir_get(&error);
	if (!app.state_dir || !auth_key_load_or_create(app.state_dir, &app.key, &error))
		goto fail;
	app.tls = cert_load_or_create(app.state_dir, &app.tls_fingerprint, &error);
	if (!app.tls)
		goto fail;
	app.dtls_cert = rtc_cert_new(&error);
	if (!app.dtls_cert)
		goto fail;

	app.loop = g_main_loop_new(NULL, FALSE);
	app.video_ssrc = g_random_int();
	app.hub = hub_new(app.config.codec, app.video_ssrc);
	ec = (struct encoder_config){
	        .name = app.config.encoder,
	        .codec = app.config.codec,
	        .max_fps = app.config.max_fps,
	        .bitrate_kbps = app.config.bitrate_kbps,
	};
	app.encoder = encoder_new(&ec, on_encoded, &app, &error);
	if (!app.encoder)
		goto out;
	encoder_set_idle(app.encoder, true);
	log_info("encoding %s with %s", rtc_codec_name(app.config.codec),
	         encoder_get_name(app.encoder));
	/* before the source: the desktop's dialog may wait a long time, and a signal then
	 * must still close the portal session rather than kill wayrtc; they stay until the
	 * end, so a signal during the cleanup cannot cut it short */
	g_unix_signal_add(SIGINT, on_signal, &app);
	g_unix_signal_add(SIGTERM, on_signal, &app);
	if (!source_start(&app, (const char *const *)command, &error))
		goto out;
	/* after the source: a virtual desktop may have brought its own sound server; no
	 * viewer comes before the loop runs */
	start_audio(&app);
	g_main_loop_run(app.loop);

out:
	if (error)
		app.exit_status = 1;
	server_free(app.server); /* closes every viewer first */
	clipboard_free(app.clipboard);
	input_sink_destroy(app.seat_anchor);
	if (app.clipboard_text)
		g_bytes_unref(app.clipboard_text);
	/* the encoder before the capture: a PipeWire buffer may still be in it */
	encoder_free(app.encoder);
	audio_free(app.audio);
	source_stop(&app);
	hub_free(app.hub);
	rtc_cert_free(app.dtls_cert);
	if (app.loop)
		g_main_loop_unref(app.loop);
	app_clear(&app);
	if (error) {
		fprintf(stderr, "wayrtc: %s\n", error->message);
		return 1;
	}
	return app.exit_status;
fail:
	fprintf(stderr, "wayrtc: %s\n", error->message);
	app_clear(&app);
	return 2;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	log_init(LOG_INFO);
	if (argc > 1 && strcmp(argv[1], "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "encoders") == 0)
		return cmd_encoders();
	return cmd_share(argc, argv);
}
