/* path.c — a line's paths: one session per reachable path (both dial, one
 * connection survives), the active path chosen by preference with failback
 * hysteresis, failure detected by keepalive or, while entries await a
 * receipt, by an adaptive timeout; rekeying by a fresh handshake. */
#include "daemon.h"
#include "blob.h"

#include <sodium.h>
#include <string.h>

#include "err.h"
#include "events.h"
#include "log.h"

#define DUP_WINDOW_MS 3000u     /* two sessions on a path this close: tie-break */
#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u
#define TICK_MS 50u
#define RTO_MIN_MS 250.0
#define RTO_UNKNOWN_MS 1000.0
#define FAILBACK_AFTER_MS 10000u /* a better path must be up this long first */
#define STABLE_AFTER_MS 5000u   /* a session this old resets the dial backoff */
#define REJECT_AFTER_MS 180000u /* a session nobody rekeyed (RekeyAfter ≤ 120 s) is closed */
#define REKEY_RETRY_MS 1000u    /* first retry of a failed rekey */

static void on_tick(uv_timer_t *t);

int hl_path_init_all(hl_line *l, char *err, size_t errlen)
{
	const hl_peer_conf *peer = l->peer;
	l->n_paths = peer->n_endpoints;
	l->n_slots = l->n_paths + HL_EXTRA_PATHS;
	l->active = -1;
	for (int i = 0; i < l->n_slots; i++) {
		hl_path *p = &l->paths[i];
		memset(p, 0, sizeof *p);
		p->line = l;
		p->index = i;
		p->backoff_ms = BACKOFF_MIN_MS;
		if (i < l->n_paths) {
			snprintf(p->endpoint, sizeof p->endpoint, "%s", peer->endpoints[i]);
			if (hl_config_parse_addr(p->endpoint, &p->addr) < 0) {
				snprintf(err, errlen, "peer %s: Endpoint %s is not an address", peer->name,
					 p->endpoint);
				return HL_ERR_CONFIG;
			}
			p->dialable = 1;
		}
		uv_timer_init(&l->d->loop, &p->dial_timer);
		p->dial_timer.data = p;
	}
	uv_timer_init(&l->d->loop, &l->tick);
	l->tick.data = l;
	return 0;
}

static void dial(hl_path *p)
{
	hl_line *l = p->line;
	if (l->d->stopping || l->stopped || !p->dialable || p->session || p->dialing)
		return;
	hl_session_dial(l, p->index, (const struct sockaddr *)&p->addr);
}

static void on_dial_timer(uv_timer_t *t)
{
	dial(t->data);
}

/* Capped exponential backoff with jitter, so two stations that lost each
 * other do not redial in lockstep: the next delay from *b (min if 0), and
 * *b doubled for the one after. */
static unsigned next_backoff(unsigned *b, unsigned min)
{
	unsigned cur = *b ? *b : min;
	*b = cur * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : cur * 2;
	return cur / 2 + randombytes_uniform(cur / 2 + 1);
}

static void schedule_dial(hl_path *p)
{
	hl_line *l = p->line;
	if (l->d->stopping || l->stopped || !p->dialable || p->session || p->dialing)
		return;
	uv_timer_start(&p->dial_timer, on_dial_timer, next_backoff(&p->backoff_ms, BACKOFF_MIN_MS), 0);
}

/* Dials every configured path that has no session, now, without waiting for
 * its backoff: the first to complete a handshake carries the traffic. The
 * path that just failed (except) keeps its backoff, so a fault that kills
 * every new session (a full disk at the peer) does not become a storm. */
static void dial_all_now(hl_line *l, const hl_path *except)
{
	for (int i = 0; i < l->n_paths; i++) {
		hl_path *p = &l->paths[i];
		if (p->session || p->dialing || p == except)
			continue;
		uv_timer_stop(&p->dial_timer);
		dial(p);
	}
}

void hl_path_start_all(hl_line *l)
{
	for (int i = 0; i < l->n_paths; i++)
		dial(&l->paths[i]);
	uv_timer_start(&l->tick, on_tick, TICK_MS, TICK_MS);
}

