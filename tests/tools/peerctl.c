/* peerctl.c — a scriptable fake peer for the hostile-input integration tests:
 * the protocol client (connection, Noise handshake, framing and records) and
 * the raw probes (replay, garbage) and command line. The script that
 * impersonates a pinned peer and lies is peerctl_script.c (peerctl.h). */
#include "peerctl.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}


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
int conn_open(conn *c, const opts *o)
{
	struct sockaddr_storage ss, bs;
	socklen_t sl = 0, bl = 0, el = sizeof(int);
	int err = 0, one = 1;
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->timeout_ms = o->timeout_ms;
	c->clock_off_ms = o->clock_off_ms;
	c->hs_off_ms = o->hs_off_ms;
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

void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	hl_framer_free(&c->fr);
	hl_noise_cipher_wipe(&c->tx);
	hl_noise_cipher_wipe(&c->rx);
	sodium_memzero(c->pt, sizeof c->pt);
}

/* A daemon that closes while we write is a closed connection, not an error. */
int send_all(conn *c, const uint8_t *p, size_t n)
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

int read_frame(conn *c, int64_t end, const uint8_t **msg, size_t *len)
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
int send_record(conn *c, uint8_t type, const uint8_t *body, size_t len)
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
int next_record(conn *c, int64_t end, uint8_t *type, const uint8_t **body, size_t *len)
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

const char *rec_name(uint8_t t) /* 0: wait_record's "the close" */
{
	static const char *names[] = { "close", "HELLO", "ENTRY", "RECEIPT", "PING", "PONG", "BLOB", "WANT",
				       "BLOB_WANT" };
	return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

const char *why_no_record(int rc)
{
	return rc == 0 ? "timed out" : rc == -1 ? "connection closed" :
	       rc == -3 ? "transport message does not decrypt" : "malformed frame or record";
}

/* Moves a TAI64N label by ms (within a year either way: parse_i64). */
static void shift_tai64n(uint8_t ts[12], int64_t ms)
{
	int64_t ns = (int64_t)hl_be32_get(ts + 8) + (ms % 1000) * 1000000;
	int64_t s = (int64_t)hl_be64_get(ts) + ms / 1000;
	if (ns < 0) {
		ns += 1000000000;
		s--;
	} else if (ns >= 1000000000) {
		ns -= 1000000000;
		s++;
	}
	hl_be64_put(ts, (uint64_t)s);
	hl_be32_put(ts + 8, (uint32_t)ns);
}

/* Initiator handshake. 0 completed; 1 the daemon closed (c->rx_bytes says
 * what it sent before); -1 anything else (said why). */
int handshake(conn *c, const hl_identity *id, const hl_pubkey *station, const uint8_t *psk,
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
	if (c->hs_off_ms)
		shift_tai64n(ts, c->hs_off_ms);
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
int read_hello(conn *c, const hl_pubkey *station, hl_hello *h)
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

int load_identity(const opts *o, hl_identity **id, hl_pubkey *station, uint8_t *psk, int *has_psk)
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
	say("%s: closed %s after %lld ms (%zu bytes)", what, c.rx_bytes ? "by the station" : "without reply",
	    (long long)(now_ms() - t0), c.rx_bytes);
	/* --answered: a reply is expected, and then a close by the station
	 * although we sent nothing more (it waited for us in vain). */
	ret = (c.rx_bytes > 0) == (o->answered != 0) ? EXIT_OK : EXIT_UNEXPECTED;
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

int parse_u64(const char *s, uint64_t *v)
{
	char *endp;
	errno = 0;
	*v = strtoull(s, &endp, 10);
	return errno || endp == s || *endp || s[0] == '-' ? -1 : 0;
}

/* Signed milliseconds, within a year either way. */
int parse_i64(const char *s, int64_t *v)
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

static int usage(void)
{
	fputs("usage: peerctl probe ADDR --key KEYFILE --peer PUB88 [--psk FILE] [--save-msg1 FILE] [--expect-refused]\n"
	      "       peerctl replay ADDR FILE [--answered]\n"
	      "       peerctl garbage ADDR --bytes N [--seed S] [--framed | --zero-frame | --stall]\n"
	      "       peerctl act ADDR --key KEYFILE --peer PUB88 [--psk FILE] [--hello MODE] ACTION...\n"
	      "  actions: send-valid TEXT, equivocate TEXT, bad-sig, bad-prev, bad-seq, bad-peerhash,\n"
	      "           wrong-line, xlink-back, max-frame, receipt-head, receipt-fork, receipt-beyond,\n"
	      "           clock-offset MS, expect-receipt SEQ, expect-want SEQ, expect-close, ping,\n"
	      "           idle SECONDS, wait-entry\n"
	      "  attachments: announce SIZE (a signed entry naming fresh content), chunk OFF LEN,\n"
	      "           bad-chunk OFF LEN, stray-chunk LEN, short-blob N, chunk-flood N,\n"
	      "           serve good|bad TRIES, expect-blob-want OFF; of the station's attachment:\n"
	      "           want OFF, want-unknown, want-flood N, short-want N, fetch OFF,\n"
	      "           expect-no-blob SECONDS\n"
	      "  --hello: honest (default), ours-ahead, ours-forked, ours-none, theirs-none, theirs-forked\n"
	      "  every command: [--timeout SECONDS] (default 8, at most 10) [--bind SOURCE-IP]\n"
	      "                 [--clock-offset MS] (our wall clock, as we report it, is off by MS)\n"
	      "                 [--hs-offset MS] (message 1's timestamp is off by MS)\n"
	      "  replay: the station must close with zero bytes back; --answered: it must\n"
	      "          answer, then close by itself (a handshake it never got to use)\n"
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
	const char *bytes = "0", *timeout = NULL, *clock_off = NULL, *hs_off = NULL;
	const struct { const char *name; int *flag; const char **val; } optv[] = {
		{ "--expect-refused", &o.expect_refused, NULL }, { "--zero-frame", &o.zero_frame, NULL },
		{ "--stall", &o.stall, NULL }, { "--framed", &o.framed, NULL }, { "--key", NULL, &o.key },
		{ "--peer", NULL, &o.peer }, { "--bind", NULL, &o.bind }, { "--psk", NULL, &o.psk },
		{ "--save-msg1", NULL, &o.save }, { "--seed", NULL, &o.seed }, { "--bytes", NULL, &bytes },
		{ "--timeout", NULL, &timeout }, { "--hello", NULL, &o.hello },
		{ "--clock-offset", NULL, &clock_off }, { "--hs-offset", NULL, &hs_off },
		{ "--answered", &o.answered, NULL },
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
	    (clock_off && parse_i64(clock_off, &o.clock_off_ms) < 0) ||
	    (hs_off && parse_i64(hs_off, &o.hs_off_ms) < 0))
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
