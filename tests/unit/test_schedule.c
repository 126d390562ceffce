/* test_schedule.c — check-in schedules: valid forms and their canonical text,
 * refused forms with their messages, next() on known dates (leap day, year
 * end, week wrap) and against a minute-by-minute search using gmtime_r. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "config/schedule.h"

#define MIN 60000ull
#define HOUR 3600000ull
#define DAY 86400000ull
#define S(sec) ((uint64_t)(sec) * 1000ull)

/* UTC midnights, from `date -u -d DATE +%s`: an oracle outside this code. */
#define D_2027_12_31 S(1830211200)  /* Fri */
#define D_2028_01_01 S(1830297600)  /* Sat */
#define D_2028_02_28 S(1835308800)  /* Mon */
#define D_2028_02_29 S(1835395200)  /* Tue, leap day */
#define D_2028_03_01 S(1835481600)  /* Wed */
#define D_2100_02_28 S(4107456000)  /* Sun; 2100 is not a leap year */
#define D_2100_03_01 S(4107542400)  /* Mon */

static hl_schedule parse_ok(const char *s)
{
	hl_schedule sc;
	char err[256];
	int rc = hl_schedule_parse(s, &sc, err, sizeof err);

	if (rc != 0)
		fail_msg("parse '%s': %d %s", s, rc, err);
	assert_string_equal(err, "");
	return sc;
}

static uint64_t next_of(const hl_schedule *sc, uint64_t after)
{
	uint64_t nx = 1;

	assert_int_equal(hl_schedule_next(sc, after, &nx), 0);
	assert_true(nx > after);
	return nx;
}

