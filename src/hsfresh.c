/* hsfresh.c — whether a handshake message 1 is fresh: newer than any
 * accepted, or within a window around our clock and never seen (hsfresh.h;
 * the reasoning is in THREAT-MODEL.md "Replaying a captured message 1"). */
#include "hsfresh.h"

#include <string.h>

#include "buf.h"
#include "err.h"

#define TAI64_EPOCH 0x400000000000000aULL /* 2^62 + 10: the label of 1970 */
#define SECS_MAX (1ULL << 40)              /* some 35,000 years */

int hl_tai64n_ms(const uint8_t ts[12], int64_t *ms)
{
	uint64_t label = hl_be64_get(ts);
	uint32_t ns = hl_be32_get(ts + 8);
	if (label < TAI64_EPOCH || label - TAI64_EPOCH >= SECS_MAX || ns >= 1000000000u)
		return HL_ERR_INVAL;
	*ms = (int64_t)(label - TAI64_EPOCH) * 1000 + (int64_t)(ns / 1000000u);
	return 0;
}

/* Sets v to ts if ts is later: 1 if it was. */
static int raise_to(uint8_t v[12], const uint8_t ts[12])
{
	if (memcmp(ts, v, 12) <= 0)
		return 0;
	memcpy(v, ts, 12);
	return 1;
}

/* 1 if ts lies within ±window_ms of now_ms. */
static int in_window(const uint8_t ts[12], uint64_t now_ms, uint64_t window_ms)
{
	int64_t t;
	if (hl_tai64n_ms(ts, &t) < 0)
		return 0;
	int64_t d = t - (int64_t)now_ms;
	return (d < 0 ? -d : d) <= (int64_t)window_ms;
}

static int seen(const hl_hsfresh *f, const uint8_t eph[32])
{
	/* The ephemeral key is public (sent in clear): no constant time needed. */
	for (unsigned i = 0; i < f->n_seen; i++)
		if (memcmp(f->seen[i].eph, eph, 32) == 0)
			return 1;
	return 0;
}

int hl_hsfresh_check(const hl_hsfresh *f, const uint8_t ts[12], const uint8_t eph[32],
		     uint64_t now_ms, uint64_t window_ms)
{
	/* TAI64N is big-endian: byte order is time order. */
	if (memcmp(ts, f->newest, 12) > 0)
		return HL_HSFRESH_NEWER;
	if (!in_window(ts, now_ms, window_ms))
		return HL_HSFRESH_OUTSIDE;
	if (seen(f, eph))
		return HL_HSFRESH_SEEN;
	return memcmp(ts, f->floor, 12) > 0 ? HL_HSFRESH_WINDOW : HL_HSFRESH_FORGOTTEN;
}

/* Forgets what has left the window: a replay of it is refused by age. */
static void prune(hl_hsfresh *f, uint64_t now_ms, uint64_t window_ms)
{
	unsigned j = 0;
	for (unsigned i = 0; i < f->n_seen; i++)
		if (in_window(f->seen[i].ts, now_ms, window_ms))
			f->seen[j++] = f->seen[i];
	f->n_seen = j;
}

int hl_hsfresh_accept(hl_hsfresh *f, const uint8_t ts[12], const uint8_t eph[32], uint64_t now_ms,
		      uint64_t window_ms)
{
	int rose = 0;
	if (raise_to(f->newest, ts))
		rose |= HL_HSFRESH_NEWEST_ROSE;
	prune(f, now_ms, window_ms);
	if (!in_window(ts, now_ms, window_ms) || seen(f, eph))
		return rose;
	if (raise_to(f->window_high, ts))
		rose |= HL_HSFRESH_WINDOW_ROSE;
	if (f->n_seen == HL_HSFRESH_MAX_SEEN) {
		/* Only a peer that holds its key fills it (a replay adds
		 * nothing); what a replay of the evicted one gets is a
		 * session that is never confirmed (session.c). */
		unsigned old = 0;
		for (unsigned i = 1; i < f->n_seen; i++)
			if (memcmp(f->seen[i].ts, f->seen[old].ts, 12) < 0)
				old = i;
		raise_to(f->floor, f->seen[old].ts);
		f->seen[old] = f->seen[--f->n_seen];
	}
	memcpy(f->seen[f->n_seen].ts, ts, 12);
	memcpy(f->seen[f->n_seen].eph, eph, 32);
	f->n_seen++;
	return rose;
}

uint64_t hl_hsfresh_behind_ms(const hl_hsfresh *f, const uint8_t ts[12])
{
	int64_t t, n;
	if (hl_tai64n_ms(ts, &t) < 0 || hl_tai64n_ms(f->newest, &n) < 0 || t >= n)
		return 0;
	return (uint64_t)(n - t);
}

void hl_hsfresh_load(hl_hsfresh *f, const uint8_t newest[12], const uint8_t window_high[12])
{
	memset(f, 0, sizeof *f);
	memcpy(f->newest, newest, 12);
	memcpy(f->window_high, window_high, 12);
	memcpy(f->floor, window_high, 12);
}

int hl_hsfresh_merge_stored(hl_hsfresh *f, const uint8_t newest[12], const uint8_t window_high[12])
{
	int lower = memcmp(newest, f->newest, 12) < 0 || memcmp(window_high, f->window_high, 12) < 0;
	raise_to(f->newest, newest);
	raise_to(f->window_high, window_high);
	return lower;
}
