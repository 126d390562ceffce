/* line.c — one line (the link to one pinned peer): dialling and reconnect,
 * session choice, HELLO/resume, streaming own entries, applying the receiving
 * rules to the peer's entries, receipts, keepalive. */
#include "core.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "session_int.h"
#include "util/err.h"
#include "util/log.h"
#include "record/rules.h"
#include "store/store_outbox.h"


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

/* The peer's newest entry's cross-link, which its next may not go below:
 * read once here, then kept by on_entry (no store read per entry). */
static int load_peer_link(hl_line *l)
{
	hl_entry e;
	hl_buf enc;
	int rc;

	l->peer_link = 0;
	if (l->peer_seq == 0)
		return 0;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	rc = hl_store_get_entry(l->d->store, l->line_id, l->peer->key.ed, l->peer_seq, &enc);
	if (rc == 0)
		rc = hl_entry_decode(enc.p, enc.len, &e);
	if (rc == 0)
		l->peer_link = e.peer_seq;
	hl_buf_free(&enc);
	return rc;
}

static int load_heads(hl_line *l)
{
	hl_store *st = l->d->store;
	int rc = hl_store_head(st, l->line_id, l->d->id->pub.ed, &l->own_seq, l->own_hash);
	if (rc == 0)
		rc = hl_store_head(st, l->line_id, l->peer->key.ed, &l->peer_seq, l->peer_hash);
	if (rc == 0)
		rc = load_peer_link(l);
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
	if (rc == 0)
		rc = hl_store_draft_count(st, l->line_id, &l->drafts);
	if (rc < 0)
		return rc;
	l->stopped = l->stopped_reason[0] != 0;
	return 0;
}

int hl_line_init(hl_core *d, hl_line *l, const hl_peer_conf *peer, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	l->d = d;
	l->peer = peer;
	l->rtt_ms = -1;
	l->quota_start_ms = hl_now_ms(d);
	hl_line_id(&d->id->pub, &peer->key, l->line_id);
	if (peer->psk_file[0]) {
		int rc = hl_keys_load_psk(peer->psk_file, l->psk, err, errlen);
		if (rc < 0)
			return rc;
		l->has_psk = 1;
	}
	int rc = load_heads(l);
	if (rc == 0)
		rc = hl_line_clock_load(l, 0);
	if (rc < 0) {
		snprintf(err, errlen, "peer %s: cannot read line state: %s", peer->name, hl_strerror(rc));
		return rc;
	}
	/* Restarted or re-added by a reload: the store is the one the peer
	 * confirmed in this run (only this daemon writes it), so that holds. */
	for (int i = 0; i < d->n_lines; i++) {
		const hl_line *o = &d->lines[i];
		if (o != l && o->retired && o->confirmed && memcmp(o->line_id, l->line_id, 32) == 0)
			l->confirmed = 1;
	}
	l->drain_retry = l->confirmed && l->drafts;
	return hl_path_init_all(l, err, errlen);
}

void hl_line_start(hl_line *l)
{
	hl_path_start_all(l);
}

void hl_line_close(hl_line *l)
{
	hl_features_close(l);
	hl_path_close_all(l);
	sodium_memzero(l->psk, sizeof l->psk);
	free(l->conflict_enc);
	l->conflict_enc = NULL;
}

int hl_line_hello(hl_line *l, hl_session *s)
{
	hl_hello h;
	if (s->hello_tx)
		return 0; /* a window session sent it before it was confirmed */
	s->hello_tx = 1;
	memset(&h, 0, sizeof h);
	h.role = s->initiator ? 0 : 1;
	h.path = s->initiator ? (uint8_t)s->path : HL_HELLO_NO_PATH;
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
	return hl_session_send(s, HL_REC_HELLO, enc, sizeof enc);
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
		hl_path_sent(l, s, s->send_next);
		s->send_next++;
		if (s->out.len > HL_MAX_TRANSPORT_PT / 2)
			hl_session_flush(s);
	}
	hl_buf_free(&enc);
	if (s->state == HL_SS_UP)
		hl_session_flush(s);
	hl_features_pump(l);
}

