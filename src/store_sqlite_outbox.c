/* store_sqlite_outbox.c — the SQLite store's outbox (schema 5): drafts of
 * entries queued while the line's record was unconfirmed, in queueing order. */
#include "store_outbox.h"
#include "store_sqlite_int.h"
#include "err.h"
#include "limits.h"

#include <string.h>

/* The limits as SQL literals (limits.h's carry a 'u' suffix SQL does not take). */
#define SQL_MAX_OPERATOR "64"
#define SQL_MAX_LANG     "35"
#define SQL_MAX_REFS     "16"
#define SQL_MAX_BODY     "61440"
_Static_assert(HL_MAX_OPERATOR == 64 && HL_MAX_LANG == 35 && HL_MAX_REFS == 16 &&
	       HL_MAX_BODY == 61440, "the outbox's CHECKs repeat limits.h");

/* AUTOINCREMENT: a draft's number names it to operators ("draft 7") and is
 * never given to another, even after it was signed and its row deleted. */
const char hl_sq_outbox_sql[] =
	"CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" line BLOB NOT NULL CHECK(typeof(line)='blob' AND length(line)=32),"
	" kind INTEGER NOT NULL CHECK(typeof(kind)='integer' AND kind BETWEEN 0 AND 255),"
	" precedence INTEGER NOT NULL CHECK(typeof(precedence)='integer' AND precedence BETWEEN 0 AND 255),"
	" flags INTEGER NOT NULL CHECK(typeof(flags)='integer' AND flags BETWEEN 0 AND 65535),"
	" operator TEXT NOT NULL CHECK(typeof(operator)='text' AND length(CAST(operator AS BLOB))<="
	SQL_MAX_OPERATOR "),"
	" lang TEXT NOT NULL CHECK(typeof(lang)='text' AND length(CAST(lang AS BLOB))<="
	SQL_MAX_LANG "),"
	" refs BLOB NOT NULL CHECK(typeof(refs)='blob' AND length(refs)%32=0 AND length(refs)<=32*"
	SQL_MAX_REFS "),"
	" body BLOB NOT NULL CHECK(typeof(body)='blob' AND length(body)<=" SQL_MAX_BODY "),"
	" queued_ms INTEGER NOT NULL CHECK(typeof(queued_ms)='integer' AND queued_ms>=0));"
	"CREATE INDEX IF NOT EXISTS outbox_line ON outbox(line, id);";

enum { SQ_PUT = HL_SQ_SLOT_OUTBOX, SQ_WALK, SQ_DELETE, SQ_COUNT };

#define COLS "id, line, kind, precedence, flags, operator, lang, refs, body, queued_ms"

/* A zero-length blob must bind as a blob, not as NULL (the CHECKs refuse NULL). */
static int bind_bytes(sqlite3_stmt *s, int i, const void *p, size_t n)
{
	static const uint8_t none;

	return sqlite3_bind_blob(s, i, n ? p : &none, (int)n, SQLITE_STATIC);
}

static int bind_text(sqlite3_stmt *s, int i, const char *t, size_t max)
{
	size_t n = strlen(t);

	return n > max ? SQLITE_TOOBIG : sqlite3_bind_text(s, i, t, (int)n, SQLITE_STATIC);
}

static int draft_ok(const hl_store_draft *d)
{
	return d && d->line_id && d->operator_name && d->lang && d->nrefs <= HL_MAX_REFS &&
	       (d->refs || !d->nrefs) && (d->body || !d->body_len) && d->body_len <= HL_MAX_BODY &&
	       d->queued_ms <= (uint64_t)INT64_MAX;
}

