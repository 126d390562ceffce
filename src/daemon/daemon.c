/* daemon.c — hotlined's top level: start-up checks, the core and what it is
 * wired to (features, the API, the listener), and clean shutdown on
 * SIGTERM/SIGINT. */
#include "daemon.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/err.h"
#include "api/api_json.h"
#include "line/events.h"
#include "util/log.h"
#include "metrics.h"
#include "station/linktest.h"
#include "station/notes.h"
#include "station/station.h"

static void on_connection(uv_stream_t *server, int status)
{
	hl_daemon *d = server->data;
	if (status < 0) {
		hl_log(HL_LOG_WARN, "accept: %s", uv_strerror(status));
		return;
	}
	hl_session_accept(&d->core, server);
}

static void shutdown_daemon(hl_daemon *d, const char *why)
{
	if (d->core.stopping)
		return;
	hl_log(HL_LOG_NOTICE, "shutting down (%s)", why);
	hl_core_commit(&d->core);
	hl_events_record(d->core.store, NULL, hl_wall_ms(), HL_EV_STOP, -1, 0, why);
	d->core.stopping = 1;
	if (d->metrics_on)
		uv_close((uv_handle_t *)&d->metrics_timer, NULL);
	/* Closes the handles of any AlarmCommand still running, so shutdown
	 * does not wait for a hung one. */
	for (int i = 0; i < d->core.n_lines; i++)
		if (!d->core.lines[i].retired)
			hl_linktest_cancel(&d->core.lines[i]);
	hl_alarms_free(d->core.alarms);
	d->core.alarms = NULL;
	hl_api_stop(d->api);
	if (d->listening)
		uv_close((uv_handle_t *)&d->listener, NULL);
	d->listening = 0;
	for (int i = 0; i < d->core.n_lines; i++)
		if (!d->core.lines[i].retired)
			hl_line_close(&d->core.lines[i]);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
	hl_core_stop_commits(&d->core);
}

static void on_signal(uv_signal_t *sig, int signum)
{
	if (signum == SIGHUP) {
		hl_log(HL_LOG_NOTICE, "SIGHUP: reloading %s", ((hl_daemon *)sig->data)->core.cfg->path);
		hl_daemon_reload(sig->data);
		return;
	}
	shutdown_daemon(sig->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int prepare_state_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	/* 0750: operators in the station's group reach the default socket; the
	 * database itself is 0600. */
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "StateDir %s: cannot create: %s", dir, strerror(errno));
		return HL_ERR_IO;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "StateDir %s: not a directory", dir);
		return HL_ERR_IO;
	}
	if (st.st_mode & 022) {
		snprintf(err, errlen, "StateDir %s: writable by group or others (mode %04o); run: chmod 700 %s",
			 dir, (unsigned)(st.st_mode & 07777), dir);
		return HL_ERR_PERM;
	}
	return 0;
}

static int start_listener(hl_daemon *d, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	if (!d->core.cfg->listen[0])
		return 0;
	if (hl_config_parse_addr(d->core.cfg->listen, &ss) < 0) {
		snprintf(err, errlen, "Listen %s: not an address", d->core.cfg->listen);
		return HL_ERR_CONFIG;
	}
	uv_tcp_init(&d->core.loop, &d->listener);
	d->listener.data = d;
	d->listening = 1;
	int rc = uv_tcp_bind(&d->listener, (const struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&d->listener, 128, on_connection);
	if (rc < 0) {
		snprintf(err, errlen, "Listen %s: %s", d->core.cfg->listen, uv_strerror(rc));
		return HL_ERR_IO;
	}
	return 0;
}

int hl_daemon_init(hl_daemon *d, hl_config *cfg, hl_identity *id, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	hl_core_init(&d->core, cfg, id, NULL);
	if (uv_loop_init(&d->core.loop) != 0) {
		snprintf(err, errlen, "cannot start the event loop");
		return HL_ERR_IO;
	}
	int rc = prepare_state_dir(cfg->state_dir, err, errlen);
	if (rc < 0)
		return rc;
	if (!d->core.id)
		rc = hl_keys_load_file(cfg->private_key_file, &d->core.id, err, errlen);
	if (rc < 0)
		return rc;
	char dbpath[HL_MAX_PATH + 32];
	snprintf(dbpath, sizeof dbpath, "%s/hotline.db", cfg->state_dir);
	rc = hl_store_open(dbpath, &d->core.store, err, errlen);
	if (rc < 0)
		return rc;
	rc = hl_store_background_checkpoints(d->core.store, dbpath);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot start the checkpoint thread: %s", dbpath,
			 hl_strerror(rc));
		return rc;
	}
	rc = hl_alarms_init(&d->core.alarms, &d->core.loop, d->core.store, cfg->alarm_command, cfg->name);
	if (rc < 0) {
		snprintf(err, errlen, "cannot load the alarms: %s", hl_strerror(rc));
		return rc;
	}
	/* The features first: the lines hear of nothing before them. */
	rc = hl_station_register(&d->core);
	if (rc < 0) {
		snprintf(err, errlen, "cannot register the station's features: %s", hl_strerror(rc));
		return rc;
	}
	for (int i = 0; i < cfg->n_peers; i++) {
		if (hl_pubkey_cmp(&cfg->peers[i].key, &d->core.id->pub) == 0) {
			snprintf(err, errlen, "%s: peer %s has this station's own public key", cfg->path,
				 cfg->peers[i].name);
			return HL_ERR_CONFIG;
		}
		rc = hl_line_init(&d->core, &d->core.lines[i], &cfg->peers[i], err, errlen);
		if (rc < 0)
			return rc;
		d->core.n_lines++;
	}
	rc = start_listener(d, err, errlen);
	if (rc < 0)
		return rc;
	rc = hl_api_start(&d->core, &d->api, err, errlen);
	if (rc < 0)
		return rc;
	/* Last: what it logs must not come before another start-up error. */
	rc = hl_notice_load_forms(&d->core, err, errlen);
	if (rc < 0)
		return rc;
	uv_signal_init(&d->core.loop, &d->sig_term);
	uv_signal_init(&d->core.loop, &d->sig_int);
	uv_signal_init(&d->core.loop, &d->sig_hup);
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
	uv_signal_start(&d->sig_term, on_signal, SIGTERM);
	uv_signal_start(&d->sig_int, on_signal, SIGINT);
	uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
	hl_core_start_commits(&d->core);
	if (cfg->metrics_file[0]) {
		uv_timer_init(&d->core.loop, &d->metrics_timer);
		d->metrics_timer.data = d;
		d->metrics_on = 1;
	}
	return 0;
}

