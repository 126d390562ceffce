/* verify.c — the offline transcript verifier: every signature, chain link,
 * cross-link, receipt and the signed trailer, in one pass with flat memory
 * (hashes by seq go to verify_hashes.c's stores), stopping at the first
 * broken rule with the record located (docs/PROTOCOL.md §5). */
#include "verify_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "err.h"

#define PROGRESS_EVERY 4096u       /* records between progress callbacks */

static const uint8_t zero32[32];
static const uint8_t end_prefix[HL_HLT_SIG_PREFIX_LEN] = HL_HLT_SIG_PREFIX;

enum { PH_ANCHORS, PH_ENTRIES, PH_RECEIPTS, PH_CONFLICT };

static const char *const rule_names[HL_VR_MAX] = {
	[HL_VR_OK] = "ok", [HL_VR_READ] = "read", [HL_VR_MAGIC] = "not-a-transcript",
	[HL_VR_HEADER] = "header", [HL_VR_LINE_ID] = "header-line-id", [HL_VR_KEYS] = "pinned-keys",
	[HL_VR_TRUNC] = "truncated", [HL_VR_RECORD] = "record", [HL_VR_DECODE] = "encoding",
	[HL_VR_ENTRY_LINE] = "entry-line-id", [HL_VR_AUTHOR] = "author", [HL_VR_SIG] = "signature",
	[HL_VR_SEQ] = "seq", [HL_VR_RANGE] = "range", [HL_VR_ANCHOR] = "anchor",
	[HL_VR_PREV] = "chain-link", [HL_VR_XLINK] = "cross-link",
	[HL_VR_XLINK_ORDER] = "causal-order", [HL_VR_RECEIPT_PARTY] = "receipt-party",
	[HL_VR_RECEIPT_SIG] = "receipt-signature", [HL_VR_RECEIPT_SEQ] = "receipt-seq",
	[HL_VR_RECEIPT_HASH] = "receipt-hash", [HL_VR_CONFLICT] = "conflict",
	[HL_VR_COUNTS] = "trailer-counts", [HL_VR_DIGEST] = "trailer-digest",
	[HL_VR_END_SIG] = "trailer-signature", [HL_VR_TRAILING] = "trailing-bytes",
	[HL_VR_XLINK_BACK] = "cross-link-backwards",
};

const char *hl_verify_rule_name(int rule)
{
	if (rule < 0 || rule >= HL_VR_MAX || !rule_names[rule])
		return "unknown";
	return rule_names[rule];
}

