/* store_outbox.h — the store's outbox (schema 5): entries an operator asked
 * for while this station's record was not yet confirmed by the peer's HELLO
 * (docs/PROTOCOL.md §4.2), kept unsigned and without a seq until they are
 * signed, in the order they were queued. */
#ifndef HL_STORE_OUTBOX_H
#define HL_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One draft: the fields of the entry to be, everything but what signing
 * fixes (seq, prev, cross-link, time, signature). */
typedef struct {
	int64_t id;               /* its number: queueing order, never reused */
	const uint8_t *line_id;   /* 32 */
	uint8_t kind;
	uint8_t precedence;
	uint16_t flags;
	const char *operator_name; /* at most HL_MAX_OPERATOR bytes */
	const char *lang;          /* at most HL_MAX_LANG bytes */
	const uint8_t *refs;       /* nrefs hashes of 32 bytes */
	unsigned nrefs;            /* at most HL_MAX_REFS */
	const uint8_t *body;
	size_t body_len;           /* at most HL_MAX_BODY */
	uint64_t queued_ms;        /* our wall clock */
} hl_store_draft;

/* Inserts d (its id is ignored) and gives the new draft's id. */
int hl_store_draft_put(hl_store *st, const hl_store_draft *d, int64_t *id);
/* Calls cb for the drafts of line_id with id > after, oldest first, at most
 * limit (0 = all). cb returning non-zero stops the walk and is returned.
 * Pointers in the draft are valid only during the call. Walks do not nest,
 * and cb must not write drafts (collect, then write). */
typedef int (*hl_store_draft_cb)(void *ctx, const hl_store_draft *d);
int hl_store_draft_walk(hl_store *st, const uint8_t line_id[32], int64_t after, uint64_t limit,
			hl_store_draft_cb cb, void *ctx);
/* Removes the draft (it has been signed in the same transaction):
 * 0, or HL_ERR_NOTFOUND. */
int hl_store_draft_delete(hl_store *st, int64_t id);
/* Number of drafts of line_id. */
int hl_store_draft_count(hl_store *st, const uint8_t line_id[32], uint64_t *n);

#endif
