/* fuzz_keys.c — libFuzzer target for the key texts a station reads: a private
 * key file line (hl_keys_parse_private) and a pinned public key
 * (hl_pubkey_decode). What parses must be the one canonical base64 text. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "crypto/keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_keys: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static void private_key(const char *text, size_t len)
{
	hl_identity *id = (hl_identity *)1; /* must be cleared on every path */
	char b64[sodium_base64_ENCODED_LEN(HL_SEED_LEN, sodium_base64_VARIANT_ORIGINAL)];
	int rc = hl_keys_parse_private(text, len, &id);

	if (rc < 0) {
		CHECK(id == NULL);
		return;
	}
	CHECK(rc == 0 && id != NULL);
	/* Exactly the seed's base64, with at most one newline after it. */
	sodium_bin2base64(b64, sizeof b64, id->seed, HL_SEED_LEN, sodium_base64_VARIANT_ORIGINAL);
	CHECK(len == strlen(b64) || (len == strlen(b64) + 1 && text[len - 1] == '\n'));
	CHECK(memcmp(b64, text, strlen(b64)) == 0);
	/* The public halves are the ones the seed gives. */
	hl_identity *again = NULL;
	CHECK(hl_keys_from_seed(id->seed, &again) == 0);
	CHECK(hl_pubkey_cmp(&id->pub, &again->pub) == 0);
	hl_keys_free(again);
	hl_keys_free(id);
}

static void public_key(const char *s)
{
	hl_pubkey pk, zero;
	char back[HL_PUBKEY_B64_LEN + 1];
	int rc = hl_pubkey_decode(s, &pk);

	memset(&zero, 0, sizeof zero);
	if (rc < 0) {
		CHECK(rc == HL_ERR_INVAL || rc == HL_ERR_CRYPTO);
		CHECK(memcmp(&pk, &zero, sizeof pk) == 0);
		return;
	}
	hl_pubkey_encode(&pk, back);
	CHECK(strcmp(back, s) == 0);
	CHECK(hl_pubkey_cmp(&pk, &pk) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	private_key(s, size);
	public_key(s);
	free(s);
	return 0;
}
