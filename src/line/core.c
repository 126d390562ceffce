/* core.c — the core's clock, the group commit (one transaction and one fsync
 * per loop turn; receipts and answers only after it), the line registry, and
 * the feature and observer registries (core.h). */
#include "core.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "session_int.h"

uint64_t hl_now_ms(const hl_core *d)
{
	(void)d;
	return uv_hrtime() / 1000000u;
}

uint64_t hl_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void hl_core_init(hl_core *d, hl_config *cfg, hl_identity *id, hl_store *store)
{
	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->id = id;
	d->store = store;
	hl_ratelimit_init(&d->handshake_rl, HL_HANDSHAKES_PER_SOURCE_PER_S, HL_HANDSHAKE_BURST);
}

int hl_core_add_feature(hl_core *d, const hl_feature *f)
{
	if (d->n_features >= HL_MAX_FEATURES)
		return HL_ERR_TOOBIG;
	d->features[d->n_features++] = f;
	return 0;
}

int hl_core_add_observer(hl_core *d, const hl_observer *o)
{
	if (d->n_observers >= HL_MAX_OBSERVERS)
		return HL_ERR_TOOBIG;
	d->observers[d->n_observers++] = *o;
	return 0;
}

int hl_core_tx(hl_core *d)
{
	/* A turn whose transaction was lost takes nothing more: what would be
	 * written now must not outlive what was already rolled back. */
	if (hl_store_in_tx(d->store))
		return hl_store_tx_failed(d->store) ? HL_ERR_STORE : 0;
	return hl_store_begin(d->store);
}

int hl_core_after_commit(hl_core *d, void (*fn)(void *, int), void *arg)
{
	hl_after *a = malloc(sizeof *a);
	if (!a)
		return HL_ERR_NOMEM;
	a->fn = fn;
	a->arg = arg;
	a->next = NULL;
	if (d->after_tail)
		d->after_tail->next = a;
	else
		d->after_head = a;
	d->after_tail = a;
	return 0;
}

hl_line *hl_core_line_by_name(hl_core *d, const char *name)
{
	for (int i = 0; i < d->n_lines; i++)
		if (!d->lines[i].retired && strcmp(d->lines[i].peer->name, name) == 0)
			return &d->lines[i];
	return NULL;
}

hl_line *hl_core_line_by_x(hl_core *d, const uint8_t x[32])
{
	for (int i = 0; i < d->n_lines; i++)
		if (!d->lines[i].retired && sodium_memcmp(d->lines[i].peer->key.x, x, 32) == 0)
			return &d->lines[i];
	return NULL;
}

void hl_core_notify_entry(hl_core *d, hl_line *l, const hl_entry *e, const uint8_t hash[32],
			  int own)
{
	for (int i = 0; i < d->n_observers; i++)
		if (d->observers[i].entry)
			d->observers[i].entry(d->observers[i].ctx, l, e, hash, own);
}

void hl_core_notify_alarm(hl_core *d, hl_line *l, int kind, int path, int on, const char *text)
{
	for (int i = 0; i < d->n_observers; i++)
		if (d->observers[i].alarm)
			d->observers[i].alarm(d->observers[i].ctx, l, kind, path, on, text);
}

void hl_core_notify_line(hl_core *d, hl_line *l)
{
	for (int i = 0; i < d->n_observers; i++)
		if (d->observers[i].line)
			d->observers[i].line(d->observers[i].ctx, l);
}

/* A failed commit: nothing of the turn was kept. Every line goes back to
 * what the store holds and asks again once the store may take entries. */
static void commit_failed(hl_core *d)
{
	char text[300];
	snprintf(text, sizeof text, "store commit failed (%s): nothing of that moment was kept; peers will resend",
		 hl_store_errmsg(d->store));
	hl_store_rollback(d->store);
	/* Back off while the store keeps failing, 0.5 s doubling to 5 s. */
	d->store_backoff_ms = d->store_backoff_ms ? d->store_backoff_ms * 2 : 500;
	if (d->store_backoff_ms > 5000)
		d->store_backoff_ms = 5000;
	d->store_hold_until_ms = hl_now_ms(d) + d->store_backoff_ms;
	for (int i = 0; i < d->n_lines; i++) {
		if (d->lines[i].retired)
			continue;
		hl_line_reload(&d->lines[i]);
		hl_supervise_alarm(&d->lines[i], HL_ALARM_STORE, -1, 1, text);
	}
}

void hl_core_commit(hl_core *d)
{
	int rc = 0;
	if (hl_store_in_tx(d->store)) {
		rc = hl_store_commit(d->store);
		if (rc < 0) {
			commit_failed(d);
		} else {
			d->store_backoff_ms = 0;
			for (int i = 0; i < d->n_lines; i++) {
				if (d->lines[i].retired)
					continue;
				if (hl_alarm_is_open(d->alarms, d->lines[i].line_id, HL_ALARM_STORE, -1))
					hl_supervise_alarm(&d->lines[i], HL_ALARM_STORE, -1, 0, NULL);
				hl_line_committed(&d->lines[i]);
			}
		}
	} else {
		for (int i = 0; i < d->n_lines; i++)
			if (!d->lines[i].retired)
				hl_line_flush_receipt(&d->lines[i]);
	}
	hl_after *a = d->after_head;
	d->after_head = d->after_tail = NULL;
	while (a) {
		hl_after *next = a->next;
		a->fn(a->arg, rc);
		free(a);
		a = next;
	}
	for (int i = 0; i < d->n_observers; i++)
		if (d->observers[i].turn)
			d->observers[i].turn(d->observers[i].ctx);
	for (hl_session *s = d->sessions; s; s = s->next)
		hl_session_flush(s);
}

static void on_check(uv_check_t *c)
{
	hl_core_commit(c->data);
}

/* Timers run before the loop polls; what they stored must not wait for the
 * poll to return (up to a tick) to become durable and go out. */
static void on_prepare(uv_prepare_t *p)
{
	hl_core *d = p->data;
	if (hl_store_in_tx(d->store) || d->after_head)
		hl_core_commit(d);
}

void hl_core_start_commits(hl_core *d)
{
	uv_check_init(&d->loop, &d->commit_check);
	d->commit_check.data = d;
	uv_check_start(&d->commit_check, on_check);
	uv_prepare_init(&d->loop, &d->commit_prepare);
	d->commit_prepare.data = d;
	uv_prepare_start(&d->commit_prepare, on_prepare);
	d->commits_on = 1;
}

void hl_core_stop_commits(hl_core *d)
{
	if (!d->commits_on)
		return;
	d->commits_on = 0;
	uv_close((uv_handle_t *)&d->commit_check, NULL);
	uv_close((uv_handle_t *)&d->commit_prepare, NULL);
}
