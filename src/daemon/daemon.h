/* daemon.h — hotlined's top level: the core (line/core.h) with what only the
 * daemon has around it: the listener, signals, the local API, reloads,
 * metrics and the service manager. */
#ifndef HL_DAEMON_H
#define HL_DAEMON_H

#include <uv.h>

#include "api/api.h"
#include "line/core.h"
#include "sdnotify.h"

typedef struct hl_daemon {
	hl_core core;            /* first: the layers below see only this */
	uv_tcp_t listener;
	int listening;
	uv_signal_t sig_term, sig_int, sig_pipe, sig_hup;
	hl_peer_conf *reload_peers; /* settings of lines added by reloads, by slot */
	const hl_sdnotify *notify; /* service manager, for RELOADING=1 (NULL: none) */
	hl_api *api;
	uv_timer_t metrics_timer;
	int metrics_on;
	int exit_code;
} hl_daemon;

/* daemon.c. hl_daemon_init uses (and then owns) the identity in *id if the
 * caller set it (an encrypted key hotlined loaded itself), else loads the
 * configured key file; every other field is reset. */
int hl_daemon_init(hl_daemon *d, hl_config *cfg, hl_identity *id, char *err, size_t errlen);
int hl_daemon_run(hl_daemon *d);
void hl_daemon_free(hl_daemon *d);
/* reload.c: SIGHUP. Re-reads the configuration file; applies its [Peer]
 * sections (unchanged lines untouched, changed ones restarted, new ones
 * added, missing ones closed); reports [Station] changes as waiting for a
 * restart. A file that does not load changes nothing. */
int hl_daemon_reload(hl_daemon *d);

#endif
