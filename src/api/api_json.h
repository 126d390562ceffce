/* api_json.h — the daemon's state and its entries as the JSON of docs/API.md. */
#ifndef HL_API_JSON_H
#define HL_API_JSON_H

#include <jansson.h>

#include "line/core.h"

#include "station/notes.h"
#include "store/store.h"
#include "store/store_outbox.h"
#include "api/watch_view.h"
#include "station/watch.h"

json_t *hl_api_status(hl_core *d);
/* ENTRY of docs/API.md for entry e (se: as stored) of `own`'s author on
 * line l, the listing's line number `line`: "receipted" (own entries) by
 * receipted_seq, the watch's and the notes' fields from view and nl (both
 * ready). NULL when it cannot be made (text that is not UTF-8). */
json_t *hl_api_entry_json(hl_core *d, hl_line *l, unsigned line, int own,
			  const hl_store_entry *se, const hl_entry *e, uint64_t receipted_seq,
			  hl_watch_view *view, hl_notes_listing *nl);

/* outbox_view.c: a line's "record" ("confirmed" once the peer's HELLO has
 * confirmed it in this run, else "unconfirmed") and "queued" (drafts) into
 * o; one draft of line l (the listing's line number `line`) as an entry
 * marked "queued" (docs/API.md), its refs named by view (ready). NULL when
 * out of memory. */
void hl_outbox_status_json(const hl_line *l, json_t *o);
json_t *hl_outbox_draft_json(hl_core *d, hl_line *l, unsigned line,
			     const hl_store_draft *dr, hl_watch_view *view);

#endif
