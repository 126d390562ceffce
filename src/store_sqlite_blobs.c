/* store_sqlite_blobs.c — the SQLite store's attachments (schema 4): content-
 * addressed blobs per line, kept as chunks in order, with how much of each is
 * held (store_blobs.h). */
#include "store_sqlite_int.h"
#include "store_blobs.h"
#include "err.h"

#include <string.h>

/* A blob is per line: a peer can only name, fill or fetch the blobs of its
 * own line, so one peer cannot spoil another's transfer of the same hash.
 * Chunks are the blob's bytes in order: chunk k starts where k-1 ends. */
const char hl_sq_blobs_sql[] =
	"CREATE TABLE IF NOT EXISTS blobs("
	" id INTEGER PRIMARY KEY,"
	" line BLOB NOT NULL CHECK(typeof(line)='blob' AND length(line)=32),"
	" hash BLOB NOT NULL CHECK(typeof(hash)='blob' AND length(hash)=32),"
	" size INTEGER NOT NULL CHECK(typeof(size)='integer' AND size>=1),"
	" have INTEGER NOT NULL CHECK(typeof(have)='integer' AND have>=0 AND have<=size),"
	" state INTEGER NOT NULL CHECK(state IN (0, 1, 2)),"
	" from_peer INTEGER NOT NULL CHECK(from_peer IN (0, 1)),"
	" failures INTEGER NOT NULL DEFAULT 0 CHECK(typeof(failures)='integer' AND failures>=0),"
	" peer_have INTEGER NOT NULL DEFAULT 0 CHECK(typeof(peer_have)='integer' AND peer_have>=0),"
	" name TEXT NOT NULL CHECK(typeof(name)='text' AND length(CAST(name AS BLOB)) BETWEEN 1 AND 255),"
	" created_ms INTEGER NOT NULL CHECK(typeof(created_ms)='integer' AND created_ms>=0),"
	" UNIQUE(line, hash));"
	"CREATE TABLE IF NOT EXISTS blob_chunks("
	" blob INTEGER NOT NULL REFERENCES blobs(id),"
	" offset INTEGER NOT NULL CHECK(typeof(offset)='integer' AND offset>=0),"
	" data BLOB NOT NULL CHECK(typeof(data)='blob' AND length(data)>0),"
	" PRIMARY KEY(blob, offset)) WITHOUT ROWID;";

enum {
	Q_GET, Q_CREATE, Q_ADVANCE, Q_CHUNK, Q_STATE, Q_RESET, Q_DROP_CHUNKS, Q_PEER_HAVE,
	Q_READ, Q_WALK, Q_PENDING, Q_FROM_PEER,
};

static const char *const sql[] = {
	[Q_GET] = "SELECT id, size, have, state, from_peer, failures, peer_have, created_ms, name"
		  " FROM blobs WHERE line=?1 AND hash=?2",
	[Q_CREATE] = "INSERT OR IGNORE INTO blobs(line, hash, size, have, state, from_peer, name,"
		     " created_ms) VALUES(?1, ?2, ?3, 0, 0, ?4, ?5, ?6)",
	[Q_ADVANCE] = "UPDATE blobs SET have=have+?3 WHERE id=?1 AND have=?2 AND state=0"
		      " AND have+?3<=size",
	[Q_CHUNK] = "INSERT INTO blob_chunks(blob, offset, data) VALUES(?1, ?2, ?3)",
	[Q_STATE] = "UPDATE blobs SET state=?2 WHERE id=?1",
	[Q_FROM_PEER] = "UPDATE blobs SET from_peer=?2 WHERE id=?1 AND state=0",
	[Q_RESET] = "UPDATE blobs SET have=0, state=0, failures=?2 WHERE id=?1",
	[Q_DROP_CHUNKS] = "DELETE FROM blob_chunks WHERE blob=?1",
	[Q_PEER_HAVE] = "UPDATE blobs SET peer_have=?2 WHERE id=?1 AND ?2<=size",
	[Q_READ] = "SELECT offset, data FROM blob_chunks WHERE blob=?1 AND offset<=?2"
		   " ORDER BY offset DESC LIMIT 1",
	[Q_WALK] = "SELECT data FROM blob_chunks WHERE blob=?1 ORDER BY offset",
	[Q_PENDING] = "SELECT hash, id, size, have, state, from_peer, failures, peer_have,"
		      " created_ms, name FROM blobs WHERE line=?1 AND from_peer=1 AND state=0"
		      " ORDER BY id LIMIT ?2",
};