void hl_path_close_all(hl_line *l)
{
	for (int i = 0; i < l->n_slots; i++) {
		hl_path *p = &l->paths[i];
		if (p->session)
			hl_session_close(p->session, "station shutting down");
		if (p->dialing)
			hl_session_close(p->dialing, NULL);
		uv_close((uv_handle_t *)&p->dial_timer, NULL);
	}
	uv_close((uv_handle_t *)&l->tick, NULL);
}

static int same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}

/* Which path an incoming session came over: the configured path whose
 * endpoint address is the session's source (each path's networks are
 * separate, so the peer's source address names the path). Otherwise an
 * extra slot: the one already used by that source, a free one, or the
 * oldest. */
static int incoming_path(const hl_line *l, const hl_session *s)
{
	for (int i = 0; i < l->n_paths; i++)
		if (same_ip(&l->paths[i].addr, &s->remote))
			return i;
	int free_slot = -1, oldest = l->n_paths;
	for (int i = l->n_paths; i < l->n_slots; i++) {
		const hl_session *o = l->paths[i].session;
		if (o && same_ip(&o->remote, &s->remote))
			return i;
		if (!o && free_slot < 0)
			free_slot = i;
		if (o && l->paths[oldest].session && o->up_ms < l->paths[oldest].session->up_ms)
			oldest = i;
	}
	return free_slot >= 0 ? free_slot : oldest;
}

/* 1 if s was opened by the party with the smaller station key. */
static int smaller_opened(const hl_line *l, const hl_session *s)
{
	int me_smaller = hl_pubkey_cmp(&l->d->id->pub, &l->peer->key) < 0;
	return s->initiator ? me_smaller : !me_smaller;
}

static const char *path_name(const hl_path *p)
{
	return p->endpoint[0] ? p->endpoint : "unlisted source";
}

int hl_line_session_up(hl_line *l, hl_session *s)
{
	if (s->path < 0)
		s->path = incoming_path(l, s);
	hl_path *p = &l->paths[s->path];
	if (p->dialing == s)
		p->dialing = NULL;
	if (l->stopped)
		return HL_ERR_STOPPED;
	uint64_t now = hl_now_ms(l->d);
	hl_session *old = p->session;
	if (old) {
		/* Both dialled at once: both sides must keep the same connection,
		 * the one opened by the smaller key. Later, a new session simply
		 * replaces the old (a rekey, a restarted peer, a dead old one). */
		int keep_new = 1;
		if (now - old->up_ms < DUP_WINDOW_MS && smaller_opened(l, s) != smaller_opened(l, old))
			keep_new = smaller_opened(l, s);
		if (!keep_new) {
			hl_session_close(s, "duplicate connection (simultaneous dial)");
			return 0;
		}
		p->session = s;
		hl_session_close(old, old->rekey_started ? "rekeyed: replaced by a fresh handshake"
							 : "replaced by a newer session");
	}
	p->session = s;
	p->rekey_backoff_ms = 0;
	p->rekey_retry_ms = 0;
	s->up_ms = now;
	s->last_ping_ms = now;
	s->srtt_ms = -1;
	if (!old)
		p->up_since_ms = now;
	p->down_since_ms = 0;
	uv_timer_stop(&p->dial_timer);
	l->last_traffic_ms = now;
	if (!old)
		hl_supervise_event(l, HL_EV_PATH_UP, p->index, 0, s->addr);
	hl_log(old ? HL_LOG_INFO : HL_LOG_NOTICE, "%s path %d (%s): session up (%s, %s)", l->peer->name,
	       p->index, path_name(p), s->initiator ? "we dialled" : "they dialled",
	       l->has_psk ? "IKpsk2" : "IK");
	return hl_line_hello(l, s);
}

