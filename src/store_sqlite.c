/* store_sqlite.c — the SQLite backend of store.h: WAL, synchronous=FULL, a versioned
 * schema, and one prepared statement per query, prepared at open and reused. */
#include "store.h"
#include "err.h"
#include "limits.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA_VERSION   1
/* 0x484c4e31, "HLN1": tells a hotline database from any other SQLite file.
 * Decimal because it is pasted into a PRAGMA, which takes no parameters. */
#define APPLICATION_ID   1212960305
#define STR_(x)          #x
#define STR(x)           STR_(x)
/* A backup tool may hold the lock briefly; the daemon is the only writer. */
#define BUSY_TIMEOUT_MS  5000
/* WAL files shrink back to this after a checkpoint following a large burst. */
#define WAL_SIZE_LIMIT   "67108864"
/* Stop reasons are our own short texts; bound them anyway. */
#define STOP_REASON_MAX  1024u
#define RECEIPT_MAX      HL_MAX_ENTRY

/* Rowid tables for rows carrying an encoding (up to ~61 KiB): WITHOUT ROWID
 * tables store whole rows in the key b-tree and suit only small rows. The
 * CHECKs keep a hand-edited file from feeding odd types to the readers. */
#define BLOB_N(c, n)  " " c " BLOB NOT NULL CHECK(typeof(" c ")='blob' AND length(" c ")=" #n ")"
#define INT_MIN0(c)   " " c " INTEGER NOT NULL CHECK(typeof(" c ")='integer' AND " c ">=0)"
#define SEQ_COL       " seq INTEGER NOT NULL CHECK(typeof(seq)='integer' AND seq>=1)"
#define ENC_COL       " enc BLOB NOT NULL CHECK(typeof(enc)='blob' AND length(enc)>0)"
static const char schema_sql[] =
	"CREATE TABLE entries(" BLOB_N("line", 32) "," BLOB_N("author", 32) "," SEQ_COL ","
	BLOB_N("hash", 32) " UNIQUE,"
	" kind INTEGER NOT NULL CHECK(kind BETWEEN 0 AND 255),"
	" precedence INTEGER NOT NULL CHECK(precedence BETWEEN 0 AND 255),"
	" flags INTEGER NOT NULL CHECK(flags BETWEEN 0 AND 65535),"
	INT_MIN0("time_ms") "," INT_MIN0("stored_ms") "," ENC_COL ","
	" UNIQUE(line, author, seq));"
	"CREATE TABLE receipts(" BLOB_N("line", 32) "," BLOB_N("receiver", 32) "," SEQ_COL ","
	ENC_COL ", PRIMARY KEY(line, receiver)) WITHOUT ROWID;"
	"CREATE TABLE conflicts(" BLOB_N("line", 32) "," BLOB_N("author", 32) "," SEQ_COL ","
	ENC_COL ", UNIQUE(line, author, seq));"
	"CREATE TABLE lines(" BLOB_N("line", 32) " PRIMARY KEY, stopped TEXT NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE handshakes(" BLOB_N("peer_x", 32) " PRIMARY KEY," BLOB_N("tai64n", 12) ")"
	" WITHOUT ROWID;"
	"PRAGMA application_id=" STR(APPLICATION_ID) ";"
	"PRAGMA user_version=" STR(SCHEMA_VERSION) ";";

