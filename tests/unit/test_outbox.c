/* test_outbox.c — the store's outbox (store_outbox.h) against a real file:
 * drafts kept in queueing order per line, bytes exactly as given (empty
 * body and refs too), numbers never reused, rolled back with their
 * transaction, kept across a reopen, and hand-edited rows refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "limits.h"
#include "store.h"
#include "store_outbox.h"
#include "testutil.h"

typedef struct {
	char dir[256];
	char path[300];
	hl_store *st;
	uint8_t line[32], other[32];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char err[256];

	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "outbox") < 0)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/hotline.db", f->dir);
	randombytes_buf(f->line, 32);
	randombytes_buf(f->other, 32);
	if (hl_store_open(f->path, &f->st, err, sizeof err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	hl_store_close(f->st);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* What a walk saw, copied out. */
typedef struct {
	int n;
	int64_t id[8];
	uint8_t kind[8];
	size_t body_len[8];
	unsigned nrefs[8];
	char body[8][64];
	char op[8][HL_MAX_OPERATOR + 1];
	uint8_t refs0[8][32];
	uint64_t queued_ms[8];
} seen;

static int collect(void *ctx, const hl_store_draft *d)
{
	seen *s = ctx;
	int i = s->n++;

	assert_true(i < 8);
	s->id[i] = d->id;
	s->kind[i] = d->kind;
	s->body_len[i] = d->body_len;
	s->nrefs[i] = d->nrefs;
	assert_true(d->body_len < sizeof s->body[i]);
	if (d->body_len)
		memcpy(s->body[i], d->body, d->body_len);
	s->body[i][d->body_len] = '\0';
	snprintf(s->op[i], sizeof s->op[i], "%s", d->operator_name);
	if (d->nrefs)
		memcpy(s->refs0[i], d->refs, 32);
	s->queued_ms[i] = d->queued_ms;
	return 0;
}

static int64_t put(fixture *f, const uint8_t *line, uint8_t kind, const char *body,
		   const uint8_t *ref)
{
	hl_store_draft d = {
		.line_id = line, .kind = kind, .precedence = 3, .flags = 1,
		.operator_name = "ivanova", .lang = "ru",
		.refs = ref, .nrefs = ref ? 1 : 0,
		.body = (const uint8_t *)body, .body_len = body ? strlen(body) : 0,
		.queued_ms = 1795000000000ull + kind,
	};
	int64_t id = -1;

	assert_int_equal(hl_store_draft_put(f->st, &d, &id), 0);
	assert_true(id >= 1);
	return id;
}

static void test_order_lines_and_bytes(void **state)
{
	fixture *f = *state;
	uint8_t ref[32];
	uint64_t n = 99;
	seen s;

	randombytes_buf(ref, 32);
	int64_t a = put(f, f->line, 1, "first", NULL);
	int64_t o = put(f, f->other, 1, "other line", NULL);
	int64_t b = put(f, f->line, 2, NULL, ref); /* an ACK without a note */
	int64_t c = put(f, f->line, 1, "third", NULL);
	assert_true(a < o && o < b && b < c);
	assert_int_equal(hl_store_draft_count(f->st, f->line, &n), 0);
	assert_true(n == 3);

	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_draft_walk(f->st, f->line, 0, 0, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(s.id[0] == a && s.id[1] == b && s.id[2] == c);
	assert_string_equal(s.body[0], "first");
	assert_true(s.body_len[1] == 0 && s.nrefs[1] == 1);
	assert_memory_equal(s.refs0[1], ref, 32);
	assert_string_equal(s.op[2], "ivanova");
	assert_true(s.queued_ms[2] == 1795000000001ull);
	/* The oldest only, and the ones after a given draft. */
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_draft_walk(f->st, f->line, 0, 1, collect, &s), 0);
	assert_true(s.n == 1 && s.id[0] == a);
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_draft_walk(f->st, f->line, b, 0, collect, &s), 0);
	assert_true(s.n == 1 && s.id[0] == c);

	/* Signed: gone, and its number is never given again. */
	assert_int_equal(hl_store_draft_delete(f->st, c), 0);
	assert_int_equal(hl_store_draft_delete(f->st, c), HL_ERR_NOTFOUND);
	int64_t d = put(f, f->line, 1, "fourth", NULL);
	assert_true(d > c);
}

static void test_transaction_and_reopen(void **state)
{
	fixture *f = *state;
	char err[256];
	uint64_t n = 0;
	seen s;

	int64_t a = put(f, f->line, 1, "kept", NULL);
	assert_int_equal(hl_store_begin(f->st), 0);
	put(f, f->line, 1, "rolled back", NULL);
	assert_int_equal(hl_store_draft_delete(f->st, a), 0);
	assert_int_equal(hl_store_rollback(f->st), 0);
	assert_int_equal(hl_store_draft_count(f->st, f->line, &n), 0);
	assert_true(n == 1);

	hl_store_close(f->st);
	assert_int_equal(hl_store_open(f->path, &f->st, err, sizeof err), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_draft_walk(f->st, f->line, 0, 0, collect, &s), 0);
	assert_true(s.n == 1 && s.id[0] == a);
	assert_string_equal(s.body[0], "kept");
}

static void test_refused(void **state)
{
	fixture *f = *state;
	char big[HL_MAX_OPERATOR + 2];
	sqlite3 *db;
	seen s;
	int64_t id;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	hl_store_draft d = { .line_id = f->line, .operator_name = big, .lang = "en" };
	assert_int_equal(hl_store_draft_put(f->st, &d, &id), HL_ERR_STORE);
	d.operator_name = "ok";
	d.nrefs = HL_MAX_REFS + 1;
	assert_int_equal(hl_store_draft_put(f->st, &d, &id), HL_ERR_INVAL);
	d.nrefs = 0;
	d.body_len = HL_MAX_BODY + 1;
	assert_int_equal(hl_store_draft_put(f->st, &d, &id), HL_ERR_INVAL);
	assert_int_equal(hl_store_draft_walk(f->st, f->line, 0, 0, NULL, NULL), HL_ERR_INVAL);

	/* A row edited by hand to a body past the limit: the CHECK refuses it,
	 * and with the CHECKs bypassed the reader refuses it. */
	put(f, f->line, 1, "edited", NULL);
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE outbox SET body=zeroblob(61441)", NULL, NULL,
					  NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA ignore_check_constraints=1;"
				      "UPDATE outbox SET kind=256", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_draft_walk(f->st, f->line, 0, 0, collect, &s), HL_ERR_STORE);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_lines_and_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
