/* test_line_core.c — the line core (line.c, line_write.c, path.c, session.c)
 * driven without a daemon or a socket (fakecore.h): resume after HELLO, a
 * gap asks WANT, a duplicate is receipted again, equivocation stops the line
 * for good, and the features and observers hear what they must, in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fakecore.h"

static const uint8_t zero32[32];

/* The next record on k must be our entry seq, signed and chained. */
static void expect_own_entry(fk *f, fk_link *k, uint64_t seq)
{
	const uint8_t *b;
	size_t n;
	hl_entry e;
	uint8_t prev[32], hash[32], held[32];
	fk_expect(k, HL_REC_ENTRY, &b, &n);
	assert_int_equal(hl_entry_decode(b, n, &e), 0);
	assert_int_equal(hl_entry_verify(&e), 0);
	assert_memory_equal(e.author, f->id->pub.ed, 32);
	assert_int_equal(e.seq, seq);
	fk_own_hash(f, seq - 1, prev);
	assert_memory_equal(e.prev, prev, 32);
	hl_entry_hash(b, n, hash);
	fk_own_hash(f, seq, held);
	assert_memory_equal(hash, held, 32);
}

/* The next record on k must be our signed receipt for the peer's seq. */
static void expect_receipt(fk *f, fk_link *k, uint64_t seq)
{
	const uint8_t *b;
	size_t n;
	hl_receipt r;
	uint8_t held[32];
	fk_expect(k, HL_REC_RECEIPT, &b, &n);
	assert_int_equal(hl_receipt_decode(b, n, &r), 0);
	assert_int_equal(hl_receipt_verify(&r), 0);
	assert_memory_equal(r.receiver, f->id->pub.ed, 32);
	assert_int_equal(r.seq, seq);
	assert_int_equal(hl_store_hash_at(f->core.store, f->l->line_id, f->peer->pub.ed, seq, held), 0);
	assert_memory_equal(r.hash, held, 32);
}

/* The next records on k must be our HELLO, bound to k's handshake, and a PING. */
static void expect_hello(fk *f, fk_link *k, uint64_t my_seq, uint64_t your_seq)
{
	const uint8_t *b;
	size_t n;
	hl_hello h;
	uint8_t other[64];
	fk_expect(k, HL_REC_HELLO, &b, &n);
	assert_int_equal(hl_hello_decode(b, n, &h), 0);
	assert_int_equal(h.role, k->initiator ? 0 : 1);
	assert_int_equal(h.my_seq, my_seq);
	assert_int_equal(h.your_seq, your_seq);
	assert_int_equal(hl_hello_verify(&h, k->hs_hash, f->id->pub.ed), 0);
	memcpy(other, k->hs_hash, 64);
	other[0] ^= 1;
	assert_int_not_equal(hl_hello_verify(&h, other, f->id->pub.ed), 0);
	/* The dialler names its path; then a PING right behind HELLO, so the
	 * RTT is known one round trip after the handshake. */
	assert_int_equal(h.path, k->initiator ? 0 : HL_HELLO_NO_PATH);
	fk_expect(k, HL_REC_PING, &b, &n);
}

/* A line up on a fresh session: both HELLOs, nothing held either way. */
static fk_link *up(fk *f)
{
	int rc;
	fk_link *k = fk_attach(f, 1, &rc);
	assert_int_equal(rc, 0);
	expect_hello(f, k, f->l->own_durable, f->l->peer_durable);
	assert_int_equal(fk_hello(f, k, f->l->peer_durable, f->l->peer_hash, f->l->own_durable), 0);
	return k;
}

/* (a) Our entries stored while the line was down go out after the peer's
 * HELLO on the next session, from the peer's receipt on, and only durable
 * ones: nothing before the commit. */
