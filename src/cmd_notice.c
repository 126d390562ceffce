/* cmd_notice.c — `hotline notice PEER FORM field=value...`: sends a notice
 * (a filled form, checked by hotlined against its schema) and prints its
 * entry id; `hotline forms [FORM]` lists the forms and their fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "entry.h"
#include "err.h"
#include "limits.h"
#include "render.h"
#include "text.h"

/* Returns 0, or 2 after saying what is wrong. Fields go into fields. */
static int parse_args(int argc, char **argv, json_t *req, json_t *fields)
{
	const char *peer = NULL, *form = NULL;
	int dashdash = 0;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i], *val = NULL;

		if (!dashdash && strcmp(s, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (dashdash || s[0] != '-') {
			if (!peer) {
				peer = s;
			} else if (!form) {
				form = s;
			} else {
				const char *eq = strchr(s, '=');
				if (!eq || eq == s) {
					fprintf(stderr, "hotline: notice: '%s': want field=value "
						"(see 'hotline forms %s')\n", s, form);
					return 2;
				}
				char name[64];
				snprintf(name, sizeof name, "%.*s", (int)(eq - s), s);
				if ((size_t)(eq - s) >= sizeof name || json_object_get(fields, name)) {
					fprintf(stderr, "hotline: notice: %s: %s\n", name,
						(size_t)(eq - s) >= sizeof name ? "not a field name"
										: "duplicate field (given twice)");
					return 2;
				}
				json_t *v = json_string(eq + 1);
				if (!v || json_object_set_new(fields, name, v) < 0) {
					fprintf(stderr, "hotline: notice: %s: the value is not valid UTF-8\n", name);
					return 2;
				}
			}
			continue;
		}
		if (strcmp(s, "--exercise") == 0) {
			json_object_set_new(req, "exercise", json_true());
			continue;
		}
		if (strcmp(s, "-p") == 0 || strcmp(s, "--lang") == 0 || strcmp(s, "--reply-to") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hotline: notice: option %s needs a value\n", s);
				return 2;
			}
			val = argv[++i];
		} else if (strncmp(s, "-p", 2) == 0) {
			val = s + 2;
			s = "-p";
		} else if (strncmp(s, "--lang=", 7) == 0) {
			val = s + 7;
			s = "--lang";
		} else if (strncmp(s, "--reply-to=", 11) == 0) {
			val = s + 11;
			s = "--reply-to";
		} else {
			fprintf(stderr, "hotline: notice: unknown option '%s'\n", s);
			return 2;
		}
		if (strcmp(s, "-p") == 0) {
			int p = hl_precedence_parse(val);
			if (p < 0) {
				fprintf(stderr, "hotline: notice: precedence must be flash, immediate, "
						"priority or routine, not '%s'\n", val);
				return 2;
			}
			json_object_set_new(req, "precedence", json_string(hl_precedence_name(p)));
		} else if (strcmp(s, "--lang") == 0) {
			if (!hl_lang_valid(val, strlen(val))) {
				fprintf(stderr, "hotline: notice: '%s' is not a language tag "
						"(like en, ru, zh-Hant)\n", val);
				return 2;
			}
			json_object_set_new(req, "lang", json_string(val));
		} else {
			json_t *v = json_string(val);
			if (!v) {
				fprintf(stderr, "hotline: notice: --reply-to: not an entry name\n");
				return 2;
			}
			json_object_set_new(req, "reply_to", v);
		}
	}
	if (!peer || !form) {
		fprintf(stderr, "hotline: notice: missing %s\n", peer ? "FORM" : "PEER");
		return 2;
	}
	if (strlen(peer) > HL_MAX_NAME || !hl_label_valid(peer, strlen(peer))) {
		fprintf(stderr, "hotline: notice: '%s' is not a valid peer name\n", peer);
		return 2;
	}
	json_t *f = json_string(form);
	if (!f) {
		fprintf(stderr, "hotline: notice: FORM is not valid UTF-8\n");
		return 2;
	}
	json_object_set_new(req, "peer", json_string(peer));
	json_object_set_new(req, "form", f);
	return 0;
}

int hl_cmd_notice(const hl_cli *cli, int argc, char **argv)
{
	json_t *req = json_pack("{s:s}", "cmd", "notice"), *fields = json_object(), *reply = NULL;
	int status = 1;

	if (!req || !fields) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	status = parse_args(argc, argv, req, fields);
	if (status != 0)
		goto out;
	json_object_set(req, "fields", fields);
	status = hl_client_run(cli, req, &reply);
	if (status != 0)
		goto out;
	const char *id = json_string_value(json_object_get(reply, "id"));
	uint8_t raw[32];
	if (cli->json) {
		if (hl_render_json_line(stdout, reply) < 0)
			status = 1;
	} else if (hl_render_queued(reply, "notice")) {
		status = 0;
	} else if (id && hl_unhex(id, raw, 32) == 0) {
		if (printf("%s\n", id) < 0 || fflush(stdout) == EOF) {
			fprintf(stderr, "hotline: the notice was stored as %s, but writing its id "
					"failed: %s\n", id, strerror(errno));
			status = 1;
		}
	} else {
		fprintf(stderr, "hotline: hotlined accepted the notice but replied without a valid "
				"entry id; check 'hotline log PEER'\n");
		status = 1;
	}
out:
	json_decref(req);
	json_decref(fields);
	json_decref(reply);
	return status;
}

