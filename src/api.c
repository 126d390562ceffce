/* api.c — the local API: a Unix socket (mode 0660) speaking newline-delimited
 * JSON (docs/API.md). The caller's uid (SO_PEERCRED) names the operator.
 * Replies keep request order: sends pipeline (up to HL_API_MAX_INFLIGHT wait
 * for their commit, which completes them in order); any other request waits
 * until they are answered. A client that sends no complete request for
 * ApiIdleTimeout is closed. */
#include "daemon.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_events.h"
#include "api_json.h"
#include "api_request.h"
#include "blob.h"
#include "export.h"
#include "report.h"
#include "err.h"
#include "log.h"
#include "notes.h"
#include "text.h"
#include "watch.h"

typedef struct api_client {
	hl_api *api;
	uv_pipe_t pipe;
	uv_timer_t idle;  /* no complete request for ApiIdleTimeout: closed */
	int handles;      /* pipe and timer not yet closed */
	uint64_t last_ms; /* loop time of the last complete request or reply */
	hl_buf in;
	hl_buf out;       /* replies not yet handed to the socket (flush_out) */
	char operator_name[HL_MAX_OPERATOR + 1];
	int busy;      /* a link test or an export holds the connection */
	unsigned inflight; /* sends waiting for their commit, answered in order */
	int reading;   /* the pipe is being read (stopped while a line waits) */
	int closed;    /* handle closed or closing */
	int freed_handle;
	int subscribed; /* the connection carries events only (api_events.c) */
	int overflowed; /* a subscriber sent the overflow event: nothing more */
	hl_export *exp;  /* an export streaming to this client */
	struct api_client *next;
} api_client;

struct hl_api {
	hl_daemon *d;
	uv_pipe_t server;
	api_client *clients;
	unsigned n_clients;
	unsigned n_subscribed;
	hl_api_events *events;
	int stopped;
};

typedef struct {
	api_client *c;
	char peer[HL_MAX_NAME + 1];
	uint64_t seq;
	uint8_t hash[32];
	int64_t draft;   /* queued unsigned (hl_line_write): its number, seq 0 */
	char acked[2 * HL_MAX_NAME + 32]; /* an ack's reply names what it acknowledged */
	char error[400]; /* refused at once, answered in turn behind earlier sends */
} pending_send;

