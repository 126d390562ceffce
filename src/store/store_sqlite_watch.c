/* store_sqlite_watch.c — the SQLite store's watch rows (schema 4): entries of
 * either party that wait for a human acknowledgement, with their deadlines,
 * and the lasting record of check-ins and their answers. */
#include "store_sqlite_int.h"
#include "store_watch.h"
#include "util/err.h"

#include <string.h>

/* One row per entry that needs an ACK; the row goes when the ACK is stored.
 * A rowid table without an index: every message of either side adds a row,
 * and a keyed or indexed insert cost a fifth of the line's throughput
 * (docs/PERFORMANCE.md). Look-ups (an ACK's entry, a deadline passing)
 * scan the line's waiting rows: few where operators answer, and an ACK's
 * scan is bounded by the peer's entry quota. */
const char hl_sq_watch_sql[] =
	"CREATE TABLE IF NOT EXISTS watch("
	" line BLOB NOT NULL CHECK(typeof(line)='blob' AND length(line)=32),"
	" author BLOB NOT NULL CHECK(typeof(author)='blob' AND length(author)=32),"
	" seq INTEGER NOT NULL CHECK(typeof(seq)='integer' AND seq>=1),"
	" hash BLOB NOT NULL CHECK(typeof(hash)='blob' AND length(hash)=32),"
	" kind INTEGER NOT NULL CHECK(kind BETWEEN 0 AND 255),"
	" precedence INTEGER NOT NULL CHECK(precedence BETWEEN 0 AND 255),"
	" flags INTEGER NOT NULL CHECK(flags BETWEEN 0 AND 65535),"
	" own INTEGER NOT NULL CHECK(own IN (0, 1)),"
	" base_ms INTEGER NOT NULL CHECK(typeof(base_ms)='integer' AND base_ms>=0),"
	" due_ms INTEGER NOT NULL CHECK(typeof(due_ms)='integer' AND due_ms>=0),"
	" overdue_ms INTEGER NOT NULL DEFAULT 0 CHECK(typeof(overdue_ms)='integer' AND overdue_ms>=0));"
	/* Check-ins stay: the record of who answered which, or that nobody did. */
	"CREATE TABLE IF NOT EXISTS checkins("
	" line BLOB NOT NULL CHECK(typeof(line)='blob' AND length(line)=32),"
	" author BLOB NOT NULL CHECK(typeof(author)='blob' AND length(author)=32),"
	" seq INTEGER NOT NULL CHECK(typeof(seq)='integer' AND seq>=1),"
	" own INTEGER NOT NULL CHECK(own IN (0, 1)),"
	" base_ms INTEGER NOT NULL CHECK(typeof(base_ms)='integer' AND base_ms>=0),"
	" due_ms INTEGER NOT NULL CHECK(typeof(due_ms)='integer' AND due_ms>=0),"
	" state INTEGER NOT NULL CHECK(state IN (0, 1, 2)),"
	" ack_seq INTEGER NOT NULL DEFAULT 0 CHECK(typeof(ack_seq)='integer' AND ack_seq>=0),"
	" ack_ms INTEGER NOT NULL DEFAULT 0 CHECK(typeof(ack_ms)='integer' AND ack_ms>=0),"
	" ack_operator TEXT NOT NULL DEFAULT '' CHECK(typeof(ack_operator)='text' AND length(ack_operator)<=64),"
	" receipted_by_due INTEGER NOT NULL DEFAULT 0 CHECK(receipted_by_due IN (0, 1)),"
	" PRIMARY KEY(line, author, seq)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS checkins_time ON checkins(line, base_ms);";

enum {
	S_PUT = HL_SQ_SLOT_WATCH, S_GET, S_DEL, S_OVERDUE, S_WALK, S_WALK_DUE, S_PAGE,
	S_CI_PUT, S_CI_ANSWER, S_CI_MISSED, S_CI_WALK,
};

#define WATCH_COLS "line, author, seq, hash, kind, precedence, flags, own, base_ms, due_ms, overdue_ms"
#define WATCH_SEL WATCH_COLS ", rowid"

