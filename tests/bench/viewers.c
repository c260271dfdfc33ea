/* Viewers per core: what each viewer costs wayrtc beyond the one encode they share. A real
 * wayrtc (a virtual desktop with busy content: text scrolling, --bitrate as given) and, in this
 * process, light viewers that do what a browser's network side does (WebSocket
 * signaling, ICE, DTLS as the client, an H.264 answer with NACK and PLI) but decode
 * nothing: wayrtc's CPU (from /proc, user + system) is measured with 1, then 4, then 16
 * viewers in one run, each step after every viewer has had video for a while. Each viewer
 * has its own link (a token minted with the share's key): one link may hold 4 viewers.
 *   wayrtc-bench-viewers [SECONDS [KBPS [MAX_VIEWERS]]]
 * Needs WAYRTC_BUILD (the build directory). Measured, never asserted. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtc/dtls.h"
#include "rtc/ice.h"
#include "rtc/sdp.h"
#include "server/auth.h"

#define SIZE        "1280x720"
#define SETTLE_S    3
#define CONNECT_S   30
#define STEPS_MAX   3
#define VIEWERS_MAX 16
#define LINK_TTL_S  3600

struct viewer {
	int index;
	SoupWebsocketConnection *ws;
	struct rtc_cert *cert;
	struct rtc_ice *ice;
	struct rtc_dtls *dtls;
	bool connected; /* DTLS up */
	uint64_t packets, bytes;
};

static char *host;          /* 127.0.0.1:PORT */
static struct auth_key key; /* the share's, to mint a link per viewer */
static SoupSession *session;

G_GNUC_NORETURN static void die(const char *what, const GError *error)
{
	fprintf(stderr, "wayrtc-bench-viewers: %s%s%s\n", what, error ? ": " : "",
	        error ? error->message : "");
	exit(1);
}

/* ---- the viewer's network side ---- */

static void dtls_send(void *data, const uint8_t *buf, size_t len)
{
	struct viewer *v = data;

	rtc_ice_send(v->ice, buf, len);
}

static void dtls_connected(void *data, const struct rtc_srtp_keys *keys)
{
	struct viewer *v = data;

	v->connected = true;
}

static void dtls_failed(void *data, const char *reason)
{
	fprintf(stderr, "viewer: DTLS failed: %s\n", reason);
}

static void dtls_closed(void *data, const char *reason)
{
}

static const struct rtc_dtls_listener dtls_listener = {
        .send = dtls_send,
        .connected = dtls_connected,
        .failed = dtls_failed,
        .closed = dtls_closed,
};

static void ice_state(void *data, enum rtc_ice_state state)
{
	struct viewer *v = data;

	if (state == RTC_ICE_CONNECTED && !v->connected)
		rtc_dtls_start(v->dtls);
}

/* DTLS in, media counted: the SRTP is left closed (a browser's cost, not wayrtc's). */
static void ice_receive(void *data, const uint8_t *buf, size_t len)
{
	struct viewer *v = data;

	if (buf[0] >= 20 && buf[0] <= 63) {
		rtc_dtls_handle(v->dtls, buf, len);
		return;
	}
	if (buf[0] >= 128 && buf[0] <= 191 && len > 1 && !(buf[1] >= 192 && buf[1] <= 223)) {
		v->packets++;
		v->bytes += len;
	}
}

static const struct rtc_ice_listener ice_listener = {
        .state = ice_state,
        .receive = ice_receive,
};

/* One H.264 video line with NACK and PLI, as a browser without congestion control
 * feedback would answer: wayrtc then encodes at --bitrate for everyone. */
