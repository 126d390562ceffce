/* store.h — the station's durable record behind one interface, so that a
 * second backend (PostgreSQL for an active/standby pair) fits without touching
 * protocol code. The SQLite backend (store_sqlite.c) is the only one today.
 * Entries are stored as their canonical encoding, keyed by (line, author, seq). */
#ifndef HL_STORE_H
#define HL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct hl_store hl_store;

/* Opens or creates the database (WAL, synchronous=FULL, schema versioned).
 * err gets a human message on failure. */
int hl_store_open(const char *path, hl_store **out, char *err, size_t errlen);
void hl_store_close(hl_store *st);
/* The daemon's store: WAL checkpoints move to a thread with its own
 * connection to path (the same file), so commits never wait for them.
 * Call before any sandbox. hl_store_checkpoints counts those done on the
 * thread and those the writer had to do itself (the thread fell behind). */
int hl_store_background_checkpoints(hl_store *st, const char *path);
int hl_store_checkpoints(hl_store *st, uint64_t *background, uint64_t *inline_done);

/* Group commit: the daemon opens one transaction per loop turn. Writes
 * outside begin/commit are committed individually. */
int hl_store_begin(hl_store *st);
int hl_store_commit(hl_store *st);   /* durable (fsync) when it returns 0 */
int hl_store_rollback(hl_store *st);
int hl_store_in_tx(const hl_store *st);
/* 1 when the open transaction is lost: SQLite rolled it back on its own
 * (a full disk, an I/O error) or an error said it may have. It stays open
 * in name until commit (which then fails) or rollback, and every write in
 * between fails: none may autocommit behind the lost ones. */
int hl_store_tx_failed(hl_store *st);
/* Gives the open transaction up as lost, as a failed write would: a part
 * of it could not be written whole (why says what, for hl_store_errmsg),
 * so none of it may commit. Nothing without an open transaction. */
void hl_store_tx_abandon(hl_store *st, const char *why);
/* The backend's words for its last error ("database or disk is full"). */
const char *hl_store_errmsg(hl_store *st);

/* Summary columns are copies of fields of the encoding, kept for listing. */
typedef struct {
	const uint8_t *line_id;   /* 32 */
	const uint8_t *author;    /* 32 */
	uint64_t seq;
	const uint8_t *hash;      /* 32 */
	uint8_t kind;
	uint8_t precedence;
	uint16_t flags;
	uint64_t time_ms;         /* author's clock */
	uint64_t stored_ms;       /* our clock when stored */
	const uint8_t *enc;
	size_t enc_len;
} hl_store_entry;

/* HL_ERR_EQUIVOCATION if (line, author, seq) exists with a different hash
 * (nothing written); 0 if identical (nothing written) or inserted. */
int hl_store_put_entry(hl_store *st, const hl_store_entry *e);
/* Copies the encoding into out (reset first). HL_ERR_NOTFOUND if absent. */
int hl_store_get_entry(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		       uint64_t seq, hl_buf *out);
int hl_store_hash_at(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		     uint64_t seq, uint8_t hash[32]);
/* Newest seq and hash of an author on a line; seq 0 and zero hash if none. */
int hl_store_head(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		  uint64_t *seq, uint8_t hash[32]);
/* Finds an entry by hash. A scan of the entries since schema 3 (no index on
 * hash, see store_sqlite.c): for an operator's occasional look-up, not a
 * hot path. */
int hl_store_find_hash(hl_store *st, const uint8_t hash[32], uint8_t line_id[32],
		       uint8_t author[32], uint64_t *seq);
/* Finds the one entry whose hash, in hex, starts with hexprefix (1..64 hex
 * digits, any case): 0, HL_ERR_NOTFOUND, or HL_ERR_STATE if more than one
 * does. A scan, like hl_store_find_hash. */
int hl_store_find_prefix(hl_store *st, const char *hexprefix, uint8_t line_id[32],
			 uint8_t author[32], uint64_t *seq, uint8_t hash[32]);
/* The same scan in pieces, so that it never holds the loop: looks at the
 * entries whose rowid is in (*after_rowid, *after_rowid + rows] (start at
 * 0) and moves *after_rowid on; each match adds one to *found, the first
 * one's line, author, seq and hash copied out. 1 once every entry has been
 * looked at, 0 if some remain, < 0 on error. */
int hl_store_find_prefix_page(hl_store *st, const char *hexprefix, int64_t *after_rowid,
			      unsigned rows, unsigned *found, uint8_t line_id[32], uint8_t author[32],
			      uint64_t *seq, uint8_t hash[32]);

/* Calls cb for entries of (line, author) with seq >= from_seq in seq order,
 * at most limit (0 = no limit). cb returning non-zero stops the walk and is
 * returned. The entry's pointers are valid only during the call. */
typedef int (*hl_store_entry_cb)(void *ctx, const hl_store_entry *e);
int hl_store_walk(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		  uint64_t from_seq, uint64_t limit, hl_store_entry_cb cb, void *ctx);

/* Newest receipt signed by receiver on line (what they stored of the other
 * side). Kept only if seq is higher than the stored one. */
int hl_store_put_receipt(hl_store *st, const uint8_t *line_id, const uint8_t *receiver,
			 uint64_t seq, const uint8_t *enc, size_t len);
