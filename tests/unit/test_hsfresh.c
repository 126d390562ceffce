/* test_hsfresh.c — the responder's freshness rule for message 1: newer than
 * the newest, or within the window and never seen; a replay refused inside
 * the window (seen, or below the floor after a restart) and outside it (by
 * age); a reload never lowers the bar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "hsfresh.h"

#define NOW 1800000000000ULL /* our wall clock, ms */
#define WIN 61000ULL

/* A TAI64N label for wall time ms. */
static void tai(uint8_t ts[12], int64_t ms)
{
	hl_be64_put(ts, 0x400000000000000aULL + (uint64_t)(ms / 1000));
	hl_be32_put(ts + 8, (uint32_t)(ms % 1000) * 1000000u);
}

static void eph(uint8_t e[32], unsigned n)
{
	memset(e, 0, 32);
	e[0] = (uint8_t)n;
	e[1] = (uint8_t)(n >> 8);
}

static void test_labels(void **state)
{
	(void)state;
	uint8_t ts[12];
	int64_t ms = 0;
	tai(ts, 1234567);
	assert_int_equal(hl_tai64n_ms(ts, &ms), 0);
	assert_int_equal(ms, 1234567);
	memset(ts, 0, sizeof ts); /* before the TAI64 epoch label: no clock of ours */
	assert_int_equal(hl_tai64n_ms(ts, &ms), HL_ERR_INVAL);
	tai(ts, 1000);
	hl_be32_put(ts + 8, 1000000000u); /* nanoseconds out of range */
	assert_int_equal(hl_tai64n_ms(ts, &ms), HL_ERR_INVAL);
	memset(ts, 0xff, sizeof ts);
	assert_int_equal(hl_tai64n_ms(ts, &ms), HL_ERR_INVAL);
}

/* Clocks right: each handshake newer; a replay refused as seen, and by age
 * once it has left the window. */
static void test_newer_and_replay(void **state)
{
	(void)state;
	hl_hsfresh f;
	uint8_t ts[12], e[32];
	memset(&f, 0, sizeof f);
	tai(ts, (int64_t)NOW);
	eph(e, 1);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW, WIN), HL_HSFRESH_NEWER);
	assert_int_equal(hl_hsfresh_accept(&f, ts, e, NOW, WIN),
			 HL_HSFRESH_NEWEST_ROSE | HL_HSFRESH_WINDOW_ROSE);
	assert_memory_equal(f.window_high, ts, 12);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW + 1000, WIN), HL_HSFRESH_SEEN);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW + WIN + 1, WIN), HL_HSFRESH_OUTSIDE);
	/* A later accept forgets it once it left the window: still refused, by age. */
	uint8_t ts2[12], e2[32];
	tai(ts2, (int64_t)NOW + 120000);
	eph(e2, 2);
	hl_hsfresh_accept(&f, ts2, e2, NOW + 120000, WIN);
	assert_int_equal(f.n_seen, 1);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW + 120000, WIN), HL_HSFRESH_OUTSIDE);
}

/* The station ran 3 h ahead: the stored newest is in our future. Its
 * handshakes dated by the true clock are accepted by the window, each once;
 * the newest is not lowered. */
static void test_clock_stepped_back(void **state)
{
	(void)state;
	hl_hsfresh f;
	uint8_t ahead[12], ts[12], e[32];
	memset(&f, 0, sizeof f);
	tai(ahead, (int64_t)NOW + 3 * 3600000);
	eph(e, 1);
	assert_int_equal(hl_hsfresh_accept(&f, ahead, e, NOW, WIN), HL_HSFRESH_NEWEST_ROSE);
	assert_int_equal(f.n_seen, 0); /* outside the window: not remembered */
	tai(ts, (int64_t)NOW + 10000);
	eph(e, 2);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW + 10000, WIN), HL_HSFRESH_WINDOW);
	assert_int_equal(hl_hsfresh_behind_ms(&f, ts), 3 * 3600000 - 10000);
	assert_int_equal(hl_hsfresh_accept(&f, ts, e, NOW + 10000, WIN), HL_HSFRESH_WINDOW_ROSE);
	assert_memory_equal(f.newest, ahead, 12);
	assert_memory_equal(f.window_high, ts, 12);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW + 10500, WIN), HL_HSFRESH_SEEN);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW + 10000 + WIN + 1, WIN), HL_HSFRESH_OUTSIDE);
	/* The replay of the 3 h-ahead message 1: not newer, far outside. */
	eph(e, 1);
	assert_int_equal(hl_hsfresh_check(&f, ahead, e, NOW + 20000, WIN), HL_HSFRESH_OUTSIDE);
	/* A clock still off by more than the window after the step: refused. */
	tai(ts, (int64_t)NOW - 300000);
	eph(e, 3);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW, WIN), HL_HSFRESH_OUTSIDE);
	/* So is a label that is no time. */
	memset(ts, 0, sizeof ts);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW, WIN), HL_HSFRESH_OUTSIDE);
}

