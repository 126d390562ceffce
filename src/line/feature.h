/* feature.h — how a station feature (src/station/: link tests, attachments,
 * the watch, check-ins) hooks into every line without the line naming it:
 * a table of callbacks registered with the core at start-up (as OpenSSH's
 * dispatch table, nginx's modules). Every hook may be NULL. */
#ifndef HL_FEATURE_H
#define HL_FEATURE_H

#include <stddef.h>
#include <stdint.h>

#include "record/entry.h"

typedef struct hl_line hl_line;
typedef struct hl_session hl_session;

#define HL_FEATURE_RECORDS 4

typedef struct hl_feature {
	const char *name;
	/* Record types (wire.h HL_REC_*) this feature takes; 0 ends the list.
	 * A type no line or feature takes closes the session. */
	uint8_t records[HL_FEATURE_RECORDS];
	/* A record of one of those types on l's established session s;
	 * negative closes the session. */
	int (*on_record)(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len);
	/* An entry (own: ours) stored in the turn's open transaction; negative
	 * if what follows from it could not be recorded: the turn is then
	 * lost whole, the entry with it (feature.c). */
	int (*on_entry)(hl_line *l, const hl_entry *e, const uint8_t hash[32], uint64_t stored_ms,
			int own);
	/* The peer's HELLO verified on s: resume what waits on the line. */
	void (*on_hello)(hl_line *l, hl_session *s);
	/* The line streamed its own entries: send what may follow them. */
	void (*pump)(hl_line *l);
	/* The line's supervision tick; now is monotonic ms (hl_now_ms). */
	void (*tick)(hl_line *l, uint64_t now);
	/* A commit failed: what the feature kept of the lost turn is stale. */
	void (*reload)(hl_line *l);
	/* The line closes (shutdown, a reload): free what the feature holds. */
	void (*close)(hl_line *l);
} hl_feature;

/* feature.c: the registered features, in order, for one line. */
int hl_features_on_record(hl_line *l, hl_session *s, uint8_t type, const uint8_t *body, size_t len,
			  int *taken);
void hl_features_on_hello(hl_line *l, hl_session *s);
void hl_features_pump(hl_line *l);
void hl_features_tick(hl_line *l, uint64_t now);
void hl_features_reload(hl_line *l);
void hl_features_close(hl_line *l);

#endif
