/* cmd_translate.c — `hotline translate ENTRY --lang TAG [TEXT|-]` attaches a
 * translation to an entry in this station's own records (prints its number);
 * `hotline certify ID` records a second operator's review of it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client/cli_input.h"
#include "client/client.h"
#include "util/err.h"
#include "util/limits.h"
#include "client/render.h"
#include "util/text.h"

/* The reply's translation number on stdout (or the reply with --json). */
static int print_reply(const hl_cli *cli, const json_t *reply, const char *what)
{
	const json_t *id = json_object_get(reply, "id");

	if (cli->json)
		return hl_render_json_line(stdout, reply) < 0;
	if (!json_is_integer(id)) {
		fprintf(stderr, "hotline: hotlined replied to the %s without a translation number\n",
			what);
		return 1;
	}
	const char *by = json_string_value(json_object_get(reply, "certified_by"));
	char *cb = by ? hl_render_clean(by, strlen(by), 0) : NULL;
	int n = cb ? printf("translation %lld certified by %s\n", (long long)json_integer_value(id), cb)
		   : printf("%lld\n", (long long)json_integer_value(id));
	free(cb);
	if (n < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "hotline: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int hl_cmd_translate(const hl_cli *cli, int argc, char **argv)
{
	const char *entry = NULL, *text = NULL, *lang = NULL;
	char *buf = NULL;
	size_t len;
	json_t *req = NULL, *reply = NULL;
	int dashdash = 0, status = 2;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!dashdash && strcmp(s, "--") == 0) {
			dashdash = 1;
		} else if (!dashdash && strcmp(s, "--lang") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hotline: translate: option --lang needs a value\n");
				return 2;
			}
			lang = argv[++i];
		} else if (!dashdash && strncmp(s, "--lang=", 7) == 0) {
			lang = s + 7;
		} else if (!dashdash && s[0] == '-' && s[1] != '\0') {
			fprintf(stderr, "hotline: translate: unknown option '%s'\n", s);
			return 2;
		} else if (!entry) {
			entry = s;
		} else if (!text) {
			text = s;
		} else {
			fprintf(stderr, "hotline: translate: too many arguments (quote the translation: "
					"hotline translate ENTRY --lang TAG 'TEXT')\n");
			return 2;
		}
	}
	if (!entry || !lang) {
		fprintf(stderr, "hotline: translate: missing %s\n", entry ? "--lang TAG" : "ENTRY");
		return 2;
	}
	if (!hl_lang_valid(lang, strlen(lang))) {
		fprintf(stderr, "hotline: translate: '%s' is not a language tag (like en, ru, zh-Hant)\n",
			lang);
		return 2;
	}
	status = 1;
	if (!text || strcmp(text, "-") == 0) {
		if (hl_cli_read_stdin("type the translation", &buf, &len) != 0)
			goto out;
		text = buf;
	} else {
		len = strlen(text);
	}
	if (len == 0 || len > HL_MAX_BODY || !hl_text_valid((const uint8_t *)text, len)) {
		fprintf(stderr, "hotline: translate: the translation must be 1 to %u bytes of UTF-8 "
				"text without control characters other than tab and newline\n", HL_MAX_BODY);
		goto out;
	}
	req = json_pack("{s:s, s:s, s:s, s:s%}", "cmd", "translate", "entry", entry, "lang", lang,
			"text", text, len);
	if (!req) {
		fprintf(stderr, "hotline: translate: ENTRY is not valid UTF-8\n");
		goto out;
	}
	status = hl_client_run(cli, req, &reply);
	if (status == 0)
		status = print_reply(cli, reply, "translation");
out:
	json_decref(req);
	json_decref(reply);
	free(buf);
	return status;
}

int hl_cmd_certify(const hl_cli *cli, int argc, char **argv)
{
	const char *arg = NULL;
	json_t *req, *reply = NULL;
	char *end = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			continue;
		if (arg || (argv[i][0] == '-' && argv[i][1])) {
			fprintf(stderr, "hotline: certify: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
		arg = argv[i];
	}
	if (!arg) {
		fprintf(stderr, "hotline: certify: which translation? (the number translate printed)\n");
		return 2;
	}
	errno = 0;
	long long id = strtoll(arg, &end, 10);
	if (errno || !end || *end || end == arg || id < 1 || arg[0] == '+' || arg[0] == ' ') {
		fprintf(stderr, "hotline: certify: '%s' is not a translation number\n", arg);
		return 2;
	}
	req = json_pack("{s:s, s:I}", "cmd", "certify", "id", (json_int_t)id);
	if (!req) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	int status = hl_client_run(cli, req, &reply);
	json_decref(req);
	if (status == 0)
		status = print_reply(cli, reply, "certification");
	json_decref(reply);
	return status;
}
