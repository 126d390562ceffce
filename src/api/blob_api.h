/* blob_api.h — the attachment requests of the local API (attach-begin,
 * attach-chunk, attachment) answered from the station's blobs. */
#ifndef HL_BLOB_API_H
#define HL_BLOB_API_H

#include <jansson.h>

#include "api/api_request.h"
#include "line/core.h"

/* The reply to r; an error reply ({"ok":false,...}) when refused. */
json_t *hl_blob_api(hl_core *d, const hl_api_request *r);

#endif
