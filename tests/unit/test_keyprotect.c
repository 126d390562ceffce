/* test_keyprotect.c — passphrase-encrypted private key files (Argon2id +
 * XChaCha20-Poly1305) and reading passphrases from descriptors and files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "crypto/passphrase.h"

/* The cheapest parameters the reader accepts, to keep the tests quick. */
#define OPS HL_KEYS_PWHASH_OPS_MIN
#define MEM HL_KEYS_PWHASH_MEM_MIN
#define PASS "correct horse battery staple"
#define MAGIC_LEN (sizeof HL_KEYS_ENC_MAGIC - 1)

static char tmpdir[64];

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
	unlink(out);
}

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The encrypted line of id under pass, through a pipe. */
static size_t encrypt_to_text(const hl_identity *id, const char *pass, uint64_t ops, uint64_t mem,
			      char *out, size_t outlen)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(hl_keys_write_private_encrypted(fds[1], id, pass, strlen(pass), ops, mem), 0);
	close(fds[1]);
	ssize_t n = read(fds[0], out, outlen - 1);
	close(fds[0]);
	assert_true(n > 0);
	out[n] = '\0';
	return (size_t)n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_round_trip(void **state)
{
	hl_identity *a = NULL, *b = NULL;
	char text[512], err[512], path[128];
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	size_t n = encrypt_to_text(a, PASS, OPS, MEM, text, sizeof text);
	/* One line: magic, space, 140 base64 characters, newline. */
	assert_int_equal(n, MAGIC_LEN + 1 + 140 + 1);
	assert_memory_equal(text, HL_KEYS_ENC_MAGIC " ", MAGIC_LEN + 1);
	assert_int_equal(text[n - 1], '\n');
	assert_null(memchr(text, '\n', n - 1));
	/* The seed is not in the file in any form we know. */
	char plain[64];
	sodium_bin2base64(plain, sizeof plain, a->seed, 32, sodium_base64_VARIANT_ORIGINAL);
	assert_null(strstr(text, plain));
	assert_int_equal(hl_keys_is_encrypted(text, n), 1);

	assert_int_equal(hl_keys_parse_private_encrypted(text, n, PASS, strlen(PASS), &b, err,
							 sizeof err), 0);
	assert_non_null(b);
	assert_memory_equal(a->seed, b->seed, 32);
	assert_memory_equal(&a->pub, &b->pub, sizeof a->pub);
	hl_keys_free(b);
	b = NULL;
	/* Without the newline too. */
	assert_int_equal(hl_keys_parse_private_encrypted(text, n - 1, PASS, strlen(PASS), &b, err,
							 sizeof err), 0);
	assert_memory_equal(a->seed, b->seed, 32);
	hl_keys_free(b);
	b = NULL;

	/* Through a file: the loader needs the passphrase, and says so. */
	path_in_tmp(path, sizeof path, "enc.key");
	write_file(path, text, n, 0600);
	assert_int_equal(hl_keys_file_is_encrypted(path, err, sizeof err), 1);
	assert_int_equal(hl_keys_load_file(path, &b, err, sizeof err), HL_ERR_STATE);
	assert_null(b);
	assert_non_null(strstr(err, "encrypted"));
	assert_non_null(strstr(err, "passphrase is needed"));
	assert_int_equal(hl_keys_load_file_pw(path, PASS, strlen(PASS), &b, err, sizeof err), 0);
	assert_memory_equal(a->seed, b->seed, 32);
	hl_keys_free(b);
	b = NULL;
	/* An encrypted key file with loose permissions is refused like a plain one. */
	write_file(path, text, n, 0640);
	assert_int_equal(hl_keys_load_file_pw(path, PASS, strlen(PASS), &b, err, sizeof err),
			 HL_ERR_PERM);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(b);
	/* Two encryptions of one key differ (fresh salt and nonce). */
	char text2[512];
	encrypt_to_text(a, PASS, OPS, MEM, text2, sizeof text2);
	assert_string_not_equal(text, text2);
	hl_keys_free(a);
}

