/* watch.c — acknowledgement deadlines: a watch row per entry that waits for a
 * human ACK (ours and the peer's), rows that fall due raise alarms, an ACK
 * removes its row and clears them; and `hotline ack`, which writes the ACK. */
#include "watch.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ackstate.h"
#include "err.h"
#include "events.h"
#include "log.h"
#include "store_outbox.h"
#include "store_watch.h"

/* Classes of rows, one alarm each. */
enum { C_WE_OWE = 0, C_PEER_OWES = 1, C_CHECKIN = 2 };
static const int class_alarm[3] = { HL_ALARM_ACK_OVERDUE, HL_ALARM_UNACKED,
				    HL_ALARM_CHECKIN_MISSED };
/* Rows handled per tick when many fall due at once (the rest next tick). */
#define DUE_BATCH 256u

static int row_class(const hl_store_watch *w)
{
	if (w->kind == HL_KIND_CHECKIN)
		return C_CHECKIN;
	return w->own ? C_PEER_OWES : C_WE_OWE;
}

void hl_watch_ref_name(const hl_line *l, int own, uint64_t seq, char *out, size_t size)
{
	if (own)
		snprintf(out, size, "%s#%llu@%s", l->d->cfg->name, (unsigned long long)seq,
			 l->peer->name);
	else
		snprintf(out, size, "%s#%llu", l->peer->name, (unsigned long long)seq);
}

/* "moscow#3 FLASH" (a check-in: "moscow#3 CHECKIN"). */
static void row_label(const hl_line *l, const hl_store_watch *w, char *out, size_t size)
{
	char name[HL_MAX_NAME * 2 + 32], prec[16];

	hl_watch_ref_name(l, w->own, w->seq, name, sizeof name);
	snprintf(prec, sizeof prec, "%s",
		 w->kind == HL_KIND_CHECKIN ? "CHECKIN" : hl_precedence_name(w->precedence));
	for (char *p = prec; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	snprintf(out, size, "%s %s%s", name, prec,
		 (w->flags & HL_FLAG_EXERCISE) ? " (EXERCISE)" : "");
}

/* The alarm names the first overdue entry and what to do about it. */
static void alarm_text(const hl_line *l, const hl_store_watch *w, char *out, size_t size)
{
	char label[HL_MAX_NAME * 2 + 64], name[HL_MAX_NAME * 2 + 32];
	int c = row_class(w);

	row_label(l, w, label, sizeof label);
	hl_watch_ref_name(l, w->own, w->seq, name, sizeof name);
	if (c == C_WE_OWE)
		snprintf(out, size, "%s from %s not acknowledged by its deadline: acknowledge with "
			 "'hotline ack %s'", label, l->peer->name, name);
	else if (c == C_PEER_OWES)
		snprintf(out, size, "%s not acknowledged by %s by its deadline", label,
			 l->peer->name);
	else if (w->own)
		snprintf(out, size, "check-in %s not answered by %s by its deadline", label,
			 l->peer->name);
	else
		snprintf(out, size, "check-in %s from %s not answered here by its deadline: answer "
			 "with 'hotline ack %s'", label, l->peer->name, name);
}

static void raise_for(hl_line *l, const hl_store_watch *w)
{
	char text[800];
	int c = row_class(w);

	if (hl_alarm_is_open(l->d->alarms, l->line_id, class_alarm[c], -1))
		return;
	alarm_text(l, w, text, sizeof text);
	hl_supervise_alarm(l, class_alarm[c], -1, 1, text);
}

/* ---- recount from the store (start, after a failed commit) ---- */
typedef struct {
	hl_line *l;
	unsigned overdue[3];
	hl_store_watch first[3]; /* oldest overdue row of each class */
	uint64_t next_due;
} recount_ctx;

static int recount_row(void *arg, const hl_store_watch *w)
{
	recount_ctx *r = arg;
	int c = row_class(w);

	if (w->overdue_ms) {
		if (!r->overdue[c]++)
			r->first[c] = *w;
	} else if (!r->next_due || w->due_ms < r->next_due) {
		r->next_due = w->due_ms;
	}
	return 0;
}

static void recount(hl_line *l)
{
	recount_ctx r;

	memset(&r, 0, sizeof r);
	r.l = l;
	int rc = hl_store_watch_walk(l->d->store, l->line_id, 0, 0, recount_row, &r);
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "%s: cannot read the watch rows: %s", l->peer->name, hl_strerror(rc));
		return; /* tried again next tick */
	}
	for (int c = 0; c < 3; c++) {
		l->watch_overdue[c] = r.overdue[c];
		if (r.overdue[c])
			raise_for(l, &r.first[c]);
		else if (hl_alarm_is_open(l->d->alarms, l->line_id, class_alarm[c], -1))
			hl_supervise_alarm(l, class_alarm[c], -1, 0, NULL);
	}
	l->watch_next_due_ms = r.next_due;
	l->watch_ready = 1;
}

