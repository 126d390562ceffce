/* api.c — the local API: a Unix socket (mode 0660) speaking newline-delimited
 * JSON (docs/API.md). The caller's uid (SO_PEERCRED) names the operator.
 * Replies keep request order: sends pipeline (up to HL_API_MAX_INFLIGHT wait
 * for their commit, which completes them in order); any other request waits
 * until they are answered, and none is read while the client has more than
 * HL_API_OUT_MAX of replies unread (api_out.c). A client that sends no
 * complete request, or takes nothing of its replies, for ApiIdleTimeout is
 * closed. */
#include "api_int.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_json.h"
#include "api/blob_api.h"
#include "station/blob.h"
#include "station/export.h"
#include "station/linktest.h"
#include "station/station.h"
#include "util/err.h"
#include "listing.h"
#include "util/log.h"
#include "station/notes.h"
#include "station/report.h"
#include "util/text.h"
#include "api/checkin_json.h"
#include "station/watch.h"

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

void hl_api_maybe_free(hl_api_client *c)
{
	if (!c->freed_handle || c->busy || c->inflight)
		return;
	hl_api *api = c->api;
	for (hl_api_client **pp = &api->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	api->n_clients--;
	if (c->subscribed)
		api->n_subscribed--;
	hl_api_producer_end(c);
	hl_buf_free(&c->in);
	hl_buf_free(&c->out);
	free(c);
}

static void on_client_close(uv_handle_t *h)
{
	hl_api_client *c = h->data;
	if (--c->handles > 0)
		return;
	c->freed_handle = 1;
	hl_api_maybe_free(c);
}

void hl_api_close(hl_api_client *c)
{
	if (c->closed)
		return;
	hl_api_flush_out(c); /* a last error reply goes out before the close */
	c->closed = 1;
	hl_api_producer_end(c); /* its listing's place goes to the next */
	uv_close((uv_handle_t *)&c->pipe, on_client_close);
	uv_close((uv_handle_t *)&c->idle, on_client_close);
}

/* A client that connects and says nothing, or half a line and stalls, must
 * not hold one of the HL_MAX_API_CLIENTS places for ever; nor one that
 * leaves its replies unread. One waiting for our answer (a send's commit, a
 * link test, a listing's place, an answer being produced) is not idle; the
 * clock restarts at each complete request, each reply and each write the
 * client takes. */
static void on_idle(uv_timer_t *t)
{
	hl_api_client *c = t->data;
	uint64_t idle = c->api->d->cfg->api_idle_timeout_ms, now = uv_now(t->loop);
	if (c->closed)
		return;
	int producing = c->prod && hl_api_backlog(c) < HL_API_OUT_MAX;
	int waiting = c->busy || c->inflight || c->slot_wait || producing ||
		      (c->subscribed && !c->overflowed);
	if (waiting || now - c->last_ms < idle) {
		uv_timer_start(&c->idle, on_idle, waiting ? idle : idle - (now - c->last_ms), 0);
		return;
	}
	if (c->prod || c->ending) {
		/* Mid-answer: a line of ours would corrupt it; it is cut off. */
		hl_log(HL_LOG_INFO, "API client %s: took nothing of its reply for %llu s; closed",
		       c->operator_name, (unsigned long long)(idle / 1000u));
		hl_api_close(c);
		return;
	}
	hl_log(HL_LOG_INFO, "API client %s: no complete request for %llu s; closed", c->operator_name,
	       (unsigned long long)(idle / 1000u));
	hl_api_reply_error(c, "idle timeout: no complete request");
	hl_api_close(c);
}

typedef struct {
	hl_test_waiter w;
	hl_api_client *c;
	char peer[HL_MAX_NAME + 1];
} test_wait;

static void test_done(void *arg, int status, uint64_t seq, const uint8_t hash[32], double rtt_ms)
{
	test_wait *t = arg;
	hl_api_client *c = t->c;
	c->busy = 0;
	if (status < 0) {
		char msg[200];
		snprintf(msg, sizeof msg, "test: %s",
			 status == HL_ERR_INVAL ? "the peer answered with different text" :
			 "no answer within the test deadline (or the station is stopping)");
		hl_api_reply_error(c, msg);
	} else {
		char id[65];
		hl_hex(hash, 32, id);
		hl_api_reply(c, json_pack("{s:b, s:s, s:I, s:s, s:f}", "ok", 1, "peer", t->peer, "seq",
				   (json_int_t)seq, "id", id, "rtt_ms", rtt_ms));
	}
	free(t);
	if (c->freed_handle) {
		hl_api_maybe_free(c);
		return;
	}
	hl_api_process(c);
	hl_api_flush_out(c);
}

static void do_test(hl_api_client *c, const hl_api_request *r)
{
	const char *peer = r->peer;
	hl_line *l = hl_core_line_by_name(c->api->d, peer);
	if (!l) {
		hl_api_reply_error(c, "test: no such peer in the configuration");
		return;
	}
	test_wait *t = calloc(1, sizeof *t);
	if (!t) {
		hl_api_reply_error(c, "test: out of memory");
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
		hl_api_reply_error(c, msg);
		return;
	}
	c->busy = 1;
}

/* The report reads the line's link events in steps (report.c), which a long
 * history (or since_ms 0) makes many: a producer, holding a listing's place
 * (its state grows with the period's events). */
typedef struct {
	hl_api_producer base;
	hl_report *rep;
	hl_line *l;
	uint64_t from, now;
} report_producer;

static int report_step(hl_api_producer *p, hl_buf *out, const hl_budget *b)
{
	report_producer *rp = (report_producer *)p;
	int rc = hl_report_step(rp->rep, b);
	if (rc == 0)
		return 0;
	json_t *rep = rc == 1 ? hl_report_result(rp->rep) : NULL;
	if (rep)
		json_object_set_new(rep, "checkins", hl_checkin_report_json(rp->l, rp->from, rp->now));
	else
		rep = json_pack("{s:b, s:s}", "ok", 0, "error", "report: cannot read the link events");
	return hl_api_json_line(out, rep) < 0 ? HL_ERR_NOMEM : 1;
}

static void report_free(hl_api_producer *p)
{
	report_producer *rp = (report_producer *)p;
	hl_report_free(rp->rep);
	free(rp);
}

static void do_report(hl_api_client *c, const hl_api_request *r)
{
	hl_core *d = c->api->d;
	hl_line *l = hl_core_line_by_name(d, r->peer);
	if (!l) {
		hl_api_reply_error(c, "report: no such peer in the configuration");
		return;
	}
	report_producer *rp = calloc(1, sizeof *rp);
	if (!rp) {
		hl_api_reply_error(c, "report: out of memory");
		return;
	}
	rp->now = hl_wall_ms();
	rp->from = r->has_since ? r->since_ms : rp->now - 7ull * 86400000u;
	rp->l = l;
	rp->rep = hl_report_begin(d->store, l->line_id, l->peer->name, l->n_paths, rp->from, rp->now);
	if (!rp->rep) {
		free(rp);
		hl_api_reply_error(c, "report: out of memory");
		return;
	}
	rp->base.step = report_step;
	rp->base.free = report_free;
	rp->base.listing = 1;
	hl_api_produce(c, &rp->base);
}

/* From here the connection carries events only; what the client still
 * sends is read (so its close is noticed) and ignored. */
static void do_subscribe(hl_api_client *c, const hl_api_request *r)
{
	(void)r;
	hl_api *api = c->api;
	if (!api->events && !(api->events = hl_api_events_new(api, api->d))) {
		hl_api_reply_error(c, "subscribe: out of memory");
		return;
	}
	/* Subscribers are never idle-closed: without a bound of their own,
	 * one local user could hold every client slot. */
	if (!c->subscribed && api->n_subscribed >= HL_MAX_API_SUBSCRIBERS) {
		hl_api_reply_error(c, "subscribe: too many subscribers");
		return;
	}
	hl_api_reply(c, json_pack("{s:b, s:b}", "ok", 1, "subscribed", 1));
	if (!c->subscribed)
		api->n_subscribed++;
	c->subscribed = 1;
}

hl_api_events *hl_api_events_of(hl_api *api)
{
	return api && api->n_subscribed ? api->events : NULL;
}

static const char overflow_line[] = "{\"event\":\"overflow\"}\n";

/* The backlog (at most HL_API_EVENT_QUEUE_MAX) and the overflow line drain
 * first, then the connection closes (hl_api_end). */
static void overflow_close(hl_api_client *c, const char *why)
{
	hl_log(HL_LOG_WARN, "API subscriber %s: %s; closed", c->operator_name, why);
	c->overflowed = 1;
	hl_api_reply_raw(c, overflow_line, sizeof overflow_line - 1);
	hl_api_end(c);
}

void hl_api_publish(hl_api *api, const char *line, size_t n, int flush, int overflow)
{
	for (hl_api_client *c = api->clients; c; c = c->next) {
		if (!c->subscribed || c->overflowed || c->closed)
			continue;
		if (overflow || hl_api_backlog(c) + n > HL_API_EVENT_QUEUE_MAX) {
			overflow_close(c, overflow ? "too many events in one moment" :
				 "more than 1 MiB of events not taken");
			continue;
		}
		hl_api_reply_raw(c, line, n);
		if (flush)
			hl_api_flush_out(c);
	}
}

static void do_listing(hl_api_client *c, hl_api_producer *p)
{
	if (!p)
		hl_api_reply_error(c, "out of memory");
	else
		hl_api_produce(c, p);
}

static void do_status(hl_api_client *c, const hl_api_request *r)
{
	(void)r;
	hl_api_reply(c, hl_api_status(c->api->d));
}

static void do_inbox(hl_api_client *c, const hl_api_request *r)
{
	do_listing(c, hl_listing_inbox(c->api->d, r->unacked));
}

static void do_log(hl_api_client *c, const hl_api_request *r)
{
	hl_line *l = hl_core_line_by_name(c->api->d, r->peer);
	if (!l)
		hl_api_reply_error(c, "log: no such peer in the configuration");
	else
		do_listing(c, hl_listing_log(c->api->d, l));
}

static void do_attachment(hl_api_client *c, const hl_api_request *r)
{
	hl_api_reply(c, hl_blob_api(c->api->d, r));
}

static void do_forms(hl_api_client *c, const hl_api_request *r)
{
	(void)r;
	hl_api_reply(c, hl_notice_forms_json(c->api->d));
}

/* Which field of a request names an entry (resolve_first). */
enum { NAMES_NONE, NAMES_ENTRY, NAMES_REPLY_TO };

/* The commands: a row per request of docs/API.md; a new request is a row
 * here. Shape, types and ranges are api_request.c's (fuzzed on its own);
 * what needs the station (is the peer configured) is the handler's. */
static const struct {
	void (*fn)(hl_api_client *c, const hl_api_request *r);
	int names;
} commands[] = {
	[HL_API_STATUS] = { do_status, NAMES_NONE },
	[HL_API_INBOX] = { do_inbox, NAMES_NONE },
	[HL_API_LOG] = { do_log, NAMES_NONE },
	[HL_API_SEND] = { hl_api_do_send, NAMES_REPLY_TO },
	[HL_API_TEST] = { do_test, NAMES_NONE },
	[HL_API_REPORT] = { do_report, NAMES_NONE },
	[HL_API_EXPORT] = { hl_api_do_export, NAMES_NONE },
	[HL_API_ATTACH_BEGIN] = { do_attachment, NAMES_NONE },
	[HL_API_ATTACH_CHUNK] = { do_attachment, NAMES_NONE },
	[HL_API_ATTACHMENT] = { do_attachment, NAMES_ENTRY },
	[HL_API_ACK] = { hl_api_do_ack, NAMES_ENTRY },
	[HL_API_SUBSCRIBE] = { do_subscribe, NAMES_NONE },
	[HL_API_NOTICE] = { hl_api_do_notice, NAMES_REPLY_TO },
	[HL_API_FORMS] = { do_forms, NAMES_NONE },
	[HL_API_TRANSLATE] = { hl_api_do_note, NAMES_ENTRY },
	[HL_API_CERTIFY] = { hl_api_do_note, NAMES_NONE },
};

static int command_names(const hl_api_request *r)
{
	size_t k = (size_t)r->cmd;
	return k < sizeof commands / sizeof commands[0] ? commands[k].names : NAMES_NONE;
}

static void handle(hl_api_client *c, const hl_api_request *r)
{
	size_t k = (size_t)r->cmd;
	if (k < sizeof commands / sizeof commands[0] && commands[k].fn)
		commands[k].fn(c, r);
	else
		hl_api_reply_error(c, "unknown command");
}

/* An entry named by an id prefix is found by a scan of every entry: first
 * that scan, in steps (entry_find.c), then the request as usual, which
 * finds its result kept. The request waits in the producer meanwhile. */
typedef struct {
	hl_api_producer base;
	hl_api_client *c;
	hl_api_request r;
	hl_entry_memo m;
} resolve_producer;

static int resolve_step(hl_api_producer *p, hl_buf *out, const hl_budget *b)
{
	resolve_producer *rp = (resolve_producer *)p;
	hl_core *d = rp->c->api->d;
	(void)out; /* the request's own reply goes the usual way */
	if (hl_entry_prefix_step(d, &rp->m, b) == 0)
		return 0;
	hl_station_found(d, &rp->m);
	handle(rp->c, &rp->r);
	hl_station_found(d, NULL);
	return 1;
}

static void resolve_free(hl_api_producer *p)
{
	resolve_producer *rp = (resolve_producer *)p;
	hl_api_request_free(&rp->r);
	free(rp);
}

/* 1 when r was taken by a scan for its entry's id prefix. */
static int resolve_first(hl_api_client *c, hl_api_request *r)
{
	int names = command_names(r);
	const char *text = names == NAMES_ENTRY ? r->entry : names == NAMES_REPLY_TO ? r->reply_to : NULL;
	hl_entry_memo m;
	if (!hl_entry_prefix_begin(text, &m))
		return 0;
	resolve_producer *rp = calloc(1, sizeof *rp);
	if (!rp)
		return 0; /* looked up at once instead */
	rp->base.step = resolve_step;
	rp->base.free = resolve_free;
	rp->c = c;
	rp->r = *r;
	rp->m = m;
	hl_api_produce(c, &rp->base);
	return 1;
}

/* Reading stops while a complete request waits its turn, so a client that
 * pipelines faster than its requests complete is held back by the socket
 * instead of filling our buffer (and being cut off as "too long"); and
 * while the client has HL_API_OUT_MAX of replies unread, so one that never
 * reads costs us that much, not a reply per request. A subscriber is read
 * all along (its close must be noticed; a backlog closes it instead). */
static void update_reading(hl_api_client *c)
{
	if (c->closed || c->ending || c->eof)
		return;
	int blocked = memchr(c->in.p, '\n', c->in.len) != NULL ||
		      (!c->subscribed && hl_api_backlog(c) >= HL_API_OUT_MAX);
	if (blocked && c->reading) {
		uv_read_stop((uv_stream_t *)&c->pipe);
		c->reading = 0;
	} else if (!blocked && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) == 0)
			c->reading = 1;
		else
			hl_api_close(c);
	}
}

