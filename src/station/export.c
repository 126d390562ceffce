/* export.c — writes a line's transcript as an .hlt file: header, anchors for
 * a range, both chains merged in causal order (an entry only after the entry
 * of the other side it cross-links to), receipts, and the signed trailer.
 * A range given by time is found by walking the chains in steps first. */
#include "export.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record/entry.h"
#include "util/err.h"
#include "util/log.h"

#define CHUNK_BYTES (64u * 1024u)
#define PLAN_CHUNK 512u /* entries looked at per store walk while planning */

/* One side of the merge: the next entry of one author, read ahead. */
typedef struct {
	const uint8_t *author;
	uint64_t from, to;    /* seqs to write */
	uint64_t next;        /* next seq to write */
	hl_buf enc;           /* its encoding, when have */
	int have;
	uint64_t peer_seq;    /* its cross-link */
	uint64_t time_ms;
} side;

struct hl_export {
	hl_core *d;
	hl_line *l;
	hl_export_opts o;
	hl_hlt_writer w;
	hl_hlt_header h;
	side s[2];            /* 0 = this station (A), 1 = the peer (B) */
	int stage;            /* 0 header, 1 entries, 2 receipts/conflict, 3 done */
	uint64_t done;
	/* Planning a range by time: the sides still to walk (bit i: side i),
	 * the span [t1, t2] and where each walk is. */
	int plan;
	uint64_t t1, t2;
	uint64_t plan_next, plan_first, plan_last;
};

static int load(hl_export *x, int i)
{
	side *s = &x->s[i];
	if (s->have || s->next > s->to || s->next == 0)
		return 0;
	int rc = hl_store_get_entry(x->d->store, x->l->line_id, s->author, s->next, &s->enc);
	if (rc < 0)
		return rc;
	hl_entry e;
	rc = hl_entry_decode(s->enc.p, s->enc.len, &e);
	if (rc < 0)
		return rc;
	s->peer_seq = e.peer_seq;
	s->time_ms = e.time_ms;
	s->have = 1;
	return 0;
}

/* An entry may be written once the other side's entry it names is written,
 * or when that entry lies before the other side's part of a range. */
static int ready(const hl_export *x, int i)
{
	const side *me = &x->s[i], *other = &x->s[1 - i];
	if (!me->have)
		return 0;
	if (other->from == 0 || me->peer_seq < other->from || me->peer_seq > other->to)
		return 1; /* names an entry outside the file: nothing to wait for */
	return me->peer_seq < other->next;
}

static int entry_time(hl_export *x, const uint8_t *author, uint64_t seq, uint64_t *ms)
{
	hl_buf enc;
	hl_entry e;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	int rc = hl_store_get_entry(x->d->store, x->l->line_id, author, seq, &enc);
	if (rc == 0)
		rc = hl_entry_decode(enc.p, enc.len, &e);
	if (rc == 0)
		*ms = e.time_ms;
	hl_buf_free(&enc);
	return rc;
}

/* A range by seq is this station's; the peer's entries, and a range by
 * time, are found by time (planned in steps, hl_export_plan). */
static int plan_range(hl_export *x, char *err, size_t errlen)
{
	hl_line *l = x->l;
	uint64_t a_head = l->own_durable;
	int rc;
	x->t1 = x->o.from_ms;
	x->t2 = x->o.to_ms ? x->o.to_ms : UINT64_MAX;
	x->plan = 2;
	if (x->o.from_seq || x->o.to_seq) {
		uint64_t f = x->o.from_seq ? x->o.from_seq : 1;
		uint64_t t = x->o.to_seq ? x->o.to_seq : a_head;
		if (f > t || t > a_head || f == 0) {
			snprintf(err, errlen, "range %llu..%llu is not within this station's entries 1..%llu",
				 (unsigned long long)f, (unsigned long long)t, (unsigned long long)a_head);
			return HL_ERR_INVAL;
		}
		x->s[0].from = f;
		x->s[0].to = t;
		/* The peer's entries over the same span of time. */
		rc = entry_time(x, x->d->id->pub.ed, f, &x->t1);
		if (rc == 0 && x->o.to_seq)
			rc = entry_time(x, x->d->id->pub.ed, t, &x->t2);
		if (rc < 0)
			return rc;
	} else {
		x->plan |= 1;
	}
	return 0;
}

static int find_span(void *arg, const hl_store_entry *e)
{
	hl_export *x = arg;
	x->plan_next = e->seq + 1;
	if (e->time_ms >= x->t1 && x->plan_first == 0)
		x->plan_first = e->seq;
	if (e->time_ms <= x->t2)
		x->plan_last = e->seq;
	return 0;
}

