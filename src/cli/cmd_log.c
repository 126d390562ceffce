/* cmd_log.c — `hotline log PEER`: both chains of one line, in author-time order. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client/client.h"
#include "util/err.h"
#include "util/limits.h"
#include "client/render.h"
#include "util/text.h"

int hl_cmd_log(const hl_cli *cli, int argc, char **argv)
{
	json_t *req = NULL;
	const char *peer = NULL;
	int dashdash = 0;
	int status = 1;

	hl_cli local = *cli;
	for (int i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
		} else if (!dashdash && strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			const char *fmt = argv[++i];
			if (strcmp(fmt, "json") == 0) {
				local.json = 1;
			} else if (strcmp(fmt, "text") == 0) {
				local.json = 0;
			} else {
				fprintf(stderr, "hotline: log: --format takes text or json\n");
				return 2;
			}
		} else if (!dashdash && argv[i][0] == '-') {
			fprintf(stderr, "hotline: log: unknown option '%s'\n", argv[i]);
			return 2;
		} else if (!peer) {
			peer = argv[i];
		} else {
			fprintf(stderr, "hotline: log: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!peer) {
		fprintf(stderr, "hotline: log: missing PEER\n");
		return 2;
	}
	if (strlen(peer) > HL_MAX_NAME || !hl_label_valid(peer, strlen(peer))) {
		fprintf(stderr, "hotline: log: '%s' is not a valid peer name\n", peer);
		return 2;
	}
	req = json_pack("{s:s, s:s}", "cmd", "log", "peer", peer);
	if (!req) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	status = hl_render_request_entries(&local, req, "log", "(no entries on this line yet)");
out:
	json_decref(req);
	return status;
}
