/* session.c — one TCP connection to a peer: the Noise IK/IKpsk2 handshake
 * (initiator or silent responder), then sealed transport messages carrying
 * records; or a session another transport carries (transport.h). It knows
 * nothing of entries; records go to the line. */
#include "session_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/limits.h"
#include "util/log.h"

#define NONCE_LIMIT (1ULL << 32) /* DESIGN: fresh handshake before 2^32 messages */

typedef struct {
	uv_write_t req;
	hl_session *s;
	size_t len;
	uint8_t data[];
} write_req;

static int tcp_send(hl_session *s, const uint8_t *records, size_t len);
static void tcp_close(hl_session *s);
static const hl_transport tcp_noise = { tcp_send, tcp_close };

void hl_session_free(hl_session *s)
{
	hl_core *d = s->d;
	for (hl_session **pp = &d->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	hl_framer_free(&s->framer);
	hl_buf_free(&s->out);
	sodium_memzero(s, sizeof *s);
	free(s);
}

static void on_close(uv_handle_t *h)
{
	hl_session *s = h->data;
	if (--s->handles_open == 0)
		hl_session_free(s);
}

/* A session in the core's list, carried by tr (no handles yet). */
static hl_session *session_alloc(hl_core *d, const hl_transport *tr, void *ctx)
{
	hl_session *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->d = d;
	s->path = -1;
	s->srtt_ms = -1;
	s->rsrtt_ms = -1;
	s->tr = tr;
	s->tr_ctx = ctx;
	hl_framer_init(&s->framer);
	hl_buf_init(&s->out, HL_MAX_TRANSPORT_PT);
	s->next = d->sessions;
	d->sessions = s;
	return s;
}

static hl_session *session_new(hl_core *d)
{
	hl_session *s = session_alloc(d, &tcp_noise, NULL);
	if (!s)
		return NULL;
	if (uv_tcp_init(&d->loop, &s->tcp) != 0) {
		hl_session_free(s);
		return NULL;
	}
	s->tcp.data = s;
	s->handles_open++;
	uv_timer_init(&d->loop, &s->timer);
	s->timer.data = s;
	s->handles_open++;
	return s;
}

void hl_session_close(hl_session *s, const char *why)
{
	if (s->state == HL_SS_CLOSING)
		return;
	int was = s->state;
	s->state = HL_SS_CLOSING;
	if (!s->initiator && (was != HL_SS_UP || s->confirm_pending) && s->d->half_open > 0)
		s->d->half_open--;
	if (why)
		hl_log(was == HL_SS_UP ? HL_LOG_NOTICE : HL_LOG_INFO, "%s %s: closed: %s",
		       s->line ? s->line->peer->name : "connection", s->addr, why);
	if (s->line)
		hl_line_session_down(s->line, s);
	if (s->hs) {
		hl_noise_hs_free(s->hs);
		s->hs = NULL;
	}
	hl_noise_cipher_wipe(&s->tx);
	hl_noise_cipher_wipe(&s->rx);
	s->tr->close(s);
}

static void tcp_close(hl_session *s)
{
	uv_read_stop((uv_stream_t *)&s->tcp);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->tcp, on_close);
	uv_close((uv_handle_t *)&s->timer, on_close);
}

static void on_deadline(uv_timer_t *t)
{
	hl_session *s = t->data;
	hl_session_close(s, s->state == HL_SS_CONNECTING ? "connect timed out" :
			    s->confirm_pending ? "handshake not confirmed: no transport message from the "
						 "initiator (a replayed message 1?)" :
			    s->state == HL_SS_UP ? "no HELLO before the handshake deadline" :
						   "handshake timed out");
}

static void on_retired(uv_timer_t *t)
{
	hl_session *s = t->data;
	hl_session_close(s, s->retire_why);
}

void hl_session_retire(hl_session *s, unsigned grace_ms, const char *why)
{
	if (s->state == HL_SS_CLOSING || s->retired)
		return;
	s->retired = 1;
	s->retire_why = why;
	uv_timer_start(&s->timer, on_retired, grace_ms, 0);
}

