/* test_verify.c — the transcript verifier (src/record/verify.c) against a
 * programmatic tamper matrix on the chains: every field of every entry,
 * deletions, swaps, truncations, foreign signatures, forks, backward
 * cross-links, bad receipts (test_verify_file.c: the file around them). */
#include "verify_fixture.h"

static void test_valid_full(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	uint64_t links[2] = { 0, 0 };
	bopts o;
	tfile f;

	full_opts(&o);
	build(w, &o, &f);
	assert_true(verify_into(f.b.p, f.b.len, NULL, &rep, NULL));
	for (int t = 0; t < w->n; t++)
		links[w->e[t].side] += w->e[t].peer_seq != 0;
	assert_int_equal(rep.hdr.kind, HL_HLT_FULL);
	assert_string_equal(rep.st[0].name, "washington");
	for (int s = 0; s < 2; s++) {
		assert_true(rep.st[s].entries == 20);
		assert_true(rep.st[s].first_seq == 1 && rep.st[s].last_seq == 20);
		assert_true(rep.st[s].xlinks_checked == links[s]);
		assert_true(rep.st[s].xlinks_outside == 0);
	}
	assert_true(rep.st[0].first_ms == T0);
	assert_true(rep.st[0].rcpt_seq == 20); /* A stored all of B */
	assert_true(rep.st[1].rcpt_seq == 18); /* B stored A up to 18 */
	assert_true(rep.st[1].rcpt_ms == T0 + 3000001);
	assert_true(rep.receipts == 2);
	assert_true(rep.bytes == f.b.len);
	assert_false(rep.keys_pinned);
	/* Pinned keys, in either order; a wrong pin fails. */
	hl_pubkey pin[2] = { w->id[1]->pub, w->id[0]->pub };
	assert_true(verify_into(f.b.p, f.b.len, pin, &rep, NULL));
	assert_true(rep.keys_pinned);
	pin[0] = w->id[2]->pub;
	assert_false(verify_into(f.b.p, f.b.len, pin, &rep, NULL));
	expect(&rep, HL_VR_KEYS, 0, "pinned foreign key");
	hl_buf_free(&f.b);
}

/* Field spans inside an entry encoding, from its length bytes. */
typedef struct {
	const char *name;
	size_t off, len;
	int rule; /* 0: signature or encoding; else this rule */
} field;

static int entry_fields(const uint8_t *e, size_t n, field out[16])
{
	size_t op = e[157], lang_at = 158 + op, lang = e[lang_at], refs_at = lang_at + 1 + lang;
	size_t nrefs = e[refs_at], blen_at = refs_at + 1 + 32 * nrefs;
	size_t blen = hl_be32_get(e + blen_at);
	int k = 0;

	out[k++] = (field){ "version", 0, 1, 0 };
	out[k++] = (field){ "kind", 1, 1, 0 };
	out[k++] = (field){ "precedence", 2, 1, 0 };
	out[k++] = (field){ "flags", 3, 2, 0 };
	out[k++] = (field){ "line id", 5, 32, HL_VR_ENTRY_LINE };
	out[k++] = (field){ "author", 37, 32, HL_VR_AUTHOR };
	out[k++] = (field){ "seq", 69, 8, 0 };
	out[k++] = (field){ "prev", 77, 32, 0 };
	out[k++] = (field){ "peer seq", 109, 8, 0 };
	out[k++] = (field){ "peer hash", 117, 32, 0 };
	out[k++] = (field){ "time", 149, 8, 0 };
	out[k++] = (field){ "operator", 158, op, 0 };
	out[k++] = (field){ "lang", lang_at + 1, lang, 0 };
	if (nrefs)
		out[k++] = (field){ "refs", refs_at + 1, 32 * nrefs, 0 };
	out[k++] = (field){ "body", blen_at + 4, blen, 0 };
	out[k++] = (field){ "signature", n - 64, 64, 0 };
	assert_true(blen_at + 4 + blen + 64 == n);
	return k;
}

