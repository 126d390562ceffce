/* cmd_send.c — `hotline send PEER`: checks the text locally (UTF-8, size),
 * uploads a --file attachment first (cmd_attachment.c), hands the message to
 * hotlined, and prints the entry id once it is committed (or says it is
 * queued, unsigned, until the peer confirms the record). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "cli_input.h"
#include "client.h"
#include "entryref.h"
#include "err.h"
#include "limits.h"
#include "render.h"
#include "text.h"

typedef struct {
	const char *peer;
	const char *text;        /* NULL or "-": standard input */
	const char *precedence;  /* canonical lower case */
	const char *lang;        /* NULL: the daemon's default */
	int exercise;            /* --exercise: marked so on every view, both stations */
	const char *file;        /* --file: attached; TEXT then optional (no stdin) */
	const char *reply_to;    /* --reply-to ENTRY: the entry this one answers */
} send_args;

static const char *const precedences[] = { "flash", "immediate", "priority", "routine" };

static const char *canonical_precedence(const char *s)
{
	for (size_t i = 0; i < sizeof precedences / sizeof precedences[0]; i++)
		if (strcasecmp(s, precedences[i]) == 0)
			return precedences[i];
	return NULL;
}

/* Returns 0, or 2 after saying what is wrong. */
static int parse_args(int argc, char **argv, send_args *a)
{
	int dashdash = 0;

	memset(a, 0, sizeof *a);
	a->precedence = "routine";
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *val = NULL;

		if (!dashdash && strcmp(s, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (dashdash || s[0] != '-' || s[1] == '\0') { /* "-" is stdin */
			if (!a->peer) {
				a->peer = s;
			} else if (!a->text) {
				a->text = s;
			} else {
				fprintf(stderr, "hotline: send: too many arguments "
						"(quote the message text: hotline send PEER 'TEXT')\n");
				return 2;
			}
			continue;
		}
		if (strcmp(s, "--exercise") == 0) {
			a->exercise = 1;
			continue;
		}
		if (strcmp(s, "--file") == 0 || strncmp(s, "--file=", 7) == 0) {
			if (s[6] == '=') {
				a->file = s + 7;
			} else if (i + 1 < argc) {
				a->file = argv[++i];
			} else {
				fprintf(stderr, "hotline: send: option --file needs a FILE\n");
				return 2;
			}
			if (!a->file[0]) {
				fprintf(stderr, "hotline: send: --file needs a non-empty FILE\n");
				return 2;
			}
			continue;
		}
		if (strcmp(s, "--reply-to") == 0 || strncmp(s, "--reply-to=", 11) == 0) {
			hl_entryref ref;
			if (s[10] == '=') {
				a->reply_to = s + 11;
			} else if (i + 1 < argc) {
				a->reply_to = argv[++i];
			} else {
				fprintf(stderr, "hotline: send: option --reply-to needs an ENTRY\n");
				return 2;
			}
			if (hl_entryref_parse(a->reply_to, &ref) < 0) {
				fprintf(stderr, "hotline: send: --reply-to '%s' does not name an entry "
						"(AUTHOR#SEQ[@PEER] or an id of at least %u hex digits)\n",
					a->reply_to, HL_ENTRYREF_MIN_HEX);
				return 2;
			}
			continue;
		}
		if (strcmp(s, "-p") == 0 || strcmp(s, "--lang") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hotline: send: option %s needs a value\n", s);
				return 2;
			}
			val = argv[++i];
		} else if (strncmp(s, "-p", 2) == 0) {
			val = s + 2;
		} else if (strncmp(s, "--lang=", 7) == 0) {
			val = s + 7;
		} else {
			fprintf(stderr, "hotline: send: unknown option '%s'\n", s);
			return 2;
		}
		if (s[1] == 'p') {
			a->precedence = canonical_precedence(val);
			if (!a->precedence) {
				fprintf(stderr, "hotline: send: precedence must be flash, immediate, "
						"priority or routine, not '%s'\n", val);
				return 2;
			}
		} else {
			if (!hl_lang_valid(val, strlen(val))) {
				fprintf(stderr, "hotline: send: '%s' is not a language tag "
						"(like en, ru, zh-Hant)\n", val);
				return 2;
			}
			a->lang = val;
		}
	}
	if (!a->peer) {
		fprintf(stderr, "hotline: send: missing PEER\n");
		return 2;
	}
	if (strlen(a->peer) > HL_MAX_NAME || !hl_label_valid(a->peer, strlen(a->peer))) {
		fprintf(stderr, "hotline: send: '%s' is not a valid peer name\n", a->peer);
		return 2;
	}
	return 0;
}