/* ---- rows falling due ---- */
typedef struct {
	hl_store_watch *rows;
	size_t n;
} due_ctx;

static int collect_due(void *arg, const hl_store_watch *w)
{
	due_ctx *c = arg;

	c->rows[c->n++] = *w;
	return c->n == DUE_BATCH ? 1 : 0;
}

static int first_due(void *arg, const hl_store_watch *w)
{
	*(uint64_t *)arg = w->due_ms;
	return 1;
}

static void overdue_row(hl_line *l, const hl_store_watch *w, uint64_t now)
{
	char label[HL_MAX_NAME * 2 + 64], text[400];
	hl_store *st = l->d->store;
	int c = row_class(w);
	int rc = hl_store_watch_set_overdue(st, w, now);

	if (rc == 0 && w->kind == HL_KIND_CHECKIN)
		rc = hl_store_checkin_missed(st, l->line_id, w->author, w->seq,
					     w->own && w->seq <= l->receipted_seq);
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "%s: cannot record an overdue acknowledgement: %s", l->peer->name,
		       hl_strerror(rc));
		return;
	}
	row_label(l, w, label, sizeof label);
	if (c == C_CHECKIN)
		snprintf(text, sizeof text, "%s %s", label,
			 w->own ? "not answered by the peer" : "not answered here");
	else
		snprintf(text, sizeof text, "%s %s", label,
			 w->own ? "not acknowledged by the peer" : "not acknowledged here");
	hl_log(HL_LOG_WARN, "%s: %s by its deadline", l->peer->name, text);
	hl_supervise_event(l, c == C_CHECKIN ? HL_EV_CHECKIN_MISSED : HL_EV_ACK_OVERDUE, -1,
			   (double)(now - w->due_ms), text);
	l->watch_overdue[c]++;
	raise_for(l, w);
}

static void mark_due(hl_line *l, uint64_t now)
{
	hl_store_watch *rows = calloc(DUE_BATCH, sizeof *rows);
	due_ctx c = { rows, 0 };
	uint64_t next = 0;
	int rc;

	if (!rows || hl_daemon_tx(l->d) < 0) {
		free(rows);
		return;
	}
	rc = hl_store_watch_walk(l->d->store, l->line_id, 1, now, collect_due, &c);
	for (size_t i = 0; rc >= 0 && i < c.n; i++)
		overdue_row(l, &rows[i], now);
	free(rows);
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "%s: cannot read the watch rows: %s", l->peer->name, hl_strerror(rc));
		return;
	}
	/* Any not yet overdue (including the rest of a large batch). */
	rc = hl_store_watch_walk(l->d->store, l->line_id, 1, UINT64_MAX, first_due, &next);
	if (rc >= 0)
		l->watch_next_due_ms = next;
}

void hl_watch_tick(hl_line *l, uint64_t now_ms)
{
	if (!l->watch_ready)
		recount(l);
	if (l->watch_ready && l->watch_next_due_ms && now_ms >= l->watch_next_due_ms)
		mark_due(l, now_ms);
	hl_checkin_tick(l, now_ms);
}

/* ---- entries stored ---- */
static int watch_new(hl_line *l, const hl_entry *e, const uint8_t hash[32], uint64_t base,
		     int own)
{
	hl_store_watch w;
	uint64_t dl = 0;
	int rc;

	memset(&w, 0, sizeof w);
	if (e->kind == HL_KIND_CHECKIN)
		dl = l->peer->checkin_deadline_ms;
	else if (hl_deadlines_get(&l->d->cfg->ack_deadlines, e->precedence, &dl) < 0)
		return 0; /* a precedence entry.c would not have let through */
	memcpy(w.line_id, l->line_id, 32);
	memcpy(w.author, e->author, 32);
	w.seq = e->seq;
	memcpy(w.hash, hash, 32);
	w.kind = e->kind;
	w.precedence = e->precedence;
	w.flags = e->flags;
	w.own = own;
	w.base_ms = base;
	w.due_ms = base + dl;
	rc = hl_store_watch_put(l->d->store, &w);
	if (rc == 0 && e->kind == HL_KIND_CHECKIN) {
		hl_store_checkin c;
		memset(&c, 0, sizeof c);
		memcpy(c.line_id, l->line_id, 32);
		memcpy(c.author, e->author, 32);
		c.seq = e->seq;
		c.own = own;
		c.base_ms = base;
		c.due_ms = w.due_ms;
		c.state = HL_CHECKIN_WAITING;
		rc = hl_store_checkin_put(l->d->store, &c);
	}
	if (rc < 0)
		return rc;
	if (l->watch_ready && (!l->watch_next_due_ms || w.due_ms < l->watch_next_due_ms))
		l->watch_next_due_ms = w.due_ms;
	return 0;
}

