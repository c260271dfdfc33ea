/* SCTP over DTLS with usrsctp. Each association is one AF_CONN socket whose "address"
 * is the struct itself; usrsctp hands packets to conn_output and messages to on_receive.
 * usrsctp is started without threads (usrsctp_init_nothreads), so those callbacks only
 * ever run inside our own calls into it, on one thread: no locks, no hops. */
#define LOG_MODULE "sctp"
#include "rtc/sctp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <usrsctp.h>

#include "util/log.h"

#define TICK_MS      10            /* usrsctp's timers are driven at this granularity */
#define BUFFER_BYTES (1024 * 1024) /* socket send and receive buffers */
#define N_STREAMS    1024          /* streams each way; browsers use the low ids */
#define RFC_MAX_SEND (64 * 1024)   /* a=max-message-size absent (RFC 8841) */
/* Retransmission timeouts, ms: a lost key press should come back quickly on a LAN. */
#define RTO_INITIAL_MS   1000
#define RTO_MIN_MS       100
#define RTO_MAX_MS       10000
#define DELAYED_SACK_MS  20
#define MAX_CHUNKS_QUEUE 10240 /* a 256 KiB message is some 240 chunks */
/* usrsctp's path MTU counts the bytes for chunks, not the 12-byte common header
 * (RFC 6458 section 8.1.12) */
#define COMMON_HEADER 12

struct channel {
	bool open;
	uint16_t id;
	struct rtc_dcep_open info;
};

struct rtc_sctp {
	const struct rtc_sctp_listener *listener;
	void *data;
	struct socket *sock;
	size_t max_send;
	uint16_t next_id; /* for channels we open: odd as DTLS server, else even */
	bool closed;      /* reported through listener->closed */
	bool freeing;     /* inside rtc_sctp_free: no more callbacks */
	struct channel channels[RTC_SCTP_MAX_CHANNELS];
	/* a message usrsctp delivers in parts (one at a time per association) */
	GByteArray *partial;
	uint16_t partial_sid;
	uint32_t partial_ppid;
	bool partial_too_big;
};

/* Process-wide usrsctp state; every association lives on the same thread. */
static struct {
	GMainContext *context;
	GSource *timer;
	int64_t last_tick_us;
	GHashTable *live; /* struct rtc_sctp * that usrsctp may still name in conn_output */
} global;

static int conn_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df)
{
	struct rtc_sctp *sctp = addr;

	if (!g_hash_table_contains(global.live, sctp))
		return 0;
	sctp->listener->send(sctp->data, buf, len);
	return 0;
}

static gboolean on_tick(void *data)
{
	int64_t now = g_get_monotonic_time();
	uint32_t elapsed = (uint32_t)((now - global.last_tick_us) / 1000);

	if (elapsed) {
		global.last_tick_us += (int64_t)elapsed * 1000;
		usrsctp_handle_timers(elapsed);
	}
	return G_SOURCE_CONTINUE;
}

static gpointer init_once(gpointer unused)
{
	usrsctp_init_nothreads(0, conn_output, NULL);
	usrsctp_sysctl_set_sctp_ecn_enable(0);
	usrsctp_sysctl_set_sctp_rto_initial_default(RTO_INITIAL_MS);
	usrsctp_sysctl_set_sctp_rto_min_default(RTO_MIN_MS);
	usrsctp_sysctl_set_sctp_rto_max_default(RTO_MAX_MS);
	usrsctp_sysctl_set_sctp_delayed_sack_time_default(DELAYED_SACK_MS);
	usrsctp_sysctl_set_sctp_max_chunks_on_queue(MAX_CHUNKS_QUEUE);
	usrsctp_sysctl_set_sctp_nr_outgoing_streams_default(N_STREAMS);
	usrsctp_sysctl_set_sctp_enable_sack_immediately(1);
	global.live = g_hash_table_new(NULL, NULL);
	return NULL;
}

static void global_add(struct rtc_sctp *sctp)
{
	g_hash_table_add(global.live, sctp);
	if (global.timer)
		return;
	global.context = g_main_context_ref_thread_default();
	global.last_tick_us = g_get_monotonic_time();
	global.timer = g_timeout_source_new(TICK_MS);
	g_source_set_callback(global.timer, on_tick, NULL, NULL);
	g_source_attach(global.timer, global.context);
}

