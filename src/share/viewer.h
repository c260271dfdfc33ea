/* One admitted browser: its signaling messages, its WebRTC peer, its rights. It reaches
 * the rest of the share only through a `viewer_host`, which the share fills once. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/codec.h"

struct arbiter;
struct config;
struct cursor;
struct input_sink;
struct rtc_cert;
struct rtc_peer;
struct server_client;

/* Input messages a viewer may send: a burst (a fast typist with a busy mouse), then a
 * steady rate well above what hands and 240 Hz mice make. More are dropped. */
#define VIEWER_INPUT_BURST      500
#define VIEWER_INPUT_PER_SECOND 2000
/* Input that arrives while our clipboard text is being applied waits, in order, so the
 * Ctrl+V after a paste sees the new clipboard; beyond this much it is dropped. */
#define VIEWER_INPUT_HELD_MAX 256

/* What a viewer may use of its share. The share owns it and everything it points to,
 * outlives every viewer, and calls viewers on the main loop only; so do these. */
struct viewer_host {
	const struct config *config;
	struct rtc_cert *dtls_cert;
	uint32_t video_ssrc;
	/* the video codecs the share can encode, most wanted first: every viewer is offered
	 * them all, and its answer picks one */
	const enum rtc_codec *codecs;
	size_t n_codecs;
	bool audio; /* the share has sound to offer */
	uint32_t audio_ssrc;
	const struct cursor *cursor; /* the desktop's pointer, when it travels beside the frames */
	struct arbiter *clipboard;   /* NULL: the desktop offers no clipboard */
	void *data;
	/* The shared area's size in pixels, 0 before the first frame. */
	void (*get_size)(void *data, unsigned *width, unsigned *height);
	/* Where the desktop follows its viewers' windows (a virtual desktop of --size=auto):
	 * a controlling viewer's video area, in CSS pixels and its device pixel ratio
	 * (signaling's "size"). NULL: the desktop keeps its size. */
	void (*resize)(void *data, unsigned css_width, unsigned css_height, double pixel_ratio);
	/* With resize: the largest size it may take, for the H.264 level offered */
	unsigned max_width, max_height;
	/* Once its answer is in: the peer takes the video of the codec the answer chose
	 * (rtc_peer_get_codec) from now on, and the sound if `audio`, until detached. */
	void (*attach)(void *data, struct rtc_peer *peer, bool audio);
	void (*detach)(void *data, struct rtc_peer *peer, bool audio);
	/* A keyframe of the attached peer's codec. */
	void (*request_keyframe)(void *data, struct rtc_peer *peer);
	/* Resends video packet `seq` to `peer` if it is still in history. */
	void (*retransmit)(void *data, struct rtc_peer *peer, uint16_t seq);
	/* A viewer's bandwidth estimate changed (viewer_get_estimate). */
	void (*estimate_changed)(void *data);
	/* A keyboard and pointer of the viewer's own on the desktop; NULL with an error a
	 * person can read when the desktop grants none. */
	struct input_sink *(*new_sink)(void *data, GError **error);
};

struct viewer *viewer_new(const struct viewer_host *host, struct server_client *client,
                          uint32_t scope);
void viewer_free(struct viewer *viewer); /* accepts NULL */
void viewer_handle_message(struct viewer *viewer, const char *text, size_t len);
/* What the link to this viewer carries, bits per second; 0 until it is connected. */
uint32_t viewer_get_estimate(struct viewer *viewer);
/* The same a second after connecting, before it settles: enough to place the viewer on a
 * slow link's encode, which lowers nobody else's picture; 0 before. */
uint32_t viewer_get_link_estimate(struct viewer *viewer);
/* Its WebRTC connection; NULL when none could be made. */
struct rtc_peer *viewer_get_peer(struct viewer *viewer);
/* Where it connects from, for logs. */
const char *viewer_get_address(struct viewer *viewer);
/* The desktop's clipboard has new text: sent to the viewer if its link allows it. */
void viewer_send_clipboard(struct viewer *viewer, GBytes *text);
/* The desktop's pointer changed (CURSOR_CHANGED_* of host->cursor): sent to the viewer
 * whose `cursor` channel is open, whatever its rights. */
void viewer_send_cursor(struct viewer *viewer, unsigned changed);
/* The compositor applied this viewer's clipboard text: input held back for it goes on. */
void viewer_clipboard_applied(struct viewer *viewer);
/* Its data channels, as its rtc_peer reports them (the peer's listener calls these and
 * nothing else): where its rights and rate limits gate input and the clipboard. Public so
 * tests reach those gates without a browser's SCTP association; main loop. */
void viewer_channel_open(struct viewer *viewer, uint16_t id, const char *label);
void viewer_channel_message(struct viewer *viewer, uint16_t id, bool binary, const uint8_t *buf,
                            size_t len);
void viewer_channel_closed(struct viewer *viewer, uint16_t id);
/* Input and clipboard messages it sent that were not applied: `ignored`, its link lacks
 * the right; `dropped`, malformed, over the rate, on the wrong channel or beyond the held
 * cap. Logged when it leaves. */
void viewer_get_input_counts(struct viewer *viewer, uint64_t *ignored, uint64_t *dropped);
/* Tells the browser that the desktop has sent no picture `seconds` after its stream
 * started, in `message`'s words; NULL: the first picture came after all. */
void viewer_say_no_picture(struct viewer *viewer, unsigned seconds, const char *message);
/* Tells the browser why the share ends, then closes its socket. */
void viewer_say_bye(struct viewer *viewer, const char *reason);
