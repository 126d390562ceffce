/* peerctl.h — shared by peerctl.c (the protocol client and command line) and
 * peerctl_script.c (the impersonated peer's script of steps and lies). */
#ifndef PEERCTL_H
#define PEERCTL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attach.h"
#include "buf.h"
#include "entry.h"
#include "err.h"
#include "keys.h"
#include "limits.h"
#include "noise.h"
#include "wire.h"

#define DEFAULT_TIMEOUT_MS 8000  /* above the daemon's 5 s handshake deadline */
#define MAX_TIMEOUT_MS 10000
enum { EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE }; /* expected / not / bad command line */

typedef struct {
	const char *addr, *bind, *key, *peer, *psk, *save, *seed, *hello;
	int timeout_ms, expect_refused, zero_frame, stall, framed, nscript, answered;
	long bytes;
	int64_t clock_off_ms;    /* --clock-offset: added to every wall time we send */
	int64_t hs_off_ms;       /* --hs-offset: added to message 1's timestamp only */
	char **script;
} opts;

typedef struct {
	int fd, timeout_ms;
	size_t rx_bytes;         /* every byte the daemon sent us */
	int closed;              /* the daemon closed (FIN or RST) */
	int have_frame;          /* framer holds a frame handed out, pop before next */
	int64_t clock_off_ms;    /* our clock's lie, in PONGs, receipts and entries */
	int64_t hs_off_ms;       /* and in message 1's TAI64N */
	hl_framer fr;
	hl_noise_cipher tx, rx;
	uint8_t hs_hash[HL_NOISE_HASHLEN];
	uint8_t pt[HL_MAX_TRANSPORT_PT];
	hl_rd rd;                /* records left in the last transport message */
} conn;

/* A line on stdout, flushed: the test log reads what peerctl saw. */
__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...);

static inline int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
#define now_ms() clock_ms(CLOCK_MONOTONIC)
#define wall_ms() ((uint64_t)clock_ms(CLOCK_REALTIME))
#define our_wall_ms(c) ((uint64_t)(clock_ms(CLOCK_REALTIME) + (c)->clock_off_ms))
#define deadline(c) (now_ms() + (c)->timeout_ms)

/* An attachment: its content (ours only), hash and declared size. */
typedef struct {
	uint8_t *data;
	uint64_t size;
	uint8_t hash[32];
	int known;
} pc_blob;

typedef struct { /* probe and act: a pinned peer, impersonated */
	conn c;
	hl_identity *id;
	hl_pubkey station;
	uint8_t line_id[32];
	hl_hello sh;              /* the station's HELLO */
	uint64_t next_seq;        /* our next entry */
	uint8_t prev[32];         /* hash of our newest entry the station holds */
	uint64_t last_seq;        /* last valid entry we sent (0 none) */
	uint8_t last_prev[32], last_hash[32];
	uint64_t seen_seq;        /* the station's newest entry we claim to hold */
	uint8_t seen_hash[32];
	unsigned seen_entries;    /* ENTRY records the station sent us */
	pc_blob ours;             /* the attachment we announced last (announce) */
	char ours_body[HL_ATTACH_DESC_MAX + 32]; /* its entry's body */
	pc_blob theirs;           /* the station's newest attachment (data unused) */
	unsigned blobs_seen;      /* BLOB records the station sent us */
} actor;

/* ---- peerctl.c: the protocol client ---- */

/* Connects to o->addr (non-blocking; every wait a poll() against a deadline). */
int conn_open(conn *c, const opts *o);
void conn_close(conn *c);
/* Writes all of p; a daemon that closes meanwhile sets c->closed. */
int send_all(conn *c, const uint8_t *p, size_t n);
/* The next transport frame: 1 one, 0 deadline passed, -1 closed, -2 bad. */
int read_frame(conn *c, int64_t end, const uint8_t **msg, size_t *len);
/* One record per transport message. */
int send_record(conn *c, uint8_t type, const uint8_t *body, size_t len);
/* The next record (PINGs answered here): 1 record, 0 timeout, -1 closed,
 * -2 malformed frame or record, -3 a message that does not decrypt. */
int next_record(conn *c, int64_t end, uint8_t *type, const uint8_t **body, size_t *len);
/* A record type's name (0: "close"); next_record's failure, in words. */
const char *rec_name(uint8_t t);
const char *why_no_record(int rc);
/* Initiator handshake: 0 done, 1 the daemon closed, -1 otherwise (said why). */
int handshake(conn *c, const hl_identity *id, const hl_pubkey *station, const uint8_t *psk,
	      const char *save);
/* The station's HELLO: the first record, role 1, signed over this handshake. */
int read_hello(conn *c, const hl_pubkey *station, hl_hello *h);
int load_identity(const opts *o, hl_identity **id, hl_pubkey *station, uint8_t *psk, int *has_psk);
/* Decimal; signed milliseconds within a year either way (v may be NULL). */
int parse_u64(const char *s, uint64_t *v);
int parse_i64(const char *s, int64_t *v);

/* ---- peerctl_script.c ---- */

/* probe: handshake (and HELLO) only; act: then the script o->script. */
int cmd_peer(const opts *o, int probe);
/* Waits for a record of one type, skipping others (BLOBs counted quietly);
 * want 0 waits for the station to close the connection. 0 got it, -1 not. */
int wait_record(actor *a, uint8_t want, const uint8_t **body, size_t *len);
/* Stays connected for secs, answering PINGs, receipting nothing. 0 the
 * station kept the connection open, -1 not. */
int idle(actor *a, uint64_t secs);

/* ---- peerctl_blob.c: attachment steps (PROTOCOL §2.6) ---- */

/* The blob steps' table: index by name (-1 unknown), arguments, their check. */
int blob_op_lookup(const char *name);
const char *blob_op_name(int op);
int blob_op_nargs(int op);
int blob_args_ok(int op, char **args);
/* Runs one blob step. 0 the station did what it must, -1 it did not. */
int blob_step(actor *a, int op, char **args);
/* announce SIZE: fresh content of SIZE bytes becomes a->ours, and e (the
 * next entry, not yet signed) carries flag ATTACHMENT and its descriptor. */
int blob_announce(actor *a, const char *size, hl_entry *e);
/* A station's entry: an attachment in it becomes a->theirs. */
void blob_note_entry(actor *a, const hl_entry *e);

#endif
