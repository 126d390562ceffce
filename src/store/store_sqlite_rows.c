/* store_sqlite_rows.c — the row operations of the SQLite store: entries and walks,
 * receipts, conflicts, stopped lines, handshake timestamps and counts. */
#include "store_sqlite_int.h"
#include "util/err.h"
#include "util/limits.h"

#include <string.h>

/* Stop reasons are our own short texts; bound them anyway. */
#define STOP_REASON_MAX  1024u
#define RECEIPT_MAX      HL_MAX_ENTRY

static int seq_ok(uint64_t seq)
{
	return seq >= 1 && seq <= (uint64_t)INT64_MAX;
}

static int bind_key(sqlite3_stmt *s, int i, const uint8_t *k)
{
	return sqlite3_bind_blob(s, i, k, 32, SQLITE_STATIC);
}

/* Binds a as ?1, b (if given) as ?2, and seq (if given) as ?3. */
static int bind_lk(sqlite3_stmt *s, const uint8_t *a, const uint8_t *b, const uint64_t *seq)
{
	if (bind_key(s, 1, a) != SQLITE_OK || (b && bind_key(s, 2, b) != SQLITE_OK))
		return HL_ERR_STORE;
	if (seq && sqlite3_bind_int64(s, 3, (sqlite3_int64)*seq) != SQLITE_OK)
		return HL_ERR_STORE;
	return 0;
}

/* 1 for a row, 0 for no (more) rows, HL_ERR_STORE on failure. */
static int step_row(sqlite3_stmt *s)
{
	int src = sqlite3_step(s);

	return src == SQLITE_ROW ? 1 : src == SQLITE_DONE ? 0 : HL_ERR_STORE;
}

/* Binds and steps: 1 for a row, else HL_ERR_NOTFOUND or HL_ERR_STORE. */
static int lookup(sqlite3_stmt *s, const uint8_t *a, const uint8_t *b, const uint64_t *seq)
{
	int rc = bind_lk(s, a, b, seq);

	if (rc == 0)
		rc = step_row(s);
	return rc == 0 ? HL_ERR_NOTFOUND : rc;
}

static int col_seq(sqlite3_stmt *s, int i, uint64_t *out)
{
	sqlite3_int64 v = sqlite3_column_int64(s, i);

	if (v < 1)
		return HL_ERR_STORE;
	*out = (uint64_t)v;
	return 0;
}

static int col_buf(sqlite3_stmt *s, int i, hl_buf *out)
{
	const void *p = sqlite3_column_blob(s, i);
	int n = sqlite3_column_bytes(s, i);

	if (!p || n <= 0)
		return HL_ERR_STORE;
	return hl_buf_put(out, p, (size_t)n);
}

static int entry_ok(const hl_store_entry *e)
{
	return e && e->line_id && e->author && e->hash && e->enc && seq_ok(e->seq) &&
	       e->enc_len > 0 && e->enc_len <= HL_MAX_ENTRY &&
	       e->time_ms <= (uint64_t)INT64_MAX && e->stored_ms <= (uint64_t)INT64_MAX;
}

int hl_store_put_entry(hl_store *st, const hl_store_entry *e)
{
	sqlite3_stmt *s;
	uint8_t have[32];
	int rc;

	if (!st || !entry_ok(e))
		return HL_ERR_INVAL;
	s = st->stmt[ST_ENTRY_INSERT];
	if (bind_lk(s, e->line_id, e->author, &e->seq) < 0 ||
	    sqlite3_bind_blob(s, 4, e->hash, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 5, e->kind) != SQLITE_OK ||
	    sqlite3_bind_int(s, 6, e->precedence) != SQLITE_OK ||
	    sqlite3_bind_int(s, 7, e->flags) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 8, (sqlite3_int64)e->time_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 9, (sqlite3_int64)e->stored_ms) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 10, e->enc, (int)e->enc_len, SQLITE_STATIC) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	if (hl_sq_run(st, s) < 0)
		return HL_ERR_STORE;
	if (sqlite3_changes(st->db) == 1)
		return 0;
	/* The row was there already: a resend, or a second history. */
	rc = hl_store_hash_at(st, e->line_id, e->author, e->seq, have);
	if (rc < 0)
		return HL_ERR_STORE;
	return memcmp(have, e->hash, 32) == 0 ? 0 : HL_ERR_EQUIVOCATION;
}

