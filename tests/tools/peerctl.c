/* peerctl.c — a scriptable fake peer for the hostile-input integration tests:
 * speaks hotline's wire protocol over blocking-style POSIX sockets to probe,
 * replay, flood and impersonate (lying HELLOs, forked receipts, a wrong
 * clock, withheld receipts), and says exactly what the daemon did. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "entry.h"
#include "err.h"
#include "keys.h"
#include "limits.h"
#include "noise.h"
#include "wire.h"

#define DEFAULT_TIMEOUT_MS 8000  /* above the daemon's 5 s handshake deadline */
#define MAX_TIMEOUT_MS 10000
enum { EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE }; /* expected / not / bad command line */

typedef struct {
	const char *addr, *bind, *key, *peer, *psk, *save, *seed, *hello;
	int timeout_ms, expect_refused, zero_frame, stall, framed, nscript;
	long bytes;
	int64_t clock_off_ms;    /* --clock-offset: added to every wall time we send */
	char **script;
} opts;

typedef struct {
	int fd, timeout_ms;
	size_t rx_bytes;         /* every byte the daemon sent us */
	int closed;              /* the daemon closed (FIN or RST) */
	int have_frame;          /* framer holds a frame handed out, pop before next */
	int64_t clock_off_ms;    /* our clock's lie, in PONGs, receipts and entries */
	hl_framer fr;
	hl_noise_cipher tx, rx;
	uint8_t hs_hash[HL_NOISE_HASHLEN];
	uint8_t pt[HL_MAX_TRANSPORT_PT];
	hl_rd rd;                /* records left in the last transport message */
} conn;

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
#define now_ms() clock_ms(CLOCK_MONOTONIC)
#define wall_ms() ((uint64_t)clock_ms(CLOCK_REALTIME))
#define our_wall_ms(c) ((uint64_t)(clock_ms(CLOCK_REALTIME) + (c)->clock_off_ms))

/* HOST:PORT, [V6]:PORT, or a bare HOST (port 0) when port is 0. */
static int parse_addr(const char *s, int port, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[128];
	const char *colon = port ? strrchr(s, ':') : s + strlen(s);
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof host)
		return HL_ERR_INVAL;
	/* [V6]:PORT: the brackets are not part of the address. */
	int br = s[0] == '[' && colon[-1] == ']';
	memcpy(host, s + br, (size_t)(colon - s) - 2 * (size_t)br);
	host[colon - s - 2 * br] = 0;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	if (getaddrinfo(host, port ? colon + 1 : "0", &hints, &res) != 0 || !res)
		return HL_ERR_INVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Non-blocking socket, every wait a poll() against a deadline. */
static int conn_open(conn *c, const opts *o)
{
	struct sockaddr_storage ss, bs;
	socklen_t sl = 0, bl = 0, el = sizeof(int);
	int err = 0, one = 1;
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->timeout_ms = o->timeout_ms;
	c->clock_off_ms = o->clock_off_ms;
	hl_framer_init(&c->fr);
	hl_rd_init(&c->rd, c->pt, 0);
	if (parse_addr(o->addr, 1, &ss, &sl) < 0 || (o->bind && parse_addr(o->bind, 0, &bs, &bl) < 0)) {
		say("bad address '%s' or --bind '%s'", o->addr, o->bind ? o->bind : "");
		return HL_ERR_INVAL;
	}
	/* --bind: another source address (the daemon rate-limits per source). */
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || (o->bind && bind(c->fd, (struct sockaddr *)&bs, bl) < 0) ||
	    (connect(c->fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS))
		err = errno;
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };
	if (!err && poll(&p, 1, c->timeout_ms) != 1)
		err = ETIMEDOUT;
	if (!err && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err) {
		say("connect %s: %s", o->addr, strerror(err));
		return HL_ERR_IO;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	hl_framer_free(&c->fr);
	hl_noise_cipher_wipe(&c->tx);
	hl_noise_cipher_wipe(&c->rx);
	sodium_memzero(c->pt, sizeof c->pt);
}

#define deadline(c) (now_ms() + (c)->timeout_ms)

/* A daemon that closes while we write is a closed connection, not an error. */
static int send_all(conn *c, const uint8_t *p, size_t n)
{
	int64_t end = deadline(c);
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			c->closed = 1;
			return HL_ERR_IO;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return HL_ERR_IO;
		struct pollfd pf = { .fd = c->fd, .events = POLLOUT };
		int64_t left = end - now_ms();
		if (left <= 0 || poll(&pf, 1, (int)left) < 0)
			return HL_ERR_IO;
	}
	return 0;
}

/* Reads once. 1 bytes arrived (into the framer, or counted only when raw),
 * 0 deadline passed, -1 the daemon closed, -2 more than a frame buffered. */
