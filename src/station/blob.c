/* blob.c — attachments: the per-line state, appending in order with an
 * incremental hash and the check at the end, what a stored entry with an
 * attachment starts, and the entry views' attachment field. */
#include "blob_int.h"

#include <stdlib.h>
#include <string.h>

#include "record/attach.h"
#include "util/err.h"
#include "line/events.h"
#include "util/log.h"
#include "util/text.h"

struct hl_blob_line *hl_blob_line_get(hl_line *l)
{
	if (l->blob)
		return l->blob;
	/* crypto_generichash_state wants 64-byte alignment. */
	size_t sz = (sizeof(struct hl_blob_line) + 63u) & ~(size_t)63u;
	struct hl_blob_line *bl = aligned_alloc(64, sz);
	if (!bl)
		return NULL;
	memset(bl, 0, sz);
	bl->l = l;
	l->blob = bl;
	return bl;
}

static void on_pace_closed(uv_handle_t *h)
{
	struct hl_blob_line *bl = h->data;
	sodium_memzero(bl, sizeof *bl);
	free(bl);
}

void hl_blob_line_close(hl_line *l)
{
	struct hl_blob_line *bl = l->blob;
	l->blob = NULL;
	if (!bl)
		return;
	if (bl->pace_init) {
		uv_timer_stop(&bl->pace);
		uv_close((uv_handle_t *)&bl->pace, on_pace_closed);
		return;
	}
	free(bl);
}

static hl_blob_hashing *hashing_find(struct hl_blob_line *bl, int64_t id)
{
	for (unsigned i = 0; i < HL_BLOB_HASHING; i++)
		if (bl->hashing[i].id == id)
			return &bl->hashing[i];
	return NULL;
}

/* A fresh state for id in the least recently used slot. */
static hl_blob_hashing *hashing_new(struct hl_blob_line *bl, int64_t id)
{
	hl_blob_hashing *h = &bl->hashing[0];
	for (unsigned i = 1; i < HL_BLOB_HASHING; i++)
		if (bl->hashing[i].used < h->used)
			h = &bl->hashing[i];
	if (crypto_generichash_init(&h->st, NULL, 0, 32) != 0)
		return NULL;
	h->id = id;
	h->upto = 0;
	return h;
}

static int hash_chunk(void *ctx, const uint8_t *p, size_t n)
{
	return crypto_generichash_update(ctx, p, n) == 0 ? 0 : HL_ERR_CRYPTO;
}

/* The hash of everything stored for blob id, read back from the store:
 * after a restart (or a failed commit) the incremental state is gone. */
static int rehash(hl_store *st, int64_t id, uint8_t out[32])
{
	crypto_generichash_state hs;
	int rc = crypto_generichash_init(&hs, NULL, 0, 32) == 0 ? 0 : HL_ERR_CRYPTO;
	if (rc == 0)
		rc = hl_store_blob_walk_chunks(st, id, hash_chunk, &hs);
	if (rc == 0 && crypto_generichash_final(&hs, out, 32) != 0)
		rc = HL_ERR_CRYPTO;
	return rc;
}

static int verify(hl_line *l, hl_store_blob *b, const uint8_t hash[32], hl_blob_hashing *h,
		  int *verdict);

int hl_blob_append(hl_line *l, hl_store_blob *b, const uint8_t hash[32], uint64_t off,
		   const uint8_t *p, size_t n, int *verdict)
{
	hl_core *d = l->d;
	*verdict = 0;
	struct hl_blob_line *bl = hl_blob_line_get(l);
	if (!bl)
		return HL_ERR_NOMEM;
	int rc = hl_core_tx(d);
	if (rc < 0)
		return rc;
	hl_blob_hashing *h = hashing_find(bl, b->id);
	if (h && h->upto != off)
		h->id = 0; /* the store went back (a failed commit): hash from the store at the end */
	h = h && h->id ? h : (off == 0 ? hashing_new(bl, b->id) : NULL);
	rc = hl_store_blob_append(d->store, b->id, off, p, n);
	if (rc < 0) {
		if (h)
			h->id = 0;
		return rc;
	}
	b->have = off + n;
	if (h && crypto_generichash_update(&h->st, p, n) != 0)
		h->id = 0; /* hashed from the store at the end instead */
	if (h && h->id) {
		h->upto = b->have;
		h->used = ++bl->uses;
	}
	if (b->have < b->size)
		return 0;
	return verify(l, b, hash, h && h->id ? h : NULL, verdict);
}

int hl_blob_check_full(hl_line *l, hl_store_blob *b, const uint8_t hash[32], int *verdict)
{
	*verdict = 0;
	if (b->have != b->size || b->state != HL_BLOB_PENDING)
		return HL_ERR_STATE;
	int rc = hl_core_tx(l->d);
	return rc < 0 ? rc : verify(l, b, hash, NULL, verdict);
}

