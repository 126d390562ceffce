/* timearg.h — the time arguments of the command line (report --since,
 * handover --since): a UTC date or time, or a duration meaning that long ago. */
#ifndef HL_TIMEARG_H
#define HL_TIMEARG_H

#include <stdint.h>

/* Now, in Unix ms (wall clock). */
uint64_t hl_timearg_now_ms(void);
/* "2026-11-27" or "2026-11-27T03:00:00Z" (UTC), checked by a round trip
 * through gmtime so that 2026-02-30 is refused, not moved. 0 or HL_ERR_INVAL. */
int hl_timearg_parse_utc(const char *s, uint64_t *ms);
/* A past TIME as above, or a DURATION (hl_config_parse_duration) before
 * now: 0 or HL_ERR_INVAL (also for a time after now). */
int hl_timearg_parse_since(const char *s, uint64_t now_ms, uint64_t *since_ms);

#endif
