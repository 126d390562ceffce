/* test_noise.c — hostile-input and state tests for the Noise engine: tampering, wrong keys,
 * small-order points, psk mismatch, nonce rules, turn and size limits, the IK(psk2) flows. */
#include "util/err.h"
#include "util/limits.h"
#include "crypto/noise.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#define IK "Noise_IK_25519_ChaChaPoly_BLAKE2b"
#define IKPSK2 "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b"
#define NN "Noise_NN_25519_ChaChaPoly_BLAKE2b"
#define PROLOGUE ((const uint8_t *)"hotline/1")
#define PROLOGUE_LEN 9u
#define IK_MSG1_OVERHEAD (32u + 48u + 16u) /* e, encrypted s, payload tag */

/* Two parties with random static keys; i = initiator, r = responder. */
struct pair {
	uint8_t is[32], ipub[32], rsk[32], rpub[32];
	hl_noise_hs *i, *r;
	uint8_t m1[256], m2[256];
	size_t m1len, m2len;
};

static void keypair(uint8_t priv[32], uint8_t pub[32])
{
	randombytes_buf(priv, 32);
	assert_int_equal(hl_noise_dh_pub(priv, pub), 0);
}

/* rs_for_i overrides what the initiator believes the responder's key is. */
static void pair_new(struct pair *p, const char *ni, const char *nr, const uint8_t *rs_for_i,
		     const uint8_t *ipsk, const uint8_t *rpsk)
{
	memset(p, 0, sizeof(*p));
	keypair(p->is, p->ipub);
	keypair(p->rsk, p->rpub);
	assert_int_equal(hl_noise_hs_new(&p->i, ni, 1, PROLOGUE, PROLOGUE_LEN, p->is,
					 rs_for_i ? rs_for_i : p->rpub, NULL, ipsk, ipsk ? 1 : 0),
			 0);
	assert_int_equal(hl_noise_hs_new(&p->r, nr, 0, PROLOGUE, PROLOGUE_LEN, p->rsk, NULL,
					 NULL, rpsk, rpsk ? 1 : 0),
			 0);
}

static void pair_free(struct pair *p)
{
	hl_noise_hs_free(p->i);
	hl_noise_hs_free(p->r);
	p->i = p->r = NULL;
}

static void write_m1(struct pair *p)
{
	assert_int_equal(hl_noise_hs_write(p->i, (const uint8_t *)"t1", 2, p->m1, sizeof(p->m1),
					   &p->m1len), 0);
}

static void write_m2(struct pair *p)
{
	assert_int_equal(hl_noise_hs_write(p->r, (const uint8_t *)"ok", 2, p->m2, sizeof(p->m2),
					   &p->m2len), 0);
}

static int read_msg(hl_noise_hs *hs, const uint8_t *m, size_t len)
{
	uint8_t pt[256];
	size_t ptlen = 99;
	int rc = hl_noise_hs_read(hs, m, len, pt, sizeof(pt), &ptlen);
	if (rc)
		assert_int_equal(ptlen, 0);
	return rc;
}

/* Completes an IK handshake and splits: c[0]/c[1] are the initiator's send/recv,
 * c[2]/c[3] the responder's. */
static void ik_complete(struct pair *p, hl_noise_cipher c[4])
{
	write_m1(p);
	assert_int_equal(read_msg(p->r, p->m1, p->m1len), 0);
	write_m2(p);
	assert_int_equal(read_msg(p->i, p->m2, p->m2len), 0);
	assert_int_equal(hl_noise_hs_split(p->i, &c[0], &c[1]), 0);
	assert_int_equal(hl_noise_hs_split(p->r, &c[2], &c[3]), 0);
}