static int ms_ok(uint64_t v)
{
	return v <= (uint64_t)INT64_MAX;
}

static int b32(sqlite3_stmt *s, int i, const uint8_t *p)
{
	return sqlite3_bind_blob(s, i, p, 32, SQLITE_STATIC) == SQLITE_OK ? 0 : HL_ERR_STORE;
}

static int i64(sqlite3_stmt *s, int i, uint64_t v)
{
	return sqlite3_bind_int64(s, i, (sqlite3_int64)v) == SQLITE_OK ? 0 : HL_ERR_STORE;
}

static int col_u64(sqlite3_stmt *s, int i, uint64_t *out)
{
	sqlite3_int64 v = sqlite3_column_int64(s, i);

	if (v < 0)
		return HL_ERR_STORE;
	*out = (uint64_t)v;
	return 0;
}

int hl_store_watch_put(hl_store *st, const hl_store_watch *w)
{
	sqlite3_stmt *s;

	if (!st || !w || w->seq < 1 || !ms_ok(w->seq) || !ms_ok(w->base_ms) || !ms_ok(w->due_ms) ||
	    w->kind < 0 || w->kind > 255 || w->precedence < 0 || w->precedence > 255 ||
	    w->flags < 0 || w->flags > 65535)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, S_PUT, "INSERT INTO watch(" WATCH_COLS ")"
		       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)");
	if (!s)
		return HL_ERR_STORE;
	if (b32(s, 1, w->line_id) < 0 || b32(s, 2, w->author) < 0 || i64(s, 3, w->seq) < 0 ||
	    b32(s, 4, w->hash) < 0 || i64(s, 5, (uint64_t)w->kind) < 0 ||
	    i64(s, 6, (uint64_t)w->precedence) < 0 || i64(s, 7, (uint64_t)w->flags) < 0 ||
	    i64(s, 8, w->own ? 1 : 0) < 0 || i64(s, 9, w->base_ms) < 0 || i64(s, 10, w->due_ms) < 0) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

static int watch_row(sqlite3_stmt *s, hl_store_watch *w)
{
	uint64_t kind, prec, flags, own;

	memset(w, 0, sizeof *w);
	if (hl_sq_col32(s, 0, w->line_id) < 0 || hl_sq_col32(s, 1, w->author) < 0 || col_u64(s, 2, &w->seq) < 0 ||
	    hl_sq_col32(s, 3, w->hash) < 0 || col_u64(s, 4, &kind) < 0 || col_u64(s, 5, &prec) < 0 ||
	    col_u64(s, 6, &flags) < 0 || col_u64(s, 7, &own) < 0 || col_u64(s, 8, &w->base_ms) < 0 ||
	    col_u64(s, 9, &w->due_ms) < 0 || col_u64(s, 10, &w->overdue_ms) < 0 ||
	    (w->rowid = sqlite3_column_int64(s, 11)) < 1 ||
	    kind > 255 || prec > 255 || flags > 65535 || own > 1)
		return HL_ERR_STORE;
	w->kind = (int)kind;
	w->precedence = (int)prec;
	w->flags = (int)flags;
	w->own = (int)own;
	return 0;
}

int hl_store_watch_get(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
		       hl_store_watch *out)
{
	sqlite3_stmt *s;
	int rc, src;

	if (out)
		memset(out, 0, sizeof *out);
	if (!st || !line_id || !hash || !out)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, S_GET, "SELECT " WATCH_SEL " FROM watch WHERE hash=?1 AND line=?2");
	if (!s)
		return HL_ERR_STORE;
	if (b32(s, 1, hash) < 0 || b32(s, 2, line_id) < 0) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		rc = watch_row(s, out);
	else
		rc = src == SQLITE_DONE ? HL_ERR_NOTFOUND : HL_ERR_STORE;
	hl_sq_done(s);
	if (rc < 0)
		memset(out, 0, sizeof *out);
	return rc;
}

