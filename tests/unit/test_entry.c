/* test_entry.c — entry and receipt encoding, strict decoding, signatures,
 * hashes and line id (src/record/entry.c, src/record/receipt.c), including hostile bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "record/entry.h"
#include "util/err.h"
#include "util/text.h"

/* Привет, Москва! Проверка линии. */
static const char ru_body[] =
	"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba"
	"\xd0\xb2\xd0\xb0! \xd0\x9f\xd1\x80\xd0\xbe\xd0\xb2\xd0\xb5\xd1\x80\xd0\xba\xd0\xb0 "
	"\xd0\xbb\xd0\xb8\xd0\xbd\xd0\xb8\xd0\xb8.\n";
/* Иванов */
static const char ru_operator[] = "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2";

/* Identities are built here, not with hl_keys_*: only the Ed25519 half
 * matters to entries, and the x half is arbitrary but fixed. */
static hl_identity *make_identity(uint8_t seed_byte)
{
	hl_identity *id = sodium_malloc(sizeof *id);
	assert_non_null(id);
	memset(id->seed, seed_byte, sizeof id->seed);
	assert_int_equal(crypto_sign_ed25519_seed_keypair(id->pub.ed, id->ed_sk, id->seed), 0);
	memset(id->x_sk, seed_byte ^ 0x55, sizeof id->x_sk);
	memset(id->pub.x, seed_byte ^ 0xaa, sizeof id->pub.x);
	return id;
}

struct fx {
	hl_identity *a, *b;
	uint8_t line[HL_HASH_LEN];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f || sodium_init() < 0)
		return -1;
	f->a = make_identity(0x11);
	f->b = make_identity(0x22);
	hl_line_id(&f->a->pub, &f->b->pub, f->line);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sodium_free(f->a);
	sodium_free(f->b);
	free(f);
	return 0;
}

static void base_entry(const struct fx *f, hl_entry *e)
{
	memset(e, 0, sizeof *e);
	e->version = HL_ENTRY_VERSION;
	e->kind = HL_KIND_MESSAGE;
	e->precedence = HL_PREC_IMMEDIATE;
	e->flags = HL_FLAG_EXERCISE;
	memcpy(e->line_id, f->line, HL_HASH_LEN);
	memcpy(e->author, f->a->pub.ed, 32);
	e->seq = 7;
	memset(e->prev, 0x70, HL_HASH_LEN);
	e->peer_seq = 5;
	memset(e->peer_hash, 0x50, HL_HASH_LEN);
	e->time_ms = 1795000000123ull;
	strcpy(e->operator_name, ru_operator);
	strcpy(e->lang, "ru");
	e->nrefs = 2;
	memset(e->refs[0], 0xa0, HL_HASH_LEN);
	memset(e->refs[1], 0xa1, HL_HASH_LEN);
	e->body = (const uint8_t *)ru_body;
	e->body_len = sizeof ru_body - 1;
}

static void sign_encode(const hl_identity *id, hl_entry *e, hl_buf *out)
{
	hl_buf_init(out, HL_MAX_ENTRY);
	assert_int_equal(hl_entry_sign(e, id), 0);
	assert_int_equal(hl_entry_encode(e, out), 0);
}

/* An encoder written from the documented layout, independent of entry.c,
 * with free lengths so that decode can be fed over-limit fields. */
struct raw {
	uint8_t version, kind, prec;
	uint16_t flags;
	uint64_t seq, peer_seq;
	uint8_t prev[32], peer_hash[32];
	const char *op;
	size_t oplen;
	const char *lang;
	size_t langlen;
	unsigned nrefs;
	const uint8_t *body;
	size_t body_len;
};

