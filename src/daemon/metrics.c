/* metrics.c — the status reply as Prometheus text-format metrics, written to a
 * temporary file beside the target, fsynced and renamed over it (node_exporter's
 * textfile collector must never read half a file). */
#include "metrics.h"
#include "line/alarm.h"
#include "util/err.h"
#include "util/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	const char *name;
	const char *help;
} metric;

static const metric metrics[] = {
	{ "hotline_line_up", "1 if the line to the peer carries traffic, else 0." },
	{ "hotline_path_up", "1 if the path has a session (active or standby), else 0." },
	{ "hotline_path_active", "1 if the line's traffic uses this path, else 0." },
	{ "hotline_rtt_seconds", "Smoothed round-trip time on the path." },
	{ "hotline_entries_queued", "Own entries not yet receipted by the peer." },
	{ "hotline_entries_own", "Highest sequence number of our own entries on the line." },
	{ "hotline_entries_receipted", "Highest own sequence number the peer's receipt covers." },
	{ "hotline_alarms_open", "Open alarms of the line, by kind." },
};
enum { M_LINE_UP, M_PATH_UP, M_PATH_ACTIVE, M_RTT, M_QUEUED, M_OWN, M_RECEIPTED, M_ALARMS,
       M__COUNT };

/* A label value per the text format: backslash, quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Whole numbers as integers, others with enough digits and no locale. */
static void value(FILE *f, double v)
{
	if (v == (double)(long long)v && v > -1e15 && v < 1e15)
		fprintf(f, "%lld\n", (long long)v);
	else
		fprintf(f, "%.9g\n", v);
}

typedef struct {
	const char *peer;
	const char *path;
	const char *endpoint;
	const char *kind;
} labels;

static void sample(FILE *f, int m, const labels *l, double v)
{
	const char *sep = "";

	fputs(metrics[m].name, f);
	fputc('{', f);
	if (l->peer) {
		fputs("peer=\"", f);
		label_value(f, l->peer);
		fputc('"', f);
		sep = ",";
	}
	if (l->path) {
		fprintf(f, "%spath=\"", sep);
		label_value(f, l->path);
		fputc('"', f);
		sep = ",";
	}
	if (l->endpoint) {
		fprintf(f, "%sendpoint=\"", sep);
		label_value(f, l->endpoint);
		fputc('"', f);
		sep = ",";
	}
	if (l->kind) {
		fprintf(f, "%skind=\"", sep);
		label_value(f, l->kind);
		fputc('"', f);
	}
	fputs("} ", f);
	value(f, v);
}

static double num(const json_t *o, const char *key, int *ok)
{
	const json_t *v = json_object_get(o, key);

	*ok = json_is_number(v);
	return *ok ? json_number_value(v) : 0;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The samples of metric m for one line. */
static void line_samples(FILE *f, int m, const json_t *line)
{
	const char *peer = str(line, "peer");
	const json_t *paths = json_object_get(line, "paths"), *p, *a;
	const json_t *active = json_object_get(line, "active_path");
	labels l = { .peer = peer };
	size_t i;
	int ok;
	double v;

	switch (m) {
	case M_LINE_UP:
		sample(f, m, &l, strcmp(str(line, "state"), "up") == 0);
		return;
	case M_QUEUED:
	case M_OWN:
	case M_RECEIPTED:
		v = num(line, m == M_QUEUED ? "unreceipted" : m == M_OWN ? "own_seq"
								: "receipted_seq", &ok);
		if (ok)
			sample(f, m, &l, v);
		return;
	case M_ALARMS:
		for (int k = 1; k <= HL_ALARM_KIND_MAX; k++) {
			int n = 0;

			l.kind = hl_alarm_kind_name(k);
			if (strcmp(l.kind, "unknown") == 0)
				continue; /* a number no alarm uses (yet) */
			json_array_foreach(json_object_get(line, "alarms"), i, a)
				n += strcmp(str(a, "kind"), l.kind) == 0;
			sample(f, m, &l, n);
		}
		return;
	default:
		break;
	}
	json_array_foreach(paths, i, p) {
		char idx[24];
		const char *state = str(p, "state");
		double index = num(p, "index", &ok);

		if (!ok)
			index = (double)i;
		snprintf(idx, sizeof idx, "%lld", (long long)index);
		l.path = idx;
		l.endpoint = m == M_RTT ? NULL : str(p, "endpoint");
		if (m == M_PATH_UP) {
			sample(f, m, &l, strcmp(state, "active") == 0 ||
					 strcmp(state, "standby") == 0);
		} else if (m == M_PATH_ACTIVE) {
			sample(f, m, &l, strcmp(state, "active") == 0 ||
					 (json_is_number(active) &&
					  json_number_value(active) == index));
		} else if (m == M_RTT) {
			v = num(p, "rtt_ms", &ok);
			if (ok)
				sample(f, m, &l, v / 1000.0);
		}
	}
}

static int render(const json_t *status, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	const json_t *lines = json_object_get(status, "lines"), *line;
	size_t i;

	if (!f)
		return HL_ERR_NOMEM;
	for (int m = 0; m < M__COUNT; m++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", metrics[m].name, metrics[m].help,
			metrics[m].name);
		json_array_foreach(lines, i, line)
			line_samples(f, m, line);
	}
	if (ferror(f)) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return HL_ERR_NOMEM;
	}
	return fclose(f) == 0 ? 0 : HL_ERR_NOMEM;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return HL_ERR_IO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int hl_metrics_write(const char *path, const json_t *status)
{
	char tmp[HL_MAX_PATH + 8];
	char *buf = NULL;
	size_t len = 0;
	int fd = -1, rc;

	if (!path || !path[0] || !json_is_object(status))
		return HL_ERR_INVAL;
	if (strlen(path) > HL_MAX_PATH)
		return HL_ERR_TOOBIG;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	rc = render(status, &buf, &len);
	if (rc < 0)
		return rc;
	/* The .tmp name is outside the collector's *.prom pattern. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		rc = HL_ERR_IO;
		goto out;
	}
	rc = write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) != 0)
		rc = HL_ERR_IO;
	if (close(fd) != 0 && rc == 0)
		rc = HL_ERR_IO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = HL_ERR_IO;
	if (rc < 0)
		unlink(tmp);
out:
	free(buf);
	return rc;
}
