/* One browser's connection. ICE (libnice, controlling, trickle, one component thanks to
 * BUNDLE + rtcp-mux) carries DTLS until the handshake, then SRTP/SRTCP; datagrams are told
 * apart by their first byte (RFC 7983). */
#define LOG_MODULE "peer"
#include "rtc/peer.h"

#include <agent.h>
#include <gio/gio.h>
#include <string.h>

#include "log.h"
#include "rtc/dtls.h"
#include "rtc/rtcp.h"
#include "rtc/sdp.h"
#include "rtc/srtp.h"

#define SR_INTERVAL_MS   1000
#define NTP_EPOCH_OFFSET 2208988800ULL

struct rtc_peer {
	struct rtc_peer_config config;
	const struct rtc_peer_listener *listener;
	void *data;
	GMainContext *context;
	NiceAgent *agent;
	guint stream;
	bool offered; /* host candidates went out in the offer; others trickle */
	struct rtc_dtls *dtls;
	bool dtls_server;
	bool dtls_started;
	uint8_t remote_fp[32];
	bool have_answer;
	guint sr_timer;

	GMutex lock; /* guards the fields below: encoder thread (send) vs main loop */
	enum rtc_peer_state state;
	struct rtc_srtp *srtp;
	uint32_t packets;
	uint32_t octets;
	uint32_t last_rtp_ts;
	int64_t last_send_us;
};

static void set_state(struct rtc_peer *peer, enum rtc_peer_state state, const char *reason)
{
	g_mutex_lock(&peer->lock);
	if (peer->state == state || peer->state == RTC_PEER_CLOSED) {
		g_mutex_unlock(&peer->lock);
		return;
	}
	peer->state = state;
	g_mutex_unlock(&peer->lock);
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

static void dtls_send(void *data, const uint8_t *buf, size_t len)
{
	struct rtc_peer *peer = data;

	nice_agent_send(peer->agent, peer->stream, 1, len, (const char *)buf);
}

static uint64_t ntp_now(void)
{
	int64_t us = g_get_real_time();
	uint64_t secs = (uint64_t)(us / G_USEC_PER_SEC) + NTP_EPOCH_OFFSET;
	uint64_t frac = ((uint64_t)(us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;

	return secs << 32 | frac;
}

static gboolean send_sr(void *data)
{
	struct rtc_peer *peer = data;
	uint8_t buf[28 + RTC_SRTP_TRAILER];
	size_t len;
	uint32_t ts;
	bool ok;

	g_mutex_lock(&peer->lock);
	if (!peer->srtp || !peer->last_send_us) {
		g_mutex_unlock(&peer->lock);
		return G_SOURCE_CONTINUE;
	}
	/* the RTP clock now, extrapolated from the last packet sent */
	ts = peer->last_rtp_ts + (uint32_t)((g_get_monotonic_time() - peer->last_send_us) *
	                                    RTC_VIDEO_CLOCK / G_USEC_PER_SEC);
	len = rtcp_build_sr(buf, sizeof(buf), peer->config.video_ssrc, ntp_now(), ts, peer->packets,
	                    peer->octets);
	ok = rtc_srtp_protect_rtcp(peer->srtp, buf, &len);
	g_mutex_unlock(&peer->lock);
	if (ok)
		nice_agent_send(peer->agent, peer->stream, 1, len, (const char *)buf);
	return G_SOURCE_CONTINUE;
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
	peer->sr_timer = g_timeout_add(SR_INTERVAL_MS, send_sr, peer);
	set_state(peer, RTC_PEER_CONNECTED, NULL);
}

static void dtls_failed(void *data, const char *reason)
{
	set_state(data, RTC_PEER_FAILED, reason);
}

static const struct rtc_dtls_listener dtls_listener = {
        .send = dtls_send,
        .connected = dtls_connected,
        .failed = dtls_failed,
};

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
	default:
		break;
	}
}

static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
                    gpointer data)
{
	struct rtc_peer *peer = data;
	const uint8_t *b = (const uint8_t *)buf;

	if (len == 0)
		return;
	if (b[0] >= 20 && b[0] <= 63) {
		if (peer->dtls)
			rtc_dtls_handle(peer->dtls, b, len);
	} else if (b[0] >= 128 && b[0] <= 191 && rtcp_is_rtcp(b, len)) {
		uint8_t pkt[2048];
		size_t n = len;
		bool ok;

		if (len > sizeof(pkt))
			return;
		memcpy(pkt, b, len);
		g_mutex_lock(&peer->lock);
		ok = peer->srtp && rtc_srtp_unprotect_rtcp(peer->srtp, pkt, &n);
		g_mutex_unlock(&peer->lock);
		if (ok)
			rtcp_parse(pkt, n, on_rtcp_event, peer);
	}
}