static int fill(conn *c, int64_t end, int raw)
{
	uint8_t buf[65536];
	for (;;) {
		int64_t left = end - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? 0 : -1;
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n > 0) {
			c->rx_bytes += (size_t)n;
			if (!raw && hl_framer_feed(&c->fr, buf, (size_t)n) < 0)
				return -2;
			return 1;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		c->closed = 1;
		return -1;
	}
}

/* Waits for the daemon to close, counting whatever it sends. 1 closed, 0 not. */
static int wait_close(conn *c, int64_t end)
{
	int rc;
	while ((rc = fill(c, end, 1)) == 1)
		;
	return rc == -1;
}

static int read_frame(conn *c, int64_t end, const uint8_t **msg, size_t *len)
{
	if (c->have_frame) {
		hl_framer_pop(&c->fr);
		c->have_frame = 0;
	}
	for (;;) {
		int rc = hl_framer_next(&c->fr, msg, len);
		if (rc == 1) {
			c->have_frame = 1;
			return 1;
		}
		if (rc < 0)
			return -2;
		rc = fill(c, end, 0);
		if (rc <= 0)
			return rc;
	}
}

/* One record per transport message: framing is the daemon's to handle. */
static int send_record(conn *c, uint8_t type, const uint8_t *body, size_t len)
{
	hl_buf pt;
	uint8_t *f = NULL;
	hl_buf_init(&pt, HL_MAX_TRANSPORT_PT);
	int rc = hl_record_put(&pt, type, body, len);
	if (rc == 0 && !(f = malloc(2 + pt.len + HL_NOISE_TAG)))
		rc = HL_ERR_NOMEM;
	if (rc == 0) {
		hl_be16_put(f, (uint16_t)(pt.len + HL_NOISE_TAG));
		rc = hl_noise_encrypt(&c->tx, NULL, 0, pt.p, pt.len, f + 2);
	}
	if (rc == 0)
		rc = send_all(c, f, 2 + pt.len + HL_NOISE_TAG);
	free(f);
	hl_buf_free(&pt);
	return rc;
}

/* Next record from the daemon; PINGs are answered here so that long waits do
 * not look like a dead path. 1 record, 0 timeout, -1 closed, -2 malformed
 * frame or record, -3 a transport message that does not decrypt. */
static int next_record(conn *c, int64_t end, uint8_t *type, const uint8_t **body, size_t *len)
{
	for (;;) {
		if (hl_rd_left(&c->rd) > 0) {
			if (hl_record_next(&c->rd, type, body, len) != 0)
				return -2;
			if (*type != HL_REC_PING)
				return 1;
			if (*len != HL_PING_LEN)
				return -2;
			uint8_t p[HL_PING_LEN];
			memcpy(p, *body, 8);
			hl_be64_put(p + 8, our_wall_ms(c));
			if (send_record(c, HL_REC_PONG, p, sizeof p) < 0)
				return c->closed ? -1 : -2;
			continue;
		}
		const uint8_t *msg;
		size_t mlen;
		int rc = read_frame(c, end, &msg, &mlen);
		if (rc <= 0)
			return rc;
		if (mlen < HL_NOISE_TAG || hl_noise_decrypt(&c->rx, NULL, 0, msg, mlen, c->pt) < 0)
			return -3;
		hl_rd_init(&c->rd, c->pt, mlen - HL_NOISE_TAG);
	}
}

