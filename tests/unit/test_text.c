/* test_text.c — tables of valid and invalid UTF-8 text, labels, language tags
 * and hex strings for src/util/text.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/err.h"
#include <stdio.h>

#include "util/text.h"

struct tcase {
	const char *name;
	const char *bytes;
	size_t len;
	int want;
};

#define T(n, b, w) { n, b, sizeof(b) - 1, w }

static const struct tcase text_cases[] = {
	T("empty", "", 1),
	T("ascii", "Hello, world.", 1),
	T("tab lf cr", "a\tb\nc\r\n", 1),
	T("cyrillic", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 1), /* Привет */
	T("cjk 3-byte", "\xe4\xb8\xad\xe6\x96\x87", 1),
	T("emoji 4-byte", "\xf0\x9f\x93\x9e", 1),
	T("max scalar U+10FFFF", "\xf4\x8f\xbf\xbf", 1),
	T("U+D7FF before surrogates", "\xed\x9f\xbf", 1),
	T("U+E000 after surrogates", "\xee\x80\x80", 1),
	T("U+00A0 after C1", "\xc2\xa0", 1),
	T("U+0800 smallest 3-byte", "\xe0\xa0\x80", 1),
	T("U+10000 smallest 4-byte", "\xf0\x90\x80\x80", 1),
	T("NUL", "a\0b", 0),
	T("BEL", "a\x07", 0),
	T("ESC", "\x1b[31m", 0),
	T("DEL", "\x7f", 0),
	T("C1 U+0080", "\xc2\x80", 0),
	T("C1 U+009B CSI", "\xc2\x9b", 0),
	T("C1 U+009F", "\xc2\x9f", 0),
	T("overlong NUL C0 80", "\xc0\x80", 0),
	T("overlong '/' C0 AF", "\xc0\xaf", 0),
	T("overlong C1 BF", "\xc1\xbf", 0),
	T("overlong 3-byte E0 9F BF", "\xe0\x9f\xbf", 0),
	T("overlong 4-byte F0 8F BF BF", "\xf0\x8f\xbf\xbf", 0),
	T("surrogate D800", "\xed\xa0\x80", 0),
	T("surrogate DFFF", "\xed\xbf\xbf", 0),
	T("above U+10FFFF", "\xf4\x90\x80\x80", 0),
	T("F5 lead", "\xf5\x80\x80\x80", 0),
	T("FF byte", "\xff", 0),
	T("lone continuation", "\x80", 0),
	T("truncated 2-byte", "\xd0", 0),
	T("truncated 3-byte", "\xe4\xb8", 0),
	T("truncated 4-byte", "\xf0\x9f\x93", 0),
	T("bad continuation", "\xd0\x41", 0),
	T("ascii then truncated", "abc\xe2\x82", 0),
};

static void test_text_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof text_cases / sizeof text_cases[0]; i++) {
		const struct tcase *c = &text_cases[i];
		int got = hl_text_valid((const uint8_t *)c->bytes, c->len);
		if (got != c->want)
			fail_msg("hl_text_valid(%s) = %d, want %d", c->name, got, c->want);
	}
}

static void test_text_null(void **state)
{
	(void)state;
	assert_int_equal(hl_text_valid(NULL, 0), 1);
	assert_int_equal(hl_text_valid(NULL, 1), 0);
}

/* Every 2-byte sequence: valid exactly when it encodes U+00A0..U+07FF. */
static void test_text_all_two_byte(void **state)
{
	(void)state;
	for (unsigned a = 0x80; a <= 0xff; a++) {
		for (unsigned b = 0; b <= 0xff; b++) {
			uint8_t s[2] = { (uint8_t)a, (uint8_t)b };
			int want = a >= 0xc2 && a <= 0xdf && (b & 0xc0) == 0x80 &&
				   !(a == 0xc2 && b <= 0x9f);
			assert_int_equal(hl_text_valid(s, 2), want);
		}
	}
}

/* The word-at-a-time ASCII path must agree with a byte-by-byte reading:
 * every control byte, DEL and non-ASCII byte at every position of a run of
 * printable ASCII, across the 8-byte boundaries. */
static int ref_ascii_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') || p[i] >= 0x7f)
			return 0;
	return 1;
}

