/* test_console_text.c — the console's text for the screen: peer text
 * cleaned and widened, cut by columns between characters (Cyrillic, double
 * width), countdowns formatted. */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "console/console.h"

static int utf8_locale(void)
{
	return setlocale(LC_ALL, "C.UTF-8") != NULL;
}

static void test_widen_cyrillic(void **state)
{
	(void)state;
	if (!utf8_locale())
		skip();
	wchar_t w[64];
	const char *s = "Срочно: ёЁ";
	size_t n = hl_con_widen(s, strlen(s), 0, w, 64);
	assert_int_equal(n, 10);
	assert_int_equal(w[0], 0x421); /* С */
	assert_int_equal(w[8], 0x451); /* ё */
	assert_int_equal(hl_con_width(w, n), 10);
	/* Cut at 4 columns: four whole letters. */
	int used = -1;
	assert_int_equal(hl_con_fit(w, n, 4, &used), 4);
	assert_int_equal(used, 4);
}

static void test_controls_and_bad_bytes(void **state)
{
	(void)state;
	if (!utf8_locale())
		skip();
	wchar_t w[64];
	const char s[] = "a\x1b[2Jb\xff\xc3\n\tc";
	size_t n = hl_con_widen(s, sizeof s - 1, 0, w, 64);
	/* No ESC, newline or tab survives in a single line: nothing can move the cursor. */
	for (size_t i = 0; i < n; i++) {
		assert_true(w[i] != 0x1b);
		assert_true(w[i] != L'\n');
		assert_true(w[i] != L'\t');
	}
	n = hl_con_widen("x\ny\tz", 5, 1, w, 64);
	assert_int_equal(n, 5);
	assert_int_equal(w[1], L'\n');
	assert_int_equal(w[3], L' '); /* a tab becomes a space */
}

static void test_double_width_never_split(void **state)
{
	(void)state;
	if (!utf8_locale())
		skip();
	wchar_t w[16];
	const char *s = "日本語"; /* 2 columns each */
	size_t n = hl_con_widen(s, strlen(s), 0, w, 16);
	assert_int_equal(n, 3);
	int used = 0;
	assert_int_equal(hl_con_fit(w, n, 5, &used), 2);
	assert_int_equal(used, 4);
	assert_int_equal(hl_con_fit(w, n, 1, &used), 0);
	assert_int_equal(used, 0);
}

static void test_capacity(void **state)
{
	(void)state;
	wchar_t w[4];
	assert_int_equal(hl_con_widen("abcdef", 6, 0, w, 4), 3);
	assert_int_equal(w[3], 0);
	assert_int_equal(hl_con_widen("abc", 3, 0, w, 0), 0);
}

static void test_duration(void **state)
{
	char b[32];
	(void)state;
	hl_con_duration(7000, b, sizeof b);
	assert_string_equal(b, "0:07");
	hl_con_duration(161999, b, sizeof b);
	assert_string_equal(b, "2:41");
	hl_con_duration(3723000, b, sizeof b);
	assert_string_equal(b, "1:02:03");
	hl_con_duration(-12000, b, sizeof b);
	assert_string_equal(b, "0:12");
	hl_con_duration(3 * 86400000LL + 4 * 3600000LL, b, sizeof b);
	assert_string_equal(b, "3d04h");
}

static void test_ack_by_clock(void **state)
{
	(void)state;
	hl_con_entry e = { .ack = HL_CON_ACK_WAITING, .due_ms = 1000 };
	assert_int_equal(hl_con_ack_now(&e, 999), HL_CON_ACK_WAITING);
	assert_int_equal(hl_con_ack_now(&e, 1001), HL_CON_ACK_OVERDUE);
	e.ack = HL_CON_ACK_ACKED;
	assert_int_equal(hl_con_ack_now(&e, 5000), HL_CON_ACK_ACKED);
	e.ack = HL_CON_ACK_NONE;
	assert_int_equal(hl_con_ack_now(&e, 5000), HL_CON_ACK_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widen_cyrillic),
		cmocka_unit_test(test_controls_and_bad_bytes),
		cmocka_unit_test(test_double_width_never_split),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_ack_by_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