static void process(api_client *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

static void maybe_free(api_client *c)
{
	if (!c->freed_handle || c->busy || c->inflight)
		return;
	hl_api *api = c->api;
	for (api_client **pp = &api->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	api->n_clients--;
	if (c->subscribed)
		api->n_subscribed--;
	hl_export_free(c->exp);
	hl_buf_free(&c->in);
	hl_buf_free(&c->out);
	free(c);
}

static void on_client_close(uv_handle_t *h)
{
	api_client *c = h->data;
	if (--c->handles > 0)
		return;
	c->freed_handle = 1;
	maybe_free(c);
}

static void flush_out(api_client *c);

static void client_close(api_client *c)
{
	if (c->closed)
		return;
	flush_out(c); /* a last error reply goes out before the close */
	c->closed = 1;
	uv_close((uv_handle_t *)&c->pipe, on_client_close);
	uv_close((uv_handle_t *)&c->idle, on_client_close);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

/* Hands buf to the socket with one write of its own copy. */
static void write_copy(api_client *c, const void *buf, size_t n)
{
	uv_write_t *req = malloc(sizeof *req + n);
	if (!req) {
		client_close(c);
		return;
	}
	memcpy(req + 1, buf, n);
	uv_buf_t b = uv_buf_init((char *)(req + 1), (unsigned)n);
	if (uv_write(req, (uv_stream_t *)&c->pipe, &b, 1, on_written) != 0) {
		free(req);
		client_close(c);
	}
}

/* Replies gather in c->out and go out in one write per loop turn (after
 * the commit that answers a batch of pipelined sends, or after a read's
 * requests): a write per reply was a system call per message. */
static void flush_out(api_client *c)
{
	if (c->closed || c->out.len == 0)
		return;
	size_t n = c->out.len;
	c->out.len = 0;
	write_copy(c, c->out.p, n);
}

#define OUT_BATCH (64u * 1024u)

/* line: one complete reply, newline included. */
static void reply_raw(api_client *c, const char *line, size_t n)
{
	if (c->closed)
		return;
	c->last_ms = uv_now(&c->api->d->loop);
	if (n > OUT_BATCH || hl_buf_put(&c->out, line, n) < 0) {
		flush_out(c);
		write_copy(c, line, n);
	} else if (c->out.len >= OUT_BATCH) {
		flush_out(c);
	}
}

static void reply(api_client *c, json_t *obj)
{
	if (c->closed) {
		json_decref(obj);
		return;
	}
	c->last_ms = uv_now(&c->api->d->loop);
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (!s) {
		client_close(c);
		return;
	}
	size_t n = strlen(s);
	s[n] = '\n'; /* over the NUL: the length is known */
	reply_raw(c, s, n + 1); /* a large one (a log, an inbox) goes on its own, in order */
	free(s);
}

void hl_api_flush(hl_daemon *d)
{
	if (!d->api)
		return;
	for (api_client *c = d->api->clients; c; c = c->next)
		flush_out(c);
}

static void reply_error(api_client *c, const char *msg)
{
	reply(c, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

/* A client that connects and says nothing, or half a line and stalls, must
 * not hold one of the HL_MAX_API_CLIENTS places for ever. One waiting for
 * our answer (a send's commit, a link test, an export) is not idle; the
 * clock restarts at each complete request and each reply. */
static void on_idle(uv_timer_t *t)
{
	api_client *c = t->data;
	uint64_t idle = c->api->d->cfg->api_idle_timeout_ms, now = uv_now(t->loop);
	if (c->closed)
		return;
	int waiting = c->busy || c->inflight || (c->subscribed && !c->overflowed);
	if (waiting || now - c->last_ms < idle) {
		uv_timer_start(&c->idle, on_idle, waiting ? idle : idle - (now - c->last_ms), 0);
		return;
	}
	hl_log(HL_LOG_INFO, "API client %s: no complete request for %llu s; closed", c->operator_name,
	       (unsigned long long)(idle / 1000u));
	reply_error(c, "idle timeout: no complete request");
	client_close(c);
}

static void send_done(void *arg, int status)
{
	pending_send *p = arg;
	api_client *c = p->c;
	c->inflight--;
	if (p->error[0]) {
		reply_error(c, p->error);
	} else if (status < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "not stored: %s", hl_strerror(status));
		reply_error(c, msg);
	} else {
		/* The one reply per message in a burst: formatted directly (the
		 * peer is a configured name, [A-Za-z0-9._-], nothing to escape),
		 * the same bytes json_dumps gave, at a tenth of the cost. */
		char id[65], line[96 + 3 * HL_MAX_NAME + 65 + sizeof p->acked];
		hl_hex(p->hash, 32, id);
		/* acked is made of names and digits too. */
		int n = p->draft ?
			snprintf(line, sizeof line, "{\"ok\":true,\"peer\":\"%s\",\"queued\":true,\"draft\":%lld%s%s%s}\n",
				 p->peer, (long long)p->draft, p->acked[0] ? ",\"acked\":\"" : "",
				 p->acked, p->acked[0] ? "\"" : "") :
			snprintf(line, sizeof line, "{\"ok\":true,\"peer\":\"%s\",\"seq\":%llu,\"id\":\"%s\"%s%s%s}\n",
				 p->peer, (unsigned long long)p->seq, id, p->acked[0] ? ",\"acked\":\"" : "",
				 p->acked, p->acked[0] ? "\"" : "");
		if (n > 0 && (size_t)n < sizeof line)
			reply_raw(c, line, (size_t)n);
		else
			client_close(c);
	}
	free(p);
	if (c->freed_handle) {
		maybe_free(c);
		return;
	}
	process(c);
}

/* A refusal must not overtake the answers to earlier sends still waiting
 * for their commit, so it queues behind them. */
static void send_refused(api_client *c, pending_send *ps, const char *msg)
{
	if (ps && c->inflight > 0) {
		snprintf(ps->error, sizeof ps->error, "%s", msg);
		ps->c = c;
		if (hl_daemon_after_commit(c->api->d, send_done, ps) == 0) {
			c->inflight++;
			return;
		}
	}
	free(ps);
	if (c->inflight > 0) {
		/* Out of memory with answers pending: order cannot be kept. */
		client_close(c);
		return;
	}
	reply_error(c, msg);
}

/* Submits an entry for the client; its reply goes after the commit. */
static void submit(api_client *c, hl_line *l, pending_send *ps, const hl_line_draft *dr,
		   const char *what)
{
	snprintf(ps->peer, sizeof ps->peer, "%s", l->peer->name);
	ps->c = c;
	/* The answer is booked before the entry exists: an entry must never
	 * be stored for a client that was told it was not. */
	if (hl_daemon_after_commit(c->api->d, send_done, ps) < 0) {
		send_refused(c, ps, "send: out of memory; not stored");
		return;
	}
	c->inflight++;
	int rc = hl_line_write(l, dr, &ps->seq, ps->hash, &ps->draft);
	if (rc < 0)
		snprintf(ps->error, sizeof ps->error, "%s: %s%s%s", what,
			 rc == HL_ERR_STORE ? "not stored: the store failed" : hl_strerror(rc),
			 l->stopped ? ": " : "", l->stopped ? l->stopped_reason : "");
}

static void do_send(api_client *c, const hl_api_request *r)
{
	hl_daemon *d = c->api->d;
	hl_line *l = hl_daemon_line_by_name(d, r->peer);
	pending_send *ps = calloc(1, sizeof *ps);
	if (!ps) {
		send_refused(c, NULL, "send: out of memory");
		return;
	}
	if (!l) {
		send_refused(c, ps, "send: no such peer in the configuration");
		return;
	}
	hl_line_draft dr = {
		.kind = HL_KIND_MESSAGE, .precedence = (uint8_t)r->precedence,
		.flags = r->exercise ? HL_FLAG_EXERCISE : 0,
		.operator_name = c->operator_name, .lang = r->lang,
		.body = (const uint8_t *)r->text, .body_len = r->text_len,
	};
	uint8_t *abody = NULL; /* with an attachment: its descriptor, then the text */
	if (r->attachment) {
		size_t alen = 0;
		char msg[400];
		if (hl_blob_send_body(l, r->attachment, r->text, r->text_len, &abody, &alen, msg,
				      sizeof msg) < 0) {
			send_refused(c, ps, msg);
			return;
		}
		dr.flags |= HL_FLAG_ATTACHMENT;
		dr.body = abody;
		dr.body_len = alen;
	}
	uint8_t refs[1][32];
	if (r->reply_to) {
		char why[300], msg[340];
		if (hl_watch_reply_ref(d, l, r->reply_to, refs[0], why, sizeof why) < 0) {
			snprintf(msg, sizeof msg, "send: reply_to: %s", why);
			send_refused(c, ps, msg);
			return;
		}
		dr.refs = (const uint8_t (*)[32])refs;
		dr.nrefs = 1;
	}
	submit(c, l, ps, &dr, "send");
	free(abody);
}

/* A notice: the form is checked and encoded by notice.c, then it goes
 * like a message (answered with its id after the commit). */
static void do_notice(api_client *c, const hl_api_request *r)
{
	hl_daemon *d = c->api->d;
	hl_line *l = hl_daemon_line_by_name(d, r->peer);
	pending_send *ps = calloc(1, sizeof *ps);
	hl_notice_draft nd;
	char err[400] = "";

	if (!ps) {
		send_refused(c, NULL, "notice: out of memory");
		return;
	}
	if (!l) {
		send_refused(c, ps, "notice: no such peer in the configuration");
		return;
	}
	if (hl_notice_prepare(d, l, r, &nd, err, sizeof err) < 0) {
		send_refused(c, ps, err);
		hl_notice_draft_free(&nd);
		return;
	}
	hl_line_draft dr = {
		.kind = HL_KIND_NOTICE, .precedence = (uint8_t)r->precedence,
		.flags = r->exercise ? HL_FLAG_EXERCISE : 0,
		.operator_name = c->operator_name, .lang = r->lang,
		.body = nd.body.p, .body_len = nd.body.len,
		.refs = nd.nrefs ? (const uint8_t(*)[32])nd.ref : NULL, .nrefs = (uint8_t)nd.nrefs,
	};
	submit(c, l, ps, &dr, "notice");
	hl_notice_draft_free(&nd);
}

typedef struct {
	api_client *c;
	json_t *reply;
} pending_reply;

static void reply_done(void *arg, int status)
{
	pending_reply *p = arg;
	api_client *c = p->c;
	c->inflight--;
	if (status < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "not stored: %s", hl_strerror(status));
		json_decref(p->reply);
		reply_error(c, msg);
	} else {
		reply(c, p->reply);
	}
	free(p);
	if (c->freed_handle) {
		maybe_free(c);
		return;
	}
	process(c);
}

/* Translations and certifications are written in the turn's transaction:
 * the reply waits for its commit, like a send's. */
static void do_note(api_client *c, const hl_api_request *r)
{
	hl_daemon *d = c->api->d;
	char err[400] = "";
	json_t *rep = r->cmd == HL_API_TRANSLATE ? hl_translate(d, c->operator_name, r, err, sizeof err)
						 : hl_certify(d, c->operator_name, r, err, sizeof err);
	if (!rep) {
		reply_error(c, err[0] ? err : "out of memory");
		return;
	}
	pending_reply *p = malloc(sizeof *p);
	if (!p || hl_daemon_after_commit(d, reply_done, p) < 0) {
		free(p);
		json_decref(rep);
		/* Stored in the open transaction; its commit is not ours to wait for. */
		reply_error(c, "out of memory (the change may still be stored)");
		return;
	}
	p->c = c;
	p->reply = rep;
	c->inflight++;
}

/* An ACK is answered after its commit, like a send. */
static void do_ack(api_client *c, const hl_api_request *r)
{
	hl_daemon *d = c->api->d;
	hl_line *l = NULL;
	char why[300], msg[340];
	pending_send *ps = calloc(1, sizeof *ps);

	if (!ps) {
		reply_error(c, "ack: out of memory");
		return;
	}
	int rc = hl_watch_ack(d, r->entry, r->note, c->operator_name, &l, &ps->seq, ps->hash,
			      &ps->draft, ps->acked, sizeof ps->acked, why, sizeof why);
	if (rc == 0) {
		snprintf(ps->peer, sizeof ps->peer, "%s", l->peer->name);
		ps->c = c;
		rc = hl_daemon_after_commit(d, send_done, ps);
		if (rc == 0) {
			c->inflight++;
			return;
		}
		snprintf(why, sizeof why, "%s", hl_strerror(rc));
	}
	snprintf(msg, sizeof msg, "ack: %s", why);
	free(ps);
	reply_error(c, msg);
}

/* Export streams as frames "len u32 | done u64 | bytes" after the JSON
 * header line; a frame of length 0 ends it. The next frame is produced only
 * when the previous one has been written, so memory stays flat. */
typedef struct {
	uv_write_t req;
	api_client *c;
	uint8_t data[];
} export_write;

static void export_step(api_client *c);

static void on_export_written(uv_write_t *req, int status)
{
	export_write *w = (export_write *)req;
	api_client *c = w->c;
	free(w);
	if (status < 0 || c->closed) {
		c->busy = 0;
		client_close(c);
		maybe_free(c);
		return;
	}
	export_step(c);
}

static void export_step(api_client *c)
{
	if (!c->exp) {
		/* Finished: the end frame went out; the client reads to EOF. */
		c->busy = 0;
		client_close(c);
		return;
	}
	hl_buf out;
	hl_buf_init(&out, 1024u * 1024u);
	int rc = hl_export_next(c->exp, &out);
	uint64_t done = hl_export_done(c->exp);
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "export failed: %s", hl_strerror(rc));
		hl_buf_free(&out);
		c->busy = 0;
		client_close(c); /* no end frame: the client reports it incomplete */
		return;
	}
	if (rc == 1) {
		hl_export_free(c->exp);
		c->exp = NULL;
	}
	size_t n = out.len, total = 12 + n + (rc == 1 ? 12 : 0);
	export_write *w = malloc(sizeof *w + total);
	if (!w) {
		hl_buf_free(&out);
		c->busy = 0;
		client_close(c);
		return;
	}
	hl_be32_put(w->data, (uint32_t)n);
	hl_be64_put(w->data + 4, done);
	if (n)
		memcpy(w->data + 12, out.p, n);
	if (rc == 1) {
		hl_be32_put(w->data + 12 + n, 0);
		hl_be64_put(w->data + 16 + n, done);
	}
	hl_buf_free(&out);
	w->c = c;
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)total);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, on_export_written) != 0) {
		free(w);
		c->busy = 0;
		client_close(c);
	}
}

