/* stepsort.c — a bottom-up merge sort in resumable steps: runs of 16 are
 * sorted by insertion first, then runs are merged pairwise, widths doubling.
 * A merge copies its shorter run aside (so the scratch is half the array)
 * and is skipped when the two runs are already in order, which makes an
 * almost sorted array (two chains, each in time order) cost one pass. */
#include "stepsort.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

#define INSERTION_RUN 16u
#define CHECK_EVERY 512u /* element moves between looks at the clock */

#define AT(s, x) ((s)->a + (x) * (s)->size)
#define TMP(s, x) ((s)->tmp + (x) * (s)->size)

int hl_stepsort_begin(hl_stepsort *s, void *a, size_t n, size_t size, hl_stepsort_cmp cmp,
		      void *ctx)
{
	memset(s, 0, sizeof *s);
	s->a = a;
	s->n = n;
	s->size = size;
	s->cmp = cmp;
	s->ctx = ctx;
	s->done = n < 2;
	/* +1: room for the element an insertion holds aside. */
	s->tmp = malloc((n / 2 + 1) * size);
	return s->tmp ? 0 : HL_ERR_NOMEM;
}

void hl_stepsort_free(hl_stepsort *s)
{
	free(s->tmp);
	s->tmp = NULL;
}

/* Runs of INSERTION_RUN from lo, one run per call. */
static void insertion_run(hl_stepsort *s)
{
	size_t end = s->lo + INSERTION_RUN < s->n ? s->lo + INSERTION_RUN : s->n;
	for (size_t x = s->lo + 1; x < end; x++) {
		if (s->cmp(AT(s, x - 1), AT(s, x), s->ctx) <= 0)
			continue;
		memcpy(s->tmp, AT(s, x), s->size);
		size_t y = x;
		while (y > s->lo && s->cmp(AT(s, y - 1), s->tmp, s->ctx) > 0) {
			memcpy(AT(s, y), AT(s, y - 1), s->size);
			y--;
		}
		memcpy(AT(s, y), s->tmp, s->size);
	}
	s->lo = end;
}

/* Sets up the merge of the pair at lo, or passes over it: 1 if a merge
 * is to be done. */
static int merge_start(hl_stepsort *s)
{
	s->mid = s->lo + s->width;
	if (s->mid >= s->n) {
		s->lo = s->n;
		return 0;
	}
	s->hi = s->mid + s->width < s->n ? s->mid + s->width : s->n;
	if (s->cmp(AT(s, s->mid - 1), AT(s, s->mid), s->ctx) <= 0) {
		s->lo = s->hi;
		return 0;
	}
	size_t nl = s->mid - s->lo, nr = s->hi - s->mid;
	s->copied = 0;
	if (nl <= nr) {
		/* Forward: tmp[i..nl) and a[j..hi) into a[k..), k <= j always. */
		s->i = 0;
		s->j = s->mid;
		s->k = s->lo;
		s->merging = 1;
	} else {
		/* Backward: a[lo..i) and tmp[0..j) into a[..k), from the ends. */
		s->i = s->mid;
		s->j = nr;
		s->k = s->hi;
		s->merging = 2;
	}
	return 1;
}

/* The shorter run goes aside in pieces (a large copy into memory not yet
 * touched costs page faults): 1 once it is all in tmp. */
static int copy_some(hl_stepsort *s, size_t moves)
{
	size_t from = s->merging == 1 ? s->lo : s->mid;
	size_t len = s->merging == 1 ? s->mid - s->lo : s->hi - s->mid;
	size_t n = len - s->copied < moves ? len - s->copied : moves;
	memcpy(TMP(s, s->copied), AT(s, from + s->copied), n * s->size);
	s->copied += n;
	return s->copied == len;
}

