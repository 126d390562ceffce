/* wire.c — framing, records and the HELLO body; every length is checked
 * before anything is copied or allocated. */
#include "wire.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/limits.h"

static const char hello_prefix[16] = "hotline/hello/1";

void hl_framer_init(hl_framer *f)
{
	/* One full frame plus one read buffer at most. */
	hl_buf_init(&f->in, 2 + HL_NOISE_MAX_MSG + 65536);
}

void hl_framer_free(hl_framer *f)
{
	hl_buf_free(&f->in);
}

int hl_framer_feed(hl_framer *f, const uint8_t *p, size_t n)
{
	return hl_buf_put(&f->in, p, n);
}

int hl_framer_next(hl_framer *f, const uint8_t **msg, size_t *len)
{
	*msg = NULL;
	*len = 0;
	if (f->in.len < 2)
		return 0;
	size_t n = hl_be16_get(f->in.p);
	if (n == 0)
		return HL_ERR_INVAL;
	if (f->in.len < 2 + n)
		return 0;
	*msg = f->in.p + 2;
	*len = n;
	return 1;
}

void hl_framer_pop(hl_framer *f)
{
	if (f->in.len < 2)
		return;
	size_t n = hl_be16_get(f->in.p);
	hl_buf_consume(&f->in, 2 + n);
}

int hl_record_put(hl_buf *out, uint8_t type, const uint8_t *body, size_t len)
{
	if (len > HL_MAX_RECORD_BODY)
		return HL_ERR_TOOBIG;
	int rc = hl_buf_reserve(out, HL_RECORD_HDR + len);
	if (rc < 0)
		return rc;
	hl_buf_put_u8(out, type);
	hl_buf_put_u32(out, (uint32_t)len);
	return hl_buf_put(out, body, len);
}

int hl_record_next(hl_rd *r, uint8_t *type, const uint8_t **body, size_t *len)
{
	uint32_t n;
	*body = NULL;
	*len = 0;
	if (hl_rd_left(r) == 0)
		return 1;
	if (hl_rd_u8(r, type) < 0 || hl_rd_u32(r, &n) < 0)
		return HL_ERR_TRUNC;
	if (n > HL_MAX_RECORD_BODY)
		return HL_ERR_TOOBIG;
	if (hl_rd_ref(r, body, n) < 0)
		return HL_ERR_TRUNC;
	*len = n;
	return 0;
}

static void hello_fields(const hl_hello *h, uint8_t *p)
{
	p[0] = HL_HELLO_VERSION;
	p[1] = h->role;
	p[2] = h->path;
	hl_be64_put(p + 3, h->my_seq);
	memcpy(p + 11, h->my_hash, 32);
	hl_be64_put(p + 43, h->your_seq);
	memcpy(p + 51, h->your_hash, 32);
}

#define HELLO_FIELDS_LEN (HL_HELLO_LEN - 64)

static void hello_signed_msg(const hl_hello *h, const uint8_t hs_hash[64],
			     uint8_t out[16 + 64 + HELLO_FIELDS_LEN])
{
	memcpy(out, hello_prefix, 16);
	memcpy(out + 16, hs_hash, 64);
	hello_fields(h, out + 80);
}

int hl_hello_sign(hl_hello *h, const uint8_t hs_hash[64], const hl_identity *id)
{
	uint8_t m[16 + 64 + HELLO_FIELDS_LEN];
	hello_signed_msg(h, hs_hash, m);
	if (crypto_sign_ed25519_detached(h->sig, NULL, m, sizeof m, id->ed_sk) != 0)
		return HL_ERR_CRYPTO;
	return 0;
}

int hl_hello_verify(const hl_hello *h, const uint8_t hs_hash[64], const uint8_t ed_pub[32])
{
	uint8_t m[16 + 64 + HELLO_FIELDS_LEN];
	hello_signed_msg(h, hs_hash, m);
	if (crypto_sign_ed25519_verify_detached(h->sig, m, sizeof m, ed_pub) != 0)
		return HL_ERR_SIG;
	return 0;
}

void hl_hello_encode(const hl_hello *h, uint8_t out[HL_HELLO_LEN])
{
	hello_fields(h, out);
	memcpy(out + HELLO_FIELDS_LEN, h->sig, 64);
}

int hl_hello_decode(const uint8_t *p, size_t len, hl_hello *h)
{
	memset(h, 0, sizeof *h);
	if (len >= 1 && p[0] != HL_HELLO_VERSION)
		return HL_ERR_VERSION;
	if (len != HL_HELLO_LEN || p[1] > 1)
		return HL_ERR_INVAL;
	/* Only the initiator knows which Endpoint it dialled. */
	if (p[1] == 0 ? p[2] >= HL_MAX_ENDPOINTS : p[2] != HL_HELLO_NO_PATH)
		return HL_ERR_INVAL;
	h->role = p[1];
	h->path = p[2];
	h->my_seq = hl_be64_get(p + 3);
	memcpy(h->my_hash, p + 11, 32);
	h->your_seq = hl_be64_get(p + 43);
	memcpy(h->your_hash, p + 51, 32);
	memcpy(h->sig, p + HELLO_FIELDS_LEN, 64);
	return 0;
}

void hl_tai64n_now(uint8_t out[12])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* TAI64 label: 2^62 + seconds (leap seconds ignored, as WireGuard does). */
	hl_be64_put(out, 0x400000000000000aULL + (uint64_t)ts.tv_sec);
	hl_be32_put(out + 8, (uint32_t)ts.tv_nsec);
}
