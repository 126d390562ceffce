/* hotlined.c — the station daemon's entry point: options, configuration,
 * then the event loop until SIGTERM/SIGINT. */
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "err.h"
#include "log.h"

#define HOTLINE_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f, "usage: hotlined -c FILE [--check-config] [-v]\n"
		   "       hotlined --help | --version\n"
		   "\n"
		   "Runs a hotline station in the foreground; logs go to stderr.\n"
		   "  -c, --config FILE   configuration file (or HOTLINE_CONFIG)\n"
		   "      --check-config  check the configuration and keys, then exit\n"
		   "  -v, --verbose       log debugging detail\n"
		   "SIGTERM or SIGINT stops it cleanly. See hotlined(8).\n");
}

static int check_config(const hl_config *cfg)
{
	char err[512] = "";
	hl_identity *id = NULL;
	int rc = hl_keys_load_file(cfg->private_key_file, &id, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "hotlined: %s\n", err);
		return 1;
	}
	for (int i = 0; i < cfg->n_peers; i++) {
		uint8_t psk[HL_PSK_LEN];
		if (cfg->peers[i].psk_file[0] &&
		    hl_keys_load_psk(cfg->peers[i].psk_file, psk, err, sizeof err) < 0) {
			fprintf(stderr, "hotlined: %s\n", err);
			hl_keys_free(id);
			return 1;
		}
		sodium_memzero(psk, sizeof psk);
	}
	hl_keys_free(id);
	printf("%s: configuration OK (station %s, %d peer(s))\n", cfg->path, cfg->name, cfg->n_peers);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("HOTLINE_CONFIG");
	int check = 0, verbose = 0, c;
	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("hotlined " HOTLINE_VERSION "\n"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !path || !path[0]) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hotlined: libsodium failed to initialise\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	hl_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg) {
		fprintf(stderr, "hotlined: out of memory\n");
		return 1;
	}
	char err[1024] = "";
	if (hl_config_load(path, cfg, err, sizeof err) < 0) {
		fprintf(stderr, "hotlined: %s\n", err);
		free(cfg);
		return 1;
	}
	if (check) {
		int r = check_config(cfg);
		free(cfg);
		return r;
	}
	hl_log_setup(cfg->name, verbose ? HL_LOG_DEBUG : HL_LOG_INFO);
	hl_daemon *d = calloc(1, sizeof *d);
	if (!d) {
		fprintf(stderr, "hotlined: out of memory\n");
		free(cfg);
		return 1;
	}
	int rc = 1;
	if (hl_daemon_init(d, cfg, err, sizeof err) < 0)
		fprintf(stderr, "hotlined: %s\n", err);
	else
		rc = hl_daemon_run(d);
	hl_daemon_free(d);
	free(d);
	free(cfg);
	return rc;
}
