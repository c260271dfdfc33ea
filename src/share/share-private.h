/* The running share's insides, for the two files that build it: share.c (the server,
 * the viewers, the encode and the sound) and source.c (what is shared). Nothing else
 * includes this; viewers see the share through their `viewer_host`. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

#include "media/capture.h"
#include "rtc/codec.h"
#include "server/auth.h"
#include "share/config.h"
#include "share/share.h"
#include "share/viewer.h"

struct share {
	struct config config;
	GMainLoop *loop;
	int exit_status;
	bool quitting;
	struct auth_key key;
	struct rtc_cert *dtls_cert;
	struct server *server;
	struct virtual_session *session; /* only with --source=virtual */
	struct fit *fit; /* the virtual desktop follows the windows (--size=auto); else NULL */
	/* the virtual desktop's own, where no PipeWire ran for the user; else NULL */
	struct sound_server *sound_server;
	struct xdp_session *portal; /* only with --source=portal */
	uint32_t portal_devices;    /* input the portal granted (XDP_DEVICE_*) */
	/* the desktop's keyboard layout, for the portal's text path; made with the first
	 * viewer's input (source.c frees it) */
	struct wayland_keyboard *portal_layout;
	bool portal_layout_tried;
	char *state_dir;
	GTlsCertificate *tls;
	char *tls_fingerprint;
	struct capture *capture;
	/* The first picture's watch (source.c): a capture that has sent no frame
	 * SOURCE_NO_PICTURE_S after it started is said to, in the log and to every viewer
	 * (also to those who join later) until its first frame comes. */
	guint no_picture_timer;
	int64_t capture_started_us;
	bool pictured;    /* a frame came */
	char *no_picture; /* the words viewers are told meanwhile; NULL: nothing to tell */
	/* One encode per codec offered, most wanted first (--codec, then the others this
	 * machine can encode); each encodes only while a viewer whose answer chose it is
	 * attached to its hub, and keeps the newest picture meanwhile so the first one
	 * gets it at once. All use one video SSRC: a viewer gets one of them.
	 * Behind them, made when first needed, a second encode per codec for viewers on
	 * links far slower than the others' (share.c, "Two encodes per codec").
	 */
	struct share_encode {
		struct share *share;
		enum rtc_codec codec;
		bool slow; /* the second encode of its codec */
		struct encoder *encoder;
		struct hub *hub;
	} encodes[2 * RTC_CODEC_COUNT];
	size_t n_encodes;
	enum rtc_codec codecs[RTC_CODEC_COUNT]; /* the codecs offered, for the viewer_host */
	size_t n_codecs;
	GHashTable *placed; /* struct rtc_peer * → struct placement *: the encode it gets */
	guint tier_timer;   /* looks at the placements twice a second */
	/* The newest frame, kept (its damage copied in) for an encode that wakes: idle
	 * encodes convert nothing, so the first viewer's keyframe starts from this one.
	 * A copy of the damage costs far less than converting it for each idle codec. */
	struct capture_frame screen;
	uint8_t *screen_data;
	uint32_t video_ssrc;
	struct audio *audio; /* NULL: no sound (--no-audio, no PipeWire, no Opus) */
	uint32_t audio_ssrc;
	unsigned n_listeners;   /* viewers whose offer has audio: capture only while > 0 */
	unsigned width, height; /* of the shared area; 0 until the first frame */
	GList *viewers;         /* struct viewer * */
	struct viewer_host host;
	struct arbiter *clipboard; /* NULL when the desktop offers no data-control */
	/* A virtual keyboard and pointer that never type, so the seat has both from the
	 * start and clients hold their wl_keyboard and wl_pointer before the first viewer's
	 * first key (wlr and virtual sources; NULL otherwise) */
	struct input_sink *seat_anchor;
	/* the pointer, when the source reports it beside the frames; its image and place
	 * stay unknown otherwise */
	struct cursor *cursor;
};

/* The display wayrtc shares and drives: the virtual desktop's, else NULL for
 * $WAYLAND_DISPLAY. */
const char *share_display(struct share *share);
/* Starts the server and prints the link, once the source can give frames. */
bool share_serve(struct share *share, GError **error);
/* Ends the share: every viewer is told `reason`, then the main loop stops. */
void share_quit(struct share *share, int status, const char *reason);

/* source.c: a new frame of the shared area, for every encode. */
void share_push_frame(struct share *share, const struct capture_frame *frame);

/* source.c: how long a started capture may send no frame before the share says so */
#define SOURCE_NO_PICTURE_S 5

/* source.c: starts what share->config names (auto: portal, else wlr, else virtual;
 * COMMAND runs in a virtual desktop). False with an error when it cannot start at all;
 * the portal's answer comes later, and a refusal there ends the share through
 * share_quit. */
bool source_start(struct share *share, const char *const *command, GError **error);
void source_stop(struct share *share);
