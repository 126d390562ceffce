/* verify_bench.c — verify speed and peak memory: generates transcripts of
 * 1,000,000 and 100,000 entries (BENCH_QUICK=1: 50,000 and 5,000) with
 * tests/tools/hlt_make, verifies each with `hotline verify` in a child process
 * (its own peak RSS),
 * and measures libsodium's single-core Ed25519 verify rate in the same run.
 * Prints "name value unit" lines (bench/run.sh collects them). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


typedef struct {
	int ok;
	uint64_t entries;
	double seconds;
} result;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Verifies of a detached signature over a 300-byte message, for ~2 s. */
static double ceiling(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char msg[300], sig[crypto_sign_BYTES];
	double t0, t;
	uint64_t n = 0;

	randombytes_buf(msg, sizeof msg);
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	t0 = now_s();
	do {
		for (int i = 0; i < 256; i++, n++)
			if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk) != 0)
				return 0;
		t = now_s() - t0;
	} while (t < 2.0);
	return (double)n / t;
}

static pid_t spawn_make(const char *tool, uint64_t per_side, const char *out)
{
	char n[32];
	pid_t pid;

	snprintf(n, sizeof n, "%llu", (unsigned long long)per_side);
	pid = fork();
	if (pid == 0) {
		execl(tool, tool, "-n", n, "--unreceipted", "3,0", "-o", out, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int wait_ok(pid_t pid)
{
	int st;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Runs `hotline verify --quiet FILE`, the shipped verifier, as a child:
 * wall time around it (startup is milliseconds), its own peak RSS. */
static int verify_child(const char *hotline, const char *path, uint64_t entries, result *res,
			long *maxrss_kib)
{
	struct rusage ru;
	double t0 = now_s();
	int st;
	pid_t pid;

	memset(res, 0, sizeof *res);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(hotline, hotline, "verify", "--quiet", path, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) != pid)
		return -1;
	res->seconds = now_s() - t0;
	res->entries = entries;
	res->ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	*maxrss_kib = ru.ru_maxrss; /* KiB on Linux */
	return res->ok ? 0 : -1;
}

int main(void)
{
	const char *quick = getenv("BENCH_QUICK"), *build = getenv("BUILD");
	const char *tool = getenv("HLT_MAKE"), *tmp = getenv("TMPDIR");
	char hotline[4096];
	uint64_t big = 1000000, small = 100000;
	char dir[4096], tool_buf[4096], f_big[4200], f_small[4200];
	double t0, c1, c2, c;
	result rb, rs;
	long rss_b = 0, rss_s = 0;
	int rc = 1;

	if (quick && strcmp(quick, "1") == 0) {
		big = 50000;
		small = 5000;
	}
	if (!tool) {
		snprintf(tool_buf, sizeof tool_buf, "%s/tests/hlt_make", build ? build : "build");
		tool = tool_buf;
	}
	snprintf(hotline, sizeof hotline, "%s/hotline", build ? build : "build");
	snprintf(dir, sizeof dir, "%s/hlt-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (sodium_init() < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "verify_bench: cannot set up: %s\n", strerror(errno));
		return 1;
	}
	snprintf(f_big, sizeof f_big, "%s/big.hlt", dir);
	snprintf(f_small, sizeof f_small, "%s/small.hlt", dir);

	/* Both files at once: generation signs every entry and is not measured. */
	t0 = now_s();
	pid_t pb = spawn_make(tool, big / 2, f_big), ps = spawn_make(tool, small / 2, f_small);
	int gen_ok = wait_ok(pb) & wait_ok(ps);
	if (!gen_ok) {
		fprintf(stderr, "verify_bench: %s failed (run 'make tests' first)\n", tool);
		goto out;
	}
	printf("# generated %llu + %llu entries in %.1f s\n", (unsigned long long)big,
	       (unsigned long long)small, now_s() - t0);
	fflush(stdout);

	c1 = ceiling();
	if (verify_child(hotline, f_small, small, &rs, &rss_s) < 0 ||
	    verify_child(hotline, f_big, big, &rb, &rss_b) < 0) {
		fprintf(stderr, "verify_bench: verification failed\n");
		goto out;
	}
	c2 = ceiling();
	c = c1 > c2 ? c1 : c2; /* the better ceiling: the stricter ratio */
	printf("# ceiling before %.0f, after %.0f verifies/s\n", c1, c2);
	printf("verify_transcript_entries %llu entries\n", (unsigned long long)rb.entries);
	printf("verify_entries_per_s %.0f entries/s\n", (double)rb.entries / rb.seconds);
	printf("verify_ceiling_ed25519_verify_per_s %.0f verifies/s\n", c);
	printf("verify_ratio %.3f\n", (double)rb.entries / rb.seconds / c);
	printf("verify_peak_rss_kib %ld KiB\n", rss_b);
	printf("verify_small_transcript_entries %llu entries\n", (unsigned long long)rs.entries);
	printf("verify_small_entries_per_s %.0f entries/s\n", (double)rs.entries / rs.seconds);
	printf("verify_small_peak_rss_kib %ld KiB\n", rss_s);
	rc = 0;
out:
	unlink(f_big);
	unlink(f_small);
	rmdir(dir);
	return rc;
}
