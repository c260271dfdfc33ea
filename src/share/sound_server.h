/* A sound server of the virtual desktop's own, for a machine where none runs for the
 * user (a bare server): a private D-Bus session bus (WirePlumber 0.4 exits without one),
 * pipewire, wireplumber and a default null sink "wayrtc virtual desktop", all in a
 * private runtime directory and all ended by pid again. */
#pragma once

#include <glib.h>
#include <stdbool.h>

struct sound_server;

/* Whether a PipeWire answers where libpipewire would connect (PIPEWIRE_REMOTE, in
 * PIPEWIRE_RUNTIME_DIR, else XDG_RUNTIME_DIR): its socket is there and accepts. */
bool sound_server_pipewire_answers(void);

/* Starts it all (bounded: never waits forever) and points this process's environment
 * (PIPEWIRE_RUNTIME_DIR; PIPEWIRE_REMOTE unset) at it, so wayrtc's capture and every
 * child started later reach it. Fails, saying why in words for a person, when a program
 * is missing or does not come up; what had started is ended again. */
struct sound_server *sound_server_start(GError **error);
const char *sound_server_runtime_dir(struct sound_server *server);
/* TERM, bounded wait, KILL, for each process, the last started first; removes the
 * runtime directory; accepts NULL. */
void sound_server_stop(struct sound_server *server);

/* Pure: the bus address from dbus-daemon's --print-address output (its first line,
 * trimmed); NULL when there is none. */
char *sound_server_parse_address(const char *output);
