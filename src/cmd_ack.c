/* cmd_ack.c — `hotline ack ENTRY [--note TEXT]`: the operator's signed
 * acknowledgement of a peer's message, notice or check-in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "entryref.h"
#include "err.h"
#include "limits.h"
#include "render.h"
#include "text.h"

int hl_cmd_ack(const hl_cli *cli, int argc, char **argv)
{
	const char *entry = NULL, *note = NULL;
	json_t *req = NULL, *reply = NULL;
	hl_entryref ref;
	int dashdash = 0, status = 1;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!dashdash && strcmp(s, "--") == 0) {
			dashdash = 1;
		} else if (!dashdash && strcmp(s, "--note") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hotline: ack: --note needs a TEXT\n");
				return 2;
			}
			note = argv[++i];
		} else if (!dashdash && strncmp(s, "--note=", 7) == 0) {
			note = s + 7;
		} else if (!dashdash && s[0] == '-') {
			fprintf(stderr, "hotline: ack: unknown option '%s'\n", s);
			return 2;
		} else if (!entry) {
			entry = s;
		} else {
			fprintf(stderr, "hotline: ack: unexpected argument '%s' (quote the note: "
					"--note 'TEXT')\n", s);
			return 2;
		}
	}
	if (!entry) {
		fprintf(stderr, "hotline: ack: which ENTRY? (e.g. moscow#3, as inbox shows it)\n");
		return 2;
	}
	if (hl_entryref_parse(entry, &ref) < 0) {
		fprintf(stderr, "hotline: ack: '%s' does not name an entry (AUTHOR#SEQ[@PEER] or an "
				"id of at least %u hex digits)\n", entry, HL_ENTRYREF_MIN_HEX);
		return 2;
	}
	if (note && (strlen(note) > HL_MAX_BODY ||
		     !hl_text_valid((const uint8_t *)note, strlen(note)))) {
		fprintf(stderr, "hotline: ack: the note must be UTF-8 text of at most %u bytes\n",
			HL_MAX_BODY);
		return 2;
	}
	req = json_pack("{s:s, s:s}", "cmd", "ack", "entry", entry);
	if (!req || (note && json_object_set_new(req, "note", json_string(note)) < 0)) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	status = hl_client_run(cli, req, &reply);
	if (status != 0)
		goto out;
	if (cli->json) {
		if (hl_render_json_line(stdout, reply) < 0)
			status = 1;
	} else if (hl_render_queued(reply, "acknowledgement")) {
		status = 0;
	} else {
		const char *acked = json_string_value(json_object_get(reply, "acked"));
		const char *id = json_string_value(json_object_get(reply, "id"));
		json_int_t seq = json_integer_value(json_object_get(reply, "seq"));
		char *a = acked ? hl_render_clean(acked, strlen(acked), 0) : NULL;
		printf("acknowledged %s (ack entry %" JSON_INTEGER_FORMAT ", %.16s)\n", a ? a : "?",
		       seq, id ? id : "?");
		free(a);
	}
out:
	json_decref(req);
	json_decref(reply);
	return status;
}
