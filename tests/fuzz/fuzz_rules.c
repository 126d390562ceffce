/* fuzz_rules.c — libFuzzer target: the receiving rules (hl_rules_check) for
 * an arbitrary entry against an arbitrary small receiver's view, compared
 * with a model of docs/PROTOCOL.md's rules written here: ACCEPT only for the
 * author's next seq with a valid signature, the right prev and an exact
 * cross-link that does not go below the head's; RESEND only for the identical
 * bytes; EQUIVOCATION only for a validly signed different entry at a held
 * seq. Input layout:
 *   line_id 32 | peer_author 32 | head_seq u64 | head_link u64 |
 *   n_peer u8 | n_own u8 |
 *   peer hashes (seqs head-n_peer+1 .. head) | own hashes (seqs 1..n_own) |
 *   entry encoding
 * Seeds: tests/fuzz/gen/gen_seeds.c, from the entry vectors. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "entry.h"
#include "err.h"
#include "rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_rules: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

#define MAX_HELD 8u
#define VIEW_FIXED (32 + 32 + 8 + 8 + 1 + 1)

typedef struct {
	uint64_t head;
	unsigned n_peer, n_own;
	const uint8_t *peer; /* n_peer hashes: seqs head - n_peer + 1 .. head */
	const uint8_t *own;  /* n_own hashes: seqs 1 .. n_own */
} store;

static int peer_at(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN])
{
	const store *s = ctx;

	/* The rules may ask only for seqs they know are held. */
	CHECK(seq >= 1 && seq <= s->head);
	if (s->head - seq >= s->n_peer)
		return HL_ERR_NOTFOUND;
	memcpy(out, s->peer + (s->n_peer - 1 - (s->head - seq)) * HL_HASH_LEN, HL_HASH_LEN);
	return 0;
}

static int own_at(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN])
{
	const store *s = ctx;

	CHECK(seq >= 1);
	if (seq > s->n_own)
		return HL_ERR_NOTFOUND;
	memcpy(out, s->own + (seq - 1) * HL_HASH_LEN, HL_HASH_LEN);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

/* What the rules must answer, decided from the view and the entry alone. */
static int model(const hl_rules_view *v, const store *s, const hl_entry *e,
		 const uint8_t hash[HL_HASH_LEN])
{
	static const uint8_t zero[HL_HASH_LEN];
	uint8_t h[HL_HASH_LEN];
	int rc;

	if (memcmp(e->line_id, v->line_id, HL_HASH_LEN) != 0 ||
	    memcmp(e->author, v->peer_author, 32) != 0)
		return HL_ERR_AUTHOR;
	if (hl_entry_verify(e) != 0)
		return HL_ERR_SIG;
	if (e->seq <= s->head) {
		if (peer_at((void *)s, e->seq, h) != 0)
			return HL_ERR_STORE;
		return memcmp(h, hash, HL_HASH_LEN) == 0 ? HL_RULES_RESEND : HL_ERR_EQUIVOCATION;
	}
	if (e->seq != s->head + 1)
		return HL_ERR_GAP;
	if (memcmp(e->prev, e->seq == 1 ? zero : v->peer_head_hash, HL_HASH_LEN) != 0)
		return HL_ERR_PREV;
	if (e->seq > 1 && e->peer_seq < v->peer_head_link)
		return HL_ERR_XLINK_BACK;
	if (e->peer_seq == 0)
		return memcmp(e->peer_hash, zero, HL_HASH_LEN) == 0 ? HL_RULES_ACCEPT : HL_ERR_PEERHASH;
	rc = own_at((void *)s, e->peer_seq, h);
	if (rc != 0 || memcmp(h, e->peer_hash, HL_HASH_LEN) != 0)
		return HL_ERR_PEERHASH;
	return HL_RULES_ACCEPT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hash[HL_HASH_LEN];
	hl_rules_view v;
	hl_entry e;
	store s;
	size_t off;
	int rc, want;

	if (size < VIEW_FIXED)
		return 0;
	memset(&s, 0, sizeof s);
	s.head = hl_be64_get(data + 64);
	s.n_peer = s.head ? 1u + data[80] % MAX_HELD : 0;
	if (s.n_peer > s.head)
		s.n_peer = (unsigned)s.head;
	s.n_own = data[81] % (MAX_HELD + 1);
	off = VIEW_FIXED + (size_t)(s.n_peer + s.n_own) * HL_HASH_LEN;
	if (size < off)
		return 0;
	s.peer = data + VIEW_FIXED;
	s.own = s.peer + (size_t)s.n_peer * HL_HASH_LEN;

	memset(&v, 0, sizeof v);
	v.line_id = data;
	v.peer_author = data + 32;
	v.peer_head_seq = s.head;
	v.peer_head_hash = s.head ? s.peer + (size_t)(s.n_peer - 1) * HL_HASH_LEN : NULL;
	v.peer_head_link = s.head ? hl_be64_get(data + 72) : 0;
	v.peer_hash_at = peer_at;
	v.own_hash_at = own_at;
	v.ctx = &s;

	if (hl_entry_decode(data + off, size - off, &e) != 0)
		return 0;
	hl_entry_hash(data + off, size - off, hash);

	rc = hl_rules_check(&v, &e, hash);
	want = model(&v, &s, &e, hash);
	if (rc != want)
		fprintf(stderr, "fuzz_rules: rules say %d, the model %d (seq %llu, head %llu)\n", rc,
			want, (unsigned long long)e.seq, (unsigned long long)s.head);
	CHECK(rc == want);
	/* The same question gets the same answer (nothing kept between calls). */
	CHECK(hl_rules_check(&v, &e, hash) == rc);
	if (rc == HL_RULES_ACCEPT)
		CHECK(e.seq == s.head + 1 && hl_entry_verify(&e) == 0 &&
		      (e.seq == 1 || e.peer_seq >= v.peer_head_link));
	return 0;
}