static void global_remove(struct rtc_sctp *sctp)
{
	g_hash_table_remove(global.live, sctp);
	if (g_hash_table_size(global.live) || !global.timer)
		return;
	/* nobody left: no wakeups while idle */
	g_source_destroy(global.timer);
	g_source_unref(global.timer);
	global.timer = NULL;
	g_main_context_unref(global.context);
	global.context = NULL;
}

static struct channel *find_channel(struct rtc_sctp *sctp, uint16_t id)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sctp->channels); i++) {
		if (sctp->channels[i].open && sctp->channels[i].id == id)
			return &sctp->channels[i];
	}
	return NULL;
}

static void report_closed(struct rtc_sctp *sctp, const char *reason)
{
	if (sctp->closed)
		return;
	sctp->closed = true;
	log_debug("association closed: %s", reason);
	if (sctp->listener->closed)
		sctp->listener->closed(sctp->data, reason);
}

static bool send_raw(struct rtc_sctp *sctp, uint16_t id, uint32_t ppid, const struct channel *ch,
                     const uint8_t *buf, size_t len)
{
	struct sctp_sendv_spa spa = {0};

	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = id;
	spa.sendv_sndinfo.snd_ppid = htonl(ppid);
	spa.sendv_sndinfo.snd_flags = SCTP_EOR;
	if (ch && ch->info.unordered)
		spa.sendv_sndinfo.snd_flags |= SCTP_UNORDERED;
	if (ch && ch->info.reliability != RTC_DCEP_RELIABLE) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = ch->info.reliability == RTC_DCEP_PARTIAL_REXMIT
		                                     ? SCTP_PR_SCTP_RTX
		                                     : SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = ch->info.param;
	}
	if (usrsctp_sendv(sctp->sock, buf, len, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0) <
	    0) {
		log_debug("send on stream %u: %s", id, g_strerror(errno));
		return false;
	}
	return true;
}

static void reset_stream(struct rtc_sctp *sctp, uint16_t id)
{
	size_t size = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
	g_autofree struct sctp_reset_streams *srs = g_malloc0(size);

	srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
	srs->srs_number_streams = 1;
	srs->srs_stream_list[0] = id;
	if (usrsctp_setsockopt(sctp->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, (socklen_t)size) <
	    0)
		log_debug("reset of stream %u: %s", id, g_strerror(errno));
}

static struct channel *free_slot(struct rtc_sctp *sctp)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sctp->channels); i++) {
		if (!sctp->channels[i].open)
			return &sctp->channels[i];
	}
	return NULL;
}

static void open_channel(struct rtc_sctp *sctp, uint16_t id, const struct rtc_dcep_open *open)
{
	struct channel *ch;
	uint8_t ack[4];
	size_t n;

	if (find_channel(sctp, id)) {
		log_debug("stream %u: a second OPEN ignored", id);
		return;
	}
	ch = free_slot(sctp);
	if (!ch) {
		log_warn("more than %d data channels: “%s” refused", RTC_SCTP_MAX_CHANNELS,
		         open->label);
		reset_stream(sctp, id);
		return;
	}
	n = rtc_dcep_build_ack(ack, sizeof(ack));
	/* the ACK goes ordered and reliable whatever the channel is (RFC 8832 section 6) */
	if (!n || !send_raw(sctp, id, RTC_DCEP_PPID_CONTROL, NULL, ack, n))
		return;
	*ch = (struct channel){.open = true, .id = id, .info = *open};
	log_debug("channel %u “%s” open (%s%s)", id, open->label,
	          open->unordered ? "unordered" : "ordered",
	          open->reliability == RTC_DCEP_RELIABLE ? ", reliable" : ", partially reliable");
	if (sctp->listener->channel_open)
		sctp->listener->channel_open(sctp->data, id, &ch->info);
}

