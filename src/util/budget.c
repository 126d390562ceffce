/* budget.c — deadlines on the monotonic clock for work done in steps. */
#include "budget.h"

#include <time.h>

uint64_t hl_budget_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hl_budget_start(hl_budget *b, uint64_t us)
{
	b->until_ns = hl_budget_now_ns() + us * 1000u;
}

int hl_budget_spent(const hl_budget *b)
{
	return hl_budget_now_ns() >= b->until_ns;
}