/* Refuses, before the daemon sees it, what the daemon would refuse anyway. */
static int check_text(const char *text, size_t len, int with_file)
{
	size_t i;

	if (len > HL_MAX_BODY) {
		fprintf(stderr, "hotline: send: the message is longer than %u bytes; refused "
				"(send it in parts)\n", HL_MAX_BODY);
		return 1;
	}
	if (!hl_text_valid((const uint8_t *)text, len)) {
		fprintf(stderr, "hotline: send: the message is not valid UTF-8 text, or it holds "
				"control characters other than tab and newline; refused\n");
		return 1;
	}
	if (with_file)
		return 0; /* the file is the message; text is optional */
	for (i = 0; i < len; i++)
		if (!strchr(" \t\r\n", text[i]))
			return 0;
	fprintf(stderr, "hotline: send: empty message refused\n");
	return 1;
}

static int valid_id(const char *id)
{
	if (!id || strlen(id) != 64)
		return 0;
	return strspn(id, "0123456789abcdef") == 64;
}

int hl_cmd_send(const hl_cli *cli, int argc, char **argv)
{
	send_args a;
	char *buf = NULL;
	const char *text;
	size_t len;
	json_t *req = NULL, *reply = NULL;
	const char *id;
	int status;

	status = parse_args(argc, argv, &a);
	if (status != 0)
		return status;
	if (a.file && !a.text) {
		text = "";
		len = 0;
	} else if (!a.text || strcmp(a.text, "-") == 0) {
		status = hl_cli_read_stdin("type the message", &buf, &len);
		if (status != 0)
			goto out;
		text = buf;
	} else {
		text = a.text;
		len = strlen(text);
	}
	status = check_text(text, len, a.file != NULL);
	if (status != 0)
		goto out;
	char hex[65] = "";
	if (a.file) {
		status = hl_attach_upload(cli, a.peer, a.file, hex);
		if (status != 0)
			goto out;
	}

	status = 1;
	req = json_pack("{s:s, s:s, s:s, s:s%}", "cmd", "send", "peer", a.peer,
			"precedence", a.precedence, "text", text, len);
	if (!req || (a.lang && json_object_set_new(req, "lang", json_string(a.lang)) < 0) ||
	    (a.exercise && json_object_set_new(req, "exercise", json_true()) < 0) ||
	    (a.file && json_object_set_new(req, "attachment", json_string(hex)) < 0) ||
	    (a.reply_to && json_object_set_new(req, "reply_to", json_string(a.reply_to)) < 0)) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	status = hl_client_run(cli, req, &reply);
	if (status != 0)
		goto out;
	id = json_string_value(json_object_get(reply, "id"));
	if (cli->json) {
		if (hl_render_json_line(stdout, reply) < 0)
			status = 1; /* main reports the write error */
	} else if (hl_render_queued(reply, "message")) {
		status = 0; /* stored durably, unsigned: no id yet */
	} else if (valid_id(id)) {
		if (printf("%s\n", id) < 0 || fflush(stdout) == EOF) {
			fprintf(stderr, "hotline: the message was stored as %s, but writing "
					"its id failed: %s\n", id, strerror(errno));
			status = 1;
		}
	} else {
		fprintf(stderr, "hotline: hotlined accepted the message but replied without a valid "
				"entry id; check 'hotline log %s'\n", a.peer);
		status = 1;
	}
out:
	json_decref(req);
	json_decref(reply);
	free(buf);
	return status;
}
