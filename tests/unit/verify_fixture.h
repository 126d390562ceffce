/* verify_fixture.h — the two-sided record the verifier tests tamper with:
 * a generated world of entries (gen_world), built into a .hlt transcript
 * with options (build), and the checks on the report. Header-only: each
 * test_*.c is its own program; tests/unit/test_verify*.c share it. */
#ifndef HL_VERIFY_FIXTURE_H
#define HL_VERIFY_FIXTURE_H

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

#include "record/entry.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "record/transcript.h"
#include "record/verify.h"

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

/* The step at which side wrote seq. */
static int step_of(const world *w, int side, uint64_t seq)
{
	for (int t = 0; t < w->n; t++)
		if (w->e[t].side == side && w->e[t].seq == seq)
			return t;
	fail_msg("no entry %d/%llu", side, (unsigned long long)seq);
	return -1;
}

#endif
