/* path.c — a line's paths: one session per reachable path (both dial, one
 * connection survives; the initiator's HELLO names the path), the active
 * path chosen by preference with failback hysteresis, failure detected by
 * keepalive or, while entries await a receipt, by an adaptive timeout;
 * rekeying by a fresh handshake. */
#include "core.h"
#include "session_int.h"

#include <sodium.h>
#include <string.h>

#include "util/err.h"
#include "events.h"
#include "util/log.h"

#define DUP_WINDOW_MS 3000u     /* two sessions on a path this close: tie-break */
#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u
#define TICK_MS 50u
#define RTO_MIN_MS 150.0
#define RTO_UNKNOWN_MS 1000.0
#define RTO_MAX_BACKOFF 6       /* timeouts in a row double it up to 64 times */
#define RETIRE_GRACE_MS 2000u   /* a replaced session lives on this long */
#define FAILBACK_AFTER_MS 10000u /* a better path must be up this long first */
#define STABLE_AFTER_MS 5000u   /* a session this old resets the dial backoff */
#define REJECT_AFTER_MS 180000u /* a session nobody rekeyed (RekeyAfter ≤ 120 s) is closed */
#define REKEY_RETRY_MS 1000u    /* first retry of a failed rekey */

static void on_tick(uv_timer_t *t);
static void arm_rto(hl_line *l);
static void send_ping(hl_session *s, uint64_t now);