static void test_resume_after_hello(void **state)
{
	fk *f = *state;
	int rc;
	uint64_t seq;
	uint8_t hash[32];
	hl_line_draft dr = { .kind = HL_KIND_MESSAGE, .lang = "en", .body = (const uint8_t *)"x", .body_len = 1 };
	fk_link *a = fk_attach(f, 1, &rc);
	assert_int_equal(rc, 0);
	expect_hello(f, a, 0, 0);
	assert_int_equal(fk_pending(a, HL_REC_ENTRY), 0);
	/* Nothing is signed before a HELLO has confirmed our record. */
	assert_int_equal(hl_line_submit(f->l, &dr, &seq, hash), HL_ERR_UNCONFIRMED);
	assert_int_equal(fk_hello(f, a, 0, NULL, 0), 0);
	assert_string_equal(hl_line_state(f->l), "up");
	for (uint64_t i = 1; i <= 3; i++)
		assert_int_equal(fk_submit(f, "while up"), i);
	assert_int_equal(fk_pending(a, HL_REC_ENTRY), 0);
	hl_core_commit(&f->core);
	for (uint64_t i = 1; i <= 3; i++)
		expect_own_entry(f, a, i);
	assert_int_equal(fk_receipt(f, a, 2), 0);
	assert_int_equal(f->l->receipted_seq, 2);

	hl_session_close(a->s, "cut");
	assert_true(a->closed);
	assert_string_equal(hl_line_state(f->l), "down");
	assert_int_equal(fk_submit(f, "while down"), 4);
	assert_int_equal(fk_submit(f, "while down"), 5);
	hl_core_commit(&f->core);
	assert_int_equal(fk_stored(f, f->id->pub.ed), 5);

	fk_link *b = fk_attach(f, 0, &rc);
	assert_int_equal(rc, 0);
	expect_hello(f, b, 5, 0);
	assert_int_equal(fk_pending(b, HL_REC_ENTRY), 0); /* not before its HELLO */
	assert_int_equal(fk_hello(f, b, 0, NULL, 2), 0);
	for (uint64_t i = 3; i <= 5; i++)
		expect_own_entry(f, b, i);
	assert_int_equal(fk_pending(b, HL_REC_ENTRY), 0);
}

/* (a) After a restart the record is unconfirmed: an operator's entry waits
 * unsigned, is signed by the peer's HELLO and sent once that is durable. */
static void test_resume_after_restart(void **state)
{
	fk *f = *state;
	int rc;
	uint64_t seq = 9;
	int64_t draft = 0;
	uint8_t hash[32];
	fk_link *a = up(f);
	fk_submit(f, "one");
	fk_submit(f, "two");
	hl_core_commit(&f->core);
	assert_int_equal(fk_receipt(f, a, 2), 0);
	hl_core_commit(&f->core);
	fk_down(f);
	fk_up(f);

	hl_line_draft dr = { .kind = HL_KIND_MESSAGE, .lang = "en", .body = (const uint8_t *)"three", .body_len = 5 };
	assert_int_equal(hl_line_write(f->l, &dr, &seq, hash, &draft), 0);
	assert_int_equal(seq, 0);
	assert_true(draft > 0);
	hl_core_commit(&f->core);
	assert_int_equal(fk_stored(f, f->id->pub.ed), 2);

	fk_link *b = fk_attach(f, 1, &rc);
	assert_int_equal(rc, 0);
	expect_hello(f, b, 2, 0);
	assert_int_equal(fk_hello(f, b, 0, NULL, 2), 0);
	assert_int_equal(f->l->own_seq, 3);              /* signed in this turn */
	assert_int_equal(fk_pending(b, HL_REC_ENTRY), 0); /* not yet durable */
	hl_core_commit(&f->core);
	expect_own_entry(f, b, 3);
	assert_int_equal(fk_pending(b, HL_REC_ENTRY), 0);
}

/* (b) A peer entry beyond the next asks WANT(next), once per gap, and
 * nothing of it is stored or receipted. */
static void test_gap_asks_want(void **state)
{
	fk *f = *state;
	hl_buf e1, e2, e3, e4;
	uint8_t h1[32], h2[32], h3[32], h4[32];
	const uint8_t *b;
	size_t n;
	fk_link *a = up(f);
	fk_skip(a);
	fk_peer_entry(f, 1, zero32, "one", &e1, h1);
	fk_peer_entry(f, 2, h1, "two", &e2, h2);
	fk_peer_entry(f, 3, h2, "three", &e3, h3);
	fk_peer_entry(f, 4, h3, "four", &e4, h4);
	assert_int_equal(fk_send_entry(a, &e1), 0);
	hl_core_commit(&f->core);
	expect_receipt(f, a, 1);

	assert_int_equal(fk_send_entry(a, &e3), 0);
	fk_expect(a, HL_REC_WANT, &b, &n);
	assert_int_equal(n, HL_WANT_LEN);
	assert_int_equal(hl_be64_get(b), 2);
	assert_int_equal(fk_send_entry(a, &e4), 0);
	hl_core_commit(&f->core);
	assert_int_equal(fk_pending(a, HL_REC_WANT), 0);    /* asked once */
	assert_int_equal(fk_pending(a, HL_REC_RECEIPT), 0);
	assert_int_equal(fk_stored(f, f->peer->pub.ed), 1);
	assert_int_equal(f->l->peer_seq, 1);
	assert_int_equal(fk_count(f, 'O', 'e', 3) + fk_count(f, 'O', 'e', 4), 0);
	assert_false(a->closed);

	assert_int_equal(fk_send_entry(a, &e2), 0);
	hl_core_commit(&f->core);
	expect_receipt(f, a, 2);
	assert_int_equal(fk_stored(f, f->peer->pub.ed), 2);
}

