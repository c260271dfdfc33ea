/* One browser's connection. ICE (rtc/ice.c, controlling, trickle, one component thanks
 * to BUNDLE + rtcp-mux) carries DTLS until the handshake, then SRTP/SRTCP; datagrams are
 * told apart by their first byte (RFC 7983). The encoder threads queue RTP; the peer's
 * sender thread paces it (rtc/pacer.c at 1.25 × the estimate), stamps the transport-wide
 * sequence number, protects and sends; the browser's transport-cc feedback drives the
 * estimate (rtc/bwe.c) on the main loop, where everything else runs. */
#define LOG_MODULE "peer"
#include "rtc/peer.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "rtc/bwe.h"
#include "rtc/demux.h"
#include "rtc/dtls.h"
#include "rtc/ice.h"
#include "rtc/pacer.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/sctp.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"
#include "rtc/twcc.h"
#include "util/log.h"

#define SR_INTERVAL_MS 1000
/* From the answer to media: ICE checks plus the DTLS handshake. libnice in trickle mode
 * never gives up on its own until the browser says its candidates are complete. */
#define CONNECT_TIMEOUT_MS 30000
#define NTP_EPOCH_OFFSET   2208988800ULL /* seconds from 1900 to 1970 */
#define RTCP_MAX_IN        1500          /* a browser's compound RTCP fits one MTU */
#define RTCP_SR_LEN        28
#define RTCP_SDES_MAX      64
/* The pacer's rate over the estimate: a little above, so a burst drains, but not so far
 * that a backlog (a keyframe, a VBV that filled on a still screen) moves into the
 * bottleneck's queue, where it delays everything and overflows into loss; here it can
 * still be dropped whole. */
#define PACING_FACTOR 1.25
/* A backlog larger than that rate drains in DRAIN_US (the estimate is still measuring
 * the link while the encode runs at --bitrate) goes faster, up to PACING_FACTOR_MAX over
 * the estimate, but not while the link is known to be full (rtc_bwe_congested). */
#define PACING_FACTOR_MAX 2.5
#define DRAIN_US          400000
#define TWCC_HISTORY      8192 /* sent packets remembered for feedback, a power of two */
#define RESEND_BUDGET_MS  100  /* resends waiting beyond this, at the pacing rate: refused */
/* A packet resent is not resent again while that resend waits here or may still be on
 * its way (a round trip, at least RESEND_GAP_MIN_US): the browser asks again every
 * round trip of its own reckoning, which knows nothing of a queue at the bottleneck, and
 * each duplicate would deepen that queue. */
#define RESEND_MARKS      1024 /* by sequence number, a power of two */
#define RESEND_GAP_MIN_US 50000
#define RESEND_QUEUED_US  1000000 /* a mark still queued after this is stale (queue dropped) */
/* Of the packets sent since the newest keyframe began, transport-cc reports (in windows
 * of SKIP_MIN_PACKETS) that lost this much (a link that just got much slower overflowed):
 * what waits is dropped and a keyframe asked for, at the new rate a few kilobytes, where
 * resending the lost packets would cost the slower link hundreds and the browser could
 * show nothing until they came. Not while a keyframe is queued or being queued (it is the
 * fresh start), and at most once a SKIP_INTERVAL_US. */
#define SKIP_LOSS        0.25
#define SKIP_MIN_PACKETS 100 /* at 5 % random loss, 25 of 100 is a 1e-8 chance; of 20, 2 % */
#define SKIP_INTERVAL_US 1000000
/* The keyframe of such a skip would meet the bottleneck's queue still full of what was
 * sent before it and lose packets there too, and the picture would wait for their
 * resends (seen: gaps of 1.2-1.5 s after a step to 1.5 Mbit/s). So no video goes until
 * the standing queue the one-way delays show has drained, at most SKIP_QUIET_MAX_US. */
#define SKIP_QUIET_MAX_US 300000
/* Nor in a viewer's first seconds: its losses then are the start-up probes and the
 * shared encode's rate before its own estimate, which the share answers by moving it to
 * an encode for slow links; keyframes on top would only starve it further. */
#define SKIP_SETTLE_US  5000000
#define QUEUE_HARD_MAX  8192  /* video packets queued, whatever the rate */
#define ESTIMATE_REPORT 0.05  /* a change this large (relative) is reported */
#define RTX_OSN         2     /* RFC 4588: the original sequence number leads the payload */
#define AUDIO_CLOCK     48000 /* Opus's RTP clock, whatever the input rate (RFC 7587) */

/* One packet waiting for the sender thread. */
struct qpkt {
	size_t len;
	int64_t queued_us;
	uint32_t ts;
	uint16_t seq;
	bool frame_start, keyframe;
	uint8_t data[];
};

/* A video packet resent, under qlock. */
struct resend_mark {
	uint16_t seq; /* ours */
	bool used, sent;
	int64_t at_us; /* queued, or once sent, sent */
};

enum send_kind { SEND_AUDIO, SEND_RESEND, SEND_VIDEO, SEND_PROBE };

/* A packet sent with transport-wide sequence number `seq`, for the feedback about it. */
struct twcc_sent {
	int64_t send_us;
	uint16_t seq;
	uint16_t size;
	int probe_id;
	bool used, reported;
};

/* What one SSRC's Sender Report says. */
struct sent {
	uint32_t packets;
	uint32_t octets;
	bool any;
	uint32_t last_rtp_ts; /* of the newest frame sent (resends are older) */
	int64_t last_send_us; /* when it was sent, monotonic */
};

struct rtc_peer {
	struct rtc_peer_config config;
	const struct rtc_peer_listener *listener;
	void *data;
	GMainContext *context;
	struct rtc_ice *ice; /* set in _new, freed in _free: safe to use from any thread */
	struct rtc_dtls *dtls;
	struct rtc_sctp *sctp; /* data channels, once DTLS is up and if the answer kept them */
	bool want_sctp;
	bool dtls_server;
	uint16_t sctp_port;      /* the browser's */
	size_t sctp_max_send;    /* its a=max-message-size, within ours */
	bool offered_eoc;        /* the offer said a=end-of-candidates */
	enum rtc_codec codec;    /* the answer's choice */
	GSource *sctp_free_idle; /* frees an association that ended, outside its callbacks */
	bool offered;
	bool have_answer;
	bool ice_connected;
	struct rtc_peer_stats rtcp; /* main loop: what the browser's RTCP said */
	GSource *sr_timer;
	GSource *connect_timer;
	char *cname;      /* ours, in the offer and every compound RTCP packet */
	uint32_t max_bps; /* the estimate's ceiling */
	struct bwe *bwe;  /* main loop */
	uint32_t reported_bps;
	/* what the answer kept: set before the sender thread starts, then only read */
	bool twcc, audio_twcc, rtx;
	/* the sender thread's alone */
	uint16_t rtx_seq;
	uint8_t probe_src[RTC_RTP_MAX]; /* the newest video packet sent, copied as probes */
	size_t probe_src_len;

