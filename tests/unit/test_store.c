/* test_store.c — the SQLite store against real files in a fresh temporary
 * directory: durability, WAL, permissions, equivocation and every contract of store.h. */
#include <stdarg.h>
#include <stddef.h>
#include <ctype.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "limits.h"
#include "store.h"
#include "testutil.h"

typedef struct {
	char dir[256];
	char path[300];
	hl_store *st;
	uint8_t line[32];
	uint8_t alice[32];
	uint8_t bob[32];
} fixture;

/* One test entry: encoding of a size and content that depend on seq and a tag,
 * hash = BLAKE2b-256 of it, as the real entries are. */
typedef struct {
	uint8_t enc[512];
	size_t len;
	uint8_t hash[32];
	hl_store_entry e;
} tentry;

static void make_entry(tentry *t, const uint8_t *line, const uint8_t *author, uint64_t seq,
		       uint8_t tag)
{
	t->len = 100 + (size_t)(seq % 300);
	for (size_t i = 0; i < t->len; i++)
		t->enc[i] = (uint8_t)(i * 31 + seq * 7 + tag + author[i % 32] + line[i % 32]);
	crypto_generichash(t->hash, 32, t->enc, t->len, NULL, 0);
	t->e = (hl_store_entry){
		.line_id = line, .author = author, .seq = seq, .hash = t->hash,
		.kind = (uint8_t)(seq % 9), .precedence = (uint8_t)(seq % 4),
		.flags = (uint16_t)(0x100 + seq), .time_ms = 1700000000000ull + seq % 1000000,
		.stored_ms = 1700000000500ull + seq % 1000000, .enc = t->enc, .enc_len = t->len,
	};
}

static int put_seq(fixture *f, const uint8_t *author, uint64_t seq)
{
	tentry t;

	make_entry(&t, f->line, author, seq, 0);
	return hl_store_put_entry(f->st, &t.e);
}

static int open_store(fixture *f)
{
	char err[256];
	int rc = hl_store_open(f->path, &f->st, err, sizeof err);

	if (rc < 0)
		print_error("open: %s\n", err);
	return rc;
}

static void reopen(fixture *f)
{
	hl_store_close(f->st);
	f->st = NULL;
	assert_int_equal(open_store(f), 0);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);

	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "store") < 0)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/hotline.db", f->dir);
	randombytes_buf(f->line, 32);
	randombytes_buf(f->alice, 32);
	randombytes_buf(f->bob, 32);
	*state = f;
	return open_store(f) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;

	hl_store_close(f->st);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* A second, raw connection, as a backup tool or an attacker would have. */
static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return db;
}

static void test_open_wal_mode_0600(void **state)
{
	fixture *f = *state;
	struct stat sb;
	char wal[320];
	sqlite3 *db;
	sqlite3_stmt *s = NULL;

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(put_seq(f, f->alice, 1), 0);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	db = raw_open(f->path);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	assert_int_equal(tu_sql_int(db, "PRAGMA user_version"), 5);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM entries"), 1);
	/* Schema 3: entries are indexed by (line, author, seq) only; a
	 * per-entry random index page on hash was a third of the write cost. */
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM pragma_index_list('entries')"), 1);
	sqlite3_close(db);
}