/* (c) A peer entry we hold, sent again (its receipt was lost), is
 * receipted again at the end of the turn and not stored twice. */
static void test_duplicate_rereceipted(void **state)
{
	fk *f = *state;
	hl_buf e1, copy;
	uint8_t h1[32];
	fk_link *a = up(f);
	fk_skip(a);
	fk_peer_entry(f, 1, zero32, "one", &e1, h1);
	hl_buf_init(&copy, HL_MAX_ENTRY);
	assert_int_equal(hl_buf_put(&copy, e1.p, e1.len), 0);
	assert_int_equal(fk_send_entry(a, &e1), 0);
	hl_core_commit(&f->core);
	expect_receipt(f, a, 1);
	assert_int_equal(fk_pending(a, HL_REC_RECEIPT), 0);

	assert_int_equal(fk_send_entry(a, &copy), 0);
	hl_core_commit(&f->core); /* the loop's end of turn */
	expect_receipt(f, a, 1);
	assert_int_equal(fk_stored(f, f->peer->pub.ed), 1);
	assert_int_equal(fk_count(f, 'F', 'e', 1), 1);
	assert_int_equal(fk_count(f, 'O', 'e', 1), 1);
	assert_false(a->closed);
}

/* (d) A second, validly signed entry at a seq we hold stops the line for
 * good: session closed, observers told, alarm raised, proof kept, and all
 * of it still so after a restart. */
static void test_equivocation_stops(void **state)
{
	fk *f = *state;
	hl_buf e1, forged, proof;
	uint8_t h1[32], hf[32];
	uint64_t seq = 0;
	int rc;
	fk_link *a = up(f);
	fk_skip(a);
	fk_peer_entry(f, 1, zero32, "one", &e1, h1);
	assert_int_equal(fk_send_entry(a, &e1), 0);
	hl_core_commit(&f->core);
	assert_int_equal(fk_count(f, 'O', 'a', 0), 0);

	fk_peer_entry(f, 1, zero32, "another one", &forged, hf);
	uint8_t *fenc = malloc(forged.len);
	size_t flen = forged.len;
	assert_non_null(fenc);
	memcpy(fenc, forged.p, flen);
	assert_int_equal(fk_send_entry(a, &forged), HL_ERR_EQUIVOCATION);
	assert_true(a->closed);
	assert_string_equal(hl_line_state(f->l), "stopped");
	assert_int_equal(fk_count(f, 'O', 'a', 0), 1);
	assert_int_equal(f->log[f->n_log - 1].kind, HL_ALARM_EQUIVOCATION);
	assert_int_equal(f->log[f->n_log - 1].on, 1);
	assert_true(hl_alarm_is_open(f->core.alarms, f->l->line_id, HL_ALARM_EQUIVOCATION, -1));
	hl_core_commit(&f->core);
	assert_int_equal(fk_stored(f, f->peer->pub.ed), 1);

	fk_down(f);
	fk_up(f);
	assert_string_equal(hl_line_state(f->l), "stopped");
	assert_non_null(strstr(f->l->stopped_reason, "equivocation"));
	assert_true(hl_alarm_is_open(f->core.alarms, f->l->line_id, HL_ALARM_EQUIVOCATION, -1));
	hl_buf_init(&proof, HL_MAX_ENTRY);
	assert_int_equal(hl_store_get_conflict(f->core.store, f->l->line_id, f->peer->pub.ed, &seq, &proof), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(proof.len, flen);
	assert_memory_equal(proof.p, fenc, flen);
	hl_buf_free(&proof);
	free(fenc);
	fk_link *b = fk_attach(f, 0, &rc);
	assert_int_equal(rc, HL_ERR_STOPPED);
	assert_true(b->closed);
	assert_int_equal(fk_pending(b, HL_REC_HELLO), 0);
}

/* Features hear an entry before observers do; a feature's record type
 * reaches it; one nobody takes closes the session; observers see the line
 * go up and down on the tick. */
static void test_hooks_in_order(void **state)
{
	fk *f = *state;
	hl_buf e1;
	uint8_t h1[32];
	fk_link *a = up(f);
	assert_int_equal(fk_count(f, 'F', 'h', 0), 1);
	hl_supervise_tick(f->l, hl_now_ms(&f->core));
	assert_int_equal(fk_count(f, 'O', 'l', 0), 1);
	assert_string_equal(f->log[f->n_log - 1].state, "up");

	int before = f->n_log;
	fk_peer_entry(f, 1, zero32, "one", &e1, h1);
	assert_int_equal(fk_send_entry(a, &e1), 0);
	fk_submit(f, "ours");
	assert_int_equal(f->n_log, before + 4);
	const char *want = "FeOeFeOe";
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f->log[before + i].who, want[2 * i]);
		assert_int_equal(f->log[before + i].what, want[2 * i + 1]);
		assert_int_equal(f->log[before + i].own, i >= 2);
		assert_int_equal(f->log[before + i].seq, 1);
	}
	int turns = f->turns;
	hl_core_commit(&f->core);
	assert_int_equal(f->turns, turns + 1);

	static const uint8_t chunk[3] = { 1, 2, 3 };
	assert_int_equal(fk_input(a, HL_REC_BLOB, chunk, sizeof chunk), 0);
	assert_int_equal(f->log[f->n_log - 1].who, 'F');
	assert_int_equal(f->log[f->n_log - 1].what, 'r');
	assert_int_equal(f->log[f->n_log - 1].kind, HL_REC_BLOB);
	assert_int_equal(f->log[f->n_log - 1].seq, sizeof chunk);
	assert_false(a->closed);
	assert_int_equal(fk_input(a, HL_REC_BLOB_WANT, chunk, sizeof chunk), HL_ERR_INVAL);
	assert_true(a->closed);
	hl_supervise_tick(f->l, hl_now_ms(&f->core));
	assert_int_equal(fk_count(f, 'O', 'l', 0), 2);
	assert_string_equal(f->log[f->n_log - 1].state, "down");
}

