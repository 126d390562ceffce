/* fuzz_noise_keys.h — the fixed Noise keys shared by the handshake fuzz
 * targets and the seed generator (tests/fuzz/gen/gen_seeds.c): seeds made with
 * these keys are valid messages for the targets, so fuzzing gets past the AEAD. */
#ifndef HL_FUZZ_NOISE_KEYS_H
#define HL_FUZZ_NOISE_KEYS_H

#include <stdint.h>

/* Byte i of each key is base + i: arbitrary but distinct, and valid X25519
 * private keys after clamping (any 32 bytes are). */
#define FUZZ_KEY_RESP_STATIC  0x40u
#define FUZZ_KEY_RESP_EPHEM   0x60u
#define FUZZ_KEY_INIT_STATIC  0x80u
#define FUZZ_KEY_INIT_EPHEM   0xa0u
#define FUZZ_KEY_PSK          0xc0u

static inline void fuzz_key(uint8_t out[32], unsigned base)
{
	for (unsigned i = 0; i < 32; i++)
		out[i] = (uint8_t)(base + i);
}

/* Payload of the initiator's message 1: a fixed TAI64N label (2^62 + 10 +
 * 1795000000 s, 0 ns), as hl_tai64n_now would give at that time. */
static inline void fuzz_tai64n(uint8_t out[12])
{
	static const uint8_t t[12] = { 0x40, 0, 0, 0, 0x6a, 0xfd, 0x86, 0xca, 0, 0, 0, 0 };
	for (unsigned i = 0; i < 12; i++)
		out[i] = t[i];
}

#endif
