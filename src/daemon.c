/* daemon.c — hotlined's top level: start-up checks, the listener, group
 * commit once per loop turn, and clean shutdown on SIGTERM/SIGINT. */
#include "daemon.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
#include "api_json.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "notes.h"

uint64_t hl_now_ms(const hl_daemon *d)
{
	(void)d;
	return uv_hrtime() / 1000000u;
}

uint64_t hl_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int hl_daemon_tx(hl_daemon *d)
{
	/* A turn whose transaction was lost takes nothing more: what would be
	 * written now must not outlive what was already rolled back. */
	if (hl_store_in_tx(d->store))
		return hl_store_tx_failed(d->store) ? HL_ERR_STORE : 0;
	return hl_store_begin(d->store);
}

int hl_daemon_after_commit(hl_daemon *d, void (*fn)(void *, int), void *arg)
{
	hl_after *a = malloc(sizeof *a);
	if (!a)
		return HL_ERR_NOMEM;
	a->fn = fn;
	a->arg = arg;
	a->next = NULL;
	if (d->after_tail)
		d->after_tail->next = a;
	else
		d->after_head = a;
	d->after_tail = a;
	return 0;
}

hl_line *hl_daemon_line_by_name(hl_daemon *d, const char *name)
{
	for (int i = 0; i < d->n_lines; i++)
		if (!d->lines[i].retired && strcmp(d->lines[i].peer->name, name) == 0)
			return &d->lines[i];
	return NULL;
}

hl_line *hl_daemon_line_by_x(hl_daemon *d, const uint8_t x[32])
{
	for (int i = 0; i < d->n_lines; i++)
		if (!d->lines[i].retired && sodium_memcmp(d->lines[i].peer->key.x, x, 32) == 0)
			return &d->lines[i];
	return NULL;
}

/* Group commit: everything stored during this loop turn becomes durable with
 * one fsync; only then do receipts and "sent" replies go out. */
static void commit_turn(hl_daemon *d)
{
	int rc = 0;
	if (hl_store_in_tx(d->store)) {
		rc = hl_store_commit(d->store);
		if (rc < 0) {
			char text[300];
			snprintf(text, sizeof text, "store commit failed (%s): nothing of that moment was kept; peers will resend",
				 hl_store_errmsg(d->store));
			hl_store_rollback(d->store);
			/* Back off while the store keeps failing, 0.5 s doubling to 5 s. */
			d->store_backoff_ms = d->store_backoff_ms ? d->store_backoff_ms * 2 : 500;
			if (d->store_backoff_ms > 5000)
				d->store_backoff_ms = 5000;
			d->store_hold_until_ms = hl_now_ms(d) + d->store_backoff_ms;
			for (int i = 0; i < d->n_lines; i++) {
				if (d->lines[i].retired)
					continue;
				hl_line_reload(&d->lines[i]);
				hl_supervise_alarm(&d->lines[i], HL_ALARM_STORE, -1, 1, text);
			}
		} else {
			d->store_backoff_ms = 0;
			for (int i = 0; i < d->n_lines; i++) {
				if (d->lines[i].retired)
					continue;
				if (hl_alarm_is_open(d->alarms, d->lines[i].line_id, HL_ALARM_STORE, -1))
					hl_supervise_alarm(&d->lines[i], HL_ALARM_STORE, -1, 0, NULL);
				hl_line_committed(&d->lines[i]);
			}
		}
	}
	hl_after *a = d->after_head;
	d->after_head = d->after_tail = NULL;
	while (a) {
		hl_after *next = a->next;
		a->fn(a->arg, rc);
		free(a);
		a = next;
	}
	hl_api_flush(d);
	for (hl_session *s = d->sessions; s; s = s->next)
		hl_session_flush(s);
}

void hl_daemon_commit(hl_daemon *d)
{
	commit_turn(d);
}

static void on_check(uv_check_t *c)
{
	commit_turn(c->data);
}

/* Timers run before the loop polls; what they stored must not wait for the
 * poll to return (up to a tick) to become durable and go out. */
static void on_prepare(uv_prepare_t *p)
{
	hl_daemon *d = p->data;
	if (hl_store_in_tx(d->store) || d->after_head)
		commit_turn(d);
}

static void on_connection(uv_stream_t *server, int status)
{
	hl_daemon *d = server->data;
	if (status < 0) {
		hl_log(HL_LOG_WARN, "accept: %s", uv_strerror(status));
		return;
	}
	hl_session_accept(d, server);
}

