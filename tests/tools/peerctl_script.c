/* peerctl_script.c — peerctl's "probe" and "act": a pinned peer
 * impersonated over the protocol client (peerctl.c), running a script of
 * steps that send valid entries or lies (forged signatures, forks, lying
 * HELLOs, forked receipts, a wrong clock, withheld receipts) and expect what
 * the station must do. */
#include "peerctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Signs e (tampering with the signature if asked), sends it, gives its hash. */
static int send_entry(actor *a, hl_entry *e, int flip_sig, uint8_t hash[32])
{
	hl_buf enc;
	hl_buf_init(&enc, HL_MAX_ENTRY);
	int rc = hl_entry_sign(e, a->id);
	if (rc == 0) {
		e->sig[7] ^= flip_sig ? 0x20 : 0;
		rc = hl_entry_encode(e, &enc);
	}
	if (rc == 0) {
		hl_entry_hash(enc.p, enc.len, hash);
		rc = send_record(&a->c, HL_REC_ENTRY, enc.p, enc.len);
	}
	if (rc < 0)
		say("cannot sign or send entry seq %llu: %s", (unsigned long long)e->seq,
		    a->c.closed ? "connection closed" : hl_strerror(rc));
	hl_buf_free(&enc);
	return rc;
}

/* An entry of the station's: we "hold" it, so a receipt may name it. */
static void note_entry(actor *a, const uint8_t *body, size_t len)
{
	hl_entry e;
	a->seen_entries++;
	if (hl_entry_decode(body, len, &e) < 0 || memcmp(e.author, a->station.ed, 32) != 0)
		return;
	blob_note_entry(a, &e); /* even one we said we hold: it is resent until receipted */
	if (e.seq <= a->seen_seq)
		return;
	a->seen_seq = e.seq;
	hl_entry_hash(body, len, a->seen_hash);
}

int wait_record(actor *a, uint8_t want, const uint8_t **body, size_t *len)
{
	int64_t t0 = now_ms(), end = deadline(&a->c);
	for (;;) {
		uint8_t type;
		int rc = next_record(&a->c, end, &type, body, len);
		if (rc == -1 && want == 0) {
			say("  closed by the station after %lld ms", (long long)(now_ms() - t0));
			return 0;
		}
		if (rc != 1) {
			say("  no %s: %s", rec_name(want), why_no_record(rc));
			return -1;
		}
		if (type == HL_REC_ENTRY)
			note_entry(a, *body, *len);
		if (type == want)
			return 0;
		if (type == HL_REC_BLOB)
			a->blobs_seen++; /* a stream of them: counted, not named */
		else if (type != HL_REC_PONG)
			say("  (got %s, %zu bytes, while waiting for %s)", rec_name(type), *len, rec_name(want));
	}
}

static int expect_receipt(actor *a, uint64_t seq)
{
	for (;;) {
		const uint8_t *body;
		size_t len;
		hl_receipt r;
		if (wait_record(a, HL_REC_RECEIPT, &body, &len) < 0)
			return -1;
		if (hl_receipt_decode(body, len, &r) < 0 || memcmp(r.line_id, a->line_id, 32) != 0 ||
		    memcmp(r.receiver, a->station.ed, 32) != 0 || hl_receipt_verify(&r) < 0) {
			say("  RECEIPT malformed, for another line or receiver, or badly signed");
			return -1;
		}
		if (r.seq < seq) {
			say("  (receipt for seq %llu, waiting for %llu)", (unsigned long long)r.seq,
			    (unsigned long long)seq);
			continue;
		}
		if (r.seq == a->last_seq && memcmp(r.hash, a->last_hash, 32) != 0) {
			say("  RECEIPT for seq %llu names a different entry than we sent", (unsigned long long)r.seq);
			return -1;
		}
		say("  receipt for seq %llu, signature verified", (unsigned long long)r.seq);
		return 0;
	}
}

