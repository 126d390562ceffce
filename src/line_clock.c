/* line_clock.c — a line's clocks: whether the peer's handshake message 1 is
 * fresh (hsfresh.h, kept in the store), and a clock that went back, the
 * peer's (seen in its handshakes) or ours (seen against our own record),
 * made an alarm and a link event. */
#include "daemon.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "events.h"
#include "log.h"

/* The window is MaxClockSkew plus this: a peer whose clock was corrected
 * may still be somewhat off, and message 1 takes its transit time. */
#define WINDOW_EXTRA_MS 60000u

uint64_t hl_line_hs_window_ms(const hl_line *l)
{
	return l->d->cfg->max_clock_skew_ms + WINDOW_EXTRA_MS;
}

/* "2026-12-07 08:10:57 UTC" for the alarm texts. */
static void utc(char *buf, size_t size, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000u);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%llu ms", (unsigned long long)ms);
}

int hl_line_clock_load(hl_line *l, int reload)
{
	uint8_t newest[12], high[12];
	int rc = hl_store_get_tai64n(l->d->store, l->peer->key.x, newest);
	if (rc == 0)
		rc = hl_store_get_tai64n_window(l->d->store, l->peer->key.x, high);
	if (rc < 0)
		return rc;
	/* After a failed commit the store may hold less than memory did: the
	 * bar stays, and is written again (hl_line_clock_tick). */
	if (reload) {
		l->hs_resave |= hl_hsfresh_merge_stored(&l->hsfresh, newest, high);
		return 0;
	}
	hl_hsfresh_load(&l->hsfresh, newest, high);
	uint64_t t = 0;
	rc = hl_store_events_newest(l->d->store, l->line_id, &t);
	if (rc == 0)
		l->clock_high_ms = t;
	return rc;
}

int hl_line_hs_check(hl_line *l, const char *addr, const uint8_t ts[12], const uint8_t eph[32],
		     int *confirm)
{
	uint64_t now = hl_wall_ms(), win = hl_line_hs_window_ms(l);
	int64_t t = 0;
	*confirm = 0;
	switch (hl_hsfresh_check(&l->hsfresh, ts, eph, now, win)) {
	case HL_HSFRESH_NEWER:
		return 0;
	case HL_HSFRESH_WINDOW:
		*confirm = 1;
		hl_log(HL_LOG_INFO, "%s %s: handshake dated %.1f s before the newest accepted from it: "
		       "accepted within the ±%llu s window, held until the peer proves it",
		       l->peer->name, addr, (double)hl_hsfresh_behind_ms(&l->hsfresh, ts) / 1000.0,
		       (unsigned long long)(win / 1000u));
		return 0;
	case HL_HSFRESH_SEEN:
		hl_log(HL_LOG_WARN, "%s %s: replayed or stale handshake refused: this message 1 was accepted already",
		       l->peer->name, addr);
		return HL_ERR_REPLAY;
	case HL_HSFRESH_FORGOTTEN:
		hl_log(HL_LOG_WARN, "%s %s: replayed or stale handshake refused: within the window, but not newer "
		       "than one accepted before our restart (or before those we remember)", l->peer->name, addr);
		return HL_ERR_REPLAY;
	default:
		if (hl_tai64n_ms(ts, &t) < 0)
			hl_log(HL_LOG_WARN, "%s %s: replayed or stale handshake refused: not newer than the newest "
			       "accepted, and its timestamp is no time (outside the window)", l->peer->name, addr);
		else
			hl_log(HL_LOG_WARN, "%s %s: replayed or stale handshake refused: not newer than the newest "
			       "accepted, and dated %+.1f s from our clock, outside the ±%llu s window",
			       l->peer->name, addr, (double)(t - (int64_t)now) / 1000.0,
			       (unsigned long long)(win / 1000u));
		return HL_ERR_REPLAY;
	}
}

