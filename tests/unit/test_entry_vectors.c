/* test_entry_vectors.c — the entry known-answer vectors: regenerates
 * tests/vectors/entries.txt in-process and compares it byte for byte, then
 * checks the file's hex on its own (keys, line id, decode, signature, hash,
 * receiving rules, receipt). Runs with cwd = repo root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#define ENTRY_VECTORS_NO_MAIN
#include "../tools/entry_vectors.c"

#include "record/rules.h"

#define VECTORS_PATH "tests/vectors/entries.txt"
#define FILE_MAX (64u * 1024u)

static char *read_vectors(size_t *len)
{
	FILE *f = fopen(VECTORS_PATH, "rb");
	char *p = malloc(FILE_MAX + 1);
	assert_non_null(f);
	assert_non_null(p);
	*len = fread(p, 1, FILE_MAX + 1, f);
	assert_true(*len > 0 && *len <= FILE_MAX);
	assert_int_equal(fclose(f), 0);
	p[*len] = '\0';
	return p;
}

static void test_regenerate(void **state)
{
	char *gen = NULL;
	size_t gen_len = 0, file_len;
	FILE *m = open_memstream(&gen, &gen_len);
	(void)state;

	assert_non_null(m);
	assert_int_equal(vec_print(m), 0);
	assert_int_equal(fclose(m), 0);
	char *file = read_vectors(&file_len);
	assert_int_equal(gen_len, file_len);
	assert_string_equal(gen, file);
	free(gen);
	free(file);
}

/* One vector as read from the file. */
struct fvec {
	uint8_t seed[32], ed[32], x[32], peer_ed[32], peer_x[32], line[32], hash[32];
	uint8_t entry[HL_MAX_ENTRY];
	size_t entry_len;
};

static void parse_hex_field(const char *val, uint8_t *out, size_t n)
{
	if (hl_unhex(val, out, n) != 0)
		fail_msg("bad hex (want %zu bytes): %.40s", n, val);
}

/* The receipt section. */
struct frec {
	uint8_t seed[32], ed[32], line[32];
	uint8_t receipt[HL_RECEIPT_LEN];
	int seen;
};

static void parse_receipt_field(struct frec *r, const char *key, const char *val)
{
	if (!strcmp(key, "signer_seed"))
		parse_hex_field(val, r->seed, 32);
	else if (!strcmp(key, "signer_ed25519"))
		parse_hex_field(val, r->ed, 32);
	else if (!strcmp(key, "line_id"))
		parse_hex_field(val, r->line, 32);
	else if (!strcmp(key, "receipt"))
		parse_hex_field(val, r->receipt, HL_RECEIPT_LEN);
	else
		fail_msg("unknown receipt key %s", key);
}

/* Parses "key = value" lines inside "[vector N]" and "[receipt 1]" sections. */
static int parse_file(char *text, struct fvec *v, int max, struct frec *rec)
{
	int n = 0, in_receipt = 0;
	size_t declared_len = 0;

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		if (strncmp(line, "[vector ", 8) == 0) {
			assert_true(n < max && !in_receipt);
			assert_int_equal(strtoul(line + 8, NULL, 10), n + 1);
			memset(&v[n++], 0, sizeof v[0]);
			continue;
		}
		if (strcmp(line, "[receipt 1]") == 0) {
			memset(rec, 0, sizeof *rec);
			rec->seen = in_receipt = 1;
			continue;
		}
		char *eq = strstr(line, " = ");
		assert_non_null(eq);
		assert_true(n > 0);
		*eq = '\0';
		const char *key = line, *val = eq + 3;
		struct fvec *c = &v[n - 1];
		if (in_receipt)
			parse_receipt_field(rec, key, val);
		else if (!strcmp(key, "author_seed"))
			parse_hex_field(val, c->seed, 32);
		else if (!strcmp(key, "author_ed25519"))
			parse_hex_field(val, c->ed, 32);
		else if (!strcmp(key, "author_x25519"))
			parse_hex_field(val, c->x, 32);
		else if (!strcmp(key, "peer_ed25519"))
			parse_hex_field(val, c->peer_ed, 32);
		else if (!strcmp(key, "peer_x25519"))
			parse_hex_field(val, c->peer_x, 32);
		else if (!strcmp(key, "line_id"))
			parse_hex_field(val, c->line, 32);
		else if (!strcmp(key, "hash"))
			parse_hex_field(val, c->hash, 32);
		else if (!strcmp(key, "entry_len"))
			declared_len = (size_t)strtoul(val, NULL, 10);
		else if (!strcmp(key, "entry")) {
			c->entry_len = strlen(val) / 2;
			assert_true(c->entry_len <= sizeof c->entry);
			assert_int_equal(c->entry_len, declared_len);
			parse_hex_field(val, c->entry, c->entry_len);
		} else
			fail_msg("unknown key %s", key);
	}
	return n;
}

/* Receiving side of the rules check: the chains built from earlier vectors. */
struct chains {
	uint8_t author[2][32];
	uint8_t hash[2][4][HL_HASH_LEN];
	uint64_t n[2];
	int receiver; /* index of the station running the rules */
};

static int chain_hash_at(struct chains *c, int who, uint64_t seq, uint8_t out[HL_HASH_LEN])
{
	if (seq < 1 || seq > c->n[who])
		return HL_ERR_NOTFOUND;
	memcpy(out, c->hash[who][seq - 1], HL_HASH_LEN);
	return 0;
}

