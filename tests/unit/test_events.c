/* test_events.c — link events and alarm rows in the SQLite store (schema
 * version 2): order, filters, limits, reading in pages, open-alarm
 * uniqueness, the migration from 1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "line/events.h"
#include "store/store.h"
#include "testutil.h"

typedef struct {
	char dir[256];
	char path[300];
	hl_store *st;
	uint8_t line[32];
	uint8_t other[32];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char err[256];

	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "events") < 0)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/hotline.db", f->dir);
	randombytes_buf(f->line, 32);
	randombytes_buf(f->other, 32);
	*state = f;
	return hl_store_open(f->path, &f->st, err, sizeof err);
}

static int teardown(void **state)
{
	fixture *f = *state;

	hl_store_close(f->st);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

typedef struct {
	int n;
	uint64_t t[16];
	int kind[16];
	int path[16];
	double value[16];
	char text[16][64];
	int station[16];
	int stop_at;
} seen;

static int collect(void *ctx, const hl_store_event *ev)
{
	seen *s = ctx;

	if (s->n >= 16)
		return -100;
	s->t[s->n] = ev->time_ms;
	s->kind[s->n] = ev->kind;
	s->path[s->n] = ev->path;
	s->value[s->n] = ev->value;
	snprintf(s->text[s->n], sizeof s->text[0], "%s", ev->text ? ev->text : "(null)");
	s->station[s->n] = ev->line_id == NULL;
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static void test_events_order_and_filter(void **state)
{
	fixture *f = *state;
	seen s;

	/* recorded out of time order; the walk is in time order, ties as recorded */
	assert_int_equal(hl_events_record(f->st, f->line, 3000, HL_EV_RTT, 0, 41.5, NULL), 0);
	assert_int_equal(hl_events_record(f->st, NULL, 1000, HL_EV_START, -1, 0, NULL), 0);
	assert_int_equal(hl_events_record(f->st, f->line, 2000, HL_EV_PATH_UP, 1, 0, "ok"), 0);
	assert_int_equal(hl_events_record(f->st, f->line, 2000, HL_EV_LINE_UP, 1, 0, NULL), 0);
	assert_int_equal(hl_events_record(f->st, f->other, 2500, HL_EV_LINE_DOWN, -1, 0, "x"), 0);
	assert_int_equal(hl_events_record(f->st, f->line, 4000, HL_EV_TEST_OK, 0, 12, NULL), 0);

	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_walk_events(f->st, f->line, 0, UINT64_MAX, 0, collect, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.t[0], 1000);
	assert_int_equal(s.kind[0], HL_EV_START);
	assert_true(s.station[0]);
	assert_int_equal(s.kind[1], HL_EV_PATH_UP);
	assert_int_equal(s.path[1], 1);
	assert_string_equal(s.text[1], "ok");
	assert_int_equal(s.kind[2], HL_EV_LINE_UP);
	assert_string_equal(s.text[2], "(null)");
	assert_false(s.station[2]);
	assert_int_equal(s.kind[3], HL_EV_RTT);
	assert_true(s.value[3] == 41.5);
	assert_int_equal(s.kind[4], HL_EV_TEST_OK);

	/* [since, until) and the kind mask */
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_walk_events(f->st, f->line, 2000, 4000, 0, collect, &s), 0);
	assert_int_equal(s.n, 3);
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_walk_events(f->st, f->line, 0, UINT64_MAX,
					      (1ull << HL_EV_START) | (1ull << HL_EV_RTT),
					      collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.kind[0], HL_EV_START);
	assert_int_equal(s.kind[1], HL_EV_RTT);

	/* the other line sees its own event and the station's */
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_walk_events(f->st, f->other, 0, UINT64_MAX, 0, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.kind[1], HL_EV_LINE_DOWN);

	/* a callback's non-zero stops the walk and is returned */
	memset(&s, 0, sizeof s);
	s.stop_at = 2;
	assert_int_equal(hl_store_walk_events(f->st, f->line, 0, UINT64_MAX, 0, collect, &s), 7);
	assert_int_equal(s.n, 2);
}

/* The newest time the record holds, of a line's events or the station's:
 * what the local clock-step check compares our clock with. */
