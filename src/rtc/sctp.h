/* WebRTC data channels (RFC 8831): SCTP over our DTLS (RFC 8261) with usrsctp in AF_CONN
 * mode, channels opened by the browser with DCEP (RFC 8832). usrsctp runs without threads
 * of its own: packets, timers and callbacks all happen on the thread-default main context
 * of the first association, so nothing here needs a lock. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtc/dcep.h"

#define RTC_SCTP_PORT 5000 /* ours, in the offer's a=sctp-port */
/* The largest message either way (our a=max-message-size); a browser's answer may lower
 * what we send. Larger incoming messages are dropped whole. */
#define RTC_SCTP_MAX_MESSAGE (256 * 1024)
/* Channels a browser may have open at once; further opens are refused with a reset. */
#define RTC_SCTP_MAX_CHANNELS 16

/* Called from inside rtc_sctp_* calls and the timer on the owning context. They must not
 * free the association; defer that to an idle callback. */
struct rtc_sctp_listener {
	/* One SCTP packet for the DTLS record layer (at most the data MTU given at creation). */
	void (*send)(void *data, const uint8_t *buf, size_t len);
	/* The browser opened channel `id` (its stream id); `open` describes it. */
	void (*channel_open)(void *data, uint16_t id, const struct rtc_dcep_open *open);
	/* A whole message on an open channel; `binary` false for a string. */
	void (*message)(void *data, uint16_t id, bool binary, const uint8_t *buf, size_t len);
	/* The channel was closed (by the browser's stream reset, or by rtc_sctp_close_channel). */
	void (*channel_closed)(void *data, uint16_t id);
	/* The association ended (the browser shut it down or it timed out); in words. */
	void (*closed)(void *data, const char *reason);
};

struct rtc_sctp_config {
	uint16_t remote_port; /* the browser's a=sctp-port */
	size_t mtu;           /* the largest DTLS payload */
	size_t max_send;      /* its a=max-message-size; 0: the RFC's default of 64 KiB */
	bool dtls_server;     /* channels we open get odd stream ids, else even (RFC 8832) */
};

/* Starts the association at once: call it when DTLS is up. */
struct rtc_sctp *rtc_sctp_new(const struct rtc_sctp_config *config,
                              const struct rtc_sctp_listener *listener, void *data, GError **error);
/* Aborts the association (no callbacks come after this). NULL is fine. */
void rtc_sctp_free(struct rtc_sctp *sctp);
/* One decrypted DTLS record from the browser. */
void rtc_sctp_handle(struct rtc_sctp *sctp, const uint8_t *buf, size_t len);
/* Queues a message on an open channel, with the channel's ordering and reliability.
 * False when the channel is not open, the message is too large or the send buffer is
 * full (the caller decides whether to drop or retry). */
bool rtc_sctp_send(struct rtc_sctp *sctp, uint16_t id, bool binary, const uint8_t *buf, size_t len);
/* Opens a channel from our side (DCEP OPEN); messages may follow at once. Returns its
 * stream id, or -1 when no stream or slot is free. */
int rtc_sctp_open_channel(struct rtc_sctp *sctp, const struct rtc_dcep_open *open);
/* Closes a channel from our side (a stream reset); channel_closed follows. */
void rtc_sctp_close_channel(struct rtc_sctp *sctp, uint16_t id);
/* The stream ids of the open channels (at most RTC_SCTP_MAX_CHANNELS); returns how many. */
size_t rtc_sctp_get_channels(struct rtc_sctp *sctp, uint16_t ids[RTC_SCTP_MAX_CHANNELS]);
/* The label of an open channel, NULL if none. */
const char *rtc_sctp_channel_label(struct rtc_sctp *sctp, uint16_t id);
