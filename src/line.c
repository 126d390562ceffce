/* line.c — one line (the link to one pinned peer): dialling and reconnect,
 * session choice, HELLO/resume, streaming own entries, applying the receiving
 * rules to the peer's entries, receipts, keepalive. */
#include "daemon.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "log.h"
#include "rules.h"

#define DUP_WINDOW_MS 3000u   /* two sessions this close together: tie-break */
#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u

static const uint8_t zero32[32];

static void flush_receipt(hl_line *l);

static int own_author_hash(hl_line *l, uint64_t seq, uint8_t out[32])
{
	if (seq == 0) {
		memset(out, 0, 32);
		return 0;
	}
	return hl_store_hash_at(l->d->store, l->line_id, l->d->id->pub.ed, seq, out);
}

static int peer_author_hash(hl_line *l, uint64_t seq, uint8_t out[32])
{
	if (seq == 0) {
		memset(out, 0, 32);
		return 0;
	}
	return hl_store_hash_at(l->d->store, l->line_id, l->peer->key.ed, seq, out);
}

static int load_heads(hl_line *l)
{
	hl_store *st = l->d->store;
	int rc = hl_store_head(st, l->line_id, l->d->id->pub.ed, &l->own_seq, l->own_hash);
	if (rc == 0)
		rc = hl_store_head(st, l->line_id, l->peer->key.ed, &l->peer_seq, l->peer_hash);
	if (rc < 0)
		return rc;
	l->own_durable = l->own_seq;
	l->peer_durable = l->peer_seq;
	hl_buf tmp;
	hl_buf_init(&tmp, HL_RECEIPT_LEN);
	rc = hl_store_get_receipt(st, l->line_id, l->peer->key.ed, &l->receipted_seq, &tmp);
	hl_buf_free(&tmp);
	if (rc < 0)
		return rc;
	rc = hl_store_get_stopped(st, l->line_id, l->stopped_reason, sizeof l->stopped_reason);
	if (rc < 0)
		return rc;
	l->stopped = l->stopped_reason[0] != 0;
	return hl_store_get_tai64n(st, l->peer->key.x, l->last_tai64n);
}

int hl_line_init(hl_daemon *d, hl_line *l, const hl_peer_conf *peer, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	l->d = d;
	l->peer = peer;
	l->rtt_ms = -1;
	hl_line_id(&d->id->pub, &peer->key, l->line_id);
	if (peer->psk_file[0]) {
		int rc = hl_keys_load_psk(peer->psk_file, l->psk, err, errlen);
		if (rc < 0)
			return rc;
		l->has_psk = 1;
	}
	if (peer->n_endpoints > 0)
		snprintf(l->endpoint, sizeof l->endpoint, "%s", peer->endpoints[0]);
	int rc = load_heads(l);
	if (rc < 0) {
		snprintf(err, errlen, "peer %s: cannot read line state: %s", peer->name, hl_strerror(rc));
		return rc;
	}
	uv_timer_init(&d->loop, &l->dial_timer);
	l->dial_timer.data = l;
	uv_timer_init(&d->loop, &l->keepalive);
	l->keepalive.data = l;
	l->backoff_ms = BACKOFF_MIN_MS;
	return 0;
}

static void dial(hl_line *l)
{
	hl_daemon *d = l->d;
	if (d->stopping || l->stopped || l->session || l->dialing || !l->endpoint[0])
		return;
	struct sockaddr_storage ss;
	if (hl_config_parse_addr(l->endpoint, &ss) < 0)
		return;
	hl_session_dial(l, (const struct sockaddr *)&ss);
}

static void on_dial_timer(uv_timer_t *t)
{
	dial(t->data);
}

static void schedule_dial(hl_line *l)
{
	if (l->d->stopping || l->stopped || !l->endpoint[0])
		return;
	/* Capped exponential backoff with jitter, so two stations that lost each
	 * other do not redial in lockstep. */
	unsigned b = l->backoff_ms;
	unsigned delay = b / 2 + randombytes_uniform(b / 2 + 1);
	l->backoff_ms = b * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b * 2;
	uv_timer_start(&l->dial_timer, on_dial_timer, delay, 0);
}

static void send_ping(hl_line *l, hl_session *s)
{
	uint8_t p[HL_PING_LEN];
	hl_be64_put(p, hl_now_ms(l->d));
	hl_be64_put(p + 8, hl_wall_ms());
	hl_session_send(s, HL_REC_PING, p, sizeof p);
	hl_session_flush(s);
}