int hl_verifier_new(hl_verifier **out)
{
	hl_verifier *v;
	int rc;

	if (!out)
		return HL_ERR_INVAL;
	*out = NULL;
	v = calloc(1, sizeof *v);
	if (!v)
		return HL_ERR_NOMEM;
	v->rd.fd = -1;
	/* Both opened before either is checked: free then closes only real fds. */
	rc = hl_verify_hs_open(&v->hs[0]);
	if (hl_verify_hs_open(&v->hs[1]) < 0)
		rc = HL_ERR_IO;
	if (rc < 0) {
		hl_verifier_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

void hl_verifier_free(hl_verifier *v)
{
	if (!v)
		return;
	for (int i = 0; i < 2; i++)
		hl_verify_hs_close(&v->hs[i]);
	hl_hlt_reader_free(&v->rd);
	free(v);
}

static const char *name_of(const hl_verifier *v, int side)
{
	const char *n = side == 0 ? v->rep->hdr.name_a : v->rep->hdr.name_b;

	if (side < 0)
		return "an unknown station";
	return n[0] ? n : side == 0 ? "station A" : "station B";
}

static void hex8(const uint8_t *p, char out[17])
{
	static const char d[] = "0123456789abcdef";

	for (int i = 0; i < 8; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[16] = '\0';
}

__attribute__((format(printf, 3, 4)))
static int fail(hl_verifier *v, int rule, const char *fmt, ...)
{
	hl_verify_report *rep = v->rep;
	va_list ap;

	rep->ok = 0;
	rep->rule = rule;
	rep->fail_offset = v->cur.offset;
	rep->fail_record = v->cur.type;
	rep->fail_side = v->cur.side;
	rep->fail_has_entry = v->cur.has_entry;
	rep->fail_seq = v->cur.seq;
	rep->fail_expected_seq = v->cur.expected;
	memcpy(rep->fail_author, v->cur.author, 32);
	memcpy(rep->fail_hash, v->cur.hash, 32);
	va_start(ap, fmt);
	vsnprintf(rep->msg, sizeof rep->msg, fmt, ap);
	va_end(ap);
	return HL_ERR_INVAL;
}

static int side_of(const hl_verifier *v, const uint8_t ed[32])
{
	if (memcmp(ed, v->rep->hdr.key_a.ed, 32) == 0)
		return 0;
	if (memcmp(ed, v->rep->hdr.key_b.ed, 32) == 0)
		return 1;
	return -1;
}

/* Sets the cursor on an entry's raw bytes before decoding, so that even an
 * entry too damaged to decode is named by the seq and author it claims. */
static void cursor_entry(hl_verifier *v, const hl_hlt_rec *rec, const uint8_t *enc, size_t len)
{
	hl_verify_cursor *c = &v->cur;

	memset(c, 0, sizeof *c);
	c->offset = rec->offset;
	c->type = rec->type;
	c->side = -1;
	c->has_entry = 1;
	hl_entry_hash(enc, len, c->hash);
	if (len >= 77) {
		memcpy(c->author, enc + 37, 32);
		c->seq = hl_be64_get(enc + 69);
		c->side = side_of(v, c->author);
	}
	if (c->side >= 0 && rec->type == HL_HLT_ENTRY) {
		const hl_verify_chain *ch = &v->c[c->side];
		c->expected = ch->started ? ch->last_seq + 1 : ch->from;
	}
}

static void cursor_plain(hl_verifier *v, const hl_hlt_rec *rec)
{
	memset(&v->cur, 0, sizeof v->cur);
	v->cur.offset = rec->offset;
	v->cur.type = rec->type;
	v->cur.side = -1;
}

/* Decodes and checks what every entry in the file must satisfy: its line,
 * a known author, a valid signature. */
static int check_signed_entry(hl_verifier *v, const uint8_t *enc, size_t len, hl_entry *e,
			      int *side, const char *what)
{
	char k[17];
	int rc = hl_entry_decode(enc, len, e);

	if (rc < 0)
		return fail(v, HL_VR_DECODE, "%s is not a valid entry encoding (%s)", what,
			    hl_strerror(rc));
	if (memcmp(e->line_id, v->rep->hdr.line_id, 32) != 0)
		return fail(v, HL_VR_ENTRY_LINE, "%s belongs to another line (line id differs "
			    "from the header's)", what);
	*side = side_of(v, e->author);
	if (*side < 0) {
		hex8(e->author, k);
		return fail(v, HL_VR_AUTHOR, "%s is by key %s..., which is neither station's key",
			    what, k);
	}
	v->cur.side = *side;
	if (hl_entry_verify(e) < 0)
		return fail(v, HL_VR_SIG, "signature of %s does not verify under %s's key", what,
			    name_of(v, *side));
	return 0;
}

/* Hash of the other station's entry at seq, if the file holds it so far:
 * 1 found, 0 not (outside what appeared), negative on a read failure. */
static int hash_at(hl_verifier *v, int side, uint64_t seq, uint8_t out[32])
{
	const hl_verify_chain *c = &v->c[side];

	if (c->has_anchor && seq == c->anchor_seq) {
		memcpy(out, c->anchor_hash, 32);
		return 1;
	}
	if (!c->started || seq < c->from || seq > c->last_seq)
		return 0;
	return hl_verify_hs_read(&v->hs[side], seq - c->from, out, 1) < 0 ? HL_ERR_IO : 1;
}

/* A range needs the entry before each station's first: without it the
 * first entry's prev could name anything. */
static int check_anchors(hl_verifier *v)
{
	for (int s = 0; s < 2; s++) {
		const hl_verify_chain *c = &v->c[s];
		if (v->rep->hdr.kind == HL_HLT_RANGE && c->from > 1 && !c->has_anchor)
			return fail(v, HL_VR_ANCHOR, "no ANCHOR for %s: a range whose part of %s "
				    "starts at seq %llu must carry its seq %llu before any entry",
				    name_of(v, s), name_of(v, s), (unsigned long long)c->from,
				    (unsigned long long)(c->from - 1));
	}
	return 0;
}

static int do_anchor(hl_verifier *v, const hl_hlt_rec *rec)
{
	hl_verify_station *st;
	hl_entry e;
	hl_verify_chain *c;
	int side, rc;

	cursor_entry(v, rec, rec->body, rec->len);
	if (v->rep->hdr.kind != HL_HLT_RANGE)
		return fail(v, HL_VR_RECORD, "an ANCHOR record in a file that is not a range");
	if (v->phase != PH_ANCHORS)
		return fail(v, HL_VR_ANCHOR, "an ANCHOR after the first entry (anchors come first)");
	if ((rc = check_signed_entry(v, rec->body, rec->len, &e, &side, "the anchor")) < 0)
		return rc;
	c = &v->c[side];
	if (c->has_anchor)
		return fail(v, HL_VR_ANCHOR, "a second ANCHOR for %s", name_of(v, side));
	if (c->from <= 1)
		return fail(v, HL_VR_ANCHOR, "an ANCHOR for %s, whose part of the range %s",
			    name_of(v, side), c->from ? "starts at seq 1" : "is empty");
	if (e.seq != c->from - 1)
		return fail(v, HL_VR_ANCHOR, "the ANCHOR for %s has seq %llu; the range starts at "
			    "seq %llu, so it must be seq %llu", name_of(v, side),
			    (unsigned long long)e.seq, (unsigned long long)c->from,
			    (unsigned long long)(c->from - 1));
	c->has_anchor = 1;
	c->anchor_seq = e.seq;
	c->last_link = e.peer_seq;
	memcpy(c->anchor_hash, v->cur.hash, 32);
	st = &v->rep->st[side];
	st->has_anchor = 1;
	st->anchor_seq = e.seq;
	return 0;
}

static int check_xlink(hl_verifier *v, const hl_entry *e, int side)
{
	int o = 1 - side, kind = v->rep->hdr.kind, rc;
	const hl_verify_chain *oc = &v->c[o];
	hl_verify_station *st = &v->rep->st[side];
	uint8_t h[32];
	char h1[17], h2[17];

	/* A cross-link says what its author had stored of the other chain; a
	 * later entry saying less would "un-receive" it (PROTOCOL §5.2). */
	if (e->peer_seq < v->c[side].last_link)
		return fail(v, HL_VR_XLINK_BACK, "cross-link names %s seq %llu, but %s's previous "
			    "entry had already cross-linked seq %llu (cross-links never go back)",
			    name_of(v, o), (unsigned long long)e->peer_seq, name_of(v, side),
			    (unsigned long long)v->c[side].last_link);
	if (e->peer_seq == 0)
		return 0; /* zero peer_hash is enforced by decoding */
	rc = hash_at(v, o, e->peer_seq, h);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		if (memcmp(h, e->peer_hash, 32) != 0) {
			hex8(e->peer_hash, h1);
			hex8(h, h2);
			return fail(v, HL_VR_XLINK, "cross-link names %s seq %llu with hash %s..., "
				    "but that entry's hash is %s...", name_of(v, o),
				    (unsigned long long)e->peer_seq, h1, h2);
		}
		st->xlinks_checked++;
		return 0;
	}
	/* In a range, what lies below the other's part (or its anchor) or above
	 * its end is outside the file: counted, never silently passed. */
	if (kind == HL_HLT_RANGE &&
	    (oc->from == 0 || e->peer_seq < oc->from || e->peer_seq > oc->to)) {
		st->xlinks_outside++;
		return 0;
	}
	if (oc->from == 0 || e->peer_seq > oc->to)
		return fail(v, HL_VR_XLINK_ORDER, "cross-link names %s seq %llu, which is not in "
			    "the file (it holds %s seq %llu..%llu)", name_of(v, o),
			    (unsigned long long)e->peer_seq, name_of(v, o),
			    (unsigned long long)oc->from, (unsigned long long)oc->to);
	return fail(v, HL_VR_XLINK_ORDER, "cross-link names %s seq %llu, which has not appeared "
		    "before this entry (entries must be in causal order)", name_of(v, o),
		    (unsigned long long)e->peer_seq);
}

static int do_entry(hl_verifier *v, const hl_hlt_rec *rec)
{
	const uint8_t *want_prev;
	hl_verify_station *st;
	uint64_t expected;
	hl_entry e;
	hl_verify_chain *c;
	int side, rc;

	cursor_entry(v, rec, rec->body, rec->len);
	if (v->rep->hdr.kind == HL_HLT_PROOF)
		return fail(v, HL_VR_RECORD, "an ENTRY record in a proof file");
	if (v->phase > PH_ENTRIES)
		return fail(v, HL_VR_RECORD, "an ENTRY after the receipts (entries come first)");
	if (v->phase == PH_ANCHORS) {
		v->phase = PH_ENTRIES;
		if ((rc = check_anchors(v)) < 0)
			return rc;
	}
	if ((rc = check_signed_entry(v, rec->body, rec->len, &e, &side, "the entry")) < 0)
		return rc;
	c = &v->c[side];
	expected = c->started ? c->last_seq + 1 : c->from;
	if (c->from == 0)
		return fail(v, HL_VR_RANGE, "an entry of %s, but the header says the file holds "
			    "none of %s's", name_of(v, side), name_of(v, side));
	if (e.seq != expected)
		return fail(v, HL_VR_SEQ, "seq %llu where %s seq %llu was expected (%s)",
			    (unsigned long long)e.seq, name_of(v, side),
			    (unsigned long long)expected,
			    e.seq > expected ? "entries are missing before it" :
			    "an entry repeated or out of order");
	if (e.seq > c->to)
		return fail(v, HL_VR_RANGE, "seq %llu is beyond the header's range of %s "
			    "(seq %llu..%llu)", (unsigned long long)e.seq, name_of(v, side),
			    (unsigned long long)c->from, (unsigned long long)c->to);
	want_prev = c->started ? c->last_hash : e.seq == 1 ? zero32 : c->anchor_hash;
	if (memcmp(e.prev, want_prev, 32) != 0)
		return fail(v, HL_VR_PREV, "prev hash does not match the hash of %s seq %llu%s "
			    "(chain link)", name_of(v, side), (unsigned long long)(e.seq - 1),
			    c->started ? "" : ", the range's anchor");
	if ((rc = check_xlink(v, &e, side)) < 0)
		return rc;
	if ((rc = hl_verify_hs_put(&v->hs[side], v->cur.hash)) < 0)
		return rc;
	c->started = 1;
	c->last_seq = e.seq;
	c->last_link = e.peer_seq;
	memcpy(c->last_hash, v->cur.hash, 32);
	st = &v->rep->st[side];
	if (st->entries == 0 || e.time_ms < st->first_ms)
		st->first_ms = e.time_ms;
	if (st->entries == 0 || e.time_ms > st->last_ms)
		st->last_ms = e.time_ms;
	if (st->entries == 0)
		st->first_seq = e.seq;
	st->last_seq = e.seq;
	st->entries++;
	return 0;
}

static int do_receipt(hl_verifier *v, const hl_hlt_rec *rec)
{
	hl_verify_station *st;
	hl_receipt r;
	uint8_t h[32];
	char h1[17], h2[17];
	int side, o, rc;

	cursor_plain(v, rec);
	if (v->rep->hdr.kind == HL_HLT_PROOF)
		return fail(v, HL_VR_RECORD, "a RECEIPT record in a proof file");
	if (v->phase == PH_ANCHORS && (rc = check_anchors(v)) < 0)
		return rc;
	if (v->phase < PH_RECEIPTS)
		v->phase = PH_RECEIPTS;
	if ((rc = hl_receipt_decode(rec->body, rec->len, &r)) < 0)
		return fail(v, HL_VR_DECODE, "the receipt is not a valid encoding (%s)",
			    hl_strerror(rc));
	v->cur.seq = r.seq;
	side = side_of(v, r.receiver);
	v->cur.side = side;
	if (memcmp(r.line_id, v->rep->hdr.line_id, 32) != 0)
		return fail(v, HL_VR_RECEIPT_PARTY, "the receipt belongs to another line");
	if (side < 0)
		return fail(v, HL_VR_RECEIPT_PARTY, "the receipt is signed by neither station");
	if (hl_receipt_verify(&r) < 0)
		return fail(v, HL_VR_RECEIPT_SIG, "the receipt's signature does not verify under "
			    "%s's key", name_of(v, side));
	o = 1 - side;
	if ((rc = hash_at(v, o, r.seq, h)) < 0)
		return rc;
	if (rc == 0)
		return fail(v, HL_VR_RECEIPT_SEQ, "receipt by %s for %s seq %llu, which is not in "
			    "the file (it holds %s seq %llu..%llu)", name_of(v, side),
			    name_of(v, o), (unsigned long long)r.seq, name_of(v, o),
			    (unsigned long long)v->rep->st[o].first_seq,
			    (unsigned long long)v->rep->st[o].last_seq);
	if (memcmp(h, r.hash, 32) != 0) {
		hex8(r.hash, h1);
		hex8(h, h2);
		return fail(v, HL_VR_RECEIPT_HASH, "receipt by %s names hash %s... for %s seq %llu, "
			    "but that entry's hash is %s...", name_of(v, side), h1, name_of(v, o),
			    (unsigned long long)r.seq, h2);
	}
	st = &v->rep->st[side];
	if (r.seq > st->rcpt_seq || (r.seq == st->rcpt_seq && r.time_ms > st->rcpt_ms)) {
		st->rcpt_seq = r.seq;
		st->rcpt_ms = r.time_ms;
	}
	v->rep->receipts++;
	return 0;
}

static int do_conflict(hl_verifier *v, const hl_hlt_rec *rec)
{
	const uint8_t *p[2];
	size_t l[2];
	hl_entry e[2];
	int side[2], rc;
	static const char *const what[2] = { "the first entry", "the second entry" };

	cursor_plain(v, rec);
	if (v->rep->hdr.kind != HL_HLT_PROOF)
		return fail(v, HL_VR_RECORD, "a CONFLICT record in a file that is not a proof");
	if (v->conflicts)
		return fail(v, HL_VR_RECORD, "a second CONFLICT record (a proof holds one)");
	v->phase = PH_CONFLICT;
	if ((rc = hl_hlt_conflict_split(rec->body, rec->len, &p[0], &l[0], &p[1], &l[1])) < 0)
		return fail(v, HL_VR_DECODE, "the CONFLICT record is malformed (%s)",
			    hl_strerror(rc));
	for (int i = 0; i < 2; i++) {
		v->cur.has_entry = 1;
		if (l[i] >= 77) {
			memcpy(v->cur.author, p[i] + 37, 32);
			v->cur.seq = hl_be64_get(p[i] + 69);
		}
		hl_entry_hash(p[i], l[i], v->cur.hash);
		if ((rc = check_signed_entry(v, p[i], l[i], &e[i], &side[i], what[i])) < 0)
			return rc;
		hl_entry_hash(p[i], l[i], v->rep->proof_hash[i]);
	}
	if (side[0] != side[1])
		return fail(v, HL_VR_CONFLICT, "the two entries are by different stations: no "
			    "equivocation");
	if (e[0].seq != e[1].seq)
		return fail(v, HL_VR_CONFLICT, "the two entries have different seqs (%llu, %llu): "
			    "no equivocation", (unsigned long long)e[0].seq,
			    (unsigned long long)e[1].seq);
	if (l[0] == l[1] && memcmp(p[0], p[1], l[0]) == 0)
		return fail(v, HL_VR_CONFLICT, "the two entries are identical: no equivocation");
	v->conflicts = 1;
	v->rep->proof_side = side[0];
	v->rep->proof_seq = e[0].seq;
	return 0;
}

static int do_end(hl_verifier *v, const hl_hlt_rec *rec)
{
	const hl_hlt_header *h = &v->rep->hdr;
	uint8_t msg[HL_HLT_SIG_PREFIX_LEN + 52];
	uint64_t n_a = hl_be64_get(rec->body), n_b = hl_be64_get(rec->body + 8);
	uint32_t n_r = hl_be32_get(rec->body + 16);
	int rc;

	cursor_plain(v, rec);
	if (v->phase == PH_ANCHORS && (rc = check_anchors(v)) < 0)
		return rc;
	if (h->kind == HL_HLT_PROOF && !v->conflicts)
		return fail(v, HL_VR_RECORD, "a proof file without a CONFLICT record");
	for (int s = 0; s < 2; s++) {
		const hl_verify_chain *c = &v->c[s];
		if (c->from && (!c->started || c->last_seq != c->to))
			return fail(v, HL_VR_RANGE, "the header says the file holds %s seq %llu..%llu, "
				    "but it ends with %s (entries deleted at the end?)",
				    name_of(v, s), (unsigned long long)c->from,
				    (unsigned long long)c->to, c->started ? "an earlier seq" :
				    "none of them");
	}
	if (n_a != v->rep->st[0].entries || n_b != v->rep->st[1].entries ||
	    n_r != v->rep->receipts)
		return fail(v, HL_VR_COUNTS, "the trailer counts %llu + %llu entries and %u "
			    "receipts, the file holds %llu + %llu and %llu",
			    (unsigned long long)n_a, (unsigned long long)n_b, n_r,
			    (unsigned long long)v->rep->st[0].entries,
			    (unsigned long long)v->rep->st[1].entries,
			    (unsigned long long)v->rep->receipts);
	if (memcmp(rec->digest, rec->body + 20, 32) != 0)
		return fail(v, HL_VR_DIGEST, "the trailer's digest does not match the file's bytes "
			    "(changed after export: header, order or content)");
	memcpy(msg, end_prefix, sizeof end_prefix);
	memcpy(msg + sizeof end_prefix, rec->body, 52);
	if (crypto_sign_ed25519_verify_detached(rec->body + 52, msg, sizeof msg, h->key_a.ed) != 0)
		return fail(v, HL_VR_END_SIG, "the trailer's signature does not verify under the key "
			    "of %s, the exporting station", name_of(v, 0));
	rc = hl_hlt_reader_expect_eof(&v->rd);
	v->cur.offset = v->rd.off;
	if (rc == HL_ERR_INVAL)
		return fail(v, HL_VR_TRAILING, "bytes follow the END record");
	if (rc < 0)
		return fail(v, HL_VR_READ, "read failed: %s", strerror(v->rd.read_errno));
	return 0;
}

static int header_fail(hl_verifier *v, int rc)
{
	const uint8_t *p = v->rd.buf + v->rd.pos;
	size_t n = v->rd.len - v->rd.pos;

	v->cur.offset = 0;
	if (rc == HL_ERR_IO)
		return fail(v, HL_VR_READ, "read failed: %s", strerror(v->rd.read_errno));
	if (rc == HL_ERR_TRUNC) {
		v->cur.offset = v->rd.total;
		return fail(v, HL_VR_TRUNC, "file ends at byte %llu inside the header",
			    (unsigned long long)v->rd.total);
	}
	if (n < HL_HLT_MAGIC_LEN || memcmp(p, HL_HLT_MAGIC, HL_HLT_MAGIC_LEN) != 0)
		return fail(v, HL_VR_MAGIC, "not a hotline transcript (no HLT1 magic%s)",
			    n >= 5 && memcmp(p, "HLT1\n", 5) == 0 ? "; mangled by a text-mode copy?" :
			    "");
	if (p[8] != HL_HLT_VERSION)
		return fail(v, HL_VR_MAGIC, "transcript format version %u is not supported "
			    "(this is version %u)", p[8], HL_HLT_VERSION);
	if (p[9] < HL_HLT_FULL || p[9] > HL_HLT_PROOF)
		return fail(v, HL_VR_MAGIC, "unknown transcript kind %u", p[9]);
	return fail(v, HL_VR_HEADER, "a station name in the header is not a valid label (%s)",
		    hl_strerror(rc));
}

static int check_header(hl_verifier *v)
{
	hl_hlt_header *h = &v->rep->hdr;
	const uint64_t r[2][2] = { { h->a_from, h->a_to }, { h->b_from, h->b_to } };
	uint8_t line[32];

	if (memcmp(h->key_a.ed, h->key_b.ed, 32) == 0)
		return fail(v, HL_VR_HEADER, "the header names the same station key twice");
	hl_line_id(&h->key_a, &h->key_b, line);
	if (memcmp(line, h->line_id, 32) != 0)
		return fail(v, HL_VR_LINE_ID, "the header's line id is not the line between its "
			    "two keys");
	for (int s = 0; s < 2; s++) {
		uint64_t f = r[s][0], t = r[s][1];
		if ((f == 0) != (t == 0) || f > t)
			return fail(v, HL_VR_HEADER, "the header's range of %s (seq %llu..%llu) is "
				    "malformed", name_of(v, s), (unsigned long long)f,
				    (unsigned long long)t);
		if (h->kind == HL_HLT_FULL && f > 1)
			return fail(v, HL_VR_HEADER, "a full transcript must hold %s from seq 1, the "
				    "header says from seq %llu", name_of(v, s), (unsigned long long)f);
		if (h->kind == HL_HLT_PROOF && f != 0)
			return fail(v, HL_VR_HEADER, "a proof file holds no chain, but its header "
				    "gives a range");
		v->c[s].from = f;
		v->c[s].to = t;
		v->hs[s].base = f;
	}
	if (v->o && v->o->pin) {
		const hl_pubkey *k = v->o->pin;
		int same = (hl_pubkey_cmp(&k[0], &h->key_a) == 0 && hl_pubkey_cmp(&k[1], &h->key_b) == 0) ||
			   (hl_pubkey_cmp(&k[0], &h->key_b) == 0 && hl_pubkey_cmp(&k[1], &h->key_a) == 0);
		v->rep->keys_pinned = 1;
		if (!same)
			return fail(v, HL_VR_KEYS, "the header's station keys are not the keys given "
				    "to check against");
	}
	return 0;
}

static const char *rec_name(uint8_t t)
{
	static const char *const n[] = { "?", "ENTRY", "ANCHOR", "RECEIPT", "CONFLICT", "END" };
	return t <= HL_HLT_END ? n[t] : "unknown";
}

static int next_fail(hl_verifier *v, int rc, const hl_hlt_rec *rec)
{
	cursor_plain(v, rec);
	v->cur.offset = v->rd.off;
	if (rc == HL_ERR_IO)
		return fail(v, HL_VR_READ, "read failed: %s", strerror(v->rd.read_errno));
	if (rc == HL_ERR_TRUNC) {
		uint64_t at = v->rd.off;
		v->cur.offset = v->rd.total;
		if (v->rd.partial)
			return fail(v, HL_VR_TRUNC, "file ends at byte %llu inside a record (%s "
				    "record at byte %llu)", (unsigned long long)v->rd.total,
				    v->rd.total - at >= 1 ? rec_name(v->rd.buf[v->rd.pos]) : "?",
				    (unsigned long long)at);
		return fail(v, HL_VR_TRUNC, "file ends at byte %llu without the END record",
			    (unsigned long long)v->rd.total);
	}
	if (rc == HL_ERR_INVAL)
		return fail(v, HL_VR_RECORD, "unknown record type %u", rec->type);
	if (rc == HL_ERR_TOOBIG)
		return fail(v, HL_VR_RECORD, "%s record of %u bytes: over its size limit or not its "
			    "fixed size", rec_name(rec->type), rec->len);
	return rc;
}

static void progress(hl_verifier *v)
{
	if (v->o && v->o->progress)
		v->o->progress(v->o->progress_arg, v->rd.off,
			       v->rep->st[0].entries + v->rep->st[1].entries);
}

static int run(hl_verifier *v, int fd)
{
	hl_hlt_rec rec;
	int rc;

	v->cur.side = -1; /* header failures name no station */
	if ((rc = hl_hlt_reader_init(&v->rd, fd)) < 0)
		return rc;
	if ((rc = hl_hlt_reader_header(&v->rd, &v->rep->hdr)) < 0)
		return header_fail(v, rc);
	v->rep->have_header = 1;
	for (int s = 0; s < 2; s++) {
		hl_verify_station *st = &v->rep->st[s];
		snprintf(st->name, sizeof st->name, "%s", s ? v->rep->hdr.name_b : v->rep->hdr.name_a);
		st->key = s ? v->rep->hdr.key_b : v->rep->hdr.key_a;
	}
	if ((rc = check_header(v)) < 0)
		return rc;
	for (;;) {
		if ((rc = hl_hlt_reader_next(&v->rd, &rec)) < 0)
			return next_fail(v, rc, &rec);
		if (++v->records % PROGRESS_EVERY == 0)
			progress(v);
		switch (rec.type) {
		case HL_HLT_ENTRY:
			rc = do_entry(v, &rec);
			break;
		case HL_HLT_ANCHOR:
			rc = do_anchor(v, &rec);
			break;
		case HL_HLT_RECEIPT:
			rc = do_receipt(v, &rec);
			break;
		case HL_HLT_CONFLICT:
			rc = do_conflict(v, &rec);
			break;
		default:
			return do_end(v, &rec);
		}
		if (rc < 0)
			return rc;
	}
}

int hl_verifier_run(hl_verifier *v, int fd, const hl_verify_opts *o, hl_verify_report *rep)
{
	int rc;

	if (!v || !rep)
		return HL_ERR_INVAL;
	memset(rep, 0, sizeof *rep);
	rep->fail_side = -1;
	if (v->rep || fd < 0)
		return HL_ERR_STATE; /* one run per verifier: its stores hold that file */
	v->rep = rep;
	v->o = o;
	rc = run(v, fd);
	rep->bytes = v->rd.off;
	progress(v);
	hl_hlt_reader_free(&v->rd);
	if (rc == 0) {
		for (int s = 0; s < 2 && rc == 0; s++)
			rc = hl_verify_hs_flush(&v->hs[s]);
		rep->ok = rc == 0;
		v->done_ok = rep->ok;
	}
	if (rep->rule != HL_VR_OK)
		return 0; /* a verdict */
	return rc;
}