static sqlite3_stmt *stmt(hl_store *st, int q)
{
	return hl_sq_lazy(st, HL_SQ_SLOT_BLOBS + q, sql[q]);
}

/* Columns first.. of Q_GET's shape into b; range-checked against a hand-edited file. */
static int blob_row(sqlite3_stmt *s, int first, hl_store_blob *b)
{
	sqlite3_int64 size = sqlite3_column_int64(s, first + 1);
	sqlite3_int64 have = sqlite3_column_int64(s, first + 2);
	sqlite3_int64 failures = sqlite3_column_int64(s, first + 5);
	sqlite3_int64 peer_have = sqlite3_column_int64(s, first + 6);
	sqlite3_int64 created = sqlite3_column_int64(s, first + 7);
	const unsigned char *name = sqlite3_column_text(s, first + 8);
	int n = sqlite3_column_bytes(s, first + 8);

	memset(b, 0, sizeof *b);
	if (size < 1 || (uint64_t)size > HL_MAX_ATTACHMENT || have < 0 || have > size ||
	    failures < 0 || failures > 1000000 || peer_have < 0 || created < 0 || !name || n < 1 ||
	    n > (int)HL_ATTACH_NAME_MAX)
		return HL_ERR_STORE;
	b->id = sqlite3_column_int64(s, first);
	b->size = (uint64_t)size;
	b->have = (uint64_t)have;
	b->state = sqlite3_column_int(s, first + 3);
	b->from_peer = sqlite3_column_int(s, first + 4);
	b->failures = (unsigned)failures;
	b->peer_have = (uint64_t)peer_have;
	b->created_ms = (uint64_t)created;
	memcpy(b->name, name, (size_t)n);
	return 0;
}

int hl_store_blob_get(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
		      hl_store_blob *out)
{
	if (out)
		memset(out, 0, sizeof *out);
	if (!st || !line_id || !hash || !out)
		return HL_ERR_INVAL;
	sqlite3_stmt *s = stmt(st, Q_GET);
	if (!s)
		return HL_ERR_STORE;
	int rc = HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_blob(s, 2, hash, 32, SQLITE_STATIC) == SQLITE_OK) {
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW)
			rc = blob_row(s, 0, out);
		else if (src == SQLITE_DONE)
			rc = HL_ERR_NOTFOUND;
	}
	hl_sq_done(s);
	return rc;
}

int hl_store_blob_create(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
			 uint64_t size, int from_peer, const char *name, uint64_t now_ms)
{
	if (!st || !line_id || !hash || !name || size < 1 || size > HL_MAX_ATTACHMENT ||
	    now_ms > (uint64_t)INT64_MAX || !hl_attach_name_valid(name, strlen(name)))
		return HL_ERR_INVAL;
	sqlite3_stmt *s = stmt(st, Q_CREATE);
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, hash, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, (sqlite3_int64)size) != SQLITE_OK ||
	    sqlite3_bind_int(s, 4, from_peer ? 1 : 0) != SQLITE_OK ||
	    sqlite3_bind_text(s, 5, name, (int)strlen(name), SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, (sqlite3_int64)now_ms) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_blob_append(hl_store *st, int64_t id, uint64_t offset, const uint8_t *data,
			 size_t len)
{
	if (!st || !data || len == 0 || len > HL_MAX_ATTACHMENT || offset > HL_MAX_ATTACHMENT)
		return HL_ERR_INVAL;
	sqlite3_stmt *s = stmt(st, Q_ADVANCE);
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, (sqlite3_int64)offset) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, (sqlite3_int64)len) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	int rc = hl_sq_run(st, s);
	if (rc < 0)
		return rc;
	/* No row moved: not at that offset, not pending, or past the size. */
	if (sqlite3_changes(st->db) != 1)
		return HL_ERR_STATE;
	s = stmt(st, Q_CHUNK);
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, (sqlite3_int64)offset) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 3, data, (int)len, SQLITE_STATIC) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	/* The caller's transaction is rolled back on failure, the have with it. */
	return hl_sq_run(st, s);
}