int hl_store_watch_take(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
			hl_store_watch *out)
{
	sqlite3_stmt *s;
	int rc = hl_store_watch_get(st, line_id, hash, out);

	if (rc < 0)
		return rc;
	s = hl_sq_lazy(st, S_DEL, "DELETE FROM watch WHERE rowid=?1");
	if (!s || sqlite3_bind_int64(s, 1, out->rowid) != SQLITE_OK) {
		if (s)
			hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_watch_set_overdue(hl_store *st, const hl_store_watch *w, uint64_t overdue_ms)
{
	sqlite3_stmt *s;

	if (!st || !w || w->rowid < 1 || !ms_ok(overdue_ms))
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, S_OVERDUE, "UPDATE watch SET overdue_ms=?2 WHERE rowid=?1");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, w->rowid) != SQLITE_OK || i64(s, 2, overdue_ms) < 0) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

/* Hands each row of s to cb; resets s. */
static int rows_loop(sqlite3_stmt *s, hl_store_watch_cb cb, void *ctx)
{
	int rc = 0;
	for (;;) {
		hl_store_watch w;
		int src = sqlite3_step(s);
		if (src == SQLITE_DONE)
			break;
		if (src != SQLITE_ROW || watch_row(s, &w) < 0) {
			rc = HL_ERR_STORE;
			break;
		}
		rc = cb(ctx, &w);
		if (rc != 0)
			break;
	}
	hl_sq_done(s);
	return rc;
}

int hl_store_watch_walk(hl_store *st, const uint8_t line_id[32], int only_due, uint64_t due_max,
			hl_store_watch_cb cb, void *ctx)
{
	sqlite3_stmt *s;

	if (!st || !line_id || !cb)
		return HL_ERR_INVAL;
	if (due_max > (uint64_t)INT64_MAX)
		due_max = (uint64_t)INT64_MAX;
	if (only_due)
		s = hl_sq_lazy(st, S_WALK_DUE, "SELECT " WATCH_SEL " FROM watch WHERE line=?1"
			       " AND overdue_ms=0 AND due_ms<=?2 ORDER BY due_ms, author, seq");
	else
		s = hl_sq_lazy(st, S_WALK, "SELECT " WATCH_SEL " FROM watch WHERE line=?1"
			       " ORDER BY due_ms, author, seq");
	if (!s)
		return HL_ERR_STORE;
	if (b32(s, 1, line_id) < 0 || (only_due && i64(s, 2, due_max) < 0)) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return rows_loop(s, cb, ctx);
}

int hl_store_watch_page(hl_store *st, const uint8_t line_id[32], int64_t after_rowid,
			unsigned limit, hl_store_watch_cb cb, void *ctx)
{
	sqlite3_stmt *s;

	if (!st || !line_id || !cb || limit == 0)
		return HL_ERR_INVAL;
	/* The rowid order is the table's own: each page starts with a seek. */
	s = hl_sq_lazy(st, S_PAGE, "SELECT " WATCH_SEL " FROM watch WHERE rowid>?1 AND line=?2"
		       " ORDER BY rowid LIMIT ?3");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, after_rowid) != SQLITE_OK || b32(s, 2, line_id) < 0 ||
	    sqlite3_bind_int64(s, 3, limit) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return rows_loop(s, cb, ctx);
}

