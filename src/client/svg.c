/* svg.c — the availability report as a self-contained SVG (no scripts, no
 * external references): state bands, outage markers, RTT chart, UTC axis. */
#include "svg.h"
#include "util/err.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define W          1000.0
#define X0         150.0    /* left edge of the plot; labels go left of it */
#define X1         980.0
#define BAND_Y     78.0
#define BAND_H     18.0
#define BAND_GAP   8.0
#define CHART_H    200.0
#define MAX_BANDS  9         /* the line and up to 8 paths */

static const char *const path_colors[] = {
	"#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
};

typedef struct {
	FILE *f;
	double since, now;     /* ms */
} ctx;

/* Text for XML content and attribute values: the five specials escaped and
 * control characters (not allowed in XML 1.0) made spaces. */
static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(c < 0x20 || c == 0x7f ? ' ' : c, f); break;
		}
	}
}

static double num(const json_t *o, const char *key, double dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

static const char *str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static double xpos(const ctx *c, double t)
{
	double span = c->now > c->since ? c->now - c->since : 1;

	if (t < c->since)
		t = c->since;
	if (t > c->now)
		t = c->now;
	return X0 + (X1 - X0) * (t - c->since) / span;
}

/* "2026-11-27 03:00" (UTC), or the date alone. */
static void utc(char *buf, size_t size, double ms, int date_only)
{
	time_t t = (time_t)(ms / 1000.0);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	strftime(buf, size, date_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M", &tm);
}

static const char *state_color(const char *s)
{
	if (strcmp(s, "up") == 0)
		return "#2ca02c";
	if (strcmp(s, "down") == 0)
		return "#d62728";
	if (strcmp(s, "stopped") == 0)
		return "#8b1a1a";
	if (strcmp(s, "crashed") == 0)
		return "#5a0f0f";
	return "#b8b8b8";
}

static void pct_label(char *buf, size_t size, const json_t *avail)
{
	const json_t *p = json_object_get(avail, "pct");

	if (json_is_number(p))
		snprintf(buf, size, "%.3f %%", json_number_value(p));
	else
		snprintf(buf, size, "no data");
}

static void band(const ctx *c, double y, const char *label, const json_t *avail,
		 const json_t *intervals)
{
	char pct[32];
	size_t i;
	const json_t *iv;

	pct_label(pct, sizeof pct, avail);
	fprintf(c->f, "<text x=\"10\" y=\"%.1f\" class=\"lbl\">", y + 13);
	esc(c->f, label);
	fprintf(c->f, " <tspan class=\"pct\">");
	esc(c->f, pct);
	fprintf(c->f, "</tspan></text>\n");
	/* Grey underneath: what no interval covers is unknown. */
	fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
		X0, y, X1 - X0, BAND_H, state_color("unknown"));
	json_array_foreach(intervals, i, iv) {
		double a = xpos(c, num(iv, "start_ms", 0)), b = xpos(c, num(iv, "end_ms", 0));
		const char *s = str(iv, "state", "unknown");

		if (b <= a)
			continue;
		/* At least a hairline, so a short outage stays visible. */
		fprintf(c->f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
			"fill=\"%s\"><title>", a, y, b - a < 0.5 ? 0.5 : b - a, BAND_H,
			state_color(s));
		esc(c->f, s);
		fprintf(c->f, "</title></rect>\n");
	}
}

static void outage_markers(const ctx *c, const json_t *outages, double y)
{
	size_t i;
	const json_t *o;

	json_array_foreach(outages, i, o) {
		double x = xpos(c, num(o, "start_ms", c->since));
		double dur = num(o, "duration_ms", 0) / 1000.0;
		char when[32];

		utc(when, sizeof when, num(o, "start_ms", c->since), 0);
		fprintf(c->f, "<path d=\"M%.2f %.1f l-5 -8 h10 z\" class=\"out\"><title>outage "
			"from %s UTC, %.0f s: ", x, y, when, dur);
		esc(c->f, str(o, "cause", ""));
		fprintf(c->f, "</title></path>\n");
	}
}

/* Tick spacing: the first step giving at most 8 ticks. */
static double tick_step(double span)
{
	static const double steps[] = {
		60e3, 300e3, 900e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3,
		86400e3, 2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 30 * 86400e3, 90 * 86400e3,
		365 * 86400e3,
	};

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (span / steps[i] <= 8)
			return steps[i];
	return span / 8;
}

static void time_axis(const ctx *c, double y_top, double y_axis)
{
	double step = tick_step(c->now - c->since);
	double t = ((uint64_t)(c->since / step) + 1) * step;
	char label[32];

	fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n",
		X0, y_axis, X1, y_axis);
	for (int n = 0; t < c->now && n < 16; t += step, n++) {
		double x = xpos(c, t);

		utc(label, sizeof label, t, step >= 86400e3);
		fprintf(c->f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
			"class=\"grid\"/>\n", x, y_top, x, y_axis + 4);
		fprintf(c->f, "<text x=\"%.2f\" y=\"%.1f\" class=\"tick\" "
			"text-anchor=\"middle\">%s</text>\n", x, y_axis + 16, label);
	}
	fprintf(c->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">UTC"
		"</text>\n", X1, y_axis + 30);
}

