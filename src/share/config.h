/* wayrtc's settings: defaults, then $XDG_CONFIG_HOME/wayrtc/config.ini, then the command
 * line. The value parsers are pure so tests and the config file share them. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "rtc/codec.h"

enum source_kind {
	SOURCE_AUTO = 0,
	SOURCE_PORTAL,
	SOURCE_WLR,
	SOURCE_VIRTUAL,
};

#define CONFIG_DEFAULT_PORT    8443
#define CONFIG_DEFAULT_WIDTH   1280
#define CONFIG_DEFAULT_HEIGHT  720
#define CONFIG_DEFAULT_FPS     60
#define CONFIG_DEFAULT_BITRATE 8000 /* kbit/s */
#define CONFIG_MAX_SIZE        8192
#define CONFIG_DEFAULT_TTL     (24 * 3600)   /* seconds a printed link stays valid */
#define CONFIG_MAX_TTL         (365 * 86400) /* seconds a link may stay valid */

/* coturn's tls-listening-port */
#define CONFIG_DEFAULT_TURN_TLS_PORT 5349
/* How long a viewer's TURN credentials work: the server refuses to refresh an allocation
 * after that, so longer than any one sitting. */
#define CONFIG_TURN_CREDENTIAL_TTL (24 * 3600)

struct config {
	enum source_kind source;
	char *listen_host; /* NULL: every interface */
	unsigned listen_port;
	bool view_only;
	bool audio;    /* share the desktop's sound (where PipeWire runs) */
	bool restart;  /* a virtual desktop's program starts again when it ends */
	char *encoder; /* "auto" or an element name */
	enum rtc_codec codec;
	unsigned max_fps;
	unsigned bitrate_kbps;
	unsigned width, height; /* virtual desktop (at first, with size_auto) */
	bool size_auto;         /* it follows the controlling viewer's window (--size=auto) */
	char *stun_host;
	unsigned stun_port;
	char *turn_host;
	unsigned turn_port;
	char *turn_user;
	char *turn_pass;
	/* shared with the TURN server (use-auth-secret): from config.ini or a 0600 file,
	 * never the command line, where ps shows it; NULL: no credentials made */
	char *turn_secret;
	unsigned turn_tls_port; /* 0: no turns: URL for browsers */
	int64_t ttl_s;
	char *keyboard_layout;  /* XKB layout(s) of our virtual keyboard; NULL: XKB_DEFAULT_* */
	char *keyboard_variant; /* NULL: the layout's default */
};

void config_init(struct config *config);
void config_clear(struct config *config);

/* Applies one setting by its key name (the config file's and the option's, without "--").
 * The error names the key and says what was expected. */
bool config_set(struct config *config, const char *key, const char *value, GError **error);

/* The secret from a file only its owner may read (mode 0600 or stricter), up to its first
 * line end. */
bool config_read_secret_file(const char *path, char **secret, GError **error);

/* Reads `path` if it exists (group [wayrtc]); a missing file is not an error. */
bool config_load_file(struct config *config, const char *path, GError **error);

bool config_parse_source(const char *text, enum source_kind *out);
const char *config_source_name(enum source_kind source);
/* "HOST:PORT", ":PORT", "PORT", "[v6]:PORT", "HOST" (default port). Empty host = all. */
bool config_parse_hostport(const char *text, unsigned default_port, char **host, unsigned *port);
bool config_parse_size(const char *text, unsigned *width, unsigned *height);
/* "90s", "15m", "12h", "7d" or plain seconds; 1 s to 365 days. */
bool config_parse_duration(const char *text, int64_t *seconds);
