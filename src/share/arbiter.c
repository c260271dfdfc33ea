/* One place decides whose clipboard text is the desktop's: a paste from one viewer makes
 * its input wait until the compositor has the text (so its Ctrl+V pastes it), a second
 * paste from someone else supersedes the first, and the selection is not echoed back to
 * the viewer it came from. */
#define LOG_MODULE "clipboard"
#include "share/arbiter.h"

#include <assert.h>

#include "input/clipboard.h"
#include "util/log.h"

struct arbiter {
	struct clipboard *clipboard;
	const struct arbiter_listener *listener;
	void *data;
	GBytes *text; /* the desktop's newest selection; NULL: none yet */
	void *waiter; /* whose text is being applied; NULL: none */
	void *owner;  /* whose text the selection is; NULL: the desktop's own */
};

static void on_text(void *data, const char *utf8, size_t len, bool ours)
{
	struct arbiter *arbiter = data;

	if (arbiter->text)
		g_bytes_unref(arbiter->text);
	arbiter->text = g_bytes_new(utf8, len);
	if (!ours)
		arbiter->owner = NULL;
	arbiter->listener->text(arbiter->data, arbiter->text, arbiter->owner);
}

static void on_closed(void *data, const char *reason)
{
	log_info("clipboard: %s", reason);
}

static const struct clipboard_listener clipboard_listener = {
        .text = on_text,
        .closed = on_closed,
};

struct arbiter *arbiter_new(const char *display, const struct arbiter_listener *listener,
                            void *data, GError **error)
{
	struct arbiter *arbiter = g_new0(struct arbiter, 1);

	arbiter->listener = listener;
	arbiter->data = data;
	arbiter->clipboard = clipboard_new(display, &clipboard_listener, arbiter, error);
	if (!arbiter->clipboard) {
		g_free(arbiter);
		return NULL;
	}
	return arbiter;
}

void arbiter_free(struct arbiter *arbiter)
{
	if (!arbiter)
		return;
	clipboard_free(arbiter->clipboard);
	if (arbiter->text)
		g_bytes_unref(arbiter->text);
	g_free(arbiter);
}

GBytes *arbiter_get_text(struct arbiter *arbiter)
{
	return arbiter ? arbiter->text : NULL;
}

static void on_applied(void *data)
{
	struct arbiter *arbiter = data;
	void *who = arbiter->waiter;

	arbiter->waiter = NULL;
	if (who)
		arbiter->listener->applied(arbiter->data, who);
}

bool arbiter_set_text(struct arbiter *arbiter, void *who, const uint8_t *buf, size_t len)
{
	void *superseded = arbiter->waiter;

	assert(who);
	/* a second paste, from someone else, supersedes the first: its input goes on now */
	if (superseded && superseded != who) {
		arbiter->waiter = NULL;
		arbiter->listener->applied(arbiter->data, superseded);
	}
	if (!clipboard_set_text(arbiter->clipboard, (const char *)buf, len, on_applied, arbiter))
		return false;
	arbiter->waiter = who;
	arbiter->owner = who;
	return true;
}

void arbiter_forget(struct arbiter *arbiter, const void *who)
{
	if (!arbiter)
		return;
	if (arbiter->waiter == who)
		arbiter->waiter = NULL;
	if (arbiter->owner == who)
		arbiter->owner = NULL;
}