static void do_export(api_client *c, const hl_api_request *r)
{
	hl_daemon *d = c->api->d;
	hl_line *l = hl_daemon_line_by_name(d, r->peer);
	if (!l) {
		reply_error(c, "export: no such peer in the configuration");
		return;
	}
	hl_export_opts o;
	memset(&o, 0, sizeof o);
	o.kind = r->export_kind;
	o.from_seq = r->from_seq;
	o.to_seq = r->to_seq;
	o.from_ms = r->from_ms;
	o.to_ms = r->to_ms;
	char err[300] = "";
	if (hl_export_begin(d, l, &o, &c->exp, err, sizeof err) < 0) {
		char msg[400];
		snprintf(msg, sizeof msg, "export: %s", err);
		reply_error(c, msg);
		return;
	}
	reply(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "format", "hlt-frames",
			   "entries", (json_int_t)hl_export_total(c->exp)));
	c->busy = 1;
	uv_read_stop((uv_stream_t *)&c->pipe);
	c->reading = 0;
	flush_out(c); /* the header line before the frames */
	export_step(c);
}

typedef struct {
	hl_test_waiter w;
	api_client *c;
	char peer[HL_MAX_NAME + 1];
} test_wait;

static void test_done(void *arg, int status, uint64_t seq, const uint8_t hash[32], double rtt_ms)
{
	test_wait *t = arg;
	api_client *c = t->c;
	c->busy = 0;
	if (status < 0) {
		char msg[200];
		snprintf(msg, sizeof msg, "test: %s",
			 status == HL_ERR_INVAL ? "the peer answered with different text" :
			 "no answer within the test deadline (or the station is stopping)");
		reply_error(c, msg);
	} else {
		char id[65];
		hl_hex(hash, 32, id);
		reply(c, json_pack("{s:b, s:s, s:I, s:s, s:f}", "ok", 1, "peer", t->peer, "seq",
				   (json_int_t)seq, "id", id, "rtt_ms", rtt_ms));
	}
	free(t);
	if (c->freed_handle) {
		maybe_free(c);
		return;
	}
	process(c);
	flush_out(c);
}

