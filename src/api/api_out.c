/* api_out.c — the local API's output: replies gathered per loop turn, the
 * cap on what a client has not read (past HL_API_OUT_MAX its requests are
 * no longer read and its large answer pauses, until its socket drains), and
 * the producers of large answers (api_step.h), run in steps from an idle
 * handle: the loop polls the network between two steps, so no answer holds
 * it for more than about HL_API_STEP_US. */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"

/* Replies gather in c->out and go out in one write per loop turn (after
 * the commit that answers a batch of pipelined sends, or after a read's
 * requests): a write per reply was a system call per message. */
#define OUT_BATCH (64u * 1024u)
/* One step's output: HL_API_STEP_BYTES and the item that passed it (an
 * entry with its translations); an item bigger than this cannot be sent. */
#define STEP_MAX (64u * 1024u * 1024u)

typedef struct {
	uv_write_t req;
	hl_api_client *c;
	uint8_t *mem; /* the bytes written, freed when done */
} out_write;

size_t hl_api_backlog(hl_api_client *c)
{
	return c->out.len + uv_stream_get_write_queue_size((const uv_stream_t *)&c->pipe);
}

static void on_steps(uv_idle_t *h);

/* An answer can go on: steps run from the next loop turn (starting an
 * active idle handle changes nothing). */
static void kick(hl_api *api)
{
	if (!api->stopped)
		uv_idle_start(&api->steps, on_steps);
}

/* The client took bytes: a paused answer goes on, held requests are read. */
static void drained(hl_api_client *c)
{
	c->last_ms = uv_now(&c->api->d->loop);
	if (hl_api_backlog(c) >= HL_API_OUT_MAX)
		return;
	if (c->prod) {
		kick(c->api);
	} else if (!c->busy && !c->subscribed && !c->ending) {
		hl_api_process(c);
		hl_api_flush_out(c);
	}
}

static void on_written(uv_write_t *req, int status)
{
	out_write *w = (out_write *)req;
	hl_api_client *c = w->c;
	free(w->mem);
	free(w);
	if (c->closed)
		return;
	if (status < 0) {
		hl_api_close(c);
		return;
	}
	drained(c);
}

/* Hands mem[0..n) (malloc'd, ours from now) to the socket. */
static void write_owned(hl_api_client *c, uint8_t *mem, size_t n)
{
	out_write *w = c->closed ? NULL : malloc(sizeof *w);
	if (!w) {
		free(mem);
		hl_api_close(c);
		return;
	}
	w->c = c;
	w->mem = mem;
	uv_buf_t b = uv_buf_init((char *)mem, (unsigned)n);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, on_written) != 0) {
		free(mem);
		free(w);
		hl_api_close(c);
	}
}

/* Hands a buffer's bytes over without copying; b is empty afterwards. */
static void write_buf(hl_api_client *c, hl_buf *b)
{
	size_t max = b->max, n = b->len;
	uint8_t *mem = b->p;
	hl_buf_init(b, max);
	write_owned(c, mem, n);
}

void hl_api_flush_out(hl_api_client *c)
{
	if (c->closed || c->out.len == 0)
		return;
	write_buf(c, &c->out);
}

void hl_api_flush(void *ctx)
{
	hl_api *api = ctx;
	for (hl_api_client *c = api->clients; c; c = c->next)
		hl_api_flush_out(c);
}

void hl_api_reply_raw(hl_api_client *c, const char *line, size_t n)
{
	if (c->closed)
		return;
	c->last_ms = uv_now(&c->api->d->loop);
	if (n > OUT_BATCH || hl_buf_put(&c->out, line, n) < 0) {
		/* A large one (a status of many lines, a report) goes on its own, in order. */
		hl_api_flush_out(c);
		uint8_t *mem = malloc(n);
		if (!mem) {
			hl_api_close(c);
			return;
		}
		memcpy(mem, line, n);
		write_owned(c, mem, n);
	} else if (c->out.len >= OUT_BATCH) {
		hl_api_flush_out(c);
	}
}

int hl_api_json_line(hl_buf *out, json_t *obj)
{
	char *s = obj ? json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(obj);
	if (!s)
		return HL_ERR_NOMEM;
	int rc = hl_buf_put(out, s, strlen(s));
	if (rc == 0)
		rc = hl_buf_put(out, "\n", 1);
	free(s);
	return rc;
}

