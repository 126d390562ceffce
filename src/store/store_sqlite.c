/* store_sqlite.c — the SQLite backend of store.h, part one: open (WAL, synchronous=FULL,
 * versioned schema, every statement prepared once), close and transactions. */
#include "store_sqlite_int.h"
#include "util/err.h"
#include "util/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1: entries, receipts, conflicts, lines, handshakes. 2: events, alarms.
 * 3: entries.hash no longer UNIQUE. Its index took a random b-tree page per
 * entry, written to the WAL and again by the checkpoint: a third of both
 * stations' work per message (docs/PERFORMANCE.md). Nothing needs a lookup
 * by hash alone on a hot path (entries are found by line, author and seq,
 * and a reference carries the seq with the hash), and BLAKE2b-256 does not
 * collide. A store made by 1 or 2 keeps its index: it costs only speed, so
 * the migration to 3 changes nothing but the mark. 4: the watch, blobs and
 * notes. 5: the outbox (store_sqlite_outbox.c) and handshake_window (H12:
 * message 1s accepted within the window around our clock). */
#define SCHEMA_VERSION   5
/* 0x484c4e31, "HLN1": tells a hotline database from any other SQLite file.
 * Decimal because it is pasted into a PRAGMA, which takes no parameters. */
#define APPLICATION_ID   1212960305
#define STR_(x)          #x
#define STR(x)           STR_(x)
/* A backup tool may hold the lock briefly; the daemon is the only writer. */
#define BUSY_TIMEOUT_MS  5000
/* WAL files shrink back to this after a checkpoint following a large burst. */
#define WAL_SIZE_LIMIT   "67108864"

/* Rowid tables for rows carrying an encoding (up to ~61 KiB): WITHOUT ROWID
 * tables store whole rows in the key b-tree and suit only small rows. The
 * CHECKs keep a hand-edited file from feeding odd types to the readers. */
#define BLOB_N(c, n)  " " c " BLOB NOT NULL CHECK(typeof(" c ")='blob' AND length(" c ")=" #n ")"
#define INT_MIN0(c)   " " c " INTEGER NOT NULL CHECK(typeof(" c ")='integer' AND " c ">=0)"
#define SEQ_COL       " seq INTEGER NOT NULL CHECK(typeof(seq)='integer' AND seq>=1)"
#define ENC_COL       " enc BLOB NOT NULL CHECK(typeof(enc)='blob' AND length(enc)>0)"
static const char schema_sql[] =
	"CREATE TABLE entries(" BLOB_N("line", 32) "," BLOB_N("author", 32) "," SEQ_COL ","
	BLOB_N("hash", 32) ","
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
	" WITHOUT ROWID;";

/* Version 2, also the migration from 1 (and part of 3's from 1 or 2, which
 * adds nothing else): IF NOT EXISTS so that it runs on either. Events of the station itself (start, stop) have no line. At most
 * one open alarm per (line, kind, path); cleared rows stay as history. */
#define TEXT_MAX(c)   " " c " TEXT CHECK(" c " IS NULL OR (typeof(" c ")='text' AND" \
		      " length(CAST(" c " AS BLOB))<=1024))"
#define KIND_COL      " kind INTEGER NOT NULL CHECK(typeof(kind)='integer' AND kind BETWEEN 1 AND 63)"
#define PATH_COL      " path INTEGER NOT NULL CHECK(typeof(path)='integer' AND path BETWEEN -1 AND 255)"
static const char schema_v2_sql[] =
	"CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY,"
	" line BLOB CHECK(line IS NULL OR (typeof(line)='blob' AND length(line)=32)),"
	INT_MIN0("time_ms") "," KIND_COL "," PATH_COL ","
	" value REAL NOT NULL CHECK(typeof(value)='real')," TEXT_MAX("text") ");"
	"CREATE INDEX IF NOT EXISTS events_line_time ON events(line, time_ms);"
	"CREATE TABLE IF NOT EXISTS alarms(id INTEGER PRIMARY KEY," BLOB_N("line", 32) ","
	KIND_COL "," PATH_COL "," INT_MIN0("since_ms") "," TEXT_MAX("text") ","
	" cleared_ms INTEGER CHECK(cleared_ms IS NULL OR (typeof(cleared_ms)='integer' AND"
	" cleared_ms>=0)));"
	"CREATE UNIQUE INDEX IF NOT EXISTS alarms_open ON alarms(line, kind, path)"
	" WHERE cleared_ms IS NULL;"
	"CREATE INDEX IF NOT EXISTS alarms_line_time ON alarms(line, since_ms);";