static void on_keepalive(uv_timer_t *t)
{
	hl_line *l = t->data;
	hl_session *s = l->session;
	if (!s) {
		if (!l->dialing && !uv_is_active((uv_handle_t *)&l->dial_timer))
			dial(l);
		return;
	}
	uint64_t quiet = hl_now_ms(l->d) - s->last_rx_ms;
	if (quiet > (uint64_t)l->peer->dead_after * l->peer->keepalive_ms) {
		char why[96];
		snprintf(why, sizeof why, "path dead: nothing received for %llu ms", (unsigned long long)quiet);
		hl_session_close(s, why);
		return;
	}
	send_ping(l, s);
}

void hl_line_start(hl_line *l)
{
	uv_timer_start(&l->keepalive, on_keepalive, l->peer->keepalive_ms, l->peer->keepalive_ms);
	dial(l);
}

void hl_line_close(hl_line *l)
{
	if (l->session)
		hl_session_close(l->session, "station shutting down");
	if (l->dialing)
		hl_session_close(l->dialing, NULL);
	uv_close((uv_handle_t *)&l->dial_timer, NULL);
	uv_close((uv_handle_t *)&l->keepalive, NULL);
	sodium_memzero(l->psk, sizeof l->psk);
}

/* 1 if s was opened by the party with the smaller station key. */
static int smaller_opened(const hl_line *l, const hl_session *s)
{
	int me_smaller = hl_pubkey_cmp(&l->d->id->pub, &l->peer->key) < 0;
	return s->initiator ? me_smaller : !me_smaller;
}

static int send_hello(hl_line *l, hl_session *s)
{
	hl_hello h;
	memset(&h, 0, sizeof h);
	h.role = s->initiator ? 0 : 1;
	h.my_seq = l->own_durable;
	h.your_seq = l->peer_durable;
	int rc = own_author_hash(l, h.my_seq, h.my_hash);
	if (rc == 0)
		rc = peer_author_hash(l, h.your_seq, h.your_hash);
	if (rc == 0)
		rc = hl_hello_sign(&h, s->hs_hash, l->d->id);
	if (rc < 0)
		return rc;
	uint8_t enc[HL_HELLO_LEN];
	hl_hello_encode(&h, enc);
	rc = hl_session_send(s, HL_REC_HELLO, enc, sizeof enc);
	if (rc == 0)
		rc = hl_session_flush(s);
	return rc;
}

int hl_line_session_up(hl_line *l, hl_session *s)
{
	if (l->dialing == s)
		l->dialing = NULL;
	if (l->stopped)
		return HL_ERR_STOPPED;
	hl_session *old = l->session;
	if (old) {
		uint64_t age = hl_now_ms(l->d) - old->up_ms;
		int keep_new = 1;
		/* Both dialled at once: both sides must keep the same connection,
		 * the one opened by the smaller key. Later, a new session simply
		 * replaces the old (the peer restarted or the old path died). */
		if (age < DUP_WINDOW_MS && smaller_opened(l, s) != smaller_opened(l, old))
			keep_new = smaller_opened(l, s);
		if (!keep_new) {
			hl_session_close(s, "duplicate connection (simultaneous dial)");
			return 0;
		}
		l->session = s;
		hl_session_close(old, "replaced by a newer session");
	}
	l->session = s;
	s->up_ms = hl_now_ms(l->d);
	l->last_traffic_ms = s->up_ms;
	l->backoff_ms = BACKOFF_MIN_MS;
	uv_timer_stop(&l->dial_timer);
	hl_log(HL_LOG_NOTICE, "%s %s: line up (%s, %s)", l->peer->name, s->addr,
	       s->initiator ? "we dialled" : "they dialled", l->has_psk ? "IKpsk2" : "IK");
	return send_hello(l, s);
}

void hl_line_session_down(hl_line *l, hl_session *s)
{
	if (l->dialing == s)
		l->dialing = NULL;
	if (l->session != s) {
		if (!l->session && !l->dialing)
			schedule_dial(l);
		return;
	}
	l->session = NULL;
	l->rtt_ms = -1;
	hl_log(HL_LOG_NOTICE, "%s: line down", l->peer->name);
	schedule_dial(l);
}

