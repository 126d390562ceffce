/* events.c — link events (up, down, path changes, RTT samples, test results,
 * alarms, station start/stop) recorded in the store for the availability report. */
#include "events.h"
#include "err.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const char *const kind_names[HL_EV_KIND_MAX + 1] = {
	[HL_EV_START] = "start",
	[HL_EV_STOP] = "stop",
	[HL_EV_LINE_UP] = "line-up",
	[HL_EV_LINE_DOWN] = "line-down",
	[HL_EV_PATH_UP] = "path-up",
	[HL_EV_PATH_DOWN] = "path-down",
	[HL_EV_PATH_ACTIVE] = "path-active",
	[HL_EV_RTT] = "rtt",
	[HL_EV_TEST_OK] = "test-ok",
	[HL_EV_TEST_FAIL] = "test-fail",
	[HL_EV_ALARM] = "alarm",
	[HL_EV_ALARM_CLEAR] = "alarm-clear",
	[HL_EV_ACK_OVERDUE] = "ack-overdue",
	[HL_EV_ACKED] = "acked",
	[HL_EV_CHECKIN_SENT] = "checkin-sent",
	[HL_EV_CHECKIN_ANSWERED] = "checkin-answered",
	[HL_EV_CHECKIN_MISSED] = "checkin-missed",
	[HL_EV_ATTACHMENT_DONE] = "attachment-done",
	[HL_EV_ATTACHMENT_FAILED] = "attachment-failed",
	[HL_EV_CLOCK_STEP] = "clock-step",
};

const char *hl_event_kind_name(int kind)
{
	if (kind < 1 || kind > HL_EV_KIND_MAX || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

/* Length of the longest prefix of s, at most max bytes, that does not end
 * inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* A long text is cut rather than refused: losing the event would lose the
 * fact, a cut text only loses detail. */
int hl_events_record(hl_store *st, const uint8_t *line_id, uint64_t time_ms, int kind, int path,
		     double value, const char *text)
{
	char cut[HL_STORE_EVENT_TEXT_MAX + 1];
	hl_store_event ev;

	if (!st || kind < 1 || kind > HL_EV_KIND_MAX || path < -1 || path > 255 ||
	    !isfinite(value) || time_ms > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	if (text) {
		size_t n = utf8_cut(text, HL_STORE_EVENT_TEXT_MAX);

		memcpy(cut, text, n);
		cut[n] = '\0';
		text = cut;
	}
	ev = (hl_store_event){
		.line_id = line_id, .time_ms = time_ms, .kind = kind, .path = path,
		.value = value, .text = text,
	};
	return hl_store_put_event(st, &ev);
}