static void test_hmac_hkdf_known_answers(void **state)
{
	/* Expected values from Python's hmac + hashlib.blake2b (an independent HMAC). */
	static const char *const want[] = {
		"9508219657a307f894dfd13a6cb662ec94648e02f221ed8f7ba595f957da57b7a3156de01c6f15114cdc5e2624a9fced669bab29c3e0a95543a32bb617908847",
		"714aefeaefedb84eefc9194e168844cf033e2f2bf252c8324660e15b85d74499e27b6b8afc211db5cdfce3d308553cc41ca6f37787fdd87387c4619468834f08",
		"50c7d6fe0f2cac41df8fec9216ab038651b55ce994baae02744a75789dad7b456da7748a01890fc65608450f8b96b14879dadff45a777d72a59d5cc2f108b9c9",
		"7c71b2dc2efc417c9330227d29914d7283e08aea9ada1de7f2cb4d5e77cb835117bae7eb25610117284db98cb1275e9ae83e0de597b1f39cf554239b9c97f09f",
		"f7b84a96deecffa11bc6aa8d8c80f995bdc71d672f9bbae6ec6059e110a01e2c32e212a64c52822c47f20118a360014634c12360e3c51825671023021d4a149b",
		"03be0946afb62e33dcc2e8cb76dfad47663d284d81c0bde963f32a283dede221be2b9e3a86fa82934234d2a6ed331fb664a3e670252b9454da9ed2567b435e11",
		"8481b385940ea1ddc1e37243d34e6a00d9e35fe86844b75be2f9d084efcbf4a9d18c764645baf5262707efcb490c9ddfcc81c78ff75e1e727428f05b9fee857f",
	};
	uint8_t k1[64], k2[200], out[3][64];
	char hex[129];
	(void)state;

	for (int i = 0; i < 64; i++)
		k1[i] = (uint8_t)i;
	for (int i = 0; i < 200; i++)
		k2[i] = (uint8_t)(i * 7 + 3);
	hl_hmac_blake2b(k1, 64, (const uint8_t *)"hotline hmac test", 17, out[0]);
	assert_string_equal(sodium_bin2hex(hex, sizeof(hex), out[0], 64), want[0]);
	/* A key longer than the 128-byte block is hashed first. */
	hl_hmac_blake2b(k2, sizeof(k2), NULL, 0, out[0]);
	assert_string_equal(sodium_bin2hex(hex, sizeof(hex), out[0], 64), want[1]);
	hl_noise_hkdf(k1, (const uint8_t *)"abc", 3, 3, out[0], out[1], out[2]);
	for (int i = 0; i < 3; i++)
		assert_string_equal(sodium_bin2hex(hex, sizeof(hex), out[i], 64), want[2 + i]);
	/* Split uses a zero-length IKM. */
	hl_noise_hkdf(k1, NULL, 0, 2, out[0], out[1], NULL);
	for (int i = 0; i < 2; i++)
		assert_string_equal(sodium_bin2hex(hex, sizeof(hex), out[i], 64), want[5 + i]);
}

/* §5.3: the prologue is hashed even when empty (none of the vectors has one). */
static void test_empty_prologue_is_mixed(void **state)
{
	uint8_t padded[64] = { 0 }, want[64], h[64];
	hl_noise_hs *hs = NULL;
	(void)state;

	memcpy(padded, NN, strlen(NN));
	crypto_generichash(want, 64, padded, 64, NULL, 0);
	assert_int_equal(hl_noise_hs_new(&hs, NN, 1, NULL, 0, NULL, NULL, NULL, NULL, 0), 0);
	hl_noise_hs_hash(hs, h);
	assert_memory_equal(h, want, 64);
	assert_memory_not_equal(h, padded, 64);
	hl_noise_hs_free(hs);
}

