/* transcript.c — the export file (.hlt): header encoding, the writer that
 * streams records and signs the trailer, and a streaming reader with a fixed
 * window and a running digest (docs/PROTOCOL.md §5). */
#include "transcript.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "entry.h"
#include "util/err.h"
#include "util/text.h"

/* Read window: large reads keep syscalls rare; plus room for the largest
 * record so one always fits whole. */
#define READ_CHUNK (256u * 1024u)
#define WINDOW_CAP (READ_CHUNK + HL_RECORD_HDR + HL_HLT_MAX_CONFLICT)

static const uint8_t sig_prefix[HL_HLT_SIG_PREFIX_LEN] = HL_HLT_SIG_PREFIX;

static int name_ok(const char *s, size_t *lenp)
{
	size_t n = strnlen(s, HL_MAX_NAME + 1);

	if (n > HL_MAX_NAME)
		return HL_ERR_TOOBIG;
	if (!hl_label_valid(s, n))
		return HL_ERR_UTF8;
	*lenp = n;
	return 0;
}

int hl_hlt_header_encode(const hl_hlt_header *h, hl_buf *out)
{
	size_t la, lb;
	int rc;

	if (!h || !out)
		return HL_ERR_INVAL;
	if (h->kind < HL_HLT_FULL || h->kind > HL_HLT_PROOF)
		return HL_ERR_INVAL;
	if ((rc = name_ok(h->name_a, &la)) < 0 || (rc = name_ok(h->name_b, &lb)) < 0)
		return rc;
	/* Reserve once so the puts below cannot fail part-way. */
	if ((rc = hl_buf_reserve(out, HL_HLT_HEADER_FIXED + 2 + la + lb)) < 0)
		return rc;
	rc |= hl_buf_put(out, HL_HLT_MAGIC, HL_HLT_MAGIC_LEN);
	rc |= hl_buf_put_u8(out, HL_HLT_VERSION);
	rc |= hl_buf_put_u8(out, h->kind);
	rc |= hl_buf_put(out, h->key_a.ed, 32);
	rc |= hl_buf_put(out, h->key_a.x, 32);
	rc |= hl_buf_put(out, h->key_b.ed, 32);
	rc |= hl_buf_put(out, h->key_b.x, 32);
	rc |= hl_buf_put(out, h->line_id, 32);
	rc |= hl_buf_put_u64(out, h->exported_ms);
	rc |= hl_buf_put_u64(out, h->a_from);
	rc |= hl_buf_put_u64(out, h->a_to);
	rc |= hl_buf_put_u64(out, h->b_from);
	rc |= hl_buf_put_u64(out, h->b_to);
	rc |= hl_buf_put_u8(out, (uint8_t)la);
	rc |= hl_buf_put(out, h->name_a, la);
	rc |= hl_buf_put_u8(out, (uint8_t)lb);
	rc |= hl_buf_put(out, h->name_b, lb);
	return rc < 0 ? HL_ERR_TOOBIG : 0;
}

