/* api_json.c — builds the status, inbox and log replies from the lines and
 * the store (entries are decoded from their stored canonical bytes). */
#include "api_json.h"

#include <stdlib.h>
#include <string.h>

#include "station/blob.h"
#include "record/ackstate.h"
#include "util/err.h"
#include "station/notes.h"
#include "util/text.h"
#include "station/watch.h"

static json_t *hex_str(const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];
	hl_hex(p, n, h);
	return json_string(h);
}

static int alarm_json(void *arg, const hl_alarm_view *v)
{
	json_t *obj = json_pack("{s:s,s:o,s:I,s:s}", "kind", hl_alarm_kind_name(v->kind), "path",
				v->path < 0 ? json_null() : json_integer(v->path), "since_ms",
				(json_int_t)v->since_ms, "text", v->text);
	return !obj || json_array_append_new(arg, obj) < 0 ? -1 : 0;
}

/* Open alarms of a line: [{"kind":"line-down","path":null|N,"since_ms":T,"text":"..."}];
 * NULL without memory. */
static json_t *alarms_json(const hl_alarms *a, const uint8_t line_id[32])
{
	json_t *arr = json_array();
	if (arr && hl_alarms_walk(a, line_id, alarm_json, arr) != 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *paths_json(const hl_line *l, uint64_t now)
{
	json_t *arr = json_array();
	for (int i = 0; i < l->n_slots; i++) {
		hl_path_view v;
		if (!hl_path_view_get(l, i, now, &v))
			continue; /* an unused slot beyond our Endpoints */
		json_t *o = json_pack("{s:i, s:s, s:s}", "index", i, "endpoint", v.endpoint, "state",
				      v.state);
		if (!o)
			continue;
		json_object_set_new(o, "rtt_ms", v.rtt_ms >= 0 ? json_real(v.rtt_ms) : json_null());
		json_object_set_new(o, "up_for_ms", v.up_for_ms >= 0 ? json_integer(v.up_for_ms) : json_null());
		json_object_set_new(o, "down_for_ms", v.down_for_ms >= 0 ? json_integer(v.down_for_ms) : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *hl_api_status(hl_core *d)
{
	char pk[HL_PUBKEY_B64_LEN + 1];
	hl_pubkey_encode(&d->id->pub, pk);
	json_t *lines = json_array();
	uint64_t now = hl_now_ms(d);
	for (int i = 0; i < d->n_lines; i++) {
		hl_line *l = &d->lines[i];
		if (l->retired)
			continue;
		char ppk[HL_PUBKEY_B64_LEN + 1];
		hl_pubkey_encode(&l->peer->key, ppk);
		hl_session_info si = { .addr = NULL };
		if (l->session)
			hl_session_get_info(l->session, &si);
		json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
				      "peer", l->peer->name, "pubkey", ppk, "line_id", hex_str(l->line_id, 32),
				      "state", hl_line_state(l), "stopped_reason", l->stopped_reason,
				      "endpoint", si.addr ? si.addr : (l->n_paths ? l->paths[0].endpoint : ""),
				      "own_seq", (json_int_t)l->own_durable, "peer_seq", (json_int_t)l->peer_durable,
				      "receipted_seq", (json_int_t)l->receipted_seq,
				      "unreceipted", (json_int_t)(l->own_durable - l->receipted_seq));
		if (!o)
			continue;
		json_object_set_new(o, "initiator", si.addr ? json_boolean(si.initiator) : json_null());
		json_object_set_new(o, "active_path", l->active >= 0 && si.addr ? json_integer(l->active) : json_null());
		json_object_set_new(o, "paths", paths_json(l, now));
		json_object_set_new(o, "alarms", alarms_json(d->alarms, l->line_id));
		json_object_set_new(o, "clock_offset_ms", l->clock_known ? json_real(l->clock_offset_ms) : json_null());
		json_object_set_new(o, "rtt_ms", l->rtt_ms >= 0 ? json_real(l->rtt_ms) : json_null());
		json_object_set_new(o, "last_traffic_ms_ago",
				    l->last_traffic_ms ? json_integer((json_int_t)(now - l->last_traffic_ms)) : json_null());
		json_object_set_new(o, "checkin", hl_checkin_status_json(l));
		hl_outbox_status_json(l, o);
		json_array_append_new(lines, o);
	}
	return json_pack("{s:b, s:s, s:s, s:o}", "ok", 1, "station", d->cfg->name, "pubkey", pk, "lines", lines);
}

typedef struct {
	hl_core *d;
	hl_line *l;
	int own;
	json_t *arr;
	hl_watch_view *view; /* names, refs and ack states (watch_view.c) */
	hl_notes_listing *nl;    /* forms, replies, translations (notes_listing.c) */
} walk_ctx;

static int entry_json(void *arg, const hl_store_entry *se)
{
	walk_ctx *w = arg;
	hl_entry e;
	if (hl_entry_decode(se->enc, se->enc_len, &e) < 0)
		return 0; /* stored bytes were checked on the way in; skip rather than fail the listing */
	hl_line *l = w->l;
	const char *author = w->own ? w->d->cfg->name : l->peer->name;
	size_t text_off = 0; /* past an attachment's descriptor */
	json_t *attachment = hl_blob_entry_json(w->d, l, &e, w->own, &text_off);
	json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:o, s:s, s:s, s:i, s:b, s:I, s:I, s:s, s:s, s:s%, s:I, s:o}",
			      "peer", l->peer->name, "author", author, "own", w->own,
			      "seq", (json_int_t)e.seq, "id", hex_str(se->hash, 32),
			      "kind", hl_kind_name(e.kind), "precedence", hl_precedence_name(e.precedence),
			      "flags", (int)e.flags, "exercise", (e.flags & HL_FLAG_EXERCISE) != 0,
			      "time_ms", (json_int_t)e.time_ms, "stored_ms", (json_int_t)se->stored_ms,
			      "operator", e.operator_name, "lang", e.lang,
			      "text", e.body ? (const char *)(e.body + text_off) : "", (size_t)e.body_len - text_off,
			      "peer_seq", (json_int_t)e.peer_seq, "prev", hex_str(e.prev, 32));
	if (!o) {
		json_decref(attachment);
		return 0;
	}
	if (attachment)
		json_object_set_new(o, "attachment", attachment);
	if (w->own)
		json_object_set_new(o, "receipted", json_boolean(e.seq <= l->receipted_seq));
	if (w->view)
		hl_watch_view_entry(w->view, &e, se->hash, w->own, o);
	hl_notes_entry(w->nl, l, w->own, &e, se->hash, o);
	json_array_append_new(w->arr, o);
	return 0;
}

static json_t *walk(hl_core *d, hl_line *l, int own, hl_watch_view *view,
		    hl_notes_listing *nl)
{
	walk_ctx w = { d, l, own, json_array(), view, nl };
	const uint8_t *author = own ? d->id->pub.ed : l->peer->key.ed;
	hl_notes_listing_side(nl, l, own);
	hl_store_walk(d->store, l->line_id, author, 1, 0, entry_json, &w);
	return w.arr;
}

/* Entries of the peer still waiting for our ACK. */
static json_t *only_unacked(json_t *arr)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *st = json_string_value(json_object_get(json_object_get(e, "ack"), "state"));
		if (st && (strcmp(st, "waiting") == 0 || strcmp(st, "overdue") == 0))
			json_array_append(out, e);
	}
	json_decref(arr);
	return out;
}