static void test_ik_roundtrip(void **state)
{
	struct pair p;
	hl_noise_cipher c[4];
	uint8_t hi[64], hr[64], rs[32], ct[64], pt[64];
	(void)state;

	pair_new(&p, IK, IK, NULL, NULL, NULL);
	assert_int_equal(hl_noise_hs_remote_static(p.r, rs), HL_ERR_STATE);
	ik_complete(&p, c);
	assert_true(hl_noise_hs_done(p.i) && hl_noise_hs_done(p.r));
	assert_false(hl_noise_hs_my_turn(p.i) || hl_noise_hs_my_turn(p.r));
	assert_int_equal(p.m1len, IK_MSG1_OVERHEAD + 2);
	hl_noise_hs_hash(p.i, hi);
	hl_noise_hs_hash(p.r, hr);
	assert_memory_equal(hi, hr, 64);
	assert_int_equal(hl_noise_hs_remote_static(p.r, rs), 0);
	assert_memory_equal(rs, p.ipub, 32);
	assert_int_equal(hl_noise_hs_remote_static(p.i, rs), 0);
	assert_memory_equal(rs, p.rpub, 32);
	/* c[0]/c[1] initiator send/recv, c[2]/c[3] responder send/recv. */
	assert_memory_equal(c[0].k, c[3].k, 32);
	assert_memory_equal(c[1].k, c[2].k, 32);
	assert_memory_not_equal(c[0].k, c[1].k, 32);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(hl_noise_encrypt(&c[0], NULL, 0, (const uint8_t *)"ping", 4, ct), 0);
		assert_int_equal(hl_noise_decrypt(&c[3], NULL, 0, ct, 20, pt), 0);
		assert_memory_equal(pt, "ping", 4);
		assert_int_equal(hl_noise_encrypt(&c[2], NULL, 0, (const uint8_t *)"pong", 4, ct), 0);
		assert_int_equal(hl_noise_decrypt(&c[1], NULL, 0, ct, 20, pt), 0);
		assert_memory_equal(pt, "pong", 4);
		/* Rekey in lockstep keeps the channel working and changes the key, not n. */
		uint8_t old[32];
		memcpy(old, c[0].k, 32);
		assert_int_equal(hl_noise_rekey(&c[0]), 0);
		assert_int_equal(hl_noise_rekey(&c[3]), 0);
		assert_memory_not_equal(old, c[0].k, 32);
		assert_int_equal(c[0].n, (uint64_t)round + 1);
	}
	/* A message encrypted in one direction does not decrypt in the other. */
	assert_int_equal(hl_noise_encrypt(&c[0], NULL, 0, (const uint8_t *)"x", 1, ct), 0);
	assert_int_equal(hl_noise_decrypt(&c[1], NULL, 0, ct, 17, pt), HL_ERR_CRYPTO);
	for (int k = 0; k < 4; k++)
		hl_noise_cipher_wipe(&c[k]);
	pair_free(&p);
}

static void test_tampered_msg1(void **state)
{
	(void)state;
	for (size_t pos = 0; pos < IK_MSG1_OVERHEAD + 2; pos++) {
		struct pair p;
		pair_new(&p, IK, IK, NULL, NULL, NULL);
		write_m1(&p);
		p.m1[pos] ^= 0x01;
		assert_int_equal(read_msg(p.r, p.m1, p.m1len), HL_ERR_CRYPTO);
		/* A failed handshake is dead, even for the genuine message. */
		p.m1[pos] ^= 0x01;
		assert_int_equal(read_msg(p.r, p.m1, p.m1len), HL_ERR_STATE);
		pair_free(&p);
	}
}

static void test_tampered_msg2(void **state)
{
	(void)state;
	for (size_t pos = 0; pos < 32 + 16 + 2; pos++) {
		struct pair p;
		pair_new(&p, IK, IK, NULL, NULL, NULL);
		write_m1(&p);
		assert_int_equal(read_msg(p.r, p.m1, p.m1len), 0);
		write_m2(&p);
		p.m2[pos] ^= 0x01;
		assert_int_equal(read_msg(p.i, p.m2, p.m2len), HL_ERR_CRYPTO);
		assert_false(hl_noise_hs_done(p.i));
		pair_free(&p);
	}
}

static void test_truncated_and_extended(void **state)
{
	(void)state;
	for (size_t len = 0; len < IK_MSG1_OVERHEAD + 2; len += 7) {
		struct pair p;
		pair_new(&p, IK, IK, NULL, NULL, NULL);
		write_m1(&p);
		assert_int_equal(read_msg(p.r, p.m1, len), HL_ERR_CRYPTO);
		pair_free(&p);
	}
	struct pair p;
	pair_new(&p, IK, IK, NULL, NULL, NULL);
	write_m1(&p);
	p.m1[p.m1len] = 0;
	assert_int_equal(read_msg(p.r, p.m1, p.m1len + 1), HL_ERR_CRYPTO);
	pair_free(&p);
}

static void test_wrong_responder_static(void **state)
{
	uint8_t other[32], otherpub[32];
	struct pair p;
	(void)state;

	keypair(other, otherpub);
	pair_new(&p, IK, IK, otherpub, NULL, NULL);
	write_m1(&p);
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), HL_ERR_CRYPTO);
	pair_free(&p);
}

