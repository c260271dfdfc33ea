/* Signaling messages on /ws (docs/protocol.md): JSON objects with a "type".
 * Parsing is a pure function of (buf, len); building returns a new string. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum signal_type {
	SIGNAL_ANSWER = 0, /* {"type":"answer","sdp":"…"} */
	SIGNAL_CANDIDATE,  /* {"type":"candidate","candidate":"…","sdpMid":"0"}; "" = end */
	SIGNAL_KEYFRAME,   /* {"type":"keyframe"} — the client saw a broken picture */
	SIGNAL_PING,       /* {"type":"ping"} → {"type":"pong"} */
	/* {"type":"size","width":W,"height":H,"pixelRatio":R}: the page's video area in CSS
	 * pixels and window.devicePixelRatio (1 when absent) */
	SIGNAL_SIZE,
};

/* The bounds a size message is held to (a browser window, a phone to an 8K screen). */
#define SIGNAL_SIZE_MAX        16384
#define SIGNAL_PIXEL_RATIO_MIN 0.25
#define SIGNAL_PIXEL_RATIO_MAX 8.0

struct signal_msg {
	enum signal_type type;
	char *sdp;              /* SIGNAL_ANSWER, g_free */
	char *candidate;        /* SIGNAL_CANDIDATE, g_free */
	unsigned width, height; /* SIGNAL_SIZE: 1 to SIGNAL_SIZE_MAX */
	double pixel_ratio;     /* SIGNAL_SIZE: SIGNAL_PIXEL_RATIO_MIN to _MAX */
};

/* Fills `msg` or fails with an error message fit to send back to the client. */
bool signal_parse(const char *buf, size_t len, struct signal_msg *msg, GError **error);
void signal_msg_clear(struct signal_msg *msg);

char *signal_build_offer(const char *sdp);
char *signal_build_candidate(const char *candidate); /* NULL: end of candidates */
/* The browser's ICE servers in hello (RTCIceServer): one TURN server by its URLs, with
 * this viewer's credentials. */
struct signal_ice_server {
	char **urls;
	const char *username;
	const char *credential;
};
/* ice: NULL for no "iceServers" member; resize: the desktop follows this viewer's "size"
 * messages ("resize":true). */
char *signal_build_hello(uint32_t scope, unsigned width, unsigned height, const char *codec,
                         const struct signal_ice_server *ice, bool resize);
char *signal_build_error(const char *code, const char *message);
char *signal_build_bye(const char *reason);
/* The desktop has sent no picture `seconds` after its stream started (the words in
 * `message` say so to a person); "picture" clears it once the first one came. */
char *signal_build_no_picture(unsigned seconds, const char *message);
char *signal_build_picture(void);
