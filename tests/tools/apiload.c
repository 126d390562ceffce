/* apiload.c — load generator for the benchmarks: drives a real station through
 * its API socket and times sends end to end (stored by the peer, signed receipt back). */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

typedef struct {
	int fd;
	char *buf;      /* unread reply bytes */
	size_t len, cap;
} conn;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int conn_open(conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memset(c, 0, sizeof *c);
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "apiload: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "apiload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	c->cap = 1 << 20;
	c->buf = malloc(c->cap);
	return c->buf ? 0 : -1;
}

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "apiload: write: %s\n", w < 0 ? strerror(errno) : "wrote nothing");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One reply line, parsed; NULL on EOF or a bad line. */
static json_t *conn_reply(conn *c)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			json_error_t je;
			size_t n = (size_t)(nl - c->buf);
			json_t *j = json_loadb(c->buf, n, 0, &je);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			if (!j)
				fprintf(stderr, "apiload: bad reply: %s\n", je.text);
			return j;
		}
		if (c->len == c->cap) {
			fprintf(stderr, "apiload: reply too long\n");
			return NULL;
		}
		ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "apiload: connection closed\n");
			return NULL;
		}
		c->len += (size_t)r;
	}
}

static json_t *request(conn *c, const char *line)
{
	if (write_all(c->fd, line, strlen(line)) < 0)
		return NULL;
	return conn_reply(c);
}

/* A field of the line to PEER in a status reply; -1 if absent. */
static long long line_field(json_t *st, const char *peer, const char *key)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(st, "lines"), i, l) {
		if (strcmp(json_string_value(json_object_get(l, "peer")) ?: "", peer) == 0)
			return json_integer_value(json_object_get(l, key));
	}
	return -1;
}

static long long status_field(conn *c, const char *peer, const char *key)
{
	json_t *st = request(c, "{\"cmd\":\"status\"}\n");
	long long v = st ? line_field(st, peer, key) : -1;
	json_decref(st);
	return v;
}

/* A send request line with a body of SIZE bytes that is unique per message. */
static char *send_line(const char *peer, size_t size, long n)
{
	char head[64];
	int hl = snprintf(head, sizeof head, "m%ld ", n);
	json_t *req = json_object();
	char *text = malloc(size + 1);
	if (!req || !text)
		return NULL;
	for (size_t i = 0; i < size; i++)
		text[i] = i < (size_t)hl ? head[i] : (char)('a' + (i % 26));
	text[size] = '\0';
	json_object_set_new(req, "cmd", json_string("send"));
	json_object_set_new(req, "peer", json_string(peer));
	json_object_set_new(req, "text", json_string(text));
	char *s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	free(text);
	if (!s)
		return NULL;
	size_t l = strlen(s);
	char *out = realloc(s, l + 2);
	if (!out) {
		free(s);
		return NULL;
	}
	out[l] = '\n';
	out[l + 1] = '\0';
	return out;
}

static long long reply_seq(json_t *r)
{
	if (!r || !json_is_true(json_object_get(r, "ok"))) {
		const char *e = r ? json_string_value(json_object_get(r, "error")) : NULL;
		fprintf(stderr, "apiload: send refused: %s\n", e ? e : "(no reply)");
		return -1;
	}
	return json_integer_value(json_object_get(r, "seq"));
}

/* Reads replies until N more have arrived; each must be ok. The seq of the
 * last is kept. Only that one is parsed: the client must not be what limits
 * the figure. */
static int read_replies(conn *c, long n, long long *last_seq)
{
	while (n > 0) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (!nl) {
			if (c->len == c->cap) {
				fprintf(stderr, "apiload: reply too long\n");
				return -1;
			}
			ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				fprintf(stderr, "apiload: connection closed\n");
				return -1;
			}
			c->len += (size_t)r;
			continue;
		}
		size_t l = (size_t)(nl - c->buf);
		if (l < 10 || memcmp(c->buf, "{\"ok\":true", 10) != 0) {
			fprintf(stderr, "apiload: send refused: %.*s\n", (int)l, c->buf);
			return -1;
		}
		if (n == 1) {
			json_t *j = json_loadb(c->buf, l, 0, NULL);
			*last_seq = j ? json_integer_value(json_object_get(j, "seq")) : -1;
			json_decref(j);
		}
		memmove(c->buf, nl + 1, c->len - l - 1);
		c->len -= l + 1;
		n--;
	}
	return 0;
}

/* Pipelined sends, WINDOW outstanding, then wait for the receipt covering
 * the last one: messages per second end to end. The requests are built
 * before the clock starts. */