/* A round upper bound for the RTT axis: 1, 2 or 5 times a power of ten. */
static double nice_max(double v)
{
	double p = 1;

	if (!(v > 0))
		return 1;
	while (p * 10 <= v)
		p *= 10;
	while (p > v)
		p /= 10;
	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void rtt_chart(const ctx *c, const json_t *paths, double y0)
{
	double vmax = 0, y1 = y0 + CHART_H, prev_t = 0, gap = (c->now - c->since) / 100;
	size_t i, j, n_pts = 0;
	const json_t *p, *pt;

	json_array_foreach(paths, i, p) {
		json_array_foreach(json_object_get(p, "rtt"), j, pt) {
			double v = json_number_value(json_array_get(pt, 1));
			if (v > vmax)
				vmax = v;
			n_pts++;
		}
	}
	vmax = nice_max(vmax);
	fprintf(c->f, "<text x=\"10\" y=\"%.1f\" class=\"lbl\">round trip</text>\n", y0 + 13);
	for (int k = 0; k <= 4; k++) {
		double y = y1 - CHART_H * k / 4;
		fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"class=\"grid\"/>\n<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
			"text-anchor=\"end\">%g ms</text>\n", X0, y, X1, y, X0 - 6, y + 4,
			vmax * k / 4);
	}
	if (n_pts == 0)
		fprintf(c->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">"
			"no RTT samples in this period</text>\n", (X0 + X1) / 2, y0 + CHART_H / 2);
	json_array_foreach(paths, i, p) {
		const json_t *pts = json_object_get(p, "rtt");

		if (json_array_size(pts) == 0)
			continue;
		fprintf(c->f, "<path class=\"rtt\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"1.2\" d=\"", path_colors[i % 8]);
		json_array_foreach(pts, j, pt) {
			double t = json_number_value(json_array_get(pt, 0));
			double v = json_number_value(json_array_get(pt, 1));
			if (v < 0)
				v = 0;
			/* No line across a stretch without samples: the path was down. */
			fprintf(c->f, "%s%.2f %.2f", j == 0 || t - prev_t > gap ? "M" : " L",
				xpos(c, t), y1 - CHART_H * (v > vmax ? vmax : v) / vmax);
			prev_t = t;
		}
		fprintf(c->f, "\"/>\n");
	}
}

static void legend(const ctx *c, double y, size_t n_paths)
{
	static const char *const states[] = { "up", "down", "stopped", "crashed", "unknown" };
	double x = X0;

	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++, x += 90) {
		fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%s</text>\n", x, y, state_color(states[i]),
			x + 16, y + 10, states[i]);
	}
	for (size_t i = 0; i < n_paths && i < 8; i++, x += 70) {
		fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" class=\"tick\">path %zu"
			"</text>\n", x, y + 6, x + 14, y + 6, path_colors[i], x + 18, y + 10, i);
	}
}

int hl_svg_write(FILE *f, const json_t *report)
{
	const json_t *avail, *tl, *tl_paths, *av_paths, *p;
	char from[32], to[32], pct[32], label[32];
	double y, height;
	size_t n_bands, i;
	ctx c;

	if (!f || !json_is_object(report))
		return HL_ERR_INVAL;
	c.f = f;
	c.since = num(report, "since_ms", 0);
	c.now = num(report, "now_ms", c.since + 1);
	if (c.now <= c.since)
		c.now = c.since + 1;
	avail = json_object_get(report, "availability");
	av_paths = json_object_get(avail, "paths");
	tl = json_object_get(report, "timeline");
	tl_paths = json_object_get(tl, "paths");
	n_bands = 1 + (json_array_size(tl_paths) < MAX_BANDS - 1 ? json_array_size(tl_paths)
								 : MAX_BANDS - 1);
	y = BAND_Y + n_bands * (BAND_H + BAND_GAP);
	height = y + 40 + CHART_H + 60;
	utc(from, sizeof from, c.since, 0);
	utc(to, sizeof to, c.now, 0);
	pct_label(pct, sizeof pct, json_object_get(avail, "line"));

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n", W, height, W, height);
	fprintf(f, "<style>.lbl{font-size:12px;fill:#222}.pct{fill:#555}"
		".tick{font-size:10px;fill:#444}.grid{stroke:#ddd;stroke-width:1}"
		".axis{stroke:#444;stroke-width:1}.out{fill:#d62728}"
		".title{font-size:16px;font-weight:bold;fill:#111}</style>\n");
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	fprintf(f, "<text x=\"10\" y=\"24\" class=\"title\">hotline line to ");
	esc(f, str(report, "peer", "?"));
	fprintf(f, "</text>\n<text x=\"10\" y=\"44\" class=\"lbl\">%s to %s UTC; line available "
		"%s; %" PRId64 " outage(s)</text>\n", from, to, pct,
		(int64_t)num(report, "outages_total", 0));

	band(&c, BAND_Y, "line", json_object_get(avail, "line"), json_object_get(tl, "line"));
	outage_markers(&c, json_object_get(report, "outages"), BAND_Y - 2);
	for (i = 0; i + 1 < n_bands; i++) {
		p = json_array_get(tl_paths, i);
		snprintf(label, sizeof label, "path %zu", i);
		band(&c, BAND_Y + (double)(i + 1) * (BAND_H + BAND_GAP), label,
		     json_array_get(av_paths, i), json_object_get(p, "intervals"));
	}
	time_axis(&c, BAND_Y - 4, y);
	rtt_chart(&c, tl_paths, y + 40);
	time_axis(&c, y + 40, y + 40 + CHART_H);
	legend(&c, height - 22, n_bands - 1);
	fprintf(f, "</svg>\n");
	return ferror(f) ? HL_ERR_IO : 0;
}
