/* api_fastjson.c — a fast reader for the common request shape: one flat JSON
 * object of string values in printable ASCII. Anything else is left to jansson. */
#include "api_fastjson.h"

#include <stdlib.h>
#include <string.h>

/* jansson reads a 1 KiB send request at ~150 instructions a byte (a
 * function call or three per character): a quarter of the sending
 * station's work per message (docs/PERFORMANCE.md). This reader takes the
 * shape the CLI and most clients send and declines everything else —
 * numbers, nesting, non-ASCII, \u escapes, duplicate keys — so the result,
 * when there is one, is what json_loadb would give (fuzz_api_request
 * checks exactly that on every input). */

#define MAX_FIELDS 16

static size_t skip_ws(const char *p, size_t i, size_t len)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/* A string at p[i] (the opening quote) decoded into out (room for len
 * bytes); the index after the closing quote, or 0 to decline. */
static size_t read_string(const char *p, size_t i, size_t len, char *out, size_t *outlen)
{
	size_t n = 0;
	if (i >= len || p[i] != '"')
		return 0;
	for (i++; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch == '"') {
			*outlen = n;
			return i + 1;
		}
		if (ch < 0x20 || ch >= 0x7f)
			return 0; /* control characters and UTF-8: jansson's to judge */
		if (ch == '\\') {
			if (++i >= len)
				return 0;
			switch (p[i]) {
			case '"': ch = '"'; break;
			case '\\': ch = '\\'; break;
			case '/': ch = '/'; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			default: return 0; /* \u and invalid escapes */
			}
		}
		out[n++] = (char)ch;
	}
	return 0;
}

static json_t *parse(const char *line, size_t len, char *scratch)
{
	struct {
		const char *k, *v;
		size_t klen, vlen;
	} f[MAX_FIELDS];
	int nf = 0;
	size_t used = 0, i;

	i = skip_ws(line, 0, len);
	if (i >= len || line[i++] != '{')
		return NULL;
	i = skip_ws(line, i, len);
	if (i < len && line[i] == '}')
		return NULL; /* {} : rare, jansson's */
	for (;;) {
		if (nf == MAX_FIELDS)
			return NULL;
		size_t kl, vl, next;
		f[nf].k = scratch + used;
		next = read_string(line, i, len, scratch + used, &kl);
		if (!next)
			return NULL;
		used += kl;
		i = skip_ws(line, next, len);
		if (i >= len || line[i++] != ':')
			return NULL;
		i = skip_ws(line, i, len);
		f[nf].v = scratch + used;
		next = read_string(line, i, len, scratch + used, &vl);
		if (!next)
			return NULL;
		used += vl;
		f[nf].klen = kl;
		f[nf].vlen = vl;
		/* Keys with a NUL cannot occur (no \u), so memcmp is strcmp. */
		for (int j = 0; j < nf; j++)
			if (f[j].klen == kl && memcmp(f[j].k, f[nf].k, kl) == 0)
				return NULL; /* a duplicate: jansson refuses it with its message */
		nf++;
		i = skip_ws(line, next, len);
		if (i >= len)
			return NULL;
		if (line[i] == ',') {
			i = skip_ws(line, i + 1, len);
			continue;
		}
		if (line[i] != '}')
			return NULL;
		i = skip_ws(line, i + 1, len);
		if (i != len)
			return NULL; /* trailing data: jansson's error */
		break;
	}
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	char key[256];
	for (int j = 0; j < nf; j++) {
		if (f[j].klen >= sizeof key) {
			json_decref(obj);
			return NULL;
		}
		memcpy(key, f[j].k, f[j].klen);
		key[f[j].klen] = '\0';
		/* Printable ASCII and the escapes above: valid UTF-8, no NUL. */
		json_t *v = json_stringn_nocheck(f[j].v, f[j].vlen);
		if (!v || json_object_set_new_nocheck(obj, key, v) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

json_t *hl_api_fastjson(const char *line, size_t len)
{
	/* Keys and values are decoded into scratch, never longer than line. */
	char *scratch = len ? malloc(len) : NULL;
	json_t *obj = scratch ? parse(line, len, scratch) : NULL;
	free(scratch);
	return obj;
}
