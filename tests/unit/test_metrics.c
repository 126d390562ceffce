/* test_metrics.c — Prometheus text output for a sample status reply, byte for
 * byte, label escaping, and the atomic replacement of the metrics file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "metrics.h"
#include "testutil.h"

static const char STATUS[] =
	"{\"ok\":true,\"station\":\"washington\",\"lines\":["
	"{\"peer\":\"moscow\",\"state\":\"up\",\"own_seq\":12,\"peer_seq\":9,"
	" \"receipted_seq\":10,\"unreceipted\":2,\"rtt_ms\":0.4,"
	" \"active_path\":1,"
	" \"paths\":[{\"index\":0,\"endpoint\":\"198.51.100.7:7340\",\"state\":\"down\","
	"             \"rtt_ms\":null},"
	"            {\"index\":1,\"endpoint\":\"[2001:db8::9]:7340\",\"state\":\"active\","
	"             \"rtt_ms\":0.4},"
	"            {\"index\":2,\"endpoint\":\"203.0.113.9:7340\",\"state\":\"standby\","
	"             \"rtt_ms\":12.5}],"
	" \"alarms\":[{\"kind\":\"path-down\",\"path\":0,\"since_ms\":1,\"text\":\"x\"},"
	"            {\"kind\":\"no-receipt\",\"path\":null,\"since_ms\":2,\"text\":\"y\"}]},"
	"{\"peer\":\"we\\\"ird\\\\na\\nme\",\"state\":\"connecting\",\"own_seq\":0,"
	" \"receipted_seq\":0,\"unreceipted\":0,\"rtt_ms\":null,\"active_path\":null,"
	" \"paths\":[{\"index\":0,\"endpoint\":\"10.0.0.1:1\",\"state\":\"connecting\","
	"             \"rtt_ms\":null}],\"alarms\":[]}]}";

static const char EXPECTED[] =
	"# HELP hotline_line_up 1 if the line to the peer carries traffic, else 0.\n"
	"# TYPE hotline_line_up gauge\n"
	"hotline_line_up{peer=\"moscow\"} 1\n"
	"hotline_line_up{peer=\"we\\\"ird\\\\na\\nme\"} 0\n"
	"# HELP hotline_path_up 1 if the path has a session (active or standby), else 0.\n"
	"# TYPE hotline_path_up gauge\n"
	"hotline_path_up{peer=\"moscow\",path=\"0\",endpoint=\"198.51.100.7:7340\"} 0\n"
	"hotline_path_up{peer=\"moscow\",path=\"1\",endpoint=\"[2001:db8::9]:7340\"} 1\n"
	"hotline_path_up{peer=\"moscow\",path=\"2\",endpoint=\"203.0.113.9:7340\"} 1\n"
	"hotline_path_up{peer=\"we\\\"ird\\\\na\\nme\",path=\"0\",endpoint=\"10.0.0.1:1\"} 0\n"
	"# HELP hotline_path_active 1 if the line's traffic uses this path, else 0.\n"
	"# TYPE hotline_path_active gauge\n"
	"hotline_path_active{peer=\"moscow\",path=\"0\",endpoint=\"198.51.100.7:7340\"} 0\n"
	"hotline_path_active{peer=\"moscow\",path=\"1\",endpoint=\"[2001:db8::9]:7340\"} 1\n"
	"hotline_path_active{peer=\"moscow\",path=\"2\",endpoint=\"203.0.113.9:7340\"} 0\n"
	"hotline_path_active{peer=\"we\\\"ird\\\\na\\nme\",path=\"0\",endpoint=\"10.0.0.1:1\"} 0\n"
	"# HELP hotline_rtt_seconds Smoothed round-trip time on the path.\n"
	"# TYPE hotline_rtt_seconds gauge\n"
	"hotline_rtt_seconds{peer=\"moscow\",path=\"1\"} 0.0004\n"
	"hotline_rtt_seconds{peer=\"moscow\",path=\"2\"} 0.0125\n"
	"# HELP hotline_entries_queued Own entries not yet receipted by the peer.\n"
	"# TYPE hotline_entries_queued gauge\n"
	"hotline_entries_queued{peer=\"moscow\"} 2\n"
	"hotline_entries_queued{peer=\"we\\\"ird\\\\na\\nme\"} 0\n"
	"# HELP hotline_entries_own Highest sequence number of our own entries on the line.\n"
	"# TYPE hotline_entries_own gauge\n"
	"hotline_entries_own{peer=\"moscow\"} 12\n"
	"hotline_entries_own{peer=\"we\\\"ird\\\\na\\nme\"} 0\n"
	"# HELP hotline_entries_receipted Highest own sequence number the peer's receipt covers.\n"
	"# TYPE hotline_entries_receipted gauge\n"
	"hotline_entries_receipted{peer=\"moscow\"} 10\n"
	"hotline_entries_receipted{peer=\"we\\\"ird\\\\na\\nme\"} 0\n"
	"# HELP hotline_alarms_open Open alarms of the line, by kind.\n"
	"# TYPE hotline_alarms_open gauge\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"line-down\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"path-down\"} 1\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"test-missed\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"no-receipt\"} 1\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"equivocation\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"clock-skew\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"store\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"quota\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"ack-overdue\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"unacknowledged\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"checkin-missed\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"attachment\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"clock-step\"} 0\n"
	"hotline_alarms_open{peer=\"moscow\",kind=\"local-clock-step\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"line-down\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"path-down\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"test-missed\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"no-receipt\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"equivocation\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"clock-skew\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"store\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"quota\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"ack-overdue\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"unacknowledged\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"checkin-missed\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"attachment\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"clock-step\"} 0\n"
	"hotline_alarms_open{peer=\"we\\\"ird\\\\na\\nme\",kind=\"local-clock-step\"} 0\n";

typedef struct {
	char dir[256];
	char path[300];
	char tmp[310];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);

	if (!f || tu_mkdtemp(f->dir, sizeof f->dir, "metrics") < 0)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/hotline.prom", f->dir);
	snprintf(f->tmp, sizeof f->tmp, "%s.tmp", f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static char *slurp(const char *path)
{
	static char buf[16384];

	assert_int_equal(tu_read_file(path, buf, sizeof buf), 0);
	return buf;
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		print_error("json: %s at %d\n", e.text, e.position);
	assert_non_null(j);
	return j;
}

static void test_exact_output(void **state)
{
	fixture *f = *state;
	json_t *st = load(STATUS);
	struct stat sb;

	assert_int_equal(hl_metrics_write(f->path, st), 0);
	assert_string_equal(slurp(f->path), EXPECTED);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	/* nothing left beside it */
	assert_int_equal(access(f->tmp, F_OK), -1);
	json_decref(st);
}