static void raw_encode(const struct fx *f, const struct raw *r, hl_buf *b)
{
	uint8_t sig[64];

	hl_buf_init(b, 2 * HL_MAX_ENTRY);
	assert_int_equal(hl_buf_put_u8(b, r->version), 0);
	assert_int_equal(hl_buf_put_u8(b, r->kind), 0);
	assert_int_equal(hl_buf_put_u8(b, r->prec), 0);
	assert_int_equal(hl_buf_put_u16(b, r->flags), 0);
	assert_int_equal(hl_buf_put(b, f->line, 32), 0);
	assert_int_equal(hl_buf_put(b, f->a->pub.ed, 32), 0);
	assert_int_equal(hl_buf_put_u64(b, r->seq), 0);
	assert_int_equal(hl_buf_put(b, r->prev, 32), 0);
	assert_int_equal(hl_buf_put_u64(b, r->peer_seq), 0);
	assert_int_equal(hl_buf_put(b, r->peer_hash, 32), 0);
	assert_int_equal(hl_buf_put_u64(b, 1795000000123ull), 0);
	assert_int_equal(hl_buf_put_u8(b, (uint8_t)r->oplen), 0);
	assert_int_equal(hl_buf_put(b, r->op, r->oplen), 0);
	assert_int_equal(hl_buf_put_u8(b, (uint8_t)r->langlen), 0);
	assert_int_equal(hl_buf_put(b, r->lang, r->langlen), 0);
	assert_int_equal(hl_buf_put_u8(b, (uint8_t)r->nrefs), 0);
	for (unsigned i = 0; i < r->nrefs; i++) {
		uint8_t ref[32];
		memset(ref, (int)(0xa0 + i), sizeof ref);
		assert_int_equal(hl_buf_put(b, ref, sizeof ref), 0);
	}
	assert_int_equal(hl_buf_put_u32(b, (uint32_t)r->body_len), 0);
	assert_int_equal(hl_buf_put(b, r->body, r->body_len), 0);
	memset(sig, 0x5a, sizeof sig);
	assert_int_equal(hl_buf_put(b, sig, sizeof sig), 0);
}

static void base_raw(struct raw *r)
{
	memset(r, 0, sizeof *r);
	r->version = 1;
	r->kind = HL_KIND_MESSAGE;
	r->prec = HL_PREC_IMMEDIATE;
	r->flags = HL_FLAG_EXERCISE;
	r->seq = 7;
	memset(r->prev, 0x70, 32);
	r->peer_seq = 5;
	memset(r->peer_hash, 0x50, 32);
	r->op = ru_operator;
	r->oplen = strlen(ru_operator);
	r->lang = "ru";
	r->langlen = 2;
	r->nrefs = 2;
	r->body = (const uint8_t *)ru_body;
	r->body_len = sizeof ru_body - 1;
}

static int raw_decode(const struct fx *f, const struct raw *r)
{
	hl_buf b;
	hl_entry e;
	raw_encode(f, r, &b);
	int rc = hl_entry_decode(b.p, b.len, &e);
	hl_buf_free(&b);
	return rc;
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	hl_entry e, d;
	hl_buf enc, again;

	base_entry(f, &e);
	sign_encode(f->a, &e, &enc);
	assert_int_equal(hl_entry_verify(&e), 0);

	assert_int_equal(hl_entry_decode(enc.p, enc.len, &d), 0);
	assert_int_equal(hl_entry_verify(&d), 0);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.kind, HL_KIND_MESSAGE);
	assert_int_equal(d.precedence, HL_PREC_IMMEDIATE);
	assert_int_equal(d.flags, HL_FLAG_EXERCISE);
	assert_memory_equal(d.line_id, f->line, 32);
	assert_memory_equal(d.author, f->a->pub.ed, 32);
	assert_true(d.seq == 7 && d.peer_seq == 5 && d.time_ms == 1795000000123ull);
	assert_memory_equal(d.prev, e.prev, 32);
	assert_memory_equal(d.peer_hash, e.peer_hash, 32);
	assert_string_equal(d.operator_name, ru_operator);
	assert_string_equal(d.lang, "ru");
	assert_int_equal(d.nrefs, 2);
	assert_memory_equal(d.refs, e.refs, 2 * 32);
	assert_int_equal(d.body_len, sizeof ru_body - 1);
	assert_memory_equal(d.body, ru_body, d.body_len);
	/* The body is borrowed from the input, not copied. */
	assert_true(d.body >= enc.p && d.body + d.body_len <= enc.p + enc.len);
	assert_memory_equal(d.sig, e.sig, 64);

	hl_buf_init(&again, HL_MAX_ENTRY);
	assert_int_equal(hl_entry_encode(&d, &again), 0);
	assert_int_equal(again.len, enc.len);
	assert_memory_equal(again.p, enc.p, enc.len);

	/* Trailing bytes are not part of any valid encoding. */
	assert_int_equal(hl_buf_put_u8(&again, 0), 0);
	assert_int_equal(hl_entry_decode(again.p, again.len, &d), HL_ERR_INVAL);
	hl_buf_free(&again);
	hl_buf_free(&enc);
}

