/* daemon.h — hotlined's top-level state and the structures its modules share:
 * the daemon (loop, identity, store, group commit), a line (one per pinned
 * peer) and a session (one TCP connection, handshake then transport). */
#ifndef HL_DAEMON_H
#define HL_DAEMON_H

#include <stdint.h>
#include <uv.h>

#include "alarm.h"
#include "budget.h"
#include "buf.h"
#include "config.h"
#include "entry.h"
#include "form.h"
#include "hsfresh.h"
#include "keys.h"
#include "noise.h"
#include "ratelimit.h"
#include "sdnotify.h"
#include "store.h"
#include "wire.h"

typedef struct hl_daemon hl_daemon;
typedef struct hl_line hl_line;
typedef struct hl_session hl_session;
typedef struct hl_api hl_api;

enum hl_session_state { HL_SS_CONNECTING, HL_SS_HANDSHAKE, HL_SS_UP, HL_SS_CLOSING };

struct hl_session {
	hl_daemon *d;
	hl_line *line;           /* NULL for a responder until msg 1 names the peer */
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_timer_t timer;        /* handshake deadline */
	int state;
	int initiator;
	int handles_open;        /* closes outstanding before free */
	hl_noise_hs *hs;
	hl_noise_cipher tx, rx;
	uint8_t hs_hash[64];
	uint8_t tai64n[12];      /* responder: timestamp of msg 1, saved on success */
	/* Responder: msg 1 passed by the window (hsfresh.h), not by being newer.
	 * A replay could do that, so the session is used only once a transport
	 * message from the initiator decrypts (only the holder of its ephemeral
	 * key can seal one); until then it counts as half-open. */
	int confirm_pending;
	int hello_tx;            /* our HELLO sent on it */
	hl_framer framer;
	hl_buf out;              /* plaintext records waiting to be sealed */
	size_t write_pending;    /* bytes handed to libuv, not yet written */
	uint64_t up_ms;          /* when the handshake completed */
	uint64_t last_rx_ms;
	int hello_rx;            /* the peer's HELLO verified */
	int retired;             /* replaced on its path: closed after a grace */
	const char *retire_why;  /* logged when it closes */
	uint64_t send_next;      /* next own seq to stream on this session */
	uint64_t want_sent;      /* last WANT seq asked, to ask once per gap */
	/* Index in line->paths: the initiator's is the Endpoint it dialled, the
	 * responder learns it from the initiator's HELLO; -1 until known. */
	int path;
	double srtt_ms, rttvar_ms; /* smoothed RTT from PONGs; srtt < 0 unknown */
	double rsrtt_ms, rrttvar_ms; /* smoothed entry-to-receipt time; < 0 unknown */
	uint64_t sample_seq, sample_ms; /* entry timed for a receipt sample, 0 none */
	uint64_t unacked_since_ms; /* when the oldest unreceipted entry was sent here, 0 none */
	int suspect;             /* receipts overdue: not chosen until it answers again */
	uint64_t last_ping_ms;
	uint64_t rekey_started;  /* a replacement session was dialled at this time */
	char addr[HL_MAX_ENDPOINT_STR + 1]; /* remote address for logs */
	struct sockaddr_storage remote;
	hl_session *next;        /* in the daemon's list of sessions */
};

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
	hl_daemon *d;
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

/* Something to do once the current transaction is durable. */
typedef struct hl_after {
	void (*fn)(void *arg, int status);
	void *arg;
	struct hl_after *next;
} hl_after;

struct hl_daemon {
	uv_loop_t loop;
	hl_config *cfg;
	hl_identity *id;
	hl_store *store;
	hl_line lines[HL_MAX_PEERS];
	int n_lines;
	uv_tcp_t listener;
	int listening;
	uv_signal_t sig_term, sig_int, sig_pipe, sig_hup;
	hl_peer_conf *reload_peers; /* settings of lines added by reloads, by slot */
	const hl_sdnotify *notify; /* service manager, for RELOADING=1 (NULL: none) */
	uv_check_t commit_check;     /* commits what I/O callbacks stored */
	uv_prepare_t commit_prepare; /* and what timers stored, before the loop blocks */
	hl_after *after_head, *after_tail;
	hl_session *sessions;
	unsigned half_open;      /* responder sessions still in handshake */
	uint64_t store_hold_until_ms; /* after a failed commit, entries wait until then */
	unsigned store_backoff_ms;
	hl_ratelimit handshake_rl; /* per source address */
	hl_api *api;
	const struct hl_entry_memo *found; /* hl_daemon_found */
	hl_form_set forms;       /* notice schemas of FormsDir (notice.c) */
	hl_alarms *alarms;
	uv_timer_t metrics_timer;
	int metrics_on;
	int stopping;
	int exit_code;
	uint8_t rbuf[65536];     /* socket read block, see session.c on_alloc */
};

/* Monotonic and wall-clock milliseconds. */
uint64_t hl_now_ms(const hl_daemon *d);
uint64_t hl_wall_ms(void);

/* daemon.c. hl_daemon_init uses (and then owns) d->id if the caller set it,
 * else loads the configured key file; every other field is reset. */
int hl_daemon_init(hl_daemon *d, hl_config *cfg, char *err, size_t errlen);
int hl_daemon_run(hl_daemon *d);
/* Commits the open transaction now (what the loop does once a turn). */
void hl_daemon_commit(hl_daemon *d);
/* reload.c: SIGHUP. Re-reads the configuration file; applies its [Peer]
 * sections (unchanged lines untouched, changed ones restarted, new ones
 * added, missing ones closed); reports [Station] changes as waiting for a
 * restart. A file that does not load changes nothing. */
