/* test_ratelimit.c — handshake rate limiting per source address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/ratelimit.h"

static void addr_of(uint8_t a[16], unsigned n)
{
	memset(a, 0, 16);
	a[12] = (uint8_t)(n >> 24);
	a[13] = (uint8_t)(n >> 16);
	a[14] = (uint8_t)(n >> 8);
	a[15] = (uint8_t)n;
}

static void test_burst_then_refill(void **state)
{
	(void)state;
	hl_ratelimit rl;
	uint8_t a[16];
	hl_ratelimit_init(&rl, 10, 20);
	addr_of(a, 1);
	for (int i = 0; i < 20; i++)
		assert_int_equal(hl_ratelimit_allow(&rl, a, 1000), 1);
	assert_int_equal(hl_ratelimit_allow(&rl, a, 1000), 0);
	/* 100 ms at 10/s is one token. */
	assert_int_equal(hl_ratelimit_allow(&rl, a, 1100), 1);
	assert_int_equal(hl_ratelimit_allow(&rl, a, 1100), 0);
	/* Refill is capped at the burst. */
	int ok = 0;
	for (int i = 0; i < 100; i++)
		ok += hl_ratelimit_allow(&rl, a, 100000);
	assert_int_equal(ok, 20);
}

static void test_sources_are_independent(void **state)
{
	(void)state;
	hl_ratelimit rl;
	uint8_t a[16], b[16];
	hl_ratelimit_init(&rl, 1, 2);
	addr_of(a, 1);
	addr_of(b, 2);
	assert_int_equal(hl_ratelimit_allow(&rl, a, 5), 1);
	assert_int_equal(hl_ratelimit_allow(&rl, a, 5), 1);
	assert_int_equal(hl_ratelimit_allow(&rl, a, 5), 0);
	assert_int_equal(hl_ratelimit_allow(&rl, b, 5), 1);
}

static void test_table_full_evicts_oldest(void **state)
{
	(void)state;
	hl_ratelimit rl;
	uint8_t a[16];
	hl_ratelimit_init(&rl, 1, 1);
	/* Fill every slot, each exhausted, at increasing times. */
	for (unsigned i = 0; i < HL_RL_SLOTS; i++) {
		addr_of(a, 100 + i);
		assert_int_equal(hl_ratelimit_allow(&rl, a, 10 + i / 1000), 1);
	}
	/* A new source still gets in (evicting the oldest), and the table
	 * never holds more than its fixed size. */
	addr_of(a, 99999);
	assert_int_equal(hl_ratelimit_allow(&rl, a, 20), 1);
	assert_int_equal(hl_ratelimit_allow(&rl, a, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_sources_are_independent),
		cmocka_unit_test(test_table_full_evicts_oldest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
