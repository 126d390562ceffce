/* test_alarm.c — alarms: one AlarmCommand run per raise and per clear, its
 * environment, reload from the store after a restart, a missing command, a hung one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "line/alarm.h"
#include "util/err.h"
#include "line/events.h"
#include "store/store.h"
#include "testutil.h"

typedef struct {
	char dir[256];
	char db[300];
	char script[300];
	char out[300];
	char sleeper[300];
	uv_loop_t loop;
	hl_store *st;
	uint8_t line[32];
	uint8_t line2[32];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char body[1024], err[256];

	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "alarm") < 0)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/hotline.db", f->dir);
	snprintf(f->script, sizeof f->script, "%s/alarm.sh", f->dir);
	snprintf(f->out, sizeof f->out, "%s/runs.txt", f->dir);
	snprintf(f->sleeper, sizeof f->sleeper, "%s/sleeper.sh", f->dir);
	/* Every run appends its whole environment and a separator. */
	snprintf(body, sizeof body, "#!/bin/sh\nenv >>'%s'\necho --- >>'%s'\n", f->out, f->out);
	assert_int_equal(tu_write_file(f->script, body, 0700), 0);
	snprintf(body, sizeof body, "#!/bin/sh\necho started >>'%s'\nexec sleep 20\n", f->out);
	assert_int_equal(tu_write_file(f->sleeper, body, 0700), 0);
	randombytes_buf(f->line, 32);
	randombytes_buf(f->line2, 32);
	if (uv_loop_init(&f->loop) != 0 || hl_store_open(f->db, &f->st, err, sizeof err) < 0)
		return -1;
	/* Nothing of ours may leak into the command's environment. */
	setenv("HL_TEST_LEAK", "must-not-appear", 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	hl_store_close(f->st);
	assert_int_equal(tu_rmrf(f->dir), 0);
	free(f);
	return 0;
}

/* The file the script writes, NUL-terminated, "" if absent. */
static char *slurp(const char *path)
{
	static char buf[65536];

	tu_read_file(path, buf, sizeof buf);
	return buf;
}

static hl_alarms *new_alarms(fixture *f, const char *cmd)
{
	hl_alarms *a = NULL;

	assert_int_equal(hl_alarms_init(&a, &f->loop, f->st, cmd, "washington"), 0);
	assert_non_null(a);
	return a;
}

/* The open alarms of a line as the walk gives them, in the status shape. */
static int collect(void *arg, const hl_alarm_view *v)
{
	json_t *o = json_pack("{s:s,s:o,s:I,s:s}", "kind", hl_alarm_kind_name(v->kind), "path",
			      v->path < 0 ? json_null() : json_integer(v->path), "since_ms",
			      (json_int_t)v->since_ms, "text", v->text);
	return json_array_append_new(arg, o);
}

static json_t *walk_json(hl_alarms *a, const uint8_t *line)
{
	json_t *arr = json_array();
	assert_int_equal(hl_alarms_walk(a, line, collect, arr), 0);
	return arr;
}

