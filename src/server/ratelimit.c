/* Token buckets keyed by address, at most RATELIMIT_TABLE of them. A bucket starts full
 * (RATELIMIT_BURST), each failure takes one, time puts them back; no token, no try. */
#include "server/ratelimit.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#define KEY_MAX RATELIMIT_KEY_MAX

struct bucket {
	char key[KEY_MAX];
	double tokens;
	int64_t updated_us;
};

struct ratelimit {
	struct bucket table[RATELIMIT_TABLE];
	size_t used;
};

struct ratelimit *ratelimit_new(void)
{
	return g_new0(struct ratelimit, 1);
}

void ratelimit_free(struct ratelimit *rl)
{
	g_free(rl);
}

/* The bucket's name for an address. An IPv6 host usually owns a whole /64, so counting
 * per address would give it 2^64 fresh buckets and the power to flush the table;
 * IPv4-mapped IPv6 is counted as the IPv4 address it is. */
void ratelimit_address_key(const char *address, char key[KEY_MAX])
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET6, address, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
			inet_ntop(AF_INET, &a4, key, KEY_MAX);
			return;
		}
		memset(&a6.s6_addr[RATELIMIT_V6_PREFIX / 8], 0, 16 - RATELIMIT_V6_PREFIX / 8);
		inet_ntop(AF_INET6, &a6, key, KEY_MAX);
		g_strlcat(key, "/64", KEY_MAX);
		return;
	}
	g_strlcpy(key, address, KEY_MAX);
}

static void refill(struct bucket *b, int64_t now_us)
{
	/* a clock that went back refills nothing (and does not move `updated` back) */
	if (now_us <= b->updated_us)
		return;
	b->tokens += (double)(now_us - b->updated_us) / RATELIMIT_REFILL_US;
	if (b->tokens > RATELIMIT_BURST)
		b->tokens = RATELIMIT_BURST;
	b->updated_us = now_us;
}

static struct bucket *find(struct ratelimit *rl, const char *key)
{
	for (size_t i = 0; i < rl->used; i++) {
		if (strcmp(rl->table[i].key, key) == 0)
			return &rl->table[i];
	}
	return NULL;
}

bool ratelimit_allowed(struct ratelimit *rl, const char *address, int64_t now_us)
{
	char key[KEY_MAX];
	struct bucket *b;

	ratelimit_address_key(address, key);
	b = find(rl, key);
	if (!b)
		return true;
	refill(b, now_us);
	return b->tokens >= 1.0;
}

void ratelimit_fail(struct ratelimit *rl, const char *address, int64_t now_us)
{
	char key[KEY_MAX];
	struct bucket *b;

	ratelimit_address_key(address, key);
	b = find(rl, key);
	if (!b) {
		if (rl->used < RATELIMIT_TABLE) {
			b = &rl->table[rl->used++];
		} else {
			/* the bucket that failed longest ago is the closest to full again */
			b = &rl->table[0];
			for (size_t i = 1; i < RATELIMIT_TABLE; i++) {
				if (rl->table[i].updated_us < b->updated_us)
					b = &rl->table[i];
			}
		}
		memcpy(b->key, key, KEY_MAX);
		b->tokens = RATELIMIT_BURST;
		b->updated_us = now_us;
	}
	refill(b, now_us);
	b->tokens = b->tokens >= 1.0 ? b->tokens - 1.0 : 0;
}