/* Two paths: the later handshake arrives first, the earlier one second. */
static void test_paths_out_of_order(void **state)
{
	(void)state;
	hl_hsfresh f;
	uint8_t t1[12], t2[12], e1[32], e2[32];
	memset(&f, 0, sizeof f);
	tai(t1, (int64_t)NOW - 900); /* written first, on the slow path */
	tai(t2, (int64_t)NOW - 100);
	eph(e1, 1);
	eph(e2, 2);
	assert_int_equal(hl_hsfresh_check(&f, t2, e2, NOW, WIN), HL_HSFRESH_NEWER);
	hl_hsfresh_accept(&f, t2, e2, NOW, WIN);
	assert_int_equal(hl_hsfresh_check(&f, t1, e1, NOW, WIN), HL_HSFRESH_WINDOW);
	hl_hsfresh_accept(&f, t1, e1, NOW, WIN);
	assert_int_equal(hl_hsfresh_check(&f, t1, e1, NOW, WIN), HL_HSFRESH_SEEN);
	assert_int_equal(hl_hsfresh_check(&f, t2, e2, NOW, WIN), HL_HSFRESH_SEEN);
	assert_int_equal(hl_hsfresh_behind_ms(&f, t1), 800);
}

/* A restart forgets what was seen: the window then admits only what lies
 * above the newest it had accepted inside the window. */
static void test_restart_floor(void **state)
{
	(void)state;
	hl_hsfresh f;
	uint8_t ahead[12], ts[12], later[12], zero[12] = { 0 }, e[32], e2[32];
	memset(&f, 0, sizeof f);
	tai(ahead, (int64_t)NOW + 3 * 3600000);
	tai(ts, (int64_t)NOW);
	eph(e, 1);
	hl_hsfresh_accept(&f, ahead, e, NOW, WIN);
	eph(e, 2);
	hl_hsfresh_accept(&f, ts, e, NOW, WIN);
	/* restarted: what the store held */
	uint8_t newest[12], high[12];
	memcpy(newest, f.newest, 12);
	memcpy(high, f.window_high, 12);
	hl_hsfresh_load(&f, newest, high);
	assert_int_equal(f.n_seen, 0);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW + 2000, WIN), HL_HSFRESH_FORGOTTEN);
	tai(later, (int64_t)NOW + 1500);
	eph(e2, 3);
	assert_int_equal(hl_hsfresh_check(&f, later, e2, NOW + 2000, WIN), HL_HSFRESH_WINDOW);
	hl_hsfresh_accept(&f, later, e2, NOW + 2000, WIN);
	assert_int_equal(hl_hsfresh_check(&f, later, e2, NOW + 2000, WIN), HL_HSFRESH_SEEN);
	/* a new station's store: nothing below */
	hl_hsfresh_load(&f, zero, zero);
	assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW, WIN), HL_HSFRESH_NEWER);
}

/* Full: the oldest remembered goes, the newest ones stay. */
static void test_full_evicts_oldest(void **state)
{
	(void)state;
	hl_hsfresh f;
	uint8_t ts[12], e[32];
	memset(&f, 0, sizeof f);
	for (unsigned i = 0; i < HL_HSFRESH_MAX_SEEN + 5; i++) {
		tai(ts, (int64_t)NOW + i);
		eph(e, i + 1);
		hl_hsfresh_accept(&f, ts, e, NOW, WIN);
	}
	assert_int_equal(f.n_seen, HL_HSFRESH_MAX_SEEN);
	/* The evicted five are refused by the floor, the others as seen. */
	for (unsigned i = 0; i < HL_HSFRESH_MAX_SEEN + 5; i++) {
		tai(ts, (int64_t)NOW + i);
		eph(e, i + 1);
		assert_int_equal(hl_hsfresh_check(&f, ts, e, NOW, WIN),
				 i < 5 ? HL_HSFRESH_FORGOTTEN : HL_HSFRESH_SEEN);
	}
}

/* A reload after a failed commit brings back older stored values: the bar
 * stays where memory had it, and it must be written again. */
static void test_merge_never_lowers(void **state)
{
	(void)state;
	hl_hsfresh f;
	uint8_t a[12], b[12], c[12];
	memset(&f, 0, sizeof f);
	tai(a, (int64_t)NOW);
	tai(b, (int64_t)NOW + 5000);
	tai(c, (int64_t)NOW + 9000);
	memcpy(f.newest, b, 12);
	memcpy(f.window_high, b, 12);
	assert_int_equal(hl_hsfresh_merge_stored(&f, a, b), 1);
	assert_memory_equal(f.newest, b, 12);
	assert_int_equal(hl_hsfresh_merge_stored(&f, b, a), 1);
	assert_memory_equal(f.window_high, b, 12);
	assert_int_equal(hl_hsfresh_merge_stored(&f, c, c), 0);
	assert_memory_equal(f.newest, c, 12);
	assert_memory_equal(f.window_high, c, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_newer_and_replay),
		cmocka_unit_test(test_clock_stepped_back),
		cmocka_unit_test(test_paths_out_of_order),
		cmocka_unit_test(test_restart_floor),
		cmocka_unit_test(test_full_evicts_oldest),
		cmocka_unit_test(test_merge_never_lowers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
