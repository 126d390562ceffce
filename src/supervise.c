/* supervise.c — a line's health made visible: link events stored for the
 * availability report, and alarms raised once when a fault lasts (line or a
 * path down past AlarmAfter, receipts overdue, clock skew or step) and
 * cleared when it ends. */
#include "daemon.h"

#include <math.h>
#include <stdio.h>

#include "api_events.h"
#include "err.h"
#include "events.h"
#include "log.h"
#include "watch.h"

#define RTT_SAMPLE_MS 10000u /* one stored RTT sample per path per 10 s */

void hl_supervise_event(hl_line *l, int kind, int path, double value, const char *text)
{
	int rc = hl_events_record(l->d->store, l->line_id, hl_wall_ms(), kind, path, value, text);
	if (rc < 0)
		hl_log(HL_LOG_WARN, "%s: cannot store a link event: %s", l->peer->name, hl_strerror(rc));
}

void hl_supervise_alarm(hl_line *l, int kind, int path, int on, const char *text)
{
	hl_alarms *a = l->d->alarms;
	if (!a)
		return;
	int changed = on ? hl_alarm_raise(a, l->line_id, l->peer->name, kind, path, text) :
			   hl_alarm_clear(a, l->line_id, l->peer->name, kind, path);
	if (changed == 1)
		hl_api_event_alarm(l, kind, path, on, text);
}

static void line_updown(hl_line *l, uint64_t now, int up)
{
	const hl_config *cfg = l->d->cfg;
	if (up != l->was_up) {
		l->was_up = up;
		hl_supervise_event(l, up ? HL_EV_LINE_UP : HL_EV_LINE_DOWN, up ? l->active : -1, 0, NULL);
		hl_api_event_line(l);
	}
	if (up) {
		l->down_since_ms = 0;
		hl_supervise_alarm(l, HL_ALARM_LINE_DOWN, -1, 0, NULL);
		return;
	}
	if (!l->down_since_ms)
		l->down_since_ms = now;
	if (now - l->down_since_ms > cfg->alarm_after_ms && !l->stopped) {
		char text[160];
		snprintf(text, sizeof text, "no path to %s has carried the line for %llu s", l->peer->name,
			 (unsigned long long)((now - l->down_since_ms) / 1000u));
		hl_supervise_alarm(l, HL_ALARM_LINE_DOWN, -1, 1, text);
	}
}

/* Every configured path is watched, the backups too: a backup that does not
 * come up is a fault even while the line works. */
static void paths(hl_line *l, uint64_t now)
{
	const hl_config *cfg = l->d->cfg;
	for (int i = 0; i < l->n_paths; i++) {
		hl_path *p = &l->paths[i];
		hl_session *s = p->session;
		int ok = s && s->state == HL_SS_UP && s->hello_rx;
		if (ok) {
			hl_supervise_alarm(l, HL_ALARM_PATH_DOWN, i, 0, NULL);
			if (s->srtt_ms >= 0 && now - p->last_rtt_event_ms >= RTT_SAMPLE_MS) {
				p->last_rtt_event_ms = now;
				hl_supervise_event(l, HL_EV_RTT, i, s->srtt_ms, NULL);
			}
			continue;
		}
		if (!p->down_since_ms)
			p->down_since_ms = now;
		if (now - p->down_since_ms > cfg->alarm_after_ms && !l->stopped) {
			char text[200];
			snprintf(text, sizeof text, "path %d (%s) has had no working session for %llu s", i,
				 p->endpoint, (unsigned long long)((now - p->down_since_ms) / 1000u));
			hl_supervise_alarm(l, HL_ALARM_PATH_DOWN, i, 1, text);
		}
	}
}

static void receipts(hl_line *l, uint64_t now)
{
	const hl_config *cfg = l->d->cfg;
	if (l->own_durable <= l->receipted_seq) {
		l->receipt_wait_ms = 0;
		hl_supervise_alarm(l, HL_ALARM_NO_RECEIPT, -1, 0, NULL);
		return;
	}
	if (!l->receipt_wait_ms)
		l->receipt_wait_ms = now;
	if (now - l->receipt_wait_ms > cfg->receipt_timeout_ms) {
		char text[160];
		snprintf(text, sizeof text, "%llu entries wait for %s's receipt; none for %llu s",
			 (unsigned long long)(l->own_durable - l->receipted_seq), l->peer->name,
			 (unsigned long long)((now - l->receipt_wait_ms) / 1000u));
		hl_supervise_alarm(l, HL_ALARM_NO_RECEIPT, -1, 1, text);
	}
}

static void clock_skew(hl_line *l)
{
	if (!l->clock_known)
		return;
	double lim = (double)l->d->cfg->max_clock_skew_ms;
	if (fabs(l->clock_offset_ms) > lim) {
		char text[160];
		snprintf(text, sizeof text, "%s's clock is %+.1f s off ours (bound %.1f s)", l->peer->name,
			 l->clock_offset_ms / 1000.0, lim / 1000.0);
		hl_supervise_alarm(l, HL_ALARM_CLOCK_SKEW, -1, 1, text);
	} else if (fabs(l->clock_offset_ms) < lim * 0.8) {
		/* A margin, so an offset hovering at the bound does not flap. */
		hl_supervise_alarm(l, HL_ALARM_CLOCK_SKEW, -1, 0, NULL);
	}
}

void hl_supervise_tick(hl_line *l, uint64_t now)
{
	line_updown(l, now, l->session && l->session->hello_rx);
	paths(l, now);
	receipts(l, now);
	clock_skew(l);
	hl_line_clock_tick(l, now, hl_wall_ms());
	hl_line_quota_tick(l, now);
	hl_watch_tick(l, hl_wall_ms());
}