static void on_write(uv_write_t *req, int status)
{
	write_req *w = (write_req *)req;
	hl_session *s = w->s;
	s->write_pending -= w->len;
	sodium_memzero(w->data, w->len);
	free(w);
	if (s->state == HL_SS_CLOSING)
		return;
	if (status < 0) {
		hl_session_close(s, uv_strerror(status));
		return;
	}
	if (s->state == HL_SS_UP && s->line && s->line->session == s)
		hl_line_pump(s->line);
}

/* Hands one length-prefixed frame to libuv. */
static int write_frame(hl_session *s, const uint8_t *msg, size_t len, int seal)
{
	size_t body = seal ? len + HL_NOISE_TAG : len;
	if (body > HL_NOISE_MAX_MSG)
		return HL_ERR_TOOBIG;
	/* Our own sends stop at their windows; what else is written answers
	 * the peer (receipts, PONGs, WANTs). A peer that sends and never reads
	 * would grow this queue without end: the session goes instead. */
	if (s->write_pending > HL_MAX_WRITE_QUEUE)
		return HL_ERR_TOOBIG;
	write_req *w = malloc(sizeof *w + 2 + body);
	if (!w)
		return HL_ERR_NOMEM;
	hl_be16_put(w->data, (uint16_t)body);
	if (seal) {
		int rc = hl_noise_encrypt(&s->tx, NULL, 0, msg, len, w->data + 2);
		if (rc < 0) {
			free(w);
			return rc;
		}
	} else {
		memcpy(w->data + 2, msg, len);
	}
	w->s = s;
	w->len = 2 + body;
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);
	int rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_write);
	if (rc < 0) {
		free(w);
		return HL_ERR_IO;
	}
	s->write_pending += w->len;
	return 0;
}

/* The default transport: one sealed transport message on the socket. */
static int tcp_send(hl_session *s, const uint8_t *records, size_t len)
{
	if (s->tx.n >= NONCE_LIMIT)
		return HL_ERR_NONCE;
	return write_frame(s, records, len, 1);
}

int hl_session_flush(hl_session *s)
{
	if (s->state != HL_SS_UP || s->out.len == 0)
		return 0;
	int rc = s->tr->send(s, s->out.p, s->out.len);
	if (rc == HL_ERR_NONCE) {
		hl_session_close(s, "message limit reached; new handshake needed");
		return rc;
	}
	sodium_memzero(s->out.p, s->out.len);
	hl_buf_reset(&s->out);
	if (rc < 0)
		hl_session_close(s, hl_strerror(rc));
	return rc;
}

int hl_session_send(hl_session *s, uint8_t type, const uint8_t *body, size_t len)
{
	if (s->state != HL_SS_UP)
		return HL_ERR_STATE;
	if (s->out.len + HL_RECORD_HDR + len > HL_MAX_TRANSPORT_PT) {
		int rc = hl_session_flush(s);
		if (rc < 0)
			return rc;
	}
	return hl_record_put(&s->out, type, body, len);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	/* One shared block: libuv calls on_read right after on_alloc, and the
	 * framer copies what it needs. */
	hl_session *s = h->data;
	*buf = uv_buf_init((char *)s->d->rbuf, sizeof s->d->rbuf);
}

static int up(hl_session *s)
{
	int rc = hl_noise_hs_split(s->hs, &s->tx, &s->rx);
	if (rc < 0)
		return rc;
	hl_noise_hs_hash(s->hs, s->hs_hash);
	hl_noise_hs_free(s->hs);
	s->hs = NULL;
	s->state = HL_SS_UP;
	s->last_rx_ms = hl_now_ms(s->d);
	/* Unconfirmed: our HELLO goes out (sealed to keys a replayer lacks),
	 * the deadline keeps running, the line does not see it yet. */
	if (s->confirm_pending)
		return hl_line_hello(s->line, s);
	/* The deadline runs on until the peer's HELLO (hl_path_attach). */
	if (!s->initiator && s->d->half_open > 0)
		s->d->half_open--;
	return hl_line_session_up(s->line, s);
}

/* A window session's first transport message decrypted: the initiator
 * holds the ephemeral key of its message 1, so it is no replay. */
