/* cmd_test.c — `hotline test PEER`: has the daemon send a link test now and
 * prints the round trip once the peer's daemon has answered it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client/client.h"
#include "util/err.h"
#include "client/render.h"

int hl_cmd_test(const hl_cli *cli, int argc, char **argv)
{
	json_t *req = NULL, *reply = NULL;
	const char *peer = NULL;
	const json_t *rtt, *seq;
	char *clean = NULL;
	int dashdash = 0, status;

	for (int i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
		} else if (!dashdash && argv[i][0] == '-') {
			fprintf(stderr, "hotline: test: unknown option '%s'\n", argv[i]);
			return 2;
		} else if (peer) {
			fprintf(stderr, "hotline: test: unexpected argument '%s'\n", argv[i]);
			return 2;
		} else {
			peer = argv[i];
		}
	}
	if (!peer) {
		fprintf(stderr, "hotline: test: which PEER?\n");
		return 2;
	}
	req = json_pack("{s:s,s:s}", "cmd", "test", "peer", peer);
	if (!req) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	/* The reply comes after the peer's TEST_REPLY, or with the reason
	 * (ok false: printed by hl_client_run) when there was none. */
	/* The daemon answers when the TEST_REPLY arrives or TestDeadline (up to a
	 * day) passes: wait longer than any deadline rather than give up first. */
	hl_cli local = *cli;
	local.timeout_s = 86400 + 60;
	status = hl_client_run(&local, req, &reply);
	if (status != 0)
		goto out;
	if (cli->json) {
		if (hl_render_json_line(stdout, reply) < 0)
			status = 1;
		goto out;
	}
	rtt = json_object_get(reply, "rtt_ms");
	seq = json_object_get(reply, "seq");
	clean = hl_render_clean(peer, strlen(peer), 0);
	if (!json_is_number(rtt) || !json_is_integer(seq) || !clean) {
		fprintf(stderr, "hotline: test: the daemon's reply lacks the round trip\n");
		status = 1;
		goto out;
	}
	printf("test of the line to %s: answered in %.1f ms (entry %lld)\n", clean,
	       json_number_value(rtt), (long long)json_integer_value(seq));
out:
	free(clean);
	json_decref(req);
	json_decref(reply);
	return status;
}
