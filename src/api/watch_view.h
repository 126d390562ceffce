/* watch_view.h — what a listing shows of the watch (watch_view.c): the
 * names, references and acknowledgement states of entries, as JSON fields. */
#ifndef HL_WATCH_VIEW_H
#define HL_WATCH_VIEW_H

#include <jansson.h>

#include "line/core.h"
#include "station/watch.h"
#include "store/store.h"
#include "util/budget.h"

/* What a listing shows of the watch, gathered in steps (budget.h) into
 * compact arrays: every entry's name by hash, every ACK by the hash it
 * answers, the waiting rows' deadlines. `line` is the listing's own index
 * of a line (names and ACKs count only on their line). */
typedef struct hl_watch_view hl_watch_view;
/* now_ms: the wall clock the states are told at; entries: how many the
 * listing's lines hold (room for their names is taken at once). NULL when
 * out of memory. */
hl_watch_view *hl_watch_view_new(hl_core *d, uint64_t now_ms, size_t entries);
void hl_watch_view_free(hl_watch_view *v);
/* Each entry of both chains of the listing's lines, in walk order (e NULL
 * when it did not decode: named only). */
int hl_watch_view_add(hl_watch_view *v, unsigned line, int own, const hl_store_entry *se,
		      const hl_entry *e);
/* Reads line's waiting rows a page at a time until b is spent: 1 when all
 * are read, 0 to call again, < 0 when the store failed. */
int hl_watch_view_rows(hl_watch_view *v, unsigned line, const uint8_t line_id[32],
		       const hl_budget *b);
/* Once everything is added: sorts until b is spent; 1 when ready. */
int hl_watch_view_sort(hl_watch_view *v, const hl_budget *b);
/* Ready: 1 with *due_ms when the entry waits for the other party's ACK
 * (state waiting or overdue), else 0. */
int hl_watch_view_waiting(const hl_watch_view *v, unsigned line, int own,
			  const uint8_t hash[32], uint64_t *due_ms);
/* Each ACK of ours queued unsigned in line's outbox (a draft of kind ACK
 * naming the entry it answers), oldest first. */
int hl_watch_view_queued(hl_watch_view *v, unsigned line, int64_t draft, const char *by,
			 const uint8_t acked[32]);
/* Ready: adds "ref", "refs" and (for kinds that need one) "ack" to o, an
 * entry's JSON (docs/API.md); a peer's entry whose ACK is queued keeps its
 * state and gets "queued_ack". */
void hl_watch_view_entry(hl_watch_view *v, hl_line *l, unsigned line, const hl_entry *e,
			 const uint8_t hash[32], int own, json_t *o);
/* Ready: sets o's "refs": the names of these entries on the line (hex for
 * unknown ones). */
void hl_watch_view_refs(hl_watch_view *v, hl_line *l, unsigned line, const uint8_t (*refs)[32],
			unsigned nrefs, json_t *o);

#endif