static void test_events_newest(void **state)
{
	fixture *f = *state;
	uint64_t ms = 1;

	assert_int_equal(hl_store_events_newest(f->st, f->line, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(hl_events_record(f->st, NULL, 5000, HL_EV_START, -1, 0, NULL), 0);
	assert_int_equal(hl_store_events_newest(f->st, f->line, &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(hl_events_record(f->st, f->line, 9000, HL_EV_RTT, 0, 3, NULL), 0);
	assert_int_equal(hl_events_record(f->st, f->line, 7000, HL_EV_LINE_UP, 0, 0, NULL), 0);
	assert_int_equal(hl_events_record(f->st, f->other, 99000, HL_EV_LINE_UP, 0, 0, NULL), 0);
	assert_int_equal(hl_store_events_newest(f->st, f->line, &ms), 0);
	assert_int_equal(ms, 9000);
	assert_int_equal(hl_events_record(f->st, NULL, 12000, HL_EV_STOP, -1, 0, NULL), 0);
	assert_int_equal(hl_store_events_newest(f->st, f->line, &ms), 0);
	assert_int_equal(ms, 12000);
	assert_int_equal(hl_store_events_newest(f->st, NULL, &ms), HL_ERR_INVAL);
}

static int nested(void *ctx, const hl_store_event *ev)
{
	fixture *f = ctx;
	seen s;

	(void)ev;
	memset(&s, 0, sizeof s);
	return hl_store_walk_events(f->st, f->line, 0, UINT64_MAX, 0, collect, &s);
}

static void test_events_bad_input(void **state)
{
	fixture *f = *state;
	char big[3000];
	seen s;

	assert_int_equal(hl_events_record(f->st, f->line, 1, 0, -1, 0, NULL), HL_ERR_INVAL);
	assert_int_equal(hl_events_record(f->st, f->line, 1, HL_EV_KIND_MAX + 1, -1, 0, NULL),
			 HL_ERR_INVAL);
	assert_int_equal(hl_events_record(f->st, f->line, 1, HL_EV_RTT, -2, 0, NULL),
			 HL_ERR_INVAL);
	assert_int_equal(hl_events_record(f->st, f->line, 1, HL_EV_RTT, 0, NAN, NULL),
			 HL_ERR_INVAL);
	assert_int_equal(hl_events_record(f->st, f->line, UINT64_MAX, HL_EV_RTT, 0, 1, NULL),
			 HL_ERR_INVAL);
	/* a long text is cut to the limit, at a character boundary */
	for (size_t i = 0; i + 1 < sizeof big; i += 2)
		memcpy(big + i, "\xd0\xab", 2);  /* Ы */
	big[sizeof big - 1] = '\0';
	assert_int_equal(hl_events_record(f->st, f->line, 5, HL_EV_LINE_DOWN, -1, 0, big), 0);
	hl_store_event ev = { .line_id = f->line, .time_ms = 5, .kind = 4, .path = -1,
			      .text = big };
	assert_int_equal(hl_store_put_event(f->st, &ev), HL_ERR_TOOBIG);
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_walk_events(f->st, f->line, 0, UINT64_MAX, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(hl_store_walk_events(f->st, f->line, 0, UINT64_MAX, 0, nested, f),
			 HL_ERR_STATE);
	assert_string_equal(hl_event_kind_name(HL_EV_PATH_ACTIVE), "path-active");
	assert_string_equal(hl_event_kind_name(0), "unknown");
}

typedef struct {
	int n;
	int kind[8];
	int path[8];
	uint64_t since[8];
	char text[8][32];
} alarms_seen;

static int collect_alarm(void *ctx, const hl_store_alarm *a)
{
	alarms_seen *s = ctx;

	if (s->n >= 8)
		return -100;
	s->kind[s->n] = a->kind;
	s->path[s->n] = a->path;
	s->since[s->n] = a->since_ms;
	snprintf(s->text[s->n], sizeof s->text[0], "%s", a->text);
	s->n++;
	return 0;
}

static void test_alarm_rows(void **state)
{
	fixture *f = *state;
	hl_store_alarm a = { .line_id = f->line, .kind = 1, .path = -1, .since_ms = 500,
			     .text = "line down" };
	alarms_seen s;

	assert_int_equal(hl_store_alarm_open(f->st, &a), 1);
	a.since_ms = 600;
	assert_int_equal(hl_store_alarm_open(f->st, &a), 0); /* already open */
	a.path = 2;
	a.since_ms = 400;
	a.text = "path";
	assert_int_equal(hl_store_alarm_open(f->st, &a), 1);
	a.line_id = f->other;
	a.path = -1;
	a.since_ms = 700;
	assert_int_equal(hl_store_alarm_open(f->st, &a), 1);

	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_alarm_walk_open(f->st, collect_alarm, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.since[0], 400);
	assert_int_equal(s.path[0], 2);
	assert_int_equal(s.since[1], 500); /* the first raise's time was kept */
	assert_string_equal(s.text[1], "line down");

	assert_int_equal(hl_store_alarm_clear(f->st, f->line, 1, -1, 900), 1);
	assert_int_equal(hl_store_alarm_clear(f->st, f->line, 1, -1, 901), 0);
	/* reopened after the clear: a new row */
	a.line_id = f->line;
	a.since_ms = 1000;
	assert_int_equal(hl_store_alarm_open(f->st, &a), 1);
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_alarm_walk_open(f->st, collect_alarm, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.since[2], 1000);

	a.kind = 0;
	assert_int_equal(hl_store_alarm_open(f->st, &a), HL_ERR_INVAL);
	a.kind = 1;
	a.path = -3;
	assert_int_equal(hl_store_alarm_open(f->st, &a), HL_ERR_INVAL);
}

static void test_migration_from_1(void **state)
{
	fixture *f = *state;
	char err[256];
	sqlite3 *db = NULL;
	seen s;

	assert_int_equal(hl_store_set_stopped(f->st, f->line, "kept across the migration"), 0);
	hl_store_close(f->st);
	f->st = NULL;

	/* make it a version 1 file: no event or alarm tables */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(tu_sql_int(db, "PRAGMA user_version"), 5);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE events; DROP TABLE alarms;"
				      "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(hl_store_open(f->path, &f->st, err, sizeof err), 0);
	assert_int_equal(hl_events_record(f->st, f->line, 1, HL_EV_START, -1, 0, NULL), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(hl_store_walk_events(f->st, f->line, 0, UINT64_MAX, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(hl_store_get_stopped(f->st, f->line, err, sizeof err), 0);
	assert_string_equal(err, "kept across the migration");
	hl_store_close(f->st);
	f->st = NULL;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(tu_sql_int(db, "PRAGMA user_version"), 5);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
				 " ('events_line_time', 'alarms_open', 'alarms_line_time')"), 3);
	/* a newer version is still refused */
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=6", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(hl_store_open(f->path, &f->st, err, sizeof err), HL_ERR_STORE);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=5", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(hl_store_open(f->path, &f->st, err, sizeof err), 0);
}

/* Every event as a line of text, for comparing two ways of reading. */
typedef struct {
	char *buf;
	size_t len, cap;
	unsigned n;
} dump;

static int dump_ev(void *ctx, const hl_store_event *ev)
{
	dump *d = ctx;
	char line[200];
	int n = snprintf(line, sizeof line, "%llu %d %d %g %s %s\n", (unsigned long long)ev->time_ms,
			 ev->kind, ev->path, ev->value, ev->text ? ev->text : "-",
			 ev->line_id ? "line" : "station");
	if (d->len + (size_t)n + 1 > d->cap) {
		d->cap = (d->cap + (size_t)n + 1) * 2;
		d->buf = realloc(d->buf, d->cap);
		assert_non_null(d->buf);
	}
	memcpy(d->buf + d->len, line, (size_t)n + 1);
	d->len += (size_t)n;
	d->n++;
	return 0;
}

/* Pages read the same events in the same order as the walk: the line's and
 * the station's merged, ties in time as recorded, other lines left out,
 * kinds filtered, whatever the page size; and a page reads at most its
 * limit even when the kinds asked for are rare. */
static void test_events_pages(void **state)
{
	fixture *f = *state;
	static const int kinds[] = { HL_EV_RTT, HL_EV_PATH_UP, HL_EV_RTT, HL_EV_LINE_DOWN,
				     HL_EV_TEST_OK, HL_EV_RTT, HL_EV_START, HL_EV_RTT };
	uint64_t masks[] = { 0, (1ull << HL_EV_START) | (1ull << HL_EV_LINE_DOWN) };
	char text[16];

	for (int i = 0; i < 700; i++) {
		/* Times go back now and then and repeat: order is by time, then recording. */
		uint64_t t = 10000 + (uint64_t)(i / 3) * 7 - (uint64_t)(i % 50 == 0) * 500;
		int k = kinds[i % 8];
		const uint8_t *line = k == HL_EV_START ? NULL : i % 5 == 0 ? f->other : f->line;
		snprintf(text, sizeof text, "e%d", i);
		assert_int_equal(hl_events_record(f->st, line, t, k, i % 3 - 1, i * 0.5,
						  i % 4 ? text : NULL), 0);
	}
	for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
		dump want = { 0 };
		assert_int_equal(hl_store_walk_events(f->st, f->line, 10500, 11500, masks[m], dump_ev,
						      &want), 0);
		assert_true(want.n > 10);
		static const unsigned limits[] = { 1, 7, 256, 10000 };
		for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
			dump got = { 0 };
			uint64_t after_ms = 10500;
			int64_t after_id = 0;
			int n;
			do {
				n = hl_store_events_page(f->st, f->line, 11500, masks[m], &after_ms,
							 &after_id, limits[l], dump_ev, &got);
				assert_true(n >= 0 && n <= (int)limits[l]);
			} while (n == (int)limits[l]);
			assert_int_equal(got.n, want.n);
			assert_memory_equal(got.buf, want.buf, want.len);
			free(got.buf);
		}
		free(want.buf);
	}
	uint64_t after_ms = 0;
	int64_t after_id = 0;
	assert_int_equal(hl_store_events_page(f->st, f->line, 11500, 0, &after_ms, &after_id, 0,
					      dump_ev, NULL), HL_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_order_and_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alarm_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_1, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