	/* Guards the send queue and everything down to `lock`: the encoder threads queue,
	 * the main loop queues resends and sets the rate and probes, the sender thread pops.
	 * Never held together with `lock`. */
	GMutex qlock;
	GCond qcond;
	GThread *sender;
	bool sending;  /* connected and not stopping: queue; else drop */
	bool stopping; /* the sender thread ends */
	bool busy;     /* a packet is being sent (sender thread or fast path): one at a time */
	GQueue audio_q, resend_q, video_q; /* struct qpkt */
	size_t video_bytes, resend_bytes;
	struct resend_mark resent[RESEND_MARKS];
	int64_t resend_gap_us; /* the main loop's round trip, for the marks */
	struct pacer pacer;
	uint32_t pacing_bps;
	bool congested;       /* rtc_bwe_congested: a backlog is not drained faster than the link */
	int64_t skipped_us;   /* when heavy loss last made it skip to a keyframe (SKIP_LOSS) */
	int64_t started_us;   /* when the sender started */
	int64_t loss_from_us; /* packets sent before this do not count for SKIP_LOSS */
	unsigned skip_seen, skip_lost; /* main loop: reported since loss_from_us */
	int64_t quiet_until_us;        /* after a skip: no video before (SKIP_QUIET_MAX_US) */
	bool fresh_key;                /* a keyframe waits, all before it dropped: NACKs moot */
	bool queuing_key;              /* the frame being queued is a keyframe */
	uint32_t queued_ts;            /* timestamp of the last video packet queued */
	bool queued_any;
	bool drop_frame;     /* the frame being queued is dropped */
	bool skipping;       /* frames were dropped: delta frames too until a keyframe */
	uint32_t sending_ts; /* the frame on the wire: never cut short */
	bool sending_any;
	uint16_t kf_seq; /* first packet of the newest keyframe sent: NACKs before it are moot */
	bool have_kf;
	/* Our video's numbers and times as the browser sees them continue across encodes
	 * (rtc_peer_restart_video): each packet queued is rewritten by these deltas, set at
	 * the first packet of a new encode from where ours were. */
	bool rebase;        /* the next packet queued starts a new encode */
	bool any_out;       /* a video packet was queued: out_* hold its numbers */
	uint16_t seq_delta; /* added to the encode's sequence numbers */
	uint32_t ts_delta;  /* and to its timestamps */
	uint16_t epoch_seq; /* our number for the first packet of the current encode */
	uint16_t out_seq;   /* of the newest video packet queued, ours */
	uint32_t out_ts;
	int64_t out_us;
	struct rtc_bwe_probe probe;
	int64_t probe_left; /* bytes of the probe cluster still to send */
	struct pacer probe_pacer;
	GSource *keyframe_idle; /* a keyframe asked for from another thread, on the main loop */
	struct rtc_peer_send_stats stats;

	/* Guards the fields below: the encoder threads (rtc_peer_send_rtp: video's and
	 * audio's) read state and srtp and update the counters; the main loop changes state,
	 * sets srtp once and reads the counters for the Sender Reports. */
	GMutex lock;
	enum rtc_peer_state state;
	struct rtc_srtp *srtp; /* set once when DTLS is done, freed in _free */
	bool send_audio;       /* offered and accepted: set once, by the answer */
	struct sent video, audio;
	struct twcc_sent *twcc_sent; /* TWCC_HISTORY, by sequence number */
	uint16_t twcc_seq;           /* the next transport-wide sequence number */
};

static void destroy_source(GSource **source)
{
	if (*source) {
		g_source_destroy(*source);
		g_source_unref(*source);
		*source = NULL;
	}
}

static GSource *add_timeout(struct rtc_peer *peer, unsigned ms, GSourceFunc fn)
{
	GSource *source = g_timeout_source_new(ms);

	g_source_set_callback(source, fn, peer, NULL);
	g_source_attach(source, peer->context);
	return source;
}

static bool is_final(enum rtc_peer_state state)
{
	return state == RTC_PEER_FAILED || state == RTC_PEER_CLOSED;
}

static void set_state(struct rtc_peer *peer, enum rtc_peer_state state, const char *reason)
{
	g_mutex_lock(&peer->lock);
	if (peer->state == state || is_final(peer->state)) {
		g_mutex_unlock(&peer->lock);
		return;
	}
	peer->state = state;
	g_mutex_unlock(&peer->lock);
	if (is_final(state)) {
		g_mutex_lock(&peer->qlock);
		peer->sending = false;
		g_mutex_unlock(&peer->qlock);
	}
	if (state == RTC_PEER_CONNECTED || is_final(state))
		destroy_source(&peer->connect_timer);
	if (is_final(state))
		destroy_source(&peer->sr_timer);
	if (reason)
		log_debug("state %d: %s", (int)state, reason);
	if (peer->listener->state)
		peer->listener->state(peer->data, state, reason);
}

void rtc_peer_get_stats(struct rtc_peer *peer, struct rtc_peer_stats *stats)
{
	*stats = peer->rtcp;
	g_mutex_lock(&peer->lock);
	stats->packets = peer->video.packets + peer->audio.packets;
	stats->octets = peer->video.octets + peer->audio.octets;
	g_mutex_unlock(&peer->lock);
}

enum rtc_peer_state rtc_peer_get_state(struct rtc_peer *peer)
{
	enum rtc_peer_state state;

	g_mutex_lock(&peer->lock);
	state = peer->state;
	g_mutex_unlock(&peer->lock);
	return state;
}

static void after_estimate(struct rtc_peer *peer, int64_t now);

/* Without transport-cc in the answer (a browser without it) nothing tells us the link's
 * rate: pace for the ceiling, as before there was an estimate, and report none. */
static uint32_t current_estimate(struct rtc_peer *peer)
{
	return peer->twcc ? rtc_bwe_get_estimate(peer->bwe) : peer->max_bps;
}
static void start_sender(struct rtc_peer *peer);
static void stop_sender(struct rtc_peer *peer);