enum { OP_SEND, OP_ANNOUNCE, OP_EQUIVOCATE, OP_BAD_SIG, OP_BAD_PREV, OP_BAD_SEQ, OP_BAD_PEERHASH, OP_WRONG_LINE,
       OP_XLINK_BACK, OP_MAX_FRAME, OP_RECEIPT_HEAD, OP_RECEIPT_FORK, OP_RECEIPT_BEYOND, OP_CLOCK_OFFSET,
       OP_EXPECT_RECEIPT, OP_EXPECT_WANT, OP_EXPECT_CLOSE, OP_PING, OP_IDLE, OP_WAIT_ENTRY, OP_N };

static const struct { const char *name; int nargs; } ops[OP_N] = {
	{ "send-valid", 1 }, { "announce", 1 }, { "equivocate", 1 }, { "bad-sig", 0 }, { "bad-prev", 0 },
	{ "bad-seq", 0 }, { "bad-peerhash", 0 }, { "wrong-line", 0 }, { "xlink-back", 0 },
	{ "max-frame", 0 },
	{ "receipt-head", 0 }, { "receipt-fork", 0 }, { "receipt-beyond", 0 }, { "clock-offset", 1 },
	{ "expect-receipt", 1 },
	{ "expect-want", 1 }, { "expect-close", 0 }, { "ping", 0 }, { "idle", 1 }, { "wait-entry", 0 },
};

/* Our steps, then the attachment steps (peerctl_blob.c) from OP_N on. */
static int op_lookup(const char *s)
{
	for (int i = 0; i < OP_N; i++)
		if (!strcmp(s, ops[i].name))
			return i;
	int k = blob_op_lookup(s);
	return k < 0 ? -1 : OP_N + k;
}

static int op_nargs(int op)
{
	return op < OP_N ? ops[op].nargs : blob_op_nargs(op - OP_N);
}

static const char *op_name(int op)
{
	return op < OP_N ? ops[op].name : blob_op_name(op - OP_N);
}

/* The whole script is checked before connecting: a typo is a usage error,
 * not a daemon misbehaving. */
static int script_ok(char **w, int n)
{
	uint64_t v;
	for (int i = 0; i < n; i++) {
		int op = op_lookup(w[i]);
		if (op < 0 || i + op_nargs(op) >= n) {
			say("act: bad script at '%s'", w[i]);
			return 0;
		}
		if (op >= OP_N && !blob_args_ok(op - OP_N, w + i + 1))
			return 0;
		if (op == OP_ANNOUNCE && (parse_u64(w[i + 1], &v) < 0 || v < 1 || v > 16u * 1024 * 1024)) {
			say("act: announce needs a size of 1 byte to 16 MiB, not '%s'", w[i + 1]);
			return 0;
		}
		if ((op == OP_EXPECT_RECEIPT || op == OP_EXPECT_WANT || op == OP_IDLE) &&
		    (parse_u64(w[i + 1], &v) < 0 || (op == OP_IDLE && v > 60))) {
			say("act: %s needs a number (idle: 0..60 s), not '%s'", w[i], w[i + 1]);
			return 0;
		}
		if (op == OP_CLOCK_OFFSET && parse_i64(w[i + 1], NULL) < 0) {
			say("act: clock-offset needs milliseconds, not '%s'", w[i + 1]);
			return 0;
		}
		i += op_nargs(op);
	}
	return 1;
}

/* Stays connected for secs, answering PINGs (with our clock) and taking the
 * station's entries, receipting nothing: the station must not close on us. */
int idle(actor *a, uint64_t secs)
{
	int64_t end = now_ms() + (int64_t)secs * 1000;
	unsigned before = a->seen_entries;
	for (;;) {
		uint8_t type;
		const uint8_t *body;
		size_t len;
		int rc = next_record(&a->c, end, &type, &body, &len);
		if (rc == 0)
			break;
		if (rc != 1) {
			say("idle %llu: %s", (unsigned long long)secs, why_no_record(rc));
			return -1;
		}
		if (type == HL_REC_ENTRY)
			note_entry(a, body, len);
		a->blobs_seen += type == HL_REC_BLOB;
	}
	say("idle %llu: connection open; %u entries of the station's came (it has up to seq %llu)",
	    (unsigned long long)secs, a->seen_entries - before, (unsigned long long)a->seen_seq);
	return 0;
}

/* A receipt signed with the peer's key: the right one for the station's
 * newest entry we hold, or one naming another hash for that seq (a fork), or
 * one for a seq the station never wrote. */
