/* watch.h — the station's watch over human acknowledgements: which entries
 * wait for an ACK and until when, the alarms when one is late, the `ack`
 * command, the views' ack states, and scheduled check-ins (checkin.c). */
#ifndef HL_WATCH_H
#define HL_WATCH_H

#include <jansson.h>
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

/* ---- views (watch_view.c) ----
 * What a listing shows of the watch, gathered in steps (budget.h) into
 * compact arrays: every entry's name by hash, every ACK by the hash it
 * answers, the waiting rows' deadlines. `line` is the listing's own index
 * of a line (names and ACKs count only on their line). */
typedef struct hl_watch_view hl_watch_view;
/* now_ms: the wall clock the states are told at; entries: how many the
 * listing's lines hold (room for their names is taken at once). NULL when
 * out of memory. */
hl_watch_view *hl_watch_view_new(hl_core *d, uint64_t now_ms, size_t entries);
void hl_watch_view_free(hl_watch_view *v);
/* Each entry of both chains of the listing's lines, in walk order (e NULL
 * when it did not decode: named only). */
int hl_watch_view_add(hl_watch_view *v, unsigned line, int own, const hl_store_entry *se,
		      const hl_entry *e);
/* Reads line's waiting rows a page at a time until b is spent: 1 when all
 * are read, 0 to call again, < 0 when the store failed. */
int hl_watch_view_rows(hl_watch_view *v, unsigned line, const uint8_t line_id[32],
		       const hl_budget *b);
/* Once everything is added: sorts until b is spent; 1 when ready. */
int hl_watch_view_sort(hl_watch_view *v, const hl_budget *b);
/* Ready: 1 with *due_ms when the entry waits for the other party's ACK
 * (state waiting or overdue), else 0. */
int hl_watch_view_waiting(const hl_watch_view *v, unsigned line, int own,
			  const uint8_t hash[32], uint64_t *due_ms);
/* Each ACK of ours queued unsigned in line's outbox (a draft of kind ACK
 * naming the entry it answers), oldest first. */
int hl_watch_view_queued(hl_watch_view *v, unsigned line, int64_t draft, const char *by,
			 const uint8_t acked[32]);
/* Ready: adds "ref", "refs" and (for kinds that need one) "ack" to o, an
 * entry's JSON (docs/API.md); a peer's entry whose ACK is queued keeps its
 * state and gets "queued_ack". */
void hl_watch_view_entry(hl_watch_view *v, hl_line *l, unsigned line, const hl_entry *e,
			 const uint8_t hash[32], int own, json_t *o);
/* Ready: sets o's "refs": the names of these entries on the line (hex for
 * unknown ones). */
void hl_watch_view_refs(hl_watch_view *v, hl_line *l, unsigned line, const uint8_t (*refs)[32],
			unsigned nrefs, json_t *o);

/* ---- check-ins (checkin.c) ---- */
/* Sends the check-in whose instant has come (from hl_watch_tick). */
void hl_checkin_tick(hl_line *l, uint64_t now_ms);
/* status: {"schedule","deadline_ms","next_ms","last_sent_ms","last_received_ms",
 * "sent":{"answered","missed","waiting"},"received":{...}} or null without
 * a schedule and without any check-in on record. */
json_t *hl_checkin_status_json(hl_line *l);
/* report: every check-in with from_ms <= written/stored < to_ms. */
json_t *hl_checkin_report_json(hl_line *l, uint64_t from_ms, uint64_t to_ms);

#endif
