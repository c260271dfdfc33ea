/* The real compositor for a unit test: wayrtc-session ($WAYRTC_SESSION, set by meson)
 * headless in a private runtime directory, optionally with a client inside, and its
 * display as an absolute socket path. Stopping it removes the directory again. */
#pragma once

#include <gio/gio.h>

struct test_session {
	GSubprocess *proc;
	char *runtime_dir;
	char *display; /* absolute path of the Wayland socket */
};

/* Asserts on failure. `client` (argv, NULL-terminated) may be NULL; `flags` says what
 * to do with the session's stdout and stderr (stderr is silenced unless --verbose). */
void test_session_start(struct test_session *session, int width, int height, GSubprocessFlags flags,
                        const char *const *client);
void test_session_stop(struct test_session *session);
