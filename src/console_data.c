/* console_data.c — the console's model of the station: status and inbox read
 * over one API connection, kept current by an event subscription on a
 * second; acks and sends go through the first. */
#include "console.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "client.h"
#include "err.h"

/* A round trip that takes longer freezes the screen; better to say the
 * daemon does not answer and retry. */
#define REQ_TIMEOUT_S 5
/* Event lines are short; a longer one is not ours. */
#define EVENT_LINE_MAX (64u * 1024u)

void hl_con_init(hl_con_model *m, const char *socket_path)
{
	memset(m, 0, sizeof *m);
	snprintf(m->socket_path, sizeof m->socket_path, "%s", socket_path);
	m->req_fd = m->sub_fd = -1;
	hl_buf_init(&m->sub_in, EVENT_LINE_MAX);
	snprintf(m->error, sizeof m->error, "not connected yet");
}

static void clear_entries(hl_con_model *m)
{
	free(m->entries);
	m->entries = NULL;
	m->n_entries = 0;
	json_decref(m->inbox);
	m->inbox = NULL;
}

void hl_con_free(hl_con_model *m)
{
	hl_con_disconnect(m, "closed");
	clear_entries(m);
	hl_buf_free(&m->sub_in);
}

void hl_con_disconnect(hl_con_model *m, const char *why)
{
	if (m->req_fd >= 0)
		close(m->req_fd);
	if (m->sub_fd >= 0)
		close(m->sub_fd);
	m->req_fd = m->sub_fd = -1;
	m->connected = 0;
	hl_buf_reset(&m->sub_in);
	snprintf(m->error, sizeof m->error, "%s", why);
}

