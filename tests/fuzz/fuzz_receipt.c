/* fuzz_receipt.c — libFuzzer target: hl_receipt_decode on arbitrary bytes;
 * what decodes must re-encode to the same 177 bytes, and verify must not crash. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/entry.h"
#include "util/err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_receipt: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

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
	static const uint8_t zero[sizeof(hl_receipt)];
	hl_receipt r;
	uint8_t enc[HL_RECEIPT_LEN];
	int rc;

	rc = hl_receipt_decode(data, size, &r);
	CHECK(rc <= 0 && rc > HL_ERR_LAST);
	if (rc < 0) {
		CHECK(memcmp(&r, zero, sizeof r) == 0);
		return 0;
	}
	CHECK(size == HL_RECEIPT_LEN);
	CHECK(r.seq >= 1);
	hl_receipt_encode(&r, enc);
	CHECK(memcmp(enc, data, HL_RECEIPT_LEN) == 0);
	rc = hl_receipt_verify(&r);
	CHECK(rc == 0 || rc == HL_ERR_SIG);
	return 0;
}
