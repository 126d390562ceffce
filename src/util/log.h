/* log.h — the daemon's log: one line per event on stderr, journald-friendly
 * (syslog priority prefixes "<3>" etc. when HOTLINE_LOG_PREFIX=1 or under systemd). */
#ifndef HL_LOG_H
#define HL_LOG_H

#include <stddef.h>

enum { HL_LOG_ERR = 3, HL_LOG_WARN = 4, HL_LOG_NOTICE = 5, HL_LOG_INFO = 6, HL_LOG_DEBUG = 7 };

/* Sets the name printed on every line and the most verbose level shown. */
void hl_log_setup(const char *name, int max_level);
void hl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* in as one safe log line into out (always terminated, cut at a whole
 * escape): control characters, DEL and invalid UTF-8 as \xNN, backslash
 * doubled; valid UTF-8 (Cyrillic names) kept. */
void hl_log_escape(const char *in, char *out, size_t outlen);

#endif
