/* cmd_report.c — `hotline report PEER`: availability of a line over a period
 * (overall and per path), outages, link tests and RTT percentiles; --svg also
 * draws the timeline into a file, written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "client/client.h"
#include "config/config.h"
#include "util/err.h"
#include "util/limits.h"
#include "client/render.h"
#include "client/svg.h"
#include "client/timearg.h"

#define DEFAULT_SINCE "7d"
#define TESTS_SHOWN 5

typedef struct {
	const char *peer;
	const char *since;
	const char *svg;
} report_args;

static int parse_args(int argc, char **argv, report_args *a)
{
	int dashdash = 0;

	memset(a, 0, sizeof *a);
	a->since = DEFAULT_SINCE;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char **dst = NULL;
		const char *opt = NULL;

		if (!dashdash && strcmp(s, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (dashdash || s[0] != '-') {
			if (a->peer) {
				fprintf(stderr, "hotline: report: unexpected argument '%s'\n", s);
				return 2;
			}
			a->peer = s;
			continue;
		}
		if (strncmp(s, "--since", 7) == 0 && (s[7] == '\0' || s[7] == '=')) {
			dst = &a->since;
			opt = "--since";
		} else if (strncmp(s, "--svg", 5) == 0 && (s[5] == '\0' || s[5] == '=')) {
			dst = &a->svg;
			opt = "--svg";
		} else {
			fprintf(stderr, "hotline: report: unknown option '%s'\n", s);
			return 2;
		}
		if (s[strlen(opt)] == '=')
			*dst = s + strlen(opt) + 1;
		else if (i + 1 < argc)
			*dst = argv[++i];
		else
			*dst = NULL;
		if (!*dst || !**dst) {
			fprintf(stderr, "hotline: report: %s needs a value\n", opt);
			return 2;
		}
	}
	if (!a->peer) {
		fprintf(stderr, "hotline: report: which PEER?\n");
		return 2;
	}
	return 0;
}

static void fmt_time(char *buf, size_t size, const json_t *v)
{
	time_t t;
	struct tm tm;

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(buf, size, "-");
		return;
	}
	t = (time_t)(json_integer_value(v) / 1000);
	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(buf, size, "?");
}

/* The two largest units: "850ms", "42s", "2m 3s", "1h 5m", "3d 4h". */
static void fmt_dur(char *buf, size_t size, const json_t *v)
{
	static const struct { const char *u; uint64_t ms; } units[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	};
	uint64_t ms = json_is_integer(v) && json_integer_value(v) > 0
		      ? (uint64_t)json_integer_value(v) : 0;

	if (ms < 1000) {
		snprintf(buf, size, "%llums", (unsigned long long)ms);
		return;
	}
	for (size_t i = 0; i < 4; i++) {
		uint64_t a = ms / units[i].ms, rest = ms % units[i].ms;

		if (a == 0)
			continue;
		if (i == 3 || rest / units[i + 1].ms == 0)
			snprintf(buf, size, "%llu%s", (unsigned long long)a, units[i].u);
		else
			snprintf(buf, size, "%llu%s %llu%s", (unsigned long long)a, units[i].u,
				 (unsigned long long)(rest / units[i + 1].ms), units[i + 1].u);
		return;
	}
}

static void fmt_pct(char *buf, size_t size, const json_t *avail)
{
	const json_t *p = json_object_get(avail, "pct");

	if (json_is_number(p))
		snprintf(buf, size, "%7.3f %%", json_number_value(p));
	else
		snprintf(buf, size, "no data");
}

static void fmt_ms(char *buf, size_t size, const json_t *v)
{
	if (json_is_number(v))
		snprintf(buf, size, "%.1f", json_number_value(v));
	else
		snprintf(buf, size, "-");
}

/* Prints s without anything that could drive the terminal. */
static void print_clean(FILE *f, const char *s)
{
	char *c = s ? hl_render_clean(s, strlen(s), 0) : NULL;

	fputs(c ? c : "", f);
	free(c);
}