void hl_line_pump(hl_line *l)
{
	hl_session *s = l->session;
	if (!s || s->state != HL_SS_UP || !s->hello_rx || l->stopped)
		return;
	hl_buf enc;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	while (s->send_next <= l->own_durable && s->write_pending < HL_SEND_WINDOW_BYTES &&
	       s->state == HL_SS_UP) {
		int rc = hl_store_get_entry(l->d->store, l->line_id, l->d->id->pub.ed, s->send_next, &enc);
		if (rc == 0)
			rc = hl_session_send(s, HL_REC_ENTRY, enc.p, enc.len);
		if (rc < 0) {
			hl_log(HL_LOG_ERR, "%s: cannot send entry %llu: %s", l->peer->name,
			       (unsigned long long)s->send_next, hl_strerror(rc));
			hl_session_close(s, "send failed");
			break;
		}
		s->send_next++;
		if (s->out.len > HL_MAX_TRANSPORT_PT / 2)
			hl_session_flush(s);
	}
	hl_buf_free(&enc);
	if (s->state == HL_SS_UP)
		hl_session_flush(s);
}

static void stop_line(hl_line *l, const char *reason)
{
	l->stopped = 1;
	snprintf(l->stopped_reason, sizeof l->stopped_reason, "%s", reason);
	hl_log(HL_LOG_ERR, "ALARM %s: line stopped: %s", l->peer->name, reason);
	if (hl_daemon_tx(l->d) == 0)
		hl_store_set_stopped(l->d->store, l->line_id, reason);
	if (l->session)
		hl_session_close(l->session, "line stopped");
	uv_timer_stop(&l->dial_timer);
}

static int on_hello(hl_line *l, hl_session *s, const uint8_t *body, size_t len)
{
	hl_hello h;
	if (s->hello_rx || hl_hello_decode(body, len, &h) < 0)
		return HL_ERR_INVAL;
	if (h.role != (s->initiator ? 1 : 0))
		return HL_ERR_INVAL;
	if (hl_hello_verify(&h, s->hs_hash, l->peer->key.ed) < 0) {
		hl_log(HL_LOG_WARN, "%s %s: HELLO signature does not verify", l->peer->name, s->addr);
		return HL_ERR_SIG;
	}
	char why[200];
	if (h.your_seq > l->own_durable) {
		snprintf(why, sizeof why, "peer holds our entries up to %llu but we have only %llu (store restored from an old copy?)",
			 (unsigned long long)h.your_seq, (unsigned long long)l->own_durable);
		stop_line(l, why);
		return HL_ERR_STOPPED;
	}
	uint8_t mine[32];
	int rc = own_author_hash(l, h.your_seq, mine);
	if (rc < 0)
		return rc;
	if (sodium_memcmp(mine, h.your_hash, 32) != 0) {
		snprintf(why, sizeof why, "peer holds a different entry of ours at seq %llu (fork)",
			 (unsigned long long)h.your_seq);
		stop_line(l, why);
		return HL_ERR_STOPPED;
	}
	if (h.my_seq < l->peer_durable)
		hl_log(HL_LOG_WARN, "%s: peer says its newest entry is %llu, we hold %llu of theirs",
		       l->peer->name, (unsigned long long)h.my_seq, (unsigned long long)l->peer_durable);
	s->hello_rx = 1;
	s->send_next = h.your_seq + 1;
	/* Re-receipt what we hold, so a receipt lost in a crash is replaced. */
	if (l->peer_durable > 0)
		l->need_receipt = 1;
	flush_receipt(l);
	hl_line_pump(l);
	return 0;
}

static int view_peer_hash(void *ctx, uint64_t seq, uint8_t out[32])
{
	return peer_author_hash(ctx, seq, out);
}

static int view_own_hash(void *ctx, uint64_t seq, uint8_t out[32])
{
	return own_author_hash(ctx, seq, out);
}

