/* test_wire.c — the HELLO record (src/wire.c): version 2's exact layout and
 * signed bytes, the path byte's rules by role, and a version-1 HELLO told
 * apart from a malformed one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "util/limits.h"
#include "record/wire.h"

static hl_identity *id;
static uint8_t hs_hash[64];

static int setup(void **state)
{
	(void)state;
	uint8_t seed[HL_SEED_LEN];
	memset(seed, 7, sizeof seed);
	memset(hs_hash, 0x5a, sizeof hs_hash);
	return sodium_init() < 0 || hl_keys_from_seed(seed, &id) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	hl_keys_free(id);
	return 0;
}

static void sample(hl_hello *h, uint8_t role, uint8_t path)
{
	memset(h, 0, sizeof *h);
	h->role = role;
	h->path = path;
	h->my_seq = 0x0102030405060708ull;
	memset(h->my_hash, 0xaa, 32);
	h->your_seq = 9;
	memset(h->your_hash, 0xbb, 32);
	assert_int_equal(hl_hello_sign(h, hs_hash, id), 0);
}

/* version ‖ role ‖ path ‖ my_seq ‖ my_hash ‖ your_seq ‖ your_hash ‖ sig, as
 * PROTOCOL.md §2.3 gives it. */
static void test_layout(void **state)
{
	(void)state;
	hl_hello h, d;
	uint8_t enc[HL_HELLO_LEN];
	assert_int_equal(HL_HELLO_LEN, 147);
	sample(&h, 0, 3);
	hl_hello_encode(&h, enc);
	assert_int_equal(enc[0], 2);
	assert_int_equal(enc[1], 0);
	assert_int_equal(enc[2], 3);
	assert_int_equal(hl_be64_get(enc + 3), 0x0102030405060708ull);
	assert_int_equal(enc[11], 0xaa);
	assert_int_equal(enc[42], 0xaa);
	assert_int_equal(hl_be64_get(enc + 43), 9);
	assert_int_equal(enc[51], 0xbb);
	assert_int_equal(enc[82], 0xbb);
	assert_memory_equal(enc + 83, h.sig, 64);
	/* The signature covers the prefix, h and exactly the 83 bytes. */
	uint8_t m[16 + 64 + 83];
	memcpy(m, "hotline/hello/1", 16);
	memcpy(m + 16, hs_hash, 64);
	memcpy(m + 80, enc, 83);
	assert_int_equal(crypto_sign_ed25519_verify_detached(h.sig, m, sizeof m, id->pub.ed), 0);
	assert_int_equal(hl_hello_decode(enc, sizeof enc, &d), 0);
	assert_int_equal(d.role, 0);
	assert_int_equal(d.path, 3);
	assert_int_equal(d.my_seq, h.my_seq);
	assert_int_equal(d.your_seq, 9);
	assert_int_equal(hl_hello_verify(&d, hs_hash, id->pub.ed), 0);
}

/* The path is signed: changed, the HELLO no longer verifies. */
static void test_path_signed(void **state)
{
	(void)state;
	hl_hello h, d;
	uint8_t enc[HL_HELLO_LEN];
	sample(&h, 0, 1);
	hl_hello_encode(&h, enc);
	enc[2] = 0;
	assert_int_equal(hl_hello_decode(enc, sizeof enc, &d), 0);
	assert_int_equal(hl_hello_verify(&d, hs_hash, id->pub.ed), HL_ERR_SIG);
}

/* Initiator: a path below HL_MAX_ENDPOINTS; responder: exactly 255. */
static void test_path_by_role(void **state)
{
	(void)state;
	static const struct {
		uint8_t role, path;
		int rc;
	} cases[] = {
		{ 0, 0, 0 }, { 0, HL_MAX_ENDPOINTS - 1, 0 }, { 0, HL_MAX_ENDPOINTS, HL_ERR_INVAL },
		{ 0, HL_HELLO_NO_PATH, HL_ERR_INVAL }, { 1, HL_HELLO_NO_PATH, 0 }, { 1, 0, HL_ERR_INVAL },
		{ 1, 7, HL_ERR_INVAL }, { 2, 0, HL_ERR_INVAL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hl_hello h, d;
		uint8_t enc[HL_HELLO_LEN];
		sample(&h, 0, 0);
		h.role = cases[i].role;
		h.path = cases[i].path;
		hl_hello_encode(&h, enc);
		assert_int_equal(hl_hello_decode(enc, sizeof enc, &d), cases[i].rc);
	}
}

/* Version 1 (146 bytes, no path) is another version, not garbage; a wrong
 * length of version 2 is malformed. */
static void test_versions_and_lengths(void **state)
{
	(void)state;
	hl_hello h, d;
	uint8_t enc[HL_HELLO_LEN + 1];
	sample(&h, 1, HL_HELLO_NO_PATH);
	hl_hello_encode(&h, enc);
	assert_int_equal(hl_hello_decode(enc, HL_HELLO_LEN, &d), 0);
	assert_int_equal(hl_hello_decode(enc, HL_HELLO_LEN - 1, &d), HL_ERR_INVAL);
	enc[HL_HELLO_LEN] = 0;
	assert_int_equal(hl_hello_decode(enc, HL_HELLO_LEN + 1, &d), HL_ERR_INVAL);
	assert_int_equal(hl_hello_decode(enc, 0, &d), HL_ERR_INVAL);
	uint8_t v1[146];
	memset(v1, 0, sizeof v1);
	v1[0] = 1;
	assert_int_equal(hl_hello_decode(v1, sizeof v1, &d), HL_ERR_VERSION);
	v1[0] = 3;
	assert_int_equal(hl_hello_decode(v1, sizeof v1, &d), HL_ERR_VERSION);
	assert_string_equal(hl_strerror(HL_ERR_VERSION), "unsupported protocol version");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_path_signed),
		cmocka_unit_test(test_path_by_role),
		cmocka_unit_test(test_versions_and_lengths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
