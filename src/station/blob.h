/* blob.h — attachments in the daemon: blobs uploaded over the local API,
 * fetched from the peer by BLOB_WANT/BLOB records (receiver-driven, sent
 * only when no entry waits, paced by AttachmentRate), verified by hash, and
 * shown with their entries. See docs/PROTOCOL.md §2.6. */
#ifndef HL_BLOB_H
#define HL_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "line/core.h"
#include "line/feature.h"
#include "record/wire.h"
#include "store/store_blobs.h"

/* The feature (station.c registers it) with the hooks below. */
extern const hl_feature hl_blob_feature;

/* An entry was stored; a peer's entry with an attachment makes its blob
 * wanted (and asked for, if the line is up). */
int hl_blob_on_entry(hl_line *l, const hl_entry *e, int own);

/* A BLOB or BLOB_WANT record. Negative (close the session) only for
 * a malformed record; anything unwanted is ignored. */
int hl_blob_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len);
/* The peer's HELLO verified on s: ask again for every pending blob. */
void hl_blob_on_hello(hl_line *l, hl_session *s);
/* After the entries: stream wanted blob chunks while no entry waits,
 * the session's queue is short and the rate allows. */
void hl_blob_pump(hl_line *l);
/* From the line's tick: re-ask a stalled transfer. */
void hl_blob_tick(hl_line *l, uint64_t now);
/* The line closes; frees its attachment state. */
void hl_blob_line_close(hl_line *l);

/* An upload (api/blob_api.c) or a chunk from the peer: appends n bytes at off (== b->have) to blob b of line l in the turn's
 * transaction, keeping b->have. *verdict: 0 still incomplete, 1 complete and
 * its hash verified (state now COMPLETE), -1 complete but the content does
 * not match hash (the caller resets or gives up). */
int hl_blob_append(hl_line *l, hl_store_blob *b, const uint8_t hash[32], uint64_t off,
		   const uint8_t *p, size_t n, int *verdict);

/* api.c: the body of a send with an attachment: its descriptor, then text.
 * The blob must be complete on this line. *body is malloc'd. On error err
 * holds the reply sentence. */
int hl_blob_send_body(hl_line *l, const char *hash_hex, const char *text, size_t text_len,
		      uint8_t **body, size_t *body_len, char *err, size_t errlen);
/* A blob's state as views name it: "complete", "pending" or "failed"
 * (held with another size, or given up). */
const char *hl_blob_state_name(const hl_store_blob *b, uint64_t size);

#endif