static void stop_line(hl_line *l, const char *reason)
{
	l->stopped = 1;
	/* What an operator queued stays unsigned, and the reason says so. */
	if (l->drafts)
		snprintf(l->stopped_reason, sizeof l->stopped_reason, "%s; %llu queued entr%s held, "
			 "not signed", reason, (unsigned long long)l->drafts, l->drafts == 1 ? "y" : "ies");
	else
		snprintf(l->stopped_reason, sizeof l->stopped_reason, "%s", reason);
	reason = l->stopped_reason;
	hl_log(HL_LOG_ERR, "%s: line stopped: %s", l->peer->name, reason);
	hl_supervise_alarm(l, HL_ALARM_EQUIVOCATION, -1, 1, reason);
	l->stop_unsaved = 1;
	if (hl_core_tx(l->d) == 0)
		hl_store_set_stopped(l->d->store, l->line_id, reason);
	hl_path_close_sessions(l, "line stopped");
	for (int i = 0; i < l->n_slots; i++)
		uv_timer_stop(&l->paths[i].dial_timer);
}

static int on_hello(hl_line *l, hl_session *s, const uint8_t *body, size_t len)
{
	hl_hello h;
	if (s->hello_rx)
		return HL_ERR_INVAL;
	int rc = hl_hello_decode(body, len, &h);
	if (rc == HL_ERR_VERSION) {
		hl_log(HL_LOG_WARN, "%s %s: HELLO of version %u, this station speaks %u: upgrade the older side",
		       l->peer->name, s->addr, len ? body[0] : 0, HL_HELLO_VERSION);
		return rc;
	}
	if (rc < 0 || h.role != (s->initiator ? 1 : 0))
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
	rc = own_author_hash(l, h.your_seq, mine);
	if (rc < 0)
		return rc;
	if (sodium_memcmp(mine, h.your_hash, 32) != 0) {
		snprintf(why, sizeof why, "peer holds a different entry of ours at seq %llu (fork)",
			 (unsigned long long)h.your_seq);
		stop_line(l, why);
		return HL_ERR_STOPPED;
	}
	/* Seq rollbacks are only logged: a HELLO on a slow path may be overtaken
	 * by entries and receipts on a faster one, so they are not proof. */
	if (h.my_seq < l->peer_durable)
		hl_log(HL_LOG_WARN, "%s: peer says its newest entry is %llu, we hold %llu of theirs",
		       l->peer->name, (unsigned long long)h.my_seq, (unsigned long long)l->peer_durable);
	if (h.your_seq < l->receipted_seq)
		hl_log(HL_LOG_WARN, "%s: peer says it holds %llu of our entries, its own receipt covers %llu",
		       l->peer->name, (unsigned long long)h.your_seq, (unsigned long long)l->receipted_seq);
	/* A seq we hold has one hash for good: the peer signing another one for
	 * its own newest entry has forked its chain (no race: unlike the seqs,
	 * which another path's traffic may have moved on since, a hash at a
	 * given seq never changes). */
	if (h.my_seq > 0 && h.my_seq <= l->peer_seq) {
		rc = peer_author_hash(l, h.my_seq, mine);
		if (rc < 0)
			return rc;
		if (sodium_memcmp(mine, h.my_hash, 32) != 0) {
			snprintf(why, sizeof why, "peer's HELLO names a different entry of its own at seq %llu than the one we hold (fork)",
				 (unsigned long long)h.my_seq);
			stop_line(l, why);
			return HL_ERR_STOPPED;
		}
	}
	s->hello_rx = 1;
	s->send_next = h.your_seq + 1;
	/* Our store holds all the peer holds of ours: signing may start (and
	 * the drafts queued until now are signed first). Whichever session
	 * then carries the line: the HELLO confirmed the record. */
	hl_line_confirm(l, h.your_seq);
	/* The session takes its path now (a responder learns it only here);
	 * the loser of a simultaneous dial carries nothing. */
	if (hl_path_attach(l, s, h.path) != 0)
		return 0;
	/* Re-receipt what we hold, so a receipt lost in a crash is replaced. */
	if (l->peer_durable > 0)
		l->need_receipt = 1;
	hl_path_choose(l);
	hl_line_flush_receipt(l);
	hl_line_pump(l);
	hl_features_on_hello(l, s);
	return 0;
}