/* Both values, in the turn's transaction (the store only ever raises them). */
static void persist(hl_line *l)
{
	hl_store *st = l->d->store;
	const uint8_t *x = l->peer->key.x;
	l->hs_resave = !(hl_daemon_tx(l->d) == 0 &&
			 hl_store_set_tai64n(st, x, l->hsfresh.newest) == 0 &&
			 hl_store_set_tai64n_window(st, x, l->hsfresh.window_high) == 0);
}

void hl_line_hs_accepted(hl_line *l, const uint8_t ts[12], const uint8_t eph[32])
{
	if (hl_hsfresh_accept(&l->hsfresh, ts, eph, hl_wall_ms(), hl_line_hs_window_ms(l)))
		persist(l);
}

void hl_line_hs_confirmed(hl_line *l, const uint8_t ts[12])
{
	uint64_t behind = hl_hsfresh_behind_ms(&l->hsfresh, ts), win = hl_line_hs_window_ms(l);
	int64_t newest = 0;
	/* Within the window: another path's newer handshake came first. */
	if (behind <= win || hl_alarm_is_open(l->d->alarms, l->line_id, HL_ALARM_CLOCK_STEP, -1) ||
	    hl_tai64n_ms(l->hsfresh.newest, &newest) < 0)
		return;
	char when[40], text[400];
	utc(when, sizeof when, (uint64_t)newest);
	snprintf(text, sizeof text, "%s's handshake is dated %llu s before the newest accepted from it: "
		 "its clock went back (it ran ahead, or was set back). Its handshakes within ±%llu s of our "
		 "clock are accepted meanwhile; its entries are dated before ones already held until its "
		 "clock passes %s", l->peer->name, (unsigned long long)(behind / 1000u),
		 (unsigned long long)(win / 1000u), when);
	hl_supervise_event(l, HL_EV_CLOCK_STEP, -1, (double)(behind / 1000u), text);
	hl_supervise_alarm(l, HL_ALARM_CLOCK_STEP, -1, 1, text);
}

/* Our own clock against the newest time we recorded (or read since). */
static void local_step(hl_line *l, uint64_t wall)
{
	uint64_t high = l->clock_high_ms;
	if (wall >= high) {
		l->clock_high_ms = wall;
		hl_supervise_alarm(l, HL_ALARM_LOCAL_CLOCK_STEP, -1, 0, NULL);
		return;
	}
	/* Steps smaller than MaxClockSkew are an NTP correction. */
	if (high - wall <= l->d->cfg->max_clock_skew_ms ||
	    hl_alarm_is_open(l->d->alarms, l->line_id, HL_ALARM_LOCAL_CLOCK_STEP, -1))
		return;
	char when[40], text[400];
	utc(when, sizeof when, high);
	snprintf(text, sizeof text, "our clock reads %llu s earlier than the newest time this station "
		 "recorded (%s): it ran ahead, or was set back. Until it passes that time our new "
		 "entries are dated before earlier ones, and the peer accepts our handshakes only within "
		 "its window", (unsigned long long)((high - wall) / 1000u), when);
	hl_supervise_event(l, HL_EV_CLOCK_STEP, -1, (double)((high - wall) / 1000u), text);
	hl_supervise_alarm(l, HL_ALARM_LOCAL_CLOCK_STEP, -1, 1, text);
}

void hl_line_clock_tick(hl_line *l, uint64_t now, uint64_t wall)
{
	int64_t newest;
	if (l->hs_resave && now >= l->d->store_hold_until_ms)
		persist(l);
	local_step(l, wall);
	/* The peer's step is over once the newest it claimed is no longer
	 * beyond the window: its handshakes are newer, or within it, again. */
	if (hl_tai64n_ms(l->hsfresh.newest, &newest) < 0 ||
	    newest <= (int64_t)(wall + hl_line_hs_window_ms(l)))
		hl_supervise_alarm(l, HL_ALARM_CLOCK_STEP, -1, 0, NULL);
}
