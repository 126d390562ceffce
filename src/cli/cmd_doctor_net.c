/* cmd_doctor_net.c — `hotline doctor`, the checks that talk to something:
 * the local daemon (status, each line, open alarms) and each peer endpoint
 * (resolved, TCP connect, and a Noise handshake when the daemon is down). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "client/client.h"
#include "cmd_doctor.h"
#include "util/err.h"
#include "crypto/noise.h"
#include "client/render.h"
#include "record/wire.h"

#define CONNECT_TIMEOUT_MS 2000
/* The peer answers message 1 after one small database write. */
#define HANDSHAKE_TIMEOUT_MS 5000
#define STATUS_TIMEOUT_S 10

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 0 with *fd open, or the connect errno. */
static int unix_connect(const char *path, int *fd)
{
	struct sockaddr_un sa;
	int s, e;

	*fd = -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		return ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	if (connect(s, (const struct sockaddr *)&sa, sizeof sa) != 0) {
		e = errno;
		close(s);
		return e;
	}
	*fd = s;
	return 0;
}

/* With no daemon answering its socket, something else may still hold the
 * Listen address (a hotlined with another Socket, or another program): then
 * hotlined cannot start, and a handshake from here might not be alone. */
static void check_listen(hl_doctor *d)
{
	struct sockaddr_storage ss;
	int s, one = 1, e;

	if (!d->cfg->listen[0]) {
		hl_doctor_report(d, HL_DOC_OK, "listen", "no Listen: this station only dials out");
		return;
	}
	if (hl_config_parse_addr(d->cfg->listen, &ss) < 0)
		return;
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		hl_doctor_report(d, HL_DOC_WARN, "listen", "%s: cannot test: %s", d->cfg->listen,
				 strerror(errno));
		return;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (const struct sockaddr *)&ss, ss.ss_family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == 0) {
		hl_doctor_report(d, HL_DOC_OK, "listen", "%s is free for hotlined", d->cfg->listen);
	} else if ((e = errno) == EADDRINUSE) {
		d->daemon_down = 0;
		hl_doctor_report(d, HL_DOC_FAIL, "listen", "%s is in use by another program (or a "
				 "hotlined with another Socket): find it with ss -ltnp", d->cfg->listen);
	} else if (e == EACCES && geteuid() != 0) {
		hl_doctor_report(d, HL_DOC_WARN, "listen", "%s: this user may not bind it (%s); "
				 "hotlined binds it before it drops root", d->cfg->listen, strerror(e));
	} else {
		hl_doctor_report(d, HL_DOC_FAIL, "listen", "%s: cannot bind: %s", d->cfg->listen,
				 strerror(e));
	}
	close(s);
}

static void compare_identity(hl_doctor *d)
{
	const char *name = json_string_value(json_object_get(d->status, "station"));
	const char *pub = json_string_value(json_object_get(d->status, "pubkey"));
	char want[HL_PUBKEY_B64_LEN + 1];

	if (name && strcmp(name, d->cfg->name) != 0)
		hl_doctor_report(d, HL_DOC_FAIL, "daemon", "it is station %s, but %s says %s: it runs "
				 "with another configuration", name, d->cfg->path, d->cfg->name);
	if (!d->id || !pub)
		return;
	hl_pubkey_encode(&d->id->pub, want);
	if (strcmp(pub, want) != 0)
		hl_doctor_report(d, HL_DOC_FAIL, "daemon", "it runs with another key than %s "
				 "(restart it after changing the key)", d->cfg->private_key_file);
}

