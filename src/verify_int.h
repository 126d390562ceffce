/* verify_int.h — private to the verifier (verify.c, verify_hashes.c, verify_compare.c):
 * the verifier's state and the on-disk store of each author's hashes by seq. */
#ifndef HL_VERIFY_INT_H
#define HL_VERIFY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "transcript.h"
#include "verify.h"

#define HL_VERIFY_HS_BUF 1024u     /* hashes kept in memory before a pwrite */

/* Hashes of one author's entries, by seq - base, in an unlinked file:
 * a million entries cost 32 MB of disk (or page cache), not of heap. */
typedef struct {
	int fd;
	uint64_t base, n, flushed;
	uint8_t buf[HL_VERIFY_HS_BUF][32];
} hl_verify_hs;

/* One author's chain as checked so far. */
typedef struct {
	uint64_t from, to;            /* header range; 0, 0 for none */
	int started;
	uint64_t last_seq;
	uint8_t last_hash[32];
	uint64_t last_link;           /* peer_seq of the last entry (or the anchor) */
	int has_anchor;
	uint64_t anchor_seq;
	uint8_t anchor_hash[32];
} hl_verify_chain;

/* What the record under examination is, for the failure report. */
typedef struct {
	uint64_t offset;
	uint8_t type;
	int side;
	int has_entry;
	uint64_t seq, expected;
	uint8_t author[32];
	uint8_t hash[32];
} hl_verify_cursor;

struct hl_verifier {
	hl_hlt_reader rd;
	hl_verify_hs hs[2];
	hl_verify_chain c[2];
	hl_verify_cursor cur;
	int phase;
	int conflicts;
	int done_ok;                  /* the run ended valid: hs[] hold it, flushed */
	uint64_t records;
	hl_verify_report *rep;
	const hl_verify_opts *o;
};

/* Opens h's unlinked temporary file (in $TMPDIR, else /tmp): 0, or HL_ERR_IO with h->fd -1. */
int hl_verify_hs_open(hl_verify_hs *h);
/* Closes h's file if open; safe to call twice. */
void hl_verify_hs_close(hl_verify_hs *h);
/* Appends the hash of the next seq (index h->n): 0 or HL_ERR_IO. */
int hl_verify_hs_put(hl_verify_hs *h, const uint8_t hash[32]);
/* Writes the buffered hashes to the file: 0 or HL_ERR_IO. */
int hl_verify_hs_flush(hl_verify_hs *h);
/* Reads n hashes from index idx (all below h->n) into out: 0 or HL_ERR_IO. */
int hl_verify_hs_read(const hl_verify_hs *h, uint64_t idx, uint8_t *out, size_t n);

#endif
