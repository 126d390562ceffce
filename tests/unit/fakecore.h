/* fakecore.h — a station's core (line/core.h) on a real temporary store, one
 * line to a peer whose keys the test holds, sessions carried by an in-memory
 * transport (line/transport.h), and a fake feature and observer that log what
 * they hear. Header-only, for the cmocka tests that drive line.c, path.c and
 * session.c without a socket (test_line_core.c). Include after cmocka.h. */
#ifndef HL_FAKECORE_H
#define HL_FAKECORE_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line/core.h"
#include "line/transport.h"
#include "record/entry.h"
#include "record/wire.h"
#include "store/store.h"
#include "util/err.h"
#include "testutil.h"

#define FK_LINKS 6
#define FK_LOG 64

/* One attached session: what the line sent on it, as plaintext records. */
typedef struct {
	hl_session *s;
	hl_buf sent;
	size_t cursor;   /* records before it have been looked at */
	int closed;
	int initiator;
	uint8_t hs_hash[64];
} fk_link;

/* What a hook heard: who 'F' (the feature) or 'O' (the observer); what 'e'
 * entry, 'h' HELLO, 'r' record, 'a' alarm, 'l' line state. */
typedef struct {
	char who, what;
	int own, kind, on;
	uint64_t seq;
	char state[16];
} fk_event;

typedef struct {
	hl_core core;        /* first: a hook's l->d is the fixture */
	char dir[256], db[300];
	hl_config cfg;
	hl_identity *id;     /* ours */
	hl_identity *peer;   /* the fake peer's */
	hl_line *l;
	fk_link links[FK_LINKS];
	int n_links;
	fk_event log[FK_LOG];
	int n_log;
	int turns;           /* observer turn calls */
	int entry_fail;      /* the feature's on_entry returns it for peer entries */
	int own_fail;        /* and this for ours */
} fk;

static inline fk *fk_of(hl_line *l)
{
	return (fk *)(void *)l->d;
}

static inline fk_event *fk_note(fk *f, char who, char what)
{
	assert_true(f->n_log < FK_LOG);
	fk_event *ev = &f->log[f->n_log++];
	memset(ev, 0, sizeof *ev);
	ev->who = who;
	ev->what = what;
	return ev;
}

/* ---- the fake feature: takes BLOB records, hears entries and HELLOs ---- */
static inline int fk_feat_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body,
				 size_t len)
{
	(void)s;
	(void)body;
	fk_event *ev = fk_note(fk_of(l), 'F', 'r');
	ev->kind = type;
	ev->seq = len;
	return 0;
}

static inline int fk_feat_entry(hl_line *l, const hl_entry *e, const uint8_t hash[32],
				uint64_t stored_ms, int own)
{
	(void)hash;
	(void)stored_ms;
	fk *f = fk_of(l);
	fk_event *ev = fk_note(f, 'F', 'e');
	ev->own = own;
	ev->seq = e->seq;
	return own ? f->own_fail : f->entry_fail;
}

static inline void fk_feat_hello(hl_line *l, hl_session *s)
{
	(void)s;
	fk_note(fk_of(l), 'F', 'h');
}

static const hl_feature fk_feature = {
	.name = "fake",
	.records = { HL_REC_BLOB },
	.on_record = fk_feat_record,
	.on_entry = fk_feat_entry,
	.on_hello = fk_feat_hello,
};

/* ---- the fake observer ---- */
static inline void fk_obs_entry(void *ctx, hl_line *l, const hl_entry *e, const uint8_t hash[32],
				int own)
{
	(void)l;
	(void)hash;
	fk_event *ev = fk_note(ctx, 'O', 'e');
	ev->own = own;
	ev->seq = e->seq;
}

static inline void fk_obs_alarm(void *ctx, hl_line *l, int kind, int path, int on, const char *text)
{
	(void)l;
	(void)path;
	(void)text;
	fk_event *ev = fk_note(ctx, 'O', 'a');
	ev->kind = kind;
	ev->on = on;
}

static inline void fk_obs_line(void *ctx, hl_line *l)
{
	fk_event *ev = fk_note(ctx, 'O', 'l');
	snprintf(ev->state, sizeof ev->state, "%s", hl_line_state(l));
}

static inline void fk_obs_turn(void *ctx)
{
	((fk *)ctx)->turns++;
}

/* Events of one kind (who, what), and of those one with seq (0: any). */
static inline int fk_count(const fk *f, char who, char what, uint64_t seq)
{
	int n = 0;
	for (int i = 0; i < f->n_log; i++)
		if (f->log[i].who == who && f->log[i].what == what && (!seq || f->log[i].seq == seq))
			n++;
	return n;
}

/* ---- the in-memory transport ---- */
static inline int fk_tr_send(hl_session *s, const uint8_t *records, size_t len)
{
	fk_link *k = hl_session_transport_ctx(s);
	return hl_buf_put(&k->sent, records, len);
}

