/* test_keys.c — identity derivation, private key text, key file permission
 * rules, public key strings and pre-shared key files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "crypto/keys.h"

/* Seed 00 01 .. 1f; the expected values were computed independently with
 * Python (hashlib.blake2b with key/person, and the `cryptography` package). */
static const char KAT_PRIV[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
static const char KAT_PUB[] =
	"o7W47LKeMmiDqFPjY1JJ+BUbG7E0ejx8QPjedO4e5uKg9wiHcWZHX71QqMta4OERMDdE5En8t3zroqgRI56RBw==";
static const char KAT_XSK_HEX[] =
	"16ba5e9fa73cc9a700624dd9dbbffbe8c2e6930a268239515211ef584c74c7fd";

static char tmpdir[64];

static void kat_seed(uint8_t seed[32])
{
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
}

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
	unlink(out);
}

static void test_derivation_kat(void **state)
{
	uint8_t seed[32], xsk[32], pk[32], ed_seed[32];
	hl_identity *a = NULL, *b = NULL;
	char pub[HL_PUBKEY_B64_LEN + 1];
	(void)state;

	kat_seed(seed);
	assert_int_equal(hl_keys_from_seed(seed, &a), 0);
	assert_int_equal(hl_keys_from_seed(seed, &b), 0);
	assert_memory_equal(&a->pub, &b->pub, sizeof a->pub);
	assert_memory_equal(a->ed_sk, b->ed_sk, 64);
	assert_memory_equal(a->seed, seed, 32);
	hl_pubkey_encode(&a->pub, pub);
	assert_string_equal(pub, KAT_PUB);
	assert_int_equal(sodium_hex2bin(xsk, sizeof xsk, KAT_XSK_HEX, 64, NULL, NULL, NULL), 0);
	assert_memory_equal(a->x_sk, xsk, 32);
	/* the two pairs are distinct keys */
	assert_memory_not_equal(a->pub.ed, a->pub.x, 32);
	assert_memory_not_equal(a->x_sk, a->ed_sk, 32);
	/* ed_sk really holds the Ed25519 seed of the "sign" derivation */
	assert_int_equal(crypto_generichash_blake2b_salt_personal(ed_seed, 32, NULL, 0, seed, 32,
				NULL, (const unsigned char *)"hotline-sign-v1\0"), 0);
	assert_memory_equal(a->ed_sk, ed_seed, 32);
	assert_int_equal(crypto_sign_ed25519_sk_to_pk(pk, a->ed_sk), 0);
	assert_memory_equal(pk, a->pub.ed, 32);
	assert_int_equal(crypto_scalarmult_base(pk, a->x_sk), 0);
	assert_memory_equal(pk, a->pub.x, 32);
	hl_keys_free(a);
	hl_keys_free(b);
}

static void test_sign_and_dh_work(void **state)
{
	hl_identity *a = NULL, *b = NULL;
	uint8_t sig[64], s1[32], s2[32];
	static const uint8_t msg[] = "hotline";
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	assert_int_equal(hl_keys_generate(&b), 0);
	assert_memory_not_equal(a->seed, b->seed, 32);
	assert_memory_not_equal(&a->pub, &b->pub, sizeof a->pub);
	assert_int_equal(crypto_sign_detached(sig, NULL, msg, sizeof msg, a->ed_sk), 0);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, a->pub.ed), 0);
	assert_int_not_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, b->pub.ed), 0);
	assert_int_equal(crypto_scalarmult(s1, a->x_sk, b->pub.x), 0);
	assert_int_equal(crypto_scalarmult(s2, b->x_sk, a->pub.x), 0);
	assert_memory_equal(s1, s2, 32);
	hl_keys_free(a);
	hl_keys_free(b);
	hl_keys_free(NULL);
}

static void test_private_round_trip(void **state)
{
	hl_identity *a = NULL, *b = NULL;
	char line[128];
	int fds[2];
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(hl_keys_write_private(fds[1], a), 0);
	close(fds[1]);
	ssize_t n = read(fds[0], line, sizeof line);
	close(fds[0]);
	assert_int_equal(n, 45);
	assert_int_equal(line[44], '\n');
	assert_int_equal(hl_keys_parse_private(line, (size_t)n, &b), 0);
	assert_memory_equal(&a->pub, &b->pub, sizeof a->pub);
	hl_keys_free(b);
	/* without the newline too */
	assert_int_equal(hl_keys_parse_private(line, 44, &b), 0);
	assert_memory_equal(a->seed, b->seed, 32);
	hl_keys_free(b);
	/* the KAT text gives the KAT key */
	assert_int_equal(hl_keys_parse_private(KAT_PRIV, strlen(KAT_PRIV), &b), 0);
	char pub[HL_PUBKEY_B64_LEN + 1];
	hl_pubkey_encode(&b->pub, pub);
	assert_string_equal(pub, KAT_PUB);
	hl_keys_free(b);
	hl_keys_free(a);
}