static uint64_t ntp_now(void)
{
	int64_t us = g_get_real_time();
	uint64_t secs = (uint64_t)(us / G_USEC_PER_SEC) + NTP_EPOCH_OFFSET;
	uint64_t frac = ((uint64_t)(us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;

	return secs << 32 | frac;
}

/* The SR of one SSRC at the end of buf; the RTP clock now is extrapolated from the
 * newest packet, so the browser can map our timestamps to wall time (stats, and its
 * jitter buffer's view of the audio). 0 when nothing was sent on it yet. */
static size_t build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, const struct sent *sent,
                       unsigned clock, uint64_t ntp)
{
	int64_t elapsed;

	if (!sent->any)
		return 0;
	elapsed = g_get_monotonic_time() - sent->last_send_us;
	return rtc_rtcp_build_sr(buf, cap, ssrc, ntp,
	                         sent->last_rtp_ts + (uint32_t)(elapsed * clock / G_USEC_PER_SEC),
	                         sent->packets, sent->octets);
}

static gboolean send_sr(void *data)
{
	struct rtc_peer *peer = data;
	/* one compound packet: the video's SR, then the audio's, then our CNAME (RFC 3550
	 * 6.1: every compound packet carries it) */
	uint8_t buf[2 * RTCP_SR_LEN + RTCP_SDES_MAX + RTC_SRTCP_TRAILER];
	size_t len = 0;
	bool ok = false;

	g_mutex_lock(&peer->lock);
	if (peer->srtp && peer->state == RTC_PEER_CONNECTED) {
		uint64_t ntp = ntp_now();

		len = build_sr(buf, sizeof(buf), peer->config.video_ssrc, &peer->video,
		               RTC_VIDEO_CLOCK, ntp);
		len += build_sr(buf + len, sizeof(buf) - len, peer->config.audio_ssrc, &peer->audio,
		                AUDIO_CLOCK, ntp);
		if (len)
			len += rtc_rtcp_build_sdes(
			        buf + len,
			        MIN(sizeof(buf) - len - RTC_SRTCP_TRAILER, RTCP_SDES_MAX),
			        peer->config.video_ssrc, peer->cname);
		ok = len && rtc_srtp_protect_rtcp(peer->srtp, buf, &len, sizeof(buf));
	}
	g_mutex_unlock(&peer->lock);
	if (ok)
		rtc_ice_send(peer->ice, buf, len);
	/* a still screen brings no feedback: probes may still be due */
	if (peer->bwe)
		after_estimate(peer, g_get_monotonic_time());
	return G_SOURCE_CONTINUE;
}

static void dtls_send(void *data, const uint8_t *buf, size_t len)
{
	struct rtc_peer *peer = data;

	/* before ICE has a pair this fails; DTLS retransmits */
	rtc_ice_send(peer->ice, buf, len);
}

static void sctp_send(void *data, const uint8_t *buf, size_t len)
{
	struct rtc_peer *peer = data;

	if (!rtc_dtls_send(peer->dtls, buf, len))
		log_debug("an SCTP packet of %zu bytes did not fit DTLS", len);
}

static void sctp_channel_open(void *data, uint16_t id, const struct rtc_dcep_open *open)
{
	struct rtc_peer *peer = data;

	if (peer->listener->channel_open)
		peer->listener->channel_open(peer->data, id, open->label);
}

static void sctp_message(void *data, uint16_t id, bool binary, const uint8_t *buf, size_t len)
{
	struct rtc_peer *peer = data;

	if (peer->listener->channel_message)
		peer->listener->channel_message(peer->data, id, binary, buf, len);
}

static void sctp_channel_closed(void *data, uint16_t id)
{
	struct rtc_peer *peer = data;

	if (peer->listener->channel_closed)
		peer->listener->channel_closed(peer->data, id);
}

/* Closes every channel the association still had, then frees it. */
static void drop_sctp(struct rtc_peer *peer)
{
	struct rtc_sctp *sctp = peer->sctp;
	uint16_t ids[RTC_SCTP_MAX_CHANNELS];
	size_t n;

	if (!sctp)
		return;
	peer->sctp = NULL;
	n = rtc_sctp_get_channels(sctp, ids);
	for (size_t i = 0; i < n; i++)
		sctp_channel_closed(peer, ids[i]);
	rtc_sctp_free(sctp);
}

static gboolean sctp_free_idle(void *data)
{
	struct rtc_peer *peer = data;

	g_source_unref(peer->sctp_free_idle);
	peer->sctp_free_idle = NULL;
	drop_sctp(peer);
	return G_SOURCE_REMOVE;
}

static void sctp_closed(void *data, const char *reason)
{
	struct rtc_peer *peer = data;

	/* media may go on; only the channels are gone. Not freed inside its own callback. */
	log_info("data channels closed: %s", reason);
	if (!peer->sctp_free_idle) {
		peer->sctp_free_idle = g_idle_source_new();
		g_source_set_callback(peer->sctp_free_idle, sctp_free_idle, peer, NULL);
		g_source_attach(peer->sctp_free_idle, peer->context);
	}
}

static const struct rtc_sctp_listener sctp_listener = {
        .send = sctp_send,
        .channel_open = sctp_channel_open,
        .message = sctp_message,
        .channel_closed = sctp_channel_closed,
        .closed = sctp_closed,
};

static void start_sctp(struct rtc_peer *peer)
{
	struct rtc_sctp_config config = {
	        .remote_port = peer->sctp_port,
	        .mtu = rtc_dtls_get_data_mtu(peer->dtls),
	        .max_send = peer->sctp_max_send,
	        .dtls_server = peer->dtls_server,
	};
	g_autoptr(GError) error = NULL;

	peer->sctp = rtc_sctp_new(&config, &sctp_listener, peer, &error);
	if (!peer->sctp)
		log_warn("no data channels: %s", error->message);
}

static void dtls_receive(void *data, const uint8_t *buf, size_t len)
{
	struct rtc_peer *peer = data;

	if (peer->sctp)
		rtc_sctp_handle(peer->sctp, buf, len);
}

bool rtc_peer_channel_send(struct rtc_peer *peer, uint16_t id, bool binary, const uint8_t *buf,
                           size_t len)
{
	return peer->sctp && rtc_sctp_send(peer->sctp, id, binary, buf, len);
}

void rtc_peer_channel_close(struct rtc_peer *peer, uint16_t id)
{
	if (peer->sctp)
		rtc_sctp_close_channel(peer->sctp, id);
}

static void dtls_connected(void *data, const struct rtc_srtp_keys *keys)
{
	struct rtc_peer *peer = data;
	g_autoptr(GError) error = NULL;
	struct rtc_srtp *srtp = rtc_srtp_new(keys, &error);

	if (!srtp) {
		set_state(peer, RTC_PEER_FAILED, error->message);
		return;
	}
	g_mutex_lock(&peer->lock);
	peer->srtp = srtp;
	g_mutex_unlock(&peer->lock);
	log_debug("SRTP with %s", rtc_srtp_profile_name(keys->profile));
	destroy_source(&peer->sr_timer);
	peer->sr_timer = add_timeout(peer, SR_INTERVAL_MS, send_sr);
	set_state(peer, RTC_PEER_CONNECTED, NULL);
	if (rtc_peer_get_state(peer) == RTC_PEER_CONNECTED)
		start_sender(peer);
	if (peer->want_sctp && !is_final(rtc_peer_get_state(peer)))
		start_sctp(peer);
}

static void dtls_failed(void *data, const char *reason)
{
	set_state(data, RTC_PEER_FAILED, reason);
}

static void dtls_closed(void *data, const char *reason)
{
	set_state(data, RTC_PEER_CLOSED, reason);
}

static const struct rtc_dtls_listener dtls_listener = {
        .send = dtls_send,
        .connected = dtls_connected,
        .failed = dtls_failed,
        .closed = dtls_closed,
        .receive = dtls_receive,
};

/* Keeps a report block's figures, and the round-trip time from it (RFC 3550 section
 * 6.4.1, in 1/65536 s) where it answers one of our Sender Reports: for the estimator (how
 * long a decrease takes to show) and the stats. */
static void on_rr(struct rtc_peer *peer, const struct rtc_rtcp_event *ev)
{
	uint32_t now = (uint32_t)(ntp_now() >> 16), rtt;

	peer->rtcp.fraction_lost = ev->rr.fraction_lost;
	peer->rtcp.cumulative_lost = ev->rr.cumulative_lost;
	peer->rtcp.jitter = ev->rr.jitter;
	if (!ev->rr.lsr)
		return;
	rtt = now - ev->rr.lsr - ev->rr.dlsr;
	peer->rtcp.rtt_ms = (int)((uint64_t)rtt * 1000 / 65536);
	if (rtt < 10 * 65536)
		rtc_bwe_on_rtt(peer->bwe, g_get_monotonic_time(),
		               (int64_t)rtt * G_USEC_PER_SEC / 65536);
}

/* ---- congestion control: feedback in, rate and probes out ---- */

struct twcc_batch {
	struct rtc_peer *peer;
	struct rtc_bwe_packet *pkts;
	size_t n, cap;
};

/* Under peer->lock: one reported packet, matched with what we sent under that number. */
static void twcc_status(void *data, uint16_t seq, bool received, int64_t arrival_us)
{
	struct twcc_batch *b = data;
	struct twcc_sent *t = &b->peer->twcc_sent[seq % TWCC_HISTORY];

	if (!t->used || t->seq != seq || t->reported || b->n == b->cap)
		return;
	/* lost now may still come; received is final */
	t->reported = received;
	b->pkts[b->n++] = (struct rtc_bwe_packet){.send_us = t->send_us,
	                                          .arrival_us = arrival_us,
	                                          .size = t->size,
	                                          .received = received,
	                                          .probe_id = t->probe_id};
}

static void on_twcc(struct rtc_peer *peer, const struct rtc_rtcp_event *ev)
{
	struct rtc_twcc_feedback fb;
	struct twcc_batch b = {.peer = peer, .cap = TWCC_HISTORY};
	int64_t now = g_get_monotonic_time();

	int64_t loss_from;

	b.pkts = g_new(struct rtc_bwe_packet, b.cap);
	g_mutex_lock(&peer->lock);
	rtc_twcc_parse(ev->twcc.fci, ev->twcc.len, &fb, twcc_status, &b);
	g_mutex_unlock(&peer->lock);
	g_mutex_lock(&peer->qlock);
	loss_from = peer->loss_from_us;
	g_mutex_unlock(&peer->qlock);
	for (size_t i = 0; i < b.n; i++) {
		/* a probe may overflow the link on purpose: the picture's packets tell */
		if (b.pkts[i].send_us >= loss_from && !b.pkts[i].probe_id) {
			peer->skip_seen++;
			peer->skip_lost += !b.pkts[i].received;
		}
	}
	if (b.n)
		rtc_bwe_on_feedback(peer->bwe, now, b.pkts, b.n);
	g_free(b.pkts);
	after_estimate(peer, now);
}

static void drop_unstarted(struct rtc_peer *peer);
static void want_keyframe(struct rtc_peer *peer);

/* Under qlock: resends waiting are moot (a keyframe is coming). */
static void drop_resends(struct rtc_peer *peer)
{
	g_queue_clear_full(&peer->resend_q, g_free);
	peer->resend_bytes = 0;
}

/* Under qlock: a keyframe is being queued or waits to be sent. */
static bool keyframe_ahead(const struct rtc_peer *peer)
{
	if (peer->queuing_key)
		return true;
	for (GList *l = peer->video_q.head; l; l = l->next) {
		const struct qpkt *q = l->data;

		if (q->keyframe && q->frame_start)
			return true;
	}
	return false;
}

/* Under qlock: SKIP_LOSS. The frame on the wire is finished (the rest of one being
 * queued is not), then nothing but a keyframe; losses count again from its first packet
 * sent. */
static void skip_after_loss(struct rtc_peer *peer, int64_t now, int64_t queue_us)
{
	drop_unstarted(peer);
	drop_resends(peer);
	peer->drop_frame = peer->skipping = true;
	peer->skipped_us = now;
	peer->quiet_until_us = now + MIN(queue_us, SKIP_QUIET_MAX_US);
	peer->loss_from_us = INT64_MAX;
	peer->skip_seen = peer->skip_lost = 0;
	peer->stats.loss_skips++;
	want_keyframe(peer);
}

/* The pacer follows the estimate; a probe starts when the estimator wants one (only with
 * RTX: a duplicate on the media SSRC would be a replay the browser's SRTP drops); the
 * listener hears of changes that matter. */
static void after_estimate(struct rtc_peer *peer, int64_t now)
{
	uint32_t est = current_estimate(peer);
	struct rtc_bwe_probe probe;
	struct rtc_bwe_state bs;
	bool probing = false;

	rtc_bwe_get_state(peer->bwe, &bs);
	g_mutex_lock(&peer->qlock);
	peer->pacing_bps = (uint32_t)(est * PACING_FACTOR);
	peer->congested = rtc_bwe_congested(peer->bwe, now);
	peer->resend_gap_us = MAX(bs.rtt_us, RESEND_GAP_MIN_US) + bs.queue_us;
	if (peer->skip_seen >= SKIP_MIN_PACKETS) {
		if (peer->sending && now - peer->started_us >= SKIP_SETTLE_US &&
		    peer->skip_lost >= SKIP_LOSS * peer->skip_seen && !peer->skipping &&
		    now - peer->skipped_us >= SKIP_INTERVAL_US && !keyframe_ahead(peer)) {
			log_debug("%u of %u packets lost: skipping to a keyframe", peer->skip_lost,
			          peer->skip_seen);
			skip_after_loss(peer, now, bs.queue_us);
		}
		peer->skip_seen = peer->skip_lost = 0;
	}
	rtc_pacer_set_rate(&peer->pacer, peer->pacing_bps);
	peer->stats.estimate_bps = est;
	peer->stats.pacing_bps = peer->pacing_bps;
	if (peer->sending && peer->rtx && peer->twcc && peer->probe_left <= 0 &&
	    rtc_bwe_next_probe(peer->bwe, now, &probe)) {
		peer->probe = probe;
		peer->probe_left = probe.bytes;
		rtc_pacer_init(&peer->probe_pacer, probe.rate_bps, now);
		probing = true;
		g_cond_signal(&peer->qcond);
	}
	g_mutex_unlock(&peer->qlock);
	if (probing)
		log_debug("probing at %u kbit/s (estimate %u)", probe.rate_bps / 1000, est / 1000);
	if (peer->twcc && (!peer->reported_bps || fabs((double)est - peer->reported_bps) >
	                                                  ESTIMATE_REPORT * peer->reported_bps)) {
		if (log_get_level() >= LOG_DEBUG) {
			log_debug("estimate %u kbit/s (delay %u, loss %u, acked %u; trend %.1f of "
			          "%.1f ms; loss %.2f; RTT %d ms)",
			          est / 1000, bs.delay_bps / 1000, bs.loss_bps / 1000,
			          bs.acked_bps / 1000, bs.trend, bs.threshold, bs.loss,
			          (int)(bs.rtt_us / 1000));
		}
		peer->reported_bps = est;
		if (peer->listener->estimate)
			peer->listener->estimate(peer->data, est);
	}
}

uint32_t rtc_peer_get_estimate(struct rtc_peer *peer)
{
	return peer->twcc ? rtc_bwe_get_estimate(peer->bwe) : 0;
}

void rtc_peer_get_send_stats(struct rtc_peer *peer, struct rtc_peer_send_stats *out)
{
	g_mutex_lock(&peer->qlock);
	*out = peer->stats;
	out->estimate_bps = rtc_bwe_get_estimate(peer->bwe);
	out->twcc = peer->twcc;
	out->rtx = peer->rtx;
	g_mutex_unlock(&peer->qlock);
}

/* A NACK worth answering: not while the queue skips to a keyframe (the browser will get
 * one) nor while that keyframe waits (everything before it was dropped), not for a
 * packet before the newest keyframe sent or of an encode before the
 * current one (they are moot), and not beyond the resend budget (resends compete with
 * the new frames for the link). `encode_seq`: the number the encode gave that packet
 * (ours less the current encode's delta), which its history knows it by. */
static bool nack_wanted(struct rtc_peer *peer, uint16_t seq, uint16_t *encode_seq)
{
	const struct resend_mark *m = &peer->resent[seq % RESEND_MARKS];
	int64_t now = g_get_monotonic_time();
	bool ok;

	g_mutex_lock(&peer->qlock);
	ok = !peer->skipping && !peer->fresh_key &&
	     !(peer->have_kf && (int16_t)(seq - peer->kf_seq) < 0) &&
	     (int16_t)(seq - peer->epoch_seq) >= 0 &&
	     (double)peer->resend_bytes * 8 * 1000 <
	             (double)MAX(peer->pacing_bps, 1u) * RESEND_BUDGET_MS &&
	     !(m->used && m->seq == seq &&
	       now - m->at_us < (m->sent ? peer->resend_gap_us : RESEND_QUEUED_US));
	if (!ok)
		peer->stats.nacks_ignored++;
	*encode_seq = (uint16_t)(seq - peer->seq_delta);
	g_mutex_unlock(&peer->qlock);
	return ok;
}

static void on_rtcp_event(void *data, const struct rtc_rtcp_event *ev)
{
	struct rtc_peer *peer = data;

	/* transport-wide: about every stream at once, whatever SSRC it names */
	if (ev->type == RTC_RTCP_EV_TWCC) {
		if (peer->twcc)
			on_twcc(peer, ev);
		return;
	}
	if (ev->media_ssrc != peer->config.video_ssrc)
		return;
	switch (ev->type) {
	case RTC_RTCP_EV_PLI:
	case RTC_RTCP_EV_FIR:
		peer->rtcp.keyframe_requests++;
		if (peer->listener->keyframe)
			peer->listener->keyframe(peer->data);
		break;
	case RTC_RTCP_EV_NACK: {
		uint16_t seq;

		peer->rtcp.nacks++;
		if (peer->listener->nack && nack_wanted(peer, ev->nack_seq, &seq))
			peer->listener->nack(peer->data, seq);
		break;
	}
	case RTC_RTCP_EV_RR:
		on_rr(peer, ev);
		break;
	case RTC_RTCP_EV_REMB:
		peer->rtcp.remb_bps = ev->remb_bps;
		break;
	default:
		break;
	}
}

static void handle_rtcp(struct rtc_peer *peer, const uint8_t *buf, size_t len)
{
	uint8_t pkt[RTCP_MAX_IN];
	struct rtc_srtp *srtp;
	size_t n = len;

	if (len > sizeof(pkt))
		return;
	g_mutex_lock(&peer->lock);
	srtp = peer->srtp; /* lives until rtc_peer_free, which runs on this thread */
	g_mutex_unlock(&peer->lock);
	if (!srtp)
		return;
	memcpy(pkt, buf, len);
	if (!rtc_srtp_unprotect_rtcp(srtp, pkt, &n)) {
		log_debug("SRTCP packet refused");
		return;
	}
	rtc_rtcp_parse(pkt, n, on_rtcp_event, peer);
}

static void ice_receive(void *data, const uint8_t *buf, size_t len)
{
	struct rtc_peer *peer = data;

	switch (rtc_demux(buf, len)) {
	case RTC_DEMUX_DTLS:
		if (peer->dtls)
			rtc_dtls_handle(peer->dtls, buf, len);
		break;
	case RTC_DEMUX_RTCP:
		handle_rtcp(peer, buf, len);
		break;
	default:
		/* we only send media: RTP from the browser is not expected and dropped; libnice
		 * keeps STUN to itself */
		break;
	}
}

static void ice_candidate(void *data, const char *candidate)
{
	struct rtc_peer *peer = data;

	/* host candidates went out in the offer; server-reflexive and relay ones trickle */
	if (!peer->offered || strstr(candidate, " typ host"))
		return;
	if (peer->listener->candidate)
		peer->listener->candidate(peer->data, candidate);
}

static void ice_state(void *data, enum rtc_ice_state state)
{
	struct rtc_peer *peer = data;

	if (state == RTC_ICE_CONNECTED) {
		peer->ice_connected = true;
		if (peer->dtls)
			rtc_dtls_start(peer->dtls);
	} else if (state == RTC_ICE_FAILED) {
		set_state(peer, RTC_PEER_FAILED,
		          peer->ice_connected
		                  ? "the browser stopped answering (its network went away)"
		                  : "the browser could not reach any of our network addresses");
	}
}

static void ice_gathering_done(void *data)
{
	struct rtc_peer *peer = data;

	/* the documented end of trickling (docs/protocol.md): candidate null */
	if (peer->offered && !peer->offered_eoc && peer->listener->candidate)
		peer->listener->candidate(peer->data, NULL);
}

static const struct rtc_ice_listener ice_listener = {
        .candidate = ice_candidate,
        .gathering_done = ice_gathering_done,
        .state = ice_state,
        .receive = ice_receive,
};

static gboolean on_connect_timeout(void *data)
{
	struct rtc_peer *peer = data;

	g_source_unref(peer->connect_timer);
	peer->connect_timer = NULL;
	set_state(peer, RTC_PEER_FAILED,
	          peer->ice_connected
	                  ? "the secure connection (DTLS) with the browser did not complete"
	                  : "the browser could not reach any of our network addresses");
	return G_SOURCE_REMOVE;
}

struct rtc_peer *rtc_peer_new(const struct rtc_peer_config *config,
                              const struct rtc_peer_listener *listener, void *data, GError **error)
{
	struct rtc_peer *peer = g_new0(struct rtc_peer, 1);
	struct rtc_ice_config ic = {
	        .controlling = true, /* we offer */
	        .stun_host = config->stun_host,
	        .stun_port = config->stun_port,
	        .turn_host = config->turn_host,
	        .turn_port = config->turn_port,
	        .turn_user = config->turn_user,
	        .turn_pass = config->turn_pass,
	};

	peer->config = *config;
	peer->rebase = true; /* the first video packet sets the numbering (epoch_seq) */
	if (!peer->config.n_codecs) {
		peer->config.codecs[0] = config->codec;
		peer->config.n_codecs = 1;
	}
	peer->config.n_codecs = MIN(peer->config.n_codecs, RTC_CODEC_COUNT);
	peer->codec = peer->config.codecs[0];
	if (!peer->config.h264_level_idc)
		peer->config.h264_level_idc = RTC_H264_LEVEL_IDC_DEFAULT;
	if (!peer->config.h264_444_level_idc)
		peer->config.h264_444_level_idc = peer->config.h264_level_idc;
	peer->sctp_max_send = 65536; /* the strings are the caller's; nothing here outlives
	                                rtc_peer_new but the cert */
	peer->config.stun_host = peer->config.turn_host = NULL;
	peer->config.turn_user = peer->config.turn_pass = NULL;
	peer->listener = listener;
	peer->data = data;
	g_mutex_init(&peer->lock);
	peer->rtcp.rtt_ms = -1;
	g_mutex_init(&peer->qlock);
	g_cond_init(&peer->qcond);
	/* RTX SSRC: this peer's own, never one of the shared streams' */
	while (!peer->config.rtx_ssrc || peer->config.rtx_ssrc == config->video_ssrc ||
	       peer->config.rtx_ssrc == config->audio_ssrc)
		peer->config.rtx_ssrc = g_random_int();
	peer->rtx_seq = (uint16_t)g_random_int();
	peer->twcc_sent = g_new0(struct twcc_sent, TWCC_HISTORY);
	peer->max_bps =
	        config->max_bitrate_kbps ? config->max_bitrate_kbps * 1000 : RTC_BWE_MAX_BPS;
	peer->bwe = rtc_bwe_new(&(struct rtc_bwe_config){.max_bps = peer->max_bps},
	                        g_get_monotonic_time());
	peer->context = g_main_context_ref_thread_default();
	peer->ice = rtc_ice_new(&ic, &ice_listener, peer, error);
	if (!peer->ice) {
		rtc_peer_free(peer);
		return NULL;
	}
	return peer;
}

void rtc_peer_free(struct rtc_peer *peer)
{
	if (!peer)
		return;
	/* first: nothing may send once DTLS and SRTP go */
	stop_sender(peer);
	if (peer->stats.frames)
		log_debug(
		        "sent %" G_GUINT64_FORMAT " frames, first packets waited %" G_GINT64_FORMAT
		        " µs on average (at most %" G_GINT64_FORMAT "); %" G_GUINT64_FORMAT
		        " frames dropped, %" G_GUINT64_FORMAT
		        " skips after heavy loss, %" G_GUINT64_FORMAT " resent, %" G_GUINT64_FORMAT
		        " NACKs ignored, %" G_GUINT64_FORMAT " probe packets, %" G_GUINT64_FORMAT
		        " sent at once; estimate %u kbit/s",
		        peer->stats.frames,
		        (int64_t)(peer->stats.wait_us_total / peer->stats.frames),
		        peer->stats.wait_us_max, peer->stats.dropped_frames, peer->stats.loss_skips,
		        peer->stats.resent, peer->stats.nacks_ignored, peer->stats.probes,
		        peer->stats.fast, rtc_bwe_get_estimate(peer->bwe) / 1000);
	destroy_source(&peer->sr_timer);
	destroy_source(&peer->connect_timer);
	destroy_source(&peer->sctp_free_idle);
	/* before DTLS, so its ABORT still gets out */
	drop_sctp(peer);
	if (peer->dtls) {
		/* tell the browser now, not after its consent checks time out */
		rtc_dtls_close(peer->dtls);
		rtc_dtls_free(peer->dtls);
	}
	rtc_ice_free(peer->ice);
	rtc_srtp_free(peer->srtp);
	rtc_bwe_free(peer->bwe);
	g_free(peer->twcc_sent);
	g_free(peer->cname);
	g_main_context_unref(peer->context);
	g_mutex_clear(&peer->lock);
	g_mutex_clear(&peer->qlock);
	g_cond_clear(&peer->qcond);
	g_free(peer);
}

char *rtc_peer_create_offer(struct rtc_peer *peer, GError **error)
{
	g_autofree char *ufrag = NULL, *pwd = NULL;
	g_auto(GStrv) cands = NULL;
	struct rtc_sdp_offer_params p;

	if (peer->offered) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "an offer was already made");
		return NULL;
	}
	/* Host candidates exist once gathering starts (libnice makes them at once) and go in
	 * the offer; STUN and TURN ones trickle. No nested main loop waits for more: the
	 * viewer could go away inside it. */
	if (!rtc_ice_gather(peer->ice, error))
		return NULL;
	peer->offered = true;
	peer->cname = g_strdup_printf("wayrtc%08x", g_random_int());
	rtc_ice_get_local_credentials(peer->ice, &ufrag, &pwd);
	cands = rtc_ice_get_local_candidates(peer->ice);
	if (!ufrag || !pwd || !cands[0]) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ICE: no host candidate");
		return NULL;
	}
	peer->offered_eoc = rtc_ice_gathering_done(peer->ice);
	p = (struct rtc_sdp_offer_params){
	        .session_id = ((uint64_t)g_random_int() << 31) ^ g_random_int(),
	        .ice_ufrag = ufrag,
	        .ice_pwd = pwd,
	        .fingerprint = rtc_cert_fingerprint(peer->config.cert),
	        .candidates = (const char *const *)cands,
	        .codecs = peer->config.codecs,
	        .n_codecs = peer->config.n_codecs,
	        .h264_level_idc = peer->config.h264_level_idc,
	        .h264_444_level_idc = peer->config.h264_444_level_idc,
	        .end_of_candidates = peer->offered_eoc,
	        .video_ssrc = peer->config.video_ssrc,
	        .rtx_ssrc = peer->config.rtx_ssrc,
	        .audio = peer->config.audio,
	        .audio_ssrc = peer->config.audio_ssrc,
	        .cname = peer->cname,
	        .data = true,
	};
	set_state(peer, RTC_PEER_CONNECTING, NULL);
	return rtc_sdp_offer_build(&p);
}