static const char *rec_name(uint8_t t) /* 0: wait_record's "the close" */
{
	static const char *names[] = { "close", "HELLO", "ENTRY", "RECEIPT", "PING", "PONG", "BLOB", "WANT" };
	return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

static const char *why_no_record(int rc)
{
	return rc == 0 ? "timed out" : rc == -1 ? "connection closed" :
	       rc == -3 ? "transport message does not decrypt" : "malformed frame or record";
}

/* Initiator handshake. 0 completed; 1 the daemon closed (c->rx_bytes says
 * what it sent before); -1 anything else (said why). */
static int handshake(conn *c, const hl_identity *id, const hl_pubkey *station, const uint8_t *psk,
		     const char *save)
{
	hl_noise_hs *hs = NULL;
	uint8_t ts[12], frame[2 + 256], payload[64];
	size_t olen = 0, plen = 0;
	const uint8_t *msg;
	size_t mlen;
	int ret = -1;
	int rc = hl_noise_hs_new(&hs, psk ? HL_PROTO_IKPSK2 : HL_PROTO_IK, 1,
				 (const uint8_t *)HL_PROLOGUE, strlen(HL_PROLOGUE), id->x_sk,
				 station->x, NULL, psk, psk ? 1 : 0);
	hl_tai64n_now(ts);
	if (rc == 0)
		rc = hl_noise_hs_write(hs, ts, sizeof ts, frame + 2, sizeof frame - 2, &olen);
	if (rc < 0) {
		say("cannot build handshake message 1: %s", hl_strerror(rc));
		goto out;
	}
	hl_be16_put(frame, (uint16_t)olen);
	if (save) {
		FILE *f = fopen(save, "wb");
		int bad = !f || fwrite(frame, 1, 2 + olen, f) != 2 + olen;
		if ((f && fclose(f) != 0) || bad) {
			say("cannot write %s", save);
			goto out;
		}
	}
	if (send_all(c, frame, 2 + olen) < 0 && !c->closed) {
		say("cannot send message 1: %s", strerror(errno));
		goto out;
	}
	rc = read_frame(c, deadline(c), &msg, &mlen);
	if (rc == -1) {
		ret = 1;
		goto out;
	}
	if (rc == 0 || rc < -1) {
		say("no handshake reply: %s (%zu bytes received)", rc == 0 ? "timed out" : "bad frame",
		    c->rx_bytes);
		goto out;
	}
	if (hl_noise_hs_read(hs, msg, mlen, payload, sizeof payload, &plen) < 0 || plen != 0 ||
	    !hl_noise_hs_done(hs)) {
		say("handshake message 2 (%zu bytes) does not verify", mlen);
		goto out;
	}
	if (hl_noise_hs_split(hs, &c->tx, &c->rx) < 0)
		goto out;
	hl_noise_hs_hash(hs, c->hs_hash);
	ret = 0;
out:
	hl_noise_hs_free(hs);
	return ret;
}

/* The station's HELLO: first record, role 1, signed over this handshake. */
static int read_hello(conn *c, const hl_pubkey *station, hl_hello *h)
{
	uint8_t type;
	const uint8_t *body;
	size_t len;
	int rc = next_record(c, deadline(c), &type, &body, &len);
	if (rc != 1) {
		say("no HELLO from the station: %s", why_no_record(rc));
		return -1;
	}
	if (type != HL_REC_HELLO || hl_hello_decode(body, len, h) < 0 || h->role != 1 ||
	    hl_hello_verify(h, c->hs_hash, station->ed) < 0) {
		say("first record (%s, %zu bytes) is not a responder HELLO signed by the station",
		    rec_name(type), len);
		return -1;
	}
	return 0;
}

static int load_identity(const opts *o, hl_identity **id, hl_pubkey *station, uint8_t *psk, int *has_psk)
{
	char err[256] = "";
	*has_psk = o->psk != NULL;
	if (!o->key || !o->peer || hl_pubkey_decode(o->peer, station) < 0) {
		say("need --key KEYFILE and --peer with a station public key");
		return -1;
	}
	if (hl_keys_load_file(o->key, id, err, sizeof err) < 0 ||
	    (o->psk && hl_keys_load_psk(o->psk, psk, err, sizeof err) < 0)) {
		say("cannot load a key: %s", err);
		return -1;
	}
	return 0;
}

/* Sends bytes, then expects the daemon to close without sending one byte. */
static int send_expect_silence(const opts *o, const uint8_t *p, size_t n, const char *what)
{
	conn c;
	int ret = EXIT_UNEXPECTED;
	if (conn_open(&c, o) < 0)
		goto out;
	int64_t t0 = now_ms();
	if (send_all(&c, p, n) < 0 && !c.closed) {
		say("%s: send failed: %s", what, strerror(errno));
		goto out;
	}
	if (!wait_close(&c, t0 + o->timeout_ms)) {
		say("%s: still open after %d ms (%zu bytes received)", what, o->timeout_ms, c.rx_bytes);
		goto out;
	}
	say("%s: closed without reply after %lld ms (%zu bytes)", what, (long long)(now_ms() - t0),
	    c.rx_bytes);
	ret = c.rx_bytes == 0 ? EXIT_OK : EXIT_UNEXPECTED;
out:
	conn_close(&c);
	return ret;
}

static int cmd_replay(const opts *o, const char *file)
{
	uint8_t buf[2 + HL_NOISE_MAX_MSG];
	FILE *f = fopen(file, "rb");
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	if (n < 2) {
		say("cannot read a frame from %s", file);
		return EXIT_USAGE;
	}
	return send_expect_silence(o, buf, n, "replay");
}

static int cmd_garbage(const opts *o)
{
	size_t n = (size_t)o->bytes, off = 0;
	char what[96];
	if (o->bytes < 0 || o->bytes > 16 * 1024 * 1024 || (o->framed && o->bytes > HL_NOISE_MAX_MSG)) {
		say("--bytes out of range");
		return EXIT_USAGE;
	}
	uint8_t *buf = malloc(n + 2);
	if (!buf)
		return EXIT_UNEXPECTED;
	if (o->zero_frame || o->stall || o->framed) {
		/* zero: a frame length of 0; stall: 65535 promised, n delivered. */
		hl_be16_put(buf, o->zero_frame ? 0 : o->stall ? 0xffff : (uint16_t)n);
		off = 2;
	}
	uint8_t seed[randombytes_SEEDBYTES];
	randombytes_buf(seed, sizeof seed);
	if (o->seed) /* reproducible garbage */
		crypto_generichash(seed, sizeof seed, (const uint8_t *)o->seed, strlen(o->seed), NULL, 0);
	randombytes_buf_deterministic(buf + off, n, seed);
	snprintf(what, sizeof what, "%s%zu random bytes",
		 o->zero_frame ? "zero-length frame + " : o->stall ? "length 65535 + " :
		 o->framed ? "one frame of " : "", n);
	int ret = send_expect_silence(o, buf, n + off, what);
	free(buf);
	return ret;
}

typedef struct { /* probe and act: a pinned peer, impersonated */
	conn c;
	hl_identity *id;
	hl_pubkey station;
	uint8_t line_id[32];
	hl_hello sh;              /* the station's HELLO */
	uint64_t next_seq;        /* our next entry */
	uint8_t prev[32];         /* hash of our newest entry the station holds */
	uint64_t last_seq;        /* last valid entry we sent (0 none) */
	uint8_t last_prev[32], last_hash[32];
	uint64_t seen_seq;        /* the station's newest entry we claim to hold */
	uint8_t seen_hash[32];
	unsigned seen_entries;    /* ENTRY records the station sent us */
} actor;

/* Signs e (tampering with the signature if asked), sends it, gives its hash. */
static int send_entry(actor *a, hl_entry *e, int flip_sig, uint8_t hash[32])
{
	hl_buf enc;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	int rc = hl_entry_sign(e, a->id);
	if (rc == 0) {
		e->sig[7] ^= flip_sig ? 0x20 : 0;
		rc = hl_entry_encode(e, &enc);
	}
	if (rc == 0) {
		hl_entry_hash(enc.p, enc.len, hash);
		rc = send_record(&a->c, HL_REC_ENTRY, enc.p, enc.len);
	}
	if (rc < 0)
		say("cannot sign or send entry seq %llu: %s", (unsigned long long)e->seq,
		    a->c.closed ? "connection closed" : hl_strerror(rc));
	hl_buf_free(&enc);
	return rc;
}

/* An entry of the station's: we "hold" it, so a receipt may name it. */
static void note_entry(actor *a, const uint8_t *body, size_t len)
{
	hl_entry e;
	a->seen_entries++;
	if (hl_entry_decode(body, len, &e) < 0 || memcmp(e.author, a->station.ed, 32) != 0 ||
	    e.seq <= a->seen_seq)
		return;
	a->seen_seq = e.seq;
	hl_entry_hash(body, len, a->seen_hash);
}

/* Waits for a record of one type, skipping (and naming) others; want 0 waits
 * for the station to close the connection. */
static int wait_record(actor *a, uint8_t want, const uint8_t **body, size_t *len)
{
	int64_t t0 = now_ms(), end = deadline(&a->c);
	for (;;) {
		uint8_t type;
		int rc = next_record(&a->c, end, &type, body, len);
		if (rc == -1 && want == 0) {
			say("  closed by the station after %lld ms", (long long)(now_ms() - t0));
			return 0;
		}
		if (rc != 1) {
			say("  no %s: %s", rec_name(want), why_no_record(rc));
			return -1;
		}
		if (type == HL_REC_ENTRY)
			note_entry(a, *body, *len);
		if (type == want)
			return 0;
		if (type != HL_REC_PONG)
			say("  (got %s, %zu bytes, while waiting for %s)", rec_name(type), *len, rec_name(want));
	}
}

static int expect_receipt(actor *a, uint64_t seq)
{
	for (;;) {
		const uint8_t *body;
		size_t len;
		hl_receipt r;
		if (wait_record(a, HL_REC_RECEIPT, &body, &len) < 0)
			return -1;
		if (hl_receipt_decode(body, len, &r) < 0 || memcmp(r.line_id, a->line_id, 32) != 0 ||
		    memcmp(r.receiver, a->station.ed, 32) != 0 || hl_receipt_verify(&r) < 0) {
			say("  RECEIPT malformed, for another line or receiver, or badly signed");
			return -1;
		}
		if (r.seq < seq) {
			say("  (receipt for seq %llu, waiting for %llu)", (unsigned long long)r.seq,
			    (unsigned long long)seq);
			continue;
		}
		if (r.seq == a->last_seq && memcmp(r.hash, a->last_hash, 32) != 0) {
			say("  RECEIPT for seq %llu names a different entry than we sent", (unsigned long long)r.seq);
			return -1;
		}
		say("  receipt for seq %llu, signature verified", (unsigned long long)r.seq);
		return 0;
	}
}

enum { OP_SEND, OP_EQUIVOCATE, OP_BAD_SIG, OP_BAD_PREV, OP_BAD_SEQ, OP_BAD_PEERHASH, OP_WRONG_LINE,
       OP_MAX_FRAME, OP_RECEIPT_HEAD, OP_RECEIPT_FORK, OP_RECEIPT_BEYOND, OP_CLOCK_OFFSET,
       OP_EXPECT_RECEIPT, OP_EXPECT_WANT, OP_EXPECT_CLOSE, OP_PING, OP_IDLE, OP_WAIT_ENTRY, OP_N };

static const struct { const char *name; int nargs; } ops[OP_N] = {
	{ "send-valid", 1 }, { "equivocate", 1 }, { "bad-sig", 0 }, { "bad-prev", 0 },
	{ "bad-seq", 0 }, { "bad-peerhash", 0 }, { "wrong-line", 0 }, { "max-frame", 0 },
	{ "receipt-head", 0 }, { "receipt-fork", 0 }, { "receipt-beyond", 0 }, { "clock-offset", 1 },
	{ "expect-receipt", 1 },
	{ "expect-want", 1 }, { "expect-close", 0 }, { "ping", 0 }, { "idle", 1 }, { "wait-entry", 0 },
};

static int op_lookup(const char *s)
{
	for (int i = 0; i < OP_N; i++)
		if (!strcmp(s, ops[i].name))
			return i;
	return -1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *endp;
	errno = 0;
	*v = strtoull(s, &endp, 10);
	return errno || endp == s || *endp || s[0] == '-' ? -1 : 0;
}

/* Signed milliseconds, within a year either way. */
static int parse_i64(const char *s, int64_t *v)
{
	char *endp;
	errno = 0;
	long long x = strtoll(s, &endp, 10);
	if (errno || endp == s || *endp || x > 31536000000LL || x < -31536000000LL)
		return -1;
	if (v)
		*v = x;
	return 0;
}

/* The whole script is checked before connecting: a typo is a usage error,
 * not a daemon misbehaving. */
static int script_ok(char **w, int n)
{
	uint64_t v;
	for (int i = 0; i < n; i++) {
		int op = op_lookup(w[i]);
		if (op < 0 || i + ops[op].nargs >= n) {
			say("act: bad script at '%s'", w[i]);
			return 0;
		}
		if ((op == OP_EXPECT_RECEIPT || op == OP_EXPECT_WANT || op == OP_IDLE) &&
		    (parse_u64(w[i + 1], &v) < 0 || (op == OP_IDLE && v > 60))) {
			say("act: %s needs a number (idle: 0..60 s), not '%s'", w[i], w[i + 1]);
			return 0;
		}
		if (op == OP_CLOCK_OFFSET && parse_i64(w[i + 1], NULL) < 0) {
			say("act: clock-offset needs milliseconds, not '%s'", w[i + 1]);
			return 0;
		}
		i += ops[op].nargs;
	}
	return 1;
}

/* Stays connected for secs, answering PINGs (with our clock) and taking the
 * station's entries, receipting nothing: the station must not close on us. */
static int idle(actor *a, uint64_t secs)
{
	int64_t end = now_ms() + (int64_t)secs * 1000;
	unsigned before = a->seen_entries;
	for (;;) {
		uint8_t type;
		const uint8_t *body;
		size_t len;
		int rc = next_record(&a->c, end, &type, &body, &len);
		if (rc == 0)
			break;
		if (rc != 1) {
			say("idle %llu: %s", (unsigned long long)secs, why_no_record(rc));
			return -1;
		}
		if (type == HL_REC_ENTRY)
			note_entry(a, body, len);
	}
	say("idle %llu: connection open; %u entries of the station's came (it has up to seq %llu)",
	    (unsigned long long)secs, a->seen_entries - before, (unsigned long long)a->seen_seq);
	return 0;
}

/* A receipt signed with the peer's key: the right one for the station's
 * newest entry we hold, or one naming another hash for that seq (a fork), or
 * one for a seq the station never wrote. */
static int send_receipt(actor *a, int op)
{
	hl_receipt r;
	uint8_t enc[HL_RECEIPT_LEN];
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, a->line_id, 32);
	memcpy(r.receiver, a->id->pub.ed, 32);
	r.seq = op == OP_RECEIPT_BEYOND ? a->seen_seq + 1 : a->seen_seq;
	if (op == OP_RECEIPT_HEAD)
		memcpy(r.hash, a->seen_hash, 32);
	else
		randombytes_buf(r.hash, 32);
	r.time_ms = our_wall_ms(&a->c);
	if (r.seq == 0) {
		say("%s: the station has no entry we could receipt", ops[op].name);
		return -1;
	}
	if (hl_receipt_sign(&r, a->id) < 0)
		return -1;
	hl_receipt_encode(&r, enc);
	if (send_record(&a->c, HL_REC_RECEIPT, enc, sizeof enc) < 0) {
		say("%s: cannot send: %s", ops[op].name, a->c.closed ? "connection closed" : "error");
		return -1;
	}
	say("%s: signed receipt for the station's seq %llu sent%s", ops[op].name, (unsigned long long)r.seq,
	    op == OP_RECEIPT_HEAD ? "" : op == OP_RECEIPT_FORK ? " (a different hash: a fork)" :
	    " (a seq it never wrote)");
	return 0;
}

