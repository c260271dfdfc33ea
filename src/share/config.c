/* Settings from defaults, the config file and the command line, one parser per value
 * kind, so "--listen" and "listen=" in config.ini accept exactly the same text. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/state.h"

static bool parse_uint(const char *text, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!text || !g_ascii_isdigit(*text))
		return false;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_bool(const char *text, bool *out)
{
	if (!g_ascii_strcasecmp(text, "true") || !strcmp(text, "1") ||
	    !g_ascii_strcasecmp(text, "yes")) {
		*out = true;
		return true;
	}
	if (!g_ascii_strcasecmp(text, "false") || !strcmp(text, "0") ||
	    !g_ascii_strcasecmp(text, "no")) {
		*out = false;
		return true;
	}
	return false;
}

void config_init(struct config *config)
{
	*config = (struct config){
	        .source = SOURCE_AUTO,
	        .listen_port = CONFIG_DEFAULT_PORT,
	        .audio = true,
	        .encoder = g_strdup("auto"),
	        .codec = RTC_CODEC_H264_444,
	        .max_fps = CONFIG_DEFAULT_FPS,
	        .bitrate_kbps = CONFIG_DEFAULT_BITRATE,
	        .width = CONFIG_DEFAULT_WIDTH,
	        .height = CONFIG_DEFAULT_HEIGHT,
	        .size_auto = true,
	        .ttl_s = CONFIG_DEFAULT_TTL,
	        .turn_tls_port = CONFIG_DEFAULT_TURN_TLS_PORT,
	};
}

void config_clear(struct config *config)
{
	g_free(config->listen_host);
	g_free(config->encoder);
	g_free(config->stun_host);
	g_free(config->turn_host);
	g_free(config->turn_user);
	g_free(config->turn_pass);
	if (config->turn_secret)
		explicit_bzero(config->turn_secret, strlen(config->turn_secret));
	g_free(config->turn_secret);
	g_free(config->keyboard_layout);
	g_free(config->keyboard_variant);
	*config = (struct config){0};
}

static const char *const source_names[] = {"auto", "portal", "wlr", "virtual"};

bool config_parse_source(const char *text, enum source_kind *out)
{
	for (size_t i = 0; i < G_N_ELEMENTS(source_names); i++) {
		if (strcmp(text, source_names[i]) == 0) {
			*out = (enum source_kind)i;
			return true;
		}
	}
	return false;
}

const char *config_source_name(enum source_kind source)
{
	return source_names[source];
}

bool config_parse_hostport(const char *text, unsigned default_port, char **host, unsigned *port)
{
	g_autofree char *h = NULL;
	const char *colon;
	unsigned p = default_port;

	if (!text || strlen(text) > 255)
		return false;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close == text + 1)
			return false;
		h = g_strndup(text + 1, close - text - 1);
		if (close[1] == ':') {
			if (!parse_uint(close + 2, 0, 65535, &p))
				return false;
		} else if (close[1]) {
			return false;
		}
	} else if (parse_uint(text, 0, 65535, &p)) {
		/* a bare port */
	} else if ((colon = strchr(text, ':'))) {
		if (strchr(colon + 1, ':'))
			return false; /* a bare IPv6 address needs brackets to carry a port */
		if (!parse_uint(colon + 1, 0, 65535, &p))
			return false;
		h = g_strndup(text, colon - text);
	} else {
		h = g_strdup(text);
	}
	for (const char *c = h; c && *c; c++) {
		if (!g_ascii_isalnum(*c) && !strchr(".-:_", *c))
			return false;
	}
	g_free(*host);
	*host = (h && *h) ? g_steal_pointer(&h) : NULL;
	*port = p;
	return true;
}

bool config_parse_size(const char *text, unsigned *width, unsigned *height)
{
	g_auto(GStrv) parts = NULL;
	unsigned w, h;

	if (!text)
		return false;
	parts = g_strsplit(text, "x", 3);
	if (g_strv_length(parts) != 2)
		return false;
	if (!parse_uint(parts[0], 16, CONFIG_MAX_SIZE, &w) ||
	    !parse_uint(parts[1], 16, CONFIG_MAX_SIZE, &h))
		return false;
	*width = w;
	*height = h;
	return true;
}

/* 0: a duration in range, -1: not a duration, -2: a duration out of range */
static int parse_duration(const char *text, int64_t *seconds)
{
	char *end;
	int64_t unit = 1, v;

	if (!text || !g_ascii_isdigit(*text))
		return -1;
	errno = 0;
	v = g_ascii_strtoll(text, &end, 10);
	if (*end && end[1])
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -1;
	}
	if (errno || v < 1 || v > CONFIG_MAX_TTL / unit)
		return -2;
	*seconds = v * unit;
	return 0;
}

bool config_parse_duration(const char *text, int64_t *seconds)
{
	return parse_duration(text, seconds) == 0;
}

/* XKB layout and variant names: letters, digits and a few separators, nothing a shell or
 * a rules file would read as syntax. */
static bool xkb_name_ok(const char *text)
{
	size_t n = strlen(text);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isalnum(text[i]) && !strchr(",_-", text[i]))
			return false;
	}
	return true;
}

static bool bad_value(GError **error, const char *key, const char *value, const char *expected)
{
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
	            "%s: “%s” is not valid; expected %s", key, value, expected);
	return false;
}

static void config_set_secret(struct config *config, char *secret)
{
	if (config->turn_secret)
		explicit_bzero(config->turn_secret, strlen(config->turn_secret));
	g_free(config->turn_secret);
	config->turn_secret = secret;
}

