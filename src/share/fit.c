/* The virtual desktop's size, following a viewer's window (fit.h). */
#define LOG_MODULE "fit"
#include "share/fit.h"

#include <math.h>

#include "util/log.h"
#include "wayland/conn.h"
#include "wayland/outmode.h"

struct fit {
	struct wayland_outmode *outmode;
	struct fit_mode wanted, last;
	bool have_wanted;
	gint64 last_us; /* when the last mode went out */
	guint timer;    /* sends `wanted` when the interval is up */
};

void fit_mode(unsigned css_width, unsigned css_height, double pixel_ratio, struct fit_mode *out)
{
	double ratio = isfinite(pixel_ratio) && pixel_ratio > 0 ? pixel_ratio : 1.0;
	double w = MAX(css_width, 1u) * ratio, h = MAX(css_height, 1u) * ratio;
	double k = 1.0;
	unsigned scale, step;

	/* 1.5 draws at 2 (larger text than the page's, as sharp); 1.25 at 1 (a little
	 * smaller); never a fraction, which would blur every glyph */
	scale = (unsigned)CLAMP(floor(ratio + 0.5), 1.0, (double)FIT_MAX_SCALE);
	if (w > FIT_MAX_SIDE)
		k = MIN(k, FIT_MAX_SIDE / w);
	if (h > FIT_MAX_SIDE)
		k = MIN(k, FIT_MAX_SIDE / h);
	if (w * h > FIT_MAX_AREA)
		k = MIN(k, sqrt(FIT_MAX_AREA / (w * h)));
	w = MAX(floor(w * k), FIT_MIN_SIDE);
	h = MAX(floor(h * k), FIT_MIN_SIDE);
	/* even for 4:2:0, and whole in the desktop's own units at this scale */
	step = 2 * scale;
	out->width = (unsigned)w / step * step;
	out->height = (unsigned)h / step * step;
	out->scale = scale;
}

struct fit *fit_new(const char *display, GError **error)
{
	struct wayland_conn *conn =
	        wayland_conn_get(display, "to fit the desktop to a window", error);
	struct wayland_outmode *outmode;
	struct fit *fit;

	if (!conn)
		return NULL;
	outmode = wayland_outmode_new(conn, error);
	wayland_conn_unref(conn); /* the outmode keeps its own reference */
	if (!outmode)
		return NULL;
	fit = g_new0(struct fit, 1);
	fit->outmode = outmode;
	return fit;
}

void fit_free(struct fit *fit)
{
	if (!fit)
		return;
	g_clear_handle_id(&fit->timer, g_source_remove);
	wayland_outmode_free(fit->outmode);
	g_free(fit);
}

static void send_wanted(struct fit *fit)
{
	struct fit_mode m = fit->wanted;

	fit->have_wanted = false;
	fit->last_us = g_get_monotonic_time();
	if (m.width == fit->last.width && m.height == fit->last.height &&
	    m.scale == fit->last.scale)
		return;
	fit->last = m;
	log_info("the desktop takes %ux%u at scale %u", m.width, m.height, m.scale);
	wayland_outmode_request(fit->outmode, NULL, (int32_t)m.width, (int32_t)m.height,
	                        (int32_t)m.scale);
}

static gboolean on_timer(gpointer data)
{
	struct fit *fit = data;

	fit->timer = 0;
	if (fit->have_wanted)
		send_wanted(fit);
	return G_SOURCE_REMOVE;
}

void fit_request(struct fit *fit, unsigned css_width, unsigned css_height, double pixel_ratio)
{
	gint64 wait_us;

	fit_mode(css_width, css_height, pixel_ratio, &fit->wanted);
	fit->have_wanted = true;
	if (fit->timer)
		return; /* the timer sends the newest */
	wait_us = fit->last_us + FIT_INTERVAL_MS * 1000 - g_get_monotonic_time();
	if (!fit->last_us || wait_us <= 0) {
		send_wanted(fit);
		return;
	}
	fit->timer = g_timeout_add((guint)(wait_us / 1000) + 1, on_timer, fit);
}
