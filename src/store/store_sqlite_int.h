/* store_sqlite_int.h — private to the SQLite backend (store_sqlite*.c): the
 * store's layout, its statement ids and the shared plumbing. */
#ifndef HL_STORE_SQLITE_INT_H
#define HL_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store.h"

enum hl_sq_stmt_id {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_ENTRY_INSERT, ST_ENTRY_HASH, ST_ENTRY_GET, ST_HEAD, ST_FIND_HASH, ST_FIND_PREFIX, ST_WALK, ST_COUNT,
	ST_RECEIPT_PUT, ST_RECEIPT_GET, ST_CONFLICT_PUT, ST_CONFLICT_GET,
	ST_STOPPED_SET, ST_STOPPED_GET, ST_TAI_SET, ST_TAI_GET, ST_TAIWIN_SET, ST_TAIWIN_GET,
	ST_EVENT_PUT, ST_EVENT_WALK, ST_EVENT_NEWEST, ST_ALARM_OPEN, ST_ALARM_CLEAR, ST_ALARM_WALK,
	ST__COUNT
};

typedef struct hl_store_ckpt hl_store_ckpt;

/* Statements of the modules added with schema 4, prepared on first use and
 * kept until close; each module owns a range of slots. */
#define HL_SQ_LAZY_MAX    72
#define HL_SQ_SLOT_WATCH  0   /* 0..15  store_sqlite_watch.c */
#define HL_SQ_SLOT_BLOBS  16  /* 16..31 store_sqlite_blobs.c */
#define HL_SQ_SLOT_NOTES  32  /* 32..47 store_sqlite_notes.c */
#define HL_SQ_SLOT_OUTBOX 48  /* 48..55 store_sqlite_outbox.c */
#define HL_SQ_SLOT_EVENTS 56  /* 56..63 store_sqlite_events.c */
#define HL_SQ_SLOT_ROWS   64  /* 64..71 store_sqlite_rows.c */

/* Each module's tables (schema 4, the outbox 5): CREATE ... IF NOT EXISTS. */
extern const char hl_sq_watch_sql[];
extern const char hl_sq_blobs_sql[];
extern const char hl_sq_notes_sql[];
extern const char hl_sq_outbox_sql[];

struct hl_store {
	sqlite3 *db;
	hl_store_ckpt *ckpt; /* background checkpoints (store_checkpoint.c), or NULL */
	sqlite3_stmt *stmt[ST__COUNT];
	sqlite3_stmt *lazy[HL_SQ_LAZY_MAX];
	int in_tx;
	int tx_failed;  /* the open transaction is lost: writes refused until its end */
	char abandoned[200]; /* why a caller gave it up (hl_store_tx_abandon), "" none */
	int walking;    /* ST_WALK is live across callbacks */
	int ev_walking; /* ST_EVENT_WALK or ST_ALARM_WALK is */
};

/* Ends background checkpoints (joins the thread); before the main connection closes. */
void hl_store_ckpt_stop(hl_store *st);
/* Resets s and clears its bindings; every use of a statement ends here. */
void hl_sq_done(sqlite3_stmt *s);
/* The statement in slot, prepared now if it is the first use; NULL if it
 * does not prepare (hl_store_errmsg says why). */
sqlite3_stmt *hl_sq_lazy(hl_store *st, int slot, const char *sql);
/* Copies a 32-byte blob column (a key or hash) into out; HL_ERR_STORE for
 * any other size: the file was tampered with. */
int hl_sq_col32(sqlite3_stmt *s, int i, uint8_t out[32]);
/* Steps a write that returns no rows, then hl_sq_done: 0 or HL_ERR_STORE.
 * Every write of the backend goes through it: inside a transaction that
 * is lost (hl_store_tx_failed) it refuses without touching the file. */
int hl_sq_run(hl_store *st, sqlite3_stmt *s);

#endif