bool rtc_peer_set_answer(struct rtc_peer *peer, const char *sdp, size_t len, GError **error)
{
	g_autofree struct rtc_sdp_answer *answer = g_new0(struct rtc_sdp_answer, 1);
	g_autofree char *why = NULL;
	GError *parse_error = NULL;

	if (!peer->offered || peer->have_answer) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		            peer->offered ? "an answer was already given" : "no offer was made");
		return false;
	}
	if (!rtc_sdp_answer_parse((const uint8_t *)sdp, len, answer, &parse_error)) {
		if (g_error_matches(parse_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) {
			/* a declined video line (port 0) is how browsers say they decode none
			 * of our codecs: say which in words */
			g_autofree struct rtc_sdp_answer *none = g_new0(struct rtc_sdp_answer, 1);

			rtc_sdp_answer_choose_codec(
			        none, peer->config.codecs, peer->config.n_codecs,
			        peer->config.h264_level_idc, peer->config.h264_444_level_idc,
			        &peer->codec, &why);
			g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, why);
			g_error_free(parse_error);
			return false;
		}
		g_propagate_error(error, parse_error);
		return false;
	}
	if (!rtc_sdp_answer_choose_codec(answer, peer->config.codecs, peer->config.n_codecs,
	                                 peer->config.h264_level_idc,
	                                 peer->config.h264_444_level_idc, &peer->codec, &why)) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, why);
		return false;
	}
	if (peer->codec == RTC_CODEC_H264 && answer->h264.profile_level_id &&
	    answer->h264.level_idc < peer->config.h264_level_idc)
		log_debug("H.264 level %u.%u sent, the browser named %u.%u (level asymmetry)",
		          peer->config.h264_level_idc / 10u, peer->config.h264_level_idc % 10u,
		          answer->h264.level_idc / 10u, answer->h264.level_idc % 10u);
	if (!rtc_ice_set_remote_credentials(peer->ice, answer->ice_ufrag, answer->ice_pwd, error))
		return false;
	/* a=setup:active: the browser is the DTLS client, we serve (RFC 5763) */
	peer->dtls_server = answer->setup == RTC_SDP_SETUP_ACTIVE;
	peer->dtls = rtc_dtls_new(peer->config.cert, peer->dtls_server, answer->fingerprints,
	                          answer->n_fingerprints, &dtls_listener, peer, error);
	if (!peer->dtls)
		return false;
	peer->have_answer = true;
	g_mutex_lock(&peer->lock);
	peer->send_audio = peer->config.audio && answer->audio;
	g_mutex_unlock(&peer->lock);
	/* congestion control needs both the numbers on the packets and the feedback */
	peer->twcc = answer->twcc && answer->transport_cc;
	peer->audio_twcc = peer->twcc && answer->audio_twcc;
	peer->rtx = rtc_sdp_answer_has_pt(answer, rtc_codec_rtx_payload_type(peer->codec));
	log_debug("transport-cc %s, RTX %s", peer->twcc ? "on" : "off", peer->rtx ? "on" : "off");
	peer->want_sctp = answer->data;
	peer->sctp_port = answer->sctp_port ? answer->sctp_port : RTC_SCTP_PORT;
	/* RFC 8841 section 6: absent is 64 KiB, 0 is any size; ours bounds both */
	peer->sctp_max_send = !answer->has_max_message_size ? 65536
	                      : answer->max_message_size == 0
	                              ? RTC_SCTP_MAX_MESSAGE
	                              : MIN(answer->max_message_size, RTC_SCTP_MAX_MESSAGE);
	for (size_t i = 0; i < answer->n_candidates; i++) {
		g_autoptr(GError) cand_error = NULL;

		if (!rtc_ice_add_remote_candidate(peer->ice, answer->candidates[i], &cand_error))
			log_debug("%s", cand_error->message);
	}
	peer->connect_timer = add_timeout(peer, CONNECT_TIMEOUT_MS, on_connect_timeout);
	if (peer->ice_connected)
		rtc_dtls_start(peer->dtls);
	return true;
}

