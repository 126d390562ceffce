/* blob_api.h — the attachment requests of the local API (attach-begin,
 * attach-chunk, attachment) answered from the station's blobs. */
#ifndef HL_BLOB_API_H
#define HL_BLOB_API_H

#include <jansson.h>

#include "api/api_request.h"
#include "line/core.h"

/* The reply to r; an error reply ({"ok":false,...}) when refused. */
json_t *hl_blob_api(hl_core *d, const hl_api_request *r);

/* {"id","name","size","have","state"} (and for our own entries
 * "delivered") for an entry flagged ATTACHMENT; NULL for another entry.
 * *text_off: where the message text starts in the body (0 without one). */
json_t *hl_blob_entry_json(hl_core *d, hl_line *l, const hl_entry *e, int own,
			   size_t *text_off);

#endif