/* Answers whose state grows with the record (listings, reports) take one
 * of HL_API_MAX_LISTINGS places. */
static int is_listing(int cmd)
{
	return cmd == HL_API_LOG || cmd == HL_API_INBOX || cmd == HL_API_REPORT;
}

void hl_api_process(hl_api_client *c)
{
	hl_api_request r;
	char err[300];
	size_t off = 0; /* consumed once at the end: a memmove per request was quadratic */

	/* A close inside a handler can wake waiting clients: never this one
	 * again from within (its requests are not consumed yet). */
	if (c->in_process)
		return;
	c->in_process = 1;
	while (!c->busy && !c->prod && !c->closed && !c->subscribed && !c->ending &&
	       hl_api_backlog(c) < HL_API_OUT_MAX) {
		const uint8_t *line = c->in.p + off;
		size_t avail = c->in.len - off;
		const uint8_t *nl = memchr(line, '\n', avail);
		if (!nl) {
			if (avail > HL_MAX_API_REQUEST) {
				hl_api_reply_error(c, "request too long");
				hl_api_close(c);
			}
			break;
		}
		size_t n = (size_t)(nl - line);
		if (n > HL_MAX_API_REQUEST) {
			hl_api_reply_error(c, "request too long");
			hl_api_close(c);
			break;
		}
		int prc = hl_api_request_parse((const char *)line, n, &r, err, sizeof err);
		int pipelined = prc == 0 && r.cmd == HL_API_SEND && c->inflight < HL_API_MAX_INFLIGHT;
		int no_place = prc == 0 && is_listing(r.cmd) && c->api->n_listings >= HL_API_MAX_LISTINGS;
		if ((c->inflight > 0 && !pipelined) || no_place) {
			/* Its answer would overtake theirs, or every listing's place is
			 * taken: it waits (parsed again then). */
			if (no_place && !c->slot_wait)
				c->slot_wait = ++c->api->turns;
			if (prc == 0)
				hl_api_request_free(&r);
			break;
		}
		c->slot_wait = 0;
		c->last_ms = uv_now(&c->api->d->loop);
		if (prc < 0) {
			hl_api_reply_error(c, err);
		} else if (!resolve_first(c, &r)) {
			handle(c, &r);
			hl_api_request_free(&r);
		}
		off += n + 1;
	}
	hl_buf_consume(&c->in, off);
	if (c->subscribed)
		hl_buf_reset(&c->in);
	c->in_process = 0;
	update_reading(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	hl_api_client *c = h->data;
	*buf = uv_buf_init((char *)c->api->d->rbuf, sizeof c->api->d->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	hl_api_client *c = st->data;
	if (nread == UV_EOF && c->prod && !c->closed) {
		/* Asked and said it is done asking: the answer still goes out. */
		c->eof = 1;
		uv_read_stop(st);
		c->reading = 0;
		return;
	}
	if (nread < 0) {
		hl_api_close(c);
		return;
	}
	if (nread == 0 || c->closed)
		return;
	if (hl_buf_put(&c->in, buf->base, (size_t)nread) < 0) {
		hl_api_reply_error(c, "request too long");
		hl_api_close(c);
		return;
	}
	hl_api_process(c);
	hl_api_flush_out(c);
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
	hl_api_client *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->api = api;
	hl_buf_init(&c->in, HL_MAX_API_REQUEST + 65536);
	hl_buf_init(&c->out, 128u * 1024u);
	uv_pipe_init(&api->d->loop, &c->pipe, 0);
	c->pipe.data = c;
	uv_timer_init(&api->d->loop, &c->idle);
	c->idle.data = c;
	c->handles = 2;
	c->next = api->clients;
	api->clients = c;
	api->n_clients++;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
		hl_api_close(c);
		return;
	}
	if (api->n_clients > HL_MAX_API_CLIENTS) {
		hl_api_reply_error(c, "too many clients");
		hl_api_close(c);
		return;
	}
	operator_of(api->d->cfg, &c->pipe, c->operator_name, sizeof c->operator_name);
	c->last_ms = uv_now(&api->d->loop);
	uv_timer_start(&c->idle, on_idle, api->d->cfg->api_idle_timeout_ms, 0);
	if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) != 0) {
		hl_api_close(c);
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

int hl_api_start(hl_core *d, hl_api **out, char *err, size_t errlen)
{
	*out = NULL;
	const char *path = d->cfg->socket_path;
	int rc = clear_stale_socket(path, err, errlen);
	if (rc < 0)
		return rc;
	hl_api *api = calloc(1, sizeof *api);
	if (!api)
		return HL_ERR_NOMEM;
	api->d = d;
	if (hl_api_steps_init(api) != 0) {
		free(api);
		snprintf(err, errlen, "Socket %s: cannot set up the API's steps", path);
		return HL_ERR_IO;
	}
	*out = api;
	hl_observer obs = {
		.ctx = api, .entry = hl_api_event_entry, .alarm = hl_api_event_alarm,
		.line = hl_api_event_line, .turn = hl_api_flush,
	};
	rc = hl_core_add_observer(d, &obs);
	if (rc < 0) {
		snprintf(err, errlen, "the local API cannot observe the station: %s", hl_strerror(rc));
		return rc;
	}
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

void hl_api_stop(hl_api *api)
{
	if (!api || api->stopped)
		return;
	api->stopped = 1;
	for (hl_api_client *c = api->clients; c; c = c->next)
		hl_api_close(c);
	unlink(api->d->cfg->socket_path);
	hl_api_steps_close(api);
	uv_close((uv_handle_t *)&api->server, NULL);
}

void hl_api_free(hl_api *api)
{
	if (!api)
		return;
	hl_api_events_free(api->events);
	free(api);
}
