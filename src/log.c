/* log.c — stderr logging with a station name and UTC timestamps. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Set once at start-up, before the loop; read-only afterwards. */
static struct {
	char name[64];
	int max_level;
	int prefix;
} log_cfg = { "hotlined", HL_LOG_INFO, 0 };

void hl_log_setup(const char *name, int max_level)
{
	snprintf(log_cfg.name, sizeof log_cfg.name, "%s", name);
	log_cfg.max_level = max_level;
	const char *p = getenv("HOTLINE_LOG_PREFIX");
	log_cfg.prefix = (p && strcmp(p, "1") == 0) || getenv("JOURNAL_STREAM") != NULL;
}

void hl_log(int level, const char *fmt, ...)
{
	if (level > log_cfg.max_level)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Text from the network is never logged raw: drop control characters. */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	if (log_cfg.prefix) {
		fprintf(stderr, "<%d>%s: %s\n", level, log_cfg.name, msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s: %s\n", when, ts.tv_nsec / 1000000, log_cfg.name, msg);
	}
}
