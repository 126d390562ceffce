/* blob_int.h — private to blob.c, blob_api.c and blob_line.c: the per-line
 * attachment state and the append-and-verify step they share. */
#ifndef HL_BLOB_INT_H
#define HL_BLOB_INT_H

#include <sodium.h>

#include "blob.h"
#include "store_blobs.h"

#define HL_BLOB_SENDING 4     /* blobs streamed to the peer at once, per line */
#define HL_BLOB_HASHING 4     /* incremental hash states kept, per line */
#define HL_BLOB_ASK_MAX 16    /* pending blobs asked for at once */
#define HL_BLOB_TRIES 3       /* hash mismatches before a blob is given up */
#define HL_BLOB_STALL_MS 10000u /* no chunk for this long: ask again */
#define HL_BLOB_GAP_ASK_MS 1000u /* chunks past what we hold: one WANT a second at most */

typedef struct {
	crypto_generichash_state st; /* first: 64-byte aligned in an aligned struct */
	int64_t id;                  /* 0: slot free */
	uint64_t upto;               /* bytes hashed, from 0 */
	uint64_t used;               /* for eviction: larger is newer */
} hl_blob_hashing;

typedef struct {
	int64_t id;                  /* 0: slot free */
	uint8_t hash[32];
	uint64_t size;
	uint64_t next;               /* offset of the next chunk to send */
} hl_blob_sending;

struct hl_blob_line {
	hl_blob_hashing hashing[HL_BLOB_HASHING];
	hl_blob_sending sending[HL_BLOB_SENDING];
	hl_line *l;
	uv_timer_t pace;             /* AttachmentRate: resume when tokens allow */
	int pace_init;
	double tokens;               /* bytes that may be sent now */
	uint64_t tokens_ms;
	uint64_t uses;
	unsigned rr;                 /* round robin over sending */
	uint64_t last_chunk_ms;      /* a chunk of a wanted blob arrived then */
	uint64_t last_ask_ms;
	uint64_t last_gap_ask_ms;    /* a gap was asked about then: at most one a second */
	int quota_waiting;           /* a chunk was dropped for the attachment quota */
};

/* The line's state, created on first use; NULL without memory. */
struct hl_blob_line *hl_blob_line_get(hl_line *l);

/* b (pending) holds every byte but was never checked (a store error
 * between the last append and the verdict): check it now. verdict as for
 * hl_blob_append; HL_ERR_STATE if b is not such a blob. */
int hl_blob_check_full(hl_line *l, hl_store_blob *b, const uint8_t hash[32], int *verdict);

/* Appends n bytes at off (== b->have) to blob b of line l in the turn's
 * transaction, keeping b->have. *verdict: 0 still incomplete, 1 complete and
 * its hash verified (state now COMPLETE), -1 complete but the content does
 * not match hash (the caller resets or gives up). */
int hl_blob_append(hl_line *l, hl_store_blob *b, const uint8_t hash[32], uint64_t off,
		   const uint8_t *p, size_t n, int *verdict);

/* Sends BLOB_WANT(hash, offset) on s. */
int hl_blob_send_want(hl_session *s, const uint8_t hash[32], uint64_t offset);

#endif
