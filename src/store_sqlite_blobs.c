/* store_sqlite_blobs.c — the SQLite store's attachments (schema 4): content-
 * addressed blobs kept as chunks, with how much of each is held. */
#include "store_sqlite_int.h"

const char hl_sq_blobs_sql[] =
	"CREATE TABLE IF NOT EXISTS blobs("
	" hash BLOB PRIMARY KEY CHECK(typeof(hash)='blob' AND length(hash)=32),"
	" size INTEGER NOT NULL CHECK(typeof(size)='integer' AND size>=0),"
	" have INTEGER NOT NULL CHECK(typeof(have)='integer' AND have>=0 AND have<=size),"
	" complete INTEGER NOT NULL CHECK(complete IN (0, 1)),"
	" created_ms INTEGER NOT NULL CHECK(typeof(created_ms)='integer' AND created_ms>=0))"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS blob_chunks("
	" hash BLOB NOT NULL CHECK(typeof(hash)='blob' AND length(hash)=32),"
	" offset INTEGER NOT NULL CHECK(typeof(offset)='integer' AND offset>=0),"
	" data BLOB NOT NULL CHECK(typeof(data)='blob' AND length(data)>0),"
	" PRIMARY KEY(hash, offset));";
