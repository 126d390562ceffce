/* entry_vectors.c — prints the entry test vectors of tests/vectors/entries.txt:
 * three entries of one line and a receipt, from fixed seeds, signed
 * deterministically (Ed25519 signatures depend only on key and message).
 * tests/unit/test_entry_vectors.c includes this file to regenerate them. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "record/entry.h"
#include "util/err.h"
#include "util/text.h"

/* Station A ("washington"): seed 00 01 .. 1f. Station B ("moscow"): seed
 * 20 21 .. 3f. The X25519 halves are fixed placeholder bytes (aa.., bb..),
 * not derived from the seed: entries use only the Ed25519 key, and the line
 * id hashes whatever 64-byte station keys the two sides pinned. */
#define VEC_TIME_MS 1795000000000ull

struct vec_spec {
	int author;            /* 0 = A, 1 = B */
	uint8_t kind, precedence;
	uint16_t flags;
	uint64_t seq;
	int prev_vec;          /* index of the author's previous vector, -1 for none */
	int peer_vec;          /* newest vector of the other station held, -1 for none */
	int ref_vec;           /* vector this one answers, -1 for none */
	uint64_t time_offset_ms;
	const char *operator_name, *lang, *body, *description;
};

#define VEC_N 3

static const struct vec_spec vec_specs[VEC_N] = {
	{ 0, HL_KIND_MESSAGE, HL_PREC_ROUTINE, 0, 1, -1, -1, -1, 0, "smith", "en",
	  "THE QUICK BROWN FOX JUMPED OVER THE LAZY DOG'S BACK 1234567890\n",
	  "A seq 1: MESSAGE, routine, English, no cross-link yet" },
	{ 1, HL_KIND_ACK, HL_PREC_ROUTINE, 0, 1, -1, 0, 0, 60000, "Иванов", "ru",
	  "Получено.",
	  "B seq 1: ACK of vector 1 (one ref), cross-linked to A seq 1" },
	{ 1, HL_KIND_MESSAGE, HL_PREC_FLASH, HL_FLAG_EXERCISE, 2, 1, 0, -1, 120000, "Иванов",
	  "ru", "Учения. Проверка канала: срочное сообщение.\nКак слышите?",
	  "B seq 2: MESSAGE, FLASH, exercise flag, Russian, prev = vector 2, "
	  "cross-linked to A seq 1" },
};

static hl_identity *vec_identity(int station)
{
	hl_identity *id = sodium_malloc(sizeof *id);
	if (!id)
		return NULL;
	for (unsigned i = 0; i < HL_SEED_LEN; i++)
		id->seed[i] = (uint8_t)(station * 0x20 + i);
	if (crypto_sign_ed25519_seed_keypair(id->pub.ed, id->ed_sk, id->seed) != 0) {
		sodium_free(id);
		return NULL;
	}
	memset(id->x_sk, 0, sizeof id->x_sk); /* unused by entries */
	memset(id->pub.x, station ? 0xbb : 0xaa, sizeof id->pub.x);
	return id;
}

static void vec_print_hex(FILE *out, const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * 32 + 1];

	fprintf(out, "%s = ", key);
	for (size_t off = 0; off < n; off += 32) {
		size_t k = n - off < 32 ? n - off : 32;
		hl_hex(p + off, k, hex);
		fputs(hex, out);
	}
	fputc('\n', out);
}

