/* store_sqlite_notes.c — the SQLite store's station-local notes on entries
 * (schema 4): translations and who certified them. Never sent to the peer. */
#include "store_notes.h"
#include "store_sqlite_int.h"
#include "util/err.h"
#include "util/limits.h"

#include <string.h>

/* A translation names its entry by (line, author, seq), the entries' own
 * key: no hash index is needed (schema 3 dropped it on purpose). The
 * certifier and its time are set together, once. */
const char hl_sq_notes_sql[] =
	"CREATE TABLE IF NOT EXISTS translations(id INTEGER PRIMARY KEY,"
	" line BLOB NOT NULL CHECK(typeof(line)='blob' AND length(line)=32),"
	" author BLOB NOT NULL CHECK(typeof(author)='blob' AND length(author)=32),"
	" seq INTEGER NOT NULL CHECK(typeof(seq)='integer' AND seq>=1),"
	" lang TEXT NOT NULL CHECK(typeof(lang)='text'),"
	" text TEXT NOT NULL CHECK(typeof(text)='text'),"
	" translator TEXT NOT NULL CHECK(typeof(translator)='text'),"
	" created_ms INTEGER NOT NULL CHECK(typeof(created_ms)='integer' AND created_ms>=0),"
	" certifier TEXT CHECK(certifier IS NULL OR typeof(certifier)='text'),"
	" certified_ms INTEGER CHECK(certified_ms IS NULL OR typeof(certified_ms)='integer'),"
	" CHECK((certifier IS NULL) = (certified_ms IS NULL)));"
	"CREATE INDEX IF NOT EXISTS translations_entry ON translations(line, author, seq);";

enum {
	SQ_ADD = HL_SQ_SLOT_NOTES,
	SQ_GET,
	SQ_CERTIFY,
	SQ_WALK,
	SQ_WALK_ENTRY,
};

#define COLS "id, line, author, seq, lang, text, translator, created_ms, certifier, certified_ms"

static int bind_text(sqlite3_stmt *s, int i, const char *t, size_t n)
{
	return n > HL_MAX_BODY ? SQLITE_TOOBIG : sqlite3_bind_text(s, i, t, (int)n, SQLITE_STATIC);
}