int hl_path_init_all(hl_line *l, char *err, size_t errlen)
{
	const hl_peer_conf *peer = l->peer;
	l->n_paths = peer->n_endpoints;
	l->n_slots = HL_MAX_ENDPOINTS;
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
	uv_timer_init(&l->d->loop, &l->rto_timer);
	l->rto_timer.data = l;
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

void hl_path_close_sessions(hl_line *l, const char *why)
{
	/* Sessions leave the list only once their handles have closed. */
	for (hl_session *s = l->d->sessions; s; s = s->next)
		if (s->line == l && s->state != HL_SS_CLOSING)
			hl_session_close(s, s->state == HL_SS_UP ? why : NULL);
}

void hl_path_close_all(hl_line *l)
{
	hl_path_close_sessions(l, "station shutting down");
	for (int i = 0; i < l->n_slots; i++)
		uv_close((uv_handle_t *)&l->paths[i].dial_timer, NULL);
	uv_close((uv_handle_t *)&l->tick, NULL);
	uv_close((uv_handle_t *)&l->rto_timer, NULL);
}

/* 1 if s was opened by the party with the smaller station key. */
static int smaller_opened(const hl_line *l, const hl_session *s)
{
	int me_smaller = hl_pubkey_cmp(&l->d->id->pub, &l->peer->key) < 0;
	return s->initiator ? me_smaller : !me_smaller;
}

static const char *path_name(const hl_path *p)
{
	return p->endpoint[0] ? p->endpoint : "not among our Endpoints";
}

int hl_line_session_up(hl_line *l, hl_session *s)
{
	if (l->stopped)
		return HL_ERR_STOPPED;
	int rc = hl_line_hello(l, s);
	/* A PING right behind HELLO: the RTT (and so the receipt timeout) is
	 * known one round trip after the handshake, not a keepalive later. */
	if (rc == 0)
		send_ping(s, hl_now_ms(l->d));
	return rc;
}

/* s's path already has a session old. Both dialled at once: both sides
 * must keep the same connection, the one opened by the smaller key. Later,
 * a new session simply replaces the old (a rekey, a restarted peer, a dead
 * old one). */
static int simultaneous(const hl_line *l, const hl_session *s, const hl_session *old, uint64_t now)
{
	return now - old->up_ms < DUP_WINDOW_MS && smaller_opened(l, s) != smaller_opened(l, old);
}

int hl_path_attach(hl_line *l, hl_session *s, int path)
{
	if (!s->initiator)
		s->path = path;
	hl_path *p = &l->paths[s->path];
	if (p->dialing == s)
		p->dialing = NULL;
	uv_timer_stop(&s->timer); /* the handshake deadline: HELLO is in */
	uint64_t now = hl_now_ms(l->d);
	hl_session *old = p->session;
	int dup = old && simultaneous(l, s, old, now);
	/* The loser is retired, not closed: the peer may not have taken the
	 * winner yet, and must not see the close as its path failing. */
	if (dup && !smaller_opened(l, s)) {
		hl_session_retire(s, RETIRE_GRACE_MS, "duplicate connection (simultaneous dial)");
		return 1;
	}
	p->session = s;
	p->rekey_backoff_ms = 0;
	p->rekey_retry_ms = 0;
	s->up_ms = now;
	if (old) {
		/* The same path: its round-trip estimates hold for the new one
		 * until it has its own samples. */
		if (s->srtt_ms < 0) {
			s->srtt_ms = old->srtt_ms;
			s->rttvar_ms = old->rttvar_ms;
		}
		if (s->rsrtt_ms < 0) {
			s->rsrtt_ms = old->rsrtt_ms;
			s->rrttvar_ms = old->rrttvar_ms;
		}
		if (l->session == old) {
			/* Resend from the last receipt: what was in flight on
			 * the old session may be lost. */
			l->session = s;
			s->send_next = l->receipted_seq + 1;
			l->rtt_ms = s->srtt_ms;
			arm_rto(l);
		}
		/* A fresh session in place of a suspect one: the path works
		 * from now (failback). */
		if (old->suspect)
			p->ok_since_ms = now;
		hl_session_retire(old, RETIRE_GRACE_MS,
				  dup ? "duplicate connection (simultaneous dial)" :
				  old->rekey_started ? "rekeyed: replaced by a fresh handshake" :
						       "replaced by a newer session");
	} else {
		p->up_since_ms = now;
		p->ok_since_ms = now;
	}
	p->down_since_ms = 0;
	uv_timer_stop(&p->dial_timer);
	l->last_traffic_ms = now;
	if (!old)
		hl_supervise_event(l, HL_EV_PATH_UP, p->index, 0, s->addr);
	hl_log(old ? HL_LOG_INFO : HL_LOG_NOTICE, "%s path %d (%s): session up (%s, %s)", l->peer->name,
	       p->index, path_name(p), s->initiator ? "we dialled" : "they dialled",
	       l->has_psk ? "IKpsk2" : "IK");
	return 0;
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
		/* Retired (replaced on its path, or the loser of a simultaneous
		 * dial): the path has moved on. Never left pointed at once freed
		 * — a receipt arriving on another path used it (ASan,
		 * fault_kill9). */
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

static int usable(const hl_session *s)
{
	return s && s->state == HL_SS_UP && s->hello_rx;
}

void hl_path_choose(hl_line *l)
{
	uint64_t now = hl_now_ms(l->d);
	int best = -1;
	for (int i = 0; i < l->n_slots && best < 0; i++)
		if (usable(l->paths[i].session) && !l->paths[i].session->suspect)
			best = i;
	int cur = l->active;
	hl_session *cs = cur >= 0 ? l->paths[cur].session : NULL;
	int cur_ok = usable(cs) && cs == l->session && !cs->suspect;
	/* Only suspect sessions: rather one of them than none (a line with one
	 * path keeps it), the current one if it is among them. */
	if (best < 0 && usable(cs) && cs == l->session)
		best = cur;
	for (int i = 0; i < l->n_slots && best < 0; i++)
		if (usable(l->paths[i].session))
			best = i;
	/* Hysteresis: move back to a better path that has failed (its session
	 * died, or lost receipts) only once it has worked for a while, so a
	 * flapping or lossy link does not drag traffic back and forth. A path
	 * that never failed (start-up) is taken at once. */
	if (cur_ok && best >= 0 && best < cur && l->paths[best].last_fail_ms &&
	    now - l->paths[best].ok_since_ms < FAILBACK_AFTER_MS)
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
	ns->sample_seq = 0;
	l->rtt_ms = ns->srtt_ms;
	arm_rto(l);
	hl_supervise_event(l, HL_EV_PATH_ACTIVE, best, 0, l->paths[best].endpoint);
	hl_log(HL_LOG_NOTICE, "%s: traffic on path %d (%s)%s", l->peer->name, best, path_name(&l->paths[best]),
	       cur >= 0 && cur != best ? " (moved)" : "");
	hl_line_pump(l);
}

/* s answers again: eligible, and working since now (failback). */
static void clear_suspect(hl_line *l, hl_session *s)
{
	s->suspect = 0;
	if (s->path >= 0 && l->paths[s->path].session == s)
		l->paths[s->path].ok_since_ms = hl_now_ms(l->d);
	hl_path_choose(l);
}

/* RFC 6298's smoothing (alpha 1/8, beta 1/4). */
static void smooth(double *srtt, double *rttvar, double sample)
{
	if (*srtt < 0) {
		*srtt = sample;
		*rttvar = sample / 2;
		return;
	}
	double dev = *srtt > sample ? *srtt - sample : sample - *srtt;
	*rttvar = 0.75 * *rttvar + 0.25 * dev;
	*srtt = 0.875 * *srtt + 0.125 * sample;
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
	smooth(&s->srtt_ms, &s->rttvar_ms, rtt);
	if (s == l->session)
		l->rtt_ms = s->srtt_ms;
	if (s->suspect)
		clear_suspect(l, s);
}

void hl_path_sent(hl_line *l, hl_session *s, uint64_t seq)
{
	uint64_t now = hl_now_ms(l->d);
	/* Time one entry at a time, and never a resend (Karn): its receipt
	 * may answer the first sending, on another path. */
	if (seq > l->max_sent_seq) {
		l->max_sent_seq = seq;
		if (!s->sample_seq) {
			s->sample_seq = seq;
			s->sample_ms = now;
		}
	}
	if (!s->unacked_since_ms) {
		s->unacked_since_ms = now;
		arm_rto(l);
	}
}

void hl_path_on_receipt(hl_line *l, hl_session *s)
{
	if (s->suspect)
		clear_suspect(l, s);
	hl_session *a = l->session;
	if (!a)
		return;
	uint64_t now = hl_now_ms(l->d);
	if (l->receipted_seq > l->rto_progress_seq) {
		l->rto_progress_seq = l->receipted_seq;
		l->rto_backoff = 0;
	}
	if (a->sample_seq && l->receipted_seq >= a->sample_seq) {
		/* What a receipt takes: the round trip and the peer's commit. */
		smooth(&a->rsrtt_ms, &a->rrttvar_ms, (double)(now - a->sample_ms));
		a->sample_seq = 0;
	}
	/* Progress restarts the clock, as TCP restarts its retransmission timer. */
	a->unacked_since_ms = l->receipted_seq + 1 >= a->send_next ? 0 : now;
	arm_rto(l);
}

void hl_path_broadcast(hl_line *l, uint8_t type, const uint8_t *body, size_t len)
{
	for (int i = 0; i < l->n_slots; i++) {
		hl_session *s = l->paths[i].session;
		if (s && s->state == HL_SS_UP && s->hello_rx)
			hl_session_send(s, type, body, len);
	}
}

/* How long a receipt may take before the session is suspect: from receipt
 * samples once there are some (they include the peer's commit), else from
 * the PING round trip, else a second. */
static double rto_ms(const hl_line *l, const hl_session *s)
{
	double r = RTO_UNKNOWN_MS;
	if (s->rsrtt_ms >= 0)
		r = s->rsrtt_ms + 4.0 * s->rrttvar_ms;
	else if (s->srtt_ms >= 0)
		r = 4.0 * s->srtt_ms;
	if (r < RTO_MIN_MS)
		r = RTO_MIN_MS;
	/* Doubled for each timeout without receipt progress in between (as
	 * TCP backs off): a peer that answers PINGs but stores nothing (a full
	 * disk) would otherwise have the traffic moved and resent every few
	 * hundred ms. */
	return r * (double)(1u << l->rto_backoff);
}

static void send_ping(hl_session *s, uint64_t now)
{
	uint8_t p[HL_PING_LEN];
	hl_be64_put(p, now);
	hl_be64_put(p + 8, hl_wall_ms());
	s->last_ping_ms = now;
	if (hl_session_send(s, HL_REC_PING, p, sizeof p) == 0)
		hl_session_flush(s);
}

/* Stops choosing the active session until it answers a PING, sent now: a
 * path that is only slow is back within one round trip. */
static void suspect_active(hl_line *l, uint64_t now)
{
	hl_session *a = l->session;
	a->suspect = 1;
	if (a->path >= 0)
		l->paths[a->path].last_fail_ms = now;
	a->unacked_since_ms = 0;
	a->sample_seq = 0;
	send_ping(a, now);
	dial_all_now(l, NULL);
	hl_path_choose(l);
}

static void on_rto(uv_timer_t *t)
{
	hl_line *l = t->data;
	hl_session *a = l->session;
	if (!a || !a->unacked_since_ms || a->suspect)
		return;
	uint64_t now = hl_now_ms(l->d);
	double rto = rto_ms(l, a);
	if ((double)(now - a->unacked_since_ms) < rto) {
		arm_rto(l); /* the estimate grew since the timer was set */
		return;
	}
	if (l->rto_backoff < RTO_MAX_BACKOFF)
		l->rto_backoff++;
	/* Receipts are overdue: do not wait for three missed keepalives. */
	hl_log(HL_LOG_NOTICE, "%s path %d: no receipt for %llu ms (timeout %.0f ms): trying other paths",
	       l->peer->name, l->active, (unsigned long long)(now - a->unacked_since_ms), rto);
	suspect_active(l, now);
}

/* The timer fires when the oldest unreceipted entry on the active session
 * has waited rto_ms: exactly then, not at the next tick. */
static void arm_rto(hl_line *l)
{
	hl_session *a = l->session;
	if (!a || !a->unacked_since_ms || a->suspect || l->d->stopping) {
		uv_timer_stop(&l->rto_timer);
		return;
	}
	uint64_t due = a->unacked_since_ms + (uint64_t)rto_ms(l, a), now = hl_now_ms(l->d);
	uv_timer_start(&l->rto_timer, on_rto, due > now ? due - now : 0, 0);
}

void hl_path_on_peer_entry(hl_line *l, hl_session *s)
{
	hl_session *a = l->session;
	if (!a || a == s || a->suspect || s->path < 0 || l->paths[s->path].session != s || s->suspect)
		return;
	/* The peer sends on another path than ours: it left ours, for a reason
	 * it could see and we may not (its entries or our receipts lost there).
	 * Both sides then carry the line on one path. If ours is in fact fine,
	 * its PONG makes it eligible again at once. */
	hl_log(HL_LOG_NOTICE, "%s: peer's traffic is on path %d, not %d: following it", l->peer->name, s->path,
	       l->active);
	suspect_active(l, hl_now_ms(l->d));
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
		send_ping(s, now);
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
	hl_path_choose(l); /* failback once a better path has been up long enough */
	hl_line_store_retry(l);
	hl_line_drain_tick(l);
	if (!l->d->stopping) {
		hl_supervise_tick(l, now);
		hl_features_tick(l, now);
	}
	if (!l->session && !l->stopped)
		for (int i = 0; i < l->n_paths; i++)
			if (!l->paths[i].session && !l->paths[i].dialing &&
			    !uv_is_active((uv_handle_t *)&l->paths[i].dial_timer))
				schedule_dial(&l->paths[i]);
}

int hl_path_view_get(const hl_line *l, int i, uint64_t now, hl_path_view *v)
{
	const hl_path *p = &l->paths[i];
	const hl_session *s = p->session;
	if (i >= l->n_paths && !s)
		return 0;
	v->endpoint = p->endpoint[0] ? p->endpoint : (s ? s->addr : "");
	if (s && s == l->session)
		v->state = "active";
	else if (s && s->hello_rx)
		v->state = s->suspect ? "suspect" : "standby";
	else if (s || p->dialing)
		v->state = "connecting";
	else
		v->state = "down";
	v->rtt_ms = s && s->srtt_ms >= 0 ? s->srtt_ms : -1;
	v->up_for_ms = s && p->up_since_ms ? (int64_t)(now - p->up_since_ms) : -1;
	v->down_for_ms = !s && p->down_since_ms ? (int64_t)(now - p->down_since_ms) : -1;
	return 1;
}
