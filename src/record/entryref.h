/* entryref.h — how an operator names an entry on the command line and in the
 * API ("moscow#12", "washington#5@moscow", or a hex id prefix), parsed
 * without the daemon; hl_station_find_entry (station/station.h) resolves it. */
#ifndef HL_ENTRYREF_H
#define HL_ENTRYREF_H

#include <stddef.h>
#include <stdint.h>

#include "util/limits.h"

#define HL_ENTRYREF_MIN_HEX 8u   /* shortest hex id prefix accepted */
#define HL_ENTRYREF_MAX     (2u * (HL_MAX_NAME + 1u) + 24u) /* longest reference */

typedef struct {
	int by_hash;                  /* 1: hex holds a prefix of the entry's id */
	char hex[65];                 /* lower case, HL_ENTRYREF_MIN_HEX..64 digits */
	char author[HL_MAX_NAME + 1]; /* AUTHOR of AUTHOR#SEQ: a peer or this station */
	uint64_t seq;                 /* >= 1 */
	char line[HL_MAX_NAME + 1];   /* PEER of AUTHOR#SEQ@PEER, "" when not given */
} hl_entryref;

/* AUTHOR#SEQ[@PEER] (names of [A-Za-z0-9._-], SEQ decimal >= 1 without
 * leading zeros) or 8..64 hex digits (any case). HL_ERR_INVAL otherwise;
 * out is cleared either way. */
int hl_entryref_parse(const char *s, hl_entryref *out);

#endif
