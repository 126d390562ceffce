/* cmd_status.c — `hotline status`: the station and the state of every line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client/client.h"
#include "util/err.h"
#include "client/render.h"

int hl_cmd_status(const hl_cli *cli, int argc, char **argv)
{
	json_t *req = NULL, *reply = NULL;
	int status = 1;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") != 0) {
			fprintf(stderr, "hotline: status: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	req = json_pack("{s:s}", "cmd", "status");
	if (!req) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	status = hl_client_run(cli, req, &reply);
	if (status != 0)
		goto out;
	rc = cli->json ? hl_render_json_line(stdout, reply) : hl_render_status(stdout, reply);
	if (rc < 0) {
		fprintf(stderr, "hotline: cannot show the status: %s\n", hl_strerror(rc));
		status = 1;
	}
out:
	json_decref(req);
	json_decref(reply);
	return status;
}
