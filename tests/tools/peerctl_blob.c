/* peerctl_blob.c — peerctl's attachment steps (PROTOCOL §2.6): as the
 * sender, chunks that lie (content not matching the hash, never announced,
 * past what the station holds or past the size, empty, short, a flood) and
 * a server of BLOB_WANTs with good or bad content; as the receiver, WANTs
 * that lie (unknown hashes, past the size, a flood) and a fetch that checks
 * what the station streams. */
#include "peerctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

enum { B_CHUNK, B_BAD_CHUNK, B_STRAY_CHUNK, B_SHORT_BLOB, B_CHUNK_FLOOD, B_SERVE,
       B_EXPECT_BLOB_WANT, B_WANT, B_WANT_UNKNOWN, B_WANT_FLOOD, B_SHORT_WANT, B_FETCH,
       B_EXPECT_NO_BLOB, B_N };

static const struct { const char *name; int nargs; } bops[B_N] = {
	[B_CHUNK] = { "chunk", 2 },               /* OFFSET LEN: our true bytes (0 past the size) */
	[B_BAD_CHUNK] = { "bad-chunk", 2 },       /* OFFSET LEN: bytes that are not the content */
	[B_STRAY_CHUNK] = { "stray-chunk", 1 },   /* LEN: for a hash never announced */
	[B_SHORT_BLOB] = { "short-blob", 1 },     /* N: a BLOB record of N <= 40 bytes */
	[B_CHUNK_FLOOD] = { "chunk-flood", 1 },   /* N: maximum-size chunks nobody wants */
	[B_SERVE] = { "serve", 2 },               /* good|bad TRIES: answer the WANTs */
	[B_EXPECT_BLOB_WANT] = { "expect-blob-want", 1 }, /* OFFSET, for our blob */
	[B_WANT] = { "want", 1 },                 /* OFFSET: of the station's attachment */
	[B_WANT_UNKNOWN] = { "want-unknown", 0 },
	[B_WANT_FLOOD] = { "want-flood", 1 },     /* N: WANTs for nothing it may give */
	[B_SHORT_WANT] = { "short-want", 1 },     /* N: a BLOB_WANT record of N != 40 bytes */
	[B_FETCH] = { "fetch", 1 },               /* OFFSET: take the stream, check it */
	[B_EXPECT_NO_BLOB] = { "expect-no-blob", 1 }, /* SECONDS without a BLOB */
};

#define MAX_DATA (HL_MAX_RECORD_BODY - HL_BLOB_HDR) /* data of the largest BLOB record */
#define MAX_FLOOD 100000u

int blob_op_lookup(const char *name)
{
	for (int i = 0; i < B_N; i++)
		if (!strcmp(name, bops[i].name))
			return i;
	return -1;
}

const char *blob_op_name(int op)
{
	return bops[op].name;
}

int blob_op_nargs(int op)
{
	return bops[op].nargs;
}

int blob_args_ok(int op, char **args)
{
	uint64_t v;
	int ok = 1;
	if (op == B_SERVE) {
		ok = (!strcmp(args[0], "good") || !strcmp(args[0], "bad")) && parse_u64(args[1], &v) == 0 &&
		     v <= 10;
	} else if (op == B_CHUNK || op == B_BAD_CHUNK) {
		ok = parse_u64(args[0], &v) == 0 && parse_u64(args[1], &v) == 0 && v <= MAX_DATA;
	} else if (op == B_STRAY_CHUNK) {
		ok = parse_u64(args[0], &v) == 0 && v >= 1 && v <= MAX_DATA;
	} else if (op == B_SHORT_BLOB) {
		ok = parse_u64(args[0], &v) == 0 && v <= HL_BLOB_HDR;
	} else if (op == B_SHORT_WANT) {
		ok = parse_u64(args[0], &v) == 0 && v != HL_BLOB_WANT_LEN && v <= 64;
	} else if (op == B_CHUNK_FLOOD || op == B_WANT_FLOOD) {
		ok = parse_u64(args[0], &v) == 0 && v >= 1 && v <= MAX_FLOOD;
	} else if (op == B_EXPECT_NO_BLOB) {
		ok = parse_u64(args[0], &v) == 0 && v <= 60;
	} else if (bops[op].nargs) {
		ok = parse_u64(args[0], &v) == 0;
	}
	if (!ok)
		say("act: bad arguments to %s", bops[op].name);
	return ok;
}