/* Waiting actions. 0 as expected, -1 not. */
static int expect_step(actor *a, int op, const char *arg)
{
	uint8_t p[HL_PING_LEN];
	const uint8_t *body;
	size_t len;
	uint64_t n = 0;
	if (arg)
		parse_u64(arg, &n);
	if (op == OP_EXPECT_RECEIPT) {
		say("expect-receipt %llu:", (unsigned long long)n);
		return expect_receipt(a, n);
	}
	if (op == OP_EXPECT_WANT) {
		if (wait_record(a, HL_REC_WANT, &body, &len) < 0)
			return -1;
		uint64_t from = len == HL_WANT_LEN ? hl_be64_get(body) : 0;
		say("expect-want %llu: WANT from seq %llu", (unsigned long long)n, (unsigned long long)from);
		return len == HL_WANT_LEN && from == n ? 0 : -1;
	}
	if (op == OP_WAIT_ENTRY) {
		if (wait_record(a, HL_REC_ENTRY, &body, &len) < 0)
			return -1;
		say("wait-entry: the station's entries up to seq %llu", (unsigned long long)a->seen_seq);
		return 0;
	}
	if (op == OP_IDLE)
		return idle(a, n);
	if (op == OP_PING) {
		hl_be64_put(p, (uint64_t)now_ms());
		hl_be64_put(p + 8, our_wall_ms(&a->c));
		if (send_record(&a->c, HL_REC_PING, p, sizeof p) < 0 ||
		    wait_record(a, HL_REC_PONG, &body, &len) < 0 || len != HL_PING_LEN ||
		    memcmp(body, p, 8) != 0) {
			say("ping: no matching PONG");
			return -1;
		}
		say("ping: PONG, connection open");
		return 0;
	}
	say("expect-close:");
	return wait_record(a, 0, &body, &len);
}

