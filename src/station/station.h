/* station.h — the station's features (src/station/) as one registration, so
 * that the top level names none of them; and an entry as operators name it. */
#ifndef HL_STATION_H
#define HL_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "line/core.h"

/* station.c: registers every feature with d, in the order they hear of an
 * entry: link tests, attachments, the watch (and its check-ins). */
int hl_station_register(hl_core *d);

/* entry_find.c: an entry an operator named (entryref.h), on a live line. */
typedef struct {
	hl_line *line;
	int own;          /* 1: ours; 0: the peer's */
	uint64_t seq;
	uint8_t hash[32];
} hl_entry_loc;
/* 0; HL_ERR_INVAL (not a reference, or an ambiguous id prefix) or
 * HL_ERR_NOTFOUND with a sentence for the operator in err. */
int hl_station_find_entry(hl_core *d, const char *text, hl_entry_loc *loc, char *err,
			  size_t errlen);

#endif