static void test_valid_forms(void **state)
{
	static const struct { const char *in, *canon; } t[] = {
		{ "Mon-Fri 09:00,17:00 UTC", "Mon-Fri 09:00,17:00 UTC" },
		{ "Mon-Fri 09:00,17:00", "Mon-Fri 09:00,17:00 UTC" },
		{ "mon-FRI 17:00,09:00 utc", "Mon-Fri 09:00,17:00 UTC" },
		{ "daily 00:00", "daily 00:00 UTC" },
		{ "DAILY 23:59 UTC", "daily 23:59 UTC" },
		{ "Mon-Sun 12:00", "daily 12:00 UTC" },
		{ "Wed-Tue 12:00", "daily 12:00 UTC" },
		{ "Fri-Mon 08:00", "Mon,Fri-Sun 08:00 UTC" },
		{ "Sun,Sat 10:00", "Sat,Sun 10:00 UTC" },
		{ "Sat-Sun 10:00", "Sat,Sun 10:00 UTC" },
		{ "Mon,Wed,Fri 06:30", "Mon,Wed,Fri 06:30 UTC" },
		{ "Fri,Mon-Wed 06:30", "Mon-Wed,Fri 06:30 UTC" },
		{ "Tue 10:00", "Tue 10:00 UTC" },
		{ "Mon,Tue,Wed,Thu,Fri,Sat 01:00", "Mon-Sat 01:00 UTC" },
		{ "  Mon-Fri\t09:00 ;Sat 12:00  UTC ", "Mon-Fri 09:00 UTC; Sat 12:00 UTC" },
		{ "Mon-Fri 09:00,17:00; Sat,Sun 12:00",
		  "Mon-Fri 09:00,17:00 UTC; Sat,Sun 12:00 UTC" },
		/* Same days, other times; other days, same time: no instant twice. */
		{ "Mon-Fri 09:00; Fri 17:00; Sat 09:00",
		  "Mon-Fri 09:00 UTC; Fri 17:00 UTC; Sat 09:00 UTC" },
		{ "every 5s", "every 5s UTC" },
		{ "EVERY 6h utc", "every 6h UTC" },
		{ "every 1d", "every 1d UTC" },
		{ "every 90m", "every 90m UTC" },
		{ "every 1500ms", "every 1500ms UTC" },
		{ "every 60s", "every 1m UTC" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		hl_schedule a = parse_ok(t[i].in), b;
		char out[HL_SCHEDULE_STRLEN], out2[HL_SCHEDULE_STRLEN];

		assert_int_equal(hl_schedule_format(&a, out, sizeof out), 0);
		assert_string_equal(out, t[i].canon);
		/* The canonical text means the same schedule and is a fixed point. */
		b = parse_ok(out);
		assert_memory_equal(&a, &b, sizeof a);
		assert_int_equal(hl_schedule_format(&b, out2, sizeof out2), 0);
		assert_string_equal(out2, out);
	}
}

static void test_struct(void **state)
{
	hl_schedule sc = parse_ok("Fri-Mon 17:00,08:30; Wed 12:00");
	(void)state;

	assert_int_equal(sc.every_ms, 0);
	assert_int_equal(sc.nclauses, 2);
	assert_int_equal(sc.clause[0].days, (1 << 4) | (1 << 5) | (1 << 6) | (1 << 0));
	assert_int_equal(sc.clause[0].ntimes, 2);
	assert_int_equal(sc.clause[0].times[0], 8 * 60 + 30);
	assert_int_equal(sc.clause[0].times[1], 17 * 60);
	assert_int_equal(sc.clause[1].days, 1 << 2);
	assert_int_equal(sc.clause[1].ntimes, 1);
	assert_int_equal(sc.clause[1].times[0], 12 * 60);
	sc = parse_ok("every 10s");
	assert_int_equal(sc.every_ms, 10000);
	assert_int_equal(sc.nclauses, 0);
}

/* The largest schedule: 8 clauses of 48 times; its text must fit HL_SCHEDULE_STRLEN. */
static void test_limits(void **state)
{
	char in[HL_SCHEDULE_MAX_INPUT], out[HL_SCHEDULE_STRLEN], small[64];
	static const char *const days[8] = {
		"Mon,Wed,Fri,Sun", "Tue", "Thu", "Sat", "Mon,Wed,Fri,Sun", "Tue", "Thu", "Sat",
	};
	size_t n = 0;
	hl_schedule sc;
	(void)state;

	for (unsigned k = 0; k < 8; k++) {
		n += (size_t)snprintf(in + n, sizeof in - n, "%s%s ", k ? "; " : "", days[k]);
		for (unsigned t = 0; t < 48; t++)
			n += (size_t)snprintf(in + n, sizeof in - n, "%s%02u:%02u", t ? "," : "",
					      t / 2, (t % 2) * 30 + (k >= 4 ? 1 : 0));
		n += (size_t)snprintf(in + n, sizeof in - n, " UTC");
	}
	sc = parse_ok(in);
	assert_int_equal(sc.nclauses, 8);
	assert_int_equal(hl_schedule_format(&sc, out, sizeof out), 0);
	assert_string_equal(out, in);
	assert_true(strlen(out) < HL_SCHEDULE_STRLEN);
	assert_int_equal(hl_schedule_format(&sc, small, sizeof small), HL_ERR_TOOBIG);
	assert_string_equal(small, "");
	/* 7 × 8 × 48 instants a week. */
	{
		size_t count = 0;
		assert_int_equal(hl_schedule_each(&sc, D_2028_02_28, D_2028_02_28 + 7 * DAY,
						  10000, NULL, NULL, &count), 0);
		assert_int_equal(count, 4 * 48 * 2 + 3 * 48 * 2);
	}
}

static void test_invalid(void **state)
{
	static char many_times[400], many_clauses[200], too_long[HL_SCHEDULE_MAX_INPUT + 10];
	static const struct { const char *in; int rc; const char *msg; } t[] = {
		{ "Mon-Fry 09:00", HL_ERR_INVAL, "'Mon-Fry': unknown day 'Fry' (Mon..Sun)" },
		{ "Monday 09:00", HL_ERR_INVAL, "'Monday': unknown day 'Monday' (Mon..Sun)" },
		{ "", HL_ERR_INVAL, "'': empty schedule (e.g. Mon-Fri 09:00,17:00 UTC)" },
		{ "  \t ", HL_ERR_INVAL, "'': empty schedule (e.g. Mon-Fri 09:00,17:00 UTC)" },
		{ "Mon-Fri", HL_ERR_INVAL,
		  "'Mon-Fri': no times after the days (e.g. Mon-Fri 09:00,17:00)" },
		{ "09:00,17:00 UTC", HL_ERR_INVAL, "'09:00,17:00 UTC': days missing before the "
		  "times (e.g. daily 09:00, Mon-Fri 09:00)" },
		{ "Mon 9:00", HL_ERR_INVAL, "'9:00': bad time '9:00' (HH:MM, 00:00 to 23:59)" },
		{ "Mon 24:00", HL_ERR_INVAL, "'24:00': bad time '24:00' (HH:MM, 00:00 to 23:59)" },
		{ "Mon 12:60", HL_ERR_INVAL, "'12:60': bad time '12:60' (HH:MM, 00:00 to 23:59)" },
		{ "Mon 09:00:00", HL_ERR_INVAL,
		  "'09:00:00': bad time '09:00:00' (HH:MM, 00:00 to 23:59)" },
		{ "Mon 09:00,1x:00", HL_ERR_INVAL,
		  "'09:00,1x:00': bad time '1x:00' (HH:MM, 00:00 to 23:59)" },
		{ "Mon-Fri 09:00 KST", HL_ERR_INVAL, "'KST': time zone not supported: only UTC, "
		  "so that both stations mean the same instant" },
		{ "Mon-Fri 09:00 GMT", HL_ERR_INVAL, "'GMT': time zone not supported: only UTC, "
		  "so that both stations mean the same instant" },
		{ "Mon-Fri 09:00 +09:00", HL_ERR_INVAL, "'+09:00': time zone not supported: only "
		  "UTC, so that both stations mean the same instant" },
		{ "Mon 09:00 17:00", HL_ERR_INVAL, "'17:00': unexpected: the times are one list "
		  "without spaces (09:00,17:00)" },
		{ "Mon 09:00,09:00", HL_ERR_INVAL, "'09:00,09:00': 09:00 named twice" },
		{ "Mon 17:00,09:00,17:00", HL_ERR_INVAL, "'17:00,09:00,17:00': 17:00 named twice" },
		{ "Mon,mon 09:00", HL_ERR_INVAL, "'Mon,mon': Mon named twice" },
		{ "Mon-Fri,Wed 09:00", HL_ERR_INVAL, "'Mon-Fri,Wed': Wed named twice" },
		{ "Mon-Mon 09:00", HL_ERR_INVAL, "'Mon-Mon': 'Mon-Mon' is not a range (write Mon)" },
		{ "Mon-Wed-Fri 09:00", HL_ERR_INVAL,
		  "'Mon-Wed-Fri': bad range 'Mon-Wed-Fri' (DAY-DAY, e.g. Mon-Fri)" },
		{ "Mon- 09:00", HL_ERR_INVAL, "'Mon-': missing day (Mon..Sun)" },
		{ "daily,Mon 09:00", HL_ERR_INVAL, "'daily,Mon': 'daily' stands alone, not in a list" },
		{ "Mon, Wed 09:00", HL_ERR_INVAL,
		  "'Mon,': list ends with ',' (no spaces in a list: Mon,Wed,Fri)" },
		{ "Mon 09:00, 17:00", HL_ERR_INVAL,
		  "'09:00,': list ends with ',' (no spaces in a list: 09:00,17:00)" },
		{ "Mon,,Wed 09:00", HL_ERR_INVAL, "'Mon,,Wed': empty item in the day list" },
		{ "Mon 09:00,,10:00", HL_ERR_INVAL, "'09:00,,10:00': empty item in the time list" },
		{ "Mon 09:00 UTC extra", HL_ERR_INVAL, "'extra': unexpected after the time zone" },
		{ "Mon-Fri 09:00; Fri 09:00", HL_ERR_INVAL,
		  "clause 2: 'Fri 09:00': Fri 09:00 is already in clause 1" },
		{ "Sat,Sun 08:00,12:00; daily 12:00", HL_ERR_INVAL,
		  "clause 2: 'daily 12:00': Sat 12:00 is already in clause 1" },
		{ "Mon 09:00;", HL_ERR_INVAL, "clause 2: '': empty clause" },
		{ "Mon 09:00;;Tue 09:00", HL_ERR_INVAL, "clause 2: '': empty clause" },
		{ "Mon 09:00; Kst 10:00", HL_ERR_INVAL,
		  "clause 2: 'Kst': unknown day 'Kst' (Mon..Sun)" },
		{ "every 7s", HL_ERR_INVAL, "'7s': interval does not divide a day evenly" },
		{ "every 500ms", HL_ERR_INVAL, "'500ms': interval out of range (1s to 1d)" },
		{ "every 2d", HL_ERR_INVAL, "'2d': interval out of range (1s to 1d)" },
		{ "every 5x", HL_ERR_INVAL, "'5x': bad interval (e.g. 10s, 5m, 1h)" },
		{ "every", HL_ERR_INVAL, "'every': missing interval (e.g. every 10s)" },
		{ "every 5s CET", HL_ERR_INVAL, "'CET': time zone not supported: only UTC, so that "
		  "both stations mean the same instant" },
		{ "every 5s; Mon 09:00", HL_ERR_INVAL,
		  "clause 1: 'every 5s': 'every' must be the schedule's only clause" },
		{ "Mon 09:00\n", HL_ERR_INVAL, "character 0x0a at offset 9 (printable ASCII only)" },
		{ "Mon 09:00 UTC\xc2\xa0", HL_ERR_INVAL,
		  "character 0xc2 at offset 13 (printable ASCII only)" },
		{ many_times, HL_ERR_INVAL, "'00:00,00:01,00:02,00:03,00:04,00:05,00:0...': more "
		  "than 48 times in a clause" },
		{ many_clauses, HL_ERR_INVAL, "clause 9: 'Tue 09:00': more than 8 clauses" },
		{ too_long, HL_ERR_TOOBIG, "schedule too long (max 4096 bytes)" },
	};
	size_t n;
	(void)state;

	n = (size_t)snprintf(many_times, sizeof many_times, "daily ");
	for (unsigned i = 0; i < 49; i++)
		n += (size_t)snprintf(many_times + n, sizeof many_times - n, "%s00:%02u",
				      i ? "," : "", i);
	/* Eight valid clauses (Mon 00:00 .. Mon 07:00), then a ninth. */
	n = 0;
	for (unsigned i = 0; i < 9; i++)
		n += (size_t)snprintf(many_clauses + n, sizeof many_clauses - n, "%s%s 0%u:00",
				      i ? "; " : "", i == 8 ? "Tue" : "Mon", i == 8 ? 9 : i);
	memset(too_long, ' ', sizeof too_long - 1);
	too_long[sizeof too_long - 1] = '\0';

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		hl_schedule sc, zero;
		char err[256];

		memset(&sc, 0xa5, sizeof sc);
		memset(&zero, 0, sizeof zero);
		int rc = hl_schedule_parse(t[i].in, &sc, err, sizeof err);
		if (rc != t[i].rc || strcmp(err, t[i].msg) != 0)
			fail_msg("'%.60s': got %d '%s', want %d '%s'", t[i].in, rc, err, t[i].rc,
				 t[i].msg);
		/* A refused schedule is the empty one: it schedules nothing. */
		assert_memory_equal(&sc, &zero, sizeof sc);
	}
	/* No err buffer: still refused. */
	{
		hl_schedule sc;
		assert_int_equal(hl_schedule_parse("Mon 25:00", &sc, NULL, 0), HL_ERR_INVAL);
		assert_int_equal(hl_schedule_parse(NULL, &sc, NULL, 0), HL_ERR_INVAL);
	}
	/* A tiny err buffer is truncated, not overrun. */
	{
		hl_schedule sc;
		char err[8];
		assert_int_equal(hl_schedule_parse("Mon-Fry 09:00", &sc, err, sizeof err),
				 HL_ERR_INVAL);
		assert_string_equal(err, "'Mon-Fr");
	}
}