static void do_test(api_client *c, const hl_api_request *r)
{
	const char *peer = r->peer;
	hl_line *l = hl_daemon_line_by_name(c->api->d, peer);
	if (!l) {
		reply_error(c, "test: no such peer in the configuration");
		return;
	}
	test_wait *t = calloc(1, sizeof *t);
	if (!t) {
		reply_error(c, "test: out of memory");
		return;
	}
	t->c = c;
	t->w.done = test_done;
	t->w.arg = t;
	snprintf(t->peer, sizeof t->peer, "%s", peer);
	int rc = hl_linktest_start(l, &t->w);
	if (rc < 0) {
		free(t);
		char msg[200];
		snprintf(msg, sizeof msg, "test: %s", hl_strerror(rc));
		reply_error(c, msg);
		return;
	}
	c->busy = 1;
}

static void do_report(api_client *c, const hl_api_request *r)
{
	hl_daemon *d = c->api->d;
	hl_line *l = hl_daemon_line_by_name(d, r->peer);
	if (!l) {
		reply_error(c, "report: no such peer in the configuration");
		return;
	}
	uint64_t now = hl_wall_ms();
	uint64_t from = r->has_since ? r->since_ms : now - 7ull * 86400000u;
	json_t *rep = hl_report_json(d->store, l->line_id, l->peer->name, l->n_paths, from, now);
	if (rep)
		json_object_set_new(rep, "checkins", hl_checkin_report_json(l, from, now));
	if (!rep)
		reply_error(c, "report: cannot read the link events");
	else
		reply(c, rep);
}

