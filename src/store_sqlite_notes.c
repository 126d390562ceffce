/* store_sqlite_notes.c — the SQLite store's station-local notes on entries
 * (schema 4): translations and who certified them. Never sent to the peer. */
#include "store_sqlite_int.h"

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
	" certified_ms INTEGER CHECK(certified_ms IS NULL OR typeof(certified_ms)='integer'));"
	"CREATE INDEX IF NOT EXISTS translations_entry ON translations(line, author, seq);";
