/* api_json.h — the daemon's state and transcript as the JSON of docs/API.md. */
#ifndef HL_API_JSON_H
#define HL_API_JSON_H

#include <jansson.h>

#include "daemon.h"

json_t *hl_api_status(hl_daemon *d);
/* unacked: only the peer's entries still waiting for our ACK, most urgent first. */
json_t *hl_api_inbox(hl_daemon *d, int unacked);
json_t *hl_api_log(hl_daemon *d, hl_line *l);

/* outbox_view.c: a line's "record" ("confirmed" once the peer's HELLO has
 * confirmed it in this run, else "unconfirmed") and "queued" (drafts) into
 * o; its drafts as entries marked "queued" (docs/API.md), oldest first. */
void hl_outbox_status_json(const hl_line *l, json_t *o);
typedef struct hl_watch_view hl_watch_view;
json_t *hl_outbox_entries_json(hl_daemon *d, hl_line *l, hl_watch_view *view);

#endif
