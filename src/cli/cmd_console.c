/* cmd_console.c — `hotline console`: the operator screen's loop. One poll()
 * on the terminal and the daemon's event subscription, no threads; keys
 * act on the model (console_data.c), the screen is redrawn from it
 * (console_view.c) after every key, event and second. */
#define NCURSES_WIDECHAR 1
#include "cli.h"
#include "console/console.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>

#include "client/client.h"

/* Events come in bursts: one re-read per this many ms, whatever their number. */
#define REFETCH_MIN_MS 100
/* RTT and path states change without events: status is re-read this often. */
#define STATUS_EVERY_MS 2000
#define RETRY_MS 1000
#define MSG_MS 6000

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(hl_con_ui *ui, const char *msg)
{
	snprintf(ui->msg, sizeof ui->msg, "%s", msg);
	ui->msg_until_ms = wall_ms() + MSG_MS;
}

/* The typed text as UTF-8 whatever the locale (wcstombs would follow it). */
static char *to_utf8(const wchar_t *w, size_t n)
{
	char *out = malloc(n * 4 + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = (uint32_t)w[i];
		if (c < 0x80) {
			*p++ = (char)c;
		} else if (c < 0x800) {
			*p++ = (char)(0xC0 | c >> 6);
			*p++ = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			if (c >= 0xD800 && c <= 0xDFFF)
				c = 0xFFFD;
			*p++ = (char)(0xE0 | c >> 12);
			*p++ = (char)(0x80 | (c >> 6 & 0x3F));
			*p++ = (char)(0x80 | (c & 0x3F));
		} else if (c <= 0x10FFFF) {
			*p++ = (char)(0xF0 | c >> 18);
			*p++ = (char)(0x80 | (c >> 12 & 0x3F));
			*p++ = (char)(0x80 | (c >> 6 & 0x3F));
			*p++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*p = '\0';
	return out;
}

static void ack_selected(hl_con_model *m, hl_con_ui *ui)
{
	char msg[400];
	if (ui->sel >= m->n_entries) {
		say(ui, "nothing selected to acknowledge");
		return;
	}
	hl_con_ack(m, m->entries[ui->sel].ref, msg, sizeof msg);
	say(ui, msg);
}

static void open_compose(hl_con_model *m, hl_con_ui *ui)
{
	ui->mode = HL_CON_COMPOSE;
	ui->c_prec = 0;
	ui->c_exercise = 0;
	ui->c_len = 0;
	ui->c_text[0] = 0;
	/* The peer of the selected entry is the likely addressee. */
	ui->c_peer = 0;
	if (ui->sel < m->n_entries) {
		const char *p = json_string_value(json_object_get(m->entries[ui->sel].json, "peer"));
		for (int i = 0; p && i < m->n_lines; i++)
			if (strcmp(m->lines[i].peer, p) == 0)
				ui->c_peer = i;
	}
	ui->c_field = m->n_lines > 1 ? HL_CON_F_PEER : HL_CON_F_PREC;
}

static void compose_send(hl_con_model *m, hl_con_ui *ui)
{
	static const char *const prec[] = { "routine", "priority", "immediate", "flash" };
	char msg[400];
	if (m->n_lines == 0) {
		say(ui, "no peer to send to");
		return;
	}
	if (ui->c_len == 0) {
		say(ui, "type the text first");
		ui->c_field = HL_CON_F_TEXT;
		return;
	}
	char *text = to_utf8(ui->c_text, ui->c_len);
	if (!text) {
		say(ui, "out of memory");
		return;
	}
	int rc = hl_con_send(m, m->lines[ui->c_peer % m->n_lines].peer, prec[ui->c_prec & 3],
			     ui->c_exercise, text, msg, sizeof msg);
	free(text);
	say(ui, msg);
	if (rc == 0)
		ui->mode = HL_CON_LIST;
}

static void compose_key(hl_con_model *m, hl_con_ui *ui, int code, wint_t wc)
{
	int f = ui->c_field, step = 0;
	if (!code && (wc == L'\t'))
		code = KEY_DOWN;
	switch (code) {
	case KEY_DOWN:
		ui->c_field = (f + 1) % HL_CON_F_N;
		return;
	case KEY_UP:
	case KEY_BTAB:
		ui->c_field = (f + HL_CON_F_N - 1) % HL_CON_F_N;
		return;
	case KEY_ENTER:
		compose_send(m, ui);
		return;
	case KEY_LEFT:
		step = -1;
		break;
	case KEY_RIGHT:
		step = 1;
		break;
	case KEY_BACKSPACE:
		wc = 127;
		break;
	case 0:
		break;
	default:
		return;
	}
	if (!code && (wc == 27)) {
		ui->mode = HL_CON_LIST;
		say(ui, "compose cancelled, nothing sent");
		return;
	}
	if (!code && (wc == L'\n' || wc == L'\r')) {
		compose_send(m, ui);
		return;
	}
	if (!code && wc == 21) { /* Ctrl-U */
		ui->c_len = 0;
		ui->c_text[0] = 0;
		return;
	}
	if (f == HL_CON_F_TEXT) {
		if (wc == 127 || wc == 8) {
			if (ui->c_len)
				ui->c_text[--ui->c_len] = 0;
		} else if (!code && iswprint(wc) && ui->c_len < HL_CON_TEXT_MAX) {
			ui->c_text[ui->c_len++] = (wchar_t)wc;
			ui->c_text[ui->c_len] = 0;
		}
		return;
	}
	if (!step && !code && wc == L' ')
		step = 1;
	if (f == HL_CON_F_PREC && !code) { /* f, i, p, r choose directly */
		const char *keys = "rpif", *k = wc < 128 ? strchr(keys, (int)wc) : NULL;
		if (k && *k)
			ui->c_prec = (int)(k - keys);
	}
	if (!step)
		return;
	if (f == HL_CON_F_PEER && m->n_lines > 0)
		ui->c_peer = (ui->c_peer + m->n_lines + step) % m->n_lines;
	else if (f == HL_CON_F_PREC)
		ui->c_prec = (ui->c_prec + 4 + step) % 4;
	else if (f == HL_CON_F_EXERCISE)
		ui->c_exercise = !ui->c_exercise;
}

/* Returns 1 to quit. */
static int on_key(hl_con_model *m, hl_con_ui *ui, int code, wint_t wc)
{
	if (code == KEY_RESIZE)
		return 0; /* the loop redraws at the new size */
	if (ui->help) {
		ui->help = 0;
		return 0;
	}
	if (ui->mode == HL_CON_COMPOSE) {
		if (code == KEY_F(1))
			ui->help = 1;
		else
			compose_key(m, ui, code, wc);
		return 0;
	}
	int rows = hl_con_list_rows(m);
	if (!code) {
		switch (wc) {
		case L'q': return 1;
		case L'?': ui->help = 1; return 0;
		case L'a': ack_selected(m, ui); return 0;
		case L'c': open_compose(m, ui); return 0;
		case L'r': m->dirty = 1; return 0;
		case L'k': code = KEY_UP; break;
		case L'j': code = KEY_DOWN; break;
		case L'\n': case L'\r': code = KEY_ENTER; break;
		case 27: code = KEY_EXIT; break;
		default: return 0;
		}
	}
	if (ui->mode == HL_CON_ENTRY) {
		if (code == KEY_UP && ui->scroll > 0)
			ui->scroll--;
		else if (code == KEY_DOWN && ui->scroll < ui->scroll_max)
			ui->scroll++;
		else if (code == KEY_NPAGE)
			ui->scroll = ui->scroll + rows < ui->scroll_max ? ui->scroll + rows : ui->scroll_max;
		else if (code == KEY_PPAGE)
			ui->scroll = ui->scroll > rows ? ui->scroll - rows : 0;
		else if (code == KEY_EXIT || code == KEY_ENTER || code == KEY_LEFT)
			ui->mode = HL_CON_LIST;
		return 0;
	}
	switch (code) {
	case KEY_UP:
		if (ui->sel > 0)
			ui->sel--;
		break;
	case KEY_DOWN:
		if (ui->sel + 1 < m->n_entries)
			ui->sel++;
		break;
	case KEY_PPAGE:
		ui->sel = ui->sel > (size_t)rows ? ui->sel - (size_t)rows : 0;
		break;
	case KEY_NPAGE:
		ui->sel += (size_t)rows;
		if (ui->sel >= m->n_entries)
			ui->sel = m->n_entries ? m->n_entries - 1 : 0;
		break;
	case KEY_HOME:
		ui->sel = 0;
		break;
	case KEY_END:
		ui->sel = m->n_entries ? m->n_entries - 1 : 0;
		break;
	case KEY_ENTER:
	case KEY_RIGHT:
		if (ui->sel < m->n_entries) {
			ui->mode = HL_CON_ENTRY;
			ui->scroll = 0;
			if (m->entries[ui->sel].ack == HL_CON_ACK_NONE)
				hl_con_seen(m, m->entries[ui->sel].ref);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* Keeps the selection on the same entry when new ones arrive above it. */
static void refresh_keep(hl_con_model *m, hl_con_ui *ui)
{
	char ref[sizeof m->entries[0].ref] = "";
	if (ui->sel < m->n_entries)
		snprintf(ref, sizeof ref, "%s", m->entries[ui->sel].ref);
	if (hl_con_refresh(m) < 0)
		return;
	for (size_t i = 0; ref[0] && i < m->n_entries; i++) {
		if (strcmp(m->entries[i].ref, ref) == 0) {
			ui->sel = i;
			return;
		}
	}
}

static int run(hl_con_model *m)
{
	hl_con_ui *ui = calloc(1, sizeof *ui);
	int64_t last_fetch = 0, last_status = 0, next_retry = 0;
	int prev_over = 0, quit = 0;
	if (!ui)
		return 1;
	while (!quit) {
		int64_t now = wall_ms();
		ui->now_ms = now;
		if (!m->connected && now >= next_retry) {
			if (hl_con_connect(m) < 0)
				next_retry = now + RETRY_MS;
		}
		if (m->connected && ((m->dirty && now - last_fetch >= REFETCH_MIN_MS) ||
				     now - last_status >= STATUS_EVERY_MS)) {
			refresh_keep(m, ui);
			last_fetch = last_status = now;
		}
		int over = hl_con_overdue(m, now, NULL);
		if (over > prev_over)
			m->bell = 1;
		prev_over = over;
		if (m->bell) {
			beep();
			flash();
			m->bell = 0;
		}
		hl_con_draw(m, ui);

		struct pollfd pf[2] = { { .fd = 0, .events = POLLIN },
					{ .fd = m->sub_fd, .events = POLLIN } };
		int timeout = (int)(1000 - now % 1000);
		if (m->dirty && m->connected && timeout > REFETCH_MIN_MS)
			timeout = REFETCH_MIN_MS;
		int rc = poll(pf, m->sub_fd >= 0 ? 2 : 1, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0 && m->sub_fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
			hl_con_read_events(m);
		/* Keys, and KEY_RESIZE after a SIGWINCH (which also ends poll). */
		wint_t wc;
		int k;
		while (!quit && (k = get_wch(&wc)) != ERR)
			quit = on_key(m, ui, k == KEY_CODE_YES ? (int)wc : 0, wc);
		if (rc > 0 && (pf[0].revents & (POLLHUP | POLLERR)))
			break; /* the terminal went away */
	}
	free(ui);
	return 0;
}

int hl_cmd_console(const hl_cli *cli, int argc, char **argv)
{
	char sock[HL_MAX_PATH + 1];
	hl_con_model m;
	int status;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "hotline: console takes no arguments\n");
		return 2;
	}
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "hotline: console needs a terminal on standard input and output\n");
		return 1;
	}
	if (hl_client_socket_path(cli, sock, sizeof sock) != 0)
		return 1;
	hl_con_init(&m, sock);
	setlocale(LC_ALL, "");
	if (!initscr()) {
		fprintf(stderr, "hotline: console: cannot start the terminal (is TERM set?)\n");
		hl_con_free(&m);
		return 1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	hl_con_view_setup();
	status = run(&m);
	endwin();
	hl_con_free(&m);
	return status;
}
