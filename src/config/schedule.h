/* schedule.h — a line's check-in schedule ("Mon-Fri 09:00,17:00 UTC"): parsed,
 * written back canonically, and asked for its instants, all in UTC. */
#ifndef HL_SCHEDULE_H
#define HL_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#define HL_SCHEDULE_MAX_CLAUSES 8u
#define HL_SCHEDULE_MAX_TIMES   48u     /* per clause: every half hour */
#define HL_SCHEDULE_MAX_INPUT   4096u   /* bytes of schedule text accepted */
#define HL_SCHEDULE_STRLEN      2560u   /* any canonical form fits, NUL included */
#define HL_SCHEDULE_EVERY_MIN_MS 1000u  /* "every D": from 1 s (tests) ... */
#define HL_SCHEDULE_EVERY_MAX_MS 86400000u /* ... to a day, dividing a day */
#define HL_SCHEDULE_DAY_MS      86400000ull
#define HL_SCHEDULE_WEEK_MS     (7ull * HL_SCHEDULE_DAY_MS)

typedef struct {
	uint8_t days;    /* bit d set: weekday d, Mon = 0 .. Sun = 6 */
	uint8_t ntimes;  /* 1 .. HL_SCHEDULE_MAX_TIMES */
	uint16_t times[HL_SCHEDULE_MAX_TIMES]; /* minutes after 00:00 UTC, ascending */
} hl_schedule_clause;

/* All zeros is the empty schedule (no instants). Either every_ms is set and
 * there are no clauses, or nclauses >= 1 and no instant (weekday, time) is
 * named by two clauses. */
typedef struct {
	uint64_t every_ms;  /* "every D": the multiples of D since the epoch */
	unsigned nclauses;
	hl_schedule_clause clause[HL_SCHEDULE_MAX_CLAUSES];
} hl_schedule;

/* Grammar (docs/DECISIONS.md, "H4 · check-in schedules"):
 *   schedule = clause *( ";" clause ) | "every" DURATION [ "UTC" ]
 *   clause   = days SP times [ SP "UTC" ]
 *   days     = "daily" | item *( "," item ),  item = DAY | DAY "-" DAY
 *   times    = HH:MM *( "," HH:MM )
 * DAY is Mon..Sun; day names, "daily", "every" and "UTC" in any case. A
 * range may wrap (Fri-Mon). Any other zone is refused: both stations must
 * mean the same instant. Duplicates (a day, a time, or an instant named by
 * two clauses) are errors. On error *out is the empty schedule and err gets
 * "[clause N: ]'TOKEN': what is wrong", for the caller to prefix with its
 * FILE:LINE: KEY. HL_ERR_INVAL, or HL_ERR_TOOBIG for over-long input. */
int hl_schedule_parse(const char *s, hl_schedule *out, char *err, size_t errlen);

/* Canonical text, which parses back to the same schedule: days as "daily"
 * or Mon-first runs (3+ days as a range), times ascending, " UTC" after
 * each clause, "; " between clauses. HL_ERR_TOOBIG if size is too small
 * (HL_SCHEDULE_STRLEN always suffices; out is then ""). */
int hl_schedule_format(const hl_schedule *s, char *out, size_t size);

/* The first scheduled instant strictly after after_ms (UTC ms since the
 * epoch); it is at most a week later. HL_ERR_NOTFOUND for the empty
 * schedule, HL_ERR_TOOBIG when it would not fit in 64 bits. */
int hl_schedule_next(const hl_schedule *s, uint64_t after_ms, uint64_t *next_ms);

/* Called for each instant of a walk; 0 goes on, nonzero stops the walk
 * (a negative value is then returned by hl_schedule_each). */
typedef int (*hl_schedule_cb)(void *ctx, uint64_t at_ms);

/* Walks the instants t with from_ms < t <= to_ms in increasing order,
 * calling cb (which may be NULL: only count) for at most max of them.
 * *count (if not NULL) gets the number walked. 0 when the whole window was
 * walked, HL_ERR_TOOBIG when it holds more than max instants (the first max
 * were walked), or the callback's negative value. */
int hl_schedule_each(const hl_schedule *s, uint64_t from_ms, uint64_t to_ms, size_t max,
		     hl_schedule_cb cb, void *ctx, size_t *count);

/* Weekday of a UTC instant, Mon = 0 .. Sun = 6 (1970-01-01 was a Thursday). */
unsigned hl_schedule_weekday(uint64_t ms);

#endif