int hl_store_checkin_put(hl_store *st, const hl_store_checkin *c)
{
	sqlite3_stmt *s;

	if (!st || !c || c->seq < 1 || !ms_ok(c->seq) || !ms_ok(c->base_ms) || !ms_ok(c->due_ms) ||
	    c->state < 0 || c->state > 2)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, S_CI_PUT, "INSERT OR IGNORE INTO checkins(line, author, seq, own, base_ms,"
		       " due_ms, state) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!s)
		return HL_ERR_STORE;
	if (b32(s, 1, c->line_id) < 0 || b32(s, 2, c->author) < 0 || i64(s, 3, c->seq) < 0 ||
	    i64(s, 4, c->own ? 1 : 0) < 0 || i64(s, 5, c->base_ms) < 0 || i64(s, 6, c->due_ms) < 0 ||
	    i64(s, 7, (uint64_t)c->state) < 0) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_checkin_answer(hl_store *st, const uint8_t line_id[32], const uint8_t author[32],
			    uint64_t seq, uint64_t ack_seq, uint64_t ack_ms, const char *op)
{
	sqlite3_stmt *s;
	size_t n = op ? strlen(op) : 0;

	if (!st || !line_id || !author || !ms_ok(seq) || !ms_ok(ack_seq) || !ms_ok(ack_ms) || n > 64)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, S_CI_ANSWER, "UPDATE checkins SET state=CASE state WHEN 2 THEN 2 ELSE 1 END,"
		       " ack_seq=?4, ack_ms=?5, ack_operator=?6 WHERE line=?1 AND author=?2 AND seq=?3");
	if (!s)
		return HL_ERR_STORE;
	if (b32(s, 1, line_id) < 0 || b32(s, 2, author) < 0 || i64(s, 3, seq) < 0 ||
	    i64(s, 4, ack_seq) < 0 || i64(s, 5, ack_ms) < 0 ||
	    sqlite3_bind_text(s, 6, op ? op : "", (int)n, SQLITE_STATIC) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_checkin_missed(hl_store *st, const uint8_t line_id[32], const uint8_t author[32],
			    uint64_t seq, int receipted)
{
	sqlite3_stmt *s;

	if (!st || !line_id || !author || !ms_ok(seq))
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, S_CI_MISSED, "UPDATE checkins SET state=2, receipted_by_due=?4 WHERE"
		       " line=?1 AND author=?2 AND seq=?3 AND state=0");
	if (!s)
		return HL_ERR_STORE;
	if (b32(s, 1, line_id) < 0 || b32(s, 2, author) < 0 || i64(s, 3, seq) < 0 ||
	    i64(s, 4, receipted ? 1 : 0) < 0) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_checkin_walk(hl_store *st, const uint8_t line_id[32], uint64_t since_ms,
			  uint64_t until_ms, hl_store_checkin_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (!st || !line_id || !cb)
		return HL_ERR_INVAL;
	if (since_ms > (uint64_t)INT64_MAX)
		return 0;
	if (until_ms > (uint64_t)INT64_MAX)
		until_ms = (uint64_t)INT64_MAX;
	s = hl_sq_lazy(st, S_CI_WALK, "SELECT line, author, seq, own, base_ms, due_ms, state, ack_seq,"
		       " ack_ms, ack_operator, receipted_by_due FROM checkins WHERE line=?1 AND base_ms>=?2 AND base_ms<?3"
		       " ORDER BY base_ms, own DESC, seq");
	if (!s)
		return HL_ERR_STORE;
	if (b32(s, 1, line_id) < 0 || i64(s, 2, since_ms) < 0 || i64(s, 3, until_ms) < 0) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	for (;;) {
		hl_store_checkin c;
		uint64_t own, state, rcpt;
		const unsigned char *op;
		int src = sqlite3_step(s);
		if (src == SQLITE_DONE)
			break;
		memset(&c, 0, sizeof c);
		op = src == SQLITE_ROW ? sqlite3_column_text(s, 9) : NULL;
		if (src != SQLITE_ROW || hl_sq_col32(s, 0, c.line_id) < 0 || hl_sq_col32(s, 1, c.author) < 0 ||
		    col_u64(s, 2, &c.seq) < 0 || col_u64(s, 3, &own) < 0 || col_u64(s, 4, &c.base_ms) < 0 ||
		    col_u64(s, 5, &c.due_ms) < 0 || col_u64(s, 6, &state) < 0 ||
		    col_u64(s, 7, &c.ack_seq) < 0 || col_u64(s, 8, &c.ack_ms) < 0 ||
		    col_u64(s, 10, &rcpt) < 0 || rcpt > 1 || own > 1 ||
		    state > 2 || !op || strlen((const char *)op) >= sizeof c.ack_operator) {
			rc = HL_ERR_STORE;
			break;
		}
		c.own = (int)own;
		c.state = (int)state;
		c.receipted_by_due = (int)rcpt;
		memcpy(c.ack_operator, op, strlen((const char *)op) + 1);
		rc = cb(ctx, &c);
		if (rc != 0)
			break;
	}
	hl_sq_done(s);
	return rc;
}
