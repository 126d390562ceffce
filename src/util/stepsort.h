/* stepsort.h — a stable merge sort that runs in bounded steps, so sorting a
 * large array never holds the event loop: each call works until its budget
 * is spent and resumes where it stopped. Also the look-ups on the result. */
#ifndef HL_STEPSORT_H
#define HL_STEPSORT_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"

typedef int (*hl_stepsort_cmp)(const void *a, const void *b, void *ctx);

/* A growable array of fixed-size elements for the listings' state. */
typedef struct {
	uint8_t *p;
	size_t n, cap, size;
} hl_vec;

void hl_vec_init(hl_vec *v, size_t size);
/* Room for n elements in all, allocated at once (a known bound). */
int hl_vec_reserve(hl_vec *v, size_t n);
/* A new zeroed element at the end, or NULL (out of memory). */
void *hl_vec_push(hl_vec *v);
void *hl_vec_at(const hl_vec *v, size_t i);
void hl_vec_free(hl_vec *v);

typedef struct {
	uint8_t *a;
	size_t n, size;
	hl_stepsort_cmp cmp;
	void *ctx;
	uint8_t *tmp;       /* the shorter run of the merge in progress: n/2 + 1 elements */
	size_t width;       /* runs of this many elements are sorted */
	size_t lo, mid, hi; /* the merge in progress: [lo, mid) and [mid, hi) */
	size_t i, j, k;     /* its cursors (see stepsort.c) */
	size_t copied;      /* of the shorter run, put aside so far */
	int merging;        /* 0 none, 1 forward (left run in tmp), 2 backward (right run) */
	int done;
} hl_stepsort;

/* Prepares to sort a (n elements of size bytes) in place by cmp; equal
 * elements keep their order. HL_ERR_NOMEM. */
int hl_stepsort_begin(hl_stepsort *s, void *a, size_t n, size_t size, hl_stepsort_cmp cmp,
		      void *ctx);
/* Sorts until b is spent (at least a few elements): 1 once sorted, else 0. */
int hl_stepsort_run(hl_stepsort *s, const hl_budget *b);
void hl_stepsort_free(hl_stepsort *s);
/* All of the above for a vec, one call per step: the first call (s zeroed,
 * or freed) begins, each runs until b is spent; 1 once sorted (s is freed
 * and may sort another), 0 to call again, HL_ERR_NOMEM. */
int hl_stepsort_vec(hl_stepsort *s, hl_vec *v, hl_stepsort_cmp cmp, void *ctx,
		    const hl_budget *b);

/* In a sorted array: the first element that is not before key (cmp(elem,
 * key) >= 0), or n. cmp is called with an element and key. */
size_t hl_sorted_lower(const void *a, size_t n, size_t size, const void *key,
		       hl_stepsort_cmp cmp, void *ctx);

#endif