static int confirm(hl_session *s)
{
	if (s->d->stopping)
		return HL_ERR_STATE; /* its line is closing: nothing to adopt it */
	s->confirm_pending = 0;
	/* The deadline runs on until the peer's HELLO (hl_path_attach). */
	if (s->d->half_open > 0)
		s->d->half_open--;
	hl_line_hs_confirmed(s->line, s->tai64n);
	return hl_line_session_up(s->line, s);
}

/* Responder: message 1 must be IK or IKpsk2 from a pinned key, with a fresh
 * timestamp (line_clock.c). Any failure closes without a byte in reply. */
static int responder_msg1(hl_session *s, const uint8_t *msg, size_t len)
{
	hl_core *d = s->d;
	static const char *protos[2] = { HL_PROTO_IK, HL_PROTO_IKPSK2 };
	uint8_t payload[64];
	size_t plen = 0;
	int psk_used = -1;
	for (int i = 0; i < 2 && psk_used < 0; i++) {
		hl_noise_hs *hs = NULL;
		if (hl_noise_hs_new(&hs, protos[i], 0, (const uint8_t *)HL_PROLOGUE,
				    strlen(HL_PROLOGUE), d->id->x_sk, NULL, NULL, NULL, 0) < 0)
			return HL_ERR_CRYPTO;
		if (hl_noise_hs_read(hs, msg, len, payload, sizeof payload, &plen) == 0) {
			s->hs = hs;
			psk_used = i;
		} else {
			hl_noise_hs_free(hs);
		}
	}
	if (psk_used < 0)
		return HL_ERR_CRYPTO;
	uint8_t rs[32];
	if (hl_noise_hs_remote_static(s->hs, rs) < 0)
		return HL_ERR_CRYPTO;
	hl_line *l = hl_core_line_by_x(d, rs);
	if (!l)
		return HL_ERR_UNKNOWN_PEER;
	if (l->has_psk != psk_used) {
		hl_log(HL_LOG_WARN, "%s %s: handshake %s a pre-shared key, config %s",
		       l->peer->name, s->addr, psk_used ? "with" : "without", l->has_psk ? "requires one" : "has none");
		return HL_ERR_CRYPTO;
	}
	if (plen != 12)
		return HL_ERR_INVAL;
	/* Message 1 begins with the initiator's ephemeral key, in clear: it
	 * names this message 1 (any other key would not have decrypted). */
	int confirm_pending = 0;
	int rc = hl_line_hs_check(l, s->addr, payload, msg, &confirm_pending);
	if (rc < 0)
		return rc;
	if (l->stopped)
		return HL_ERR_STOPPED;
	if (l->has_psk && hl_noise_hs_set_psks(s->hs, l->psk, 1) < 0)
		return HL_ERR_CRYPTO;
	uint8_t out[128];
	size_t olen = 0;
	rc = hl_noise_hs_write(s->hs, NULL, 0, out, sizeof out, &olen);
	if (rc < 0)
		return rc;
	rc = write_frame(s, out, olen, 0);
	if (rc < 0)
		return rc;
	hl_line_hs_accepted(l, payload, msg);
	memcpy(s->tai64n, payload, 12);
	s->line = l;
	s->confirm_pending = confirm_pending;
	return up(s);
}

static int initiator_msg2(hl_session *s, const uint8_t *msg, size_t len)
{
	uint8_t payload[16];
	size_t plen = 0;
	int rc = hl_noise_hs_read(s->hs, msg, len, payload, sizeof payload, &plen);
	if (rc < 0)
		return rc;
	if (plen != 0 || !hl_noise_hs_done(s->hs))
		return HL_ERR_INVAL;
	return up(s);
}

/* The records of one plaintext batch, in order, to the line. */
static int deliver(hl_session *s, const uint8_t *records, size_t len)
{
	hl_rd r;
	int rc;
	hl_rd_init(&r, records, len);
	for (;;) {
		uint8_t type;
		const uint8_t *body;
		size_t blen;
		rc = hl_record_next(&r, &type, &body, &blen);
		if (rc == 1)
			return 0;
		if (rc < 0)
			return rc;
		rc = hl_line_on_record(s->line, s, type, body, blen);
		if (rc < 0 || s->state != HL_SS_UP)
			return rc;
	}
}

