/* session_int.h — private to the line layer (src/line/): a session's fields.
 * Everything above the line sees a session only through session.h. */
#ifndef HL_SESSION_INT_H
#define HL_SESSION_INT_H

#include <sys/socket.h>
#include <uv.h>

#include "crypto/noise.h"
#include "record/wire.h"
#include "util/buf.h"
#include "util/limits.h"
#include "core.h"
#include "transport.h"

enum hl_session_state { HL_SS_CONNECTING, HL_SS_HANDSHAKE, HL_SS_UP, HL_SS_CLOSING };

struct hl_session {
	hl_core *d;
	hl_line *line;           /* NULL for a responder until msg 1 names the peer */
	const hl_transport *tr;  /* what carries it: TCP + Noise unless attached */
	void *tr_ctx;
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

#endif
