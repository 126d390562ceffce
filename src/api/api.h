/* api.h — the local API (api.c, docs/API.md): a Unix socket speaking
 * newline-delimited JSON to the station's operators. It sits on the core
 * (line/core.h) and hears of entries, alarms and lines as its observer. */
#ifndef HL_API_H
#define HL_API_H

#include <stddef.h>

#include "line/core.h"

typedef struct hl_api hl_api;

/* Binds the socket and registers the API as an observer of d. */
int hl_api_start(hl_core *d, hl_api **out, char *err, size_t errlen);
/* Closes every client and the socket (the handles close with the loop). */
void hl_api_stop(hl_api *api);
/* After the loop has closed every handle. */
void hl_api_free(hl_api *api);

#endif
