/* libsrtp2 wrapped for our two directions. libsrtp2 keeps per-SSRC state in each srtp_t
 * and is not thread-safe, hence one lock per direction. */
#define LOG_MODULE "srtp"
#include "rtc/srtp.h"

#include <gio/gio.h>
#include <limits.h>
#include <srtp2/srtp.h>
#include <string.h>

#include "util/log.h"

G_STATIC_ASSERT(RTC_SRTP_TRAILER == SRTP_MAX_TRAILER_LEN);

/* Replay window of the inbound session, in packets (libsrtp2 allows 64..32767). What we
 * receive is RTCP, which has its own fixed window; this one serves RTP a test or a future
 * receiving stream gets, generous so late retransmissions still count. */
#define REPLAY_WINDOW 4096
#define RTP_MIN_LEN   12
#define RTCP_MIN_LEN  8

struct rtc_srtp {
	enum rtc_srtp_profile profile;
	GMutex out_lock; /* guards out: the encoder thread (RTP) and the main loop (SR) */
	srtp_t out;
	GMutex in_lock; /* guards in: the main loop, and tests */
	srtp_t in;
};

size_t rtc_srtp_salt_len(enum rtc_srtp_profile profile)
{
	switch (profile) {
	case RTC_SRTP_AES128_CM_SHA1_80:
		return RTC_SRTP_CM_SALT_LEN;
	case RTC_SRTP_AEAD_AES_128_GCM:
		return RTC_SRTP_GCM_SALT_LEN;
	}
	return 0;
}

size_t rtc_srtp_tag_len(enum rtc_srtp_profile profile)
{
	return profile == RTC_SRTP_AEAD_AES_128_GCM ? 16 : 10;
}

const char *rtc_srtp_profile_name(enum rtc_srtp_profile profile)
{
	switch (profile) {
	case RTC_SRTP_AES128_CM_SHA1_80:
		return "SRTP_AES128_CM_HMAC_SHA1_80";
	case RTC_SRTP_AEAD_AES_128_GCM:
		return "SRTP_AEAD_AES_128_GCM";
	}
	return "unknown";
}

bool rtc_srtp_keys_from_export(enum rtc_srtp_profile profile, const uint8_t *material, size_t len,
                               bool is_server, struct rtc_srtp_keys *keys)
{
	size_t salt_len = rtc_srtp_salt_len(profile);
	const uint8_t *ck = material, *sk = material + RTC_SRTP_KEY_LEN;
	const uint8_t *cs = material + 2 * RTC_SRTP_KEY_LEN, *ss = cs + salt_len;

	if (!salt_len || len != 2 * (RTC_SRTP_KEY_LEN + salt_len))
		return false;
	memset(keys, 0, sizeof(*keys));
	keys->profile = profile;
	memcpy(keys->local_key, is_server ? sk : ck, RTC_SRTP_KEY_LEN);
	memcpy(keys->local_salt, is_server ? ss : cs, salt_len);
	memcpy(keys->remote_key, is_server ? ck : sk, RTC_SRTP_KEY_LEN);
	memcpy(keys->remote_salt, is_server ? cs : ss, salt_len);
	return true;
}

static gpointer init_once(gpointer unused)
{
	srtp_err_status_t st = srtp_init();

	if (st != srtp_err_status_ok)
		log_error("libsrtp2 failed to initialise (error %d)", (int)st);
	return GINT_TO_POINTER(st == srtp_err_status_ok);
}