/* The layout in docs/PROTOCOL-entries.md, byte for byte, and the signature
 * input "hotline/entry/1\0" || encoding without signature. */
static void test_layout_and_sig_input(void **state)
{
	struct fx *f = *state;
	struct raw r;
	hl_entry e;
	hl_buf enc, raw, msg;

	base_entry(f, &e);
	sign_encode(f->a, &e, &enc);
	base_raw(&r);
	raw_encode(f, &r, &raw);
	assert_int_equal(raw.len, enc.len);
	assert_int_equal(raw.len, 157 + 1 + 12 + 1 + 2 + 1 + 64 + 4 + (sizeof ru_body - 1) + 64);
	assert_memory_equal(raw.p, enc.p, enc.len - 64);

	hl_buf_init(&msg, 16 + HL_MAX_ENTRY);
	assert_int_equal(hl_buf_put(&msg, "hotline/entry/1\0", 16), 0);
	assert_int_equal(hl_buf_put(&msg, enc.p, enc.len - 64), 0);
	assert_int_equal(crypto_sign_ed25519_verify_detached(enc.p + enc.len - 64, msg.p, msg.len,
							     f->a->pub.ed), 0);
	/* Without the prefix the signature must not verify. */
	assert_int_not_equal(crypto_sign_ed25519_verify_detached(enc.p + enc.len - 64, msg.p + 16,
								 msg.len - 16, f->a->pub.ed), 0);
	hl_buf_free(&msg);
	hl_buf_free(&raw);
	hl_buf_free(&enc);
}

static void test_every_byte_flip(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x10, 0x80, 0xff };
	struct fx *f = *state;
	hl_entry e, d;
	hl_buf enc;
	size_t rejected_by_decode = 0, rejected_by_verify = 0;

	base_entry(f, &e);
	e.body = (const uint8_t *)"ok";
	e.body_len = 2;
	e.nrefs = 1;
	strcpy(e.operator_name, "op");
	sign_encode(f->a, &e, &enc);

	for (size_t i = 0; i < enc.len; i++) {
		for (size_t m = 0; m < sizeof masks; m++) {
			enc.p[i] ^= masks[m];
			int rc = hl_entry_decode(enc.p, enc.len, &d);
			if (rc < 0)
				rejected_by_decode++;
			else if (hl_entry_verify(&d) == HL_ERR_SIG)
				rejected_by_verify++;
			else
				fail_msg("flip 0x%02x at byte %zu accepted", masks[m], i);
			enc.p[i] ^= masks[m];
		}
	}
	assert_int_equal(rejected_by_decode + rejected_by_verify, enc.len * sizeof masks);
	assert_true(rejected_by_decode > 0 && rejected_by_verify > 0);
	assert_int_equal(hl_entry_decode(enc.p, enc.len, &d), 0);
	assert_int_equal(hl_entry_verify(&d), 0);
	hl_buf_free(&enc);
}