static char *answer(struct viewer *v, const char *offer)
{
	g_auto(GStrv) lines = g_strsplit(offer, "\r\n", -1);
	g_autofree char *ufrag = NULL, *pwd = NULL;
	g_auto(GStrv) cands = NULL;
	struct rtc_fingerprint fp = {.hash = RTC_HASH_SHA256};
	struct rtc_ice_config ic = {.controlling = false};
	GError *error = NULL;
	GString *sdp;
	bool have_fp = false;

	v->cert = rtc_cert_new(&error);
	if (!v->cert)
		die("certificate", error);
	v->ice = rtc_ice_new(&ic, &ice_listener, v, &error);
	if (!v->ice)
		die("ICE", error);
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "a=ice-ufrag:"))
			ufrag = g_strdup(*l + strlen("a=ice-ufrag:"));
		else if (g_str_has_prefix(*l, "a=ice-pwd:"))
			pwd = g_strdup(*l + strlen("a=ice-pwd:"));
		else if (g_str_has_prefix(*l, "a=fingerprint:sha-256 ") && !have_fp)
			have_fp =
			        rtc_sdp_fingerprint_parse(*l + 22, strlen(*l + 22), fp.digest, 32);
	}
	if (!ufrag || !pwd || !have_fp)
		die("an offer without ICE credentials or a sha-256 fingerprint", NULL);
	if (!rtc_ice_set_remote_credentials(v->ice, ufrag, pwd, &error))
		die("ICE credentials", error);
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "a=candidate:") &&
		    !rtc_ice_add_remote_candidate(v->ice, *l + 2, &error))
			g_clear_error(&error); /* one we cannot use */
	}
	v->dtls = rtc_dtls_new(v->cert, false, &fp, 1, &dtls_listener, v, &error);
	if (!v->dtls || !rtc_ice_gather(v->ice, &error))
		die("DTLS or gathering", error);
	g_clear_pointer(&ufrag, g_free);
	g_clear_pointer(&pwd, g_free);
	rtc_ice_get_local_credentials(v->ice, &ufrag, &pwd);
	cands = rtc_ice_get_local_candidates(v->ice);
	sdp = g_string_new("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	                   "a=group:BUNDLE 0\r\n"
	                   "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\n");
	g_string_append_printf(sdp, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ufrag, pwd);
	g_string_append_printf(sdp, "a=fingerprint:sha-256 %s\r\n", rtc_cert_fingerprint(v->cert));
	g_string_append(sdp, "a=setup:active\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
	                     "a=rtcp-rsize\r\na=rtpmap:102 H264/90000\r\n"
	                     "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
	                     "profile-level-id=42e01f\r\n"
	                     "a=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n");
	for (char **c = cands; c && *c; c++)
		g_string_append_printf(sdp, "a=%s\r\n", *c);
	g_string_append(sdp, "a=end-of-candidates\r\n");
	return g_string_free(sdp, FALSE);
}

static void on_message(SoupWebsocketConnection *ws, gint type, GBytes *message, void *data)
{
	struct viewer *v = data;
	gsize len;
	const char *text = g_bytes_get_data(message, &len);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *obj;
	const char *kind;

	if (type != SOUP_WEBSOCKET_DATA_TEXT ||
	    !json_parser_load_from_data(parser, text, len, NULL))
		return;
	obj = json_node_get_object(json_parser_get_root(parser));
	kind = json_object_get_string_member_with_default(obj, "type", "");
	if (!strcmp(kind, "offer") && !v->ice) {
		g_autofree char *sdp = answer(v, json_object_get_string_member(obj, "sdp"));
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonGenerator) gen = json_generator_new();
		g_autoptr(JsonNode) root = NULL;
		g_autofree char *out = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "type");
		json_builder_add_string_value(b, "answer");
		json_builder_set_member_name(b, "sdp");
		json_builder_add_string_value(b, sdp);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		json_generator_set_root(gen, root);
		out = json_generator_to_data(gen, NULL);
		soup_websocket_connection_send_text(ws, out);
	} else if (!strcmp(kind, "error") || !strcmp(kind, "bye")) {
		fprintf(stderr, "viewer %d: the server said %.*s\n", v->index, (int)len, text);
	}
}

static gboolean accept_any(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                           void *data)
{
	return TRUE; /* wayrtc's own self-signed certificate, on loopback */
}

static void on_connected(GObject *source, GAsyncResult *res, void *data)
{
	struct viewer *v = data;
	GError *error = NULL;

	v->ws = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
	if (!v->ws)
		die("the WebSocket", error);
	soup_websocket_connection_set_max_incoming_payload_size(v->ws, 1 << 20);
	g_signal_connect(v->ws, "message", G_CALLBACK(on_message), v);
}

static void viewer_start(struct viewer *v)
{
	g_autofree char *url = g_strdup_printf("wss://%s/ws", host);
	g_autofree char *origin = g_strdup_printf("https://%s", host);
	g_autofree char *token = auth_token_mint(&key, AUTH_SCOPE_VIEW, LINK_TTL_S + v->index);
	g_autofree char *proto = g_strdup_printf("token.%s", token);
	const char *protocols[] = {"wayrtc", proto, NULL};
	SoupMessage *msg = soup_message_new("GET", url);

	g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any), NULL);
	soup_session_websocket_connect_async(session, msg, origin, (char **)protocols,
	                                     G_PRIORITY_DEFAULT, NULL, on_connected, v);
	g_object_unref(msg);
}

/* ---- wayrtc ---- */