static void test_wrong_passphrase(void **state)
{
	static const char *const wrong[] = {
		"correct horse battery stapl", "correct horse battery staple ",
		"Correct horse battery staple", "x",
	};
	hl_identity *a = NULL, *b = NULL;
	char text[512], err[512];
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	size_t n = encrypt_to_text(a, PASS, OPS, MEM, text, sizeof text);
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		b = (hl_identity *)1;
		assert_int_equal(hl_keys_parse_private_encrypted(text, n, wrong[i], strlen(wrong[i]),
								 &b, err, sizeof err), HL_ERR_CRYPTO);
		assert_null(b);
		assert_string_equal(err, "wrong passphrase (or the key file was altered)");
	}
	/* No passphrase at all, or an over-long one, is refused before any work. */
	assert_int_equal(hl_keys_parse_private_encrypted(text, n, NULL, 0, &b, err, sizeof err),
			 HL_ERR_INVAL);
	assert_int_equal(hl_keys_parse_private_encrypted(text, n, "", 0, &b, err, sizeof err),
			 HL_ERR_INVAL);
	/* A plain-key parser does not take an encrypted key. */
	assert_int_equal(hl_keys_parse_private(text, n, &b), HL_ERR_INVAL);
	assert_null(b);
	hl_keys_free(a);
}

/* Every byte of the file, changed, is refused (malformed, out-of-range
 * parameters, or the AEAD tag): never a key, and never a different key. */
static void test_tampered_every_byte(void **state)
{
	hl_identity *a = NULL, *b = NULL;
	char text[512], bad[512], err[512];
	int n_crypto = 0, n_other = 0;
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	size_t n = encrypt_to_text(a, PASS, OPS, MEM, text, sizeof text);
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, text, n);
		/* Another character of the same class, so the base64 stays base64. */
		bad[i] = text[i] == 'A' ? 'B' : text[i] == '\n' ? 'A' : text[i] == ' ' ? '_' : 'A';
		b = (hl_identity *)1;
		int rc = hl_keys_parse_private_encrypted(bad, n, PASS, strlen(PASS), &b, err, sizeof err);
		if (rc == 0)
			fail_msg("byte %zu ('%c' -> '%c') altered, yet the key opened", i, text[i], bad[i]);
		assert_null(b);
		assert_true(err[0] != '\0');
		if (rc == HL_ERR_CRYPTO)
			n_crypto++;
		else
			n_other++;
	}
	/* Both defences were exercised: the format checks and the tag. */
	assert_true(n_crypto > 50);
	assert_true(n_other > 0);
	/* A byte added or removed. */
	memcpy(bad, text, n);
	bad[n - 1] = 'A';
	bad[n] = '\n';
	assert_int_not_equal(hl_keys_parse_private_encrypted(bad, n + 1, PASS, strlen(PASS), &b, err,
							     sizeof err), 0);
	assert_int_not_equal(hl_keys_parse_private_encrypted(text, n - 2, PASS, strlen(PASS), &b, err,
							     sizeof err), 0);
	assert_null(b);
	hl_keys_free(a);
}

/* Rewrites the parameters of an encrypted line (the tag then fails, but the
 * parameters must be judged first). */