/* b holds all its bytes: its hash decides (from h, or read back). */
static int verify(hl_line *l, hl_store_blob *b, const uint8_t hash[32], hl_blob_hashing *h,
		  int *verdict)
{
	hl_core *d = l->d;
	uint8_t got[32];
	int rc;

	if (h) {
		rc = crypto_generichash_final(&h->st, got, 32) == 0 ? 0 : HL_ERR_CRYPTO;
		h->id = 0;
	} else {
		rc = rehash(d->store, b->id, got);
	}
	if (rc < 0)
		return rc;
	if (sodium_memcmp(got, hash, 32) != 0) {
		*verdict = -1;
		return 0;
	}
	rc = hl_store_blob_set_state(d->store, b->id, HL_BLOB_COMPLETE);
	if (rc == 0) {
		b->state = HL_BLOB_COMPLETE;
		*verdict = 1;
	}
	return rc;
}

int hl_blob_send_want(hl_session *s, const uint8_t hash[32], uint64_t offset)
{
	uint8_t w[HL_BLOB_WANT_LEN];
	memcpy(w, hash, 32);
	hl_be64_put(w + 32, offset);
	/* Queued, not flushed: the caller's turn flushes once (on_read after
	 * each message, ask_pending after its walk), so a burst of chunks
	 * cannot make one encrypted write each. */
	return hl_session_send(s, HL_REC_BLOB_WANT, w, sizeof w);
}

int hl_blob_on_entry(hl_line *l, const hl_entry *e, int own)
{
	if (!(e->flags & HL_FLAG_ATTACHMENT) || own)
		return 0; /* ours: the API stored the blob complete before the send */
	hl_attach_desc a;
	size_t off;
	if (hl_attach_parse(e->body, e->body_len, &a, &off) < 0)
		return 0; /* cannot be: hl_entry_check_fields passed it */
	hl_core *d = l->d;
	hl_store_blob b;
	int rc = hl_store_blob_get(d->store, l->line_id, a.hash, &b);
	if (rc == 0 && (b.from_peer || b.state != HL_BLOB_PENDING || b.size != a.size))
		return 0; /* held or wanted already (the same file sent again, or ours back) */
	if (rc < 0 && rc != HL_ERR_NOTFOUND)
		return rc;
	rc = hl_core_tx(d);
	/* Our own upload of the same content, unfinished: fetch the rest from
	 * the peer, or the peer's entry would stay pending for ever. */
	if (rc == 0 && b.id && !b.from_peer)
		rc = hl_store_blob_fetch_from_peer(d->store, b.id);
	else if (rc == 0)
		rc = hl_store_blob_create(d->store, l->line_id, a.hash, a.size, 1, a.name, hl_wall_ms());
	if (rc < 0)
		return rc;
	hl_log(HL_LOG_INFO, "%s: entry %llu has an attachment (%llu bytes): fetching it",
	       l->peer->name, (unsigned long long)e->seq, (unsigned long long)a.size);
	hl_session *s = l->session;
	if (s && hl_session_ready(s))
		hl_blob_send_want(s, a.hash, 0);
	return 0;
}

const char *hl_blob_state_name(const hl_store_blob *b, uint64_t size)
{
	if (b->size != size || b->state == HL_BLOB_FAILED)
		return "failed";
	return b->state == HL_BLOB_COMPLETE ? "complete" : "pending";
}


int hl_blob_send_body(hl_line *l, const char *hash_hex, const char *text, size_t text_len,
		      uint8_t **body, size_t *body_len, char *err, size_t errlen)
{
	hl_attach_desc a;
	hl_store_blob b;
	*body = NULL;
	*body_len = 0;
	memset(&a, 0, sizeof a);
	if (hl_unhex(hash_hex, a.hash, 32) < 0) {
		snprintf(err, errlen, "send: attachment must be 64 hex digits");
		return HL_ERR_INVAL;
	}
	int rc = hl_store_blob_get(l->d->store, l->line_id, a.hash, &b);
	if (rc < 0 || b.state != HL_BLOB_COMPLETE) {
		snprintf(err, errlen, "send: attachment %.16s… is %s for %s (upload it with attach-begin "
			 "and attach-chunk first)", hash_hex,
			 rc == HL_ERR_NOTFOUND ? "not uploaded" : rc < 0 ? "unreadable" : "not complete",
			 l->peer->name);
		return rc < 0 ? rc : HL_ERR_STATE;
	}
	a.size = b.size;
	memcpy(a.name, b.name, sizeof a.name);
	char desc[HL_ATTACH_DESC_MAX + 1];
	int n = hl_attach_format(&a, desc, sizeof desc);
	if (n < 0) {
		snprintf(err, errlen, "send: the stored attachment is not valid: %s", hl_strerror(n));
		return n;
	}
	if (text_len > HL_MAX_BODY - (size_t)n) {
		snprintf(err, errlen, "send: with this attachment the text may be at most %zu bytes",
			 HL_MAX_BODY - (size_t)n);
		return HL_ERR_TOOBIG;
	}
	uint8_t *p = malloc((size_t)n + text_len + 1);
	if (!p) {
		snprintf(err, errlen, "send: out of memory");
		return HL_ERR_NOMEM;
	}
	memcpy(p, desc, (size_t)n);
	if (text_len)
		memcpy(p + n, text, text_len);
	*body = p;
	*body_len = (size_t)n + text_len;
	return 0;
}
