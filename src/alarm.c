/* alarm.c — open alarms in memory and in the store; each raise and each clear
 * runs AlarmCommand once (uv_spawn, no shell), killed if it hangs. */
#include "alarm.h"
#include "err.h"
#include "events.h"
#include "limits.h"
#include "log.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A pager script that hangs must not pile up: it gets this long. */
#define KILL_AFTER_MS 30000u
/* 64 peers x 9 paths x 7 kinds is 4032 (the other kinds are one per line);
 * more means a bug upstream. */
#define ALARMS_MAX 4096u
/* Alarm texts are our own sentences; the event adds "kind: " in front. */
#define ALARM_TEXT_MAX 512u
#define ENV_VAL_MAX (ALARM_TEXT_MAX + 64u)

typedef struct {
	uint8_t line[32];
	int kind;
	int path;
	uint64_t since_ms;
	char text[ALARM_TEXT_MAX + 1];
} open_alarm;

/* One running AlarmCommand. Freed when both handles are closed, which may be
 * after hl_alarms_free (owner is then NULL). */
typedef struct child {
	uv_process_t proc;
	uv_timer_t timer;
	int handles;              /* not yet closed */
	int closing;
	char what[96];            /* "line-down raised", for the log */
	struct hl_alarms *owner;
	struct child *prev, *next;
} child;

struct hl_alarms {
	uv_loop_t *loop;
	hl_store *st;
	char command[HL_MAX_PATH + 1];
	char station[HL_MAX_NAME + 1];
	open_alarm *open;
	size_t n_open, cap;
	child *children;
	int running;
	uint64_t kill_after_ms;
};

static const char *const kind_names[HL_ALARM_KIND_MAX + 1] = {
	[HL_ALARM_LINE_DOWN] = "line-down",
	[HL_ALARM_PATH_DOWN] = "path-down",
	[HL_ALARM_TEST_MISSED] = "test-missed",
	[HL_ALARM_NO_RECEIPT] = "no-receipt",
	[HL_ALARM_EQUIVOCATION] = "equivocation",
	[HL_ALARM_CLOCK_SKEW] = "clock-skew",
	[HL_ALARM_STORE] = "store",
	[HL_ALARM_QUOTA] = "quota",
	[HL_ALARM_ACK_OVERDUE] = "ack-overdue",
	[HL_ALARM_UNACKED] = "unacknowledged",
	[HL_ALARM_CHECKIN_MISSED] = "checkin-missed",
	[HL_ALARM_ATTACHMENT] = "attachment",
	[HL_ALARM_CLOCK_STEP] = "clock-step",
	[HL_ALARM_LOCAL_CLOCK_STEP] = "local-clock-step",
};

static const uint8_t station_line[32];

