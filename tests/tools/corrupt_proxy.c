/* corrupt_proxy.c — a TCP relay for the fault-injection suite that flips one
 * random byte in about one of every N chunks it forwards, in either direction;
 * it can also hold each connection a while first (a slow path). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "config.h"

#define CHUNK 16384

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

typedef struct {
	struct sockaddr_storage listen_at, target, source;
	socklen_t target_len;
	int has_source;         /* --source: the relay's own address towards the target */
	unsigned hold_ms;       /* --hold: wait this long before reaching the target */
	unsigned one_in;        /* corrupt a chunk with probability 1/one_in (0: never) */
	unsigned long skip;     /* bytes per direction passed untouched first */
	uint64_t seed;
} opts;

/* One relayed connection: the two sockets and the bytes seen each way. */
typedef struct {
	unsigned id;
	int fd[2];              /* 0: the dialling station, 1: the target */
	unsigned long seen[2];
	unsigned long corrupted;
	uint64_t rng;
} relay;

static int usage(void)
{
	fprintf(stderr,
		"usage: corrupt_proxy LISTEN TARGET [--one-in N] [--skip BYTES] [--seed S] [--hold MS]\n"
		"                     [--source IP]\n"
		"  LISTEN, TARGET  ip:port; relays every TCP connection made to LISTEN to TARGET\n"
		"  --one-in N      flip one random byte in about 1 of N chunks (default 20; 0 = never)\n"
		"  --skip BYTES    leave the first BYTES of each direction untouched (default 0)\n"
		"  --seed S        random seed (default: from the clock); printed at start\n"
		"  --hold MS       accept at once, reach the target only MS later: what the dialler\n"
		"                  sent first arrives that late (a slow path)\n"
		"  --source IP     connect to the target from this address\n"
		"Logs one line per connection, corruption and close on stderr.\n");
	return EXIT_USAGE;
}

/* xorshift64*: reproducible from the printed seed, unlike randombytes. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* An address without a port (any port is taken for the bind). */
static int parse_source(const char *ip, struct sockaddr_storage *ss)
{
	char buf[80];
	int n = snprintf(buf, sizeof buf, strchr(ip, ':') ? "[%s]:1" : "%s:1", ip);
	if (n < 0 || (size_t)n >= sizeof buf || hl_config_parse_addr(buf, ss) < 0)
		return -1;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
	else
		((struct sockaddr_in *)ss)->sin_port = 0;
	return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
	unsigned long long v;
	memset(o, 0, sizeof *o);
	o->one_in = 20;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (argc < 3 || hl_config_parse_addr(argv[1], &o->listen_at) < 0 ||
	    hl_config_parse_addr(argv[2], &o->target) < 0)
		return -1;
	o->target_len = o->target.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							 : sizeof(struct sockaddr_in);
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			return -1;
		if (strcmp(argv[i], "--one-in") == 0 && parse_uint(argv[i + 1], 1000000, &v) == 0)
			o->one_in = (unsigned)v;
		else if (strcmp(argv[i], "--skip") == 0 && parse_uint(argv[i + 1], 1UL << 30, &v) == 0)
			o->skip = (unsigned long)v;
		else if (strcmp(argv[i], "--seed") == 0 && parse_uint(argv[i + 1], UINT64_MAX, &v) == 0)
			o->seed = v;
		else if (strcmp(argv[i], "--hold") == 0 && parse_uint(argv[i + 1], 600000, &v) == 0)
			o->hold_ms = (unsigned)v;
		else if (strcmp(argv[i], "--source") == 0 && parse_source(argv[i + 1], &o->source) == 0)
			o->has_source = 1;
		else
			return -1;
		i++;
	}
	if (o->seed == 0)
		o->seed = 1; /* xorshift's one fixed point */
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Forwards one chunk from side `from` to the other, perhaps damaged.
 * Returns 0, or -1 when either side is finished. */
