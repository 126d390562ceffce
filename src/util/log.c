/* log.c — stderr logging with a station name and UTC timestamps. */
#include "log.h"

#include "text.h"

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

/* Text from the network (a peer's stop reason, an address) or a file is
 * never logged raw: control characters, DEL and bytes that are not valid
 * UTF-8 become \xNN, so a line stays one line and a terminal or journal
 * reader gets no escape sequences. A backslash is doubled, so an escape in
 * the log can always be told from the original text. */
void hl_log_escape(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)in;

	if (!outlen)
		return;
	while (*p) {
		char tmp[8];
		size_t n = 0, len = 1;
		if (*p >= 0x80) {
			/* One well-formed UTF-8 sequence passes whole. */
			len = (*p >= 0xc2 && *p <= 0xdf) ? 2 : (*p >= 0xe0 && *p <= 0xef) ? 3 :
			      (*p >= 0xf0 && *p <= 0xf4) ? 4 : 0;
			if (len && !hl_text_valid(p, len))
				len = 0;
			for (size_t k = 1; len && k < len; k++)
				if (!p[k])
					len = 0;
			if (len) {
				memcpy(tmp, p, len);
				n = len;
			} else {
				len = 1;
			}
		} else if (*p >= 0x20 && *p != 0x7f && *p != '\\') {
			tmp[n++] = (char)*p;
		} else if (*p == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = '\\';
		}
		if (!n)
			n = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", *p);
		if (o + n >= outlen)
			break;
		memcpy(out + o, tmp, n);
		o += n;
		p += len;
	}
	out[o] = '\0';
}

void hl_log(int level, const char *fmt, ...)
{
	if (level > log_cfg.max_level)
		return;
	char raw[1024], msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	hl_log_escape(raw, msg, sizeof msg);
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