static void test_tamper_every_field(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	field fl[16];
	bopts o;
	tfile f;
	int cases = 0;

	full_opts(&o);
	build(w, &o, &f);
	for (int i = 0; i < f.nr; i++) {
		const frec *r = &f.r[i];
		uint8_t *e = f.b.p + r->off + 5;
		int nf;
		if (r->type != HL_HLT_ENTRY)
			continue;
		nf = entry_fields(e, r->len - 5, fl);
		for (int k = 0; k < nf; k++) {
			size_t bits = fl[k].len * 8;
			size_t pick[3] = { 0, bits - 1, (size_t)(i * 131 + k * 17) % bits };
			for (int b = 0; b < 3; b++) {
				char what[96];
				size_t bit = pick[b];
				e[fl[k].off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
				check(f.b.p, f.b.len, &rep);
				e[fl[k].off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
				snprintf(what, sizeof what, "entry %d (side %d seq %llu) field %s bit %zu",
					 i, r->side, (unsigned long long)r->seq, fl[k].name, bit);
				if (fl[k].rule)
					expect(&rep, fl[k].rule, r->off, what);
				else if (rep.rule != HL_VR_SIG)
					expect(&rep, HL_VR_DECODE, r->off, what);
				else
					expect(&rep, HL_VR_SIG, r->off, what);
				assert_int_equal(rep.fail_record, HL_HLT_ENTRY);
				assert_true(rep.fail_has_entry);
				if (strcmp(fl[k].name, "seq") != 0)
					assert_true(rep.fail_seq == r->seq);
				if (fl[k].rule != HL_VR_AUTHOR) {
					assert_int_equal(rep.fail_side, r->side);
					assert_true(rep.fail_expected_seq == r->seq);
				} else {
					assert_int_equal(rep.fail_side, -1);
				}
				cases++;
			}
		}
	}
	assert_true(cases > 40 * 14 * 3);
	assert_true(verify_into(f.b.p, f.b.len, NULL, &rep, NULL)); /* restored */
	hl_buf_free(&f.b);
}

/* The first record after a deleted entry that must notice the gap. */
static void test_delete_each_entry(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	bopts o;
	tfile f;
	hl_buf cut;

	full_opts(&o);
	build(w, &o, &f);
	hl_buf_init(&cut, f.b.len);
	for (int i = 0; i < f.nr; i++) {
		const frec *d = &f.r[i];
		int rule = 0;
		size_t at = 0;
		if (d->type != HL_HLT_ENTRY)
			continue;
		hl_buf_reset(&cut);
		assert_int_equal(hl_buf_put(&cut, f.b.p, d->off), 0);
		assert_int_equal(hl_buf_put(&cut, f.b.p + d->off + d->len, f.b.len - d->off - d->len), 0);
		for (int j = i + 1; j < f.nr && !rule; j++) {
			const frec *r = &f.r[j];
			at = r->off - d->len;
			if (r->type == HL_HLT_ENTRY && r->side == d->side)
				rule = HL_VR_SEQ;
			else if (r->type == HL_HLT_ENTRY && r->peer_seq >= d->seq)
				rule = HL_VR_XLINK_ORDER;
			else if (r->type == HL_HLT_RECEIPT && r->side != d->side && r->seq >= d->seq)
				rule = HL_VR_RECEIPT_SEQ;
			else if (r->type == HL_HLT_END)
				rule = HL_VR_RANGE;
		}
		check(cut.p, cut.len, &rep);
		expect(&rep, rule, at, "deleted entry");
	}
	hl_buf_free(&cut);
	hl_buf_free(&f.b);
}

static void test_swap_neighbours(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	int seen[3] = { 0, 0, 0 };
	bopts o;
	tfile f;
	hl_buf sw;

	full_opts(&o);
	build(w, &o, &f);
	hl_buf_init(&sw, f.b.len);
	for (int i = 0; i + 1 < f.nr; i++) {
		const frec *a = &f.r[i], *b = &f.r[i + 1];
		int rule, kind;
		if (a->type != HL_HLT_ENTRY || b->type != HL_HLT_ENTRY)
			continue;
		hl_buf_reset(&sw);
		assert_int_equal(hl_buf_put(&sw, f.b.p, f.b.len), 0);
		memcpy(sw.p + a->off, f.b.p + b->off, b->len);
		memcpy(sw.p + a->off + b->len, f.b.p + a->off, a->len);
		check(sw.p, sw.len, &rep);
		if (a->side == b->side) {
			kind = 0;
			rule = HL_VR_SEQ;
		} else if (b->peer_seq >= a->seq) {
			kind = 1;
			rule = HL_VR_XLINK_ORDER;
		} else {
			/* Independent entries in the other order are still causal:
			 * only the signed digest tells. */
			kind = 2;
			rule = HL_VR_DIGEST;
		}
		expect(&rep, rule, kind == 2 ? f.r[f.nr - 1].off : a->off, "swapped entries");
		seen[kind]++;
	}
	assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
	hl_buf_free(&sw);
	hl_buf_free(&f.b);
}

static void test_truncate(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	bopts o;
	tfile f;
	size_t inside[] = { 1, 4, 5, 6 };

	full_opts(&o);
	build(w, &o, &f);
	for (size_t cut = 0; cut < f.hdr_len; cut += cut < 12 ? 1 : 37) {
		check(f.b.p, cut, &rep);
		expect(&rep, HL_VR_TRUNC, cut, "cut in header");
		assert_non_null(strstr(rep.msg, "inside the header"));
	}
	for (int i = 0; i < f.nr; i++) {
		const frec *r = &f.r[i];
		check(f.b.p, r->off, &rep);
		expect(&rep, HL_VR_TRUNC, r->off, "cut at a record boundary");
		assert_non_null(strstr(rep.msg, "without the END record"));
		for (size_t k = 0; k < sizeof inside / sizeof inside[0] + 2; k++) {
			size_t in = k < 4 ? inside[k] : k == 4 ? r->len / 2 : r->len - 1;
			check(f.b.p, r->off + in, &rep);
			expect(&rep, HL_VR_TRUNC, r->off + in, "cut inside a record");
			assert_non_null(strstr(rep.msg, "inside a record"));
		}
	}
	hl_buf_free(&f.b);
}

/* Signs the encoding's fields with another key; author optionally replaced. */
static void foreign_sign(const world *w, const gent *g, int replace_author, hl_buf *out)
{
	static const uint8_t prefix[16] = "hotline/entry/1";
	uint8_t msg[16 + HL_MAX_ENTRY];
	hl_entry e;

	hl_buf_init(out, HL_MAX_ENTRY);
	assert_int_equal(hl_buf_put(out, g->enc.p, g->enc.len), 0);
	if (replace_author) {
		assert_int_equal(hl_entry_decode(g->enc.p, g->enc.len, &e), 0);
		memcpy(e.author, w->id[2]->pub.ed, 32);
		assert_int_equal(hl_entry_sign(&e, w->id[2]), 0);
		assert_int_equal(hl_entry_encode(&e, out), 0);
		return;
	}
	memcpy(msg, prefix, 16);
	memcpy(msg + 16, out->p, out->len - 64);
	assert_int_equal(crypto_sign_ed25519_detached(out->p + out->len - 64, NULL, msg,
						      16 + out->len - 64, w->id[2]->ed_sk), 0);
}

static void test_foreign_signatures(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	bopts o;
	tfile f;
	hl_buf repl;

	for (int t = 0; t < w->n; t += 3) {
		for (int ra = 0; ra < 2; ra++) {
			full_opts(&o);
			foreign_sign(w, &w->e[t], ra, &repl);
			o.replace = t;
			o.repl = &repl;
			build(w, &o, &f);
			check(f.b.p, f.b.len, &rep);
			/* Entry records start after the header, in step order. */
			expect(&rep, ra ? HL_VR_AUTHOR : HL_VR_SIG, f.r[t].off, "foreign signature");
			assert_true(rep.fail_seq == w->e[t].seq);
			hl_buf_free(&f.b);
			hl_buf_free(&repl);
		}
	}
}

/* Validly signed entries from a fork of the line (A's seq 7 said something
 * else there): only the chain and cross-link checks can catch them. */
static void test_forked_entries(void **state)
{
	world *w = *state, w2;
	hl_verify_report rep;
	bopts o;
	tfile f;
	int t8, tb = -1;

	gen_world(&w2, 0, 7);
	t8 = step_of(w, 0, 8);
	full_opts(&o);
	o.replace = t8;
	o.repl = &w2.e[t8].enc;
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_PREV, f.r[t8].off, "forked prev");
	assert_non_null(strstr(rep.msg, "seq 7 (chain link)"));
	assert_true(rep.fail_seq == 8 && rep.fail_side == 0);
	assert_memory_equal(rep.fail_hash, w2.e[t8].hash, 32);
	hl_buf_free(&f.b);
	/* B's first entry that cross-links A's forked part. */
	for (int t = 0; t < w->n && tb < 0; t++)
		if (w->e[t].side == 1 && w->e[t].peer_seq >= 7)
			tb = t;
	assert_memory_not_equal(w->e[tb].hash, w2.e[tb].hash, 32);
	o.replace = tb;
	o.repl = &w2.e[tb].enc;
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_XLINK, f.r[tb].off, "forked cross-link");
	assert_int_equal(rep.fail_side, 1);
	hl_buf_free(&f.b);
	/* A range whose anchor is the fork's seq 7: its seq 8 does not link. */
	full_opts(&o);
	o.kind = HL_HLT_RANGE;
	o.lo = step_of(w, 0, 8);
	o.replace = step_of(w, 0, 7);
	o.repl = &w2.e[o.replace].enc;
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	assert_int_equal(rep.rule, HL_VR_PREV);
	assert_non_null(strstr(rep.msg, "anchor"));
	assert_true(rep.fail_seq == 8 && rep.fail_side == 0);
	hl_buf_free(&f.b);
	free_world(&w2);
}