int hl_export_plan(hl_export *x, const hl_budget *b, char *err, size_t errlen)
{
	while (x->plan) {
		int i = (x->plan & 1) ? 0 : 1;
		side *s = &x->s[i];
		uint64_t head = i == 0 ? x->l->own_durable : x->l->peer_durable;
		if (x->plan_next == 0)
			x->plan_next = 1;
		if (x->plan_next <= head) {
			uint64_t from = x->plan_next, left = head - from + 1;
			int rc = hl_store_walk(x->d->store, x->l->line_id, s->author, from,
					       left < PLAN_CHUNK ? left : PLAN_CHUNK, find_span, x);
			if (rc < 0) {
				snprintf(err, errlen, "cannot read the entries: %s", hl_strerror(rc));
				return rc;
			}
			if (x->plan_next > from) {
				if (hl_budget_spent(b))
					return 0;
				continue;
			}
		}
		/* Seqs of the side's entries whose time lies in [t1, t2]; from > to if none. */
		s->from = x->plan_first ? x->plan_first : head + 1;
		s->to = x->plan_last;
		x->plan &= ~(1 << i);
		x->plan_next = x->plan_first = x->plan_last = 0;
	}
	if (x->o.kind == HL_HLT_RANGE && x->s[0].from > x->s[0].to && x->s[1].from > x->s[1].to) {
		snprintf(err, errlen, "no entries in that range");
		return HL_ERR_NOTFOUND;
	}
	for (int i = 0; i < 2; i++) {
		side *s = &x->s[i];
		if (s->from > s->to)
			s->from = s->to = 0; /* nothing of this side */
		s->next = s->from;
	}
	if (x->o.kind != HL_HLT_PROOF) {
		x->h.a_from = x->s[0].from;
		x->h.a_to = x->s[0].to;
		x->h.b_from = x->s[1].from;
		x->h.b_to = x->s[1].to;
	}
	return 1;
}

int hl_export_begin(hl_core *d, hl_line *l, const hl_export_opts *o, hl_export **out,
		    char *err, size_t errlen)
{
	*out = NULL;
	hl_export *x = calloc(1, sizeof *x);
	if (!x)
		return HL_ERR_NOMEM;
	x->d = d;
	x->l = l;
	x->o = *o;
	for (int i = 0; i < 2; i++)
		hl_buf_init(&x->s[i].enc, HL_MAX_ENTRY);
	x->s[0].author = d->id->pub.ed;
	x->s[1].author = l->peer->key.ed;
	int rc = 0;
	if (o->kind == HL_HLT_FULL) {
		x->s[0].from = 1;
		x->s[0].to = l->own_durable;
		x->s[1].from = 1;
		x->s[1].to = l->peer_durable;
	} else if (o->kind == HL_HLT_RANGE) {
		rc = plan_range(x, err, errlen);
	} else if (o->kind == HL_HLT_PROOF) {
		uint64_t seq = 0;
		rc = hl_store_get_conflict(d->store, l->line_id, l->peer->key.ed, &seq, &x->s[1].enc);
		if (rc == HL_ERR_NOTFOUND)
			snprintf(err, errlen, "no equivocation has been recorded on this line");
	} else {
		rc = HL_ERR_INVAL;
	}
	if (rc < 0) {
		if (!err[0])
			snprintf(err, errlen, "export: %s", hl_strerror(rc));
		hl_export_free(x);
		return rc;
	}
	hl_hlt_header *h = &x->h;
	h->kind = (uint8_t)o->kind;
	h->key_a = d->id->pub;
	h->key_b = l->peer->key;
	memcpy(h->line_id, l->line_id, 32);
	h->exported_ms = hl_wall_ms();
	snprintf(h->name_a, sizeof h->name_a, "%s", d->cfg->name);
	snprintf(h->name_b, sizeof h->name_b, "%s", l->peer->name);
	*out = x;
	return 0;
}

uint64_t hl_export_total(const hl_export *x)
{
	uint64_t n = 0;
	for (int i = 0; i < 2; i++)
		if (x->s[i].from)
			n += x->s[i].to - x->s[i].from + 1;
	return n;
}

uint64_t hl_export_done(const hl_export *x)
{
	return x->done;
}