static void test_truncated(void **state)
{
	struct fx *f = *state;
	hl_entry e, d;
	hl_buf enc;

	base_entry(f, &e);
	sign_encode(f->a, &e, &enc);
	for (size_t n = 0; n < enc.len; n++) {
		/* A copy of exactly n bytes, so ASan catches any read past them. */
		uint8_t *p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, enc.p, n);
		assert_int_equal(hl_entry_decode(p, n, &d), HL_ERR_TRUNC);
		free(p);
	}
	hl_buf_free(&enc);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	struct raw r;
	char op[HL_MAX_OPERATOR + 1], lang[HL_MAX_LANG + 1];
	uint8_t *body = malloc(HL_MAX_BODY + 1);
	hl_entry e;
	hl_buf enc;

	assert_non_null(body);
	memset(op, 'o', sizeof op);
	/* lang[0..35) = "aaaaaaaa-aaaaaaaa-aaaaaaaa-aaaaaaaa", the longest tag. */
	for (size_t i = 0; i < sizeof lang; i++)
		lang[i] = (i % 9 == 8) ? '-' : 'a';
	memset(body, 'b', HL_MAX_BODY + 1);

	/* At each limit: decodes. One over: HL_ERR_TOOBIG. */
	base_raw(&r);
	r.op = op;
	r.oplen = HL_MAX_OPERATOR;
	assert_int_equal(raw_decode(f, &r), 0);
	r.oplen = HL_MAX_OPERATOR + 1;
	assert_int_equal(raw_decode(f, &r), HL_ERR_TOOBIG);

	base_raw(&r);
	r.lang = lang;
	r.langlen = HL_MAX_LANG;
	assert_int_equal(hl_lang_valid(lang, HL_MAX_LANG), 1);
	assert_int_equal(raw_decode(f, &r), 0);
	r.langlen = HL_MAX_LANG + 1;
	assert_int_equal(raw_decode(f, &r), HL_ERR_TOOBIG);

	base_raw(&r);
	r.nrefs = HL_MAX_REFS;
	assert_int_equal(raw_decode(f, &r), 0);
	r.nrefs = HL_MAX_REFS + 1;
	assert_int_equal(raw_decode(f, &r), HL_ERR_TOOBIG);

	base_raw(&r);
	r.body = body;
	r.body_len = HL_MAX_BODY;
	assert_int_equal(raw_decode(f, &r), 0);
	r.body_len = HL_MAX_BODY + 1;
	assert_int_equal(raw_decode(f, &r), HL_ERR_TOOBIG);

	/* The same limits on the signing side, and the largest entry fits
	 * HL_MAX_ENTRY. */
	base_entry(f, &e);
	memset(e.operator_name, 'o', HL_MAX_OPERATOR);
	e.operator_name[HL_MAX_OPERATOR] = '\0';
	memcpy(e.lang, lang, HL_MAX_LANG);
	e.lang[HL_MAX_LANG] = '\0';
	e.nrefs = HL_MAX_REFS;
	for (unsigned i = 0; i < HL_MAX_REFS; i++)
		memset(e.refs[i], (int)(i + 1), HL_HASH_LEN);
	e.body = body;
	e.body_len = HL_MAX_BODY;
	sign_encode(f->a, &e, &enc);
	assert_true(enc.len <= HL_MAX_ENTRY);
	assert_int_equal(hl_entry_decode(enc.p, enc.len, &e), 0);
	assert_int_equal(hl_entry_verify(&e), 0);
	hl_buf_free(&enc);

	base_entry(f, &e);
	memset(e.operator_name, 'o', sizeof e.operator_name); /* no NUL: 65 bytes */
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_TOOBIG);
	base_entry(f, &e);
	memset(e.lang, 'a', sizeof e.lang);
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_TOOBIG);
	base_entry(f, &e);
	e.nrefs = HL_MAX_REFS + 1;
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_TOOBIG);
	base_entry(f, &e);
	e.body = body;
	e.body_len = HL_MAX_BODY + 1;
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_TOOBIG);
	hl_buf_init(&enc, HL_MAX_ENTRY);
	assert_int_equal(hl_entry_encode(&e, &enc), HL_ERR_TOOBIG);
	assert_int_equal(enc.len, 0);
	assert_int_equal(hl_entry_sign(&e, f->a), HL_ERR_TOOBIG);
	hl_buf_free(&enc);

	/* Longer than any valid entry: refused before parsing. */
	uint8_t *huge = calloc(1, HL_MAX_ENTRY + 1);
	assert_non_null(huge);
	assert_int_equal(hl_entry_decode(huge, HL_MAX_ENTRY + 1, &e), HL_ERR_TOOBIG);
	free(huge);
	free(body);
}