static void test_next_known_dates(void **state)
{
	hl_schedule wk = parse_ok("Mon-Fri 09:00,17:00 UTC");
	hl_schedule daily = parse_ok("daily 00:00");
	hl_schedule sun = parse_ok("Sun 23:59");
	hl_schedule mon = parse_ok("Mon 09:00");
	(void)state;

	/* Just before, exactly on (strictly after: the next one), just after. */
	assert_int_equal(next_of(&wk, D_2028_02_28 + 9 * HOUR - 1), D_2028_02_28 + 9 * HOUR);
	assert_int_equal(next_of(&wk, D_2028_02_28 + 9 * HOUR), D_2028_02_28 + 17 * HOUR);
	assert_int_equal(next_of(&wk, D_2028_02_28 + 9 * HOUR + 1), D_2028_02_28 + 17 * HOUR);
	/* Monday evening to the leap day, a Tuesday. */
	assert_int_equal(next_of(&wk, D_2028_02_28 + 17 * HOUR), D_2028_02_29 + 9 * HOUR);
	assert_int_equal(next_of(&wk, D_2028_02_29 + 17 * HOUR), D_2028_03_01 + 9 * HOUR);
	assert_int_equal(next_of(&daily, D_2028_02_28 + 12 * HOUR), D_2028_02_29);
	assert_int_equal(next_of(&daily, D_2028_02_29), D_2028_03_01);
	/* Friday evening to Monday, across the year end. */
	assert_int_equal(next_of(&wk, D_2027_12_31 + 17 * HOUR), D_2028_01_01 + 2 * DAY + 9 * HOUR);
	assert_int_equal(next_of(&daily, D_2028_01_01 - 1), D_2028_01_01);
	assert_int_equal(next_of(&daily, D_2027_12_31), D_2028_01_01);
	/* Week wrap: the only instant of the week, asked exactly on it. */
	{
		uint64_t s1 = next_of(&sun, D_2028_02_28);
		assert_int_equal(s1, D_2028_02_28 + 6 * DAY + 23 * HOUR + 59 * MIN);
		assert_int_equal(next_of(&sun, s1), s1 + 7 * DAY);
		assert_int_equal(next_of(&sun, s1 - 1), s1);
	}
	/* 2100 is not a leap year: Sun 28 Feb, then Mon 1 Mar. */
	assert_int_equal(next_of(&mon, D_2100_02_28 + 12 * HOUR), D_2100_03_01 + 9 * HOUR);
	/* The epoch was a Thursday. */
	{
		hl_schedule thu0 = parse_ok("Thu 00:00"), thu1 = parse_ok("Thu 00:01");
		assert_int_equal(hl_schedule_weekday(0), 3);
		assert_int_equal(hl_schedule_weekday(D_2028_02_29), 1);
		assert_int_equal(next_of(&thu0, 0), 7 * DAY);
		assert_int_equal(next_of(&thu1, 0), MIN);
		assert_int_equal(next_of(&mon, 0), 4 * DAY + 9 * HOUR);
	}
}

