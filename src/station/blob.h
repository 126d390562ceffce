/* blob.h — attachments in the daemon: blobs uploaded over the local API,
 * fetched from the peer by BLOB_WANT/BLOB records (receiver-driven, sent
 * only when no entry waits, paced by AttachmentRate), verified by hash, and
 * shown with their entries. See docs/PROTOCOL.md §2.6. */
#ifndef HL_BLOB_H
#define HL_BLOB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api_request.h"
#include "daemon/daemon.h"

/* entry_hooks.c: an entry was stored; a peer's entry with an attachment
 * makes its blob wanted (and asked for, if the line is up). */
int hl_blob_on_entry(hl_line *l, const hl_entry *e, int own);

/* line.c: a BLOB or BLOB_WANT record. Negative (close the session) only for
 * a malformed record; anything unwanted is ignored. */
int hl_blob_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len);
/* line.c: the peer's HELLO verified on s: ask again for every pending blob. */
void hl_blob_on_hello(hl_line *l, hl_session *s);
/* line.c: after the entries: stream wanted blob chunks while no entry waits,
 * the session's queue is short and the rate allows. */
void hl_blob_pump(hl_line *l);
/* path.c, from the line's tick: re-ask a stalled transfer. */
void hl_blob_tick(hl_line *l, uint64_t now);
/* line.c: the line closes; frees its attachment state. */
void hl_blob_line_close(hl_line *l);

/* api.c: attach-begin, attach-chunk and attachment requests; the reply. */
json_t *hl_blob_api(hl_daemon *d, const hl_api_request *r);
/* api.c: the body of a send with an attachment: its descriptor, then text.
 * The blob must be complete on this line. *body is malloc'd. On error err
 * holds the reply sentence. */
int hl_blob_send_body(hl_line *l, const char *hash_hex, const char *text, size_t text_len,
		      uint8_t **body, size_t *body_len, char *err, size_t errlen);
/* api_json.c: {"id","name","size","have","state"} (and for our own entries
 * "delivered") for an entry flagged ATTACHMENT; NULL for another entry.
 * *text_off: where the message text starts in the body (0 without one). */
json_t *hl_blob_entry_json(hl_daemon *d, hl_line *l, const hl_entry *e, int own,
			   size_t *text_off);

#endif