static int on_entry(hl_line *l, hl_session *s, const uint8_t *body, size_t len)
{
	hl_entry e;
	uint8_t hash[32];
	int rc = hl_entry_decode(body, len, &e);
	if (rc < 0) {
		hl_log(HL_LOG_WARN, "%s: malformed entry refused: %s", l->peer->name, hl_strerror(rc));
		return rc;
	}
	hl_entry_hash(body, len, hash);
	hl_rules_view v = {
		.line_id = l->line_id,
		.peer_author = l->peer->key.ed,
		.peer_head_seq = l->peer_seq,
		.peer_head_hash = l->peer_hash,
		.peer_hash_at = view_peer_hash,
		.own_hash_at = view_own_hash,
		.ctx = l,
	};
	rc = hl_rules_check(&v, &e, hash);
	if (rc == HL_RULES_RESEND) {
		l->need_receipt = 1;
		return 0;
	}
	if (rc == HL_ERR_GAP) {
		if (s->want_sent != l->peer_seq + 1) {
			uint8_t w[HL_WANT_LEN];
			s->want_sent = l->peer_seq + 1;
			hl_be64_put(w, s->want_sent);
			hl_session_send(s, HL_REC_WANT, w, sizeof w);
		}
		return 0;
	}
	if (rc == HL_ERR_EQUIVOCATION) {
		char why[200];
		if (hl_daemon_tx(l->d) == 0)
			hl_store_put_conflict(l->d->store, l->line_id, e.author, e.seq, body, len);
		snprintf(why, sizeof why, "equivocation: peer signed two different entries with seq %llu",
			 (unsigned long long)e.seq);
		stop_line(l, why);
		return HL_ERR_EQUIVOCATION;
	}
	if (rc < 0) {
		hl_log(HL_LOG_WARN, "%s: entry seq %llu refused: %s", l->peer->name,
		       (unsigned long long)e.seq, hl_strerror(rc));
		return rc;
	}
	rc = hl_daemon_tx(l->d);
	if (rc < 0)
		return rc;
	hl_store_entry se = {
		.line_id = l->line_id, .author = e.author, .seq = e.seq, .hash = hash,
		.kind = e.kind, .precedence = e.precedence, .flags = e.flags,
		.time_ms = e.time_ms, .stored_ms = hl_wall_ms(), .enc = body, .enc_len = len,
	};
	rc = hl_store_put_entry(l->d->store, &se);
	if (rc < 0)
		return rc;
	l->peer_seq = e.seq;
	memcpy(l->peer_hash, hash, 32);
	l->need_receipt = 1;
	return 0;
}

static int on_receipt(hl_line *l, const uint8_t *body, size_t len)
{
	hl_receipt r;
	int rc = hl_receipt_decode(body, len, &r);
	if (rc < 0)
		return rc;
	if (sodium_memcmp(r.line_id, l->line_id, 32) != 0 ||
	    sodium_memcmp(r.receiver, l->peer->key.ed, 32) != 0)
		return HL_ERR_AUTHOR;
	rc = hl_receipt_verify(&r);
	if (rc < 0)
		return rc;
	if (r.seq > l->own_durable)
		return HL_ERR_INVAL; /* receipts only what we sent */
	uint8_t mine[32];
	rc = own_author_hash(l, r.seq, mine);
	if (rc < 0)
		return rc;
	if (sodium_memcmp(mine, r.hash, 32) != 0) {
		char why[160];
		snprintf(why, sizeof why, "peer receipted a different entry of ours at seq %llu (fork)",
			 (unsigned long long)r.seq);
		stop_line(l, why);
		return HL_ERR_STOPPED;
	}
	if (r.seq <= l->receipted_seq)
		return 0;
	rc = hl_daemon_tx(l->d);
	if (rc == 0)
		rc = hl_store_put_receipt(l->d->store, l->line_id, r.receiver, r.seq, body, len);
	if (rc == 0)
		l->receipted_seq = r.seq;
	return rc;
}

int hl_line_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len)
{
	l->last_traffic_ms = hl_now_ms(l->d);
	if (!s->hello_rx && type != HL_REC_HELLO)
		return HL_ERR_STATE;
	switch (type) {
	case HL_REC_HELLO:
		return on_hello(l, s, body, len);
	case HL_REC_ENTRY:
		return on_entry(l, s, body, len);
	case HL_REC_RECEIPT:
		return on_receipt(l, body, len);
	case HL_REC_PING: {
		if (len != HL_PING_LEN)
			return HL_ERR_INVAL;
		uint8_t p[HL_PING_LEN];
		memcpy(p, body, 8);
		hl_be64_put(p + 8, hl_wall_ms());
		return hl_session_send(s, HL_REC_PONG, p, sizeof p);
	}
	case HL_REC_PONG: {
		if (len != HL_PING_LEN)
			return HL_ERR_INVAL;
		uint64_t sent = hl_be64_get(body), now = hl_now_ms(l->d);
		if (sent <= now)
			l->rtt_ms = (double)(now - sent);
		return 0;
	}
	case HL_REC_WANT: {
		if (len != HL_WANT_LEN)
			return HL_ERR_INVAL;
		uint64_t from = hl_be64_get(body);
		if (from == 0 || from > l->own_durable + 1)
			return HL_ERR_INVAL;
		s->send_next = from;
		hl_line_pump(l);
		return 0;
	}
	default:
		return HL_ERR_INVAL; /* BLOB and unknown types are not spoken in version 1 */
	}
}

