/* libsrtp2 wrapped for our two directions. */
#define LOG_MODULE "srtp"
#include "rtc/srtp.h"

#include <gio/gio.h>
#include <srtp2/srtp.h>
#include <string.h>

#include "log.h"

#define REPLAY_WINDOW 1024

struct rtc_srtp {
	GMutex out_lock; /* guards out: encoder thread (RTP) and main loop (SR) */
	srtp_t out;
	GMutex in_lock; /* guards in: main loop */
	srtp_t in;
};

static gpointer init_once(gpointer unused)
{
	return GINT_TO_POINTER(srtp_init() == srtp_err_status_ok);
}

static bool make_session(srtp_t *session, const uint8_t *key, bool outbound)
{
	srtp_policy_t policy;

	memset(&policy, 0, sizeof(policy));
	srtp_crypto_policy_set_rtp_default(&policy.rtp);
	srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
	policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	policy.key = (unsigned char *)key;
	policy.window_size = REPLAY_WINDOW;
	/* NACK answers resend a packet with its old sequence number */
	policy.allow_repeat_tx = 1;
	return srtp_create(session, &policy) == srtp_err_status_ok;
}

struct rtc_srtp *rtc_srtp_new(const struct rtc_srtp_keys *keys, GError **error)
{
	static GOnce once = G_ONCE_INIT;
	struct rtc_srtp *srtp;

	if (!GPOINTER_TO_INT(g_once(&once, init_once, NULL))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsrtp2 failed to initialise");
		return NULL;
	}
	srtp = g_new0(struct rtc_srtp, 1);
	g_mutex_init(&srtp->out_lock);
	g_mutex_init(&srtp->in_lock);
	if (!make_session(&srtp->out, keys->local_key, true) ||
	    !make_session(&srtp->in, keys->remote_key, false)) {
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

typedef srtp_err_status_t (*srtp_op)(srtp_t, void *, int *);

static bool run(GMutex *lock, srtp_t session, srtp_op op, uint8_t *buf, size_t *len)
{
	int n = (int)*len;
	srtp_err_status_t st;

	g_mutex_lock(lock);
	st = op(session, buf, &n);
	g_mutex_unlock(lock);
	if (st != srtp_err_status_ok)
		return false;
	*len = (size_t)n;
	return true;
}

bool rtc_srtp_protect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len)
{
	return run(&srtp->out_lock, srtp->out, srtp_protect, buf, len);
}

bool rtc_srtp_protect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len)
{
	return run(&srtp->out_lock, srtp->out, srtp_protect_rtcp, buf, len);
}

bool rtc_srtp_unprotect_rtp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len)
{
	return run(&srtp->in_lock, srtp->in, srtp_unprotect, buf, len);
}

bool rtc_srtp_unprotect_rtcp(struct rtc_srtp *srtp, uint8_t *buf, size_t *len)
{
	return run(&srtp->in_lock, srtp->in, srtp_unprotect_rtcp, buf, len);
}