void hl_line_session_down(hl_line *l, hl_session *s)
{
	if (s->path < 0)
		return; /* never reached a path: a refused responder handshake */
	hl_path *p = &l->paths[s->path];
	if (p->dialing == s) {
		p->dialing = NULL;
		if (p->session && p->session->rekey_started) {
			/* A rekey that failed (refused, timed out) is tried again,
			 * from 1 s backing off to 5 s (WireGuard's REKEY_TIMEOUT):
			 * the old keys expire at REJECT_AFTER_MS, and the peer's
			 * per-source rate limit must not see a storm. */
			p->session->rekey_started = 0;
			p->rekey_retry_ms = hl_now_ms(l->d) + next_backoff(&p->rekey_backoff_ms, REKEY_RETRY_MS);
		}
		schedule_dial(p);
		return;
	}
	if (p->session != s) {
		/* Replaced on its path by a newer session (a rekey, a restarted
		 * peer): it may still be the line's active one until the newer
		 * one's HELLO makes hl_path_choose take that. It must not stay
		 * pointed at once freed — a receipt arriving on another path in
		 * between used it (ASan, fault_kill9). The path stays active. */
		if (l->session == s)
			l->session = NULL;
		return;
	}
	p->session = NULL;
	p->up_since_ms = 0;
	p->down_since_ms = hl_now_ms(l->d);
	p->last_fail_ms = p->down_since_ms;
	hl_log(HL_LOG_NOTICE, "%s path %d (%s): down", l->peer->name, p->index, path_name(p));
	if (!l->d->stopping)
		hl_supervise_event(l, HL_EV_PATH_DOWN, p->index, 0, NULL);
	if (l->session == s) {
		l->session = NULL;
		hl_path_choose(l);
		if (!l->session)
			dial_all_now(l, p);
	}
	schedule_dial(p);
}

void hl_path_choose(hl_line *l)
{
	uint64_t now = hl_now_ms(l->d);
	int best = -1;
	for (int i = 0; i < l->n_slots; i++) {
		hl_session *s = l->paths[i].session;
		if (s && s->state == HL_SS_UP && s->hello_rx && !s->suspect) {
			best = i;
			break;
		}
	}
	int cur = l->active;
	hl_session *cs = cur >= 0 ? l->paths[cur].session : NULL;
	int cur_ok = cs && cs == l->session && cs->state == HL_SS_UP && cs->hello_rx && !cs->suspect;
	/* Hysteresis: move back to a better path that has failed only once it has
	 * been up for a while, so a flapping link does not drag traffic back and
	 * forth. A path that never failed (start-up) is taken at once. */
	if (cur_ok && best >= 0 && best < cur && l->paths[best].last_fail_ms &&
	    now - l->paths[best].up_since_ms < FAILBACK_AFTER_MS)
		best = cur;
	if (cur_ok && best == cur)
		return;
	hl_session *ns = best >= 0 ? l->paths[best].session : NULL;
	if (best == cur && ns == l->session)
		return;
	l->active = best;
	l->session = ns;
	if (!ns) {
		if (cur >= 0)
			hl_log(HL_LOG_NOTICE, "%s: line down (no path answers)", l->peer->name);
		return;
	}
	/* Resend from the last receipt: what was in flight on the old path may
	 * be lost; the peer drops what it already holds. */
	ns->send_next = l->receipted_seq + 1;
	ns->unacked_since_ms = 0;
	l->rtt_ms = ns->srtt_ms;
	hl_supervise_event(l, HL_EV_PATH_ACTIVE, best, 0, l->paths[best].endpoint);
	hl_log(HL_LOG_NOTICE, "%s: traffic on path %d (%s)%s", l->peer->name, best, path_name(&l->paths[best]),
	       cur >= 0 && cur != best ? " (moved)" : "");
	hl_line_pump(l);
}

void hl_path_on_pong(hl_line *l, hl_session *s, uint64_t sent_ms, uint64_t peer_wall_ms)
{
	uint64_t now = hl_now_ms(l->d);
	if (sent_ms > now)
		return;
	double rtt = (double)(now - sent_ms);
	/* The peer read its clock about half a round trip ago. */
	l->clock_offset_ms = (double)peer_wall_ms - ((double)hl_wall_ms() - rtt / 2);
	l->clock_known = 1;
	if (s->srtt_ms < 0) {
		s->srtt_ms = rtt;
		s->rttvar_ms = rtt / 2;
	} else {
		double dev = s->srtt_ms > rtt ? s->srtt_ms - rtt : rtt - s->srtt_ms;
		s->rttvar_ms = 0.75 * s->rttvar_ms + 0.25 * dev;
		s->srtt_ms = 0.875 * s->srtt_ms + 0.125 * rtt;
	}
	if (s == l->session)
		l->rtt_ms = s->srtt_ms;
	if (s->suspect) {
		s->suspect = 0;
		hl_path_choose(l);
	}
}

