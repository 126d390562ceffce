/* blob_line.c — attachments on the wire (PROTOCOL §2.6). The receiver
 * drives: BLOB_WANT(hash, offset) for each blob it wants, after every HELLO
 * and when a transfer stalls; the sender streams BLOB chunks from that offset
 * only while no entry waits to be sent and little is queued on the session,
 * at AttachmentRate, so an entry (a FLASH) waits behind one chunk at most.
 * Anything not wanted is ignored; memory per line is fixed. */
#include "blob_int.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "events.h"
#include "log.h"
#include "text.h"

static int session_ready(const hl_line *l, const hl_session *s)
{
	return s && s->state == HL_SS_UP && s->hello_rx && !l->stopped;
}

/* ---- receiving side ---- */

static void blob_event(hl_line *l, int kind, double value, const uint8_t hash[32],
		       const char *name, const char *what)
{
	char hex[65], text[400];
	hl_hex(hash, 32, hex);
	snprintf(text, sizeof text, "%s (%s, %.16s…)", what, name, hex);
	hl_text_trim_cut(text);
	hl_supervise_event(l, kind, -1, value, text);
}

/* The blob's content did not match its hash: start again, or give up. */
static int on_mismatch(hl_line *l, hl_session *s, hl_store_blob *b, const uint8_t hash[32])
{
	hl_store *st = l->d->store;
	unsigned failures = b->failures + 1;
	char text[512];
	int give_up = failures >= HL_BLOB_TRIES;
	snprintf(text, sizeof text, "attachment %s from %s does not match its hash (%u of %u tries)%s",
		 b->name, l->peer->name, failures, HL_BLOB_TRIES, give_up ? ": given up" : ": fetching it again");
	hl_text_trim_cut(text);
	hl_log(HL_LOG_ERR, "%s: %s", l->peer->name, text);
	hl_supervise_alarm(l, HL_ALARM_ATTACHMENT, -1, 1, text);
	blob_event(l, HL_EV_ATTACHMENT_FAILED, failures, hash, b->name, "hash mismatch");
	int rc = hl_store_blob_reset(st, b->id, failures);
	if (rc == 0 && give_up)
		rc = hl_store_blob_set_state(st, b->id, HL_BLOB_FAILED);
	if (rc < 0)
		return rc;
	/* Given up: "I hold it all" stops the sender. */
	hl_blob_send_want(s, hash, give_up ? b->size : 0);
	return 0;
}

/* The blobs a walk found holding every byte but never checked: WANT(size)
 * would tell the sender "I hold it all" and leave them pending for ever. */
typedef struct {
	hl_session *s;
	unsigned n;
	hl_store_blob full[HL_BLOB_ASK_MAX];
	uint8_t hash[HL_BLOB_ASK_MAX][32];
} ask_ctx;

static int ask_one(void *ctx, const uint8_t hash[32], const hl_store_blob *b)
{
	ask_ctx *a = ctx;

	if (b->have < b->size) {
		hl_blob_send_want(a->s, hash, b->have);
	} else if (a->n < HL_BLOB_ASK_MAX) {
		a->full[a->n] = *b;
		memcpy(a->hash[a->n], hash, 32);
		a->n++;
	}
	return 0;
}

static void ask_pending(hl_line *l, hl_session *s);

/* What follows a blob's verdict (hl_blob_append's): a mismatch starts again
 * or gives up; a match is recorded and frees the sender for the next. */
static int after_verdict(hl_line *l, hl_session *s, hl_store_blob *b, const uint8_t hash[32],
			 int verdict)
{
	if (verdict < 0)
		return on_mismatch(l, s, b, hash);
	if (verdict == 0)
		return 0;
	hl_log(HL_LOG_NOTICE, "%s: attachment %s complete (%llu bytes, hash verified)",
	       l->peer->name, b->name, (unsigned long long)b->size);
	blob_event(l, HL_EV_ATTACHMENT_DONE, (double)b->size, hash, b->name, "attachment complete");
	hl_supervise_alarm(l, HL_ALARM_ATTACHMENT, -1, 0, NULL);
	hl_blob_send_want(s, hash, b->size); /* "I hold it all" */
	ask_pending(l, s); /* the sender has a free slot now */
	return 0;
}

