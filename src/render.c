/* render.c — text views of the daemon's replies for people: entry blocks for
 * inbox/log, the status table, and terminal-safe copies of peer text. */
#include "render.h"
#include "client.h"
#include "render_notes.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ackstate.h"
#include "err.h"

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the well-formed UTF-8 sequence at p (0 if none) and its code point. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t v, min;
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2, v = p[0] & 0x1fu, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3, v = p[0] & 0x0fu, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4, v = p[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static int bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *hl_render_clean(const char *s, size_t len, int multiline)
{
	const uint8_t *p = (const uint8_t *)s;
	char *out, *o;
	size_t i = 0;

	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(len * 3 + 1); /* every byte may become U+FFFD */
	if (!out)
		return NULL;
	o = out;
	while (i < len) {
		uint32_t cp = 0;
		size_t n;

		if (p[i] < 0x80) {
			int keep = p[i] >= 0x20 && p[i] != 0x7f;
			if (multiline && (p[i] == '\n' || p[i] == '\t'))
				keep = 1;
			/* CRLF text shows as plain lines; a lone CR could overwrite one. */
			if (multiline && p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
				i++;
				continue;
			}
			if (keep) {
				*o++ = (char)p[i];
			} else {
				memcpy(o, REPLACEMENT, 3);
				o += 3;
			}
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i, &cp);
		if (n == 0 || cp <= 0x9f || (!multiline && bidi_control(cp))) {
			memcpy(o, REPLACEMENT, 3);
			o += 3;
			i += n ? n : 1;
			continue;
		}
		memcpy(o, p + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	return out;
}

void hl_render_time(int64_t ms, char *out, size_t outlen)
{
	int64_t sec, milli;
	time_t t;
	struct tm tm;
	char day[32];

	/* Years 1..9999 only; also keeps sec * 1000 below from overflowing. */
	if (ms < -62135596800000LL || ms > 253402300799999LL) {
		snprintf(out, outlen, "(bad time %" PRId64 ")", ms);
		return;
	}
	/* Floor division, so times before 1970 still print sensibly. */
	sec = ms / 1000 - (ms % 1000 < 0);
	milli = ms - sec * 1000;
	t = (time_t)sec;
	if ((int64_t)t != sec || !gmtime_r(&t, &tm) ||
	    strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(out, outlen, "(bad time %" PRId64 ")", ms);
		return;
	}
	snprintf(out, outlen, "%s.%03dZ", day, (int)milli);
}

/* A cleaned copy of a string member, or of fallback if it is absent. */
static char *field(const json_t *obj, const char *key, const char *fallback, int multiline)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return hl_render_clean(json_string_value(v), json_string_length(v), multiline);
	return hl_render_clean(fallback, strlen(fallback), 0);
}

static void int_field(const json_t *obj, const char *key, char *out, size_t outlen)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		snprintf(out, outlen, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(out, outlen, "?");
}

static void upcase(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

/* The chain of states a duty officer asks about. For a received entry the
 * gap between the author's timestamp and our storing it shows transit time
 * plus the difference of the two clocks. */
static void delivery_state(const json_t *entry, char *out, size_t outlen)
{
	if (json_is_true(json_object_get(entry, "queued"))) {
		snprintf(out, outlen, "QUEUED, NOT YET SIGNED");
		return;
	}
	if (json_is_true(json_object_get(entry, "own"))) {
		snprintf(out, outlen, "%s", json_is_true(json_object_get(entry, "receipted")) ?
				  "stored, receipted by peer" : "stored, not yet receipted");
		return;
	}
	const json_t *t = json_object_get(entry, "time_ms"), *st = json_object_get(entry, "stored_ms");
	if (json_is_integer(t) && json_is_integer(st)) {
		double d = (double)(json_integer_value(st) - json_integer_value(t)) / 1000.0;
		snprintf(out, outlen, "received, stored %+.3f s after its timestamp", d);
	} else {
		snprintf(out, outlen, "received");
	}
}

void hl_render_indented(FILE *f, const char *text, const char *indent)
{
	const char *p = text;

	if (!*p) {
		fprintf(f, "%s(no text)\n", indent);
		return;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fputs(indent, f);
		fwrite(p, 1, n, f);
		fputc('\n', f);
		p += n + (nl != NULL);
	}
}

/* "    attachment: map.pdf (50.0 MiB) — PENDING 35%": the state first in
 * capitals while it is not usable. */
static void put_attachment(FILE *f, const json_t *a)
{
	char *name = field(a, "name", "?", 0);
	const char *state = json_string_value(json_object_get(a, "state"));
	json_int_t size = json_integer_value(json_object_get(a, "size"));
	json_int_t have = json_integer_value(json_object_get(a, "have"));
	const json_t *delivered = json_object_get(a, "delivered");
	char sz[32], st[64];

	if (!name)
		return;
	if (size >= 1024 * 1024)
		snprintf(sz, sizeof sz, "%.1f MiB", (double)size / (1024.0 * 1024.0));
	else if (size >= 1024)
		snprintf(sz, sizeof sz, "%.1f KiB", (double)size / 1024.0);
	else
		snprintf(sz, sizeof sz, "%lld bytes", (long long)size);
	if (!state)
		state = "?";
	if (strcmp(state, "pending") == 0)
		snprintf(st, sizeof st, "PENDING %d%%", size > 0 ? (int)(have * 100 / size) : 0);
	else if (strcmp(state, "complete") == 0 && json_is_boolean(delivered))
		snprintf(st, sizeof st, "%s", json_is_true(delivered) ? "complete, delivered" :
			 "complete, not yet delivered");
	else if (strcmp(state, "complete") == 0)
		snprintf(st, sizeof st, "complete");
	else
		snprintf(st, sizeof st, "%s", strcmp(state, "failed") == 0 ? "FAILED (hash mismatch)" :
			 "MISSING");
	fprintf(f, "    attachment: %s (%s) \xe2\x80\x94 %s\n", name, sz, st);
	free(name);
}

/* "    re: moscow#3" (an ACK: "acknowledges moscow#3"), and a note of the
 * entry's own ACK. Names come from the daemon but the operator and note
 * from the peer: cleaned. */
static void put_refs(FILE *f, const json_t *entry, const char *kind)
{
	const json_t *refs = json_object_get(entry, "refs"), *r;
	const json_t *ack = json_object_get(entry, "ack");
	size_t i;

	if (json_is_array(refs) && json_array_size(refs) > 0) {
		fputs(strcmp(kind, "ACK") == 0 ? "    acknowledges: " : "    re: ", f);
		json_array_foreach(refs, i, r) {
			char *n = json_is_string(r) ? hl_render_clean(json_string_value(r),
						     json_string_length(r), 0) : NULL;
			fprintf(f, "%s%s", i ? ", " : "", n ? n : "?");
			free(n);
		}
		fputc('\n', f);
	}
	const json_t *note = json_object_get(ack, "note"), *by = json_object_get(ack, "ack_ref");
	if (json_is_string(by)) {
		char *b = hl_render_clean(json_string_value(by), json_string_length(by), 0);
		char *n = json_is_string(note) ? hl_render_clean(json_string_value(note),
					json_string_length(note), 0) : NULL;
		fprintf(f, "    ack: %s%s%s\n", b ? b : "?", n ? ": " : "", n ? n : "");
		free(b);
		free(n);
	}
}

/* A draft has no seq yet: it is named by its number in the outbox. */
static const char *draft_no(const json_t *entry, char *buf, size_t size)
{
	int_field(entry, "draft", buf, size);
	return buf;
}

int hl_render_entry(FILE *f, const json_t *entry)
{
	char when[HL_RENDER_TIME_LEN + 32];
	char seq[32];
	const json_t *t = json_object_get(entry, "time_ms");
	char *author = field(entry, "author", "?", 0);
	char *kind = field(entry, "kind", "?", 0);
	char *prec = field(entry, "precedence", "?", 0);
	char *lang = field(entry, "lang", "-", 0);
	char *op = field(entry, "operator", "-", 0);
	char *text = field(entry, "text", "", 1);
	int exercise = json_is_true(json_object_get(entry, "exercise"));
	int rc = HL_ERR_NOMEM;

	if (!author || !kind || !prec || !lang || !op || !text)
		goto out;
	if (json_is_integer(t))
		hl_render_time((int64_t)json_integer_value(t), when, sizeof when);
	else
		snprintf(when, sizeof when, "(no time)");
	int_field(entry, "seq", seq, sizeof seq);
	upcase(prec);
	upcase(kind);

	if (exercise)
		fputs("*** EXERCISE *** ", f);
	/* The entry's name as operators type it (ack, --reply-to, translate). */
	const json_t *ref = json_object_get(entry, "ref");
	char *rname = json_is_string(ref) ? hl_render_clean(json_string_value(ref),
							     json_string_length(ref), 0) : NULL;
	if (json_is_true(json_object_get(entry, "queued")))
		fprintf(f, "%s  %s draft %s  ", when, author, draft_no(entry, seq, sizeof seq));
	else if (rname)
		fprintf(f, "%s  %s  ", when, rname);
	else
		fprintf(f, "%s  %s#%s  ", when, author, seq);
	free(rname);
	if (strcmp(kind, "MESSAGE") != 0)
		fprintf(f, "%s  ", kind);
	char state[96], ack[160];
	delivery_state(entry, state, sizeof state);
	hl_ack_describe(entry, ack, sizeof ack);
	/* Ours: the ack state says the delivery state too (receipt or not). */
	if (ack[0] && json_is_true(json_object_get(entry, "own")))
		fprintf(f, "%s  %s  %s  [%s]", prec, lang[0] ? lang : "-", op[0] ? op : "-", ack);
	else if (ack[0])
		fprintf(f, "%s  %s  %s  [%s]  [%s]", prec, lang[0] ? lang : "-", op[0] ? op : "-",
			state, ack);
	else
		fprintf(f, "%s  %s  %s  [%s]", prec, lang[0] ? lang : "-", op[0] ? op : "-", state);
	if (exercise)
		fputs(" *** EXERCISE ***", f);
	fputc('\n', f);
	if (exercise)
		fputs("    *** EXERCISE - NOT A REAL MESSAGE ***\n", f);
	if (json_is_object(json_object_get(entry, "attachment")))
		put_attachment(f, json_object_get(entry, "attachment"));
	put_refs(f, entry, kind);
	/* A notice shows as its form, translations beside the original. */
	if (hl_render_entry_notes(f, entry, text) < 0)
		goto out;
	fputc('\n', f);
	rc = ferror(f) ? HL_ERR_IO : 0;
out:
	free(author);
	free(kind);
	free(prec);
	free(lang);
	free(op);
	free(text);
	return rc;
}

/* Code points, as an estimate of terminal columns. */
static int columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void put_padded(FILE *f, const char *s, int width)
{
	int pad = width - columns(s);

	fputs(s, f);
	fprintf(f, "%*s", pad > 0 ? pad : 0, "");
}

static void fmt_rtt(const json_t *v, char *out, size_t outlen)
{
	double ms;

	if (!json_is_number(v)) {
		snprintf(out, outlen, "-");
		return;
	}
	ms = json_number_value(v);
	if (ms < 1000.0)
		snprintf(out, outlen, "%.1f ms", ms);
	else
		snprintf(out, outlen, "%.2f s", ms / 1000.0);
}

static void fmt_ago(const json_t *v, char *out, size_t outlen)
{
	json_int_t ms;

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(out, outlen, "-");
		return;
	}
	ms = json_integer_value(v);
	if (ms < 1000)
		snprintf(out, outlen, "%" JSON_INTEGER_FORMAT " ms ago", ms);
	else if (ms < 60 * 1000)
		snprintf(out, outlen, "%.1f s ago", (double)ms / 1000.0);
	else if (ms < 3600 * 1000)
		snprintf(out, outlen, "%" JSON_INTEGER_FORMAT " min ago", ms / 60000);
	else if (ms < 48 * 3600 * 1000)
		snprintf(out, outlen, "%" JSON_INTEGER_FORMAT " h ago", ms / 3600000);
	else
		snprintf(out, outlen, "%" JSON_INTEGER_FORMAT " days ago", ms / 86400000);
}

/* What waits unsigned in the outbox, and for what. */
static void put_queued(FILE *f, const json_t *line, int stopped)
{
	const json_t *q = json_object_get(line, "queued");
	const char *rec = json_string_value(json_object_get(line, "record"));

	if (!json_is_integer(q) || json_integer_value(q) <= 0)
		return;
	fprintf(f, "    %" JSON_INTEGER_FORMAT " queued, not yet signed: %s\n", json_integer_value(q),
		stopped ? "held (the line is stopped)" :
		rec && strcmp(rec, "confirmed") == 0 ? "being signed" :
		"signed and sent once the peer's HELLO confirms this station's record");
}

static int render_line(FILE *f, const json_t *line, int peer_width)
{
	char own[32], rcpt[32], unrcpt[32], pseq[32], rtt[32], ago[48];
	char *peer = field(line, "peer", "?", 0);
	char *state = field(line, "state", "?", 0);
	char *endpoint = field(line, "endpoint", "-", 0);
	char *reason = field(line, "stopped_reason", "", 0);
	int stopped, rc = HL_ERR_NOMEM;

	if (!peer || !state || !endpoint || !reason)
		goto out;
	stopped = strcmp(state, "stopped") == 0;
	/* The states that need someone's attention stand out. */
	if (stopped || strcmp(state, "down") == 0)
		upcase(state);
	int_field(line, "own_seq", own, sizeof own);
	int_field(line, "receipted_seq", rcpt, sizeof rcpt);
	int_field(line, "unreceipted", unrcpt, sizeof unrcpt);
	int_field(line, "peer_seq", pseq, sizeof pseq);
	fmt_rtt(json_object_get(line, "rtt_ms"), rtt, sizeof rtt);
	fmt_ago(json_object_get(line, "last_traffic_ms_ago"), ago, sizeof ago);

	put_padded(f, peer, peer_width + 2);
	put_padded(f, state, 12);
	put_padded(f, endpoint[0] ? endpoint : "-", 24);
	fprintf(f, "%8s %8s %8s %8s  ", own, rcpt, unrcpt, pseq);
	put_padded(f, rtt, 11);
	fprintf(f, "%s\n", ago);
	if (stopped)
		fprintf(f, "    !!! LINE STOPPED: %s !!!\n",
			reason[0] ? reason : "(no reason given)");
	put_queued(f, line, stopped);
	rc = 0;
out:
	free(peer);
	free(state);
	free(endpoint);
	free(reason);
	return rc;
}

static void time_or_dash(const json_t *v, char *out, size_t size)
{
	if (json_is_integer(v))
		hl_render_time(json_integer_value(v), out, size);
	else
		snprintf(out, size, "-");
}

/* A line's check-ins: schedule, last each way, answered and missed. */
static void render_checkin(FILE *f, const char *peer, const json_t *ci)
{
	char next[HL_RENDER_TIME_LEN + 32], sent[HL_RENDER_TIME_LEN + 32], recv[HL_RENDER_TIME_LEN + 32];
	const json_t *s = json_object_get(ci, "sent"), *r = json_object_get(ci, "received");
	char *sched;

	if (!json_is_object(ci))
		return;
	sched = field(ci, "schedule", "", 0);
	time_or_dash(json_object_get(ci, "next_ms"), next, sizeof next);
	time_or_dash(json_object_get(ci, "last_sent_ms"), sent, sizeof sent);
	time_or_dash(json_object_get(ci, "last_received_ms"), recv, sizeof recv);
	fprintf(f, "%s check-ins: %s; next %s\n", peer, sched && sched[0] ? sched : "(no schedule)",
		next);
	fprintf(f, "  sent:     last %s, %" JSON_INTEGER_FORMAT " answered, %" JSON_INTEGER_FORMAT
		" MISSED, %" JSON_INTEGER_FORMAT " waiting\n", sent,
		json_integer_value(json_object_get(s, "answered")),
		json_integer_value(json_object_get(s, "missed")),
		json_integer_value(json_object_get(s, "waiting")));
	fprintf(f, "  received: last %s, %" JSON_INTEGER_FORMAT " answered, %" JSON_INTEGER_FORMAT
		" MISSED, %" JSON_INTEGER_FORMAT " waiting\n", recv,
		json_integer_value(json_object_get(r, "answered")),
		json_integer_value(json_object_get(r, "missed")),
		json_integer_value(json_object_get(r, "waiting")));
	free(sched);
}

/* Below the table: each line's paths (when it has more than one) and its
 * open alarms, which must not be missed. */
static int render_paths_alarms(FILE *f, const json_t *line)
{
	const json_t *paths = json_object_get(line, "paths");
	const json_t *alarms = json_object_get(line, "alarms");
	const json_t *v;
	size_t i;
	char *peer = field(line, "peer", "?", 0);
	if (!peer)
		return HL_ERR_NOMEM;
	if (json_is_array(paths) && json_array_size(paths) > 1) {
		fprintf(f, "\n%s paths:\n", peer);
		json_array_foreach(paths, i, v) {
			char *ep = field(v, "endpoint", "?", 0);
			char *st = field(v, "state", "?", 0);
			const json_t *rtt = json_object_get(v, "rtt_ms");
			if (ep && st) {
				fprintf(f, "  %d  %-24s %-11s", (int)json_integer_value(json_object_get(v, "index")), ep, st);
				if (json_is_number(rtt))
					fprintf(f, " rtt %.1f ms", json_number_value(rtt));
				fputc('\n', f);
			}
			free(ep);
			free(st);
		}
	}
	render_checkin(f, peer, json_object_get(line, "checkin"));
	json_array_foreach(alarms, i, v) {
		char *kind = field(v, "kind", "?", 0);
		char *text = field(v, "text", "", 0);
		char when[HL_RENDER_TIME_LEN + 32];
		const json_t *since = json_object_get(v, "since_ms");
		if (json_is_integer(since))
			hl_render_time(json_integer_value(since), when, sizeof when);
		else
			snprintf(when, sizeof when, "?");
		if (kind && text)
			fprintf(f, "!!! ALARM %s: %s: %s (since %s)\n", peer, kind, text, when);
		free(kind);
		free(text);
	}
	free(peer);
	return ferror(f) ? HL_ERR_IO : 0;
}

int hl_render_status(FILE *f, const json_t *reply)
{
	const json_t *lines = json_object_get(reply, "lines");
	const json_t *line;
	char *station = field(reply, "station", "?", 0);
	char *pubkey = field(reply, "pubkey", "?", 0);
	int peer_width = 4;
	size_t i;
	int rc = HL_ERR_NOMEM;

	if (!station || !pubkey)
		goto out;
	fprintf(f, "station %s\npubkey  %s\n\n", station, pubkey);
	if (!json_is_array(lines) || json_array_size(lines) == 0) {
		fputs("(no lines configured)\n", f);
		rc = ferror(f) ? HL_ERR_IO : 0;
		goto out;
	}
	json_array_foreach(lines, i, line) {
		char *p = field(line, "peer", "?", 0);
		if (!p)
			goto out;
		if (columns(p) > peer_width)
			peer_width = columns(p);
		free(p);
	}
	put_padded(f, "PEER", peer_width + 2);
	put_padded(f, "STATE", 12);
	put_padded(f, "ENDPOINT", 24);
	fprintf(f, "%8s %8s %8s %8s  ", "OWN SEQ", "RCPT", "UNRCPT", "PEER SEQ");
	put_padded(f, "RTT", 11);
	fputs("LAST TRAFFIC\n", f);
	json_array_foreach(lines, i, line) {
		if (render_line(f, line, peer_width) < 0)
			goto out;
	}
	json_array_foreach(lines, i, line) {
		if (render_paths_alarms(f, line) < 0)
			goto out;
	}
	rc = ferror(f) ? HL_ERR_IO : 0;
out:
	free(station);
	free(pubkey);
	return rc;
}

int hl_render_queued(const json_t *reply, const char *what)
{
	const char *peer = json_string_value(json_object_get(reply, "peer"));
	const json_t *draft = json_object_get(reply, "draft"), *acked = json_object_get(reply, "acked");
	char *p, *a;

	if (!json_is_true(json_object_get(reply, "queued")))
		return 0;
	p = hl_render_clean(peer ? peer : "the peer", strlen(peer ? peer : "the peer"), 0);
	a = json_is_string(acked) ? hl_render_clean(json_string_value(acked),
						     json_string_length(acked), 0) : NULL;
	fprintf(stderr, "hotline: the %s%s%s is queued as draft %" JSON_INTEGER_FORMAT ", not yet "
		"signed: it is signed and sent, in the order queued, once %s's HELLO confirms this "
		"station's record ('hotline status' shows what waits)\n", what, a ? " of " : "",
		a ? a : "", json_is_integer(draft) ? json_integer_value(draft) : (json_int_t)0,
		p ? p : "the peer");
	free(p);
	free(a);
	return 1;
}

int hl_render_json_line(FILE *f, const json_t *v)
{
	if (json_dumpf(v, f, JSON_COMPACT | JSON_REAL_PRECISION(15)) < 0 || fputc('\n', f) == EOF)
		return HL_ERR_IO;
	return 0;
}

int hl_render_entries(FILE *f, const json_t *entries, int json, const char *empty)
{
	const json_t *e;
	size_t i;
	int rc;

	if (!json_is_array(entries))
		return HL_ERR_INVAL;
	if (!json && json_array_size(entries) == 0)
		fprintf(f, "%s\n", empty);
	json_array_foreach(entries, i, e) {
		rc = json ? hl_render_json_line(f, e) : hl_render_entry(f, e);
		if (rc < 0)
			return rc;
	}
	return ferror(f) ? HL_ERR_IO : 0;
}

int hl_render_request_entries(const hl_cli *cli, const json_t *req, const char *what,
			      const char *empty)
{
	json_t *reply = NULL;
	int status = hl_client_run(cli, req, &reply);
	if (status != 0)
		return status;
	int rc = hl_render_entries(stdout, json_object_get(reply, "entries"), cli->json, empty);
	if (rc < 0) {
		fprintf(stderr, "hotline: cannot show the %s: %s\n", what,
			rc == HL_ERR_INVAL ? "hotlined's reply has no entries list" : hl_strerror(rc));
		status = 1;
	}
	json_decref(reply);
	return status;
}
