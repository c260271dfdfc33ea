/* wayrtc: options → the share → run. The subcommands that need no share (token,
 * encoders) are here too; everything a running share does lives in src/share/. */
#define LOG_MODULE "wayrtc"
#include <gio/gio.h>
#include <gst/gst.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "media/encoder.h"
#include "server/auth.h"
#include "server/door.h"
#include "share/config.h"
#include "share/link.h"
#include "share/share.h"
#include "util/log.h"
#include "util/state.h"

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

static gboolean refuse_secret_cb(const char *name, const char *value, void *data, GError **error)
{
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
	            "--turn-secret: every user can read a command line (ps); put turn-secret= in "
	            "config.ini or the secret in a 0600 file for --turn-secret-file");
	return FALSE;
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
        OPT("size", "auto|WxH",
            "Size of the virtual desktop (default auto: the window of the viewer who "
            "controls it, 1280x720 until one says)"),
        {"restart", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (void *)option_cb,
         "Start the virtual desktop's program again when it ends (default: the share ends "
         "with it)",
         NULL},
        OPT("keyboard-layout", "XKB",
            "Keyboard layout the desktop types with, e.g. de or us,de (default: "
            "$XKB_DEFAULT_LAYOUT, else us)"),
        OPT("keyboard-variant", "XKB", "Layout variant, e.g. nodeadkeys"),
        OPT("encoder", "auto|NAME", "Video encoder element (see “wayrtc encoders”)"),
        OPT("codec", "h264-444|h264|vp8",
            "Video codec browsers get when they decode it; the others get the others "
            "(with --encoder=auto; default h264-444: H.264 High 4:4:4 where x264 makes it "
            "and the browser decodes it, else 4:2:0 H.264, else VP8)"),
        OPT("max-fps", "N", "Most frames per second to send (default 60)"),
        OPT("bitrate", "KBPS",
            "Most video bitrate in kbit/s; each encode follows its viewers' links below it "
            "(default 8000)"),
        OPT("ttl", "DURATION", "How long the printed link stays valid (default 24h)"),
        OPT("stun", "HOST[:PORT]", "STUN server for viewers behind NAT"),
        OPT("turn", "HOST[:PORT]", "TURN server to relay through"),
        OPT("turn-user", "NAME", "TURN user name"),
        OPT("turn-password", "SECRET", "TURN password"),
        OPT("turn-secret-file", "PATH",
            "File (mode 0600) with the secret shared with the TURN server (use-auth-secret); "
            "or turn-secret= in config.ini"),
        OPT("turn-tls-port", "PORT",
            "The TURN server's TLS port for browsers (default 5349, 0: none)"),
        /* a secret on the command line is visible to every user in ps */
        {"turn-secret", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_CALLBACK, (void *)refuse_secret_cb,
         NULL, NULL},
        {NULL},
};

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
	uint32_t scope = LINK_SCOPE_ALL;
	int64_t ttl;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || !load_config(&config, &error))
		goto fail;
	if (scope_text && !auth_scope_parse(scope_text, &scope, &error))
		goto fail;
	/* the same words as `wayrtc --ttl` and config.ini's ttl= */
	if (ttl_text && !config_set(&config, "ttl", ttl_text, &error))
		goto fail;
	ttl = config.ttl_s;
	if (config.view_only)
		scope &= LINK_SCOPE_VIEW_ONLY;
	if (!(scope & AUTH_SCOPE_VIEW)) {
		g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		            "--scope: a link needs at least the right “view”");
		goto fail;
	}
	if (!load_key(&key, &error))
		goto fail;
	link_print(&config, config.listen_port, &key, scope, ttl);
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
	struct config config = {0};
	struct share *share;
	int status;

	if (!load_config(&config, &error))
		goto fail;
	g_option_context_set_summary(ctx, summary);
	group = g_option_group_new(NULL, NULL, NULL, &config, NULL);
	g_option_group_add_entries(group, share_entries);
	g_option_group_add_entries(group, rest);
	g_option_context_set_main_group(ctx, g_steal_pointer(&group));
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		goto fail;
	if (command && command[0] && config.source != SOURCE_VIRTUAL &&
	    config.source != SOURCE_AUTO) {
		g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		            "a COMMAND runs only inside a virtual desktop (--source=virtual)");
		goto fail;
	}
	if (command && command[0])
		config.source = SOURCE_VIRTUAL;
	share = share_new(&config, &error);
	if (!share)
		goto fail;
	status = share_run(share, (const char *const *)command, &error);
	share_free(share);
	if (error) {
		fprintf(stderr, "wayrtc: %s\n", error->message);
		return 1;
	}
	return status;
fail:
	fprintf(stderr, "wayrtc: %s\n", error->message);
	config_clear(&config);
	return 2;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	log_init(LOG_INFO);
	/* before any thread: it writes the environment (TLS 1.2+, AEAD only) */
	door_tls_init();
	if (argc > 1 && strcmp(argv[1], "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "encoders") == 0)
		return cmd_encoders();
	return cmd_share(argc, argv);
}
