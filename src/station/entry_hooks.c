/* entry_hooks.c — what the station does with each entry once it is stored
 * (inside the turn's transaction), ours or the peer's: one place where the
 * watch, attachments, link tests and the API's subscribers hear of it. */
#include "daemon/daemon.h"
#include "blob.h"
#include "watch.h"

#include "api/api_events.h"

int hl_line_entry_stored(hl_line *l, const hl_entry *e, const uint8_t hash[32],
			 uint64_t stored_ms, int own)
{
	if (!own)
		hl_linktest_on_entry(l, e, hash);
	hl_api_event_entry(l, e, hash, own);
	int rc = hl_blob_on_entry(l, e, own);
	if (rc < 0)
		return rc;
	return hl_watch_on_entry(l, e, hash, stored_ms, own);
}
