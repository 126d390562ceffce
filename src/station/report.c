/* report.c — replays a line's stored link events over a period: the state of
 * the line and of each path through time, outages, link tests and RTT figures.
 * In steps (budget.h): the events are read a page at a time and the RTT
 * samples sorted in steps, so a report over a long history never holds the
 * loop. */
#include "report.h"
#include "util/err.h"
#include "line/events.h"
#include "util/limits.h"
#include "util/stepsort.h"

#include <stdlib.h>
#include <string.h>

#define EVENTS_PAGE 256u

#define CAUSE_MAX 256

/* Band states, in rising order of severity (a bucket of a thinned timeline
 * shows the worst state in it). */
enum { B_UP, B_UNKNOWN, B_DOWN, B_STOPPED, B_CRASHED, B__N };
static const char *const bstate_name[B__N] = { "up", "unknown", "down", "stopped", "crashed" };

enum { S_UNKNOWN, S_RUNNING, S_STOPPED, S_CRASHED };

typedef struct {
	uint64_t start, end;
	int state;
} seg;

typedef struct {
	int state;
	uint64_t start;          /* of the current segment */
	uint64_t ms[B__N];
	seg *segs;
	size_t n, cap;
} band;

typedef struct {
	uint64_t start, end;     /* end 0: ongoing */
	int before_since;
	char cause[CAUSE_MAX];
} outage;

typedef struct {
	uint64_t t;
	double v;
} point;

typedef struct {
	point *p;
	size_t n, cap;
} series;

typedef struct {
	uint64_t t;
	int ok;
	double rtt;
	int path;
	char text[128];
	int has_text;
} test_result;

typedef struct {
	uint64_t since, now;
	int n_paths;
	int station;
	int line_up;
	int path_up[HL_MAX_ENDPOINTS];
	uint64_t last_ms;        /* newest event seen (clamped), for dating a crash */
	uint64_t last_raw;       /* the same, unclamped; 0 if none */
	int before;              /* the change being applied happened before since */
	char cause[CAUSE_MAX];   /* why the line is down now */
	band line, path[HL_MAX_ENDPOINTS];
	outage *outages;
	size_t n_out, cap_out;
	uint64_t out_total;
	series rtt[HL_MAX_ENDPOINTS];
	uint64_t tests_ok, tests_failed;
	test_result tests[HL_REPORT_MAX_TESTS]; /* ring */
	size_t n_tests;
	int err;
	/* The steps: 0 the state before since, 1 the period, 2 the samples
	 * sorted (one path after the other), 3 done. */
	int phase;
	uint64_t after_ms;       /* the last event read, for the next page */
	int64_t after_id;
	int sorting_path;
	double *sorted[HL_MAX_ENDPOINTS]; /* each path's RTT samples, in order */
	hl_vec values;
	hl_stepsort sort;
	hl_store *st;
	uint8_t line_id[32];
	char peer[HL_MAX_NAME + 1];
} replay;

