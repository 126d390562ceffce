/* api_send.c — the local API's requests that write: send, notice and ack
 * (an entry), translate and certify (a note). Each is answered after the
 * commit that makes it durable, in request order: up to HL_API_MAX_INFLIGHT
 * sends of one client pipeline behind one fsync. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/blob.h"
#include "util/err.h"
#include "station/notes.h"
#include "util/text.h"
#include "station/watch.h"

typedef struct {
	hl_api_client *c;
	char peer[HL_MAX_NAME + 1];
	uint64_t seq;
	uint8_t hash[32];
	int64_t draft;   /* queued unsigned (hl_line_write): its number, seq 0 */
	char acked[2 * HL_MAX_NAME + 32]; /* an ack's reply names what it acknowledged */
	char error[400]; /* refused at once, answered in turn behind earlier sends */
} pending_send;

static void send_done(void *arg, int status)
{
	pending_send *p = arg;
	hl_api_client *c = p->c;
	c->inflight--;
	if (p->error[0]) {
		hl_api_reply_error(c, p->error);
	} else if (status < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "not stored: %s", hl_strerror(status));
		hl_api_reply_error(c, msg);
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
			hl_api_reply_raw(c, line, (size_t)n);
		else
			hl_api_close(c);
	}
	free(p);
	if (c->freed_handle) {
		hl_api_maybe_free(c);
		return;
	}
	hl_api_process(c);
}

/* A refusal must not overtake the answers to earlier sends still waiting
 * for their commit, so it queues behind them. */
static void send_refused(hl_api_client *c, pending_send *ps, const char *msg)
{
	if (ps && c->inflight > 0) {
		snprintf(ps->error, sizeof ps->error, "%s", msg);
		ps->c = c;
		if (hl_core_after_commit(c->api->d, send_done, ps) == 0) {
			c->inflight++;
			return;
		}
	}
	free(ps);
	if (c->inflight > 0) {
		/* Out of memory with answers pending: order cannot be kept. */
		hl_api_close(c);
		return;
	}
	hl_api_reply_error(c, msg);
}

/* Submits an entry for the client; its reply goes after the commit. */
static void submit(hl_api_client *c, hl_line *l, pending_send *ps, const hl_line_draft *dr,
		   const char *what)
{
	snprintf(ps->peer, sizeof ps->peer, "%s", l->peer->name);
	ps->c = c;
	/* The answer is booked before the entry exists: an entry must never
	 * be stored for a client that was told it was not. */
	if (hl_core_after_commit(c->api->d, send_done, ps) < 0) {
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

void hl_api_do_send(hl_api_client *c, const hl_api_request *r)
{
	hl_core *d = c->api->d;
	hl_line *l = hl_core_line_by_name(d, r->peer);
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
void hl_api_do_notice(hl_api_client *c, const hl_api_request *r)
{
	hl_core *d = c->api->d;
	hl_line *l = hl_core_line_by_name(d, r->peer);
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
	hl_notice_input in = { r->form, r->form_version, r->kv, r->n_kv, r->reply_to };
	if (hl_notice_prepare(d, l, &in, &nd, err, sizeof err) < 0) {
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
	hl_api_client *c;
	json_t *reply;
} pending_reply;

static void reply_done(void *arg, int status)
{
	pending_reply *p = arg;
	hl_api_client *c = p->c;
	c->inflight--;
	if (status < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "not stored: %s", hl_strerror(status));
		json_decref(p->reply);
		hl_api_reply_error(c, msg);
	} else {
		hl_api_reply(c, p->reply);
	}
	free(p);
	if (c->freed_handle) {
		hl_api_maybe_free(c);
		return;
	}
	hl_api_process(c);
}

/* Translations and certifications are written in the turn's transaction:
 * the reply waits for its commit, like a send's. */
void hl_api_do_note(hl_api_client *c, const hl_api_request *r)
{
	hl_core *d = c->api->d;
	char err[400] = "";
	json_t *rep = r->cmd == HL_API_TRANSLATE
			      ? hl_translate(d, c->operator_name, r->entry, r->lang, r->text, r->text_len, err,
					     sizeof err)
			      : hl_certify(d, c->operator_name, r->translation_id, err, sizeof err);
	if (!rep) {
		hl_api_reply_error(c, err[0] ? err : "out of memory");
		return;
	}
	pending_reply *p = malloc(sizeof *p);
	if (!p || hl_core_after_commit(d, reply_done, p) < 0) {
		free(p);
		json_decref(rep);
		/* Stored in the open transaction; its commit is not ours to wait for. */
		hl_api_reply_error(c, "out of memory (the change may still be stored)");
		return;
	}
	p->c = c;
	p->reply = rep;
	c->inflight++;
}

/* An ACK is answered after its commit, like a send. */
void hl_api_do_ack(hl_api_client *c, const hl_api_request *r)
{
	hl_core *d = c->api->d;
	hl_line *l = NULL;
	char why[300], msg[340];
	pending_send *ps = calloc(1, sizeof *ps);

	if (!ps) {
		hl_api_reply_error(c, "ack: out of memory");
		return;
	}
	int rc = hl_watch_ack(d, r->entry, r->note, c->operator_name, &l, &ps->seq, ps->hash,
			      &ps->draft, ps->acked, sizeof ps->acked, why, sizeof why);
	if (rc == 0) {
		snprintf(ps->peer, sizeof ps->peer, "%s", l->peer->name);
		ps->c = c;
		rc = hl_core_after_commit(d, send_done, ps);
		if (rc == 0) {
			c->inflight++;
			return;
		}
		snprintf(why, sizeof why, "%s", hl_strerror(rc));
	}
	snprintf(msg, sizeof msg, "ack: %s", why);
	free(ps);
	hl_api_reply_error(c, msg);
}

