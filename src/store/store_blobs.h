/* store_blobs.h — the store's attachments (store_sqlite_blobs.c): one row
 * per (line, content hash) with how much is held, and the content as chunks
 * in order. Writes join the open transaction, as every store write does. */
#ifndef HL_STORE_BLOBS_H
#define HL_STORE_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "record/attach.h"
#include "util/buf.h"
#include "store.h"

enum hl_blob_state {
	HL_BLOB_PENDING = 0,   /* being uploaded or fetched: have < size, or not yet verified */
	HL_BLOB_COMPLETE = 1,  /* every byte held and the hash verified */
	HL_BLOB_FAILED = 2     /* the peer's content kept failing its hash: given up */
};

typedef struct {
	int64_t id;
	uint64_t size;
	uint64_t have;          /* bytes held, from offset 0, in order */
	int state;              /* enum hl_blob_state */
	int from_peer;          /* 1: fetched from the line's peer; 0: uploaded here */
	unsigned failures;      /* hash mismatches so far */
	uint64_t peer_have;     /* ours: how much the peer said it holds */
	uint64_t created_ms;
	char name[HL_ATTACH_NAME_MAX + 1];
} hl_store_blob;

/* HL_ERR_NOTFOUND if the line has no such blob; out cleared first. */
int hl_store_blob_get(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
		      hl_store_blob *out);
/* Creates the blob (pending, nothing held) unless the line has it already
 * (then nothing changes). */
int hl_store_blob_create(hl_store *st, const uint8_t line_id[32], const uint8_t hash[32],
			 uint64_t size, int from_peer, const char *name, uint64_t now_ms);
/* Appends data at offset, which must be what is held (HL_ERR_STATE if not,
 * HL_ERR_TOOBIG past the size); nothing written on error. */
int hl_store_blob_append(hl_store *st, int64_t id, uint64_t offset, const uint8_t *data,
			 size_t len);
int hl_store_blob_set_state(hl_store *st, int64_t id, int state);
/* A pending blob of ours (an upload not finished) becomes one fetched from
 * the peer, keeping what is held: the peer sent the same content. */
int hl_store_blob_fetch_from_peer(hl_store *st, int64_t id);
/* Drops every chunk: nothing held, pending, with this failure count. */
int hl_store_blob_reset(hl_store *st, int64_t id, unsigned failures);
int hl_store_blob_set_peer_have(hl_store *st, int64_t id, uint64_t peer_have);
/* Bytes from offset (< have) to at most max bytes on, within one stored
 * chunk: out is reset and holds 1..max bytes. */
int hl_store_blob_read(hl_store *st, int64_t id, uint64_t offset, size_t max, hl_buf *out);
/* Calls cb with every stored chunk in order (not re-entrant). A non-zero
 * return from cb stops the walk and is returned. */
int hl_store_blob_walk_chunks(hl_store *st, int64_t id,
			      int (*cb)(void *ctx, const uint8_t *p, size_t n), void *ctx);
/* Calls cb for the line's pending blobs fetched from its peer, oldest first,
 * at most limit of them (not re-entrant; cb must not write blobs). */
int hl_store_blob_walk_pending(hl_store *st, const uint8_t line_id[32], unsigned limit,
			       int (*cb)(void *ctx, const uint8_t hash[32], const hl_store_blob *b),
			       void *ctx);

#endif