static void test_transport_tamper_keeps_nonce(void **state)
{
	struct pair p;
	hl_noise_cipher c[4];
	uint8_t ct1[64], ct2[64], pt[64];
	(void)state;

	pair_new(&p, IK, IK, NULL, NULL, NULL);
	ik_complete(&p, c);
	assert_int_equal(hl_noise_encrypt(&c[0], NULL, 0, (const uint8_t *)"first", 5, ct1), 0);
	assert_int_equal(hl_noise_encrypt(&c[0], NULL, 0, (const uint8_t *)"second", 6, ct2), 0);
	assert_int_equal(c[0].n, 2);
	ct1[3] ^= 0x80;
	assert_int_equal(hl_noise_decrypt(&c[3], NULL, 0, ct1, 21, pt), HL_ERR_CRYPTO);
	assert_int_equal(c[3].n, 0);
	ct1[3] ^= 0x80;
	ct1[20] ^= 0x01; /* tag */
	assert_int_equal(hl_noise_decrypt(&c[3], NULL, 0, ct1, 21, pt), HL_ERR_CRYPTO);
	assert_int_equal(hl_noise_decrypt(&c[3], NULL, 0, ct1, 15, pt), HL_ERR_CRYPTO);
	assert_int_equal(c[3].n, 0);
	ct1[20] ^= 0x01;
	/* Out of order is a failure too (implicit nonces), and also leaves n alone. */
	assert_int_equal(hl_noise_decrypt(&c[3], NULL, 0, ct2, 22, pt), HL_ERR_CRYPTO);
	assert_int_equal(hl_noise_decrypt(&c[3], NULL, 0, ct1, 21, pt), 0);
	assert_memory_equal(pt, "first", 5);
	assert_int_equal(hl_noise_decrypt(&c[3], NULL, 0, ct2, 22, pt), 0);
	assert_memory_equal(pt, "second", 6);
	assert_int_equal(c[3].n, 2);
	for (int k = 0; k < 4; k++)
		hl_noise_cipher_wipe(&c[k]);
	pair_free(&p);
}

static void test_nonce_exhaustion(void **state)
{
	hl_noise_cipher s, r;
	uint8_t ct[32], pt[32];
	(void)state;

	memset(&s, 0, sizeof(s));
	randombytes_buf(s.k, sizeof(s.k));
	s.has_key = 1;
	r = s;
	/* 2^64-2 is the last usable nonce; 2^64-1 is reserved (§5.1). */
	s.n = r.n = UINT64_MAX - 1;
	assert_int_equal(hl_noise_encrypt(&s, NULL, 0, (const uint8_t *)"z", 1, ct), 0);
	assert_true(s.n == UINT64_MAX);
	assert_int_equal(hl_noise_decrypt(&r, NULL, 0, ct, 17, pt), 0);
	assert_true(r.n == UINT64_MAX);
	assert_int_equal(hl_noise_encrypt(&s, NULL, 0, (const uint8_t *)"z", 1, ct), HL_ERR_NONCE);
	assert_true(s.n == UINT64_MAX);
	assert_int_equal(hl_noise_decrypt(&r, NULL, 0, ct, 17, pt), HL_ERR_NONCE);
	assert_true(r.n == UINT64_MAX);
	/* A cipher without a key refuses rather than sending plaintext. */
	hl_noise_cipher_wipe(&s);
	assert_int_equal(hl_noise_encrypt(&s, NULL, 0, (const uint8_t *)"z", 1, ct), HL_ERR_STATE);
	hl_noise_cipher_wipe(&r);
}

/* libsodium's X25519 blacklist (0, 1, two order-8 points, p-1, p, p+1), each also with
 * the ignored top bit set. */
static void small_order_point(int idx, uint8_t out[32])
{
	static const uint8_t o8a[32] = {
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
		0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
		0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
	};
	static const uint8_t o8b[32] = {
		0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
		0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
		0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57,
	};
	int base = idx % 7;

	memset(out, 0, 32);
	if (base == 1) {
		out[0] = 1;
	} else if (base == 2) {
		memcpy(out, o8a, 32);
	} else if (base == 3) {
		memcpy(out, o8b, 32);
	} else if (base >= 4) {
		memset(out, 0xff, 32);
		out[0] = (uint8_t)(0xec + (base - 4));
		out[31] = 0x7f;
	}
	if (idx >= 7)
		out[31] |= 0x80;
}

