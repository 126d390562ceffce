/* ini_lines.c — one line discipline for the configuration and the form
 * schemas (ini_lines.h), so that both refuse the same malformed lines. */
#include "ini_lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "text.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static int is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* 1 if the line s[0..n) sets key: "Key =" after optional blanks. */
static int sets_key(const char *s, size_t n, const char *key)
{
	size_t i = 0, k = strlen(key);

	while (i < n && is_ws(s[i]))
		i++;
	if (n - i < k || strncasecmp(s + i, key, k) != 0)
		return 0;
	for (i += k; i < n && is_ws(s[i]); i++)
		;
	return i < n && s[i] == '=';
}

char *hl_ini_lines_next(hl_ini_lines *r, char *str, int num, int *section, char *msg,
			size_t msglen)
{
	const uint8_t *raw;
	uint8_t newline;
	const char *s, *eq;
	size_t left, n, i;

	*section = 0;
	r->what = "syntax";
	if (msglen)
		msg[0] = '\0';
	if ((left = hl_rd_left(&r->rd)) == 0)
		return NULL;
	const uint8_t *nl = memchr(r->rd.p + r->rd.off, '\n', left);
	n = nl ? (size_t)(nl - (r->rd.p + r->rd.off)) : left;
	if (hl_rd_ref(&r->rd, &raw, n) < 0)
		return NULL;
	if (nl && hl_rd_u8(&r->rd, &newline) < 0)
		return NULL;
	r->lineno++;
	s = (const char *)raw;
	if (r->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3, n -= 3;
	if (n && s[n - 1] == '\r')
		n--;
	/* Values end up in one-line error messages, file names and operators'
	 * screens: no controls. The configuration checks UTF-8 per value, so
	 * that the error names the key; form labels are checked here. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ';' && r->no_comment_key && sets_key(s, i, r->no_comment_key)) {
			r->what = r->no_comment_key;
			snprintf(msg, msglen, "';' would start a comment here and cut the value: give "
				 "each clause its own %s line", r->no_comment_key);
			return NULL;
		}
		if (c == '#' || c == ';')
			break;
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(msg, msglen, "control character 0x%02x in line", c);
			return NULL;
		}
	}
	if (r->utf8 && !hl_text_valid((const uint8_t *)s, n)) {
		snprintf(msg, msglen, "line is not valid UTF-8 text");
		return NULL;
	}
	n = i;
	while (n && is_ws(*s))
		s++, n--;
	while (n && is_ws(s[n - 1]))
		n--;
	if (num < 2 || n > (size_t)num - 2) {
		snprintf(msg, msglen, "line too long (max %d characters)", num - 2);
		return NULL;
	}
	if (n > 0 && s[0] == '[') {
		if (s[n - 1] != ']' || n < 2) {
			snprintf(msg, msglen, "section header must end with ']'");
			return NULL;
		}
		*section = 1;
	} else if (n > 0) {
		eq = memchr(s, '=', n);
		for (i = 0; eq && s + i < eq && (is_letter(s[i]) || (r->free_keys && !is_ws(s[i])));
		     i++)
			;
		if (!eq || i == 0) {
			snprintf(msg, msglen, "expected 'Key = Value' or '[Section]'");
			return NULL;
		}
		while (s + i < eq && is_ws(s[i]))
			i++;
		if (s + i != eq) {
			snprintf(msg, msglen, "key names are letters only");
			return NULL;
		}
	}
	memmove(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

int hl_ini_read_file(const char *path, size_t max_bytes, hl_buf *b, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	for (;;) {
		/* b->max is max_bytes + a chunk: this fails only past max_bytes */
		rc = hl_buf_reserve(b, HL_INI_READ_CHUNK);
		if (rc == HL_ERR_TOOBIG) {
			snprintf(err, errlen, "%s: file too large (max %zu bytes)", path, max_bytes);
			rc = HL_ERR_CONFIG;
			break;
		}
		if (rc < 0)
			break;
		ssize_t n = read(fd, b->p + b->len, HL_INI_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = HL_ERR_IO;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	close(fd);
	return rc;
}
