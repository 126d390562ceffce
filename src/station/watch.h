/* watch.h — the station's watch over human acknowledgements: which entries
 * wait for an ACK and until when, the alarms when one is late, the `ack`
 * command, the views' ack states, and scheduled check-ins (checkin.c). */
#ifndef HL_WATCH_H
#define HL_WATCH_H

#include <stdint.h>

#include "util/budget.h"
#include "line/core.h"

/* The feature (station.c registers it): a watch row per entry that waits
 * for an acknowledgement, deadlines on the tick, check-ins. */
extern const hl_feature hl_watch_feature;

/* An entry stored, inside the turn's transaction: one that needs an ACK
 * gets its watch row; an ACK removes the row of the entry it names and
 * clears alarms no longer due. Negative only if the store failed. */
int hl_watch_on_entry(hl_line *l, const hl_entry *e, const uint8_t hash[32], uint64_t stored_ms,
		      int own);
/* From the line's tick: rows that fell due become overdue (events,
 * alarms); check-ins are sent at their instants. now_ms is the wall clock. */
void hl_watch_tick(hl_line *l, uint64_t now_ms);

/* Operator names of entries: "moscow#3" for the peer's, "washington#5@moscow"
 * for ours (the station's name, then the line). */
void hl_watch_ref_name(const hl_line *l, int own, uint64_t seq, char *out, size_t size);

/* `hotline ack`: writes our ACK of the peer's entry named by text (entryref),
 * with note (may be "") as its body and op as its operator. On success
 * *line, *seq, hash are the ACK's (or, queued unsigned, *seq 0 and *draft
 * its draft number: hl_line_write) and acked the acknowledged entry's name.
 * Refused with a sentence in err: own entries, kinds that take no ACK,
 * entries already acknowledged (by whom, when) or with an ACK queued,
 * unknown names. */
int hl_watch_ack(hl_core *d, const char *text, const char *note, const char *op,
		 hl_line **line, uint64_t *seq, uint8_t hash[32], int64_t *draft, char *acked,
		 size_t ackedlen, char *err, size_t errlen);

/* `send --reply-to`: the hash of the entry named by text, which must be on l. */
int hl_watch_reply_ref(hl_core *d, hl_line *l, const char *text, uint8_t hash[32], char *err,
		       size_t errlen);

/* ---- check-ins (checkin.c) ---- */
/* The line has a check-in schedule. */
int hl_checkin_has_schedule(const hl_line *l);
/* Sends the check-in whose instant has come (from hl_watch_tick). */
void hl_checkin_tick(hl_line *l, uint64_t now_ms);

#endif