static void deliver(struct rtc_sctp *sctp, uint16_t sid, uint32_t ppid, const uint8_t *buf,
                    size_t len)
{
	struct rtc_dcep_open open;
	struct channel *ch;
	bool binary;

	switch (ppid) {
	case RTC_DCEP_PPID_CONTROL:
		if (rtc_dcep_parse(buf, len, &open) == RTC_DCEP_OPEN)
			open_channel(sctp, sid, &open);
		/* an ACK is for channels we open, and we open none */
		return;
	case RTC_DCEP_PPID_STRING:
	case RTC_DCEP_PPID_BINARY:
		break;
	case RTC_DCEP_PPID_STRING_EMPTY:
	case RTC_DCEP_PPID_BINARY_EMPTY:
		len = 0; /* one byte stands for nothing */
		break;
	default:
		log_debug("stream %u: PPID %u dropped", sid, ppid);
		return;
	}
	ch = find_channel(sctp, sid);
	if (!ch) {
		log_debug("stream %u: a message on no open channel", sid);
		return;
	}
	binary = ppid == RTC_DCEP_PPID_BINARY || ppid == RTC_DCEP_PPID_BINARY_EMPTY;
	if (sctp->listener->message)
		sctp->listener->message(sctp->data, sid, binary, len ? buf : NULL, len);
}

/* Reassembles what usrsctp hands over in parts, bounded by RTC_SCTP_MAX_MESSAGE. */
static void handle_data(struct rtc_sctp *sctp, uint16_t sid, uint32_t ppid, const uint8_t *buf,
                        size_t len, bool end)
{
	if (!sctp->partial && end) {
		if (len <= RTC_SCTP_MAX_MESSAGE)
			deliver(sctp, sid, ppid, buf, len);
		else
			log_warn("a %zu-byte message dropped (at most %d)", len,
			         RTC_SCTP_MAX_MESSAGE);
		return;
	}
	if (sctp->partial && sctp->partial_sid != sid) {
		/* interleaving is off: this cannot happen; drop both rather than mix them */
		log_debug("interleaved parts on streams %u and %u dropped", sctp->partial_sid, sid);
		g_byte_array_set_size(sctp->partial, 0);
		sctp->partial_too_big = true;
	}
	if (!sctp->partial) {
		sctp->partial = g_byte_array_new();
		sctp->partial_sid = sid;
		sctp->partial_ppid = ppid;
		sctp->partial_too_big = false;
	}
	if (!sctp->partial_too_big && sctp->partial->len + len <= RTC_SCTP_MAX_MESSAGE)
		g_byte_array_append(sctp->partial, buf, (guint)len);
	else
		sctp->partial_too_big = true;
	if (!end)
		return;
	if (sctp->partial_too_big)
		log_warn("a message over %d bytes dropped", RTC_SCTP_MAX_MESSAGE);
	else
		deliver(sctp, sid, sctp->partial_ppid, sctp->partial->data, sctp->partial->len);
	g_byte_array_unref(sctp->partial);
	sctp->partial = NULL;
}

static void handle_stream_reset(struct rtc_sctp *sctp, const struct sctp_stream_reset_event *ev,
                                size_t len)
{
	size_t n;

	if (len < sizeof(*ev) || ev->strreset_length > len ||
	    !(ev->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) ||
	    (ev->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)))
		return;
	n = (ev->strreset_length - sizeof(*ev)) / sizeof(uint16_t);
	/* the browser closed these channels; close our direction too (RFC 8831 6.7) */
	for (size_t i = 0; i < n; i++) {
		uint16_t id = ev->strreset_stream_list[i];

		if (find_channel(sctp, id))
			rtc_sctp_close_channel(sctp, id);
	}
}

static void handle_notification(struct rtc_sctp *sctp, const union sctp_notification *n, size_t len)
{
	if (len < sizeof(n->sn_header) || n->sn_header.sn_length > len)
		return;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		if (len < sizeof(n->sn_assoc_change))
			return;
		switch (n->sn_assoc_change.sac_state) {
		case SCTP_COMM_UP:
			log_debug("association up");
			break;
		case SCTP_COMM_LOST:
			report_closed(sctp, "the data channels' connection was lost");
			break;
		case SCTP_SHUTDOWN_COMP:
			report_closed(sctp, "the browser closed its data channels");
			break;
		case SCTP_CANT_STR_ASSOC:
			report_closed(sctp, "the data channels could not be set up");
			break;
		default:
			break;
		}
		break;
	case SCTP_STREAM_RESET_EVENT:
		handle_stream_reset(sctp, &n->sn_strreset_event, len);
		break;
	default:
		break;
	}
}