static int send_receipt(actor *a, int op)
{
	hl_receipt r;
	uint8_t enc[HL_RECEIPT_LEN];
	memset(&r, 0, sizeof r);
	memcpy(r.line_id, a->line_id, 32);
	memcpy(r.receiver, a->id->pub.ed, 32);
	r.seq = op == OP_RECEIPT_BEYOND ? a->seen_seq + 1 : a->seen_seq;
	if (op == OP_RECEIPT_HEAD)
		memcpy(r.hash, a->seen_hash, 32);
	else
		randombytes_buf(r.hash, 32);
	r.time_ms = our_wall_ms(&a->c);
	if (r.seq == 0) {
		say("%s: the station has no entry we could receipt", ops[op].name);
		return -1;
	}
	if (hl_receipt_sign(&r, a->id) < 0)
		return -1;
	hl_receipt_encode(&r, enc);
	if (send_record(&a->c, HL_REC_RECEIPT, enc, sizeof enc) < 0) {
		say("%s: cannot send: %s", ops[op].name, a->c.closed ? "connection closed" : "error");
		return -1;
	}
	say("%s: signed receipt for the station's seq %llu sent%s", ops[op].name, (unsigned long long)r.seq,
	    op == OP_RECEIPT_HEAD ? "" : op == OP_RECEIPT_FORK ? " (a different hash: a fork)" :
	    " (a seq it never wrote)");
	return 0;
}

/* Waiting actions. 0 as expected, -1 not. */
static int expect_step(actor *a, int op, const char *arg)
{
	uint8_t p[HL_PING_LEN];
	const uint8_t *body;
	size_t len;
	uint64_t n = 0;
	if (arg)
		parse_u64(arg, &n);
	if (op == OP_EXPECT_RECEIPT) {
		say("expect-receipt %llu:", (unsigned long long)n);
		return expect_receipt(a, n);
	}
	if (op == OP_EXPECT_WANT) {
		if (wait_record(a, HL_REC_WANT, &body, &len) < 0)
			return -1;
		uint64_t from = len == HL_WANT_LEN ? hl_be64_get(body) : 0;
		say("expect-want %llu: WANT from seq %llu", (unsigned long long)n, (unsigned long long)from);
		return len == HL_WANT_LEN && from == n ? 0 : -1;
	}
	if (op == OP_WAIT_ENTRY) {
		if (wait_record(a, HL_REC_ENTRY, &body, &len) < 0)
			return -1;
		say("wait-entry: the station's entries up to seq %llu", (unsigned long long)a->seen_seq);
		return 0;
	}
	if (op == OP_IDLE)
		return idle(a, n);
	if (op == OP_PING) {
		hl_be64_put(p, (uint64_t)now_ms());
		hl_be64_put(p + 8, our_wall_ms(&a->c));
		if (send_record(&a->c, HL_REC_PING, p, sizeof p) < 0 ||
		    wait_record(a, HL_REC_PONG, &body, &len) < 0 || len != HL_PING_LEN ||
		    memcmp(body, p, 8) != 0) {
			say("ping: no matching PONG");
			return -1;
		}
		say("ping: PONG, connection open");
		return 0;
	}
	say("expect-close:");
	return wait_record(a, 0, &body, &len);
}

