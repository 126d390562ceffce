/* console_view.c — draws the operator console with ncursesw: the line
 * status bar, the alarm banner, the inbox with precedence colours and ack
 * countdowns, the entry view, compose and the key help. Fits 80x24; every
 * piece of text is measured in columns (console_text.c) before it is put. */
#define NCURSES_WIDECHAR 1
#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"

enum {
	P_FLASH = 1, P_IMMEDIATE, P_PRIORITY, P_ROUTINE, P_UP, P_BAD, P_BANNER, P_EXERCISE, P_OK,
	P_WARN
};

#define MAX_STATUS_ROWS 4

/* Whether hl_con_view_setup's colours took: curses knows (COLOR_PAIRS is 0
 * until start_color succeeds), so no flag of our own. */
static int have_colours(void)
{
	return has_colors() && COLOR_PAIRS > P_WARN;
}

void hl_con_view_setup(void)
{
	if (!has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	init_pair(P_FLASH, COLOR_RED, -1);
	init_pair(P_IMMEDIATE, COLOR_YELLOW, -1);
	init_pair(P_PRIORITY, COLOR_CYAN, -1);
	init_pair(P_ROUTINE, -1, -1);
	init_pair(P_UP, COLOR_GREEN, -1);
	init_pair(P_BAD, COLOR_RED, -1);
	init_pair(P_BANNER, COLOR_WHITE, COLOR_RED);
	init_pair(P_EXERCISE, COLOR_MAGENTA, -1);
	init_pair(P_OK, COLOR_GREEN, -1);
	init_pair(P_WARN, COLOR_YELLOW, -1);
}

/* A string field of o, or dflt. */
static const char *sv(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static attr_t pair(int p)
{
	return have_colours() ? COLOR_PAIR(p) : A_NORMAL;
}

/* Puts UTF-8 text at (y, x) within cols columns; returns the columns used. */
static int put(int y, int x, int cols, const char *s, attr_t attr)
{
	wchar_t w[512];
	int used = 0;
	if (cols <= 0 || !s)
		return 0;
	size_t n = hl_con_widen(s, strlen(s), 0, w, sizeof w / sizeof w[0]);
	size_t k = hl_con_fit(w, n, cols, &used);
	attron(attr);
	mvaddnwstr(y, x, w, (int)k);
	attroff(attr);
	return used;
}

static void fill_row(int y, attr_t attr)
{
	attron(attr);
	mvhline(y, 0, ' ', COLS);
	attroff(attr);
}

static const char *prec_label(int p)
{
	static const char *const l[] = { "ROUTINE", "PRIORITY", "IMMEDIATE", "FLASH" };
	return p >= 0 && p <= 3 ? l[p] : "?";
}

static attr_t prec_attr(int p)
{
	switch (p) {
	case 3: return pair(P_FLASH) | A_BOLD;
	case 2: return pair(P_IMMEDIATE) | A_BOLD;
	case 1: return pair(P_PRIORITY);
	default: return pair(P_ROUTINE);
	}
}

static int status_rows(const hl_con_model *m)
{
	if (m->n_lines <= MAX_STATUS_ROWS)
		return m->n_lines ? m->n_lines : 1;
	return MAX_STATUS_ROWS;
}

int hl_con_list_rows(const hl_con_model *m)
{
	int r = LINES - 1 - (status_rows(m) + 3);
	return r > 0 ? r : 0;
}

static void draw_title(const hl_con_model *m, const hl_con_ui *ui)
{
	char t[160], clock[HL_RENDER_TIME_LEN];
	hl_render_time(ui->now_ms, clock, sizeof clock);
	clock[19] = '\0'; /* to the second */
	fill_row(0, A_REVERSE);
	snprintf(t, sizeof t, " HOTLINE %s", m->station[0] ? m->station : "");
	put(0, 0, COLS, t, A_REVERSE | A_BOLD);
	snprintf(t, sizeof t, "%sZ  ? help ", clock + 11);
	int w = (int)strlen(t);
	if (COLS > w + 20)
		put(0, COLS - w, w, t, A_REVERSE);
}

static void draw_line_status(int y, const hl_con_line *l)
{
	char t[200];
	int x = 1, up = strcmp(l->state, "up") == 0;
	x += put(y, x, 14, l->peer, A_BOLD) + 1;
	if (x < 16)
		x = 16;
	snprintf(t, sizeof t, "%-10s", l->state);
	for (char *p = t; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	x += put(y, x, 11, t, (up ? pair(P_UP) : pair(P_BAD)) | A_BOLD);
	if (l->active_path >= 0)
		snprintf(t, sizeof t, "path %d %s", l->active_path, l->endpoint);
	else
		snprintf(t, sizeof t, "no path");
	x += put(y, x, 28, t, A_NORMAL);
	x = x < 55 ? 55 : x + 1;
	if (l->rtt_ms >= 0)
		snprintf(t, sizeof t, "RTT %.1f ms", l->rtt_ms);
	else
		snprintf(t, sizeof t, "RTT -");
	put(y, x, 14, t, A_NORMAL);
	x += 14;
	/* Queued drafts are not yet in the record: that needs attention too. */
	if (l->n_alarms && l->queued > 0)
		snprintf(t, sizeof t, "ALARMS %d: %s  %lld QUEUED, NOT SIGNED", l->n_alarms, l->alarms,
			 l->queued);
	else if (l->n_alarms)
		snprintf(t, sizeof t, "ALARMS %d: %s", l->n_alarms, l->alarms);
	else if (l->queued > 0)
		snprintf(t, sizeof t, "%lld QUEUED, NOT YET SIGNED", l->queued);
	else
		snprintf(t, sizeof t, "no alarms");
	put(y, x, COLS - x, t, l->n_alarms || l->queued > 0 ? pair(P_BAD) | A_BOLD : pair(P_OK));
}

static void draw_status(const hl_con_model *m)
{
	int rows = status_rows(m);
	if (m->n_lines == 0) {
		put(1, 1, COLS - 2, "no peers configured", A_NORMAL);
		return;
	}
	int shown = m->n_lines <= rows ? m->n_lines : rows - 1;
	for (int i = 0; i < shown; i++)
		draw_line_status(1 + i, &m->lines[i]);
	if (shown < m->n_lines) {
		int down = 0, alarms = 0;
		for (int i = shown; i < m->n_lines; i++) {
			down += strcmp(m->lines[i].state, "up") != 0;
			alarms += m->lines[i].n_alarms;
		}
		char t[120];
		snprintf(t, sizeof t, "+%d more lines: %d not up, %d alarms", m->n_lines - shown, down,
			 alarms);
		put(1 + shown, 1, COLS - 2, t, down || alarms ? pair(P_BAD) | A_BOLD : A_NORMAL);
	}
}

static int has_new_flash(const hl_con_model *m, const char *ref)
{
	for (int i = 0; i < m->n_new_flash; i++)
		if (strcmp(m->new_flash[i], ref) == 0)
			return 1;
	return 0;
}

/* What needs a person now, most urgent first: the daemon gone, overdue
 * acks, a FLASH waiting for its ack, then the lines' own alarms. */
static void draw_banner(int y, const hl_con_model *m, const hl_con_ui *ui)
{
	char t[400];
	const hl_con_entry *first = NULL;
	int over = hl_con_overdue(m, ui->now_ms, &first);
	const hl_con_entry *flash = NULL;
	for (size_t i = 0; i < m->n_entries && !flash; i++) {
		const hl_con_entry *e = &m->entries[i];
		if (e->prec == 3 && (e->ack == HL_CON_ACK_WAITING || e->ack == HL_CON_ACK_OVERDUE ||
				     (e->ack == HL_CON_ACK_NONE && has_new_flash(m, e->ref))))
			flash = e;
	}
	int line_alarms = 0;
	for (int i = 0; i < m->n_lines; i++)
		line_alarms += m->lines[i].n_alarms;
	if (!m->connected)
		snprintf(t, sizeof t, " daemon not reachable: %s - retrying", m->error);
	else if (over)
		snprintf(t, sizeof t, " !! ACK OVERDUE: %d entr%s - oldest %s - select it, press a", over,
			 over == 1 ? "y" : "ies", first->ref);
	else if (flash)
		snprintf(t, sizeof t, " !! FLASH from %s - unacknowledged - select it, press a",
			 flash->ref);
	else if (line_alarms)
		snprintf(t, sizeof t, " ALARM: %d open on the lines (see status bar)", line_alarms);
	else
		return;
	attr_t a = (!m->connected || over || flash) ? pair(P_BANNER) | A_BOLD :
						     pair(P_WARN) | A_BOLD | A_REVERSE;
	if (!have_colours())
		a = A_REVERSE | A_BOLD;
	fill_row(y, a);
	put(y, 0, COLS, t, a);
}

static void ack_label(const hl_con_entry *e, int64_t now, char *out, size_t len, attr_t *attr)
{
	char d[24];
	*attr = A_NORMAL;
	switch (hl_con_ack_now(e, now)) {
	case HL_CON_ACK_WAITING:
		hl_con_duration(e->due_ms > now ? e->due_ms - now : 0, d, sizeof d);
		snprintf(out, len, "ACK %s", e->due_ms ? d : "due");
		*attr = e->prec >= 2 ? pair(P_WARN) | A_BOLD : pair(P_WARN);
		break;
	case HL_CON_ACK_OVERDUE:
		hl_con_duration(e->due_ms ? now - e->due_ms : 0, d, sizeof d);
		snprintf(out, len, "OVERDUE %s", d);
		*attr = pair(P_BAD) | A_BOLD;
		break;
	case HL_CON_ACK_ACKED:
		snprintf(out, len, "acked");
		*attr = pair(P_OK);
		break;
	default:
		out[0] = '\0';
	}
}

/* The line's text to show in the list: the form's title, else the text. */
static const char *summary(const json_t *o)
{
	const char *title = json_string_value(json_object_get(json_object_get(o, "form"), "title"));
	const char *text = json_string_value(json_object_get(o, "text"));
	return title ? title : text ? text : "";
}

static void draw_entry_row(int y, const hl_con_entry *e, int selected, int64_t now)
{
	const json_t *o = e->json;
	char t[HL_RENDER_TIME_LEN + 8], ack[40];
	attr_t aa, sel = selected ? A_REVERSE : A_NORMAL;
	if (selected)
		fill_row(y, A_REVERSE);
	int x = 0;
	put(y, x, 1, selected ? ">" : " ", sel);
	x = 1;
	put(y, x, 9, prec_label(e->prec), prec_attr(e->prec) | sel);
	x = 11;
	hl_render_time(json_integer_value(json_object_get(o, "stored_ms")), t, sizeof t);
	t[19] = '\0';
	put(y, x, 8, t + 11, sel);
	x = 20;
	put(y, x, 14, e->ref, sel);
	x = 35;
	ack_label(e, now, ack, sizeof ack, &aa);
	put(y, x, 15, ack, aa | sel);
	x = 51;
	if (e->exercise)
		x += put(y, x, 4, "EX ", pair(P_EXERCISE) | A_BOLD | sel);
	const json_t *att = json_object_get(o, "attachment");
	if (att) {
		const char *st = json_string_value(json_object_get(att, "state"));
		x += put(y, x, 6, st && strcmp(st, "complete") == 0 ? "[+F] " : "[..] ", sel);
	}
	put(y, x, COLS - x, summary(o), sel);
}

static void draw_list(const hl_con_model *m, hl_con_ui *ui)
{
	int y0 = status_rows(m) + 1;
	draw_banner(y0, m, ui);
	put(y0 + 1, 1, COLS - 1, "PRECEDENCE RECEIVED ENTRY          ACK             TEXT",
	    A_UNDERLINE | A_BOLD);
	int rows = hl_con_list_rows(m);
	if (m->n_entries == 0) {
		put(y0 + 2, 2, COLS - 3, m->connected ? "(inbox empty)" : "", A_NORMAL);
		return;
	}
	if (ui->sel >= m->n_entries)
		ui->sel = m->n_entries - 1;
	if (ui->sel < ui->top)
		ui->top = ui->sel;
	if (rows > 0 && ui->sel >= ui->top + (size_t)rows)
		ui->top = ui->sel - (size_t)rows + 1;
	for (int r = 0; r < rows && ui->top + (size_t)r < m->n_entries; r++) {
		size_t i = ui->top + (size_t)r;
		draw_entry_row(y0 + 2 + r, &m->entries[i], i == ui->sel, ui->now_ms);
	}
}

/* ---- the entry view: a document of wrapped rows, scrolled ---- */

typedef struct {
	int y, skip, end; /* next screen row, rows still to skip, last usable row */
	int total;        /* rows the document has */
} doc;

/* multi: the text may run over lines (a message, a form value, a
 * translation: shown indented under their header); else one line, where a
 * peer's newline or bidi control could fake a header of ours. */
static void doc_text_as(doc *d, const char *s, attr_t attr, int indent, int multi)
{
	if (!s)
		return;
	size_t len = strlen(s);
	wchar_t *w = malloc((len + 1) * sizeof *w);
	if (!w)
		return;
	size_t n = hl_con_widen(s, len, multi, w, len + 1), i = 0, eol;
	int cols = COLS - 1 - indent;
	if (cols < 10)
		cols = 10;
	do {
		eol = i;
		while (eol < n && w[eol] != L'\n')
			eol++;
		do { /* wrap the paragraph w[i..eol) */
			size_t k = hl_con_fit(w + i, eol - i, cols, NULL);
			if (k == 0 && eol > i)
				k = 1;
			if (d->skip > 0) {
				d->skip--;
			} else if (d->y <= d->end) {
				attron(attr);
				mvaddnwstr(d->y, indent, w + i, (int)k);
				attroff(attr);
				d->y++;
			}
			d->total++;
			i += k;
		} while (i < eol);
		i = eol + 1;
	} while (eol < n);
	free(w);
}

static void doc_text(doc *d, const char *s, attr_t attr, int indent)
{
	doc_text_as(d, s, attr, indent, 0);
}

static void doc_body(doc *d, const char *s, attr_t attr)
{
	doc_text_as(d, s, attr, 3, 1);
}

static void doc_kv(doc *d, const char *k, const char *v, attr_t attr)
{
	char t[1200];
	snprintf(t, sizeof t, "%-12s %s", k, v ? v : "");
	doc_text(d, t, attr, 1);
}

static void doc_time(doc *d, const char *k, const json_t *v)
{
	char t[HL_RENDER_TIME_LEN];
	if (!json_is_integer(v))
		return;
	hl_render_time(json_integer_value(v), t, sizeof t);
	doc_kv(d, k, t, A_NORMAL);
}

static void doc_ack(doc *d, const hl_con_entry *e, int64_t now)
{
	const json_t *ack = json_object_get(e->json, "ack");
	char t[300], lbl[40];
	attr_t a;
	if (!ack) {
		doc_kv(d, "ack", "(this daemon keeps no ack state)", A_DIM);
		return;
	}
	ack_label(e, now, lbl, sizeof lbl, &a);
	const char *by = json_string_value(json_object_get(ack, "by"));
	snprintf(t, sizeof t, "%s%s%s", lbl, by ? " by " : "", by ? by : "");
	doc_kv(d, "ack", t, a);
	doc_time(d, "acked at", json_object_get(ack, "at_ms"));
	doc_time(d, "ack due", json_object_get(ack, "due_ms"));
}

static void doc_extras(doc *d, const json_t *o)
{
	char t[600];
	const json_t *form = json_object_get(o, "form"), *v;
	size_t i;
	if (form) {
		snprintf(t, sizeof t, "FORM %s (%s v%lld)",
			 sv(form, "title", ""),
			 sv(form, "name", "?"),
			 (long long)json_integer_value(json_object_get(form, "version")));
		doc_text(d, "", A_NORMAL, 1);
		doc_text(d, t, A_BOLD, 1);
		json_array_foreach(json_object_get(form, "fields"), i, v) {
			const char *label = json_string_value(json_object_get(v, "label"));
			const char *val = json_string_value(json_object_get(v, "value"));
			snprintf(t, sizeof t, "%s: %s",
				 label ? label : sv(v, "name", "?"),
				 val ? val : "");
			doc_body(d, t, A_NORMAL);
		}
	}
	json_array_foreach(json_object_get(o, "translations"), i, v) {
		const char *cert = json_string_value(json_object_get(v, "certified_by"));
		snprintf(t, sizeof t, "TRANSLATION [%s] by %s, %s%s",
			 sv(v, "lang", "?"),
			 sv(v, "translator", "?"),
			 cert ? "certified by " : "NOT CERTIFIED", cert ? cert : "");
		doc_text(d, "", A_NORMAL, 1);
		doc_text(d, t, cert ? A_BOLD : pair(P_WARN) | A_BOLD, 1);
		doc_body(d, json_string_value(json_object_get(v, "text")), A_NORMAL);
	}
	const json_t *att = json_object_get(o, "attachment");
	if (att) {
		snprintf(t, sizeof t, "ATTACHMENT %s, %lld of %lld bytes, %s",
			 sv(att, "name", "?"),
			 (long long)json_integer_value(json_object_get(att, "have")),
			 (long long)json_integer_value(json_object_get(att, "size")),
			 sv(att, "state", "?"));
		doc_text(d, "", A_NORMAL, 1);
		doc_text(d, t, A_BOLD, 1);
	}
}

static void draw_entry(const hl_con_model *m, hl_con_ui *ui)
{
	if (ui->sel >= m->n_entries) {
		ui->mode = HL_CON_LIST;
		return;
	}
	const hl_con_entry *e = &m->entries[ui->sel];
	const json_t *o = e->json;
	char t[300];
	int y0 = status_rows(m) + 1;
	draw_banner(y0, m, ui);
	snprintf(t, sizeof t, " %s  %s  %s", e->ref, prec_label(e->prec),
		 sv(o, "kind", ""));
	fill_row(y0 + 1, A_BOLD | A_UNDERLINE);
	put(y0 + 1, 0, COLS, t, prec_attr(e->prec) | A_BOLD | A_UNDERLINE);
	doc d = { .y = y0 + 2, .skip = ui->scroll, .end = LINES - 2 };
	if (e->exercise)
		doc_text(&d, "*** EXERCISE - NOT A REAL MESSAGE ***", pair(P_EXERCISE) | A_BOLD, 1);
	doc_kv(&d, "from", json_string_value(json_object_get(o, "operator")), A_NORMAL);
	doc_kv(&d, "language", json_string_value(json_object_get(o, "lang")), A_NORMAL);
	doc_time(&d, "sent", json_object_get(o, "time_ms"));
	doc_time(&d, "received", json_object_get(o, "stored_ms"));
	doc_kv(&d, "id", json_string_value(json_object_get(o, "id")), A_DIM);
	const json_t *rc = json_object_get(o, "receipted");
	if (rc)
		doc_kv(&d, "receipt", json_is_true(rc) ? "the peer's signed receipt covers it" :
				      "not yet receipted by the peer", A_NORMAL);
	else
		doc_kv(&d, "receipt", "stored here; our receipt goes back to the peer", A_NORMAL);
	doc_ack(&d, e, ui->now_ms);
	doc_text(&d, "", A_NORMAL, 1);
	doc_text(&d, "ORIGINAL", A_BOLD, 1);
	doc_body(&d, json_string_value(json_object_get(o, "text")), A_NORMAL);
	doc_extras(&d, o);
	ui->scroll_max = d.total > 1 ? d.total - 1 : 0;
}

/* ---- compose ---- */

static void draw_compose(const hl_con_model *m, hl_con_ui *ui)
{
	static const char *const prec[] = { "routine", "priority", "immediate", "flash" };
	char t[200];
	int y = status_rows(m) + 1;
	draw_banner(y, m, ui);
	y++;
	fill_row(y, A_BOLD | A_UNDERLINE);
	put(y++, 1, COLS - 2, "COMPOSE a message", A_BOLD | A_UNDERLINE);
	y++;
	const char *peer = m->n_lines ? m->lines[ui->c_peer % m->n_lines].peer : "(no peer)";
	const char *labels[] = { "To", "Precedence", "Exercise", "Text" };
	for (int f = 0; f < HL_CON_F_N; f++) {
		attr_t focus = ui->c_field == f ? A_REVERSE : A_NORMAL;
		put(y, 2, 12, labels[f], A_BOLD);
		if (f == HL_CON_F_PEER)
			snprintf(t, sizeof t, "< %s >", peer);
		else if (f == HL_CON_F_PREC)
			snprintf(t, sizeof t, "< %s >", prec_label(ui->c_prec));
		else if (f == HL_CON_F_EXERCISE)
			snprintf(t, sizeof t, "%s", ui->c_exercise ? "[x] EXERCISE" : "[ ] no (a real message)");
		if (f != HL_CON_F_TEXT) {
			attr_t a = f == HL_CON_F_PREC ? prec_attr(ui->c_prec) : A_NORMAL;
			put(y++, 15, COLS - 16, t, a | focus);
			continue;
		}
		/* The text, wrapped to the width, its end kept in view. */
		int cols = COLS - 16, rows = LINES - 2 - y;
		if (cols < 10 || rows < 1)
			break;
		int nrows = 0;
		size_t starts[256], i = 0;
		do {
			if (nrows < 256)
				starts[nrows++] = i;
			size_t k = hl_con_fit(ui->c_text + i, ui->c_len - i, cols - 1, NULL);
			i += k ? k : 1;
		} while (i < ui->c_len);
		int first = nrows > rows ? nrows - rows : 0;
		for (int r = first; r < nrows; r++) {
			size_t s0 = starts[r], s1 = r + 1 < nrows ? starts[r + 1] : ui->c_len;
			attron(focus);
			mvhline(y + r - first, 15, ' ', cols);
			mvaddnwstr(y + r - first, 15, ui->c_text + s0, (int)(s1 - s0));
			attroff(focus);
		}
		(void)prec;
	}
	put(LINES - 1, 0, COLS,
	    " Tab next field  <-/-> change  Enter send  Esc cancel  Ctrl-U clear text", A_REVERSE);
}

static void draw_help(void)
{
	static const char *const rows[] = {
		"KEYS",
		"",
		"Up/Down, k/j   select an entry     PgUp/PgDn  a page",
		"Enter          open the entry (Esc or q back; Up/Down scroll)",
		"a              acknowledge the selected entry (one key)",
		"c              compose: Tab moves between fields, Left/Right",
		"               change peer, precedence and exercise, Enter sends",
		"r              re-read status and inbox now",
		"?              this help (any key closes it)",
		"q              quit (Esc in a view goes back)",
		"",
		"Colours: FLASH red, IMMEDIATE yellow, PRIORITY cyan.",
		"ACK m:ss counts down to the ack deadline; OVERDUE m:ss",
		"counts up after it. A new FLASH or an overdue ack rings",
		"the bell and shows the red banner until acknowledged.",
	};
	int n = (int)(sizeof rows / sizeof rows[0]), w = 66;
	int h = n + 2, y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	if (y0 < 0)
		y0 = 0;
	if (x0 < 0)
		x0 = 0;
	for (int r = 0; r < h && y0 + r < LINES; r++) {
		attron(A_REVERSE);
		mvhline(y0 + r, x0, ' ', w < COLS ? w : COLS);
		attroff(A_REVERSE);
		if (r > 0 && r <= n)
			put(y0 + r, x0 + 2, w - 4, rows[r - 1], A_REVERSE | (r == 1 ? A_BOLD : 0));
	}
}

static void draw_footer(const hl_con_ui *ui)
{
	const char *keys = ui->mode == HL_CON_ENTRY ?
				   " a ack  Up/Down scroll  Esc back  ? help  q quit" :
				   " Enter view  a ack  c compose  r refresh  ? help  q quit";
	fill_row(LINES - 1, A_REVERSE);
	if (ui->msg[0] && ui->now_ms < ui->msg_until_ms)
		put(LINES - 1, 1, COLS - 2, ui->msg, A_REVERSE | A_BOLD);
	else
		put(LINES - 1, 0, COLS, keys, A_REVERSE);
}

void hl_con_draw(const hl_con_model *m, hl_con_ui *ui)
{
	erase();
	if (LINES < 10 || COLS < 40) {
		put(0, 0, COLS, "terminal too small for the console (80x24 is enough)", A_BOLD);
		refresh();
		return;
	}
	draw_title(m, ui);
	draw_status(m);
	if (ui->mode == HL_CON_ENTRY)
		draw_entry(m, ui);
	if (ui->mode == HL_CON_LIST)
		draw_list(m, ui);
	if (ui->mode == HL_CON_COMPOSE)
		draw_compose(m, ui);
	else
		draw_footer(ui);
	if (ui->help)
		draw_help();
	refresh();
}