static void start_dtls(struct rtc_peer *peer)
{
	g_autoptr(GError) error = NULL;

	if (peer->dtls_started || !peer->have_answer)
		return;
	peer->dtls_started = true;
	peer->dtls = rtc_dtls_new(peer->config.cert, peer->dtls_server, peer->remote_fp,
	                          &dtls_listener, peer, &error);
	if (!peer->dtls) {
		set_state(peer, RTC_PEER_FAILED, error->message);
		return;
	}
	rtc_dtls_start(peer->dtls);
}

static void on_component_state(NiceAgent *agent, guint stream, guint component, guint state,
                               gpointer data)
{
	struct rtc_peer *peer = data;

	log_debug("ICE %s", nice_component_state_to_string(state));
	if (state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY) {
		start_dtls(peer);
	} else if (state == NICE_COMPONENT_STATE_FAILED) {
		set_state(peer, RTC_PEER_FAILED,
		          rtc_peer_get_state(peer) == RTC_PEER_CONNECTED
		                  ? "the browser stopped answering"
		                  : "the browser could not reach any of our network addresses");
	}
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
	struct rtc_peer *peer = data;
	g_autofree char *sdp = NULL;

	/* host candidates are in the offer; later ones (server-reflexive, relay) trickle */
	if (!peer->offered || cand->type == NICE_CANDIDATE_TYPE_HOST)
		return;
	sdp = nice_agent_generate_local_candidate_sdp(agent, cand);
	if (sdp && peer->listener->candidate)
		peer->listener->candidate(peer->data, g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp);
}

struct rtc_peer *rtc_peer_new(const struct rtc_peer_config *config,
                              const struct rtc_peer_listener *listener, void *data, GError **error)
{
	struct rtc_peer *peer = g_new0(struct rtc_peer, 1);

	peer->config = *config;
	peer->listener = listener;
	peer->data = data;
	g_mutex_init(&peer->lock);
	peer->context = g_main_context_ref_thread_default();
	peer->agent = nice_agent_new_full(peer->context, NICE_COMPATIBILITY_RFC5245,
	                                  NICE_AGENT_OPTION_ICE_TRICKLE);
	g_object_set(peer->agent, "controlling-mode", TRUE, "upnp", FALSE, NULL);
	if (config->stun_host)
		g_object_set(peer->agent, "stun-server", config->stun_host, "stun-server-port",
		             config->stun_port, NULL);
	peer->stream = nice_agent_add_stream(peer->agent, 1);
	if (!peer->stream) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ICE: could not add a stream");
		rtc_peer_free(peer);
		return NULL;
	}
	nice_agent_set_stream_name(peer->agent, peer->stream, "video");
	if (config->turn_host)
		nice_agent_set_relay_info(
		        peer->agent, peer->stream, 1, config->turn_host, config->turn_port,
		        config->turn_user ? config->turn_user : "",
		        config->turn_pass ? config->turn_pass : "", NICE_RELAY_TYPE_TURN_UDP);
	g_signal_connect(peer->agent, "component-state-changed", G_CALLBACK(on_component_state),
	                 peer);
	g_signal_connect(peer->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), peer);
	nice_agent_attach_recv(peer->agent, peer->stream, 1, peer->context, on_recv, peer);
	return peer;
}

void rtc_peer_free(struct rtc_peer *peer)
{
	if (!peer)
		return;
	if (peer->sr_timer)
		g_source_remove(peer->sr_timer);
	if (peer->agent) {
		g_signal_handlers_disconnect_by_data(peer->agent, peer);
		if (peer->stream) {
			nice_agent_attach_recv(peer->agent, peer->stream, 1, peer->context, NULL,
			                       NULL);
			nice_agent_remove_stream(peer->agent, peer->stream);
		}
		g_object_unref(peer->agent);
	}
	rtc_dtls_free(peer->dtls);
	rtc_srtp_free(peer->srtp);
	g_main_context_unref(peer->context);
	g_mutex_clear(&peer->lock);
	g_free(peer);
}

