/* ratelimit.h — per-source-address token buckets for incoming handshakes, so
 * one address flooding the port cannot starve the real peer. Fixed memory. */
#ifndef HL_RATELIMIT_H
#define HL_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define HL_RL_SLOTS 256u

typedef struct {
	uint8_t addr[16];   /* IPv4 mapped into IPv6 form */
	uint64_t last_ms;   /* last refill */
	uint32_t tokens_milli; /* tokens × 1000 */
	int used;
} hl_rl_slot;

typedef struct {
	hl_rl_slot slot[HL_RL_SLOTS];
	uint32_t per_second; /* refill rate */
	uint32_t burst;      /* bucket size */
} hl_ratelimit;

void hl_ratelimit_init(hl_ratelimit *rl, uint32_t per_second, uint32_t burst);
/* 1 if a handshake from addr (16 bytes) may proceed now, 0 if over limit.
 * A full table evicts the least recently refilled source. */
int hl_ratelimit_allow(hl_ratelimit *rl, const uint8_t addr[16], uint64_t now_ms);

#endif
