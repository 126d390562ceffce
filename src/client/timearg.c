/* timearg.c — parses the command line's time arguments (timearg.h). */
#include "timearg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "util/err.h"

uint64_t hl_timearg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int hl_timearg_parse_utc(const char *s, uint64_t *ms)
{
	struct tm tm, back;
	int n = 0;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 ||
	    n != 10)
		return HL_ERR_INVAL;
	if (s[10] != '\0') {
		int m = 0;

		if (sscanf(s + 10, "T%2d:%2d:%2dZ%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &m) != 3 ||
		    m != 10 || s[20] != '\0')
			return HL_ERR_INVAL;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	t = timegm(&tm);
	if (t < 0 || tm.tm_year != back.tm_year || tm.tm_mon != back.tm_mon ||
	    tm.tm_mday != back.tm_mday || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return HL_ERR_INVAL;
	*ms = (uint64_t)t * 1000u;
	return 0;
}

int hl_timearg_parse_since(const char *s, uint64_t now, uint64_t *since)
{
	uint64_t d = 0;

	if (hl_timearg_parse_utc(s, since) == 0)
		return *since <= now ? 0 : HL_ERR_INVAL;
	if (hl_config_parse_duration(s, &d) < 0 || d > now)
		return HL_ERR_INVAL;
	*since = now - d;
	return 0;
}