bool rtc_peer_add_candidate(struct rtc_peer *peer, const char *candidate, GError **error)
{
	if (g_str_has_prefix(candidate, "a="))
		candidate += 2;
	if (!*candidate) {
		rtc_ice_remote_gathering_done(peer->ice);
		return true;
	}
	return rtc_ice_add_remote_candidate(peer->ice, candidate, error);
}

enum rtc_codec rtc_peer_get_codec(struct rtc_peer *peer)
{
	return peer->codec;
}

size_t rtc_peer_get_max_message_size(struct rtc_peer *peer)
{
	return peer->sctp_max_send;
}

/* ---- the send queue ---- */

static struct qpkt *qpkt_new(const uint8_t *pkt, size_t len, const struct rtc_rtp_header *h)
{
	struct qpkt *q = g_malloc(sizeof(*q) + len);

	q->len = len;
	q->queued_us = g_get_monotonic_time();
	q->ts = h->timestamp;
	q->seq = h->seq;
	q->frame_start = q->keyframe = false;
	memcpy(q->data, pkt, len);
	return q;
}

static gboolean keyframe_idle(void *data)
{
	struct rtc_peer *peer = data;

	g_mutex_lock(&peer->qlock);
	g_clear_pointer(&peer->keyframe_idle, g_source_unref);
	g_mutex_unlock(&peer->qlock);
	if (peer->listener->keyframe)
		peer->listener->keyframe(peer->data);
	return G_SOURCE_REMOVE;
}