static int on_receive(struct socket *sock, union sctp_sockstore addr, void *data, size_t len,
                      struct sctp_rcvinfo rcv, int flags, void *ulp_info)
{
	struct rtc_sctp *sctp = ulp_info;

	if (sctp->freeing) {
		free(data);
		return 1;
	}
	if (!data) {
		/* the socket reached its end: the association is gone */
		report_closed(sctp, "the data channels' connection ended");
		return 1;
	}
	if (flags & MSG_NOTIFICATION)
		handle_notification(sctp, data, len);
	else
		handle_data(sctp, rcv.rcv_sid, ntohl(rcv.rcv_ppid), data, len, flags & MSG_EOR);
	free(data); /* usrsctp's malloc */
	return 1;
}

static bool set_opt(struct socket *sock, int level, int name, const void *value, socklen_t len,
                    const char *what, GError **error)
{
	if (usrsctp_setsockopt(sock, level, name, value, len) == 0)
		return true;
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "SCTP: cannot set %s: %s",
	            what, g_strerror(errno));
	return false;
}

static bool configure(struct rtc_sctp *sctp, size_t mtu, GError **error)
{
	static const uint16_t events[] = {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT};
	/* an abort on close: nothing lingers once the viewer is gone */
	struct linger linger = {.l_onoff = 1, .l_linger = 0};
	struct sctp_assoc_value reset = {
	        .assoc_id = SCTP_FUTURE_ASSOC,
	        .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ,
	};
	struct sctp_initmsg init = {.sinit_num_ostreams = N_STREAMS,
	                            .sinit_max_instreams = N_STREAMS};
	struct sctp_paddrparams params = {
	        .spp_assoc_id = SCTP_FUTURE_ASSOC,
	        .spp_flags = SPP_PMTUD_DISABLE,
	        .spp_pathmtu = (uint32_t)(mtu - COMMON_HEADER),
	};
	int on = 1, buffer = BUFFER_BYTES;

	if (usrsctp_set_non_blocking(sctp->sock, 1) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "SCTP: non-blocking mode: %s",
		            g_strerror(errno));
		return false;
	}
	if (!set_opt(sctp->sock, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger), "SO_LINGER",
	             error) ||
	    !set_opt(sctp->sock, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer), "SO_RCVBUF",
	             error) ||
	    !set_opt(sctp->sock, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer), "SO_SNDBUF",
	             error) ||
	    !set_opt(sctp->sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof(reset),
	             "stream reset", error) ||
	    /* small messages (a key press) go out at once, not gathered with later ones */
	    !set_opt(sctp->sock, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on), "SCTP_NODELAY",
	             error) ||
	    !set_opt(sctp->sock, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on), "RCVINFO",
	             error) ||
	    !set_opt(sctp->sock, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init), "INITMSG",
	             error) ||
	    /* DTLS carries each packet in one record of at most its data MTU */
	    !set_opt(sctp->sock, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof(params),
	             "the path MTU", error))
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(events); i++) {
		struct sctp_event ev = {
		        .se_assoc_id = SCTP_FUTURE_ASSOC, .se_on = 1, .se_type = events[i]};

		if (!set_opt(sctp->sock, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev), "events",
		             error))
			return false;
	}
	return true;
}

struct rtc_sctp *rtc_sctp_new(const struct rtc_sctp_config *config,
                              const struct rtc_sctp_listener *listener, void *data, GError **error)
{
	static GOnce once = G_ONCE_INIT;
	struct rtc_sctp *sctp = g_new0(struct rtc_sctp, 1);
	struct sockaddr_conn local = {
	        .sconn_family = AF_CONN,
	        .sconn_port = htons(RTC_SCTP_PORT),
	        .sconn_addr = sctp,
	};
	struct sockaddr_conn remote = local;

	if (config->mtu < 512 + COMMON_HEADER) {
		/* SCTP's smallest path MTU; DTLS over UDP always gives more */
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "SCTP: a %zu-byte MTU is too small", config->mtu);
		g_free(sctp);
		return NULL;
	}
	g_once(&once, init_once, NULL);
	sctp->listener = listener;
	sctp->data = data;
	sctp->max_send =
	        MIN(config->max_send ? config->max_send : RFC_MAX_SEND, RTC_SCTP_MAX_MESSAGE);
	sctp->next_id = config->dtls_server ? 1 : 0;
	global_add(sctp);
	usrsctp_register_address(sctp);
	sctp->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, on_receive, NULL, 0, sctp);
	if (!sctp->sock) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "SCTP: cannot make a socket: %s", g_strerror(errno));
		goto fail;
	}
	if (!configure(sctp, config->mtu, error))
		goto fail;
	if (usrsctp_bind(sctp->sock, (struct sockaddr *)&local, sizeof(local)) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "SCTP: bind: %s",
		            g_strerror(errno));
		goto fail;
	}
	remote.sconn_port = htons(config->remote_port);
	/* both ends connect; SCTP sorts out the simultaneous open (RFC 8841 section 5) */
	if (usrsctp_connect(sctp->sock, (struct sockaddr *)&remote, sizeof(remote)) < 0 &&
	    errno != EINPROGRESS) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "SCTP: connect: %s",
		            g_strerror(errno));
		goto fail;
	}
	return sctp;