static int cb_peer(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN])
{
	struct chains *c = ctx;
	return chain_hash_at(c, !c->receiver, seq, out);
}

static int cb_own(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN])
{
	struct chains *c = ctx;
	return chain_hash_at(c, c->receiver, seq, out);
}

static void test_file_vectors(void **state)
{
	static struct fvec v[8];
	static const uint8_t kinds[] = { HL_KIND_MESSAGE, HL_KIND_ACK, HL_KIND_MESSAGE };
	static const uint8_t precs[] = { HL_PREC_ROUTINE, HL_PREC_ROUTINE, HL_PREC_FLASH };
	struct chains ch;
	struct frec rec;
	hl_receipt r;
	size_t len;
	char *text = read_vectors(&len);
	int n = parse_file(text, v, 8, &rec);
	(void)state;

	assert_int_equal(n, 3);
	memset(&ch, 0, sizeof ch);
	memcpy(ch.author[0], v[0].ed, 32); /* vector 1 is station A's */
	memcpy(ch.author[1], v[0].peer_ed, 32);

	for (int i = 0; i < n; i++) {
		uint8_t pk[32], sk[64], line[32], h[32];
		hl_pubkey a, b;
		hl_entry e;
		hl_buf again;

		/* The keys follow from the seed; the line id from the keys. */
		assert_int_equal(crypto_sign_ed25519_seed_keypair(pk, sk, v[i].seed), 0);
		sodium_memzero(sk, sizeof sk);
		assert_memory_equal(pk, v[i].ed, 32);
		memcpy(a.ed, v[i].ed, 32);
		memcpy(a.x, v[i].x, 32);
		memcpy(b.ed, v[i].peer_ed, 32);
		memcpy(b.x, v[i].peer_x, 32);
		hl_line_id(&a, &b, line);
		assert_memory_equal(line, v[i].line, 32);

		/* The entry decodes, verifies, hashes as stated, re-encodes. */
		assert_int_equal(hl_entry_decode(v[i].entry, v[i].entry_len, &e), 0);
		assert_int_equal(hl_entry_verify(&e), 0);
		assert_memory_equal(e.author, v[i].ed, 32);
		assert_memory_equal(e.line_id, v[i].line, 32);
		assert_int_equal(e.kind, kinds[i]);
		assert_int_equal(e.precedence, precs[i]);
		hl_entry_hash(v[i].entry, v[i].entry_len, h);
		assert_memory_equal(h, v[i].hash, 32);
		hl_buf_init(&again, HL_MAX_ENTRY);
		assert_int_equal(hl_entry_encode(&e, &again), 0);
		assert_int_equal(again.len, v[i].entry_len);
		assert_memory_equal(again.p, v[i].entry, again.len);
		hl_buf_free(&again);

		/* Together the vectors are a valid transcript: each passes the
		 * receiving rules at the other station, in file order. */
		int who = memcmp(e.author, ch.author[0], 32) == 0 ? 0 : 1;
		assert_memory_equal(e.author, ch.author[who], 32);
		ch.receiver = !who;
		hl_rules_view view = {
			.line_id = v[i].line,
			.peer_author = ch.author[who],
			.peer_head_seq = ch.n[who],
			.peer_head_hash = ch.n[who] ? ch.hash[who][ch.n[who] - 1] : NULL,
			.peer_hash_at = cb_peer,
			.own_hash_at = cb_own,
			.ctx = &ch,
		};
		assert_int_equal(hl_rules_check(&view, &e, h), HL_RULES_ACCEPT);
		assert_true(ch.n[who] < 4);
		memcpy(ch.hash[who][ch.n[who]++], h, 32);
	}
	/* The cross-links and refs point where the descriptions say. */
	hl_entry e2, e3;
	assert_int_equal(hl_entry_decode(v[1].entry, v[1].entry_len, &e2), 0);
	assert_int_equal(hl_entry_decode(v[2].entry, v[2].entry_len, &e3), 0);
	assert_int_equal(e2.nrefs, 1);
	assert_memory_equal(e2.refs[0], v[0].hash, 32);
	assert_true(e3.seq == 2 && e3.peer_seq == 1 && (e3.flags & HL_FLAG_EXERCISE));
	assert_memory_equal(e3.prev, v[1].hash, 32);
	assert_memory_equal(e3.peer_hash, v[0].hash, 32);

	/* The receipt: A's key from its seed, signed, naming B's seq 2. */
	uint8_t pk[32], sk[64];
	assert_true(rec.seen);
	assert_int_equal(crypto_sign_ed25519_seed_keypair(pk, sk, rec.seed), 0);
	sodium_memzero(sk, sizeof sk);
	assert_memory_equal(pk, rec.ed, 32);
	assert_memory_equal(pk, ch.author[0], 32);
	assert_int_equal(hl_receipt_decode(rec.receipt, sizeof rec.receipt, &r), 0);
	assert_int_equal(hl_receipt_verify(&r), 0);
	assert_memory_equal(r.receiver, rec.ed, 32);
	assert_memory_equal(r.line_id, rec.line, 32);
	assert_memory_equal(r.line_id, v[0].line, 32);
	assert_int_equal(r.seq, 2);
	assert_memory_equal(r.hash, v[2].hash, 32);
	free(text);
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regenerate),
		cmocka_unit_test(test_file_vectors),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