static int by_stored(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t sx = json_integer_value(json_object_get(x, "stored_ms"));
	json_int_t sy = json_integer_value(json_object_get(y, "stored_ms"));
	return sx < sy ? -1 : sx > sy;
}

static int by_time(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t tx = json_integer_value(json_object_get(x, "time_ms"));
	json_int_t ty = json_integer_value(json_object_get(y, "time_ms"));
	if (tx != ty)
		return tx < ty ? -1 : 1;
	json_int_t ox = json_is_true(json_object_get(x, "own")), oy = json_is_true(json_object_get(y, "own"));
	if (ox != oy)
		return ox < oy ? -1 : 1;
	json_int_t qx = json_integer_value(json_object_get(x, "seq"));
	json_int_t qy = json_integer_value(json_object_get(y, "seq"));
	return qx < qy ? -1 : qx > qy;
}

/* Sorts a JSON array in place with a stable order (qsort on the items). */
static json_t *sorted(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr);
	json_t **items = n ? calloc(n, sizeof *items) : NULL;
	if (n && !items)
		return arr;
	for (size_t i = 0; i < n; i++)
		items[i] = json_incref(json_array_get(arr, i));
	if (n > 1) /* qsort's pointer must not be NULL, even for no items */
		qsort(items, n, sizeof *items, cmp);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, items[i]);
	free(items);
	json_decref(arr);
	return out;
}

json_t *hl_api_inbox(hl_core *d, int unacked)
{
	json_t *all = json_array();
	hl_notes_listing *nl = hl_notes_listing_new(d);
	for (int i = 0; i < d->n_lines; i++) {
		if (d->lines[i].retired)
			continue;
		hl_watch_view *v = hl_watch_view_new(d, &d->lines[i]);
		json_t *a = walk(d, &d->lines[i], 0, v, nl);
		hl_watch_view_free(v);
		if (unacked)
			a = only_unacked(a);
		json_array_extend(all, a);
		json_decref(a);
	}
	hl_notes_listing_finish(nl);
	hl_notes_listing_free(nl);
	if (unacked)
		all = sorted(all, hl_ack_urgency_cmp);
	else if (d->n_lines > 1)
		all = sorted(all, by_stored);
	return json_pack("{s:b, s:o}", "ok", 1, "entries", all);
}

json_t *hl_api_log(hl_core *d, hl_line *l)
{
	hl_watch_view *v = hl_watch_view_new(d, l);
	hl_notes_listing *nl = hl_notes_listing_new(d);
	json_t *all = walk(d, l, 1, v, nl);
	json_t *peer = walk(d, l, 0, v, nl);
	json_t *queued = hl_outbox_entries_json(d, l, v);
	hl_watch_view_free(v);
	json_array_extend(all, peer);
	json_decref(peer);
	json_array_extend(all, queued);
	json_decref(queued);
	hl_notes_listing_finish(nl);
	hl_notes_listing_free(nl);
	return json_pack("{s:b, s:o}", "ok", 1, "entries", sorted(all, by_time));
}
