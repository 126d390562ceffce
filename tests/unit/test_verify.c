/* test_verify.c — the transcript verifier (src/verify.c) against a
 * programmatic tamper matrix: every field of every entry, deletions, swaps,
 * truncations, foreign signatures, forks, backward cross-links, bad
 * receipts, header and trailer damage;
 * ranges, proofs and the comparison of two exports. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "entry.h"
#include "err.h"
#include "keys.h"
#include "transcript.h"
#include "verify.h"

#define NSTEPS 40
#define T0 1764205200000ull

/* Who writes at each step of an 8-step cycle, and whether the author has by
 * then stored the other side's newest entry (else its cross-link is stale):
 * gives same-author neighbours, immediate replies and independent pairs. */
static const int pat_side[8] = { 0, 0, 1, 0, 1, 1, 0, 1 };
static const int pat_sees[8] = { 1, 1, 1, 0, 0, 1, 1, 1 };

typedef struct {
	hl_buf enc;
	int side;
	uint64_t seq, peer_seq;
	uint8_t hash[32];
} gent;

typedef struct {
	hl_identity *id[3]; /* A, B, and a foreign key */
	uint8_t line[32];
	gent e[NSTEPS];
	int n;
} world;

static hl_identity *ident(uint8_t b)
{
	uint8_t seed[HL_SEED_LEN];
	hl_identity *id = NULL;

	memset(seed, b, sizeof seed);
	assert_int_equal(hl_keys_from_seed(seed, &id), 0);
	return id;
}

/* back_step >= 0: the entry at that step cross-links one entry fewer of the
 * other side than its author's previous entry did, validly signed. */
static void gen_world_back(world *w, int alter_side, uint64_t alter_seq, int back_step)
{
	uint64_t last[2] = { 0, 0 }, known[2] = { 0, 0 }, linked[2] = { 0, 0 };
	int idx_of[2][NSTEPS + 1];
	char body[160];

	memset(w, 0, sizeof *w);
	w->id[0] = ident(0x41);
	w->id[1] = ident(0x42);
	w->id[2] = ident(0x66);
	hl_line_id(&w->id[0]->pub, &w->id[1]->pub, w->line);
	for (int t = 0; t < NSTEPS; t++) {
		int s = pat_side[t % 8], o = 1 - s;
		gent *g = &w->e[t];
		hl_entry e;

		if (pat_sees[t % 8])
			known[s] = last[o];
		memset(&e, 0, sizeof e);
		e.version = HL_ENTRY_VERSION;
		e.kind = t % 5 == 4 && known[s] ? HL_KIND_ACK : t % 7 == 3 ? HL_KIND_TEST : HL_KIND_MESSAGE;
		e.precedence = (uint8_t)(t % 4);
		e.flags = t % 9 == 0 ? HL_FLAG_EXERCISE : 0;
		memcpy(e.line_id, w->line, 32);
		memcpy(e.author, w->id[s]->pub.ed, 32);
		e.seq = last[s] + 1;
		if (last[s])
			memcpy(e.prev, w->e[idx_of[s][last[s]]].hash, 32);
		e.peer_seq = t == back_step ? linked[s] - 1 : known[s];
		if (e.peer_seq)
			memcpy(e.peer_hash, w->e[idx_of[o][e.peer_seq]].hash, 32);
		if (e.kind == HL_KIND_ACK) {
			e.nrefs = 1;
			memcpy(e.refs[0], e.peer_hash, 32);
		}
		e.time_ms = T0 + (uint64_t)t * 1000 + (uint64_t)s * 7;
		strcpy(e.operator_name, s ? "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2" : "smith");
		strcpy(e.lang, s ? "ru" : "en-US");
		snprintf(body, sizeof body, "%s %d: %s", s ? "\xd0\xa1\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89"
			 "\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5" : "Message", t,
			 s == alter_side && e.seq == alter_seq ? "ALTERED" : "the line is up.");
		e.body = (const uint8_t *)body;
		e.body_len = (uint32_t)strlen(body);
		assert_int_equal(hl_entry_sign(&e, w->id[s]), 0);
		hl_buf_init(&g->enc, HL_MAX_ENTRY);
		assert_int_equal(hl_entry_encode(&e, &g->enc), 0);
		hl_entry_hash(g->enc.p, g->enc.len, g->hash);
		g->side = s;
		g->seq = e.seq;
		g->peer_seq = e.peer_seq;
		last[s] = e.seq;
		linked[s] = e.peer_seq;
		idx_of[s][e.seq] = t;
	}
	w->n = NSTEPS;
}