static int write_anchors(hl_export *x, hl_buf *out)
{
	for (int i = 0; i < 2; i++) {
		side *s = &x->s[i];
		if (s->from <= 1)
			continue;
		int rc = hl_store_get_entry(x->d->store, x->l->line_id, s->author, s->from - 1, &s->enc);
		if (rc == 0)
			rc = hl_hlt_writer_entry(&x->w, out, HL_HLT_ANCHOR, i, s->enc.p, s->enc.len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int write_entries(hl_export *x, hl_buf *out)
{
	while (out->len < CHUNK_BYTES) {
		int rc = load(x, 0);
		if (rc == 0)
			rc = load(x, 1);
		if (rc < 0)
			return rc;
		if (!x->s[0].have && !x->s[1].have)
			return 1;
		int r0 = ready(x, 0), r1 = ready(x, 1), pick;
		if (r0 && r1)
			pick = x->s[1].time_ms < x->s[0].time_ms ? 1 : 0;
		else if (r0 || r1)
			pick = r0 ? 0 : 1;
		else
			return HL_ERR_PEERHASH; /* a cross-link cycle: the store is corrupt */
		side *s = &x->s[pick];
		rc = hl_hlt_writer_entry(&x->w, out, HL_HLT_ENTRY, pick, s->enc.p, s->enc.len);
		if (rc < 0)
			return rc;
		s->have = 0;
		s->next++;
		x->done++;
	}
	return 0;
}

/* The peer's newest receipt (our proof of delivery) and a fresh one of ours
 * for the peer's entries in the file, when they fall inside it. */
static int write_receipts(hl_export *x, hl_buf *out)
{
	hl_line *l = x->l;
	uint64_t seq = 0;
	hl_buf enc;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	int rc = hl_store_get_receipt(x->d->store, l->line_id, l->peer->key.ed, &seq, &enc);
	if (rc == 0 && seq && seq >= x->s[0].from && seq <= x->s[0].to && x->s[0].from)
		rc = hl_hlt_writer_receipt(&x->w, out, enc.p, enc.len);
	hl_buf_free(&enc);
	if (rc < 0 || x->s[1].to == 0)
		return rc;
	hl_receipt r;
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, l->line_id, 32);
	memcpy(r.receiver, x->d->id->pub.ed, 32);
	r.seq = x->s[1].to;
	r.time_ms = hl_wall_ms();
	rc = hl_store_hash_at(x->d->store, l->line_id, l->peer->key.ed, r.seq, r.hash);
	if (rc == 0)
		rc = hl_receipt_sign(&r, x->d->id);
	if (rc < 0)
		return rc;
	uint8_t renc[HL_RECEIPT_LEN];
	hl_receipt_encode(&r, renc);
	return hl_hlt_writer_receipt(&x->w, out, renc, sizeof renc);
}

static int write_conflict(hl_export *x, hl_buf *out)
{
	hl_entry e;
	int rc = hl_entry_decode(x->s[1].enc.p, x->s[1].enc.len, &e);
	if (rc < 0)
		return rc;
	hl_buf first;
	hl_buf_init(&first, HL_MAX_ENTRY);
	rc = hl_store_get_entry(x->d->store, x->l->line_id, e.author, e.seq, &first);
	if (rc == 0)
		rc = hl_hlt_writer_conflict(&x->w, out, first.p, first.len, x->s[1].enc.p, x->s[1].enc.len);
	hl_buf_free(&first);
	return rc;
}

int hl_export_next(hl_export *x, hl_buf *out)
{
	size_t start = out->len;
	int rc = 0;
again:
	switch (x->stage) {
	case 0:
		rc = hl_hlt_writer_start(&x->w, &x->h, out);
		if (rc == 0 && x->o.kind == HL_HLT_RANGE)
			rc = write_anchors(x, out);
		x->stage = x->o.kind == HL_HLT_PROOF ? 2 : 1;
		break;
	case 1:
		rc = write_entries(x, out);
		if (rc == 1) {
			x->stage = 2;
			rc = 0;
		}
		break;
	case 2:
		rc = x->o.kind == HL_HLT_PROOF ? write_conflict(x, out) : write_receipts(x, out);
		if (rc == 0)
			rc = hl_hlt_writer_end(&x->w, out, x->d->id);
		x->stage = 3;
		break;
	default:
		return 1;
	}
	if (rc < 0)
		return rc;
	/* The entries can end just as a chunk filled: that step found nothing
	 * more and wrote nothing. Never hand back an empty step before the
	 * end: the API frames each step, and an empty frame means "the end". */
	if (x->stage != 3 && out->len == start)
		goto again;
	return x->stage == 3 ? 1 : 0;
}

void hl_export_free(hl_export *x)
{
	if (!x)
		return;
	for (int i = 0; i < 2; i++)
		hl_buf_free(&x->s[i].enc);
	free(x);
}

int hl_export_parse_bound(const char *s, uint64_t *seq, uint64_t *ms)
{
	*seq = *ms = 0;
	if (!s || !*s)
		return HL_ERR_INVAL;
	size_t n = strlen(s), i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == n) {
		if (n > 19)
			return HL_ERR_INVAL;
		*seq = strtoull(s, NULL, 10);
		return *seq ? 0 : HL_ERR_INVAL;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = NULL;
	static const char *fmts[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
				      "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, fmts[f], &tm);
		if (end && *end == 0)
			break;
		end = NULL;
	}
	if (!end)
		return HL_ERR_INVAL;
	time_t t = timegm(&tm);
	if (t < 0)
		return HL_ERR_INVAL;
	*ms = (uint64_t)t * 1000u;
	return 0;
}
