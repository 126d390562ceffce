/* hotlined.c — the station daemon's entry point: options, configuration,
 * then the event loop until SIGTERM/SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon.h"
#include "util/err.h"
#include "util/log.h"
#include "crypto/passphrase.h"
#include "sandbox.h"
#include "sdnotify.h"

#define HOTLINE_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f, "usage: hotlined -c FILE [--passphrase-fd N] [--check-config] [-v]\n"
		   "       hotlined --help | --version\n"
		   "\n"
		   "Runs a hotline station in the foreground; logs go to stderr.\n"
		   "  -c, --config FILE   configuration file (or HOTLINE_CONFIG)\n"
		   "      --passphrase-fd N  an encrypted key's passphrase: one line on fd N\n"
		   "                      (else PassphraseFile, else asked on the terminal)\n"
		   "      --check-config  check the configuration and keys, then exit\n"
		   "  -v, --verbose       log debugging detail\n"
		   "SIGTERM or SIGINT stops it cleanly. See hotlined(8).\n");
}

/* ---- H6 key protection: the identity, with its passphrase if encrypted.
 * From --passphrase-fd, else PassphraseFile, else the terminal (only if
 * stdin is one: a service must fail, not wait for an answer). ---- */
static int load_identity(const hl_config *cfg, int pass_fd, hl_identity **id)
{
	const char *key = cfg->private_key_file;
	hl_passphrase pp = { NULL, 0 };
	char err[HL_MAX_PATH + 512] = "", prompt[HL_MAX_PATH + 32];
	int rc = hl_keys_file_is_encrypted(key, err, sizeof err);

	*id = NULL;
	if (rc == 1) {
		if (pass_fd >= 0) {
			rc = hl_passphrase_read_fd(pass_fd, &pp, err, sizeof err);
			if (pass_fd > STDERR_FILENO)
				close(pass_fd); /* nothing more to read there */
		} else if (cfg->passphrase_file[0]) {
			rc = hl_passphrase_read_file(cfg->passphrase_file, &pp, err, sizeof err);
		} else if (isatty(STDIN_FILENO)) {
			snprintf(prompt, sizeof prompt, "Passphrase of %s", key);
			rc = hl_passphrase_prompt(prompt, 0, &pp, err, sizeof err);
		} else {
			snprintf(err, sizeof err, "%s: the key is encrypted; give its passphrase with "
				 "--passphrase-fd N or PassphraseFile, or start hotlined on a terminal", key);
			rc = HL_ERR_STATE;
		}
	}
	if (rc >= 0)
		rc = hl_keys_load_file_pw(key, pp.p, pp.len, id, err, sizeof err);
	hl_passphrase_free(&pp);
	if (rc < 0)
		fprintf(stderr, "hotlined: %s\n", err);
	return rc < 0 ? -1 : 0;
}
/* ---- end H6 key protection ---- */

/* ---- H7 sd_notify: READY=1 once listening under the sandbox, STOPPING=1 at
 * SIGTERM/SIGINT (systemd Type=notify; a no-op without NOTIFY_SOCKET). The
 * watchers sit beside the daemon's own, unreferenced (they keep no loop
 * alive), and stop after the first signal so a second one acts as before. */
typedef struct {
	hl_sdnotify n;
	uv_signal_t term, intr;
	int armed;
} notifier;

static void on_stop_signal(uv_signal_t *s, int signum)
{
	notifier *nt = s->data;
	(void)hl_sdnotify_stopping(&nt->n, signum == SIGTERM ? "stopping (SIGTERM)"
							   : "stopping (SIGINT)");
	uv_signal_stop(&nt->term);
	uv_signal_stop(&nt->intr);
}

/* After hl_daemon_init: the socket is connected while any call is allowed. */
static void notify_arm(notifier *nt, uv_loop_t *loop)
{
	char err[300] = "";
	if (hl_sdnotify_open(&nt->n, getenv("NOTIFY_SOCKET"), err, sizeof err) < 0)
		hl_log(HL_LOG_WARN, "no readiness notification: %s", err);
	if (nt->n.fd < 0)
		return;
	uv_signal_init(loop, &nt->term);
	uv_signal_init(loop, &nt->intr);
	nt->term.data = nt->intr.data = nt;
	uv_signal_start(&nt->term, on_stop_signal, SIGTERM);
	uv_signal_start(&nt->intr, on_stop_signal, SIGINT);
	uv_unref((uv_handle_t *)&nt->term);
	uv_unref((uv_handle_t *)&nt->intr);
	nt->armed = 1;
}

