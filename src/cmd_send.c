/* cmd_send.c — `hotline send PEER`: checks the text locally (UTF-8, size),
 * hands it to hotlined, and prints the entry id once it is committed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "cli_input.h"
#include "client.h"
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
static int check_text(const char *text, size_t len)
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
	if (!a.text || strcmp(a.text, "-") == 0) {
		status = hl_cli_read_stdin("type the message", &buf, &len);
		if (status != 0)
			goto out;
		text = buf;
	} else {
		text = a.text;
		len = strlen(text);
	}
	status = check_text(text, len);
	if (status != 0)
		goto out;

	status = 1;
	req = json_pack("{s:s, s:s, s:s, s:s%}", "cmd", "send", "peer", a.peer,
			"precedence", a.precedence, "text", text, len);
	if (!req || (a.lang && json_object_set_new(req, "lang", json_string(a.lang)) < 0) ||
	    (a.exercise && json_object_set_new(req, "exercise", json_true()) < 0)) {
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
