/* cmd_handover.c — `hotline handover`: what the next shift must know, in one
 * page: the lines now, open alarms, messages waiting for an acknowledgement
 * (ours to give and the peer's), entries queued unsigned, notices waiting
 * for a reply, and the outages, failed link tests and missed check-ins
 * since a time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "err.h"
#include "render.h"
#include "timearg.h"

#define DEFAULT_SINCE "8h"  /* one watch */
#define EXCERPT_COLS 56

typedef struct {
	int fd;
	json_t *out;     /* the --json object, filled as the sections are gathered */
	uint64_t since_ms, now_ms;
} handover;

/* One round trip on the open connection; NULL (reason printed) on failure. */
static json_t *ask(handover *h, json_t *req)
{
	char err[256];
	json_t *reply = NULL;

	if (!req) {
		fprintf(stderr, "hotline: handover: out of memory\n");
		return NULL;
	}
	if (hl_client_send(h->fd, req, err, sizeof err) < 0 ||
	    hl_client_recv(h->fd, &reply, err, sizeof err) < 0) {
		json_decref(req);
		hl_client_print_error(err);
		return NULL;
	}
	json_decref(req);
	if (hl_client_reply_error(reply)) {
		hl_client_print_error(hl_client_reply_error(reply));
		json_decref(reply);
		return NULL;
	}
	return reply;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int64_t num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static const char *ack_state(const json_t *e)
{
	return str(json_object_get(e, "ack"), "state");
}

static int waiting(const json_t *e)
{
	const char *s = ack_state(e);
	return strcmp(s, "waiting") == 0 || strcmp(s, "overdue") == 0;
}

/* "3m 05s", "2h 10m", "4d 3h" */
static void fmt_span(uint64_t ms, char *out, size_t n)
{
	uint64_t s = ms / 1000;

	if (s < 3600)
		snprintf(out, n, "%" PRIu64 "m %02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, n, "%" PRIu64 "h %02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(out, n, "%" PRIu64 "d %" PRIu64 "h", s / 86400, s / 3600 % 24);
}

/* The first line of an entry's text, terminal-safe, cut to about cols. */
static void put_excerpt(const json_t *e)
{
	const char *t = str(e, "text");
	size_t len = strcspn(t, "\n"), cut = 0;
	int cols = 0;

	while (cut < len && cols < EXCERPT_COLS) {
		cut++;
		while (cut < len && ((unsigned char)t[cut] & 0xc0) == 0x80)
			cut++;
		cols++;
	}
	char *clean = hl_render_clean(t, cut, 0);
	printf("      \"%s%s\"\n", clean ? clean : "", cut < len || t[len] ? "..." : "");
	free(clean);
}

/* One entry waiting for something: precedence, name, state, excerpt. */
static void put_waiting(const handover *h, const json_t *e, const char *what)
{
	char when[HL_RENDER_TIME_LEN + 8], span[32] = "";
	const json_t *ack = json_object_get(e, "ack");
	int64_t due = num(ack, "due_ms");
	char *ref = hl_render_clean(str(e, "ref"), strlen(str(e, "ref")), 0);
	char prec[16];

	snprintf(prec, sizeof prec, "%s", str(e, "precedence"));
	for (char *p = prec; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	hl_render_time(num(e, "stored_ms"), when, sizeof when);
	if (due >= 0 && (uint64_t)due <= h->now_ms)
		fmt_span(h->now_ms - (uint64_t)due, span, sizeof span);
	else if (due >= 0)
		fmt_span((uint64_t)due - h->now_ms, span, sizeof span);
	printf("  %-9s %-24s %s  %s", prec, ref ? ref : "?", what, when);
	if (due >= 0)
		printf("  %s %s", (uint64_t)due <= h->now_ms ? "OVERDUE" : "due in", span);
	if (json_is_true(json_object_get(e, "exercise")))
		printf("  *** EXERCISE ***");
	if (json_object_get(e, "receipted") && !json_is_true(json_object_get(e, "receipted")))
		printf("  NOT DELIVERED");
	else if (json_object_get(e, "receipted"))
		printf("  delivered");
	putchar('\n');
	put_excerpt(e);
	free(ref);
}

static int section(const char *title, size_t n)
{
	printf("\n%s (%zu)\n", title, n);
	if (n == 0)
		printf("  none\n");
	return 0;
}

/* Lines and alarms, from status. */
static json_t *lines_now(handover *h)
{
	json_t *st = ask(h, json_pack("{s:s}", "cmd", "status"));
	json_t *lines, *line, *alarms = json_array();
	size_t i, j;

	if (!st)
		return NULL;
	lines = json_object_get(st, "lines");
	json_array_foreach(lines, i, line) {
		json_t *a;
		json_array_foreach(json_object_get(line, "alarms"), j, a) {
			json_t *c = json_deep_copy(a);
			json_object_set_new(c, "peer", json_string(str(line, "peer")));
			json_array_append_new(alarms, c);
		}
	}
	json_object_set(h->out, "station", json_object_get(st, "station"));
	json_object_set(h->out, "lines", lines);
	json_object_set_new(h->out, "alarms", alarms);
	return st;
}

/* For each line: its log (our entries the peer has not acknowledged, and
 * notices awaiting a reply) and its report since the time asked. */
static int per_line(handover *h, const json_t *lines)
{
	json_t *ours = json_array(), *notices = json_array(), *outages = json_array();
	json_t *tests = json_array(), *checkins = json_array(), *queued = json_array();
	const json_t *line;
	size_t i, j;
	int rc = 1;

	json_object_set_new(h->out, "awaiting_peer_ack", ours);
	json_object_set_new(h->out, "notices_awaiting_reply", notices);
	json_object_set_new(h->out, "outages", outages);
	json_object_set_new(h->out, "tests", tests);
	json_object_set_new(h->out, "checkins", checkins);
	json_object_set_new(h->out, "queued", queued);
	json_array_foreach(lines, i, line) {
		const char *peer = str(line, "peer");
		json_t *log = ask(h, json_pack("{s:s,s:s}", "cmd", "log", "peer", peer));
		json_t *e, *rep;

		if (!log)
			goto out;
		json_array_foreach(json_object_get(log, "entries"), j, e) {
			/* Our check-ins have their own section. */
			if (json_is_true(json_object_get(e, "own")) && waiting(e) &&
			    strcmp(str(e, "kind"), "CHECKIN") != 0)
				json_array_append(ours, e);
			if (json_is_true(json_object_get(e, "awaiting_reply")))
				json_array_append(notices, e);
			if (json_is_true(json_object_get(e, "queued")))
				json_array_append(queued, e);
		}
		json_decref(log);
		rep = ask(h, json_pack("{s:s,s:s,s:I}", "cmd", "report", "peer", peer, "since_ms",
				       (json_int_t)h->since_ms));
		if (!rep)
			goto out;
		json_array_foreach(json_object_get(rep, "outages"), j, e) {
			json_t *c = json_deep_copy(e);
			json_object_set_new(c, "peer", json_string(peer));
			json_array_append_new(outages, c);
		}
		json_t *t = json_deep_copy(json_object_get(rep, "tests"));
		if (t) {
			json_object_set_new(t, "peer", json_string(peer));
			json_array_append_new(tests, t);
		}
		json_t *ck = json_object_get(rep, "checkins");
		if (json_array_size(ck) > 0) {
			json_int_t n[3] = { 0, 0, 0 };
			json_array_foreach(ck, j, e) {
				const char *st = str(e, "state");
				n[strcmp(st, "answered") == 0 ? 0 : strcmp(st, "missed") == 0 ? 1 : 2]++;
			}
			json_array_append_new(checkins, json_pack("{s:s,s:I,s:I,s:I,s:O}", "peer", peer,
								  "answered", n[0], "missed", n[1],
								  "waiting", n[2], "checkins", ck));
		}
		json_decref(rep);
	}
	rc = 0;
out:
	return rc;
}

static void print_text(const handover *h)
{
	char now[HL_RENDER_TIME_LEN + 8], since[HL_RENDER_TIME_LEN + 8], span[32];
	const json_t *o = h->out, *v;
	size_t i, j;

	hl_render_time((int64_t)h->now_ms, now, sizeof now);
	hl_render_time((int64_t)h->since_ms, since, sizeof since);
	fmt_span(h->now_ms - h->since_ms, span, sizeof span);
	char *station = hl_render_clean(str(o, "station"), strlen(str(o, "station")), 0);
	printf("HANDOVER  %s  at %s\nperiod    since %s (%s)\n", station ? station : "?", now, since,
	       span);
	free(station);

	printf("\nLINES\n");
	json_array_foreach(json_object_get(o, "lines"), i, v) {
		printf("  %-16s %-11s", str(v, "peer"), str(v, "state"));
		if (str(v, "stopped_reason")[0])
			printf("  STOPPED: %s", str(v, "stopped_reason"));
		printf("  %" PRId64 " unreceipted", num(v, "unreceipted") < 0 ? 0 : num(v, "unreceipted"));
		if (num(v, "queued") > 0)
			printf("  %" PRId64 " QUEUED, NOT YET SIGNED", num(v, "queued"));
		putchar('\n');
	}

	section("OPEN ALARMS", json_array_size(json_object_get(o, "alarms")));
	json_array_foreach(json_object_get(o, "alarms"), i, v) {
		char t[HL_RENDER_TIME_LEN + 8];
		hl_render_time(num(v, "since_ms"), t, sizeof t);
		char *text = hl_render_clean(str(v, "text"), strlen(str(v, "text")), 0);
		printf("  %-16s %-16s since %s  %s\n", str(v, "peer"), str(v, "kind"), t,
		       text ? text : "");
		free(text);
	}

	section("WAITING FOR OUR ACKNOWLEDGEMENT",
		json_array_size(json_object_get(o, "awaiting_our_ack")));
	json_array_foreach(json_object_get(o, "awaiting_our_ack"), i, v)
		put_waiting(h, v, "received");

	section("OURS NOT YET ACKNOWLEDGED BY THE PEER",
		json_array_size(json_object_get(o, "awaiting_peer_ack")));
	json_array_foreach(json_object_get(o, "awaiting_peer_ack"), i, v)
		put_waiting(h, v, "sent");

	/* Entries operators wrote that the peer has not confirmed the record
	 * for: nothing of them exists for the peer yet. */
	section("QUEUED, NOT YET SIGNED", json_array_size(json_object_get(o, "queued")));
	json_array_foreach(json_object_get(o, "queued"), i, v) {
		char t[HL_RENDER_TIME_LEN + 8];
		hl_render_time(num(v, "queued_ms"), t, sizeof t);
		char *op = hl_render_clean(str(v, "operator"), strlen(str(v, "operator")), 0);
		printf("  %-16s draft %-6" PRId64 " %-9s %-8s queued %s by %s\n", str(v, "peer"),
		       num(v, "draft"), str(v, "precedence"), str(v, "kind"), t, op ? op : "?");
		free(op);
		put_excerpt(v);
	}

	section("NOTICES AWAITING A REPLY",
		json_array_size(json_object_get(o, "notices_awaiting_reply")));
	json_array_foreach(json_object_get(o, "notices_awaiting_reply"), i, v) {
		const json_t *form = json_object_get(v, "form");
		char t[HL_RENDER_TIME_LEN + 8];
		hl_render_time(num(v, "stored_ms"), t, sizeof t);
		printf("  %-24s %s  %s%s\n", str(v, "ref"), str(form, "name")[0] ? str(form, "name") : "notice",
		       t, json_is_true(json_object_get(v, "own")) ? "  (ours: the peer owes the reply)"
								  : "  (theirs: we owe the reply)");
	}

	section("OUTAGES IN THE PERIOD", json_array_size(json_object_get(o, "outages")));
	json_array_foreach(json_object_get(o, "outages"), i, v) {
		char a[HL_RENDER_TIME_LEN + 8], d[32];
		hl_render_time(num(v, "start_ms"), a, sizeof a);
		fmt_span(num(v, "duration_ms") < 0 ? 0 : (uint64_t)num(v, "duration_ms"), d, sizeof d);
		char *cause = hl_render_clean(str(v, "cause"), strlen(str(v, "cause")), 0);
		printf("  %-16s from %s  %s%s  %s\n", str(v, "peer"), a, d,
		       json_is_null(json_object_get(v, "end_ms")) ? " (ONGOING)" : "", cause ? cause : "");
		free(cause);
	}

	printf("\nLINK TESTS IN THE PERIOD\n");
	json_array_foreach(json_object_get(o, "tests"), i, v) {
		printf("  %-16s %" PRId64 " answered, %" PRId64 " FAILED\n", str(v, "peer"),
		       num(v, "ok") < 0 ? 0 : num(v, "ok"), num(v, "failed") < 0 ? 0 : num(v, "failed"));
		const json_t *t;
		json_array_foreach(json_object_get(v, "last"), j, t) {
			char a[HL_RENDER_TIME_LEN + 8];
			if (json_is_true(json_object_get(t, "ok")))
				continue;
			hl_render_time(num(t, "time_ms"), a, sizeof a);
			printf("    failed at %s\n", a);
		}
	}

	if (json_array_size(json_object_get(o, "checkins"))) {
		printf("\nCHECK-INS IN THE PERIOD\n");
		json_array_foreach(json_object_get(o, "checkins"), i, v) {
			printf("  %-16s %" PRId64 " answered, %" PRId64 " MISSED, %" PRId64 " waiting\n",
			       str(v, "peer"), num(v, "answered"), num(v, "missed"), num(v, "waiting"));
			const json_t *c;
			json_array_foreach(json_object_get(v, "checkins"), j, c) {
				char a[HL_RENDER_TIME_LEN + 8];
				if (strcmp(str(c, "state"), "missed") != 0)
					continue;
				hl_render_time(num(c, "at_ms"), a, sizeof a);
				printf("    MISSED %-24s %s  %s\n", str(c, "ref"), a,
				       !json_is_true(json_object_get(c, "own")) ? "(theirs: we did not answer)" :
				       json_is_true(json_object_get(c, "delivered_by_deadline")) ?
				       "(ours: delivered, not answered)" : "(ours: NOT DELIVERED by its deadline)");
			}
		}
	}
}

int hl_cmd_handover(const hl_cli *cli, int argc, char **argv)
{
	handover h = { .fd = -1 };
	const char *since = DEFAULT_SINCE;
	json_t *st = NULL, *inbox = NULL;
	int status = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			since = argv[++i];
		} else if (strncmp(argv[i], "--since=", 8) == 0) {
			since = argv[i] + 8;
		} else {
			fprintf(stderr, "hotline: handover: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	h.now_ms = hl_timearg_now_ms();
	if (hl_timearg_parse_since(since, h.now_ms, &h.since_ms) < 0) {
		fprintf(stderr, "hotline: handover: bad --since '%s' (want a past UTC time such as "
				"2026-11-27T06:00:00Z, or a duration such as 8h)\n", since);
		return 2;
	}
	h.out = json_pack("{s:b,s:I,s:I}", "ok", 1, "since_ms", (json_int_t)h.since_ms, "now_ms",
			  (json_int_t)h.now_ms);
	if (!h.out) {
		fprintf(stderr, "hotline: handover: out of memory\n");
		return 1;
	}
	status = hl_client_open(cli, &h.fd);
	if (status != 0)
		goto out;
	status = 1;
	st = lines_now(&h);
	if (!st)
		goto out;
	inbox = ask(&h, json_pack("{s:s,s:b}", "cmd", "inbox", "unacked", 1));
	if (!inbox)
		goto out;
	json_object_set(h.out, "awaiting_our_ack", json_object_get(inbox, "entries"));
	if (per_line(&h, json_object_get(st, "lines")) != 0)
		goto out;
	if (cli->json)
		status = hl_render_json_line(stdout, h.out) == 0 ? 0 : 1;
	else
		print_text(&h), status = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hotline: handover: cannot write the output\n");
		status = 1;
	}
out:
	if (h.fd >= 0)
		close(h.fd);
	json_decref(st);
	json_decref(inbox);
	json_decref(h.out);
	return status;
}
