/* attach.c — the attachment descriptor line (attach.h): strict parsing with
 * one encoding per descriptor, and formatting. */
#include "attach.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/text.h"

static const char prefix[] = "attachment 1 ";

int hl_attach_name_valid(const char *name, size_t len)
{
	if (!name || len < 1 || len > HL_ATTACH_NAME_MAX)
		return 0;
	if (name[0] == ' ' || name[len - 1] == ' ')
		return 0;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (memchr(name, '/', len) || memchr(name, '\\', len))
		return 0;
	return hl_label_valid(name, len);
}

/* Decimal without sign or leading zero, 1..HL_MAX_ATTACHMENT. */
static int parse_size(const uint8_t *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n < 1 || n > 20 || p[0] == '0')
		return HL_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return HL_ERR_INVAL;
		v = v * 10u + (uint64_t)(p[i] - '0');
		if (v > HL_MAX_ATTACHMENT)
			return HL_ERR_INVAL;
	}
	*out = v;
	return 0;
}

int hl_attach_parse(const uint8_t *body, size_t len, hl_attach_desc *out, size_t *text_off)
{
	const size_t plen = sizeof prefix - 1;
	char hex[65];

	if (out)
		memset(out, 0, sizeof *out);
	if (text_off)
		*text_off = 0;
	if (!body || !out || !text_off)
		return HL_ERR_INVAL;
	const uint8_t *nl = memchr(body, '\n', len < HL_ATTACH_DESC_MAX ? len : HL_ATTACH_DESC_MAX);
	if (!nl)
		return HL_ERR_INVAL;
	size_t line = (size_t)(nl - body);
	if (line < plen + 64 + 2 || memcmp(body, prefix, plen) != 0)
		return HL_ERR_INVAL;
	/* Lower-case only: hl_unhex also takes upper case, which would be a
	 * second encoding of the same hash. */
	for (size_t i = 0; i < 64; i++) {
		uint8_t c = body[plen + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return HL_ERR_INVAL;
	}
	memcpy(hex, body + plen, 64);
	hex[64] = '\0';
	if (hl_unhex(hex, out->hash, 32) < 0 || body[plen + 64] != ' ')
		goto bad;
	size_t s0 = plen + 65;
	const uint8_t *sp = memchr(body + s0, ' ', line - s0);
	if (!sp)
		goto bad;
	size_t slen = (size_t)(sp - (body + s0));
	if (parse_size(body + s0, slen, &out->size) < 0)
		goto bad;
	size_t n0 = s0 + slen + 1, nlen = line - n0;
	if (!hl_attach_name_valid((const char *)body + n0, nlen))
		goto bad;
	memcpy(out->name, body + n0, nlen);
	out->name[nlen] = '\0';
	*text_off = line + 1;
	return 0;
bad:
	memset(out, 0, sizeof *out);
	return HL_ERR_INVAL;
}

int hl_attach_format(const hl_attach_desc *d, char *out, size_t outlen)
{
	char hex[65];

	if (!d || !out || d->size < 1 || d->size > HL_MAX_ATTACHMENT ||
	    !hl_attach_name_valid(d->name, strnlen(d->name, sizeof d->name)))
		return HL_ERR_INVAL;
	hl_hex(d->hash, 32, hex);
	int n = snprintf(out, outlen, "%s%s %llu %s\n", prefix, hex, (unsigned long long)d->size,
			 d->name);
	if (n < 0 || (size_t)n >= outlen)
		return HL_ERR_TOOBIG;
	return n;
}
