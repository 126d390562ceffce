/* hsload.c — handshake load for bench/handshake_bench.sh: real IK initiator
 * handshakes (the project's Noise code) against a running hotlined, as many
 * pinned peers from many loopback source addresses; one at a time for the
 * latency; and the responder's Noise work alone, in process, for comparison. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "crypto/noise.h"
#include "record/wire.h"

#define MAX_KEYS 48       /* one handshake in flight per key; the daemon allows 64 half-open */
#define MSG1_MAX 128      /* IK message 1 with a 12-byte timestamp is 108 bytes */
#define MSG2_LEN 48       /* e (32) + tag of the empty payload (16) */
#define IO_TIMEOUT_MS 8000
/* The daemon allows 10 handshakes/s per source with a burst of 20; we keep a
 * copy of each bucket, a little stricter, so that no handshake is refused
 * for the limit and a slow figure is never the limiter's doing. */
#define SRC_RATE 9.5
#define SRC_BURST 19.0

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Peer identities from fixed seeds: `hsload keys` prints the public keys for
 * the station's config, the other modes derive the same secrets. */
static int peer_identity(unsigned i, hl_identity **out)
{
	uint8_t seed[HL_SEED_LEN];
	memset(seed, 0, sizeof seed);
	memcpy(seed, "hsload-peer", 11);
	hl_be32_put(seed + 28, i);
	int rc = hl_keys_from_seed(seed, out);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

typedef struct {
	struct sockaddr_in dst;
	unsigned src_first, src_last; /* last octet of 127.0.0.x */
	double tokens[256], refill[256];
	unsigned next_src;
} net;

/* Next source address with a token left, or 0 if none has one now. */
static unsigned take_source(net *n, double t)
{
	unsigned span = n->src_last - n->src_first + 1;
	for (unsigned k = 0; k < span; k++) {
		unsigned s = n->src_first + (n->next_src + k) % span;
		if (n->refill[s] == 0) {
			n->tokens[s] = SRC_BURST;
			n->refill[s] = t;
		}
		n->tokens[s] += (t - n->refill[s]) * SRC_RATE;
		if (n->tokens[s] > SRC_BURST)
			n->tokens[s] = SRC_BURST;
		n->refill[s] = t;
		if (n->tokens[s] >= 1.0) {
			n->tokens[s] -= 1.0;
			n->next_src = (n->next_src + k + 1) % span;
			return s;
		}
	}
	return 0;
}

/* Non-blocking connect from 127.0.0.src; -1 on failure. */
static int dial(const net *n, unsigned src)
{
	struct sockaddr_in b;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&b, 0, sizeof b);
	b.sin_family = AF_INET;
	b.sin_addr.s_addr = htonl(0x7f000000u | src);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&b, sizeof b) < 0 ||
	    (connect(fd, (const struct sockaddr *)&n->dst, sizeof n->dst) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Message 1 as a frame, with a fresh timestamp: the daemon refuses one not
 * newer than the last it accepted from that key. */
static int build_msg1(const hl_identity *id, const hl_pubkey *station, hl_noise_hs **hs,
		      uint8_t frame[2 + MSG1_MAX], size_t *flen)
{
	uint8_t ts[12];
	size_t olen = 0;
	*hs = NULL;
	int rc = hl_noise_hs_new(hs, HL_PROTO_IK, 1, (const uint8_t *)HL_PROLOGUE,
				 strlen(HL_PROLOGUE), id->x_sk, station->x, NULL, NULL, 0);
	hl_tai64n_now(ts);
	if (rc == 0)
		rc = hl_noise_hs_write(*hs, ts, sizeof ts, frame + 2, MSG1_MAX, &olen);
	if (rc < 0) {
		hl_noise_hs_free(*hs);
		*hs = NULL;
		return rc;
	}
	hl_be16_put(frame, (uint16_t)olen);
	*flen = 2 + olen;
	return 0;
}

/* Message 2 must decrypt, carry no payload and end the handshake. */
static int check_msg2(hl_noise_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t payload[16];
	size_t plen = 0;
	if (hl_noise_hs_read(hs, msg, len, payload, sizeof payload, &plen) < 0 || plen != 0 ||
	    !hl_noise_hs_done(hs))
		return HL_ERR_CRYPTO;
	return 0;
}

enum { J_IDLE, J_CONNECTING, J_WAIT2, J_DONE, J_REFUSED, J_FAILED };

typedef struct {
	hl_noise_hs *hs;
	uint8_t frame[2 + MSG1_MAX];
	size_t flen;
	uint8_t in[2 + MSG2_LEN];
	size_t got;
	int state;
} job;

typedef struct {
	int fd;
	size_t next;    /* index of this slot's current job */
	double t_start; /* of the current job, for the deadline */
} slot;

static long daemon_cpu_ticks(long pid)
{
	char path[64], buf[1024];
	unsigned long ut = 0, st = 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	/* After the command name in parentheses: state is field 3, utime 14, stime 15. */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* Reads what is there; 1 the frame is whole, 0 not yet, -1 closed or broken. */
static int read_msg2(int fd, job *j)
{
	for (;;) {
		ssize_t r = recv(fd, j->in + j->got, sizeof j->in - j->got, 0);
		if (r > 0) {
			j->got += (size_t)r;
			if (j->got == sizeof j->in)
				return hl_be16_get(j->in) == MSG2_LEN ? 1 : -1;
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return -1;
	}
}

/* Advances one slot's job on a poll event; returns 1 when the job is over. */
static int step(slot *sl, job *j, short revents)
{
	if (j->state == J_CONNECTING && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(sl->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err ||
		    send(sl->fd, j->frame, j->flen, MSG_NOSIGNAL) != (ssize_t)j->flen) {
			j->state = J_FAILED;
			return 1;
		}
		j->state = J_WAIT2;
		return 0;
	}
	if (j->state == J_WAIT2 && (revents & (POLLIN | POLLERR | POLLHUP))) {
		int r = read_msg2(sl->fd, j);
		if (r == 0)
			return 0;
		/* Closed before a byte of reply: the daemon refused message 1. */
		j->state = r == 1 ? J_DONE : j->got == 0 ? J_REFUSED : J_FAILED;
		return 1;
	}
	return 0;
}

static int parse_dst(const char *s, struct sockaddr_in *dst)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	memset(dst, 0, sizeof *dst);
	dst->sin_family = AF_INET;
	dst->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &dst->sin_addr) == 1 ? 0 : -1;
}

/* rate: total handshakes, keys in flight (one per pinned key, so each key's
 * timestamps reach the daemon in order). Message 1s are built before the
 * clock starts and message 2s checked after it stops, so during the run this
 * process only moves bytes and the daemon's work is what is timed. */
static int cmd_rate(net *n, const hl_pubkey *station, unsigned nkeys, size_t total, long pid)
{
	hl_identity *ids[MAX_KEYS] = { 0 };
	job *jobs = calloc(total, sizeof *jobs);
	slot sl[MAX_KEYS];
	struct pollfd pf[MAX_KEYS];
	size_t done = 0, ok = 0, refused = 0, failed = 0, bad = 0;
	double throttled = 0, t0, t_end;
	int ret = EXIT_FAIL;

	for (unsigned k = 0; k < MAX_KEYS; k++) {
		sl[k].fd = -1;
		sl[k].next = k;
	}
	if (!jobs)
		return EXIT_FAIL;
	for (unsigned k = 0; k < nkeys; k++)
		if (peer_identity(k, &ids[k]) < 0)
			goto out;
	for (size_t i = 0; i < total; i++)
		if (build_msg1(ids[i % nkeys], station, &jobs[i].hs, jobs[i].frame, &jobs[i].flen) < 0) {
			fprintf(stderr, "hsload: cannot build message 1\n");
			goto out;
		}
	long cpu0 = pid > 0 ? daemon_cpu_ticks(pid) : -1;
	t0 = t_end = now_s();
	while (done < total) {
		double t = now_s();
		int waiting_src = 0;
		for (unsigned k = 0; k < nkeys; k++) {
			if (sl[k].fd >= 0 || sl[k].next >= total)
				continue;
			unsigned src = take_source(n, t);
			if (!src) {
				waiting_src = 1;
				break;
			}
			job *j = &jobs[sl[k].next];
			sl[k].fd = dial(n, src);
			sl[k].t_start = t;
			j->state = J_CONNECTING;
			if (sl[k].fd < 0) {
				j->state = J_FAILED;
				fprintf(stderr, "hsload: connect from 127.0.0.%u: %s\n", src, strerror(errno));
				goto out;
			}
		}
		int np = 0;
		for (unsigned k = 0; k < nkeys; k++) {
			if (sl[k].fd < 0)
				continue;
			short ev = jobs[sl[k].next].state == J_CONNECTING ? POLLOUT : POLLIN;
			pf[np++] = (struct pollfd){ .fd = sl[k].fd, .events = ev };
		}
		if (np == 0) {
			/* Every source out of tokens and nothing in flight. */
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
			throttled += 0.005;
			continue;
		}
		if (poll(pf, (nfds_t)np, waiting_src ? 5 : 1000) < 0 && errno != EINTR)
			goto out;
		t = now_s();
		int p = 0;
		for (unsigned k = 0; k < nkeys; k++) {
			if (sl[k].fd < 0)
				continue;
			job *j = &jobs[sl[k].next];
			short re = pf[p++].revents;
			int over = step(&sl[k], j, re);
			if (!over && t - sl[k].t_start > IO_TIMEOUT_MS / 1000.0) {
				j->state = J_FAILED;
				over = 1;
			}
			if (!over)
				continue;
			/* Closing at once: the daemon's HELLO, unread, turns it into
			 * a reset, which is what a vanished peer looks like. */
			close(sl[k].fd);
			sl[k].fd = -1;
			sl[k].next += nkeys;
			done++;
			t_end = t;
		}
	}
	long cpu1 = pid > 0 ? daemon_cpu_ticks(pid) : -1;
	double secs = t_end - t0;
	for (size_t i = 0; i < total; i++) {
		job *j = &jobs[i];
		if (j->state == J_DONE && check_msg2(j->hs, j->in + 2, MSG2_LEN) == 0)
			ok++;
		else if (j->state == J_DONE)
			bad++;
		else if (j->state == J_REFUSED)
			refused++;
		else
			failed++;
	}
	printf("# %zu handshakes, %u keys in flight, sources 127.0.0.%u-%u: %zu completed and valid, "
	       "%zu refused, %zu failed, %zu invalid message 2; %.2f s; client waited for source "
	       "tokens %.2f s\n", total, nkeys, n->src_first, n->src_last, ok, refused, failed, bad,
	       secs, throttled);
	if (throttled > 0)
		printf("# the client waited for the per-source limit: the figure below is a floor\n");
	printf("handshakes_per_s %.0f handshakes/s\n", (double)ok / secs);
	printf("handshakes_completed %zu handshakes\n", ok);
	printf("handshakes_refused %zu handshakes\n", refused + failed);
	if (cpu0 >= 0 && cpu1 >= 0 && ok > 0)
		printf("handshake_responder_cpu_us %.0f us\n",
		       (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK) * 1e6 / (double)ok);
	ret = bad || ok == 0 ? EXIT_FAIL : EXIT_OK;
out:
	for (unsigned k = 0; k < nkeys; k++)
		if (sl[k].fd >= 0)
			close(sl[k].fd);
	for (size_t i = 0; i < total; i++)
		hl_noise_hs_free(jobs[i].hs);
	free(jobs);
	for (unsigned k = 0; k < MAX_KEYS; k++)
		hl_keys_free(ids[k]);
	return ret;
}

/* Blocking wait on one fd with a deadline; 1 ready, 0 not. */
static int wait_fd(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r;
	do
		r = poll(&p, 1, IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r == 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* latency: one handshake at a time with key 0, each from the next source.
 * Timed from building message 1 (the initiator's work included) to message
 * 2 checked; the TCP connect before it is not. */
static int cmd_latency(net *n, const hl_pubkey *station, size_t count)
{
	hl_identity *id = NULL;
	double *ms = calloc(count, sizeof *ms);
	size_t done = 0;
	int ret = EXIT_FAIL;
	if (!ms || peer_identity(0, &id) < 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		unsigned src;
		while (!(src = take_source(n, now_s()))) {
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
		}
		int fd = dial(n, src);
		if (fd < 0 || !wait_fd(fd, POLLOUT)) {
			fprintf(stderr, "hsload: connect from 127.0.0.%u failed\n", src);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		job j;
		memset(&j, 0, sizeof j);
		double t0 = now_s();
		int rc = build_msg1(id, station, &j.hs, j.frame, &j.flen);
		if (rc == 0 && send(fd, j.frame, j.flen, MSG_NOSIGNAL) != (ssize_t)j.flen)
			rc = HL_ERR_IO;
		int r = 0;
		while (rc == 0 && (r = read_msg2(fd, &j)) == 0)
			if (!wait_fd(fd, POLLIN))
				r = -1;
		if (rc == 0 && r == 1)
			rc = check_msg2(j.hs, j.in + 2, MSG2_LEN);
		double t1 = now_s();
		close(fd);
		hl_noise_hs_free(j.hs);
		if (rc < 0 || r != 1) {
			fprintf(stderr, "hsload: handshake %zu from 127.0.0.%u failed (%zu bytes of reply)\n",
				i, src, j.got);
			goto out;
		}
		ms[done++] = (t1 - t0) * 1e3;
	}
	qsort(ms, done, sizeof *ms, cmp_double);
	printf("# %zu handshakes one at a time\n", done);
	printf("handshake_ms %.3f ms\n", done % 2 ? ms[done / 2] : (ms[done / 2 - 1] + ms[done / 2]) / 2);
	printf("handshake_p90_ms %.3f ms\n", ms[(done * 9) / 10]);
	ret = EXIT_OK;
out:
	free(ms);
	hl_keys_free(id);
	return ret;
}

/* inprocess: the responder's Noise work (IK, message 1 read, message 2
 * written, state created and freed) on message 1s built beforehand, one
 * core, no network, no store, no HELLO. */
static int cmd_inprocess(double secs)
{
	enum { NMSG = 256, NKEYS = 16 };
	hl_identity *station = NULL, *ids[NKEYS] = { 0 };
	uint8_t(*msg1)[2 + MSG1_MAX] = calloc(NMSG, sizeof *msg1);
	size_t len1[NMSG];
	unsigned long long n = 0;
	int ret = EXIT_FAIL, bad = 0;

	if (!msg1 || hl_keys_generate(&station) < 0)
		goto out;
	for (unsigned k = 0; k < NKEYS; k++)
		if (peer_identity(k, &ids[k]) < 0)
			goto out;
	for (unsigned i = 0; i < NMSG; i++) {
		hl_noise_hs *hs = NULL;
		if (build_msg1(ids[i % NKEYS], &station->pub, &hs, msg1[i], &len1[i]) < 0)
			goto out;
		hl_noise_hs_free(hs);
	}
	double t0 = now_s(), t;
	do {
		for (unsigned i = 0; i < NMSG; i++, n++) {
			hl_noise_hs *hs = NULL;
			uint8_t payload[64], out2[128], rs[32];
			size_t plen = 0, olen = 0;
			int rc = hl_noise_hs_new(&hs, HL_PROTO_IK, 0, (const uint8_t *)HL_PROLOGUE,
						 strlen(HL_PROLOGUE), station->x_sk, NULL, NULL, NULL, 0);
			if (rc == 0)
				rc = hl_noise_hs_read(hs, msg1[i] + 2, len1[i] - 2, payload, sizeof payload, &plen);
			if (rc == 0)
				rc = hl_noise_hs_remote_static(hs, rs);
			if (rc == 0)
				rc = hl_noise_hs_write(hs, NULL, 0, out2, sizeof out2, &olen);
			/* It must have found the key that sent it, or it did not do the work. */
			bad |= rc < 0 || plen != 12 || olen != MSG2_LEN ||
			       memcmp(rs, ids[i % NKEYS]->pub.x, 32) != 0;
			hl_noise_hs_free(hs);
		}
		t = now_s() - t0;
	} while (t < secs);
	if (bad) {
		fprintf(stderr, "hsload: in-process responder failed\n");
		goto out;
	}
	printf("handshakes_per_s_inprocess %.0f handshakes/s\n", (double)n / t);
	ret = EXIT_OK;
out:
	free(msg1);
	hl_keys_free(station);
	for (unsigned k = 0; k < NKEYS; k++)
		hl_keys_free(ids[k]);
	return ret;
}

static int usage(void)
{
	fputs("usage: hsload keys N\n"
	      "       hsload rate HOST:PORT STATION_PUB --total N [--keys K] [--pid PID] [--sources A-B]\n"
	      "       hsload latency HOST:PORT STATION_PUB --count N [--sources A-B]\n"
	      "       hsload inprocess SECONDS\n"
	      "  keys: the public keys of peers 0..N-1, to pin in the station's config\n"
	      "  rate: K (default 16, at most 48) handshakes in flight, each from a key 0..K-1\n"
	      "  --sources: last octets of the 127.0.0.x source addresses (default 2-254)\n",
	      stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	net n;
	hl_pubkey station;
	unsigned long total = 0, nkeys = 16, a = 2, b = 254;
	long pid = 0;

	if (argc < 3 || sodium_init() < 0)
		return usage();
	if (!strcmp(argv[1], "keys")) {
		unsigned long k = strtoul(argv[2], NULL, 10);
		char s[HL_PUBKEY_B64_LEN + 1];
		for (unsigned long i = 0; i < k; i++) {
			hl_identity *id = NULL;
			if (peer_identity((unsigned)i, &id) < 0)
				return EXIT_FAIL;
			hl_pubkey_encode(&id->pub, s);
			puts(s);
			hl_keys_free(id);
		}
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "inprocess"))
		return cmd_inprocess(atof(argv[2]));
	if (argc < 4)
		return usage();
	memset(&n, 0, sizeof n);
	if (parse_dst(argv[2], &n.dst) < 0 || hl_pubkey_decode(argv[3], &station) < 0)
		return usage();
	for (int i = 4; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--total") || !strcmp(o, "--count"))
			total = strtoul(v, NULL, 10);
		else if (!strcmp(o, "--keys"))
			nkeys = strtoul(v, NULL, 10);
		else if (!strcmp(o, "--pid"))
			pid = strtol(v, NULL, 10);
		else if (!strcmp(o, "--sources") && sscanf(v, "%lu-%lu", &a, &b) == 2)
			continue;
		else
			return usage();
	}
	if ((argc - 4) % 2 || total == 0 || nkeys == 0 || nkeys > MAX_KEYS || a < 1 || b > 254 || a > b)
		return usage();
	n.src_first = (unsigned)a;
	n.src_last = (unsigned)b;
	if (!strcmp(argv[1], "rate"))
		return cmd_rate(&n, &station, (unsigned)nkeys, total, pid);
	if (!strcmp(argv[1], "latency"))
		return cmd_latency(&n, &station, total);
	return usage();
}
