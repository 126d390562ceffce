/* rules.c — the receiving rules an incoming peer entry must pass before it is
 * stored: line and author, signature, resend/equivocation, gap, prev,
 * cross-link (exact and never backwards). */
#include "rules.h"
#include "err.h"

#include <sodium.h>
#include <string.h>

static const uint8_t zero_hash[HL_HASH_LEN];

/* Same seq as one we hold: identical bytes are a resend, anything else (the
 * signature has already been checked) is proof the author signed twice. */
static int check_held(const hl_rules_view *v, const hl_entry *e, const uint8_t hash[HL_HASH_LEN])
{
	uint8_t held[HL_HASH_LEN];
	int rc;

	if (!v->peer_hash_at)
		return HL_ERR_INVAL;
	rc = v->peer_hash_at(v->ctx, e->seq, held);
	if (rc < 0)
		return rc == HL_ERR_NOTFOUND ? HL_ERR_STORE : rc; /* seq <= head must be held */
	return sodium_memcmp(held, hash, HL_HASH_LEN) == 0 ? HL_RULES_RESEND
							    : HL_ERR_EQUIVOCATION;
}

/* The cross-link must name one of our own entries, exactly, and never fewer
 * of them than the author's previous entry did: a cross-link states what the
 * author had stored, and a store only grows. */
static int check_peer_link(const hl_rules_view *v, const hl_entry *e)
{
	uint8_t own[HL_HASH_LEN];
	int rc;

	if (e->seq > 1 && e->peer_seq < v->peer_head_link)
		return HL_ERR_XLINK_BACK;
	if (e->peer_seq == 0)
		return sodium_memcmp(e->peer_hash, zero_hash, HL_HASH_LEN) == 0 ? 0
										: HL_ERR_PEERHASH;
	if (!v->own_hash_at)
		return HL_ERR_INVAL;
	rc = v->own_hash_at(v->ctx, e->peer_seq, own);
	if (rc == HL_ERR_NOTFOUND)
		return HL_ERR_PEERHASH;
	if (rc < 0)
		return rc;
	return sodium_memcmp(own, e->peer_hash, HL_HASH_LEN) == 0 ? 0 : HL_ERR_PEERHASH;
}

int hl_rules_check(const hl_rules_view *v, const hl_entry *e, const uint8_t hash[HL_HASH_LEN])
{
	const uint8_t *want_prev;
	int rc;

	if (!v || !e || !hash || !v->line_id || !v->peer_author)
		return HL_ERR_INVAL;
	if (v->peer_head_seq > 0 && !v->peer_head_hash)
		return HL_ERR_INVAL;

	if (memcmp(e->line_id, v->line_id, HL_HASH_LEN) != 0 ||
	    memcmp(e->author, v->peer_author, 32) != 0)
		return HL_ERR_AUTHOR;

	/* Nothing about seq is trusted, and nothing kept as proof, before this. */
	rc = hl_entry_verify(e);
	if (rc < 0)
		return rc;

	if (e->seq <= v->peer_head_seq)
		return check_held(v, e, hash);
	/* seq > head >= 0, so seq - 1 cannot wrap (and head + 1 could). */
	if (e->seq - 1 > v->peer_head_seq)
		return HL_ERR_GAP;

	want_prev = e->seq == 1 ? zero_hash : v->peer_head_hash;
	if (memcmp(e->prev, want_prev, HL_HASH_LEN) != 0)
		return HL_ERR_PREV;

	rc = check_peer_link(v, e);
	if (rc < 0)
		return rc;
	return HL_RULES_ACCEPT;
}
