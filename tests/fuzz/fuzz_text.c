/* fuzz_text.c — libFuzzer target: hl_text_valid, hl_label_valid,
 * hl_lang_valid and hl_unhex/hl_hex, each checked against a simple reference
 * written here independently (UTF-8 from the table of well-formed byte
 * sequences in Unicode §3.9, not from code points). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_text: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* Unicode Table 3-7: the first byte fixes the length and the range of the
 * second byte; every later byte is 80..BF. */
static size_t ref_seq_len(const uint8_t *p, size_t left)
{
	uint8_t b = p[0];
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n;

	if (b <= 0x7f)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b == 0xe0)
		n = 3, lo = 0xa0;
	else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef)
		n = 3;
	else if (b == 0xed)
		n = 3, hi = 0x9f;
	else if (b == 0xf0)
		n = 4, lo = 0x90;
	else if (b >= 0xf1 && b <= 0xf3)
		n = 4;
	else if (b == 0xf4)
		n = 4, hi = 0x8f;
	else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return n;
}

/* 0: invalid UTF-8; 1: valid; *ctl counts Cc characters other than TAB, LF,
 * CR and *ws those three. C1 controls are U+0080..U+009F: C2 80..C2 9F. */
static int ref_utf8(const uint8_t *p, size_t len, size_t *ctl, size_t *ws)
{
	*ctl = *ws = 0;
	for (size_t i = 0; i < len;) {
		size_t n = ref_seq_len(p + i, len - i);
		if (n == 0)
			return 0;
		if (n == 1 && (p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
			(*ws)++;
		else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))
			(*ctl)++;
		else if (n == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f)
			(*ctl)++;
		i += n;
	}
	return 1;
}

static int ref_lang(const uint8_t *p, size_t len)
{
	size_t start = 0;

	if (len < 1 || len > 35)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '-') {
			uint8_t c = p[i];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
				return 0;
			continue;
		}
		if (i - start < 1 || i - start > 8)
			return 0;
		start = i + 1;
	}
	return 1;
}

static int ref_hexdigit(char c)
{
	return strchr("0123456789abcdefABCDEF", c) != NULL && c != '\0';
}

/* hl_unhex(s, n) against the reference on a NUL-terminated copy. */
static void check_unhex(const char *s, size_t slen, size_t n)
{
	uint8_t out[64];
	char back[2 * sizeof out + 1];
	int ok = 2 * n <= slen && s[2 * n] == '\0';

	CHECK(n <= sizeof out);
	for (size_t i = 0; ok && i < 2 * n; i++)
		ok = ref_hexdigit(s[i]);
	memset(out, 0xa5, sizeof out);
	int rc = hl_unhex(s, out, n);
	CHECK(rc == 0 || rc == HL_ERR_INVAL);
	CHECK((rc == 0) == ok);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			CHECK(out[i] == 0); /* cleared on failure */
		return;
	}
	hl_hex(out, n, back);
	CHECK(strlen(back) == 2 * n);
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		CHECK(back[i] == c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t ctl, ws;
	int ref = ref_utf8(data, size, &ctl, &ws);
	int text = hl_text_valid(data, size);
	int label = hl_label_valid((const char *)data, size);
	int lang = hl_lang_valid((const char *)data, size);

	CHECK(text == 0 || text == 1);
	CHECK(text == (ref && ctl == 0));
	CHECK(label == (ref && ctl == 0 && ws == 0));
	CHECK(lang == ref_lang(data, size));
	/* A language tag is always a valid label, and a label valid text. */
	CHECK(!lang || label);
	CHECK(!label || text);
	/* Empty input: valid text and label, never a language tag. */
	CHECK(size != 0 || (text && label && !lang));

	/* Hex: the input as a string, parsed for its own length and for a
	 * length taken from its first byte (shorter or longer than the string). */
	char *s = malloc(size + 1);
	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	if (size / 2 <= 64)
		check_unhex(s, size, size / 2);
	if (size > 0)
		check_unhex(s, size, data[0] % 65);
	check_unhex(s, size, 0);
	free(s);

	/* And hex of the input always parses back to it. */
	size_t n = size < 64 ? size : 64;
	char hex[2 * 64 + 1];
	uint8_t out[64];
	hl_hex(data, n, hex);
	CHECK(hl_unhex(hex, out, n) == 0);
	CHECK(n == 0 || memcmp(out, data, n) == 0);
	return 0;
}
