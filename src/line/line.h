/* line.h — a line (the link to one pinned peer) and its paths: the state the
 * line layer keeps per peer, and the calls of line.c, line_write.c,
 * line_clock.c, path.c and supervise.c. Features (src/station/) read these
 * fields and call these functions; the line calls features only through
 * their registration (feature.h). */
#ifndef HL_LINE_H
#define HL_LINE_H

#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "config/config.h"
#include "crypto/keys.h"
#include "record/entry.h"
#include "util/limits.h"
#include "hsfresh.h"
#include "session.h"

typedef struct hl_core hl_core;
typedef struct hl_line hl_line;

/* One network route to the peer, in order of preference: path i is the i-th
 * Endpoint of both stations (PROTOCOL §2.4). Paths beyond our own Endpoints
 * carry only the peer's dials. */
typedef struct {
	hl_line *line;
	int index;
	char endpoint[HL_MAX_ENDPOINT_STR + 1]; /* "" beyond our Endpoints */
	struct sockaddr_storage addr;
	int dialable;
	hl_session *session;     /* established on this path */
	hl_session *dialing;
	uv_timer_t dial_timer;
	unsigned backoff_ms;
	uint64_t up_since_ms;    /* current session up since */
	uint64_t ok_since_ms;    /* working since: up, or its suspicion cleared (failback) */
	uint64_t down_since_ms;  /* no session since (0 while up) */
	uint64_t last_fail_ms;   /* its session last died or became suspect then, 0 never */
	uint64_t last_rtt_event_ms;
	uint64_t rekey_retry_ms; /* a failed rekey is dialled again from then */
	unsigned rekey_backoff_ms; /* the next failed rekey's delay, 0 none failed */
} hl_path;

struct hl_line {
	hl_core *d;
	const hl_peer_conf *peer;
	uint8_t line_id[32];
	uint8_t psk[HL_PSK_LEN];
	int has_psk;
	int stopped;
	char stopped_reason[256];
	/* Heads including the open transaction; *_durable after the last commit. */
	uint64_t own_seq, own_durable;
	uint8_t own_hash[32];
	uint64_t peer_seq, peer_durable;
	uint8_t peer_hash[32];
	uint64_t peer_link;      /* the cross-link (peer_seq) of the peer's newest entry */
	uint64_t receipted_seq;  /* newest own seq covered by the peer's receipt */
	/* The peer's HELLO in this run showed our store holds all it holds of
	 * ours: only then is a seq signed (line_write.c). */
	int confirmed;
	uint64_t drafts;         /* in the outbox, unsigned, in the open transaction too */
	int drain_retry;         /* drafts to sign from the tick (after a failed commit, a reload) */
	int need_receipt;        /* entries stored in this turn: receipt after commit */
	/* Freshness of the peer's handshakes (line_clock.c): the newest
	 * accepted (in the store) and those seen within the window. */
	hl_hsfresh hsfresh;
	int hs_resave;           /* newest not (or no longer) in the store */
	uint64_t clock_high_ms;  /* latest wall time our clock read or recorded */
	hl_session *session;     /* the active session: our entries go here */
	/* Every path index the protocol allows; the first n_paths are ours. */
	hl_path paths[HL_MAX_ENDPOINTS];
	int n_paths;             /* configured paths */
	int n_slots;             /* HL_MAX_ENDPOINTS */
	int active;              /* index of the active path, -1 none */
	uint64_t max_sent_seq;   /* newest own seq ever sent (resends are not timed) */
	uint64_t rto_progress_seq; /* receipted_seq when the backoff was last reset */
	unsigned rto_backoff;    /* receipt timeouts since receipts last progressed */
	uv_timer_t tick;         /* supervision: keepalive, failback, rekey */
	uv_timer_t rto_timer;    /* receipt overdue on the active session */
	uint64_t last_keepalive_ms;
	/* Link test in flight (one at a time). */
	uint64_t test_seq;       /* own TEST entry awaiting its TEST_REPLY, 0 none */
	uint8_t test_hash[32];
	uint64_t test_sent_ms;
	uint64_t next_test_ms;
	struct hl_test_waiter *test_waiters;
	double rtt_ms;           /* of the active path; < 0 unknown */
	uint64_t last_traffic_ms;
	/* Supervision (supervise.c). */
	uint64_t down_since_ms;  /* line without an active path since, 0 while up */
	uint64_t receipt_wait_ms; /* entries queued with no receipt progress since */
	double clock_offset_ms;  /* peer wall clock minus ours, from PONGs */
	int clock_known;
	int was_up;
	/* H6 quota on the peer's stored entries (line.c), per QuotaWindow. */
	uint64_t quota_start_ms; /* monotonic start of the current window */
	uint64_t quota_entries, quota_bytes; /* stored in it */
	uint64_t quota_dropped;  /* entries not stored for the quota in it */
	int quota_over;          /* quota alarm raised in this window (entries) */
	uint64_t quota_attach;   /* attachment chunk bytes stored in it */
	uint64_t quota_attach_dropped; /* and not stored for the quota */
	int quota_attach_over;   /* quota alarm raised in this window (attachments) */
	int want_resend;         /* ask the peer to resend after a failed commit */
	/* Written in the open turn, not yet durable: a failed commit must not
	 * forget them (hl_line_reload keeps them, hl_line_store_retry writes
	 * them again, hl_line_committed clears these marks). */
	int stop_unsaved;        /* the stop (stopped_reason) */
	int receipt_unsaved;     /* receipt_enc, the peer's receipt for receipted_seq */
	uint8_t receipt_enc[HL_RECEIPT_LEN];
	uint8_t *conflict_enc;   /* the equivocation's second entry, until durable */
	size_t conflict_len;
	uint64_t conflict_seq;
	int retired;             /* closed by a reload (reload.c): in no lookup */
	struct hl_blob_line *blob; /* attachments (blob.c), NULL until first used */
	/* H4 watch (watch.c, checkin.c): acknowledgement deadlines, check-ins. */
	int watch_ready;         /* 0: recount from the store at the next tick */
	uint64_t watch_next_due_ms; /* earliest due (wall ms) of rows not yet overdue, 0 none */
	unsigned watch_overdue[3]; /* overdue rows: we owe, the peer owes, check-ins */
	uint64_t checkin_next_ms; /* next scheduled check-in (wall ms), 0 not yet computed */
	uint64_t checkin_unsaved_ms; /* the check-in of this instant is in the open turn */
};


