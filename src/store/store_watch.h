/* store_watch.h — the store's rows for the watch (schema 4): entries of either
 * party that wait for a human acknowledgement, and the record of check-ins. */
#ifndef HL_STORE_WATCH_H
#define HL_STORE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One entry waiting for its ACK. base_ms is when this station stored (the
 * peer's) or wrote (ours) it, on our clock; overdue_ms when the watch
 * found it past due_ms (0: not yet). */
typedef struct {
	uint8_t line_id[32];
	uint8_t author[32];
	uint64_t seq;
	uint8_t hash[32];
	int kind;
	int precedence;
	int flags;
	int own;
	uint64_t base_ms;
	uint64_t due_ms;
	uint64_t overdue_ms;
	int64_t rowid;           /* the row's own key, as read (writes use it: no scan) */
} hl_store_watch;

/* Inserts a row (an identical key again: nothing written). */
int hl_store_watch_put(hl_store *st, const hl_store_watch *w);
/* Finds the row of the entry with this hash on line_id and deletes it:
 * 0 with *out filled, or HL_ERR_NOTFOUND. */
int hl_store_watch_take(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
			hl_store_watch *out);
/* The row of the entry with this hash on line_id, left in place. */
int hl_store_watch_get(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
		       hl_store_watch *out);
/* Records that the row (w as a walk read it) was found overdue at overdue_ms. */
int hl_store_watch_set_overdue(hl_store *st, const hl_store_watch *w, uint64_t overdue_ms);
/* Calls cb for every row of line_id (due_ms <= due_max only, when
 * only_due; those not yet marked overdue), earliest due first. cb returning
 * non-zero stops the walk and is returned. Walks do not nest; cb must not
 * write to the watch rows (collect, then write). */
typedef int (*hl_store_watch_cb)(void *ctx, const hl_store_watch *w);
int hl_store_watch_walk(hl_store *st, const uint8_t line_id[32], int only_due, uint64_t due_max,
			hl_store_watch_cb cb, void *ctx);
/* The rows of line_id in the order they were written, from the first whose
 * rowid is above after_rowid, at most limit (>= 1): a walk in pages, each
 * one short, that resumes after the last rowid its cb saw. */
int hl_store_watch_page(hl_store *st, const uint8_t line_id[32], int64_t after_rowid,
			unsigned limit, hl_store_watch_cb cb, void *ctx);

/* ---- check-ins: one row per CHECKIN entry, ours or the peer's, kept ---- */
enum hl_checkin_state { HL_CHECKIN_WAITING = 0, HL_CHECKIN_ANSWERED = 1, HL_CHECKIN_MISSED = 2 };

typedef struct {
	uint8_t line_id[32];
	uint8_t author[32];
	uint64_t seq;
	int own;
	uint64_t base_ms;        /* written (ours) or stored (theirs), our clock */
	uint64_t due_ms;
	int state;               /* HL_CHECKIN_* */
	uint64_t ack_seq;        /* the answering ACK's seq (its author is the other party), 0 none */
	uint64_t ack_ms;         /* when the ACK was stored here, our clock */
	char ack_operator[65];   /* who answered ("" none) */
	int receipted_by_due;    /* ours, missed: the peer's receipt covered it by the deadline */
} hl_store_checkin;

int hl_store_checkin_put(hl_store *st, const hl_store_checkin *c);
/* The answer: state answered unless it was already missed (a late answer
 * keeps the miss on record); the ACK's seq, time and operator. */
int hl_store_checkin_answer(hl_store *st, const uint8_t line_id[32], const uint8_t author[32],
			    uint64_t seq, uint64_t ack_seq, uint64_t ack_ms, const char *op);
/* Its deadline passed unanswered; receipted: (ours) the peer's signed
 * receipt covered it then — the line worked, the people did not. */
int hl_store_checkin_missed(hl_store *st, const uint8_t line_id[32], const uint8_t author[32],
			    uint64_t seq, int receipted);
/* Rows of line_id with since_ms <= base_ms < until_ms, oldest first. */
typedef int (*hl_store_checkin_cb)(void *ctx, const hl_store_checkin *c);
int hl_store_checkin_walk(hl_store *st, const uint8_t line_id[32], uint64_t since_ms,
			  uint64_t until_ms, hl_store_checkin_cb cb, void *ctx);

#endif
