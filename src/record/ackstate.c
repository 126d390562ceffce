/* ackstate.c — acknowledgement states in words and in urgency order, from
 * the JSON the daemon gives (no daemon state: the CLI and tests use it). */
#include "ackstate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "entry.h"

int hl_ack_needed(int kind)
{
	return kind == HL_KIND_MESSAGE || kind == HL_KIND_NOTICE || kind == HL_KIND_CHECKIN;
}

void hl_ack_span(uint64_t ms, char *out, size_t size)
{
	uint64_t s = ms / 1000u;

	if (s < 60)
		snprintf(out, size, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, size, s % 60 ? "%llum%02llus" : "%llum", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(out, size, (s / 60) % 60 ? "%lluh%02llum" : "%lluh",
			 (unsigned long long)(s / 3600), (unsigned long long)((s / 60) % 60));
	else
		snprintf(out, size, (s / 3600) % 24 ? "%llud%lluh" : "%llud",
			 (unsigned long long)(s / 86400), (unsigned long long)((s / 3600) % 24));
}

static uint64_t u64_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* "2026-11-27 12:03:07Z" of a Unix time in ms. */
static void when(uint64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000u);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, size, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "?");
}

/* Keeps only characters that cannot drive a terminal (the operator name
 * comes from the peer's signed entry). */
static void safe_copy(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; s && *s && n + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;
		dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
}

/* ", our ACK queued by NAME (draft N), not yet signed" when one waits. */
static void queued_note(const json_t *ack, char *out, size_t size)
{
	const json_t *q = json_object_get(ack, "queued_ack");
	size_t n = strlen(out);
	char by[72];

	if (!json_is_object(q) || n >= size)
		return;
	safe_copy(by, sizeof by, json_string_value(json_object_get(q, "by")));
	snprintf(out + n, size - n, ", our ACK queued by %s (draft %llu), not yet signed",
		 by[0] ? by : "?", (unsigned long long)u64_of(q, "draft"));
}

static void describe(const json_t *entry, char *out, size_t size);

void hl_ack_describe(const json_t *entry, char *out, size_t size)
{
	describe(entry, out, size);
	if (size && out[0] && !json_is_true(json_object_get(entry, "own")))
		queued_note(json_object_get(entry, "ack"), out, size);
}

static void describe(const json_t *entry, char *out, size_t size)
{
	const json_t *ack = json_object_get(entry, "ack");
	const char *state = json_string_value(json_object_get(ack, "state"));
	int own = json_is_true(json_object_get(entry, "own"));
	int receipted = json_is_true(json_object_get(entry, "receipted"));
	char span[32], at[40], by[72];

	if (size)
		out[0] = '\0';
	if (!json_is_object(ack) || !state || !size)
		return;
	if (strcmp(state, "acked") == 0) {
		safe_copy(by, sizeof by, json_string_value(json_object_get(ack, "by")));
		when(u64_of(ack, "at_ms"), at, sizeof at);
		snprintf(out, size, "acknowledged by %s %s", by[0] ? by : "?", at);
		return;
	}
	if (strcmp(state, "overdue") == 0) {
		hl_ack_span(u64_of(ack, "overdue_ms"), span, sizeof span);
		if (!own)
			snprintf(out, size, "ACK OVERDUE %s", span);
		else if (receipted)
			snprintf(out, size, "delivered, NOT ACKNOWLEDGED, overdue %s", span);
		else
			snprintf(out, size, "NOT DELIVERED (no receipt), ack overdue %s", span);
		return;
	}
	if (strcmp(state, "waiting") == 0) {
		hl_ack_span(u64_of(ack, "remaining_ms"), span, sizeof span);
		if (!own)
			snprintf(out, size, "ACK DUE in %s", span);
		else if (receipted)
			snprintf(out, size, "delivered, awaiting acknowledgement, due in %s", span);
		else
			snprintf(out, size, "stored, not yet receipted, ack due in %s", span);
		return;
	}
	snprintf(out, size, own ? "no acknowledgement on record" : "ACK not tracked");
}

static int prec_rank(const json_t *e)
{
	const char *p = json_string_value(json_object_get(e, "precedence"));
	int r = p ? hl_precedence_parse(p) : -1;

	return r < 0 ? -1 : r;
}

int hl_ack_urgency_order(const hl_ack_urgency *x, const hl_ack_urgency *y)
{
	int c;

	if (x->overdue != y->overdue)
		return x->overdue ? -1 : 1;
	if (x->prec != y->prec)
		return x->prec > y->prec ? -1 : 1;
	if (x->due_ms != y->due_ms)
		return x->due_ms < y->due_ms ? -1 : 1;
	c = strcmp(x->peer ? x->peer : "", y->peer ? y->peer : "");
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void urgency_of(const json_t *e, hl_ack_urgency *u)
{
	const json_t *ack = json_object_get(e, "ack");
	const char *st = json_string_value(json_object_get(ack, "state"));

	u->overdue = st && strcmp(st, "overdue") == 0;
	u->prec = prec_rank(e);
	u->due_ms = u64_of(ack, "due_ms");
	u->peer = json_string_value(json_object_get(e, "peer"));
	u->seq = u64_of(e, "seq");
}

int hl_ack_urgency_cmp(const void *a, const void *b)
{
	hl_ack_urgency x, y;

	urgency_of(*(json_t *const *)a, &x);
	urgency_of(*(json_t *const *)b, &y);
	return hl_ack_urgency_order(&x, &y);
}