int blob_announce(actor *a, const char *size, hl_entry *e)
{
	hl_attach_desc d;
	uint64_t n = 0;
	parse_u64(size, &n);
	free(a->ours.data);
	memset(&a->ours, 0, sizeof a->ours);
	if (!(a->ours.data = malloc(n)))
		return -1;
	randombytes_buf(a->ours.data, n);
	a->ours.size = n;
	crypto_generichash(a->ours.hash, 32, a->ours.data, n, NULL, 0);
	a->ours.known = 1;
	memset(&d, 0, sizeof d);
	memcpy(d.hash, a->ours.hash, 32);
	d.size = n;
	snprintf(d.name, sizeof d.name, "lie-%llu.bin", (unsigned long long)n);
	int k = hl_attach_format(&d, a->ours_body, sizeof a->ours_body);
	if (k < 0)
		return -1;
	k += snprintf(a->ours_body + k, sizeof a->ours_body - (size_t)k, "attached by peerctl");
	e->flags |= HL_FLAG_ATTACHMENT;
	e->body = (const uint8_t *)a->ours_body;
	e->body_len = (uint32_t)k;
	char hex[17];
	hl_hex(a->ours.hash, 8, hex);
	say("announce: an attachment of %llu bytes, hash %s…", (unsigned long long)n, hex);
	return 0;
}

void blob_note_entry(actor *a, const hl_entry *e)
{
	hl_attach_desc d;
	size_t off;
	if (!(e->flags & HL_FLAG_ATTACHMENT) || hl_attach_parse(e->body, e->body_len, &d, &off) < 0)
		return;
	memcpy(a->theirs.hash, d.hash, 32);
	a->theirs.size = d.size;
	a->theirs.known = 1;
}

/* One BLOB record: hash, offset, then n bytes from src (zeros past src_len),
 * each byte flipped when bad. */
static int send_chunk(actor *a, const uint8_t hash[32], uint64_t off, const uint8_t *src,
		      uint64_t src_len, size_t n, int bad)
{
	static uint8_t rec[HL_BLOB_HDR + MAX_DATA];
	memcpy(rec, hash, 32);
	hl_be64_put(rec + 32, off);
	for (size_t i = 0; i < n; i++) {
		uint8_t b = off + i < src_len ? src[off + i] : 0;
		rec[HL_BLOB_HDR + i] = bad ? (uint8_t)~b : b;
	}
	return send_record(&a->c, HL_REC_BLOB, rec, HL_BLOB_HDR + n);
}

static int send_want(actor *a, const uint8_t hash[32], uint64_t off)
{
	uint8_t w[HL_BLOB_WANT_LEN];
	memcpy(w, hash, 32);
	hl_be64_put(w + 32, off);
	return send_record(&a->c, HL_REC_BLOB_WANT, w, sizeof w);
}

/* The next BLOB_WANT for hash (others named and skipped); its offset. */
static int next_want(actor *a, const uint8_t hash[32], uint64_t *off)
{
	for (;;) {
		const uint8_t *body;
		size_t len;
		if (wait_record(a, HL_REC_BLOB_WANT, &body, &len) < 0)
			return -1;
		if (len != HL_BLOB_WANT_LEN) {
			say("  BLOB_WANT of %zu bytes", len);
			return -1;
		}
		*off = hl_be64_get(body + 32);
		if (!memcmp(body, hash, 32))
			return 0;
		say("  (BLOB_WANT for another blob, from %llu)", (unsigned long long)*off);
	}
}

/* serve good|bad TRIES: answers BLOB_WANTs for our blob by streaming it from
 * the asked offset (bad: every byte flipped), until the station says it
 * holds it all (WANT at the size). As expected when it asked exactly TRIES
 * times: a bad blob must be fetched 3 times in all, then given up. */
