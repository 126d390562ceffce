/* sqlfault.c — test-only LD_PRELOAD shim: makes one write statement inside a
 * transaction fail the way SQLite fails on a full disk or an I/O error, by
 * rolling the whole transaction back on its own and returning SQLITE_FULL.
 *
 * Control file (path in $HL_SQLFAULT_CTL), read at every write in a
 * transaction while it exists:
 *   "N"          the Nth such write from now fails (N >= 1)
 *   "N TEXT"     the Nth write whose SQL contains TEXT fails
 * When it fires, the file is rewritten as "fired: SQL" so that the test can
 * tell what failed. Anything else in the file is ignored. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int sqlite3_step(sqlite3_stmt *s);

static int (*real_step)(sqlite3_stmt *);
static int inside; /* our own ROLLBACK goes straight through */

static int is_write(sqlite3_stmt *s, const char *sql)
{
	if (sqlite3_stmt_readonly(s) || !sql)
		return 0;
	while (*sql == ' ' || *sql == '\n' || *sql == '\t')
		sql++;
	return strncasecmp(sql, "INSERT", 6) == 0 || strncasecmp(sql, "UPDATE", 6) == 0 ||
	       strncasecmp(sql, "DELETE", 6) == 0;
}

/* 1 if this write is the one to fail (and the file then says so). */
static int due(const char *ctl, const char *sql)
{
	char buf[512];
	int fd = open(ctl, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *end = NULL;
	long k = strtol(buf, &end, 10);
	if (end == buf || k < 1)
		return 0; /* fired already, or not ours */
	while (*end == ' ')
		end++;
	char *nl = strchr(end, '\n');
	if (nl)
		*nl = 0;
	if (*end && !strstr(sql, end))
		return 0;
	FILE *f = fopen(ctl, "w");
	if (!f)
		return 0;
	if (k > 1)
		fprintf(f, "%ld %s\n", k - 1, end);
	else
		fprintf(f, "fired: %s\n", sql);
	fclose(f);
	return k == 1;
}

int sqlite3_step(sqlite3_stmt *s)
{
	if (!real_step) {
		real_step = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT, "sqlite3_step");
		if (!real_step)
			abort();
	}
	const char *ctl = getenv("HL_SQLFAULT_CTL");
	if (inside || !ctl || !s)
		return real_step(s);
	sqlite3 *db = sqlite3_db_handle(s);
	const char *sql = sqlite3_sql(s);
	if (!db || sqlite3_get_autocommit(db) || !is_write(s, sql) || !due(ctl, sql))
		return real_step(s);
	/* What SQLite does on SQLITE_FULL in a transaction: all of it is gone. */
	inside = 1;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	inside = 0;
	return SQLITE_FULL;
}
