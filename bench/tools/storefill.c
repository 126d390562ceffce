/* storefill.c — fills a station's store (through the store API) with a long,
 * valid line between two stations: both chains, signed, hash-chained and
 * cross-linked, each side's receipt covering the other's last entry; so that
 * bench/rss_bench.sh can start real daemons on a million entries in a minute
 * instead of sending them over the network for many. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>

#include "record/entry.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "store/store.h"

#define BATCH 20000u /* entries per transaction: one fsync each */

static const char *const words[] = {
	"Test of the line, please confirm. ", "No change in the situation here. ",
	"The delegation will arrive at ten. ", "Please acknowledge the previous message. ",
};

static uint64_t wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

typedef struct {
	const hl_identity *id;
	uint64_t seq;     /* newest written */
	uint8_t hash[32]; /* of the newest */
} chain;

/* Appends the next entry of `me`, which has seen the other's newest. */
static int put_next(hl_store *st, const uint8_t line[32], chain *me, const chain *other,
		    uint64_t t_ms, hl_buf *enc)
{
	char body[160];
	hl_entry e;
	uint8_t hash[32];

	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = HL_KIND_MESSAGE;
	memcpy(e.line_id, line, 32);
	memcpy(e.author, me->id->pub.ed, 32);
	e.seq = me->seq + 1;
	if (me->seq)
		memcpy(e.prev, me->hash, 32);
	e.peer_seq = other->seq;
	if (other->seq)
		memcpy(e.peer_hash, other->hash, 32);
	e.time_ms = t_ms;
	snprintf(e.operator_name, sizeof e.operator_name, "bench");
	snprintf(e.lang, sizeof e.lang, "en");
	int n = snprintf(body, sizeof body, "%s%s#%llu", words[e.seq % 4], words[(e.seq / 4) % 4],
			 (unsigned long long)e.seq);
	e.body = (const uint8_t *)body;
	e.body_len = (uint32_t)n;
	hl_buf_reset(enc);
	int rc = hl_entry_sign(&e, me->id);
	if (rc == 0)
		rc = hl_entry_encode(&e, enc);
	if (rc < 0)
		return rc;
	hl_entry_hash(enc->p, enc->len, hash);
	hl_store_entry se = {
		.line_id = line, .author = e.author, .seq = e.seq, .hash = hash, .kind = e.kind,
		.precedence = e.precedence, .flags = e.flags, .time_ms = e.time_ms,
		.stored_ms = e.time_ms, .enc = enc->p, .enc_len = enc->len,
	};
	rc = hl_store_put_entry(st, &se);
	if (rc < 0)
		return rc;
	me->seq = e.seq;
	memcpy(me->hash, hash, 32);
	return 0;
}

/* receiver's signed receipt for the other side's chain up to its newest. */
static int put_receipt(hl_store *st, const uint8_t line[32], const chain *receiver,
		       const chain *other, uint64_t t_ms)
{
	hl_receipt r;
	uint8_t enc[HL_RECEIPT_LEN];
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, line, 32);
	memcpy(r.receiver, receiver->id->pub.ed, 32);
	r.seq = other->seq;
	memcpy(r.hash, other->hash, 32);
	r.time_ms = t_ms;
	int rc = hl_receipt_sign(&r, receiver->id);
	if (rc < 0)
		return rc;
	hl_receipt_encode(&r, enc);
	return hl_store_put_receipt(st, line, r.receiver, r.seq, enc, sizeof enc);
}

static int fill(hl_store *st, const hl_identity *a, const hl_identity *b, uint64_t per_side)
{
	chain ca = { a, 0, { 0 } }, cb = { b, 0, { 0 } };
	uint8_t line[32];
	hl_buf enc;
	/* Back-dated one second per pair, ending now: times only inform. */
	uint64_t t = wall_ms() - per_side * 1000u;
	int rc = 0;

	hl_line_id(&a->pub, &b->pub, line);
	hl_buf_init(&enc, HL_MAX_ENTRY);
	for (uint64_t i = 0; i < per_side && rc == 0; i++) {
		if (i % (BATCH / 2) == 0 && (rc = hl_store_begin(st)) < 0)
			break;
		/* A then B: B's entry answers A's, A's next sees B's. */
		rc = put_next(st, line, &ca, &cb, t, &enc);
		if (rc == 0)
			rc = put_next(st, line, &cb, &ca, t + 500, &enc);
		t += 1000;
		if (rc == 0 && (i + 1 == per_side || (i + 1) % (BATCH / 2) == 0))
			rc = hl_store_commit(st);
	}
	if (rc == 0)
		rc = put_receipt(st, line, &cb, &ca, t);
	if (rc == 0)
		rc = put_receipt(st, line, &ca, &cb, t);
	if (rc < 0 && hl_store_in_tx(st))
		hl_store_rollback(st);
	hl_buf_free(&enc);
	return rc;
}

int main(int argc, char **argv)
{
	hl_identity *a = NULL, *b = NULL;
	hl_store *st = NULL;
	char err[512] = "";
	int ret = 1;

	if (argc != 5 || sodium_init() < 0) {
		fprintf(stderr, "usage: storefill DB KEYFILE_A KEYFILE_B ENTRIES_PER_SIDE\n"
				"  writes both chains of the line A-B into DB (a new or empty store)\n");
		return 2;
	}
	char *end;
	errno = 0;
	uint64_t n = strtoull(argv[4], &end, 10);
	if (errno || *end || n == 0) {
		fprintf(stderr, "storefill: bad count '%s'\n", argv[4]);
		return 2;
	}
	if (hl_keys_load_file(argv[2], &a, err, sizeof err) < 0 ||
	    hl_keys_load_file(argv[3], &b, err, sizeof err) < 0 ||
	    hl_store_open(argv[1], &st, err, sizeof err) < 0) {
		fprintf(stderr, "storefill: %s\n", err);
		goto out;
	}
	int rc = fill(st, a, b, n);
	if (rc < 0) {
		fprintf(stderr, "storefill: %s: %s (%s)\n", argv[1], hl_strerror(rc), hl_store_errmsg(st));
		goto out;
	}
	ret = 0;
out:
	hl_store_close(st);
	hl_keys_free(a);
	hl_keys_free(b);
	return ret;
}