/* Versions 4 (the watch) and 5 (the outbox): each module's own tables,
 * defined beside its statements (store_sqlite_watch.c, _blobs.c, _notes.c,
 * _outbox.c); IF NOT EXISTS, so creation and the migration from any older
 * version are the same statements. */
static const char *const schema_v4_sql[] = { hl_sq_watch_sql, hl_sq_blobs_sql, hl_sq_notes_sql,
					     hl_sq_outbox_sql };

/* Version 5: per peer, the newest message 1 timestamp accepted within the
 * window around our clock (line_clock.c): after a restart the window admits
 * only later ones, as which ones it saw is not kept. IF NOT EXISTS:
 * creation and the migration from 1..4 are the same statement. */
static const char schema_v5_sql[] =
	"CREATE TABLE IF NOT EXISTS handshake_window(" BLOB_N("peer_x", 32) " PRIMARY KEY,"
	BLOB_N("tai64n", 12) ") WITHOUT ROWID;";

/* Written last, in the same transaction as the tables they vouch for. */
static const char schema_marks_sql[] =
	"PRAGMA application_id=" STR(APPLICATION_ID) ";"
	"PRAGMA user_version=" STR(SCHEMA_VERSION) ";";

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
	/* ?1 is upper-case hex digits and '*': an operator's id prefix. */
	[ST_FIND_PREFIX] = "SELECT line, author, seq, hash FROM entries WHERE hex(hash) GLOB ?1"
			   " LIMIT 2",
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
	[ST_TAIWIN_SET] = "INSERT INTO handshake_window(peer_x, tai64n) VALUES(?1, ?2)"
			  " ON CONFLICT(peer_x) DO UPDATE SET tai64n=excluded.tai64n"
			  " WHERE excluded.tai64n>handshake_window.tai64n",
	[ST_TAIWIN_GET] = "SELECT tai64n FROM handshake_window WHERE peer_x=?1",
	[ST_EVENT_PUT] = "INSERT INTO events(line, time_ms, kind, path, value, text)"
			 " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	/* Both terms of the OR use events_line_time; kinds 0 selects all. */
	[ST_EVENT_WALK] = "SELECT line, time_ms, kind, path, value, text FROM events"
			  " WHERE (line=?1 OR line IS NULL) AND time_ms>=?2 AND time_ms<?3"
			  " AND (?4=0 OR ((1<<kind) & ?4)!=0) ORDER BY time_ms, id",
	/* Two lookups at the end of events_line_time; max() of a NULL is NULL. */
	[ST_EVENT_NEWEST] = "SELECT max(coalesce((SELECT max(time_ms) FROM events WHERE line=?1), 0),"
			    " coalesce((SELECT max(time_ms) FROM events WHERE line IS NULL), 0))",
	/* DO NOTHING covers only the uniqueness of open alarms, not the CHECKs. */
	[ST_ALARM_OPEN] = "INSERT INTO alarms(line, kind, path, since_ms, text)"
			  " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
	[ST_ALARM_CLEAR] = "UPDATE alarms SET cleared_ms=?4"
			   " WHERE line=?1 AND kind=?2 AND path=?3 AND cleared_ms IS NULL",
	[ST_ALARM_WALK] = "SELECT line, kind, path, since_ms, text FROM alarms"
			  " WHERE cleared_ms IS NULL ORDER BY since_ms, id",
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

void hl_sq_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

sqlite3_stmt *hl_sq_lazy(hl_store *st, int slot, const char *sql)
{
	if (!st || slot < 0 || slot >= HL_SQ_LAZY_MAX)
		return NULL;
	if (!st->lazy[slot] &&
	    sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->lazy[slot],
			       NULL) != SQLITE_OK)
		st->lazy[slot] = NULL;
	return st->lazy[slot];
}

int hl_sq_col32(sqlite3_stmt *s, int i, uint8_t out[32])
{
	const void *p = sqlite3_column_blob(s, i);

	if (!p || sqlite3_column_bytes(s, i) != 32)
		return HL_ERR_STORE;
	memcpy(out, p, 32);
	return 0;
}

/* SQLite answers these by rolling back the whole transaction, or may have
 * (its docs advise a ROLLBACK either way): the turn is lost. Any other error
 * (a CHECK, a constraint) undoes only its own statement. */
