/* ratelimit.c — token buckets keyed by source address, in a fixed table. */
#include "ratelimit.h"

#include <string.h>

void hl_ratelimit_init(hl_ratelimit *rl, uint32_t per_second, uint32_t burst)
{
	memset(rl, 0, sizeof *rl);
	rl->per_second = per_second;
	rl->burst = burst;
}

int hl_ratelimit_allow(hl_ratelimit *rl, const uint8_t addr[16], uint64_t now_ms)
{
	hl_rl_slot *s = NULL, *oldest = &rl->slot[0];
	for (size_t i = 0; i < HL_RL_SLOTS; i++) {
		hl_rl_slot *c = &rl->slot[i];
		if (c->used && memcmp(c->addr, addr, 16) == 0) {
			s = c;
			break;
		}
		if (!c->used || (oldest->used && c->last_ms < oldest->last_ms))
			oldest = c;
	}
	if (!s) {
		s = oldest;
		memcpy(s->addr, addr, 16);
		s->used = 1;
		s->last_ms = now_ms;
		s->tokens_milli = rl->burst * 1000u;
	}
	if (now_ms > s->last_ms) {
		uint64_t add = (now_ms - s->last_ms) * rl->per_second; /* milli-tokens */
		uint64_t cap = (uint64_t)rl->burst * 1000u;
		uint64_t t = s->tokens_milli + add;
		s->tokens_milli = (uint32_t)(t > cap ? cap : t);
		s->last_ms = now_ms;
	}
	if (s->tokens_milli < 1000u)
		return 0;
	s->tokens_milli -= 1000u;
	return 1;
}
