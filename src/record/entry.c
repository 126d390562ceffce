/* entry.c — the transcript entry: field checks, canonical encoding, strict
 * decoding, Ed25519 signature, entry hash and line id (docs/PROTOCOL.md). */
#include "entry.h"
#include "attach.h"
#include "util/err.h"
#include "util/text.h"

#include <sodium.h>
#include <string.h>

/* Domain separation: NUL-terminated so no signing prefix of ours is a prefix
 * of another (see the receipt's "hotline/receipt/1\0"). */
static const uint8_t entry_sig_prefix[16] = "hotline/entry/1";
static const uint8_t line_id_prefix[14] = {
	'h', 'o', 't', 'l', 'i', 'n', 'e', '/', 'l', 'i', 'n', 'e', '/', '1'
};

/* Bytes before the signature that do not depend on variable lengths:
 * 5 (version, kind, precedence, flags) + line id, author, seq, prev, peer seq,
 * peer hash, time + the four length prefixes (1 + 1 + 1 + 4). */
#define ENTRY_FIXED_LEN (5u + 32u + 32u + 8u + 32u + 8u + 32u + 8u + 7u)

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

void hl_line_id(const hl_pubkey *a, const hl_pubkey *b, uint8_t out[HL_HASH_LEN])
{
	uint8_t ka[HL_PUBKEY_LEN], kb[HL_PUBKEY_LEN];
	crypto_generichash_state st;

	/* Build the 64-byte wire form explicitly rather than trust struct layout. */
	memcpy(ka, a->ed, 32);
	memcpy(ka + 32, a->x, 32);
	memcpy(kb, b->ed, 32);
	memcpy(kb + 32, b->x, 32);
	const uint8_t *lo = memcmp(ka, kb, sizeof ka) <= 0 ? ka : kb;
	const uint8_t *hi = lo == ka ? kb : ka;

	/* These calls fail only for invalid output/key sizes, which are constant here;
	 * a zero id on the impossible failure matches no real line. */
	if (crypto_generichash_init(&st, NULL, 0, HL_HASH_LEN) != 0 ||
	    crypto_generichash_update(&st, line_id_prefix, sizeof line_id_prefix) != 0 ||
	    crypto_generichash_update(&st, lo, HL_PUBKEY_LEN) != 0 ||
	    crypto_generichash_update(&st, hi, HL_PUBKEY_LEN) != 0 ||
	    crypto_generichash_final(&st, out, HL_HASH_LEN) != 0)
		memset(out, 0, HL_HASH_LEN);
}

void hl_entry_hash(const uint8_t *enc, size_t len, uint8_t out[HL_HASH_LEN])
{
	if (crypto_generichash(out, HL_HASH_LEN, enc, len, NULL, 0) != 0)
		memset(out, 0, HL_HASH_LEN);
}

/* Refs must be non-zero and pairwise distinct: a repeated or null ref would be
 * a second encoding of the same meaning. */
static int check_refs(const hl_entry *e)
{
	if (e->nrefs > HL_MAX_REFS)
		return HL_ERR_TOOBIG;
	for (unsigned i = 0; i < e->nrefs; i++) {
		if (all_zero(e->refs[i], HL_HASH_LEN))
			return HL_ERR_INVAL;
		for (unsigned j = 0; j < i; j++)
			if (memcmp(e->refs[i], e->refs[j], HL_HASH_LEN) == 0)
				return HL_ERR_INVAL;
	}
	return 0;
}

int hl_entry_check_fields(const hl_entry *e)
{
	size_t oplen, langlen;
	int rc;

	if (!e)
		return HL_ERR_INVAL;
	if (e->version != HL_ENTRY_VERSION)
		return HL_ERR_INVAL;
	if (e->kind < 1 || e->kind > HL_KIND_MAX)
		return HL_ERR_INVAL;
	if (e->precedence > HL_PREC_FLASH)
		return HL_ERR_INVAL;
	if (e->flags & ~HL_FLAGS_KNOWN)
		return HL_ERR_INVAL;
	if (e->seq < 1)
		return HL_ERR_INVAL;
	if (e->seq == 1 && !all_zero(e->prev, HL_HASH_LEN))
		return HL_ERR_INVAL;
	if (e->peer_seq == 0 && !all_zero(e->peer_hash, HL_HASH_LEN))
		return HL_ERR_INVAL;

	oplen = strnlen(e->operator_name, sizeof e->operator_name);
	if (oplen > HL_MAX_OPERATOR)
		return HL_ERR_TOOBIG;
	if (!hl_label_valid(e->operator_name, oplen))
		return HL_ERR_UTF8;

	langlen = strnlen(e->lang, sizeof e->lang);
	if (langlen > HL_MAX_LANG)
		return HL_ERR_TOOBIG;
	if (!hl_lang_valid(e->lang, langlen))
		return HL_ERR_INVAL;

	rc = check_refs(e);
	if (rc < 0)
		return rc;

	if (e->body_len > HL_MAX_BODY)
		return HL_ERR_TOOBIG;
	if (e->body_len > 0 && !e->body)
		return HL_ERR_INVAL;
	if (!hl_text_valid(e->body, e->body_len))
		return HL_ERR_UTF8;
	if (e->flags & HL_FLAG_ATTACHMENT) {
		hl_attach_desc d;
		size_t off;
		if (hl_attach_parse(e->body, e->body_len, &d, &off) < 0)
			return HL_ERR_INVAL;
	}
	return 0;
}