static void ask_pending(hl_line *l, hl_session *s)
{
	struct hl_blob_line *bl = hl_blob_line_get(l);
	if (!bl || !session_ready(l, s))
		return;
	bl->last_ask_ms = hl_now_ms(l->d);
	ask_ctx *a = calloc(1, sizeof *a);
	if (!a)
		return;
	a->s = s;
	if (hl_store_blob_walk_pending(l->d->store, l->line_id, HL_BLOB_ASK_MAX, ask_one, a) < 0)
		hl_log(HL_LOG_WARN, "%s: cannot list the attachments to fetch", l->peer->name);
	for (unsigned i = 0; i < a->n; i++) {
		int verdict = 0;
		int rc = hl_blob_check_full(l, &a->full[i], a->hash[i], &verdict);
		if (rc == 0)
			rc = after_verdict(l, s, &a->full[i], a->hash[i], verdict);
		if (rc < 0)
			hl_log(HL_LOG_WARN, "%s: cannot check attachment %s: %s", l->peer->name,
			       a->full[i].name, hl_strerror(rc));
	}
	free(a);
	hl_session_flush(s);
}

/* The length of the chunk at off of a blob of size: every chunk is full
 * but the last, so a blob is at most size / HL_BLOB_CHUNK + 1 rows. */
static size_t chunk_len(uint64_t size, uint64_t off)
{
	return size - off < HL_BLOB_CHUNK ? (size_t)(size - off) : HL_BLOB_CHUNK;
}

/* Only the chunk that continues what we hold, at its full length, is taken:
 * a peer feeding odd offsets or tiny pieces would otherwise multiply the
 * rows (disk) and the re-hash work. Chunks past what we hold mean one was
 * lost (a WANT crossed an old stream): asked again, once a second at most,
 * whatever the peer sends. */
static int on_chunk(hl_line *l, hl_session *s, const uint8_t *body, size_t len)
{
	if (len <= HL_BLOB_HDR)
		return HL_ERR_INVAL;
	const uint8_t *hash = body, *p = body + HL_BLOB_HDR;
	uint64_t off = hl_be64_get(body + 32);
	size_t n = len - HL_BLOB_HDR;
	struct hl_blob_line *bl = hl_blob_line_get(l);
	hl_store_blob b;
	if (!bl || hl_now_ms(l->d) < l->d->store_hold_until_ms)
		return 0; /* the store is failing: the tick asks again later */
	int rc = hl_store_blob_get(l->d->store, l->line_id, hash, &b);
	if (rc == HL_ERR_NOTFOUND || (rc == 0 && (!b.from_peer || b.state != HL_BLOB_PENDING)))
		return 0; /* not wanted (any more): ignored */
	if (rc < 0)
		return rc;
	if (off > b.have) {
		uint64_t now = hl_now_ms(l->d);
		if (now - bl->last_gap_ask_ms >= HL_BLOB_GAP_ASK_MS) {
			bl->last_gap_ask_ms = now;
			hl_blob_send_want(s, hash, b.have);
		}
		return 0;
	}
	if (off < b.have || b.have >= b.size || n != chunk_len(b.size, b.have))
		return 0; /* held already, or not a chunk a sender of ours sends */
	/* Attachment bytes fill the disk as entries do: the same quota. Over
	 * it, the chunk is not stored; the stall timer asks again later. */
	if (!hl_line_quota_admit(l, n, 0)) {
		bl->quota_waiting = 1;
		return 0;
	}
	bl->last_chunk_ms = hl_now_ms(l->d);
	int verdict = 0;
	rc = hl_blob_append(l, &b, hash, b.have, p, n, &verdict);
	if (rc < 0)
		return rc == HL_ERR_STATE ? 0 : rc;
	return after_verdict(l, s, &b, hash, verdict);
}

