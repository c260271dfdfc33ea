/* libnice behind a small interface, so the peer (and a test's "browser") need not know
 * its signals, candidate types or component numbers. One stream, one component. */
#define LOG_MODULE "ice"
#include "rtc/ice.h"

#include <agent.h>
#include <interfaces.h>
#include <gio/gio.h>
#include <string.h>

#include "util/log.h"

#define COMPONENT               1  /* rtcp-mux: RTP and RTCP share the only component */
#define MAX_REMOTE_CANDIDATES   64 /* a browser sends a handful; more is an attack */
#define CANDIDATE_ADDRESS_FIELD 4  /* "candidate:F C TRANSPORT PRIO ADDRESS PORT typ T" */
#define CANDIDATE_FIELDS        8
#define MDNS_SUFFIX             ".local"

struct rtc_ice {
	const struct rtc_ice_listener *listener;
	void *data;
	GMainContext *context;
	NiceAgent *agent;
	guint stream;
	bool has_relay;
	bool gathering_done;
	unsigned n_remote;
	enum rtc_ice_state state;
};

static char *candidate_line(NiceAgent *agent, NiceCandidate *cand)
{
	g_autofree char *sdp = nice_agent_generate_local_candidate_sdp(agent, cand);

	if (!sdp)
		return NULL;
	return g_strdup(g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp);
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
	struct rtc_ice *ice = data;
	g_autofree char *line = NULL;

	/* our peer-reflexive candidates come out of checks the other side already sees */
	if (cand->stream_id != ice->stream || cand->type == NICE_CANDIDATE_TYPE_PEER_REFLEXIVE)
		return;
	line = candidate_line(agent, cand);
	if (line && ice->listener->candidate)
		ice->listener->candidate(ice->data, line);
}

static void on_gathering_done(NiceAgent *agent, guint stream, gpointer data)
{
	struct rtc_ice *ice = data;

	if (stream != ice->stream)
		return;
	ice->gathering_done = true;
	if (ice->listener->gathering_done)
		ice->listener->gathering_done(ice->data);
}

static void log_pair(struct rtc_ice *ice)
{
	NiceCandidate *local = NULL, *remote = NULL;
	char la[NICE_ADDRESS_STRING_LEN], ra[NICE_ADDRESS_STRING_LEN];

	if (log_get_level() < LOG_DEBUG ||
	    !nice_agent_get_selected_pair(ice->agent, ice->stream, COMPONENT, &local, &remote))
		return;
	nice_address_to_string(&local->addr, la);
	nice_address_to_string(&remote->addr, ra);
	log_debug("pair %s:%u -> %s:%u", la, nice_address_get_port(&local->addr), ra,
	          nice_address_get_port(&remote->addr));
}

static void on_component_state(NiceAgent *agent, guint stream, guint component, guint state,
                               gpointer data)
{
	struct rtc_ice *ice = data;
	enum rtc_ice_state next;

	if (stream != ice->stream || component != COMPONENT)
		return;
	log_debug("component %s", nice_component_state_to_string(state));
	switch (state) {
	case NICE_COMPONENT_STATE_CONNECTING:
		next = RTC_ICE_CHECKING;
		break;
	case NICE_COMPONENT_STATE_CONNECTED:
	case NICE_COMPONENT_STATE_READY:
		next = RTC_ICE_CONNECTED;
		break;
	case NICE_COMPONENT_STATE_FAILED:
		next = RTC_ICE_FAILED;
		break;
	default:
		return;
	}
	if (next == ice->state)
		return;
	ice->state = next;
	if (next == RTC_ICE_CONNECTED)
		log_pair(ice);
	ice->listener->state(ice->data, next);
}

static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
                    gpointer data)
{
	struct rtc_ice *ice = data;

	if (len > 0)
		ice->listener->receive(ice->data, (const uint8_t *)buf, len);
}

static bool want_loopback(void)
{
	const char *env = g_getenv(RTC_ICE_LOOPBACK_ENV);

	return env && strcmp(env, "1") == 0;
}

