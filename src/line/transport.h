/* transport.h — what carries a session's records (session.c): by default a
 * TCP connection sealed with Noise; a unit test attaches its own, an
 * in-memory one, and drives line.c, path.c and session.c without a socket. */
#ifndef HL_TRANSPORT_H
#define HL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

typedef struct hl_transport {
	/* One batch of plaintext records (wire.h hl_record_put) for the peer,
	 * in order. Negative: the session is closed with that error. */
	int (*send)(hl_session *s, const uint8_t *records, size_t len);
	/* s is closing (its line already told): stop carrying it, and call
	 * hl_session_free(s) once nothing of the transport refers to it —
	 * never from within close, whose callers still read s. */
	void (*close)(hl_session *s);
} hl_transport;

/* A session whose handshake the transport t has done (hs_hash: the
 * handshake hash both HELLOs sign; initiator: we opened it), on path
 * (an index of l->paths, or -1 to place it as an incoming session).
 * It comes up as a dialled or accepted one does (hl_line_session_up: our
 * HELLO goes out); on refusal it is closed and the error returned, else
 * *out is it. ctx is the transport's (hl_session_transport_ctx). */
int hl_session_attach(hl_line *l, int path, const hl_transport *t, void *ctx, int initiator,
		      const uint8_t hs_hash[64], const char *addr, hl_session **out);
/* The transport received one batch of plaintext records: they go to the
 * line in order, as session.c's own after decrypting. On an error s is
 * closed and the error returned; otherwise what they answered is flushed. */
int hl_session_input(hl_session *s, const uint8_t *records, size_t len);
void *hl_session_transport_ctx(const hl_session *s);
/* 1 once s is closing or closed. */
int hl_session_closed(const hl_session *s);
/* Frees a closed session (see close above). */
void hl_session_free(hl_session *s);

#endif
