/* fuzz_noise_initiator.c — libFuzzer target: an initiator with fixed keys
 * writes handshake message 1 (as src/line/session.c's on_connect does) and reads
 * the input as message 2, for Noise_IK and Noise_IKpsk2 over "hotline/1". */
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

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_noise_initiator: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* e and the payload's tag: message 2 without its payload. */
#define MSG2_FIXED (32u + 16u)

static uint8_t s_priv[32], e_priv[32], psk[32], resp_pub[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t resp_priv[32];

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	fuzz_key(s_priv, FUZZ_KEY_INIT_STATIC);
	fuzz_key(e_priv, FUZZ_KEY_INIT_EPHEM);
	fuzz_key(psk, FUZZ_KEY_PSK);
	fuzz_key(resp_priv, FUZZ_KEY_RESP_STATIC);
	if (hl_noise_dh_pub(resp_priv, resp_pub) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protos[2] = { HL_PROTO_IK, HL_PROTO_IKPSK2 };
	uint8_t ts[12], msg1[256], payload[16];

	fuzz_tai64n(ts);
	for (int i = 0; i < 2; i++) {
		hl_noise_hs *hs = NULL;
		hl_noise_cipher tx, rx;
		size_t olen = 0, plen = 99;
		int rc;

		CHECK(hl_noise_hs_new(&hs, protos[i], 1, (const uint8_t *)HL_PROLOGUE,
				      strlen(HL_PROLOGUE), s_priv, resp_pub, e_priv,
				      i ? psk : NULL, i ? 1 : 0) == 0);
		CHECK(hl_noise_hs_write(hs, ts, sizeof ts, msg1, sizeof msg1, &olen) == 0);
		CHECK(olen == 32u + 48u + 12u + 16u);
		CHECK(hl_noise_hs_my_turn(hs) == 0);
		rc = hl_noise_hs_read(hs, data, size, payload, sizeof payload, &plen);
		if (rc == 0) {
			CHECK(size >= MSG2_FIXED && plen == size - MSG2_FIXED);
			CHECK(hl_noise_hs_done(hs) == 1);
			CHECK(hl_noise_hs_split(hs, &tx, &rx) == 0);
			CHECK(tx.has_key && rx.has_key && memcmp(tx.k, rx.k, sizeof tx.k) != 0);
			/* A transport message made with one side's key opens with the
			 * same key and not with the other. */
			uint8_t pt[4] = { 1, 2, 3, 4 }, ct[4 + 16], back[4];
			hl_noise_cipher tx2 = tx;
			CHECK(hl_noise_encrypt(&tx, NULL, 0, pt, sizeof pt, ct) == 0);
			CHECK(hl_noise_decrypt(&rx, NULL, 0, ct, sizeof ct, back) == HL_ERR_CRYPTO);
			CHECK(hl_noise_decrypt(&tx2, NULL, 0, ct, sizeof ct, back) == 0);
			CHECK(memcmp(pt, back, sizeof pt) == 0);
			hl_noise_cipher_wipe(&tx);
			hl_noise_cipher_wipe(&tx2);
			hl_noise_cipher_wipe(&rx);
		} else {
			CHECK(rc == HL_ERR_CRYPTO || rc == HL_ERR_TOOBIG);
			CHECK(plen == 0 && hl_noise_hs_done(hs) == 0);
			CHECK(hl_noise_hs_split(hs, &tx, &rx) == HL_ERR_STATE);
		}
		hl_noise_hs_free(hs);
	}
	return 0;
}