/* seq 0 and empty out if none. */
int hl_store_get_receipt(hl_store *st, const uint8_t *line_id, const uint8_t *receiver,
			 uint64_t *seq, hl_buf *out);

/* Equivocation: keep the second signed entry beside the stored one, and the
 * line's stop state (reason text; empty = running). */
int hl_store_put_conflict(hl_store *st, const uint8_t *line_id, const uint8_t *author,
			  uint64_t seq, const uint8_t *enc, size_t len);
int hl_store_get_conflict(hl_store *st, const uint8_t *line_id, const uint8_t *author,
			  uint64_t *seq, hl_buf *out);
int hl_store_set_stopped(hl_store *st, const uint8_t *line_id, const char *reason);
/* Copies the reason into buf ("" if running). */
int hl_store_get_stopped(hl_store *st, const uint8_t *line_id, char *buf, size_t buflen);

/* Newest accepted handshake timestamp (TAI64N, 12 bytes) from a peer's
 * X25519 key; zeros if none. Persisted so a restart does not reopen replay. */
int hl_store_get_tai64n(hl_store *st, const uint8_t *peer_x, uint8_t ts[12]);
int hl_store_set_tai64n(hl_store *st, const uint8_t *peer_x, const uint8_t ts[12]);
/* The same for the newest message 1 accepted within the window around our
 * clock (schema 5), which a restart must not admit again. */
int hl_store_get_tai64n_window(hl_store *st, const uint8_t *peer_x, uint8_t ts[12]);
int hl_store_set_tai64n_window(hl_store *st, const uint8_t *peer_x, const uint8_t ts[12]);

/* Number of entries of (line, author). */
int hl_store_count(hl_store *st, const uint8_t *line_id, const uint8_t *author, uint64_t *n);

/* ---- Link events and alarms (schema version 2) ----
 * Events are the supervision record the availability report is computed
 * from; alarms are kept here so a restart still shows the open ones. */

#define HL_STORE_EVENT_TEXT_MAX 1024u  /* bytes of an event's or alarm's text */

typedef struct {
	const uint8_t *line_id;   /* 32, or NULL for a station event (start, stop) */
	uint64_t time_ms;         /* our wall clock, Unix ms */
	int kind;                 /* 1..63 (events.h HL_EV_*) */
	int path;                 /* -1 = the whole line */
	double value;             /* finite */
	const char *text;         /* NULL or at most HL_STORE_EVENT_TEXT_MAX bytes */
	int64_t id;               /* its row, as read by hl_store_events_page (put ignores it) */
} hl_store_event;

int hl_store_put_event(hl_store *st, const hl_store_event *ev);

/* Calls cb for the events of line_id and the station events (line NULL)
 * with since_ms <= time < until_ms, in time order (ties: recording order),
 * only those whose kind bit (1ull << kind) is set in kinds (0 = all).
 * cb returning non-zero stops the walk and is returned. Pointers in ev are
 * valid only during the call. Walks do not nest. */
typedef int (*hl_store_event_cb)(void *ctx, const hl_store_event *ev);
int hl_store_walk_events(hl_store *st, const uint8_t *line_id, uint64_t since_ms,
			 uint64_t until_ms, uint64_t kinds, hl_store_event_cb cb, void *ctx);
/* The same events a page at a time: reads at most limit (>= 1) of them
 * after the position (*after_ms, *after_id) in (time, recording) order and
 * before until_ms, calls cb for those of kinds (0 = all), and moves the
 * position to the last one read, of any kind. Each page is two index seeks
 * and a sort of at most 2 x limit rows, however long the history. Returns
 * the number read (< limit: none left) or a negative error; cb's non-zero
 * return stops the page and is returned. Start at (since_ms, 0). */
int hl_store_events_page(hl_store *st, const uint8_t *line_id, uint64_t until_ms,
			 uint64_t kinds, uint64_t *after_ms, int64_t *after_id, unsigned limit,
			 hl_store_event_cb cb, void *ctx);

/* The newest time_ms among the events of line_id and the station's: the
 * latest our clock has read, as far as the record knows (0 if none). */
int hl_store_events_newest(hl_store *st, const uint8_t *line_id, uint64_t *ms);

/* An alarm row; at most one open per (line, kind, path). */
typedef struct {
	const uint8_t *line_id;   /* 32 (all zero for a station alarm) */
	int kind;                 /* 1..63 (alarm.h HL_ALARM_*) */
	int path;                 /* -1 = the whole line */
	uint64_t since_ms;
	const char *text;         /* at most HL_STORE_EVENT_TEXT_MAX bytes */
} hl_store_alarm;

/* Records a as open: 1, or 0 if it was already open (nothing written). */
int hl_store_alarm_open(hl_store *st, const hl_store_alarm *a);
/* Marks the open alarm (line, kind, path) cleared at cleared_ms: 1, or 0
 * when none was open. The cleared row stays as history. */
int hl_store_alarm_clear(hl_store *st, const uint8_t *line_id, int kind, int path,
			 uint64_t cleared_ms);
/* Every open alarm of every line, oldest first; cb as for the walks. */
typedef int (*hl_store_alarm_cb)(void *ctx, const hl_store_alarm *a);
int hl_store_alarm_walk_open(hl_store *st, hl_store_alarm_cb cb, void *ctx);

#endif