static void set_timeout(int fd)
{
	struct timeval tv = { .tv_sec = REQ_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int hl_con_connect(hl_con_model *m)
{
	char err[sizeof m->error];
	json_t *req = NULL, *reply = NULL;
	int rc;

	if (m->connected)
		return 0;
	hl_con_disconnect(m, "");
	rc = hl_client_connect(m->socket_path, &m->req_fd, err, sizeof err);
	if (rc == 0)
		rc = hl_client_connect(m->socket_path, &m->sub_fd, err, sizeof err);
	if (rc == 0) {
		set_timeout(m->req_fd);
		set_timeout(m->sub_fd);
		req = json_pack("{s:s}", "cmd", "subscribe");
		rc = req ? hl_client_send(m->sub_fd, req, err, sizeof err) : HL_ERR_NOMEM;
	}
	/* The subscription's answer is the first line; events follow it. */
	if (rc == 0)
		rc = hl_client_recv(m->sub_fd, &reply, err, sizeof err);
	if (rc == 0 && hl_client_reply_error(reply)) {
		snprintf(err, sizeof err, "subscribe: %s", hl_client_reply_error(reply));
		rc = HL_ERR_INVAL;
	}
	json_decref(req);
	json_decref(reply);
	if (rc < 0) {
		hl_con_disconnect(m, err);
		return rc;
	}
	m->connected = 1;
	m->error[0] = '\0';
	m->dirty = 1;
	return 0;
}

int hl_con_request(hl_con_model *m, json_t *req, json_t **reply, char *err, size_t errlen)
{
	int rc;

	*reply = NULL;
	if (!m->connected && hl_con_connect(m) < 0) {
		snprintf(err, errlen, "%s", m->error);
		return HL_ERR_IO;
	}
	rc = hl_client_send(m->req_fd, req, err, errlen);
	if (rc == 0)
		rc = hl_client_recv(m->req_fd, reply, err, errlen);
	if (rc < 0)
		hl_con_disconnect(m, err);
	return rc;
}

static void copy_str(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);
	snprintf(dst, size, "%s", s ? s : "");
}

static void read_line_status(hl_con_line *cl, const json_t *o)
{
	memset(cl, 0, sizeof *cl);
	copy_str(cl->peer, sizeof cl->peer, json_object_get(o, "peer"));
	copy_str(cl->state, sizeof cl->state, json_object_get(o, "state"));
	copy_str(cl->endpoint, sizeof cl->endpoint, json_object_get(o, "endpoint"));
	json_t *ap = json_object_get(o, "active_path"), *rtt = json_object_get(o, "rtt_ms");
	cl->active_path = json_is_integer(ap) ? (int)json_integer_value(ap) : -1;
	cl->rtt_ms = json_is_number(rtt) ? json_number_value(rtt) : -1;
	cl->unreceipted = (long long)json_integer_value(json_object_get(o, "unreceipted"));
	cl->queued = (long long)json_integer_value(json_object_get(o, "queued"));
	const json_t *alarms = json_object_get(o, "alarms");
	size_t i;
	const json_t *a;
	json_array_foreach(alarms, i, a) {
		const char *k = json_string_value(json_object_get(a, "kind"));
		size_t used = strlen(cl->alarms);
		cl->n_alarms++;
		if (k && used + strlen(k) + 2 < sizeof cl->alarms)
			snprintf(cl->alarms + used, sizeof cl->alarms - used, "%s%s", used ? "," : "", k);
	}
}

static int prec_of(const char *p)
{
	static const char *const names[] = { "routine", "priority", "immediate", "flash" };
	for (int i = 0; p && i < 4; i++)
		if (strcmp(p, names[i]) == 0)
			return i;
	return -1;
}

/* Fields of the watch (ref, ack) are read when present: an older daemon
 * has none and its entries show no ack column. */
static void read_entry(hl_con_entry *ce, json_t *o)
{
	memset(ce, 0, sizeof *ce);
	ce->json = o;
	ce->prec = prec_of(json_string_value(json_object_get(o, "precedence")));
	ce->exercise = json_is_true(json_object_get(o, "exercise"));
	const char *ref = json_string_value(json_object_get(o, "ref"));
	const char *author = json_string_value(json_object_get(o, "author"));
	if (ref && strlen(ref) < sizeof ce->ref)
		snprintf(ce->ref, sizeof ce->ref, "%s", ref);
	else
		snprintf(ce->ref, sizeof ce->ref, "%.*s#%lld", HL_MAX_NAME, author ? author : "?",
			 (long long)json_integer_value(json_object_get(o, "seq")));
	const json_t *ack = json_object_get(o, "ack");
	const char *st = json_string_value(json_object_get(ack, "state"));
	/* "untracked" (no deadline known) shows no ack column. */
	if (st && strcmp(st, "untracked") != 0) {
		ce->ack = strcmp(st, "acked") == 0 ? HL_CON_ACK_ACKED :
			  strcmp(st, "overdue") == 0 ? HL_CON_ACK_OVERDUE : HL_CON_ACK_WAITING;
		ce->due_ms = (int64_t)json_integer_value(json_object_get(ack, "due_ms"));
	}
}

static int by_stored_desc(const void *a, const void *b)
{
	const hl_con_entry *x = a, *y = b;
	json_int_t sx = json_integer_value(json_object_get(x->json, "stored_ms"));
	json_int_t sy = json_integer_value(json_object_get(y->json, "stored_ms"));
	return sx > sy ? -1 : sx < sy;
}

static int read_inbox(hl_con_model *m, json_t *reply)
{
	json_t *arr = json_object_get(reply, "entries");
	size_t n = json_array_size(arr);
	hl_con_entry *es = n ? calloc(n, sizeof *es) : NULL;
	if (n && !es)
		return HL_ERR_NOMEM;
	clear_entries(m);
	m->inbox = json_incref(arr);
	for (size_t i = 0; i < n; i++)
		read_entry(&es[i], json_array_get(arr, i));
	if (n > 1) /* qsort's pointer must not be NULL, even for no entries */
		qsort(es, n, sizeof *es, by_stored_desc);
	m->entries = es;
	m->n_entries = n;
	/* An alarm for a FLASH ends when the daemon says it was acknowledged. */
	for (size_t i = 0; i < n; i++)
		if (es[i].ack == HL_CON_ACK_ACKED)
			hl_con_seen(m, es[i].ref);
	return 0;
}

int hl_con_refresh(hl_con_model *m)
{
	char err[300];
	json_t *req = json_pack("{s:s}", "cmd", "status"), *reply = NULL;
	int rc = req ? hl_con_request(m, req, &reply, err, sizeof err) : HL_ERR_NOMEM;
	json_decref(req);
	if (rc == 0 && !hl_client_reply_error(reply)) {
		copy_str(m->station, sizeof m->station, json_object_get(reply, "station"));
		const json_t *lines = json_object_get(reply, "lines");
		m->n_lines = 0;
		for (size_t i = 0; i < json_array_size(lines) && m->n_lines < (int)HL_MAX_PEERS; i++)
			read_line_status(&m->lines[m->n_lines++], json_array_get(lines, i));
	}
	json_decref(reply);
	reply = NULL;
	if (rc < 0)
		return rc;
	/* The inbox changes only with an event (or 'r'): countdowns and
	 * overdue states are computed here from due_ms, so the periodic status
	 * read does not make the daemon walk every chain again. */
	if (!m->dirty)
		return 0;
	req = json_pack("{s:s}", "cmd", "inbox");
	rc = req ? hl_con_request(m, req, &reply, err, sizeof err) : HL_ERR_NOMEM;
	json_decref(req);
	if (rc == 0 && !hl_client_reply_error(reply))
		rc = read_inbox(m, reply);
	json_decref(reply);
	if (rc == 0)
		m->dirty = 0;
	return rc;
}

void hl_con_seen(hl_con_model *m, const char *ref)
{
	for (int i = 0; i < m->n_new_flash; i++) {
		if (strcmp(m->new_flash[i], ref) == 0) {
			memmove(m->new_flash[i], m->new_flash[i + 1],
				(size_t)(m->n_new_flash - i - 1) * sizeof m->new_flash[0]);
			m->n_new_flash--;
			return;
		}
	}
}

static void on_event(hl_con_model *m, const char *line, size_t n)
{
	json_t *ev = json_loadb(line, n, 0, NULL);
	const char *kind = json_string_value(json_object_get(ev, "event"));
	m->dirty = 1;
	if (kind && strcmp(kind, "entry") == 0 && json_is_false(json_object_get(ev, "own")) &&
	    prec_of(json_string_value(json_object_get(ev, "precedence"))) == 3) {
		const char *author = json_string_value(json_object_get(ev, "author"));
		if (m->n_new_flash < HL_CON_MAX_NEW && author && strlen(author) <= HL_MAX_NAME)
			snprintf(m->new_flash[m->n_new_flash++], sizeof m->new_flash[0], "%s#%lld",
				 author, (long long)json_integer_value(json_object_get(ev, "seq")));
		m->bell = 1;
	} else if (kind && strcmp(kind, "alarm") == 0 && json_is_true(json_object_get(ev, "on"))) {
		const char *k = json_string_value(json_object_get(ev, "kind"));
		if (k && (strcmp(k, "ack-overdue") == 0 || strcmp(k, "unacknowledged") == 0 ||
			  strcmp(k, "checkin-missed") == 0))
			m->bell = 1;
	} else if (kind && strcmp(kind, "overflow") == 0) {
		hl_con_disconnect(m, "too many events at once; reconnecting");
	}
	json_decref(ev);
}

int hl_con_read_events(hl_con_model *m)
{
	for (;;) {
		if (m->sub_fd < 0)
			return HL_ERR_IO;
		if (hl_buf_reserve(&m->sub_in, 4096) < 0) {
			hl_con_disconnect(m, "an event line from hotlined is too long");
			return HL_ERR_TOOBIG;
		}
		ssize_t r = recv(m->sub_fd, m->sub_in.p + m->sub_in.len, 4096, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0) {
			hl_con_disconnect(m, r == 0 ? "hotlined closed the connection" : strerror(errno));
			return HL_ERR_IO;
		}
		m->sub_in.len += (size_t)r;
		size_t off = 0;
		uint8_t *nl;
		while ((nl = memchr(m->sub_in.p + off, '\n', m->sub_in.len - off))) {
			size_t n = (size_t)(nl - (m->sub_in.p + off));
			on_event(m, (const char *)m->sub_in.p + off, n);
			if (!m->connected)
				return HL_ERR_IO; /* overflow: reconnect */
			off += n + 1;
		}
		hl_buf_consume(&m->sub_in, off);
	}
}

static int simple(hl_con_model *m, json_t *req, const char *what, char *msg, size_t msglen,
		  json_t **out)
{
	char err[300];
	json_t *reply = NULL;
	int rc = req ? hl_con_request(m, req, &reply, err, sizeof err) : HL_ERR_NOMEM;
	json_decref(req);
	if (rc < 0) {
		snprintf(msg, msglen, "%s: %s", what, rc == HL_ERR_NOMEM ? "out of memory" : err);
		return rc;
	}
	const char *e = hl_client_reply_error(reply);
	if (e) {
		snprintf(msg, msglen, "%s refused: %s", what, e);
		json_decref(reply);
		return HL_ERR_INVAL;
	}
	*out = reply;
	return 0;
}

int hl_con_ack(hl_con_model *m, const char *ref, char *msg, size_t msglen)
{
	json_t *reply = NULL;
	int rc = simple(m, json_pack("{s:s, s:s}", "cmd", "ack", "entry", ref), "ack", msg, msglen,
			&reply);
	if (rc < 0)
		return rc;
	if (json_is_true(json_object_get(reply, "queued")))
		snprintf(msg, msglen, "ACK of %s queued (draft %lld), not yet signed: signed once the "
			 "peer confirms our record", ref,
			 (long long)json_integer_value(json_object_get(reply, "draft")));
	else
		snprintf(msg, msglen, "acknowledged %s (ACK %s#%lld)", ref,
			 m->station[0] ? m->station : "own",
			 (long long)json_integer_value(json_object_get(reply, "seq")));
	json_decref(reply);
	hl_con_seen(m, ref);
	m->dirty = 1;
	return 0;
}

int hl_con_send(hl_con_model *m, const char *peer, const char *prec, int exercise,
		const char *text, char *msg, size_t msglen)
{
	json_t *reply = NULL;
	int rc = simple(m, json_pack("{s:s, s:s, s:s, s:s, s:b}", "cmd", "send", "peer", peer,
				     "precedence", prec, "text", text, "exercise", exercise),
			"send", msg, msglen, &reply);
	if (rc < 0)
		return rc;
	if (json_is_true(json_object_get(reply, "queued")))
		snprintf(msg, msglen, "queued for %s (draft %lld, %s), not yet signed: sent once %s "
			 "confirms our record", peer,
			 (long long)json_integer_value(json_object_get(reply, "draft")), prec, peer);
	else
		snprintf(msg, msglen, "sent to %s: %s#%lld (%s)", peer, m->station[0] ? m->station : "own",
			 (long long)json_integer_value(json_object_get(reply, "seq")), prec);
	json_decref(reply);
	m->dirty = 1;
	return 0;
}

int hl_con_ack_now(const hl_con_entry *e, int64_t now_ms)
{
	if (e->ack == HL_CON_ACK_WAITING && e->due_ms > 0 && now_ms > e->due_ms)
		return HL_CON_ACK_OVERDUE;
	return e->ack;
}

int hl_con_overdue(const hl_con_model *m, int64_t now_ms, const hl_con_entry **first)
{
	int n = 0;
	if (first)
		*first = NULL;
	for (size_t i = m->n_entries; i-- > 0;) { /* oldest first */
		if (hl_con_ack_now(&m->entries[i], now_ms) != HL_CON_ACK_OVERDUE)
			continue;
		if (first && !*first)
			*first = &m->entries[i];
		n++;
	}
	return n;
}
