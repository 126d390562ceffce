/* fuzz_keyfile.c — libFuzzer target for a private key file's contents as
 * hl_keys_load_file_pw dispatches them: an encrypted key line
 * (hl_keys_parse_encrypted_fields: magic, canonical base64, Argon2 parameters
 * within the limits) or a plain one (hl_keys_parse_private). The key
 * derivation is left out: the cheapest cost the reader accepts is Argon2id
 * with 64 MiB, a few runs a second. What it refuses, the full reader must
 * refuse the same way without deriving anything. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "crypto/keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_keyfile: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

#define MAGIC_LEN (sizeof HL_KEYS_ENC_MAGIC - 1)
#define BLOB_LEN (16 + 8 + 8 + 24 + 48)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* One line of text, ended within the buffer. */
static void check_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);
	CHECK(n > 0 && n < errlen);
	CHECK(memchr(err, '\n', n) == NULL);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void encrypted(const char *text, size_t len)
{
	hl_keys_enc_fields f;
	char err[256], err2[256];
	int rc;

	memset(&f, 0xa5, sizeof f); /* must be cleared on every refusal */
	rc = hl_keys_parse_encrypted_fields(text, len, &f, err, sizeof err);
	if (rc < 0) {
		CHECK(rc == HL_ERR_INVAL || rc == HL_ERR_TOOBIG);
		CHECK(all_zero(&f, sizeof f));
		check_err(err, sizeof err);
		/* The full reader refuses it the same way, before any Argon2
		 * (it would take ~100 ms at least, far past what a run gets). */
		hl_identity *id = (hl_identity *)1;
		int rc2 = hl_keys_parse_private_encrypted(text, len, "passphrase", 10, &id, err2,
							  sizeof err2);
		CHECK(rc2 == rc && id == NULL);
		CHECK(strcmp(err, err2) == 0);
		return;
	}
	CHECK(rc == 0 && err[0] == '\0');
	/* Accepted: parameters within the limits... */
	CHECK(f.opslimit >= HL_KEYS_PWHASH_OPS_MIN && f.opslimit <= HL_KEYS_PWHASH_OPS_MAX);
	CHECK(f.memlimit >= HL_KEYS_PWHASH_MEM_MIN && f.memlimit <= HL_KEYS_PWHASH_MEM_MAX);
	/* ...and the input is the one spelling of these fields. */
	uint8_t blob[BLOB_LEN];
	char line[MAGIC_LEN + 1 + sodium_base64_ENCODED_LEN(BLOB_LEN, sodium_base64_VARIANT_ORIGINAL)];
	memcpy(blob, f.salt, 16);
	put_be64(blob + 16, f.opslimit);
	put_be64(blob + 24, f.memlimit);
	memcpy(blob + 32, f.nonce, 24);
	memcpy(blob + 56, f.sealed, 48);
	memcpy(line, HL_KEYS_ENC_MAGIC " ", MAGIC_LEN + 1);
	sodium_bin2base64(line + MAGIC_LEN + 1, sizeof line - MAGIC_LEN - 1, blob, sizeof blob,
			  sodium_base64_VARIANT_ORIGINAL);
	size_t n = strlen(line);
	CHECK(len == n || (len == n + 1 && text[n] == '\n'));
	CHECK(memcmp(line, text, n) == 0);
}

static void plain(const char *text, size_t len)
{
	hl_identity *id = (hl_identity *)1;
	int rc = hl_keys_parse_private(text, len, &id);

	if (rc < 0) {
		CHECK(id == NULL);
		return;
	}
	CHECK(id != NULL);
	CHECK(len == 44 || (len == 45 && text[44] == '\n'));
	hl_keys_free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	/* hl_keys_load_file_pw reads at most 4096 bytes and dispatches on the magic. */
	if (size <= 4096) {
		int enc = hl_keys_is_encrypted(s, size);
		CHECK(enc == (size > MAGIC_LEN && memcmp(s, HL_KEYS_ENC_MAGIC " ", MAGIC_LEN + 1) == 0));
		encrypted(s, size); /* without the magic: refused as INVAL, the same both ways */
		if (!enc)
			plain(s, size);
	}
	free(s);
	return 0;
}