/* ---- H6: quota on the peer's stored entries and attachment bytes ----
 * A peer (or whoever holds its key) sending valid entries without end must
 * not fill our disk. Per QuotaWindow at most QuotaEntries of its entries and
 * QuotaBytes of their encodings are stored; past that its new entries are
 * dropped: not stored, so not receipted (the peer keeps them, and its own
 * no-receipt alarm fires) and the quota alarm is raised here. Attachment
 * chunks have a budget of their own (QuotaAttachmentBytes), so that files
 * can never hold back the messages (a FLASH) for the rest of a window;
 * chunks over it are not stored and asked for again in the next window.
 * A new window clears the alarm and asks the peer to resend. The counts are
 * kept in memory only: a restart begins a new window (a peer cannot cause
 * a restart). */
static void quota_roll(hl_line *l, uint64_t now)
{
	if (now - l->quota_start_ms < l->peer->quota_window_ms)
		return;
	l->quota_start_ms = now;
	l->quota_entries = l->quota_bytes = l->quota_attach = 0;
	if (!l->quota_over && !l->quota_attach_over)
		return;
	hl_log(HL_LOG_NOTICE, "%s: new quota window; %llu entries and %llu attachment bytes were not stored in the last one",
	       l->peer->name, (unsigned long long)l->quota_dropped,
	       (unsigned long long)l->quota_attach_dropped);
	int entries_over = l->quota_over;
	l->quota_over = l->quota_attach_over = 0;
	l->quota_dropped = l->quota_attach_dropped = 0;
	hl_supervise_alarm(l, HL_ALARM_QUOTA, -1, 0, NULL);
	if (!entries_over)
		return;
	uint8_t w[HL_WANT_LEN];
	hl_be64_put(w, l->peer_seq + 1);
	hl_path_broadcast(l, HL_REC_WANT, w, sizeof w);
}

void hl_line_quota_tick(hl_line *l, uint64_t now)
{
	quota_roll(l, now);
}

