/* ceilings_bench.c — what the machine allows, single core, so the daemon's
 * figures can be read against it: Ed25519 sign and verify of a 1 KiB message
 * (about an entry), ChaCha20-Poly1305 on 1 KiB (a transport record), and
 * 4 KiB write + fdatasync on the state directory's filesystem (one commit).
 * Each runs for a fixed time: 2 s, or 0.3 s with BENCH_QUICK=1. The file for
 * the fdatasync loop goes in BENCH_DIR (default: the build directory). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 1024u
#define SYNC_BLOCK 4096u
#define SYNC_SLOTS 64u /* the loop overwrites a 256 KiB file, as a reused WAL would */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The clock is read once per batch, so it costs nothing next to the work. */
#define TIMED_LOOP(secs, batch, n, elapsed, body)                   \
	do {                                                        \
		double t0_ = now_s();                               \
		(n) = 0;                                            \
		do {                                                \
			for (unsigned i_ = 0; i_ < (batch); i_++) { \
				body;                               \
				(n)++;                              \
			}                                           \
			(elapsed) = now_s() - t0_;                  \
		} while ((elapsed) < (secs));                       \
	} while (0)

static int sign_verify(double secs, double *sign_rate, double *verify_rate)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char msg[MSG_LEN], sig[crypto_sign_BYTES];
	unsigned long long n;
	double t;
	int bad = 0;

	randombytes_buf(msg, sizeof msg);
	if (crypto_sign_keypair(pk, sk) != 0)
		return -1;
	/* Each signature over a changed message: libsodium must not be able to
	 * skip work, and the signature verified below is a real one. */
	TIMED_LOOP(secs, 64, n, t, {
		msg[0] = (unsigned char)n;
		bad |= crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	});
	*sign_rate = (double)n / t;
	TIMED_LOOP(secs, 64, n, t, { bad |= crypto_sign_verify_detached(sig, msg, sizeof msg, pk); });
	*verify_rate = (double)n / t;
	/* A tampered message must fail, or the loop above measured nothing. */
	msg[1] ^= 1;
	if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk) == 0)
		bad = 1;
	sodium_memzero(sk, sizeof sk);
	return bad ? -1 : 0;
}

static int aead(double secs, double *rate)
{
	unsigned char key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
	unsigned char nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = { 0 };
	unsigned char pt[MSG_LEN], ct[MSG_LEN + crypto_aead_chacha20poly1305_ietf_ABYTES];
	unsigned long long n, clen = 0;
	double t;
	int bad = 0;

	crypto_aead_chacha20poly1305_ietf_keygen(key);
	randombytes_buf(pt, sizeof pt);
	/* A fresh nonce per message, as the transport's counter does. */
	TIMED_LOOP(secs, 256, n, t, {
		memcpy(nonce + 4, &n, sizeof n);
		bad |= crypto_aead_chacha20poly1305_ietf_encrypt(ct, &clen, pt, sizeof pt, NULL, 0,
								 NULL, nonce, key);
	});
	*rate = (double)n / t;
	if (clen != sizeof ct ||
	    crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, clen, NULL, 0, nonce, key) != 0)
		bad = 1;
	sodium_memzero(key, sizeof key);
	return bad ? -1 : 0;
}

static int write_all_at(int fd, const unsigned char *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int fsync_rate(const char *dir, double secs, double *rate)
{
	char path[4096];
	unsigned char block[SYNC_BLOCK];
	unsigned long long n;
	double t;
	int fd, bad = 0;

	snprintf(path, sizeof path, "%s/ceilings_bench.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "ceilings_bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	unlink(path);
	randombytes_buf(block, sizeof block);
	/* Allocate the file first: the loop then measures data syncs, not the
	 * metadata updates a growing file would add. */
	for (unsigned i = 0; i < SYNC_SLOTS && !bad; i++)
		bad |= write_all_at(fd, block, sizeof block, (off_t)i * SYNC_BLOCK);
	if (!bad && fsync(fd) != 0)
		bad = 1;
	if (!bad) {
		TIMED_LOOP(secs, 4, n, t, {
			block[0] = (unsigned char)n;
			bad |= write_all_at(fd, block, sizeof block, (off_t)(n % SYNC_SLOTS) * SYNC_BLOCK);
			bad |= fdatasync(fd) != 0;
		});
		*rate = (double)n / t;
	}
	close(fd);
	if (bad)
		fprintf(stderr, "ceilings_bench: write or fdatasync in %s failed: %s\n", dir, strerror(errno));
	return bad ? -1 : 0;
}

int main(void)
{
	const char *quick = getenv("BENCH_QUICK"), *dir = getenv("BENCH_DIR");
	const char *build = getenv("BUILD");
	double secs = quick && strcmp(quick, "1") == 0 ? 0.3 : 2.0;
	double sign = 0, verify = 0, enc = 0, sync = 0;

	if (!dir || !*dir)
		dir = build && *build ? build : "build";
	if (sodium_init() < 0)
		return 1;
	if (sign_verify(secs, &sign, &verify) < 0 || aead(secs, &enc) < 0) {
		fprintf(stderr, "ceilings_bench: a libsodium call failed\n");
		return 1;
	}
	if (fsync_rate(dir, secs, &sync) < 0)
		return 1;
	printf("# %.1f s each, one core; fdatasync on %s\n", secs, dir);
	printf("ceiling_ed25519_sign_per_s %.0f signs/s\n", sign);
	printf("ceiling_ed25519_verify_per_s %.0f verifies/s\n", verify);
	printf("ceiling_chacha20poly1305_1k_per_s %.0f messages/s\n", enc);
	printf("ceiling_fdatasync_per_s %.0f syncs/s\n", sync);
	return 0;
}