static int serve(actor *a, int bad, uint64_t tries)
{
	uint64_t asked = 0, off;
	for (;;) {
		if (next_want(a, a->ours.hash, &off) < 0)
			return -1;
		if (off >= a->ours.size)
			break;
		asked++;
		say("  BLOB_WANT from %llu: streaming %s content", (unsigned long long)off, bad ? "bad" : "good");
		for (uint64_t at = off; at < a->ours.size; at += HL_BLOB_CHUNK) {
			uint64_t n = a->ours.size - at < HL_BLOB_CHUNK ? a->ours.size - at : HL_BLOB_CHUNK;
			if (send_chunk(a, a->ours.hash, at, a->ours.data, a->ours.size, (size_t)n, bad) < 0) {
				say("  cannot send a chunk: %s", a->c.closed ? "connection closed" : "error");
				return -1;
			}
		}
	}
	say("serve %s: asked %llu times, then BLOB_WANT at the size (%s)", bad ? "bad" : "good",
	    (unsigned long long)asked, bad ? "given up" : "it holds it all");
	return asked == tries ? 0 : -1;
}

/* fetch OFFSET: asks for the station's attachment from OFFSET and takes the
 * chunks in order to its end; from 0 the bytes must match the hash. Then
 * says "I hold it all". */
static int fetch(actor *a, uint64_t from)
{
	crypto_generichash_state hs;
	uint64_t at = from;
	crypto_generichash_init(&hs, NULL, 0, 32);
	if (send_want(a, a->theirs.hash, from) < 0)
		return -1;
	while (at < a->theirs.size) {
		const uint8_t *body;
		size_t len;
		uint8_t type;
		int rc = next_record(&a->c, deadline(&a->c), &type, &body, &len);
		if (rc != 1) {
			say("  fetch: at %llu of %llu: %s", (unsigned long long)at,
			    (unsigned long long)a->theirs.size, why_no_record(rc));
			return -1;
		}
		if (type != HL_REC_BLOB)
			continue;
		if (len <= HL_BLOB_HDR || memcmp(body, a->theirs.hash, 32) != 0 ||
		    hl_be64_get(body + 32) != at || len - HL_BLOB_HDR > a->theirs.size - at) {
			say("  fetch: a BLOB of %zu bytes at %llu, not the next chunk (at %llu) of the blob",
			    len, (unsigned long long)hl_be64_get(body + 32), (unsigned long long)at);
			return -1;
		}
		crypto_generichash_update(&hs, body + HL_BLOB_HDR, len - HL_BLOB_HDR);
		at += len - HL_BLOB_HDR;
	}
	uint8_t got[32];
	crypto_generichash_final(&hs, got, 32);
	int ok = from > 0 || !memcmp(got, a->theirs.hash, 32);
	say("fetch %llu: %llu bytes in order to the end%s", (unsigned long long)from,
	    (unsigned long long)(at - from), from ? "" : ok ? ", hash verified" : ", HASH MISMATCH");
	return ok && send_want(a, a->theirs.hash, a->theirs.size) == 0 ? 0 : -1;
}

/* expect-no-blob SECONDS: the session stays open and no BLOB comes. */
static int expect_no_blob(actor *a, uint64_t secs)
{
	unsigned before = a->blobs_seen;
	if (idle(a, secs) < 0)
		return -1;
	say("expect-no-blob %llu: %u BLOB records came", (unsigned long long)secs, a->blobs_seen - before);
	return a->blobs_seen == before ? 0 : -1;
}

static int need(const actor *a, const pc_blob *b, int op)
{
	if (b->known)
		return 0;
	say("%s: %s", bops[op].name, b == &a->ours ? "announce an attachment first" :
	    "the station has sent us no attachment entry yet");
	return -1;
}