/* Sending actions: the next entry in our chain, or one tampered field of it. */
static int act_step(actor *a, int op, const char *arg)
{
	uint8_t hash[32];
	hl_entry e;
	if (op >= OP_EXPECT_RECEIPT)
		return expect_step(a, op, arg);
	if (op == OP_RECEIPT_HEAD || op == OP_RECEIPT_FORK || op == OP_RECEIPT_BEYOND)
		return send_receipt(a, op);
	if (op == OP_CLOCK_OFFSET) {
		parse_i64(arg, &a->c.clock_off_ms);
		say("clock-offset: our clock now reads %+lld ms off", (long long)a->c.clock_off_ms);
		return 0;
	}
	if (op == OP_MAX_FRAME) {
		/* The largest legal transport message (65535 bytes on the wire),
		 * holding one malformed PING: the station must close, not crash. */
		static uint8_t big[HL_MAX_RECORD_BODY];
		say("max-frame: one 65535-byte transport message");
		return send_record(&a->c, HL_REC_PING, big, sizeof big);
	}
	memset(&e, 0, sizeof e);
	e.version = HL_ENTRY_VERSION;
	e.kind = HL_KIND_MESSAGE;
	memcpy(e.line_id, a->line_id, 32);
	memcpy(e.author, a->id->pub.ed, 32);
	e.seq = a->next_seq;
	memcpy(e.prev, a->prev, 32);
	e.peer_seq = a->sh.my_seq; /* cross-link: the station's head */
	memcpy(e.peer_hash, a->sh.my_hash, 32);
	e.time_ms = our_wall_ms(&a->c);
	snprintf(e.operator_name, sizeof e.operator_name, "peerctl");
	snprintf(e.lang, sizeof e.lang, "en");
	e.body = (const uint8_t *)(arg ? arg : "tampered");
	e.body_len = (uint32_t)strlen((const char *)e.body);
	if (op == OP_ANNOUNCE && blob_announce(a, arg, &e) < 0)
		return -1;
	if (op == OP_EQUIVOCATE) {
		if (a->last_seq == 0) {
			say("equivocate: no valid entry sent yet in this session");
			return -1;
		}
		e.seq = a->last_seq;
		memcpy(e.prev, a->last_prev, 32);
	} else if (op == OP_BAD_PREV) {
		if (e.seq == 1) {
			say("bad-prev: seq 1 must have a zero prev; send a valid entry first");
			return -1;
		}
		randombytes_buf(e.prev, 32);
	} else if (op == OP_BAD_SEQ) {
		e.seq++; /* skips one */
	} else if (op == OP_BAD_PEERHASH) {
		randombytes_buf(e.peer_hash, 32); /* not the station's entry at that seq */
	} else if (op == OP_WRONG_LINE) {
		randombytes_buf(e.line_id, 32);
	} else if (op == OP_XLINK_BACK) {
		/* "I have stored none of yours": less than our entries so far said. */
		e.peer_seq = 0;
		memset(e.peer_hash, 0, 32);
	}
	if (send_entry(a, &e, op == OP_BAD_SIG, hash) < 0)
		return -1;
	say("%s: sent seq %llu%s%s%s", ops[op].name, (unsigned long long)e.seq, arg ? " '" : "",
	    arg ? arg : "", arg ? "'" : "");
	if (op == OP_SEND || op == OP_ANNOUNCE) {
		memcpy(a->last_prev, a->prev, 32);
		memcpy(a->prev, hash, 32);
		memcpy(a->last_hash, hash, 32);
		a->last_seq = a->next_seq++;
	}
	return 0;
}

/* --hello MODE: what our HELLO claims. honest: exactly what the station's
 * says (we hold its whole chain, it holds ours). The lies: ours-ahead, we
 * hold one more of its entries than it wrote; ours-forked, another hash for
 * its newest seq; ours-none, none of its entries (below the receipts we may
 * have signed); theirs-none, our own chain is empty (a store restored from an
 * old copy: our next entry is seq 1 again); theirs-forked, another hash for
 * our newest seq. */
static const char *const hello_modes[] = { "honest", "ours-ahead", "ours-forked", "ours-none",
					   "theirs-none", "theirs-forked", NULL };
enum { HM_HONEST, HM_OURS_AHEAD, HM_OURS_FORKED, HM_OURS_NONE, HM_THEIRS_NONE, HM_THEIRS_FORKED };

static int hello_mode(const char *s)
{
	for (int i = 0; hello_modes[i]; i++)
		if (!strcmp(s ? s : "honest", hello_modes[i]))
			return i;
	return -1;
}

