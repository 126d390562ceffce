/* watch_view.c — what inbox and log show of the watch: each entry's name,
 * the names of the entries it refers to, and its acknowledgement state,
 * derived from the ACK entries met walking the line, from the waiting
 * rows and from our ACKs queued unsigned (drafts), never from a look-up by
 * hash per entry. Gathered in steps into
 * compact sorted arrays (about 48 bytes per entry), so that a listing of a
 * long line neither holds the loop nor a JSON object per entry. */
#include "watch_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/ackstate.h"
#include "util/err.h"
#include "util/stepsort.h"
#include "store/store_watch.h"
#include "util/text.h"

#define ROWS_PAGE 256u

/* Every row leads with the entry hash it is found by, on the listing's line. */
typedef struct {
	uint8_t hash[32];
	uint16_t line;
} row_key;

typedef struct {
	row_key k;
	uint8_t own;
	uint64_t seq;
} name_row;

/* An ACK met in the walk, by the hash it answers. */
typedef struct {
	row_key k;
	uint8_t own;       /* the ACK's author is this station */
	uint32_t order;    /* walk order: the first ACK of an entry stands */
	uint64_t seq;      /* the ACK's own seq */
} ack_row;

typedef struct {
	row_key k;
	uint64_t due_ms;
} due_row;

/* Our ACK of an entry, queued unsigned (a draft): the first one stands. */
typedef struct {
	row_key k;
	int64_t draft;
	char by[HL_MAX_OPERATOR + 1];
} queued_row;

struct hl_watch_view {
	hl_core *d;
	uint64_t now;
	hl_vec names, acks, dues, queued;
	uint32_t order;
	int stage;           /* sorting: 0 names, 1 acks, 2 dues, 3 queued, 4 sorted */
	hl_stepsort sort;
	unsigned rows_line;  /* the line whose rows are being paged, and where */
	int64_t rows_after;
	int rows_started;
	hl_buf enc;          /* an ACK entry, read for its "ack" object */
};