/* Metrics for node_exporter's textfile collector, rewritten atomically. */
static void on_metrics(uv_timer_t *t)
{
	hl_daemon *d = t->data;
	json_t *st = hl_api_status(&d->core);
	if (st && hl_metrics_write(d->core.cfg->metrics_file, st) < 0)
		hl_log(HL_LOG_WARN, "cannot write MetricsFile %s", d->core.cfg->metrics_file);
	json_decref(st);
}

int hl_daemon_run(hl_daemon *d)
{
	char pk[HL_PUBKEY_B64_LEN + 1];
	hl_pubkey_encode(&d->core.id->pub, pk);
	hl_log(HL_LOG_NOTICE, "station %s up, key %s, %d line(s)%s%s", d->core.cfg->name, pk, d->core.n_lines,
	       d->core.cfg->listen[0] ? ", listening on " : "", d->core.cfg->listen);
	hl_events_record(d->core.store, NULL, hl_wall_ms(), HL_EV_START, -1, 0, NULL);
	for (int i = 0; i < d->core.n_lines; i++)
		hl_line_start(&d->core.lines[i]);
	if (d->metrics_on)
		uv_timer_start(&d->metrics_timer, on_metrics, 0, 5000);
	uv_run(&d->core.loop, UV_RUN_DEFAULT);
	return d->exit_code;
}

void hl_daemon_free(hl_daemon *d)
{
	if (!d->core.stopping) {
		/* Start-up failed part way: close whatever was opened. */
		d->core.stopping = 1;
		hl_api_stop(d->api);
		if (d->listening)
			uv_close((uv_handle_t *)&d->listener, NULL);
		for (int i = 0; i < d->core.n_lines; i++)
			if (!d->core.lines[i].retired)
				hl_line_close(&d->core.lines[i]);
		if (d->core.alarms)
			hl_alarms_free(d->core.alarms);
		d->core.alarms = NULL;
		/* H6: hl_sandbox_enter can fail after a complete init; the loop
		 * would wait for these for ever (a zeroed handle is UNKNOWN). */
		hl_core_stop_commits(&d->core);
		uv_handle_t *late[] = { (uv_handle_t *)&d->sig_term, (uv_handle_t *)&d->sig_int,
					(uv_handle_t *)&d->sig_hup, (uv_handle_t *)&d->metrics_timer };
		for (size_t i = 0; i < sizeof late / sizeof late[0]; i++)
			if (late[i]->type != UV_UNKNOWN_HANDLE && !uv_is_closing(late[i]))
				uv_close(late[i], NULL);
		uv_run(&d->core.loop, UV_RUN_NOWAIT);
	}
	uv_run(&d->core.loop, UV_RUN_DEFAULT);
	uv_loop_close(&d->core.loop);
	hl_api_free(d->api);
	d->api = NULL;
	free(d->reload_peers);
	hl_form_set_free(&d->core.forms);
	d->reload_peers = NULL;
	if (d->core.store)
		hl_store_close(d->core.store);
	d->core.store = NULL;
	if (d->core.id)
		hl_keys_free(d->core.id);
	d->core.id = NULL;
	/* H6: also the PSK of a line whose init failed after loading it. */
	for (size_t i = 0; i < HL_MAX_PEERS; i++)
		sodium_memzero(d->core.lines[i].psk, sizeof d->core.lines[i].psk);
}