static void test_bad_utf8_body(void **state)
{
	static const char *bad[] = {
		"\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "abc\xe2\x82", "a\0b",
		"\x1b[2J", "\xc2\x9b", "\x80", "\xff",
	};
	static const size_t badlen[] = { 2, 3, 4, 5, 3, 4, 2, 1, 1 };
	struct fx *f = *state;
	struct raw r;
	hl_entry e;
	hl_buf enc;

	hl_buf_init(&enc, HL_MAX_ENTRY);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		base_entry(f, &e);
		e.body = (const uint8_t *)bad[i];
		e.body_len = (uint32_t)badlen[i];
		assert_int_equal(hl_entry_check_fields(&e), HL_ERR_UTF8);
		assert_int_equal(hl_entry_sign(&e, f->a), HL_ERR_UTF8);
		assert_int_equal(hl_entry_encode(&e, &enc), HL_ERR_UTF8);
		base_raw(&r);
		r.body = (const uint8_t *)bad[i];
		r.body_len = badlen[i];
		assert_int_equal(raw_decode(f, &r), HL_ERR_UTF8);
	}
	/* Operator names are labels: no control characters at all. */
	base_raw(&r);
	r.op = "a\nb";
	r.oplen = 3;
	assert_int_equal(raw_decode(f, &r), HL_ERR_UTF8);
	r.op = "a\0b";
	assert_int_equal(raw_decode(f, &r), HL_ERR_UTF8);
	hl_buf_free(&enc);
}

static void test_field_rules(void **state)
{
	struct fx *f = *state;
	struct raw r;
	hl_entry e;

	/* Each field rule, through decode (hostile bytes) and check_fields. */
	base_raw(&r);
	assert_int_equal(raw_decode(f, &r), 0);
	r.version = 2;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	base_raw(&r);
	r.version = 0;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	base_raw(&r);
	r.kind = 0;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	r.kind = HL_KIND_MAX + 1;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	r.kind = HL_KIND_MAX;
	assert_int_equal(raw_decode(f, &r), 0);
	base_raw(&r);
	r.prec = 4;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	base_raw(&r);
	r.flags = 0x0002;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	r.flags = 0x8001;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	r.flags = 0;
	assert_int_equal(raw_decode(f, &r), 0);
	base_raw(&r);
	r.seq = 0;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	r.seq = 1; /* with a non-zero prev */
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	memset(r.prev, 0, 32);
	assert_int_equal(raw_decode(f, &r), 0);
	base_raw(&r);
	r.peer_seq = 0; /* with a non-zero peer hash */
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	memset(r.peer_hash, 0, 32);
	assert_int_equal(raw_decode(f, &r), 0);
	base_raw(&r);
	r.langlen = 0;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	r.lang = "en_US";
	r.langlen = 5;
	assert_int_equal(raw_decode(f, &r), HL_ERR_INVAL);
	base_raw(&r);
	r.oplen = 0; /* an empty operator is allowed (daemon-authored entries) */
	assert_int_equal(raw_decode(f, &r), 0);
	r.nrefs = 0;
	r.body_len = 0;
	assert_int_equal(raw_decode(f, &r), 0);

	base_entry(f, &e);
	memcpy(e.refs[1], e.refs[0], HL_HASH_LEN);
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_INVAL);
	base_entry(f, &e);
	memset(e.refs[1], 0, HL_HASH_LEN);
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_INVAL);
	base_entry(f, &e);
	e.body = NULL;
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_INVAL);
	e.body_len = 0;
	assert_int_equal(hl_entry_check_fields(&e), 0);
	base_entry(f, &e);
	e.version = 0;
	assert_int_equal(hl_entry_check_fields(&e), HL_ERR_INVAL);
}

