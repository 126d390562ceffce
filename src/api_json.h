/* api_json.h — the daemon's state and its entries as the JSON of docs/API.md. */
#ifndef HL_API_JSON_H
#define HL_API_JSON_H

#include <jansson.h>

#include "daemon.h"

#include "notes.h"
#include "store.h"
#include "watch.h"

json_t *hl_api_status(hl_daemon *d);
/* ENTRY of docs/API.md for entry e (se: as stored) of `own`'s author on
 * line l, the listing's line number `line`: "receipted" (own entries) by
 * receipted_seq, the watch's and the notes' fields from view and nl (both
 * ready). NULL when it cannot be made (text that is not UTF-8). */
json_t *hl_api_entry_json(hl_daemon *d, hl_line *l, unsigned line, int own,
			  const hl_store_entry *se, const hl_entry *e, uint64_t receipted_seq,
			  hl_watch_view *view, hl_notes_listing *nl);

#endif