static int cmp_key(const void *a, const void *b, void *ctx)
{
	const row_key *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, 32);
	(void)ctx;
	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_ack(const void *a, const void *b, void *ctx)
{
	const ack_row *x = a, *y = b;
	int c = cmp_key(a, b, ctx);
	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_due(const void *a, const void *b, void *ctx)
{
	const due_row *x = a, *y = b;
	int c = cmp_key(a, b, ctx);
	return c ? c : x->due_ms < y->due_ms ? -1 : x->due_ms > y->due_ms;
}

hl_watch_view *hl_watch_view_new(hl_core *d, uint64_t now_ms, size_t entries)
{
	hl_watch_view *v = calloc(1, sizeof *v);

	if (!v)
		return NULL;
	v->d = d;
	v->now = now_ms;
	hl_vec_init(&v->names, sizeof(name_row));
	hl_vec_init(&v->acks, sizeof(ack_row));
	hl_vec_init(&v->dues, sizeof(due_row));
	hl_vec_init(&v->queued, sizeof(queued_row));
	hl_buf_init(&v->enc, HL_MAX_ENTRY);
	/* Every entry has its name: reserved at once, not doubled as it grows. */
	if (hl_vec_reserve(&v->names, entries ? entries : 1) < 0) {
		hl_watch_view_free(v);
		return NULL;
	}
	return v;
}

void hl_watch_view_free(hl_watch_view *v)
{
	if (!v)
		return;
	hl_vec_free(&v->names);
	hl_vec_free(&v->acks);
	hl_vec_free(&v->dues);
	hl_vec_free(&v->queued);
	hl_stepsort_free(&v->sort);
	hl_buf_free(&v->enc);
	free(v);
}

int hl_watch_view_add(hl_watch_view *v, unsigned line, int own, const hl_store_entry *se,
		      const hl_entry *e)
{
	name_row *n = hl_vec_push(&v->names);
	if (!n)
		return HL_ERR_NOMEM;
	memcpy(n->k.hash, se->hash, 32);
	n->k.line = (uint16_t)line;
	n->own = (uint8_t)own;
	n->seq = se->seq;
	if (!e || e->kind != HL_KIND_ACK || e->nrefs < 1)
		return 0;
	ack_row *a = hl_vec_push(&v->acks);
	if (!a)
		return HL_ERR_NOMEM;
	memcpy(a->k.hash, e->refs[0], 32);
	a->k.line = (uint16_t)line;
	a->own = (uint8_t)own;
	a->order = v->order++;
	a->seq = se->seq;
	return 0;
}

typedef struct {
	hl_watch_view *v;
	int64_t last;
	unsigned n;
	int rc;
} page_ctx;

static int row_due(void *arg, const hl_store_watch *w)
{
	page_ctx *p = arg;
	due_row *r = hl_vec_push(&p->v->dues);
	p->last = w->rowid;
	p->n++;
	if (!r) {
		p->rc = HL_ERR_NOMEM;
		return 1;
	}
	memcpy(r->k.hash, w->hash, 32);
	r->k.line = (uint16_t)p->v->rows_line;
	r->due_ms = w->due_ms;
	return 0;
}

int hl_watch_view_rows(hl_watch_view *v, unsigned line, const uint8_t line_id[32],
		       const hl_budget *b)
{
	if (!v->rows_started || v->rows_line != line) {
		v->rows_started = 1;
		v->rows_line = line;
		v->rows_after = 0;
	}
	for (;;) {
		page_ctx p = { v, v->rows_after, 0, 0 };
		int rc = hl_store_watch_page(v->d->store, line_id, v->rows_after, ROWS_PAGE, row_due, &p);
		if (p.rc < 0)
			return p.rc;
		if (rc < 0)
			return rc;
		v->rows_after = p.last;
		if (p.n < ROWS_PAGE) {
			v->rows_started = 0;
			return 1;
		}
		if (hl_budget_spent(b))
			return 0;
	}
}

int hl_watch_view_queued(hl_watch_view *v, unsigned line, int64_t draft, const char *by,
			 const uint8_t acked[32])
{
	queued_row *q = hl_vec_push(&v->queued);
	if (!q)
		return HL_ERR_NOMEM;
	memcpy(q->k.hash, acked, 32);
	q->k.line = (uint16_t)line;
	q->draft = draft;
	snprintf(q->by, sizeof q->by, "%s", by ? by : "");
	return 0;
}

int hl_watch_view_sort(hl_watch_view *v, const hl_budget *b)
{
	/* Stable: of two queued ACKs of one entry the older (walked first) stands. */
	static const hl_stepsort_cmp cmps[4] = { cmp_key, cmp_ack, cmp_due, cmp_key };
	while (v->stage < 4) {
		hl_vec *vec = v->stage == 0 ? &v->names : v->stage == 1 ? &v->acks :
			      v->stage == 2 ? &v->dues : &v->queued;
		int rc = hl_stepsort_vec(&v->sort, vec, cmps[v->stage], NULL, b);
		if (rc <= 0)
			return rc;
		v->stage++;
	}
	return 1;
}

/* The first row of (hash, line) in a sorted vec, or NULL. */
static const void *find(const hl_vec *vec, unsigned line, const uint8_t hash[32], int last)
{
	row_key key;
	memset(&key, 0, sizeof key);
	memcpy(key.hash, hash, 32);
	key.line = (uint16_t)line;
	size_t i = hl_sorted_lower(vec->p, vec->n, vec->size, &key, cmp_key, NULL);
	if (i >= vec->n || cmp_key(hl_vec_at(vec, i), &key, NULL) != 0)
		return NULL;
	while (last && i + 1 < vec->n && cmp_key(hl_vec_at(vec, i + 1), &key, NULL) == 0)
		i++;
	return hl_vec_at(vec, i);
}

/* The ACK that answers an entry of `own`'s author: only the other
 * party's, and only the first ACK of that entry met stands. */
static const ack_row *answer_of(const hl_watch_view *v, unsigned line, const uint8_t hash[32],
				int own)
{
	const ack_row *a = find(&v->acks, line, hash, 0);
	return a && a->own != own ? a : NULL;
}

int hl_watch_view_waiting(const hl_watch_view *v, unsigned line, int own,
			  const uint8_t hash[32], uint64_t *due_ms)
{
	if (answer_of(v, line, hash, own))
		return 0;
	/* Rows are one per entry; were there two, the latest due stands. */
	const due_row *r = find(&v->dues, line, hash, 1);
	if (!r)
		return 0;
	*due_ms = r->due_ms;
	return 1;
}

static json_t *acked_json(hl_watch_view *v, hl_line *l, const ack_row *a)
{
	char name[HL_MAX_NAME * 2 + 32];
	hl_entry e;
	const uint8_t *author = a->own ? v->d->id->pub.ed : l->peer->key.ed;

	if (hl_store_get_entry(v->d->store, l->line_id, author, a->seq, &v->enc) < 0 ||
	    hl_entry_decode(v->enc.p, v->enc.len, &e) < 0)
		return NULL;
	hl_watch_ref_name(l, a->own, a->seq, name, sizeof name);
	json_t *o = json_pack("{s:s, s:I, s:s}", "by", e.operator_name, "at_ms", (json_int_t)e.time_ms,
			      "ack_ref", name);
	if (o && e.body_len)
		json_object_set_new(o, "note", json_stringn((const char *)e.body, e.body_len));
	if (o)
		json_object_set_new(o, "state", json_string("acked"));
	return o;
}

static json_t *ack_state(hl_watch_view *v, hl_line *l, unsigned line, const uint8_t hash[32],
			 int own)
{
	const ack_row *a = answer_of(v, line, hash, own);
	if (a) {
		json_t *o = acked_json(v, l, a);
		if (o)
			return o;
	}
	uint64_t d;
	const due_row *r = find(&v->dues, line, hash, 1);
	if (!r)
		return json_pack("{s:s}", "state", "untracked");
	d = r->due_ms;
	if (v->now >= d)
		return json_pack("{s:s, s:I, s:I}", "state", "overdue", "due_ms", (json_int_t)d,
				 "overdue_ms", (json_int_t)(v->now - d));
	return json_pack("{s:s, s:I, s:I}", "state", "waiting", "due_ms", (json_int_t)d,
			 "remaining_ms", (json_int_t)(d - v->now));
}

void hl_watch_view_entry(hl_watch_view *v, hl_line *l, unsigned line, const hl_entry *e,
			 const uint8_t hash[32], int own, json_t *o)
{
	char name[HL_MAX_NAME * 2 + 32];

	hl_watch_ref_name(l, own, e->seq, name, sizeof name);
	json_object_set_new(o, "ref", json_string(name));
	hl_watch_view_refs(v, l, line, (const uint8_t (*)[32])e->refs, e->nrefs, o);
	if (!hl_ack_needed(e->kind))
		return;
	json_t *st = ack_state(v, l, line, hash, own);
	const queued_row *q = own ? NULL : find(&v->queued, line, hash, 0);
	/* Not acknowledged until the ACK is signed; but say it is on its way. */
	if (st && q)
		json_object_set_new(st, "queued_ack", json_pack("{s:I, s:s}", "draft",
								 (json_int_t)q->draft, "by", q->by));
	if (st)
		json_object_set_new(o, "ack", st);
}

void hl_watch_view_refs(hl_watch_view *v, hl_line *l, unsigned line, const uint8_t (*refs)[32],
			unsigned nrefs, json_t *o)
{
	char hex[65], name[HL_MAX_NAME * 2 + 32];
	json_t *arr = json_array();

	for (unsigned i = 0; arr && i < nrefs; i++) {
		const name_row *n = find(&v->names, line, refs[i], 0);
		if (n) {
			hl_watch_ref_name(l, n->own, n->seq, name, sizeof name);
			json_array_append_new(arr, json_string(name));
		} else {
			hl_hex(refs[i], 32, hex);
			json_array_append_new(arr, json_string(hex));
		}
	}
	json_object_set_new(o, "refs", arr ? arr : json_array());
}
