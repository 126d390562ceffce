/* linktest.c — end-to-end link tests: a TEST entry (the configured test
 * text) that the peer's daemon answers with a TEST_REPLY entry echoing it;
 * scheduled every TestInterval, or on demand (`hotline test`), one at a time,
 * with a deadline. Both travel the record like messages. */
#include "daemon.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "events.h"
#include "log.h"

static const char daemon_operator[] = "hotlined";

static void finish(hl_line *l, int status, double rtt_ms)
{
	hl_test_waiter *w = l->test_waiters;
	uint64_t seq = l->test_seq;
	uint8_t hash[32];
	memcpy(hash, l->test_hash, 32);
	l->test_waiters = NULL;
	l->test_seq = 0;
	while (w) {
		hl_test_waiter *next = w->next;
		w->done(w->arg, status, seq, hash, rtt_ms);
		w = next;
	}
}

/* After the turn of a TEST entry: a failed commit took the entry with it,
 * so no answer can come; its waiters hear so now, not at the deadline. */
static void test_committed(void *arg, int status)
{
	hl_line *l = arg;
	if (status < 0 && l->test_seq && l->test_seq > l->own_seq) {
		hl_log(HL_LOG_WARN, "%s: link test %llu was not stored (the store failed)", l->peer->name,
		       (unsigned long long)l->test_seq);
		finish(l, HL_ERR_STORE, 0);
	}
}

int hl_linktest_start(hl_line *l, hl_test_waiter *w)
{
	if (l->stopped)
		return HL_ERR_STOPPED;
	if (!l->test_seq) {
		const char *text = l->d->cfg->test_text;
		hl_line_draft dr = {
			.kind = HL_KIND_TEST, .precedence = HL_PREC_ROUTINE,
			.operator_name = daemon_operator, .lang = "en",
			.body = (const uint8_t *)text, .body_len = strlen(text),
		};
		int rc = hl_line_submit(l, &dr, &l->test_seq, l->test_hash);
		if (rc == 0)
			rc = hl_daemon_after_commit(l->d, test_committed, l);
		if (rc < 0)
			return rc;
		l->test_sent_ms = hl_now_ms(l->d);
		hl_log(HL_LOG_INFO, "%s: link test sent (entry %llu)", l->peer->name,
		       (unsigned long long)l->test_seq);
	}
	if (w) {
		w->next = l->test_waiters;
		l->test_waiters = w;
	}
	return 0;
}

static void answer(hl_line *l, const hl_entry *e, const uint8_t hash[32])
{
	const uint8_t (*refs)[32] = (const uint8_t (*)[32])hash;
	hl_line_draft dr = {
		.kind = HL_KIND_TEST_REPLY, .precedence = HL_PREC_ROUTINE,
		.operator_name = daemon_operator, .lang = e->lang,
		.body = e->body, .body_len = e->body_len,
		.refs = refs, .nrefs = 1,
	};
	uint64_t seq;
	uint8_t h[32];
	int rc = hl_line_submit(l, &dr, &seq, h);
	if (rc < 0)
		hl_log(HL_LOG_ERR, "%s: cannot answer link test %llu: %s", l->peer->name,
		       (unsigned long long)e->seq, hl_strerror(rc));
}

void hl_linktest_on_entry(hl_line *l, const hl_entry *e, const uint8_t hash[32])
{
	if (e->kind == HL_KIND_TEST) {
		answer(l, e, hash);
		return;
	}
	if (e->kind != HL_KIND_TEST_REPLY || e->nrefs != 1)
		return;
	if (!l->test_seq || sodium_memcmp(e->refs[0], l->test_hash, 32) != 0) {
		hl_log(HL_LOG_INFO, "%s: late or unknown link test reply (entry %llu)", l->peer->name,
		       (unsigned long long)e->seq);
		return;
	}
	const char *text = l->d->cfg->test_text;
	double rtt = (double)(hl_now_ms(l->d) - l->test_sent_ms);
	if (e->body_len != strlen(text) || memcmp(e->body, text, e->body_len) != 0) {
		hl_log(HL_LOG_ERR, "%s: link test %llu answered with different text", l->peer->name,
		       (unsigned long long)l->test_seq);
		hl_supervise_event(l, HL_EV_TEST_FAIL, l->active, rtt, "answered with different text");
		hl_supervise_alarm(l, HL_ALARM_TEST_MISSED, -1, 1, "link test answered with different text");
		finish(l, HL_ERR_INVAL, rtt);
		return;
	}
	hl_log(HL_LOG_INFO, "%s: link test %llu answered in %.0f ms", l->peer->name,
	       (unsigned long long)l->test_seq, rtt);
	hl_supervise_event(l, HL_EV_TEST_OK, l->active, rtt, NULL);
	hl_supervise_alarm(l, HL_ALARM_TEST_MISSED, -1, 0, NULL);
	finish(l, 0, rtt);
}

void hl_linktest_tick(hl_line *l, uint64_t now)
{
	const hl_config *cfg = l->d->cfg;
	if (l->test_seq && now - l->test_sent_ms > cfg->test_deadline_ms) {
		char text[160];
		snprintf(text, sizeof text, "link test (entry %llu) not answered within %llu s",
			 (unsigned long long)l->test_seq, (unsigned long long)(cfg->test_deadline_ms / 1000u));
		hl_log(HL_LOG_WARN, "%s: %s", l->peer->name, text);
		hl_supervise_event(l, HL_EV_TEST_FAIL, l->active, (double)(now - l->test_sent_ms), text);
		hl_supervise_alarm(l, HL_ALARM_TEST_MISSED, -1, 1, text);
		finish(l, HL_ERR_STATE, (double)(now - l->test_sent_ms));
	}
	if (!l->next_test_ms)
		l->next_test_ms = now + cfg->test_interval_ms;
	/* Due while the record is unconfirmed: it waits (nothing may be signed
	 * yet) and goes at the first tick after the confirming HELLO. */
	if (now >= l->next_test_ms && !l->stopped && l->confirmed) {
		l->next_test_ms = now + cfg->test_interval_ms;
		if (!l->test_seq && hl_linktest_start(l, NULL) < 0)
			hl_log(HL_LOG_ERR, "%s: cannot send the scheduled link test", l->peer->name);
	}
}

void hl_linktest_cancel(hl_line *l)
{
	finish(l, HL_ERR_STATE, 0);
}