/* Under qlock, from any thread: the listener hears it on the main loop. */
static void want_keyframe(struct rtc_peer *peer)
{
	if (peer->keyframe_idle)
		return;
	peer->keyframe_idle = g_idle_source_new();
	g_source_set_priority(peer->keyframe_idle, G_PRIORITY_HIGH);
	g_source_set_callback(peer->keyframe_idle, keyframe_idle, peer, NULL);
	g_source_attach(peer->keyframe_idle, peer->context);
}

/* Under qlock: the pacer's rate for the backlog there is now. */
static uint32_t drain_rate(const struct rtc_peer *peer)
{
	double backlog =
	        (double)(peer->video_bytes + peer->resend_bytes) * 8 * G_USEC_PER_SEC / DRAIN_US;
	double base = peer->pacing_bps;

	if (peer->congested)
		return peer->pacing_bps;
	return (uint32_t)CLAMP(backlog, base, base * PACING_FACTOR_MAX / PACING_FACTOR);
}

/* Under qlock: how long `bytes` take at the pacer's rate for the backlog there is now. */
static int64_t drain_us(const struct rtc_peer *peer, size_t bytes)
{
	return (int64_t)((double)bytes * 8 * G_USEC_PER_SEC / MAX(drain_rate(peer), 1u));
}

/* Under qlock: how long the video not yet begun would take at the pacing rate. */
static int64_t queued_us(struct rtc_peer *peer)
{
	size_t bytes = 0;

	for (GList *l = peer->video_q.head; l; l = l->next) {
		const struct qpkt *q = l->data;

		if (!peer->sending_any || q->ts != peer->sending_ts)
			bytes += q->len;
	}
	return drain_us(peer, bytes);
}

int64_t rtc_peer_get_backlog_us(struct rtc_peer *peer)
{
	int64_t us = 0;

	g_mutex_lock(&peer->qlock);
	if (peer->sending && peer->congested)
		us = queued_us(peer) + drain_us(peer, peer->resend_bytes);
	g_mutex_unlock(&peer->qlock);
	return us;
}

/* Under qlock: every frame not yet begun goes; the one on the wire is finished. */
static void drop_unstarted(struct rtc_peer *peer)
{
	struct qpkt *q;

	while ((q = g_queue_peek_tail(&peer->video_q)) &&
	       (!peer->sending_any || q->ts != peer->sending_ts)) {
		g_queue_pop_tail(&peer->video_q);
		peer->video_bytes -= q->len;
		g_free(q);
	}
}

static size_t transmit(struct rtc_peer *peer, const struct qpkt *q, enum send_kind kind,
                       int probe_id);