/* Host candidates: every address but loopback and IPv6 link-local (which needs a scope
 * id no SDP carries). Loopback only on request or when nothing else exists, so a machine
 * without a network still works with a browser on the same machine. */
static unsigned add_local_addresses(struct rtc_ice *ice)
{
	GList *ips = nice_interfaces_get_local_ips(TRUE);
	g_autoptr(GPtrArray) chosen = g_ptr_array_new();
	g_autoptr(GPtrArray) loopback = g_ptr_array_new();
	unsigned added = 0;

	for (GList *l = ips; l; l = l->next) {
		g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(l->data);

		if (!ia || g_inet_address_get_is_link_local(ia))
			continue;
		g_ptr_array_add(g_inet_address_get_is_loopback(ia) ? loopback : chosen, l->data);
	}
	if (want_loopback() || chosen->len == 0)
		for (guint i = 0; i < loopback->len; i++)
			g_ptr_array_add(chosen, loopback->pdata[i]);
	for (guint i = 0; i < chosen->len; i++) {
		NiceAddress addr;

		if (nice_address_set_from_string(&addr, chosen->pdata[i]) &&
		    nice_agent_add_local_address(ice->agent, &addr))
			added++;
	}
	g_list_free_full(ips, g_free);
	return added;
}

struct rtc_ice *rtc_ice_new(const struct rtc_ice_config *config,
                            const struct rtc_ice_listener *listener, void *data, GError **error)
{
	struct rtc_ice *ice = g_new0(struct rtc_ice, 1);

	ice->listener = listener;
	ice->data = data;
	ice->context = g_main_context_ref_thread_default();
	/* consent freshness: a viewer that vanishes (laptop shut) fails the component in
	 * about 30 s instead of never; browsers answer the checks it sends */
	ice->agent = nice_agent_new_full(ice->context, NICE_COMPATIBILITY_RFC5245,
	                                 NICE_AGENT_OPTION_ICE_TRICKLE |
	                                         NICE_AGENT_OPTION_CONSENT_FRESHNESS);
	if (!ice->agent) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ICE: libnice agent failed");
		goto fail;
	}
	/* ICE-TCP (RFC 6544) beside UDP: a browser whose network drops UDP connects to our
	 * passive TCP candidates (its own active ones need no port of ours), with no TURN
	 * server; browsers pick UDP whenever it works (TCP candidates rank lower) */
	g_object_set(ice->agent, "controlling-mode", config->controlling, "upnp", FALSE, "ice-tcp",
	             TRUE, NULL);
	if (config->stun_host)
		g_object_set(ice->agent, "stun-server", config->stun_host, "stun-server-port",
		             config->stun_port, NULL);
	ice->stream = nice_agent_add_stream(ice->agent, 1);
	if (!ice->stream) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ICE: could not add a stream");
		goto fail;
	}
	if (config->turn_host) {
		if (!nice_agent_set_relay_info(
		            ice->agent, ice->stream, COMPONENT, config->turn_host,
		            config->turn_port, config->turn_user ? config->turn_user : "",
		            config->turn_pass ? config->turn_pass : "", NICE_RELAY_TYPE_TURN_UDP)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			            "ICE: the TURN server %s:%u is not a usable address",
			            config->turn_host, config->turn_port);
			goto fail;
		}
		ice->has_relay = true;
	}
	g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_component_state),
	                 ice);
	g_signal_connect(ice->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), ice);
	g_signal_connect(ice->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done),
	                 ice);
	nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, ice->context, on_recv, ice);
	return ice;
fail:
	rtc_ice_free(ice);
	return NULL;
}

void rtc_ice_free(struct rtc_ice *ice)
{
	if (!ice)
		return;
	if (ice->agent) {
		g_signal_handlers_disconnect_by_data(ice->agent, ice);
		if (ice->stream) {
			nice_agent_attach_recv(ice->agent, ice->stream, COMPONENT, ice->context,
			                       NULL, NULL);
			nice_agent_remove_stream(ice->agent, ice->stream);
		}
		/* give the TURN allocation back instead of letting it time out */
		if (ice->has_relay)
			nice_agent_close_async(ice->agent, NULL, NULL);
		g_object_unref(ice->agent);
	}
	g_main_context_unref(ice->context);
	g_free(ice);
}