static int watch_answered(hl_line *l, const hl_entry *ack, uint64_t stored_ms, int own)
{
	char label[HL_MAX_NAME * 2 + 64], name[HL_MAX_NAME * 2 + 32], text[600];
	hl_store_watch w;
	int rc = hl_store_watch_get(l->d->store, l->line_id, ack->refs[0], &w);

	hl_watch_ref_name(l, own, ack->seq, name, sizeof name);
	if (rc == HL_ERR_NOTFOUND || (rc == 0 && w.own == own)) {
		/* Signed and chained, so stored all the same; nothing waits on it. */
		hl_log(own ? HL_LOG_INFO : HL_LOG_NOTICE, "%s: ACK %s names no entry of %s waiting "
		       "for an acknowledgement", l->peer->name, name, own ? l->peer->name : "ours");
		return 0;
	}
	if (rc == 0)
		rc = hl_store_watch_take(l->d->store, l->line_id, ack->refs[0], &w);
	if (rc == 0 && w.kind == HL_KIND_CHECKIN)
		rc = hl_store_checkin_answer(l->d->store, l->line_id, w.author, w.seq, ack->seq,
					     stored_ms, ack->operator_name);
	if (rc < 0)
		return rc;
	row_label(l, &w, label, sizeof label);
	snprintf(text, sizeof text, "%s %s by %s (%s)%s", label,
		 w.kind == HL_KIND_CHECKIN ? "answered" : "acknowledged",
		 ack->operator_name[0] ? ack->operator_name : "?", name,
		 w.overdue_ms ? ", after its deadline" : "");
	hl_log(HL_LOG_NOTICE, "%s: %s", l->peer->name, text);
	hl_supervise_event(l, w.kind == HL_KIND_CHECKIN ? HL_EV_CHECKIN_ANSWERED : HL_EV_ACKED, -1,
			   0, text);
	int c = row_class(&w);
	if (w.overdue_ms && l->watch_ready && l->watch_overdue[c] > 0 && --l->watch_overdue[c] == 0)
		hl_supervise_alarm(l, class_alarm[c], -1, 0, NULL);
	return 0;
}

int hl_watch_on_entry(hl_line *l, const hl_entry *e, const uint8_t hash[32], uint64_t stored_ms,
		      int own)
{
	if (hl_ack_needed(e->kind))
		return watch_new(l, e, hash, stored_ms, own);
	if (e->kind == HL_KIND_ACK && e->nrefs >= 1)
		return watch_answered(l, e, stored_ms, own);
	return 0;
}

/* ---- hotline ack ---- */
typedef struct {
	const uint8_t *hash;
	hl_line *l;
	uint64_t seq;
	uint64_t time_ms;
	char op[HL_MAX_OPERATOR + 1];
} find_ack_ctx;

static int find_ack(void *arg, const hl_store_entry *se)
{
	find_ack_ctx *f = arg;
	hl_entry e;

	if (se->kind != HL_KIND_ACK || hl_entry_decode(se->enc, se->enc_len, &e) < 0 ||
	    e.nrefs < 1 || sodium_memcmp(e.refs[0], f->hash, 32) != 0)
		return 0;
	f->seq = e.seq;
	f->time_ms = e.time_ms;
	snprintf(f->op, sizeof f->op, "%s", e.operator_name);
	return 1;
}

__attribute__((format(printf, 3, 4)))
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return HL_ERR_INVAL;
}

/* An ACK of the entry already queued (a draft, not yet signed). */
typedef struct {
	const uint8_t *hash;
	int64_t id;
	char op[HL_MAX_OPERATOR + 1];
} queued_ack_ctx;

static int find_queued_ack(void *arg, const hl_store_draft *dr)
{
	queued_ack_ctx *q = arg;

	if (dr->kind != HL_KIND_ACK || dr->nrefs < 1 || sodium_memcmp(dr->refs, q->hash, 32) != 0)
		return 0;
	q->id = dr->id;
	snprintf(q->op, sizeof q->op, "%s", dr->operator_name);
	return 1;
}

