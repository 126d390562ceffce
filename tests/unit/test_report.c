/* test_report.c — the availability report from synthetic link events: exact
 * percentages, outages with their causes (down, stopped, crash), tests, RTT
 * percentiles, the thinning of long timelines, and the same made in steps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "line/events.h"
#include "station/report.h"
#include "store/store.h"
#include "testutil.h"

#define T0 1800000000000ull
#define S(x) (T0 + (uint64_t)(x) * 1000u)

typedef struct {
	char dir[256];
	char path[300];
	hl_store *st;
	uint8_t line[32];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char err[256];

	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "report") < 0)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/hotline.db", f->dir);
	randombytes_buf(f->line, 32);
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

static void ev(fixture *f, uint64_t t, int kind, int path, double v, const char *text)
{
	int station = kind == HL_EV_START || kind == HL_EV_STOP;

	assert_int_equal(hl_events_record(f->st, station ? NULL : f->line, t, kind, path, v, text),
			 0);
}

static json_t *get(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && (dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(key)) : json_object_get(o, key);
		path = dot + 1;
	}
	if (!o)
		return NULL;
	return json_is_array(o) ? json_array_get(o, (size_t)atoi(path)) : json_object_get(o, path);
}

static int64_t geti(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	assert_non_null(v);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static double getr(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	assert_non_null(v);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static const char *gets_(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void check_interval(json_t *r, const char *band, size_t i, uint64_t a, uint64_t b,
			   const char *state)
{
	char p[96];

	snprintf(p, sizeof p, "timeline.%s.%zu.start_ms", band, i);
	assert_int_equal(geti(r, p), a);
	snprintf(p, sizeof p, "timeline.%s.%zu.end_ms", band, i);
	assert_int_equal(geti(r, p), b);
	snprintf(p, sizeof p, "timeline.%s.%zu.state", band, i);
	assert_string_equal(gets_(r, p), state);
}

/* 1000 s with a path switch, a clean stop, a crash and an ongoing outage. */
static void test_full_period(void **state)
{
	fixture *f = *state;
	static const double rtts[] = { 7, 3, 10, 1, 9, 2, 8, 4, 6, 5 };
	json_t *r;

	ev(f, S(-100), HL_EV_START, -1, 0, NULL);
	ev(f, S(-99), HL_EV_PATH_UP, 0, 0, NULL);
	ev(f, S(-99), HL_EV_LINE_UP, 0, 0, NULL);
	ev(f, S(-99), HL_EV_PATH_UP, 1, 0, NULL);
	ev(f, S(-50), HL_EV_RTT, 0, 1000, NULL);          /* before the period */
	ev(f, S(-40), HL_EV_TEST_OK, 0, 30, NULL);        /* before the period */
	ev(f, S(100), HL_EV_PATH_DOWN, 1, 0, "backup failed");
	ev(f, S(150), HL_EV_PATH_UP, 1, 0, NULL);
	ev(f, S(200), HL_EV_PATH_DOWN, 0, 0, NULL);
	ev(f, S(200), HL_EV_LINE_DOWN, -1, 0, "primary path lost");
	ev(f, S(210), HL_EV_LINE_UP, 1, 0, NULL);
	ev(f, S(210), HL_EV_PATH_ACTIVE, 1, 0, NULL);
	ev(f, S(220), HL_EV_TEST_OK, 1, 41, NULL);
	ev(f, S(300), HL_EV_PATH_UP, 0, 0, NULL);
	ev(f, S(400), HL_EV_STOP, -1, 0, NULL);
	ev(f, S(450), HL_EV_START, -1, 0, NULL);
	ev(f, S(452), HL_EV_PATH_UP, 0, 0, NULL);
	ev(f, S(452), HL_EV_PATH_UP, 1, 0, NULL);
	ev(f, S(452), HL_EV_LINE_UP, 0, 0, NULL);
	for (int i = 0; i < 10; i++)
		ev(f, S(500 + i), HL_EV_RTT, 0, rtts[i], NULL);
	ev(f, S(600), HL_EV_RTT, 1, 100, NULL);            /* the last sign of life */
	ev(f, S(700), HL_EV_START, -1, 0, NULL);           /* no STOP: a crash */
	ev(f, S(705), HL_EV_PATH_UP, 0, 0, NULL);
	ev(f, S(705), HL_EV_LINE_UP, 0, 0, NULL);
	ev(f, S(800), HL_EV_TEST_FAIL, 0, 0, "no answer in 60 s");
	ev(f, S(917), HL_EV_LINE_DOWN, -1, 0, "keepalive timeout");
	ev(f, S(917), HL_EV_PATH_DOWN, 0, 0, NULL);
	ev(f, S(1200), HL_EV_LINE_UP, 0, 0, NULL);         /* after now */

	r = hl_report_json(f->st, f->line, "moscow", 2, S(0), S(1000));
	assert_non_null(r);
	assert_true(json_is_true(get(r, "ok")));
	assert_string_equal(gets_(r, "peer"), "moscow");
	assert_int_equal(geti(r, "since_ms"), S(0));
	assert_int_equal(geti(r, "now_ms"), S(1000));

	/* up 200 + 190 + 148 + 212 s of 1000 */
	assert_true(getr(r, "availability.line.pct") == 75.0);
	assert_int_equal(geti(r, "availability.line.up_ms"), 750000);
	assert_int_equal(geti(r, "availability.line.down_ms"), 250000);
	assert_int_equal(geti(r, "availability.line.off_ms"), 150000);
	assert_int_equal(geti(r, "availability.line.unknown_ms"), 0);
	/* path 0: 200 + 100 + 148 + 212; path 1: 100 + 250 + 148, lost at the crash */
	assert_true(getr(r, "availability.paths.0.pct") == 66.0);
	assert_int_equal(geti(r, "availability.paths.0.path"), 0);
	assert_true(getr(r, "availability.paths.1.pct") == 49.8);
	assert_int_equal(geti(r, "availability.paths.1.up_ms"), 498000);

	assert_int_equal(geti(r, "outages_total"), 4);
	assert_int_equal(json_array_size(get(r, "outages")), 4);
	assert_int_equal(geti(r, "outages.0.start_ms"), S(200));
	assert_int_equal(geti(r, "outages.0.end_ms"), S(210));
	assert_int_equal(geti(r, "outages.0.duration_ms"), 10000);
	assert_string_equal(gets_(r, "outages.0.cause"), "primary path lost");
	assert_false(json_is_true(get(r, "outages.0.before_since")));
	assert_int_equal(geti(r, "outages.1.start_ms"), S(400));
	assert_int_equal(geti(r, "outages.1.end_ms"), S(452));
	assert_string_equal(gets_(r, "outages.1.cause"), "station not running (stopped)");
	assert_int_equal(geti(r, "outages.2.start_ms"), S(600));
	assert_int_equal(geti(r, "outages.2.end_ms"), S(705));
	assert_int_equal(geti(r, "outages.2.duration_ms"), 105000);
	assert_string_equal(gets_(r, "outages.2.cause"), "station not running (crash)");
	assert_int_equal(geti(r, "outages.3.start_ms"), S(917));
	assert_true(json_is_null(get(r, "outages.3.end_ms")));
	assert_int_equal(geti(r, "outages.3.duration_ms"), 83000);
	assert_string_equal(gets_(r, "outages.3.cause"), "keepalive timeout");

	assert_int_equal(geti(r, "tests.ok"), 1);
	assert_int_equal(geti(r, "tests.failed"), 1);
	assert_int_equal(json_array_size(get(r, "tests.last")), 2);
	assert_int_equal(geti(r, "tests.last.0.time_ms"), S(220));
	assert_true(getr(r, "tests.last.0.rtt_ms") == 41.0);
	assert_int_equal(geti(r, "tests.last.0.path"), 1);
	assert_true(json_is_false(get(r, "tests.last.1.ok")));
	assert_true(json_is_null(get(r, "tests.last.1.rtt_ms")));
	assert_string_equal(gets_(r, "tests.last.1.text"), "no answer in 60 s");

	/* nearest rank over 1..10 */
	assert_int_equal(geti(r, "rtt.0.count"), 10);
	assert_true(getr(r, "rtt.0.p50_ms") == 5.0);
	assert_true(getr(r, "rtt.0.p90_ms") == 9.0);
	assert_true(getr(r, "rtt.0.p99_ms") == 10.0);
	assert_true(getr(r, "rtt.0.max_ms") == 10.0);
	assert_int_equal(geti(r, "rtt.1.count"), 1);
	assert_true(getr(r, "rtt.1.p50_ms") == 100.0);

	check_interval(r, "line", 0, S(0), S(200), "up");
	check_interval(r, "line", 1, S(200), S(210), "down");
	check_interval(r, "line", 2, S(210), S(400), "up");
	check_interval(r, "line", 3, S(400), S(450), "stopped");
	check_interval(r, "line", 4, S(450), S(452), "down");
	check_interval(r, "line", 5, S(452), S(600), "up");
	check_interval(r, "line", 6, S(600), S(700), "crashed");
	check_interval(r, "line", 7, S(700), S(705), "down");
	check_interval(r, "line", 8, S(705), S(917), "up");
	check_interval(r, "line", 9, S(917), S(1000), "down");
	assert_int_equal(json_array_size(get(r, "timeline.line")), 10);
	check_interval(r, "paths.1.intervals", 0, S(0), S(100), "up");
	check_interval(r, "paths.1.intervals", 1, S(100), S(150), "down");
	assert_int_equal(json_array_size(get(r, "timeline.paths.0.rtt")), 10);
	assert_int_equal(geti(r, "timeline.paths.0.rtt.0.0"), S(500));
	assert_true(getr(r, "timeline.paths.0.rtt.0.1") == 7.0);
	json_decref(r);
}

