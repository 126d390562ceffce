/* api_events.c — the events a subscribed API client receives: stored entries
 * (held until their transaction commits), alarms raised and cleared, lines
 * going up and down; each one JSON line (docs/API.md, "subscribe"). */
#include "api_events.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"

struct hl_api_events {
	/* Entry events of the open transaction: a subscriber must never see an
	 * entry that then rolls back, so they wait for the turn's commit. */
	hl_buf staged;
	int hooked;      /* flush_staged is registered for this turn's commit */
	int too_many;    /* the turn staged more than HL_API_EVENT_STAGE_MAX */
	hl_api *api;
	hl_core *d;
};

hl_api_events *hl_api_events_new(hl_api *api, hl_core *d)
{
	hl_api_events *ev = calloc(1, sizeof *ev);
	if (!ev)
		return NULL;
	ev->api = api;
	ev->d = d;
	hl_buf_init(&ev->staged, HL_API_EVENT_STAGE_MAX);
	return ev;
}

void hl_api_events_free(hl_api_events *ev)
{
	if (!ev)
		return;
	hl_buf_free(&ev->staged);
	free(ev);
}

static void flush_staged(void *arg, int status)
{
	hl_api_events *ev = arg;
	ev->hooked = 0;
	if (status == 0 && (ev->staged.len || ev->too_many))
		hl_api_publish(ev->api, (const char *)ev->staged.p, ev->staged.len, 0, ev->too_many);
	/* status < 0: rolled back; peers resend and the entries come again. */
	hl_buf_reset(&ev->staged);
	ev->too_many = 0;
}

void hl_api_event_entry(void *api, hl_line *l, const hl_entry *e, const uint8_t hash[32], int own)
{
	hl_api_events *ev = hl_api_events_of(api);
	if (!ev)
		return;
	if (!ev->hooked) {
		if (hl_core_after_commit(l->d, flush_staged, ev) < 0)
			return; /* out of memory: the event is lost, the entry is not */
		ev->hooked = 1;
	}
	/* Formatted directly: every field is one of our names or a number
	 * (peer and station names are [A-Za-z0-9._-]), nothing to escape. */
	char id[65], line[320];
	hl_hex(hash, 32, id);
	int n = snprintf(line, sizeof line,
			 "{\"event\":\"entry\",\"peer\":\"%s\",\"author\":\"%s\",\"own\":%s,"
			 "\"seq\":%llu,\"id\":\"%s\",\"kind\":\"%s\",\"precedence\":\"%s\","
			 "\"exercise\":%s}\n",
			 l->peer->name, own ? l->d->cfg->name : l->peer->name, own ? "true" : "false",
			 (unsigned long long)e->seq, id, hl_kind_name(e->kind),
			 hl_precedence_name(e->precedence),
			 (e->flags & HL_FLAG_EXERCISE) ? "true" : "false");
	if (n <= 0 || (size_t)n >= sizeof line || hl_buf_put(&ev->staged, line, (size_t)n) < 0)
		ev->too_many = 1;
}

/* Alarm texts are our sentences but may quote a peer's name or an address:
 * jansson escapes them. */
static void publish_json(hl_api *api, json_t *o)
{
	if (!o)
		return;
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!s)
		return;
	size_t n = strlen(s);
	s[n] = '\n'; /* over the NUL: the length is known */
	hl_api_publish(api, s, n + 1, 1, 0);
	free(s);
}

void hl_api_event_alarm(void *api, hl_line *l, int kind, int path, int on, const char *text)
{
	if (!hl_api_events_of(api))
		return;
	json_t *t = text ? json_string(text) : json_null();
	if (!t) /* not UTF-8: status shows the stored copy, cleaned */
		t = json_string("(text not shown: not UTF-8)");
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o}", "event", "alarm", "peer",
			      l->peer->name, "kind", hl_alarm_kind_name(kind), "on", on, "path",
			      path < 0 ? json_null() : json_integer(path), "text", t);
	publish_json(api, o);
}

void hl_api_event_line(void *api, hl_line *l)
{
	if (!hl_api_events_of(api))
		return;
	json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "event", "line", "peer", l->peer->name,
			      "state", hl_line_state(l), "active_path",
			      l->active >= 0 && l->session ? json_integer(l->active) : json_null());
	publish_json(api, o);
}
