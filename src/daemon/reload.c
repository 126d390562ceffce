/* reload.c — SIGHUP: re-read the configuration and apply its [Peer] sections.
 * Lines whose settings did not change keep their sessions; the rest restart. */
#include "daemon.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"

/* Station settings are bound at start-up (listener, socket, state, key,
 * sandbox, identity): a change is reported, and waits for a restart. */
static void report_station_changes(const hl_config *o, const hl_config *n)
{
	char which[256] = "";
	size_t len = 0;
	struct {
		const char *key;
		int differs;
	} f[] = {
		{ "Name", strcmp(o->name, n->name) != 0 },
		{ "PrivateKeyFile", strcmp(o->private_key_file, n->private_key_file) != 0 },
		{ "Listen", strcmp(o->listen, n->listen) != 0 },
		{ "StateDir", strcmp(o->state_dir, n->state_dir) != 0 },
		{ "Socket", strcmp(o->socket_path, n->socket_path) != 0 },
		{ "User", strcmp(o->user, n->user) != 0 },
		{ "Sandbox", o->sandbox != n->sandbox },
		{ "PassphraseFile", strcmp(o->passphrase_file, n->passphrase_file) != 0 },
		{ "TestInterval", o->test_interval_ms != n->test_interval_ms },
		{ "TestDeadline", o->test_deadline_ms != n->test_deadline_ms },
		{ "TestText", strcmp(o->test_text, n->test_text) != 0 },
		{ "AlarmAfter", o->alarm_after_ms != n->alarm_after_ms },
		{ "ReceiptTimeout", o->receipt_timeout_ms != n->receipt_timeout_ms },
		{ "MaxClockSkew", o->max_clock_skew_ms != n->max_clock_skew_ms },
		{ "MetricsFile", strcmp(o->metrics_file, n->metrics_file) != 0 },
		{ "AlarmCommand", strcmp(o->alarm_command, n->alarm_command) != 0 },
		{ "ApiIdleTimeout", o->api_idle_timeout_ms != n->api_idle_timeout_ms },
		{ "AckDeadlines", memcmp(&o->ack_deadlines, &n->ack_deadlines, sizeof o->ack_deadlines) != 0 },
		{ "FormsDir", strcmp(o->forms_dir, n->forms_dir) != 0 },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (!f[i].differs)
			continue;
		int w = snprintf(which + len, sizeof which - len, "%s%s", len ? ", " : "", f[i].key);
		if (w < 0 || (size_t)w >= sizeof which - len)
			break;
		len += (size_t)w;
	}
	if (len)
		hl_log(HL_LOG_WARN, "reload: [Station] %s changed: not applied until hotlined restarts",
		       which);
}

static int same_peer(const hl_line *l, const hl_peer_conf *n, const uint8_t *psk, int has_psk)
{
	const hl_peer_conf *o = l->peer;
	if (strcmp(o->name, n->name) != 0 || o->n_endpoints != n->n_endpoints ||
	    strcmp(o->psk_file, n->psk_file) != 0 || o->keepalive_ms != n->keepalive_ms ||
	    o->dead_after != n->dead_after || o->rekey_after_ms != n->rekey_after_ms ||
	    o->quota_entries != n->quota_entries || o->quota_bytes != n->quota_bytes ||
	    o->quota_window_ms != n->quota_window_ms || o->attachment_rate != n->attachment_rate ||
	    o->checkin_deadline_ms != n->checkin_deadline_ms ||
	    memcmp(&o->checkin, &n->checkin, sizeof o->checkin) != 0)
		return 0;
	for (int i = 0; i < o->n_endpoints; i++)
		if (strcmp(o->endpoints[i], n->endpoints[i]) != 0)
			return 0;
	/* The same file may hold a new key. */
	if (has_psk != l->has_psk)
		return 0;
	return !has_psk || sodium_memcmp(psk, l->psk, HL_PSK_LEN) == 0;
}

/* A line that left the configuration, or whose settings changed, is closed
 * and kept out of every lookup; its slot is never reused, so nothing that
 * still points at it (a closing session, an export) dangles. */
static void retire(hl_line *l, const char *why)
{
	hl_log(HL_LOG_NOTICE, "%s: line closed by reload: %s", l->peer->name, why);
	l->stopped = 1;
	snprintf(l->stopped_reason, sizeof l->stopped_reason, "%s", why);
	hl_line_close(l);
	l->retired = 1;
}

static int add_line(hl_daemon *d, const hl_peer_conf *pc, char *err, size_t errlen)
{
	int k = d->core.n_lines;
	d->reload_peers[k] = *pc;
	int rc = hl_line_init(&d->core, &d->core.lines[k], &d->reload_peers[k], err, errlen);
	if (rc < 0) {
		sodium_memzero(d->core.lines[k].psk, sizeof d->core.lines[k].psk);
		return rc;
	}
	if (d->core.lines[k].has_psk && sodium_mlock(d->core.lines[k].psk, HL_PSK_LEN) != 0)
		hl_log(HL_LOG_WARN, "%s: cannot lock the PSK in memory", pc->name);
	d->core.n_lines++;
	hl_line_start(&d->core.lines[k]);
	return 0;
}