int hl_watch_ack(hl_daemon *d, const char *text, const char *note, const char *op,
		 hl_line **line, uint64_t *seq, uint8_t hash[32], int64_t *draft, char *acked,
		 size_t ackedlen, char *err, size_t errlen)
{
	hl_entry_loc loc;
	hl_store_watch w;
	hl_entry e;
	hl_buf enc;
	int rc, prec = 0, flags = 0;

	*line = NULL;
	*seq = 0;
	*draft = 0;
	rc = hl_daemon_find_entry(d, text, &loc, err, errlen);
	if (rc < 0)
		return rc;
	hl_line *l = loc.line;
	hl_watch_ref_name(l, loc.own, loc.seq, acked, ackedlen);
	if (loc.own)
		return refuse(err, errlen, "%s is this station's own entry: only the peer's entries are "
			      "acknowledged here", acked);
	rc = hl_store_watch_get(d->store, l->line_id, loc.hash, &w);
	if (rc < 0 && rc != HL_ERR_NOTFOUND)
		return refuse(err, errlen, "the store failed: %s", hl_store_errmsg(d->store));
	if (rc == 0 && !w.own) {
		prec = w.precedence;
		flags = w.flags;
	} else {
		/* Not waiting: say why — a kind that takes no ACK, or answered. */
		int kind = 0;
		hl_buf_init(&enc, HL_MAX_ENTRY);
		rc = hl_store_get_entry(d->store, l->line_id, l->peer->key.ed, loc.seq, &enc);
		if (rc == 0)
			rc = hl_entry_decode(enc.p, enc.len, &e);
		if (rc == 0) {
			kind = e.kind;
			prec = e.precedence;
			flags = e.flags;
		}
		hl_buf_free(&enc);
		if (rc < 0)
			return refuse(err, errlen, "cannot read %s: %s", acked, hl_strerror(rc));
		if (!hl_ack_needed(kind))
			return refuse(err, errlen, "%s is a %s entry: only messages, notices and check-ins "
				      "are acknowledged", acked, hl_kind_name(kind));
		find_ack_ctx f = { .hash = loc.hash, .l = l };
		rc = hl_store_walk(d->store, l->line_id, d->id->pub.ed, 1, 0, find_ack, &f);
		if (rc < 0)
			return refuse(err, errlen, "the store failed: %s", hl_store_errmsg(d->store));
		if (rc == 1) {
			char by[HL_MAX_NAME * 2 + 32], when[40];
			time_t t = (time_t)(f.time_ms / 1000u);
			struct tm tm;
			hl_watch_ref_name(l, 1, f.seq, by, sizeof by);
			if (!gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm))
				snprintf(when, sizeof when, "?");
			return refuse(err, errlen, "%s was already acknowledged by %s at %s (%s)", acked,
				      f.op[0] ? f.op : "?", when, by);
		}
		/* Needs one, has none, and no row: stored before the watch. */
	}
	queued_ack_ctx q = { .hash = loc.hash };
	rc = l->drafts ? hl_store_draft_walk(d->store, l->line_id, 0, 0, find_queued_ack, &q) : 0;
	if (rc < 0)
		return refuse(err, errlen, "the store failed: %s", hl_store_errmsg(d->store));
	if (rc == 1)
		return refuse(err, errlen, "%s already has an acknowledgement by %s queued (draft %lld), "
			      "not yet signed", acked, q.op[0] ? q.op : "?", (long long)q.id);
	uint8_t refs[1][32];
	memcpy(refs[0], loc.hash, 32);
	hl_line_draft dr = {
		.kind = HL_KIND_ACK, .precedence = (uint8_t)prec,
		.flags = (uint16_t)(flags & HL_FLAG_EXERCISE),
		.operator_name = op, .lang = "en",
		.body = (const uint8_t *)(note ? note : ""), .body_len = note ? strlen(note) : 0,
		.refs = (const uint8_t (*)[32])refs, .nrefs = 1,
	};
	rc = hl_line_write(l, &dr, seq, hash, draft);
	if (rc < 0)
		return refuse(err, errlen, "%s%s%s", hl_strerror(rc), l->stopped ? ": " : "",
			      l->stopped ? l->stopped_reason : "");
	*line = l;
	return 0;
}

int hl_watch_reply_ref(hl_daemon *d, hl_line *l, const char *text, uint8_t hash[32], char *err,
		       size_t errlen)
{
	hl_entry_loc loc;
	int rc = hl_daemon_find_entry(d, text, &loc, err, errlen);

	if (rc < 0)
		return rc;
	if (loc.line != l)
		return refuse(err, errlen, "%s is on the line with %s, not %s: a reply goes on the "
			      "line of the entry it answers", text, loc.line->peer->name, l->peer->name);
	memcpy(hash, loc.hash, 32);
	return 0;
}