static void test_private_malformed(void **state)
{
	/* 44 chars but last char carries non-zero leftover bits ('9' vs '8') */
	static const char noncanon[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=";
	static const char *bad[] = {
		"",
		"\n",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",      /* no padding */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n", /* two newlines */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n",
		" AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= ",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=x",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8=",    /* URL-safe alphabet */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd!h8=",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",    /* 31 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",    /* 33 bytes, no pad */
		noncanon,
	};
	hl_identity *id = (hl_identity *)&id; /* must be cleared on failure */
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = hl_keys_parse_private(bad[i], strlen(bad[i]), &id);
		if (rc != HL_ERR_INVAL)
			fail_msg("case %zu (%s) gave %d", i, bad[i], rc);
		assert_null(id);
	}
	char nul[45];
	memcpy(nul, KAT_PRIV, 44);
	nul[44] = '\n';
	nul[10] = '\0';
	assert_int_equal(hl_keys_parse_private(nul, 45, &id), HL_ERR_INVAL);
	assert_int_equal(hl_keys_parse_private(NULL, 0, &id), HL_ERR_INVAL);
}

static void test_load_file_permissions(void **state)
{
	static const mode_t loose[] = { 0644, 0640, 0604, 0660, 0602, 0620, 0610, 0601 };
	static const mode_t tight[] = { 0600, 0400 };
	char path[128], want[512], err[512];
	hl_identity *id = NULL;
	char text[64];
	(void)state;

	snprintf(text, sizeof text, "%s\n", KAT_PRIV);
	path_in_tmp(path, sizeof path, "station.key");
	for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++) {
		write_file(path, text, strlen(text), loose[i]);
		assert_int_equal(hl_keys_load_file(path, &id, err, sizeof err), HL_ERR_PERM);
		assert_null(id);
		snprintf(want, sizeof want, "%s: permissions %04o are too open; run: chmod 600 %s",
			 path, (unsigned)loose[i], path);
		assert_string_equal(err, want);
	}
	for (size_t i = 0; i < sizeof tight / sizeof tight[0]; i++) {
		write_file(path, text, strlen(text), tight[i]);
		assert_int_equal(hl_keys_load_file(path, &id, err, sizeof err), 0);
		assert_non_null(id);
		char pub[HL_PUBKEY_B64_LEN + 1];
		hl_pubkey_encode(&id->pub, pub);
		assert_string_equal(pub, KAT_PUB);
		hl_keys_free(id);
		id = NULL;
	}
}

static void test_load_file_refusals(void **state)
{
	char path[128], link[128], err[512];
	hl_identity *id = NULL;
	char big[5000];
	(void)state;

	path_in_tmp(path, sizeof path, "good.key");
	write_file(path, KAT_PRIV, strlen(KAT_PRIV), 0600);
	path_in_tmp(link, sizeof link, "link.key");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(hl_keys_load_file(link, &id, err, sizeof err), HL_ERR_PERM);
	assert_null(id);
	assert_non_null(strstr(err, "symbolic link"));
	assert_non_null(strstr(err, link));

	path_in_tmp(path, sizeof path, "missing.key");
	assert_int_equal(hl_keys_load_file(path, &id, err, sizeof err), HL_ERR_IO);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));

	assert_int_equal(hl_keys_load_file(tmpdir, &id, err, sizeof err), HL_ERR_INVAL);
	assert_non_null(strstr(err, "not a regular file"));

	path_in_tmp(path, sizeof path, "garbage.key");
	write_file(path, "hello\n", 6, 0600);
	assert_int_equal(hl_keys_load_file(path, &id, err, sizeof err), HL_ERR_INVAL);
	assert_non_null(strstr(err, "not a hotline private key"));

	memset(big, 'A', sizeof big);
	path_in_tmp(path, sizeof path, "big.key");
	write_file(path, big, sizeof big, 0600);
	assert_int_equal(hl_keys_load_file(path, &id, err, sizeof err), HL_ERR_TOOBIG);
	assert_null(id);
}

