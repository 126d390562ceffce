/* listing.c — the `log` and `inbox` replies as producers in steps
 * (api_step.h): the lines are walked a chunk at a time gathering compact
 * state (names, ACKs, deadlines, answers: watch_view.c, notes_listing.c,
 * and one 24-byte order key per listed entry), the keys are sorted in
 * steps, then the entries are read and written one at a time, so neither
 * the loop nor the memory holds a whole listing. The reply is the same one
 * JSON line as ever. */
#include "listing.h"

#include <stdlib.h>
#include <string.h>

#include "record/ackstate.h"
#include "api_json.h"
#include "util/err.h"
#include "util/log.h"
#include "station/notes.h"
#include "util/stepsort.h"
#include "store/store_outbox.h"
#include "api/watch_view.h"
#include "station/watch.h"

#define SCAN_CHUNK 128u /* entries read per store walk */
#define DRAFT_CHUNK 32u /* drafts read per outbox walk (each up to HL_MAX_BODY) */

enum { PH_ROWS, PH_SCAN, PH_DRAFTS, PH_SORT, PH_FILTER, PH_ORDER, PH_OUT, PH_DONE };

/* okey.own of a draft queued unsigned in the outbox (a log shows it, after
 * the signed entries of the same time: nothing signed later overtakes it);
 * its seq is the draft's number. */
#define OWN_DRAFT 2u

typedef struct {
	hl_line *l;
	uint64_t head[2];   /* [0] own, [1] the peer's: durable when the listing began */
	uint64_t receipted;
} lline;

/* One listed entry, in the listing's order. */
typedef struct {
	uint64_t a;         /* log: author time; inbox: stored time; unacked: due */
	uint64_t seq;
	uint16_t line;
	uint8_t own;
	uint8_t prec;       /* unacked: precedence */
	uint8_t overdue;    /* unacked */
} okey;

/* inbox --unacked: a peer's entry that needs an ACK, checked once all is read. */
typedef struct {
	uint8_t hash[32];
	uint64_t seq;
	uint16_t line;
	uint8_t prec;
} cand;

typedef struct hl_listing {
	hl_api_producer base;
	hl_core *d;
	int kind;
	int sorted_by;      /* the order (below) */
	uint64_t now;
	lline lines[HL_MAX_PEERS];
	unsigned n_lines;
	int phase;
	unsigned cur;       /* line being read */
	int side;           /* 0 own, 1 the peer's */
	unsigned dline;     /* drafts: line being read, and the last draft read */
	int64_t dafter;
	unsigned dseen;     /* drafts read by the walk in progress */
	uint64_t next;      /* next seq to read (drafts: the last number read) */
	hl_watch_view *view;
	hl_notes_listing *notes;
	hl_vec keys, cands;
	hl_stepsort sort;
	size_t out_i;       /* filter: next candidate; out: next key */
	size_t emitted;     /* entries written */
	int begun;          /* the reply's head is out */
	int rc;             /* from a walk's callback */
	hl_buf *out;        /* the step's, while producing entries */
} hl_listing;

enum { ORDER_WALK, ORDER_TIME, ORDER_STORED, ORDER_URGENCY };

static const char *what(const hl_listing *x)
{
	return x->kind == HL_LISTING_LOG ? "log" : "inbox";
}

static int scan_entry(void *arg, const hl_store_entry *se)
{
	hl_listing *x = arg;
	lline *ll = &x->lines[x->cur];
	int own = x->side == 0;
	hl_entry e;

	if (se->seq > ll->head[x->side])
		return 1;
	x->next = se->seq + 1;
	int ok = hl_entry_decode(se->enc, se->enc_len, &e) == 0;
	int rc = hl_watch_view_add(x->view, x->cur, own, se, ok ? &e : NULL);
	if (rc == 0 && ok)
		rc = hl_notes_listing_add(x->notes, x->cur, own, &e);
	/* Stored bytes were checked on the way in: one that does not decode is
	 * left out rather than failing the listing. */
	if (rc < 0 || !ok || (x->kind != HL_LISTING_LOG && own))
		goto out;
	if (x->kind == HL_LISTING_UNACKED) {
		if (!hl_ack_needed(e.kind))
			goto out;
		cand *c = hl_vec_push(&x->cands);
		if (!c) {
			rc = HL_ERR_NOMEM;
			goto out;
		}
		memcpy(c->hash, se->hash, 32);
		c->seq = se->seq;
		c->line = (uint16_t)x->cur;
		c->prec = e.precedence;
		goto out;
	}
	okey *k = hl_vec_push(&x->keys);
	if (!k) {
		rc = HL_ERR_NOMEM;
		goto out;
	}
	k->a = x->kind == HL_LISTING_LOG ? se->time_ms : se->stored_ms;
	k->seq = se->seq;
	k->line = (uint16_t)x->cur;
	k->own = (uint8_t)own;
out:
	if (rc < 0) {
		x->rc = rc;
		return 1;
	}
	return 0;
}