/* From here the connection carries events only; what the client still
 * sends is read (so its close is noticed) and ignored. */
static void do_subscribe(api_client *c)
{
	hl_api *api = c->api;
	if (!api->events && !(api->events = hl_api_events_new(api->d))) {
		reply_error(c, "subscribe: out of memory");
		return;
	}
	/* Subscribers are never idle-closed: without a bound of their own,
	 * one local user could hold every client slot. */
	if (!c->subscribed && api->n_subscribed >= HL_MAX_API_SUBSCRIBERS) {
		reply_error(c, "subscribe: too many subscribers");
		return;
	}
	reply(c, json_pack("{s:b, s:b}", "ok", 1, "subscribed", 1));
	if (!c->subscribed)
		api->n_subscribed++;
	c->subscribed = 1;
}

hl_api_events *hl_api_events_of(hl_daemon *d)
{
	return d->api && d->api->n_subscribed ? d->api->events : NULL;
}

static const char overflow_line[] = "{\"event\":\"overflow\"}\n";

static void on_overflow_shutdown(uv_shutdown_t *req, int status)
{
	api_client *c = req->data;
	(void)status;
	free(req);
	client_close(c);
}

/* Closing at once would cancel the queued writes and cut a line in half:
 * the backlog (at most HL_API_EVENT_QUEUE_MAX) and the overflow line drain
 * first, then the shutdown closes it. One that never drains is closed as
 * idle (ApiIdleTimeout). */
