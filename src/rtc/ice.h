/* ICE (RFC 8445) through libnice: one stream with one component (BUNDLE + rtcp-mux),
 * full mode, trickle, on the thread-default main context of its creator. It gathers host
 * (and STUN/TURN) candidates, takes the remote ones, and carries datagrams once a pair
 * works; STUN never reaches the receive callback. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest candidate line we take from the network (RFC 8839 has no limit; Chrome's are
 * under 200 bytes). */
#define RTC_ICE_MAX_CANDIDATE 512
/* Set to "1" to offer loopback host candidates next to the real ones (tests on one
 * machine). Loopback is offered anyway when a machine has no other address. */
#define RTC_ICE_LOOPBACK_ENV "WAYRTC_ICE_LOOPBACK"

struct rtc_ice_config {
	bool controlling;      /* the offerer controls (RFC 8445 section 6.1.1) */
	const char *stun_host; /* numeric address, NULL: no server-reflexive candidates */
	unsigned stun_port;
	const char *turn_host; /* numeric address, NULL: no relay */
	unsigned turn_port;
	const char *turn_user;
	const char *turn_pass;
};

enum rtc_ice_state {
	RTC_ICE_NEW = 0,
	RTC_ICE_CHECKING,
	RTC_ICE_CONNECTED, /* a pair works: datagrams flow */
	RTC_ICE_FAILED,    /* no pair worked, or consent (RFC 7675) was lost after one did */
};

/* Called on the creator's main context; they must not free the agent. */
struct rtc_ice_listener {
	/* A local candidate found after gathering began ("candidate:…", no "a="). */
	void (*candidate)(void *data, const char *candidate);
	void (*gathering_done)(void *data); /* optional */
	void (*state)(void *data, enum rtc_ice_state state);
	/* One datagram that is not STUN. */
	void (*receive)(void *data, const uint8_t *buf, size_t len);
};

struct rtc_ice *rtc_ice_new(const struct rtc_ice_config *config,
                            const struct rtc_ice_listener *listener, void *data, GError **error);
void rtc_ice_free(struct rtc_ice *ice); /* accepts NULL */

/* Starts gathering. Host candidates exist when it returns (libnice makes them at once);
 * server-reflexive and relay ones come later through the listener. */
bool rtc_ice_gather(struct rtc_ice *ice, GError **error);
bool rtc_ice_gathering_done(struct rtc_ice *ice);
/* Our credentials, to put in the SDP; g_free both. */
void rtc_ice_get_local_credentials(struct rtc_ice *ice, char **ufrag, char **pwd);
/* Our candidates so far ("candidate:…", no "a="); g_strfreev it. */
char **rtc_ice_get_local_candidates(struct rtc_ice *ice);

bool rtc_ice_set_remote_credentials(struct rtc_ice *ice, const char *ufrag, const char *pwd,
                                    GError **error);
/* "candidate:…" with or without "a=". An mDNS host name (Chrome hides local addresses
 * behind "….local") cannot be resolved here: it is skipped and true returned, since the
 * browser's checks still reach us and make peer-reflexive candidates. */
bool rtc_ice_add_remote_candidate(struct rtc_ice *ice, const char *candidate, GError **error);
/* The remote side sent its last candidate (end-of-candidates). */
void rtc_ice_remote_gathering_done(struct rtc_ice *ice);

enum rtc_ice_state rtc_ice_get_state(struct rtc_ice *ice);
/* Any thread (libnice locks the agent). False if no pair works yet or the send failed. */
bool rtc_ice_send(struct rtc_ice *ice, const uint8_t *buf, size_t len);