int hl_store_get_entry(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		       uint64_t seq, hl_buf *out)
{
	sqlite3_stmt *s;
	int rc;

	if (out)
		hl_buf_reset(out);
	if (!st || !line_id || !author || !out || !seq_ok(seq))
		return HL_ERR_INVAL;
	s = st->stmt[ST_ENTRY_GET];
	rc = lookup(s, line_id, author, &seq);
	if (rc == 1)
		rc = col_buf(s, 0, out);
	hl_sq_done(s);
	if (rc < 0)
		hl_buf_reset(out);
	return rc;
}

int hl_store_hash_at(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		     uint64_t seq, uint8_t hash[32])
{
	sqlite3_stmt *s;
	int rc;

	if (hash)
		memset(hash, 0, 32);
	if (!st || !line_id || !author || !hash || !seq_ok(seq))
		return HL_ERR_INVAL;
	s = st->stmt[ST_ENTRY_HASH];
	rc = lookup(s, line_id, author, &seq);
	if (rc == 1)
		rc = hl_sq_col32(s, 0, hash);
	hl_sq_done(s);
	return rc;
}

int hl_store_head(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		  uint64_t *seq, uint8_t hash[32])
{
	sqlite3_stmt *s;
	uint64_t q = 0;
	uint8_t h[32];
	int rc;

	if (seq)
		*seq = 0;
	if (hash)
		memset(hash, 0, 32);
	if (!st || !line_id || !author || !seq || !hash)
		return HL_ERR_INVAL;
	s = st->stmt[ST_HEAD];
	rc = lookup(s, line_id, author, NULL);
	if (rc == HL_ERR_NOTFOUND)
		rc = 0;
	else if (rc == 1 && (rc = col_seq(s, 0, &q)) == 0 && (rc = hl_sq_col32(s, 1, h)) == 0) {
		*seq = q;
		memcpy(hash, h, 32);
	}
	hl_sq_done(s);
	return rc;
}

int hl_store_find_hash(hl_store *st, const uint8_t hash[32], uint8_t line_id[32],
		       uint8_t author[32], uint64_t *seq)
{
	sqlite3_stmt *s;
	uint8_t l[32], a[32];
	uint64_t q = 0;
	int rc;

	if (line_id)
		memset(line_id, 0, 32);
	if (author)
		memset(author, 0, 32);
	if (seq)
		*seq = 0;
	if (!st || !hash || !line_id || !author || !seq)
		return HL_ERR_INVAL;
	s = st->stmt[ST_FIND_HASH];
	rc = lookup(s, hash, NULL, NULL);
	if (rc == 1 && (rc = hl_sq_col32(s, 0, l)) == 0 && (rc = hl_sq_col32(s, 1, a)) == 0 &&
	    (rc = col_seq(s, 2, &q)) == 0) {
		memcpy(line_id, l, 32);
		memcpy(author, a, 32);
		*seq = q;
	}
	hl_sq_done(s);
	return rc;
}

/* pat: the GLOB for an id prefix of 1..64 hex digits (upper case, then
 * '*'); its length without the NUL, or 0 if hexprefix is not one. Only hex
 * digits reach the pattern, so it has no other GLOB syntax. */
static size_t prefix_pattern(const char *hexprefix, char pat[66])
{
	size_t n = strnlen(hexprefix, 65);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = hexprefix[i];
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
			return 0;
		pat[i] = c;
	}
	pat[n] = '*';
	pat[n + 1] = '\0';
	return n + 1;
}