static void notify_ready(const notifier *nt, const hl_daemon *d)
{
	char status[HL_MAX_NAME + HL_MAX_ENDPOINT_STR + 64];
	snprintf(status, sizeof status, "station %s: %d line(s)%s%s", d->core.cfg->name, d->core.n_lines,
		 d->core.cfg->listen[0] ? ", listening on " : "", d->core.cfg->listen);
	if (hl_sdnotify_ready(&nt->n, status) < 0)
		hl_log(HL_LOG_WARN, "cannot send READY=1 to NOTIFY_SOCKET: %s", strerror(errno));
}

/* Before hl_daemon_free, which runs the loop to finish the closes. */
static void notify_close(notifier *nt)
{
	if (nt->armed) {
		uv_close((uv_handle_t *)&nt->term, NULL);
		uv_close((uv_handle_t *)&nt->intr, NULL);
	}
	nt->armed = 0;
	hl_sdnotify_close(&nt->n);
}
/* ---- end H7 sd_notify ---- */

/* The key itself was loaded (and so checked) by load_identity. */
static int check_config(const hl_config *cfg)
{
	char err[512] = "";
	for (int i = 0; i < cfg->n_peers; i++) {
		uint8_t psk[HL_PSK_LEN];
		if (cfg->peers[i].psk_file[0] &&
		    hl_keys_load_psk(cfg->peers[i].psk_file, psk, err, sizeof err) < 0) {
			fprintf(stderr, "hotlined: %s\n", err);
			return 1;
		}
		sodium_memzero(psk, sizeof psk);
	}
	/* The notice forms, as the daemon will load them (a missing default is not an error). */
	hl_form_set forms = { 0 };
	struct stat st;
	if ((cfg->forms_dir_set || stat(cfg->forms_dir, &st) == 0) &&
	    hl_form_load_dir(cfg->forms_dir, &forms, err, sizeof err) < 0) {
		fprintf(stderr, "hotlined: FormsDir: %s\n", err);
		return 1;
	}
	hl_form_set_free(&forms);
	printf("%s: configuration OK (station %s, %d peer(s))\n", cfg->path, cfg->name, cfg->n_peers);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "passphrase-fd", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("HOTLINE_CONFIG");
	int check = 0, verbose = 0, pass_fd = -1, c;
	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = 1; break;
		case 'P':
			pass_fd = hl_passphrase_parse_fd(optarg);
			if (pass_fd < 0) {
				fprintf(stderr, "hotlined: --passphrase-fd wants a file descriptor number\n");
				return 2;
			}
			break;
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
	/* H6 sandbox: non-dumpable before any key is read; root without User
	 * is refused here, before anything is created. */
	hl_sandbox sb;
	if (hl_sandbox_prepare(&sb, cfg, check, err, sizeof err) < 0) {
		fprintf(stderr, "hotlined: %s\n", err);
		free(cfg);
		return 1;
	}
	hl_identity *id = NULL;
	if (load_identity(cfg, pass_fd, &id) < 0) {
		free(cfg);
		return 1;
	}
	if (check) {
		int r = check_config(cfg);
		hl_keys_free(id);
		free(cfg);
		return r;
	}
	hl_log_setup(cfg->name, verbose ? HL_LOG_DEBUG : HL_LOG_INFO);
	hl_daemon *d = calloc(1, sizeof *d);
	if (!d) {
		fprintf(stderr, "hotlined: out of memory\n");
		hl_keys_free(id);
		free(cfg);
		return 1;
	}
	int rc = 1;
	notifier nt = { .n = { -1 } }; /* H7 sd_notify */
	/* The daemon takes the identity over (and frees it). */
	if (hl_daemon_init(d, cfg, id, err, sizeof err) < 0) {
		fprintf(stderr, "hotlined: %s\n", err);
	} else {
		notify_arm(&nt, &d->core.loop); /* H7 */
		d->notify = &nt.n;
		if (hl_sandbox_enter(&sb, d, err, sizeof err) < 0) { /* H6: drop root, seccomp */
			fprintf(stderr, "hotlined: %s\n", err);
		} else {
			notify_ready(&nt, d); /* H7: listening, sandboxed */
			rc = hl_daemon_run(d);
		}
	}
	notify_close(&nt); /* H7 */
	hl_daemon_free(d);
	free(d);
	free(cfg);
	return rc;
}