static void test_unknown_and_empty(void **state)
{
	fixture *f = *state;
	json_t *r;

	/* nothing recorded at all: no figure rather than a made-up one */
	r = hl_report_json(f->st, f->line, "moscow", 1, S(0), S(100));
	assert_non_null(r);
	assert_true(json_is_null(get(r, "availability.line.pct")));
	assert_int_equal(geti(r, "availability.line.unknown_ms"), 100000);
	assert_true(json_is_null(get(r, "rtt.0.p50_ms")));
	assert_int_equal(geti(r, "rtt.0.count"), 0);
	assert_int_equal(geti(r, "outages_total"), 0);
	check_interval(r, "line", 0, S(0), S(100), "unknown");
	json_decref(r);

	/* first started inside the period: the time before is unknown, not down */
	ev(f, S(100), HL_EV_START, -1, 0, NULL);
	ev(f, S(100), HL_EV_LINE_UP, 0, 0, NULL);
	r = hl_report_json(f->st, f->line, "moscow", 1, S(0), S(500));
	assert_true(getr(r, "availability.line.pct") == 100.0);
	assert_int_equal(geti(r, "availability.line.unknown_ms"), 100000);
	assert_int_equal(geti(r, "availability.line.up_ms"), 400000);
	/* the path never came up */
	assert_true(getr(r, "availability.paths.0.pct") == 0.0);
	assert_int_equal(geti(r, "outages_total"), 0);
	json_decref(r);
}