/* Under qlock: a keyframe's first packet goes. NACKs for what went before it are moot
 * from now on (kf_seq), and losses count again for SKIP_LOSS. */
static void keyframe_leaves(struct rtc_peer *peer, const struct qpkt *q, int64_t now)
{
	peer->kf_seq = q->seq;
	peer->have_kf = true;
	peer->fresh_key = false;
	peer->loss_from_us = now;
}

/* Under qlock, on the caller's (encoder) thread: with nothing waiting and the pacer's
 * budget there (a typed key's frame: one or two packets), the packet goes now instead of
 * through the sender thread, whose wake-up costs a millisecond and more on a busy machine.
 * Takes q when it sent it. */
static bool fast_path(struct rtc_peer *peer, struct qpkt *q)
{
	int64_t now = g_get_monotonic_time();
	size_t sent;

	if (peer->busy || peer->video_q.length || peer->resend_q.length || peer->audio_q.length ||
	    now < peer->quiet_until_us || rtc_pacer_wait(&peer->pacer, now) > 0)
		return false;
	peer->busy = true;
	peer->sending_ts = q->ts;
	peer->sending_any = true;
	if (q->keyframe && q->frame_start)
		keyframe_leaves(peer, q, now);
	if (q->frame_start)
		peer->stats.frames++;
	g_mutex_unlock(&peer->qlock);
	sent = transmit(peer, q, SEND_VIDEO, 0);
	g_mutex_lock(&peer->qlock);
	peer->busy = false;
	rtc_pacer_sent(&peer->pacer, now, sent);
	if (sent) {
		peer->stats.packets++;
		peer->stats.bytes += sent;
		peer->stats.fast++;
	}
	g_cond_signal(&peer->qcond);
	g_free(q);
	return true;
}

/* Under qlock: a packet of the current encode in our numbering (rebase above). */
static void renumber(struct rtc_peer *peer, struct qpkt *q)
{
	q->seq = (uint16_t)(q->seq + peer->seq_delta);
	q->ts += peer->ts_delta;
	q->data[2] = q->seq >> 8;
	q->data[3] = q->seq & 0xff;
	q->data[4] = (uint8_t)(q->ts >> 24);
	q->data[5] = (uint8_t)(q->ts >> 16);
	q->data[6] = (uint8_t)(q->ts >> 8);
	q->data[7] = (uint8_t)q->ts;
}

void rtc_peer_restart_video(struct rtc_peer *peer)
{
	g_mutex_lock(&peer->qlock);
	drop_unstarted(peer);
	peer->rebase = true;
	/* nothing of the new encode until its keyframe: the browser cannot decode the rest */
	peer->skipping = true;
	peer->drop_frame = true;
	g_mutex_unlock(&peer->qlock);
}

void rtc_peer_send_video(struct rtc_peer *peer, const uint8_t *pkt, size_t len, bool frame_start,
                         bool keyframe)
{
	struct rtc_rtp_header h;
	struct qpkt *q;

	if (len > RTC_RTP_MAX || !rtc_rtp_header_parse(pkt, len, &h) ||
	    h.ssrc != peer->config.video_ssrc)
		return;
	g_mutex_lock(&peer->qlock);
	if (!peer->sending)
		goto out;
	if (frame_start) {
		int64_t queued = queued_us(peer);
		bool behind = queued > RTC_PEER_QUEUE_MAX_MS * 1000 ||
		              peer->video_q.length > QUEUE_HARD_MAX / 2;

		peer->drop_frame = false;
		peer->queuing_key = keyframe;
		if (keyframe) {
			/* a fresh start: whatever waits before it is moot, and so are resends
			 * of what went before it (they would go first, and late) */
			if (behind || peer->skipping) {
				drop_unstarted(peer);
				drop_resends(peer);
				peer->fresh_key = true;
			}
			peer->skipping = false;
		} else if (peer->skipping) {
			peer->drop_frame = true;
		} else if (behind) {
			log_debug("%d ms of video waits: skipping to a keyframe",
			          (int)(queued / 1000));
			drop_unstarted(peer);
			peer->drop_frame = peer->skipping = true;
			want_keyframe(peer);
		}
		if (peer->drop_frame)
			peer->stats.dropped_frames++;
	}
	if (peer->drop_frame)
		goto out;
	if (peer->video_q.length >= QUEUE_HARD_MAX) {
		/* one frame larger than the queue: it cannot be whole any more */
		peer->drop_frame = peer->skipping = true;
		peer->stats.dropped_frames++;
		want_keyframe(peer);
		goto out;
	}
	q = qpkt_new(pkt, len, &h);
	q->frame_start = frame_start;
	q->keyframe = keyframe;
	if (peer->rebase) {
		/* one sequence number on from ours, and the time that passed since ours */
		int64_t now = g_get_monotonic_time();
		uint32_t ticks = peer->any_out
		                         ? (uint32_t)MAX(1, (now - peer->out_us) * RTC_VIDEO_CLOCK /
		                                                    G_USEC_PER_SEC)
		                         : 0;

		peer->seq_delta = peer->any_out ? (uint16_t)(peer->out_seq + 1 - h.seq) : 0;
		peer->ts_delta = peer->any_out ? peer->out_ts + ticks - h.timestamp : 0;
		peer->epoch_seq = (uint16_t)(h.seq + peer->seq_delta);
		peer->rebase = false;
	}
	renumber(peer, q);
	peer->out_seq = q->seq;
	peer->out_ts = q->ts;
	peer->out_us = q->queued_us;
	peer->any_out = true;
	if (fast_path(peer, q))
		goto out;
	g_queue_push_tail(&peer->video_q, q);
	peer->video_bytes += len;
	peer->queued_ts = h.timestamp;
	peer->queued_any = true;
	g_cond_signal(&peer->qcond);
out:
	g_mutex_unlock(&peer->qlock);
}

void rtc_peer_send_rtp(struct rtc_peer *peer, const uint8_t *pkt, size_t len)
{
	struct rtc_rtp_header h;
	bool start;

	if (len > RTC_RTP_MAX || !rtc_rtp_header_parse(pkt, len, &h))
		return;
	if (h.ssrc == peer->config.video_ssrc) {
		g_mutex_lock(&peer->qlock);
		start = !peer->queued_any || h.timestamp != peer->queued_ts;
		g_mutex_unlock(&peer->qlock);
		rtc_peer_send_video(peer, pkt, len, start, false);
		return;
	}
	g_mutex_lock(&peer->qlock);
	if (peer->sending && h.ssrc == peer->config.audio_ssrc) {
		g_queue_push_tail(&peer->audio_q, qpkt_new(pkt, len, &h));
		g_cond_signal(&peer->qcond);
	}
	g_mutex_unlock(&peer->qlock);
}

void rtc_peer_resend(struct rtc_peer *peer, const uint8_t *pkt, size_t len)
{
	struct rtc_rtp_header h;

	if (len > RTC_RTP_MAX || !rtc_rtp_header_parse(pkt, len, &h) ||
	    h.ssrc != peer->config.video_ssrc)
		return;
	g_mutex_lock(&peer->qlock);
	if (peer->sending) {
		struct qpkt *q = qpkt_new(pkt, len, &h);

		renumber(peer, q); /* a NACK names only packets of the current encode */
		peer->resent[q->seq % RESEND_MARKS] =
		        (struct resend_mark){.seq = q->seq, .used = true, .at_us = q->queued_us};
		g_queue_push_tail(&peer->resend_q, q);
		peer->resend_bytes += len;
		peer->stats.resent++;
		g_cond_signal(&peer->qcond);
	}
	g_mutex_unlock(&peer->qlock);
}

/* RFC 4588 4.1: the original header with the RTX payload type, SSRC and sequence number,
 * then the original sequence number, then the original payload. Sender thread. */
