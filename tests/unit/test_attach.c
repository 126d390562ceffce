/* test_attach.c — the attachment descriptor (src/record/attach.c): valid lines
 * parse to their fields and format back to the same bytes; every other
 * spelling of the same meaning, and every malformed line, is refused; and an
 * entry flagged ATTACHMENT must carry one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "record/attach.h"
#include "record/entry.h"
#include "util/err.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(const char *s, hl_attach_desc *d, size_t *off)
{
	return hl_attach_parse((const uint8_t *)s, strlen(s), d, off);
}

static void test_valid_round_trip(void **state)
{
	static const char *const ok[] = {
		"attachment 1 " H64 " 1 a\n",
		"attachment 1 " H64 " 52428800 map of the strait.pdf\nSee the route.",
		"attachment 1 " H64 " 104857600 \xd0\xba\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0.png\n",
		"attachment 1 " H64 " 7 .hidden\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		hl_attach_desc d;
		size_t off = 99;
		char back[HL_ATTACH_DESC_MAX + 1];
		assert_int_equal(parse(ok[i], &d, &off), 0);
		const char *nl = strchr(ok[i], '\n');
		assert_int_equal(off, (size_t)(nl - ok[i]) + 1);
		int n = hl_attach_format(&d, back, sizeof back);
		assert_int_equal(n, (int)off);
		assert_memory_equal(back, ok[i], off);
	}
	hl_attach_desc d;
	size_t off;
	assert_int_equal(parse("attachment 1 " H64 " 52428800 map.pdf\nx", &d, &off), 0);
	assert_int_equal(d.size, 52428800u);
	assert_string_equal(d.name, "map.pdf");
	assert_int_equal(d.hash[0], 0x01);
	assert_int_equal(d.hash[31], 0xef);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"attachment 1 " H64 " 1 a",                  /* no newline */
		"attachment 2 " H64 " 1 a\n",                /* unknown version */
		"Attachment 1 " H64 " 1 a\n",
		"attachment 1 " H64 "  1 a\n",               /* double space */
		"attachment 1 " H64 " 01 a\n",               /* leading zero */
		"attachment 1 " H64 " 0 a\n",                /* empty */
		"attachment 1 " H64 " 104857601 a\n",        /* over 100 MiB */
		"attachment 1 " H64 " 99999999999999999999999 a\n",
		"attachment 1 " H64 " -1 a\n",
		"attachment 1 " H64 " 1\n",                  /* no name */
		"attachment 1 " H64 " 1 \n",
		"attachment 1 " H64 " 1  a\n",               /* leading space in the name */
		"attachment 1 " H64 " 1 a \n",
		"attachment 1 " H64 " 1 a/b\n",
		"attachment 1 " H64 " 1 a\\b\n",
		"attachment 1 " H64 " 1 .\n",
		"attachment 1 " H64 " 1 ..\n",
		"attachment 1 " H64 " 1 a\tb\n",
		"attachment 1 " H64 " 1 a\rb\n",
		"attachment 1 " H64 " 1 a\xc2\x85" "b\n",     /* C1 control */
		"attachment 1 " H64 " 1 a\xff\n",            /* not UTF-8 */
		"attachment 1 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef 1 a\n",
		"attachment 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde 1 a\n",
		"attachment 1 " H64 "0 1 a\n",
		"attachment 1 " H64 " 1x a\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hl_attach_desc d;
		size_t off = 5;
		if (parse(bad[i], &d, &off) != HL_ERR_INVAL)
			fail_msg("accepted: case %zu", i);
		assert_int_equal(off, 0);
		assert_int_equal(d.size, 0);
	}
	/* A name of 256 bytes is too long; 255 is not. */
	char line[600], name[300];
	memset(name, 'n', 256);
	name[256] = 0;
	snprintf(line, sizeof line, "attachment 1 " H64 " 1 %s\n", name);
	hl_attach_desc d;
	size_t off;
	assert_int_equal(parse(line, &d, &off), HL_ERR_INVAL);
	name[255] = 0;
	snprintf(line, sizeof line, "attachment 1 " H64 " 1 %s\n", name);
	assert_int_equal(parse(line, &d, &off), 0);
	assert_int_equal(strlen(d.name), 255);
}

static void test_format_refuses(void **state)
{
	hl_attach_desc d;
	char out[HL_ATTACH_DESC_MAX + 1];
	(void)state;
	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "a");
	assert_int_equal(hl_attach_format(&d, out, sizeof out), HL_ERR_INVAL); /* size 0 */
	d.size = HL_MAX_ATTACHMENT + 1;
	assert_int_equal(hl_attach_format(&d, out, sizeof out), HL_ERR_INVAL);
	d.size = 1;
	snprintf(d.name, sizeof d.name, "a/b");
	assert_int_equal(hl_attach_format(&d, out, sizeof out), HL_ERR_INVAL);
	snprintf(d.name, sizeof d.name, "ok");
	assert_int_equal(hl_attach_format(&d, out, 20), HL_ERR_TOOBIG);
}

/* The flag binds the body: an entry flagged ATTACHMENT without a valid
 * descriptor is refused by the field checks (so by decode and verify). */
static void test_entry_flag(void **state)
{
	hl_entry e;
	const char *good = "attachment 1 " H64 " 10 a.txt\nhello";
	(void)state;
	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = HL_KIND_MESSAGE;
	e.seq = 1;
	snprintf(e.lang, sizeof e.lang, "en");
	e.body = (const uint8_t *)good;
	e.body_len = (uint32_t)strlen(good);
	e.flags = HL_FLAG_ATTACHMENT;
	assert_int_equal(hl_entry_check_fields(&e), 0);
	e.flags = HL_FLAG_ATTACHMENT | HL_FLAG_EXERCISE;
	assert_int_equal(hl_entry_check_fields(&e), 0);
	e.body = (const uint8_t *)"hello";
	e.body_len = 5;
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_INVAL);
	e.flags = 0; /* without the flag the same text is only text */
	assert_int_equal(hl_entry_check_fields(&e), 0);
	e.flags = 0x0004;
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_round_trip),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_entry_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