static void test_atomic_replace(void **state)
{
	fixture *f = *state;
	json_t *st = load(STATUS), *empty = load("{\"ok\":true,\"lines\":[]}");
	struct stat before, after;
	int fd;

	/* a reader holding the old file keeps reading the old content */
	assert_int_equal(hl_metrics_write(f->path, st), 0);
	assert_int_equal(stat(f->path, &before), 0);
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(hl_metrics_write(f->path, empty), 0);
	assert_int_equal(stat(f->path, &after), 0);
	assert_true(before.st_ino != after.st_ino);  /* renamed over, not rewritten */
	{
		char buf[64];
		ssize_t n = read(fd, buf, sizeof buf - 1);

		assert_true(n > 20);
		buf[n] = '\0';
		assert_non_null(strstr(buf, "# HELP hotline_line_up"));
	}
	close(fd);
	/* no lines: only the HELP and TYPE lines */
	assert_null(strstr(slurp(f->path), "{"));
	assert_non_null(strstr(slurp(f->path), "# TYPE hotline_alarms_open gauge\n"));

	/* when the temporary file cannot be made, the old file stays whole */
	assert_int_equal(mkdir(f->tmp, 0700), 0);
	assert_int_equal(hl_metrics_write(f->path, st), HL_ERR_IO);
	assert_null(strstr(slurp(f->path), "moscow"));
	assert_int_equal(rmdir(f->tmp), 0);

	assert_int_equal(hl_metrics_write(f->path, json_array_get(empty, 0)), HL_ERR_INVAL);
	assert_int_equal(hl_metrics_write("", st), HL_ERR_INVAL);
	json_decref(st);
	json_decref(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_replace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
