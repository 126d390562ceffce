/* fuzz_entry.c — libFuzzer target: hl_entry_decode on arbitrary bytes; what
 * decodes must re-encode to exactly the same bytes (one canonical encoding). */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "record/entry.h"
#include "util/err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_entry: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_entry e;
	hl_buf enc;
	uint8_t h1[HL_HASH_LEN], h2[HL_HASH_LEN];
	int rc;

	rc = hl_entry_decode(data, size, &e);
	CHECK(rc <= 0 && rc > HL_ERR_LAST);
	if (rc < 0) {
		/* A failed decode leaves nothing half-filled behind. */
		CHECK(e.body == NULL && e.body_len == 0 && e.seq == 0 && e.version == 0);
		return 0;
	}
	/* Decoded fields must pass the same checks the encoder applies. */
	CHECK(hl_entry_check_fields(&e) == 0);
	CHECK(e.body_len == 0 || (e.body >= data && e.body + e.body_len <= data + size));

	hl_buf_init(&enc, HL_MAX_ENTRY);
	rc = hl_entry_encode(&e, &enc);
	CHECK(rc == 0);
	CHECK(enc.len == size);
	CHECK(memcmp(enc.p, data, size) == 0);
	hl_entry_hash(enc.p, enc.len, h1);
	hl_entry_hash(data, size, h2);
	CHECK(memcmp(h1, h2, sizeof h1) == 0);
	hl_buf_free(&enc);

	rc = hl_entry_verify(&e);
	CHECK(rc == 0 || rc == HL_ERR_SIG);
	(void)hl_kind_name(e.kind);
	(void)hl_precedence_name(e.precedence);
	return 0;
}