static void test_next_every(void **state)
{
	hl_schedule e5 = parse_ok("every 5s"), e6h = parse_ok("every 6h");
	(void)state;

	assert_int_equal(next_of(&e5, 0), 5000);
	assert_int_equal(next_of(&e5, 4999), 5000);
	assert_int_equal(next_of(&e5, 5000), 10000);
	assert_int_equal(next_of(&e6h, D_2028_02_28 + 17 * HOUR), D_2028_02_28 + 18 * HOUR);
	assert_int_equal(next_of(&e6h, D_2028_02_28 + 18 * HOUR), D_2028_02_29);
}

static void test_next_errors(void **state)
{
	hl_schedule empty, bad, wk = parse_ok("Mon 09:00");
	uint64_t nx = 7;
	(void)state;

	memset(&empty, 0, sizeof empty);
	assert_int_equal(hl_schedule_next(&empty, 0, &nx), HL_ERR_NOTFOUND);
	assert_int_equal(nx, 0);
	assert_int_equal(hl_schedule_next(&wk, UINT64_MAX, &nx), HL_ERR_TOOBIG);
	assert_int_equal(hl_schedule_next(&wk, UINT64_MAX - 8 * DAY, &nx), 0);
	assert_true(nx > UINT64_MAX - 8 * DAY);
	assert_int_equal(hl_schedule_next(NULL, 0, &nx), HL_ERR_INVAL);
	assert_int_equal(hl_schedule_next(&wk, 0, NULL), HL_ERR_INVAL);
	/* A hand-made struct out of bounds is refused, not walked. */
	bad = wk;
	bad.clause[0].times[0] = 1440;
	assert_int_equal(hl_schedule_next(&bad, 0, &nx), HL_ERR_INVAL);
	bad = wk;
	bad.nclauses = HL_SCHEDULE_MAX_CLAUSES + 1;
	assert_int_equal(hl_schedule_next(&bad, 0, &nx), HL_ERR_INVAL);
	bad = wk;
	bad.clause[0].ntimes = 0;
	assert_int_equal(hl_schedule_next(&bad, 0, &nx), HL_ERR_INVAL);
	assert_int_equal(hl_schedule_format(&bad, (char[8]){ 0 }, 8), HL_ERR_INVAL);
}