/* Sending actions: the next entry in our chain, or one tampered field of it. */
static int act_step(actor *a, int op, const char *arg)
{
	uint8_t hash[32];
	hl_entry e;
	if (op >= OP_EXPECT_RECEIPT)
		return expect_step(a, op, arg);
	if (op == OP_RECEIPT_HEAD || op == OP_RECEIPT_FORK || op == OP_RECEIPT_BEYOND)
		return send_receipt(a, op);
	if (op == OP_CLOCK_OFFSET) {
		parse_i64(arg, &a->c.clock_off_ms);
		say("clock-offset: our clock now reads %+lld ms off", (long long)a->c.clock_off_ms);
		return 0;
	}
	if (op == OP_MAX_FRAME) {
		/* The largest legal transport message (65535 bytes on the wire),
		 * holding one malformed PING: the station must close, not crash. */
		static uint8_t big[HL_MAX_RECORD_BODY];
		say("max-frame: one 65535-byte transport message");
		return send_record(&a->c, HL_REC_PING, big, sizeof big);
	}
	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = HL_KIND_MESSAGE;
	memcpy(e.line_id, a->line_id, 32);
	memcpy(e.author, a->id->pub.ed, 32);
	e.seq = a->next_seq;
	memcpy(e.prev, a->prev, 32);
	e.peer_seq = a->sh.my_seq; /* cross-link: the station's head */
	memcpy(e.peer_hash, a->sh.my_hash, 32);
	e.time_ms = our_wall_ms(&a->c);
	snprintf(e.operator_name, sizeof e.operator_name, "peerctl");
	snprintf(e.lang, sizeof e.lang, "en");
	e.body = (const uint8_t *)(arg ? arg : "tampered");
	e.body_len = (uint32_t)strlen((const char *)e.body);
	if (op == OP_EQUIVOCATE) {
		if (a->last_seq == 0) {
			say("equivocate: no valid entry sent yet in this session");
			return -1;
		}
		e.seq = a->last_seq;
		memcpy(e.prev, a->last_prev, 32);
	} else if (op == OP_BAD_PREV) {
		if (e.seq == 1) {
			say("bad-prev: seq 1 must have a zero prev; send a valid entry first");
			return -1;
		}
		randombytes_buf(e.prev, 32);
	} else if (op == OP_BAD_SEQ) {
		e.seq++; /* skips one */
	} else if (op == OP_BAD_PEERHASH) {
		randombytes_buf(e.peer_hash, 32); /* not the station's entry at that seq */
	} else if (op == OP_WRONG_LINE) {
		randombytes_buf(e.line_id, 32);
	}
	if (send_entry(a, &e, op == OP_BAD_SIG, hash) < 0)
		return -1;
	say("%s: sent seq %llu%s%s%s", ops[op].name, (unsigned long long)e.seq, arg ? " '" : "",
	    arg ? arg : "", arg ? "'" : "");
	if (op == OP_SEND) {
		memcpy(a->last_prev, a->prev, 32);
		memcpy(a->prev, hash, 32);
		memcpy(a->last_hash, hash, 32);
		a->last_seq = a->next_seq++;
	}
	return 0;
}