int hl_line_quota_admit(hl_line *l, size_t len, int entry)
{
	const hl_peer_conf *pc = l->peer;
	quota_roll(l, hl_now_ms(l->d));
	int over = entry ? l->quota_over : l->quota_attach_over;
	uint64_t used = entry ? l->quota_bytes : l->quota_attach;
	uint64_t cap = entry ? pc->quota_bytes : pc->quota_attach_bytes;
	if (!over && (!entry || l->quota_entries < pc->quota_entries) && len <= cap - used) {
		if (entry) {
			l->quota_entries++;
			l->quota_bytes += len;
		} else {
			l->quota_attach += len;
		}
		return 1;
	}
	if (entry)
		l->quota_dropped++;
	else
		l->quota_attach_dropped += len;
	if (!over) {
		char text[300];
		if (entry) {
			l->quota_over = 1;
			snprintf(text, sizeof text, "%s sent more than its quota (%llu entries or %llu bytes per %llu s): "
				 "its new entries are not stored until the window ends",
				 pc->name, (unsigned long long)pc->quota_entries,
				 (unsigned long long)pc->quota_bytes,
				 (unsigned long long)(pc->quota_window_ms / 1000u));
		} else {
			l->quota_attach_over = 1;
			snprintf(text, sizeof text, "%s sent more attachment bytes than its quota (%llu bytes per %llu s): "
				 "its attachments wait until the window ends (messages are not held)",
				 pc->name, (unsigned long long)pc->quota_attach_bytes,
				 (unsigned long long)(pc->quota_window_ms / 1000u));
		}
		hl_supervise_alarm(l, HL_ALARM_QUOTA, -1, 1, text);
	}
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

/* The proof of an equivocation is kept in memory until it is durable. */
static void keep_conflict(hl_line *l, uint64_t seq, const uint8_t *body, size_t len)
{
	if (l->conflict_enc)
		return; /* the first proof is the one kept (store.h) */
	l->conflict_enc = malloc(len);
	if (!l->conflict_enc)
		return;
	memcpy(l->conflict_enc, body, len);
	l->conflict_len = len;
	l->conflict_seq = seq;
}

static int on_entry(hl_line *l, hl_session *s, const uint8_t *body, size_t len)
{
	hl_entry e;
	uint8_t hash[32];
	if (hl_now_ms(l->d) < l->d->store_hold_until_ms || hl_store_tx_failed(l->d->store)) {
		/* The store just failed (a full disk), or this turn's transaction
		 * is lost: drop, and ask again later, rather than fail one commit
		 * per arriving entry or judge it against heads that are gone. */
		l->want_resend = 1;
		return 0;
	}
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
		.peer_head_link = l->peer_link,
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
		if (l->quota_over)
			return 0; /* a resend now would only be dropped again */
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
		keep_conflict(l, e.seq, body, len);
		if (hl_core_tx(l->d) == 0)
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
	if (!hl_line_quota_admit(l, len, 1))
		return 0;
	rc = hl_core_tx(l->d);
	if (rc < 0)
		return rc;
	hl_store_entry se = {
		.line_id = l->line_id, .author = e.author, .seq = e.seq, .hash = hash,
		.kind = e.kind, .precedence = e.precedence, .flags = e.flags,
		.time_ms = e.time_ms, .stored_ms = hl_wall_ms(), .enc = body, .enc_len = len,
	};
	rc = hl_store_put_entry(l->d->store, &se);
	if (rc == 0) {
		l->peer_seq = e.seq;
		memcpy(l->peer_hash, hash, 32);
		l->peer_link = e.peer_seq;
		l->need_receipt = 1;
		rc = hl_line_entry_stored(l, &e, hash, se.stored_ms, 0);
	}
	if (rc < 0 && hl_store_tx_failed(l->d->store)) {
		/* The turn is lost with this entry: asked for again, the session
		 * kept (a full disk is no reason to reconnect). */
		l->want_resend = 1;
		return 0;
	}
	return rc;
}

static int on_receipt(hl_line *l, hl_session *s, const uint8_t *body, size_t len)
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
	if (r.seq > l->own_durable) {
		/* We send only durable entries, so a signed receipt beyond them
		 * names an entry we never wrote: the stores diverged (PROTOCOL §4). */
		char why[200];
		snprintf(why, sizeof why, "peer receipted our seq %llu but we wrote only %llu (our store restored from an old copy, or a fork)",
			 (unsigned long long)r.seq, (unsigned long long)l->own_durable);
		stop_line(l, why);
		return HL_ERR_STOPPED;
	}
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
	if (r.seq <= l->receipted_seq) {
		hl_path_on_receipt(l, s);
		return 0;
	}
	/* Verified, so it is the proof from now on, whether or not this turn
	 * commits: kept here and written again after a failed commit. */
	l->receipted_seq = r.seq;
	memcpy(l->receipt_enc, body, HL_RECEIPT_LEN);
	l->receipt_unsaved = 1;
	hl_path_on_receipt(l, s);
	rc = hl_core_tx(l->d);
	if (rc == 0)
		rc = hl_store_put_receipt(l->d->store, l->line_id, r.receiver, r.seq, body, len);
	if (rc < 0 && !hl_store_tx_failed(l->d->store))
		hl_log(HL_LOG_ERR, "%s: cannot store the receipt for seq %llu: %s", l->peer->name,
		       (unsigned long long)r.seq, hl_strerror(rc));
	return 0;
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
		hl_path_on_peer_entry(l, s);
		return on_entry(l, s, body, len);
	case HL_REC_RECEIPT:
		return on_receipt(l, s, body, len);
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
		hl_path_on_pong(l, s, hl_be64_get(body), hl_be64_get(body + 8));
		return 0;
	}
	case HL_REC_WANT: {
		if (len != HL_WANT_LEN)
			return HL_ERR_INVAL;
		uint64_t from = hl_be64_get(body);
		if (from == 0 || from > l->own_durable + 1)
			return HL_ERR_INVAL;
		s->send_next = from;
		/* We stream on the active session, wherever the WANT came in. */
		if (l->session && l->session != s && l->session->send_next > from)
			l->session->send_next = from;
		hl_line_pump(l);
		return 0;
	}
	default: {
		/* A feature's records (attachments); any other type is refused. */
		int taken = 0;
		int rc = hl_features_on_record(l, s, type, body, len, &taken);
		return taken ? rc : HL_ERR_INVAL;
	}
	}
}

