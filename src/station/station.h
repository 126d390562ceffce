/* station.h — the station's features (src/station/) as one registration, so
 * that the top level names none of them; and an entry as operators name it. */
#ifndef HL_STATION_H
#define HL_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "line/core.h"
#include "util/budget.h"

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
/* A hex id prefix is found by a scan of every entry. hl_entry_prefix_*
 * do the scan in steps (budget.h) into this; hl_station_found keeps the
 * result for the hl_station_find_entry of the same text that follows, which
 * then scans nothing. */
typedef struct hl_entry_memo {
	char hex[65];       /* the prefix, as hl_entryref_parse gives it */
	int64_t pos;        /* entries looked at: rowids up to this */
	unsigned found;     /* matches so far (2 or more: ambiguous) */
	int rc;             /* a store error, once done */
	int done;
	uint8_t line_id[32], author[32], hash[32];
	uint64_t seq;
} hl_entry_memo;
/* 1 with m ready when text names an entry by an id prefix, else 0. */
int hl_entry_prefix_begin(const char *text, hl_entry_memo *m);
/* Scans until b is spent: 1 once the whole store has been looked at (or
 * two matches found, or the store failed), 0 to call again. */
int hl_entry_prefix_step(hl_core *d, hl_entry_memo *m, const hl_budget *b);
/* Keeps m (done; the caller keeps it alive) for the look-ups of its text
 * until called again; NULL forgets it. */
void hl_station_found(hl_core *d, const hl_entry_memo *m);
/* 0; HL_ERR_INVAL (not a reference, or an ambiguous id prefix) or
 * HL_ERR_NOTFOUND with a sentence for the operator in err. */
int hl_station_find_entry(hl_core *d, const char *text, hl_entry_loc *loc, char *err,
			  size_t errlen);

#endif
