/* render.h — how `hotline` shows the daemon's replies to people: entries,
 * status, and text from a peer made safe for a terminal. */
#ifndef HL_RENDER_H
#define HL_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"

/* "2026-11-27 03:01:02.123Z" plus NUL. */
#define HL_RENDER_TIME_LEN 25

/* A malloc'd, NUL-terminated copy of s[0..len) that cannot drive a terminal:
 * invalid UTF-8, C0 controls, DEL and C1 controls become U+FFFD. With
 * multiline, \n and \t are kept and CRLF becomes \n; without it, they and
 * the bidi overrides (U+202A..U+202E, U+2066..U+2069) are replaced too.
 * NULL if out of memory. */
char *hl_render_clean(const char *s, size_t len, int multiline);

/* UTC ISO-8601 with milliseconds of a Unix time in ms (out >= HL_RENDER_TIME_LEN). */
void hl_render_time(int64_t ms, char *out, size_t outlen);

/* Writes text with indent before each of its lines; a final newline in the
 * text does not make an empty line; empty text shows as "(no text)". */
void hl_render_indented(FILE *f, const char *text, const char *indent);

/* One entry (docs/API.md ENTRY) as a header line, its text indented by four
 * spaces, and a blank line. Returns 0 or HL_ERR_NOMEM / HL_ERR_IO. */
int hl_render_entry(FILE *f, const json_t *entry);

/* Each entry of an "entries" array: with json, one compact JSON object per
 * line; else hl_render_entry blocks, or the line empty when there are none.
 * HL_ERR_INVAL if entries is not an array. */
int hl_render_entries(FILE *f, const json_t *entries, int json, const char *empty);

/* A status reply: the station, then one row per line; stopped lines get
 * their reason on a line of their own. Returns 0 or HL_ERR_NOMEM / HL_ERR_IO. */
int hl_render_status(FILE *f, const json_t *reply);

/* A send, notice or ack reply that says the entry was queued unsigned (a
 * draft: docs/API.md): says so, and what happens next, on standard error
 * and returns 1; 0 for any other reply. what: "message", "notice", ... */
int hl_render_queued(const json_t *reply, const char *what);

/* v as one compact JSON line (for --json). Returns 0 or HL_ERR_IO. */
int hl_render_json_line(FILE *f, const json_t *v);

/* For inbox and log: one round trip (consumes nothing; caller frees req),
 * then the reply's entries rendered (text, or JSON lines with cli->json).
 * what names the view in errors; empty is shown when there are none.
 * Returns the exit status. */
int hl_render_request_entries(const hl_cli *cli, const json_t *req, const char *what,
			      const char *empty);

#endif
