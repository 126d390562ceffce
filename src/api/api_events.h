/* api_events.h — the local API's event subscription (docs/API.md,
 * "subscribe"): what the daemon's modules report, and the queue api.c
 * drains to each subscriber. */
#ifndef HL_API_EVENTS_H
#define HL_API_EVENTS_H

#include <stddef.h>

#include "api.h"

/* A subscriber that falls this far behind (bytes queued for it and not yet
 * taken by its socket) gets {"event":"overflow"} and is closed: a stalled
 * console must not make the daemon hold an unbounded backlog. About 5,000
 * entry events. */
#define HL_API_EVENT_QUEUE_MAX (1024u * 1024u)
/* Entry events of one turn wait for its commit; more than this in a turn
 * (a burst of ~20,000 entries) is not kept: subscribers get the overflow. */
#define HL_API_EVENT_STAGE_MAX (4u * 1024u * 1024u)

typedef struct hl_api_events hl_api_events;

/* api_events.c */
hl_api_events *hl_api_events_new(hl_api *api, hl_core *d);
void hl_api_events_free(hl_api_events *ev);

/* The API's observer callbacks (core.h hl_observer; ctx is the hl_api).
 * Each does nothing (and costs nothing) while no client is subscribed. */
/* An entry stored in the open transaction: published only after that
 * transaction commits; dropped if it rolls back. */
void hl_api_event_entry(void *api, hl_line *l, const hl_entry *e, const uint8_t hash[32], int own);
/* An alarm newly raised (on) or cleared; text may be NULL. */
void hl_api_event_alarm(void *api, hl_line *l, int kind, int path, int on, const char *text);
/* The line went up or down: its hl_line_state() now. */
void hl_api_event_line(void *api, hl_line *l);

/* api.c: the subscription's state while at least one client is subscribed,
 * else NULL. */
hl_api_events *hl_api_events_of(hl_api *api);
/* api.c: line[0..n) (one JSON object and its newline) to every subscriber,
 * written out at once when flush is set (else with the turn's replies).
 * overflow set: every subscriber gets the overflow event and is closed. */
void hl_api_publish(hl_api *api, const char *line, size_t n, int flush, int overflow);

#endif