static int loses_tx(int src)
{
	switch (src & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_BUSY:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

/* The transaction is gone (SQLite rolled it back on its own, or an error
 * said it may have): from here to the turn's end every write must fail, or
 * it would run in autocommit mode and be durable on its own, behind a hole. */
static int tx_lost(hl_store *st)
{
	if (st->in_tx && !st->tx_failed && sqlite3_get_autocommit(st->db))
		st->tx_failed = 1;
	return st->in_tx && st->tx_failed;
}

int hl_sq_run(hl_store *st, sqlite3_stmt *s)
{
	if (tx_lost(st)) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	int src = sqlite3_step(s);

	hl_sq_done(s);
	if (src == SQLITE_DONE)
		return 0;
	if (st->in_tx && loses_tx(src))
		st->tx_failed = 1;
	(void)tx_lost(st);
	return HL_ERR_STORE;
}

/* BEGIN, COMMIT, ROLLBACK: outside the write guard. */
static int tx_stmt(hl_store *st, int id)
{
	sqlite3_stmt *s = st->stmt[id];
	int src = sqlite3_step(s);

	hl_sq_done(s);
	return src == SQLITE_DONE ? 0 : HL_ERR_STORE;
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
		set_err(err, errlen, "%s: mode %04o is too open; run: chmod 600 %s", path,
			(unsigned)(sb.st_mode & 07777), path);
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
	/* Creation and the migration from 1 are the same statements. */
	if (ver < SCHEMA_VERSION &&
	    sqlite3_exec(db, schema_v2_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; ver < SCHEMA_VERSION && i < sizeof schema_v4_sql / sizeof *schema_v4_sql;
	     i++) {
		if (sqlite3_exec(db, schema_v4_sql[i], NULL, NULL, NULL) != SQLITE_OK)
			goto out;
	}
	if (ver < SCHEMA_VERSION && sqlite3_exec(db, schema_v5_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (ver < SCHEMA_VERSION && sqlite3_exec(db, schema_marks_sql, NULL, NULL, NULL) != SQLITE_OK)
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
	hl_store_ckpt_stop(st);
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int i = 0; i < HL_SQ_LAZY_MAX; i++)
		sqlite3_finalize(st->lazy[i]);
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
	if (ver < SCHEMA_VERSION && create_schema(st->db, err, errlen) < 0)
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
		tx_stmt(st, ST_ROLLBACK);
	free_store(st);
}

int hl_store_begin(hl_store *st)
{
	if (!st || st->in_tx)
		return st ? HL_ERR_STATE : HL_ERR_INVAL;
	if (tx_stmt(st, ST_BEGIN) < 0)
		return HL_ERR_STORE;
	st->in_tx = 1;
	st->tx_failed = 0;
	st->abandoned[0] = 0;
	return 0;
}

int hl_store_commit(hl_store *st)
{
	if (!st || !st->in_tx)
		return st ? HL_ERR_STATE : HL_ERR_INVAL;
	/* A lost transaction is never committed: what it still holds (if
	 * SQLite kept anything) goes with the rest of the turn. */
	if (tx_lost(st)) {
		st->in_tx = 0;
		st->tx_failed = 0;
		if (!sqlite3_get_autocommit(st->db))
			tx_stmt(st, ST_ROLLBACK);
		return HL_ERR_STORE;
	}
	st->in_tx = 0;
	if (tx_stmt(st, ST_COMMIT) == 0)
		return 0;
	if (!sqlite3_get_autocommit(st->db))
		tx_stmt(st, ST_ROLLBACK);
	return HL_ERR_STORE;
}

int hl_store_rollback(hl_store *st)
{
	if (!st || !st->in_tx)
		return st ? HL_ERR_STATE : HL_ERR_INVAL;
	st->in_tx = 0;
	st->tx_failed = 0;
	st->abandoned[0] = 0;
	if (sqlite3_get_autocommit(st->db))
		return 0;
	return tx_stmt(st, ST_ROLLBACK);
}

int hl_store_in_tx(const hl_store *st)
{
	return st ? st->in_tx : 0;
}

int hl_store_tx_failed(hl_store *st)
{
	return st ? tx_lost(st) : 0;
}

void hl_store_tx_abandon(hl_store *st, const char *why)
{
	if (!st || !st->in_tx)
		return;
	st->tx_failed = 1;
	snprintf(st->abandoned, sizeof st->abandoned, "%s", why);
}

const char *hl_store_errmsg(hl_store *st)
{
	if (st && st->abandoned[0])
		return st->abandoned;
	return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}
