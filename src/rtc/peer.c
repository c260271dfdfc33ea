/* One browser's connection. ICE (rtc/ice.c, controlling, trickle, one component thanks
 * to BUNDLE + rtcp-mux) carries DTLS until the handshake, then SRTP/SRTCP; datagrams are
 * told apart by their first byte (RFC 7983). The encoder thread sends RTP straight
 * through SRTP to the socket; everything else runs on the main loop. */
#define LOG_MODULE "peer"
#include "rtc/peer.h"

#include <gio/gio.h>
#include <string.h>

#include "rtc/demux.h"
#include "rtc/dtls.h"
#include "rtc/ice.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/sctp.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"
#include "util/log.h"

#define SR_INTERVAL_MS 1000
/* From the answer to media: ICE checks plus the DTLS handshake. libnice in trickle mode
 * never gives up on its own until the browser says its candidates are complete. */
#define CONNECT_TIMEOUT_MS 30000
#define NTP_EPOCH_OFFSET   2208988800ULL /* seconds from 1900 to 1970 */
#define RTCP_MAX_IN        1500          /* a browser's compound RTCP fits one MTU */
#define RTCP_SR_LEN        28
#define AUDIO_CLOCK        48000 /* Opus's RTP clock, whatever the input rate (RFC 7587) */

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
	uint32_t sctp_max_send;  /* its a=max-message-size */
	GSource *sctp_free_idle; /* frees an association that ended, outside its callbacks */
	bool offered;
	bool have_answer;
	bool ice_connected;
	GSource *sr_timer;
	GSource *connect_timer;

	/* Guards the fields below: the encoder threads (rtc_peer_send_rtp: video's and
	 * audio's) read state and srtp and update the counters; the main loop changes state,
	 * sets srtp once and reads the counters for the Sender Reports. */
	GMutex lock;
	enum rtc_peer_state state;
	struct rtc_srtp *srtp; /* set once when DTLS is done, freed in _free */
	bool send_audio;       /* offered and accepted: set once, by the answer */
	struct sent video, audio;
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
	if (state == RTC_PEER_CONNECTED || is_final(state))
		destroy_source(&peer->connect_timer);
	if (is_final(state))
		destroy_source(&peer->sr_timer);
	if (reason)
		log_debug("state %d: %s", (int)state, reason);
	if (peer->listener->state)
		peer->listener->state(peer->data, state, reason);
}

enum rtc_peer_state rtc_peer_get_state(struct rtc_peer *peer)
{
	enum rtc_peer_state state;

	g_mutex_lock(&peer->lock);
	state = peer->state;
	g_mutex_unlock(&peer->lock);
	return state;
}

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
	return rtcp_build_sr(buf, cap, ssrc, ntp,
	                     sent->last_rtp_ts + (uint32_t)(elapsed * clock / G_USEC_PER_SEC),
	                     sent->packets, sent->octets);
}