static void overflow_close(api_client *c, const char *why)
{
	hl_log(HL_LOG_WARN, "API subscriber %s: %s; closed", c->operator_name, why);
	c->overflowed = 1;
	reply_raw(c, overflow_line, sizeof overflow_line - 1);
	flush_out(c);
	uv_shutdown_t *req = malloc(sizeof *req);
	if (req) {
		req->data = c;
		if (uv_shutdown(req, (uv_stream_t *)&c->pipe, on_overflow_shutdown) == 0)
			return;
		free(req);
	}
	client_close(c);
}

void hl_api_publish(hl_daemon *d, const char *line, size_t n, int flush, int overflow)
{
	if (!d->api)
		return;
	for (api_client *c = d->api->clients; c; c = c->next) {
		if (!c->subscribed || c->overflowed || c->closed)
			continue;
		size_t queued = c->out.len + uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
		if (overflow || queued + n > HL_API_EVENT_QUEUE_MAX) {
			overflow_close(c, overflow ? "too many events in one moment" :
				 "more than 1 MiB of events not taken");
			continue;
		}
		reply_raw(c, line, n);
		if (flush)
			flush_out(c);
	}
}

/* Shape, types and ranges are api_request.c's (fuzzed on its own); what
 * needs the daemon — is the peer configured — is checked here. */