char *rtc_peer_create_offer(struct rtc_peer *peer, GError **error)
{
	g_autofree char *ufrag = NULL, *pwd = NULL;
	g_autofree char *cname = g_strdup_printf("wayrtc%08x", g_random_int());
	g_autoptr(GPtrArray) cands = g_ptr_array_new_with_free_func(g_free);
	GSList *local;
	struct sdp_offer_params p;

	if (!nice_agent_gather_candidates(peer->agent, peer->stream)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "ICE: no network address to offer");
		return NULL;
	}
	/* Host candidates exist as soon as gathering starts and go into the offer; STUN and
	 * TURN ones trickle later. No nested main loop here: the viewer could go away in it. */
	peer->offered = true;
	nice_agent_get_local_credentials(peer->agent, peer->stream, &ufrag, &pwd);
	local = nice_agent_get_local_candidates(peer->agent, peer->stream, 1);
	for (GSList *l = local; l; l = l->next) {
		char *sdp = nice_agent_generate_local_candidate_sdp(peer->agent, l->data);

		if (!sdp)
			continue;
		g_ptr_array_add(cands, g_strdup(g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp));
		g_free(sdp);
	}
	g_slist_free_full(local, (GDestroyNotify)nice_candidate_free);
	g_ptr_array_add(cands, NULL);
	p = (struct sdp_offer_params){
	        .session_id = ((uint64_t)g_random_int() << 31) ^ g_random_int(),
	        .ice_ufrag = ufrag,
	        .ice_pwd = pwd,
	        .fingerprint = rtc_cert_fingerprint(peer->config.cert),
	        .candidates = (const char *const *)cands->pdata,
	        .codec = peer->config.codec,
	        .video_ssrc = peer->config.video_ssrc,
	        .cname = cname,
	};
	set_state(peer, RTC_PEER_CONNECTING, NULL);
	return sdp_offer_build(&p);
}

static bool add_candidate(struct rtc_peer *peer, const char *cand)
{
	g_autofree char *line = g_strconcat("a=", cand, NULL);
	NiceCandidate *c;
	GSList *list;
	bool ok;

	/* mDNS host names (Chrome hides local addresses) cannot be resolved here; ICE still
	 * works through the peer-reflexive candidates the browser's checks create. */
	if (strstr(cand, ".local "))
		return true;
	c = nice_agent_parse_remote_candidate_sdp(peer->agent, peer->stream, line);
	if (!c)
		return false;
	list = g_slist_append(NULL, c);
	ok = nice_agent_set_remote_candidates(peer->agent, peer->stream, 1, list) >= 0;
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	return ok;
}

bool rtc_peer_set_answer(struct rtc_peer *peer, const char *sdp, size_t len, GError **error)
{
	struct sdp_answer *answer = g_new0(struct sdp_answer, 1);
	bool ok = false;

	if (peer->have_answer) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "an answer was already given");
		goto out;
	}
	if (!sdp_answer_parse((const uint8_t *)sdp, len, answer, error))
		goto out;
	if (!sdp_answer_has_pt(answer, rtc_codec_payload_type(peer->config.codec))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "this browser cannot decode %s video",
		            rtc_codec_name(peer->config.codec));
		goto out;
	}
	if (!nice_agent_set_remote_credentials(peer->agent, peer->stream, answer->ice_ufrag,
	                                       answer->ice_pwd)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ICE: bad remote credentials");
		goto out;
	}
	memcpy(peer->remote_fp, answer->fingerprint, 32);
	peer->dtls_server = answer->setup == SDP_SETUP_ACTIVE;
	peer->have_answer = true;
	for (size_t i = 0; i < answer->n_candidates; i++)
		add_candidate(peer, answer->candidates[i]);
	ok = true;
out:
	g_free(answer);
	return ok;
}

bool rtc_peer_add_candidate(struct rtc_peer *peer, const char *candidate, GError **error)
{
	if (g_str_has_prefix(candidate, "a="))
		candidate += 2;
	if (!*candidate) {
		nice_agent_peer_candidate_gathering_done(peer->agent, peer->stream);
		return true;
	}
	if (!g_str_has_prefix(candidate, "candidate:") || strlen(candidate) > 512 ||
	    !add_candidate(peer, candidate)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "the ICE candidate is malformed");
		return false;
	}
	return true;
}

void rtc_peer_send_rtp(struct rtc_peer *peer, const uint8_t *pkt, size_t len)
{
	uint8_t buf[RTC_RTP_MAX + RTC_SRTP_TRAILER];
	size_t n = len;
	bool ok;

	if (len > RTC_RTP_MAX || len < 12)
		return;
	g_mutex_lock(&peer->lock);
	if (!peer->srtp || peer->state != RTC_PEER_CONNECTED) {
		g_mutex_unlock(&peer->lock);
		return;
	}
	memcpy(buf, pkt, len);
	ok = rtc_srtp_protect_rtp(peer->srtp, buf, &n);
	if (ok) {
		peer->packets++;
		peer->octets += (uint32_t)(len - 12);
		peer->last_rtp_ts = (uint32_t)pkt[4] << 24 | pkt[5] << 16 | pkt[6] << 8 | pkt[7];
		peer->last_send_us = g_get_monotonic_time();
	}
	g_mutex_unlock(&peer->lock);
	/* outside our lock: libnice takes its own, and may call us back holding it */
	if (ok)
		nice_agent_send(peer->agent, peer->stream, 1, n, (const char *)buf);
}
