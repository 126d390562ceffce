/* test_rules.c — the receiving rules (src/rules.c) against a small in-memory
 * transcript: chain, author, line, signature, gap, prev, cross-link (exact,
 * never backwards), resend and equivocation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "err.h"
#include "rules.h"

#define MAXN 8

/* One side's view of the line: its own chain and the peer's stored chain. */
struct fx {
	hl_identity *us, *peer, *other;
	uint8_t line[HL_HASH_LEN];
	uint8_t own[MAXN + 1][HL_HASH_LEN];
	uint64_t own_n;
	uint8_t theirs[MAXN + 1][HL_HASH_LEN];
	uint64_t theirs_link[MAXN + 1]; /* peer_seq (cross-link) of each stored entry */
	uint64_t theirs_n;
	int lose_peer_hashes; /* simulate a store missing an entry it should hold */
	hl_rules_view v;
	uint8_t enc[HL_MAX_ENTRY];
	size_t enc_len;
};

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

static int peer_hash_at(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN])
{
	struct fx *f = ctx;
	if (f->lose_peer_hashes || seq < 1 || seq > f->theirs_n)
		return HL_ERR_NOTFOUND;
	memcpy(out, f->theirs[seq], HL_HASH_LEN);
	return 0;
}

static int own_hash_at(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN])
{
	struct fx *f = ctx;
	if (seq < 1 || seq > f->own_n)
		return HL_ERR_NOTFOUND;
	memcpy(out, f->own[seq], HL_HASH_LEN);
	return 0;
}

static void refresh_view(struct fx *f)
{
	f->v.line_id = f->line;
	f->v.peer_author = f->peer->pub.ed;
	f->v.peer_head_seq = f->theirs_n;
	f->v.peer_head_hash = f->theirs_n ? f->theirs[f->theirs_n] : NULL;
	f->v.peer_head_link = f->theirs_n ? f->theirs_link[f->theirs_n] : 0;
	f->v.peer_hash_at = peer_hash_at;
	f->v.own_hash_at = own_hash_at;
	f->v.ctx = f;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f || sodium_init() < 0)
		return -1;
	f->us = make_identity(0x01);
	f->peer = make_identity(0x02);
	f->other = make_identity(0x03);
	hl_line_id(&f->us->pub, &f->peer->pub, f->line);
	/* Two entries of our own that the peer may cross-link to. */
	f->own_n = 2;
	memset(f->own[1], 0xe1, HL_HASH_LEN);
	memset(f->own[2], 0xe2, HL_HASH_LEN);
	refresh_view(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sodium_free(f->us);
	sodium_free(f->peer);
	sodium_free(f->other);
	free(f);
	return 0;
}

static void draft(const struct fx *f, hl_entry *e, uint64_t seq, const char *text)
{
	memset(e, 0, sizeof *e);
	e->version = HL_ENTRY_VERSION;
	e->kind = HL_KIND_MESSAGE;
	e->precedence = HL_PREC_ROUTINE;
	memcpy(e->line_id, f->line, HL_HASH_LEN);
	memcpy(e->author, f->peer->pub.ed, 32);
	e->seq = seq;
	if (seq > 1 && seq - 1 <= f->theirs_n) {
		memcpy(e->prev, f->theirs[seq - 1], HL_HASH_LEN);
		/* By default it has stored nothing new of ours since its last. */
		e->peer_seq = f->theirs_link[seq - 1];
		if (e->peer_seq)
			memcpy(e->peer_hash, f->own[e->peer_seq], HL_HASH_LEN);
	} else if (seq > 1) {
		memset(e->prev, 0x99, HL_HASH_LEN);
	}
	e->time_ms = 1795000000000ull + seq;
	strcpy(e->operator_name, "ivanov");
	strcpy(e->lang, "ru");
	e->body = (const uint8_t *)text;
	e->body_len = (uint32_t)strlen(text);
}

/* Signs e with id (optionally spoiling the signature), passes it through
 * encode/decode as the wire would, and runs the rules on the decoded entry.
 * hash receives its hash; f->enc keeps its bytes. */
static int receive_as(struct fx *f, const hl_identity *id, hl_entry *e,
		      uint8_t hash[HL_HASH_LEN], int corrupt_sig)
{
	hl_buf b;
	hl_entry d;

	assert_int_equal(hl_entry_sign(e, id), 0);
	if (corrupt_sig)
		e->sig[10] ^= 0x04;
	hl_buf_init(&b, HL_MAX_ENTRY);
	assert_int_equal(hl_entry_encode(e, &b), 0);
	memcpy(f->enc, b.p, b.len);
	f->enc_len = b.len;
	hl_buf_free(&b);
	assert_int_equal(hl_entry_decode(f->enc, f->enc_len, &d), 0);
	hl_entry_hash(f->enc, f->enc_len, hash);
	refresh_view(f);
	return hl_rules_check(&f->v, &d, hash);
}

static int receive(struct fx *f, hl_entry *e, uint8_t hash[HL_HASH_LEN])
{
	return receive_as(f, f->peer, e, hash, 0);
}