static void print_availability(FILE *f, const json_t *r)
{
	const json_t *av = json_object_get(r, "availability"), *line, *p;
	char pct[32], down[32], off[32], unk[32];
	size_t i;

	line = json_object_get(av, "line");
	fmt_pct(pct, sizeof pct, line);
	fmt_dur(down, sizeof down, json_object_get(line, "down_ms"));
	fmt_dur(off, sizeof off, json_object_get(line, "off_ms"));
	fprintf(f, "availability  line   %s  (down %s, of which station not running %s)\n", pct,
		down, off);
	json_array_foreach(json_object_get(av, "paths"), i, p) {
		fmt_pct(pct, sizeof pct, p);
		fmt_dur(down, sizeof down, json_object_get(p, "down_ms"));
		fprintf(f, "              path %-2lld %s  (down %s)\n",
			(long long)json_integer_value(json_object_get(p, "path")), pct, down);
	}
	if (json_integer_value(json_object_get(line, "unknown_ms")) > 0) {
		fmt_dur(unk, sizeof unk, json_object_get(line, "unknown_ms"));
		fprintf(f, "              (%s with no record, not counted)\n", unk);
	}
}

static void print_outages(FILE *f, const json_t *r)
{
	const json_t *outs = json_object_get(r, "outages"), *o;
	json_int_t total = json_integer_value(json_object_get(r, "outages_total"));
	char a[32], b[32], d[32];
	size_t i;

	fprintf(f, "\noutages: %lld", (long long)total);
	if ((size_t)total > json_array_size(outs))
		fprintf(f, " (the last %zu shown)", json_array_size(outs));
	fputc('\n', f);
	if (json_array_size(outs) == 0)
		return;
	fprintf(f, "  %-21s %-21s %-9s %s\n", "START", "END", "DURATION", "CAUSE");
	json_array_foreach(outs, i, o) {
		fmt_time(a, sizeof a, json_object_get(o, "start_ms"));
		if (json_is_true(json_object_get(o, "before_since")))
			snprintf(a + strlen(a), sizeof a - strlen(a), "<");
		if (json_is_null(json_object_get(o, "end_ms")))
			snprintf(b, sizeof b, "(ongoing)");
		else
			fmt_time(b, sizeof b, json_object_get(o, "end_ms"));
		fmt_dur(d, sizeof d, json_object_get(o, "duration_ms"));
		fprintf(f, "  %-21s %-21s %-9s ", a, b, d);
		print_clean(f, json_string_value(json_object_get(o, "cause")));
		fputc('\n', f);
	}
}

static void print_tests(FILE *f, const json_t *r)
{
	const json_t *t = json_object_get(r, "tests"), *last = json_object_get(t, "last"), *e;
	char when[32], ms[32];
	size_t i;

	fprintf(f, "\nlink tests: %lld answered, %lld failed\n",
		(long long)json_integer_value(json_object_get(t, "ok")),
		(long long)json_integer_value(json_object_get(t, "failed")));
	json_array_foreach(last, i, e) {
		const json_t *path = json_object_get(e, "path");

		/* The latest few, and every failure the daemon listed. */
		if (i + TESTS_SHOWN < json_array_size(last) && json_is_true(json_object_get(e, "ok")))
			continue;
		fmt_time(when, sizeof when, json_object_get(e, "time_ms"));
		fmt_ms(ms, sizeof ms, json_object_get(e, "rtt_ms"));
		fprintf(f, "  %s  %-6s", when, json_is_true(json_object_get(e, "ok"))
					     ? "ok" : "FAILED");
		if (json_is_true(json_object_get(e, "ok")))
			fprintf(f, " %s ms", ms);
		if (json_is_integer(path))
			fprintf(f, "  path %lld", (long long)json_integer_value(path));
		if (json_is_string(json_object_get(e, "text"))) {
			fputs("  ", f);
			print_clean(f, json_string_value(json_object_get(e, "text")));
		}
		fputc('\n', f);
	}
}

static void print_rtt(FILE *f, const json_t *r)
{
	const json_t *p;
	char v[4][32];
	size_t i;

	if (json_array_size(json_object_get(r, "rtt")) == 0)
		return;
	fprintf(f, "\nround trip (ms)  %8s %8s %8s %8s %8s\n", "samples", "p50", "p90", "p99",
		"max");
	json_array_foreach(json_object_get(r, "rtt"), i, p) {
		fmt_ms(v[0], sizeof v[0], json_object_get(p, "p50_ms"));
		fmt_ms(v[1], sizeof v[1], json_object_get(p, "p90_ms"));
		fmt_ms(v[2], sizeof v[2], json_object_get(p, "p99_ms"));
		fmt_ms(v[3], sizeof v[3], json_object_get(p, "max_ms"));
		fprintf(f, "  path %-10lld %8lld %8s %8s %8s %8s\n",
			(long long)json_integer_value(json_object_get(p, "path")),
			(long long)json_integer_value(json_object_get(p, "count")), v[0], v[1],
			v[2], v[3]);
	}
}

/* Each check-in: ours with whether the peer's signed receipt covers it
 * (the line worked) and whether a person answered (the people did). */