static void test_raise_once_and_clear(void **state)
{
	fixture *f = *state;
	hl_alarms *a = new_alarms(f, f->script);
	json_t *js;
	char *out;

	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_LINE_DOWN, -1,
					"line down for 31 s"), 1);
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_LINE_DOWN, -1,
					"line down for 32 s"), 0);
	assert_int_equal(hl_alarms_running(a), 1);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(hl_alarms_running(a), 0);
	out = slurp(f->out);
	assert_int_equal(tu_count(out, "---\n"), 1);
	assert_non_null(strstr(out, "HOTLINE_ALARM_KIND=line-down\n"));
	assert_non_null(strstr(out, "HOTLINE_ALARM_PEER=moscow\n"));
	assert_non_null(strstr(out, "HOTLINE_ALARM_TEXT=line down for 31 s\n"));
	assert_non_null(strstr(out, "HOTLINE_ALARM_STATE=raised\n"));
	assert_non_null(strstr(out, "HOTLINE_ALARM_PATH=-\n"));
	assert_non_null(strstr(out, "HOTLINE_STATION=washington\n"));
	assert_non_null(strstr(out, "PATH=/usr/bin:/bin\n"));
	assert_null(strstr(out, "HL_TEST_LEAK"));

	assert_true(hl_alarm_is_open(a, f->line, HL_ALARM_LINE_DOWN, -1));
	assert_false(hl_alarm_is_open(a, f->line, HL_ALARM_LINE_DOWN, 0));
	assert_false(hl_alarm_is_open(a, f->line2, HL_ALARM_LINE_DOWN, -1));
	js = walk_json(a, f->line);
	assert_non_null(js);
	assert_int_equal(json_array_size(js), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(js, 0), "kind")),
			    "line-down");
	assert_true(json_is_null(json_object_get(json_array_get(js, 0), "path")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(js, 0), "text")),
			    "line down for 31 s");
	json_decref(js);
	js = walk_json(a, f->line2);
	assert_int_equal(json_array_size(js), 0);
	json_decref(js);

	assert_int_equal(hl_alarm_clear(a, f->line, "moscow", HL_ALARM_LINE_DOWN, -1), 1);
	assert_int_equal(hl_alarm_clear(a, f->line, "moscow", HL_ALARM_LINE_DOWN, -1), 0);
	assert_false(hl_alarm_is_open(a, f->line, HL_ALARM_LINE_DOWN, -1));
	uv_run(&f->loop, UV_RUN_DEFAULT);
	out = slurp(f->out);
	assert_int_equal(tu_count(out, "---\n"), 2);
	assert_int_equal(tu_count(out, "HOTLINE_ALARM_STATE=raised\n"), 1);
	assert_int_equal(tu_count(out, "HOTLINE_ALARM_STATE=cleared\n"), 1);
	/* raised again after the clear: a new alarm, a new run */
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_LINE_DOWN, -1, "again"), 1);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(tu_count(slurp(f->out), "---\n"), 3);
	hl_alarms_free(a);
}

static int count_events(void *ctx, const hl_store_event *ev)
{
	int *n = ctx;

	n[ev->kind]++;
	return 0;
}

static void test_stored_and_reloaded(void **state)
{
	fixture *f = *state;
	hl_alarms *a = new_alarms(f, f->script);
	json_t *js, *o;
	int n[HL_EV_KIND_MAX + 1] = { 0 };
	uint64_t since;

	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_PATH_DOWN, 1,
					"backup path 10.0.0.2:7340 failed its test"), 1);
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_TEST_MISSED, -1,
					"no answer in 60 s"), 1);
	assert_int_equal(hl_alarm_raise(a, f->line2, "beijing", HL_ALARM_CLOCK_SKEW, -1,
					"peer clock 9 s ahead"), 1);
	assert_int_equal(hl_alarm_clear(a, f->line, "moscow", HL_ALARM_TEST_MISSED, -1), 1);
	js = walk_json(a, f->line);
	since = (uint64_t)json_integer_value(json_object_get(json_array_get(js, 0), "since_ms"));
	assert_true(since > 1700000000000ull);
	json_decref(js);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	hl_alarms_free(a);
	assert_int_equal(tu_count(slurp(f->out), "---\n"), 4);

	/* a restart: the open ones come back, without running the command again */
	a = new_alarms(f, f->script);
	assert_true(hl_alarm_is_open(a, f->line, HL_ALARM_PATH_DOWN, 1));
	assert_false(hl_alarm_is_open(a, f->line, HL_ALARM_TEST_MISSED, -1));
	assert_true(hl_alarm_is_open(a, f->line2, HL_ALARM_CLOCK_SKEW, -1));
	js = walk_json(a, f->line);
	assert_int_equal(json_array_size(js), 1);
	o = json_array_get(js, 0);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "path-down");
	assert_int_equal(json_integer_value(json_object_get(o, "path")), 1);
	assert_int_equal((uint64_t)json_integer_value(json_object_get(o, "since_ms")), since);
	assert_string_equal(json_string_value(json_object_get(o, "text")),
			    "backup path 10.0.0.2:7340 failed its test");
	json_decref(js);
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_PATH_DOWN, 1, "x"), 0);
	assert_int_equal(hl_alarms_running(a), 0);
	assert_int_equal(hl_alarm_clear(a, f->line, "moscow", HL_ALARM_PATH_DOWN, 1), 1);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(tu_count(slurp(f->out), "---\n"), 5);
	assert_non_null(strstr(slurp(f->out), "HOTLINE_ALARM_PATH=1\n"));
	hl_alarms_free(a);

	/* and the clearing was stored too */
	a = new_alarms(f, "");
	assert_false(hl_alarm_is_open(a, f->line, HL_ALARM_PATH_DOWN, 1));
	assert_true(hl_alarm_is_open(a, f->line2, HL_ALARM_CLOCK_SKEW, -1));
	hl_alarms_free(a);

	/* each raise and clear is a link event of its line */
	assert_int_equal(hl_store_walk_events(f->st, f->line, 0, UINT64_MAX, 0, count_events, n),
			 0);
	assert_int_equal(n[HL_EV_ALARM], 2);
	assert_int_equal(n[HL_EV_ALARM_CLEAR], 2);
}