static int transport(hl_session *s, const uint8_t *msg, size_t len)
{
	uint8_t pt[HL_MAX_TRANSPORT_PT];
	if (len < HL_NOISE_TAG)
		return HL_ERR_TRUNC;
	int rc = hl_noise_decrypt(&s->rx, NULL, 0, msg, len, pt);
	if (rc < 0)
		return rc;
	s->last_rx_ms = hl_now_ms(s->d);
	if (s->confirm_pending && ((rc = confirm(s)) < 0 || s->state != HL_SS_UP))
		goto out;
	rc = deliver(s, pt, len - HL_NOISE_TAG);
out:
	sodium_memzero(pt, len - HL_NOISE_TAG); /* pt holds the plaintext only */
	return rc < 0 ? rc : 0;
}

/* After one received frame's work: an error closes the session (1: it
 * is closing), else what the frame answered goes out. */
static int settle(hl_session *s, int rc)
{
	if (s->state == HL_SS_CLOSING)
		return 1;
	if (rc < 0) {
		hl_session_close(s, hl_strerror(rc));
		return 1;
	}
	hl_session_flush(s);
	return 0;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	hl_session *s = st->data;
	if (s->state == HL_SS_CLOSING)
		return;
	if (nread == 0)
		return;
	if (nread < 0) {
		hl_session_close(s, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread));
		return;
	}
	if (hl_framer_feed(&s->framer, (const uint8_t *)buf->base, (size_t)nread) < 0) {
		hl_session_close(s, "input over limit");
		return;
	}
	for (;;) {
		const uint8_t *msg;
		size_t len;
		int rc = hl_framer_next(&s->framer, &msg, &len);
		if (rc == 0)
			return;
		if (rc < 0) {
			hl_session_close(s, "bad frame length");
			return;
		}
		if (s->state == HL_SS_HANDSHAKE && !s->initiator)
			rc = responder_msg1(s, msg, len);
		else if (s->state == HL_SS_HANDSHAKE)
			rc = initiator_msg2(s, msg, len);
		else
			rc = transport(s, msg, len);
		hl_framer_pop(&s->framer);
		if (settle(s, rc))
			return;
	}
}