void hl_doctor_check_daemon(hl_doctor *d)
{
	const char *sock = d->cfg->socket_path;
	char err[HL_MAX_PATH + 512] = "";
	struct timeval tv = { .tv_sec = STATUS_TIMEOUT_S };
	json_t *req = NULL, *reply = NULL;
	int fd = -1, e;

	e = unix_connect(sock, &fd);
	if (e == ENOENT || e == ECONNREFUSED) {
		d->daemon_down = 1;
		hl_doctor_report(d, HL_DOC_FAIL, "daemon", "not running (nothing answers on %s): "
				 "start it (its service, or hotlined -c %s)", sock,
				 d->cfg->path);
		check_listen(d);
		return;
	}
	if (e != 0) {
		hl_doctor_report(d, HL_DOC_FAIL, "daemon", "cannot reach it at %s: %s%s", sock, strerror(e),
				 e == EACCES ? " (is your user in the group that owns the socket?)" : "");
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	req = json_pack("{s:s}", "cmd", "status");
	if (!req || hl_client_send(fd, req, err, sizeof err) < 0 ||
	    hl_client_recv(fd, &reply, err, sizeof err) < 0) {
		hl_doctor_report(d, HL_DOC_FAIL, "daemon", "%s does not answer: %s", sock,
				 err[0] ? err : "out of memory");
		goto out;
	}
	if (hl_client_reply_error(reply)) {
		hl_doctor_report(d, HL_DOC_FAIL, "daemon", "status refused: %s",
				 hl_client_reply_error(reply));
		goto out;
	}
	d->status = reply;
	reply = NULL;
	hl_doctor_report(d, HL_DOC_OK, "daemon", "running, answers on %s", sock);
	compare_identity(d);
out:
	json_decref(req);
	json_decref(reply);
	close(fd);
}

static const json_t *status_line(const hl_doctor *d, const char *peer)
{
	const json_t *lines = json_object_get(d->status, "lines"), *l;
	size_t i;

	json_array_foreach(lines, i, l) {
		const char *p = json_string_value(json_object_get(l, "peer"));
		if (p && strcmp(p, peer) == 0)
			return l;
	}
	return NULL;
}

static const char *str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

/* The daemon's view of one line: its state and its open alarms. */
static void check_line(hl_doctor *d, const hl_peer_conf *peer)
{
	char check[HL_MAX_NAME + 16], rtt[48] = "";
	const json_t *l = status_line(d, peer->name), *a;
	size_t i;

	snprintf(check, sizeof check, "line %s", peer->name);
	if (!l) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "the running daemon has no line to %s: reload it "
				 "(SIGHUP) or restart it after editing the configuration", peer->name);
		return;
	}
	const char *state = str(l, "state", "?");
	const json_t *r = json_object_get(l, "rtt_ms");
	if (json_is_number(r))
		snprintf(rtt, sizeof rtt, ", rtt %.1f ms", json_number_value(r));
	if (strcmp(state, "up") == 0)
		hl_doctor_report(d, HL_DOC_OK, check, "up via %s%s, %lld unreceipted", str(l, "endpoint", "?"),
				 rtt, (long long)json_integer_value(json_object_get(l, "unreceipted")));
	else if (strcmp(state, "stopped") == 0)
		hl_doctor_report(d, HL_DOC_FAIL, check, "STOPPED: %s; keep the proof (hotline export %s "
				 "--proof) and settle it with %s's operators", str(l, "stopped_reason", "?"),
				 peer->name, peer->name);
	else
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s: no session with %s; see the endpoint "
				 "checks below, and whether %s's hotlined runs and pins this station's key",
				 state, peer->name, peer->name);
	json_array_foreach(json_object_get(l, "alarms"), i, a) {
		char when[HL_RENDER_TIME_LEN + 8] = "?";
		const json_t *since = json_object_get(a, "since_ms");
		if (json_is_integer(since))
			hl_render_time(json_integer_value(since), when, sizeof when);
		snprintf(check, sizeof check, "alarm %s", peer->name);
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s: %s (since %s)", str(a, "kind", "?"),
				 str(a, "text", ""), when);
	}
}

/* Numeric today (config.c makes no DNS lookups), but through getaddrinfo
 * so the check stays right if names are ever allowed. */
