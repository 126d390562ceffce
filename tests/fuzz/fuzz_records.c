/* fuzz_records.c — libFuzzer target for the bytes of a session: the input is
 * taken (1) as a decrypted transport plaintext and split with hl_record_next,
 * each body decoded as its record type says (HELLO, ENTRY, RECEIPT) with
 * round trips, and (2) as a TCP byte stream cut into frames by hl_framer. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "record/entry.h"
#include "util/err.h"
#include "util/limits.h"
#include "record/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_records: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static void body_roundtrip(uint8_t type, const uint8_t *body, size_t len)
{
	switch (type) {
	case HL_REC_HELLO: {
		hl_hello h;
		uint8_t enc[HL_HELLO_LEN];
		if (hl_hello_decode(body, len, &h) < 0)
			return;
		CHECK(len == HL_HELLO_LEN && h.role <= 1);
		hl_hello_encode(&h, enc);
		CHECK(memcmp(enc, body, HL_HELLO_LEN) == 0);
		/* A HELLO never verifies against an all-zero binding and key, but
		 * it must fail cleanly. */
		uint8_t hs_hash[64] = { 0 }, ed[32] = { 0 };
		CHECK(hl_hello_verify(&h, hs_hash, ed) == HL_ERR_SIG);
		return;
	}
	case HL_REC_ENTRY: {
		hl_entry e;
		hl_buf enc;
		if (hl_entry_decode(body, len, &e) < 0)
			return;
		hl_buf_init(&enc, HL_MAX_ENTRY);
		CHECK(hl_entry_encode(&e, &enc) == 0);
		CHECK(enc.len == len && memcmp(enc.p, body, len) == 0);
		hl_buf_free(&enc);
		return;
	}
	case HL_REC_RECEIPT: {
		hl_receipt r;
		uint8_t enc[HL_RECEIPT_LEN];
		if (hl_receipt_decode(body, len, &r) < 0)
			return;
		hl_receipt_encode(&r, enc);
		CHECK(len == HL_RECEIPT_LEN && memcmp(enc, body, len) == 0);
		return;
	}
	default:
		return;
	}
}

/* Records: each record taken must re-encode (hl_record_put) to exactly the
 * bytes the reader consumed, and the reader never passes the end. */
static void records(const uint8_t *data, size_t size)
{
	hl_rd r;
	hl_buf re;
	int rc;

	hl_rd_init(&r, data, size);
	hl_buf_init(&re, HL_MAX_TRANSPORT_PT + 16);
	for (;;) {
		uint8_t type = 0;
		const uint8_t *body;
		size_t len, before = r.off;

		rc = hl_record_next(&r, &type, &body, &len);
		CHECK(rc == 0 || rc == 1 || rc == HL_ERR_TRUNC || rc == HL_ERR_TOOBIG);
		CHECK(r.off <= size);
		if (rc != 0) {
			CHECK(rc != 1 || before == size);
			break;
		}
		CHECK(len <= HL_MAX_RECORD_BODY);
		CHECK(r.off == before + HL_RECORD_HDR + len);
		CHECK(len == 0 || (body == data + before + HL_RECORD_HDR));
		CHECK(hl_record_put(&re, type, body, len) == 0);
		body_roundtrip(type, body, len);
	}
	/* Everything before the stop re-encodes byte for byte. */
	CHECK(re.len <= size && (re.len == 0 || memcmp(re.p, data, re.len) == 0));
	hl_buf_free(&re);
}

/* Frames: fed in varying chunk sizes, popping every whole frame; the frames
 * taken (with their length prefixes) must be exactly a prefix of the input. */
static void frames(const uint8_t *data, size_t size, size_t step0)
{
	hl_framer f;
	size_t off = 0, taken = 0, step = step0;
	int rc = 0;

	hl_framer_init(&f);
	while (off < size && rc >= 0) {
		size_t n = size - off < step ? size - off : step;
		CHECK(hl_framer_feed(&f, data + off, n) == 0);
		off += n;
		step = step % 23 + 1;
		for (;;) {
			const uint8_t *msg;
			size_t len;
			rc = hl_framer_next(&f, &msg, &len);
			CHECK(rc == 0 || rc == 1 || rc == HL_ERR_INVAL);
			if (rc != 1)
				break;
			CHECK(len >= 1 && len <= HL_NOISE_MAX_MSG);
			CHECK(taken + 2 + len <= size);
			CHECK(hl_be16_get(data + taken) == len);
			CHECK(memcmp(msg, data + taken + 2, len) == 0);
			taken += 2 + len;
			hl_framer_pop(&f);
		}
	}
	/* Whatever is still buffered is the input after the last whole frame. */
	if (rc >= 0) {
		CHECK(f.in.len == size - taken);
		CHECK(f.in.len == 0 || memcmp(f.in.p, data + taken, f.in.len) == 0);
	} else {
		CHECK(rc == HL_ERR_INVAL && hl_be16_get(data + taken) == 0);
	}
	hl_framer_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	records(data, size);
	frames(data, size, 1);
	frames(data, size, 4096);
	return 0;
}