void hl_path_on_receipt(hl_line *l, hl_session *s)
{
	if (s->suspect) {
		s->suspect = 0;
		hl_path_choose(l);
	}
	hl_session *a = l->session;
	if (!a)
		return;
	/* Progress restarts the clock, as TCP restarts its retransmission timer. */
	a->unacked_since_ms = l->receipted_seq + 1 >= a->send_next ? 0 : hl_now_ms(l->d);
}

void hl_path_broadcast(hl_line *l, uint8_t type, const uint8_t *body, size_t len)
{
	for (int i = 0; i < l->n_slots; i++) {
		hl_session *s = l->paths[i].session;
		if (s && s->state == HL_SS_UP && s->hello_rx)
			hl_session_send(s, type, body, len);
	}
}

static double rto_ms(const hl_session *s)
{
	if (s->srtt_ms < 0)
		return RTO_UNKNOWN_MS;
	double r = 4.0 * s->srtt_ms;
	return r < RTO_MIN_MS ? RTO_MIN_MS : r;
}

static void send_ping(hl_line *l, hl_session *s, uint64_t now)
{
	uint8_t p[HL_PING_LEN];
	hl_be64_put(p, now);
	hl_be64_put(p + 8, hl_wall_ms());
	s->last_ping_ms = now;
	if (hl_session_send(s, HL_REC_PING, p, sizeof p) == 0)
		hl_session_flush(s);
	(void)l;
}

/* Per-session duties: keepalive, dead detection, rekey. */
static void tick_session(hl_line *l, hl_path *p, hl_session *s, uint64_t now)
{
	uint64_t ka = l->peer->keepalive_ms;
	uint64_t quiet = now - s->last_rx_ms;
	if (quiet > (uint64_t)l->peer->dead_after * ka) {
		char why[96];
		snprintf(why, sizeof why, "path dead: nothing received for %llu ms", (unsigned long long)quiet);
		hl_session_close(s, why);
		return;
	}
	if (now - s->up_ms > REJECT_AFTER_MS) {
		hl_session_close(s, "session keys too old (no rekey)");
		return;
	}
	if (s->initiator && now - s->up_ms > l->peer->rekey_after_ms && !s->rekey_started && !p->dialing &&
	    p->dialable && now >= p->rekey_retry_ms) {
		s->rekey_started = now;
		hl_session_dial(l, p->index, (const struct sockaddr *)&p->addr);
	}
	if (now - s->last_ping_ms >= ka)
		send_ping(l, s, now);
	/* Only a session that lasted earns the next dial without backoff. */
	if (now - s->up_ms > STABLE_AFTER_MS)
		p->backoff_ms = BACKOFF_MIN_MS;
}

static void on_tick(uv_timer_t *t)
{
	hl_line *l = t->data;
	uint64_t now = hl_now_ms(l->d);
	for (int i = 0; i < l->n_slots; i++) {
		hl_path *p = &l->paths[i];
		if (p->session && p->session->state == HL_SS_UP)
			tick_session(l, p, p->session, now);
	}
	hl_session *a = l->session;
	if (a && a->unacked_since_ms && (double)(now - a->unacked_since_ms) > rto_ms(a)) {
		/* Receipts are overdue: do not wait for three missed keepalives. */
		hl_log(HL_LOG_NOTICE, "%s path %d: no receipt for %llu ms (timeout %.0f ms): trying other paths",
		       l->peer->name, l->active, (unsigned long long)(now - a->unacked_since_ms), rto_ms(a));
		a->suspect = 1;
		a->unacked_since_ms = 0;
		dial_all_now(l, NULL);
		hl_path_choose(l);
	} else {
		hl_path_choose(l); /* failback once a better path has been up long enough */
	}
	hl_linktest_tick(l, now);
	hl_blob_tick(l, now);
	hl_line_store_retry(l);
	hl_line_drain_tick(l);
	if (!l->d->stopping)
		hl_supervise_tick(l, now);
	if (!l->session && !l->stopped)
		for (int i = 0; i < l->n_paths; i++)
			if (!l->paths[i].session && !l->paths[i].dialing &&
			    !uv_is_active((uv_handle_t *)&l->paths[i].dial_timer))
				schedule_dial(&l->paths[i]);
}