static int get_name(hl_rd *r, char *dst)
{
	const uint8_t *p;
	uint8_t n;
	int rc;

	if ((rc = hl_rd_u8(r, &n)) < 0)
		return rc;
	if (n > HL_MAX_NAME)
		return HL_ERR_TOOBIG;
	if ((rc = hl_rd_ref(r, &p, n)) < 0)
		return rc;
	/* On the raw bytes: an embedded NUL would shorten the C string. */
	if (!hl_label_valid((const char *)p, n))
		return HL_ERR_UTF8;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

int hl_hlt_header_decode(const uint8_t *p, size_t len, hl_hlt_header *h, size_t *used)
{
	uint8_t magic[HL_HLT_MAGIC_LEN], version;
	hl_rd r;
	int rc;

	if (!h || !used)
		return HL_ERR_INVAL;
	memset(h, 0, sizeof *h);
	*used = 0;
	if (!p)
		return len ? HL_ERR_INVAL : HL_ERR_TRUNC;
	/* A wrong magic is known from its first byte: not a transcript at all,
	 * rather than a short one. */
	if (memcmp(p, HL_HLT_MAGIC, len < HL_HLT_MAGIC_LEN ? len : HL_HLT_MAGIC_LEN) != 0)
		return HL_ERR_INVAL;
	hl_rd_init(&r, p, len);
	if ((rc = hl_rd_copy(&r, magic, sizeof magic)) < 0 ||
	    (rc = hl_rd_u8(&r, &version)) < 0)
		goto out;
	if (version != HL_HLT_VERSION) {
		rc = HL_ERR_INVAL;
		goto out;
	}
	if ((rc = hl_rd_u8(&r, &h->kind)) < 0)
		goto out;
	if (h->kind < HL_HLT_FULL || h->kind > HL_HLT_PROOF) {
		rc = HL_ERR_INVAL;
		goto out;
	}
	if ((rc = hl_rd_copy(&r, h->key_a.ed, 32)) < 0 ||
	    (rc = hl_rd_copy(&r, h->key_a.x, 32)) < 0 ||
	    (rc = hl_rd_copy(&r, h->key_b.ed, 32)) < 0 ||
	    (rc = hl_rd_copy(&r, h->key_b.x, 32)) < 0 ||
	    (rc = hl_rd_copy(&r, h->line_id, 32)) < 0 ||
	    (rc = hl_rd_u64(&r, &h->exported_ms)) < 0 ||
	    (rc = hl_rd_u64(&r, &h->a_from)) < 0 ||
	    (rc = hl_rd_u64(&r, &h->a_to)) < 0 ||
	    (rc = hl_rd_u64(&r, &h->b_from)) < 0 ||
	    (rc = hl_rd_u64(&r, &h->b_to)) < 0 ||
	    (rc = get_name(&r, h->name_a)) < 0 ||
	    (rc = get_name(&r, h->name_b)) < 0)
		goto out;
	*used = r.off;
out:
	if (rc < 0)
		memset(h, 0, sizeof *h);
	return rc;
}

/* Appends type | len | the given parts, and feeds exactly those bytes to
 * the running digest (the caller may drain out between calls). */
static int put_record(hl_hlt_writer *w, hl_buf *out, uint8_t type, const uint8_t *const *parts,
		      const size_t *lens, size_t nparts)
{
	size_t body = 0, start;
	int rc;

	for (size_t i = 0; i < nparts; i++)
		body += lens[i];
	if (body > UINT32_MAX)
		return HL_ERR_TOOBIG;
	if ((rc = hl_buf_reserve(out, HL_RECORD_HDR + body)) < 0)
		return rc;
	start = out->len;
	rc |= hl_buf_put_u8(out, type);
	rc |= hl_buf_put_u32(out, (uint32_t)body);
	for (size_t i = 0; i < nparts; i++)
		rc |= hl_buf_put(out, parts[i], lens[i]);
	if (rc < 0) {
		out->len = start;
		return HL_ERR_TOOBIG;
	}
	if (crypto_generichash_update(&w->digest, out->p + start, out->len - start) != 0) {
		out->len = start;
		return HL_ERR_CRYPTO;
	}
	return 0;
}

int hl_hlt_writer_start(hl_hlt_writer *w, const hl_hlt_header *h, hl_buf *out)
{
	size_t start;
	int rc;

	if (!w || !h || !out)
		return HL_ERR_INVAL;
	memset(w, 0, sizeof *w);
	if (crypto_generichash_init(&w->digest, NULL, 0, 32) != 0)
		return HL_ERR_CRYPTO;
	start = out->len;
	if ((rc = hl_hlt_header_encode(h, out)) < 0) {
		out->len = start;
		return rc;
	}
	if (crypto_generichash_update(&w->digest, out->p + start, out->len - start) != 0) {
		out->len = start;
		return HL_ERR_CRYPTO;
	}
	return 0;
}

int hl_hlt_writer_entry(hl_hlt_writer *w, hl_buf *out, uint8_t type, int side,
			const uint8_t *enc, size_t len)
{
	const uint8_t *parts[1] = { enc };
	size_t lens[1] = { len };
	int rc;

	if (!w || !out || !enc || (side != 0 && side != 1) ||
	    (type != HL_HLT_ENTRY && type != HL_HLT_ANCHOR))
		return HL_ERR_INVAL;
	if (len == 0 || len > HL_MAX_ENTRY)
		return HL_ERR_TOOBIG;
	/* Receipts come after every entry (§5): a late entry would make the
	 * file unverifiable, so refuse it here rather than at verify time. */
	if (w->n_receipts > 0)
		return HL_ERR_STATE;
	if ((rc = put_record(w, out, type, parts, lens, 1)) < 0)
		return rc;
	if (type == HL_HLT_ENTRY) {
		if (side == 0)
			w->n_a++;
		else
			w->n_b++;
	}
	return 0;
}

int hl_hlt_writer_receipt(hl_hlt_writer *w, hl_buf *out, const uint8_t *enc, size_t len)
{
	const uint8_t *parts[1] = { enc };
	size_t lens[1] = { len };
	int rc;

	if (!w || !out || !enc || len != HL_RECEIPT_LEN)
		return HL_ERR_INVAL;
	if (w->n_receipts == UINT32_MAX)
		return HL_ERR_TOOBIG;
	if ((rc = put_record(w, out, HL_HLT_RECEIPT, parts, lens, 1)) < 0)
		return rc;
	w->n_receipts++;
	return 0;
}

int hl_hlt_writer_conflict(hl_hlt_writer *w, hl_buf *out, const uint8_t *e1, size_t l1,
			   const uint8_t *e2, size_t l2)
{
	uint8_t len1[4], len2[4];
	const uint8_t *parts[4] = { len1, e1, len2, e2 };
	size_t lens[4] = { 4, l1, 4, l2 };

	if (!w || !out || !e1 || !e2)
		return HL_ERR_INVAL;
	if (l1 == 0 || l2 == 0 || l1 > HL_MAX_ENTRY || l2 > HL_MAX_ENTRY)
		return HL_ERR_TOOBIG;
	hl_be32_put(len1, (uint32_t)l1);
	hl_be32_put(len2, (uint32_t)l2);
	return put_record(w, out, HL_HLT_CONFLICT, parts, lens, 4);
}

int hl_hlt_writer_end(hl_hlt_writer *w, hl_buf *out, const hl_identity *id)
{
	uint8_t body[HL_HLT_END_LEN];
	uint8_t msg[HL_HLT_SIG_PREFIX_LEN + 52];
	int rc;

	if (!w || !out || !id)
		return HL_ERR_INVAL;
	hl_be64_put(body, w->n_a);
	hl_be64_put(body + 8, w->n_b);
	hl_be32_put(body + 16, w->n_receipts);
	if (crypto_generichash_final(&w->digest, body + 20, 32) != 0)
		return HL_ERR_CRYPTO;
	memcpy(msg, sig_prefix, sizeof sig_prefix);
	memcpy(msg + sizeof sig_prefix, body, 52);
	if (crypto_sign_ed25519_detached(body + 52, NULL, msg, sizeof msg, id->ed_sk) != 0)
		return HL_ERR_CRYPTO;
	if ((rc = hl_buf_reserve(out, HL_RECORD_HDR + sizeof body)) < 0)
		return rc;
	/* Not fed to the digest: the digest covers everything before END. */
	rc |= hl_buf_put_u8(out, HL_HLT_END);
	rc |= hl_buf_put_u32(out, (uint32_t)sizeof body);
	rc |= hl_buf_put(out, body, sizeof body);
	return rc < 0 ? HL_ERR_TOOBIG : 0;
}

int hl_hlt_reader_init(hl_hlt_reader *r, int fd)
{
	if (!r)
		return HL_ERR_INVAL;
	memset(r, 0, sizeof *r);
	r->fd = fd;
	if (fd < 0)
		return HL_ERR_INVAL;
	r->buf = malloc(WINDOW_CAP);
	if (!r->buf)
		return HL_ERR_NOMEM;
	r->cap = WINDOW_CAP;
	if (crypto_generichash_init(&r->digest, NULL, 0, 32) != 0) {
		hl_hlt_reader_free(r);
		return HL_ERR_CRYPTO;
	}
	return 0;
}

void hl_hlt_reader_free(hl_hlt_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	r->buf = NULL;
	r->cap = r->pos = r->len = 0;
}

/* Makes at least need bytes available from pos, unless the file ends first.
 * Blocks as a stream reader must (a FIFO delivers when its writer writes). */
static int fill(hl_hlt_reader *r, size_t need)
{
	if (need > r->cap)
		return HL_ERR_TOOBIG;
	if (r->len - r->pos >= need)
		return 0;
	if (r->cap - r->pos < need) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len - r->pos < need && !r->eof) {
		ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->read_errno = errno;
			return HL_ERR_IO;
		}
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
		r->total += (uint64_t)n;
	}
	return 0;
}

