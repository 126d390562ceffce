/* fuzz_schedule.c — libFuzzer target: the check-in schedule parser on any text,
 * and on every schedule it accepts: format -> parse gives the same schedule,
 * next() is strictly after, at most a week later, on the schedule and with
 * nothing scheduled in between, and each() finds a week's worth in any week. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "config/schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_schedule: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

#define MIN_MS 60000ull
#define YEAR_10000_MS 253402300800000ull

static int on_schedule(const hl_schedule *s, uint64_t t)
{
	unsigned wd = hl_schedule_weekday(t);
	uint64_t tod = t % HL_SCHEDULE_DAY_MS;

	if (s->every_ms)
		return t % s->every_ms == 0;
	if (tod % MIN_MS)
		return 0;
	for (unsigned k = 0; k < s->nclauses; k++) {
		if (!(s->clause[k].days & (1u << wd)))
			continue;
		for (unsigned i = 0; i < s->clause[k].ntimes; i++)
			if (s->clause[k].times[i] == tod / MIN_MS)
				return 1;
	}
	return 0;
}

static uint64_t per_week(const hl_schedule *s)
{
	uint64_t n = 0;

	if (s->every_ms)
		return HL_SCHEDULE_WEEK_MS / s->every_ms;
	for (unsigned k = 0; k < s->nclauses; k++)
		n += (uint64_t)__builtin_popcount(s->clause[k].days) * s->clause[k].ntimes;
	return n;
}

static void check_next(const hl_schedule *s, uint64_t after)
{
	uint64_t nx = 0, again = 0;
	size_t count = 0;
	int rc = hl_schedule_next(s, after, &nx);

	if (after > UINT64_MAX - 8 * HL_SCHEDULE_DAY_MS) {
		CHECK(rc == HL_ERR_TOOBIG);
		return;
	}
	CHECK(rc == 0);
	CHECK(nx > after);
	CHECK(nx - after <= HL_SCHEDULE_WEEK_MS);
	CHECK(on_schedule(s, nx));
	/* Nothing scheduled in (after, nx). */
	CHECK(hl_schedule_each(s, after, nx, 2, NULL, NULL, &count) == 0);
	CHECK(count == 1);
	if (nx - 1 <= UINT64_MAX - 8 * HL_SCHEDULE_DAY_MS)
		CHECK(hl_schedule_next(s, nx - 1, &again) == 0 && again == nx);
	/* Any week holds the same number of instants. */
	uint64_t w = per_week(s);
	if (w <= 4096 && after <= UINT64_MAX - 16 * HL_SCHEDULE_DAY_MS) {
		CHECK(hl_schedule_each(s, after, after + HL_SCHEDULE_WEEK_MS, 4096, NULL, NULL,
				       &count) == 0);
		CHECK(count == w);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, err[256], out[HL_SCHEDULE_STRLEN], out2[HL_SCHEDULE_STRLEN];
	hl_schedule s, s2, zero;
	uint64_t h = 14695981039346656037ull;
	int rc;

	if (size > HL_SCHEDULE_MAX_INPUT + 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&zero, 0, sizeof zero);

	rc = hl_schedule_parse(text, &s, err, sizeof err);
	if (rc < 0) {
		CHECK(rc == HL_ERR_INVAL || rc == HL_ERR_TOOBIG);
		CHECK(err[0] != '\0' && strlen(err) < sizeof err);
		CHECK(memcmp(&s, &zero, sizeof s) == 0);
		CHECK(hl_schedule_next(&s, 0, &h) == HL_ERR_NOTFOUND);
		goto out;
	}
	CHECK(err[0] == '\0');
	CHECK(s.every_ms || s.nclauses);

	/* The canonical text is accepted, means the same and is a fixed point. */
	CHECK(hl_schedule_format(&s, out, sizeof out) == 0);
	rc = hl_schedule_parse(out, &s2, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "canonical '%s' refused: %s\n", out, err);
	CHECK(rc == 0);
	CHECK(memcmp(&s, &s2, sizeof s) == 0);
	CHECK(hl_schedule_format(&s2, out2, sizeof out2) == 0);
	CHECK(strcmp(out, out2) == 0);

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	check_next(&s, 0);
	check_next(&s, h % YEAR_10000_MS);
	check_next(&s, (h >> 7) % YEAR_10000_MS / MIN_MS * MIN_MS);
	check_next(&s, h);
	check_next(&s, UINT64_MAX - 8 * HL_SCHEDULE_DAY_MS);
	check_next(&s, UINT64_MAX);
out:
	free(text);
	return 0;
}
