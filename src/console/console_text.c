/* console_text.c — peer text made fit for the console's screen: cleaned,
 * decoded to wide characters and measured in columns, so that a Cyrillic
 * or CJK line is cut between characters, never inside one. */
#include "console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/render.h"

/* The text is valid UTF-8 once cleaned; decoded here rather than with
 * mbstowcs so that a non-UTF-8 locale still gets every character (shown as
 * '?' when wcwidth cannot measure it) instead of a failed conversion. */
static size_t decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
	if (len > n) {
		*cp = 0xFFFD;
		return n;
	}
	uint32_t v = p[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++)
		v = (v << 6) | (p[i] & 0x3F);
	*cp = v;
	return len;
}

size_t hl_con_widen(const char *s, size_t len, int multiline, wchar_t *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return 0;
	char *clean = s ? hl_render_clean(s, len, multiline) : NULL;
	if (!clean) {
		out[0] = 0;
		return 0;
	}
	const unsigned char *p = (const unsigned char *)clean;
	size_t left = strlen(clean);
	while (left > 0 && n + 1 < cap) {
		uint32_t cp;
		size_t k = decode(p, left, &cp);
		p += k;
		left -= k;
		wchar_t wc = (wchar_t)cp;
		if (cp == '\t')
			wc = L' ';
		else if (cp != '\n' && wcwidth(wc) < 0)
			wc = L'?';
		out[n++] = wc;
	}
	out[n] = 0;
	free(clean);
	return n;
}

int hl_con_width(const wchar_t *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++) {
		int cw = wcwidth(s[i]);
		if (cw > 0)
			w += cw;
	}
	return w;
}

size_t hl_con_fit(const wchar_t *s, size_t n, int cols, int *used)
{
	int w = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		int cw = wcwidth(s[i]);
		if (cw < 0)
			cw = 0;
		if (w + cw > cols)
			break;
		w += cw;
	}
	if (used)
		*used = w;
	return i;
}

void hl_con_duration(int64_t ms, char *out, size_t outlen)
{
	if (ms < 0)
		ms = -ms;
	long long s = (long long)(ms / 1000);
	if (s >= 86400)
		snprintf(out, outlen, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, outlen, "%lld:%02lld:%02lld", s / 3600, s % 3600 / 60, s % 60);
	else
		snprintf(out, outlen, "%lld:%02lld", s / 60, s % 60);
}