/* path.c: the line's paths and sessions */
int hl_path_init_all(hl_line *l, char *err, size_t errlen);
void hl_path_start_all(hl_line *l);
void hl_path_close_all(hl_line *l);
/* Closes every session of the line, on a path or not (a stopped line). */
void hl_path_close_sessions(hl_line *l, const char *why);
/* A session finished its handshake for this line: sends HELLO and a PING. */
int hl_line_session_up(hl_line *l, hl_session *s);
/* The peer's HELLO on s verified (it names the path, for a responder): s
 * takes its path, or is refused as the loser of a simultaneous dial. 0 if
 * s now carries its path, 1 if refused. */
int hl_path_attach(hl_line *l, hl_session *s, int path);
void hl_line_session_down(hl_line *l, hl_session *s);
/* Chooses the active path (preferred healthy one, with failback hysteresis). */
void hl_path_choose(hl_line *l);
/* A PONG on s: update its RTT; a receipt on s: it is healthy again. */
void hl_path_on_pong(hl_line *l, hl_session *s, uint64_t sent_ms, uint64_t peer_wall_ms);
void hl_path_on_receipt(hl_line *l, hl_session *s);
/* What status shows of path i at monotonic time now: 0 for an unused slot
 * beyond our Endpoints (nothing to show), else 1 and *v (times -1: none). */
typedef struct {
	const char *endpoint;
	const char *state;   /* "active", "standby", "suspect", "connecting", "down" */
	double rtt_ms;       /* < 0 unknown */
	int64_t up_for_ms, down_for_ms;
} hl_path_view;
int hl_path_view_get(const hl_line *l, int i, uint64_t now, hl_path_view *v);
/* Own entry seq was just queued on the active session s (receipt timing). */
void hl_path_sent(hl_line *l, hl_session *s, uint64_t seq);
/* A peer's ENTRY arrived on s: the peer's traffic is on s's path. */
void hl_path_on_peer_entry(hl_line *l, hl_session *s);
/* Sends a record on every established session of the line. */
void hl_path_broadcast(hl_line *l, uint8_t type, const uint8_t *body, size_t len);

/* supervise.c: link events and alarms from the line's state */
void hl_supervise_tick(hl_line *l, uint64_t now);
/* Records a link event of the line (path -1: the whole line). */
void hl_supervise_event(hl_line *l, int kind, int path, double value, const char *text);
/* Raises or clears an alarm of the line. */
void hl_supervise_alarm(hl_line *l, int kind, int path, int on, const char *text);

/* line_clock.c: the freshness of the peer's handshakes, clock steps */
/* The window: a message 1 not newer than the newest accepted is accepted
 * if dated within ±this of our clock and not seen before. */
uint64_t hl_line_hs_window_ms(const hl_line *l);
/* Reads the newest accepted timestamp (and, when not a reload, the newest
 * time of our record) from the store; a reload never lowers it. */
