/* checkin.c — regular contact: at each instant of a line's CheckIn schedule
 * the station writes a CHECKIN entry that the other station's operator must
 * acknowledge within CheckInDeadline; status and report show the record. */
#include "watch.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "util/err.h"
#include "line/events.h"
#include "util/log.h"
#include "store/store_watch.h"

static const char daemon_operator[] = "hotlined";

int hl_checkin_has_schedule(const hl_line *l)
{
	return l->peer->checkin.every_ms || l->peer->checkin.nclauses;
}

static void utc_minute(uint64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000u);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, size, "?");
}

/* After the turn of a check-in: a failed commit took it with it, so the
 * instant is due again (the tick writes it once the store takes it). */
static void checkin_committed(void *arg, int status)
{
	hl_line *l = arg;
	if (status < 0 && l->checkin_unsaved_ms) {
		hl_log(HL_LOG_WARN, "%s: the check-in was not stored (the store failed); it is written again",
		       l->peer->name);
		l->checkin_next_ms = l->checkin_unsaved_ms;
	}
	l->checkin_unsaved_ms = 0;
}

/* Written while the line is down too: it queues like any entry, and the
 * record then shows a check-in that was not delivered (no receipt) apart
 * from one delivered and not answered. A stopped line writes nothing, nor
 * one whose record the peer has not yet confirmed in this run. */
static int send_checkin(hl_line *l, uint64_t at_ms)
{
	char when[40], dl[32], text[300], name[HL_MAX_NAME * 2 + 32];
	uint64_t seq = 0;
	uint8_t hash[32];

	utc_minute(at_ms, when, sizeof when);
	hl_config_format_duration(dl, sizeof dl, l->peer->checkin_deadline_ms);
	snprintf(text, sizeof text, "Scheduled check-in %s; acknowledge within %s", when, dl);
	hl_line_draft dr = {
		.kind = HL_KIND_CHECKIN, .precedence = HL_PREC_IMMEDIATE,
		.operator_name = daemon_operator, .lang = "en",
		.body = (const uint8_t *)text, .body_len = strlen(text),
	};
	int rc = hl_line_submit(l, &dr, &seq, hash);
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "%s: cannot write the check-in of %s: %s", l->peer->name, when,
		       hl_strerror(rc));
		return rc;
	}
	if (hl_core_after_commit(l->d, checkin_committed, l) == 0)
		l->checkin_unsaved_ms = at_ms;
	hl_watch_ref_name(l, 1, seq, name, sizeof name);
	snprintf(text, sizeof text, "%s for %s", name, when);
	hl_log(HL_LOG_INFO, "%s: check-in %s sent", l->peer->name, text);
	hl_supervise_event(l, HL_EV_CHECKIN_SENT, -1, 0, text);
	return 0;
}

void hl_checkin_tick(hl_line *l, uint64_t now_ms)
{
	uint64_t next = 0;

	if (!hl_checkin_has_schedule(l) || l->stopped || l->d->stopping)
		return;
	/* Instants that passed while the station was down are not made up:
	 * the first one is the next after the start. */
	if (!l->checkin_next_ms) {
		if (hl_schedule_next(&l->peer->checkin, now_ms, &next) == 0)
			l->checkin_next_ms = next;
		return;
	}
	/* Due while the record is unconfirmed: it waits, and is written (for
	 * its own instant) at the first tick after the confirming HELLO. */
	if (now_ms < l->checkin_next_ms || !l->confirmed)
		return;
	/* The store failing is no reason to skip an instant: due again. */
	if (send_checkin(l, l->checkin_next_ms) == HL_ERR_STORE)
		return;
	/* Several instants behind (a suspended machine): one check-in, then on. */
	if (hl_schedule_next(&l->peer->checkin, now_ms, &next) == 0)
		l->checkin_next_ms = next;
	else
		l->checkin_next_ms = 0;
}