/* Builds vector i (earlier hashes in hashes[]), prints it, stores its hash. */
static int vec_one(FILE *out, int i, hl_identity *const st[2], const uint8_t line[HL_HASH_LEN],
		   uint8_t hashes[VEC_N][HL_HASH_LEN])
{
	const struct vec_spec *s = &vec_specs[i];
	const hl_identity *me = st[s->author], *peer = st[!s->author];
	hl_entry e;
	hl_buf enc;
	int rc;

	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = s->kind;
	e.precedence = s->precedence;
	e.flags = s->flags;
	memcpy(e.line_id, line, HL_HASH_LEN);
	memcpy(e.author, me->pub.ed, 32);
	e.seq = s->seq;
	if (s->prev_vec >= 0)
		memcpy(e.prev, hashes[s->prev_vec], HL_HASH_LEN);
	if (s->peer_vec >= 0) {
		e.peer_seq = vec_specs[s->peer_vec].seq;
		memcpy(e.peer_hash, hashes[s->peer_vec], HL_HASH_LEN);
	}
	e.time_ms = VEC_TIME_MS + s->time_offset_ms;
	snprintf(e.operator_name, sizeof e.operator_name, "%s", s->operator_name);
	snprintf(e.lang, sizeof e.lang, "%s", s->lang);
	if (s->ref_vec >= 0) {
		e.nrefs = 1;
		memcpy(e.refs[0], hashes[s->ref_vec], HL_HASH_LEN);
	}
	e.body = (const uint8_t *)s->body;
	e.body_len = (uint32_t)strlen(s->body);

	if ((rc = hl_entry_sign(&e, me)) < 0)
		return rc;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	if ((rc = hl_entry_encode(&e, &enc)) < 0)
		goto out;
	hl_entry_hash(enc.p, enc.len, hashes[i]);

	fprintf(out, "\n[vector %d]\n", i + 1);
	fprintf(out, "# %s\n", s->description);
	vec_print_hex(out, "author_seed", me->seed, HL_SEED_LEN);
	vec_print_hex(out, "author_ed25519", me->pub.ed, 32);
	vec_print_hex(out, "author_x25519", me->pub.x, 32);
	vec_print_hex(out, "peer_ed25519", peer->pub.ed, 32);
	vec_print_hex(out, "peer_x25519", peer->pub.x, 32);
	vec_print_hex(out, "line_id", line, HL_HASH_LEN);
	fprintf(out, "entry_len = %zu\n", enc.len);
	vec_print_hex(out, "entry", enc.p, enc.len);
	vec_print_hex(out, "hash", hashes[i], HL_HASH_LEN);
out:
	hl_buf_free(&enc);
	return rc;
}

/* Station A's receipt for B's entries up to the last vector (B seq 2). */
static int vec_receipt(FILE *out, const hl_identity *signer, const uint8_t line[HL_HASH_LEN],
		       const uint8_t hash[HL_HASH_LEN])
{
	hl_receipt r;
	uint8_t enc[HL_RECEIPT_LEN];
	int rc;

	memset(&r, 0, sizeof r);
	memcpy(r.line_id, line, HL_HASH_LEN);
	memcpy(r.receiver, signer->pub.ed, 32);
	r.seq = vec_specs[VEC_N - 1].seq;
	memcpy(r.hash, hash, HL_HASH_LEN);
	r.time_ms = VEC_TIME_MS + 180000;
	if ((rc = hl_receipt_sign(&r, signer)) < 0)
		return rc;
	hl_receipt_encode(&r, enc);
	fprintf(out, "\n[receipt 1]\n");
	fprintf(out, "# A has stored B's entries up to B seq 2 (vector %d)\n", VEC_N);
	vec_print_hex(out, "signer_seed", signer->seed, HL_SEED_LEN);
	vec_print_hex(out, "signer_ed25519", signer->pub.ed, 32);
	vec_print_hex(out, "line_id", line, HL_HASH_LEN);
	vec_print_hex(out, "receipt", enc, sizeof enc);
	return 0;
}

/* Prints every vector to out; 0 or an HL_ERR_* code. */
static int vec_print(FILE *out)
{
	hl_identity *st[2] = { vec_identity(0), vec_identity(1) };
	uint8_t line[HL_HASH_LEN];
	uint8_t hashes[VEC_N][HL_HASH_LEN];
	int rc = 0;

	if (!st[0] || !st[1]) {
		rc = HL_ERR_NOMEM;
		goto out;
	}
	hl_line_id(&st[0]->pub, &st[1]->pub, line);
	fprintf(out, "# hotline entry test vectors, generated by tests/tools/entry_vectors.c;\n"
		     "# format and derivations in docs/PROTOCOL.md (entries section).\n"
		     "# Station A seed = 00 01 .. 1f, station B seed = 20 21 .. 3f (Ed25519\n"
		     "# seeds, crypto_sign_ed25519_seed_keypair). The x25519 halves are fixed\n"
		     "# placeholder bytes (A: 32 x aa, B: 32 x bb), not derived keys.\n"
		     "# Base time %llu ms. All hex is lower case.\n",
		(unsigned long long)VEC_TIME_MS);
	for (int i = 0; i < VEC_N && rc == 0; i++)
		rc = vec_one(out, i, st, line, hashes);
	if (rc == 0)
		rc = vec_receipt(out, st[0], line, hashes[VEC_N - 1]);
out:
	sodium_free(st[0]);
	sodium_free(st[1]);
	return rc;
}

#ifndef ENTRY_VECTORS_NO_MAIN
int main(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "entry_vectors: sodium_init failed\n");
		return 1;
	}
	int rc = vec_print(stdout);
	if (rc < 0) {
		fprintf(stderr, "entry_vectors: %s\n", hl_strerror(rc));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
#endif
