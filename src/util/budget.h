/* budget.h — a deadline on the monotonic clock for work done in steps: a
 * step checks it between items and yields once it has passed. */
#ifndef HL_BUDGET_H
#define HL_BUDGET_H

#include <stdint.h>

typedef struct {
	uint64_t until_ns; /* CLOCK_MONOTONIC, the clock uv_hrtime reads */
} hl_budget;

/* A budget of us microseconds from now. */
void hl_budget_start(hl_budget *b, uint64_t us);
/* 1 once the deadline has passed. */
int hl_budget_spent(const hl_budget *b);
uint64_t hl_budget_now_ns(void);

#endif