static void shutdown_daemon(hl_daemon *d, const char *why)
{
	if (d->stopping)
		return;
	hl_log(HL_LOG_NOTICE, "shutting down (%s)", why);
	commit_turn(d);
	hl_events_record(d->store, NULL, hl_wall_ms(), HL_EV_STOP, -1, 0, why);
	d->stopping = 1;
	if (d->metrics_on)
		uv_close((uv_handle_t *)&d->metrics_timer, NULL);
	/* Closes the handles of any AlarmCommand still running, so shutdown
	 * does not wait for a hung one. */
	for (int i = 0; i < d->n_lines; i++)
		if (!d->lines[i].retired)
			hl_linktest_cancel(&d->lines[i]);
	hl_alarms_free(d->alarms);
	d->alarms = NULL;
	hl_api_stop(d);
	if (d->listening)
		uv_close((uv_handle_t *)&d->listener, NULL);
	d->listening = 0;
	for (int i = 0; i < d->n_lines; i++)
		if (!d->lines[i].retired)
			hl_line_close(&d->lines[i]);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
	uv_close((uv_handle_t *)&d->commit_check, NULL);
	uv_close((uv_handle_t *)&d->commit_prepare, NULL);
}

static void on_signal(uv_signal_t *sig, int signum)
{
	if (signum == SIGHUP) {
		hl_log(HL_LOG_NOTICE, "SIGHUP: reloading %s", ((hl_daemon *)sig->data)->cfg->path);
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
	if (!d->cfg->listen[0])
		return 0;
	if (hl_config_parse_addr(d->cfg->listen, &ss) < 0) {
		snprintf(err, errlen, "Listen %s: not an address", d->cfg->listen);
		return HL_ERR_CONFIG;
	}
	uv_tcp_init(&d->loop, &d->listener);
	d->listener.data = d;
	d->listening = 1;
	int rc = uv_tcp_bind(&d->listener, (const struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&d->listener, 128, on_connection);
	if (rc < 0) {
		snprintf(err, errlen, "Listen %s: %s", d->cfg->listen, uv_strerror(rc));
		return HL_ERR_IO;
	}
	return 0;
}

int hl_daemon_init(hl_daemon *d, hl_config *cfg, char *err, size_t errlen)
{
	hl_identity *preloaded = d->id; /* hotlined loads an encrypted key itself */
	memset(d, 0, sizeof *d);
	d->id = preloaded;
	d->cfg = cfg;
	hl_ratelimit_init(&d->handshake_rl, HL_HANDSHAKES_PER_SOURCE_PER_S, HL_HANDSHAKE_BURST);
	if (uv_loop_init(&d->loop) != 0) {
		snprintf(err, errlen, "cannot start the event loop");
		return HL_ERR_IO;
	}
	int rc = prepare_state_dir(cfg->state_dir, err, errlen);
	if (rc < 0)
		return rc;
	if (!d->id)
		rc = hl_keys_load_file(cfg->private_key_file, &d->id, err, errlen);
	if (rc < 0)
		return rc;
	char dbpath[HL_MAX_PATH + 32];
	snprintf(dbpath, sizeof dbpath, "%s/hotline.db", cfg->state_dir);
	rc = hl_store_open(dbpath, &d->store, err, errlen);
	if (rc < 0)
		return rc;
	rc = hl_store_background_checkpoints(d->store, dbpath);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot start the checkpoint thread: %s", dbpath,
			 hl_strerror(rc));
		return rc;
	}
	rc = hl_alarms_init(&d->alarms, &d->loop, d->store, cfg->alarm_command, cfg->name);
	if (rc < 0) {
		snprintf(err, errlen, "cannot load the alarms: %s", hl_strerror(rc));
		return rc;
	}
	for (int i = 0; i < cfg->n_peers; i++) {
		if (hl_pubkey_cmp(&cfg->peers[i].key, &d->id->pub) == 0) {
			snprintf(err, errlen, "%s: peer %s has this station's own public key", cfg->path,
				 cfg->peers[i].name);
			return HL_ERR_CONFIG;
		}
		rc = hl_line_init(d, &d->lines[i], &cfg->peers[i], err, errlen);
		if (rc < 0)
			return rc;
		d->n_lines++;
	}
	rc = start_listener(d, err, errlen);
	if (rc < 0)
		return rc;
	rc = hl_api_start(d, err, errlen);
	if (rc < 0)
		return rc;
	/* Last: what it logs must not come before another start-up error. */
	rc = hl_notice_load_forms(d, err, errlen);
	if (rc < 0)
		return rc;
	uv_signal_init(&d->loop, &d->sig_term);
	uv_signal_init(&d->loop, &d->sig_int);
	uv_signal_init(&d->loop, &d->sig_hup);
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
	uv_signal_start(&d->sig_term, on_signal, SIGTERM);
	uv_signal_start(&d->sig_int, on_signal, SIGINT);
	uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
	uv_check_init(&d->loop, &d->commit_check);
	d->commit_check.data = d;
	uv_check_start(&d->commit_check, on_check);
	uv_prepare_init(&d->loop, &d->commit_prepare);
	d->commit_prepare.data = d;
	uv_prepare_start(&d->commit_prepare, on_prepare);
	if (cfg->metrics_file[0]) {
		uv_timer_init(&d->loop, &d->metrics_timer);
		d->metrics_timer.data = d;
		d->metrics_on = 1;
	}
	return 0;
}

