/* api_json.h — the daemon's state and transcript as the JSON of docs/API.md. */
#ifndef HL_API_JSON_H
#define HL_API_JSON_H

#include <jansson.h>

#include "daemon.h"

json_t *hl_api_status(hl_daemon *d);
/* unacked: only the peer's entries still waiting for our ACK, most urgent first. */
json_t *hl_api_inbox(hl_daemon *d, int unacked);
json_t *hl_api_log(hl_daemon *d, hl_line *l);

#endif