static gboolean send_sr(void *data)
{
	struct rtc_peer *peer = data;
	/* one compound packet: the video's SR, then the audio's */
	uint8_t buf[2 * RTCP_SR_LEN + RTC_SRTCP_TRAILER];
	size_t len = 0;
	bool ok = false;

	g_mutex_lock(&peer->lock);
	if (peer->srtp && peer->state == RTC_PEER_CONNECTED) {
		uint64_t ntp = ntp_now();

		len = build_sr(buf, sizeof(buf), peer->config.video_ssrc, &peer->video,
		               RTC_VIDEO_CLOCK, ntp);
		len += build_sr(buf + len, sizeof(buf) - len, peer->config.audio_ssrc, &peer->audio,
		                AUDIO_CLOCK, ntp);
		ok = len && rtc_srtp_protect_rtcp(peer->srtp, buf, &len, sizeof(buf));
	}
	g_mutex_unlock(&peer->lock);
	if (ok)
		rtc_ice_send(peer->ice, buf, len);
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

static void sctp_channel_open(void *data, uint16_t id, const struct dcep_open *open)
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

/* Round-trip time from a report block (RFC 3550 section 6.4.1), in 1/65536 s. */
static void log_rtt(const struct rtcp_event *ev)
{
	uint32_t now = (uint32_t)(ntp_now() >> 16);
	uint32_t rtt;

	if (!ev->rr.lsr || log_get_level() < LOG_DEBUG)
		return;
	rtt = now - ev->rr.lsr - ev->rr.dlsr;
	log_debug("RTT %u ms, %u/256 lost, jitter %u", (unsigned)((uint64_t)rtt * 1000 / 65536),
	          ev->rr.fraction_lost, ev->rr.jitter);
}

static void on_rtcp_event(void *data, const struct rtcp_event *ev)
{
	struct rtc_peer *peer = data;

	if (ev->media_ssrc != peer->config.video_ssrc)
		return;
	switch (ev->type) {
	case RTCP_EV_PLI:
	case RTCP_EV_FIR:
		if (peer->listener->keyframe)
			peer->listener->keyframe(peer->data);
		break;
	case RTCP_EV_NACK:
		if (peer->listener->nack)
			peer->listener->nack(peer->data, ev->nack_seq);
		break;
	case RTCP_EV_RR:
		log_rtt(ev);
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
	rtcp_parse(pkt, n, on_rtcp_event, peer);
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

static const struct rtc_ice_listener ice_listener = {
        .candidate = ice_candidate,
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
	/* the strings are the caller's; nothing here outlives rtc_peer_new but the cert */
	peer->config.stun_host = peer->config.turn_host = NULL;
	peer->config.turn_user = peer->config.turn_pass = NULL;
	peer->listener = listener;
	peer->data = data;
	g_mutex_init(&peer->lock);
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
	g_main_context_unref(peer->context);
	g_mutex_clear(&peer->lock);
	g_free(peer);
}

char *rtc_peer_create_offer(struct rtc_peer *peer, GError **error)
{
	g_autofree char *ufrag = NULL, *pwd = NULL;
	g_autofree char *cname = g_strdup_printf("wayrtc%08x", g_random_int());
	g_auto(GStrv) cands = NULL;
	struct sdp_offer_params p;

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
	rtc_ice_get_local_credentials(peer->ice, &ufrag, &pwd);
	cands = rtc_ice_get_local_candidates(peer->ice);
	if (!ufrag || !pwd || !cands[0]) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ICE: no host candidate");
		return NULL;
	}
	p = (struct sdp_offer_params){
	        .session_id = ((uint64_t)g_random_int() << 31) ^ g_random_int(),
	        .ice_ufrag = ufrag,
	        .ice_pwd = pwd,
	        .fingerprint = rtc_cert_fingerprint(peer->config.cert),
	        .candidates = (const char *const *)cands,
	        .codec = peer->config.codec,
	        .video_ssrc = peer->config.video_ssrc,
	        .audio = peer->config.audio,
	        .audio_ssrc = peer->config.audio_ssrc,
	        .cname = cname,
	        .data = true,
	};
	set_state(peer, RTC_PEER_CONNECTING, NULL);
	return sdp_offer_build(&p);
}

bool rtc_peer_set_answer(struct rtc_peer *peer, const char *sdp, size_t len, GError **error)
{
	g_autofree struct sdp_answer *answer = g_new0(struct sdp_answer, 1);

	if (!peer->offered || peer->have_answer) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		            peer->offered ? "an answer was already given" : "no offer was made");
		return false;
	}
	if (!sdp_answer_parse((const uint8_t *)sdp, len, answer, error))
		return false;
	if (!sdp_answer_has_pt(answer, rtc_codec_payload_type(peer->config.codec))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this browser cannot decode %s video",
		            rtc_codec_name(peer->config.codec));
		return false;
	}
	if (!rtc_ice_set_remote_credentials(peer->ice, answer->ice_ufrag, answer->ice_pwd, error))
		return false;
	/* a=setup:active: the browser is the DTLS client, we serve (RFC 5763) */
	peer->dtls_server = answer->setup == SDP_SETUP_ACTIVE;
	peer->dtls = rtc_dtls_new(peer->config.cert, peer->dtls_server, answer->fingerprint,
	                          &dtls_listener, peer, error);
	if (!peer->dtls)
		return false;
	peer->have_answer = true;
	g_mutex_lock(&peer->lock);
	peer->send_audio = peer->config.audio && answer->audio;
	g_mutex_unlock(&peer->lock);
	peer->want_sctp = answer->data;
	peer->sctp_port = answer->sctp_port ? answer->sctp_port : RTC_SCTP_PORT;
	peer->sctp_max_send = answer->max_message_size;
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

void rtc_peer_send_rtp(struct rtc_peer *peer, const uint8_t *pkt, size_t len)
{
	uint8_t buf[RTC_RTP_MAX + RTC_SRTP_TRAILER];
	struct rtp_header h;
	struct sent *sent = NULL;
	size_t n = len;
	bool ok;

	if (len > RTC_RTP_MAX || !rtp_header_parse(pkt, len, &h))
		return;
	g_mutex_lock(&peer->lock);
	if (h.ssrc == peer->config.video_ssrc)
		sent = &peer->video;
	else if (peer->send_audio && h.ssrc == peer->config.audio_ssrc)
		sent = &peer->audio; /* else a stream this browser was not offered, or refused */
	if (!sent || !peer->srtp || peer->state != RTC_PEER_CONNECTED) {
		g_mutex_unlock(&peer->lock);
		return;
	}
	memcpy(buf, pkt, len);
	ok = rtc_srtp_protect_rtp(peer->srtp, buf, &n, sizeof(buf));
	if (ok) {
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
	if (ok)
		rtc_ice_send(peer->ice, buf, n);
}
