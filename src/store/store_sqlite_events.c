/* store_sqlite_events.c — the SQLite store's supervision rows (since schema version 2):
 * link events for the availability report, and open alarms that survive a restart. */
#include "store_sqlite_int.h"
#include "util/err.h"

#include <math.h>
#include <string.h>

#define KIND_MAX 63

static int kind_ok(int kind)
{
	return kind >= 1 && kind <= KIND_MAX;
}

static int path_ok(int path)
{
	return path >= -1 && path <= 255;
}

static int text_ok(const char *t)
{
	return !t || strnlen(t, HL_STORE_EVENT_TEXT_MAX + 1) <= HL_STORE_EVENT_TEXT_MAX;
}

static int bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (!t)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, t, (int)strlen(t), SQLITE_STATIC);
}

/* A column that must be NULL or a 32-byte blob; *out NULL for NULL. */
static int col_line(sqlite3_stmt *s, int i, const uint8_t **out)
{
	*out = NULL;
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return 0;
	*out = sqlite3_column_blob(s, i);
	return *out && sqlite3_column_bytes(s, i) == 32 ? 0 : HL_ERR_STORE;
}

/* NULL for a NULL column; text is NUL-terminated by SQLite. */
static const char *col_text(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(s, i);
}

int hl_store_put_event(hl_store *st, const hl_store_event *ev)
{
	sqlite3_stmt *s;
	int brc;

	if (!st || !ev || !kind_ok(ev->kind) || !path_ok(ev->path) || !isfinite(ev->value) ||
	    ev->time_ms > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	if (!text_ok(ev->text))
		return HL_ERR_TOOBIG;
	s = st->stmt[ST_EVENT_PUT];
	brc = ev->line_id ? sqlite3_bind_blob(s, 1, ev->line_id, 32, SQLITE_STATIC)
			  : sqlite3_bind_null(s, 1);
	if (brc != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, (sqlite3_int64)ev->time_ms) != SQLITE_OK ||
	    sqlite3_bind_int(s, 3, ev->kind) != SQLITE_OK ||
	    sqlite3_bind_int(s, 4, ev->path) != SQLITE_OK ||
	    sqlite3_bind_double(s, 5, ev->value) != SQLITE_OK ||
	    bind_text(s, 6, ev->text) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return hl_sq_run(st, s);
}

/* Range checks catch a hand-edited file before its values reach the report. */
static int event_row(sqlite3_stmt *s, hl_store_event *ev)
{
	sqlite3_int64 t = sqlite3_column_int64(s, 1);
	sqlite3_int64 kind = sqlite3_column_int64(s, 2);
	sqlite3_int64 path = sqlite3_column_int64(s, 3);

	if (col_line(s, 0, &ev->line_id) < 0 || t < 0 || kind < 1 || kind > KIND_MAX ||
	    path < -1 || path > 255)
		return HL_ERR_STORE;
	ev->time_ms = (uint64_t)t;
	ev->kind = (int)kind;
	ev->path = (int)path;
	ev->value = sqlite3_column_double(s, 4);
	ev->text = col_text(s, 5);
	ev->id = 0;
	return isfinite(ev->value) ? 0 : HL_ERR_STORE;
}

/* Hands each row of s to cb (those of kinds, 0 = all), counting them in
 * *n and keeping the position of the last in *after_ms, *after_id (when
 * given, s's 7th column is the id); resets s. cb's non-zero is returned. */
static int events_loop(hl_store *st, sqlite3_stmt *s, uint64_t kinds, uint64_t *after_ms,
		       int64_t *after_id, hl_store_event_cb cb, void *ctx, unsigned *n)
{
	int rc = 0;

	st->ev_walking = 1;
	for (;;) {
		hl_store_event ev;
		int src = sqlite3_step(s);

		if (src == SQLITE_DONE)
			break;
		if (src != SQLITE_ROW) {
			rc = HL_ERR_STORE;
			break;
		}
		rc = event_row(s, &ev);
		if (rc != 0)
			break;
		if (after_ms) {
			ev.id = sqlite3_column_int64(s, 6);
			*after_ms = ev.time_ms;
			*after_id = ev.id;
		}
		(*n)++;
		if (kinds == 0 || (kinds & (1ull << ev.kind)))
			rc = cb(ctx, &ev);
		if (rc != 0)
			break;
	}
	st->ev_walking = 0;
	hl_sq_done(s);
	return rc;
}

int hl_store_walk_events(hl_store *st, const uint8_t *line_id, uint64_t since_ms,
			 uint64_t until_ms, uint64_t kinds, hl_store_event_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	unsigned n = 0;

	if (!st || !line_id || !cb)
		return HL_ERR_INVAL;
	if (st->ev_walking)
		return HL_ERR_STATE;
	if (since_ms > (uint64_t)INT64_MAX)
		return 0;
	if (until_ms > (uint64_t)INT64_MAX)
		until_ms = (uint64_t)INT64_MAX;
	s = st->stmt[ST_EVENT_WALK];
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, (sqlite3_int64)since_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, (sqlite3_int64)until_ms) != SQLITE_OK ||
	    /* The bit pattern is what matters; SQLite's & works on int64. */
	    sqlite3_bind_int64(s, 4, (sqlite3_int64)kinds) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	return events_loop(st, s, 0, NULL, NULL, cb, ctx, &n);
}

/* Each source (the line's events, the station's) in the order of its index
 * (line, time_ms, then the rowid), a page of it, and the two merged: no
 * sort of the whole span, which the OR of the plain walk needs. The kinds
 * are filtered here, not in SQL, so that a page reads a bounded number of
 * rows even where the kinds asked for are rare. */
