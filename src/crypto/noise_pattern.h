/* noise_pattern.h — private to noise.c: Noise handshake patterns as token
 * lists, and the parser that turns a protocol name into one. */
#ifndef HL_NOISE_PATTERN_H
#define HL_NOISE_PATTERN_H

#include <stdint.h>

enum hl_noise_tok {
	HL_NOISE_TOK_E = 1,
	HL_NOISE_TOK_S,
	HL_NOISE_TOK_EE,
	HL_NOISE_TOK_ES,
	HL_NOISE_TOK_SE,
	HL_NOISE_TOK_SS,
	HL_NOISE_TOK_PSK,
};

/* Deferred patterns have up to 4 messages and 5 tokens per message; psk
 * modifiers add at most two more (pskN at the start and psk(N+1) at the end). */
#define HL_NOISE_PAT_MSGS   4
#define HL_NOISE_PAT_TOKENS 8

struct hl_noise_pattern {
	uint8_t pre_i_s;  /* initiator's static is a pre-message (K*, ...) */
	uint8_t pre_r_s;  /* responder's static is a pre-message (*K, N, K, X) */
	uint8_t nmsgs;
	uint8_t npsk;     /* number of psk tokens */
	uint8_t ntok[HL_NOISE_PAT_MSGS];
	uint8_t tok[HL_NOISE_PAT_MSGS][HL_NOISE_PAT_TOKENS];
};

/* Parses "Noise_<pattern>[psk modifiers]_25519_ChaChaPoly_BLAKE2b".
 * HL_ERR_INVAL for anything else (other primitives, unknown patterns,
 * the legacy "NoisePSK_" scheme, non-psk modifiers, malformed psk lists). */
int hl_noise_pattern_parse(const char *protocol_name, struct hl_noise_pattern *p);

/* 1 if the party (initiator or not) ever sends its static key or has it as a
 * pre-message, i.e. needs a static key pair. */
int hl_noise_pattern_needs_s(const struct hl_noise_pattern *p, int initiator);

#endif