static void consume(hl_hlt_reader *r, size_t n)
{
	r->pos += n;
	r->off += n;
}

int hl_hlt_reader_header(hl_hlt_reader *r, hl_hlt_header *h)
{
	size_t used = 0;
	int rc;

	if (!r || !h || !r->buf)
		return HL_ERR_INVAL;
	memset(h, 0, sizeof *h);
	if ((rc = fill(r, HL_HLT_HEADER_MAX)) < 0)
		return rc;
	rc = hl_hlt_header_decode(r->buf + r->pos, r->len - r->pos, h, &used);
	if (rc < 0) {
		r->partial = rc == HL_ERR_TRUNC;
		return rc;
	}
	if (crypto_generichash_update(&r->digest, r->buf + r->pos, used) != 0)
		return HL_ERR_CRYPTO;
	consume(r, used);
	return 0;
}

/* Checked before the body is buffered, so a hostile length costs nothing. */
static int check_len(uint8_t type, uint32_t len)
{
	switch (type) {
	case HL_HLT_ENTRY:
	case HL_HLT_ANCHOR:
		return len > HL_MAX_ENTRY ? HL_ERR_TOOBIG : 0;
	case HL_HLT_RECEIPT:
		return len != HL_RECEIPT_LEN ? HL_ERR_TOOBIG : 0;
	case HL_HLT_CONFLICT:
		return len > HL_HLT_MAX_CONFLICT ? HL_ERR_TOOBIG : 0;
	case HL_HLT_END:
		return len != HL_HLT_END_LEN ? HL_ERR_TOOBIG : 0;
	default:
		return HL_ERR_INVAL;
	}
}

