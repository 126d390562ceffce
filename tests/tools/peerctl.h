/* peerctl.h — shared by peerctl.c (the protocol client and command line) and
 * peerctl_script.c (the impersonated peer's script of steps and lies). */
#ifndef PEERCTL_H
#define PEERCTL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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
	int timeout_ms, expect_refused, zero_frame, stall, framed, nscript;
	long bytes;
	int64_t clock_off_ms;    /* --clock-offset: added to every wall time we send */
	char **script;
} opts;

typedef struct {
	int fd, timeout_ms;
	size_t rx_bytes;         /* every byte the daemon sent us */
	int closed;              /* the daemon closed (FIN or RST) */
	int have_frame;          /* framer holds a frame handed out, pop before next */
	int64_t clock_off_ms;    /* our clock's lie, in PONGs, receipts and entries */
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

#endif