/* Appends every field before the signature, in canonical order. Fields must
 * already have passed hl_entry_check_fields. */
static int put_unsigned(hl_buf *b, const hl_entry *e)
{
	size_t oplen = strlen(e->operator_name);
	size_t langlen = strlen(e->lang);
	size_t need = ENTRY_FIXED_LEN + oplen + langlen +
		      (size_t)e->nrefs * HL_HASH_LEN + e->body_len;
	int rc;

	/* Reserve once so that the puts below cannot fail part-way. */
	if ((rc = hl_buf_reserve(b, need)) < 0)
		return rc;
	rc |= hl_buf_put_u8(b, e->version);
	rc |= hl_buf_put_u8(b, e->kind);
	rc |= hl_buf_put_u8(b, e->precedence);
	rc |= hl_buf_put_u16(b, e->flags);
	rc |= hl_buf_put(b, e->line_id, HL_HASH_LEN);
	rc |= hl_buf_put(b, e->author, 32);
	rc |= hl_buf_put_u64(b, e->seq);
	rc |= hl_buf_put(b, e->prev, HL_HASH_LEN);
	rc |= hl_buf_put_u64(b, e->peer_seq);
	rc |= hl_buf_put(b, e->peer_hash, HL_HASH_LEN);
	rc |= hl_buf_put_u64(b, e->time_ms);
	rc |= hl_buf_put_u8(b, (uint8_t)oplen);
	rc |= hl_buf_put(b, e->operator_name, oplen);
	rc |= hl_buf_put_u8(b, (uint8_t)langlen);
	rc |= hl_buf_put(b, e->lang, langlen);
	rc |= hl_buf_put_u8(b, e->nrefs);
	rc |= hl_buf_put(b, e->refs, (size_t)e->nrefs * HL_HASH_LEN);
	rc |= hl_buf_put_u32(b, e->body_len);
	rc |= hl_buf_put(b, e->body, e->body_len);
	return rc < 0 ? HL_ERR_TOOBIG : 0; /* negative codes OR to a negative */
}

/* Signature input: prefix || every field before the signature. */
static int build_sig_input(const hl_entry *e, hl_buf *b)
{
	int rc = hl_entry_check_fields(e);
	if (rc < 0)
		return rc;
	hl_buf_init(b, sizeof entry_sig_prefix + HL_MAX_ENTRY);
	rc = hl_buf_put(b, entry_sig_prefix, sizeof entry_sig_prefix);
	if (rc == 0)
		rc = put_unsigned(b, e);
	if (rc < 0)
		hl_buf_free(b);
	return rc;
}

int hl_entry_sign(hl_entry *e, const hl_identity *id)
{
	hl_buf b;
	int rc;

	if (!e || !id)
		return HL_ERR_INVAL;
	memset(e->sig, 0, sizeof e->sig);
	if (memcmp(e->author, id->pub.ed, 32) != 0)
		return HL_ERR_AUTHOR;
	/* libsodium's secret key carries its public half: a mismatch means a
	 * corrupt identity, and signing would produce an unverifiable entry. */
	if (memcmp(id->ed_sk + 32, id->pub.ed, 32) != 0)
		return HL_ERR_CRYPTO;
	rc = build_sig_input(e, &b);
	if (rc < 0)
		return rc;
	if (crypto_sign_ed25519_detached(e->sig, NULL, b.p, b.len, id->ed_sk) != 0) {
		memset(e->sig, 0, sizeof e->sig);
		rc = HL_ERR_CRYPTO;
	}
	hl_buf_free(&b);
	return rc;
}

int hl_entry_verify(const hl_entry *e)
{
	hl_buf b;
	int rc;

	if (!e)
		return HL_ERR_INVAL;
	rc = build_sig_input(e, &b);
	if (rc < 0)
		return rc;
	if (crypto_sign_ed25519_verify_detached(e->sig, b.p, b.len, e->author) != 0)
		rc = HL_ERR_SIG;
	hl_buf_free(&b);
	return rc;
}

int hl_entry_encode(const hl_entry *e, hl_buf *out)
{
	int rc;

	if (!e || !out)
		return HL_ERR_INVAL;
	hl_buf_reset(out);
	rc = hl_entry_check_fields(e);
	if (rc < 0)
		return rc;
	rc = put_unsigned(out, e);
	if (rc == 0)
		rc = hl_buf_put(out, e->sig, HL_SIG_LEN);
	if (rc < 0)
		hl_buf_reset(out);
	return rc;
}

/* Reads a u8-length-prefixed text field into a NUL-terminated array of
 * max + 1 bytes. */