static void store(struct fx *f, const uint8_t hash[HL_HASH_LEN], uint64_t link)
{
	assert_true(f->theirs_n < MAXN);
	memcpy(f->theirs[++f->theirs_n], hash, HL_HASH_LEN);
	f->theirs_link[f->theirs_n] = link;
	refresh_view(f);
}

/* Accepts the peer's seq 1..n (n <= 3), cross-linking to our entries. */
static void accept_chain(struct fx *f, uint64_t n)
{
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	for (uint64_t s = 1; s <= n; s++) {
		draft(f, &e, s, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb5\xd0\xbc");
		if (s >= 2) { /* by seq 2 the peer had seen our entry 1, then 2 */
			e.peer_seq = s - 1;
			memcpy(e.peer_hash, f->own[s - 1], HL_HASH_LEN);
		}
		assert_int_equal(receive(f, &e, h), HL_RULES_ACCEPT);
		store(f, h, e.peer_seq);
	}
}

static void test_accept_chain(void **state)
{
	struct fx *f = *state;
	accept_chain(f, 3);
	assert_int_equal(f->theirs_n, 3);
}

static void test_bad_signature(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	draft(f, &e, 1, "hello");
	assert_int_equal(receive_as(f, f->peer, &e, h, 1), HL_ERR_SIG);
	/* Valid on every other count: only the signature is wrong. */
	draft(f, &e, 1, "hello");
	assert_int_equal(receive(f, &e, h), HL_RULES_ACCEPT);
}

static void test_wrong_author(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	/* A third party's validly signed entry on our line. */
	draft(f, &e, 1, "hello");
	memcpy(e.author, f->other->pub.ed, 32);
	assert_int_equal(receive_as(f, f->other, &e, h, 0), HL_ERR_AUTHOR);
	/* Our own entry reflected back at us. */
	draft(f, &e, 1, "hello");
	memcpy(e.author, f->us->pub.ed, 32);
	assert_int_equal(receive_as(f, f->us, &e, h, 0), HL_ERR_AUTHOR);
}

static void test_wrong_line(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	/* The peer's entry from its line with someone else. */
	draft(f, &e, 1, "hello");
	hl_line_id(&f->peer->pub, &f->other->pub, e.line_id);
	assert_int_equal(receive(f, &e, h), HL_ERR_AUTHOR);
}

static void test_gap(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	draft(f, &e, 2, "second first");
	assert_int_equal(receive(f, &e, h), HL_ERR_GAP);
	accept_chain(f, 1);
	draft(f, &e, 3, "third");
	assert_int_equal(receive(f, &e, h), HL_ERR_GAP);
	/* The largest seq must not wrap the head + 1 comparison. */
	draft(f, &e, UINT64_MAX, "far");
	assert_int_equal(receive(f, &e, h), HL_ERR_GAP);
}

static void test_wrong_prev(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	accept_chain(f, 2);
	draft(f, &e, 3, "third");
	memcpy(e.prev, f->theirs[1], HL_HASH_LEN); /* skips entry 2 */
	assert_int_equal(receive(f, &e, h), HL_ERR_PREV);
	draft(f, &e, 3, "third");
	e.prev[31] ^= 1;
	assert_int_equal(receive(f, &e, h), HL_ERR_PREV);
	draft(f, &e, 3, "third");
	assert_int_equal(receive(f, &e, h), HL_RULES_ACCEPT);
}

static void test_unknown_peer_hash(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	/* Names our entry 3, which does not exist. */
	draft(f, &e, 1, "hello");
	e.peer_seq = 3;
	memset(e.peer_hash, 0xe3, HL_HASH_LEN);
	assert_int_equal(receive(f, &e, h), HL_ERR_PEERHASH);
	/* Names our entry 2 with the wrong hash. */
	draft(f, &e, 1, "hello");
	e.peer_seq = 2;
	memset(e.peer_hash, 0xe1, HL_HASH_LEN);
	assert_int_equal(receive(f, &e, h), HL_ERR_PEERHASH);
	draft(f, &e, 1, "hello");
	e.peer_seq = 2;
	memcpy(e.peer_hash, f->own[2], HL_HASH_LEN);
	assert_int_equal(receive(f, &e, h), HL_RULES_ACCEPT);
}

/* A cross-link says "I had stored your entries up to here": the author's
 * next entry cannot have stored fewer. A validly signed one that goes back
 * would let the peer's own chain "un-receive" what it had (PROTOCOL §4). */
static void test_xlink_backwards(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	accept_chain(f, 3); /* its seq 3 cross-links our seq 2 */
	/* Names our seq 1, with its right hash: an entry we hold, but older. */
	draft(f, &e, 4, "fourth");
	e.peer_seq = 1;
	memcpy(e.peer_hash, f->own[1], HL_HASH_LEN);
	assert_int_equal(receive(f, &e, h), HL_ERR_XLINK_BACK);
	/* Names none of ours at all. */
	draft(f, &e, 4, "fourth");
	e.peer_seq = 0;
	memset(e.peer_hash, 0, HL_HASH_LEN);
	assert_int_equal(receive(f, &e, h), HL_ERR_XLINK_BACK);
	/* The same as before is no step back (nothing new of ours stored). */
	draft(f, &e, 4, "fourth");
	assert_true(e.peer_seq == 2);
	assert_int_equal(receive(f, &e, h), HL_RULES_ACCEPT);
	store(f, h, 2);
	/* A resend of an earlier entry is still a resend, whatever it names. */
	draft(f, &e, 1, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb5\xd0\xbc");
	assert_int_equal(receive(f, &e, h), HL_RULES_RESEND);
}

static void test_resend(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN], h2[HL_HASH_LEN];

	accept_chain(f, 2);
	/* Rebuild entry 2 exactly: deterministic signing gives the same bytes. */
	draft(f, &e, 2, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb5\xd0\xbc");
	memcpy(e.prev, f->theirs[1], HL_HASH_LEN);
	e.peer_seq = 1;
	memcpy(e.peer_hash, f->own[1], HL_HASH_LEN);
	assert_int_equal(receive(f, &e, h), HL_RULES_RESEND);
	assert_memory_equal(h, f->theirs[2], HL_HASH_LEN);
	/* Seq 1 as well, and nothing was appended. */
	draft(f, &e, 1, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb5\xd0\xbc");
	assert_int_equal(receive(f, &e, h2), HL_RULES_RESEND);
	assert_int_equal(f->theirs_n, 2);
}

static void test_equivocation(void **state)
{
	struct fx *f = *state;
	hl_entry e;
	uint8_t h[HL_HASH_LEN];

	accept_chain(f, 3);
	/* Same seq 2, different text, validly signed by the peer. */
	draft(f, &e, 2, "a different second entry");
	memcpy(e.prev, f->theirs[1], HL_HASH_LEN);
	assert_int_equal(receive(f, &e, h), HL_ERR_EQUIVOCATION);
	assert_memory_not_equal(h, f->theirs[2], HL_HASH_LEN);
	/* Same seq with any prev at all: still the peer signed twice. */
	draft(f, &e, 1, "rewritten history");
	assert_int_equal(receive(f, &e, h), HL_ERR_EQUIVOCATION);
	/* A forgery is no proof: a bad signature is reported as such. */
	draft(f, &e, 2, "forged second entry");
	memcpy(e.prev, f->theirs[1], HL_HASH_LEN);
	assert_int_equal(receive_as(f, f->peer, &e, h, 1), HL_ERR_SIG);
	/* Nor is a third party's entry. */
	draft(f, &e, 2, "forged second entry");
	memcpy(e.author, f->other->pub.ed, 32);
	assert_int_equal(receive_as(f, f->other, &e, h, 0), HL_ERR_AUTHOR);
}

static void test_view_errors(void **state)
{
	struct fx *f = *state;
	hl_entry e, d;
	uint8_t h[HL_HASH_LEN];

	accept_chain(f, 2);
	/* A store that lost an entry below its head is a store fault, not a
	 * verdict on the peer. */
	f->lose_peer_hashes = 1;
	draft(f, &e, 1, "again");
	assert_int_equal(receive(f, &e, h), HL_ERR_STORE);
	f->lose_peer_hashes = 0;

	draft(f, &e, 3, "third");
	assert_int_equal(receive(f, &e, h), HL_RULES_ACCEPT);
	assert_int_equal(hl_entry_decode(f->enc, f->enc_len, &d), 0);
	f->v.peer_head_hash = NULL;
	assert_int_equal(hl_rules_check(&f->v, &d, h), HL_ERR_INVAL);
	refresh_view(f);
	assert_int_equal(hl_rules_check(NULL, &d, h), HL_ERR_INVAL);
	assert_int_equal(hl_rules_check(&f->v, NULL, h), HL_ERR_INVAL);
	assert_int_equal(hl_rules_check(&f->v, &d, NULL), HL_ERR_INVAL);
	assert_int_equal(hl_rules_check(&f->v, &d, h), HL_RULES_ACCEPT);
}

static int reset(void **state)
{
	struct fx *f = *state;
	f->theirs_n = 0;
	f->lose_peer_hashes = 0;
	refresh_view(f);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_accept_chain, reset),
		cmocka_unit_test_setup(test_bad_signature, reset),
		cmocka_unit_test_setup(test_wrong_author, reset),
		cmocka_unit_test_setup(test_wrong_line, reset),
		cmocka_unit_test_setup(test_gap, reset),
		cmocka_unit_test_setup(test_wrong_prev, reset),
		cmocka_unit_test_setup(test_unknown_peer_hash, reset),
		cmocka_unit_test_setup(test_xlink_backwards, reset),
		cmocka_unit_test_setup(test_resend, reset),
		cmocka_unit_test_setup(test_equivocation, reset),
		cmocka_unit_test_setup(test_view_errors, reset),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