static void hash_of(const struct fx *f, hl_entry *e, uint8_t out[HL_HASH_LEN])
{
	hl_buf enc;
	uint8_t direct[HL_HASH_LEN];

	sign_encode(f->a, e, &enc);
	hl_entry_hash(enc.p, enc.len, out);
	assert_int_equal(crypto_generichash(direct, sizeof direct, enc.p, enc.len, NULL, 0), 0);
	assert_memory_equal(out, direct, HL_HASH_LEN);
	hl_buf_free(&enc);
}

static void test_hash_covers_every_field(void **state)
{
	enum { NVAR = 17 };
	struct fx *f = *state;
	uint8_t h[NVAR][HL_HASH_LEN];
	hl_entry e;

	for (int v = 0; v < NVAR; v++) {
		base_entry(f, &e);
		switch (v) {
		case 0: break;
		case 1: e.kind = HL_KIND_ACK; break;
		case 2: e.precedence = HL_PREC_FLASH; break;
		case 3: e.flags = 0; break;
		case 4: e.line_id[31] ^= 1; break;
		case 5: e.seq = 8; break;
		case 6: e.prev[0] ^= 1; break;
		case 7: e.peer_seq = 6; break;
		case 8: e.peer_hash[5] ^= 1; break;
		case 9: e.time_ms++; break;
		case 10: strcpy(e.operator_name, "smith"); break;
		case 11: strcpy(e.lang, "ru-RU"); break;
		case 12: e.nrefs = 1; break;
		case 13: e.refs[1][0] ^= 1; break;
		case 14: e.body_len--; break;
		case 15:
			memcpy(e.refs[0], e.refs[1], HL_HASH_LEN); /* swap order */
			memset(e.refs[1], 0xa0, HL_HASH_LEN);
			break;
		case 16:
			/* The author: a different key signs an otherwise equal entry. */
			memcpy(e.author, f->b->pub.ed, 32);
			break;
		}
		if (v == 16) {
			hl_buf enc;
			hl_buf_init(&enc, HL_MAX_ENTRY);
			assert_int_equal(hl_entry_sign(&e, f->b), 0);
			assert_int_equal(hl_entry_encode(&e, &enc), 0);
			hl_entry_hash(enc.p, enc.len, h[v]);
			hl_buf_free(&enc);
		} else {
			hash_of(f, &e, h[v]);
		}
	}
	for (int i = 0; i < NVAR; i++)
		for (int j = 0; j < i; j++)
			if (memcmp(h[i], h[j], HL_HASH_LEN) == 0)
				fail_msg("variants %d and %d hash alike", i, j);
	/* Deterministic: the same entry signed again hashes the same. */
	uint8_t again[HL_HASH_LEN];
	base_entry(f, &e);
	hash_of(f, &e, again);
	assert_memory_equal(again, h[0], HL_HASH_LEN);
}

static void test_sign_verify_errors(void **state)
{
	struct fx *f = *state;
	hl_entry e;

	base_entry(f, &e);
	memset(e.sig, 0x33, sizeof e.sig);
	assert_int_equal(hl_entry_sign(&e, f->b), HL_ERR_AUTHOR);
	/* A refused signing leaves no stale signature behind. */
	for (size_t i = 0; i < sizeof e.sig; i++)
		assert_int_equal(e.sig[i], 0);
	assert_int_equal(hl_entry_sign(&e, f->a), 0);
	assert_int_equal(hl_entry_verify(&e), 0);
	memcpy(e.author, f->b->pub.ed, 32);
	assert_int_equal(hl_entry_verify(&e), HL_ERR_SIG);
	memcpy(e.author, f->a->pub.ed, 32);
	e.time_ms++;
	assert_int_equal(hl_entry_verify(&e), HL_ERR_SIG);
	e.time_ms--;
	assert_int_equal(hl_entry_verify(&e), 0);
	e.sig[63] ^= 0x40;
	assert_int_equal(hl_entry_verify(&e), HL_ERR_SIG);
}