typedef struct {
	uint64_t at[32];
	size_t n;
	int stop_after;  /* > 0: return HL_ERR_STATE on that call */
} collect;

static int collect_cb(void *ctx, uint64_t at)
{
	collect *c = ctx;

	if (c->n < 32)
		c->at[c->n] = at;
	c->n++;
	if (c->stop_after && c->n == (size_t)c->stop_after)
		return HL_ERR_STATE;
	return 0;
}

static void test_each(void **state)
{
	hl_schedule wk = parse_ok("Mon-Fri 09:00,17:00");
	hl_schedule e1 = parse_ok("every 1s");
	collect c = { 0 };
	size_t count = 99;
	uint64_t mon = D_2028_02_28;
	(void)state;

	/* One week (Mon 00:00, Mon 00:00]: ten instants, in order. */
	assert_int_equal(hl_schedule_each(&wk, mon, mon + 7 * DAY, 100, collect_cb, &c, &count), 0);
	assert_int_equal(count, 10);
	assert_int_equal(c.n, 10);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(c.at[i], mon + (i / 2) * DAY + (i % 2 ? 17 : 9) * HOUR);
	/* (from, to]: an instant at from is out, one at to is in. */
	memset(&c, 0, sizeof c);
	assert_int_equal(hl_schedule_each(&wk, mon + 9 * HOUR, mon + DAY + 9 * HOUR, 100,
					  collect_cb, &c, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(c.at[0], mon + 17 * HOUR);
	assert_int_equal(c.at[1], mon + DAY + 9 * HOUR);
	/* Bounded: the first max, then HL_ERR_TOOBIG. */
	memset(&c, 0, sizeof c);
	assert_int_equal(hl_schedule_each(&wk, mon, mon + 7 * DAY, 3, collect_cb, &c, &count),
			 HL_ERR_TOOBIG);
	assert_int_equal(count, 3);
	assert_int_equal(c.n, 3);
	/* Exactly max in the window is not too many. */
	assert_int_equal(hl_schedule_each(&wk, mon, mon + 7 * DAY, 10, NULL, NULL, &count), 0);
	assert_int_equal(count, 10);
	/* The callback stops the walk; its error comes back. */
	memset(&c, 0, sizeof c);
	c.stop_after = 4;
	assert_int_equal(hl_schedule_each(&wk, mon, mon + 7 * DAY, 100, collect_cb, &c, &count),
			 HL_ERR_STATE);
	assert_int_equal(count, 4);
	/* Empty windows, the empty schedule. */
	assert_int_equal(hl_schedule_each(&wk, mon + 10 * HOUR, mon + 10 * HOUR, 100, NULL, NULL,
					  &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(hl_schedule_each(&wk, mon + DAY, mon, 100, NULL, NULL, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(hl_schedule_each(&wk, mon + 10 * HOUR, mon + 17 * HOUR - 1, 100, NULL,
					  NULL, &count), 0);
	assert_int_equal(count, 0);
	{
		hl_schedule empty;
		memset(&empty, 0, sizeof empty);
		assert_int_equal(hl_schedule_each(&empty, 0, UINT64_MAX, 5, NULL, NULL, &count), 0);
		assert_int_equal(count, 0);
	}
	/* A dense schedule over a long window stops at the bound. */
	assert_int_equal(hl_schedule_each(&e1, 0, 30 * DAY, 1000, NULL, NULL, &count),
			 HL_ERR_TOOBIG);
	assert_int_equal(count, 1000);
	assert_int_equal(hl_schedule_each(&e1, 0, 1000 * 1000, 1000, NULL, NULL, &count), 0);
	assert_int_equal(count, 1000);
	/* Up to the last representable instants without overflow. */
	assert_int_equal(hl_schedule_each(&wk, UINT64_MAX - 20 * DAY, UINT64_MAX, 100, NULL, NULL,
					  &count), 0);
	assert_true(count >= 10 && count <= 30);
}

/* ---- brute force against gmtime_r ------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: reproducible from the seed printed on failure. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

typedef struct {
	uint8_t on[7][1440];  /* [Mon = 0 .. Sun = 6][minute of the day] */
} table;

static void build_table(const hl_schedule *sc, table *t)
{
	memset(t, 0, sizeof *t);
	for (unsigned k = 0; k < sc->nclauses; k++)
		for (unsigned d = 0; d < 7; d++)
			if (sc->clause[k].days & (1u << d))
				for (unsigned i = 0; i < sc->clause[k].ntimes; i++)
					t->on[d][sc->clause[k].times[i]] = 1;
}

static int on_schedule(const table *t, uint64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	assert_non_null(gmtime_r(&secs, &tm));
	return t->on[(tm.tm_wday + 6) % 7][tm.tm_hour * 60 + tm.tm_min];
}

/* The first minute strictly after `after` that is on the schedule, trying
 * every minute for 8 days. */
static uint64_t naive_next(const table *t, uint64_t after)
{
	uint64_t m = (after / MIN + 1) * MIN;

	for (unsigned i = 0; i < 8 * 1440; i++, m += MIN)
		if (on_schedule(t, m))
			return m;
	fail_msg("naive search found nothing after %llu", (unsigned long long)after);
	return 0;
}

static void test_bruteforce(void **state)
{
	static const char *const sched[] = {
		"Mon-Fri 09:00,17:00 UTC",
		"Sun 23:59",
		"Thu 00:00",
		"Fri-Mon 00:00,12:30,23:59; Wed 06:15",
		"Mon,Wed,Fri 08:00; Tue,Thu 20:00,20:01; Sat 00:01",
		"daily 00:00,06:00,12:00,18:00; Sun 03:00",
	};
	const uint64_t lo = S(1577836800);    /* 2020-01-01 */
	const uint64_t span = S(378691200);  /* to 2032-01-01: leap days 2020..2028 */
	uint64_t seed = (uint64_t)time(NULL) | 1;
	table *t = malloc(sizeof *t);
	(void)state;

	assert_non_null(t);
	rng_state = seed;
	for (size_t s = 0; s < sizeof sched / sizeof sched[0]; s++) {
		hl_schedule sc = parse_ok(sched[s]);
		uint64_t prev = 0;

		build_table(&sc, t);
		for (unsigned i = 0; i < 1000; i++) {
			uint64_t after, got = 0, want;

			/* Random ms; on a minute; or exactly on the last instant found. */
			switch (i % 3) {
			case 0: after = lo + rng() % span; break;
			case 1: after = (lo + rng() % span) / MIN * MIN; break;
			default: after = prev ? prev : lo; break;
			}
			assert_int_equal(hl_schedule_next(&sc, after, &got), 0);
			want = naive_next(t, after);
			if (got != want)
				fail_msg("seed %llu '%s' after %llu: got %llu want %llu",
					 (unsigned long long)seed, sched[s],
					 (unsigned long long)after, (unsigned long long)got,
					 (unsigned long long)want);
			prev = got;
		}
		/* each() over random windows of up to 3 days counts what the naive search sees. */
		for (unsigned i = 0; i < 50; i++) {
			uint64_t from = lo + rng() % span, to = from + rng() % (3 * DAY);
			size_t count = 0, naive = 0;

			for (uint64_t m = (from / MIN + 1) * MIN; m <= to; m += MIN)
				naive += (size_t)on_schedule(t, m);
			assert_int_equal(hl_schedule_each(&sc, from, to, 100000, NULL, NULL, &count),
					 0);
			if (count != naive)
				fail_msg("seed %llu '%s' (%llu, %llu]: each %zu naive %zu",
					 (unsigned long long)seed, sched[s], (unsigned long long)from,
					 (unsigned long long)to, count, naive);
		}
	}
	free(t);
}

/* Weekday by arithmetic against gmtime_r over a wide range. */
static void test_weekday(void **state)
{
	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < 10000; i++) {
		uint64_t ms = rng() % S(253402300799ull);  /* to the year 9999 */
		time_t secs = (time_t)(ms / 1000);
		struct tm tm;

		assert_non_null(gmtime_r(&secs, &tm));
		assert_int_equal(hl_schedule_weekday(ms), (unsigned)(tm.tm_wday + 6) % 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_forms),
		cmocka_unit_test(test_struct),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_next_known_dates),
		cmocka_unit_test(test_next_every),
		cmocka_unit_test(test_next_errors),
		cmocka_unit_test(test_each),
		cmocka_unit_test(test_bruteforce),
		cmocka_unit_test(test_weekday),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