int hl_hlt_reader_next(hl_hlt_reader *r, hl_hlt_rec *rec)
{
	const uint8_t *p;
	size_t whole;
	int rc;

	if (!r || !rec || !r->buf)
		return HL_ERR_INVAL;
	memset(rec, 0, sizeof *rec);
	if (r->ended)
		return HL_ERR_STATE;
	r->partial = 0;
	if ((rc = fill(r, HL_RECORD_HDR)) < 0)
		return rc;
	if (r->len - r->pos < HL_RECORD_HDR) {
		r->partial = r->len > r->pos;
		return HL_ERR_TRUNC;
	}
	p = r->buf + r->pos;
	rec->type = p[0];
	rec->len = hl_be32_get(p + 1);
	rec->offset = r->off;
	if ((rc = check_len(rec->type, rec->len)) < 0)
		return rc;
	whole = HL_RECORD_HDR + (size_t)rec->len;
	if ((rc = fill(r, whole)) < 0)
		return rc;
	if (r->len - r->pos < whole) {
		r->partial = 1;
		return HL_ERR_TRUNC;
	}
	p = r->buf + r->pos;
	rec->body = p + HL_RECORD_HDR;
	if (rec->type == HL_HLT_END) {
		if (crypto_generichash_final(&r->digest, rec->digest, sizeof rec->digest) != 0)
			return HL_ERR_CRYPTO;
		r->ended = 1;
	} else if (crypto_generichash_update(&r->digest, p, whole) != 0) {
		return HL_ERR_CRYPTO;
	}
	consume(r, whole);
	return 0;
}

int hl_hlt_reader_expect_eof(hl_hlt_reader *r)
{
	int rc;

	if (!r || !r->buf || !r->ended)
		return HL_ERR_STATE;
	if ((rc = fill(r, 1)) < 0)
		return rc;
	return r->len > r->pos ? HL_ERR_INVAL : 0;
}

int hl_hlt_conflict_split(const uint8_t *body, size_t len, const uint8_t **e1, size_t *l1,
			  const uint8_t **e2, size_t *l2)
{
	uint32_t n1, n2;
	hl_rd r;
	int rc;

	if (!body || !e1 || !l1 || !e2 || !l2)
		return HL_ERR_INVAL;
	*e1 = *e2 = NULL;
	*l1 = *l2 = 0;
	hl_rd_init(&r, body, len);
	if ((rc = hl_rd_u32(&r, &n1)) < 0)
		return rc;
	if (n1 > HL_MAX_ENTRY)
		return HL_ERR_TOOBIG;
	if ((rc = hl_rd_ref(&r, e1, n1)) < 0 || (rc = hl_rd_u32(&r, &n2)) < 0)
		goto fail;
	if (n2 > HL_MAX_ENTRY) {
		rc = HL_ERR_TOOBIG;
		goto fail;
	}
	if ((rc = hl_rd_ref(&r, e2, n2)) < 0)
		goto fail;
	if (hl_rd_left(&r) != 0) {
		rc = HL_ERR_INVAL;
		goto fail;
	}
	*l1 = n1;
	*l2 = n2;
	return 0;
fail:
	*e1 = *e2 = NULL;
	return rc;
}