static int throughput(const char *sock, const char *peer, long count, size_t size, long window,
		      const char *label)
{
	conn c, poll_c;
	int rc = EXIT_FAIL;
	char *all = NULL;
	size_t *off = calloc((size_t)count + 1, sizeof *off), cap = 0;
	if (!off || conn_open(&c, sock) < 0 || conn_open(&poll_c, sock) < 0)
		goto out0;
	for (long i = 0; i < count; i++) {
		char *l = send_line(peer, size, i);
		if (!l)
			goto out;
		size_t n = strlen(l);
		if (off[i] + n > cap) {
			cap = (off[i] + n) * 2;
			char *na = realloc(all, cap);
			if (!na) {
				free(l);
				goto out;
			}
			all = na;
		}
		memcpy(all + off[i], l, n);
		off[i + 1] = off[i] + n;
		free(l);
	}
	long long base = status_field(&poll_c, peer, "own_seq"), last = -1;
	if (base < 0)
		goto out;
	double t0 = now_ms(), t_submitted;
	long sent = 0, acked = 0;
	while (acked < count) {
		long upto = acked + window < count ? acked + window : count;
		if (upto > sent) {
			if (write_all(c.fd, all + off[sent], off[upto] - off[sent]) < 0)
				goto out;
			sent = upto;
		}
		/* Half a window at a time keeps the pipe full. */
		long want = sent - acked < window / 2 + 1 ? sent - acked : window / 2 + 1;
		if (read_replies(&c, want, &last) < 0)
			goto out;
		acked += want;
	}
	t_submitted = now_ms();
	while (status_field(&poll_c, peer, "receipted_seq") < last) {
		if (now_ms() - t0 > 600000) {
			fprintf(stderr, "apiload: no receipt for seq %lld after 10 min\n", last);
			goto out;
		}
		usleep(200);
	}
	double t1 = now_ms();
	if (last - base != count) {
		fprintf(stderr, "apiload: %lld entries written for %ld sends\n", last - base, count);
		goto out;
	}
	printf("throughput_%s_msgs_per_s %.0f msgs/s\n", label, (double)count * 1e3 / (t1 - t0));
	printf("throughput_%s_submit_per_s %.0f msgs/s\n", label, (double)count * 1e3 / (t_submitted - t0));
	rc = EXIT_OK;
out:
	conn_close(&c);
	conn_close(&poll_c);
out0:
	free(all);
	free(off);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least P % at or below it. */
static double pct(const double *v, long n, double p)
{
	long k = (long)((p / 100.0) * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	return v[k - 1];
}

/* One message at a time: submit → signed receipt back at the sender, and
 * submit → stored at the receiver (visible in its inbox). */
static int latency(const char *sock, const char *peer, const char *rsock, const char *rpeer,
		   long count, size_t size)
{
	conn c, rc_;
	int rc = EXIT_FAIL;
	double *rt = calloc((size_t)count, sizeof *rt), *vis = calloc((size_t)count, sizeof *vis);
	if (!rt || !vis || conn_open(&c, sock) < 0 || conn_open(&rc_, rsock) < 0)
		goto out0;
	long long peer_base = status_field(&rc_, rpeer, "peer_seq");
	if (peer_base < 0)
		goto out;
	for (long i = 0; i < count; i++) {
		char *l = send_line(peer, size, i);
		if (!l)
			goto out;
		double t0 = now_ms(), t_vis = 0, t_rct = 0;
		json_t *r = request(&c, l);
		free(l);
		long long seq = reply_seq(r);
		json_decref(r);
		if (seq < 0)
			goto out;
		while (!t_vis || !t_rct) {
			if (!t_vis && status_field(&rc_, rpeer, "peer_seq") >= seq)
				t_vis = now_ms();
			if (!t_rct && status_field(&c, peer, "receipted_seq") >= seq)
				t_rct = now_ms();
			if (now_ms() - t0 > 30000) {
				fprintf(stderr, "apiload: message %ld not receipted in 30 s\n", i);
				goto out;
			}
		}
		rt[i] = t_rct - t0;
		vis[i] = t_vis - t0;
	}
	qsort(rt, (size_t)count, sizeof *rt, cmp_double);
	qsort(vis, (size_t)count, sizeof *vis, cmp_double);
	printf("latency_p50_ms %.3f ms\n", pct(rt, count, 50));
	printf("latency_p99_ms %.3f ms\n", pct(rt, count, 99));
	printf("latency_max_ms %.3f ms\n", rt[count - 1]);
	printf("latency_inbox_p50_ms %.3f ms\n", pct(vis, count, 50));
	printf("latency_inbox_p99_ms %.3f ms\n", pct(vis, count, 99));
	printf("latency_inbox_max_ms %.3f ms\n", vis[count - 1]);
	rc = EXIT_OK;
out:
	conn_close(&c);
	conn_close(&rc_);
out0:
	free(rt);
	free(vis);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: apiload throughput SOCKET PEER COUNT SIZE WINDOW LABEL\n"
			"       apiload latency SOCKET PEER RSOCKET RPEER COUNT SIZE\n");
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return (errno || *end || v < lo || v > hi) ? -1 : v;
}

int main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "throughput") == 0) {
		long n = num(argv[4], 1, 100000000), sz = num(argv[5], 1, 61440),
		     w = num(argv[6], 1, 100000);
		if (n > 0 && sz > 0 && w > 0)
			return throughput(argv[2], argv[3], n, (size_t)sz, w, argv[7]);
	} else if (argc == 8 && strcmp(argv[1], "latency") == 0) {
		long n = num(argv[6], 1, 10000000), sz = num(argv[7], 1, 61440);
		if (n > 0 && sz > 0)
			return latency(argv[2], argv[3], argv[4], argv[5], n, (size_t)sz);
	}
	usage();
	return EXIT_USAGE;
}
