/* checkin_json.c — what status and the report show of a line's check-ins
 * (docs/API.md), from the store's check-in rows. */
#include "checkin_json.h"

#include <string.h>

#include "config/schedule.h"
#include "store/store_watch.h"

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
	if (!hl_checkin_has_schedule(l) && !any)
		return json_null();
	if (!hl_checkin_has_schedule(l) || hl_schedule_format(&l->peer->checkin, sched, sizeof sched) < 0)
		sched[0] = '\0';
	json_t *o = json_pack("{s:s, s:I}", "schedule", sched, "deadline_ms",
			      (json_int_t)l->peer->checkin_deadline_ms);
	if (!o)
		return json_null();
	json_object_set_new(o, "next_ms", ms_or_null(hl_checkin_has_schedule(l) ? l->checkin_next_ms : 0));
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
