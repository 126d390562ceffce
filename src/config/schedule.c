/* schedule.c — parses a check-in schedule, writes it back canonically and finds
 * its instants by plain arithmetic on UTC days: no time zone code, no timegm. */
#include "schedule.h"
#include "config.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS HL_SCHEDULE_DAY_MS
#define MIN_MS 60000ull
#define DAY_MINUTES 1440u
#define ALL_DAYS 0x7fu
#define QUOTE_MAX 40    /* bytes of input quoted in a message */
#define MAX_TOKENS 4u   /* a clause has 2 or 3; the 4th is only for the message */
/* 1970-01-01 (day 0) was a Thursday: weekday 3 with Mon = 0. */
#define EPOCH_WEEKDAY 3u

static const char *const day_names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

typedef struct {
	const char *p;
	size_t n;
} span;

struct ctx {
	char *err;
	size_t errlen;
	unsigned clause_no;  /* 1-based */
	int multi;           /* more than one clause: messages name the clause */
};

static int qlen(span t)
{
	return (int)(t.n > QUOTE_MAX ? QUOTE_MAX : t.n);
}

static const char *qmore(span t)
{
	return t.n > QUOTE_MAX ? "..." : "";
}

/* "[clause N: ]'TOKEN': what"; the caller puts FILE:LINE: KEY: in front. */
__attribute__((format(printf, 3, 4)))
static int bad(struct ctx *c, span tok, const char *fmt, ...)
{
	char msg[192], where[24] = "";
	va_list ap;

	if (!c->errlen)
		return HL_ERR_INVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->multi)
		snprintf(where, sizeof where, "clause %u: ", c->clause_no);
	snprintf(c->err, c->errlen, "%s'%.*s%s': %s", where, qlen(tok), tok.p, qmore(tok), msg);
	return HL_ERR_INVAL;
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* ASCII-only case folding: strcasecmp would depend on the locale. */
static int span_ieq(span t, const char *word)
{
	size_t i;

	for (i = 0; i < t.n && word[i]; i++) {
		char ch = t.p[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != word[i])
			return 0;
	}
	return i == t.n && word[i] == '\0';
}

static span trim(span t)
{
	while (t.n && is_ws(t.p[0]))
		t.p++, t.n--;
	while (t.n && is_ws(t.p[t.n - 1]))
		t.n--;
	return t;
}

/* Splits t at the first sep: the head in *a, what follows sep in *b; 0 if
 * there is no sep (then *a is all of t and *b is empty). */
static int split_at(span t, char sep, span *a, span *b)
{
	const char *q = memchr(t.p, sep, t.n);

	if (!q) {
		*a = t;
		b->p = t.p + t.n;
		b->n = 0;
		return 0;
	}
	a->p = t.p;
	a->n = (size_t)(q - t.p);
	b->p = q + 1;
	b->n = t.n - a->n - 1;
	return 1;
}

