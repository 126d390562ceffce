/* linktest.h — end-to-end link tests (linktest.c): TEST entries answered by
 * the peer's daemon with TEST_REPLY, scheduled and on demand. */
#ifndef HL_LINKTEST_H
#define HL_LINKTEST_H

#include <stdint.h>

#include "line/feature.h"
#include "line/core.h"

typedef struct hl_test_waiter {
	/* status 0: answered after rtt_ms; else an HL_ERR_* (deadline passed) */
	void (*done)(void *arg, int status, uint64_t seq, const uint8_t hash[32], double rtt_ms);
	void *arg;
	struct hl_test_waiter *next;
} hl_test_waiter;
/* Sends a TEST now (or joins the one in flight); waiter may be NULL. */
int hl_linktest_start(hl_line *l, hl_test_waiter *w);
/* Drops the waiters of a closing station (they hear HL_ERR_STATE). */
void hl_linktest_cancel(hl_line *l);
/* The feature (station.c registers it): answers the peer's TEST entries,
 * matches TEST_REPLYs, runs the schedule and the deadline, drops waiters
 * when the line closes. */
extern const hl_feature hl_linktest_feature;

#endif
