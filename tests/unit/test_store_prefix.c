/* test_store_prefix.c — an entry found by a hex id prefix, the whole scan
 * and the same scan in pages (hl_store_find_prefix_page, which the API runs
 * in steps): both give the same answer for every prefix tried, whatever the
 * page size, over entries of two lines and two authors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "store/store.h"
#include "testutil.h"

#define N_ENTRIES 300

typedef struct {
	char dir[256];
	hl_store *st;
	uint8_t line[2][32];
	uint8_t author[2][32];
	uint8_t hash[N_ENTRIES][32];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char path[300], err[256];

	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "prefix") < 0)
		return -1;
	snprintf(path, sizeof path, "%s/hotline.db", f->dir);
	if (hl_store_open(path, &f->st, err, sizeof err) < 0)
		return -1;
	randombytes_buf(f->line, sizeof f->line);
	randombytes_buf(f->author, sizeof f->author);
	if (hl_store_begin(f->st) < 0)
		return -1;
	/* Entry i: line i % 2, author (i / 2) % 2, its own seq on that chain. */
	uint64_t seq[2][2] = { { 0 } };
	for (int i = 0; i < N_ENTRIES; i++) {
		uint8_t enc[64];
		int li = i % 2, ai = (i / 2) % 2;
		randombytes_buf(enc, sizeof enc);
		crypto_generichash(f->hash[i], 32, enc, sizeof enc, NULL, 0);
		hl_store_entry e = {
			.line_id = f->line[li], .author = f->author[ai], .seq = ++seq[li][ai],
			.hash = f->hash[i], .kind = 1, .time_ms = 1700000000000ull + (uint64_t)i,
			.stored_ms = 1700000000000ull + (uint64_t)i, .enc = enc, .enc_len = sizeof enc,
		};
		if (hl_store_put_entry(f->st, &e) < 0)
			return -1;
	}
	if (hl_store_commit(f->st) < 0)
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

/* The paged scan's answer in the terms of hl_store_find_prefix. */
static int paged(hl_store *st, const char *hex, unsigned rows, uint8_t line[32],
		 uint8_t author[32], uint64_t *seq, uint8_t hash[32], unsigned *pages)
{
	int64_t pos = 0;
	unsigned found = 0;
	int rc;

	*pages = 0;
	do {
		rc = hl_store_find_prefix_page(st, hex, &pos, rows, &found, line, author, seq, hash);
		(*pages)++;
		assert_true(*pages < 100000);
	} while (rc == 0);
	if (rc < 0)
		return rc;
	return found == 0 ? HL_ERR_NOTFOUND : found > 1 ? HL_ERR_STATE : 0;
}

static void test_pages_agree(void **state)
{
	fixture *f = *state;
	static const unsigned sizes[] = { 1, 7, 64, 100000 };
	char hex[65];
	int seen[3] = { 0 }; /* outcomes met: found, not found, ambiguous */

	/* Prefixes of every length class: one digit (mostly ambiguous), two and
	 * three (some of each outcome), eight, the whole hash; in both cases. */
	for (int i = 0; i < N_ENTRIES; i += 7) {
		static const size_t lens[] = { 1, 2, 3, 8, 64 };
		for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
			for (size_t j = 0; j < 32; j++)
				snprintf(hex + 2 * j, 3, (i + (int)k) % 2 ? "%02X" : "%02x", f->hash[i][j]);
			hex[lens[k]] = '\0';
			if (k == 2 && i % 3 == 0)
				hex[2] = hex[2] == '0' ? '1' : '0'; /* maybe no entry has it */
			uint8_t l1[32], a1[32], h1[32];
			uint64_t s1;
			int want = hl_store_find_prefix(f->st, hex, l1, a1, &s1, h1);
			assert_true(want == 0 || want == HL_ERR_NOTFOUND || want == HL_ERR_STATE);
			seen[want == 0 ? 0 : want == HL_ERR_NOTFOUND ? 1 : 2] = 1;
			for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
				uint8_t l2[32], a2[32], h2[32];
				uint64_t s2 = 0;
				unsigned pages;
				int got = paged(f->st, hex, sizes[z], l2, a2, &s2, h2, &pages);
				assert_int_equal(got, want);
				if (sizes[z] == 1)
					assert_true(pages >= N_ENTRIES);
				if (want != 0)
					continue;
				assert_memory_equal(l2, l1, 32);
				assert_memory_equal(a2, a1, 32);
				assert_memory_equal(h2, h1, 32);
				assert_int_equal(s2, s1);
			}
		}
	}
	assert_true(seen[0] && seen[1] && seen[2]);
}

/* A new entry stored between two pages is seen by a scan not yet past it;
 * the scan's position moves only forward; bad arguments are refused. */
static void test_pages_resume(void **state)
{
	fixture *f = *state;
	uint8_t line[32], author[32], hash[32], enc[64];
	uint64_t seq;
	int64_t pos = 0;
	unsigned found = 0;
	char hex[65];

	assert_int_equal(hl_store_find_prefix_page(f->st, "ab", &pos, 10, &found, line, author, &seq,
						   hash), 0);
	assert_int_equal(pos, 10);
	randombytes_buf(enc, sizeof enc);
	uint8_t h[32];
	crypto_generichash(h, 32, enc, sizeof enc, NULL, 0);
	hl_store_entry e = {
		.line_id = f->line[0], .author = f->author[0], .seq = 1000, .hash = h, .kind = 1,
		.time_ms = 1800000000000ull, .stored_ms = 1800000000000ull, .enc = enc,
		.enc_len = sizeof enc,
	};
	assert_int_equal(hl_store_put_entry(f->st, &e), 0);
	for (size_t j = 0; j < 32; j++)
		snprintf(hex + 2 * j, 3, "%02x", h[j]);
	hex[16] = '\0';
	int rc;
	pos = 0;
	found = 0;
	do
		rc = hl_store_find_prefix_page(f->st, hex, &pos, 50, &found, line, author, &seq, hash);
	while (rc == 0);
	assert_int_equal(rc, 1);
	assert_int_equal(found, 1);
	assert_int_equal(seq, 1000);
	assert_memory_equal(hash, h, 32);

	pos = 0;
	assert_int_equal(hl_store_find_prefix_page(f->st, "", &pos, 10, &found, line, author, &seq,
						   hash), HL_ERR_INVAL);
	assert_int_equal(hl_store_find_prefix_page(f->st, "12*", &pos, 10, &found, line, author,
						   &seq, hash), HL_ERR_INVAL);
	assert_int_equal(hl_store_find_prefix_page(f->st, "12", &pos, 0, &found, line, author, &seq,
						   hash), HL_ERR_INVAL);
	pos = -1;
	assert_int_equal(hl_store_find_prefix_page(f->st, "12", &pos, 10, &found, line, author, &seq,
						   hash), HL_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pages_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages_resume, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