static int parse_day(struct ctx *c, span tok, span d, unsigned *day)
{
	static const char *const lower[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

	for (unsigned i = 0; i < 7; i++) {
		if (span_ieq(d, lower[i])) {
			*day = i;
			return 0;
		}
	}
	if (d.n == 0)
		return bad(c, tok, "missing day (Mon..Sun)");
	return bad(c, tok, "unknown day '%.*s%s' (Mon..Sun)", qlen(d), d.p, qmore(d));
}

/* One list item: DAY or DAY-DAY (which may wrap past Sunday). */
static int parse_day_item(struct ctx *c, span tok, span item, uint8_t *days)
{
	span a, b;
	unsigned from, to, i;
	uint8_t bits = 0;
	int rc;

	if (span_ieq(item, "daily"))
		return bad(c, tok, "'daily' stands alone, not in a list");
	if (!split_at(item, '-', &a, &b)) {
		if ((rc = parse_day(c, tok, item, &from)) < 0)
			return rc;
		to = from;
	} else {
		if (memchr(b.p, '-', b.n))
			return bad(c, tok, "bad range '%.*s%s' (DAY-DAY, e.g. Mon-Fri)",
				   qlen(item), item.p, qmore(item));
		if ((rc = parse_day(c, tok, a, &from)) < 0 || (rc = parse_day(c, tok, b, &to)) < 0)
			return rc;
		if (from == to)
			return bad(c, tok, "'%.*s' is not a range (write %s)", qlen(item), item.p,
				   day_names[from]);
	}
	for (i = from;; i = (i + 1) % 7) {
		bits |= (uint8_t)(1u << i);
		if (i == to)
			break;
	}
	for (i = 0; i < 7; i++)
		if (bits & *days & (1u << i))
			return bad(c, tok, "%s named twice", day_names[i]);
	*days |= bits;
	return 0;
}

static int parse_days(struct ctx *c, span tok, uint8_t *days)
{
	span rest = tok, item, tail;
	int rc;

	*days = 0;
	if (span_ieq(tok, "daily")) {
		*days = ALL_DAYS;
		return 0;
	}
	if (tok.n && tok.p[tok.n - 1] == ',')
		return bad(c, tok, "list ends with ',' (no spaces in a list: Mon,Wed,Fri)");
	for (;;) {
		int more = split_at(rest, ',', &item, &tail);

		if (item.n == 0)
			return bad(c, tok, "empty item in the day list");
		if ((rc = parse_day_item(c, tok, item, days)) < 0)
			return rc;
		if (!more)
			return 0;
		rest = tail;
	}
}

/* Strictly HH:MM, 00:00 to 23:59: the minute of the day, or -1. */
static int parse_hhmm(span t)
{
	unsigned h, m;

	if (t.n != 5 || t.p[2] != ':' || !is_digit(t.p[0]) || !is_digit(t.p[1]) ||
	    !is_digit(t.p[3]) || !is_digit(t.p[4]))
		return -1;
	h = (unsigned)(t.p[0] - '0') * 10 + (unsigned)(t.p[1] - '0');
	m = (unsigned)(t.p[3] - '0') * 10 + (unsigned)(t.p[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return (int)(h * 60 + m);
}

static int parse_times(struct ctx *c, span tok, hl_schedule_clause *cl)
{
	span rest = tok, item, tail;
	unsigned n = 0;

	if (tok.n && tok.p[tok.n - 1] == ',')
		return bad(c, tok, "list ends with ',' (no spaces in a list: 09:00,17:00)");
	for (;;) {
		int more = split_at(rest, ',', &item, &tail);
		unsigned j;
		int m;

		if (item.n == 0)
			return bad(c, tok, "empty item in the time list");
		m = parse_hhmm(item);
		if (m < 0)
			return bad(c, tok, "bad time '%.*s%s' (HH:MM, 00:00 to 23:59)",
				   qlen(item), item.p, qmore(item));
		if (n == HL_SCHEDULE_MAX_TIMES)
			return bad(c, tok, "more than %u times in a clause", HL_SCHEDULE_MAX_TIMES);
		/* Insertion keeps the list sorted: order as written carries no meaning. */
		j = n++;
		while (j > 0 && cl->times[j - 1] > m) {
			cl->times[j] = cl->times[j - 1];
			j--;
		}
		if (j > 0 && cl->times[j - 1] == m)
			return bad(c, tok, "%02d:%02d named twice", m / 60, m % 60);
		cl->times[j] = (uint16_t)m;
		if (!more)
			break;
		rest = tail;
	}
	cl->ntimes = (uint8_t)n;
	return 0;
}

static int check_zone(struct ctx *c, span zone)
{
	if (span_ieq(zone, "utc"))
		return 0;
	if (is_digit(zone.p[0]))
		return bad(c, zone, "unexpected: the times are one list without spaces "
			   "(09:00,17:00)");
	return bad(c, zone, "time zone not supported: only UTC, so that both stations "
		   "mean the same instant");
}

static unsigned tokenize(span cl, span tok[MAX_TOKENS])
{
	unsigned n = 0;
	size_t i = 0;

	while (i < cl.n && n < MAX_TOKENS) {
		while (i < cl.n && is_ws(cl.p[i]))
			i++;
		if (i == cl.n)
			break;
		tok[n].p = cl.p + i;
		while (i < cl.n && !is_ws(cl.p[i]))
			i++;
		tok[n].n = (size_t)(cl.p + i - tok[n].p);
		n++;
	}
	return n;
}

static int parse_every(struct ctx *c, span cl, const span *tok, unsigned ntok, hl_schedule *out)
{
	char d[32];
	uint64_t ms = 0;

	if (c->multi)
		return bad(c, cl, "'every' must be the schedule's only clause");
	if (ntok < 2)
		return bad(c, cl, "missing interval (e.g. every 10s)");
	if (ntok > 2 && check_zone(c, tok[2]) < 0)
		return HL_ERR_INVAL;
	if (ntok > 3)
		return bad(c, tok[3], "unexpected after the time zone");
	if (tok[1].n >= sizeof d)
		return bad(c, tok[1], "bad interval (e.g. 10s, 5m, 1h)");
	memcpy(d, tok[1].p, tok[1].n);
	d[tok[1].n] = '\0';
	if (hl_config_parse_duration(d, &ms) < 0)
		return bad(c, tok[1], "bad interval (e.g. 10s, 5m, 1h)");
	if (ms < HL_SCHEDULE_EVERY_MIN_MS || ms > HL_SCHEDULE_EVERY_MAX_MS)
		return bad(c, tok[1], "interval out of range (1s to 1d)");
	if (DAY_MS % ms != 0)
		return bad(c, tok[1], "interval does not divide a day evenly");
	out->every_ms = ms;
	return 0;
}

/* An instant named by this clause and an earlier one is an error, so that
 * each instant means one check-in. */
static int check_overlap(struct ctx *c, span cl, const hl_schedule *s, unsigned k)
{
	const hl_schedule_clause *b = &s->clause[k];

	for (unsigned j = 0; j < k; j++) {
		const hl_schedule_clause *a = &s->clause[j];
		unsigned common = a->days & b->days, x = 0, y = 0, day = 0;

		if (!common)
			continue;
		while (!(common & (1u << day)))
			day++;
		while (x < a->ntimes && y < b->ntimes) {
			if (a->times[x] < b->times[y]) {
				x++;
			} else if (a->times[x] > b->times[y]) {
				y++;
			} else {
				return bad(c, cl, "%s %02u:%02u is already in clause %u",
					   day_names[day], a->times[x] / 60u, a->times[x] % 60u,
					   j + 1);
			}
		}
	}
	return 0;
}

static int parse_clause(struct ctx *c, span cl, hl_schedule *out)
{
	span tok[MAX_TOKENS];
	unsigned ntok = tokenize(cl, tok);
	hl_schedule_clause *k = &out->clause[out->nclauses];
	int rc;

	if (ntok == 0)
		return bad(c, cl, c->multi ? "empty clause" :
			   "empty schedule (e.g. Mon-Fri 09:00,17:00 UTC)");
	if (span_ieq(tok[0], "every"))
		return parse_every(c, cl, tok, ntok, out);
	if (is_digit(tok[0].p[0]))
		return bad(c, cl, "days missing before the times (e.g. daily 09:00, "
			   "Mon-Fri 09:00)");
	if ((rc = parse_days(c, tok[0], &k->days)) < 0)
		return rc;
	if (ntok < 2)
		return bad(c, cl, "no times after the days (e.g. Mon-Fri 09:00,17:00)");
	if ((rc = parse_times(c, tok[1], k)) < 0)
		return rc;
	if (ntok > 2 && (rc = check_zone(c, tok[2])) < 0)
		return rc;
	if (ntok > 3)
		return bad(c, tok[3], "unexpected after the time zone");
	if ((rc = check_overlap(c, cl, out, out->nclauses)) < 0)
		return rc;
	out->nclauses++;
	return 0;
}

int hl_schedule_parse(const char *s, hl_schedule *out, char *err, size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen };
	span rest, cl, tail;
	size_t len;
	int rc = HL_ERR_INVAL;

	if (out)
		memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	else
		c.errlen = 0;
	if (!s || !out)
		return HL_ERR_INVAL;
	len = strnlen(s, HL_SCHEDULE_MAX_INPUT + 1);
	if (len > HL_SCHEDULE_MAX_INPUT) {
		if (c.errlen)
			snprintf(err, errlen, "schedule too long (max %u bytes)",
				 HL_SCHEDULE_MAX_INPUT);
		return HL_ERR_TOOBIG;
	}
	/* Printable ASCII only, so every message can quote the input as it is. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch > 0x7e) {
			if (c.errlen)
				snprintf(err, errlen, "character 0x%02x at offset %zu "
					 "(printable ASCII only)", ch, i);
			return HL_ERR_INVAL;
		}
	}
	rest = (span){ s, len };
	c.multi = memchr(s, ';', len) != NULL;
	for (c.clause_no = 1;; c.clause_no++) {
		int more = split_at(rest, ';', &cl, &tail);

		cl = trim(cl);
		if (c.clause_no > HL_SCHEDULE_MAX_CLAUSES) {
			rc = bad(&c, cl, "more than %u clauses", HL_SCHEDULE_MAX_CLAUSES);
			goto out;
		}
		if ((rc = parse_clause(&c, cl, out)) < 0)
			goto out;
		if (!more)
			break;
		rest = tail;
	}
	rc = 0;
out:
	if (rc < 0)
		memset(out, 0, sizeof *out);
	return rc;
}

/* A bounded appender: once full, it stays full and reports it. */
struct sb {
	char *p;
	size_t size, len;
	int full;
};

__attribute__((format(printf, 2, 3)))
static void sb_put(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->size - b->len)
		b->full = 1;
	else
		b->len += (size_t)n;
}

static void put_days(struct sb *b, unsigned days)
{
	const char *sep = "";

	if (days == ALL_DAYS) {
		sb_put(b, "daily");
		return;
	}
	for (unsigned i = 0; i < 7; i++) {
		unsigned j = i;

		if (!(days & (1u << i)))
			continue;
		while (j + 1 < 7 && (days & (1u << (j + 1))))
			j++;
		if (j - i >= 2)
			sb_put(b, "%s%s-%s", sep, day_names[i], day_names[j]);
		else if (j == i + 1)
			sb_put(b, "%s%s,%s", sep, day_names[i], day_names[j]);
		else
			sb_put(b, "%s%s", sep, day_names[i]);
		sep = ",";
		i = j;
	}
}

static void put_interval(struct sb *b, uint64_t ms)
{
	static const struct { const char *unit; uint64_t mul; } u[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	};

	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
		if (ms % u[i].mul == 0) {
			sb_put(b, "every %llu%s UTC", (unsigned long long)(ms / u[i].mul), u[i].unit);
			return;
		}
	}
}

static int valid(const hl_schedule *s)
{
	if (s->every_ms)
		return s->nclauses == 0 && s->every_ms <= HL_SCHEDULE_EVERY_MAX_MS &&
		       DAY_MS % s->every_ms == 0;
	if (s->nclauses > HL_SCHEDULE_MAX_CLAUSES)
		return 0;
	for (unsigned k = 0; k < s->nclauses; k++) {
		const hl_schedule_clause *cl = &s->clause[k];
		if (!cl->days || (cl->days & ~ALL_DAYS) || !cl->ntimes ||
		    cl->ntimes > HL_SCHEDULE_MAX_TIMES)
			return 0;
		for (unsigned t = 0; t < cl->ntimes; t++)
			if (cl->times[t] >= DAY_MINUTES || (t && cl->times[t] <= cl->times[t - 1]))
				return 0;
	}
	return 1;
}

int hl_schedule_format(const hl_schedule *s, char *out, size_t size)
{
	struct sb b = { .p = out, .size = size };

	if (out && size)
		out[0] = '\0';
	if (!s || !out || !size || !valid(s))
		return HL_ERR_INVAL;
	if (s->every_ms)
		put_interval(&b, s->every_ms);
	for (unsigned k = 0; k < s->nclauses; k++) {
		const hl_schedule_clause *cl = &s->clause[k];

		if (k)
			sb_put(&b, "; ");
		put_days(&b, cl->days);
		for (unsigned t = 0; t < cl->ntimes; t++)
			sb_put(&b, "%c%02u:%02u", t ? ',' : ' ', cl->times[t] / 60u,
			       cl->times[t] % 60u);
		sb_put(&b, " UTC");
	}
	if (b.full) {
		out[0] = '\0';
		return HL_ERR_TOOBIG;
	}
	return 0;
}

unsigned hl_schedule_weekday(uint64_t ms)
{
	return (unsigned)((ms / DAY_MS + EPOCH_WEEKDAY) % 7u);
}

int hl_schedule_next(const hl_schedule *s, uint64_t after_ms, uint64_t *next_ms)
{
	uint64_t day, best = UINT64_MAX;

	if (next_ms)
		*next_ms = 0;
	if (!s || !next_ms || !valid(s))
		return HL_ERR_INVAL;
	if (!s->every_ms && !s->nclauses)
		return HL_ERR_NOTFOUND;
	/* Every candidate is within 8 days of after_ms. */
	if (after_ms > UINT64_MAX - 8 * DAY_MS)
		return HL_ERR_TOOBIG;
	if (s->every_ms) {
		*next_ms = (after_ms / s->every_ms + 1) * s->every_ms;
		return 0;
	}
	/* Today, then the next 7 days: day + 7 has today's weekday again, for a
	 * time today that is already past. The first day with a candidate wins. */
	day = after_ms / DAY_MS;
	for (uint64_t d = day; d <= day + 7 && best == UINT64_MAX; d++) {
		unsigned wd = (unsigned)((d + EPOCH_WEEKDAY) % 7u);

		for (unsigned k = 0; k < s->nclauses; k++) {
			const hl_schedule_clause *cl = &s->clause[k];

			if (!(cl->days & (1u << wd)))
				continue;
			for (unsigned t = 0; t < cl->ntimes; t++) {
				uint64_t at = d * DAY_MS + cl->times[t] * MIN_MS;
				if (at > after_ms) {
					if (at < best)
						best = at;
					break;
				}
			}
		}
	}
	*next_ms = best;
	return 0;
}

int hl_schedule_each(const hl_schedule *s, uint64_t from_ms, uint64_t to_ms, size_t max,
		     hl_schedule_cb cb, void *ctx, size_t *count)
{
	uint64_t t = from_ms, at;
	size_t n = 0;
	int rc = 0;

	if (count)
		*count = 0;
	if (!s || !valid(s))
		return HL_ERR_INVAL;
	while (t < to_ms) {
		rc = hl_schedule_next(s, t, &at);
		if (rc == HL_ERR_NOTFOUND || rc == HL_ERR_TOOBIG) {
			/* Nothing (more) representable: the walk is complete. */
			rc = 0;
			break;
		}
		if (rc < 0 || at > to_ms)
			break;
		if (n == max) {
			rc = HL_ERR_TOOBIG;
			break;
		}
		n++;
		if (cb) {
			int r = cb(ctx, at);
			if (r) {
				rc = r < 0 ? r : 0;
				break;
			}
		}
		t = at;
	}
	if (count)
		*count = n;
	return rc;
}
