/* test_verify_file.c — the transcript verifier (src/record/verify.c) on
 * the file around the chains: header and trailer damage, ranges, proofs,
 * and the comparison of two exports (verify_fixture.h builds them). */
#include "verify_fixture.h"

static void test_header_and_trailer(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	uint8_t tmp[64];
	char name[HL_MAX_NAME + 1];
	bopts o;
	tfile f;
	size_t end;

	full_opts(&o);
	build(w, &o, &f);
	end = f.r[f.nr - 1].off;
	/* Swapped keys and names, bytes only: the signed digest differs. */
	hl_buf sw;
	hl_buf_init(&sw, f.b.len + 16);
	memcpy(tmp, f.b.p + 10, 64);
	assert_int_equal(hl_buf_put(&sw, f.b.p, 10), 0);
	assert_int_equal(hl_buf_put(&sw, f.b.p + 74, 64), 0);
	assert_int_equal(hl_buf_put(&sw, tmp, 64), 0);
	assert_int_equal(hl_buf_put(&sw, f.b.p + 138, HL_HLT_HEADER_FIXED - 138), 0);
	assert_int_equal(hl_buf_put(&sw, "\x06moscow\x0awashington", 18), 0);
	assert_int_equal(sw.len, f.hdr_len);
	assert_int_equal(hl_buf_put(&sw, f.b.p + f.hdr_len, f.b.len - f.hdr_len), 0);
	check(sw.p, sw.len, &rep);
	expect(&rep, HL_VR_DIGEST, end, "swapped header keys");
	hl_buf_free(&sw);
	hl_buf_free(&f.b);
	/* ...with the digest made good: the trailer is not by the new key A. */
	o.swap_header = 1;
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_END_SIG, f.r[f.nr - 1].off, "swapped header keys, re-digested");
	hl_buf_free(&f.b);

	full_opts(&o);
	build(w, &o, &f);
	f.b.p[138 + 31] ^= 0x80; /* line id */
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_LINE_ID, 0, "header line id");
	f.b.p[138 + 31] ^= 0x80;
	f.b.p[0] = 'X';
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_MAGIC, 0, "magic");
	f.b.p[0] = 'H';
	f.b.p[8] = 2;
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_MAGIC, 0, "version");
	f.b.p[8] = 1;
	for (int k = 0; k < 3; k++) { /* n_a, n_b, n_receipts */
		size_t at = end + 5 + (k == 0 ? 7 : k == 1 ? 15 : 19);
		f.b.p[at] ^= 1;
		check(f.b.p, f.b.len, &rep);
		f.b.p[at] ^= 1;
		expect(&rep, HL_VR_COUNTS, end, "trailer count");
	}
	for (size_t k = 0; k < 32; k += 7) {
		f.b.p[end + 25 + k] ^= 0x10;
		check(f.b.p, f.b.len, &rep);
		f.b.p[end + 25 + k] ^= 0x10;
		expect(&rep, HL_VR_DIGEST, end, "trailer digest");
	}
	for (size_t k = 0; k < 64; k += 9) {
		f.b.p[end + 57 + k] ^= 0x01;
		check(f.b.p, f.b.len, &rep);
		f.b.p[end + 57 + k] ^= 0x01;
		expect(&rep, HL_VR_END_SIG, end, "trailer signature");
	}
	/* Header ranges that do not match the entries: A's seq 20 is beyond a
	 * range ending at 19; a range to 21 is not reached by the end. */
	f.b.p[186 + 7] = 19;
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_RANGE, f.r[step_of(w, 0, 20)].off, "header range too short");
	f.b.p[186 + 7] = 21;
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_RANGE, end, "header range too long");
	f.b.p[186 + 7] = 20;
	/* A name changed: covered by the digest too. */
	memcpy(name, f.b.p + HL_HLT_HEADER_FIXED + 1, 10);
	f.b.p[HL_HLT_HEADER_FIXED + 1] = 'W';
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_DIGEST, end, "renamed station");
	f.b.p[HL_HLT_HEADER_FIXED + 1] = (uint8_t)name[0];
	/* Anything after END. */
	assert_int_equal(hl_buf_put(&f.b, "garbage", 7), 0);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_TRAILING, f.b.len - 7, "trailing garbage");
	check(f.b.p, f.b.len - 6, &rep);
	expect(&rep, HL_VR_TRAILING, f.b.len - 7, "one trailing byte");
	check(f.b.p, f.b.len - 7, &rep);
	assert_true(rep.ok);
	hl_buf_free(&f.b);
}