/* Runs fn with our stderr going to a file; returns what was written. */
static char *capture_stderr(fixture *f, void (*fn)(fixture *f))
{
	char path[320];
	int saved, fd;

	snprintf(path, sizeof path, "%s/stderr.txt", f->dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_true(dup2(fd, 2) >= 0);
	close(fd);
	fn(f);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	return slurp(path);
}

static void raise_with_missing_command(fixture *f)
{
	char cmd[320];
	hl_alarms *a;

	snprintf(cmd, sizeof cmd, "%s/no-such-command", f->dir);
	a = new_alarms(f, cmd);
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_STORE, -1, "disk full"), 1);
	assert_true(hl_alarm_is_open(a, f->line, HL_ALARM_STORE, -1));
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(hl_alarms_running(a), 0);
	hl_alarms_free(a);
}

static void test_missing_command(void **state)
{
	fixture *f = *state;
	char *err = capture_stderr(f, raise_with_missing_command);

	assert_int_equal(tu_count(err, "cannot be run"), 1);
	assert_int_equal(tu_count(err, "ALARM store"), 1);
	/* a file that is not executable is refused the same way */
	assert_int_equal(chmod(f->script, 0600), 0);
	hl_alarms *a = new_alarms(f, f->script);
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_STORE, 0, "x"), 1);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_string_equal(slurp(f->out), "");
	hl_alarms_free(a);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void test_hung_command_killed(void **state)
{
	fixture *f = *state;
	hl_alarms *a = new_alarms(f, f->sleeper);
	uint64_t t0;

	hl_alarms_set_kill_after(a, 300);
	t0 = mono_ms();
	assert_int_equal(hl_alarm_raise(a, NULL, "moscow", HL_ALARM_STORE, -1, "station"), 1);
	assert_true(hl_alarm_is_open(a, NULL, HL_ALARM_STORE, -1));
	uv_run(&f->loop, UV_RUN_DEFAULT);
	/* killed at 300 ms, not after the script's 20 s */
	assert_true(mono_ms() - t0 < 10000);
	assert_true(mono_ms() - t0 >= 300);
	assert_int_equal(hl_alarms_running(a), 0);
	assert_string_equal(slurp(f->out), "started\n");
	hl_alarms_free(a);
}

static void test_free_with_running_child(void **state)
{
	fixture *f = *state;
	hl_alarms *a = new_alarms(f, f->sleeper);

	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_NO_RECEIPT, -1, "q"), 1);
	assert_int_equal(hl_alarms_running(a), 1);
	/* the daemon shuts down: no wait for the child, handles closed */
	hl_alarms_free(a);
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
}

static void test_bad_arguments(void **state)
{
	fixture *f = *state;
	hl_alarms *a = new_alarms(f, "");

	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", 0, -1, "x"), HL_ERR_INVAL);
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_KIND_MAX + 1, -1, "x"),
			 HL_ERR_INVAL);
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_LINE_DOWN, -2, "x"),
			 HL_ERR_INVAL);
	assert_int_equal(hl_alarm_raise(a, f->line, NULL, HL_ALARM_LINE_DOWN, -1, "x"),
			 HL_ERR_INVAL);
	/* control characters in the text are made harmless */
	assert_int_equal(hl_alarm_raise(a, f->line, "moscow", HL_ALARM_EQUIVOCATION, -1,
					"two\nlines\x1b[31m"), 1);
	json_t *js = walk_json(a, f->line);
	assert_string_equal(json_string_value(json_object_get(json_array_get(js, 0), "text")),
			    "two lines [31m");
	json_decref(js);
	assert_string_equal(hl_alarm_kind_name(HL_ALARM_CLOCK_SKEW), "clock-skew");
	assert_string_equal(hl_alarm_kind_name(99), "unknown");
	hl_alarms_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raise_once_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_and_reloaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hung_command_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_with_running_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
