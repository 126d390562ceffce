/* api_fastjson.h — the local API's fast reader for flat objects of ASCII
 * strings (api_fastjson.c); every other request goes to jansson. */
#ifndef HL_API_FASTJSON_H
#define HL_API_FASTJSON_H

#include <jansson.h>
#include <stddef.h>

/* line[0..len) as a JSON object equal to what json_loadb(line, len,
 * JSON_REJECT_DUPLICATES) returns, or NULL when it declines (any other
 * shape, or no memory): the caller then asks jansson. Never NULL for a
 * different reason than that, never an object jansson would refuse. */
json_t *hl_api_fastjson(const char *line, size_t len);

#endif
