/* console.h — `hotline console`, the operator screen: its model of the
 * station (console_data.c, fed by the API and its event subscription), text
 * measured for the screen (console_text.c) and the drawing (console_view.c,
 * the only part that uses curses besides cmd_console.c's loop). */
#ifndef HL_CONSOLE_H
#define HL_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <jansson.h>

#include "buf.h"
#include "limits.h"

/* ---- console_text.c: text for the screen, no curses ---- */

/* s[0..len) as wide characters that are safe and measurable on the screen:
 * what hl_render_clean replaces (invalid UTF-8, controls, bidi overrides)
 * shows as U+FFFD, and a character the locale cannot show (wcwidth < 0) as
 * '?'; with multiline, '\n' is kept (tabs become a space). Writes at most
 * cap - 1 characters and a terminating 0; returns the count. */
size_t hl_con_widen(const char *s, size_t len, int multiline, wchar_t *out, size_t cap);
/* How many characters of s[0..n) fit in cols columns, never splitting a
 * double-width one; *used (may be NULL) gets their width. */
size_t hl_con_fit(const wchar_t *s, size_t n, int cols, int *used);
/* Columns s takes (0 for characters wcwidth cannot measure). */
int hl_con_width(const wchar_t *s, size_t n);
/* A duration for a countdown: "0:07", "2:41", "1:02:03"; days as "3d04h". */
void hl_con_duration(int64_t ms, char *out, size_t outlen);

/* ---- console_data.c: the model, from the daemon ---- */

enum { HL_CON_ACK_NONE = 0, HL_CON_ACK_WAITING, HL_CON_ACK_OVERDUE, HL_CON_ACK_ACKED };

typedef struct {
	char peer[HL_MAX_NAME + 1];
	char state[16];             /* up, connecting, down, stopped */
	int active_path;            /* -1: none */
	char endpoint[64];
	double rtt_ms;              /* < 0: unknown */
	int n_alarms;
	char alarms[96];            /* kinds, comma-separated (cut) */
	long long unreceipted;
	long long queued;           /* drafts in the outbox, not yet signed */
} hl_con_line;

typedef struct {
	json_t *json;               /* the inbox entry (a reference into inbox) */
	char ref[HL_MAX_NAME + 24]; /* "moscow#3": what `ack` is given */
	int prec;                   /* 0 routine .. 3 flash; -1 unknown */
	int exercise;
	int ack;                    /* HL_CON_ACK_* */
	int64_t due_ms;             /* wall clock; 0 unknown */
} hl_con_entry;

#define HL_CON_MAX_NEW 32

typedef struct {
	char socket_path[HL_MAX_PATH + 1];
	int req_fd, sub_fd;         /* -1 while not connected */
	hl_buf sub_in;              /* event bytes not yet a whole line */
	int connected;
	char error[300];            /* why not connected, for the banner */
	char station[HL_MAX_NAME + 1];
	hl_con_line lines[HL_MAX_PEERS];
	int n_lines;
	json_t *inbox;              /* the last inbox reply's entries */
	hl_con_entry *entries;      /* newest first */
	size_t n_entries;
	int dirty;                  /* an event came (or a connect, or 'r'): re-read the inbox too */
	/* FLASH entries from peers heard of while running (refs), until acked or
	 * opened: the alarm for a daemon whose entries carry no ack state. */
	char new_flash[HL_CON_MAX_NEW][HL_MAX_NAME + 24];
	int n_new_flash;
	int bell;                   /* something to ring for (cleared by the loop) */
} hl_con_model;

void hl_con_init(hl_con_model *m, const char *socket_path);
void hl_con_free(hl_con_model *m);
/* Connects (request connection and subscription) unless connected. 0, or
 * negative with m->error set. */
int hl_con_connect(hl_con_model *m);
void hl_con_disconnect(hl_con_model *m, const char *why);
/* Re-reads status, and the inbox when dirty. 0 or negative (then disconnected). */
int hl_con_refresh(hl_con_model *m);
/* Reads what the subscription has (non-blocking); sets dirty, bell,
 * new_flash. 0, or negative when the daemon went away. */
int hl_con_read_events(hl_con_model *m);
/* One request on the request connection; *reply (ok or not) or negative
 * with err. */
int hl_con_request(hl_con_model *m, json_t *req, json_t **reply, char *err, size_t errlen);
/* Acknowledges an entry; msg gets the outcome for the message line. */
int hl_con_ack(hl_con_model *m, const char *ref, char *msg, size_t msglen);
int hl_con_send(hl_con_model *m, const char *peer, const char *prec, int exercise,
		const char *text, char *msg, size_t msglen);
/* Forgets a ref from new_flash (acked or opened). */
void hl_con_seen(hl_con_model *m, const char *ref);
/* Entries whose ack is overdue now (by state or by the clock). */
int hl_con_overdue(const hl_con_model *m, int64_t now_ms, const hl_con_entry **first);
/* The ack state by the clock: WAITING past its due time counts as OVERDUE. */
int hl_con_ack_now(const hl_con_entry *e, int64_t now_ms);

#endif

/* ---- console_view.c: the screen (curses); state kept by cmd_console.c ---- */

enum { HL_CON_LIST = 0, HL_CON_ENTRY, HL_CON_COMPOSE };
enum { HL_CON_F_PEER = 0, HL_CON_F_PREC, HL_CON_F_EXERCISE, HL_CON_F_TEXT, HL_CON_F_N };
#define HL_CON_TEXT_MAX 4096 /* characters typed in compose */

typedef struct {
	int mode;                   /* HL_CON_LIST, ... */
	int help;                   /* the key help is shown over the mode */
	size_t sel, top;            /* list: selected entry, first one shown */
	int scroll;                 /* entry view: first line shown */
	int scroll_max;             /* set by the drawing */
	char msg[400];              /* the message line (outcome of an action) */
	int64_t msg_until_ms;
	int64_t now_ms;             /* wall clock of this frame */
	/* compose */
	int c_peer, c_prec, c_exercise, c_field;
	wchar_t c_text[HL_CON_TEXT_MAX + 1];
	size_t c_len;
} hl_con_ui;

/* After initscr: colours (when the terminal has them). */
void hl_con_view_setup(void);
/* Draws the whole screen for the mode (erase, draw, refresh). */
void hl_con_draw(const hl_con_model *m, hl_con_ui *ui);
/* Rows of the inbox list at the current size (for paging). */
int hl_con_list_rows(const hl_con_model *m);
