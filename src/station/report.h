/* report.h — the availability report of one line, computed from its stored
 * link events: availability, outages, link tests, RTT percentiles, timeline. */
#ifndef HL_REPORT_H
#define HL_REPORT_H

#include <stdint.h>

#include <jansson.h>

#include "util/budget.h"
#include "store/store.h"

/* Limits that keep one reply bounded whatever the history holds. */
#define HL_REPORT_MAX_OUTAGES   1000   /* the newest are listed; all are counted */
#define HL_REPORT_MAX_TESTS     20     /* the newest test results listed */
#define HL_REPORT_MAX_POINTS    1000   /* RTT points per path in the timeline */
#define HL_REPORT_MAX_INTERVALS 2000   /* intervals per band in the timeline */

/* The report of the line line_id (peer is its name, n_paths its configured
 * paths, 0..HL_MAX_ENDPOINTS) over [since_ms, now_ms), as the JSON object
 * of docs/API.md "report" (with "ok": true). NULL if the store failed or
 * memory ran out. */
json_t *hl_report_json(hl_store *st, const uint8_t line_id[32], const char *peer, int n_paths,
		       uint64_t since_ms, uint64_t now_ms);

/* The same in steps, for the API: begin (NULL: bad arguments or memory),
 * then step until it returns 1 (it works until b is spent; < 0: the store
 * failed), then the result (NULL if memory ran out). */
typedef struct hl_report hl_report;
hl_report *hl_report_begin(hl_store *st, const uint8_t line_id[32], const char *peer, int n_paths,
			   uint64_t since_ms, uint64_t now_ms);
int hl_report_step(hl_report *rep, const hl_budget *b);
json_t *hl_report_result(hl_report *rep);
void hl_report_free(hl_report *rep);

#endif
