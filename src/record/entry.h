/* entry.h — the signed, hash-chained, cross-linked transcript entry and the
 * signed cumulative receipt: one canonical binary encoding each (docs/PROTOCOL.md). */
#ifndef HL_ENTRY_H
#define HL_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "crypto/keys.h"
#include "util/limits.h"

#define HL_ENTRY_VERSION 1u
#define HL_HASH_LEN 32u
#define HL_SIG_LEN 64u

enum hl_kind {
	HL_KIND_MESSAGE = 1,
	HL_KIND_ACK = 2,
	HL_KIND_TEST = 3,
	HL_KIND_TEST_REPLY = 4,
	HL_KIND_CHECKIN = 5,
	HL_KIND_NOTICE = 6,
	HL_KIND_READOUT = 7,
	HL_KIND_ENDORSE = 8,
	HL_KIND_KEY_CHANGE = 9,
	HL_KIND_MAX = 9
};

enum hl_precedence {
	HL_PREC_ROUTINE = 0,
	HL_PREC_PRIORITY = 1,
	HL_PREC_IMMEDIATE = 2,
	HL_PREC_FLASH = 3
};

#define HL_FLAG_EXERCISE   0x0001u
#define HL_FLAG_ATTACHMENT 0x0002u /* body starts with an attachment descriptor (attach.h) */
#define HL_FLAGS_KNOWN     0x0003u

typedef struct {
	uint8_t version;
	uint8_t kind;
	uint8_t precedence;
	uint16_t flags;
	uint8_t line_id[HL_HASH_LEN];
	uint8_t author[32];          /* Ed25519 public key of the author */
	uint64_t seq;                /* from 1 */
	uint8_t prev[HL_HASH_LEN];   /* zeros for seq 1 */
	uint64_t peer_seq;           /* newest entry of the other party held, 0 if none */
	uint8_t peer_hash[HL_HASH_LEN];
	uint64_t time_ms;            /* UTC ms, author's clock */
	char operator_name[HL_MAX_OPERATOR + 1];
	char lang[HL_MAX_LANG + 1];
	uint8_t nrefs;
	uint8_t refs[HL_MAX_REFS][HL_HASH_LEN];
	const uint8_t *body;         /* borrowed: caller keeps it alive */
	uint32_t body_len;
	uint8_t sig[HL_SIG_LEN];
} hl_entry;

/* Line id = BLAKE2b-256("hotline/line/1" || min(a,b) || max(a,b)), 64-byte keys. */
void hl_line_id(const hl_pubkey *a, const hl_pubkey *b, uint8_t out[HL_HASH_LEN]);

/* Checks every field against its limits (lengths, UTF-8, kind, precedence,
 * flags, seq >= 1, zero prev for seq 1, language tag syntax, and with
 * HL_FLAG_ATTACHMENT a valid attachment descriptor). */
int hl_entry_check_fields(const hl_entry *e);
/* Signs e (fills e->sig) with id's Ed25519 key; author must equal id's. */
int hl_entry_sign(hl_entry *e, const hl_identity *id);
/* Full canonical encoding, signature included. */
int hl_entry_encode(const hl_entry *e, hl_buf *out);
/* Strict decode: exactly one valid encoding, no trailing bytes. e->body
 * points into buf. Does not verify the signature. */
int hl_entry_decode(const uint8_t *buf, size_t len, hl_entry *e);
/* Verifies the signature against e->author. HL_ERR_SIG if it fails. */
int hl_entry_verify(const hl_entry *e);
/* Entry hash = BLAKE2b-256 of the whole encoding. */
void hl_entry_hash(const uint8_t *enc, size_t len, uint8_t out[HL_HASH_LEN]);

const char *hl_kind_name(int kind);
const char *hl_precedence_name(int prec);
int hl_precedence_parse(const char *s); /* "flash"… (any case) or HL_ERR_INVAL */

/* Receipt: "I, receiver, have durably stored the other party's entries up
 * to seq, whose hash is hash." Fixed size. */
#define HL_RECEIPT_LEN (1 + 32 + 32 + 8 + 32 + 8 + 64)
typedef struct {
	uint8_t line_id[HL_HASH_LEN];
	uint8_t receiver[32];  /* Ed25519 key of the party that stored */
	uint64_t seq;
	uint8_t hash[HL_HASH_LEN];
	uint64_t time_ms;
	uint8_t sig[HL_SIG_LEN];
} hl_receipt;

int hl_receipt_sign(hl_receipt *r, const hl_identity *id);
int hl_receipt_verify(const hl_receipt *r);
void hl_receipt_encode(const hl_receipt *r, uint8_t out[HL_RECEIPT_LEN]);
int hl_receipt_decode(const uint8_t *buf, size_t len, hl_receipt *r);

#endif