/* Sends a receipt for the peer's entries that are durable. Entries stored in
 * the open transaction are receipted only after its commit. */
void hl_line_flush_receipt(hl_line *l)
{
	if (!l->need_receipt || l->peer_durable == 0 || l->peer_durable != l->peer_seq)
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
		/* On every session: the peer may be sending on a path whose return
		 * direction is the one that failed. */
		hl_path_broadcast(l, HL_REC_RECEIPT, enc, sizeof enc);
		l->need_receipt = 0;
	}
}

void hl_line_committed(hl_line *l)
{
	l->own_durable = l->own_seq;
	l->peer_durable = l->peer_seq;
	l->stop_unsaved = l->receipt_unsaved = 0;
	free(l->conflict_enc);
	l->conflict_enc = NULL;
	hl_line_flush_receipt(l);
	hl_line_pump(l);
}

void hl_line_reload(hl_line *l)
{
	/* What this process knows for certain and wrote in the lost turn
	 * outlives it: a stop, the peer's newest receipt, and (line_clock.c)
	 * the newest handshake timestamps. The heads come back from the store. */
	int stopped = l->stopped;
	char reason[sizeof l->stopped_reason];
	uint64_t receipted = l->receipted_seq;
	memcpy(reason, l->stopped_reason, sizeof reason);
	if (load_heads(l) < 0 || hl_line_clock_load(l, 1) < 0)
		hl_log(HL_LOG_ERR, "%s: cannot reload line state", l->peer->name);
	if (stopped && !l->stopped) {
		l->stopped = 1;
		memcpy(l->stopped_reason, reason, sizeof reason);
		l->stop_unsaved = 1;
	}
	if (receipted > l->receipted_seq && l->receipt_unsaved)
		l->receipted_seq = receipted;
	else
		l->receipt_unsaved = 0;
	l->need_receipt = 0;
	hl_features_reload(l); /* what they kept of the lost turn is stale */
	/* Drafts the lost turn signed are back in the outbox, unsigned. */
	l->drain_retry = l->confirmed && l->drafts;
	/* The sessions stay up: the peer's entries of the lost turn are asked
	 * for again once the store may take them (hl_line_store_retry). */
	l->want_resend = 1;
}

/* Writes again, in the turn's transaction, what a failed commit lost but
 * the line still holds for certain. */
static void resave(hl_line *l)
{
	hl_store *st = l->d->store;
	if (!(l->stop_unsaved || l->receipt_unsaved || l->conflict_enc) ||
	    hl_core_tx(l->d) < 0)
		return;
	int rc = 0;
	if (l->conflict_enc)
		rc = hl_store_put_conflict(st, l->line_id, l->peer->key.ed, l->conflict_seq,
					   l->conflict_enc, l->conflict_len);
	if (rc == 0 && l->stop_unsaved)
		rc = hl_store_set_stopped(st, l->line_id, l->stopped_reason);
	if (rc == 0 && l->receipt_unsaved)
		rc = hl_store_put_receipt(st, l->line_id, l->peer->key.ed, l->receipted_seq,
					  l->receipt_enc, HL_RECEIPT_LEN);
	if (rc < 0)
		hl_log(HL_LOG_WARN, "%s: cannot write the line's state again yet: %s", l->peer->name,
		       hl_strerror(rc));
}

void hl_line_store_retry(hl_line *l)
{
	if (hl_now_ms(l->d) < l->d->store_hold_until_ms)
		return;
	resave(l);
	if (!l->want_resend)
		return;
	l->want_resend = 0;
	uint8_t w[HL_WANT_LEN];
	hl_be64_put(w, l->peer_durable + 1);
	hl_path_broadcast(l, HL_REC_WANT, w, sizeof w);
}

int hl_line_entries_waiting(const hl_line *l)
{
	return l->session && l->session->send_next <= l->own_durable;
}

const char *hl_line_state(const hl_line *l)
{
	if (l->stopped)
		return "stopped";
	if (l->session && l->session->hello_rx)
		return "up";
	for (int i = 0; i < l->n_slots; i++)
		if (l->paths[i].session || l->paths[i].dialing)
			return "connecting";
	return "down";
}
