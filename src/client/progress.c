/* progress.c — the terminal progress line (entries/s and percentage). */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void hl_progress_start(hl_progress *p, const char *what)
{
	p->on = isatty(STDERR_FILENO);
	p->what = what;
	p->start_ms = p->last_ms = mono_ms();
	p->drawn = 0;
}

void hl_progress_update(hl_progress *p, uint64_t done, double fraction)
{
	if (!p->on)
		return;
	uint64_t now = mono_ms();
	if (now - p->last_ms < 200)
		return;
	p->last_ms = now;
	double secs = (double)(now - p->start_ms) / 1000.0;
	double rate = secs > 0 ? (double)done / secs : 0;
	if (fraction >= 0)
		fprintf(stderr, "\r%s: %llu entries, %5.1f%%, %.0f entries/s\033[K", p->what,
			(unsigned long long)done, fraction * 100.0, rate);
	else
		fprintf(stderr, "\r%s: %llu entries, %.0f entries/s\033[K", p->what,
			(unsigned long long)done, rate);
	fflush(stderr);
	p->drawn = 1;
}

void hl_progress_end(hl_progress *p)
{
	if (p->on && p->drawn) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	p->drawn = 0;
}
