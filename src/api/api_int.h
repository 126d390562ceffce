/* api_int.h — what the local API's files share: a client connection, the
 * listener's state, and the calls between api.c (connections, requests),
 * api_out.c (replies, backpressure, producers in steps), api_send.c
 * (requests answered after their commit) and api_export.c. */
#ifndef HL_API_INT_H
#define HL_API_INT_H

#include <jansson.h>

#include "api_events.h"
#include "api_request.h"
#include "api_step.h"
#include "line/core.h"

typedef struct hl_api_client {
	struct hl_api *api;
	uv_pipe_t pipe;
	uv_timer_t idle;  /* no complete request (or no progress) for ApiIdleTimeout: closed */
	int handles;      /* pipe and timer not yet closed */
	uint64_t last_ms; /* loop time of the last request, reply or write taken */
	hl_buf in;
	hl_buf out;       /* replies not yet handed to the socket (hl_api_flush_out) */
	char operator_name[HL_MAX_OPERATOR + 1];
	int busy;          /* a link test holds the connection */
	unsigned inflight; /* sends waiting for their commit, answered in order */
	hl_api_producer *prod; /* the large answer being produced (api_out.c) */
	uint64_t slot_wait; /* waits for a listing's place: its turn (lower first) */
	int reading;   /* the pipe is being read */
	int ending;    /* the last answer is out: closes once it is written */
	int eof;       /* the client shut its side while an answer was produced */
	int in_process; /* hl_api_process is on the stack for it */
	int closed;    /* handle closed or closing */
	int freed_handle;
	int subscribed; /* the connection carries events only (api_events.c) */
	int overflowed; /* a subscriber sent the overflow event: nothing more */
	struct hl_api_client *next;
} hl_api_client;

struct hl_api {
	hl_core *d;
	uv_pipe_t server;
	uv_idle_t steps;   /* runs producers while one can go on */
	hl_api_client *clients;
	unsigned n_clients;
	unsigned n_subscribed;
	unsigned n_listings;
	uint64_t turns;    /* tickets of clients waiting for a listing's place */
	hl_api_events *events;
	int stopped;
};

/* api.c */
/* Handles the complete requests read, as far as order and backpressure
 * allow, and starts or stops reading accordingly. */
void hl_api_process(hl_api_client *c);
void hl_api_close(hl_api_client *c);
/* Frees a closed client once nothing (a commit, a link test) refers to it. */
void hl_api_maybe_free(hl_api_client *c);

/* api_out.c */
/* Bytes of replies not yet taken by the client's socket. */
size_t hl_api_backlog(hl_api_client *c);
/* line: one complete reply, newline included. */
void hl_api_reply_raw(hl_api_client *c, const char *line, size_t n);
void hl_api_reply(hl_api_client *c, json_t *obj); /* takes obj */
void hl_api_reply_error(hl_api_client *c, const char *msg);
/* obj (taken) as one reply line at the end of out, for a producer. */
int hl_api_json_line(hl_buf *out, json_t *obj);
/* Hands the gathered replies to the socket. */
void hl_api_flush_out(hl_api_client *c);
/* The observer's end of turn (ctx: the hl_api): the replies gathered during
 * this loop turn are written, one write per client. */
void hl_api_flush(void *ctx);
/* The connection closes once what is queued has been written. */
void hl_api_end(hl_api_client *c);
/* Starts producing p's answer (takes p); requests after it wait for it. */
void hl_api_produce(hl_api_client *c, hl_api_producer *p);
/* Stops and frees the producer, if any (a closed connection). */
void hl_api_producer_end(hl_api_client *c);
int hl_api_steps_init(struct hl_api *api);
void hl_api_steps_close(struct hl_api *api);

/* api_send.c: requests that write an entry or a note, answered in order
 * after the commit that makes it durable. */
void hl_api_do_send(hl_api_client *c, const hl_api_request *r);
void hl_api_do_notice(hl_api_client *c, const hl_api_request *r);
void hl_api_do_ack(hl_api_client *c, const hl_api_request *r);
void hl_api_do_note(hl_api_client *c, const hl_api_request *r);

/* api_export.c */
void hl_api_do_export(hl_api_client *c, const hl_api_request *r);

#endif