enum stmt_id {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_ENTRY_INSERT, ST_ENTRY_HASH, ST_ENTRY_GET, ST_HEAD, ST_FIND_HASH, ST_WALK, ST_COUNT,
	ST_RECEIPT_PUT, ST_RECEIPT_GET, ST_CONFLICT_PUT, ST_CONFLICT_GET,
	ST_STOPPED_SET, ST_STOPPED_GET, ST_TAI_SET, ST_TAI_GET,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* Only a (line, author, seq) clash is absorbed; a hash clash still fails. */
	[ST_ENTRY_INSERT] = "INSERT INTO entries(line, author, seq, hash, kind, precedence, flags,"
			    " time_ms, stored_ms, enc) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
			    " ON CONFLICT(line, author, seq) DO NOTHING",
	[ST_ENTRY_HASH] = "SELECT hash FROM entries WHERE line=?1 AND author=?2 AND seq=?3",
	[ST_ENTRY_GET] = "SELECT enc FROM entries WHERE line=?1 AND author=?2 AND seq=?3",
	[ST_HEAD] = "SELECT seq, hash FROM entries WHERE line=?1 AND author=?2"
		    " ORDER BY seq DESC LIMIT 1",
	[ST_FIND_HASH] = "SELECT line, author, seq FROM entries WHERE hash=?1",
	[ST_WALK] = "SELECT seq, hash, kind, precedence, flags, time_ms, stored_ms, enc"
		    " FROM entries WHERE line=?1 AND author=?2 AND seq>=?3"
		    " ORDER BY seq LIMIT ?4",
	[ST_COUNT] = "SELECT count(*) FROM entries WHERE line=?1 AND author=?2",
	[ST_RECEIPT_PUT] = "INSERT INTO receipts(line, receiver, seq, enc) VALUES(?1, ?2, ?3, ?4)"
			   " ON CONFLICT(line, receiver) DO UPDATE"
			   " SET seq=excluded.seq, enc=excluded.enc WHERE excluded.seq>receipts.seq",
	[ST_RECEIPT_GET] = "SELECT seq, enc FROM receipts WHERE line=?1 AND receiver=?2",
	/* The first proof of an equivocation is kept; later ones add nothing. */
	[ST_CONFLICT_PUT] = "INSERT INTO conflicts(line, author, seq, enc) VALUES(?1, ?2, ?3, ?4)"
			    " ON CONFLICT(line, author, seq) DO NOTHING",
	[ST_CONFLICT_GET] = "SELECT seq, enc FROM conflicts WHERE line=?1 AND author=?2"
			    " ORDER BY seq LIMIT 1",
	[ST_STOPPED_SET] = "INSERT INTO lines(line, stopped) VALUES(?1, ?2)"
			   " ON CONFLICT(line) DO UPDATE SET stopped=excluded.stopped",
	[ST_STOPPED_GET] = "SELECT stopped FROM lines WHERE line=?1",
	/* TAI64N is big-endian, so blob (memcmp) order is time order: never step back. */
	[ST_TAI_SET] = "INSERT INTO handshakes(peer_x, tai64n) VALUES(?1, ?2)"
		       " ON CONFLICT(peer_x) DO UPDATE SET tai64n=excluded.tai64n"
		       " WHERE excluded.tai64n>handshakes.tai64n",
	[ST_TAI_GET] = "SELECT tai64n FROM handshakes WHERE peer_x=?1",
};

struct hl_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST__COUNT];
	int in_tx;
	int walking;    /* ST_WALK is live across callbacks */
};

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#define S(st, id) ((st)->stmt[id])

/* Every use of a statement ends here, so the next one starts clean. */
static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

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

/* Steps a statement that returns no rows, then resets it. */
static int run(sqlite3_stmt *s)
{
	int src = sqlite3_step(s);

	done(s);
	return src == SQLITE_DONE ? 0 : HL_ERR_STORE;
}