static int get_short_text(hl_rd *r, char *dst, size_t max, uint8_t *lenp)
{
	const uint8_t *p;
	uint8_t n;
	int rc;

	if ((rc = hl_rd_u8(r, &n)) < 0)
		return rc;
	if (n > max)
		return HL_ERR_TOOBIG;
	if ((rc = hl_rd_ref(r, &p, n)) < 0)
		return rc;
	memcpy(dst, p, n);
	dst[n] = '\0';
	*lenp = n;
	return 0;
}

static int decode_fields(hl_rd *r, hl_entry *e)
{
	const uint8_t *p;
	uint8_t oplen, langlen;
	int rc;

	if ((rc = hl_rd_u8(r, &e->version)) < 0)
		return rc;
	if (e->version != HL_ENTRY_VERSION)
		return HL_ERR_INVAL;
	if ((rc = hl_rd_u8(r, &e->kind)) < 0 ||
	    (rc = hl_rd_u8(r, &e->precedence)) < 0 ||
	    (rc = hl_rd_u16(r, &e->flags)) < 0 ||
	    (rc = hl_rd_copy(r, e->line_id, HL_HASH_LEN)) < 0 ||
	    (rc = hl_rd_copy(r, e->author, 32)) < 0 ||
	    (rc = hl_rd_u64(r, &e->seq)) < 0 ||
	    (rc = hl_rd_copy(r, e->prev, HL_HASH_LEN)) < 0 ||
	    (rc = hl_rd_u64(r, &e->peer_seq)) < 0 ||
	    (rc = hl_rd_copy(r, e->peer_hash, HL_HASH_LEN)) < 0 ||
	    (rc = hl_rd_u64(r, &e->time_ms)) < 0)
		return rc;
	if ((rc = get_short_text(r, e->operator_name, HL_MAX_OPERATOR, &oplen)) < 0)
		return rc;
	/* Checked here on the raw bytes: an embedded NUL would otherwise
	 * shorten the C string and re-encode differently. */
	if (!hl_label_valid(e->operator_name, oplen))
		return HL_ERR_UTF8;
	if ((rc = get_short_text(r, e->lang, HL_MAX_LANG, &langlen)) < 0)
		return rc;
	if (!hl_lang_valid(e->lang, langlen))
		return HL_ERR_INVAL;
	if ((rc = hl_rd_u8(r, &e->nrefs)) < 0)
		return rc;
	if (e->nrefs > HL_MAX_REFS)
		return HL_ERR_TOOBIG;
	if ((rc = hl_rd_copy(r, e->refs, (size_t)e->nrefs * HL_HASH_LEN)) < 0)
		return rc;
	if ((rc = hl_rd_u32(r, &e->body_len)) < 0)
		return rc;
	if (e->body_len > HL_MAX_BODY)
		return HL_ERR_TOOBIG;
	if ((rc = hl_rd_ref(r, &p, e->body_len)) < 0)
		return rc;
	e->body = e->body_len ? p : NULL;
	return hl_rd_copy(r, e->sig, HL_SIG_LEN);
}

int hl_entry_decode(const uint8_t *buf, size_t len, hl_entry *e)
{
	hl_rd r;
	int rc;

	if (!e)
		return HL_ERR_INVAL;
	memset(e, 0, sizeof *e);
	if (!buf)
		return HL_ERR_INVAL;
	if (len > HL_MAX_ENTRY)
		return HL_ERR_TOOBIG;
	hl_rd_init(&r, buf, len);
	rc = decode_fields(&r, e);
	if (rc == 0 && hl_rd_left(&r) != 0)
		rc = HL_ERR_INVAL;
	if (rc == 0)
		rc = hl_entry_check_fields(e);
	if (rc < 0)
		memset(e, 0, sizeof *e);
	return rc;
}

static const char *const kind_names[HL_KIND_MAX + 1] = {
	[HL_KIND_MESSAGE] = "MESSAGE",
	[HL_KIND_ACK] = "ACK",
	[HL_KIND_TEST] = "TEST",
	[HL_KIND_TEST_REPLY] = "TEST_REPLY",
	[HL_KIND_CHECKIN] = "CHECKIN",
	[HL_KIND_NOTICE] = "NOTICE",
	[HL_KIND_READOUT] = "READOUT",
	[HL_KIND_ENDORSE] = "ENDORSE",
	[HL_KIND_KEY_CHANGE] = "KEY_CHANGE",
};

const char *hl_kind_name(int kind)
{
	if (kind < 1 || kind > HL_KIND_MAX)
		return "UNKNOWN";
	return kind_names[kind];
}

static const char *const prec_names[] = { "routine", "priority", "immediate", "flash" };

const char *hl_precedence_name(int prec)
{
	if (prec < HL_PREC_ROUTINE || prec > HL_PREC_FLASH)
		return "unknown";
	return prec_names[prec];
}

/* ASCII-only case folding: strcasecmp would depend on the process locale. */
static int ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
		if (ca != *b)
			return 0;
	}
	return *a == *b;
}

int hl_precedence_parse(const char *s)
{
	if (!s)
		return HL_ERR_INVAL;
	for (int i = HL_PREC_ROUTINE; i <= HL_PREC_FLASH; i++)
		if (ascii_ieq(s, prec_names[i]))
			return i;
	return HL_ERR_INVAL;
}