static double cpu_seconds(GPid pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	unsigned long utime, stime;
	const char *p;

	if (!g_file_get_contents(path, &text, NULL, NULL) || !(p = strrchr(text, ')')))
		die("cannot read wayrtc's /proc stat", NULL);
	/* after "(comm)": state, then fields 4…13, utime 14, stime 15 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
	    2)
		die("cannot parse wayrtc's /proc stat", NULL);
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void iterate_for(double seconds)
{
	int64_t until = g_get_monotonic_time() + (int64_t)(seconds * G_USEC_PER_SEC);

	while (g_get_monotonic_time() < until) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	}
}

static bool all_playing(struct viewer *vs, int n)
{
	for (int i = 0; i < n; i++) {
		if (!vs[i].connected || vs[i].packets == 0)
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	unsigned kbps = argc > 2 ? (unsigned)atoi(argv[2]) : 2000;
	int max_viewers = argc > 3 ? atoi(argv[3]) : VIEWERS_MAX;
	const char *build = g_getenv("WAYRTC_BUILD");
	static const int steps[STEPS_MAX] = {1, 4, 16};
	static struct viewer vs[VIEWERS_MAX];
	g_autofree char *home = g_dir_make_tmp("wayrtc-bench-viewers-XXXXXX", NULL);
	g_autofree char *state = g_build_filename(home, "state", NULL);
	g_autofree char *state_dir = g_build_filename(state, "wayrtc", NULL);
	g_autofree char *bitrate = g_strdup_printf("--bitrate=%u", kbps);
	g_autofree char *wayrtc = NULL, *pattern = NULL, *sessionbin = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	GError *error = NULL;
	char *line;
	GPid pid;
	int started = 0;

	if (!build || !home)
		die("set WAYRTC_BUILD to the build directory", NULL);
	max_viewers = CLAMP(max_viewers, 1, VIEWERS_MAX);
	wayrtc = g_build_filename(build, "src", "wayrtc", NULL);
	pattern = g_build_filename(build, "tests", "clients", "wayrtc-test-pattern", NULL);
	sessionbin = g_build_filename(build, "src", "session", "wayrtc-session", NULL);
	g_setenv("WAYRTC_ICE_LOOPBACK", "1", TRUE);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                     G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_subprocess_launcher_setenv(launcher, "XDG_STATE_HOME", state, TRUE);
	g_subprocess_launcher_setenv(launcher, "XDG_CONFIG_HOME", home, TRUE);
	g_subprocess_launcher_setenv(launcher, "XDG_RUNTIME_DIR", home, TRUE);
	g_subprocess_launcher_setenv(launcher, "WAYRTC_SESSION", sessionbin, TRUE);
	child = g_subprocess_launcher_spawn(launcher, &error, wayrtc, "--source=virtual",
	                                    "--size=" SIZE, "--no-audio", "--listen=127.0.0.1:0",
	                                    bitrate, "--", pattern, "--animate", "--busy", NULL);
	if (!child)
		die("wayrtc", error);
	pid = atoi(g_subprocess_get_identifier(child));
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(child));
	while ((line = g_data_input_stream_read_line(out, NULL, NULL, &error))) {
		bool url = g_str_has_prefix(line, "URL https://");

		if (url) {
			const char *h = line + strlen("URL https://");

			host = g_strndup(h, strcspn(h, "/"));
		}
		g_free(line);
		if (url)
			break;
	}
	if (!host)
		die("wayrtc printed no URL", error);
	if (!auth_key_load_or_create(state_dir, &key, &error))
		die("the share's key", error);
	session = soup_session_new();

	printf("wayrtc %s, busy content (a scrolling terminal) at %s, --bitrate=%u, %.0f s per "
	       "step\n",
	       wayrtc, SIZE, kbps, seconds);
	printf("viewers | wayrtc CPU (%% of one core) | per viewer added | kbit/s each\n");
	for (int s = 0; s < STEPS_MAX && steps[s] <= max_viewers; s++) {
		int n = steps[s];
		int64_t deadline = g_get_monotonic_time() + CONNECT_S * G_USEC_PER_SEC;
		double cpu0, cpu1, kbit = 0;
		uint64_t bytes0[VIEWERS_MAX];
		static double base_cpu = 0;
		static int base_n = 0;

		for (; started < n; started++) {
			vs[started].index = started;
			viewer_start(&vs[started]);
		}
		while (!all_playing(vs, n) && g_get_monotonic_time() < deadline)
			g_main_context_iteration(NULL, TRUE);
		if (!all_playing(vs, n))
			die("not every viewer got video within 30 s", NULL);
		iterate_for(SETTLE_S);
		for (int i = 0; i < n; i++)
			bytes0[i] = vs[i].bytes;
		cpu0 = cpu_seconds(pid);
		iterate_for(seconds);
		cpu1 = cpu_seconds(pid);
		for (int i = 0; i < n; i++)
			kbit += (double)(vs[i].bytes - bytes0[i]) * 8 / seconds / 1000 / n;
		{
			double cpu = (cpu1 - cpu0) / seconds * 100;

			if (base_n)
				printf("%7d | %5.1f %% | %5.2f %% | %.0f\n", n, cpu,
				       (cpu - base_cpu) / (n - base_n), kbit);
			else
				printf("%7d | %5.1f %% | - | %.0f\n", n, cpu, kbit);
			fflush(stdout);
			if (!base_n) {
				base_cpu = cpu;
				base_n = n;
			}
		}
	}
	g_subprocess_send_signal(child, SIGTERM);
	g_subprocess_wait(child, NULL, NULL);
	return 0;
}