/* --hello MODE: what our HELLO claims. honest: exactly what the station's
 * says (we hold its whole chain, it holds ours). The lies: ours-ahead, we
 * hold one more of its entries than it wrote; ours-forked, another hash for
 * its newest seq; ours-none, none of its entries (below the receipts we may
 * have signed); theirs-none, our own chain is empty (a store restored from an
 * old copy: our next entry is seq 1 again); theirs-forked, another hash for
 * our newest seq. */
static const char *const hello_modes[] = { "honest", "ours-ahead", "ours-forked", "ours-none",
					   "theirs-none", "theirs-forked", NULL };
enum { HM_HONEST, HM_OURS_AHEAD, HM_OURS_FORKED, HM_OURS_NONE, HM_THEIRS_NONE, HM_THEIRS_FORKED };

static int hello_mode(const char *s)
{
	for (int i = 0; hello_modes[i]; i++)
		if (!strcmp(s ? s : "honest", hello_modes[i]))
			return i;
	return -1;
}

static int send_hello(actor *a, int mode)
{
	hl_hello h;
	uint8_t enc[HL_HELLO_LEN];
	memset(&h, 0, sizeof h); /* role 0: we are the initiator */
	h.my_seq = a->sh.your_seq;
	memcpy(h.my_hash, a->sh.your_hash, 32);
	h.your_seq = a->sh.my_seq;
	memcpy(h.your_hash, a->sh.my_hash, 32);
	if ((mode == HM_OURS_FORKED && h.your_seq == 0) || (mode == HM_THEIRS_FORKED && h.my_seq == 0)) {
		say("--hello %s: the station holds no such entry to fork", hello_modes[mode]);
		return -1;
	}
	if (mode == HM_OURS_AHEAD)
		h.your_seq++;
	if (mode == HM_OURS_AHEAD || mode == HM_OURS_FORKED)
		randombytes_buf(h.your_hash, 32);
	if (mode == HM_THEIRS_FORKED)
		randombytes_buf(h.my_hash, 32);
	if (mode == HM_OURS_NONE) {
		h.your_seq = 0;
		memset(h.your_hash, 0, 32);
	}
	if (mode == HM_THEIRS_NONE) {
		h.my_seq = 0;
		memset(h.my_hash, 0, 32);
		a->next_seq = 1; /* and we sign seq 1 again */
		memset(a->prev, 0, 32);
	}
	a->seen_seq = h.your_seq <= a->sh.my_seq ? h.your_seq : a->sh.my_seq;
	memcpy(a->seen_hash, a->seen_seq == a->sh.my_seq ? a->sh.my_hash : h.your_hash, 32);
	if (mode != HM_HONEST)
		say("HELLO (%s): we hold our own up to seq %llu, the station's up to seq %llu", hello_modes[mode],
		    (unsigned long long)h.my_seq, (unsigned long long)h.your_seq);
	if (hl_hello_sign(&h, a->c.hs_hash, a->id) < 0)
		return -1;
	hl_hello_encode(&h, enc);
	return send_record(&a->c, HL_REC_HELLO, enc, sizeof enc);
}