/* A string member, or def. */
static const char *str(const json_t *o, const char *key, const char *def)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : def;
}

static void print_field(const json_t *fd)
{
	const char *type = str(fd, "type", "?");
	char *name = hl_render_clean(str(fd, "name", "?"), strlen(str(fd, "name", "?")), 0);
	const char *label = json_string_value(json_object_get(fd, "label"));
	const char *help = json_string_value(json_object_get(fd, "help"));
	char *cl = label ? hl_render_clean(label, strlen(label), 0) : NULL;
	char *ch = help && help[0] ? hl_render_clean(help, strlen(help), 0) : NULL;
	const json_t *v;
	size_t i;

	printf("  %-20s %-8s %s", name ? name : "?", type,
	       json_is_true(json_object_get(fd, "required")) ? "required" : "optional");
	const char *mn = json_string_value(json_object_get(fd, "min"));
	const char *mx = json_string_value(json_object_get(fd, "max"));
	if (mn || mx)
		printf("  %s..%s", mn ? mn : "", mx ? mx : "");
	if (json_is_integer(json_object_get(fd, "max_length")))
		printf("  up to %lld characters%s",
		       (long long)json_integer_value(json_object_get(fd, "max_length")),
		       json_is_true(json_object_get(fd, "multiline")) ? ", several lines" : "");
	if (json_is_array(json_object_get(fd, "values"))) {
		fputs("  one of:", stdout);
		json_array_foreach(json_object_get(fd, "values"), i, v)
			printf(" %s", json_is_string(v) ? json_string_value(v) : "?");
	}
	printf("\n      %s\n", cl ? cl : "");
	if (ch)
		printf("      %s\n", ch);
	free(name);
	free(cl);
	free(ch);
}

int hl_cmd_forms(const hl_cli *cli, int argc, char **argv)
{
	const char *only = NULL;
	json_t *req, *reply = NULL;
	const json_t *f, *fd;
	size_t i, j;
	int status, shown = 0;

	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			continue;
		if (argv[k][0] == '-' || only) {
			fprintf(stderr, "hotline: forms: unexpected argument '%s'\n", argv[k]);
			return 2;
		}
		only = argv[k];
	}
	req = json_pack("{s:s}", "cmd", "forms");
	if (!req) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	status = hl_client_run(cli, req, &reply);
	json_decref(req);
	if (status != 0)
		return status;
	const json_t *forms = json_object_get(reply, "forms");
	if (cli->json) {
		json_array_foreach(forms, i, f) {
			if (only && strcmp(str(f, "name", ""), only) != 0)
				continue;
			shown++;
			if (hl_render_json_line(stdout, f) < 0)
				status = 1;
		}
	} else {
		json_array_foreach(forms, i, f) {
			const char *name = json_string_value(json_object_get(f, "name"));
			const char *title = json_string_value(json_object_get(f, "title"));
			if (!name || (only && strcmp(name, only) != 0))
				continue;
			char *ct = title ? hl_render_clean(title, strlen(title), 0) : NULL;
			printf("%s%s v%lld%s  %s\n", shown++ ? "\n" : "", name,
			       (long long)json_integer_value(json_object_get(f, "version")),
			       json_is_true(json_object_get(f, "newest")) ? "" : " (older version)",
			       ct ? ct : "");
			free(ct);
			const json_t *rep = json_object_get(f, "replies"), *ans = json_object_get(f, "answers");
			if (json_array_size(rep)) {
				fputs("  answered by:", stdout);
				json_array_foreach(rep, j, fd)
					printf(" %s", json_is_string(fd) ? json_string_value(fd) : "?");
				fputc('\n', stdout);
			}
			if (json_array_size(ans)) {
				fputs("  answers (give --reply-to):", stdout);
				json_array_foreach(ans, j, fd)
					printf(" %s", json_is_string(fd) ? json_string_value(fd) : "?");
				fputc('\n', stdout);
			}
			json_array_foreach(json_object_get(f, "fields"), j, fd)
				print_field(fd);
		}
		if (!shown && !only)
			printf("(no forms: see FormsDir in hotline.conf(5))\n");
	}
	if (only && !shown) {
		fprintf(stderr, "hotline: forms: no form '%s'\n", only);
		status = 1;
	}
	json_decref(reply);
	return status;
}