static void test_small_order_keys(void **state)
{
	uint8_t pt[32], shared[32], sk[32], pk[32];
	(void)state;

	keypair(sk, pk);
	for (int idx = 0; idx < 14; idx++) {
		struct pair p;
		uint8_t bad[32];
		size_t len;

		small_order_point(idx, bad);
		assert_int_equal(crypto_scalarmult(shared, sk, bad), -1);
		/* As the responder's static: the initiator's es fails while writing msg1. */
		pair_new(&p, IK, IK, bad, NULL, NULL);
		assert_int_equal(hl_noise_hs_write(p.i, NULL, 0, p.m1, sizeof(p.m1), &len),
				 HL_ERR_CRYPTO);
		assert_int_equal(len, 0);
		assert_false(hl_noise_hs_my_turn(p.i));
		pair_free(&p);
		/* As the ephemeral in IK msg1: the responder's es fails. */
		pair_new(&p, IK, IK, NULL, NULL, NULL);
		write_m1(&p);
		memcpy(p.m1, bad, 32);
		assert_int_equal(read_msg(p.r, p.m1, p.m1len), HL_ERR_CRYPTO);
		/* As the ephemeral in IK msg2: the initiator's ee fails. */
		pair_free(&p);
		pair_new(&p, IK, IK, NULL, NULL, NULL);
		write_m1(&p);
		assert_int_equal(read_msg(p.r, p.m1, p.m1len), 0);
		write_m2(&p);
		memcpy(p.m2, bad, 32);
		assert_int_equal(read_msg(p.i, p.m2, p.m2len), HL_ERR_CRYPTO);
		pair_free(&p);
		/* In NN, before any key exists: ee fails on both directions' ephemerals. */
		hl_noise_hs *a = NULL, *b = NULL;
		assert_int_equal(hl_noise_hs_new(&a, NN, 0, NULL, 0, NULL, NULL, NULL, NULL, 0), 0);
		memcpy(pt, bad, 32);
		assert_int_equal(read_msg(a, pt, 32), 0); /* e alone is fine... */
		assert_int_equal(hl_noise_hs_write(a, NULL, 0, p.m2, sizeof(p.m2), &len),
				 HL_ERR_CRYPTO); /* ...until ee uses it */
		assert_int_equal(hl_noise_hs_new(&b, NN, 1, NULL, 0, NULL, NULL, NULL, NULL, 0), 0);
		assert_int_equal(hl_noise_hs_write(b, NULL, 0, p.m1, sizeof(p.m1), &len), 0);
		memcpy(p.m2, bad, 32);
		memset(p.m2 + 32, 0, 16);
		assert_int_equal(read_msg(b, p.m2, 48), HL_ERR_CRYPTO);
		hl_noise_hs_free(a);
		hl_noise_hs_free(b);
	}
}

static void test_ikpsk2_mismatch(void **state)
{
	uint8_t k1[32], k2[32];
	struct pair p;
	(void)state;

	randombytes_buf(k1, 32);
	memcpy(k2, k1, 32);
	k2[31] ^= 0x01;
	pair_new(&p, IKPSK2, IKPSK2, NULL, k1, k2);
	write_m1(&p);
	/* psk2 enters at the end of msg2: msg1 still reads fine, msg2 does not. */
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), 0);
	write_m2(&p);
	assert_int_equal(read_msg(p.i, p.m2, p.m2len), HL_ERR_CRYPTO);
	pair_free(&p);

	pair_new(&p, IKPSK2, IKPSK2, NULL, k1, k1);
	write_m1(&p);
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), 0);
	write_m2(&p);
	assert_int_equal(read_msg(p.i, p.m2, p.m2len), 0);
	pair_free(&p);
}

static void test_turns(void **state)
{
	struct pair p;
	uint8_t buf[256];
	size_t len = 7;
	hl_noise_cipher a, b;
	(void)state;

	pair_new(&p, IK, IK, NULL, NULL, NULL);
	assert_true(hl_noise_hs_my_turn(p.i));
	assert_false(hl_noise_hs_my_turn(p.r));
	assert_int_equal(hl_noise_hs_write(p.r, NULL, 0, buf, sizeof(buf), &len), HL_ERR_STATE);
	assert_int_equal(len, 0);
	assert_int_equal(hl_noise_hs_split(p.i, &a, &b), HL_ERR_STATE);
	write_m1(&p);
	assert_int_equal(hl_noise_hs_write(p.i, NULL, 0, buf, sizeof(buf), &len), HL_ERR_STATE);
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), 0);
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), HL_ERR_STATE);
	write_m2(&p);
	assert_int_equal(read_msg(p.i, p.m2, p.m2len), 0);
	assert_int_equal(hl_noise_hs_write(p.i, NULL, 0, buf, sizeof(buf), &len), HL_ERR_STATE);
	assert_int_equal(hl_noise_hs_write(p.r, NULL, 0, buf, sizeof(buf), &len), HL_ERR_STATE);
	assert_int_equal(read_msg(p.i, p.m2, p.m2len), HL_ERR_STATE);
	pair_free(&p);
}

