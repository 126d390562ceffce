/* api_step.h — the one way the local API produces a large answer: a
 * resumable producer that does a bounded amount of work per step and yields
 * to the loop between steps (api_out.c runs them), never more than
 * HL_API_OUT_MAX ahead of what the client has read. */
#ifndef HL_API_STEP_H
#define HL_API_STEP_H

#include "util/budget.h"
#include "util/buf.h"

typedef struct hl_api_producer hl_api_producer;
struct hl_api_producer {
	/* Appends the next part of the answer to out. Works until b is spent
	 * or out holds HL_API_STEP_BYTES (finishing the item in hand) and
	 * always makes progress. 0: more to come; 1: the answer is complete;
	 * < 0: it cannot be finished, and what went out is cut off (the
	 * connection is closed). A producer that fails before its answer has
	 * begun writes an {"ok":false,...} line instead and returns 1. */
	int (*step)(hl_api_producer *p, hl_buf *out, const hl_budget *b);
	void (*free)(hl_api_producer *p);
	int close_after; /* the connection ends with the answer (export) */
	int listing;     /* holds a listing's state: one of HL_API_MAX_LISTINGS */
};

#endif