static void test_range(void **state)
{
	world *w = *state;
	hl_verify_report rep;
	bopts o;
	tfile f;

	full_opts(&o);
	o.kind = HL_HLT_RANGE;
	o.lo = 12;
	o.hi = 29;
	o.lag[1] = 1;
	build(w, &o, &f);
	assert_int_equal(f.r[0].type, HL_HLT_ANCHOR);
	assert_int_equal(f.r[1].type, HL_HLT_ANCHOR);
	assert_true(verify_into(f.b.p, f.b.len, NULL, &rep, NULL));
	assert_int_equal(rep.hdr.kind, HL_HLT_RANGE);
	for (int s = 0; s < 2; s++) {
		assert_true(rep.st[s].has_anchor);
		assert_true(rep.st[s].anchor_seq + 1 == rep.st[s].first_seq);
		assert_true(rep.st[s].first_seq > 1 && rep.st[s].last_seq < 20);
		assert_true(rep.st[s].entries == rep.st[s].last_seq - rep.st[s].first_seq + 1);
	}
	/* Stale cross-links below the anchor are counted, not passed silently. */
	assert_true(rep.st[0].xlinks_outside + rep.st[1].xlinks_outside > 0);
	assert_true(rep.st[0].xlinks_checked + rep.st[1].xlinks_checked > 0);
	/* Passed off as the whole line: the header says it does not start at 1. */
	f.b.p[9] = HL_HLT_FULL;
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_HEADER, 0, "range relabelled full");
	f.b.p[9] = HL_HLT_PROOF;
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_HEADER, 0, "range relabelled proof");
	hl_buf_free(&f.b);
	/* A range from the first entries relabelled: only the digest tells. */
	o.lo = 0;
	build(w, &o, &f);
	assert_true(verify_into(f.b.p, f.b.len, NULL, &rep, NULL));
	f.b.p[9] = HL_HLT_FULL;
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_DIGEST, f.r[f.nr - 1].off, "prefix range relabelled full");
	hl_buf_free(&f.b);
	/* Without its anchors (validly re-signed): the first entry cannot link. */
	o.lo = 12;
	o.no_anchor = 1;
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_ANCHOR, f.r[0].off, "range without anchors");
	hl_buf_free(&f.b);
	/* A range up to the newest entries. */
	full_opts(&o);
	o.kind = HL_HLT_RANGE;
	o.lo = 12;
	build(w, &o, &f);
	assert_true(verify_into(f.b.p, f.b.len, NULL, &rep, NULL));
	assert_true(rep.st[0].last_seq == 20 && rep.st[1].last_seq == 20);
	hl_buf_free(&f.b);
}

