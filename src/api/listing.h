/* listing.h — the `log` and `inbox` replies (docs/API.md), produced in
 * steps by the API (api_step.h) with memory of a few dozen bytes per entry
 * of the lines listed, never the whole reply. */
#ifndef HL_LISTING_H
#define HL_LISTING_H

#include "api_step.h"
#include "line/core.h"

enum { HL_LISTING_LOG, HL_LISTING_INBOX, HL_LISTING_UNACKED };

/* Both chains of line l, by author time (ties: the peer's first, then seq). */
hl_api_producer *hl_listing_log(hl_core *d, hl_line *l);
/* Every line's entries from the peer, in the order stored; with unacked,
 * only those still waiting for our ACK, most urgent first. */
hl_api_producer *hl_listing_inbox(hl_core *d, int unacked);

#endif