int hl_daemon_reload(hl_daemon *d);
void hl_daemon_free(hl_daemon *d);
/* Opens the turn's transaction if none is open (group commit). HL_ERR_STORE
 * once the turn's transaction is lost: the caller writes nothing, and what
 * it would have written is asked for or retried after the failed commit. */
int hl_daemon_tx(hl_daemon *d);
/* Runs fn(arg, status) after the turn's commit (status 0) or its failure. */
int hl_daemon_after_commit(hl_daemon *d, void (*fn)(void *, int), void *arg);
hl_line *hl_daemon_line_by_name(hl_daemon *d, const char *name);

/* entry_find.c: an entry an operator named (entryref.h), on a live line. */
typedef struct {
	hl_line *line;
	int own;          /* 1: ours; 0: the peer's */
	uint64_t seq;
	uint8_t hash[32];
} hl_entry_loc;
/* A hex id prefix is found by a scan of every entry. hl_entry_prefix_*
 * do the scan in steps (budget.h) into this; hl_daemon_found keeps the
 * result for the hl_daemon_find_entry of the same text that follows, which
 * then scans nothing. */
typedef struct hl_entry_memo {
	char hex[65];       /* the prefix, as hl_entryref_parse gives it */
	int64_t pos;        /* entries looked at: rowids up to this */
	unsigned found;     /* matches so far (2 or more: ambiguous) */
	int rc;             /* a store error, once done */
	int done;
	uint8_t line_id[32], author[32], hash[32];
	uint64_t seq;
} hl_entry_memo;
/* 1 with m ready when text names an entry by an id prefix, else 0. */
int hl_entry_prefix_begin(const char *text, hl_entry_memo *m);
/* Scans until b is spent: 1 once the whole store has been looked at (or
 * two matches found, or the store failed), 0 to call again. */
int hl_entry_prefix_step(hl_daemon *d, hl_entry_memo *m, const hl_budget *b);
/* Keeps m (done; the caller keeps it alive) for the look-ups of its text
 * until called again; NULL forgets it. */
void hl_daemon_found(hl_daemon *d, const hl_entry_memo *m);
/* 0; HL_ERR_INVAL (not a reference, or an ambiguous id prefix) or
 * HL_ERR_NOTFOUND with a sentence for the operator in err. */
int hl_daemon_find_entry(hl_daemon *d, const char *text, hl_entry_loc *loc, char *err,
			 size_t errlen);
hl_line *hl_daemon_line_by_x(hl_daemon *d, const uint8_t x[32]);

/* session.c */
int hl_session_dial(hl_line *l, int path, const struct sockaddr *sa);
int hl_session_accept(hl_daemon *d, uv_stream_t *server);
/* Stops using s: it is closed (logging why) after grace_ms, time for the
 * peer to move to the session that replaced it, so it does not see the
 * close as its path failing. Records arriving meanwhile are still handled. */
void hl_session_retire(hl_session *s, unsigned grace_ms, const char *why);
/* Queues one record; sealed and written by hl_session_flush. */
int hl_session_send(hl_session *s, uint8_t type, const uint8_t *body, size_t len);
int hl_session_flush(hl_session *s);
void hl_session_close(hl_session *s, const char *why);

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
/* Own entry seq was just queued on the active session s (receipt timing). */
void hl_path_sent(hl_line *l, hl_session *s, uint64_t seq);
/* A peer's ENTRY arrived on s: the peer's traffic is on s's path. */
void hl_path_on_peer_entry(hl_line *l, hl_session *s);
/* Sends a record on every established session of the line. */
void hl_path_broadcast(hl_line *l, uint8_t type, const uint8_t *body, size_t len);

/* linktest.c: TEST entries answered by the peer's daemon with TEST_REPLY */
typedef struct hl_test_waiter {
	/* status 0: answered after rtt_ms; else an HL_ERR_* (deadline passed) */
	void (*done)(void *arg, int status, uint64_t seq, const uint8_t hash[32], double rtt_ms);
	void *arg;
	struct hl_test_waiter *next;
} hl_test_waiter;
/* Sends a TEST now (or joins the one in flight); waiter may be NULL. */
int hl_linktest_start(hl_line *l, hl_test_waiter *w);
/* Called for every entry of the peer that was accepted (not a resend). */
void hl_linktest_on_entry(hl_line *l, const hl_entry *e, const uint8_t hash[32]);
/* Scheduled tests and deadlines; from the line's tick. */
void hl_linktest_tick(hl_line *l, uint64_t now);
/* Drops waiters of a closing station (called with HL_ERR_STATE). */
void hl_linktest_cancel(hl_line *l);

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
int hl_line_init(hl_daemon *d, hl_line *l, const hl_peer_conf *peer, char *err, size_t errlen);
void hl_line_start(hl_line *l);
void hl_line_close(hl_line *l);
/* Sends HELLO on a new session. */
int hl_line_hello(hl_line *l, hl_session *s);
/* A record arrived on l's established session. Negative: close it. */
int hl_line_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len);
/* After a commit: receipts out, resume streaming. */
void hl_line_committed(hl_line *l);
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

/* entry_hooks.c: an entry was stored in the open transaction (own: ours,
 * stored_ms: our clock). e->body points into the caller's buffer. Negative
 * if what follows from it could not be recorded. */
int hl_line_entry_stored(hl_line *l, const hl_entry *e, const uint8_t hash[32],
			 uint64_t stored_ms, int own);

/* api.c */
int hl_api_start(hl_daemon *d, char *err, size_t errlen);
void hl_api_stop(hl_daemon *d);
/* Writes the replies gathered during this loop turn (one write per client). */
void hl_api_flush(hl_daemon *d);
void hl_api_free(hl_daemon *d); /* after the loop has closed every handle */

#endif