void hl_blob_on_hello(hl_line *l, hl_session *s)
{
	ask_pending(l, s);
}

void hl_blob_tick(hl_line *l, uint64_t now)
{
	struct hl_blob_line *bl = l->blob;
	hl_session *s = l->session;
	/* Nothing ever wanted since the start: the HELLO asked already. Over
	 * the attachment quota, asking would only bring chunks to drop. */
	if (!bl || !session_ready(l, s) || l->quota_attach_over)
		return;
	if (bl->quota_waiting) {
		/* A new quota window: the rest now, not at the stall timeout. */
		bl->quota_waiting = 0;
		ask_pending(l, s);
		return;
	}
	if (now - bl->last_chunk_ms < HL_BLOB_STALL_MS || now - bl->last_ask_ms < HL_BLOB_STALL_MS)
		return;
	ask_pending(l, s);
}

/* ---- sending side ---- */

static hl_blob_sending *sending_find(struct hl_blob_line *bl, const uint8_t hash[32])
{
	for (unsigned i = 0; i < HL_BLOB_SENDING; i++)
		if (bl->sending[i].id && memcmp(bl->sending[i].hash, hash, 32) == 0)
			return &bl->sending[i];
	return NULL;
}

static int on_want(hl_line *l, const uint8_t *body, size_t len)
{
	if (len != HL_BLOB_WANT_LEN)
		return HL_ERR_INVAL;
	const uint8_t *hash = body;
	uint64_t off = hl_be64_get(body + 32);
	struct hl_blob_line *bl = hl_blob_line_get(l);
	hl_store_blob b;
	if (!bl)
		return 0;
	int rc = hl_store_blob_get(l->d->store, l->line_id, hash, &b);
	if (rc == HL_ERR_NOTFOUND || (rc == 0 && (b.state != HL_BLOB_COMPLETE || off > b.size)))
		return 0; /* not ours to give: ignored (the peer asks again later) */
	if (rc < 0)
		return rc;
	/* How far the peer holds ours, for the view: a failure costs only that. */
	if (!b.from_peer && off > b.peer_have && hl_daemon_tx(l->d) == 0 &&
	    hl_store_blob_set_peer_have(l->d->store, b.id, off) < 0)
		hl_log(HL_LOG_WARN, "%s: cannot record how much of %s the peer holds", l->peer->name,
		       b.name);
	hl_blob_sending *x = sending_find(bl, hash);
	if (off == b.size) {
		if (x)
			x->id = 0;
		if (!b.from_peer && off > b.peer_have)
			hl_log(HL_LOG_NOTICE, "%s: attachment %s delivered (%llu bytes)", l->peer->name,
			       b.name, (unsigned long long)b.size);
		return 0;
	}
	/* A free slot, or one sent to its end whose "I hold it all" never came. */
	for (unsigned i = 0; !x && i < HL_BLOB_SENDING; i++)
		if (!bl->sending[i].id || bl->sending[i].next >= bl->sending[i].size)
			x = &bl->sending[i];
	if (!x)
		return 0; /* busy with others: asked again when one completes */
	x->id = b.id;
	memcpy(x->hash, hash, 32);
	x->size = b.size;
	x->next = off;
	hl_blob_pump(l);
	return 0;
}

int hl_blob_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len)
{
	if (type == HL_REC_BLOB)
		return on_chunk(l, s, body, len);
	return on_want(l, body, len);
}

static void on_pace(uv_timer_t *t)
{
	struct hl_blob_line *bl = t->data;
	hl_blob_pump(bl->l);
}

/* AttachmentRate as a token bucket holding at most a tenth of a second
 * (and at least one chunk). 1 if n bytes may go now; else 0, and the pace
 * timer is set for when they may. */
