/* hsflood.c — a handshake flood from many source addresses, for the
 * integration tests: half-open connections that stall, and garbage
 * "message 1"s, from 127.0.0.X..Y; it reports what the daemon did with each
 * connection (closed at once, held until its handshake deadline, bytes sent
 * back), so a test can see the half-open cap and the per-source limit. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define FAST_MS 1000      /* closed by the daemon this soon: refused on arrival */
#define MSG1_LEN 108      /* an IK message 1: e 32, sealed s 48, sealed TAI64N 28 */

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

typedef struct {
	int fd;
	int connecting;
	int64_t opened_ms;   /* connect() called */
	int64_t up_ms;       /* connection established */
} conn;

typedef struct {
	struct sockaddr_in dst;
	uint32_t first_src;  /* host order */
	int nsrc, per_source, garbage, mixed;
	int sustain_s, concurrency, rate;
	int watch_s, hold_s;
} opts;

typedef struct {
	long opened, connect_failed, closed_fast, closed_slow, dropped_by_us, bytes_back;
	long held_min_ms, held_max_ms; /* lifetime of those closed slowly */
	int max_open;
	int open_at_probe;             /* burst: still open 2.5 s after the last open */
} stats;

static volatile sig_atomic_t stop_flag;

static void on_term(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Non-blocking connect from source src (host order). 0 started, -1 failed. */
static int open_one(const opts *o, uint32_t src, conn *c, stats *st)
{
	struct sockaddr_in b = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(src) };
	int one = 1;
	memset(c, 0, sizeof *c);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(c->fd, (struct sockaddr *)&b, sizeof b) < 0 ||
	    (connect(c->fd, (const struct sockaddr *)&o->dst, sizeof o->dst) < 0 && errno != EINPROGRESS)) {
		close(c->fd);
		c->fd = -1;
		st->connect_failed++;
		return -1;
	}
	c->connecting = 1;
	c->opened_ms = now_ms();
	st->opened++;
	return 0;
}

/* Connected: a stall sends nothing; garbage sends one frame of random bytes
 * the size of a real message 1 (the daemon must try to decrypt it). */
static void on_up(const opts *o, conn *c, long idx)
{
	c->connecting = 0;
	c->up_ms = now_ms();
	int garbage = o->mixed ? (idx & 1) : o->garbage;
	if (garbage) {
		uint8_t f[2 + MSG1_LEN];
		f[0] = 0;
		f[1] = MSG1_LEN;
		randombytes_buf(f + 2, MSG1_LEN);
		ssize_t w = send(c->fd, f, sizeof f, MSG_NOSIGNAL);
		(void)w; /* a daemon that already closed is seen by the read */
	}
}

static void finish(conn *c, stats *st, int by_daemon)
{
	int64_t life = now_ms() - (c->up_ms ? c->up_ms : c->opened_ms);
	if (!by_daemon)
		st->dropped_by_us++;
	else if (life < FAST_MS)
		st->closed_fast++;
	else {
		st->closed_slow++;
		if (st->held_min_ms < 0 || life < st->held_min_ms)
			st->held_min_ms = life;
		if (life > st->held_max_ms)
			st->held_max_ms = life;
	}
	close(c->fd);
	c->fd = -1;
}