/* probe: handshake (and HELLO) only; act: then the script. */
static int cmd_peer(const opts *o, int probe)
{
	actor a;
	uint8_t psk[HL_PSK_LEN];
	int has_psk, ret = EXIT_UNEXPECTED;
	memset(&a, 0, sizeof a);
	a.c.fd = -1;
	if (hello_mode(o->hello) < 0) {
		say("--hello: unknown mode '%s'", o->hello);
		return EXIT_USAGE;
	}
	if (!script_ok(o->script, o->nscript) ||
	    load_identity(o, &a.id, &a.station, psk, &has_psk) < 0) {
		hl_keys_free(a.id);
		return EXIT_USAGE;
	}
	hl_line_id(&a.id->pub, &a.station, a.line_id);
	if (conn_open(&a.c, o) < 0)
		goto out;
	int rc = handshake(&a.c, a.id, &a.station, has_psk ? psk : NULL, o->save);
	if (rc == 1) {
		say("closed without reply (%zu bytes)", a.c.rx_bytes);
		ret = probe && o->expect_refused && a.c.rx_bytes == 0 ? EXIT_OK : EXIT_UNEXPECTED;
		goto out;
	}
	if (rc != 0 || read_hello(&a.c, &a.station, &a.sh) < 0)
		goto out;
	say("handshake completed; station HELLO verified: it holds its own up to seq %llu, ours up to seq %llu",
	    (unsigned long long)a.sh.my_seq, (unsigned long long)a.sh.your_seq);
	if (probe) {
		ret = o->expect_refused ? EXIT_UNEXPECTED : EXIT_OK;
		goto out;
	}
	a.next_seq = a.sh.your_seq + 1;
	memcpy(a.prev, a.sh.your_hash, 32);
	if (send_hello(&a, hello_mode(o->hello)) < 0) {
		say("cannot send HELLO");
		goto out;
	}
	for (int i = 0; i < o->nscript; i++) {
		int op = op_lookup(o->script[i]);
		const char *arg = ops[op].nargs ? o->script[++i] : NULL;
		if (act_step(&a, op, arg) < 0) {
			say("act: step '%s' did not go as expected", ops[op].name);
			goto out;
		}
	}
	say("act: every step as expected");
	ret = EXIT_OK;
out:
	sodium_memzero(psk, sizeof psk);
	conn_close(&a.c);
	hl_keys_free(a.id);
	return ret;
}