static void print_checkins(FILE *f, const json_t *r)
{
	const json_t *cs = json_object_get(r, "checkins"), *c;
	char when[32], at[32];
	size_t i;

	if (!json_is_array(cs) || json_array_size(cs) == 0)
		return;
	fprintf(f, "\ncheck-ins: %zu\n", json_array_size(cs));
	json_array_foreach(cs, i, c) {
		const char *state = json_string_value(json_object_get(c, "state"));
		int own = json_is_true(json_object_get(c, "own"));
		fmt_time(when, sizeof when, json_object_get(c, "at_ms"));
		fprintf(f, "  %s  %-8s ", when, own ? "sent" : "received");
		print_clean(f, json_string_value(json_object_get(c, "ref")));
		const json_t *by_due = json_object_get(c, "delivered_by_deadline");
		int delivered = json_is_true(json_object_get(c, "delivered"));
		if (own && json_is_false(by_due))
			fputs(delivered ? "  NOT DELIVERED by its deadline (receipted later)"
				       : "  NOT DELIVERED (no receipt)", f);
		else if (own)
			fputs(delivered ? "  delivered (peer's signed receipt)" : "  NOT DELIVERED (no receipt)", f);
		if (state && strcmp(state, "missed") == 0)
			fputs("  MISSED: not answered by its deadline", f);
		else if (state && strcmp(state, "waiting") == 0)
			fputs("  waiting for an answer", f);
		if (json_is_string(json_object_get(c, "answered_by"))) {
			fmt_time(at, sizeof at, json_object_get(c, "answered_ms"));
			fputs(state && strcmp(state, "missed") == 0 ? "; answered late by " : "  answered by ", f);
			print_clean(f, json_string_value(json_object_get(c, "answered_by")));
			fprintf(f, " %s", at);
		}
		fputc('\n', f);
	}
}

static void print_report(FILE *f, const char *peer, const json_t *r)
{
	char a[32], b[32];

	fmt_time(a, sizeof a, json_object_get(r, "since_ms"));
	fmt_time(b, sizeof b, json_object_get(r, "now_ms"));
	fputs("line to ", f);
	print_clean(f, peer);
	fprintf(f, ", %s to %s\n\n", a, b);
	print_availability(f, r);
	print_outages(f, r);
	print_tests(f, r);
	print_checkins(f, r);
	print_rtt(f, r);
}

/* FILE.partial, synced, then renamed: a reader never sees half a picture. */
static int write_svg(const char *path, const json_t *r)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, rc = HL_ERR_IO, e = 0;

	if (asprintf(&tmp, "%s.partial", path) < 0)
		return HL_ERR_NOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		e = errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	rc = hl_svg_write(f, r);
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
		e = errno;
		rc = HL_ERR_IO;
	}
	if (fclose(f) != 0 && rc == 0) {
		e = errno;
		rc = HL_ERR_IO;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		e = errno;
		rc = HL_ERR_IO;
	}
	if (rc < 0)
		unlink(tmp);
out:
	if (rc < 0)
		fprintf(stderr, "hotline: report: cannot write %s: %s\n", path,
			e ? strerror(e) : hl_strerror(rc));
	free(tmp);
	return rc;
}

int hl_cmd_report(const hl_cli *cli, int argc, char **argv)
{
	json_t *req = NULL, *reply = NULL;
	report_args a;
	uint64_t since = 0;
	int status;

	status = parse_args(argc, argv, &a);
	if (status != 0)
		return status;
	if (hl_timearg_parse_since(a.since, hl_timearg_now_ms(), &since) < 0) {
		fprintf(stderr, "hotline: report: bad --since '%s' (want a past UTC time such as "
				"2026-11-27 or 2026-11-27T03:00:00Z, or a duration such as 24h or "
				"7d)\n", a.since);
		return 2;
	}
	req = json_pack("{s:s,s:s,s:I}", "cmd", "report", "peer", a.peer, "since_ms",
			(json_int_t)since);
	if (!req) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	status = hl_client_run(cli, req, &reply);
	if (status != 0)
		goto out;
	if (cli->json) {
		if (hl_render_json_line(stdout, reply) < 0)
			status = 1;
	} else {
		print_report(stdout, a.peer, reply);
	}
	if (a.svg && write_svg(a.svg, reply) < 0)
		status = 1;
	else if (a.svg && !cli->json)
		printf("\ntimeline drawn in %s\n", a.svg);
out:
	json_decref(req);
	json_decref(reply);
	return status;
}