/* Records the peer's address for logs and its 16-byte form for rate limits. */
static void set_addr(hl_session *s, uint8_t raw[16])
{
	struct sockaddr_storage ss;
	int n = sizeof ss;
	s->addr[0] = 0;
	memset(raw, 0, 16);
	if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &n) != 0)
		return;
	s->remote = ss;
	if (ss.ss_family == AF_INET) {
		raw[10] = raw[11] = 0xff;
		memcpy(raw + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		memcpy(raw, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	}
	char ip[48] = "";
	int port = 0;
	if (ss.ss_family == AF_INET) {
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	snprintf(s->addr, sizeof s->addr, "%s:%d", ip, port);
}

static void on_connect(uv_connect_t *req, int status)
{
	hl_session *s = req->data;
	if (s->state == HL_SS_CLOSING)
		return;
	if (status < 0) {
		hl_session_close(s, uv_strerror(status));
		return;
	}
	uint8_t raw[16];
	set_addr(s, raw);
	hl_line *l = s->line;
	hl_core *d = s->d;
	int rc = hl_noise_hs_new(&s->hs, l->has_psk ? HL_PROTO_IKPSK2 : HL_PROTO_IK, 1,
				 (const uint8_t *)HL_PROLOGUE, strlen(HL_PROLOGUE), d->id->x_sk,
				 l->peer->key.x, NULL, l->has_psk ? l->psk : NULL, l->has_psk ? 1 : 0);
	uint8_t ts[12], out[256];
	size_t olen = 0;
	hl_tai64n_now(ts);
	if (rc == 0)
		rc = hl_noise_hs_write(s->hs, ts, sizeof ts, out, sizeof out, &olen);
	if (rc == 0)
		rc = write_frame(s, out, olen, 0);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read) == 0 ? 0 : HL_ERR_IO;
	if (rc < 0) {
		hl_session_close(s, hl_strerror(rc));
		return;
	}
	s->state = HL_SS_HANDSHAKE;
}

int hl_session_dial(hl_line *l, int path, const struct sockaddr *sa)
{
	hl_session *s = session_new(l->d);
	if (!s)
		return HL_ERR_NOMEM;
	s->initiator = 1;
	s->line = l;
	s->path = path;
	s->state = HL_SS_CONNECTING;
	snprintf(s->addr, sizeof s->addr, "%s", l->paths[path].endpoint);
	s->connect_req.data = s;
	l->paths[path].dialing = s;
	uv_tcp_nodelay(&s->tcp, 1);
	int rc = uv_tcp_connect(&s->connect_req, &s->tcp, sa, on_connect);
	if (rc < 0) {
		hl_session_close(s, uv_strerror(rc));
		return HL_ERR_IO;
	}
	uv_timer_start(&s->timer, on_deadline, HL_HANDSHAKE_DEADLINE_MS, 0);
	return 0;
}

int hl_session_accept(hl_core *d, uv_stream_t *server)
{
	hl_session *s = session_new(d);
	if (!s)
		return HL_ERR_NOMEM;
	s->state = HL_SS_HANDSHAKE;
	d->half_open++;
	if (uv_accept(server, (uv_stream_t *)&s->tcp) != 0) {
		hl_session_close(s, NULL);
		return HL_ERR_IO;
	}
	uint8_t raw[16];
	set_addr(s, raw);
	if (d->half_open > HL_MAX_HALF_OPEN || d->stopping) {
		hl_session_close(s, "too many handshakes in progress");
		return 0;
	}
	if (!hl_ratelimit_allow(&d->handshake_rl, raw, hl_now_ms(d))) {
		hl_session_close(s, "handshake rate limit for this address");
		return 0;
	}
	uv_tcp_nodelay(&s->tcp, 1);
	if (uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read) != 0) {
		hl_session_close(s, "read failed");
		return HL_ERR_IO;
	}
	uv_timer_start(&s->timer, on_deadline, HL_HANDSHAKE_DEADLINE_MS, 0);
	return 0;
}

int hl_session_ready(const hl_session *s)
{
	return s->state == HL_SS_UP && s->hello_rx;
}

size_t hl_session_queued(const hl_session *s)
{
	return s->write_pending + s->out.len;
}

void hl_session_get_info(const hl_session *s, hl_session_info *out)
{
	out->addr = s->addr;
	out->initiator = s->initiator;
	out->hello = s->hello_rx;
	out->suspect = s->suspect;
	out->srtt_ms = s->srtt_ms;
}

int hl_session_attach(hl_line *l, int path, const hl_transport *t, void *ctx, int initiator,
		      const uint8_t hs_hash[64], const char *addr, hl_session **out)
{
	*out = NULL;
	if (path < -1 || path >= l->n_slots)
		return HL_ERR_INVAL;
	hl_session *s = session_alloc(l->d, t, ctx);
	if (!s)
		return HL_ERR_NOMEM;
	s->line = l;
	s->path = path;
	s->initiator = initiator;
	memcpy(s->hs_hash, hs_hash, sizeof s->hs_hash);
	snprintf(s->addr, sizeof s->addr, "%s", addr);
	s->state = HL_SS_UP;
	s->last_rx_ms = hl_now_ms(l->d);
	int rc = hl_line_session_up(l, s);
	if (rc < 0) {
		hl_session_close(s, hl_strerror(rc));
		return rc;
	}
	*out = s;
	return 0;
}

int hl_session_input(hl_session *s, const uint8_t *records, size_t len)
{
	if (s->state != HL_SS_UP)
		return HL_ERR_STATE;
	s->last_rx_ms = hl_now_ms(s->d);
	int rc = deliver(s, records, len);
	settle(s, rc);
	return rc < 0 ? rc : 0;
}

void *hl_session_transport_ctx(const hl_session *s)
{
	return s->tr_ctx;
}

int hl_session_closed(const hl_session *s)
{
	return s->state == HL_SS_CLOSING;
}