/* Copies a 32-byte column; a wrong size means the file was tampered with. */
static int col_key(sqlite3_stmt *s, int i, uint8_t out[32])
{
	const void *p = sqlite3_column_blob(s, i);

	if (!p || sqlite3_column_bytes(s, i) != 32)
		return HL_ERR_STORE;
	memcpy(out, p, 32);
	return 0;
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

/* The first row of a constant query (no data in the SQL): as an integer
 * into v, or, with want, 0 only if the text equals want. */
static int pragma_row(sqlite3 *db, const char *sql, sqlite3_int64 *v, const char *want)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int rc = HL_ERR_STORE;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		goto out;
	if (v)
		*v = sqlite3_column_int64(s, 0);
	t = sqlite3_column_text(s, 0);
	if (!want || (t && strcmp((const char *)t, want) == 0))
		rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Creates the file 0600 ourselves (SQLite would use 0644 minus umask; it gives
 * -wal and -shm the main file's mode) and refuses an existing one that others
 * can read: it holds every message of the station. */
static int prepare_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd, e = 0;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* open() left what the umask allowed; the daemon must read and write. */
		if (fchmod(fd, 0600) != 0)
			e = errno;
		close(fd);
	} else if (errno != EEXIST || lstat(path, &sb) != 0) {
		e = errno;
	} else if (!S_ISREG(sb.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		return HL_ERR_IO;
	} else if (sb.st_mode & 077) {
		set_err(err, errlen, "%s: mode %04o is too open (want 0600)", path,
			(unsigned)(sb.st_mode & 07777));
		return HL_ERR_PERM;
	}
	if (e) {
		set_err(err, errlen, "%s: %s", path, strerror(e));
		return HL_ERR_IO;
	}
	return 0;
}

static int create_schema(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_int64 ver = 0;
	int rc = HL_ERR_STORE;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		set_err(err, errlen, "begin: %s", sqlite3_errmsg(db));
		return HL_ERR_STORE;
	}
	/* Another opener may have won the race between our check and BEGIN. */
	if (pragma_row(db, "PRAGMA user_version", &ver, NULL) < 0)
		goto out;
	if (ver == 0 && sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	return 0;
out:
	set_err(err, errlen, "creating schema: %s", sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Identity and version checks come before anything that writes the file. */
static int check_version(sqlite3 *db, const char *path, sqlite3_int64 *ver,
			 char *err, size_t errlen)
{
	sqlite3_int64 app = 0, tables = 0;

	if (pragma_row(db, "PRAGMA application_id", &app, NULL) < 0 ||
	    pragma_row(db, "PRAGMA user_version", ver, NULL) < 0 ||
	    pragma_row(db, "SELECT count(*) FROM sqlite_master", &tables, NULL) < 0) {
		set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		return HL_ERR_STORE;
	}
	if (app == APPLICATION_ID && *ver > SCHEMA_VERSION) {
		set_err(err, errlen, "%s: database schema version %lld is newer than this "
			"hotline supports (%d); upgrade hotline", path, (long long)*ver,
			SCHEMA_VERSION);
		return HL_ERR_STORE;
	}
	/* Ours (schema created in one transaction with both marks), or empty. */
	if (!(app == APPLICATION_ID && *ver >= 1) && !(app == 0 && *ver == 0 && tables == 0)) {
		set_err(err, errlen, "%s: not a hotline database (application_id %lld, "
			"user_version %lld)", path, (long long)app, (long long)*ver);
		return HL_ERR_STORE;
	}
	return 0;
}

/* After the version check: switching to WAL writes the file header. */
static int configure(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_int64 sync = -1, fk = -1;
	int on = 0;

	/* Defensive mode forbids writable_schema and other ways to corrupt the file. */
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK || !on ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK) {
		set_err(err, errlen, "%s: configuring sqlite: %s", path, sqlite3_errmsg(db));
		return HL_ERR_STORE;
	}
	if (pragma_row(db, "PRAGMA journal_mode=WAL", NULL, "wal") < 0) {
		set_err(err, errlen, "%s: cannot switch to WAL journal mode: %s", path,
			sqlite3_errmsg(db));
		return HL_ERR_STORE;
	}
	if (sqlite3_exec(db, "PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON;"
			 "PRAGMA journal_size_limit=" WAL_SIZE_LIMIT, NULL, NULL, NULL) != SQLITE_OK ||
	    pragma_row(db, "PRAGMA synchronous", &sync, NULL) < 0 ||
	    pragma_row(db, "PRAGMA foreign_keys", &fk, NULL) < 0) {
		set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		return HL_ERR_STORE;
	}
	/* 2 = FULL: a commit is on disk when it returns. */
	if (sync != 2 || fk != 1) {
		set_err(err, errlen, "%s: sqlite refused synchronous=FULL or foreign_keys", path);
		return HL_ERR_STORE;
	}
	return 0;
}

static void free_store(hl_store *st)
{
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

int hl_store_open(const char *path, hl_store **out, char *err, size_t errlen)
{
	hl_store *st = NULL;
	sqlite3_int64 ver = 0;
	int rc;

	if (out)
		*out = NULL;
	set_err(err, errlen, "%s", "");
	if (!path || !out || path[0] == '\0' || strlen(path) > HL_MAX_PATH) {
		set_err(err, errlen, "invalid database path");
		return HL_ERR_INVAL;
	}
	rc = prepare_file(path, err, errlen);
	if (rc < 0)
		return rc;
	st = calloc(1, sizeof *st);
	if (!st) {
		set_err(err, errlen, "out of memory");
		return HL_ERR_NOMEM;
	}
	rc = HL_ERR_STORE;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
		set_err(err, errlen, "%s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	if (check_version(st->db, path, &ver, err, errlen) < 0 ||
	    configure(st->db, path, err, errlen) < 0)
		goto out;
	if (ver == 0 && create_schema(st->db, err, errlen) < 0)
		goto out;
	for (int i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[i], NULL) != SQLITE_OK) {
			set_err(err, errlen, "%s: preparing statement %d: %s", path, i,
				sqlite3_errmsg(st->db));
			goto out;
		}
	}
	*out = st;
	st = NULL;
	rc = 0;
out:
	if (st)
		free_store(st);
	return rc;
}

void hl_store_close(hl_store *st)
{
	if (!st)
		return;
	/* An open transaction at close is abandoned, never half-committed. */
	if (st->in_tx && !sqlite3_get_autocommit(st->db))
		run(S(st, ST_ROLLBACK));
	free_store(st);
}

int hl_store_begin(hl_store *st)
{
	if (!st || st->in_tx)
		return st ? HL_ERR_STATE : HL_ERR_INVAL;
	if (run(S(st, ST_BEGIN)) < 0)
		return HL_ERR_STORE;
	st->in_tx = 1;
	return 0;
}

int hl_store_commit(hl_store *st)
{
	if (!st || !st->in_tx)
		return st ? HL_ERR_STATE : HL_ERR_INVAL;
	st->in_tx = 0;
	/* Some errors (I/O, full disk) make SQLite roll back on its own: the
	 * writes of this transaction are gone and the caller must know. */
	if (sqlite3_get_autocommit(st->db))
		return HL_ERR_STORE;
	if (run(S(st, ST_COMMIT)) == 0)
		return 0;
	if (!sqlite3_get_autocommit(st->db))
		run(S(st, ST_ROLLBACK));
	return HL_ERR_STORE;
}

int hl_store_rollback(hl_store *st)
{
	if (!st || !st->in_tx)
		return st ? HL_ERR_STATE : HL_ERR_INVAL;
	st->in_tx = 0;
	if (sqlite3_get_autocommit(st->db))
		return 0;
	return run(S(st, ST_ROLLBACK));
}

int hl_store_in_tx(const hl_store *st)
{
	return st ? st->in_tx : 0;
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
	s = S(st, ST_ENTRY_INSERT);
	if (bind_lk(s, e->line_id, e->author, &e->seq) < 0 ||
	    sqlite3_bind_blob(s, 4, e->hash, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 5, e->kind) != SQLITE_OK ||
	    sqlite3_bind_int(s, 6, e->precedence) != SQLITE_OK ||
	    sqlite3_bind_int(s, 7, e->flags) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 8, (sqlite3_int64)e->time_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 9, (sqlite3_int64)e->stored_ms) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 10, e->enc, (int)e->enc_len, SQLITE_STATIC) != SQLITE_OK) {
		done(s);
		return HL_ERR_STORE;
	}
	if (run(s) < 0)
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
	s = S(st, ST_ENTRY_GET);
	rc = lookup(s, line_id, author, &seq);
	if (rc == 1)
		rc = col_buf(s, 0, out);
	done(s);
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
	s = S(st, ST_ENTRY_HASH);
	rc = lookup(s, line_id, author, &seq);
	if (rc == 1)
		rc = col_key(s, 0, hash);
	done(s);
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
	s = S(st, ST_HEAD);
	rc = lookup(s, line_id, author, NULL);
	if (rc == HL_ERR_NOTFOUND)
		rc = 0;
	else if (rc == 1 && (rc = col_seq(s, 0, &q)) == 0 && (rc = col_key(s, 1, h)) == 0) {
		*seq = q;
		memcpy(hash, h, 32);
	}
	done(s);
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
	s = S(st, ST_FIND_HASH);
	rc = lookup(s, hash, NULL, NULL);
	if (rc == 1 && (rc = col_key(s, 0, l)) == 0 && (rc = col_key(s, 1, a)) == 0 &&
	    (rc = col_seq(s, 2, &q)) == 0) {
		memcpy(line_id, l, 32);
		memcpy(author, a, 32);
		*seq = q;
	}
	done(s);
	return rc;
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
	s = S(st, ST_WALK);
	if (bind_lk(s, line_id, author, &from_seq) < 0 ||
	    sqlite3_bind_int64(s, 4, lim) != SQLITE_OK) {
		done(s);
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
	done(s);
	return rc;
}

