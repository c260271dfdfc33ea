/* The running share: it owns the capture, the encoder, the hub, the sound, the server
 * and the viewers it admits. main.c builds one from the settings and runs it. */
#pragma once

#include <glib.h>

struct config;

/* Checks what can be checked before anything starts (the keyboard layout, STUN and
 * TURN names), then loads or makes the state: the link-signing key and the certificates.
 * Takes `config`'s contents (it is left cleared). NULL with an error on bad settings. */
struct share *share_new(struct config *config, GError **error);
/* Starts the encoder and the source (COMMAND for a virtual desktop), then serves until
 * a signal or the source's end; returns the exit status. False-y status 1 with an error
 * when it cannot start. */
int share_run(struct share *share, const char *const *command, GError **error);
void share_free(struct share *share); /* accepts NULL */