static void test_proof(void **state)
{
	world *w = *state, w2;
	hl_verify_report rep;
	bopts o;
	tfile f;
	int b3 = -1, a3 = -1;

	gen_world(&w2, 1, 3); /* B's seq 3 says something else */
	for (int t = 0; t < w->n; t++) {
		if (w->e[t].seq == 3 && w->e[t].side == 1)
			b3 = t;
		if (w->e[t].seq == 3 && w->e[t].side == 0)
			a3 = t;
	}
	memset(&o, 0, sizeof o);
	o.kind = HL_HLT_PROOF;
	o.replace = -1;
	o.c1 = &w->e[b3].enc;
	o.c2 = &w2.e[b3].enc;
	build(w, &o, &f);
	assert_true(verify_into(f.b.p, f.b.len, NULL, &rep, NULL));
	assert_int_equal(rep.hdr.kind, HL_HLT_PROOF);
	assert_int_equal(rep.proof_side, 1);
	assert_true(rep.proof_seq == 3);
	assert_memory_equal(rep.proof_hash[0], w->e[b3].hash, 32);
	assert_memory_equal(rep.proof_hash[1], w2.e[b3].hash, 32);
	hl_buf_free(&f.b);
	o.c2 = &w->e[b3].enc; /* the same entry twice */
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_CONFLICT, f.r[0].off, "identical entries");
	hl_buf_free(&f.b);
	o.c2 = &w->e[a3].enc; /* seq 3 of each station */
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_CONFLICT, f.r[0].off, "different authors");
	hl_buf_free(&f.b);
	for (int t = 0; t < w->n; t++)
		if (w->e[t].seq == 4 && w->e[t].side == 1)
			o.c2 = &w->e[t].enc;
	build(w, &o, &f);
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_CONFLICT, f.r[0].off, "different seqs");
	hl_buf_free(&f.b);
	o.c2 = &w2.e[b3].enc;
	build(w, &o, &f);
	f.b.p[f.r[0].off + f.r[0].len - 3] ^= 1; /* second entry's signature */
	check(f.b.p, f.b.len, &rep);
	expect(&rep, HL_VR_SIG, f.r[0].off, "forged second entry");
	hl_buf_free(&f.b);
	free_world(&w2);
}

static void test_against(void **state)
{
	world *w = *state, w2;
	hl_verify_report r1, r2;
	hl_verifier *v1, *v2;
	hl_verify_cmp c;
	bopts o;
	tfile f1, f2;

	full_opts(&o);
	build(w, &o, &f1);
	o.exporter = 1; /* the same line as moscow exports it */
	build(w, &o, &f2);
	assert_true(verify_into(f1.b.p, f1.b.len, NULL, &r1, &v1));
	assert_true(verify_into(f2.b.p, f2.b.len, NULL, &r2, &v2));
	assert_string_equal(r2.st[0].name, "moscow");
	assert_int_equal(hl_verify_compare(v1, v2, &c), 0);
	assert_true(c.same_line && c.identical && !c.differ);
	hl_verifier_free(v2);
	hl_buf_free(&f2.b);

	/* Moscow exported earlier: it lacks the tails of both chains. */
	o.hi = 29;
	build(w, &o, &f2);
	assert_true(verify_into(f2.b.p, f2.b.len, NULL, &r2, &v2));
	assert_int_equal(hl_verify_compare(v1, v2, &c), 0);
	assert_true(c.same_line && !c.identical && !c.differ);
	for (int s = 0; s < 2; s++) {
		/* file 2 lacks station s (indexed as in file 1) above its last */
		assert_true(c.lacks[1][s][1].lo == r2.st[1 - s].last_seq + 1);
		assert_true(c.lacks[1][s][1].hi == 20);
		assert_true(c.lacks[1][s][0].lo > c.lacks[1][s][0].hi);
		assert_true(c.lacks[0][s][0].lo > c.lacks[0][s][0].hi);
		assert_true(c.lacks[0][s][1].lo > c.lacks[0][s][1].hi);
	}
	hl_verifier_free(v2);
	hl_buf_free(&f2.b);

	/* A station that holds a different washington seq 7. */
	gen_world(&w2, 0, 7);
	full_opts(&o);
	build(&w2, &o, &f2);
	assert_true(verify_into(f2.b.p, f2.b.len, NULL, &r2, &v2));
	assert_int_equal(hl_verify_compare(v1, v2, &c), 0);
	assert_true(c.same_line && c.differ && !c.identical);
	assert_int_equal(c.differ_station, 0);
	assert_true(c.differ_seq == 7);
	for (int t = 0; t < w->n; t++)
		if (w->e[t].side == 0 && w->e[t].seq == 7) {
			assert_memory_equal(c.differ_hash[0], w->e[t].hash, 32);
			assert_memory_equal(c.differ_hash[1], w2.e[t].hash, 32);
		}
	hl_verifier_free(v2);
	hl_buf_free(&f2.b);
	free_world(&w2);
	hl_verifier_free(v1);
	hl_buf_free(&f1.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_trailer),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_proof),
		cmocka_unit_test(test_against),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
