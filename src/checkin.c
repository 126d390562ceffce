/* checkin.c — regular contact: at each instant of a line's CheckIn schedule
 * the station writes a CHECKIN entry that the other station's operator must
 * acknowledge within CheckInDeadline; status and report show the record. */
#include "watch.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "events.h"
#include "log.h"
#include "store_watch.h"

static const char daemon_operator[] = "hotlined";

static int has_schedule(const hl_line *l)
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
	if (hl_daemon_after_commit(l->d, checkin_committed, l) == 0)
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

	if (!has_schedule(l) || l->stopped || l->d->stopping)
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

typedef struct {
	uint64_t n[2][3];      /* [own][state] */
	uint64_t last[2];      /* newest base_ms, per side */
} stats_ctx;

static int count_one(void *arg, const hl_store_checkin *c)
{
	stats_ctx *s = arg;

	s->n[c->own][c->state]++;
	if (c->base_ms > s->last[c->own])
		s->last[c->own] = c->base_ms;
	return 0;
}

static json_t *counts(const uint64_t n[3])
{
	return json_pack("{s:I, s:I, s:I}", "answered", (json_int_t)n[HL_CHECKIN_ANSWERED], "missed",
			 (json_int_t)n[HL_CHECKIN_MISSED], "waiting", (json_int_t)n[HL_CHECKIN_WAITING]);
}

static json_t *ms_or_null(uint64_t ms)
{
	return ms ? json_integer((json_int_t)ms) : json_null();
}

json_t *hl_checkin_status_json(hl_line *l)
{
	stats_ctx s;
	char sched[HL_SCHEDULE_STRLEN];

	memset(&s, 0, sizeof s);
	if (hl_store_checkin_walk(l->d->store, l->line_id, 0, UINT64_MAX, count_one, &s) < 0)
		return json_null();
	int any = s.last[0] || s.last[1];
	if (!has_schedule(l) && !any)
		return json_null();
	if (!has_schedule(l) || hl_schedule_format(&l->peer->checkin, sched, sizeof sched) < 0)
		sched[0] = '\0';
	json_t *o = json_pack("{s:s, s:I}", "schedule", sched, "deadline_ms",
			      (json_int_t)l->peer->checkin_deadline_ms);
	if (!o)
		return json_null();
	json_object_set_new(o, "next_ms", ms_or_null(has_schedule(l) ? l->checkin_next_ms : 0));
	json_object_set_new(o, "last_sent_ms", ms_or_null(s.last[1]));
	json_object_set_new(o, "last_received_ms", ms_or_null(s.last[0]));
	json_object_set_new(o, "sent", counts(s.n[1]));
	json_object_set_new(o, "received", counts(s.n[0]));
	return o;
}

typedef struct {
	hl_line *l;
	json_t *arr;
} report_ctx;

static const char *const state_names[3] = { "waiting", "answered", "missed" };

static int report_one(void *arg, const hl_store_checkin *c)
{
	report_ctx *r = arg;
	hl_line *l = r->l;
	char name[HL_MAX_NAME * 2 + 32], ack[HL_MAX_NAME * 2 + 32];

	hl_watch_ref_name(l, c->own, c->seq, name, sizeof name);
	json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:s}", "ref", name, "own", c->own,
			      "seq", (json_int_t)c->seq, "at_ms", (json_int_t)c->base_ms,
			      "due_ms", (json_int_t)c->due_ms, "state", state_names[c->state]);
	if (!o)
		return 0;
	/* Ours: delivered iff the peer's signed receipt covers it. */
	if (c->own)
		json_object_set_new(o, "delivered", json_boolean(c->seq <= l->receipted_seq));
	/* Missed: was it the line (no receipt by the deadline) or the people? */
	if (c->own && c->state == HL_CHECKIN_MISSED)
		json_object_set_new(o, "delivered_by_deadline", json_boolean(c->receipted_by_due));
	if (c->ack_seq) {
		hl_watch_ref_name(l, !c->own, c->ack_seq, ack, sizeof ack);
		json_object_set_new(o, "answered_by", json_string(c->ack_operator));
		json_object_set_new(o, "answered_ms", json_integer((json_int_t)c->ack_ms));
		json_object_set_new(o, "ack_ref", json_string(ack));
	}
	json_array_append_new(r->arr, o);
	return 0;
}

json_t *hl_checkin_report_json(hl_line *l, uint64_t from_ms, uint64_t to_ms)
{
	report_ctx r = { l, json_array() };

	if (!r.arr)
		return json_null();
	if (hl_store_checkin_walk(l->d->store, l->line_id, from_ms, to_ms, report_one, &r) < 0) {
		json_decref(r.arr);
		return json_null();
	}
	return r.arr;
}
