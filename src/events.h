/* events.h — link events (up, down, path changes, RTT samples, test results,
 * alarms, station start/stop), stored for the availability report. */
#ifndef HL_EVENTS_H
#define HL_EVENTS_H

#include <stdint.h>

#include "store.h"

enum hl_event_kind {
	HL_EV_START = 1,        /* the station started (path -1) */
	HL_EV_STOP = 2,         /* clean shutdown */
	HL_EV_LINE_UP = 3,      /* the line carries traffic again (path = active) */
	HL_EV_LINE_DOWN = 4,
	HL_EV_PATH_UP = 5,      /* a session on this path completed its handshake */
	HL_EV_PATH_DOWN = 6,
	HL_EV_PATH_ACTIVE = 7,  /* traffic moved to this path */
	HL_EV_RTT = 8,          /* value = RTT in ms (sampled at most every 10 s per path) */
	HL_EV_TEST_OK = 9,      /* value = round trip in ms */
	HL_EV_TEST_FAIL = 10,
	HL_EV_ALARM = 11,       /* text = alarm kind and text */
	HL_EV_ALARM_CLEAR = 12,
	HL_EV_ACK_OVERDUE = 13, /* text = the entry ("moscow#3 FLASH"): its ack deadline passed */
	HL_EV_ACKED = 14,       /* text = the entry and who acknowledged it */
	HL_EV_CHECKIN_SENT = 15, /* text = our CHECKIN entry and its scheduled time */
	HL_EV_CHECKIN_ANSWERED = 16, /* text = the check-in and who answered */
	HL_EV_CHECKIN_MISSED = 17, /* text = the check-in nobody answered in time */
	HL_EV_ATTACHMENT_DONE = 18,   /* value = size; text = hash and name */
	HL_EV_ATTACHMENT_FAILED = 19, /* value = failures so far; text = hash and name */
	HL_EV_CLOCK_STEP = 20,  /* value = seconds a clock went back; text = whose and how seen */
	HL_EV_KIND_MAX = 20
};

/* Records one event (autocommits unless a transaction is open). path -1 =
 * the whole line; text may be NULL. line_id may be NULL for station events. */
int hl_events_record(hl_store *st, const uint8_t *line_id, uint64_t time_ms, int kind, int path,
		     double value, const char *text);
const char *hl_event_kind_name(int kind);

#endif
