/* text.c — validity checks for text from outside (entry bodies, operator names,
 * language tags) and hex conversion; strict, allocation-free, table-free. */
#include "text.h"
#include "err.h"

#include <string.h>

/* Decodes one UTF-8 sequence starting at p[*i] (RFC 3629 §4). Rejects
 * overlong forms, surrogates, code points above U+10FFFF and truncated or
 * malformed sequences. Returns 1 and advances *i on success, 0 otherwise. */
static int utf8_next(const uint8_t *p, size_t len, size_t *i, uint32_t *cp)
{
	static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint8_t b = p[*i];
	size_t n;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		*i += 1;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		c = b & 0x0f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		c = b & 0x07;
	} else {
		return 0; /* continuation byte, C0/C1 lead (always overlong), F5..FF */
	}
	if (n > len - *i)
		return 0;
	for (size_t k = 1; k < n; k++) {
		uint8_t t = p[*i + k];
		if ((t & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (t & 0x3f);
	}
	if (c < min_for_len[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	*i += n;
	return 1;
}

/* C0 controls, DEL and C1 controls (Unicode general category Cc). */
static int is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* 1 if all 8 bytes at p are printable ASCII (0x20..0x7e): most text on a
 * line is, and checking it a word at a time made validation, done on every
 * entry sent and received, ten times cheaper (docs/PERFORMANCE.md). */
static int ascii8_printable(const uint8_t *p)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t w, del;
	memcpy(&w, p, 8);
	if (w & highs)
		return 0;
	/* With no high bit set, a byte < 0x20 borrows into its own high bit. */
	if ((w - 0x20 * ones) & ~w & highs)
		return 0;
	del = w ^ (0x7f * ones); /* a zero byte where w had DEL */
	return ((del - ones) & ~del & highs) == 0;
}

void hl_text_trim_cut(char *s)
{
	size_t n = strlen(s), k = 0;

	while (k < n && k < 4 && ((unsigned char)s[n - 1 - k] & 0xC0) == 0x80)
		k++;
	if (k == n || ((unsigned char)s[n - 1 - k] & 0x80) == 0)
		return;
	unsigned char lead = (unsigned char)s[n - 1 - k];
	size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (k + 1 < want)
		s[n - 1 - k] = '\0';
}

int hl_text_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;
	uint32_t c;

	if (!p)
		return len == 0;
	while (i < len) {
		if (len - i >= 8 && ascii8_printable(p + i)) {
			i += 8;
			continue;
		}
		if (!utf8_next(p, len, &i, &c))
			return 0;
		if (is_control(c) && c != '\t' && c != '\n' && c != '\r')
			return 0;
	}
	return 1;
}

int hl_label_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	uint32_t c;

	if (!s)
		return len == 0;
	while (i < len) {
		if (!utf8_next(p, len, &i, &c))
			return 0;
		if (is_control(c))
			return 0;
	}
	return 1;
}

static int is_alnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int hl_lang_valid(const char *s, size_t len)
{
	size_t sub = 0;

	if (!s || len == 0 || len > 35)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-') {
			if (sub == 0)
				return 0; /* leading or doubled hyphen */
			sub = 0;
		} else if (is_alnum_ascii(s[i])) {
			if (++sub > 8)
				return 0;
		} else {
			return 0;
		}
	}
	return sub != 0; /* no trailing hyphen */
}

void hl_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hl_unhex(const char *s, uint8_t *out, size_t n)
{
	if (n)
		memset(out, 0, n);
	if (!s)
		return HL_ERR_INVAL;
	/* Exactly 2n digits: the string must end right after them. */
	for (size_t i = 0; i < 2 * n; i++) {
		if (hexval(s[i]) < 0)
			return HL_ERR_INVAL; /* also stops at a NUL before 2n */
	}
	if (s[2 * n] != '\0')
		return HL_ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)((hexval(s[2 * i]) << 4) | hexval(s[2 * i + 1]));
	return 0;
}
