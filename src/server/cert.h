/* The HTTPS certificate: self-signed ECDSA P-256, made on first run with subjectAltNames
 * for the host's names and addresses, kept (mode 0600) in the state dir. */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

/* Loads $state_dir/tls.crt + tls.key or creates them. `fingerprint` gets the
 * certificate's SHA-256 as "AB:CD:…" (g_free). */
GTlsCertificate *cert_load_or_create(const char *state_dir, char **fingerprint, GError **error);