static bool make_session(srtp_t *session, enum rtc_srtp_profile profile, const uint8_t *key,
                         const uint8_t *salt, bool outbound)
{
	/* libsrtp2 takes the master key followed by the master salt in one buffer */
	uint8_t material[RTC_SRTP_KEY_LEN + RTC_SRTP_MAX_SALT_LEN];
	size_t salt_len = rtc_srtp_salt_len(profile);
	srtp_policy_t policy;
	srtp_err_status_t st;

	memset(&policy, 0, sizeof(policy));
	if (profile == RTC_SRTP_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
	} else {
		srtp_crypto_policy_set_rtp_default(&policy.rtp);
		srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
	}
	memcpy(material, key, RTC_SRTP_KEY_LEN);
	memcpy(material + RTC_SRTP_KEY_LEN, salt, salt_len);
	policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	policy.key = material;
	policy.window_size = REPLAY_WINDOW;
	/* a NACK answer resends a packet with its old sequence number */
	policy.allow_repeat_tx = 1;
	st = srtp_create(session, &policy);
	memset(material, 0, sizeof(material));
	if (st != srtp_err_status_ok) {
		*session = NULL;
		log_warn("srtp_create failed (error %d)", (int)st);
		return false;
	}
	return true;
}

struct rtc_srtp *rtc_srtp_new(const struct rtc_srtp_keys *keys, GError **error)
{
	static GOnce once = G_ONCE_INIT;
	struct rtc_srtp *srtp;

	if (!GPOINTER_TO_INT(g_once(&once, init_once, NULL))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsrtp2 failed to initialise");
		return NULL;
	}
	if (!rtc_srtp_salt_len(keys->profile)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
		            "unknown SRTP protection profile %#x", (unsigned)keys->profile);
		return NULL;
	}
	srtp = g_new0(struct rtc_srtp, 1);
	srtp->profile = keys->profile;
	g_mutex_init(&srtp->out_lock);
	g_mutex_init(&srtp->in_lock);
	if (!make_session(&srtp->out, keys->profile, keys->local_key, keys->local_salt, true) ||
	    !make_session(&srtp->in, keys->profile, keys->remote_key, keys->remote_salt, false)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "SRTP session setup failed");
		rtc_srtp_free(srtp);
		return NULL;
	}
	return srtp;
}

void rtc_srtp_free(struct rtc_srtp *srtp)
{
	if (!srtp)
		return;
	if (srtp->out)
		srtp_dealloc(srtp->out);
	if (srtp->in)
		srtp_dealloc(srtp->in);
	g_mutex_clear(&srtp->out_lock);
	g_mutex_clear(&srtp->in_lock);
	g_free(srtp);
}

typedef srtp_err_status_t (*srtp_op_fn)(srtp_t, void *, int *);

static bool run(GMutex *lock, srtp_t session, srtp_op_fn op, uint8_t *buf, size_t *len)
{
	int n = (int)*len;
	srtp_err_status_t st;

	g_mutex_lock(lock);
	st = op(session, buf, &n);
	g_mutex_unlock(lock);
	if (st != srtp_err_status_ok || n < 0)
		return false;
	*len = (size_t)n;
	return true;
}

/* Room for what libsrtp2 may append, and lengths an int holds. */
static bool fits(size_t len, size_t min, size_t cap, size_t trailer)
{
	return len >= min && len <= INT_MAX - trailer && cap >= len + trailer;
}

bool rtc_srtp_protect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len, size_t cap)
{
	if (!fits(*len, RTP_MIN_LEN, cap, RTC_SRTP_TRAILER))
		return false;
	return run(&srtp->out_lock, srtp->out, srtp_protect, buf, len);
}

bool rtc_srtp_protect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len, size_t cap)
{
	if (!fits(*len, RTCP_MIN_LEN, cap, RTC_SRTCP_TRAILER))
		return false;
	return run(&srtp->out_lock, srtp->out, srtp_protect_rtcp, buf, len);
}

bool rtc_srtp_unprotect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len)
{
	if (!fits(*len, RTP_MIN_LEN, *len, 0))
		return false;
	return run(&srtp->in_lock, srtp->in, srtp_unprotect, buf, len);
}

bool rtc_srtp_unprotect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len)
{
	if (!fits(*len, RTCP_MIN_LEN, *len, 0))
		return false;
	return run(&srtp->in_lock, srtp->in, srtp_unprotect_rtcp, buf, len);
}
