/* session.h — one TCP connection to a peer (session.c): dialled or
 * accepted, the Noise handshake, then sealed records. Opaque above the line
 * layer: features send records on it and ask whether it is ready. */
#ifndef HL_SESSION_H
#define HL_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

typedef struct hl_core hl_core;
typedef struct hl_line hl_line;
typedef struct hl_session hl_session;

int hl_session_dial(hl_line *l, int path, const struct sockaddr *sa);
int hl_session_accept(hl_core *d, uv_stream_t *server);
/* Queues one record; sealed and written by hl_session_flush. */
int hl_session_send(hl_session *s, uint8_t type, const uint8_t *body, size_t len);
int hl_session_flush(hl_session *s);
void hl_session_close(hl_session *s, const char *why);
/* Stops using s: it is closed (logging why) after grace_ms, time for the
 * peer to move to the session that replaced it, so it does not see the
 * close as its path failing. Records arriving meanwhile are still handled. */
void hl_session_retire(hl_session *s, unsigned grace_ms, const char *why);

/* 1 if s is up and the peer's HELLO on it verified: records may go. */
int hl_session_ready(const hl_session *s);
/* Bytes queued on s and not yet written to its socket. */
size_t hl_session_queued(const hl_session *s);

/* What status shows of a session. */
typedef struct {
	const char *addr;    /* the remote address, for people */
	int initiator;       /* we dialled it */
	int hello;           /* the peer's HELLO verified */
	int suspect;         /* receipts overdue on it */
	double srtt_ms;      /* smoothed RTT, < 0 unknown */
} hl_session_info;
void hl_session_get_info(const hl_session *s, hl_session_info *out);

#endif
