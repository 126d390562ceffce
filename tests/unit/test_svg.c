/* test_svg.c — the report picture: well-formed (one <svg> root, balanced
 * tags, only known entities), text escaped, no scripts or external references,
 * the bands and outages drawn from the report, hostile input survived. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "line/events.h"
#include "station/report.h"
#include "store/store.h"
#include "client/svg.h"
#include "testutil.h"

#define T0 1800000000000ull
#define S(x) (T0 + (uint64_t)(x) * 1000u)

/* The picture in memory, NUL-terminated; the caller frees it. */
static char *render(const json_t *report, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = hl_svg_write(f, report);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

/* A small XML checker: every tag closed in order, attribute values quoted,
 * '&' only in the five predefined entities, '<' only opening a tag. */
static void assert_well_formed(const char *s)
{
	char stack[64][32];
	int depth = 0, roots = 0;
	const char *p = s;

	assert_true(strncmp(s, "<svg", 4) == 0);
	while (*p) {
		if (*p == '&') {
			assert_true(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
				    strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
				    strncmp(p, "&apos;", 6) == 0);
			p++;
			continue;
		}
		if (*p != '<') {
			assert_true(*p != '>');
			p++;
			continue;
		}
		int closing = p[1] == '/';
		const char *name = p + 1 + closing, *e = name;
		while (*e && *e != ' ' && *e != '>' && *e != '/' && *e != '\n')
			e++;
		assert_true(e > name && e - name < 32);
		/* to the end of the tag, skipping quoted attribute values */
		const char *q = e;
		int in_quote = 0;
		while (*q && (in_quote || *q != '>')) {
			if (*q == '"')
				in_quote = !in_quote;
			assert_true(in_quote || *q != '<');
			if (in_quote)
				assert_true(*q != '<');
			q++;
		}
		assert_int_equal(*q, '>');
		if (closing) {
			assert_true(depth > 0);
			depth--;
			assert_int_equal(strlen(stack[depth]), (size_t)(e - name));
			assert_memory_equal(stack[depth], name, (size_t)(e - name));
		} else if (q[-1] != '/') {
			if (depth == 0)
				roots++;
			assert_true(depth < 64);
			memcpy(stack[depth], name, (size_t)(e - name));
			stack[depth][e - name] = '\0';
			depth++;
		}
		p = q + 1;
	}
	assert_int_equal(depth, 0);
	assert_int_equal(roots, 1);
}

static void assert_self_contained(const char *svg)
{
	assert_null(strstr(svg, "<script"));
	assert_null(strstr(svg, "href"));
	assert_null(strstr(svg, "url("));
	assert_null(strstr(svg, "@import"));
	assert_null(strstr(svg, " on"));  /* no event handler attributes */
}

static void test_escapes_and_shape(void **state)
{
	json_t *r;
	char *svg;
	int rc;

	(void)state;
	r = json_pack("{s:b,s:s,s:I,s:I,s:I,"
		      "s:{s:{s:f},s:[{s:f},{s:n}]},"
		      "s:[{s:I,s:I,s:I,s:s},{s:I,s:n,s:I,s:s}],"
		      "s:{s:[{s:I,s:I,s:s},{s:I,s:I,s:s}],"
		      "s:[{s:i,s:[{s:I,s:I,s:s}],s:[[I,f],[I,f],[I,f]]},{s:i,s:[],s:[]}]}}",
		      "ok", 1, "peer", "<Mos&cow \"x\">", "since_ms", (json_int_t)S(0), "now_ms",
		      (json_int_t)S(86400), "outages_total", (json_int_t)2,
		      "availability", "line", "pct", 99.5, "paths", "pct", 98.25, "pct",
		      "outages", "start_ms", (json_int_t)S(3600), "end_ms", (json_int_t)S(3700),
		      "duration_ms", (json_int_t)100000, "cause", "cut </svg> & <script>",
		      "start_ms", (json_int_t)S(80000), "end_ms", "duration_ms",
		      (json_int_t)6400000, "cause", "line down\x01",
		      "timeline", "line", "start_ms", (json_int_t)S(0), "end_ms", (json_int_t)S(3600),
		      "state", "up", "start_ms", (json_int_t)S(3600), "end_ms",
		      (json_int_t)S(3700), "state", "down",
		      "paths", "path", 0, "intervals", "start_ms", (json_int_t)S(0), "end_ms",
		      (json_int_t)S(86400), "state", "up", "rtt", (json_int_t)S(10), 12.5,
		      (json_int_t)S(20), 80.0, (json_int_t)S(40000), 30.0, "path", 1, "intervals", "rtt");
	assert_non_null(r);
	svg = render(r, &rc);
	assert_int_equal(rc, 0);
	assert_well_formed(svg);
	assert_self_contained(svg);
	assert_non_null(strstr(svg, "&lt;Mos&amp;cow &quot;x&quot;&gt;"));
	assert_null(strstr(svg, "<Mos"));
	assert_non_null(strstr(svg, "cut &lt;/svg&gt; &amp; &lt;script&gt;"));
	assert_null(strstr(svg, "\x01"));
	assert_non_null(strstr(svg, "99.500 %"));
	assert_non_null(strstr(svg, "98.250 %"));
	assert_non_null(strstr(svg, "no data"));  /* path 1 has no figure */
	assert_non_null(strstr(svg, "2027-01-15 08:00 to 2027-01-16 08:00 UTC"));
	assert_int_equal(tu_count(svg, "class=\"out\""), 2);
	assert_int_equal(tu_count(svg, "class=\"rtt\""), 1);
	assert_int_equal(tu_count(svg, "#d62728\"><title>down"), 1);
	/* the hours without samples are a gap in the line, not a slope */
	{
		const char *d = strstr(strstr(svg, "class=\"rtt\""), " d=\"") + 4;
		int moves = 0, lines = 0;

		for (; *d != '"'; d++) {
			moves += *d == 'M';
			lines += *d == 'L';
		}
		assert_int_equal(moves, 2);
		assert_int_equal(lines, 1);
	}
	free(svg);
	json_decref(r);
}

static void test_hostile_report(void **state)
{
	json_t *r;
	char *svg;
	int rc;

	(void)state;
	/* wrong types everywhere, now before since: drawn as absent */
	r = json_pack("{s:i,s:s,s:i,s:s,s:[i],s:{s:s,s:{s:i}}}", "peer", 5, "since_ms", "x",
		      "now_ms", -5, "availability", "y", "outages", 3, "timeline", "line", "z",
		      "paths", "rtt", 1);
	svg = render(r, &rc);
	assert_int_equal(rc, 0);
	assert_well_formed(svg);
	assert_non_null(strstr(svg, "no RTT samples"));
	free(svg);
	json_decref(r);
	r = json_array();
	svg = render(r, &rc);
	assert_int_equal(rc, HL_ERR_INVAL);
	free(svg);
	json_decref(r);
}

/* A real report, from events through the store, draws every band. */
static void test_from_store(void **state)
{
	char dir[256], path[300], err[256];
	hl_store *st = NULL;
	uint8_t line[32];
	json_t *r;
	char *svg;
	int rc;

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof dir, "svg"), 0);
	snprintf(path, sizeof path, "%s/hotline.db", dir);
	assert_int_equal(hl_store_open(path, &st, err, sizeof err), 0);
	randombytes_buf(line, 32);
	assert_int_equal(hl_events_record(st, NULL, S(0), HL_EV_START, -1, 0, NULL), 0);
	assert_int_equal(hl_events_record(st, line, S(1), HL_EV_PATH_UP, 0, 0, NULL), 0);
	assert_int_equal(hl_events_record(st, line, S(1), HL_EV_LINE_UP, 0, 0, NULL), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(hl_events_record(st, line, S(10 + i * 10), HL_EV_RTT, 0,
						  20 + i % 7, NULL), 0);
	assert_int_equal(hl_events_record(st, line, S(300), HL_EV_LINE_DOWN, -1, 0, "cut"), 0);
	r = hl_report_json(st, line, "moscow", 2, S(0), S(600));
	assert_non_null(r);
	svg = render(r, &rc);
	assert_int_equal(rc, 0);
	assert_well_formed(svg);
	assert_self_contained(svg);
	assert_non_null(strstr(svg, ">path 1 "));
	assert_int_equal(tu_count(svg, "class=\"out\""), 2);
	assert_int_equal(tu_count(svg, "class=\"rtt\""), 1);
	free(svg);
	json_decref(r);
	hl_store_close(st);
	tu_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_and_shape),
		cmocka_unit_test(test_hostile_report),
		cmocka_unit_test(test_from_store),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