static void test_outage_before_since(void **state)
{
	fixture *f = *state;
	json_t *r;

	ev(f, S(-500), HL_EV_START, -1, 0, NULL);
	ev(f, S(-400), HL_EV_LINE_UP, 0, 0, NULL);
	ev(f, S(-300), HL_EV_LINE_DOWN, -1, 0, "cable cut by a farmer");
	ev(f, S(30), HL_EV_LINE_UP, 0, 0, NULL);
	ev(f, S(60), HL_EV_LINE_DOWN, -1, 0, NULL);
	r = hl_report_json(f->st, f->line, "moscow", 0, S(0), S(120));
	assert_int_equal(geti(r, "outages_total"), 2);
	assert_int_equal(geti(r, "outages.0.start_ms"), S(0));
	assert_true(json_is_true(get(r, "outages.0.before_since")));
	assert_string_equal(gets_(r, "outages.0.cause"), "cable cut by a farmer");
	assert_int_equal(geti(r, "outages.0.duration_ms"), 30000);
	assert_string_equal(gets_(r, "outages.1.cause"), "line down");
	assert_true(json_is_null(get(r, "outages.1.end_ms")));
	assert_true(getr(r, "availability.line.pct") == 25.0);
	assert_int_equal(json_array_size(get(r, "availability.paths")), 0);
	json_decref(r);
}