static void test_line_id(void **state)
{
	struct fx *f = *state;
	uint8_t ab[32], ba[32], manual[32], other[32];
	uint8_t ka[64], kb[64];
	crypto_generichash_state st;
	hl_identity *c = make_identity(0x33);

	hl_line_id(&f->a->pub, &f->b->pub, ab);
	hl_line_id(&f->b->pub, &f->a->pub, ba);
	assert_memory_equal(ab, ba, 32);

	memcpy(ka, f->a->pub.ed, 32);
	memcpy(ka + 32, f->a->pub.x, 32);
	memcpy(kb, f->b->pub.ed, 32);
	memcpy(kb + 32, f->b->pub.x, 32);
	const uint8_t *lo = memcmp(ka, kb, 64) < 0 ? ka : kb;
	const uint8_t *hi = lo == ka ? kb : ka;
	assert_int_equal(crypto_generichash_init(&st, NULL, 0, 32), 0);
	assert_int_equal(crypto_generichash_update(&st, (const uint8_t *)"hotline/line/1", 14), 0);
	assert_int_equal(crypto_generichash_update(&st, lo, 64), 0);
	assert_int_equal(crypto_generichash_update(&st, hi, 64), 0);
	assert_int_equal(crypto_generichash_final(&st, manual, 32), 0);
	assert_memory_equal(ab, manual, 32);

	hl_line_id(&f->a->pub, &c->pub, other);
	assert_memory_not_equal(ab, other, 32);
	/* The X25519 half is part of the station key and of the line id. */
	memcpy(c->pub.ed, f->b->pub.ed, 32);
	hl_line_id(&f->a->pub, &c->pub, other);
	assert_memory_not_equal(ab, other, 32);
	/* Keys equal in their Ed25519 half still sort by all 64 bytes. */
	hl_line_id(&f->b->pub, &c->pub, ab);
	hl_line_id(&c->pub, &f->b->pub, ba);
	assert_memory_equal(ab, ba, 32);
	sodium_free(c);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(hl_kind_name(HL_KIND_MESSAGE), "MESSAGE");
	assert_string_equal(hl_kind_name(HL_KIND_TEST_REPLY), "TEST_REPLY");
	assert_string_equal(hl_kind_name(HL_KIND_KEY_CHANGE), "KEY_CHANGE");
	assert_string_equal(hl_kind_name(0), "UNKNOWN");
	assert_string_equal(hl_kind_name(HL_KIND_MAX + 1), "UNKNOWN");
	for (int k = 1; k <= HL_KIND_MAX; k++)
		assert_string_not_equal(hl_kind_name(k), "UNKNOWN");
	assert_string_equal(hl_precedence_name(HL_PREC_FLASH), "flash");
	assert_string_equal(hl_precedence_name(4), "unknown");
	assert_int_equal(hl_precedence_parse("flash"), HL_PREC_FLASH);
	assert_int_equal(hl_precedence_parse("FLASH"), HL_PREC_FLASH);
	assert_int_equal(hl_precedence_parse("Immediate"), HL_PREC_IMMEDIATE);
	assert_int_equal(hl_precedence_parse("priority"), HL_PREC_PRIORITY);
	assert_int_equal(hl_precedence_parse("routine"), HL_PREC_ROUTINE);
	assert_int_equal(hl_precedence_parse("flas"), HL_ERR_INVAL);
	assert_int_equal(hl_precedence_parse("flashy"), HL_ERR_INVAL);
	assert_int_equal(hl_precedence_parse(""), HL_ERR_INVAL);
	assert_int_equal(hl_precedence_parse(NULL), HL_ERR_INVAL);
}

static void base_receipt(const struct fx *f, hl_receipt *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->line_id, f->line, 32);
	memcpy(r->receiver, f->b->pub.ed, 32);
	r->seq = 42;
	memset(r->hash, 0xc4, 32);
	r->time_ms = 1795000001000ull;
}

