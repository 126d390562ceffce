/* watch_view.c — what inbox and log show of the watch: each entry's name,
 * the names of the entries it refers to, and its acknowledgement state,
 * derived from the ACK entries met walking the line (a map from the hash
 * answered to the answer), never from a look-up by hash per entry. */
#include "watch.h"

#include <stdlib.h>
#include <string.h>

#include "ackstate.h"
#include "store_outbox.h"
#include "store_watch.h"
#include "text.h"

struct hl_watch_view {
	hl_daemon *d;
	hl_line *l;
	int own;           /* the chain being walked */
	uint64_t now;
	json_t *names;     /* entry hash hex -> "moscow#3" */
	json_t *acks;      /* acknowledged hash hex -> {"by","at_ms","ack_ref","note"} */
	json_t *rows;      /* waiting hash hex -> due_ms */
	json_t *queued;    /* hash hex -> {"draft","by"}: our ACK of it, queued unsigned */
};

static int name_entry(void *arg, const hl_store_entry *se)
{
	hl_watch_view *v = arg;
	char hex[65], name[HL_MAX_NAME * 2 + 32];

	hl_hex(se->hash, 32, hex);
	hl_watch_ref_name(v->l, v->own, se->seq, name, sizeof name);
	json_object_set_new(v->names, hex, json_string(name));
	if (se->kind != HL_KIND_ACK)
		return 0;
	hl_entry e;
	if (hl_entry_decode(se->enc, se->enc_len, &e) < 0 || e.nrefs < 1)
		return 0;
	hl_hex(e.refs[0], 32, hex);
	json_t *a = json_pack("{s:s, s:I, s:s, s:b}", "by", e.operator_name, "at_ms",
			      (json_int_t)e.time_ms, "ack_ref", name, "own", v->own);
	if (a && e.body_len)
		json_object_set_new(a, "note", json_stringn((const char *)e.body, e.body_len));
	/* The first answer stands (a second ACK of the same entry adds nothing). */
	if (a && !json_object_get(v->acks, hex))
		json_object_set_new(v->acks, hex, a);
	else
		json_decref(a);
	return 0;
}

static int row_due(void *arg, const hl_store_watch *w)
{
	hl_watch_view *v = arg;
	char hex[65];

	hl_hex(w->hash, 32, hex);
	json_object_set_new(v->rows, hex, json_integer((json_int_t)w->due_ms));
	return 0;
}

static int queued_ack(void *arg, const hl_store_draft *dr)
{
	hl_watch_view *v = arg;
	char hex[65];

	if (dr->kind != HL_KIND_ACK || dr->nrefs < 1)
		return 0;
	hl_hex(dr->refs, 32, hex);
	if (!json_object_get(v->queued, hex))
		json_object_set_new(v->queued, hex, json_pack("{s:I, s:s}", "draft", (json_int_t)dr->id,
							      "by", dr->operator_name));
	return 0;
}

hl_watch_view *hl_watch_view_new(hl_daemon *d, hl_line *l)
{
	hl_watch_view *v = calloc(1, sizeof *v);

	if (!v)
		return NULL;
	v->d = d;
	v->l = l;
	v->now = hl_wall_ms();
	v->names = json_object();
	v->acks = json_object();
	v->rows = json_object();
	v->queued = json_object();
	if (!v->names || !v->acks || !v->rows || !v->queued) {
		hl_watch_view_free(v);
		return NULL;
	}
	/* A failed walk leaves names as hex and states as far as known. */
	v->own = 1;
	hl_store_walk(d->store, l->line_id, d->id->pub.ed, 1, 0, name_entry, v);
	v->own = 0;
	hl_store_walk(d->store, l->line_id, l->peer->key.ed, 1, 0, name_entry, v);
	hl_store_watch_walk(d->store, l->line_id, 0, 0, row_due, v);
	if (l->drafts)
		hl_store_draft_walk(d->store, l->line_id, 0, 0, queued_ack, v);
	return v;
}

void hl_watch_view_free(hl_watch_view *v)
{
	if (!v)
		return;
	json_decref(v->names);
	json_decref(v->acks);
	json_decref(v->rows);
	json_decref(v->queued);
	free(v);
}

static json_t *ack_state(hl_watch_view *v, const char *hex, int own)
{
	json_t *a = json_object_get(v->acks, hex);
	json_t *due = json_object_get(v->rows, hex);

	/* Only the other party's ACK answers an entry. */
	if (a && json_is_true(json_object_get(a, "own")) != !own)
		a = NULL;
	if (a) {
		json_t *o = json_deep_copy(a);
		json_object_del(o, "own");
		json_object_set_new(o, "state", json_string("acked"));
		return o;
	}
	if (!json_is_integer(due))
		return json_pack("{s:s}", "state", "untracked");
	uint64_t d = (uint64_t)json_integer_value(due);
	if (v->now >= d)
		return json_pack("{s:s, s:I, s:I}", "state", "overdue", "due_ms", (json_int_t)d,
				 "overdue_ms", (json_int_t)(v->now - d));
	return json_pack("{s:s, s:I, s:I}", "state", "waiting", "due_ms", (json_int_t)d,
			 "remaining_ms", (json_int_t)(d - v->now));
}

void hl_watch_view_entry(hl_watch_view *v, const hl_entry *e, const uint8_t hash[32], int own,
			 json_t *o)
{
	char hex[65], name[HL_MAX_NAME * 2 + 32];

	hl_watch_ref_name(v->l, own, e->seq, name, sizeof name);
	json_object_set_new(o, "ref", json_string(name));
	hl_watch_view_refs(v, (const uint8_t (*)[32])e->refs, e->nrefs, o);
	if (!hl_ack_needed(e->kind))
		return;
	hl_hex(hash, 32, hex);
	json_t *st = ack_state(v, hex, own);
	json_t *q = own ? NULL : json_object_get(v->queued, hex);
	/* Not acknowledged until the ACK is signed; but say it is on its way. */
	if (st && q)
		json_object_set(st, "queued_ack", q);
	if (st)
		json_object_set_new(o, "ack", st);
}

void hl_watch_view_refs(hl_watch_view *v, const uint8_t (*refs)[32], unsigned nrefs, json_t *o)
{
	char hex[65];
	json_t *arr = json_array();

	for (unsigned i = 0; arr && i < nrefs; i++) {
		hl_hex(refs[i], 32, hex);
		json_t *n = json_object_get(v->names, hex);
		json_array_append_new(arr, n ? json_incref(n) : json_string(hex));
	}
	json_object_set_new(o, "refs", arr ? arr : json_array());
}