static void handle(api_client *c, const hl_api_request *r)
{
	hl_daemon *d = c->api->d;
	hl_line *l;

	switch (r->cmd) {
	case HL_API_SEND:
		do_send(c, r);
		break;
	case HL_API_REPORT:
		do_report(c, r);
		break;
	case HL_API_TEST:
		do_test(c, r);
		break;
	case HL_API_EXPORT:
		do_export(c, r);
		break;
	case HL_API_ACK:
		do_ack(c, r);
		break;
	case HL_API_STATUS:
		reply(c, hl_api_status(d));
		break;
	case HL_API_INBOX:
		reply(c, hl_api_inbox(d, r->unacked));
		break;
	case HL_API_LOG:
		l = hl_daemon_line_by_name(d, r->peer);
		if (!l)
			reply_error(c, "log: no such peer in the configuration");
		else
			reply(c, hl_api_log(d, l));
		break;
	case HL_API_ATTACH_BEGIN:
	case HL_API_ATTACH_CHUNK:
	case HL_API_ATTACHMENT:
		reply(c, hl_blob_api(d, r));
		break;
	case HL_API_SUBSCRIBE:
		do_subscribe(c);
		break;
	case HL_API_NOTICE:
		do_notice(c, r);
		break;
	case HL_API_FORMS:
		reply(c, hl_notice_forms_json(d));
		break;
	case HL_API_TRANSLATE:
	case HL_API_CERTIFY:
		do_note(c, r);
		break;
	case HL_API_NONE:
		reply_error(c, "unknown command");
		break;
	}
}

/* Reading stops while a complete request waits its turn, so a client that
 * pipelines faster than its requests complete is held back by the socket
 * instead of filling our buffer (and being cut off as "too long"). */
static void update_reading(api_client *c)
{
	if (c->closed || c->exp)
		return;
	int blocked = memchr(c->in.p, '\n', c->in.len) != NULL;
	if (blocked && c->reading) {
		uv_read_stop((uv_stream_t *)&c->pipe);
		c->reading = 0;
	} else if (!blocked && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) == 0)
			c->reading = 1;
		else
			client_close(c);
	}
}