/* Validly signed by its author, every hash right, but a cross-link that
 * names fewer of the other station's entries than the author's previous
 * entry did: a history that "un-receives" what it had stored. */
static void test_xlink_backwards(void **state)
{
	world *w = *state, w2;
	hl_verify_report rep;
	bopts o;
	tfile f;
	int tb = -1, tp = -1;

	/* An entry whose author's previous one cross-linked seq 2 or more. */
	for (int t = 13; t < w->n && tb < 0; t++) {
		for (int p = t - 1; p >= 0; p--) {
			if (w->e[p].side != w->e[t].side)
				continue;
			if (w->e[p].peer_seq >= 2) {
				tb = t;
				tp = p;
			}
			break;
		}
	}
	assert_true(tb > 0);
	gen_world_back(&w2, -1, 0, tb);
	assert_true(w2.e[tb].peer_seq + 1 == w->e[tp].peer_seq);
	full_opts(&o);
	build(&w2, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_XLINK_BACK, f.r[tb].off, "backward cross-link");
	assert_int_equal(rep.fail_side, w->e[tb].side);
	assert_true(rep.fail_seq == w->e[tb].seq);
	assert_memory_equal(rep.fail_hash, w2.e[tb].hash, 32);
	assert_non_null(strstr(rep.msg, "never go back"));
	assert_string_equal(hl_verify_rule_name(rep.rule), "cross-link-backwards");
	hl_buf_free(&f.b);
	/* As moscow exports it. */
	o.exporter = 1;
	build(&w2, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_XLINK_BACK, f.r[tb].off, "backward cross-link, other exporter");
	hl_buf_free(&f.b);
	/* A range that starts at it: the anchor's cross-link is the previous. */
	full_opts(&o);
	o.kind = HL_HLT_RANGE;
	o.lo = tb;
	build(&w2, &o, &f);
	check(f.b.p, f.b.len, &rep);
	assert_int_equal(rep.rule, HL_VR_XLINK_BACK);
	assert_true(rep.fail_seq == w->e[tb].seq);
	hl_buf_free(&f.b);
	/* ...and one that starts just after it is valid: each link is checked
	 * against the one before it, and what follows goes forward again. */
	o.lo = tb + 1;
	build(&w2, &o, &f);
	assert_true(verify_into(f.b.p, f.b.len, NULL, &rep, NULL));
	hl_buf_free(&f.b);
	free_world(&w2);
}