/* One chunk of the walk: 1 when every side of every line has been read. */
static int scan_some(hl_listing *x)
{
	while (x->cur < x->n_lines) {
		lline *ll = &x->lines[x->cur];
		uint64_t head = ll->head[x->side];
		if (x->next == 0)
			x->next = 1;
		if (x->next <= head) {
			uint64_t from = x->next, left = head - from + 1;
			int rc = hl_store_walk(x->d->store, ll->l->line_id,
					       x->side == 0 ? x->d->id->pub.ed : ll->l->peer->key.ed, from,
					       left < SCAN_CHUNK ? left : SCAN_CHUNK, scan_entry, x);
			if (x->rc < 0)
				return x->rc;
			if (rc < 0)
				return rc;
			if (x->next > from)
				return 0; /* progress: the budget is looked at */
			/* Nothing at or after from: a hole the store should not have. */
		}
		x->next = 0;
		if (++x->side == 2) {
			x->side = 0;
			x->cur++;
		}
	}
	return 1;
}

static int draft_seen(void *arg, const hl_store_draft *dr)
{
	hl_listing *x = arg;
	int rc = 0;

	x->dafter = dr->id;
	x->dseen++;
	if (dr->kind == HL_KIND_ACK && dr->nrefs >= 1)
		rc = hl_watch_view_queued(x->view, x->dline, dr->id, dr->operator_name, dr->refs);
	if (rc == 0 && x->kind == HL_LISTING_LOG) {
		okey *k = hl_vec_push(&x->keys);
		if (!k) {
			rc = HL_ERR_NOMEM;
		} else {
			k->a = dr->queued_ms;
			k->seq = (uint64_t)dr->id;
			k->line = (uint16_t)x->dline;
			k->own = OWN_DRAFT;
		}
	}
	if (rc < 0) {
		x->rc = rc;
		return 1;
	}
	return 0;
}

/* The lines' outboxes, a chunk at a time: our ACKs queued unsigned (an
 * entry's "queued_ack"), and for a log the drafts themselves. 1 when done. */
static int drafts_some(hl_listing *x, const hl_budget *b)
{
	while (x->dline < x->n_lines) {
		hl_line *l = x->lines[x->dline].l;
		int rc = 0;
		x->dseen = 0;
		x->rc = 0;
		if (l->drafts)
			rc = hl_store_draft_walk(x->d->store, l->line_id, x->dafter, DRAFT_CHUNK,
						 draft_seen, x);
		if (x->rc < 0)
			return x->rc;
		if (rc < 0)
			return rc;
		if (x->dseen < DRAFT_CHUNK) {
			x->dline++;
			x->dafter = 0;
		}
		if (hl_budget_spent(b))
			return 0;
	}
	return 1;
}

static int by_time(const void *a, const void *b, void *ctx)
{
	const okey *x = a, *y = b;
	(void)ctx;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->own != y->own)
		return x->own < y->own ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Ties keep the walk's order: lines as configured, then seq. */