const char *hl_alarm_kind_name(int kind)
{
	if (kind < 1 || kind > HL_ALARM_KIND_MAX || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int key_ok(int kind, int path)
{
	return kind >= 1 && kind <= HL_ALARM_KIND_MAX && path >= -1 && path < (int)HL_MAX_ENDPOINTS;
}

static open_alarm *find(const hl_alarms *a, const uint8_t *line, int kind, int path)
{
	if (!line)
		line = station_line;
	for (size_t i = 0; i < a->n_open; i++) {
		open_alarm *o = &a->open[i];
		if (o->kind == kind && o->path == path && memcmp(o->line, line, 32) == 0)
			return o;
	}
	return NULL;
}

/* Copies s cut at a UTF-8 boundary, controls made spaces: the text ends up
 * in environment variables, log lines and status. */
static void copy_text(char *dst, size_t size, const char *s)
{
	size_t n = s ? strnlen(s, size) : 0;

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	dst[n] = '\0';
}

static int add_open(hl_alarms *a, const uint8_t *line, int kind, int path, uint64_t since,
		    const char *text, open_alarm **out)
{
	open_alarm *o;

	if (a->n_open == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		if (cap > ALARMS_MAX)
			cap = ALARMS_MAX;
		if (cap == a->n_open)
			return HL_ERR_TOOBIG;
		o = realloc(a->open, cap * sizeof *o);
		if (!o)
			return HL_ERR_NOMEM;
		a->open = o;
		a->cap = cap;
	}
	o = &a->open[a->n_open++];
	memcpy(o->line, line ? line : station_line, 32);
	o->kind = kind;
	o->path = path;
	o->since_ms = since;
	copy_text(o->text, sizeof o->text, text);
	if (out)
		*out = o;
	return 0;
}

static void on_child_closed(uv_handle_t *h)
{
	child *c = h->data;

	if (--c->handles > 0)
		return;
	if (c->owner) {
		if (c->prev)
			c->prev->next = c->next;
		else
			c->owner->children = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	free(c);
}

static void close_child(child *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (c->owner)
		c->owner->running--;
	uv_close((uv_handle_t *)&c->timer, on_child_closed);
	uv_close((uv_handle_t *)&c->proc, on_child_closed);
}

static void on_child_exit(uv_process_t *p, int64_t status, int signo)
{
	child *c = p->data;

	if (signo)
		hl_log(HL_LOG_WARN, "alarm command (%s) ended by signal %d", c->what, signo);
	else if (status != 0)
		hl_log(HL_LOG_WARN, "alarm command (%s) exited with status %" PRId64, c->what,
		       status);
	uv_timer_stop(&c->timer);
	close_child(c);
}

static void on_child_timeout(uv_timer_t *t)
{
	child *c = t->data;
	int rc = uv_process_kill(&c->proc, SIGKILL);

	hl_log(HL_LOG_ERR, "alarm command (%s) still running after %" PRIu64 " ms: %s", c->what,
	       c->owner ? c->owner->kill_after_ms : (uint64_t)KILL_AFTER_MS,
	       rc == 0 ? "killed" : uv_strerror(rc));
}

/* Runs AlarmCommand once; a failure is logged, never fatal: the alarm is
 * still stored, logged and shown by status. */
static void run_command(hl_alarms *a, const open_alarm *o, const char *peer, const char *state)
{
	static const char *const names[] = {
		"HOTLINE_ALARM_KIND", "HOTLINE_ALARM_PEER", "HOTLINE_ALARM_TEXT",
		"HOTLINE_ALARM_STATE", "HOTLINE_ALARM_PATH", "HOTLINE_STATION",
	};
	char env_buf[6][ENV_VAL_MAX + 32], path_s[16], peer_s[HL_MAX_NAME + 1];
	char *env[8], *args[2];
	const char *vals[6];
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	child *c;
	int rc;

	if (!a->command[0])
		return;
	c = calloc(1, sizeof *c);
	if (!c) {
		hl_log(HL_LOG_ERR, "alarm command %s: out of memory", a->command);
		return;
	}
	snprintf(path_s, sizeof path_s, o->path < 0 ? "-" : "%d", o->path);
	copy_text(peer_s, sizeof peer_s, peer);
	vals[0] = hl_alarm_kind_name(o->kind);
	vals[1] = peer_s;
	vals[2] = o->text;
	vals[3] = state;
	vals[4] = path_s;
	vals[5] = a->station;
	for (int i = 0; i < 6; i++) {
		snprintf(env_buf[i], sizeof env_buf[i], "%s=%s", names[i], vals[i]);
		env[i] = env_buf[i];
	}
	env[6] = (char *)"PATH=/usr/bin:/bin";
	env[7] = NULL;
	args[0] = a->command;
	args[1] = NULL;
	/* Its output goes where ours goes (the journal); it reads nothing. */
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = 2;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	memset(&opt, 0, sizeof opt);
	opt.exit_cb = on_child_exit;
	opt.file = a->command;
	opt.args = args;
	opt.env = env;
	opt.stdio_count = 3;
	opt.stdio = stdio;
	snprintf(c->what, sizeof c->what, "%s %s", vals[0], state);
	c->owner = a;
	c->proc.data = c;
	c->timer.data = c;
	c->handles = 2;
	c->next = a->children;
	if (a->children)
		a->children->prev = c;
	a->children = c;
	a->running++;
	uv_timer_init(a->loop, &c->timer);
	rc = uv_spawn(a->loop, &c->proc, &opt);
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "alarm command %s cannot be run: %s", a->command,
		       uv_strerror(rc));
		/* uv_spawn initialised the handle even though it failed. */
		close_child(c);
		return;
	}
	/* The loop's clock may be a whole turn old; the limit counts from now. */
	uv_update_time(a->loop);
	uv_timer_start(&c->timer, on_child_timeout, a->kill_after_ms, 0);
}

static int load_one(void *ctx, const hl_store_alarm *sa)
{
	hl_alarms *a = ctx;

	if (!key_ok(sa->kind, sa->path) || find(a, sa->line_id, sa->kind, sa->path))
		return 0; /* a kind or path this version does not know: left in the store */
	return add_open(a, sa->line_id, sa->kind, sa->path, sa->since_ms, sa->text, NULL);
}

int hl_alarms_init(hl_alarms **out, uv_loop_t *loop, hl_store *st, const char *command,
		   const char *station)
{
	hl_alarms *a;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !loop || !st || !command || !station)
		return HL_ERR_INVAL;
	if (strlen(command) > HL_MAX_PATH || strlen(station) > HL_MAX_NAME)
		return HL_ERR_TOOBIG;
	a = calloc(1, sizeof *a);
	if (!a)
		return HL_ERR_NOMEM;
	a->loop = loop;
	a->st = st;
	a->kill_after_ms = KILL_AFTER_MS;
	memcpy(a->command, command, strlen(command) + 1);
	copy_text(a->station, sizeof a->station, station);
	/* Alarms open before a restart stay open; their command already ran. */
	rc = hl_store_alarm_walk_open(st, load_one, a);
	if (rc < 0) {
		hl_alarms_free(a);
		return rc;
	}
	if (a->n_open)
		hl_log(HL_LOG_WARN, "%zu alarm(s) still open from before the restart", a->n_open);
	*out = a;
	return 0;
}