bool rtc_ice_gather(struct rtc_ice *ice, GError **error)
{
	if (!add_local_addresses(ice) || !nice_agent_gather_candidates(ice->agent, ice->stream)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "ICE: no network address to offer");
		return false;
	}
	return true;
}

bool rtc_ice_gathering_done(struct rtc_ice *ice)
{
	return ice->gathering_done;
}

void rtc_ice_get_local_credentials(struct rtc_ice *ice, char **ufrag, char **pwd)
{
	*ufrag = *pwd = NULL;
	nice_agent_get_local_credentials(ice->agent, ice->stream, ufrag, pwd);
}

char **rtc_ice_get_local_candidates(struct rtc_ice *ice)
{
	GSList *local = nice_agent_get_local_candidates(ice->agent, ice->stream, COMPONENT);
	GPtrArray *out = g_ptr_array_new();

	for (GSList *l = local; l; l = l->next) {
		char *line = candidate_line(ice->agent, l->data);

		if (line)
			g_ptr_array_add(out, line);
	}
	g_slist_free_full(local, (GDestroyNotify)nice_candidate_free);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

bool rtc_ice_set_remote_credentials(struct rtc_ice *ice, const char *ufrag, const char *pwd,
                                    GError **error)
{
	if (!ufrag || !pwd || !*ufrag || !*pwd ||
	    !nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		            "ICE: the remote credentials are malformed");
		return false;
	}
	return true;
}

static bool bad_candidate(GError **error, const char *why)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "ICE candidate: %s", why);
	return false;
}

bool rtc_ice_add_remote_candidate(struct rtc_ice *ice, const char *candidate, GError **error)
{
	g_autofree char *line = NULL;
	g_auto(GStrv) fields = NULL;
	NiceCandidate *c;
	GSList *list;
	int added;

	if (g_str_has_prefix(candidate, "a="))
		candidate += 2;
	if (!g_str_has_prefix(candidate, "candidate:") ||
	    strnlen(candidate, RTC_ICE_MAX_CANDIDATE + 1) > RTC_ICE_MAX_CANDIDATE)
		return bad_candidate(error, "not a candidate line");
	fields = g_strsplit(candidate, " ", CANDIDATE_FIELDS + 1);
	if (g_strv_length(fields) < CANDIDATE_FIELDS)
		return bad_candidate(error, "too few fields");
	/* what libnice cannot use is ignored, not refused: the browser did nothing wrong */
	if (g_ascii_strcasecmp(fields[2], "udp") != 0 || strcmp(fields[1], "1") != 0)
		return true;
	if (g_str_has_suffix(fields[CANDIDATE_ADDRESS_FIELD], MDNS_SUFFIX)) {
		log_debug("mDNS candidate skipped");
		return true;
	}
	if (ice->n_remote >= MAX_REMOTE_CANDIDATES)
		return bad_candidate(error, "too many candidates");
	line = g_strconcat("a=", candidate, NULL);
	c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream, line);
	if (!c)
		return bad_candidate(error, "libnice could not parse it");
	list = g_slist_append(NULL, c);
	added = nice_agent_set_remote_candidates(ice->agent, ice->stream, COMPONENT, list);
	g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
	if (added < 0)
		return bad_candidate(error, "libnice refused it");
	ice->n_remote++;
	return true;
}

void rtc_ice_remote_gathering_done(struct rtc_ice *ice)
{
	nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream);
}

enum rtc_ice_state rtc_ice_get_state(struct rtc_ice *ice)
{
	return ice->state;
}

bool rtc_ice_send(struct rtc_ice *ice, const uint8_t *buf, size_t len)
{
	gint n;

	if (len > G_MAXUINT)
		return false;
	n = nice_agent_send(ice->agent, ice->stream, COMPONENT, (guint)len, (const gchar *)buf);
	return n == (gint)len;
}