/* A feature that cannot record what follows from an entry fails its
 * store: the turn is lost whole, as on a failed write. A peer entry is not
 * kept, nor receipted, nor heard of, and is asked for again once the store
 * may take it; the session stays. An own entry's submit fails and its seq
 * is signed again, as it never went out. */
static void test_failing_hook_fails_store(void **state)
{
	fk *f = *state;
	hl_buf e1, again;
	uint8_t h1[32], hash[32];
	const uint8_t *b;
	size_t n;
	uint64_t seq = 0;
	hl_line_draft dr = { .kind = HL_KIND_MESSAGE, .lang = "en", .body = (const uint8_t *)"x", .body_len = 1 };
	fk_link *a = up(f);
	fk_skip(a);
	fk_peer_entry(f, 1, zero32, "one", &e1, h1);
	hl_buf_init(&again, HL_MAX_ENTRY);
	assert_int_equal(hl_buf_put(&again, e1.p, e1.len), 0);
	f->entry_fail = HL_ERR_NOMEM;
	assert_int_equal(fk_send_entry(a, &e1), 0);
	assert_true(hl_store_tx_failed(f->core.store));
	assert_int_equal(fk_count(f, 'O', 'e', 0), 0);
	hl_core_commit(&f->core);
	assert_int_equal(fk_stored(f, f->peer->pub.ed), 0);
	assert_int_equal(f->l->peer_seq, 0);
	assert_int_equal(fk_pending(a, HL_REC_RECEIPT), 0);
	assert_int_equal(f->log[f->n_log - 1].what, 'a');
	assert_int_equal(f->log[f->n_log - 1].kind, HL_ALARM_STORE);
	assert_int_equal(f->log[f->n_log - 1].on, 1);
	assert_false(a->closed);

	f->entry_fail = 0;
	f->core.store_hold_until_ms = 0; /* the store's hold has passed */
	hl_line_store_retry(f->l); /* from the tick */
	hl_core_commit(&f->core);  /* the turn ends: what it queued goes */
	fk_expect(a, HL_REC_WANT, &b, &n);
	assert_int_equal(hl_be64_get(b), 1);
	assert_int_equal(fk_send_entry(a, &again), 0);
	hl_core_commit(&f->core);
	expect_receipt(f, a, 1);
	assert_int_equal(fk_stored(f, f->peer->pub.ed), 1);
	assert_int_equal(fk_count(f, 'O', 'e', 1), 1);
	assert_false(hl_alarm_is_open(f->core.alarms, f->l->line_id, HL_ALARM_STORE, -1));

	f->own_fail = HL_ERR_NOMEM;
	assert_int_equal(hl_line_submit(f->l, &dr, &seq, hash), HL_ERR_NOMEM);
	hl_core_commit(&f->core);
	assert_int_equal(fk_stored(f, f->id->pub.ed), 0);
	assert_int_equal(fk_pending(a, HL_REC_ENTRY), 0);
	f->own_fail = 0;
	f->core.store_hold_until_ms = 0;
	assert_int_equal(fk_submit(f, "again"), 1);
	hl_core_commit(&f->core);
	expect_own_entry(f, a, 1);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resume_after_hello, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_restart, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_gap_asks_want, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_rereceipted, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_equivocation_stops, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_hooks_in_order, fk_setup, fk_teardown),
		cmocka_unit_test_setup_teardown(test_failing_hook_fails_store, fk_setup, fk_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