static inline void fk_tr_close(hl_session *s)
{
	fk_link *k = hl_session_transport_ctx(s);
	k->s = s; /* also one attach refused, which gave none back */
	k->closed = 1; /* freed by fk_down, once nothing refers to it */
}

static const hl_transport fk_transport = { fk_tr_send, fk_tr_close };

/* Attaches a session (initiator: we opened it); its HELLO goes out. */
static inline fk_link *fk_attach(fk *f, int initiator, int *rc)
{
	assert_true(f->n_links < FK_LINKS);
	fk_link *k = &f->links[f->n_links++];
	memset(k, 0, sizeof *k);
	hl_buf_init(&k->sent, 1u << 22);
	k->initiator = initiator;
	randombytes_buf(k->hs_hash, sizeof k->hs_hash);
	/* The dialler names the path (PROTOCOL §2.4): ours is path 0; a
	 * responder learns it from the peer's HELLO (fk_hello). */
	*rc = hl_session_attach(f->l, initiator ? 0 : -1, &fk_transport, k, initiator, k->hs_hash,
				"fake", &k->s);
	return k;
}

/* The next record the line sent on k, if any: 1 and its type and body. */
static inline int fk_next(fk_link *k, uint8_t *type, const uint8_t **body, size_t *len)
{
	hl_rd r;
	hl_rd_init(&r, k->sent.p + k->cursor, k->sent.len - k->cursor);
	int rc = hl_record_next(&r, type, body, len);
	assert_true(rc >= 0);
	if (rc == 1)
		return 0;
	k->cursor += HL_RECORD_HDR + *len;
	return 1;
}

/* The next record sent on k must be of this type. */
static inline void fk_expect(fk_link *k, uint8_t type, const uint8_t **body, size_t *len)
{
	uint8_t t = 0;
	assert_int_equal(fk_next(k, &t, body, len), 1);
	assert_int_equal(t, type);
}

/* Records of a type not yet looked at (the cursor stays). */
static inline int fk_pending(const fk_link *k, uint8_t type)
{
	fk_link c = *k;
	uint8_t t;
	const uint8_t *b;
	size_t n;
	int count = 0;
	while (fk_next(&c, &t, &b, &n))
		count += t == type;
	return count;
}

/* Skips what k sent so far. */
static inline void fk_skip(fk_link *k)
{
	k->cursor = k->sent.len;
}

/* What the peer sends on k, as one transport message of one record. */
static inline int fk_input(fk_link *k, uint8_t type, const uint8_t *body, size_t len)
{
	hl_buf b;
	hl_buf_init(&b, HL_MAX_TRANSPORT_PT);
	assert_int_equal(hl_record_put(&b, type, body, len), 0);
	int rc = hl_session_input(k->s, b.p, b.len);
	hl_buf_free(&b);
	return rc;
}

/* ---- the fake peer's records ---- */
/* Our entry at seq (zeros for 0), from the store. */
static inline void fk_own_hash(fk *f, uint64_t seq, uint8_t out[32])
{
	memset(out, 0, 32);
	if (seq)
		assert_int_equal(hl_store_hash_at(f->core.store, f->l->line_id, f->id->pub.ed, seq, out), 0);
}

/* A peer entry at seq after prev, signed by the peer; its encoding in enc. */
static inline void fk_peer_entry(fk *f, uint64_t seq, const uint8_t prev[32], const char *text,
				 hl_buf *enc, uint8_t hash[32])
{
	hl_entry e;
	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = HL_KIND_MESSAGE;
	memcpy(e.line_id, f->l->line_id, 32);
	memcpy(e.author, f->peer->pub.ed, 32);
	e.seq = seq;
	memcpy(e.prev, prev, 32);
	e.time_ms = hl_wall_ms();
	snprintf(e.operator_name, sizeof e.operator_name, "peer");
	snprintf(e.lang, sizeof e.lang, "en");
	e.body = (const uint8_t *)text;
	e.body_len = (uint32_t)strlen(text);
	hl_buf_init(enc, HL_MAX_ENTRY);
	assert_int_equal(hl_entry_sign(&e, f->peer), 0);
	assert_int_equal(hl_entry_encode(&e, enc), 0);
	hl_entry_hash(enc->p, enc->len, hash);
}

/* Sends the peer entry and frees its encoding: what the session returned. */
static inline int fk_send_entry(fk_link *k, hl_buf *enc)
{
	int rc = fk_input(k, HL_REC_ENTRY, enc->p, enc->len);
	hl_buf_free(enc);
	return rc;
}

/* The peer's HELLO on k: its own newest (my_seq, my_hash), ours it holds. */
static inline int fk_hello(fk *f, fk_link *k, uint64_t my_seq, const uint8_t my_hash[32],
			   uint64_t your_seq)
{
	hl_hello h;
	uint8_t enc[HL_HELLO_LEN];
	memset(&h, 0, sizeof h);
	h.role = k->initiator ? 1 : 0;
	h.path = k->initiator ? HL_HELLO_NO_PATH : 0;
	h.my_seq = my_seq;
	if (my_hash)
		memcpy(h.my_hash, my_hash, 32);
	h.your_seq = your_seq;
	fk_own_hash(f, your_seq, h.your_hash);
	assert_int_equal(hl_hello_sign(&h, k->hs_hash, f->peer), 0);
	hl_hello_encode(&h, enc);
	return fk_input(k, HL_REC_HELLO, enc, sizeof enc);
}