static void test_text_ascii_words(void **state)
{
	(void)state;
	uint8_t buf[40];
	for (size_t len = 1; len <= sizeof buf; len++) {
		for (size_t pos = 0; pos < len; pos++) {
			for (unsigned b = 0; b < 0x100; b++) {
				for (size_t i = 0; i < len; i++)
					buf[i] = (uint8_t)('!' + (i * 7) % 94);
				buf[pos] = (uint8_t)b;
				if (b >= 0x80)
					continue; /* a lone non-ASCII byte is never valid UTF-8 */
				assert_int_equal(hl_text_valid(buf, len), ref_ascii_ok(buf, len));
			}
			/* A valid two-byte sequence inside the run. */
			if (pos + 1 < len) {
				buf[pos] = 0xd0;
				buf[pos + 1] = 0x9f;
				assert_int_equal(hl_text_valid(buf, len), 1);
				buf[pos + 1] = 0x20; /* truncated */
				assert_int_equal(hl_text_valid(buf, len), 0);
			} else {
				buf[pos] = 0x80;
				assert_int_equal(hl_text_valid(buf, len), 0);
			}
		}
	}
}

/* A message cut by snprintf inside a UTF-8 sequence loses the partial
 * sequence only; whole characters stay. */
static void test_trim_cut(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "ab\xd0", "ab" }, { "ab\xd0\x9f", "ab\xd0\x9f" }, { "x\xe2\x82", "x" },
		{ "\xf0\x9f\x98", "" }, { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" }, { "plain", "plain" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[16];
		snprintf(buf, sizeof buf, "%s", cases[i][0]);
		hl_text_trim_cut(buf);
		assert_string_equal(buf, cases[i][1]);
	}
}

static void test_label(void **state)
{
	(void)state;
	assert_int_equal(hl_label_valid("", 0), 1);
	assert_int_equal(hl_label_valid("smith", 5), 1);
	assert_int_equal(hl_label_valid("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2", 12), 1);
	assert_int_equal(hl_label_valid("J. Smith", 8), 1);
	assert_int_equal(hl_label_valid("a\tb", 3), 0);
	assert_int_equal(hl_label_valid("a\nb", 3), 0);
	assert_int_equal(hl_label_valid("a\rb", 3), 0);
	assert_int_equal(hl_label_valid("a\0b", 3), 0);
	assert_int_equal(hl_label_valid("\xc2\x85", 2), 0); /* NEL */
	assert_int_equal(hl_label_valid("\xc0\xaf", 2), 0);
	assert_int_equal(hl_label_valid("\xd0", 1), 0);
}

static void test_lang(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ "en", 1 }, { "ru", 1 }, { "en-US", 1 }, { "zh-Hant-TW", 1 },
		{ "sr-Latn-RS", 1 }, { "de-CH-1901", 1 }, { "x-private", 1 },
		{ "abcdefgh", 1 }, { "en-abcdefgh", 1 },
		{ "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r", 1 }, /* 35 */
		{ "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-rs", 0 }, /* 36 */
		{ "", 0 }, { "-en", 0 }, { "en-", 0 }, { "en--US", 0 },
		{ "abcdefghi", 0 }, { "en_US", 0 }, { "en US", 0 }, { "ру", 0 },
		{ "en\n", 0 }, { "-", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = hl_lang_valid(cases[i].s, strlen(cases[i].s));
		if (got != cases[i].want)
			fail_msg("hl_lang_valid(\"%s\") = %d, want %d", cases[i].s, got,
				 cases[i].want);
	}
	assert_int_equal(hl_lang_valid(NULL, 0), 0);
}

static void test_hex(void **state)
{
	const uint8_t in[5] = { 0x00, 0x01, 0xab, 0xcd, 0xff };
	char out[11];
	uint8_t back[5];
	(void)state;

	hl_hex(in, sizeof in, out);
	assert_string_equal(out, "0001abcdff");
	assert_int_equal(hl_unhex(out, back, sizeof back), 0);
	assert_memory_equal(back, in, sizeof in);
	assert_int_equal(hl_unhex("0001ABCDFF", back, sizeof back), 0);
	assert_memory_equal(back, in, sizeof in);

	hl_hex(in, 0, out);
	assert_string_equal(out, "");
	assert_int_equal(hl_unhex("", back, 0), 0);

	assert_int_equal(hl_unhex("0001abcdf", back, sizeof back), HL_ERR_INVAL);
	assert_int_equal(hl_unhex("0001abcdff0", back, sizeof back), HL_ERR_INVAL);
	assert_int_equal(hl_unhex("0001abcdfg", back, sizeof back), HL_ERR_INVAL);
	assert_int_equal(hl_unhex(" 001abcdff", back, sizeof back), HL_ERR_INVAL);
	assert_int_equal(hl_unhex(NULL, back, sizeof back), HL_ERR_INVAL);
	/* A failed parse leaves no partial output behind. */
	for (size_t i = 0; i < sizeof back; i++)
		assert_int_equal(back[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_text_null),
		cmocka_unit_test(test_text_all_two_byte),
		cmocka_unit_test(test_text_ascii_words),
		cmocka_unit_test(test_trim_cut),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
