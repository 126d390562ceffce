/* hlt_make.c — writes a synthetic but valid .hlt transcript: two stations
 * from fixed seeds, N entries each in bursts with stale and fresh
 * cross-links, receipts both ways; or a range of it, or an equivocation
 * proof. Streams with flat memory (used by tests and bench/verify_bench). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/entry.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "record/transcript.h"

#define T0 1764205200000ull   /* 2025-11-27 01:00:00Z */
#define FLUSH_AT (1u << 20)

typedef struct {
	uint64_t n;            /* entries per side */
	uint64_t lo, hi;       /* range: positions in the merged stream, 1-based */
	int range, proof;
	uint64_t lag[2];       /* receipt by side s names the other's last - lag */
	size_t body;
	uint64_t seed;
	const char *out, *keys_out;
	char names[2][HL_MAX_NAME + 1];
} opts;

typedef struct {
	uint64_t s;
} rng;

static uint64_t next(rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static const char *const phrases[2][6] = {
	{ "Test of the line, please confirm. ", "We have received your note of this morning. ",
	  "The delegation will arrive at ten. ", "No change in the situation here. ",
	  "Please acknowledge the previous message. ", "Our translator is on duty until six. " },
	{ "\xd0\x9f\xd1\x80\xd0\xbe\xd0\xb2\xd0\xb5\xd1\x80\xd0\xba\xd0\xb0 \xd0\xbb\xd0\xb8\xd0\xbd"
	  "\xd0\xb8\xd0\xb8. ",
	  "\xd0\x92\xd0\xb0\xd1\x88\xd0\xb5 \xd1\x81\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd"
	  "\xd0\xb8\xd0\xb5 \xd0\xbf\xd0\xbe\xd0\xbb\xd1\x83\xd1\x87\xd0\xb5\xd0\xbd\xd0\xbe. ",
	  "Received, thank you. ", "\xd0\x91\xd0\xb5\xd0\xb7 \xd0\xb8\xd0\xb7\xd0\xbc\xd0\xb5\xd0\xbd"
	  "\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb9. ",
	  "Confirm the time of the call. ", "\xd0\x94\xd0\xb5\xd0\xb6\xd1\x83\xd1\x80\xd0\xbd\xd1\x8b"
	  "\xd0\xb9 \xd0\xbd\xd0\xb0 \xd0\xbc\xd0\xb5\xd1\x81\xd1\x82\xd0\xb5. " },
};

/* The schedule depends on the generator only, so a first pass can find a
 * range's seqs without signing anything. */
typedef struct {
	rng r;
	uint64_t last[2], known[2], pos;
	int side;
} sched;

static void sched_init(sched *s, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->r.s = seed * 0x9e3779b97f4a7c15ull + 1;
}

/* Next author; updates its knowledge of the other side. -1 when done. */
static int sched_next(sched *s, uint64_t n, int *sees)
{
	uint64_t x;
	int side;

	if (s->last[0] == n && s->last[1] == n)
		return -1;
	x = next(&s->r);
	side = (x & 0xff) < 166 ? s->side : 1 - s->side; /* bursts */
	if (s->last[side] == n)
		side = 1 - side;
	*sees = ((x >> 8) & 3) != 0;
	if (*sees)
		s->known[side] = s->last[1 - side];
	s->last[side]++;
	s->side = side;
	s->pos++;
	return side;
}

static int flush(int fd, hl_buf *b)
{
	size_t o = 0;

	while (o < b->len) {
		ssize_t w = write(fd, b->p + o, b->len - o);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		o += (size_t)w;
	}
	hl_buf_reset(b);
	return 0;
}

static int make_entry(const hl_identity *id, const uint8_t line[32], uint64_t seq,
		      const uint8_t prev[32], uint64_t peer_seq, const uint8_t peer_hash[32],
		      uint64_t t_ms, int side, rng *r, size_t body_len, hl_buf *out)
{
	char body[HL_MAX_BODY + 1];
	size_t n = 0;
	hl_entry e;
	uint64_t x = next(r);

	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = peer_seq && x % 11 == 0 ? HL_KIND_ACK : x % 29 == 0 ? HL_KIND_TEST : HL_KIND_MESSAGE;
	e.precedence = (uint8_t)((x >> 8) % 13 == 0 ? HL_PREC_FLASH : (x >> 8) % 4 == 0 ?
				 HL_PREC_PRIORITY : HL_PREC_ROUTINE);
	memcpy(e.line_id, line, 32);
	memcpy(e.author, id->pub.ed, 32);
	e.seq = seq;
	if (prev)
		memcpy(e.prev, prev, 32);
	e.peer_seq = peer_seq;
	if (peer_seq)
		memcpy(e.peer_hash, peer_hash, 32);
	if (e.kind == HL_KIND_ACK) {
		e.nrefs = 1;
		memcpy(e.refs[0], peer_hash, 32);
	}
	e.time_ms = t_ms;
	strcpy(e.operator_name, side ? "ivanov" : "smith");
	strcpy(e.lang, side ? "ru" : "en");
	do {
		const char *p = phrases[side][(x >> 16) % 6];
		size_t k = strlen(p);
		if (n + k > body_len && n > 0)
			break;
		if (n + k > HL_MAX_BODY)
			break;
		memcpy(body + n, p, k);
		n += k;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	} while (n < body_len);
	e.body = (const uint8_t *)body;
	e.body_len = (uint32_t)n;
	if (hl_entry_sign(&e, id) < 0)
		return -1;
	return hl_entry_encode(&e, out);
}

static int write_keys(const opts *o, hl_identity *id[2])
{
	char path[HL_MAX_PATH + 1], key[HL_PUBKEY_B64_LEN + 1];

	for (int s = 0; s < 2; s++) {
		FILE *f;
		snprintf(path, sizeof path, "%s.%c.pub", o->keys_out, s ? 'b' : 'a');
		f = fopen(path, "w");
		if (!f)
			return -1;
		hl_pubkey_encode(&id[s]->pub, key);
		fprintf(f, "%s\n", key);
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}

static int make_receipt(const hl_identity *id, const uint8_t line[32], uint64_t seq,
			const uint8_t hash[32], uint64_t t_ms, hl_hlt_writer *w, hl_buf *out)
{
	hl_receipt r;
	uint8_t enc[HL_RECEIPT_LEN];

	memset(&r, 0, sizeof r);
	memcpy(r.line_id, line, 32);
	memcpy(r.receiver, id->pub.ed, 32);
	r.seq = seq;
	memcpy(r.hash, hash, 32);
	r.time_ms = t_ms;
	if (hl_receipt_sign(&r, id) < 0)
		return -1;
	hl_receipt_encode(&r, enc);
	return hl_hlt_writer_receipt(w, out, enc, sizeof enc);
}

static int run(const opts *o, hl_identity *id[2], int fd)
{
	uint64_t from[2] = { 0, 0 }, to[2] = { 0, 0 }, want[2], t = T0;
	uint8_t line[32], last_hash[2][32], known_hash[2][32], rcpt_hash[2][32];
	hl_buf out, enc[2];
	hl_hlt_header h;
	hl_hlt_writer w;
	sched sc;
	rng r = { o->seed + 7 };
	int side, sees, rc = -1;

	hl_buf_init(&out, 1u << 24);
	hl_buf_init(&enc[0], HL_MAX_ENTRY);
	hl_buf_init(&enc[1], HL_MAX_ENTRY);
	hl_line_id(&id[0]->pub, &id[1]->pub, line);
	memset(&h, 0, sizeof h);
	h.kind = o->proof ? HL_HLT_PROOF : o->range ? HL_HLT_RANGE : HL_HLT_FULL;
	h.key_a = id[0]->pub;
	h.key_b = id[1]->pub;
	memcpy(h.line_id, line, 32);
	h.exported_ms = T0 + o->n * 2 * 61000 + 3600000; /* after every entry */
	memcpy(h.name_a, o->names[0], sizeof h.name_a);
	memcpy(h.name_b, o->names[1], sizeof h.name_b);
	if (!o->proof) {
		sched_init(&sc, o->seed);
		while ((side = sched_next(&sc, o->n, &sees)) >= 0) {
			if (o->range && (sc.pos < o->lo || sc.pos > o->hi))
				continue;
			if (!from[side])
				from[side] = sc.last[side];
			to[side] = sc.last[side];
		}
		h.a_from = from[0];
		h.a_to = to[0];
		h.b_from = from[1];
		h.b_to = to[1];
	}
	if (hl_hlt_writer_start(&w, &h, &out) < 0)
		goto out;
	if (o->proof) {
		uint8_t prev[32];
		memset(prev, 0x3c, sizeof prev);
		if (make_entry(id[1], line, 3, prev, 0, NULL, T0, 1, &r, o->body, &enc[0]) < 0 ||
		    make_entry(id[1], line, 3, prev, 0, NULL, T0, 1, &r, o->body + 40, &enc[1]) < 0 ||
		    hl_hlt_writer_conflict(&w, &out, enc[0].p, enc[0].len, enc[1].p, enc[1].len) < 0)
			goto out;
		goto end;
	}
	for (int s = 0; s < 2; s++)
		want[s] = to[1 - s] > o->lag[s] ? to[1 - s] - o->lag[s] : 0;
	sched_init(&sc, o->seed);
	while ((side = sched_next(&sc, o->n, &sees)) >= 0) {
		int other = 1 - side;
		if (o->range && sc.pos == o->lo) /* anchors: each side's entry before its first */
			for (int s = 0; s < 2; s++)
				if (from[s] > 1 && hl_hlt_writer_entry(&w, &out, HL_HLT_ANCHOR, s,
								       enc[s].p, enc[s].len) < 0)
					goto out;
		if (sees)
			memcpy(known_hash[side], last_hash[other], 32);
		t += 1000 + next(&r) % 60000;
		if (make_entry(id[side], line, sc.last[side], sc.last[side] > 1 ? last_hash[side] : NULL,
			       sc.known[side], known_hash[side], t, side, &r, o->body, &enc[side]) < 0)
			goto out;
		hl_entry_hash(enc[side].p, enc[side].len, last_hash[side]);
		if (sc.last[side] == want[other])
			memcpy(rcpt_hash[other], last_hash[side], 32);
		if (!o->range || (sc.pos >= o->lo && sc.pos <= o->hi))
			if (hl_hlt_writer_entry(&w, &out, HL_HLT_ENTRY, side, enc[side].p,
						enc[side].len) < 0)
				goto out;
		if (out.len >= FLUSH_AT && flush(fd, &out) < 0)
			goto out;
	}
	for (int s = 0; s < 2; s++)
		if (want[s] && want[s] >= from[1 - s] &&
		    make_receipt(id[s], line, want[s], rcpt_hash[s], t + 4000 + (uint64_t)s, &w, &out) < 0)
			goto out;
end:
	if (hl_hlt_writer_end(&w, &out, id[0]) < 0 || flush(fd, &out) < 0)
		goto out;
	rc = 0;
out:
	hl_buf_free(&out);
	hl_buf_free(&enc[0]);
	hl_buf_free(&enc[1]);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: hlt_make [-n N] [-o FILE] [--seed S] [--range LO:HI] [--proof]\n"
			"                [--body BYTES] [--unreceipted A,B] [--names A,B] [--keys-out PREFIX]\n"
			"  -n N          entries per station (default 20)\n"
			"  --range LO:HI only the entries at positions LO..HI of the merged stream\n"
			"                (1-based, a time window), with anchors\n"
			"  --proof       an equivocation proof (station B signed two seq 3)\n"
			"  --unreceipted A,B  entries of A (of B) after the other's receipt (default 0,0)\n"
			"  --keys-out P  also write P.a.pub and P.b.pub\n");
}

int main(int argc, char **argv)
{
	opts o;
	uint8_t seed[HL_SEED_LEN];
	hl_identity *id[2] = { NULL, NULL };
	int fd = STDOUT_FILENO, rc = 1;

	memset(&o, 0, sizeof o);
	o.n = 20;
	o.body = 90;
	strcpy(o.names[0], "washington");
	strcpy(o.names[1], "moscow");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long x, y;
		if (strcmp(a, "--proof") == 0) {
			o.proof = 1;
			continue;
		}
		if (!v) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(a, "-n") == 0)
			o.n = strtoull(v, NULL, 10);
		else if (strcmp(a, "-o") == 0)
			o.out = v;
		else if (strcmp(a, "--seed") == 0)
			o.seed = strtoull(v, NULL, 10);
		else if (strcmp(a, "--body") == 0)
			o.body = strtoul(v, NULL, 10);
		else if (strcmp(a, "--keys-out") == 0)
			o.keys_out = v;
		else if (strcmp(a, "--range") == 0 && sscanf(v, "%llu:%llu", &x, &y) == 2 && x >= 1 && x <= y) {
			o.range = 1;
			o.lo = x;
			o.hi = y;
		} else if (strcmp(a, "--unreceipted") == 0 && sscanf(v, "%llu,%llu", &x, &y) == 2) {
			o.lag[1] = x; /* A's tail: B's receipt lags */
			o.lag[0] = y;
		} else if (strcmp(a, "--names") == 0 && strchr(v, ',') &&
			   (size_t)(strchr(v, ',') - v) <= HL_MAX_NAME && strlen(strchr(v, ',') + 1) <= HL_MAX_NAME) {
			snprintf(o.names[0], sizeof o.names[0], "%.*s", (int)(strchr(v, ',') - v), v);
			snprintf(o.names[1], sizeof o.names[1], "%s", strchr(v, ',') + 1);
		} else {
			usage();
			return 2;
		}
	}
	if (o.n == 0 || o.body > HL_MAX_BODY - 64 || sodium_init() < 0) {
		usage();
		return 2;
	}
	for (int s = 0; s < 2; s++) {
		memset(seed, 0, sizeof seed);
		memcpy(seed, &o.seed, sizeof o.seed);
		seed[31] = (uint8_t)(0xa0 + s);
		if (hl_keys_from_seed(seed, &id[s]) < 0)
			goto out;
	}
	if (o.keys_out && write_keys(&o, id) < 0) {
		fprintf(stderr, "hlt_make: cannot write keys: %s\n", strerror(errno));
		goto out;
	}
	if (o.out && (fd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "hlt_make: %s: %s\n", o.out, strerror(errno));
		goto out;
	}
	if (run(&o, id, fd) < 0)
		fprintf(stderr, "hlt_make: failed to write the transcript\n");
	else
		rc = 0;
	if (o.out && close(fd) != 0)
		rc = 1;
out:
	hl_keys_free(id[0]);
	hl_keys_free(id[1]);
	return rc;
}
