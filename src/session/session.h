/* What wayrtc (src/share/virtual.c) relies on of wayrtc-session besides its options: the
 * exit status that says the session ended because its COMMAND did (--when-done=exit, or
 * restart given up), as opposed to a failure. */
#pragma once

#define SESSION_EXIT_COMMAND_DONE 3
