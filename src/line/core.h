/* core.h — the running station as the line layer sees it: the event loop, the
 * identity, the store and its group commit (one transaction per loop turn),
 * the lines and their sessions, the clock; and the two registries through
 * which the layers above hook in without the line naming them: features
 * (feature.h) and observers. hotlined's top level (src/daemon/) owns one. */
#ifndef HL_CORE_H
#define HL_CORE_H

#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "config/form.h"
#include "crypto/keys.h"
#include "store/store.h"
#include "util/ratelimit.h"
#include "alarm.h"
#include "feature.h"
#include "line.h"

#define HL_MAX_FEATURES 8
#define HL_MAX_OBSERVERS 4

/* Something to do once the current transaction is durable. */
typedef struct hl_after {
	void (*fn)(void *arg, int status);
	void *arg;
	struct hl_after *next;
} hl_after;

/* What the layers above the line hear of (the API's event stream; a unit
 * test's fake). Every callback may be NULL. */
typedef struct {
	void *ctx;
	/* An entry stored in the turn's open transaction (it may roll back). */
	void (*entry)(void *ctx, hl_line *l, const hl_entry *e, const uint8_t hash[32], int own);
	/* An alarm of l newly raised (on) or cleared; text may be NULL. */
	void (*alarm)(void *ctx, hl_line *l, int kind, int path, int on, const char *text);
	/* l went up or down: hl_line_state(l) now. */
	void (*line)(void *ctx, hl_line *l);
	/* The turn's commit and its after-commit work are done: write out
	 * what the turn gathered. */
	void (*turn)(void *ctx);
} hl_observer;

struct hl_core {
	uv_loop_t loop;
	hl_config *cfg;
	hl_identity *id;
	hl_store *store;
	hl_line lines[HL_MAX_PEERS];
	int n_lines;
	uv_check_t commit_check;     /* commits what I/O callbacks stored */
	uv_prepare_t commit_prepare; /* and what timers stored, before the loop blocks */
	int commits_on;
	hl_after *after_head, *after_tail;
	hl_session *sessions;
	unsigned half_open;      /* responder sessions still in handshake */
	uint64_t store_hold_until_ms; /* after a failed commit, entries wait until then */
	unsigned store_backoff_ms;
	hl_ratelimit handshake_rl; /* per source address */
	hl_form_set forms;       /* notice schemas of FormsDir (notice.c) */
	/* station/entry_find.c: an id prefix's scan, done in steps (opaque here). */
	const struct hl_entry_memo *found;
	hl_alarms *alarms;
	const hl_feature *features[HL_MAX_FEATURES];
	int n_features;
	hl_observer observers[HL_MAX_OBSERVERS];
	int n_observers;
	int stopping;
	uint8_t rbuf[65536];     /* socket read block, see session.c on_alloc */
};

/* Monotonic and wall-clock milliseconds. */
uint64_t hl_now_ms(const hl_core *d);
uint64_t hl_wall_ms(void);

/* Resets d and sets what it is given (the store and identity stay the
 * caller's to free); the group commit starts with hl_core_start_commits. */
void hl_core_init(hl_core *d, hl_config *cfg, hl_identity *id, hl_store *store);
void hl_core_start_commits(hl_core *d);
void hl_core_stop_commits(hl_core *d);
/* Features and observers, registered before the lines start. */
int hl_core_add_feature(hl_core *d, const hl_feature *f);
int hl_core_add_observer(hl_core *d, const hl_observer *o);

/* Opens the turn's transaction if none is open (group commit). HL_ERR_STORE
 * once the turn's transaction is lost: the caller writes nothing, and what
 * it would have written is asked for or retried after the failed commit. */
int hl_core_tx(hl_core *d);
/* Runs fn(arg, status) after the turn's commit (status 0) or its failure. */
int hl_core_after_commit(hl_core *d, void (*fn)(void *, int), void *arg);
/* Commits the open transaction now (what the loop does once a turn):
 * receipts and "stored" answers go out only after it. */
void hl_core_commit(hl_core *d);

hl_line *hl_core_line_by_name(hl_core *d, const char *name);
hl_line *hl_core_line_by_x(hl_core *d, const uint8_t x[32]);

/* To every observer (core.c). */
void hl_core_notify_entry(hl_core *d, hl_line *l, const hl_entry *e, const uint8_t hash[32],
			  int own);
void hl_core_notify_alarm(hl_core *d, hl_line *l, int kind, int path, int on, const char *text);
void hl_core_notify_line(hl_core *d, hl_line *l);

#endif