static void process(api_client *c)
{
	hl_api_request r;
	char err[300];
	size_t off = 0; /* consumed once at the end: a memmove per request was quadratic */

	while (!c->busy && !c->closed && !c->subscribed) {
		const uint8_t *line = c->in.p + off;
		size_t avail = c->in.len - off;
		const uint8_t *nl = memchr(line, '\n', avail);
		if (!nl) {
			if (avail > HL_MAX_API_REQUEST) {
				reply_error(c, "request too long");
				client_close(c);
			}
			break;
		}
		size_t n = (size_t)(nl - line);
		if (n > HL_MAX_API_REQUEST) {
			reply_error(c, "request too long");
			client_close(c);
			break;
		}
		int prc = hl_api_request_parse((const char *)line, n, &r, err, sizeof err);
		int pipelined = prc == 0 && r.cmd == HL_API_SEND && c->inflight < HL_API_MAX_INFLIGHT;
		if (c->inflight > 0 && !pipelined) {
			/* Its answer would overtake theirs: it waits (parsed again then). */
			if (prc == 0)
				hl_api_request_free(&r);
			break;
		}
		c->last_ms = uv_now(&c->api->d->loop);
		if (prc < 0) {
			reply_error(c, err);
		} else {
			handle(c, &r);
			hl_api_request_free(&r);
		}
		off += n + 1;
	}
	hl_buf_consume(&c->in, off);
	if (c->subscribed)
		hl_buf_reset(&c->in);
	update_reading(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	api_client *c = h->data;
	*buf = uv_buf_init((char *)c->api->d->rbuf, sizeof c->api->d->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	api_client *c = st->data;
	if (nread < 0) {
		client_close(c);
		return;
	}
	if (nread == 0 || c->closed)
		return;
	if (hl_buf_put(&c->in, buf->base, (size_t)nread) < 0) {
		reply_error(c, "request too long");
		client_close(c);
		return;
	}
	process(c);
	flush_out(c);
}

static void operator_of(const hl_config *cfg, uv_pipe_t *p, char *out, size_t outlen)
{
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t len = sizeof cred;
	snprintf(out, outlen, "unknown");
	if (uv_fileno((uv_handle_t *)p, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return;
	struct passwd pw, *res = NULL;
	char buf[4096];
	int found = getpwuid_r(cred.uid, &pw, buf, sizeof buf, &res) == 0 && res;
	/* [Operators] maps the account; by default the login name is recorded. */
	hl_config_operator_name(cfg, (unsigned)cred.uid, found ? res->pw_name : NULL, out, outlen);
}

static void on_client(uv_stream_t *server, int status)
{
	hl_api *api = server->data;
	if (status < 0)
		return;
	api_client *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->api = api;
	hl_buf_init(&c->in, HL_MAX_API_REQUEST + 65536);
	hl_buf_init(&c->out, 2u * OUT_BATCH);
	uv_pipe_init(&api->d->loop, &c->pipe, 0);
	c->pipe.data = c;
	uv_timer_init(&api->d->loop, &c->idle);
	c->idle.data = c;
	c->handles = 2;
	c->next = api->clients;
	api->clients = c;
	api->n_clients++;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
		client_close(c);
		return;
	}
	if (api->n_clients > HL_MAX_API_CLIENTS) {
		reply_error(c, "too many clients");
		client_close(c);
		return;
	}
	operator_of(api->d->cfg, &c->pipe, c->operator_name, sizeof c->operator_name);
	c->last_ms = uv_now(&api->d->loop);
	uv_timer_start(&c->idle, on_idle, api->d->cfg->api_idle_timeout_ms, 0);
	if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) != 0) {
		client_close(c);
		return;
	}
	c->reading = 1;
}

/* A leftover socket file is removed only if nothing answers on it: a second
 * daemon must not steal a running one's socket. */
static int clear_stale_socket(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "Socket %s: exists and is not a socket", path);
		return HL_ERR_IO;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int alive = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd >= 0)
		close(fd);
	if (alive) {
		snprintf(err, errlen, "Socket %s: another hotlined is running there", path);
		return HL_ERR_IO;
	}
	unlink(path);
	return 0;
}

int hl_api_start(hl_daemon *d, char *err, size_t errlen)
{
	const char *path = d->cfg->socket_path;
	int rc = clear_stale_socket(path, err, errlen);
	if (rc < 0)
		return rc;
	hl_api *api = calloc(1, sizeof *api);
	if (!api)
		return HL_ERR_NOMEM;
	api->d = d;
	d->api = api;
	uv_pipe_init(&d->loop, &api->server, 0);
	api->server.data = api;
	mode_t old = umask(0117);
	rc = uv_pipe_bind(&api->server, path);
	umask(old);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&api->server, 16, on_client);
	if (rc < 0) {
		snprintf(err, errlen, "Socket %s: %s", path, uv_strerror(rc));
		return HL_ERR_IO;
	}
	chmod(path, 0660);
	return 0;
}

void hl_api_stop(hl_daemon *d)
{
	hl_api *api = d->api;
	if (!api || api->stopped)
		return;
	api->stopped = 1;
	for (api_client *c = api->clients; c; c = c->next)
		client_close(c);
	unlink(d->cfg->socket_path);
	uv_close((uv_handle_t *)&api->server, NULL);
}

void hl_api_free(hl_daemon *d)
{
	if (d->api)
		hl_api_events_free(d->api->events);
	free(d->api);
	d->api = NULL;
}
