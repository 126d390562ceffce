/* test_entryref.c — the operator's entry references: the forms accepted, and
 * every near miss refused with nothing left in the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "record/entryref.h"
#include "util/err.h"

static void test_accepts(void **state)
{
	hl_entryref r;

	(void)state;
	assert_int_equal(hl_entryref_parse("moscow#12", &r), 0);
	assert_false(r.by_hash);
	assert_string_equal(r.author, "moscow");
	assert_int_equal(r.seq, 12);
	assert_string_equal(r.line, "");
	assert_int_equal(hl_entryref_parse("washington#5@moscow", &r), 0);
	assert_string_equal(r.author, "washington");
	assert_int_equal(r.seq, 5);
	assert_string_equal(r.line, "moscow");
	assert_int_equal(hl_entryref_parse("a.b_c-d#18446744073709551615", &r), 0);
	assert_true(r.seq == UINT64_MAX);
	assert_int_equal(hl_entryref_parse("DEADbeef", &r), 0);
	assert_true(r.by_hash);
	assert_string_equal(r.hex, "deadbeef");
	char full[65];
	memset(full, 'f', 64);
	full[64] = '\0';
	assert_int_equal(hl_entryref_parse(full, &r), 0);
	assert_string_equal(r.hex, full);
}

static void test_refuses(void **state)
{
	static const char *const bad[] = {
		"", "moscow", "#12", "moscow#", "moscow#0", "moscow#012", "moscow#-1", "moscow#1x",
		"moscow#18446744073709551616", "moscow#1@", "moscow#1@a@b", "mos cow#1", "moscow#1@tok yo",
		"deadbee", "deadbeeg", "moscow#1#2", "moscow #1",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 hex */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa#1", /* name of 64 */
		"ünï#1",
	};
	hl_entryref r;
	static const hl_entryref zero;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&r, 0x55, sizeof r);
		if (hl_entryref_parse(bad[i], &r) != HL_ERR_INVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_memory_equal(&r, &zero, sizeof r);
	}
	assert_int_equal(hl_entryref_parse(NULL, &r), HL_ERR_INVAL);
	assert_int_equal(hl_entryref_parse("moscow#1", NULL), HL_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