static void gen_world(world *w, int alter_side, uint64_t alter_seq)
{
	gen_world_back(w, alter_side, alter_seq, -1);
}

static void free_world(world *w)
{
	for (int i = 0; i < w->n; i++)
		hl_buf_free(&w->e[i].enc);
	for (int i = 0; i < 3; i++)
		hl_keys_free(w->id[i]);
}

/* One record of a built file, for locating expectations. */
typedef struct {
	uint8_t type;
	int side;          /* file side (0 = header's key A) */
	uint64_t seq, peer_seq;
	size_t off, len;   /* whole record */
} frec;

typedef struct {
	hl_buf b;
	frec r[NSTEPS + 8];
	int nr;
	size_t hdr_len;
} tfile;

typedef struct {
	int kind;
	int exporter;        /* world side that is the header's A and signs END */
	int lo, hi;          /* steps included */
	int no_anchor;
	int no_rcpt;
	uint64_t lag[2];     /* receipt by file side s names the other's last - lag */
	int swap_header;     /* header names the keys (and names) the other way round */
	const hl_receipt *extra; /* an extra receipt after the others */
	const hl_buf *c1, *c2;   /* proof entries */
	int replace;         /* step whose encoding is replaced by repl (-1 none) */
	const hl_buf *repl;
} bopts;

static void add_rec(tfile *f, uint8_t type, int side, uint64_t seq, uint64_t peer, size_t off)
{
	frec *r = &f->r[f->nr++];
	r->type = type;
	r->side = side;
	r->seq = seq;
	r->peer_seq = peer;
	r->off = off;
	r->len = f->b.len - off;
}

static void build(const world *w, const bopts *o, tfile *f)
{
	const hl_identity *ex = w->id[o->exporter];
	uint64_t from[2] = { 0, 0 }, to[2] = { 0, 0 };
	hl_hlt_header h;
	hl_hlt_writer wr;
	size_t off;

	memset(f, 0, sizeof *f);
	hl_buf_init(&f->b, 1 << 22);
	for (int t = o->lo; t <= o->hi && o->kind != HL_HLT_PROOF; t++) {
		int fs = w->e[t].side ^ o->exporter;
		if (!from[fs])
			from[fs] = w->e[t].seq;
		to[fs] = w->e[t].seq;
	}
	memset(&h, 0, sizeof h);
	h.kind = (uint8_t)o->kind;
	h.key_a = w->id[o->exporter ^ o->swap_header]->pub;
	h.key_b = w->id[1 ^ o->exporter ^ o->swap_header]->pub;
	memcpy(h.line_id, w->line, 32);
	h.exported_ms = T0 + 3600000;
	h.a_from = from[0];
	h.a_to = to[0];
	h.b_from = from[1];
	h.b_to = to[1];
	strcpy(h.name_a, (o->exporter ^ o->swap_header) ? "moscow" : "washington");
	strcpy(h.name_b, (o->exporter ^ o->swap_header) ? "washington" : "moscow");
	assert_int_equal(hl_hlt_writer_start(&wr, &h, &f->b), 0);
	f->hdr_len = f->b.len;
	if (o->kind == HL_HLT_RANGE && !o->no_anchor) {
		for (int fs = 0; fs < 2; fs++) {
			if (from[fs] <= 1)
				continue;
			for (int t = 0; t < w->n; t++) {
				const gent *g = &w->e[t];
				if ((g->side ^ o->exporter) != fs || g->seq != from[fs] - 1)
					continue;
				const hl_buf *enc_of = t == o->replace ? o->repl : &g->enc;
				off = f->b.len;
				assert_int_equal(hl_hlt_writer_entry(&wr, &f->b, HL_HLT_ANCHOR,
								     fs ^ o->swap_header, enc_of->p,
								     enc_of->len), 0);
				add_rec(f, HL_HLT_ANCHOR, fs, g->seq, g->peer_seq, off);
			}
		}
	}
	for (int t = o->lo; t <= o->hi && o->kind != HL_HLT_PROOF; t++) {
		const gent *g = &w->e[t];
		const hl_buf *enc = t == o->replace ? o->repl : &g->enc;
		int fs = g->side ^ o->exporter;
		off = f->b.len;
		assert_int_equal(hl_hlt_writer_entry(&wr, &f->b, HL_HLT_ENTRY, fs ^ o->swap_header,
						     enc->p, enc->len), 0);
		add_rec(f, HL_HLT_ENTRY, fs, g->seq, g->peer_seq, off);
	}
	for (int fs = 0; fs < 2 && o->kind != HL_HLT_PROOF && !o->no_rcpt; fs++) {
		int ws = fs ^ o->exporter; /* receiver, world side */
		uint64_t seq = to[1 - fs] > o->lag[fs] ? to[1 - fs] - o->lag[fs] : 0;
		hl_receipt r;
		uint8_t enc[HL_RECEIPT_LEN];
		if (seq == 0 || seq < from[1 - fs])
			continue;
		memset(&r, 0, sizeof r);
		memcpy(r.line_id, w->line, 32);
		memcpy(r.receiver, w->id[ws]->pub.ed, 32);
		r.seq = seq;
		for (int t = 0; t < w->n; t++)
			if (w->e[t].side == 1 - ws && w->e[t].seq == seq)
				memcpy(r.hash, w->e[t].hash, 32);
		r.time_ms = T0 + 3000000 + (uint64_t)fs;
		assert_int_equal(hl_receipt_sign(&r, w->id[ws]), 0);
		hl_receipt_encode(&r, enc);
		off = f->b.len;
		assert_int_equal(hl_hlt_writer_receipt(&wr, &f->b, enc, sizeof enc), 0);
		add_rec(f, HL_HLT_RECEIPT, fs, seq, 0, off);
	}
	if (o->extra) {
		uint8_t enc[HL_RECEIPT_LEN];
		hl_receipt_encode(o->extra, enc);
		off = f->b.len;
		assert_int_equal(hl_hlt_writer_receipt(&wr, &f->b, enc, sizeof enc), 0);
		add_rec(f, HL_HLT_RECEIPT, -1, o->extra->seq, 0, off);
	}
	if (o->c1) {
		off = f->b.len;
		assert_int_equal(hl_hlt_writer_conflict(&wr, &f->b, o->c1->p, o->c1->len, o->c2->p,
							o->c2->len), 0);
		add_rec(f, HL_HLT_CONFLICT, -1, 0, 0, off);
	}
	off = f->b.len;
	assert_int_equal(hl_hlt_writer_end(&wr, &f->b, ex), 0);
	add_rec(f, HL_HLT_END, -1, 0, 0, off);
}

