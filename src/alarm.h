/* alarm.h — alarms: raised once per cause, stored, shown by status, cleared
 * when the cause ends; each raise (and clear) runs AlarmCommand once with the
 * alarm in its environment. */
#ifndef HL_ALARM_H
#define HL_ALARM_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "store.h"

enum hl_alarm_kind {
	HL_ALARM_LINE_DOWN = 1,    /* line down longer than AlarmAfter */
	HL_ALARM_PATH_DOWN = 2,    /* a path (backup included) failed its test or handshake */
	HL_ALARM_TEST_MISSED = 3,  /* no TEST_REPLY within TestDeadline */
	HL_ALARM_NO_RECEIPT = 4,   /* queued entries not receipted within ReceiptTimeout */
	HL_ALARM_EQUIVOCATION = 5, /* the peer signed two entries with one seq */
	HL_ALARM_CLOCK_SKEW = 6,   /* peer clock off by more than MaxClockSkew */
	HL_ALARM_STORE = 7,        /* the store failed (disk full, I/O error) */
	HL_ALARM_QUOTA = 8,        /* the peer sent more entries than its quota allows */
	HL_ALARM_ACK_OVERDUE = 9,  /* we owe an acknowledgement past its deadline */
	HL_ALARM_UNACKED = 10,     /* the peer has not acknowledged ours by its deadline */
	HL_ALARM_CHECKIN_MISSED = 11, /* a check-in (either way) unanswered by its deadline */
	HL_ALARM_ATTACHMENT = 12,  /* an attachment from the peer failed its hash check */
	HL_ALARM_CLOCK_STEP = 13,  /* the peer's handshake clock went back past the window */
	HL_ALARM_LOCAL_CLOCK_STEP = 14, /* our clock reads earlier than times we recorded */
	HL_ALARM_KIND_MAX = 14
};

typedef struct hl_alarms hl_alarms;

/* command: AlarmCommand path ("" = none); station: our name, for the env. */
int hl_alarms_init(hl_alarms **out, uv_loop_t *loop, hl_store *st, const char *command,
		   const char *station);
/* Kills nothing; waits for no child: children that outlive us are reaped by init. */
void hl_alarms_free(hl_alarms *a);

/* Raises the alarm (line, kind, path) unless it is already open: stores it,
 * logs "ALARM ...", runs AlarmCommand once with HOTLINE_ALARM_KIND (name,
 * e.g. "line-down"), HOTLINE_ALARM_PEER, HOTLINE_ALARM_TEXT,
 * HOTLINE_ALARM_STATE=raised, HOTLINE_ALARM_PATH (index or "-"),
 * HOTLINE_STATION. path -1 means the whole line. Returns 1 if newly raised,
 * 0 if it was already open, or a negative error. */
int hl_alarm_raise(hl_alarms *a, const uint8_t line_id[32], const char *peer, int kind, int path,
		   const char *text);
/* Clears it if open (stored, logged, AlarmCommand with STATE=cleared).
 * Returns 1 if it was open, 0 if not. */
int hl_alarm_clear(hl_alarms *a, const uint8_t line_id[32], const char *peer, int kind, int path);
int hl_alarm_is_open(const hl_alarms *a, const uint8_t line_id[32], int kind, int path);
/* Open alarms of a line: [{"kind":"line-down","path":null|N,"since_ms":T,"text":"..."}]. */
json_t *hl_alarms_json(const hl_alarms *a, const uint8_t line_id[32]);
const char *hl_alarm_kind_name(int kind);

/* How long an AlarmCommand may run before it is killed (default 30 s;
 * 0 restores it). For tests. */
void hl_alarms_set_kill_after(hl_alarms *a, uint64_t ms);
/* AlarmCommands started and not yet reaped. */
int hl_alarms_running(const hl_alarms *a);

#endif