static int resolve(const char *endpoint, struct sockaddr_storage *ss, socklen_t *sslen,
		   char *why, size_t whylen)
{
	char host[HL_MAX_ENDPOINT_STR + 1];
	const char *colon = strrchr(endpoint, ':');
	struct addrinfo hints, *res = NULL;
	size_t n;
	int rc;

	if (!colon || colon == endpoint) {
		snprintf(why, whylen, "not HOST:PORT");
		return -1;
	}
	n = (size_t)(colon - endpoint);
	if (endpoint[0] == '[' && n >= 2 && endpoint[n - 1] == ']')
		snprintf(host, sizeof host, "%.*s", (int)(n - 2), endpoint + 1);
	else
		snprintf(host, sizeof host, "%.*s", (int)n, endpoint);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(why, whylen, "does not resolve: %s", gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Non-blocking connect bounded by CONNECT_TIMEOUT_MS: 0 with *fd, else errno
 * (ETIMEDOUT when nothing answered in time). */
static int tcp_connect(const struct sockaddr_storage *ss, socklen_t len, int *fd, uint64_t *ms)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	uint64_t t0 = mono_ms();
	int s, e = 0, fl;

	*fd = -1;
	s = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return errno;
	if (connect(s, (const struct sockaddr *)ss, len) != 0) {
		if (errno != EINPROGRESS) {
			e = errno;
			goto out;
		}
		pfd.fd = s;
		pfd.events = POLLOUT;
		int pr;
		while ((pr = poll(&pfd, 1, CONNECT_TIMEOUT_MS)) < 0 && errno == EINTR)
			;
		if (pr == 0) {
			e = ETIMEDOUT;
			goto out;
		}
		if (pr < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &elen) != 0) {
			e = errno;
			goto out;
		}
		if (e != 0)
			goto out;
	}
	fl = fcntl(s, F_GETFL);
	if (fl < 0 || fcntl(s, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		goto out;
	}
	*ms = mono_ms() - t0;
	*fd = s;
	s = -1;
out:
	if (s >= 0)
		close(s);
	return e;
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? HL_ERR_TRUNC : HL_ERR_IO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* As the station's daemon would dial (docs/PROTOCOL.md §2.1): message 1
 * with a TAI64N timestamp, then the peer's message 2. Closed right after,
 * before any HELLO: nothing of the record is exchanged. */
static enum hl_doctor_status handshake(hl_doctor *d, int peer_i, int fd, char *msg, size_t msglen)
{
	const hl_peer_conf *peer = &d->cfg->peers[peer_i];
	struct timeval tv = { .tv_sec = HANDSHAKE_TIMEOUT_MS / 1000 };
	uint8_t psk[HL_PSK_LEN], ts[12], frame[2 + 256], reply[65535], payload[64];
	char why[HL_MAX_PATH + 256], err[HL_MAX_PATH + 256];
	const hl_identity *id = hl_doctor_identity(d, why, sizeof why);
	hl_noise_hs *hs = NULL;
	size_t olen = 0, plen = 0, rlen = 0;
	int has_psk = peer->psk_file[0] != '\0';
	enum hl_doctor_status st = HL_DOC_FAIL;
	int rc;

	if (!id) {
		snprintf(msg, msglen, "handshake not tried: %s", why);
		return HL_DOC_WARN;
	}
	if (has_psk && (!d->psk_ok[peer_i] || hl_keys_load_psk(peer->psk_file, psk, err, sizeof err) < 0)) {
		snprintf(msg, msglen, "handshake not tried: the pre-shared key did not pass its check");
		sodium_memzero(psk, sizeof psk);
		return HL_DOC_WARN;
	}
	rc = hl_noise_hs_new(&hs, has_psk ? HL_PROTO_IKPSK2 : HL_PROTO_IK, 1,
			     (const uint8_t *)HL_PROLOGUE, strlen(HL_PROLOGUE), id->x_sk, peer->key.x,
			     NULL, has_psk ? psk : NULL, has_psk ? 1 : 0);
	sodium_memzero(psk, sizeof psk);
	hl_tai64n_now(ts);
	if (rc == 0)
		rc = hl_noise_hs_write(hs, ts, sizeof ts, frame + 2, sizeof frame - 2, &olen);
	if (rc < 0) {
		snprintf(msg, msglen, "handshake not tried: %s", hl_strerror(rc));
		goto out;
	}
	frame[0] = (uint8_t)(olen >> 8);
	frame[1] = (uint8_t)olen;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (send(fd, frame, olen + 2, MSG_NOSIGNAL) != (ssize_t)(olen + 2)) {
		snprintf(msg, msglen, "cannot send the handshake: %s", strerror(errno));
		goto out;
	}
	rc = read_full(fd, frame, 2);
	if (rc == 0) {
		rlen = (size_t)frame[0] << 8 | frame[1];
		rc = rlen ? read_full(fd, reply, rlen) : HL_ERR_TRUNC;
	}
	if (rc == HL_ERR_TRUNC) {
		snprintf(msg, msglen, "%s closed the connection without answering the handshake: it has "
			 "not pinned this station's key (its [Peer] PublicKey for %s), %s, the line is "
			 "stopped there, or this clock is behind the last handshake it accepted",
			 peer->name, d->cfg->name, has_psk ? "it has no or another pre-shared key"
			 : "it expects a pre-shared key");
		goto out;
	}
	if (rc < 0) {
		snprintf(msg, msglen, "no answer to the handshake within %d s: %s",
			 HANDSHAKE_TIMEOUT_MS / 1000, strerror(errno));
		goto out;
	}
	rc = hl_noise_hs_read(hs, reply, rlen, payload, sizeof payload, &plen);
	if (rc < 0) {
		snprintf(msg, msglen, "the handshake answer does not decrypt: %s",
			 has_psk ? "the two pre-shared key files differ" : "it is not from the pinned key");
		goto out;
	}
	if (plen != 0 || !hl_noise_hs_done(hs)) {
		snprintf(msg, msglen, "the handshake answer is not hotline's");
		goto out;
	}
	snprintf(msg, msglen, "handshake answered (%s): %s holds the pinned key and knows this station",
		 has_psk ? "IKpsk2" : "IK", peer->name);
	st = HL_DOC_OK;
out:
	hl_noise_hs_free(hs);
	sodium_memzero(reply, sizeof reply);
	return st;
}

/* The daemon's path for this endpoint, from its status ("active", ...). */
static const char *path_state(const hl_doctor *d, const char *peer, const char *endpoint)
{
	const json_t *l = status_line(d, peer), *p;
	size_t i;

	json_array_foreach(json_object_get(l, "paths"), i, p) {
		const char *ep = json_string_value(json_object_get(p, "endpoint"));
		if (ep && strcmp(ep, endpoint) == 0)
			return str(p, "state", NULL);
	}
	return NULL;
}

static void check_endpoint(hl_doctor *d, int peer_i, int ep_i)
{
	const hl_peer_conf *peer = &d->cfg->peers[peer_i];
	const char *ep = peer->endpoints[ep_i];
	char check[HL_MAX_NAME + HL_MAX_ENDPOINT_STR + 16], why[256], hs[HL_MAX_PATH + 512];
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	uint64_t ms = 0;
	int fd = -1, e;

	snprintf(check, sizeof check, "endpoint %s %s", peer->name, ep);
	if (resolve(ep, &ss, &sslen, why, sizeof why) < 0) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s", why);
		return;
	}
	e = tcp_connect(&ss, sslen, &fd, &ms);
	if (e == ECONNREFUSED) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "connection refused: nothing listens there; is "
				 "%s's hotlined running, with this address as its Listen?", peer->name);
		return;
	}
	if (e == ETIMEDOUT) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "no answer within %d s: a firewall drops it, "
				 "or the host or route is down", CONNECT_TIMEOUT_MS / 1000);
		return;
	}
	if (e != 0) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "cannot connect: %s", strerror(e));
		return;
	}
	if (d->status) {
		/* A handshake now would replace the daemon's session on this path. */
		const char *ps = path_state(d, peer->name, ep);
		if (!ps)
			hl_doctor_report(d, HL_DOC_WARN, check, "reachable (TCP %llu ms); the daemon "
					 "reports no path for it", (unsigned long long)ms);
		else if (strcmp(ps, "active") == 0 || strcmp(ps, "standby") == 0)
			hl_doctor_report(d, HL_DOC_OK, check, "reachable (TCP %llu ms), path %s",
					 (unsigned long long)ms, ps);
		else if (strcmp(ps, "suspect") == 0)
			hl_doctor_report(d, HL_DOC_WARN, check, "reachable (TCP %llu ms), path suspect "
					 "(receipts late on it)", (unsigned long long)ms);
		else
			hl_doctor_report(d, HL_DOC_FAIL, check, "reachable (TCP %llu ms), but the daemon "
					 "has no session on it (%s): %s refuses the handshake, or has not "
					 "pinned this station", (unsigned long long)ms, ps, peer->name);
	} else if (d->daemon_down && d->handshake) {
		enum hl_doctor_status st = handshake(d, peer_i, fd, hs, sizeof hs);
		hl_doctor_report(d, st, check, "reachable (TCP %llu ms); %s", (unsigned long long)ms, hs);
	} else {
		hl_doctor_report(d, HL_DOC_OK, check, "reachable (TCP %llu ms)%s", (unsigned long long)ms,
				 d->daemon_down ? "; handshake not tried (--no-handshake)" : "");
	}
	close(fd);
}

void hl_doctor_check_peers(hl_doctor *d)
{
	char check[HL_MAX_NAME + 16];

	for (int i = 0; i < d->cfg->n_peers; i++) {
		const hl_peer_conf *peer = &d->cfg->peers[i];
		if (d->status)
			check_line(d, peer);
		if (peer->n_endpoints == 0) {
			snprintf(check, sizeof check, "endpoint %s", peer->name);
			hl_doctor_report(d, HL_DOC_OK, check, "none configured: %s must dial this station",
					 peer->name);
		}
		for (int j = 0; j < peer->n_endpoints; j++)
			check_endpoint(d, i, j);
	}
}