#define PAGE_OF(cond) \
	"SELECT * FROM (SELECT line, time_ms, kind, path, value, text, id FROM events" \
	" WHERE " cond " AND (time_ms, id)>(?2, ?3) AND time_ms<?4 ORDER BY time_ms, id LIMIT ?5)"

int hl_store_events_page(hl_store *st, const uint8_t *line_id, uint64_t until_ms,
			 uint64_t kinds, uint64_t *after_ms, int64_t *after_id, unsigned limit,
			 hl_store_event_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	unsigned n = 0;
	int rc;

	if (!st || !line_id || !cb || !after_ms || !after_id || limit == 0 || limit > INT32_MAX)
		return HL_ERR_INVAL;
	if (st->ev_walking)
		return HL_ERR_STATE;
	if (*after_ms > (uint64_t)INT64_MAX)
		return 0;
	if (until_ms > (uint64_t)INT64_MAX)
		until_ms = (uint64_t)INT64_MAX;
	s = hl_sq_lazy(st, HL_SQ_SLOT_EVENTS,
		       PAGE_OF("line=?1") " UNION ALL " PAGE_OF("line IS NULL") " ORDER BY 2, 7 LIMIT ?5");
	if (!s)
		return HL_ERR_STORE;
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, (sqlite3_int64)*after_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, *after_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, (sqlite3_int64)until_ms) != SQLITE_OK ||
	    sqlite3_bind_int(s, 5, (int)limit) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	rc = events_loop(st, s, kinds, after_ms, after_id, cb, ctx, &n);
	return rc != 0 ? rc : (int)n;
}

int hl_store_events_newest(hl_store *st, const uint8_t *line_id, uint64_t *ms)
{
	sqlite3_stmt *s;
	int rc = HL_ERR_STORE;

	if (ms)
		*ms = 0;
	if (!st || !line_id || !ms)
		return HL_ERR_INVAL;
	s = st->stmt[ST_EVENT_NEWEST];
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		sqlite3_int64 t = sqlite3_column_int64(s, 0);
		*ms = t > 0 ? (uint64_t)t : 0;
		rc = 0;
	}
	hl_sq_done(s);
	return rc;
}

static int alarm_key_ok(const uint8_t *line_id, int kind, int path)
{
	return line_id && kind_ok(kind) && path_ok(path);
}

static int bind_alarm_key(sqlite3_stmt *s, const uint8_t *line_id, int kind, int path)
{
	if (sqlite3_bind_blob(s, 1, line_id, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(s, 2, kind) != SQLITE_OK || sqlite3_bind_int(s, 3, path) != SQLITE_OK)
		return HL_ERR_STORE;
	return 0;
}

int hl_store_alarm_open(hl_store *st, const hl_store_alarm *a)
{
	sqlite3_stmt *s;

	if (!st || !a || !alarm_key_ok(a->line_id, a->kind, a->path) ||
	    a->since_ms > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	if (!text_ok(a->text))
		return HL_ERR_TOOBIG;
	s = st->stmt[ST_ALARM_OPEN];
	if (bind_alarm_key(s, a->line_id, a->kind, a->path) < 0 ||
	    sqlite3_bind_int64(s, 4, (sqlite3_int64)a->since_ms) != SQLITE_OK ||
	    bind_text(s, 5, a->text ? a->text : "") != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	if (hl_sq_run(st, s) < 0)
		return HL_ERR_STORE;
	return sqlite3_changes(st->db) == 1 ? 1 : 0;
}

int hl_store_alarm_clear(hl_store *st, const uint8_t *line_id, int kind, int path,
			 uint64_t cleared_ms)
{
	sqlite3_stmt *s;

	if (!st || !alarm_key_ok(line_id, kind, path) || cleared_ms > (uint64_t)INT64_MAX)
		return HL_ERR_INVAL;
	s = st->stmt[ST_ALARM_CLEAR];
	if (bind_alarm_key(s, line_id, kind, path) < 0 ||
	    sqlite3_bind_int64(s, 4, (sqlite3_int64)cleared_ms) != SQLITE_OK) {
		hl_sq_done(s);
		return HL_ERR_STORE;
	}
	if (hl_sq_run(st, s) < 0)
		return HL_ERR_STORE;
	return sqlite3_changes(st->db) == 1 ? 1 : 0;
}

int hl_store_alarm_walk_open(hl_store *st, hl_store_alarm_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc;

	if (!st || !cb)
		return HL_ERR_INVAL;
	if (st->ev_walking)
		return HL_ERR_STATE;
	s = st->stmt[ST_ALARM_WALK];
	st->ev_walking = 1;
	for (;;) {
		hl_store_alarm a;
		sqlite3_int64 kind, path, since;
		int src = sqlite3_step(s);

		if (src == SQLITE_DONE) {
			rc = 0;
			break;
		}
		rc = HL_ERR_STORE;
		if (src != SQLITE_ROW)
			break;
		kind = sqlite3_column_int64(s, 1);
		path = sqlite3_column_int64(s, 2);
		since = sqlite3_column_int64(s, 3);
		if (col_line(s, 0, &a.line_id) < 0 || !a.line_id || kind < 1 ||
		    kind > KIND_MAX || path < -1 || path > 255 || since < 0)
			break;
		a.kind = (int)kind;
		a.path = (int)path;
		a.since_ms = (uint64_t)since;
		a.text = col_text(s, 4);
		if (!a.text)
			a.text = "";
		rc = cb(ctx, &a);
		if (rc != 0)
			break;
	}
	st->ev_walking = 0;
	hl_sq_done(s);
	return rc;
}
