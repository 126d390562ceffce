/* deadline.h — acknowledgement deadlines per precedence (FLASH 3 min ...
 * ROUTINE 24 h, overridable) and where a message stands against its own. */
#ifndef HL_DEADLINE_H
#define HL_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

#define HL_DEADLINE_FLASH_MS     (3ull * 60000ull)
#define HL_DEADLINE_IMMEDIATE_MS (30ull * 60000ull)
#define HL_DEADLINE_PRIORITY_MS  (3ull * 3600000ull)
#define HL_DEADLINE_ROUTINE_MS   (24ull * 3600000ull)
/* An override from a second (tests) to a week (a long weekend). */
#define HL_DEADLINE_MIN_MS 1000ull
#define HL_DEADLINE_MAX_MS (7ull * 86400000ull)

/* Indexed by HL_PREC_* (entry.h), ROUTINE = 0 .. FLASH = 3. */
typedef struct {
	uint64_t ms[4];
} hl_deadlines;

/* FLASH 3 min, IMMEDIATE 30 min, PRIORITY 3 h, ROUTINE 24 h. */
void hl_deadlines_default(hl_deadlines *d);

/* One override, checked against HL_DEADLINE_MIN_MS..MAX_MS. HL_ERR_INVAL for
 * an unknown precedence or a value out of range; *d is then unchanged. */
int hl_deadlines_set(hl_deadlines *d, int prec, uint64_t ms);

/* The deadline for prec: 0, or HL_ERR_INVAL for an unknown precedence. */
int hl_deadlines_get(const hl_deadlines *d, int prec, uint64_t *ms);

/* Overrides "PREC=DURATION[,PREC=DURATION...]" (e.g. "flash=10s,immediate=1m";
 * precedence in any case, spaces allowed around ',' and '=', durations as
 * hl_config_parse_duration) applied on top of *d. A precedence named twice,
 * a bad duration or one out of range is refused, and so is a result where a
 * more urgent precedence would wait longer than a less urgent one. On error
 * *d is unchanged and err says which item ("'flash=1x': bad duration ...")
 * for the caller to prefix with FILE:LINE: KEY. */
int hl_deadlines_parse(const char *s, hl_deadlines *d, char *err, size_t errlen);

/* Each precedence's deadline no longer than that of the one below it:
 * 0, or HL_ERR_INVAL with err naming the pair. */
int hl_deadlines_check(const hl_deadlines *d, char *err, size_t errlen);

typedef struct {
	uint64_t due_ms;        /* since_ms + deadline_ms, saturating */
	uint64_t remaining_ms;  /* until due; 0 once overdue; never above deadline_ms */
	uint64_t overdue_ms;    /* how long past due; 0 before */
	int overdue;            /* now_ms >= due_ms */
} hl_deadline_status;

/* Where a message stands: since_ms is when this station stored it (or sent
 * it), on this station's own clock — not the author's time_ms, since the
 * two clocks differ. Due exactly at since + deadline: a timer that fires at
 * due_ms finds the message overdue. A clock that went back (now < since)
 * shows the full deadline, never more. */
int hl_deadline_state(uint64_t now_ms, uint64_t since_ms, uint64_t deadline_ms,
		      hl_deadline_status *out);

#endif
