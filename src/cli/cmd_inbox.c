/* cmd_inbox.c — `hotline inbox [--unacked]`: entries received from peers, on
 * every line; or only those still waiting for our ACK, most urgent first. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client/client.h"
#include "util/err.h"
#include "client/render.h"

int hl_cmd_inbox(const hl_cli *cli, int argc, char **argv)
{
	json_t *req = NULL;
	int status = 1, unacked = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--unacked") == 0) {
			unacked = 1;
		} else if (strcmp(argv[i], "--") != 0) {
			fprintf(stderr, "hotline: inbox: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	req = json_pack("{s:s}", "cmd", "inbox");
	if (!req || (unacked && json_object_set_new(req, "unacked", json_true()) < 0)) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	status = hl_render_request_entries(cli, req, "inbox", unacked
					   ? "(nothing waits for an acknowledgement)"
					   : "(no entries received)");
out:
	json_decref(req);
	return status;
}
