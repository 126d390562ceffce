/* rules.h — the receiving rules: what an incoming entry must satisfy before
 * it is stored (signature, author, line, seq, prev, cross-link, equivocation). */
#ifndef HL_RULES_H
#define HL_RULES_H

#include "entry.h"

/* What the receiver knows, supplied by the caller (the daemon from its store). */
typedef struct {
	const uint8_t *line_id;      /* 32 */
	const uint8_t *peer_author;  /* 32: the pinned peer's Ed25519 key */
	uint64_t peer_head_seq;      /* newest peer entry stored, 0 if none */
	const uint8_t *peer_head_hash; /* its hash (32), ignored when seq 0 */
	uint64_t peer_head_link;     /* its peer_seq (the newest of ours it had
				      * stored), 0 when seq 0 */
	/* Hash of the peer's stored entry at seq (seq <= head): 0 or HL_ERR_NOTFOUND. */
	int (*peer_hash_at)(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN]);
	/* Hash of our own entry at seq: 0 or HL_ERR_NOTFOUND. */
	int (*own_hash_at)(void *ctx, uint64_t seq, uint8_t out[HL_HASH_LEN]);
	void *ctx;
} hl_rules_view;

enum {
	HL_RULES_ACCEPT = 0,  /* next in chain: store it */
	HL_RULES_RESEND = 1   /* identical to one we hold: re-receipt, store nothing */
};

/* e was decoded from enc (len bytes) whose hash is hash. Returns ACCEPT,
 * RESEND, or HL_ERR_SIG, HL_ERR_AUTHOR, HL_ERR_GAP, HL_ERR_PREV,
 * HL_ERR_XLINK_BACK (the cross-link names fewer of our entries than the
 * author's previous entry did), HL_ERR_PEERHASH, HL_ERR_EQUIVOCATION (validly signed, same seq,
 * different bytes — the caller keeps both as proof). */
int hl_rules_check(const hl_rules_view *v, const hl_entry *e, const uint8_t hash[HL_HASH_LEN]);

#endif