/* One poll round over every open connection. Returns the number open. */
static int service(const opts *o, conn *cs, int n, stats *st, int wait_ms, long *seq)
{
	struct pollfd p[MAX_CONNS];
	int idx[MAX_CONNS], k = 0;
	for (int i = 0; i < n; i++) {
		if (cs[i].fd < 0)
			continue;
		p[k].fd = cs[i].fd;
		p[k].events = cs[i].connecting ? POLLOUT : POLLIN;
		p[k].revents = 0;
		idx[k++] = i;
	}
	if (k > st->max_open)
		st->max_open = k;
	if (poll(p, (nfds_t)k, wait_ms) <= 0)
		return k;
	for (int j = 0; j < k; j++) {
		conn *c = &cs[idx[j]];
		if (!p[j].revents)
			continue;
		if (c->connecting) {
			int err = 0;
			socklen_t el = sizeof err;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
			if (err) {
				st->connect_failed++;
				st->opened--;
				close(c->fd);
				c->fd = -1;
				k--;
				continue;
			}
			on_up(o, c, (*seq)++);
			continue;
		}
		uint8_t buf[4096];
		ssize_t r = recv(c->fd, buf, sizeof buf, 0);
		if (r > 0) {
			st->bytes_back += r; /* the daemon must never answer */
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		finish(c, st, 1);
		k--;
	}
	return k;
}

/* Every source opens per_source connections at once; then watch. */
static void burst(const opts *o, conn *cs, stats *st)
{
	int n = 0;
	long seq = 0;
	for (int s = 0; s < o->nsrc; s++)
		for (int k = 0; k < o->per_source && n < MAX_CONNS; k++)
			if (open_one(o, o->first_src + (uint32_t)s, &cs[n], st) == 0)
				n++;
	int64_t start = now_ms(), probe = start + 2500, end = start + o->watch_s * 1000;
	st->open_at_probe = -1;
	while (now_ms() < end && !stop_flag) {
		int left = service(o, cs, n, st, 50, &seq);
		if (st->open_at_probe < 0 && now_ms() >= probe)
			st->open_at_probe = left;
		if (left == 0 && st->open_at_probe >= 0)
			break;
	}
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			finish(&cs[i], st, 0);
}

/* Keeps up to concurrency connections, at most rate new ones a second, round
 * robin over the sources, until sustain_s or SIGTERM; a connection still
 * open after hold_s is dropped by us. */
static void sustain(const opts *o, conn *cs, stats *st)
{
	int64_t start = now_ms(), end = start + o->sustain_s * 1000;
	long seq = 0, made = 0;
	uint32_t next_src = 0;
	int n = o->concurrency;
	for (int i = 0; i < n; i++)
		cs[i].fd = -1;
	while (now_ms() < end && !stop_flag) {
		int64_t t = now_ms();
		long allowed = (long)((t - start) * o->rate / 1000) + 1;
		for (int i = 0; i < n && made < allowed; i++) {
			if (cs[i].fd >= 0)
				continue;
			if (open_one(o, o->first_src + next_src, &cs[i], st) == 0)
				made++;
			next_src = (next_src + 1) % (uint32_t)o->nsrc;
		}
		for (int i = 0; i < n; i++)
			if (cs[i].fd >= 0 && t - cs[i].opened_ms > o->hold_s * 1000)
				finish(&cs[i], st, 0);
		service(o, cs, n, st, 10, &seq);
	}
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			finish(&cs[i], st, 0);
}

static int usage(void)
{
	fputs("usage: hsflood HOST:PORT --from IP --sources N [--garbage | --mixed]\n"
	      "         (burst)   [--per-source K] [--watch SECONDS]\n"
	      "         (sustain) --sustain SECONDS [--concurrency C] [--rate PER_S] [--hold SECONDS]\n"
	      "  burst: K connections from each of N sources (IP, IP+1, ...) at once, then watch them;\n"
	      "  sustain: keep C open, at most PER_S new a second, until SECONDS pass or SIGTERM.\n"
	      "  A connection stalls (sends nothing), or sends one random 108-byte message 1\n"
	      "  (--garbage; --mixed alternates). Prints key=value results.\n",
	      stderr);
	return EXIT_USAGE;
}

static int num(const char *s, int lo, int hi, int *v)
{
	char *e;
	long x = strtol(s, &e, 10);
	if (*e || e == s || x < lo || x > hi)
		return -1;
	*v = (int)x;
	return 0;
}

int main(int argc, char **argv)
{
	opts o = { .nsrc = 1, .per_source = 1, .watch_s = 8, .concurrency = 150, .rate = 200, .hold_s = 7 };
	struct in_addr a;
	char host[64];
	int port = 0, bad = 0;
	if (argc < 2 || sodium_init() < 0)
		return usage();
	const char *colon = strrchr(argv[1], ':');
	if (!colon || (size_t)(colon - argv[1]) >= sizeof host || num(colon + 1, 1, 65535, &port) < 0)
		return usage();
	memcpy(host, argv[1], (size_t)(colon - argv[1]));
	host[colon - argv[1]] = 0;
	if (inet_pton(AF_INET, host, &a) != 1)
		return usage();
	o.dst.sin_family = AF_INET;
	o.dst.sin_addr = a;
	o.dst.sin_port = htons((uint16_t)port);
	o.first_src = 0;
	for (int i = 2; i < argc && !bad; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--garbage"))
			o.garbage = 1;
		else if (!strcmp(argv[i], "--mixed"))
			o.mixed = 1;
		else if (v && !strcmp(argv[i], "--from") && inet_pton(AF_INET, v, &a) == 1 && ++i)
			o.first_src = ntohl(a.s_addr);
		else if (v && !strcmp(argv[i], "--sources") && ++i)
			bad = num(v, 1, 254, &o.nsrc);
		else if (v && !strcmp(argv[i], "--per-source") && ++i)
			bad = num(v, 1, 200, &o.per_source);
		else if (v && !strcmp(argv[i], "--watch") && ++i)
			bad = num(v, 1, 60, &o.watch_s);
		else if (v && !strcmp(argv[i], "--sustain") && ++i)
			bad = num(v, 1, 600, &o.sustain_s);
		else if (v && !strcmp(argv[i], "--concurrency") && ++i)
			bad = num(v, 1, MAX_CONNS, &o.concurrency);
		else if (v && !strcmp(argv[i], "--rate") && ++i)
			bad = num(v, 1, 5000, &o.rate);
		else if (v && !strcmp(argv[i], "--hold") && ++i)
			bad = num(v, 1, 60, &o.hold_s);
		else
			bad = 1;
	}
	if (bad || !o.first_src || (o.first_src & 0xff) + (uint32_t)o.nsrc > 255 ||
	    (long)o.nsrc * o.per_source > MAX_CONNS)
		return usage();
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);

	static conn cs[MAX_CONNS];
	stats st = { .held_min_ms = -1 };
	int64_t t0 = now_ms();
	if (o.sustain_s)
		sustain(&o, cs, &st);
	else
		burst(&o, cs, &st);
	printf("mode=%s\nseconds=%.1f\nopened=%ld\nconnect_failed=%ld\nclosed_fast=%ld\n"
	       "closed_slow=%ld\ndropped_by_us=%ld\nheld_min_ms=%ld\nheld_max_ms=%ld\nmax_open=%d\n"
	       "open_at_probe=%d\nbytes_back=%ld\n",
	       o.sustain_s ? "sustain" : "burst", (double)(now_ms() - t0) / 1000.0, st.opened,
	       st.connect_failed, st.closed_fast, st.closed_slow, st.dropped_by_us, st.held_min_ms,
	       st.held_max_ms, st.max_open, st.open_at_probe, st.bytes_back);
	return st.opened > 0 ? EXIT_OK : EXIT_FAIL;
}
