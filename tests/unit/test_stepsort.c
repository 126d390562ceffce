/* test_stepsort.c — the merge sort in steps: sorted and stable for every
 * size and order tried, whatever the budget (a spent budget still makes
 * progress, so a sort in the smallest steps ends), with scratch of half the
 * array; and the lower-bound look-up on its result. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/stepsort.h"

typedef struct {
	uint32_t key;
	uint32_t pos; /* original position: checks stability */
	uint8_t pad[8];
} item;

static int by_key(const void *a, const void *b, void *ctx)
{
	const item *x = a, *y = b;
	(void)ctx;
	return x->key < y->key ? -1 : x->key > y->key;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* kind 0 random, 1 few keys (many ties), 2 sorted, 3 reversed, 4 two
 * sorted halves (two chains), 5 all equal. */
static void fill(item *v, size_t n, int kind, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		switch (kind) {
		case 0: v[i].key = rnd(seed); break;
		case 1: v[i].key = rnd(seed) % 7; break;
		case 2: v[i].key = (uint32_t)i; break;
		case 3: v[i].key = (uint32_t)(n - i); break;
		case 4: v[i].key = (uint32_t)(i < n / 2 ? 2 * i : 2 * (i - n / 2) + 1); break;
		default: v[i].key = 5; break;
		}
		v[i].pos = (uint32_t)i;
	}
}

static void sort_and_check(size_t n, int kind, uint64_t us, uint64_t seed)
{
	item *v = calloc(n ? n : 1, sizeof *v);
	hl_stepsort s;
	hl_budget b;
	unsigned calls = 0;

	assert_non_null(v);
	fill(v, n, kind, &seed);
	assert_int_equal(hl_stepsort_begin(&s, v, n, sizeof *v, by_key, NULL), 0);
	for (;;) {
		hl_budget_start(&b, us);
		calls++;
		if (hl_stepsort_run(&s, &b) == 1)
			break;
		assert_true(calls < 10u * 1000u * 1000u);
	}
	hl_stepsort_free(&s);
	for (size_t i = 1; i < n; i++) {
		if (v[i - 1].key > v[i].key)
			fail_msg("n=%zu kind=%d: not sorted at %zu", n, kind, i);
		if (v[i - 1].key == v[i].key && v[i - 1].pos > v[i].pos)
			fail_msg("n=%zu kind=%d: not stable at %zu", n, kind, i);
	}
	/* Nothing lost or doubled: the positions are a permutation. */
	uint8_t *seen = calloc(n ? n : 1, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < n; i++) {
		assert_true(v[i].pos < n && !seen[v[i].pos]);
		seen[v[i].pos] = 1;
	}
	free(seen);
	free(v);
}

static void test_sizes_and_orders(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 15, 16, 17, 31, 33, 100, 257, 1000, 4097, 50001 };
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int kind = 0; kind < 6; kind++)
			sort_and_check(sizes[i], kind, 1000000, 42 + i);
}

/* A budget spent at once: each call does its minimum; the sort still ends. */
static void test_smallest_steps(void **state)
{
	(void)state;
	for (int kind = 0; kind < 6; kind++) {
		sort_and_check(3001, kind, 0, 7);
		sort_and_check(65, kind, 0, 9);
	}
}

static int key_vs(const void *elem, const void *key, void *ctx)
{
	const item *x = elem;
	uint32_t k = *(const uint32_t *)key;
	(void)ctx;
	return x->key < k ? -1 : x->key > k;
}

static void test_lower(void **state)
{
	item v[6];
	uint32_t keys[] = { 1, 3, 3, 3, 8, 9 };
	(void)state;
	for (int i = 0; i < 6; i++)
		v[i].key = keys[i];
	uint32_t k = 3;
	assert_int_equal(hl_sorted_lower(v, 6, sizeof *v, &k, key_vs, NULL), 1);
	k = 0;
	assert_int_equal(hl_sorted_lower(v, 6, sizeof *v, &k, key_vs, NULL), 0);
	k = 4;
	assert_int_equal(hl_sorted_lower(v, 6, sizeof *v, &k, key_vs, NULL), 4);
	k = 10;
	assert_int_equal(hl_sorted_lower(v, 6, sizeof *v, &k, key_vs, NULL), 6);
	assert_int_equal(hl_sorted_lower(v, 0, sizeof *v, &k, key_vs, NULL), 0);
}

static void test_vec(void **state)
{
	hl_vec v;
	(void)state;
	hl_vec_init(&v, sizeof(item));
	for (uint32_t i = 0; i < 1000; i++) {
		item *e = hl_vec_push(&v);
		assert_non_null(e);
		assert_int_equal(e->key, 0);
		e->key = i;
	}
	assert_int_equal(v.n, 1000);
	assert_int_equal(((item *)hl_vec_at(&v, 999))->key, 999);
	assert_int_equal(hl_vec_reserve(&v, 5000), 0);
	assert_true(v.cap >= 5000);
	assert_int_equal(((item *)hl_vec_at(&v, 500))->key, 500);
	hl_vec_free(&v);
	assert_int_equal(v.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_orders),
		cmocka_unit_test(test_smallest_steps),
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_vec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