static void test_oversize(void **state)
{
	static uint8_t big[HL_NOISE_MAX_MSG + 64], out[HL_NOISE_MAX_MSG + 64];
	size_t max_pl = HL_NOISE_MAX_MSG - IK_MSG1_OVERHEAD, len, ptlen;
	hl_noise_cipher c;
	struct pair p;
	(void)state;

	pair_new(&p, IK, IK, NULL, NULL, NULL);
	assert_int_equal(hl_noise_hs_write(p.i, big, max_pl + 1, out, sizeof(out), &len),
			 HL_ERR_TOOBIG);
	assert_int_equal(hl_noise_hs_write(p.i, big, max_pl, out, HL_NOISE_MAX_MSG - 1, &len),
			 HL_ERR_TOOBIG);
	/* Size errors are detected before any state changes: the handshake goes on. */
	assert_int_equal(hl_noise_hs_write(p.i, big, max_pl, out, sizeof(out), &len), 0);
	assert_int_equal(len, HL_NOISE_MAX_MSG);
	assert_int_equal(hl_noise_hs_read(p.r, out, len, big, sizeof(big), &ptlen), 0);
	assert_int_equal(ptlen, max_pl);
	pair_free(&p);

	pair_new(&p, IK, IK, NULL, NULL, NULL);
	assert_int_equal(read_msg(p.r, out, HL_NOISE_MAX_MSG + 1), HL_ERR_TOOBIG);
	pair_free(&p);

	memset(&c, 0, sizeof(c));
	c.has_key = 1;
	assert_int_equal(hl_noise_encrypt(&c, NULL, 0, big, HL_MAX_TRANSPORT_PT + 1, out),
			 HL_ERR_TOOBIG);
	assert_int_equal(c.n, 0);
	assert_int_equal(hl_noise_encrypt(&c, NULL, 0, big, HL_MAX_TRANSPORT_PT, out), 0);
	c.n = 0;
	assert_int_equal(hl_noise_decrypt(&c, NULL, 0, out, HL_NOISE_MAX_MSG + 1, big),
			 HL_ERR_TOOBIG);
	assert_int_equal(hl_noise_decrypt(&c, NULL, 0, out, HL_NOISE_MAX_MSG, big), 0);
}

/* The daemon's flow: the responder reads msg1, learns who is calling, then
 * picks that peer's psk before answering. */
static void test_responder_psk_after_msg1(void **state)
{
	uint8_t psk[32], rs[32], hi[64], hr[64], wrongset[64];
	struct pair p;
	size_t len;
	(void)state;

	randombytes_buf(psk, 32);
	pair_new(&p, IKPSK2, IKPSK2, NULL, psk, NULL);
	write_m1(&p);
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), 0);
	assert_int_equal(hl_noise_hs_remote_static(p.r, rs), 0);
	assert_memory_equal(rs, p.ipub, 32);
	assert_int_equal(hl_noise_hs_write(p.r, NULL, 0, p.m2, sizeof(p.m2), &len), HL_ERR_STATE);
	assert_true(hl_noise_hs_my_turn(p.r)); /* a missing psk is not fatal */
	assert_int_equal(hl_noise_hs_set_psks(p.r, wrongset, 2), HL_ERR_INVAL);
	assert_int_equal(hl_noise_hs_set_psks(p.r, psk, 1), 0);
	write_m2(&p);
	assert_int_equal(read_msg(p.i, p.m2, p.m2len), 0);
	hl_noise_hs_hash(p.i, hi);
	hl_noise_hs_hash(p.r, hr);
	assert_memory_equal(hi, hr, 64);
	pair_free(&p);

	/* The pattern must be chosen before msg1: IK and IKpsk2 do not interoperate. */
	pair_new(&p, IKPSK2, IK, NULL, psk, NULL);
	write_m1(&p);
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), HL_ERR_CRYPTO);
	pair_free(&p);
	pair_new(&p, IK, IKPSK2, NULL, NULL, NULL);
	write_m1(&p);
	assert_int_equal(read_msg(p.r, p.m1, p.m1len), HL_ERR_CRYPTO);
	pair_free(&p);
	/* IK takes no psk at all. */
	pair_new(&p, IK, IK, NULL, NULL, NULL);
	assert_int_equal(hl_noise_hs_set_psks(p.r, psk, 1), HL_ERR_INVAL);
	pair_free(&p);
}