int hl_store_draft_put(hl_store *st, const hl_store_draft *d, int64_t *id)
{
	sqlite3_stmt *s;

	if (id)
		*id = 0;
	if (!st || !id || !draft_ok(d))
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, SQ_PUT, "INSERT INTO outbox(line, kind, precedence, flags, operator, lang,"
		       " refs, body, queued_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, d->line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 2, d->kind) != SQLITE_OK ||
	    sqlite3_bind_int(s, 3, d->precedence) != SQLITE_OK ||
	    sqlite3_bind_int(s, 4, d->flags) != SQLITE_OK ||
	    bind_text(s, 5, d->operator_name, HL_MAX_OPERATOR) != SQLITE_OK ||
	    bind_text(s, 6, d->lang, HL_MAX_LANG) != SQLITE_OK ||
	    bind_bytes(s, 7, d->refs, (size_t)d->nrefs * 32) != SQLITE_OK ||
	    bind_bytes(s, 8, d->body, d->body_len) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 9, (sqlite3_int64)d->queued_ms) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	if (hl_sq_run(st, s) < 0)
		return HL_ERR_STORE;
	*id = (int64_t)sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* The row s stands on as d; pointers into the statement. The CHECKs hold
 * for rows SQLite wrote, but a file edited by hand is read as hostile. */
static int row(sqlite3_stmt *s, hl_store_draft *d)
{
	sqlite3_int64 kind = sqlite3_column_int64(s, 2), prec = sqlite3_column_int64(s, 3);
	sqlite3_int64 flags = sqlite3_column_int64(s, 4), q = sqlite3_column_int64(s, 9);

	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(s, 0);
	/* Pointers first, then sizes: the order SQLite documents as safe. */
	d->line_id = sqlite3_column_blob(s, 1);
	d->operator_name = (const char *)sqlite3_column_text(s, 5);
	d->lang = (const char *)sqlite3_column_text(s, 6);
	d->refs = sqlite3_column_blob(s, 7);
	d->body = sqlite3_column_blob(s, 8);
	int nref = sqlite3_column_bytes(s, 7), nbody = sqlite3_column_bytes(s, 8);
	if (d->id < 1 || !d->line_id || sqlite3_column_bytes(s, 1) != 32 || !d->operator_name ||
	    !d->lang || kind < 0 || kind > 255 || prec < 0 || prec > 255 || flags < 0 ||
	    flags > 65535 || q < 0 || nref < 0 || nref % 32 || nref > 32 * (int)HL_MAX_REFS ||
	    nbody < 0 || nbody > (int)HL_MAX_BODY || (nref && !d->refs) || (nbody && !d->body) ||
	    strlen(d->operator_name) > HL_MAX_OPERATOR || strlen(d->lang) > HL_MAX_LANG)
		return HL_ERR_STORE;
	d->kind = (uint8_t)kind;
	d->precedence = (uint8_t)prec;
	d->flags = (uint16_t)flags;
	d->nrefs = (unsigned)nref / 32;
	d->body_len = (size_t)nbody;
	d->queued_ms = (uint64_t)q;
	return 0;
}

int hl_store_draft_walk(hl_store *st, const uint8_t line_id[32], int64_t after, uint64_t limit,
			hl_store_draft_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	hl_store_draft d;
	int rc = 0, src;

	if (!st || !line_id || !cb || limit > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, SQ_WALK, "SELECT " COLS " FROM outbox WHERE line=?1 AND id>?2"
		       " ORDER BY id LIMIT ?3");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, after) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, limit ? (sqlite3_int64)limit : -1) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (row(s, &d) < 0) {
			rc = HL_ERR_STORE;
			break;
		}
		rc = cb(ctx, &d);
		if (rc)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = HL_ERR_STORE;
	hl_sq_done(s);
	return rc;
}

int hl_store_draft_delete(hl_store *st, int64_t id)
{
	sqlite3_stmt *s;

	if (!st || id < 1)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, SQ_DELETE, "DELETE FROM outbox WHERE id=?1");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	if (hl_sq_run(st, s) < 0)
		return HL_ERR_STORE;
	return sqlite3_changes(st->db) == 1 ? 0 : HL_ERR_NOTFOUND;
}

int hl_store_draft_count(hl_store *st, const uint8_t line_id[32], uint64_t *n)
{
	sqlite3_stmt *s;
	int rc = HL_ERR_STORE;

	if (n)
		*n = 0;
	if (!st || !line_id || !n)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, SQ_COUNT, "SELECT count(*) FROM outbox WHERE line=?1");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(s, 0);
		rc = 0;
	}
	hl_sq_done(s);
	return rc;
}