static void test_pubkey_round_trip(void **state)
{
	hl_identity *a = NULL, *b = NULL;
	char s[HL_PUBKEY_B64_LEN + 1];
	hl_pubkey pk;
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	assert_int_equal(hl_keys_generate(&b), 0);
	hl_pubkey_encode(&a->pub, s);
	assert_int_equal(strlen(s), HL_PUBKEY_B64_LEN);
	assert_int_equal(hl_pubkey_decode(s, &pk), 0);
	assert_memory_equal(&pk, &a->pub, sizeof pk);
	assert_int_equal(hl_pubkey_cmp(&pk, &a->pub), 0);
	int ab = hl_pubkey_cmp(&a->pub, &b->pub);
	assert_int_not_equal(ab, 0);
	assert_int_equal(hl_pubkey_cmp(&b->pub, &a->pub), -ab);

	/* order is over ed then x, byte by byte */
	hl_pubkey lo, hi;
	memset(&lo, 0, sizeof lo);
	memset(&hi, 0, sizeof hi);
	hi.x[31] = 1;
	assert_true(hl_pubkey_cmp(&lo, &hi) < 0);
	lo.ed[0] = 1;
	assert_true(hl_pubkey_cmp(&lo, &hi) > 0);
	hl_keys_free(a);
	hl_keys_free(b);
}

static void test_pubkey_decode_rejects(void **state)
{
	uint8_t raw[64];
	char s[HL_PUBKEY_B64_LEN + 2];
	hl_pubkey pk;
	(void)state;

	assert_int_equal(hl_pubkey_decode(NULL, &pk), HL_ERR_INVAL);
	assert_int_equal(hl_pubkey_decode("", &pk), HL_ERR_INVAL);
	assert_int_equal(hl_pubkey_decode("abc", &pk), HL_ERR_INVAL);
	snprintf(s, sizeof s, "%.87s", KAT_PUB);
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_INVAL);
	snprintf(s, sizeof s, "%s=", KAT_PUB);
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_INVAL);
	snprintf(s, sizeof s, "%s", KAT_PUB);
	s[3] = '*';
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_INVAL);
	snprintf(s, sizeof s, "%s", KAT_PUB);
	s[5] = '-'; /* URL-safe alphabet is not ours */
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_INVAL);
	/* the last data character of 64 bytes carries 4 unused bits */
	snprintf(s, sizeof s, "%s", KAT_PUB);
	assert_int_equal(s[85], 'w');
	s[85] = 'x';
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_INVAL);

	/* all zero: small-order points */
	memset(raw, 0, sizeof raw);
	sodium_bin2base64(s, sizeof s, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_CRYPTO);
	/* good Ed25519 half, X25519 half of small order (the point 1 and 0) */
	assert_int_equal(sodium_base642bin(raw, sizeof raw, KAT_PUB, strlen(KAT_PUB), NULL, NULL,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	memset(raw + 32, 0, 32);
	raw[32] = 1;
	sodium_bin2base64(s, sizeof s, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_CRYPTO);
	/* good X25519 half, Ed25519 half not a valid point (y = 2 is off the curve) */
	assert_int_equal(sodium_base642bin(raw, sizeof raw, KAT_PUB, strlen(KAT_PUB), NULL, NULL,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	memset(raw, 0, 32);
	raw[0] = 2;
	sodium_bin2base64(s, sizeof s, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(hl_pubkey_decode(s, &pk), HL_ERR_CRYPTO);
	assert_int_equal(hl_pubkey_decode(KAT_PUB, &pk), 0);
}

static void test_psk(void **state)
{
	uint8_t want[32], got[32];
	char text[64], path[128], err[512];
	(void)state;

	randombytes_buf(want, sizeof want);
	sodium_bin2base64(text, sizeof text, want, sizeof want, sodium_base64_VARIANT_ORIGINAL);
	strcat(text, "\n");
	path_in_tmp(path, sizeof path, "peer.psk");
	write_file(path, text, strlen(text), 0600);
	assert_int_equal(hl_keys_load_psk(path, got, err, sizeof err), 0);
	assert_memory_equal(got, want, 32);

	write_file(path, text, strlen(text), 0644);
	assert_int_equal(hl_keys_load_psk(path, got, err, sizeof err), HL_ERR_PERM);
	assert_non_null(strstr(err, "chmod 600"));

	sodium_bin2base64(text, sizeof text, want, 16, sodium_base64_VARIANT_ORIGINAL);
	write_file(path, text, strlen(text), 0600);
	assert_int_equal(hl_keys_load_psk(path, got, err, sizeof err), HL_ERR_INVAL);
	assert_non_null(strstr(err, path));
	uint8_t zero[32] = { 0 };
	assert_memory_equal(got, zero, 32);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/hl-test-keys-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derivation_kat),
		cmocka_unit_test(test_sign_and_dh_work),
		cmocka_unit_test(test_private_round_trip),
		cmocka_unit_test(test_private_malformed),
		cmocka_unit_test(test_load_file_permissions),
		cmocka_unit_test(test_load_file_refusals),
		cmocka_unit_test(test_pubkey_round_trip),
		cmocka_unit_test(test_pubkey_decode_rejects),
		cmocka_unit_test(test_psk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
