/* receipt.c — the signed cumulative receipt: "I have durably stored your
 * entries up to seq, whose hash is hash"; fixed 177-byte encoding. */
#include "entry.h"
#include "util/err.h"

#include <sodium.h>
#include <string.h>

#define RECEIPT_VERSION 1u
#define RECEIPT_BODY_LEN (HL_RECEIPT_LEN - HL_SIG_LEN)

/* 17 characters and a NUL, like the entry's "hotline/entry/1\0". */
static const uint8_t receipt_sig_prefix[18] = "hotline/receipt/1";

/* Everything before the signature. */
static void put_body(const hl_receipt *r, uint8_t out[RECEIPT_BODY_LEN])
{
	uint8_t *p = out;

	*p++ = RECEIPT_VERSION;
	memcpy(p, r->line_id, HL_HASH_LEN);
	p += HL_HASH_LEN;
	memcpy(p, r->receiver, 32);
	p += 32;
	hl_be64_put(p, r->seq);
	p += 8;
	memcpy(p, r->hash, HL_HASH_LEN);
	p += HL_HASH_LEN;
	hl_be64_put(p, r->time_ms);
}

static void sig_input(const hl_receipt *r, uint8_t out[sizeof receipt_sig_prefix + RECEIPT_BODY_LEN])
{
	memcpy(out, receipt_sig_prefix, sizeof receipt_sig_prefix);
	put_body(r, out + sizeof receipt_sig_prefix);
}

int hl_receipt_sign(hl_receipt *r, const hl_identity *id)
{
	uint8_t msg[sizeof receipt_sig_prefix + RECEIPT_BODY_LEN];

	if (!r || !id)
		return HL_ERR_INVAL;
	memset(r->sig, 0, sizeof r->sig);
	/* Receipts are sent only for stored entries: seq 0 states nothing. */
	if (r->seq < 1)
		return HL_ERR_INVAL;
	if (memcmp(r->receiver, id->pub.ed, 32) != 0)
		return HL_ERR_AUTHOR;
	if (memcmp(id->ed_sk + 32, id->pub.ed, 32) != 0)
		return HL_ERR_CRYPTO;
	sig_input(r, msg);
	if (crypto_sign_ed25519_detached(r->sig, NULL, msg, sizeof msg, id->ed_sk) != 0) {
		memset(r->sig, 0, sizeof r->sig);
		return HL_ERR_CRYPTO;
	}
	return 0;
}

int hl_receipt_verify(const hl_receipt *r)
{
	uint8_t msg[sizeof receipt_sig_prefix + RECEIPT_BODY_LEN];

	if (!r || r->seq < 1)
		return HL_ERR_INVAL;
	sig_input(r, msg);
	if (crypto_sign_ed25519_verify_detached(r->sig, msg, sizeof msg, r->receiver) != 0)
		return HL_ERR_SIG;
	return 0;
}

void hl_receipt_encode(const hl_receipt *r, uint8_t out[HL_RECEIPT_LEN])
{
	put_body(r, out);
	memcpy(out + RECEIPT_BODY_LEN, r->sig, HL_SIG_LEN);
}

int hl_receipt_decode(const uint8_t *buf, size_t len, hl_receipt *r)
{
	hl_rd rd;
	uint8_t version;
	int rc;

	if (!r)
		return HL_ERR_INVAL;
	memset(r, 0, sizeof *r);
	if (!buf)
		return HL_ERR_INVAL;
	if (len < HL_RECEIPT_LEN)
		return HL_ERR_TRUNC;
	if (len > HL_RECEIPT_LEN)
		return HL_ERR_INVAL;
	hl_rd_init(&rd, buf, len);
	if ((rc = hl_rd_u8(&rd, &version)) < 0 ||
	    (rc = hl_rd_copy(&rd, r->line_id, HL_HASH_LEN)) < 0 ||
	    (rc = hl_rd_copy(&rd, r->receiver, 32)) < 0 ||
	    (rc = hl_rd_u64(&rd, &r->seq)) < 0 ||
	    (rc = hl_rd_copy(&rd, r->hash, HL_HASH_LEN)) < 0 ||
	    (rc = hl_rd_u64(&rd, &r->time_ms)) < 0 ||
	    (rc = hl_rd_copy(&rd, r->sig, HL_SIG_LEN)) < 0)
		goto out;
	if (version != RECEIPT_VERSION || r->seq < 1)
		rc = HL_ERR_INVAL;
out:
	if (rc < 0)
		memset(r, 0, sizeof *r);
	return rc;
}
