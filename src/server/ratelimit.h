/* Failed attempts per client address: a token bucket per address in a bounded table.
 * Pure: the caller passes the time, so tests need no clock. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_BURST     10                /* failures allowed at once */
#define RATELIMIT_REFILL_US INT64_C(10000000) /* one more every 10 s */
#define RATELIMIT_TABLE     1024              /* addresses remembered; the stalest is forgotten */
#define RATELIMIT_V6_PREFIX 64 /* IPv6 addresses count per /64: one host owns them all */

#define RATELIMIT_KEY_MAX 64 /* longer than any address as text, with a zone */

struct ratelimit;

/* The name an address is counted under: IPv4 as is, IPv4-mapped IPv6 as its IPv4
 * address, other IPv6 by its /64. */
void ratelimit_address_key(const char *address, char key[RATELIMIT_KEY_MAX]);

struct ratelimit *ratelimit_new(void);
void ratelimit_free(struct ratelimit *rl); /* accepts NULL */
/* May this address try (again)? `address` is an IP address as text (or any label). */
bool ratelimit_allowed(struct ratelimit *rl, const char *address, int64_t now_us);
/* Counts one failure against the address. */
void ratelimit_fail(struct ratelimit *rl, const char *address, int64_t now_us);
