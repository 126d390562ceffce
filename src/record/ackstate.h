/* ackstate.h — what the watch shows about acknowledgements, pure: which
 * kinds need a human ACK, the state words of an entry's "ack" object
 * (docs/API.md), and the most-urgent-first order of `inbox --unacked`. */
#ifndef HL_ACKSTATE_H
#define HL_ACKSTATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* 1 for MESSAGE, NOTICE and CHECKIN (exercises too): a person must answer. */
int hl_ack_needed(int kind);

/* A span for people: "45s", "2m10s", "3h05m", "2d4h". */
void hl_ack_span(uint64_t ms, char *out, size_t size);

/* The state an entry (docs/API.md ENTRY with its "ack") is in, as the
 * bracketed words of `hotline log`/`inbox`, without the brackets:
 *   own:    "acknowledged by ivanov 2026-11-27 12:03:07Z",
 *           "delivered, NOT ACKNOWLEDGED, overdue 2m",
 *           "delivered, awaiting acknowledgement, due in 1m10s",
 *           "NOT DELIVERED (no receipt), ack overdue 2m",
 *           "stored, not yet receipted, ack due in 1m10s";
 *   peer's: "ACK DUE in 2m10s", "ACK OVERDUE 1m", "acknowledged by ...",
 *           followed by ", our ACK queued by ivanov (draft 4), not yet
 *           signed" while our ACK of it waits unsigned in the outbox.
 * "" for an entry without an "ack" object. */
void hl_ack_describe(const json_t *entry, char *out, size_t size);

/* The order of `inbox --unacked`: overdue first, then higher precedence
 * (HL_PREC_*, -1 unknown), then earlier due, then peer and seq. */
typedef struct {
	int overdue;
	int prec;
	uint64_t due_ms;
	const char *peer;
	uint64_t seq;
} hl_ack_urgency;
int hl_ack_urgency_order(const hl_ack_urgency *x, const hl_ack_urgency *y);
/* The same as a qsort order over json_t * items (ENTRY with its "ack"). */
int hl_ack_urgency_cmp(const void *a, const void *b);

#endif