/* Metrics for node_exporter's textfile collector, rewritten atomically. */
static void on_metrics(uv_timer_t *t)
{
	hl_daemon *d = t->data;
	json_t *st = hl_api_status(d);
	if (st && hl_metrics_write(d->cfg->metrics_file, st) < 0)
		hl_log(HL_LOG_WARN, "cannot write MetricsFile %s", d->cfg->metrics_file);
	json_decref(st);
}

int hl_daemon_run(hl_daemon *d)
{
	char pk[HL_PUBKEY_B64_LEN + 1];
	hl_pubkey_encode(&d->id->pub, pk);
	hl_log(HL_LOG_NOTICE, "station %s up, key %s, %d line(s)%s%s", d->cfg->name, pk, d->n_lines,
	       d->cfg->listen[0] ? ", listening on " : "", d->cfg->listen);
	hl_events_record(d->store, NULL, hl_wall_ms(), HL_EV_START, -1, 0, NULL);
	for (int i = 0; i < d->n_lines; i++)
		hl_line_start(&d->lines[i]);
	if (d->metrics_on)
		uv_timer_start(&d->metrics_timer, on_metrics, 0, 5000);
	uv_run(&d->loop, UV_RUN_DEFAULT);
	return d->exit_code;
}

void hl_daemon_free(hl_daemon *d)
{
	if (!d->stopping) {
		/* Start-up failed part way: close whatever was opened. */
		d->stopping = 1;
		hl_api_stop(d);
		if (d->listening)
			uv_close((uv_handle_t *)&d->listener, NULL);
		for (int i = 0; i < d->n_lines; i++)
			if (!d->lines[i].retired)
				hl_line_close(&d->lines[i]);
		if (d->alarms)
			hl_alarms_free(d->alarms);
		d->alarms = NULL;
		/* H6: hl_sandbox_enter can fail after a complete init; the loop
		 * would wait for these for ever (a zeroed handle is UNKNOWN). */
		uv_handle_t *late[] = { (uv_handle_t *)&d->sig_term, (uv_handle_t *)&d->sig_int,
					(uv_handle_t *)&d->sig_hup,
					(uv_handle_t *)&d->commit_check,
					(uv_handle_t *)&d->commit_prepare,
					(uv_handle_t *)&d->metrics_timer };
		for (size_t i = 0; i < sizeof late / sizeof late[0]; i++)
			if (late[i]->type != UV_UNKNOWN_HANDLE && !uv_is_closing(late[i]))
				uv_close(late[i], NULL);
		uv_run(&d->loop, UV_RUN_NOWAIT);
	}
	uv_run(&d->loop, UV_RUN_DEFAULT);
	uv_loop_close(&d->loop);
	hl_api_free(d);
	free(d->reload_peers);
	hl_form_set_free(&d->forms);
	d->reload_peers = NULL;
	if (d->store)
		hl_store_close(d->store);
	d->store = NULL;
	if (d->id)
		hl_keys_free(d->id);
	d->id = NULL;
	/* H6: also the PSK of a line whose init failed after loading it. */
	for (size_t i = 0; i < HL_MAX_PEERS; i++)
		sodium_memzero(d->lines[i].psk, sizeof d->lines[i].psk);
}