static void test_thinning(void **state)
{
	fixture *f = *state;
	uint64_t prev_end;
	json_t *r, *iv, *pts;
	int spike_seen = 0, down_seen = 0;

	assert_int_equal(hl_store_begin(f->st), 0);
	ev(f, S(0), HL_EV_START, -1, 0, NULL);
	ev(f, S(0), HL_EV_LINE_UP, 0, 0, NULL);
	ev(f, S(0), HL_EV_PATH_UP, 0, 0, NULL);
	for (int i = 0; i < 2500; i++)
		ev(f, S(1) + (uint64_t)i * 100, HL_EV_RTT, 0, i == 1234 ? 900 : 2, NULL);
	/* 3000 flaps of the path: 6000 intervals */
	for (int i = 0; i < 3000; i++) {
		ev(f, S(10) + (uint64_t)i * 20, HL_EV_PATH_DOWN, 0, 0, NULL);
		ev(f, S(10) + (uint64_t)i * 20 + 10, HL_EV_PATH_UP, 0, 0, NULL);
	}
	/* one short line outage must survive the thinning */
	ev(f, S(150), HL_EV_LINE_DOWN, -1, 0, NULL);
	ev(f, S(150) + 5, HL_EV_LINE_UP, 0, 0, NULL);
	assert_int_equal(hl_store_commit(f->st), 0);

	r = hl_report_json(f->st, f->line, "moscow", 1, S(0), S(1000));
	assert_non_null(r);
	pts = get(r, "timeline.paths.0.rtt");
	assert_int_equal(json_array_size(pts), HL_REPORT_MAX_POINTS);
	for (size_t i = 0; i < json_array_size(pts); i++)
		if (json_number_value(json_array_get(json_array_get(pts, i), 1)) == 900.0)
			spike_seen++;
	assert_int_equal(spike_seen, 1);
	assert_int_equal(geti(r, "rtt.0.count"), 2500);
	assert_true(getr(r, "rtt.0.max_ms") == 900.0);
	assert_true(getr(r, "rtt.0.p99_ms") == 2.0);

	iv = get(r, "timeline.paths.0.intervals");
	assert_true(json_array_size(iv) <= HL_REPORT_MAX_INTERVALS);
	/* still a contiguous cover of the period */
	prev_end = S(0);
	for (size_t i = 0; i < json_array_size(iv); i++) {
		assert_int_equal((uint64_t)json_integer_value(
					 json_object_get(json_array_get(iv, i), "start_ms")),
				 prev_end);
		prev_end = (uint64_t)json_integer_value(
			json_object_get(json_array_get(iv, i), "end_ms"));
	}
	assert_int_equal(prev_end, S(1000));
	/* the line band is short: exact, with its 5 ms outage */
	iv = get(r, "timeline.line");
	for (size_t i = 0; i < json_array_size(iv); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(iv, i), "state")),
			   "down") == 0)
			down_seen++;
	assert_int_equal(down_seen, 1);
	assert_int_equal(geti(r, "availability.paths.0.up_ms"), 1000000 - 3000 * 10);
	json_decref(r);
}

/* The report in the smallest steps (a budget spent at once: a page of
 * events or a little sorting each) is the report made in one go, over a
 * history of many pages with state before the period and ties in time. */
static void test_steps(void **state)
{
	fixture *f = *state;
	uint32_t x = 12345;

	assert_int_equal(hl_store_begin(f->st), 0);
	ev(f, S(0), HL_EV_START, -1, 0, NULL);
	ev(f, S(0), HL_EV_LINE_UP, 0, 0, NULL);
	for (int i = 0; i < 3000; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t t = S(1) + (uint64_t)(i / 2) * 300;
		int path = (int)(x >> 16) % 2;
		ev(f, t, HL_EV_RTT, path, (double)((x >> 8) % 1000) / 10.0, NULL);
		if (i % 97 == 0)
			ev(f, t, HL_EV_PATH_DOWN, path, 0, "flap");
		if (i % 97 == 1)
			ev(f, t, HL_EV_PATH_UP, path, 0, NULL);
		if (i % 401 == 0)
			ev(f, t, i % 2 ? HL_EV_TEST_OK : HL_EV_TEST_FAIL, path, 12.5, NULL);
		if (i == 1500) {
			ev(f, t, HL_EV_STOP, -1, 0, NULL);
			ev(f, t + 2000, HL_EV_START, -1, 0, NULL);
			ev(f, t + 2500, HL_EV_LINE_UP, 1, 0, NULL);
		}
	}
	assert_int_equal(hl_store_commit(f->st), 0);

	/* The period begins in the middle: what came before sets the state. */
	json_t *one = hl_report_json(f->st, f->line, "moscow", 2, S(200), S(1200));
	assert_non_null(one);
	hl_report *rep = hl_report_begin(f->st, f->line, "moscow", 2, S(200), S(1200));
	assert_non_null(rep);
	hl_budget spent = { 0 };
	int rc, steps = 0;
	while ((rc = hl_report_step(rep, &spent)) == 0)
		steps++;
	assert_int_equal(rc, 1);
	assert_true(steps > 10);
	json_t *stepped = hl_report_result(rep);
	assert_non_null(stepped);
	assert_true(json_equal(one, stepped));
	assert_true(geti(one, "rtt.0.count") + geti(one, "rtt.1.count") > 1000);
	json_decref(stepped);
	json_decref(one);
	hl_report_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_period, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_before_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thinning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steps, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