bool config_read_secret_file(const char *path, char **secret, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *name = g_path_get_basename(path);
	g_autoptr(GError) local = NULL;
	char *data = NULL;
	size_t len = 0;

	*secret = NULL;
	/* the key files' rules: whoever else can read it can relay as any viewer */
	if (!state_read_secret(dir, name, &data, &len, &local)) {
		g_set_error(error, local->domain, local->code, "turn-secret-file: %s",
		            local->message);
		return false;
	}
	data[strcspn(data, "\r\n")] = '\0';
	if (strlen(data) != len)
		explicit_bzero(data + strlen(data), len - strlen(data));
	if (!data[0]) {
		g_free(data);
		/* (nothing secret was in it) */
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "turn-secret-file: %s is empty", path);
		return false;
	}
	*secret = data;
	return true;
}

bool config_set(struct config *config, const char *key, const char *value, GError **error)
{
	if (!strcmp(key, "source")) {
		if (!config_parse_source(value, &config->source))
			return bad_value(error, key, value, "auto, portal, wlr or virtual");
	} else if (!strcmp(key, "listen")) {
		if (!config_parse_hostport(value, CONFIG_DEFAULT_PORT, &config->listen_host,
		                           &config->listen_port))
			return bad_value(error, key, value, "HOST:PORT, [IPv6]:PORT or PORT");
	} else if (!strcmp(key, "view-only")) {
		if (!parse_bool(value, &config->view_only))
			return bad_value(error, key, value, "true or false");
	} else if (!strcmp(key, "audio") || !strcmp(key, "no-audio")) {
		/* "--no-audio" on the command line, "audio=false" in config.ini */
		if (!parse_bool(value, &config->audio))
			return bad_value(error, key, value, "true or false");
		if (key[0] == 'n')
			config->audio = !config->audio;
	} else if (!strcmp(key, "restart")) {
		if (!parse_bool(value, &config->restart))
			return bad_value(error, key, value, "true or false");
	} else if (!strcmp(key, "encoder")) {
		g_free(config->encoder);
		config->encoder = g_strdup(value);
	} else if (!strcmp(key, "codec")) {
		if (!rtc_codec_from_name(value, &config->codec))
			return bad_value(error, key, value, "h264-444, h264 or vp8");
	} else if (!strcmp(key, "max-fps")) {
		if (!parse_uint(value, 1, 240, &config->max_fps))
			return bad_value(error, key, value, "a number of frames from 1 to 240");
	} else if (!strcmp(key, "bitrate")) {
		if (!parse_uint(value, 100, 200000, &config->bitrate_kbps))
			return bad_value(error, key, value, "kbit/s from 100 to 200000");
	} else if (!strcmp(key, "size")) {
		if (value && !strcmp(value, "auto")) {
			config->size_auto = true;
			config->width = CONFIG_DEFAULT_WIDTH;
			config->height = CONFIG_DEFAULT_HEIGHT;
			return true;
		}
		if (!config_parse_size(value, &config->width, &config->height))
			return bad_value(error, key, value,
			                 "auto, or WIDTHxHEIGHT, each 16 to 8192");
		config->size_auto = false;
	} else if (!strcmp(key, "stun")) {
		if (!config_parse_hostport(value, 3478, &config->stun_host, &config->stun_port) ||
		    !config->stun_host)
			return bad_value(error, key, value, "HOST[:PORT]");
	} else if (!strcmp(key, "turn")) {
		if (!config_parse_hostport(value, 3478, &config->turn_host, &config->turn_port) ||
		    !config->turn_host)
			return bad_value(error, key, value, "HOST[:PORT]");
	} else if (!strcmp(key, "turn-user")) {
		g_free(config->turn_user);
		config->turn_user = g_strdup(value);
	} else if (!strcmp(key, "turn-password")) {
		g_free(config->turn_pass);
		config->turn_pass = g_strdup(value);
	} else if (!strcmp(key, "turn-secret")) {
		if (!*value)
			return bad_value(error, key, "", "the secret shared with the TURN server");
		config_set_secret(config, g_strdup(value));
	} else if (!strcmp(key, "turn-secret-file")) {
		char *secret;

		if (!config_read_secret_file(value, &secret, error))
			return false;
		config_set_secret(config, secret);
	} else if (!strcmp(key, "turn-tls-port")) {
		if (!parse_uint(value, 0, 65535, &config->turn_tls_port))
			return bad_value(error, key, value, "a port, or 0 for none");
	} else if (!strcmp(key, "keyboard-layout") || !strcmp(key, "keyboard-variant")) {
		char **field = strcmp(key, "keyboard-layout") ? &config->keyboard_variant
		                                              : &config->keyboard_layout;

		if (!xkb_name_ok(value))
			return bad_value(error, key, value,
			                 "XKB names such as “de”, “us,de” or “nodeadkeys”");
		g_free(*field);
		*field = g_strdup(value);
	} else if (!strcmp(key, "ttl")) {
		int r = parse_duration(value, &config->ttl_s);

		if (r == -2)
			return bad_value(error, key, value, "from 1 second to 365 days");
		if (r < 0)
			return bad_value(error, key, value,
			                 "a duration such as 90s, 30m, 12h or 7d");
	} else {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
		            "unknown setting “%s”", key);
		return false;
	}
	return true;
}

bool config_load_file(struct config *config, const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) keys = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return true;
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", path);
		return false;
	}
	keys = g_key_file_get_keys(kf, "wayrtc", NULL, NULL);
	for (size_t i = 0; keys && keys[i]; i++) {
		g_autofree char *value = g_key_file_get_string(kf, "wayrtc", keys[i], NULL);

		if (!value || !config_set(config, keys[i], value, &local)) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s", path,
			            local ? local->message : keys[i]);
			return false;
		}
	}
	return true;
}
