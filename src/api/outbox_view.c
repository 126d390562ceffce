/* outbox_view.c — what status and log show of a line's outbox: whether the
 * peer has confirmed the record in this run, and each draft queued unsigned
 * as an entry-like object marked "queued, not yet signed" (docs/API.md). */
#include "api/api_json.h"

#include <string.h>

#include "api/blob_api.h"
#include "station/blob.h"
#include "store/store_outbox.h"
#include "api/watch_view.h"
#include "station/watch.h"

void hl_outbox_status_json(const hl_line *l, json_t *o)
{
	json_object_set_new(o, "record", json_string(l->confirmed ? "confirmed" : "unconfirmed"));
	json_object_set_new(o, "queued", json_integer((json_int_t)l->drafts));
}

json_t *hl_outbox_draft_json(hl_core *d, hl_line *l, unsigned line, const hl_store_draft *dr,
			     hl_watch_view *view)
{
	hl_entry e;
	size_t text_off = 0;

	/* Only what the views read: the fields signing will not change. */
	memset(&e, 0, sizeof e);
	e.kind = dr->kind;
	e.flags = dr->flags;
	e.body = dr->body;
	e.body_len = (uint32_t)dr->body_len;
	json_t *attachment = hl_blob_entry_json(d, l, &e, 1, &text_off);
	json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:I, s:s, s:n, s:n, s:s, s:s, s:i, s:b,"
			      " s:I, s:I, s:I, s:s, s:s, s:s%}",
			      "peer", l->peer->name, "author", d->cfg->name, "own", 1, "queued", 1,
			      "draft", (json_int_t)dr->id,
			      "state", "queued, not yet signed", "seq", "id",
			      "kind", hl_kind_name(dr->kind), "precedence", hl_precedence_name(dr->precedence),
			      "flags", (int)dr->flags, "exercise", (dr->flags & HL_FLAG_EXERCISE) != 0,
			      "time_ms", (json_int_t)dr->queued_ms, "queued_ms", (json_int_t)dr->queued_ms,
			      "stored_ms", (json_int_t)dr->queued_ms,
			      "operator", dr->operator_name, "lang", dr->lang,
			      "text", dr->body ? (const char *)dr->body + text_off : "",
			      dr->body_len - text_off);
	if (!o) {
		json_decref(attachment);
		return NULL;
	}
	if (attachment)
		json_object_set_new(o, "attachment", attachment);
	if (view)
		hl_watch_view_refs(view, l, line, (const uint8_t (*)[32])dr->refs, dr->nrefs, o);
	return o;
}