static int run_id_int(hl_store *st, int q, int64_t id, sqlite3_int64 v)
{
	if (!st)
		return HL_ERR_INVAL;
	sqlite3_stmt *s = stmt(st, q);
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK || sqlite3_bind_int64(s, 2, v) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

int hl_store_blob_set_state(hl_store *st, int64_t id, int state)
{
	if (state < HL_BLOB_PENDING || state > HL_BLOB_FAILED)
		return HL_ERR_INVAL;
	return run_id_int(st, Q_STATE, id, state);
}

int hl_store_blob_fetch_from_peer(hl_store *st, int64_t id)
{
	return run_id_int(st, Q_FROM_PEER, id, 1);
}

int hl_store_blob_reset(hl_store *st, int64_t id, unsigned failures)
{
	if (!st)
		return HL_ERR_INVAL;
	sqlite3_stmt *s = stmt(st, Q_DROP_CHUNKS);
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	int rc = hl_sq_run(st, s);
	return rc < 0 ? rc : run_id_int(st, Q_RESET, id, failures);
}

int hl_store_blob_set_peer_have(hl_store *st, int64_t id, uint64_t peer_have)
{
	if (peer_have > HL_MAX_ATTACHMENT)
		return HL_ERR_INVAL;
	return run_id_int(st, Q_PEER_HAVE, id, (sqlite3_int64)peer_have);
}

int hl_store_blob_read(hl_store *st, int64_t id, uint64_t offset, size_t max, hl_buf *out)
{
	if (!st || !out || max == 0 || offset > HL_MAX_ATTACHMENT)
		return HL_ERR_INVAL;
	hl_buf_reset(out);
	sqlite3_stmt *s = stmt(st, Q_READ);
	if (!s)
		return HL_ERR_STORE;
	int rc = HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, id) == SQLITE_OK &&
	    sqlite3_bind_int64(s, 2, (sqlite3_int64)offset) == SQLITE_OK) {
		int src = sqlite3_step(s);
		if (src == SQLITE_DONE) {
			rc = HL_ERR_NOTFOUND;
		} else if (src == SQLITE_ROW) {
			sqlite3_int64 at = sqlite3_column_int64(s, 0);
			const uint8_t *p = sqlite3_column_blob(s, 1);
			int n = sqlite3_column_bytes(s, 1);
			uint64_t skip = offset - (uint64_t)at;
			if (!p || n <= 0 || at < 0 || skip >= (uint64_t)n) {
				rc = HL_ERR_NOTFOUND; /* offset at or past what is held */
			} else {
				size_t take = (size_t)n - (size_t)skip;
				rc = hl_buf_put(out, p + skip, take < max ? take : max) < 0 ? HL_ERR_TOOBIG : 0;
			}
		}
	}
	hl_sq_done(s);
	return rc;
}

int hl_store_blob_walk_chunks(hl_store *st, int64_t id,
			      int (*cb)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
	if (!st || !cb)
		return HL_ERR_INVAL;
	sqlite3_stmt *s = stmt(st, Q_WALK);
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	int rc = 0, src;
	while (rc == 0 && (src = sqlite3_step(s)) == SQLITE_ROW) {
		const uint8_t *p = sqlite3_column_blob(s, 0);
		int n = sqlite3_column_bytes(s, 0);
		rc = p && n > 0 ? cb(ctx, p, (size_t)n) : HL_ERR_STORE;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = HL_ERR_STORE;
	hl_sq_done(s);
	return rc;
}

int hl_store_blob_walk_pending(hl_store *st, const uint8_t line_id[32], unsigned limit,
			       int (*cb)(void *ctx, const uint8_t hash[32], const hl_store_blob *b),
			       void *ctx)
{
	if (!st || !line_id || !cb)
		return HL_ERR_INVAL;
	sqlite3_stmt *s = stmt(st, Q_PENDING);
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 2, (int)limit) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	int rc = 0, src;
	while (rc == 0 && (src = sqlite3_step(s)) == SQLITE_ROW) {
		hl_store_blob b;
		const uint8_t *hash = sqlite3_column_blob(s, 0);
		if (!hash || sqlite3_column_bytes(s, 0) != 32 || blob_row(s, 1, &b) < 0)
			rc = HL_ERR_STORE;
		else
			rc = cb(ctx, hash, &b);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = HL_ERR_STORE;
	hl_sq_done(s);
	return rc;
}
