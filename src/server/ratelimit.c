/* Token buckets keyed by address, at most RATELIMIT_TABLE of them. */
#include "server/ratelimit.h"

#include <glib.h>
#include <string.h>

struct bucket {
	char address[64];
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

static void refill(struct bucket *b, int64_t now_us)
{
	if (now_us > b->updated_us) {
		b->tokens += (double)(now_us - b->updated_us) / RATELIMIT_REFILL_US;
		if (b->tokens > RATELIMIT_BURST)
			b->tokens = RATELIMIT_BURST;
	}
	b->updated_us = now_us;
}

static struct bucket *find(struct ratelimit *rl, const char *address)
{
	for (size_t i = 0; i < rl->used; i++) {
		if (strncmp(rl->table[i].address, address, sizeof(rl->table[i].address) - 1) == 0)
			return &rl->table[i];
	}
	return NULL;
}

bool ratelimit_allowed(struct ratelimit *rl, const char *address, int64_t now_us)
{
	struct bucket *b = find(rl, address);

	if (!b)
		return true;
	refill(b, now_us);
	return b->tokens >= 1.0;
}

void ratelimit_fail(struct ratelimit *rl, const char *address, int64_t now_us)
{
	struct bucket *b = find(rl, address);

	if (!b) {
		if (rl->used < RATELIMIT_TABLE) {
			b = &rl->table[rl->used++];
		} else {
			b = &rl->table[0];
			for (size_t i = 1; i < RATELIMIT_TABLE; i++) {
				if (rl->table[i].updated_us < b->updated_us)
					b = &rl->table[i];
			}
		}
		g_strlcpy(b->address, address, sizeof(b->address));
		b->tokens = RATELIMIT_BURST;
		b->updated_us = now_us;
	}
	refill(b, now_us);
	b->tokens = b->tokens >= 1.0 ? b->tokens - 1.0 : 0;
}
