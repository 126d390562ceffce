/* buf.h — the one bounded buffer type for every byte from the network, a socket or a file.
 * Writers grow up to a hard cap; readers never step past the end. */
#ifndef HL_BUF_H
#define HL_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Growable output buffer with a hard maximum size. */
typedef struct {
	uint8_t *p;
	size_t len;  /* bytes written */
	size_t cap;  /* bytes allocated */
	size_t max;  /* never grows beyond this */
} hl_buf;

void hl_buf_init(hl_buf *b, size_t max);
/* Frees storage after wiping it (buffers may have held plaintext). */
void hl_buf_free(hl_buf *b);
void hl_buf_reset(hl_buf *b);
/* Makes room for n more bytes; HL_ERR_TOOBIG past max, HL_ERR_NOMEM. */
int hl_buf_reserve(hl_buf *b, size_t n);
int hl_buf_put(hl_buf *b, const void *p, size_t n);
int hl_buf_put_u8(hl_buf *b, uint8_t v);
int hl_buf_put_u16(hl_buf *b, uint16_t v); /* big-endian, as all of ours */
int hl_buf_put_u32(hl_buf *b, uint32_t v);
int hl_buf_put_u64(hl_buf *b, uint64_t v);
/* Drops the first n bytes (n <= len). */
void hl_buf_consume(hl_buf *b, size_t n);

/* Read cursor over borrowed bytes. */
typedef struct {
	const uint8_t *p;
	size_t len;
	size_t off;
} hl_rd;

void hl_rd_init(hl_rd *r, const void *p, size_t len);
size_t hl_rd_left(const hl_rd *r);
/* Each returns HL_ERR_TRUNC (cursor unchanged) when the bytes are not there. */
int hl_rd_u8(hl_rd *r, uint8_t *v);
int hl_rd_u16(hl_rd *r, uint16_t *v);
int hl_rd_u32(hl_rd *r, uint32_t *v);
int hl_rd_u64(hl_rd *r, uint64_t *v);
int hl_rd_copy(hl_rd *r, void *out, size_t n);
/* Points *out at the next n bytes without copying. */
int hl_rd_ref(hl_rd *r, const uint8_t **out, size_t n);

/* Big-endian helpers for fixed layouts. */
void hl_be16_put(uint8_t *p, uint16_t v);
void hl_be32_put(uint8_t *p, uint32_t v);
void hl_be64_put(uint8_t *p, uint64_t v);
uint16_t hl_be16_get(const uint8_t *p);
uint32_t hl_be32_get(const uint8_t *p);
uint64_t hl_be64_get(const uint8_t *p);

#endif