int hl_store_find_prefix(hl_store *st, const char *hexprefix, uint8_t line_id[32],
			 uint8_t author[32], uint64_t *seq, uint8_t hash[32])
{
	char pat[66];
	size_t n;
	sqlite3_stmt *s;
	int rc, src;

	if (line_id)
		memset(line_id, 0, 32);
	if (author)
		memset(author, 0, 32);
	if (seq)
		*seq = 0;
	if (hash)
		memset(hash, 0, 32);
	if (!st || !hexprefix || !line_id || !author || !seq || !hash)
		return HL_ERR_INVAL;
	n = prefix_pattern(hexprefix, pat);
	if (n == 0)
		return HL_ERR_INVAL;
	s = st->stmt[ST_FIND_PREFIX];
	if (sqlite3_bind_text(s, 1, pat, (int)n, SQLITE_TRANSIENT) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	src = sqlite3_step(s);
	if (src == SQLITE_DONE) {
		rc = HL_ERR_NOTFOUND;
	} else if (src != SQLITE_ROW) {
		rc = HL_ERR_STORE;
	} else if ((rc = hl_sq_col32(s, 0, line_id)) == 0 && (rc = hl_sq_col32(s, 1, author)) == 0 &&
		   (rc = col_seq(s, 2, seq)) == 0 && (rc = hl_sq_col32(s, 3, hash)) == 0) {
		src = sqlite3_step(s);
		if (src == SQLITE_ROW)
			rc = HL_ERR_STATE;
		else if (src != SQLITE_DONE)
			rc = HL_ERR_STORE;
	}
	hl_sq_done(s);
	if (rc < 0) {
		memset(line_id, 0, 32);
		memset(author, 0, 32);
		memset(hash, 0, 32);
		*seq = 0;
	}
	return rc;
}

int hl_store_find_prefix_page(hl_store *st, const char *hexprefix, int64_t *after_rowid,
			      unsigned rows, unsigned *found, uint8_t line_id[32], uint8_t author[32],
			      uint64_t *seq, uint8_t hash[32])
{
	char pat[66];
	size_t n;
	sqlite3_stmt *s, *m;
	sqlite3_int64 last = 0;
	int rc = 0, src;

	if (!st || !hexprefix || !after_rowid || !found || !line_id || !author || !seq || !hash ||
	    rows == 0 || rows > INT32_MAX || *after_rowid < 0)
		return HL_ERR_INVAL;
	if ((n = prefix_pattern(hexprefix, pat)) == 0)
		return HL_ERR_INVAL;
	m = hl_sq_lazy(st, HL_SQ_SLOT_ROWS, "SELECT max(rowid) FROM entries");
	s = hl_sq_lazy(st, HL_SQ_SLOT_ROWS + 1, "SELECT line, author, seq, hash FROM entries"
		       " WHERE rowid>?1 AND rowid<=?2 AND hex(hash) GLOB ?3");
	if (!m || !s)
		return HL_ERR_STORE;
	src = sqlite3_step(m);
	if (src == SQLITE_ROW)
		last = sqlite3_column_int64(m, 0);
	hl_sq_done(m);
	if (src != SQLITE_ROW)
		return HL_ERR_STORE;
	sqlite3_int64 to = *after_rowid > INT64_MAX - rows ? INT64_MAX : *after_rowid + rows;
	if (sqlite3_bind_int64(s, 1, *after_rowid) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, to) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, pat, (int)n, SQLITE_TRANSIENT) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	while (rc == 0 && (src = sqlite3_step(s)) == SQLITE_ROW) {
		if ((*found)++ > 0)
			continue;
		if ((rc = hl_sq_col32(s, 0, line_id)) == 0 && (rc = hl_sq_col32(s, 1, author)) == 0 &&
		    (rc = col_seq(s, 2, seq)) == 0)
			rc = hl_sq_col32(s, 3, hash);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = HL_ERR_STORE;
	hl_sq_done(s);
	if (rc < 0)
		return rc;
	*after_rowid = to;
	return to >= last;
}

/* Fills e from a ST_WALK row; range checks catch a tampered file. */
static int walk_row(sqlite3_stmt *s, hl_store_entry *e)
{
	sqlite3_int64 kind = sqlite3_column_int64(s, 2);
	sqlite3_int64 prec = sqlite3_column_int64(s, 3);
	sqlite3_int64 flags = sqlite3_column_int64(s, 4);
	sqlite3_int64 t = sqlite3_column_int64(s, 5);
	sqlite3_int64 stored = sqlite3_column_int64(s, 6);
	int n = sqlite3_column_bytes(s, 7);

	if (col_seq(s, 0, &e->seq) < 0)
		return HL_ERR_STORE;
	e->hash = sqlite3_column_blob(s, 1);
	e->enc = sqlite3_column_blob(s, 7);
	if (!e->hash || sqlite3_column_bytes(s, 1) != 32 || !e->enc || n <= 0 ||
	    kind < 0 || kind > UINT8_MAX || prec < 0 || prec > UINT8_MAX ||
	    flags < 0 || flags > UINT16_MAX || t < 0 || stored < 0)
		return HL_ERR_STORE;
	e->enc_len = (size_t)n;
	e->kind = (uint8_t)kind;
	e->precedence = (uint8_t)prec;
	e->flags = (uint16_t)flags;
	e->time_ms = (uint64_t)t;
	e->stored_ms = (uint64_t)stored;
	return 0;
}

int hl_store_walk(hl_store *st, const uint8_t *line_id, const uint8_t *author,
		  uint64_t from_seq, uint64_t limit, hl_store_entry_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	sqlite3_int64 lim;
	int rc;

	if (!st || !line_id || !author || !cb || from_seq > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	/* The walk statement stays live across callbacks: it cannot nest. */
	if (st->walking)
		return HL_ERR_STATE;
	lim = (limit == 0 || limit > (uint64_t)INT64_MAX) ? -1 : (sqlite3_int64)limit;
	s = st->stmt[ST_WALK];
	if (bind_lk(s, line_id, author, &from_seq) < 0 ||
	    sqlite3_bind_int64(s, 4, lim) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	st->walking = 1;
	while ((rc = step_row(s)) == 1) {
		hl_store_entry e = { .line_id = line_id, .author = author };

		rc = walk_row(s, &e);
		if (rc == 0)
			rc = cb(ctx, &e);
		if (rc != 0)
			break;
	}
	st->walking = 0;
	hl_sq_done(s);
	return rc;
}

/* Shared by receipts and conflicts: (line, key, seq, enc). */
static int put_seq_enc(hl_store *st, enum hl_sq_stmt_id id, const uint8_t *line_id,
		       const uint8_t *key, uint64_t seq, const uint8_t *enc, size_t len,
		       size_t max)
{
	sqlite3_stmt *s;

	if (!st || !line_id || !key || !enc || !seq_ok(seq) || len == 0 || len > max)
		return HL_ERR_INVAL;
	s = st->stmt[id];
	if (bind_lk(s, line_id, key, &seq) < 0 ||
	    sqlite3_bind_blob(s, 4, enc, (int)len, SQLITE_STATIC) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

/* One (seq, enc) row or HL_ERR_NOTFOUND; seq 0 and out empty unless found. */
static int get_seq_enc(hl_store *st, enum hl_sq_stmt_id id, const uint8_t *line_id,
		       const uint8_t *key, uint64_t *seq, hl_buf *out)
{
	sqlite3_stmt *s;
	uint64_t q = 0;
	int rc;

	if (seq)
		*seq = 0;
	if (out)
		hl_buf_reset(out);
	if (!st || !line_id || !key || !seq || !out)
		return HL_ERR_INVAL;
	s = st->stmt[id];
	rc = lookup(s, line_id, key, NULL);
	if (rc == 1 && (rc = col_seq(s, 0, &q)) == 0 && (rc = col_buf(s, 1, out)) == 0)
		*seq = q;
	hl_sq_done(s);
	if (rc < 0)
		hl_buf_reset(out);
	return rc;
}

int hl_store_put_receipt(hl_store *st, const uint8_t *line_id, const uint8_t *receiver,
			 uint64_t seq, const uint8_t *enc, size_t len)
{
	return put_seq_enc(st, ST_RECEIPT_PUT, line_id, receiver, seq, enc, len, RECEIPT_MAX);
}

int hl_store_get_receipt(hl_store *st, const uint8_t *line_id, const uint8_t *receiver,
			 uint64_t *seq, hl_buf *out)
{
	int rc = get_seq_enc(st, ST_RECEIPT_GET, line_id, receiver, seq, out);

	return rc == HL_ERR_NOTFOUND ? 0 : rc;
}

int hl_store_put_conflict(hl_store *st, const uint8_t *line_id, const uint8_t *author,
			  uint64_t seq, const uint8_t *enc, size_t len)
{
	return put_seq_enc(st, ST_CONFLICT_PUT, line_id, author, seq, enc, len, HL_MAX_ENTRY);
}

/* HL_ERR_NOTFOUND if the author never equivocated on the line; otherwise
 * the lowest-seq conflict, the first proof. */
int hl_store_get_conflict(hl_store *st, const uint8_t *line_id, const uint8_t *author,
			  uint64_t *seq, hl_buf *out)
{
	return get_seq_enc(st, ST_CONFLICT_GET, line_id, author, seq, out);
}

int hl_store_set_stopped(hl_store *st, const uint8_t *line_id, const char *reason)
{
	sqlite3_stmt *s;
	size_t n;

	if (!st || !line_id || !reason)
		return HL_ERR_INVAL;
	n = strlen(reason);
	if (n > STOP_REASON_MAX)
		return HL_ERR_TOOBIG;
	s = st->stmt[ST_STOPPED_SET];
	if (bind_key(s, 1, line_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, reason, (int)n, SQLITE_STATIC) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_get_stopped(hl_store *st, const uint8_t *line_id, char *buf, size_t buflen)
{
	sqlite3_stmt *s;
	const unsigned char *t;
	int rc, n;

	if (buf && buflen)
		buf[0] = '\0';
	if (!st || !line_id || !buf || buflen == 0)
		return HL_ERR_INVAL;
	s = st->stmt[ST_STOPPED_GET];
	rc = lookup(s, line_id, NULL, NULL);
	if (rc == HL_ERR_NOTFOUND) {
		rc = 0;
	} else if (rc == 1) {
		t = sqlite3_column_text(s, 0);
		n = sqlite3_column_bytes(s, 0);
		rc = 0;
		if (!t || n < 0)
			rc = HL_ERR_STORE;
		/* A truncated reason could read as a different one: refuse instead. */
		else if ((size_t)n >= buflen)
			rc = HL_ERR_TOOBIG;
		if (rc == 0) {
			memcpy(buf, t, (size_t)n);
			buf[n] = '\0';
		}
	}
	hl_sq_done(s);
	return rc;
}

static int get_tai(hl_store *st, int id, const uint8_t *peer_x, uint8_t ts[12])
{
	sqlite3_stmt *s;
	const void *p;
	int rc;

	if (ts)
		memset(ts, 0, 12);
	if (!st || !peer_x || !ts)
		return HL_ERR_INVAL;
	s = st->stmt[id];
	rc = lookup(s, peer_x, NULL, NULL);
	if (rc == HL_ERR_NOTFOUND) {
		rc = 0;
	} else if (rc == 1) {
		p = sqlite3_column_blob(s, 0);
		rc = HL_ERR_STORE;
		if (p && sqlite3_column_bytes(s, 0) == 12) {
			memcpy(ts, p, 12);
			rc = 0;
		}
	}
	hl_sq_done(s);
	return rc;
}

static int set_tai(hl_store *st, int id, const uint8_t *peer_x, const uint8_t ts[12])
{
	sqlite3_stmt *s;

	if (!st || !peer_x || !ts)
		return HL_ERR_INVAL;
	s = st->stmt[id];
	if (bind_key(s, 1, peer_x) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, ts, 12, SQLITE_STATIC) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_get_tai64n(hl_store *st, const uint8_t *peer_x, uint8_t ts[12])
{
	return get_tai(st, ST_TAI_GET, peer_x, ts);
}

int hl_store_set_tai64n(hl_store *st, const uint8_t *peer_x, const uint8_t ts[12])
{
	return set_tai(st, ST_TAI_SET, peer_x, ts);
}

int hl_store_get_tai64n_window(hl_store *st, const uint8_t *peer_x, uint8_t ts[12])
{
	return get_tai(st, ST_TAIWIN_GET, peer_x, ts);
}

int hl_store_set_tai64n_window(hl_store *st, const uint8_t *peer_x, const uint8_t ts[12])
{
	return set_tai(st, ST_TAIWIN_SET, peer_x, ts);
}

int hl_store_count(hl_store *st, const uint8_t *line_id, const uint8_t *author, uint64_t *n)
{
	sqlite3_stmt *s;
	sqlite3_int64 v;
	int rc = 0;

	if (n)
		*n = 0;
	if (!st || !line_id || !author || !n)
		return HL_ERR_INVAL;
	s = st->stmt[ST_COUNT];
	if (lookup(s, line_id, author, NULL) == 1 && (v = sqlite3_column_int64(s, 0)) >= 0)
		*n = (uint64_t)v;
	else
		rc = HL_ERR_STORE;
	hl_sq_done(s);
	return rc;
}