fail:
	rtc_sctp_free(sctp);
	return NULL;
}

void rtc_sctp_free(struct rtc_sctp *sctp)
{
	if (!sctp)
		return;
	/* the ABORT goes out through conn_output from inside usrsctp_close; messages and
	 * events that come with it are not reported to an owner that is going away */
	sctp->freeing = true;
	if (sctp->sock)
		usrsctp_close(sctp->sock);
	usrsctp_deregister_address(sctp);
	global_remove(sctp);
	if (sctp->partial)
		g_byte_array_unref(sctp->partial);
	g_free(sctp);
}

void rtc_sctp_handle(struct rtc_sctp *sctp, const uint8_t *buf, size_t len)
{
	if (len)
		usrsctp_conninput(sctp, buf, len, 0);
}

bool rtc_sctp_send(struct rtc_sctp *sctp, uint16_t id, bool binary, const uint8_t *buf, size_t len)
{
	static const uint8_t empty = 0;
	struct channel *ch = find_channel(sctp, id);
	uint32_t ppid;

	if (!ch || sctp->closed || len > sctp->max_send)
		return false;
	if (len == 0) {
		/* SCTP cannot carry an empty message: one byte with the "empty" PPID */
		ppid = binary ? RTC_DCEP_PPID_BINARY_EMPTY : RTC_DCEP_PPID_STRING_EMPTY;
		return send_raw(sctp, id, ppid, ch, &empty, 1);
	}
	ppid = binary ? RTC_DCEP_PPID_BINARY : RTC_DCEP_PPID_STRING;
	return send_raw(sctp, id, ppid, ch, buf, len);
}

int rtc_sctp_open_channel(struct rtc_sctp *sctp, const struct rtc_dcep_open *open)
{
	uint8_t buf[12 + 2 * RTC_DCEP_MAX_LABEL];
	struct channel *ch = free_slot(sctp);
	size_t n = rtc_dcep_build_open(buf, sizeof(buf), open);
	uint16_t id = sctp->next_id;

	if (!ch || !n || sctp->closed || id >= N_STREAMS)
		return -1;
	/* the OPEN goes ordered and reliable, like the ACK */
	if (!send_raw(sctp, id, RTC_DCEP_PPID_CONTROL, NULL, buf, n))
		return -1;
	sctp->next_id += 2;
	*ch = (struct channel){.open = true, .id = id, .info = *open};
	return id;
}

void rtc_sctp_close_channel(struct rtc_sctp *sctp, uint16_t id)
{
	struct channel *ch = find_channel(sctp, id);

	if (!ch)
		return;
	ch->open = false;
	reset_stream(sctp, id);
	log_debug("channel %u “%s” closed", id, ch->info.label);
	if (sctp->listener->channel_closed)
		sctp->listener->channel_closed(sctp->data, id);
}

const char *rtc_sctp_channel_label(struct rtc_sctp *sctp, uint16_t id)
{
	struct channel *ch = find_channel(sctp, id);

	return ch ? ch->info.label : NULL;
}

size_t rtc_sctp_get_channels(struct rtc_sctp *sctp, uint16_t ids[RTC_SCTP_MAX_CHANNELS])
{
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(sctp->channels); i++) {
		if (sctp->channels[i].open)
			ids[n++] = sctp->channels[i].id;
	}
	return n;
}
