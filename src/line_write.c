/* line_write.c — our own entries on a line: signed at the next seq only once
 * the peer's HELLO, in this run, has shown that our store holds every entry
 * of ours the peer holds; until then an operator's entry waits unsigned in
 * the outbox and is signed, in order, right after that HELLO
 * (docs/PROTOCOL.md §4.2). */
#include "daemon.h"

#include <string.h>

#include "err.h"
#include "log.h"
#include "store_outbox.h"

static const uint8_t zero32[32];

/* The entry a draft becomes at the line's next seq, checked, unsigned. The
 * same checks run when a draft is queued, so a queued draft always signs. */
static int build(hl_line *l, const hl_line_draft *dr, hl_entry *e)
{
	memset(e, 0, sizeof *e);
	if (dr->nrefs > HL_MAX_REFS || dr->body_len > HL_MAX_BODY)
		return HL_ERR_TOOBIG;
	e->version = HL_ENTRY_VERSION;
	e->kind = dr->kind;
	e->precedence = dr->precedence;
	e->flags = dr->flags;
	memcpy(e->line_id, l->line_id, 32);
	memcpy(e->author, l->d->id->pub.ed, 32);
	e->seq = l->own_seq + 1;
	memcpy(e->prev, l->own_seq ? l->own_hash : zero32, 32);
	e->peer_seq = l->peer_seq;
	memcpy(e->peer_hash, l->peer_seq ? l->peer_hash : zero32, 32);
	e->time_ms = hl_wall_ms();
	snprintf(e->operator_name, sizeof e->operator_name, "%s", dr->operator_name ? dr->operator_name : "");
	snprintf(e->lang, sizeof e->lang, "%s", dr->lang);
	e->body = dr->body;
	e->body_len = (uint32_t)dr->body_len;
	e->nrefs = dr->nrefs;
	for (unsigned i = 0; i < dr->nrefs; i++)
		memcpy(e->refs[i], dr->refs[i], 32);
	return hl_entry_check_fields(e);
}

int hl_line_submit(hl_line *l, const hl_line_draft *dr, uint64_t *seq, uint8_t hash[32])
{
	*seq = 0;
	if (l->stopped)
		return HL_ERR_STOPPED;
	/* A store restored from an old copy would sign again at seqs it signed
	 * before: nothing is signed until the peer's HELLO has shown it is not
	 * behind (line.c on_hello). */
	if (!l->confirmed)
		return HL_ERR_UNCONFIRMED;
	hl_entry e;
	int rc = build(l, dr, &e);
	/* A lost turn signs nothing: its seq would be signed again after it. */
	if (rc == 0)
		rc = hl_daemon_tx(l->d);
	if (rc == 0)
		rc = hl_entry_sign(&e, l->d->id);
	if (rc < 0)
		return rc;
	hl_buf enc;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	rc = hl_entry_encode(&e, &enc);
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
	return hl_line_entry_stored(l, &e, hash, e.time_ms, 1);
}

static int queue(hl_line *l, const hl_line_draft *dr, int64_t *draft)
{
	hl_entry e;
	int rc = build(l, dr, &e);
	if (rc == 0)
		rc = hl_daemon_tx(l->d);
	if (rc < 0)
		return rc;
	hl_store_draft sd = {
		.line_id = l->line_id, .kind = dr->kind, .precedence = dr->precedence,
		.flags = dr->flags, .operator_name = e.operator_name, .lang = e.lang,
		.refs = dr->nrefs ? dr->refs[0] : NULL, .nrefs = dr->nrefs,
		.body = dr->body, .body_len = dr->body_len, .queued_ms = e.time_ms,
	};
	rc = hl_store_draft_put(l->d->store, &sd, draft);
	if (rc < 0)
		return rc;
	l->drafts++;
	hl_log(HL_LOG_INFO, "%s: %s queued as draft %lld, not signed until %s confirms our record",
	       l->peer->name, hl_kind_name(dr->kind), (long long)*draft, l->peer->name);
	return 0;
}

int hl_line_write(hl_line *l, const hl_line_draft *dr, uint64_t *seq, uint8_t hash[32],
		  int64_t *draft)
{
	*seq = 0;
	*draft = 0;
	if (l->stopped)
		return HL_ERR_STOPPED;
	/* Behind queued drafts even once confirmed: nothing overtakes them. */
	if (l->confirmed && l->drafts == 0)
		return hl_line_submit(l, dr, seq, hash);
	return queue(l, dr, draft);
}