static void test_bad_names_and_keys(void **state)
{
	static const char *const bad[] = {
		"NoisePSK_IK_25519_ChaChaPoly_BLAKE2b", "Noise_IK_25519_ChaChaPoly_BLAKE2s",
		"Noise_IK_25519_AESGCM_BLAKE2b",        "Noise_IK_448_ChaChaPoly_BLAKE2b",
		"Noise_IKpsk3_25519_ChaChaPoly_BLAKE2b", "Noise_IKpsk2+psk2_25519_ChaChaPoly_BLAKE2b",
		"Noise_IKpsk2+psk0_25519_ChaChaPoly_BLAKE2b", "Noise_IKpsk_25519_ChaChaPoly_BLAKE2b",
		"Noise_IKpsk2+_25519_ChaChaPoly_BLAKE2b", "Noise_XXfallback_25519_ChaChaPoly_BLAKE2b",
		"Noise_XXhfs_25519_ChaChaPoly_BLAKE2b", "Noise_QQ_25519_ChaChaPoly_BLAKE2b",
		"Noise__25519_ChaChaPoly_BLAKE2b",      "Noise_IK_25519_ChaChaPoly_BLAKE2bx",
		"Noise_Npsk1+psk2_25519_ChaChaPoly_BLAKE2b", "",
	};
	uint8_t k[32], pub[32], psks[64];
	hl_noise_hs *hs = (hl_noise_hs *)&hs; /* non-NULL sentinel: must be cleared on error */
	(void)state;

	keypair(k, pub);
	randombytes_buf(psks, sizeof(psks));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hl_noise_hs_new(&hs, bad[i], 1, NULL, 0, k, pub, NULL, NULL, 0),
				 HL_ERR_INVAL);
		assert_null(hs);
	}
	/* IK initiator needs its static key and the responder's. */
	assert_int_equal(hl_noise_hs_new(&hs, IK, 1, NULL, 0, NULL, pub, NULL, NULL, 0),
			 HL_ERR_INVAL);
	assert_int_equal(hl_noise_hs_new(&hs, IK, 1, NULL, 0, k, NULL, NULL, NULL, 0),
			 HL_ERR_INVAL);
	assert_int_equal(hl_noise_hs_new(&hs, IK, 0, NULL, 0, NULL, NULL, NULL, NULL, 0),
			 HL_ERR_INVAL);
	/* psk count must match the pattern's psk tokens. */
	assert_int_equal(hl_noise_hs_new(&hs, IKPSK2, 1, NULL, 0, k, pub, NULL, psks, 2),
			 HL_ERR_INVAL);
	assert_int_equal(hl_noise_hs_new(&hs, "Noise_XXpsk0+psk3_25519_ChaChaPoly_BLAKE2b", 1,
					 NULL, 0, k, NULL, NULL, psks, 2), 0);
	hl_noise_hs_free(hs);
	assert_int_equal(hl_noise_hs_new(&hs, "Noise_X1K1_25519_ChaChaPoly_BLAKE2b", 1, NULL, 0,
					 k, pub, NULL, NULL, 0), 0);
	hl_noise_hs_free(hs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_hkdf_known_answers),
		cmocka_unit_test(test_empty_prologue_is_mixed),
		cmocka_unit_test(test_ik_roundtrip),
		cmocka_unit_test(test_tampered_msg1),
		cmocka_unit_test(test_tampered_msg2),
		cmocka_unit_test(test_truncated_and_extended),
		cmocka_unit_test(test_wrong_responder_static),
		cmocka_unit_test(test_transport_tamper_keeps_nonce),
		cmocka_unit_test(test_nonce_exhaustion),
		cmocka_unit_test(test_small_order_keys),
		cmocka_unit_test(test_ikpsk2_mismatch),
		cmocka_unit_test(test_turns),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_responder_psk_after_msg1),
		cmocka_unit_test(test_bad_names_and_keys),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