/* Continues the merge for at most `moves` elements: 1 once it is done. */
static int merge_some(hl_stepsort *s, size_t moves)
{
	size_t sz = s->size;
	if (s->merging == 1) {
		size_t nl = s->mid - s->lo;
		while (moves-- > 0 && s->i < nl && s->j < s->hi) {
			if (s->cmp(TMP(s, s->i), AT(s, s->j), s->ctx) <= 0)
				memcpy(AT(s, s->k++), TMP(s, s->i++), sz);
			else
				memcpy(AT(s, s->k++), AT(s, s->j++), sz);
		}
		if (s->i < nl && s->j < s->hi)
			return 0;
		if (s->i < nl) /* what is left of the right run is in place */
			memcpy(AT(s, s->k), TMP(s, s->i), (nl - s->i) * sz);
	} else {
		while (moves-- > 0 && s->i > s->lo && s->j > 0) {
			if (s->cmp(AT(s, s->i - 1), TMP(s, s->j - 1), s->ctx) > 0)
				memcpy(AT(s, --s->k), AT(s, --s->i), sz);
			else
				memcpy(AT(s, --s->k), TMP(s, --s->j), sz);
		}
		if (s->i > s->lo && s->j > 0)
			return 0;
		if (s->j > 0) /* what is left of the left run is in place */
			memcpy(AT(s, s->lo), s->tmp, s->j * sz);
	}
	s->merging = 0;
	s->lo = s->hi;
	return 1;
}

int hl_stepsort_run(hl_stepsort *s, const hl_budget *b)
{
	while (!s->done) {
		if (s->width == 0) {
			/* The first pass: insertion-sorted runs. */
			for (unsigned r = 0; r < CHECK_EVERY / INSERTION_RUN && s->lo < s->n; r++)
				insertion_run(s);
			if (s->lo >= s->n) {
				s->width = INSERTION_RUN;
				s->lo = 0;
			}
		} else if (s->merging) {
			if (copy_some(s, 8u * CHECK_EVERY))
				merge_some(s, CHECK_EVERY);
		} else if (s->lo < s->n) {
			/* Starting merges costs a compare each: a few per look at the clock. */
			for (unsigned r = 0; r < 64 && s->lo < s->n && !s->merging; r++)
				merge_start(s);
		} else if (s->width >= (s->n + 1) / 2) { /* runs of 2 x width: the whole */
			s->done = 1;
		} else {
			s->width *= 2;
			s->lo = 0;
		}
		if (!s->done && hl_budget_spent(b))
			return 0;
	}
	return 1;
}

int hl_stepsort_vec(hl_stepsort *s, hl_vec *v, hl_stepsort_cmp cmp, void *ctx,
		    const hl_budget *b)
{
	if (!s->tmp && hl_stepsort_begin(s, v->p, v->n, v->size, cmp, ctx) < 0)
		return HL_ERR_NOMEM;
	if (hl_stepsort_run(s, b) == 0)
		return 0;
	hl_stepsort_free(s);
	return 1;
}

size_t hl_sorted_lower(const void *a, size_t n, size_t size, const void *key,
		       hl_stepsort_cmp cmp, void *ctx)
{
	const uint8_t *p = a;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (cmp(p + m * size, key, ctx) < 0)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

void hl_vec_init(hl_vec *v, size_t size)
{
	memset(v, 0, sizeof *v);
	v->size = size;
}

int hl_vec_reserve(hl_vec *v, size_t n)
{
	if (n <= v->cap)
		return 0;
	if (n > SIZE_MAX / v->size)
		return HL_ERR_NOMEM;
	uint8_t *p = realloc(v->p, n * v->size);
	if (!p)
		return HL_ERR_NOMEM;
	v->p = p;
	v->cap = n;
	return 0;
}

void *hl_vec_push(hl_vec *v)
{
	if (v->n == v->cap && hl_vec_reserve(v, v->cap ? v->cap * 2 : 64) < 0)
		return NULL;
	void *e = v->p + v->n++ * v->size;
	memset(e, 0, v->size);
	return e;
}

void *hl_vec_at(const hl_vec *v, size_t i)
{
	return v->p + i * v->size;
}

void hl_vec_free(hl_vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
}