static int send_hello(actor *a, int mode)
{
	hl_hello h;
	uint8_t enc[HL_HELLO_LEN];
	memset(&h, 0, sizeof h); /* role 0: we are the initiator */
	h.my_seq = a->sh.your_seq;
	memcpy(h.my_hash, a->sh.your_hash, 32);
	h.your_seq = a->sh.my_seq;
	memcpy(h.your_hash, a->sh.my_hash, 32);
	if ((mode == HM_OURS_FORKED && h.your_seq == 0) || (mode == HM_THEIRS_FORKED && h.my_seq == 0)) {
		say("--hello %s: the station holds no such entry to fork", hello_modes[mode]);
		return -1;
	}
	if (mode == HM_OURS_AHEAD)
		h.your_seq++;
	if (mode == HM_OURS_AHEAD || mode == HM_OURS_FORKED)
		randombytes_buf(h.your_hash, 32);
	if (mode == HM_THEIRS_FORKED)
		randombytes_buf(h.my_hash, 32);
	if (mode == HM_OURS_NONE) {
		h.your_seq = 0;
		memset(h.your_hash, 0, 32);
	}
	if (mode == HM_THEIRS_NONE) {
		h.my_seq = 0;
		memset(h.my_hash, 0, 32);
		a->next_seq = 1; /* and we sign seq 1 again */
		memset(a->prev, 0, 32);
	}
	a->seen_seq = h.your_seq <= a->sh.my_seq ? h.your_seq : a->sh.my_seq;
	memcpy(a->seen_hash, a->seen_seq == a->sh.my_seq ? a->sh.my_hash : h.your_hash, 32);
	if (mode != HM_HONEST)
		say("HELLO (%s): we hold our own up to seq %llu, the station's up to seq %llu", hello_modes[mode],
		    (unsigned long long)h.my_seq, (unsigned long long)h.your_seq);
	if (hl_hello_sign(&h, a->c.hs_hash, a->id) < 0)
		return -1;
	hl_hello_encode(&h, enc);
	return send_record(&a->c, HL_REC_HELLO, enc, sizeof enc);
}

/* probe: handshake (and HELLO) only; act: then the script. */
int cmd_peer(const opts *o, int probe)
{
	actor a;
	uint8_t psk[HL_PSK_LEN];
	int has_psk, ret = EXIT_UNEXPECTED;
	memset(&a, 0, sizeof a);
	a.c.fd = -1;
	if (hello_mode(o->hello) < 0) {
		say("--hello: unknown mode '%s'", o->hello);
		return EXIT_USAGE;
	}
	if (!script_ok(o->script, o->nscript) ||
	    load_identity(o, &a.id, &a.station, psk, &has_psk) < 0) {
		hl_keys_free(a.id);
		return EXIT_USAGE;
	}
	hl_line_id(&a.id->pub, &a.station, a.line_id);
	if (conn_open(&a.c, o) < 0)
		goto out;
	int rc = handshake(&a.c, a.id, &a.station, has_psk ? psk : NULL, o->save);
	if (rc == 1) {
		say("closed without reply (%zu bytes)", a.c.rx_bytes);
		ret = probe && o->expect_refused && a.c.rx_bytes == 0 ? EXIT_OK : EXIT_UNEXPECTED;
		goto out;
	}
	if (rc != 0 || read_hello(&a.c, &a.station, &a.sh) < 0)
		goto out;
	say("handshake completed; station HELLO verified: it holds its own up to seq %llu, ours up to seq %llu",
	    (unsigned long long)a.sh.my_seq, (unsigned long long)a.sh.your_seq);
	if (probe) {
		ret = o->expect_refused ? EXIT_UNEXPECTED : EXIT_OK;
		goto out;
	}
	a.next_seq = a.sh.your_seq + 1;
	memcpy(a.prev, a.sh.your_hash, 32);
	if (send_hello(&a, hello_mode(o->hello)) < 0) {
		say("cannot send HELLO");
		goto out;
	}
	for (int i = 0; i < o->nscript; i++) {
		int op = op_lookup(o->script[i]);
		char **args = o->script + i + 1;
		i += op_nargs(op);
		if ((op >= OP_N ? blob_step(&a, op - OP_N, args) :
		     act_step(&a, op, op_nargs(op) ? args[0] : NULL)) < 0) {
			say("act: step '%s' did not go as expected", op_name(op));
			goto out;
		}
	}
	say("act: every step as expected");
	ret = EXIT_OK;
out:
	sodium_memzero(psk, sizeof psk);
	free(a.ours.data);
	conn_close(&a.c);
	hl_keys_free(a.id);
	return ret;
}