static size_t with_params(const char *text, uint64_t ops, uint64_t mem, char *out)
{
	uint8_t blob[104];
	size_t bin_len = 0;
	assert_int_equal(sodium_base642bin(blob, sizeof blob, text + MAGIC_LEN + 1, 140, NULL, &bin_len,
					   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(bin_len, 104);
	hl_be64_put(blob + 16, ops);
	hl_be64_put(blob + 24, mem);
	memcpy(out, HL_KEYS_ENC_MAGIC " ", MAGIC_LEN + 1);
	sodium_bin2base64(out + MAGIC_LEN + 1, 141, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	return MAGIC_LEN + 1 + 140;
}

static void test_parameters_bounded(void **state)
{
	static const struct { uint64_t ops, mem; int rc; } cases[] = {
		{ 1, MEM, HL_ERR_INVAL },                        /* too weak */
		{ 0, MEM, HL_ERR_INVAL },
		{ OPS, 8u << 20, HL_ERR_INVAL },
		{ OPS, 0, HL_ERR_INVAL },
		{ OPS, (1ull << 30) + 1024, HL_ERR_TOOBIG },     /* more than 1 GiB */
		{ OPS, UINT64_MAX, HL_ERR_TOOBIG },
		{ 17, MEM, HL_ERR_TOOBIG },                      /* more passes than we allow */
		{ UINT64_MAX, MEM, HL_ERR_TOOBIG },
	};
	hl_identity *a = NULL, *b = NULL;
	char text[512], bad[512], err[512];
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	encrypt_to_text(a, PASS, OPS, MEM, text, sizeof text);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = with_params(text, cases[i].ops, cases[i].mem, bad);
		double t0 = now_s();
		int rc = hl_keys_parse_private_encrypted(bad, n, PASS, strlen(PASS), &b, err, sizeof err);
		double dt = now_s() - t0;
		assert_int_equal(rc, cases[i].rc);
		assert_null(b);
		assert_non_null(strstr(err, rc == HL_ERR_INVAL ? "too weak" : "beyond the limits"));
		/* Refused before deriving anything: no Argon2 run. */
		assert_true(dt < 0.05);
		/* And the writer will not produce such a file. */
		int fd = open("/dev/null", O_WRONLY);
		assert_int_equal(hl_keys_write_private_encrypted(fd, a, PASS, strlen(PASS), cases[i].ops,
								 cases[i].mem), cases[i].rc);
		close(fd);
	}
	/* The stored parameters are the ones used: raised ones still open. */
	size_t n = encrypt_to_text(a, PASS, 3, 128u << 20, text, sizeof text);
	assert_int_equal(hl_keys_parse_private_encrypted(text, n, PASS, strlen(PASS), &b, err,
							 sizeof err), 0);
	assert_memory_equal(a->seed, b->seed, 32);
	hl_keys_free(b);
	hl_keys_free(a);
}

static void test_plain_key_still_loads(void **state)
{
	hl_identity *a = NULL, *b = NULL;
	char path[128], err[512], line[64];
	int fds[2];
	(void)state;

	assert_int_equal(hl_keys_generate(&a), 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(hl_keys_write_private(fds[1], a), 0);
	close(fds[1]);
	ssize_t n = read(fds[0], line, sizeof line);
	close(fds[0]);
	assert_int_equal(n, 45);
	path_in_tmp(path, sizeof path, "plain.key");
	write_file(path, line, (size_t)n, 0600);
	assert_int_equal(hl_keys_file_is_encrypted(path, err, sizeof err), 0);
	assert_int_equal(hl_keys_is_encrypted(line, (size_t)n), 0);
	assert_int_equal(hl_keys_load_file(path, &b, err, sizeof err), 0);
	assert_memory_equal(a->seed, b->seed, 32);
	hl_keys_free(b);
	/* A passphrase given for a plain key is not needed and does no harm. */
	assert_int_equal(hl_keys_load_file_pw(path, PASS, strlen(PASS), &b, err, sizeof err), 0);
	assert_memory_equal(a->seed, b->seed, 32);
	hl_keys_free(b);
	/* Something that merely starts like the magic is not encrypted. */
	assert_int_equal(hl_keys_is_encrypted(HL_KEYS_ENC_MAGIC, MAGIC_LEN), 0);
	assert_int_equal(hl_keys_is_encrypted(HL_KEYS_ENC_MAGIC "x", MAGIC_LEN + 1), 0);
	hl_keys_free(a);
}

/* A pipe holding text; returns the read end. */
static int pipe_with(const char *text, size_t len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, len), (ssize_t)len);
	close(fds[1]);
	return fds[0];
}

static void test_passphrase_from_fd(void **state)
{
	hl_passphrase pp = { NULL, 0 };
	char err[256], rest[16];
	char big[HL_PASSPHRASE_MAX + 2];
	(void)state;

	int fd = pipe_with("s3cret words\nNEXT", 17);
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), 0);
	assert_int_equal(pp.len, 12);
	assert_memory_equal(pp.p, "s3cret words", 12);
	/* Only the line was consumed. */
	assert_int_equal(read(fd, rest, sizeof rest), 4);
	assert_memory_equal(rest, "NEXT", 4);
	close(fd);
	hl_passphrase_free(&pp);
	assert_null(pp.p);
	hl_passphrase_free(&pp); /* twice is harmless */

	fd = pipe_with("crlf\r\n", 6); /* a line typed on Windows */
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), 0);
	assert_int_equal(pp.len, 4);
	close(fd);
	hl_passphrase_free(&pp);

	fd = pipe_with("no newline", 10);
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), 0);
	assert_int_equal(pp.len, 10);
	close(fd);
	hl_passphrase_free(&pp);

	fd = pipe_with("\n", 1);
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), HL_ERR_INVAL);
	assert_null(pp.p);
	close(fd);
	fd = pipe_with("", 0);
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), HL_ERR_INVAL);
	assert_non_null(strstr(err, "no passphrase"));
	close(fd);
	fd = pipe_with("a\0b\n", 4);
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), HL_ERR_INVAL);
	assert_non_null(strstr(err, "NUL"));
	close(fd);
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	fd = pipe_with(big, sizeof big);
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), HL_ERR_TOOBIG);
	assert_null(pp.p);
	close(fd);
	fd = pipe_with(big + 1, sizeof big - 1); /* exactly the maximum */
	assert_int_equal(hl_passphrase_read_fd(fd, &pp, err, sizeof err), 0);
	assert_int_equal(pp.len, HL_PASSPHRASE_MAX);
	close(fd);
	hl_passphrase_free(&pp);

	assert_int_equal(hl_passphrase_read_fd(987, &pp, err, sizeof err), HL_ERR_INVAL);
	assert_non_null(strstr(err, "not an open file descriptor"));
	assert_int_equal(hl_passphrase_parse_fd("3"), 3);
	assert_int_equal(hl_passphrase_parse_fd("-1"), -1);
	assert_int_equal(hl_passphrase_parse_fd("3x"), -1);
	assert_int_equal(hl_passphrase_parse_fd(""), -1);
	assert_int_equal(hl_passphrase_parse_fd("99999999999"), -1);
}