static void test_put_get_head(void **state)
{
	fixture *f = *state;
	tentry t1, t2;
	hl_buf out;
	uint8_t h[32];
	uint64_t seq, n;

	hl_buf_init(&out, HL_MAX_ENTRY);
	make_entry(&t1, f->line, f->alice, 1, 0);
	make_entry(&t2, f->line, f->alice, 2, 0);
	assert_int_equal(hl_store_put_entry(f->st, &t1.e), 0);
	assert_int_equal(hl_store_put_entry(f->st, &t2.e), 0);

	assert_int_equal(hl_store_get_entry(f->st, f->line, f->alice, 1, &out), 0);
	assert_int_equal(out.len, t1.len);
	assert_memory_equal(out.p, t1.enc, t1.len);
	/* out is reset first, not appended to */
	assert_int_equal(hl_store_get_entry(f->st, f->line, f->alice, 2, &out), 0);
	assert_int_equal(out.len, t2.len);
	assert_memory_equal(out.p, t2.enc, t2.len);

	assert_int_equal(hl_store_hash_at(f->st, f->line, f->alice, 1, h), 0);
	assert_memory_equal(h, t1.hash, 32);
	assert_int_equal(hl_store_head(f->st, f->line, f->alice, &seq, h), 0);
	assert_int_equal(seq, 2);
	assert_memory_equal(h, t2.hash, 32);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 2);

	/* another author on the same line is a separate chain */
	assert_int_equal(hl_store_count(f->st, f->line, f->bob, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(hl_store_get_entry(f->st, f->line, f->alice, 3, &out),
			 HL_ERR_NOTFOUND);
	assert_int_equal(out.len, 0);
	assert_int_equal(hl_store_hash_at(f->st, f->line, f->bob, 1, h), HL_ERR_NOTFOUND);
	hl_buf_free(&out);
}

static void test_head_empty(void **state)
{
	fixture *f = *state;
	uint8_t h[32], zero[32] = { 0 };
	uint64_t seq = 77, n = 77;

	memset(h, 0xff, sizeof h);
	assert_int_equal(hl_store_head(f->st, f->line, f->alice, &seq, h), 0);
	assert_int_equal(seq, 0);
	assert_memory_equal(h, zero, 32);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 0);
}

static void test_reput_and_equivocation(void **state)
{
	fixture *f = *state;
	tentry a, b;
	hl_buf out;
	uint8_t h[32];
	uint64_t n;

	hl_buf_init(&out, HL_MAX_ENTRY);
	make_entry(&a, f->line, f->alice, 5, 0);
	make_entry(&b, f->line, f->alice, 5, 1);
	assert_memory_not_equal(a.hash, b.hash, 32);
	assert_int_equal(hl_store_put_entry(f->st, &a.e), 0);
	assert_int_equal(hl_store_put_entry(f->st, &a.e), 0);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(hl_store_put_entry(f->st, &b.e), HL_ERR_EQUIVOCATION);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(hl_store_get_entry(f->st, f->line, f->alice, 5, &out), 0);
	assert_int_equal(out.len, a.len);
	assert_memory_equal(out.p, a.enc, a.len);
	assert_int_equal(hl_store_hash_at(f->st, f->line, f->alice, 5, h), 0);
	assert_memory_equal(h, a.hash, 32);
	hl_buf_free(&out);
}

typedef struct {
	fixture *f;
	uint64_t seen[32];
	size_t n;
	uint64_t stop_at;
	int nested_rc;
	int inner_rc;
} walk_ctx;

static int walk_cb(void *ctx, const hl_store_entry *e)
{
	walk_ctx *w = ctx;
	tentry t;
	uint8_t h[32];

	make_entry(&t, w->f->line, w->f->alice, e->seq, 0);
	if (e->enc_len != t.len || memcmp(e->enc, t.enc, t.len) != 0 ||
	    memcmp(e->hash, t.hash, 32) != 0 || e->kind != t.e.kind ||
	    e->precedence != t.e.precedence || e->flags != t.e.flags ||
	    e->time_ms != t.e.time_ms || e->stored_ms != t.e.stored_ms ||
	    memcmp(e->line_id, w->f->line, 32) != 0 || memcmp(e->author, w->f->alice, 32) != 0)
		return -1000;
	if (w->n < 32)
		w->seen[w->n++] = e->seq;
	/* other statements may be used from inside a walk, the walk itself not */
	w->inner_rc = hl_store_hash_at(w->f->st, w->f->line, w->f->alice, e->seq, h);
	w->nested_rc = hl_store_walk(w->f->st, w->f->line, w->f->alice, 1, 0, walk_cb, w);
	return e->seq == w->stop_at ? 7 : 0;
}