static int rate_allows(struct hl_blob_line *bl, size_t n)
{
	hl_line *l = bl->l;
	uint64_t rate = l->peer->attachment_rate, now = hl_now_ms(l->d);
	if (rate == 0)
		return 1;
	double cap = (double)rate / 10.0 > HL_BLOB_CHUNK ? (double)rate / 10.0 : HL_BLOB_CHUNK;
	bl->tokens += (double)(now - bl->tokens_ms) * (double)rate / 1000.0;
	bl->tokens_ms = now;
	if (bl->tokens > cap)
		bl->tokens = cap;
	if (bl->tokens >= (double)n) {
		bl->tokens -= (double)n;
		return 1;
	}
	if (!bl->pace_init) {
		if (uv_timer_init(&l->d->loop, &bl->pace) != 0)
			return 0;
		bl->pace.data = bl;
		bl->pace_init = 1;
	}
	uint64_t wait = (uint64_t)(((double)n - bl->tokens) * 1000.0 / (double)rate) + 1;
	if (!uv_is_active((uv_handle_t *)&bl->pace))
		uv_timer_start(&bl->pace, on_pace, wait, 0);
	return 0;
}

static hl_blob_sending *next_sending(struct hl_blob_line *bl)
{
	for (unsigned k = 0; k < HL_BLOB_SENDING; k++) {
		hl_blob_sending *x = &bl->sending[(bl->rr + k) % HL_BLOB_SENDING];
		if (x->id && x->next < x->size) {
			bl->rr = (bl->rr + k + 1) % HL_BLOB_SENDING;
			return x;
		}
	}
	return NULL;
}

/* The chunk at x->next at its full length (chunk_len), across the stored
 * rows (an upload stores other lengths): the receiver takes no other. */
static int read_chunk(hl_store *st, const hl_blob_sending *x, hl_buf *data, hl_buf *piece)
{
	size_t want = chunk_len(x->size, x->next);

	hl_buf_reset(data);
	while (data->len < want) {
		int rc = hl_store_blob_read(st, x->id, x->next + data->len, want - data->len, piece);
		if (rc == 0)
			rc = hl_buf_put(data, piece->p, piece->len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void hl_blob_pump(hl_line *l)
{
	struct hl_blob_line *bl = l->blob;
	hl_session *s = l->session;
	if (!bl || !session_ready(l, s) || l->d->stopping)
		return;
	uint8_t rec[HL_BLOB_HDR + HL_BLOB_CHUNK];
	hl_buf data, piece;
	hl_buf_init(&data, HL_BLOB_CHUNK);
	hl_buf_init(&piece, HL_BLOB_CHUNK);
	/* Entries first: none may be waiting; and only a short queue, so the
	 * next entry does not wait behind many chunks. */
	while (s->state == HL_SS_UP && s->send_next > l->own_durable &&
	       s->write_pending + s->out.len < HL_BLOB_WINDOW) {
		hl_blob_sending *x = next_sending(bl);
		if (!x)
			break;
		int rc = read_chunk(l->d->store, x, &data, &piece);
		if (rc < 0) {
			hl_log(HL_LOG_ERR, "%s: cannot read an attachment to send: %s", l->peer->name,
			       hl_strerror(rc));
			x->id = 0;
			continue;
		}
		if (!rate_allows(bl, data.len))
			break;
		memcpy(rec, x->hash, 32);
		hl_be64_put(rec + 32, x->next);
		memcpy(rec + HL_BLOB_HDR, data.p, data.len);
		rc = hl_session_send(s, HL_REC_BLOB, rec, HL_BLOB_HDR + data.len);
		if (rc == 0)
			rc = hl_session_flush(s);
		if (rc < 0)
			break;
		x->next += data.len;
		/* Sent to the end: the slot stays until the peer says it holds it
		 * all, or asks again from where it is. */
	}
	hl_buf_free(&data);
	hl_buf_free(&piece);
}