static int forward(relay *r, int from, const opts *o)
{
	uint8_t buf[CHUNK];
	ssize_t n;
	do
		n = read(r->fd[from], buf, sizeof buf);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	unsigned long before = r->seen[from];
	r->seen[from] += (unsigned long)n;
	if (o->one_in && r->seen[from] > o->skip && next_rand(&r->rng) % o->one_in == 0) {
		/* Only bytes past the untouched prefix are candidates. */
		size_t lo = before >= o->skip ? 0 : (size_t)(o->skip - before);
		size_t off = lo + (size_t)(next_rand(&r->rng) % (uint64_t)((size_t)n - lo));
		uint8_t flip = (uint8_t)(1 + next_rand(&r->rng) % 255);
		buf[off] ^= flip;
		r->corrupted++;
		fprintf(stderr, "corrupt conn %u %s byte %lu (chunk of %zd) xor 0x%02x\n", r->id,
			from == 0 ? "dialler>target" : "target>dialler", before + off, n, flip);
	}
	return write_all(r->fd[!from], buf, (size_t)n);
}

/* The child's whole life: connect to the target, relay until either side
 * closes, then close both (an abrupt close is what a broken path looks like). */
static int run_relay(relay *r, const opts *o)
{
	if (o->hold_ms)
		poll(NULL, 0, (int)o->hold_ms); /* the dialler's bytes wait in our socket */
	r->fd[1] = socket(o->target.ss_family, SOCK_STREAM, 0);
	socklen_t slen = o->source.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							  : sizeof(struct sockaddr_in);
	if (r->fd[1] >= 0 && o->has_source &&
	    bind(r->fd[1], (const struct sockaddr *)&o->source, slen) < 0) {
		fprintf(stderr, "close conn %u: cannot bind the source address: %s\n", r->id, strerror(errno));
		return EXIT_FAIL;
	}
	if (r->fd[1] < 0 || connect(r->fd[1], (const struct sockaddr *)&o->target, o->target_len) < 0) {
		fprintf(stderr, "close conn %u: cannot reach target: %s\n", r->id, strerror(errno));
		return EXIT_FAIL;
	}
	int one = 1;
	setsockopt(r->fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(r->fd[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (;;) {
		struct pollfd p[2] = { { r->fd[0], POLLIN, 0 }, { r->fd[1], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		int done = 0;
		for (int i = 0; i < 2 && !done; i++)
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
				done = forward(r, i, o) < 0;
		if (done)
			break;
	}
	fprintf(stderr, "close conn %u: %lu bytes dialler>target, %lu target>dialler, %lu corrupted\n",
		r->id, r->seen[0], r->seen[1], r->corrupted);
	close(r->fd[0]);
	close(r->fd[1]);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	opts o;
	if (parse_opts(argc, argv, &o) < 0)
		return usage();
	/* Children are reaped by the kernel; a write to a closed peer is an error
	 * return, not a signal. */
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	int lfd = socket(o.listen_at.ss_family, SOCK_STREAM, 0);
	int one = 1;
	socklen_t llen = o.listen_at.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							   : sizeof(struct sockaddr_in);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(lfd, (const struct sockaddr *)&o.listen_at, llen) < 0 || listen(lfd, 64) < 0) {
		fprintf(stderr, "corrupt_proxy: cannot listen on %s: %s\n", argv[1], strerror(errno));
		return EXIT_FAIL;
	}
	fprintf(stderr, "listening on %s, target %s, one in %u chunks, skip %lu, seed %llu, hold %u ms\n",
		argv[1], argv[2], o.one_in, o.skip, (unsigned long long)o.seed, o.hold_ms);
	uint64_t seeds = o.seed;
	for (unsigned id = 1;; id++) {
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "corrupt_proxy: accept: %s\n", strerror(errno));
			return EXIT_FAIL;
		}
		relay r = { .id = id, .fd = { cfd, -1 }, .rng = next_rand(&seeds) | 1 };
		fprintf(stderr, "accept conn %u\n", id);
		pid_t pid = fork();
		if (pid == 0) {
			close(lfd);
			/* The relay dies with the proxy: the harness kills only the parent. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(EXIT_FAIL);
			_exit(run_relay(&r, &o));
		}
		if (pid < 0)
			fprintf(stderr, "corrupt_proxy: fork: %s\n", strerror(errno));
		close(cfd);
	}
}