static void test_receipt(void **state)
{
	struct fx *f = *state;
	hl_receipt r, d;
	uint8_t enc[HL_RECEIPT_LEN], msg[18 + HL_RECEIPT_LEN - 64];
	size_t bad_decode = 0, bad_verify = 0;

	assert_int_equal(HL_RECEIPT_LEN, 177);
	base_receipt(f, &r);
	assert_int_equal(hl_receipt_sign(&r, f->a), HL_ERR_AUTHOR);
	assert_int_equal(hl_receipt_sign(&r, f->b), 0);
	assert_int_equal(hl_receipt_verify(&r), 0);
	hl_receipt_encode(&r, enc);

	/* Layout: version | line | receiver | seq | hash | time | sig. */
	assert_int_equal(enc[0], 1);
	assert_memory_equal(enc + 1, f->line, 32);
	assert_memory_equal(enc + 33, f->b->pub.ed, 32);
	assert_int_equal(hl_be64_get(enc + 65), 42);
	assert_memory_equal(enc + 73, r.hash, 32);
	assert_true(hl_be64_get(enc + 105) == 1795000001000ull);
	assert_memory_equal(enc + 113, r.sig, 64);
	memcpy(msg, "hotline/receipt/1\0", 18);
	memcpy(msg + 18, enc, HL_RECEIPT_LEN - 64);
	assert_int_equal(crypto_sign_ed25519_verify_detached(enc + 113, msg, sizeof msg,
							     f->b->pub.ed), 0);

	assert_int_equal(hl_receipt_decode(enc, sizeof enc, &d), 0);
	assert_int_equal(hl_receipt_verify(&d), 0);
	assert_memory_equal(&d, &r, sizeof r);

	assert_int_equal(hl_receipt_decode(enc, sizeof enc - 1, &d), HL_ERR_TRUNC);
	assert_int_equal(hl_receipt_decode(enc, 0, &d), HL_ERR_TRUNC);
	uint8_t longer[HL_RECEIPT_LEN + 1];
	memcpy(longer, enc, sizeof enc);
	longer[HL_RECEIPT_LEN] = 0;
	assert_int_equal(hl_receipt_decode(longer, sizeof longer, &d), HL_ERR_INVAL);

	for (size_t i = 0; i < sizeof enc; i++) {
		enc[i] ^= 0x01;
		if (hl_receipt_decode(enc, sizeof enc, &d) < 0)
			bad_decode++;
		else if (hl_receipt_verify(&d) == HL_ERR_SIG)
			bad_verify++;
		else
			fail_msg("receipt flip at byte %zu accepted", i);
		enc[i] ^= 0x01;
	}
	assert_int_equal(bad_decode, 1); /* the version byte */
	assert_int_equal(bad_verify, sizeof enc - 1);

	/* Seq 0 says nothing was stored: never signed, never accepted. */
	base_receipt(f, &r);
	r.seq = 0;
	assert_int_equal(hl_receipt_sign(&r, f->b), HL_ERR_INVAL);
	hl_receipt_encode(&r, enc);
	assert_int_equal(hl_receipt_decode(enc, sizeof enc, &d), HL_ERR_INVAL);

	/* A receipt signature is not an entry signature: the prefixes differ. */
	base_receipt(f, &r);
	assert_int_equal(hl_receipt_sign(&r, f->b), 0);
	memcpy(msg, "hotline/entry/1\0\0\0", 18);
	hl_receipt_encode(&r, enc);
	memcpy(msg + 18, enc, HL_RECEIPT_LEN - 64);
	assert_int_not_equal(crypto_sign_ed25519_verify_detached(enc + 113, msg, sizeof msg,
								 f->b->pub.ed), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_layout_and_sig_input),
		cmocka_unit_test(test_every_byte_flip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bad_utf8_body),
		cmocka_unit_test(test_field_rules),
		cmocka_unit_test(test_hash_covers_every_field),
		cmocka_unit_test(test_sign_verify_errors),
		cmocka_unit_test(test_line_id),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_receipt),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