/* The oldest draft, copied out of the walk (which must end before signing
 * writes to the store). */
typedef struct {
	int found, failed;
	int64_t id;
	uint8_t kind, precedence;
	uint16_t flags;
	char op[HL_MAX_OPERATOR + 1];
	char lang[HL_MAX_LANG + 1];
	uint8_t refs[HL_MAX_REFS][32];
	unsigned nrefs;
	hl_buf *body;
} oldest;

static int take_oldest(void *ctx, const hl_store_draft *d)
{
	oldest *o = ctx;

	o->found = 1;
	o->id = d->id;
	o->kind = d->kind;
	o->precedence = d->precedence;
	o->flags = d->flags;
	snprintf(o->op, sizeof o->op, "%s", d->operator_name);
	snprintf(o->lang, sizeof o->lang, "%s", d->lang);
	o->nrefs = d->nrefs;
	if (d->nrefs)
		memcpy(o->refs, d->refs, (size_t)d->nrefs * 32);
	hl_buf_reset(o->body);
	o->failed = d->body_len && hl_buf_put(o->body, d->body, d->body_len) < 0;
	return 1;
}

void hl_line_drain(hl_line *l)
{
	unsigned n = 0;
	int rc = 0;
	int64_t first_draft = 0;
	uint64_t first_seq = 0, seq = 0;

	if (!l->drafts || !l->confirmed || l->stopped)
		return;
	if (hl_now_ms(l->d) < l->d->store_hold_until_ms) {
		l->drain_retry = 1; /* the store just failed: from the tick, later */
		return;
	}
	hl_buf body;
	hl_buf_init(&body, HL_MAX_BODY);
	while (l->drafts && !l->stopped) {
		oldest o;
		memset(&o, 0, sizeof o);
		o.body = &body;
		rc = hl_store_draft_walk(l->d->store, l->line_id, 0, 1, take_oldest, &o);
		if (rc < 0)
			break;
		rc = 0;
		if (!o.found) {
			l->drafts = 0; /* the count was stale */
			break;
		}
		if (o.failed) {
			rc = HL_ERR_NOMEM;
			break;
		}
		hl_line_draft dr = {
			.kind = o.kind, .precedence = o.precedence, .flags = o.flags,
			.operator_name = o.op, .lang = o.lang, .body = body.p, .body_len = body.len,
			.refs = o.nrefs ? (const uint8_t (*)[32])o.refs : NULL, .nrefs = (uint8_t)o.nrefs,
		};
		uint8_t hash[32];
		/* Signed and taken out in the turn's one transaction: a failed
		 * commit brings the draft back and the entry never was. */
		rc = hl_line_submit(l, &dr, &seq, hash);
		if (rc == 0)
			rc = hl_store_draft_delete(l->d->store, o.id);
		if (rc < 0)
			break;
		l->drafts--;
		if (!n++) {
			first_draft = o.id;
			first_seq = seq;
		}
	}
	hl_buf_free(&body);
	if (n)
		hl_log(HL_LOG_NOTICE, "%s: %u queued entr%s signed, in the order queued (from draft %lld "
		       "on, as entries %llu..%llu)", l->peer->name, n, n == 1 ? "y" : "ies",
		       (long long)first_draft, (unsigned long long)first_seq, (unsigned long long)seq);
	/* A store failure fails the turn's commit, whose reload retries; any
	 * other failure (a draft that cannot be signed) waits for a restart
	 * rather than repeat every tick. */
	if (rc < 0)
		hl_log(HL_LOG_ERR, "%s: cannot sign the queued drafts (%llu left): %s", l->peer->name,
		       (unsigned long long)l->drafts, hl_strerror(rc));
}

void hl_line_drain_tick(hl_line *l)
{
	if (!l->drain_retry || hl_now_ms(l->d) < l->d->store_hold_until_ms)
		return;
	l->drain_retry = 0;
	hl_line_drain(l);
}

void hl_line_confirm(hl_line *l, uint64_t peer_holds)
{
	if (!l->confirmed) {
		l->confirmed = 1;
		hl_log(HL_LOG_NOTICE, "%s: record confirmed: the peer holds our entries up to %llu, "
		       "our store up to %llu%s", l->peer->name, (unsigned long long)peer_holds,
		       (unsigned long long)l->own_durable,
		       l->drafts ? "; signing the queued drafts" : "");
	}
	hl_line_drain(l);
}