int blob_step(actor *a, int op, char **args)
{
	uint64_t x = 0, y = 0;
	uint8_t stray[32], rec[64];
	if (bops[op].nargs > 0)
		parse_u64(args[0], &x);
	if (bops[op].nargs > 1)
		parse_u64(args[1], &y);
	int rc = 0;
	switch (op) {
	case B_CHUNK:
	case B_BAD_CHUNK:
		if (need(a, &a->ours, op) < 0)
			return -1;
		rc = send_chunk(a, a->ours.hash, x, a->ours.data, a->ours.size, (size_t)y, op == B_BAD_CHUNK);
		say("%s: %llu bytes at offset %llu%s", bops[op].name, (unsigned long long)y,
		    (unsigned long long)x, x + y > a->ours.size ? " (past the declared size)" : "");
		break;
	case B_STRAY_CHUNK:
		randombytes_buf(stray, 32);
		rc = send_chunk(a, stray, 0, NULL, 0, (size_t)x, 0);
		say("stray-chunk: %llu bytes for a hash never announced", (unsigned long long)x);
		break;
	case B_SHORT_BLOB:
		randombytes_buf(rec, sizeof rec);
		rc = send_record(&a->c, HL_REC_BLOB, rec, (size_t)x);
		say("short-blob: a BLOB record of %llu bytes", (unsigned long long)x);
		break;
	case B_SHORT_WANT:
		randombytes_buf(rec, sizeof rec);
		rc = send_record(&a->c, HL_REC_BLOB_WANT, rec, (size_t)x);
		say("short-want: a BLOB_WANT record of %llu bytes", (unsigned long long)x);
		break;
	case B_CHUNK_FLOOD: {
		/* Half for hashes never announced, half for our blob at its size
		 * (past anything the station holds): none may be stored. */
		if (need(a, &a->ours, op) < 0)
			return -1;
		int64_t t0 = now_ms();
		for (uint64_t i = 0; i < x && rc == 0; i++) {
			randombytes_buf(stray, 32);
			rc = send_chunk(a, i % 2 ? a->ours.hash : stray, i % 2 ? a->ours.size : 0, NULL, 0,
					MAX_DATA, 0);
		}
		say("chunk-flood: %llu chunks of %u bytes in %lld ms", (unsigned long long)x,
		    (unsigned)MAX_DATA, (long long)(now_ms() - t0));
		break;
	}
	case B_SERVE:
		return need(a, &a->ours, op) < 0 ? -1 : serve(a, !strcmp(args[0], "bad"), y);
	case B_EXPECT_BLOB_WANT: {
		uint64_t off;
		if (need(a, &a->ours, op) < 0 || next_want(a, a->ours.hash, &off) < 0)
			return -1;
		say("expect-blob-want %llu: BLOB_WANT from %llu", (unsigned long long)x, (unsigned long long)off);
		return off == x ? 0 : -1;
	}
	case B_WANT:
		if (need(a, &a->theirs, op) < 0)
			return -1;
		rc = send_want(a, a->theirs.hash, x);
		say("want: BLOB_WANT from %llu for the station's attachment of %llu bytes",
		    (unsigned long long)x, (unsigned long long)a->theirs.size);
		break;
	case B_WANT_UNKNOWN:
		randombytes_buf(stray, 32);
		rc = send_want(a, stray, 0);
		say("want-unknown: BLOB_WANT for a hash the station never named");
		break;
	case B_WANT_FLOOD:
		/* Unknown hashes, and the station's attachment past its size. */
		if (need(a, &a->theirs, op) < 0)
			return -1;
		for (uint64_t i = 0; i < x && rc == 0; i++) {
			randombytes_buf(stray, 32);
			rc = send_want(a, i % 2 ? a->theirs.hash : stray, i % 2 ? a->theirs.size + 1 + i : i);
		}
		say("want-flood: %llu BLOB_WANTs for nothing the station may give", (unsigned long long)x);
		break;
	case B_FETCH:
		return need(a, &a->theirs, op) < 0 ? -1 : fetch(a, x);
	case B_EXPECT_NO_BLOB:
		return expect_no_blob(a, x);
	}
	if (rc < 0)
		say("%s: cannot send: %s", bops[op].name, a->c.closed ? "connection closed" : "error");
	return rc < 0 ? -1 : 0;
}