void hl_api_reply(hl_api_client *c, json_t *obj)
{
	if (c->closed) {
		json_decref(obj);
		return;
	}
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (!s) {
		hl_api_close(c);
		return;
	}
	size_t n = strlen(s);
	s[n] = '\n'; /* over the NUL: the length is known */
	hl_api_reply_raw(c, s, n + 1);
	free(s);
}

void hl_api_reply_error(hl_api_client *c, const char *msg)
{
	hl_api_reply(c, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

static void on_end_shutdown(uv_shutdown_t *req, int status)
{
	hl_api_client *c = req->data;
	(void)status;
	free(req);
	hl_api_close(c);
}

/* Closing at once would cancel the queued writes and cut the answer: they
 * drain first, then the shutdown closes it. One that never drains is
 * closed as idle (ApiIdleTimeout). */
void hl_api_end(hl_api_client *c)
{
	if (c->closed)
		return;
	c->ending = 1;
	hl_api_flush_out(c);
	uv_shutdown_t *req = malloc(sizeof *req);
	if (req) {
		req->data = c;
		if (uv_shutdown(req, (uv_stream_t *)&c->pipe, on_end_shutdown) == 0)
			return;
		free(req);
	}
	hl_api_close(c);
}

/* The oldest waiter for a listing's place gets it, while places are free. */
static void wake_waiters(hl_api *api)
{
	if (api->stopped)
		return;
	for (unsigned guard = 0; api->n_listings < HL_API_MAX_LISTINGS && guard <= api->n_clients;
	     guard++) {
		hl_api_client *first = NULL;
		for (hl_api_client *c = api->clients; c; c = c->next)
			if (c->slot_wait && !c->closed && !c->in_process &&
			    (!first || c->slot_wait < first->slot_wait))
				first = c;
		if (!first)
			return;
		first->slot_wait = 0;
		hl_api_process(first);
		hl_api_flush_out(first);
	}
}

void hl_api_producer_end(hl_api_client *c)
{
	hl_api_producer *p = c->prod;
	if (!p)
		return;
	c->prod = NULL;
	int listing = p->listing;
	p->free(p);
	if (listing) {
		c->api->n_listings--;
		wake_waiters(c->api);
	}
}

void hl_api_produce(hl_api_client *c, hl_api_producer *p)
{
	c->prod = p;
	if (p->listing)
		c->api->n_listings++;
	c->last_ms = uv_now(&c->api->d->loop);
	kick(c->api);
}

static int runnable(hl_api_client *c)
{
	return c->prod && !c->closed && hl_api_backlog(c) < HL_API_OUT_MAX;
}

/* One step of c's answer, its output handed to the socket. */
static void step_one(hl_api_client *c, const hl_budget *b)
{
	hl_buf out;
	hl_buf_init(&out, STEP_MAX);
	int rc = c->prod->step(c->prod, &out, b);
	/* A step can close the client (a reply it could not write). */
	int close_after = c->prod ? c->prod->close_after : 0;
	if (out.len) {
		c->last_ms = uv_now(&c->api->d->loop);
		hl_api_flush_out(c); /* replies before it, in order */
		write_buf(c, &out);
	}
	hl_buf_free(&out);
	if (c->closed)
		return;
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "API client %s: answer cut off: %s", c->operator_name, hl_strerror(rc));
		hl_api_producer_end(c);
		hl_api_close(c);
	} else if (rc == 1) {
		hl_api_producer_end(c);
		if (close_after) {
			hl_api_end(c);
		} else {
			hl_api_process(c); /* the requests that waited for it */
			hl_api_flush_out(c);
			if (c->eof && !c->prod && !c->closed)
				hl_api_end(c);
		}
	}
}

/* Once per loop turn while an answer can go on: each producing client gets
 * a share of HL_API_STEP_US, then the loop polls the network again. */
static void on_steps(uv_idle_t *h)
{
	hl_api *api = h->data;
	unsigned ready = 0;
	for (hl_api_client *c = api->clients; c; c = c->next)
		ready += (unsigned)runnable(c);
	if (ready == 0) {
		uv_idle_stop(h);
		return;
	}
	uint64_t share = HL_API_STEP_US / ready;
	if (share < 100)
		share = 100; /* each step still does a little */
	for (hl_api_client *c = api->clients; c; c = c->next) {
		if (!runnable(c))
			continue;
		hl_budget b;
		hl_budget_start(&b, share);
		step_one(c, &b);
	}
}

int hl_api_steps_init(hl_api *api)
{
	api->steps.data = api;
	return uv_idle_init(&api->d->loop, &api->steps);
}

void hl_api_steps_close(hl_api *api)
{
	uv_close((uv_handle_t *)&api->steps, NULL);
}