/* Shared by receipts and conflicts: (line, key, seq, enc). */
static int put_seq_enc(hl_store *st, enum stmt_id id, const uint8_t *line_id,
		       const uint8_t *key, uint64_t seq, const uint8_t *enc, size_t len,
		       size_t max)
{
	sqlite3_stmt *s;

	if (!st || !line_id || !key || !enc || !seq_ok(seq) || len == 0 || len > max)
		return HL_ERR_INVAL;
	s = S(st, id);
	if (bind_lk(s, line_id, key, &seq) < 0 ||
	    sqlite3_bind_blob(s, 4, enc, (int)len, SQLITE_STATIC) != SQLITE_OK) {
		done(s);
		return HL_ERR_STORE;
	}
	return run(s);
}

/* One (seq, enc) row or HL_ERR_NOTFOUND; seq 0 and out empty unless found. */
static int get_seq_enc(hl_store *st, enum stmt_id id, const uint8_t *line_id,
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
	s = S(st, id);
	rc = lookup(s, line_id, key, NULL);
	if (rc == 1 && (rc = col_seq(s, 0, &q)) == 0 && (rc = col_buf(s, 1, out)) == 0)
		*seq = q;
	done(s);
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
	s = S(st, ST_STOPPED_SET);
	if (bind_key(s, 1, line_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, reason, (int)n, SQLITE_STATIC) != SQLITE_OK) {
		done(s);
		return HL_ERR_STORE;
	}
	return run(s);
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
	s = S(st, ST_STOPPED_GET);
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
	done(s);
	return rc;
}

int hl_store_get_tai64n(hl_store *st, const uint8_t *peer_x, uint8_t ts[12])
{
	sqlite3_stmt *s;
	const void *p;
	int rc;

	if (ts)
		memset(ts, 0, 12);
	if (!st || !peer_x || !ts)
		return HL_ERR_INVAL;
	s = S(st, ST_TAI_GET);
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
	done(s);
	return rc;
}

int hl_store_set_tai64n(hl_store *st, const uint8_t *peer_x, const uint8_t ts[12])
{
	sqlite3_stmt *s;

	if (!st || !peer_x || !ts)
		return HL_ERR_INVAL;
	s = S(st, ST_TAI_SET);
	if (bind_key(s, 1, peer_x) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 2, ts, 12, SQLITE_STATIC) != SQLITE_OK) {
		done(s);
		return HL_ERR_STORE;
	}
	return run(s);
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
	s = S(st, ST_COUNT);
	if (lookup(s, line_id, author, NULL) == 1 && (v = sqlite3_column_int64(s, 0)) >= 0)
		*n = (uint64_t)v;
	else
		rc = HL_ERR_STORE;
	done(s);
	return rc;
}
