/* entryref.c — parses an operator's name for an entry (entryref.h). Strict
 * and bounded: the same text must not name two different entries. */
#include "entryref.h"

#include <string.h>

#include "util/err.h"

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* Copies a name of 1..HL_MAX_NAME name characters from s[0..n). */
static int take_name(const char *s, size_t n, char *out)
{
	if (n == 0 || n > HL_MAX_NAME)
		return HL_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(s[i]))
			return HL_ERR_INVAL;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int take_seq(const char *s, size_t n, uint64_t *seq)
{
	uint64_t v = 0;

	/* Leading zeros would give one entry two spellings. */
	if (n == 0 || n > 20 || s[0] == '0')
		return HL_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return HL_ERR_INVAL;
		unsigned dig = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - dig) / 10)
			return HL_ERR_INVAL;
		v = v * 10 + dig;
	}
	*seq = v;
	return 0;
}

static int take_hex(const char *s, size_t n, char *out)
{
	if (n < HL_ENTRYREF_MIN_HEX || n > 64)
		return HL_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return HL_ERR_INVAL;
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

int hl_entryref_parse(const char *s, hl_entryref *out)
{
	const char *hash, *at;
	size_t len;
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	if (!s || !out)
		return HL_ERR_INVAL;
	len = strnlen(s, HL_ENTRYREF_MAX + 1);
	if (len == 0 || len > HL_ENTRYREF_MAX)
		return HL_ERR_INVAL;
	hash = memchr(s, '#', len);
	if (!hash) {
		out->by_hash = 1;
		rc = take_hex(s, len, out->hex);
		goto out;
	}
	at = memchr(hash, '@', len - (size_t)(hash - s));
	rc = take_name(s, (size_t)(hash - s), out->author);
	if (rc == 0)
		rc = take_seq(hash + 1, (size_t)((at ? at : s + len) - hash - 1), &out->seq);
	if (rc == 0 && at)
		rc = take_name(at + 1, len - (size_t)(at + 1 - s), out->line);
out:
	if (rc < 0)
		memset(out, 0, sizeof *out);
	return rc;
}