int hl_line_clock_load(hl_line *l, int reload);
/* May message 1 (timestamp ts, initiator ephemeral eph, from addr) open a
 * session? 0 yes, with *confirm 1 when only the window let it in (the
 * session then waits for the initiator's first transport message);
 * HL_ERR_REPLAY refused, and logged why. */
int hl_line_hs_check(hl_line *l, const char *addr, const uint8_t ts[12], const uint8_t eph[32],
		     int *confirm);
/* Message 2 went out: remember message 1, store the newest. */
void hl_line_hs_accepted(hl_line *l, const uint8_t ts[12], const uint8_t eph[32]);
/* A window session proved itself: a peer clock that went back past the
 * window raises the clock-step alarm and records the event. */
void hl_line_hs_confirmed(hl_line *l, const uint8_t ts[12]);
/* From the tick: clears the clock-step alarm, watches our own clock
 * (local-clock-step), stores again what a failed commit lost. */
void hl_line_clock_tick(hl_line *l, uint64_t now, uint64_t wall);

/* line.c */
int hl_line_init(hl_core *d, hl_line *l, const hl_peer_conf *peer, char *err, size_t errlen);
void hl_line_start(hl_line *l);
void hl_line_close(hl_line *l);
/* Sends HELLO on a new session. */
int hl_line_hello(hl_line *l, hl_session *s);
/* A record arrived on l's established session. Negative: close it. */
int hl_line_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len);
/* After a commit: receipts out, resume streaming. */
void hl_line_committed(hl_line *l);
/* The receipt owed for the peer's entries, if all it covers is durable:
 * after a commit, and at the end of a turn that wrote nothing (a resend
 * of an entry we hold is receipted again: its first receipt may be lost). */
void hl_line_flush_receipt(hl_line *l);
/* After a failed commit: reload heads from the store; the peer is asked to
 * resend (hl_line_store_retry, from the tick) once the hold has passed. */
void hl_line_reload(hl_line *l);
void hl_line_store_retry(hl_line *l);
void hl_line_pump(hl_line *l);
const char *hl_line_state(const hl_line *l);
/* From the tick: a new quota window clears the quota alarm and asks the peer
 * to resend what was not stored. */
void hl_line_quota_tick(hl_line *l, uint64_t now);
/* 1 if len more bytes of the peer's (an entry when entry is set, counted
 * against QuotaEntries and QuotaBytes; else attachment chunk bytes, against
 * QuotaAttachmentBytes) may be stored in this QuotaWindow, and counts them;
 * else 0 with the quota alarm raised: the caller stores nothing. */
int hl_line_quota_admit(hl_line *l, size_t len, int entry);

/* Appends a new own entry (in the turn's transaction). */
typedef struct {
	uint8_t kind;
	uint8_t precedence;
	uint16_t flags;
	const char *operator_name;
	const char *lang;
	const uint8_t *body;
	size_t body_len;
	const uint8_t (*refs)[32];  /* entries this one answers */
	uint8_t nrefs;
} hl_line_draft;
/* line_write.c. Signs and stores an own entry at the next seq:
 * HL_ERR_UNCONFIRMED before the peer's HELLO has confirmed the record in
 * this run (daemon entries: link tests, check-ins, test replies). */
int hl_line_submit(hl_line *l, const hl_line_draft *draft, uint64_t *seq, uint8_t hash[32]);
/* An operator's entry: signed as hl_line_submit (*draft 0), or, while the
 * record is unconfirmed or drafts wait, queued unsigned in the outbox
 * (*seq 0, *draft its number). Both in the turn's transaction. */
int hl_line_write(hl_line *l, const hl_line_draft *draft, uint64_t *seq, uint8_t hash[32],
		  int64_t *draft_id);
/* A HELLO passed the rollback checks: the record is confirmed for this run
 * (peer_holds: its your_seq); the drafts are signed, in order, now. */
void hl_line_confirm(hl_line *l, uint64_t peer_holds);
/* Signs the queued drafts if the line is confirmed and running. */
void hl_line_drain(hl_line *l);
/* From the tick: a drain the store's hold put off. */
void hl_line_drain_tick(hl_line *l);

/* feature.c: an entry was stored in the open transaction (own: ours,
 * stored_ms: our clock): each feature's on_entry, then the observers.
 * e->body points into the caller's buffer. Negative if what follows from it
 * could not be recorded: the turn's transaction is then lost (the entry is
 * not kept). */
int hl_line_entry_stored(hl_line *l, const hl_entry *e, const uint8_t hash[32],
			 uint64_t stored_ms, int own);

/* 1 while own entries wait to be streamed on the active session: what a
 * feature sends (attachment chunks) goes only when none does. */
int hl_line_entries_waiting(const hl_line *l);

#endif