static size_t make_rtx(struct rtc_peer *peer, const uint8_t *pkt, size_t len, uint8_t *out)
{
	struct rtc_rtp_header h;

	if (!rtc_rtp_header_parse(pkt, len, &h))
		return 0;
	memcpy(out, pkt, h.header_len);
	out[1] = (uint8_t)((pkt[1] & 0x80) | rtc_codec_rtx_payload_type(peer->codec));
	out[2] = peer->rtx_seq >> 8;
	out[3] = peer->rtx_seq & 0xff;
	peer->rtx_seq++;
	out[8] = peer->config.rtx_ssrc >> 24;
	out[9] = peer->config.rtx_ssrc >> 16;
	out[10] = peer->config.rtx_ssrc >> 8;
	out[11] = peer->config.rtx_ssrc & 0xff;
	out[h.header_len] = pkt[2];
	out[h.header_len + 1] = pkt[3];
	memcpy(out + h.header_len + RTX_OSN, pkt + h.header_len, len - h.header_len);
	return len + RTX_OSN;
}

/* Sender thread: stamps, protects and sends one packet; returns the bytes that went. */
static size_t transmit(struct rtc_peer *peer, const struct qpkt *q, enum send_kind kind,
                       int probe_id)
{
	uint8_t buf[RTC_RTP_MAX + RTX_OSN + RTC_SRTP_TRAILER];
	struct rtc_rtp_header h;
	struct sent *sent = NULL;
	bool ok, keep_twcc;
	size_t n;

	if (kind == SEND_PROBE)
		n = make_rtx(peer, peer->probe_src, peer->probe_src_len, buf);
	else if (kind == SEND_RESEND && peer->rtx)
		n = make_rtx(peer, q->data, q->len, buf);
	else
		memcpy(buf, q->data, n = q->len);
	if (!n || !rtc_rtp_header_parse(buf, n, &h))
		return 0;
	if (kind == SEND_VIDEO) {
		memcpy(peer->probe_src, q->data, q->len);
		peer->probe_src_len = q->len;
	}
	keep_twcc = kind == SEND_AUDIO ? peer->audio_twcc : peer->twcc;
	g_mutex_lock(&peer->lock);
	if (h.ssrc == peer->config.video_ssrc)
		sent = &peer->video;
	else if (peer->send_audio && h.ssrc == peer->config.audio_ssrc)
		sent = &peer->audio; /* else a stream this browser was not offered, or refused */
	if ((!sent && h.ssrc != peer->config.rtx_ssrc) || !peer->srtp ||
	    peer->state != RTC_PEER_CONNECTED) {
		g_mutex_unlock(&peer->lock);
		return 0;
	}
	/* our own number for this browser, or the slot blanked where the answer dropped it */
	if (rtc_rtp_set_twcc(buf, n, RTC_EXT_TWCC, keep_twcc, peer->twcc_seq) && keep_twcc) {
		struct twcc_sent *t = &peer->twcc_sent[peer->twcc_seq % TWCC_HISTORY];

		*t = (struct twcc_sent){.send_us = g_get_monotonic_time(),
		                        .seq = peer->twcc_seq,
		                        .size = (uint16_t)n,
		                        .probe_id = probe_id,
		                        .used = true};
		peer->twcc_seq++;
	}
	ok = rtc_srtp_protect_rtp(peer->srtp, buf, &n, sizeof(buf));
	if (ok && sent) {
		sent->packets++;
		sent->octets += (uint32_t)h.payload_len;
		/* a NACK resend carries an older timestamp: it must not move the clock back */
		if (!sent->any || (int32_t)(h.timestamp - sent->last_rtp_ts) > 0) {
			sent->last_rtp_ts = h.timestamp;
			sent->last_send_us = g_get_monotonic_time();
		}
		sent->any = true;
	}
	g_mutex_unlock(&peer->lock);
	/* outside our lock: libnice takes its own */
	if (!ok)
		return 0;
	rtc_ice_send(peer->ice, buf, n);
	return n;
}

/* Audio first and unpaced (small, and late audio is lost audio); then resends, then
 * video, each when the pacer allows; then probe packets at the probe's own rate. */
static gpointer sender_main(void *data)
{
	struct rtc_peer *peer = data;

	g_mutex_lock(&peer->qlock);
	while (!peer->stopping) {
		int64_t now = g_get_monotonic_time(), wait = -1;
		struct qpkt *q = NULL;
		enum send_kind kind = SEND_AUDIO;
		int probe_id = 0;
		size_t sent;

		if (peer->busy) {
			g_cond_wait(&peer->qcond, &peer->qlock);
			continue;
		}
		if ((q = g_queue_pop_head(&peer->audio_q))) {
			kind = SEND_AUDIO;
		} else if (peer->resend_q.length || peer->video_q.length) {
			rtc_pacer_set_rate(&peer->pacer, drain_rate(peer));
			wait = MAX(rtc_pacer_wait(&peer->pacer, now), peer->quiet_until_us - now);
			if (wait <= 0 && (q = g_queue_pop_head(&peer->resend_q))) {
				struct resend_mark *m = &peer->resent[q->seq % RESEND_MARKS];

				kind = SEND_RESEND;
				peer->resend_bytes -= q->len;
				if (m->used && m->seq == q->seq)
					m->sent = true, m->at_us = now;
			} else if (wait <= 0 && (q = g_queue_pop_head(&peer->video_q))) {
				kind = SEND_VIDEO;
				peer->video_bytes -= q->len;
				if (q->frame_start) {
					/* how long a frame's first packet waited: the hop plus
					 * pacing */
					int64_t waited = now - q->queued_us;

					peer->stats.frames++;
					peer->stats.wait_us_total += (uint64_t)MAX(waited, 0);
					peer->stats.wait_us_max =
					        MAX(peer->stats.wait_us_max, waited);
				}
				peer->sending_ts = q->ts;
				peer->sending_any = true;
				if (q->keyframe && q->frame_start)
					keyframe_leaves(peer, q, now);
			}
		}
		if (!q && peer->probe_left > 0) {
			int64_t pw = rtc_pacer_wait(&peer->probe_pacer, now);

			if (!peer->probe_src_len)
				peer->probe_left = 0;
			else if (pw == 0)
				kind = SEND_PROBE, probe_id = peer->probe.id;
			else
				wait = wait < 0 ? pw : MIN(wait, pw);
		}
		if (!q && kind != SEND_PROBE) {
			if (wait < 0)
				g_cond_wait(&peer->qcond, &peer->qlock);
			else
				g_cond_wait_until(&peer->qcond, &peer->qlock, now + wait);
			continue;
		}
		peer->busy = true;
		g_mutex_unlock(&peer->qlock);
		sent = transmit(peer, q, kind, probe_id);
		g_mutex_lock(&peer->qlock);
		peer->busy = false;
		if (kind == SEND_PROBE) {
			rtc_pacer_sent(&peer->probe_pacer, now, MAX(sent, 1u));
			peer->probe_left -= (int64_t)MAX(sent, 1u);
			peer->stats.probes++;
		} else {
			rtc_pacer_sent(&peer->pacer, now, sent);
		}
		if (sent) {
			peer->stats.packets++;
			peer->stats.bytes += sent;
		}
		g_free(q);
	}
	g_mutex_unlock(&peer->qlock);
	return NULL;
}

static void start_sender(struct rtc_peer *peer)
{
	g_mutex_lock(&peer->qlock);
	peer->pacing_bps = (uint32_t)(current_estimate(peer) * PACING_FACTOR);
	rtc_pacer_init(&peer->pacer, peer->pacing_bps, g_get_monotonic_time());
	peer->stats.pacing_bps = peer->pacing_bps;
	peer->resend_gap_us = RESEND_GAP_MIN_US;
	peer->started_us = g_get_monotonic_time();
	peer->sending = !peer->stopping;
	if (!peer->sender)
		peer->sender = g_thread_new("wayrtc-send", sender_main, peer);
	g_mutex_unlock(&peer->qlock);
}

static void stop_sender(struct rtc_peer *peer)
{
	g_mutex_lock(&peer->qlock);
	peer->sending = false;
	peer->stopping = true;
	g_cond_signal(&peer->qcond);
	g_mutex_unlock(&peer->qlock);
	if (peer->sender)
		g_thread_join(peer->sender);
	peer->sender = NULL;
	g_queue_clear_full(&peer->audio_q, g_free);
	g_queue_clear_full(&peer->resend_q, g_free);
	g_queue_clear_full(&peer->video_q, g_free);
	if (peer->keyframe_idle) {
		g_source_destroy(peer->keyframe_idle);
		g_clear_pointer(&peer->keyframe_idle, g_source_unref);
	}
}