static int reload(hl_daemon *d);

/* systemd (Type=notify) is told the reload's start and its end. */
int hl_daemon_reload(hl_daemon *d)
{
	if (d->notify)
		(void)hl_sdnotify_reloading(d->notify, "reloading the configuration");
	int rc = reload(d);
	if (d->notify)
		(void)hl_sdnotify_ready(d->notify, rc < 0 ? "reload failed: see the log; running as before"
							  : "configuration reloaded");
	return rc;
}

static int reload(hl_daemon *d)
{
	char err[1024] = "";
	int rc = 0, kept = 0, changed = 0, added = 0, removed = 0;
	hl_config *nc = calloc(1, sizeof *nc);
	uint8_t (*psks)[HL_PSK_LEN] = sodium_malloc(HL_MAX_PEERS * HL_PSK_LEN);
	int has_psk[HL_MAX_PEERS] = { 0 };
	hl_line *match[HL_MAX_PEERS] = { NULL };

	if (!nc || !psks || (!d->reload_peers &&
			     !(d->reload_peers = calloc(HL_MAX_PEERS, sizeof *d->reload_peers)))) {
		hl_log(HL_LOG_ERR, "reload: out of memory; nothing changed");
		rc = HL_ERR_NOMEM;
		goto out;
	}
	rc = hl_config_load(d->core.cfg->path, nc, err, sizeof err);
	if (rc < 0) {
		hl_log(HL_LOG_ERR, "reload: %s; nothing changed", err);
		goto out;
	}
	/* Everything is checked before anything changes. */
	int need = 0;
	for (int i = 0; i < nc->n_peers; i++) {
		if (hl_pubkey_cmp(&nc->peers[i].key, &d->core.id->pub) == 0) {
			hl_log(HL_LOG_ERR, "reload: peer %s has this station's own public key; nothing changed",
			       nc->peers[i].name);
			rc = HL_ERR_CONFIG;
			goto out;
		}
		if (nc->peers[i].psk_file[0]) {
			rc = hl_keys_load_psk(nc->peers[i].psk_file, psks[i], err, sizeof err);
			if (rc < 0) {
				hl_log(HL_LOG_ERR, "reload: %s; nothing changed", err);
				goto out;
			}
			has_psk[i] = 1;
		}
		for (int j = 0; j < d->core.n_lines; j++) {
			hl_line *l = &d->core.lines[j];
			if (!l->retired && hl_pubkey_cmp(&l->peer->key, &nc->peers[i].key) == 0)
				match[i] = l;
		}
		if (!match[i] || !same_peer(match[i], &nc->peers[i], psks[i], has_psk[i]))
			need++;
	}
	if (d->core.n_lines + need > (int)HL_MAX_PEERS) {
		hl_log(HL_LOG_ERR, "reload: no room for %d more line(s) (%d slots used since start); "
		       "nothing changed: restart hotlined to apply this configuration", need, d->core.n_lines);
		rc = HL_ERR_TOOBIG;
		goto out;
	}
	report_station_changes(d->core.cfg, nc);
	/* [Operators] applies to API connections made from now on. */
	memcpy(d->core.cfg->operators, nc->operators, sizeof nc->operators);
	d->core.cfg->n_operators = nc->n_operators;
	/* Entries stored in this turn belong to the lines as they are now. */
	hl_core_commit(&d->core);
	for (int j = 0, n = d->core.n_lines; j < n; j++) {
		hl_line *l = &d->core.lines[j];
		int found = 0;
		for (int i = 0; i < nc->n_peers; i++)
			found |= match[i] == l;
		if (!l->retired && !found) {
			retire(l, "removed from the configuration");
			removed++;
		}
	}
	for (int i = 0; i < nc->n_peers; i++) {
		if (match[i] && same_peer(match[i], &nc->peers[i], psks[i], has_psk[i])) {
			kept++;
			continue;
		}
		if (match[i]) {
			retire(match[i], "settings changed: restarted with the new ones");
			changed++;
		} else {
			added++;
		}
		rc = add_line(d, &nc->peers[i], err, sizeof err);
		if (rc < 0) /* the store failed under us: say so, go on with the others */
			hl_log(HL_LOG_ERR, "reload: peer %s: %s", nc->peers[i].name, err);
	}
	hl_log(HL_LOG_NOTICE, "reload: %d line(s) unchanged, %d restarted, %d added, %d removed", kept,
	       changed, added, removed);
out:
	if (psks)
		sodium_free(psks);
	free(nc);
	return rc;
}