/* Sends a receipt for the peer's entries that are durable. Entries stored in
 * the open transaction are receipted only after its commit. */
static void flush_receipt(hl_line *l)
{
	hl_session *s = l->session;
	if (!l->need_receipt || l->peer_durable == 0 || l->peer_durable != l->peer_seq)
		return;
	if (!s || s->state != HL_SS_UP || !s->hello_rx)
		return;
	hl_receipt r;
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, l->line_id, 32);
	memcpy(r.receiver, l->d->id->pub.ed, 32);
	r.seq = l->peer_durable;
	memcpy(r.hash, l->peer_hash, 32);
	r.time_ms = hl_wall_ms();
	uint8_t enc[HL_RECEIPT_LEN];
	if (hl_receipt_sign(&r, l->d->id) == 0) {
		hl_receipt_encode(&r, enc);
		if (hl_session_send(s, HL_REC_RECEIPT, enc, sizeof enc) == 0)
			l->need_receipt = 0;
	}
}

void hl_line_committed(hl_line *l)
{
	l->own_durable = l->own_seq;
	l->peer_durable = l->peer_seq;
	flush_receipt(l);
	hl_line_pump(l);
}

void hl_line_reload(hl_line *l)
{
	if (load_heads(l) < 0)
		hl_log(HL_LOG_ERR, "%s: cannot reload line state", l->peer->name);
	l->need_receipt = 0;
	if (l->session)
		hl_session_close(l->session, "store commit failed");
}

const char *hl_line_state(const hl_line *l)
{
	if (l->stopped)
		return "stopped";
	if (l->session && l->session->hello_rx)
		return "up";
	if (l->session || l->dialing)
		return "connecting";
	return "down";
}

int hl_line_submit(hl_line *l, const hl_line_draft *dr, uint64_t *seq, uint8_t hash[32])
{
	*seq = 0;
	if (l->stopped)
		return HL_ERR_STOPPED;
	hl_entry e;
	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = dr->kind;
	e.precedence = dr->precedence;
	e.flags = dr->flags;
	memcpy(e.line_id, l->line_id, 32);
	memcpy(e.author, l->d->id->pub.ed, 32);
	e.seq = l->own_seq + 1;
	memcpy(e.prev, l->own_seq ? l->own_hash : zero32, 32);
	e.peer_seq = l->peer_seq;
	memcpy(e.peer_hash, l->peer_seq ? l->peer_hash : zero32, 32);
	e.time_ms = hl_wall_ms();
	snprintf(e.operator_name, sizeof e.operator_name, "%s", dr->operator_name ? dr->operator_name : "");
	snprintf(e.lang, sizeof e.lang, "%s", dr->lang);
	e.body = dr->body;
	e.body_len = (uint32_t)dr->body_len;
	if (dr->body_len > HL_MAX_BODY)
		return HL_ERR_TOOBIG;
	int rc = hl_entry_check_fields(&e);
	if (rc < 0)
		return rc;
	rc = hl_entry_sign(&e, l->d->id);
	if (rc < 0)
		return rc;
	hl_buf enc;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	rc = hl_entry_encode(&e, &enc);
	if (rc == 0)
		rc = hl_daemon_tx(l->d);
	if (rc == 0) {
		hl_entry_hash(enc.p, enc.len, hash);
		hl_store_entry se = {
			.line_id = l->line_id, .author = e.author, .seq = e.seq, .hash = hash,
			.kind = e.kind, .precedence = e.precedence, .flags = e.flags,
			.time_ms = e.time_ms, .stored_ms = e.time_ms, .enc = enc.p, .enc_len = enc.len,
		};
		rc = hl_store_put_entry(l->d->store, &se);
	}
	hl_buf_free(&enc);
	if (rc < 0)
		return rc;
	l->own_seq = e.seq;
	memcpy(l->own_hash, hash, 32);
	*seq = e.seq;
	return 0;
}
