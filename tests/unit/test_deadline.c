/* test_deadline.c — acknowledgement deadlines: the defaults per precedence,
 * overrides (single and from a list) with their refusals, and a message's
 * standing: remaining, exactly due, overdue, clock gone back, saturation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config/deadline.h"
#include "record/entry.h"
#include "util/err.h"

#define SEC 1000ull
#define MIN 60000ull
#define HOUR 3600000ull
#define DAY 86400000ull

static void test_defaults(void **state)
{
	hl_deadlines d;
	uint64_t ms = 1;
	(void)state;

	memset(&d, 0xff, sizeof d);
	hl_deadlines_default(&d);
	assert_int_equal(hl_deadlines_get(&d, HL_PREC_FLASH, &ms), 0);
	assert_int_equal(ms, 3 * MIN);
	assert_int_equal(hl_deadlines_get(&d, HL_PREC_IMMEDIATE, &ms), 0);
	assert_int_equal(ms, 30 * MIN);
	assert_int_equal(hl_deadlines_get(&d, HL_PREC_PRIORITY, &ms), 0);
	assert_int_equal(ms, 3 * HOUR);
	assert_int_equal(hl_deadlines_get(&d, HL_PREC_ROUTINE, &ms), 0);
	assert_int_equal(ms, 24 * HOUR);
	assert_int_equal(hl_deadlines_check(&d, NULL, 0), 0);
	/* Unknown precedence: refused, out-param cleared. */
	assert_int_equal(hl_deadlines_get(&d, 4, &ms), HL_ERR_INVAL);
	assert_int_equal(ms, 0);
	assert_int_equal(hl_deadlines_get(&d, -1, &ms), HL_ERR_INVAL);
	assert_int_equal(hl_deadlines_get(NULL, HL_PREC_FLASH, &ms), HL_ERR_INVAL);
}

static void test_set(void **state)
{
	hl_deadlines d, before;
	uint64_t ms = 0;
	(void)state;

	hl_deadlines_default(&d);
	assert_int_equal(hl_deadlines_set(&d, HL_PREC_FLASH, 5 * SEC), 0);
	assert_int_equal(hl_deadlines_get(&d, HL_PREC_FLASH, &ms), 0);
	assert_int_equal(ms, 5 * SEC);
	assert_int_equal(hl_deadlines_set(&d, HL_PREC_ROUTINE, HL_DEADLINE_MAX_MS), 0);
	assert_int_equal(hl_deadlines_set(&d, HL_PREC_IMMEDIATE, HL_DEADLINE_MIN_MS), 0);
	before = d;
	assert_int_equal(hl_deadlines_set(&d, HL_PREC_FLASH, HL_DEADLINE_MIN_MS - 1), HL_ERR_INVAL);
	assert_int_equal(hl_deadlines_set(&d, HL_PREC_FLASH, 0), HL_ERR_INVAL);
	assert_int_equal(hl_deadlines_set(&d, HL_PREC_ROUTINE, HL_DEADLINE_MAX_MS + 1),
			 HL_ERR_INVAL);
	assert_int_equal(hl_deadlines_set(&d, 7, MIN), HL_ERR_INVAL);
	assert_int_equal(hl_deadlines_set(NULL, HL_PREC_FLASH, MIN), HL_ERR_INVAL);
	assert_memory_equal(&d, &before, sizeof d);
}