static int by_stored(const void *a, const void *b, void *ctx)
{
	const okey *x = a, *y = b;
	(void)ctx;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_urgency(const void *a, const void *b, void *ctx)
{
	const okey *x = a, *y = b;
	const hl_listing *ls = ctx;
	hl_ack_urgency ux = { x->overdue, x->prec, x->a, ls->lines[x->line].l->peer->name, x->seq };
	hl_ack_urgency uy = { y->overdue, y->prec, y->a, ls->lines[y->line].l->peer->name, y->seq };
	return hl_ack_urgency_order(&ux, &uy);
}

/* inbox --unacked: the candidates still waiting for our ACK become keys. */
static int filter_some(hl_listing *x, const hl_budget *b)
{
	while (x->out_i < x->cands.n) {
		const cand *c = hl_vec_at(&x->cands, x->out_i++);
		uint64_t due;
		if (hl_watch_view_waiting(x->view, c->line, 0, c->hash, &due)) {
			okey *k = hl_vec_push(&x->keys);
			if (!k)
				return HL_ERR_NOMEM;
			k->a = due;
			k->seq = c->seq;
			k->line = c->line;
			k->prec = c->prec;
			k->overdue = x->now >= due;
		}
		if ((x->out_i & 255u) == 0 && hl_budget_spent(b))
			return 0;
	}
	x->out_i = 0;
	hl_vec_free(&x->cands);
	return 1;
}

static int order_some(hl_listing *x, const hl_budget *b)
{
	static const hl_stepsort_cmp cmps[] = { NULL, by_time, by_stored, by_urgency };
	if (x->sorted_by == ORDER_WALK)
		return 1;
	return hl_stepsort_vec(&x->sort, &x->keys, cmps[x->sorted_by], x, b);
}

/* One listed item (o, taken) after the ones before it. */
static void emit(hl_listing *x, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	int rc = s ? 0 : HL_ERR_NOMEM;
	if (rc == 0 && x->emitted > 0)
		rc = hl_buf_put(x->out, ",", 1);
	if (rc == 0)
		rc = hl_buf_put(x->out, s, strlen(s));
	free(s);
	if (rc < 0)
		x->rc = rc;
	else
		x->emitted++;
}

static int put_entry(void *arg, const hl_store_entry *se)
{
	hl_listing *x = arg;
	const okey *k = hl_vec_at(&x->keys, x->out_i);
	lline *ll = &x->lines[k->line];
	hl_entry e;

	if (hl_entry_decode(se->enc, se->enc_len, &e) < 0)
		return 1;
	json_t *o = hl_api_entry_json(x->d, ll->l, k->line, k->own, se, &e, ll->receipted, x->view,
				      x->notes);
	if (o) /* else skipped, as the walk skipped what does not decode */
		emit(x, o);
	return 1;
}

/* A draft signed since the listing began is no longer in the outbox: it is
 * left out (its entry came after the heads the listing took). */
static int put_draft(void *arg, const hl_store_draft *dr)
{
	hl_listing *x = arg;
	const okey *k = hl_vec_at(&x->keys, x->out_i);

	if ((uint64_t)dr->id != k->seq)
		return 1;
	json_t *o = hl_outbox_draft_json(x->d, x->lines[k->line].l, k->line, dr, x->view);
	if (o)
		emit(x, o);
	else
		x->rc = HL_ERR_NOMEM;
	return 1;
}

/* Entries, one at a time, until the budget or the step's size is reached. */
static int out_some(hl_listing *x, hl_buf *out, const hl_budget *b)
{
	static const char head[] = "{\"ok\":true,\"entries\":[", tail[] = "]}\n";
	int rc;
	if (!x->begun) {
		if ((rc = hl_buf_put(out, head, sizeof head - 1)) < 0)
			return rc;
		x->begun = 1;
	}
	x->out = out;
	while (x->out_i < x->keys.n) {
		const okey *k = hl_vec_at(&x->keys, x->out_i);
		lline *ll = &x->lines[k->line];
		x->rc = 0;
		if (k->own == OWN_DRAFT)
			rc = hl_store_draft_walk(x->d->store, ll->l->line_id, (int64_t)k->seq - 1, 1,
						 put_draft, x);
		else
			rc = hl_store_walk(x->d->store, ll->l->line_id,
					   k->own ? x->d->id->pub.ed : ll->l->peer->key.ed, k->seq, 1,
					   put_entry, x);
		if (x->rc < 0)
			return x->rc;
		if (rc < 0)
			return rc;
		x->out_i++;
		if (out->len >= HL_API_STEP_BYTES || hl_budget_spent(b))
			return 0;
	}
	rc = hl_buf_put(out, tail, sizeof tail - 1);
	return rc < 0 ? rc : 1;
}

/* The store failed before the reply began: an error reply instead. */
static int fail_reply(hl_listing *x, hl_buf *out, int err)
{
	char msg[200];
	snprintf(msg, sizeof msg, "%s: cannot read the store: %s", what(x), hl_strerror(err));
	hl_log(HL_LOG_ERR, "%s", msg);
	x->phase = PH_DONE;
	json_t *o = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	int rc = s ? hl_buf_put(out, s, strlen(s)) : HL_ERR_NOMEM;
	if (rc == 0)
		rc = hl_buf_put(out, "\n", 1);
	free(s);
	return rc < 0 ? rc : 1;
}

static int step(hl_api_producer *p, hl_buf *out, const hl_budget *b)
{
	hl_listing *x = (hl_listing *)p;
	int rc = 0;

	while (x->phase != PH_DONE) {
		switch (x->phase) {
		case PH_ROWS:
			rc = x->cur < x->n_lines
				     ? hl_watch_view_rows(x->view, x->cur, x->lines[x->cur].l->line_id, b)
				     : 1;
			if (rc == 1 && ++x->cur < x->n_lines)
				rc = 0;
			else if (rc == 1)
				x->cur = 0;
			break;
		case PH_SCAN:
			rc = scan_some(x);
			break;
		case PH_DRAFTS:
			rc = drafts_some(x, b);
			break;
		case PH_SORT:
			rc = hl_watch_view_sort(x->view, b);
			if (rc == 1)
				rc = hl_notes_listing_sort(x->notes, b);
			break;
		case PH_FILTER:
			rc = x->kind == HL_LISTING_UNACKED ? filter_some(x, b) : 1;
			break;
		case PH_ORDER:
			rc = order_some(x, b);
			break;
		default:
			rc = out_some(x, out, b);
			if (rc < 0)
				return rc; /* the answer has begun: it is cut off */
			break;
		}
		if (rc < 0)
			return fail_reply(x, out, rc);
		if (rc == 1)
			x->phase++;
		if (x->phase == PH_DONE)
			return 1;
		if (hl_budget_spent(b) || out->len >= HL_API_STEP_BYTES)
			return 0;
	}
	return 1;
}

static void listing_free(hl_api_producer *p)
{
	hl_listing *x = (hl_listing *)p;
	if (!x)
		return;
	hl_watch_view_free(x->view);
	hl_notes_listing_free(x->notes);
	hl_vec_free(&x->keys);
	hl_vec_free(&x->cands);
	hl_stepsort_free(&x->sort);
	free(x);
}

static hl_listing *begin(hl_core *d, int kind)
{
	hl_listing *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->base.step = step;
	x->base.free = listing_free;
	x->base.listing = 1;
	x->d = d;
	x->kind = kind;
	x->now = hl_wall_ms();
	hl_vec_init(&x->keys, sizeof(okey));
	hl_vec_init(&x->cands, sizeof(cand));
	return x;
}

static void add_line(hl_listing *x, hl_line *l)
{
	lline *ll = &x->lines[x->n_lines++];
	ll->l = l;
	ll->head[0] = l->own_durable;
	ll->head[1] = l->peer_durable;
	ll->receipted = l->receipted_seq;
}

/* Room for what the walk will gather, known from the heads. */
static hl_api_producer *ready(hl_listing *x)
{
	size_t all = 0, listed = 0;
	for (unsigned i = 0; i < x->n_lines; i++) {
		all += x->lines[i].head[0] + x->lines[i].head[1];
		listed += x->kind == HL_LISTING_LOG ? x->lines[i].head[0] + x->lines[i].head[1]
						    : x->kind == HL_LISTING_INBOX ? x->lines[i].head[1] : 0;
	}
	x->view = hl_watch_view_new(x->d, x->now, all);
	x->notes = hl_notes_listing_new(x->d);
	if (!x->view || !x->notes || hl_vec_reserve(&x->keys, listed ? listed : 1) < 0) {
		listing_free(&x->base);
		return NULL;
	}
	return &x->base;
}

hl_api_producer *hl_listing_log(hl_core *d, hl_line *l)
{
	hl_listing *x = begin(d, HL_LISTING_LOG);
	if (!x)
		return NULL;
	add_line(x, l);
	x->sorted_by = ORDER_TIME;
	return ready(x);
}

hl_api_producer *hl_listing_inbox(hl_core *d, int unacked)
{
	hl_listing *x = begin(d, unacked ? HL_LISTING_UNACKED : HL_LISTING_INBOX);
	if (!x)
		return NULL;
	for (int i = 0; i < d->n_lines; i++)
		if (!d->lines[i].retired)
			add_line(x, &d->lines[i]);
	/* One line: in the order stored, which is its seq order. */
	x->sorted_by = unacked ? ORDER_URGENCY : d->n_lines > 1 ? ORDER_STORED : ORDER_WALK;
	return ready(x);
}
