/* store_sqlite_watch.c — the SQLite store's watch rows (schema 4): entries of
 * either party that wait for a human acknowledgement, with their deadlines. */
#include "store_sqlite_int.h"

/* One row per entry that needs an ACK; the row goes when the ACK is stored.
 * The hash index is over waiting entries only (a few), not every entry. */
const char hl_sq_watch_sql[] =
	"CREATE TABLE IF NOT EXISTS watch("
	" line BLOB NOT NULL CHECK(typeof(line)='blob' AND length(line)=32),"
	" author BLOB NOT NULL CHECK(typeof(author)='blob' AND length(author)=32),"
	" seq INTEGER NOT NULL CHECK(typeof(seq)='integer' AND seq>=1),"
	" hash BLOB NOT NULL CHECK(typeof(hash)='blob' AND length(hash)=32),"
	" kind INTEGER NOT NULL CHECK(kind BETWEEN 0 AND 255),"
	" precedence INTEGER NOT NULL CHECK(precedence BETWEEN 0 AND 255),"
	" flags INTEGER NOT NULL CHECK(flags BETWEEN 0 AND 65535),"
	" base_ms INTEGER NOT NULL CHECK(typeof(base_ms)='integer' AND base_ms>=0),"
	" due_ms INTEGER NOT NULL CHECK(typeof(due_ms)='integer' AND due_ms>=0),"
	" overdue_ms INTEGER NOT NULL DEFAULT 0 CHECK(typeof(overdue_ms)='integer' AND overdue_ms>=0),"
	" PRIMARY KEY(line, author, seq)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS watch_hash ON watch(hash);";