static void test_passphrase_from_file(void **state)
{
	hl_passphrase pp = { NULL, 0 };
	char path[128], link[128], err[512];
	(void)state;

	path_in_tmp(path, sizeof path, "pass");
	write_file(path, "from a file\nignored\n", 20, 0600);
	assert_int_equal(hl_passphrase_read_file(path, &pp, err, sizeof err), 0);
	assert_int_equal(pp.len, 11);
	assert_memory_equal(pp.p, "from a file", 11);
	hl_passphrase_free(&pp);
	write_file(path, "from a file\n", 12, 0644);
	assert_int_equal(hl_passphrase_read_file(path, &pp, err, sizeof err), HL_ERR_PERM);
	assert_null(pp.p);
	assert_non_null(strstr(err, "chmod 600"));
	path_in_tmp(link, sizeof link, "pass.link");
	write_file(path, "from a file\n", 12, 0600);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(hl_passphrase_read_file(link, &pp, err, sizeof err), HL_ERR_PERM);
	assert_non_null(strstr(err, "symbolic link"));
	path_in_tmp(path, sizeof path, "missing");
	assert_int_equal(hl_passphrase_read_file(path, &pp, err, sizeof err), HL_ERR_IO);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/hl-test-keyprotect-XXXXXX");
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
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_passphrase),
		cmocka_unit_test(test_tampered_every_byte),
		cmocka_unit_test(test_parameters_bounded),
		cmocka_unit_test(test_plain_key_still_loads),
		cmocka_unit_test(test_passphrase_from_fd),
		cmocka_unit_test(test_passphrase_from_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
