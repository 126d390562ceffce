/* test_log.c — what reaches the log from untrusted text: one line, no
 * terminal escapes, invalid UTF-8 shown as bytes, readable UTF-8 kept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/log.h"

static void esc_is(const char *in, const char *want)
{
	char out[256];
	hl_log_escape(in, out, sizeof out);
	assert_string_equal(out, want);
}

static void test_plain_and_utf8_kept(void **state)
{
	(void)state;
	esc_is("peer moscow: line up (127.0.0.1:7340)", "peer moscow: line up (127.0.0.1:7340)");
	esc_is("\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0", "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
	esc_is("", "");
}

static void test_controls_escaped(void **state)
{
	(void)state;
	esc_is("two\nlines", "two\\x0alines");
	esc_is("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	esc_is("del\x7f", "del\\x7f");
	esc_is("tab\there", "tab\\x09here");
	/* C1 controls (U+0080..U+009F) are valid UTF-8 but still controls. */
	esc_is("c1\xc2\x9b", "c1\\xc2\\x9b");
	/* A backslash is doubled, so \x.. in the log is always an escape. */
	esc_is("a\\x41", "a\\\\x41");
}

static void test_invalid_utf8_as_bytes(void **state)
{
	(void)state;
	esc_is("\xff\xfe", "\\xff\\xfe");
	esc_is("cut \xd0", "cut \\xd0");
	esc_is("\xc0\xaf", "\\xc0\\xaf");           /* overlong */
	esc_is("\xed\xa0\x80", "\\xed\\xa0\\x80");   /* a surrogate */
	esc_is("\xe2\x82", "\\xe2\\x82");            /* truncated at the end */
}

static void test_truncation_whole_escapes(void **state)
{
	(void)state;
	char out[8];
	hl_log_escape("ab\ncd", out, sizeof out);
	assert_string_equal(out, "ab\\x0ac"); /* 7 characters and the NUL */
	hl_log_escape("abcde\n", out, sizeof out);
	assert_string_equal(out, "abcde"); /* the escape does not fit whole: not split */
	hl_log_escape("\x01\x02", out, 5);
	assert_string_equal(out, "\\x01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_utf8_kept),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_invalid_utf8_as_bytes),
		cmocka_unit_test(test_truncation_whole_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