static void test_receipts(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	hl_receipt r;
	bopts o;
	tfile f;

	/* A validly signed receipt by A for B seq 25: B has only 20. */
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, w->line, 32);
	memcpy(r.receiver, w->id[0]->pub.ed, 32);
	r.seq = 25;
	memset(r.hash, 0x5a, 32);
	r.time_ms = T0;
	assert_int_equal(hl_receipt_sign(&r, w->id[0]), 0);
	full_opts(&o);
	o.extra = &r;
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_RECEIPT_SEQ, f.r[f.nr - 2].off, "receipt beyond the chain");
	assert_int_equal(rep.fail_side, 0);
	assert_true(rep.fail_seq == 25);
	hl_buf_free(&f.b);
	/* ...for seq 5, which is there, with another hash. */
	r.seq = 5;
	assert_int_equal(hl_receipt_sign(&r, w->id[0]), 0);
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_RECEIPT_HASH, f.r[f.nr - 2].off, "receipt with a wrong hash");
	hl_buf_free(&f.b);
	/* ...signed by the foreign key. */
	memcpy(r.receiver, w->id[2]->pub.ed, 32);
	assert_int_equal(hl_receipt_sign(&r, w->id[2]), 0);
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_RECEIPT_PARTY, f.r[f.nr - 2].off, "receipt by a stranger");
	hl_buf_free(&f.b);
	/* A flipped bit in each real receipt's signature. */
	full_opts(&o);
	build(w, &o, &f);
	for (int i = 0; i < f.nr; i++) {
		if (f.r[i].type != HL_HLT_RECEIPT)
			continue;
		f.b.p[f.r[i].off + 5 + 120] ^= 4;
		check(f.b.p, f.b.len, &rep);
		f.b.p[f.r[i].off + 5 + 120] ^= 4;
		expect(&rep, HL_VR_RECEIPT_SIG, f.r[i].off, "receipt signature");
	}
	hl_buf_free(&f.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_full),
		cmocka_unit_test(test_tamper_every_field),
		cmocka_unit_test(test_delete_each_entry),
		cmocka_unit_test(test_swap_neighbours),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_foreign_signatures),
		cmocka_unit_test(test_forked_entries),
		cmocka_unit_test(test_xlink_backwards),
		cmocka_unit_test(test_receipts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
