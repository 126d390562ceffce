/* export.h — produces a line's transcript file (.hlt) from the store, a chunk
 * at a time, entries in causal order, with flat memory. */
#ifndef HL_EXPORT_H
#define HL_EXPORT_H

#include <stdint.h>

#include "util/budget.h"
#include "line/core.h"
#include "record/transcript.h"

typedef struct {
	int kind;           /* HL_HLT_FULL, HL_HLT_RANGE or HL_HLT_PROOF */
	/* Range: bounds as seqs of this station's own chain, or as UTC ms; the
	 * peer's entries of the same time span are included. 0 = open end. */
	uint64_t from_seq, to_seq;
	uint64_t from_ms, to_ms;
} hl_export_opts;

typedef struct hl_export hl_export;

/* Begins the export; err explains a refusal in words. */
int hl_export_begin(hl_core *d, hl_line *l, const hl_export_opts *o, hl_export **out,
		    char *err, size_t errlen);
/* Then plans it (a range by time walks the chains, in steps until b is
 * spent): 1 when planned, 0 to call again, < 0 refused with err ("no
 * entries in that range"). Before hl_export_total and hl_export_next. */
int hl_export_plan(hl_export *x, const hl_budget *b, char *err, size_t errlen);
/* Appends the next part of the file (about 64 KiB, never nothing) to out.
 * Returns 0 with more to come, 1 once the signed trailer has been appended. */
int hl_export_next(hl_export *x, hl_buf *out);
/* Entries planned in total and written so far (for progress). */
uint64_t hl_export_total(const hl_export *x);
uint64_t hl_export_done(const hl_export *x);
void hl_export_free(hl_export *x);

/* Parses a range bound: a seq ("120") or a UTC time ("2026-11-27T03:00:00Z",
 * "2026-11-27 03:00", "2026-11-27"). Sets exactly one of *seq, *ms. */
int hl_export_parse_bound(const char *s, uint64_t *seq, uint64_t *ms);

#endif