static int usage(void)
{
	fputs("usage: peerctl probe ADDR --key KEYFILE --peer PUB88 [--psk FILE] [--save-msg1 FILE] [--expect-refused]\n"
	      "       peerctl replay ADDR FILE\n"
	      "       peerctl garbage ADDR --bytes N [--seed S] [--framed | --zero-frame | --stall]\n"
	      "       peerctl act ADDR --key KEYFILE --peer PUB88 [--psk FILE] [--hello MODE] ACTION...\n"
	      "  actions: send-valid TEXT, equivocate TEXT, bad-sig, bad-prev, bad-seq, bad-peerhash,\n"
	      "           wrong-line, max-frame, receipt-head, receipt-fork, receipt-beyond,\n"
	      "           clock-offset MS, expect-receipt SEQ, expect-want SEQ, expect-close, ping,\n"
	      "           idle SECONDS, wait-entry\n"
	      "  --hello: honest (default), ours-ahead, ours-forked, ours-none, theirs-none, theirs-forked\n"
	      "  every command: [--timeout SECONDS] (default 8, at most 10) [--bind SOURCE-IP]\n"
	      "                 [--clock-offset MS] (our wall clock, as we report it, is off by MS)\n"
	      "exit: 0 the expected behaviour was observed, 1 it was not, 2 usage\n",
	      stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	opts o;
	char *pos[64];
	int npos = 0;
	memset(&o, 0, sizeof o);
	o.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (argc < 3 || sodium_init() < 0)
		return usage();
	const char *bytes = "0", *timeout = NULL, *clock_off = NULL;
	const struct { const char *name; int *flag; const char **val; } optv[] = {
		{ "--expect-refused", &o.expect_refused, NULL }, { "--zero-frame", &o.zero_frame, NULL },
		{ "--stall", &o.stall, NULL }, { "--framed", &o.framed, NULL }, { "--key", NULL, &o.key },
		{ "--peer", NULL, &o.peer }, { "--bind", NULL, &o.bind }, { "--psk", NULL, &o.psk },
		{ "--save-msg1", NULL, &o.save }, { "--seed", NULL, &o.seed }, { "--bytes", NULL, &bytes },
		{ "--timeout", NULL, &timeout }, { "--hello", NULL, &o.hello },
		{ "--clock-offset", NULL, &clock_off },
	};
	for (int i = 2; i < argc; i++) {
		size_t k = 0;
		while (k < sizeof optv / sizeof optv[0] && strcmp(argv[i], optv[k].name) != 0)
			k++;
		if (k < sizeof optv / sizeof optv[0] && optv[k].flag)
			*optv[k].flag = 1;
		else if (k < sizeof optv / sizeof optv[0] && i + 1 < argc)
			*optv[k].val = argv[++i];
		else if (strncmp(argv[i], "--", 2) != 0 && npos < (int)(sizeof pos / sizeof pos[0]))
			pos[npos++] = argv[i];
		else
			return usage();
	}
	char *endp;
	o.bytes = strtol(bytes, &endp, 10);
	if (*endp || (timeout && (o.timeout_ms = (int)(strtod(timeout, &endp) * 1000), *endp)))
		return usage();
	if (o.timeout_ms <= 0 || o.timeout_ms > MAX_TIMEOUT_MS || npos < 1 ||
	    (clock_off && parse_i64(clock_off, &o.clock_off_ms) < 0))
		return usage();
	o.addr = pos[0];
	const char *cmd = argv[1];
	if (!strcmp(cmd, "probe") && npos == 1)
		return cmd_peer(&o, 1);
	if (!strcmp(cmd, "replay") && npos == 2)
		return cmd_replay(&o, pos[1]);
	if (!strcmp(cmd, "garbage") && npos == 1 && o.zero_frame + o.stall + o.framed <= 1)
		return cmd_garbage(&o);
	if (!strcmp(cmd, "act") && npos >= 1) {
		o.script = pos + 1;
		o.nscript = npos - 1;
		return cmd_peer(&o, 0);
	}
	return usage();
}