/* The peer's signed receipt for our entries up to seq. */
static inline int fk_receipt(fk *f, fk_link *k, uint64_t seq)
{
	hl_receipt r;
	uint8_t enc[HL_RECEIPT_LEN];
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, f->l->line_id, 32);
	memcpy(r.receiver, f->peer->pub.ed, 32);
	r.seq = seq;
	fk_own_hash(f, seq, r.hash);
	r.time_ms = hl_wall_ms();
	assert_int_equal(hl_receipt_sign(&r, f->peer), 0);
	hl_receipt_encode(&r, enc);
	return fk_input(k, HL_REC_RECEIPT, enc, sizeof enc);
}

/* An own message entry, signed and stored in the turn's transaction. */
static inline uint64_t fk_submit(fk *f, const char *text)
{
	hl_line_draft dr = {
		.kind = HL_KIND_MESSAGE, .lang = "en", .operator_name = "op",
		.body = (const uint8_t *)text, .body_len = strlen(text),
	};
	uint64_t seq = 0;
	uint8_t hash[32];
	assert_int_equal(hl_line_submit(f->l, &dr, &seq, hash), 0);
	return seq;
}

static inline uint64_t fk_stored(fk *f, const uint8_t *author)
{
	uint64_t n = 0;
	assert_int_equal(hl_store_count(f->core.store, f->l->line_id, author, &n), 0);
	return n;
}

/* ---- the core: up on the fixture's store, down as at a restart ---- */
static inline void fk_up(fk *f)
{
	char err[256] = "";
	hl_core_init(&f->core, &f->cfg, f->id, NULL);
	assert_int_equal(uv_loop_init(&f->core.loop), 0);
	assert_int_equal(hl_store_open(f->db, &f->core.store, err, sizeof err), 0);
	assert_int_equal(hl_alarms_init(&f->core.alarms, &f->core.loop, f->core.store, "",
					f->cfg.name), 0);
	assert_int_equal(hl_core_add_feature(&f->core, &fk_feature), 0);
	hl_observer o = { .ctx = f, .entry = fk_obs_entry, .alarm = fk_obs_alarm,
			  .line = fk_obs_line, .turn = fk_obs_turn };
	assert_int_equal(hl_core_add_observer(&f->core, &o), 0);
	f->l = &f->core.lines[0];
	int rc = hl_line_init(&f->core, f->l, &f->cfg.peers[0], err, sizeof err);
	if (rc < 0)
		fail_msg("hl_line_init: %s", err);
	f->core.n_lines = 1;
}

/* Stops as a killed daemon would: what the open turn wrote is lost. */
static inline void fk_down(fk *f)
{
	if (hl_store_in_tx(f->core.store))
		hl_store_rollback(f->core.store);
	f->core.stopping = 1;
	hl_line_close(f->l);
	hl_alarms_free(f->core.alarms);
	f->core.alarms = NULL;
	uv_run(&f->core.loop, UV_RUN_DEFAULT);
	for (int i = 0; i < f->n_links; i++) {
		fk_link *k = &f->links[i];
		assert_true(k->closed);
		hl_session_free(k->s);
		hl_buf_free(&k->sent);
	}
	f->n_links = 0;
	assert_null(f->core.sessions);
	assert_int_equal(uv_loop_close(&f->core.loop), 0);
	hl_store_close(f->core.store);
	f->core.store = NULL;
}

static inline int fk_setup(void **state)
{
	fk *f = calloc(1, sizeof *f);
	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "linecore") < 0)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/hotline.db", f->dir);
	if (hl_keys_generate(&f->id) < 0 || hl_keys_generate(&f->peer) < 0)
		return -1;
	hl_config *c = &f->cfg;
	snprintf(c->name, sizeof c->name, "washington");
	c->alarm_after_ms = 30000;
	c->receipt_timeout_ms = 30000;
	c->max_clock_skew_ms = 5000;
	c->n_peers = 1;
	hl_peer_conf *p = &c->peers[0];
	snprintf(p->name, sizeof p->name, "moscow");
	p->key = f->peer->pub;
	p->n_endpoints = 0; /* we only listen: the test attaches every session */
	p->keepalive_ms = 1000;
	p->dead_after = 3;
	p->rekey_after_ms = 120000;
	p->quota_entries = 10000;
	p->quota_bytes = 256u << 20;
	p->quota_attach_bytes = 1u << 30;
	p->quota_window_ms = 86400000;
	fk_up(f);
	*state = f;
	return 0;
}

static inline int fk_teardown(void **state)
{
	fk *f = *state;
	if (f->core.store)
		fk_down(f);
	hl_keys_free(f->id);
	hl_keys_free(f->peer);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

#endif
