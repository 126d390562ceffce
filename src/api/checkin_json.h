/* checkin_json.h — a line's check-ins as the API shows them. */
#ifndef HL_CHECKIN_JSON_H
#define HL_CHECKIN_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "station/watch.h"

/* status: {"schedule","deadline_ms","next_ms","last_sent_ms","last_received_ms",
 * "sent":{"answered","missed","waiting"},"received":{...}} or null without
 * a schedule and without any check-in on record. */
json_t *hl_checkin_status_json(hl_line *l);
/* report: every check-in with from_ms <= written/stored < to_ms. */
json_t *hl_checkin_report_json(hl_line *l, uint64_t from_ms, uint64_t to_ms);

#endif
