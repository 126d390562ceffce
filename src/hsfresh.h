/* hsfresh.h — the responder's freshness rule for a handshake message 1 of
 * one peer: newer than the newest accepted, or else within a window around
 * our own clock and not seen before (a clock that stepped back, or another
 * path's newer handshake that arrived first). Pure: no I/O, no clock. */
#ifndef HL_HSFRESH_H
#define HL_HSFRESH_H

#include <stdint.h>

/* Message 1s accepted inside the window that are remembered. An honest
 * peer makes a handshake per path per RekeyAfter (and per reconnect): a
 * window of a few minutes holds a handful. */
#define HL_HSFRESH_MAX_SEEN 64

typedef struct {
	uint8_t ts[12];  /* its TAI64N */
	uint8_t eph[32]; /* the initiator's ephemeral key: names one message 1 */
} hl_hsfresh_seen;

typedef struct {
	uint8_t newest[12];  /* newest TAI64N ever accepted (kept in the store) */
	/* Newest accepted while inside the window (kept in the store too):
	 * every message 1 that was in the window when accepted is at or below
	 * it. After a restart the window admits only what is above (floor). */
	uint8_t window_high[12];
	uint8_t floor[12];   /* the window refuses this and older: forgotten */
	hl_hsfresh_seen seen[HL_HSFRESH_MAX_SEEN];
	unsigned n_seen;
} hl_hsfresh;

enum hl_hsfresh_verdict {
	HL_HSFRESH_NEWER = 1,  /* newer than the newest accepted: as WireGuard */
	HL_HSFRESH_WINDOW = 2, /* not newer, but within the window and unseen */
	HL_HSFRESH_SEEN = 3,   /* refused: this message 1 was accepted already */
	HL_HSFRESH_OUTSIDE = 4, /* refused: not newer, and outside the window */
	HL_HSFRESH_FORGOTTEN = 5 /* refused: in the window, but at or below the floor */
};

/* What accept changed, to be stored. */
#define HL_HSFRESH_NEWEST_ROSE 1
#define HL_HSFRESH_WINDOW_ROSE 2

/* Milliseconds since the epoch of a TAI64N label (2^62 + 10 + seconds,
 * nanoseconds); HL_ERR_INVAL for a label no clock of ours would write. */
int hl_tai64n_ms(const uint8_t ts[12], int64_t *ms);

/* The verdict on message 1 dated ts with ephemeral key eph, at our wall
 * clock now_ms, for a window of ±window_ms. */
int hl_hsfresh_check(const hl_hsfresh *f, const uint8_t ts[12], const uint8_t eph[32],
		     uint64_t now_ms, uint64_t window_ms);
/* Records an accepted message 1: newest rises; one in the window is
 * remembered and raises window_high (one outside it is refused by age
 * until it comes into the window, see THREAT-MODEL.md); remembered ones
 * that have left the window are dropped (refused by age now); when full,
 * the oldest goes and the floor rises to it. Returns HL_HSFRESH_*_ROSE bits. */
int hl_hsfresh_accept(hl_hsfresh *f, const uint8_t ts[12], const uint8_t eph[32], uint64_t now_ms,
		      uint64_t window_ms);
/* How far ts lies before newest, in ms (0 if not before; either label not a
 * time: 0). */
uint64_t hl_hsfresh_behind_ms(const hl_hsfresh *f, const uint8_t ts[12]);
/* At start: the stored newest and window_high; nothing seen is known, so
 * the floor is window_high. */
void hl_hsfresh_load(hl_hsfresh *f, const uint8_t newest[12], const uint8_t window_high[12]);
/* After a failed commit: keeps the larger of memory's and the store's (a
 * reload never lowers the bar); 1 if memory's was larger, which then needs
 * writing again. */
int hl_hsfresh_merge_stored(hl_hsfresh *f, const uint8_t newest[12], const uint8_t window_high[12]);

#endif