static void test_parse(void **state)
{
	hl_deadlines d;
	char err[256];
	(void)state;

	hl_deadlines_default(&d);
	assert_int_equal(hl_deadlines_parse("flash=10s,immediate=20s,priority=30s,routine=40s",
					    &d, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(d.ms[HL_PREC_FLASH], 10 * SEC);
	assert_int_equal(d.ms[HL_PREC_IMMEDIATE], 20 * SEC);
	assert_int_equal(d.ms[HL_PREC_PRIORITY], 30 * SEC);
	assert_int_equal(d.ms[HL_PREC_ROUTINE], 40 * SEC);

	/* Partial overrides keep the rest; case and blanks are free. */
	hl_deadlines_default(&d);
	assert_int_equal(hl_deadlines_parse(" FLASH = 1m ,\tImmediate=10m", &d, err, sizeof err),
			 0);
	assert_int_equal(d.ms[HL_PREC_FLASH], MIN);
	assert_int_equal(d.ms[HL_PREC_IMMEDIATE], 10 * MIN);
	assert_int_equal(d.ms[HL_PREC_PRIORITY], 3 * HOUR);
	assert_int_equal(d.ms[HL_PREC_ROUTINE], 24 * HOUR);
	/* Equal deadlines are in order. */
	hl_deadlines_default(&d);
	assert_int_equal(hl_deadlines_parse("flash=3h,immediate=3h", &d, err, sizeof err), 0);
}

static void test_parse_refused(void **state)
{
	static char too_long[300];
	static const struct { const char *in; int rc; const char *msg; } t[] = {
		{ "flash", HL_ERR_INVAL, "'flash': missing '=' (PREC=DURATION, e.g. flash=3m)" },
		{ "urgent=1m", HL_ERR_INVAL,
		  "'urgent=1m': unknown precedence (flash, immediate, priority, routine)" },
		{ "=1m", HL_ERR_INVAL,
		  "'=1m': unknown precedence (flash, immediate, priority, routine)" },
		{ "flash=1m,FLASH=2m", HL_ERR_INVAL, "'FLASH=2m': flash named twice" },
		{ "flash=1x", HL_ERR_INVAL, "'flash=1x': bad duration (use e.g. 30s, 3m, 1h)" },
		{ "flash=", HL_ERR_INVAL, "'flash=': bad duration (use e.g. 30s, 3m, 1h)" },
		{ "flash=-1s", HL_ERR_INVAL, "'flash=-1s': bad duration (use e.g. 30s, 3m, 1h)" },
		{ "flash=1 m", HL_ERR_INVAL, "'flash=1 m': bad duration (use e.g. 30s, 3m, 1h)" },
		{ "flash=999ms", HL_ERR_INVAL, "'flash=999ms': out of range (1s to 7d)" },
		{ "routine=8d", HL_ERR_INVAL, "'routine=8d': out of range (1s to 7d)" },
		{ "flash=0", HL_ERR_INVAL, "'flash=0': out of range (1s to 7d)" },
		{ "routine=1m", HL_ERR_INVAL, "priority (3h) would wait longer than routine (1m)" },
		{ "flash=1h", HL_ERR_INVAL, "flash (1h) would wait longer than immediate (30m)" },
		{ "", HL_ERR_INVAL, "empty item in the list (PREC=DURATION,...)" },
		{ "flash=1m,", HL_ERR_INVAL, "empty item in the list (PREC=DURATION,...)" },
		{ "flash=1m\n", HL_ERR_INVAL, "character 0x0a at offset 8 (printable ASCII only)" },
		{ too_long, HL_ERR_TOOBIG, "list too long (max 256 bytes)" },
	};
	(void)state;

	memset(too_long, ' ', sizeof too_long - 1);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		hl_deadlines d, before;
		char err[256];
		int rc;

		hl_deadlines_default(&d);
		before = d;
		rc = hl_deadlines_parse(t[i].in, &d, err, sizeof err);
		if (rc != t[i].rc || strcmp(err, t[i].msg) != 0)
			fail_msg("'%.40s': got %d '%s', want %d '%s'", t[i].in, rc, err, t[i].rc,
				 t[i].msg);
		/* All or nothing: a refused list changes no deadline. */
		assert_memory_equal(&d, &before, sizeof d);
	}
	{
		hl_deadlines d;
		hl_deadlines_default(&d);
		assert_int_equal(hl_deadlines_parse("flash=1x", &d, NULL, 0), HL_ERR_INVAL);
		assert_int_equal(hl_deadlines_parse(NULL, &d, NULL, 0), HL_ERR_INVAL);
	}
}

static void test_state(void **state)
{
	hl_deadline_status st;
	const uint64_t t0 = 1835308800000ull, dl = 3 * MIN;
	(void)state;

	/* Just stored: the whole deadline remains. */
	assert_int_equal(hl_deadline_state(t0, t0, dl, &st), 0);
	assert_int_equal(st.due_ms, t0 + dl);
	assert_int_equal(st.remaining_ms, dl);
	assert_int_equal(st.overdue_ms, 0);
	assert_false(st.overdue);
	/* One ms before due. */
	assert_int_equal(hl_deadline_state(t0 + dl - 1, t0, dl, &st), 0);
	assert_int_equal(st.remaining_ms, 1);
	assert_false(st.overdue);
	/* Exactly due: overdue, by nothing yet. */
	assert_int_equal(hl_deadline_state(t0 + dl, t0, dl, &st), 0);
	assert_true(st.overdue);
	assert_int_equal(st.remaining_ms, 0);
	assert_int_equal(st.overdue_ms, 0);
	/* Well past. */
	assert_int_equal(hl_deadline_state(t0 + dl + 42 * SEC, t0, dl, &st), 0);
	assert_true(st.overdue);
	assert_int_equal(st.overdue_ms, 42 * SEC);
	assert_int_equal(st.remaining_ms, 0);
	/* Our clock went back an hour: never more than the full deadline. */
	assert_int_equal(hl_deadline_state(t0 - HOUR, t0, dl, &st), 0);
	assert_false(st.overdue);
	assert_int_equal(st.remaining_ms, dl);
	assert_int_equal(st.due_ms, t0 + dl);
	/* Saturation instead of wrapping round to "long overdue". */
	assert_int_equal(hl_deadline_state(UINT64_MAX - 10, UINT64_MAX - 5, DAY, &st), 0);
	assert_int_equal(st.due_ms, UINT64_MAX);
	assert_false(st.overdue);
	assert_int_equal(st.remaining_ms, 10);
	assert_int_equal(hl_deadline_state(UINT64_MAX, UINT64_MAX - 5, DAY, &st), 0);
	assert_true(st.overdue);
	/* A zero deadline is due at once. */
	assert_int_equal(hl_deadline_state(t0, t0, 0, &st), 0);
	assert_true(st.overdue);
	assert_int_equal(hl_deadline_state(t0, t0, dl, NULL), HL_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
