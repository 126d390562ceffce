/* fuzz_noise_responder.c — libFuzzer target: a responder with a fixed static
 * key reads the input as handshake message 1, as src/line/session.c's
 * responder_msg1 does (Noise_IK, then Noise_IKpsk2, both over prologue
 * "hotline/1"); an accepted message is answered and split into transport keys. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/limits.h"
#include "crypto/noise.h"
#include "record/wire.h"

#include "fuzz_noise_keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_noise_responder: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* e, s (encrypted), tag of the payload: message 1 without its payload. */
#define MSG1_FIXED (32u + 32u + 16u + 16u)

static uint8_t s_priv[32], e_priv[32], psk[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	fuzz_key(s_priv, FUZZ_KEY_RESP_STATIC);
	fuzz_key(e_priv, FUZZ_KEY_RESP_EPHEM);
	fuzz_key(psk, FUZZ_KEY_PSK);
	return 0;
}

static void respond(hl_noise_hs *hs, int with_psk, size_t plen)
{
	uint8_t rs[32], out[128], a[64], b[64];
	hl_noise_cipher tx, rx;
	size_t olen = 99;

	CHECK(hl_noise_hs_remote_static(hs, rs) == 0);
	CHECK(hl_noise_hs_my_turn(hs) == 1 && hl_noise_hs_done(hs) == 0);
	/* Message 1 carries the timestamp: session.c refuses other lengths
	 * later, but the engine must report exactly what was sent. */
	CHECK(plen <= 64);
	if (with_psk)
		CHECK(hl_noise_hs_set_psks(hs, psk, 1) == 0);
	CHECK(hl_noise_hs_write(hs, NULL, 0, out, sizeof out, &olen) == 0);
	CHECK(olen == 32u + 16u);
	CHECK(hl_noise_hs_done(hs) == 1);
	hl_noise_hs_hash(hs, a);
	hl_noise_hs_hash(hs, b);
	CHECK(memcmp(a, b, sizeof a) == 0);
	CHECK(hl_noise_hs_split(hs, &tx, &rx) == 0);
	CHECK(tx.has_key && rx.has_key && tx.n == 0 && rx.n == 0);
	CHECK(memcmp(tx.k, rx.k, sizeof tx.k) != 0);
	hl_noise_cipher_wipe(&tx);
	hl_noise_cipher_wipe(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protos[2] = { HL_PROTO_IK, HL_PROTO_IKPSK2 };
	uint8_t payload[64];

	for (int i = 0; i < 2; i++) {
		hl_noise_hs *hs = NULL;
		size_t plen = 99;
		int rc;

		CHECK(hl_noise_hs_new(&hs, protos[i], 0, (const uint8_t *)HL_PROLOGUE,
				      strlen(HL_PROLOGUE), s_priv, NULL, e_priv, NULL, 0) == 0);
		rc = hl_noise_hs_read(hs, data, size, payload, sizeof payload, &plen);
		if (rc == 0) {
			CHECK(size >= MSG1_FIXED && plen == size - MSG1_FIXED);
			respond(hs, i, plen);
		} else {
			CHECK(rc == HL_ERR_CRYPTO || rc == HL_ERR_TOOBIG);
			CHECK(plen == 0);
			CHECK(size > HL_NOISE_MAX_MSG || rc == HL_ERR_CRYPTO ||
			      size > MSG1_FIXED + sizeof payload);
			/* One attempt per handshake: a second read is refused. */
			CHECK(hl_noise_hs_read(hs, data, size, payload, sizeof payload, &plen) ==
			      HL_ERR_STATE);
			CHECK(hl_noise_hs_my_turn(hs) == 0 && hl_noise_hs_done(hs) == 0);
		}
		hl_noise_hs_free(hs);
	}
	return 0;
}