static void test_walk(void **state)
{
	fixture *f = *state;
	walk_ctx w = { .f = f };

	for (uint64_t s = 10; s >= 1; s--)
		assert_int_equal(put_seq(f, f->alice, s), 0);
	assert_int_equal(put_seq(f, f->bob, 1), 0);

	assert_int_equal(hl_store_walk(f->st, f->line, f->alice, 0, 0, walk_cb, &w), 0);
	assert_int_equal(w.n, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(w.seen[i], i + 1);
	assert_int_equal(w.nested_rc, HL_ERR_STATE);
	assert_int_equal(w.inner_rc, 0);

	w = (walk_ctx){ .f = f };
	assert_int_equal(hl_store_walk(f->st, f->line, f->alice, 4, 3, walk_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.seen[0], 4);
	assert_int_equal(w.seen[2], 6);

	w = (walk_ctx){ .f = f, .stop_at = 3 };
	assert_int_equal(hl_store_walk(f->st, f->line, f->alice, 1, 0, walk_cb, &w), 7);
	assert_int_equal(w.n, 3);

	/* the statement was reset after the early stop: a new walk starts fresh */
	w = (walk_ctx){ .f = f };
	assert_int_equal(hl_store_walk(f->st, f->line, f->alice, 9, 100, walk_cb, &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.seen[1], 10);

	w = (walk_ctx){ .f = f };
	assert_int_equal(hl_store_walk(f->st, f->line, f->alice, 11, 0, walk_cb, &w), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(hl_store_walk(f->st, f->line, f->alice, (uint64_t)INT64_MAX + 1, 0,
				       walk_cb, &w), HL_ERR_INVAL);
}

static void test_find_hash(void **state)
{
	fixture *f = *state;
	tentry t;
	uint8_t line[32], author[32], unknown[32];
	uint64_t seq;

	for (uint64_t s = 1; s <= 3; s++)
		assert_int_equal(put_seq(f, f->bob, s), 0);
	make_entry(&t, f->line, f->bob, 2, 0);
	assert_int_equal(hl_store_find_hash(f->st, t.hash, line, author, &seq), 0);
	assert_memory_equal(line, f->line, 32);
	assert_memory_equal(author, f->bob, 32);
	assert_int_equal(seq, 2);

	randombytes_buf(unknown, sizeof unknown);
	assert_int_equal(hl_store_find_hash(f->st, unknown, line, author, &seq),
			 HL_ERR_NOTFOUND);
	assert_int_equal(seq, 0);

	/* An operator's id prefix: the whole hash, a short prefix in either
	 * case, a prefix no entry has, and one that every entry has. */
	char hex[65], up[65];
	uint8_t h[32];
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", t.hash[i]);
	for (size_t i = 0; i <= 64; i++)
		up[i] = (char)toupper((unsigned char)hex[i]);
	assert_int_equal(hl_store_find_prefix(f->st, hex, line, author, &seq, h), 0);
	assert_int_equal(seq, 2);
	assert_memory_equal(h, t.hash, 32);
	up[12] = '\0';
	assert_int_equal(hl_store_find_prefix(f->st, up, line, author, &seq, h), 0);
	assert_int_equal(seq, 2);
	assert_memory_equal(author, f->bob, 32);
	hex[0] = hex[0] == '0' ? '1' : '0';
	assert_int_equal(hl_store_find_prefix(f->st, hex, line, author, &seq, h), HL_ERR_NOTFOUND);
	assert_int_equal(seq, 0);
	assert_int_equal(hl_store_find_prefix(f->st, "", line, author, &seq, h), HL_ERR_INVAL);
	assert_int_equal(hl_store_find_prefix(f->st, "12*", line, author, &seq, h), HL_ERR_INVAL);
	/* One hex digit: not found, found, or ambiguous, as the three hashes'
	 * first digits say. */
	int first[3];
	for (uint64_t q = 1; q <= 3; q++) {
		tentry u;
		make_entry(&u, f->line, f->bob, q, 0);
		first[q - 1] = u.hash[0] >> 4;
	}
	for (int d = 0; d < 16; d++) {
		char one[2] = { "0123456789abcdef"[d], 0 };
		int n = (first[0] == d) + (first[1] == d) + (first[2] == d);
		int rc = hl_store_find_prefix(f->st, one, line, author, &seq, h);
		assert_int_equal(rc, n == 0 ? HL_ERR_NOTFOUND : n == 1 ? 0 : HL_ERR_STATE);
	}
}

static void test_receipts_only_advance(void **state)
{
	fixture *f = *state;
	uint8_t r5[80], r3[70], r7[90];
	hl_buf out;
	uint64_t seq = 99;

	hl_buf_init(&out, 4096);
	memset(r5, 5, sizeof r5);
	memset(r3, 3, sizeof r3);
	memset(r7, 7, sizeof r7);
	assert_int_equal(hl_buf_put(&out, "junk", 4), 0);
	assert_int_equal(hl_store_get_receipt(f->st, f->line, f->bob, &seq, &out), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(out.len, 0);

	assert_int_equal(hl_store_put_receipt(f->st, f->line, f->bob, 5, r5, sizeof r5), 0);
	assert_int_equal(hl_store_put_receipt(f->st, f->line, f->bob, 3, r3, sizeof r3), 0);
	assert_int_equal(hl_store_put_receipt(f->st, f->line, f->bob, 5, r3, sizeof r3), 0);
	assert_int_equal(hl_store_get_receipt(f->st, f->line, f->bob, &seq, &out), 0);
	assert_int_equal(seq, 5);
	assert_int_equal(out.len, sizeof r5);
	assert_memory_equal(out.p, r5, sizeof r5);

	assert_int_equal(hl_store_put_receipt(f->st, f->line, f->bob, 7, r7, sizeof r7), 0);
	assert_int_equal(hl_store_get_receipt(f->st, f->line, f->bob, &seq, &out), 0);
	assert_int_equal(seq, 7);
	assert_memory_equal(out.p, r7, sizeof r7);

	/* receipts are per receiver */
	assert_int_equal(hl_store_get_receipt(f->st, f->line, f->alice, &seq, &out), 0);
	assert_int_equal(seq, 0);
	hl_buf_free(&out);
}

static void test_conflicts(void **state)
{
	fixture *f = *state;
	tentry a, b, c;
	hl_buf out;
	uint64_t seq;

	hl_buf_init(&out, HL_MAX_ENTRY);
	make_entry(&a, f->line, f->alice, 4, 0);
	make_entry(&b, f->line, f->alice, 4, 1);
	make_entry(&c, f->line, f->alice, 4, 2);
	assert_int_equal(hl_store_get_conflict(f->st, f->line, f->alice, &seq, &out),
			 HL_ERR_NOTFOUND);
	assert_int_equal(seq, 0);

	assert_int_equal(hl_store_put_entry(f->st, &a.e), 0);
	assert_int_equal(hl_store_put_entry(f->st, &b.e), HL_ERR_EQUIVOCATION);
	assert_int_equal(hl_store_put_conflict(f->st, f->line, f->alice, 4, b.enc, b.len), 0);
	/* the first proof stays */
	assert_int_equal(hl_store_put_conflict(f->st, f->line, f->alice, 4, c.enc, c.len), 0);
	assert_int_equal(hl_store_get_conflict(f->st, f->line, f->alice, &seq, &out), 0);
	assert_int_equal(seq, 4);
	assert_int_equal(out.len, b.len);
	assert_memory_equal(out.p, b.enc, b.len);
	assert_int_equal(hl_store_get_conflict(f->st, f->line, f->bob, &seq, &out),
			 HL_ERR_NOTFOUND);
	assert_int_equal(out.len, 0);
	hl_buf_free(&out);
}

static void test_stopped(void **state)
{
	fixture *f = *state;
	const char *why = "equivocation by peer at seq 4";
	char buf[128], small[8];

	strcpy(buf, "stale");
	assert_int_equal(hl_store_get_stopped(f->st, f->line, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(hl_store_set_stopped(f->st, f->line, why), 0);
	reopen(f);
	assert_int_equal(hl_store_get_stopped(f->st, f->line, buf, sizeof buf), 0);
	assert_string_equal(buf, why);
	assert_int_equal(hl_store_get_stopped(f->st, f->line, small, sizeof small),
			 HL_ERR_TOOBIG);
	assert_string_equal(small, "");
	assert_int_equal(hl_store_set_stopped(f->st, f->line, ""), 0);
	assert_int_equal(hl_store_get_stopped(f->st, f->line, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
}

typedef int (*tai_get)(hl_store *, const uint8_t *, uint8_t *);
typedef int (*tai_set)(hl_store *, const uint8_t *, const uint8_t *);

/* A stored newest timestamp: zeros at first, kept across a reopen, never
 * stepping back, per peer. */
static void check_tai_row(fixture *f, tai_get get, tai_set set, uint8_t newest[12])
{
	uint8_t ts[12], t1[12], t0[12], zero[12] = { 0 };

	memset(ts, 0xee, sizeof ts);
	assert_int_equal(get(f->st, f->bob, ts), 0);
	assert_memory_equal(ts, zero, 12);
	memset(t1, 0, 12);
	t1[0] = 0x40;
	t1[7] = 0x10;
	memcpy(t0, t1, 12);
	t0[7] = 0x0f;
	memcpy(newest, t1, 12);
	newest[11] = 0x01;
	assert_int_equal(set(f->st, f->bob, t1), 0);
	reopen(f);
	assert_int_equal(get(f->st, f->bob, ts), 0);
	assert_memory_equal(ts, t1, 12);
	/* an older timestamp never replaces a newer one */
	assert_int_equal(set(f->st, f->bob, t0), 0);
	assert_int_equal(get(f->st, f->bob, ts), 0);
	assert_memory_equal(ts, t1, 12);
	assert_int_equal(set(f->st, f->bob, newest), 0);
	assert_int_equal(get(f->st, f->bob, ts), 0);
	assert_memory_equal(ts, newest, 12);
	assert_int_equal(get(f->st, f->alice, ts), 0);
	assert_memory_equal(ts, zero, 12);
}

/* The newest handshake timestamp and the newest inside the window (schema
 * 5): two rows kept the same way, neither touching the other. */
static void test_tai64n(void **state)
{
	fixture *f = *state;
	uint8_t a[12], b[12], ts[12];

	check_tai_row(f, hl_store_get_tai64n, hl_store_set_tai64n, a);
	check_tai_row(f, hl_store_get_tai64n_window, hl_store_set_tai64n_window, b);
	b[0] = 0x41;
	assert_int_equal(hl_store_set_tai64n_window(f->st, f->bob, b), 0);
	assert_int_equal(hl_store_get_tai64n(f->st, f->bob, ts), 0);
	assert_memory_equal(ts, a, 12);
}

static void test_tx_rollback(void **state)
{
	fixture *f = *state;
	uint8_t r[40] = { 1 };
	uint8_t h[32];
	uint64_t n, seq;

	assert_int_equal(hl_store_in_tx(f->st), 0);
	assert_int_equal(hl_store_commit(f->st), HL_ERR_STATE);
	assert_int_equal(hl_store_rollback(f->st), HL_ERR_STATE);
	assert_int_equal(hl_store_begin(f->st), 0);
	assert_int_equal(hl_store_in_tx(f->st), 1);
	assert_int_equal(hl_store_begin(f->st), HL_ERR_STATE);
	for (uint64_t s = 1; s <= 5; s++)
		assert_int_equal(put_seq(f, f->alice, s), 0);
	assert_int_equal(hl_store_put_receipt(f->st, f->line, f->bob, 5, r, sizeof r), 0);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(hl_store_rollback(f->st), 0);
	assert_int_equal(hl_store_in_tx(f->st), 0);

	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(hl_store_head(f->st, f->line, f->alice, &seq, h), 0);
	assert_int_equal(seq, 0);
	reopen(f);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 0);
}

static void test_tx_commit_durable(void **state)
{
	fixture *f = *state;
	uint8_t r[40] = { 2 };
	tentry t;
	hl_buf out;
	uint8_t h[32];
	uint64_t n, seq;

	hl_buf_init(&out, HL_MAX_ENTRY);
	assert_int_equal(hl_store_begin(f->st), 0);
	for (uint64_t s = 1; s <= 100; s++)
		assert_int_equal(put_seq(f, f->alice, s), 0);
	assert_int_equal(hl_store_put_receipt(f->st, f->line, f->bob, 100, r, sizeof r), 0);
	assert_int_equal(hl_store_commit(f->st), 0);
	assert_int_equal(hl_store_in_tx(f->st), 0);
	/* an open transaction at close is rolled back, not committed */
	assert_int_equal(hl_store_begin(f->st), 0);
	assert_int_equal(put_seq(f, f->alice, 101), 0);
	reopen(f);

	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 100);
	make_entry(&t, f->line, f->alice, 57, 0);
	assert_int_equal(hl_store_get_entry(f->st, f->line, f->alice, 57, &out), 0);
	assert_int_equal(out.len, t.len);
	assert_memory_equal(out.p, t.enc, t.len);
	make_entry(&t, f->line, f->alice, 100, 0);
	assert_int_equal(hl_store_head(f->st, f->line, f->alice, &seq, h), 0);
	assert_int_equal(seq, 100);
	assert_memory_equal(h, t.hash, 32);
	assert_int_equal(hl_store_get_receipt(f->st, f->line, f->bob, &seq, &out), 0);
	assert_int_equal(seq, 100);
	assert_memory_equal(out.p, r, sizeof r);
	hl_buf_free(&out);
}

/* Background checkpoints: many commits go through the thread's checkpoints
 * (none inline: the thread keeps up at this rate), the WAL stays small, and
 * every entry is there after a reopen. */
static void test_background_checkpoints(void **state)
{
	fixture *f = *state;
	uint64_t bg = 0, inl = 0, n = 0;
	hl_buf out;

	assert_int_equal(hl_store_checkpoints(f->st, &bg, &inl), HL_ERR_STATE);
	assert_int_equal(hl_store_background_checkpoints(f->st, f->path), 0);
	assert_int_equal(hl_store_background_checkpoints(f->st, f->path), HL_ERR_INVAL);
	for (uint64_t s = 1; s <= 6000; s++) {
		if ((s - 1) % 20 == 0)
			assert_int_equal(hl_store_begin(f->st), 0);
		assert_int_equal(put_seq(f, f->alice, s), 0);
		if (s % 20 == 0)
			assert_int_equal(hl_store_commit(f->st), 0);
		if (s % 600 == 0)
			usleep(20000); /* the thread's turn, as the loop's idle moments give it */
	}
	assert_int_equal(hl_store_checkpoints(f->st, &bg, &inl), 0);
	assert_true(bg >= 1);
	assert_int_equal(inl, 0);
	/* The WAL was started over as the thread caught up: a fresh connection
	 * finds no more than a checkpoint's worth of frames (1000 pages, plus
	 * what was written while the last one ran), not the ~7,400 written. */
	usleep(200000);
	assert_int_equal(hl_store_begin(f->st), 0);
	assert_int_equal(put_seq(f, f->alice, 6001), 0);
	assert_int_equal(hl_store_commit(f->st), 0);
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(PASSIVE)", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int frames = sqlite3_column_int(q, 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	print_message("%llu background checkpoints; %d frames in the WAL after the last commit\n",
		      (unsigned long long)bg, frames);
	assert_true(frames >= 1 && frames < 1500);
	reopen(f);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 6001);
	hl_buf_init(&out, HL_MAX_ENTRY);
	tentry t;
	make_entry(&t, f->line, f->alice, 4321, 0);
	assert_int_equal(hl_store_get_entry(f->st, f->line, f->alice, 4321, &out), 0);
	assert_memory_equal(out.p, t.enc, t.len);
	hl_buf_free(&out);
}

static void test_bad_seq(void **state)
{
	fixture *f = *state;
	const uint64_t big = (uint64_t)INT64_MAX + 1;
	uint8_t r[8] = { 0 }, h[32];
	tentry t;
	hl_buf out;
	uint64_t n;

	hl_buf_init(&out, HL_MAX_ENTRY);
	make_entry(&t, f->line, f->alice, 1, 0);
	t.e.seq = big;
	assert_int_equal(hl_store_put_entry(f->st, &t.e), HL_ERR_INVAL);
	t.e.seq = UINT64_MAX;
	assert_int_equal(hl_store_put_entry(f->st, &t.e), HL_ERR_INVAL);
	t.e.seq = 0;
	assert_int_equal(hl_store_put_entry(f->st, &t.e), HL_ERR_INVAL);
	t.e.seq = 1;
	t.e.time_ms = big;
	assert_int_equal(hl_store_put_entry(f->st, &t.e), HL_ERR_INVAL);
	t.e.time_ms = 1;
	t.e.enc_len = HL_MAX_ENTRY + 1;
	assert_int_equal(hl_store_put_entry(f->st, &t.e), HL_ERR_INVAL);
	assert_int_equal(hl_store_get_entry(f->st, f->line, f->alice, big, &out), HL_ERR_INVAL);
	assert_int_equal(hl_store_hash_at(f->st, f->line, f->alice, big, h), HL_ERR_INVAL);
	assert_int_equal(hl_store_put_receipt(f->st, f->line, f->bob, big, r, sizeof r),
			 HL_ERR_INVAL);
	assert_int_equal(hl_store_put_conflict(f->st, f->line, f->bob, big, r, sizeof r),
			 HL_ERR_INVAL);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 0);

	/* the largest representable seq is fine */
	make_entry(&t, f->line, f->alice, (uint64_t)INT64_MAX, 0);
	assert_int_equal(hl_store_put_entry(f->st, &t.e), 0);
	assert_int_equal(hl_store_hash_at(f->st, f->line, f->alice, (uint64_t)INT64_MAX, h), 0);
	assert_memory_equal(h, t.hash, 32);
	hl_buf_free(&out);
}

static void test_reopen_version_check(void **state)
{
	fixture *f = *state;
	hl_store *st = (hl_store *)1;
	char err[256];
	sqlite3 *db;
	uint64_t n;

	assert_int_equal(put_seq(f, f->alice, 1), 0);
	reopen(f);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 1);
	hl_store_close(f->st);
	f->st = NULL;

	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	err[0] = '\0';
	assert_int_equal(hl_store_open(f->path, &st, err, sizeof err), HL_ERR_STORE);
	assert_null(st);
	assert_non_null(strstr(err, "99"));
	assert_non_null(strstr(err, "newer"));

	/* the refused file was not touched */
	db = raw_open(f->path);
	assert_int_equal(tu_sql_int(db, "PRAGMA user_version"), 99);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE handshake_window; PRAGMA user_version=1", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(open_store(f), 0);
	/* Migrated from 1 to 5; what it held is still there, and 4's and 5's
	 * tables exist. */
	db = raw_open(f->path);
	assert_int_equal(tu_sql_int(db, "PRAGMA user_version"), 5);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
				 " ('watch', 'checkins', 'blobs', 'blob_chunks', 'translations',"
				 " 'outbox', 'handshake_window')"), 7);
	sqlite3_close(db);
	assert_int_equal(hl_store_count(f->st, f->line, f->alice, &n), 0);
	assert_int_equal(n, 1);
}

static void test_refuse_foreign_files(void **state)
{
	fixture *f = *state;
	char p[320], err[256];
	hl_store *st = NULL;
	sqlite3 *db = NULL;
	FILE *fp;

	/* another application's database */
	snprintf(p, sizeof p, "%s/other.db", f->dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(hl_store_open(p, &st, err, sizeof err), HL_ERR_STORE);
	assert_null(st);
	assert_non_null(strstr(err, "not a hotline database"));
	unlink(p);

	/* not a database at all */
	fp = fopen(p, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite file ", fp);
	fclose(fp);
	assert_int_equal(chmod(p, 0600), 0);
	err[0] = '\0';
	assert_int_equal(hl_store_open(p, &st, err, sizeof err), HL_ERR_STORE);
	assert_null(st);
	assert_true(strlen(err) > 0);

	/* readable by others */
	assert_int_equal(chmod(f->path, 0644), 0);
	hl_store_close(f->st);
	f->st = NULL;
	assert_int_equal(hl_store_open(f->path, &st, err, sizeof err), HL_ERR_PERM);
	assert_null(st);
	assert_non_null(strstr(err, "0644"));
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(open_store(f), 0);

	/* a symlink is not followed */
	snprintf(p, sizeof p, "%s/link.db", f->dir);
	unlink(p);
	assert_int_equal(symlink(f->path, p), 0);
	assert_true(hl_store_open(p, &st, err, sizeof err) < 0);
	assert_null(st);
	unlink(p);
	snprintf(p, sizeof p, "%s/other.db", f->dir);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_wal_mode_0600, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reput_and_equivocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipts_only_advance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tai64n, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_commit_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_background_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_version_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_foreign_files, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