int hl_store_translation_add(hl_store *st, const hl_store_translation *t, int64_t *id)
{
	sqlite3_stmt *s;

	if (id)
		*id = 0;
	if (!st || !t || !id || !t->line_id || !t->author || !t->lang || !t->text || !t->translator ||
	    t->seq < 1 || t->seq > (uint64_t)INT64_MAX || t->created_ms > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, SQ_ADD, "INSERT INTO translations(line, author, seq, lang, text, translator,"
		       " created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, t->line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, t->author, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, (sqlite3_int64)t->seq) != SQLITE_OK ||
	    bind_text(s, 4, t->lang, strlen(t->lang)) != SQLITE_OK ||
	    bind_text(s, 5, t->text, t->text_len) != SQLITE_OK ||
	    bind_text(s, 6, t->translator, strlen(t->translator)) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, (sqlite3_int64)t->created_ms) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	if (hl_sq_run(st, s) < 0)
		return HL_ERR_STORE;
	*id = (int64_t)sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* The row s stands on as t; strings point into the statement. */
static int row(sqlite3_stmt *s, hl_store_translation *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(s, 0);
	t->line_id = sqlite3_column_blob(s, 1);
	t->author = sqlite3_column_blob(s, 2);
	sqlite3_int64 seq = sqlite3_column_int64(s, 3);
	t->lang = (const char *)sqlite3_column_text(s, 4);
	t->text = (const char *)sqlite3_column_text(s, 5);
	t->text_len = (size_t)sqlite3_column_bytes(s, 5);
	t->translator = (const char *)sqlite3_column_text(s, 6);
	sqlite3_int64 created = sqlite3_column_int64(s, 7);
	if (sqlite3_column_type(s, 8) != SQLITE_NULL) {
		t->certifier = (const char *)sqlite3_column_text(s, 8);
		sqlite3_int64 cms = sqlite3_column_int64(s, 9);
		if (!t->certifier || cms < 0)
			return HL_ERR_STORE;
		t->certified_ms = (uint64_t)cms;
	}
	/* The table's CHECKs hold these; a file changed behind our back does not. */
	if (!t->line_id || sqlite3_column_bytes(s, 1) != 32 || !t->author ||
	    sqlite3_column_bytes(s, 2) != 32 || seq < 1 || created < 0 || !t->lang || !t->text ||
	    !t->translator)
		return HL_ERR_STORE;
	t->seq = (uint64_t)seq;
	t->created_ms = (uint64_t)created;
	return 0;
}

static int put_str(hl_buf *b, const char *s, size_t n, size_t *off)
{
	*off = b->len;
	if (hl_buf_put(b, s, n) < 0 || hl_buf_put(b, "", 1) < 0)
		return HL_ERR_NOMEM;
	return 0;
}

int hl_store_translation_get(hl_store *st, int64_t id, hl_store_translation *t, uint8_t line[32],
			     uint8_t author[32], hl_buf *buf)
{
	sqlite3_stmt *s;
	size_t o_lang, o_text, o_tr, o_cert = 0;
	int rc;

	if (t)
		memset(t, 0, sizeof *t);
	if (!st || !t || !line || !author || !buf)
		return HL_ERR_INVAL;
	hl_buf_reset(buf);
	s = hl_sq_lazy(st, SQ_GET, "SELECT " COLS " FROM translations WHERE id=?1");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, (sqlite3_int64)id) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	int src = sqlite3_step(s);
	if (src != SQLITE_ROW) {
		hl_sq_done(s);
		return src == SQLITE_DONE ? HL_ERR_NOTFOUND : HL_ERR_STORE;
	}
	hl_store_translation r;
	rc = row(s, &r);
	/* Copied out before the statement is reset: its strings go with it. */
	if (rc == 0 && ((rc = put_str(buf, r.lang, strlen(r.lang), &o_lang)) < 0 ||
			(rc = put_str(buf, r.text, r.text_len, &o_text)) < 0 ||
			(rc = put_str(buf, r.translator, strlen(r.translator), &o_tr)) < 0 ||
			(r.certifier && (rc = put_str(buf, r.certifier, strlen(r.certifier), &o_cert)) < 0)))
		rc = HL_ERR_NOMEM;
	if (rc == 0) {
		memcpy(line, r.line_id, 32);
		memcpy(author, r.author, 32);
		*t = r;
		t->line_id = line;
		t->author = author;
		t->lang = (const char *)buf->p + o_lang;
		t->text = (const char *)buf->p + o_text;
		t->translator = (const char *)buf->p + o_tr;
		t->certifier = r.certifier ? (const char *)buf->p + o_cert : NULL;
	}
	hl_sq_done(s);
	return rc;
}

int hl_store_translation_certify(hl_store *st, int64_t id, const char *certifier, uint64_t ms)
{
	sqlite3_stmt *s;

	if (!st || !certifier || ms > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, SQ_CERTIFY, "UPDATE translations SET certifier=?2, certified_ms=?3"
		       " WHERE id=?1 AND certifier IS NULL");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, (sqlite3_int64)id) != SQLITE_OK ||
	    bind_text(s, 2, certifier, strlen(certifier)) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, (sqlite3_int64)ms) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	if (hl_sq_run(st, s) < 0)
		return HL_ERR_STORE;
	return sqlite3_changes(st->db) == 1 ? 0 : HL_ERR_STATE;
}

static int walk_rows(sqlite3_stmt *s, hl_store_translation_cb cb, void *ctx)
{
	hl_store_translation t;
	int rc = 0, src;

	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = row(s, &t)) < 0 || (rc = cb(ctx, &t)) != 0)
			break;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = HL_ERR_STORE;
	hl_sq_done(s);
	return rc;
}

int hl_store_translation_walk(hl_store *st, const uint8_t line_id[32], hl_store_translation_cb cb,
			      void *ctx)
{
	sqlite3_stmt *s;

	if (!st || !line_id || !cb)
		return HL_ERR_INVAL;
	s = hl_sq_lazy(st, SQ_WALK, "SELECT " COLS " FROM translations WHERE line=?1"
		       " ORDER BY author, seq, id");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return walk_rows(s, cb, ctx);
}

int hl_store_translation_walk_entry(hl_store *st, const uint8_t line_id[32],
				    const uint8_t author[32], uint64_t seq,
				    hl_store_translation_cb cb, void *ctx)
{
	sqlite3_stmt *s;

	if (!st || !line_id || !author || !cb || seq > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	/* translations_entry answers it without a scan. */
	s = hl_sq_lazy(st, SQ_WALK_ENTRY, "SELECT " COLS " FROM translations WHERE line=?1"
		       " AND author=?2 AND seq=?3 ORDER BY id");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, author, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, (sqlite3_int64)seq) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return walk_rows(s, cb, ctx);
}
