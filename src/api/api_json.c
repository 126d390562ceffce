/* api_json.c — builds the status reply from the lines, and the JSON of one
 * entry of a listing (decoded from its stored canonical bytes). */
#include "api_json.h"

#include <string.h>

#include "api/blob_api.h"
#include "station/blob.h"
#include "util/err.h"
#include "station/notes.h"
#include "util/text.h"
#include "api/checkin_json.h"
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

json_t *hl_api_entry_json(hl_core *d, hl_line *l, unsigned line, int own,
			  const hl_store_entry *se, const hl_entry *e, uint64_t receipted_seq,
			  hl_watch_view *view, hl_notes_listing *nl)
{
	const char *author = own ? d->cfg->name : l->peer->name;
	size_t text_off = 0; /* past an attachment's descriptor */
	json_t *attachment = hl_blob_entry_json(d, l, e, own, &text_off);
	json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:o, s:s, s:s, s:i, s:b, s:I, s:I, s:s, s:s, s:s%, s:I, s:o}",
			      "peer", l->peer->name, "author", author, "own", own,
			      "seq", (json_int_t)e->seq, "id", hex_str(se->hash, 32),
			      "kind", hl_kind_name(e->kind), "precedence", hl_precedence_name(e->precedence),
			      "flags", (int)e->flags, "exercise", (e->flags & HL_FLAG_EXERCISE) != 0,
			      "time_ms", (json_int_t)e->time_ms, "stored_ms", (json_int_t)se->stored_ms,
			      "operator", e->operator_name, "lang", e->lang,
			      "text", e->body ? (const char *)(e->body + text_off) : "", (size_t)e->body_len - text_off,
			      "peer_seq", (json_int_t)e->peer_seq, "prev", hex_str(e->prev, 32));
	if (!o) {
		json_decref(attachment);
		return NULL;
	}
	if (attachment)
		json_object_set_new(o, "attachment", attachment);
	if (own)
		json_object_set_new(o, "receipted", json_boolean(e->seq <= receipted_seq));
	if (view)
		hl_watch_view_entry(view, l, line, e, se->hash, own, o);
	hl_notes_entry(nl, l, line, own, e, se->hash, o);
	return o;
}
