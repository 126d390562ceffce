/* buf.c — bounded growable buffers and read cursors. */
#include "buf.h"
#include "err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void hl_buf_init(hl_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void hl_buf_free(hl_buf *b)
{
	if (b->p) {
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

void hl_buf_reset(hl_buf *b)
{
	b->len = 0;
}

int hl_buf_reserve(hl_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return HL_ERR_TOOBIG;
	size_t need = b->len + n;
	if (need <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (ncap < need)
		ncap = need;
	uint8_t *np = malloc(ncap);
	if (!np)
		return HL_ERR_NOMEM;
	if (b->p) {
		memcpy(np, b->p, b->len);
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

int hl_buf_put(hl_buf *b, const void *p, size_t n)
{
	int rc = hl_buf_reserve(b, n);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int hl_buf_put_u8(hl_buf *b, uint8_t v)
{
	return hl_buf_put(b, &v, 1);
}

int hl_buf_put_u16(hl_buf *b, uint16_t v)
{
	uint8_t t[2];
	hl_be16_put(t, v);
	return hl_buf_put(b, t, sizeof t);
}

int hl_buf_put_u32(hl_buf *b, uint32_t v)
{
	uint8_t t[4];
	hl_be32_put(t, v);
	return hl_buf_put(b, t, sizeof t);
}

int hl_buf_put_u64(hl_buf *b, uint64_t v)
{
	uint8_t t[8];
	hl_be64_put(t, v);
	return hl_buf_put(b, t, sizeof t);
}

void hl_buf_consume(hl_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void hl_rd_init(hl_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

size_t hl_rd_left(const hl_rd *r)
{
	return r->len - r->off;
}

int hl_rd_ref(hl_rd *r, const uint8_t **out, size_t n)
{
	if (n > hl_rd_left(r))
		return HL_ERR_TRUNC;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

int hl_rd_copy(hl_rd *r, void *out, size_t n)
{
	const uint8_t *src;
	int rc = hl_rd_ref(r, &src, n);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(out, src, n);
	return 0;
}

int hl_rd_u8(hl_rd *r, uint8_t *v)
{
	return hl_rd_copy(r, v, 1);
}

int hl_rd_u16(hl_rd *r, uint16_t *v)
{
	const uint8_t *s;
	int rc = hl_rd_ref(r, &s, 2);
	if (rc == 0)
		*v = hl_be16_get(s);
	return rc;
}

int hl_rd_u32(hl_rd *r, uint32_t *v)
{
	const uint8_t *s;
	int rc = hl_rd_ref(r, &s, 4);
	if (rc == 0)
		*v = hl_be32_get(s);
	return rc;
}

int hl_rd_u64(hl_rd *r, uint64_t *v)
{
	const uint8_t *s;
	int rc = hl_rd_ref(r, &s, 8);
	if (rc == 0)
		*v = hl_be64_get(s);
	return rc;
}

void hl_be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void hl_be32_put(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void hl_be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint16_t hl_be16_get(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t hl_be32_get(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t hl_be64_get(const uint8_t *p)
{
	return ((uint64_t)hl_be32_get(p) << 32) | hl_be32_get(p + 4);
}