static void full_opts(bopts *o)
{
	memset(o, 0, sizeof *o);
	o->kind = HL_HLT_FULL;
	o->hi = NSTEPS - 1;
	o->lag[1] = 2; /* B has receipted A up to 18: A has an unreceipted tail */
	o->replace = -1;
}

static int verify_into(const uint8_t *p, size_t n, const hl_pubkey *pin, hl_verify_report *rep,
		       hl_verifier **keep)
{
	hl_verify_opts o = { .pin = pin };
	hl_verifier *v = NULL;
	int fd = memfd_create("hlt", 0), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(hl_verifier_new(&v), 0);
	rc = hl_verifier_run(v, fd, &o, rep);
	close(fd);
	assert_int_equal(rc, 0);
	assert_true(rep->ok == (rep->rule == HL_VR_OK));
	if (keep)
		*keep = v;
	else
		hl_verifier_free(v);
	return rep->ok;
}

static void check(const uint8_t *p, size_t n, hl_verify_report *rep)
{
	verify_into(p, n, NULL, rep, NULL);
}

static void expect(const hl_verify_report *rep, int rule, uint64_t off, const char *what)
{
	if (rep->rule != rule || rep->fail_offset != off)
		fail_msg("%s: got rule %s at %llu (%s), want %s at %llu", what,
			 hl_verify_rule_name(rep->rule), (unsigned long long)rep->fail_offset,
			 rep->msg, hl_verify_rule_name(rule), (unsigned long long)off);
}

static int setup(void **state)
{
	world *w = calloc(1, sizeof *w);
	if (!w || sodium_init() < 0)
		return -1;
	gen_world(w, -1, 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	free_world(w);
	free(w);
	return 0;
}

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

static int step_of(const world *w, int side, uint64_t seq)
{
	for (int t = 0; t < w->n; t++)
		if (w->e[t].side == side && w->e[t].seq == seq)
			return t;
	fail_msg("no entry %d/%llu", side, (unsigned long long)seq);
	return -1;
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
		cmocka_unit_test(test_valid_full),
		cmocka_unit_test(test_tamper_every_field),
		cmocka_unit_test(test_delete_each_entry),
		cmocka_unit_test(test_swap_neighbours),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_foreign_signatures),
		cmocka_unit_test(test_forked_entries),
		cmocka_unit_test(test_xlink_backwards),
		cmocka_unit_test(test_receipts),
		cmocka_unit_test(test_header_and_trailer),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_proof),
		cmocka_unit_test(test_against),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