void hl_alarms_free(hl_alarms *a)
{
	child *c, *next;

	if (!a)
		return;
	for (c = a->children; c; c = next) {
		next = c->next;
		/* The process runs on; its handles close with the loop's next turn. */
		close_child(c);
		c->owner = NULL;
	}
	free(a->open);
	free(a);
}

void hl_alarms_set_kill_after(hl_alarms *a, uint64_t ms)
{
	if (a)
		a->kill_after_ms = ms ? ms : KILL_AFTER_MS;
}

int hl_alarms_running(const hl_alarms *a)
{
	return a ? a->running : 0;
}

static void path_label(char *buf, size_t size, int path)
{
	if (path < 0)
		snprintf(buf, size, "line");
	else
		snprintf(buf, size, "path %d", path);
}

int hl_alarm_raise(hl_alarms *a, const uint8_t line_id[32], const char *peer, int kind, int path,
		   const char *text)
{
	hl_store_alarm sa;
	open_alarm *o = NULL;
	char where[16], ev[HL_STORE_EVENT_TEXT_MAX + 1];
	int rc;

	if (!a || !peer || !key_ok(kind, path))
		return HL_ERR_INVAL;
	if (find(a, line_id, kind, path))
		return 0;
	rc = add_open(a, line_id, kind, path, wall_ms(), text, &o);
	if (rc < 0)
		return rc;
	path_label(where, sizeof where, path);
	/* The store may be the very thing that failed: the alarm still goes out. */
	sa = (hl_store_alarm){ .line_id = o->line, .kind = kind, .path = path,
			       .since_ms = o->since_ms, .text = o->text };
	rc = hl_store_alarm_open(a->st, &sa);
	snprintf(ev, sizeof ev, "%s: %s", hl_alarm_kind_name(kind), o->text);
	if (rc >= 0 && line_id)
		rc = hl_events_record(a->st, line_id, o->since_ms, HL_EV_ALARM, path, kind, ev);
	if (rc < 0)
		hl_log(HL_LOG_ERR, "cannot store the alarm below: %s", hl_strerror(rc));
	hl_log(HL_LOG_ERR, "ALARM %s: peer %s, %s: %s", hl_alarm_kind_name(kind), peer, where,
	       o->text);
	run_command(a, o, peer, "raised");
	return 1;
}

int hl_alarm_clear(hl_alarms *a, const uint8_t line_id[32], const char *peer, int kind, int path)
{
	open_alarm *o, gone;
	char where[16], ev[HL_STORE_EVENT_TEXT_MAX + 1];
	uint64_t now = wall_ms();
	int rc;

	if (!a || !peer || !key_ok(kind, path))
		return HL_ERR_INVAL;
	o = find(a, line_id, kind, path);
	if (!o)
		return 0;
	gone = *o;
	/* Order kept: status lists alarms oldest first. */
	memmove(o, o + 1, (size_t)(&a->open[a->n_open] - (o + 1)) * sizeof *o);
	a->n_open--;
	rc = hl_store_alarm_clear(a->st, gone.line, kind, path, now);
	snprintf(ev, sizeof ev, "%s: %s", hl_alarm_kind_name(kind), gone.text);
	if (rc >= 0 && line_id)
		rc = hl_events_record(a->st, line_id, now, HL_EV_ALARM_CLEAR, path, kind, ev);
	if (rc < 0)
		hl_log(HL_LOG_ERR, "cannot store the clearing below: %s", hl_strerror(rc));
	path_label(where, sizeof where, path);
	hl_log(HL_LOG_NOTICE, "alarm cleared: %s: peer %s, %s (open for %" PRIu64 " s)",
	       hl_alarm_kind_name(kind), peer, where,
	       now > gone.since_ms ? (now - gone.since_ms) / 1000u : 0);
	run_command(a, &gone, peer, "cleared");
	return 1;
}

int hl_alarm_is_open(const hl_alarms *a, const uint8_t line_id[32], int kind, int path)
{
	return a && find(a, line_id, kind, path) != NULL;
}

json_t *hl_alarms_json(const hl_alarms *a, const uint8_t line_id[32])
{
	json_t *arr = json_array();

	if (!arr || !a)
		return arr;
	if (!line_id)
		line_id = station_line;
	for (size_t i = 0; i < a->n_open; i++) {
		const open_alarm *o = &a->open[i];
		json_t *obj;

		if (memcmp(o->line, line_id, 32) != 0)
			continue;
		obj = json_pack("{s:s,s:o,s:I,s:s}", "kind", hl_alarm_kind_name(o->kind),
				"path", o->path < 0 ? json_null() : json_integer(o->path),
				"since_ms", (json_int_t)o->since_ms, "text", o->text);
		if (!obj || json_array_append_new(arr, obj) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
