/* progress.h — a one-line progress display on stderr for long exports and
 * verifications: shown only when stderr is a terminal, redrawn at most
 * five times a second, cleared when done. */
#ifndef HL_PROGRESS_H
#define HL_PROGRESS_H

#include <stdint.h>

typedef struct {
	int on;               /* stderr is a terminal */
	const char *what;     /* "exporting", "verifying" */
	uint64_t start_ms, last_ms;
	int drawn;
} hl_progress;

void hl_progress_start(hl_progress *p, const char *what);
/* done entries so far; fraction 0..1 of the work, or < 0 if unknown. */
void hl_progress_update(hl_progress *p, uint64_t done, double fraction);
/* Erases the line. */
void hl_progress_end(hl_progress *p);

#endif