struct hl_report {
	replay r;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t nc;
	void *q;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	q = realloc(*p, nc * size);
	if (!q)
		return HL_ERR_NOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

static int is_down(int s)
{
	return s == B_DOWN || s == B_STOPPED || s == B_CRASHED;
}

static void set_cause(char *dst, const char *s)
{
	snprintf(dst, CAUSE_MAX, "%s", s);
}

/* Adds a later cause to an outage's text, unless it says the same. */
static void append_cause(outage *o, const char *c)
{
	size_t n = strlen(o->cause), m = strlen(c);
	static const char sep[] = ", then ";

	if (!c[0] || (n >= m && strcmp(o->cause + n - m, c) == 0))
		return;
	if (!o->cause[0]) {
		set_cause(o->cause, c);
		return;
	}
	if (n + sizeof sep - 1 + m < CAUSE_MAX)
		snprintf(o->cause + n, CAUSE_MAX - n, "%s%s", sep, c);
}

static const char *state_cause(const replay *r, int s)
{
	if (s == B_STOPPED)
		return "station not running (stopped)";
	if (s == B_CRASHED)
		return "station not running (crash)";
	return r->cause;
}

static void outage_edge(replay *r, uint64_t t, int from, int to)
{
	outage *o;

	if (!is_down(from) && is_down(to)) {
		if (r->n_out == HL_REPORT_MAX_OUTAGES) {
			memmove(r->outages, r->outages + 1, (r->n_out - 1) * sizeof *o);
			r->n_out--;
		}
		if (grow((void **)&r->outages, &r->cap_out, r->n_out, sizeof *o) < 0) {
			r->err = HL_ERR_NOMEM;
			return;
		}
		o = &r->outages[r->n_out++];
		memset(o, 0, sizeof *o);
		o->start = t;
		o->before_since = r->before;
		set_cause(o->cause, state_cause(r, to));
		r->out_total++;
	} else if (r->n_out && is_down(from) && is_down(to)) {
		o = &r->outages[r->n_out - 1];
		/* A restart's reconnection is part of the stop, not a new cause. */
		if (to != B_DOWN || from == B_DOWN)
			append_cause(o, state_cause(r, to));
	} else if (r->n_out && is_down(from) && !is_down(to)) {
		/* Events of one instant (START, then LINE_UP) are no outage. */
		if (r->outages[r->n_out - 1].start == t) {
			r->n_out--;
			r->out_total--;
		} else {
			r->outages[r->n_out - 1].end = t;
		}
	}
}

/* Moves band b to state s at time t (already clamped to [since, now]). */
static void band_set(replay *r, band *b, uint64_t t, int s, int is_line)
{
	if (b->state == s)
		return;
	if (t > b->start) {
		if (grow((void **)&b->segs, &b->cap, b->n, sizeof *b->segs) < 0) {
			r->err = HL_ERR_NOMEM;
			return;
		}
		b->segs[b->n++] = (seg){ b->start, t, b->state };
		b->ms[b->state] += t - b->start;
		b->start = t;
	}
	if (is_line)
		outage_edge(r, t, b->state, s);
	b->state = s;
}

static int derived(const replay *r, int up)
{
	switch (r->station) {
	case S_RUNNING:
		return up ? B_UP : B_DOWN;
	case S_STOPPED:
		return B_STOPPED;
	case S_CRASHED:
		return B_CRASHED;
	default:
		return B_UNKNOWN;
	}
}

static void apply(replay *r, uint64_t t)
{
	band_set(r, &r->line, t, derived(r, r->line_up), 1);
	for (int i = 0; i < r->n_paths; i++)
		band_set(r, &r->path[i], t, derived(r, r->path_up[i]), 0);
}

static void start_fresh(replay *r, const char *cause)
{
	r->station = S_RUNNING;
	r->line_up = 0;
	memset(r->path_up, 0, sizeof r->path_up);
	set_cause(r->cause, cause);
}

static void add_test(replay *r, const hl_store_event *ev, uint64_t t)
{
	test_result *tr = &r->tests[r->n_tests % HL_REPORT_MAX_TESTS];

	memset(tr, 0, sizeof *tr);
	tr->t = t;
	tr->ok = ev->kind == HL_EV_TEST_OK;
	tr->rtt = ev->value;
	tr->path = ev->path;
	if (ev->text) {
		snprintf(tr->text, sizeof tr->text, "%s", ev->text);
		tr->has_text = 1;
	}
	r->n_tests++;
	if (tr->ok)
		r->tests_ok++;
	else
		r->tests_failed++;
}

static void add_rtt(replay *r, const hl_store_event *ev, uint64_t t)
{
	series *s = &r->rtt[ev->path];

	if (ev->value < 0)
		return;
	if (grow((void **)&s->p, &s->cap, s->n, sizeof *s->p) < 0) {
		r->err = HL_ERR_NOMEM;
		return;
	}
	s->p[s->n++] = (point){ t, ev->value };
}

static int on_event(void *ctx, const hl_store_event *ev)
{
	replay *r = ctx;
	uint64_t t = ev->time_ms < r->since ? r->since : ev->time_ms;

	int p = ev->path;
	int path_ok = p >= 0 && p < r->n_paths;

	if (t > r->now)
		t = r->now;
	switch (ev->kind) {
	case HL_EV_START:
		/* Running, then started again: it died without a STOP. It is
		 * dated by the last thing it recorded. */
		if (r->station == S_RUNNING) {
			r->station = S_CRASHED;
			r->before = r->last_raw < r->since;
			apply(r, r->last_ms);
		}
		start_fresh(r, "line not yet up after the station started");
		break;
	case HL_EV_STOP:
		r->station = S_STOPPED;
		break;
	case HL_EV_LINE_UP:
	case HL_EV_LINE_DOWN:
	case HL_EV_PATH_UP:
	case HL_EV_PATH_DOWN:
		/* State without a START before it: the start was not recorded. */
		if (r->station != S_RUNNING)
			start_fresh(r, "line down");
		if (ev->kind == HL_EV_LINE_UP) {
			r->line_up = 1;
		} else if (ev->kind == HL_EV_LINE_DOWN) {
			r->line_up = 0;
			set_cause(r->cause, ev->text && ev->text[0] ? ev->text : "line down");
		} else if (path_ok) {
			r->path_up[p] = ev->kind == HL_EV_PATH_UP;
		}
		break;
	case HL_EV_RTT:
		if (path_ok && ev->time_ms >= r->since)
			add_rtt(r, ev, t);
		break;
	case HL_EV_TEST_OK:
	case HL_EV_TEST_FAIL:
		if (ev->time_ms >= r->since)
			add_test(r, ev, t);
		break;
	default:
		break;
	}
	r->before = ev->time_ms < r->since;
	apply(r, t);
	if (t > r->last_ms)
		r->last_ms = t;
	if (ev->time_ms > r->last_raw)
		r->last_raw = ev->time_ms;
	return r->err;
}

static int cmp_double(const void *a, const void *b, void *ctx)
{
	double x = *(const double *)a, y = *(const double *)b;

	(void)ctx;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct % of the samples at
 * or below it. */
static double rank(const double *v, size_t n, unsigned pct)
{
	size_t k = (n * pct + 99) / 100;

	return v[k ? k - 1 : 0];
}

static json_t *pct_or_null(uint64_t up, uint64_t down)
{
	if (up + down == 0)
		return json_null();
	return json_real(100.0 * (double)up / (double)(up + down));
}

static json_t *avail_json(const band *b)
{
	uint64_t off = b->ms[B_STOPPED] + b->ms[B_CRASHED];
	uint64_t down = b->ms[B_DOWN] + off;

	return json_pack("{s:o,s:I,s:I,s:I,s:I}", "pct", pct_or_null(b->ms[B_UP], down),
			 "up_ms", (json_int_t)b->ms[B_UP], "down_ms", (json_int_t)down,
			 "off_ms", (json_int_t)off, "unknown_ms", (json_int_t)b->ms[B_UNKNOWN]);
}

static int push(json_t *arr, json_t *v)
{
	return v ? json_array_append_new(arr, v) : -1;
}

static json_t *seg_json(uint64_t a, uint64_t b, int s)
{
	return json_pack("{s:I,s:I,s:s}", "start_ms", (json_int_t)a, "end_ms", (json_int_t)b,
			 "state", bstate_name[s]);
}

/* The band's intervals; past HL_REPORT_MAX_INTERVALS, thinned to equal
 * buckets each showing the worst state in it, so no outage disappears. */
static json_t *band_json(const replay *r, const band *b)
{
	json_t *arr = json_array();
	uint64_t span = r->now - r->since, w;
	size_t j = 0;
	int cur = -1;
	uint64_t cur_start = 0;

	if (!arr)
		return NULL;
	if (b->n <= HL_REPORT_MAX_INTERVALS) {
		for (size_t i = 0; i < b->n; i++)
			if (push(arr, seg_json(b->segs[i].start, b->segs[i].end,
					       b->segs[i].state)) < 0)
				goto fail;
		return arr;
	}
	w = span / HL_REPORT_MAX_INTERVALS + 1;
	for (uint64_t a = r->since; a < r->now; a += w) {
		uint64_t e = a + w < r->now ? a + w : r->now;
		int worst = -1;

		while (j < b->n && b->segs[j].end <= a)
			j++;
		for (size_t k = j; k < b->n && b->segs[k].start < e; k++)
			if (b->segs[k].state > worst)
				worst = b->segs[k].state;
		if (worst < 0)
			worst = B_UNKNOWN;
		if (worst != cur) {
			if (cur >= 0 && push(arr, seg_json(cur_start, a, cur)) < 0)
				goto fail;
			cur = worst;
			cur_start = a;
		}
	}
	if (cur >= 0 && push(arr, seg_json(cur_start, r->now, cur)) < 0)
		goto fail;
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

/* At most HL_REPORT_MAX_POINTS: each bucket of samples gives its highest,
 * so spikes survive the thinning. */
static json_t *points_json(const series *s)
{
	json_t *arr = json_array();
	size_t m = s->n < HL_REPORT_MAX_POINTS ? s->n : HL_REPORT_MAX_POINTS;

	if (!arr)
		return NULL;
	for (size_t i = 0; i < m; i++) {
		size_t a = i * s->n / m, e = (i + 1) * s->n / m, best = a;

		for (size_t k = a + 1; k < e; k++)
			if (s->p[k].v > s->p[best].v)
				best = k;
		if (push(arr, json_pack("[I,f]", (json_int_t)s->p[best].t, s->p[best].v)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *rtt_json(int path, const series *s, const double *v)
{
	if (s->n == 0 || !v)
		return json_pack("{s:i,s:i,s:n,s:n,s:n,s:n}", "path", path, "count", 0, "p50_ms",
				 "p90_ms", "p99_ms", "max_ms");
	return json_pack("{s:i,s:I,s:f,s:f,s:f,s:f}", "path", path, "count", (json_int_t)s->n,
			 "p50_ms", rank(v, s->n, 50), "p90_ms", rank(v, s->n, 90),
			 "p99_ms", rank(v, s->n, 99), "max_ms", v[s->n - 1]);
}

static json_t *tests_json(const replay *r)
{
	size_t n = r->n_tests < HL_REPORT_MAX_TESTS ? r->n_tests : HL_REPORT_MAX_TESTS;
	json_t *last = json_array();

	if (!last)
		return NULL;
	for (size_t i = r->n_tests - n; i < r->n_tests; i++) {
		const test_result *t = &r->tests[i % HL_REPORT_MAX_TESTS];

		if (push(last, json_pack("{s:I,s:b,s:o,s:o,s:o}", "time_ms", (json_int_t)t->t,
					 "ok", t->ok, "rtt_ms",
					 t->ok ? json_real(t->rtt) : json_null(), "path",
					 t->path >= 0 ? json_integer(t->path) : json_null(), "text",
					 t->has_text ? json_string(t->text) : json_null())) < 0) {
			json_decref(last);
			return NULL;
		}
	}
	return json_pack("{s:I,s:I,s:o}", "ok", (json_int_t)r->tests_ok, "failed",
			 (json_int_t)r->tests_failed, "last", last);
}

static json_t *outages_json(const replay *r)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < r->n_out; i++) {
		const outage *o = &r->outages[i];
		uint64_t end = o->end ? o->end : r->now;

		if (push(arr, json_pack("{s:I,s:o,s:I,s:s,s:b}", "start_ms", (json_int_t)o->start,
					"end_ms", o->end ? json_integer((json_int_t)o->end)
							 : json_null(),
					"duration_ms", (json_int_t)(end - o->start), "cause",
					o->cause, "before_since", o->before_since)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *build(const replay *r, const char *peer)
{
	json_t *out, *pav = json_array(), *rtt = json_array(), *tl_paths = json_array();

	out = json_pack("{s:b,s:s,s:I,s:I,s:i,s:I}", "ok", 1, "peer", peer, "since_ms",
			(json_int_t)r->since, "now_ms", (json_int_t)r->now, "paths", r->n_paths,
			"outages_total", (json_int_t)r->out_total);
	if (!out || !pav || !rtt || !tl_paths)
		goto fail;
	for (int i = 0; i < r->n_paths; i++) {
		json_t *a = avail_json(&r->path[i]);

		if (a && json_object_set_new(a, "path", json_integer(i)) < 0) {
			json_decref(a);
			goto fail;
		}
		if (push(pav, a) < 0 || push(rtt, rtt_json(i, &r->rtt[i], r->sorted[i])) < 0 ||
		    push(tl_paths, json_pack("{s:i,s:o,s:o}", "path", i, "intervals",
					     band_json(r, &r->path[i]), "rtt",
					     points_json(&r->rtt[i]))) < 0)
			goto fail;
	}
	if (json_object_set_new(out, "availability",
				json_pack("{s:o,s:o}", "line", avail_json(&r->line), "paths",
					  json_incref(pav))) < 0 ||
	    json_object_set_new(out, "outages", outages_json(r)) < 0 ||
	    json_object_set_new(out, "tests", tests_json(r)) < 0 ||
	    json_object_set(out, "rtt", rtt) < 0 ||
	    json_object_set_new(out, "timeline",
				json_pack("{s:o,s:O}", "line", band_json(r, &r->line), "paths",
					  tl_paths)) < 0)
		goto fail;
	json_decref(pav);
	json_decref(rtt);
	json_decref(tl_paths);
	return out;
fail:
	json_decref(out);
	json_decref(pav);
	json_decref(rtt);
	json_decref(tl_paths);
	return NULL;
}

/* Kinds that carry state: replayed from the beginning of the record so the
 * period starts in the right state. */
#define STATE_KINDS ((1ull << HL_EV_START) | (1ull << HL_EV_STOP) | (1ull << HL_EV_LINE_UP) | \
		     (1ull << HL_EV_LINE_DOWN) | (1ull << HL_EV_PATH_UP) |                   \
		     (1ull << HL_EV_PATH_DOWN))

hl_report *hl_report_begin(hl_store *st, const uint8_t line_id[32], const char *peer, int n_paths,
			   uint64_t since_ms, uint64_t now_ms)
{
	hl_report *rep;
	replay *r;

	if (!st || !line_id || !peer || n_paths < 0 || n_paths > (int)HL_MAX_ENDPOINTS ||
	    now_ms > (uint64_t)INT64_MAX)
		return NULL;
	rep = calloc(1, sizeof *rep);
	if (!rep)
		return NULL;
	r = &rep->r;
	if (since_ms > now_ms)
		since_ms = now_ms;
	r->st = st;
	memcpy(r->line_id, line_id, 32);
	snprintf(r->peer, sizeof r->peer, "%s", peer);
	r->since = since_ms;
	r->now = now_ms;
	r->n_paths = n_paths;
	r->last_ms = since_ms;
	r->line.start = since_ms;
	r->line.state = B_UNKNOWN;
	for (int i = 0; i < n_paths; i++) {
		r->path[i].start = since_ms;
		r->path[i].state = B_UNKNOWN;
	}
	set_cause(r->cause, "line down");
	hl_vec_init(&r->values, sizeof(double));
	return rep;
}

/* One page of events: 1 once the phase's span has been read. */
static int read_page(replay *r)
{
	int n = hl_store_events_page(r->st, r->line_id, r->phase == 0 ? r->since : r->now,
				     r->phase == 0 ? STATE_KINDS : 0, &r->after_ms, &r->after_id,
				     EVENTS_PAGE, on_event, r);
	if (n < 0)
		return n;
	if (r->err)
		return r->err;
	return n < (int)EVENTS_PAGE;
}

/* The next path's samples sorted for its percentiles: 1 when all are. */
static int sort_some(replay *r, const hl_budget *b)
{
	while (r->sorting_path < r->n_paths) {
		series *s = &r->rtt[r->sorting_path];
		if (!r->values.p && hl_vec_reserve(&r->values, s->n ? s->n : 1) < 0)
			return HL_ERR_NOMEM;
		/* The copy in steps too: touching megabytes of new memory at once
		 * costs milliseconds of page faults. */
		while (r->values.n < s->n) {
			size_t end = r->values.n + 8192 < s->n ? r->values.n + 8192 : s->n;
			for (size_t i = r->values.n; i < end; i++)
				((double *)r->values.p)[i] = s->p[i].v;
			r->values.n = end;
			if (hl_budget_spent(b))
				return 0;
		}
		int rc = hl_stepsort_vec(&r->sort, &r->values, cmp_double, NULL, b);
		if (rc <= 0)
			return rc;
		r->sorted[r->sorting_path++] = (double *)r->values.p;
		r->values.p = NULL; /* kept in sorted[] */
		hl_vec_init(&r->values, sizeof(double));
	}
	return 1;
}

int hl_report_step(hl_report *rep, const hl_budget *b)
{
	replay *r = &rep->r;
	int rc = 0;

	while (r->phase < 3) {
		if (r->phase < 2) {
			rc = read_page(r);
			if (rc == 1) {
				r->phase++;
				r->after_ms = r->phase == 1 ? r->since : 0;
				r->after_id = 0;
				if (r->phase == 2) {
					/* Close the open segments at now. */
					band_set(r, &r->line, r->now, -1, 0);
					for (int i = 0; i < r->n_paths; i++)
						band_set(r, &r->path[i], r->now, -1, 0);
					if (r->err)
						return r->err;
				}
			}
		} else {
			rc = sort_some(r, b);
			if (rc == 1)
				r->phase++;
		}
		if (rc < 0)
			return rc;
		if (r->phase < 3 && hl_budget_spent(b))
			return 0;
	}
	return 1;
}

json_t *hl_report_result(hl_report *rep)
{
	return rep && rep->r.phase == 3 ? build(&rep->r, rep->r.peer) : NULL;
}

void hl_report_free(hl_report *rep)
{
	if (!rep)
		return;
	replay *r = &rep->r;
	free(r->line.segs);
	for (int i = 0; i < (int)HL_MAX_ENDPOINTS; i++) {
		free(r->path[i].segs);
		free(r->rtt[i].p);
		free(r->sorted[i]);
	}
	free(r->outages);
	hl_vec_free(&r->values);
	hl_stepsort_free(&r->sort);
	free(rep);
}

json_t *hl_report_json(hl_store *st, const uint8_t line_id[32], const char *peer, int n_paths,
		       uint64_t since_ms, uint64_t now_ms)
{
	hl_report *rep = hl_report_begin(st, line_id, peer, n_paths, since_ms, now_ms);
	hl_budget forever = { UINT64_MAX };
	json_t *out = NULL;

	if (rep && hl_report_step(rep, &forever) == 1)
		out = hl_report_result(rep);
	hl_report_free(rep);
	return out;
}
