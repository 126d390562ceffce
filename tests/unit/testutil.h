/* testutil.h — helpers shared by the unit tests: a fresh temporary directory, its recursive
 * removal, small files written and read. Header-only: each test_*.c is its own program. */
#ifndef HL_TESTUTIL_H
#define HL_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Makes a fresh directory "$TMPDIR/hl-<tag>-XXXXXX" (/tmp without TMPDIR) into dir:
 * 0, or -1 when it does not fit in size or cannot be made. */
static inline int tu_mkdtemp(char *dir, size_t size, const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(dir, size, "%s/hl-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);

	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

static inline int tu_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it, links not followed (rm -rf): 0 or -1. */
static inline int tu_rmrf(const char *dir)
{
	return nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to path, replacing it, with the given mode: 0 or -1. */
static inline int tu_write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -1;
	if (fputs(text, f) < 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && chmod(path, mode) != 0)
		rc = -1;
	return rc;
}

/* Reads up to size - 1 bytes of path into buf, NUL-terminated: 0, or -1 when it
 * cannot be opened (buf is then ""). */
static inline int tu_read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	buf[0] = '\0';
	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* How many times needle occurs in hay, without overlaps. */
static inline int tu_count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

#ifdef SQLITE_VERSION
/* For cmocka tests that include sqlite3.h before this header: the one integer a
 * query returns, asserting that it returns a row. */
static inline sqlite3_int64 tu_sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	sqlite3_int64 v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}
#endif

#endif
