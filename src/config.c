/* config.c — loads the INI configuration ([Station], [Peer NAME]) with inih and
 * checks every value; each error names file, line and key. */
#include "config.h"
#include "config_int.h"
#include "buf.h"
#include "err.h"
#include "ini_lines.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* The whole file is read first; generous for 64 peers of a dozen lines. */
#define CONFIG_MAX (1024u * 1024u)
#define SUN_PATH_MAX 108u

/* Bounds that keep a typo from flooding the link or silencing it. */
#define KEEPALIVE_MIN_MS 100ull
#define KEEPALIVE_MAX_MS 3600000ull
#define TEST_MIN_MS 1000ull
#define TEST_MAX_MS (365ull * 86400000ull)
#define DEAD_AFTER_MAX 1000u
/* Supervision deadlines: below these a busy peer looks dead, above them
 * an alarm comes too late to matter. */
#define DEADLINE_MIN_MS 1000ull
#define DEADLINE_MAX_MS 86400000ull
#define SKEW_MIN_MS 100ull
/* Quota on a peer's stored entries (H6): at least one largest entry per
 * window; the window from a second (tests) to a month. */
#define QUOTA_ENTRIES_MAX 1000000000ull
#define QUOTA_BYTES_MIN 65536ull
#define QUOTA_BYTES_MAX (1ull << 40)
#define QUOTA_WINDOW_MIN_MS 1000ull
#define QUOTA_WINDOW_MAX_MS (30ull * 86400000ull)
/* The installed forms (Makefile: DATADIR, compiled into config.o). */
#ifndef HL_DATADIR
#define HL_DATADIR "/usr/local/share/hotline"
#endif
#define HL_DEFAULT_FORMS_DIR HL_DATADIR "/forms"

enum sec { SEC_NONE, SEC_STATION, SEC_PEER, SEC_OPERATORS };

enum key {
	K_NAME, K_PRIVKEY, K_LISTEN, K_STATEDIR, K_SOCKET, K_TESTINT, K_ALARM,
	K_TESTDEADLINE, K_TESTTEXT, K_ALARMAFTER, K_RECEIPTTIMEOUT, K_CLOCKSKEW, K_METRICS,
	K_PUBKEY, K_ENDPOINT, K_PSK, K_KEEPALIVE, K_DEADAFTER,
	K_PASSFILE, K_APIIDLE, K_QUOTAENTRIES, K_QUOTABYTES, K_QUOTAWINDOW, /* H6 */
	K_USER, K_SANDBOX, /* H6 sandbox */
	K_REKEY,
	K_ATTACHRATE,
	K_ACKDEADLINES, K_CHECKIN, K_CHECKINDEADLINE,
	K_FORMSDIR, /* H4 */
	K_QUOTAATTACH, /* H12 */
	K_COUNT
};
_Static_assert(K_COUNT <= 32, "the seen-key sets are 32-bit masks");

static const struct {
	const char *name;
	enum sec sec;
	int repeatable;
} keydefs[K_COUNT] = {
	[K_NAME] = { "Name", SEC_STATION, 0 },
	[K_PRIVKEY] = { "PrivateKeyFile", SEC_STATION, 0 },
	[K_LISTEN] = { "Listen", SEC_STATION, 0 },
	[K_STATEDIR] = { "StateDir", SEC_STATION, 0 },
	[K_SOCKET] = { "Socket", SEC_STATION, 0 },
	[K_TESTINT] = { "TestInterval", SEC_STATION, 0 },
	[K_ALARM] = { "AlarmCommand", SEC_STATION, 0 },
	[K_TESTDEADLINE] = { "TestDeadline", SEC_STATION, 0 },
	[K_TESTTEXT] = { "TestText", SEC_STATION, 0 },
	[K_ALARMAFTER] = { "AlarmAfter", SEC_STATION, 0 },
	[K_RECEIPTTIMEOUT] = { "ReceiptTimeout", SEC_STATION, 0 },
	[K_CLOCKSKEW] = { "MaxClockSkew", SEC_STATION, 0 },
	[K_METRICS] = { "MetricsFile", SEC_STATION, 0 },
	[K_USER] = { "User", SEC_STATION, 0 },
	[K_SANDBOX] = { "Sandbox", SEC_STATION, 0 },
	[K_PUBKEY] = { "PublicKey", SEC_PEER, 0 },
	[K_ENDPOINT] = { "Endpoint", SEC_PEER, 1 },
	[K_PSK] = { "PresharedKeyFile", SEC_PEER, 0 },
	[K_KEEPALIVE] = { "KeepaliveInterval", SEC_PEER, 0 },
	[K_DEADAFTER] = { "DeadAfter", SEC_PEER, 0 },
	[K_REKEY] = { "RekeyAfter", SEC_PEER, 0 },
	[K_PASSFILE] = { "PassphraseFile", SEC_STATION, 0 },
	[K_APIIDLE] = { "ApiIdleTimeout", SEC_STATION, 0 },
	[K_QUOTAENTRIES] = { "QuotaEntries", SEC_PEER, 0 },
	[K_QUOTABYTES] = { "QuotaBytes", SEC_PEER, 0 },
	[K_QUOTAWINDOW] = { "QuotaWindow", SEC_PEER, 0 },
	[K_ATTACHRATE] = { "AttachmentRate", SEC_PEER, 0 },
	[K_ACKDEADLINES] = { "AckDeadlines", SEC_STATION, 0 },
	[K_CHECKIN] = { "CheckIn", SEC_PEER, 1 },
	[K_CHECKINDEADLINE] = { "CheckInDeadline", SEC_PEER, 0 },
	[K_FORMSDIR] = { "FormsDir", SEC_STATION, 0 },
	[K_QUOTAATTACH] = { "QuotaAttachmentBytes", SEC_PEER, 0 },
};

struct parse {
	hl_config *cfg;
	const char *path;
	char dir[HL_MAX_PATH + 1];  /* absolute directory of the file */
	char *err;
	size_t errlen;
	hl_ini_lines lines;
	int lineno;
	int failed;
	enum sec sec;
	hl_peer_conf *peer;         /* current [Peer] */
	int station_line;           /* 0: no [Station] yet */
	int operators_line;         /* 0: no [Operators] yet */
	unsigned station_seen;      /* bit per enum key */
	int station_key_line[K_COUNT];
	int peer_line[HL_MAX_PEERS];
	unsigned peer_seen[HL_MAX_PEERS];
};

__attribute__((format(printf, 4, 5)))
static void fail(struct parse *p, int line, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s: %s", p->path, line, key, msg);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

const hl_peer_conf *hl_config_peer(const hl_config *cfg, const char *name)
{
	if (!cfg || !name)
		return NULL;
	for (int i = 0; i < cfg->n_peers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return &cfg->peers[i];
	return NULL;
}

/* Relative paths are taken from the config file's directory, so the daemon
 * reads the same files whatever its working directory. */
static int resolve_path(struct parse *p, const char *key, const char *v, char *dst, size_t size)
{
	int n;

	if (v[0] == '/')
		n = snprintf(dst, size, "%s", v);
	else
		n = snprintf(dst, size, "%s%s%s", p->dir,
			     p->dir[strlen(p->dir) - 1] == '/' ? "" : "/", v);
	if (n < 0 || (size_t)n >= size) {
		fail(p, p->lineno, key, "path too long (max %zu bytes)", size - 1);
		return HL_ERR_CONFIG;
	}
	return 0;
}

static int set_duration(struct parse *p, const char *key, const char *v, uint64_t min,
			uint64_t max, uint64_t *out)
{
	uint64_t ms = 0;

	if (hl_config_parse_duration(v, &ms) < 0) {
		fail(p, p->lineno, key,
		     "bad duration '%s' (use e.g. 250ms, 1s, 5m, 1h, 2d)", v);
		return HL_ERR_CONFIG;
	}
	if (ms < min || ms > max) {
		char lo[32], hi[32];
		hl_config_format_duration(lo, sizeof lo, min);
		hl_config_format_duration(hi, sizeof hi, max);
		fail(p, p->lineno, key, "%s out of range (%s to %s)", v, lo, hi);
		return HL_ERR_CONFIG;
	}
	*out = ms;
	return 0;
}

static int set_addr(struct parse *p, const char *key, const char *v, char *dst)
{
	if (hl_config_parse_addr(v, NULL) < 0) {
		fail(p, p->lineno, key,
		     "bad address '%s' (want numeric 1.2.3.4:PORT or [v6]:PORT)", v);
		return HL_ERR_CONFIG;
	}
	snprintf(dst, HL_MAX_ENDPOINT_STR + 1, "%s", v);
	return 0;
}

/* The test text travels in TEST entries: the same rules as message text. */
static int set_test_text(struct parse *p, const char *key, const char *v)
{
	size_t n = strlen(v);

	if (n > HL_CONFIG_TEST_TEXT_MAX || n >= sizeof p->cfg->test_text) {
		fail(p, p->lineno, key, "too long (%zu bytes, max %u)", n, HL_CONFIG_TEST_TEXT_MAX);
		return HL_ERR_CONFIG;
	}
	if (!hl_text_valid((const uint8_t *)v, n)) {
		fail(p, p->lineno, key, "not valid UTF-8 text");
		return HL_ERR_CONFIG;
	}
	memcpy(p->cfg->test_text, v, n + 1);
	return 0;
}

/* A login name as useradd(8) accepts it by default (the sandbox looks it up
 * with getpwnam when the daemon starts as root). */
static int set_user(struct parse *p, const char *key, const char *v)
{
	size_t n = strlen(v);

	if (n >= sizeof p->cfg->user) {
		fail(p, p->lineno, key, "user name too long (max %zu characters)",
		     sizeof p->cfg->user - 1);
		return HL_ERR_CONFIG;
	}
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if ((c >= 'a' && c <= 'z') || c == '_' ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '-' || (c == '$' && i == n - 1))))
			continue;
		fail(p, p->lineno, key, "bad user name '%s' (a-z 0-9 _ -, not starting with a digit or -)", v);
		return HL_ERR_CONFIG;
	}
	memcpy(p->cfg->user, v, n + 1);
	return 0;
}

static int apply_station(struct parse *p, enum key k, const char *key, const char *v)
{
	hl_config *c = p->cfg;
	char tmp[HL_MAX_PATH + 1];

	switch (k) {
	case K_NAME:
		if (!hl_config_name_valid(v)) {
			fail(p, p->lineno, key, "bad name '%s' (1-63 of A-Z a-z 0-9 . _ -)", v);
			return HL_ERR_CONFIG;
		}
		snprintf(c->name, sizeof c->name, "%s", v);
		return 0;
	case K_PRIVKEY:
		return resolve_path(p, key, v, c->private_key_file, sizeof c->private_key_file);
	case K_LISTEN:
		return set_addr(p, key, v, c->listen);
	case K_STATEDIR:
		return resolve_path(p, key, v, c->state_dir, sizeof c->state_dir);
	case K_SOCKET:
		if (resolve_path(p, key, v, tmp, sizeof tmp) < 0)
			return HL_ERR_CONFIG;
		if (strlen(tmp) >= SUN_PATH_MAX) {
			fail(p, p->lineno, key, "socket path too long (max %u bytes): %s",
			     SUN_PATH_MAX - 1, tmp);
			return HL_ERR_CONFIG;
		}
		memcpy(c->socket_path, tmp, strlen(tmp) + 1);
		return 0;
	case K_TESTINT:
		return set_duration(p, key, v, TEST_MIN_MS, TEST_MAX_MS, &c->test_interval_ms);
	case K_ALARM:
		return resolve_path(p, key, v, c->alarm_command, sizeof c->alarm_command);
	case K_TESTDEADLINE:
		return set_duration(p, key, v, DEADLINE_MIN_MS, DEADLINE_MAX_MS,
				    &c->test_deadline_ms);
	case K_TESTTEXT:
		return set_test_text(p, key, v);
	case K_ALARMAFTER:
		return set_duration(p, key, v, DEADLINE_MIN_MS, DEADLINE_MAX_MS,
				    &c->alarm_after_ms);
	case K_RECEIPTTIMEOUT:
		return set_duration(p, key, v, DEADLINE_MIN_MS, DEADLINE_MAX_MS,
				    &c->receipt_timeout_ms);
	case K_CLOCKSKEW:
		return set_duration(p, key, v, SKEW_MIN_MS, DEADLINE_MAX_MS,
				    &c->max_clock_skew_ms);
	case K_METRICS:
		return resolve_path(p, key, v, c->metrics_file, sizeof c->metrics_file);
	case K_USER:
		return set_user(p, key, v);
	case K_SANDBOX:
		if (strcasecmp(v, "yes") != 0 && strcasecmp(v, "no") != 0) {
			fail(p, p->lineno, key, "want yes or no, not '%s'", v);
			return HL_ERR_CONFIG;
		}
		c->sandbox = strcasecmp(v, "yes") == 0;
		return 0;
	case K_PASSFILE:
		return resolve_path(p, key, v, c->passphrase_file, sizeof c->passphrase_file);
	case K_APIIDLE:
		return set_duration(p, key, v, DEADLINE_MIN_MS, 3600000ull, &c->api_idle_timeout_ms);
	case K_ACKDEADLINES: {
		char why[200];
		if (hl_deadlines_parse(v, &c->ack_deadlines, why, sizeof why) < 0) {
			fail(p, p->lineno, key, "%s", why);
			return HL_ERR_CONFIG;
		}
		return 0;
	}
	case K_FORMSDIR:
		c->forms_dir_set = 1;
		return resolve_path(p, key, v, c->forms_dir, sizeof c->forms_dir);
	default:
		return HL_ERR_CONFIG;
	}
}

static int set_bytes(struct parse *p, const char *key, const char *v, uint64_t *out)
{
	if (hl_config_parse_size(v, QUOTA_BYTES_MIN, QUOTA_BYTES_MAX, out) < 0) {
		fail(p, p->lineno, key, "want a size from 64K to 1T (bytes, or with K, M, G, T), not '%s'",
		     v);
		return HL_ERR_CONFIG;
	}
	return 0;
}

/* AttachmentRate: bytes per second, 0 for no limit. */
static int set_rate(struct parse *p, const char *key, const char *v, uint64_t *out)
{
	if (strcmp(v, "0") != 0 && hl_config_parse_size(v, 1024, QUOTA_BYTES_MAX, out) < 0) {
		fail(p, p->lineno, key, "want 0 (no limit) or bytes per second from 1K to 1T "
		     "(bytes, or with K, M, G, T), not '%s'", v);
		return HL_ERR_CONFIG;
	}
	if (strcmp(v, "0") == 0)
		*out = 0;
	return 0;
}

static int set_pubkey(struct parse *p, const char *key, const char *v)
{
	hl_peer_conf *peer = p->peer;
	hl_pubkey pk;
	int rc = hl_pubkey_decode(v, &pk);

	if (rc < 0) {
		fail(p, p->lineno, key, rc == HL_ERR_CRYPTO
		     ? "not a usable public key (invalid curve point)"
		     : "not a hotline public key (want 88 base64 characters)");
		return HL_ERR_CONFIG;
	}
	for (int i = 0; i < p->cfg->n_peers; i++) {
		const hl_peer_conf *o = &p->cfg->peers[i];
		if (o == peer || !(p->peer_seen[i] & (1u << K_PUBKEY)))
			continue;
		if (hl_pubkey_cmp(&o->key, &pk) == 0) {
			fail(p, p->lineno, key, "same key as [Peer %s]", o->name);
			return HL_ERR_CONFIG;
		}
	}
	peer->key = pk;
	return 0;
}

/* CheckIn is repeatable, one clause a line (';' starts a comment here, see
 * next_line): each line is parsed together with the ones before it, so an
 * instant named twice across lines is refused like one within a line. */
static int add_checkin(struct parse *p, const char *key, const char *v)
{
	hl_schedule *s = &p->peer->checkin, next;
	char *all = malloc(HL_SCHEDULE_STRLEN + 4 + strlen(v) + 1), why[200];
	int rc = HL_ERR_CONFIG;

	if (!all) {
		fail(p, p->lineno, key, "out of memory");
		return HL_ERR_NOMEM;
	}
	all[0] = '\0';
	if ((s->every_ms || s->nclauses) && hl_schedule_format(s, all, HL_SCHEDULE_STRLEN) == 0)
		strcat(all, "; ");
	strcat(all, v);
	if (hl_schedule_parse(all, &next, why, sizeof why) < 0)
		fail(p, p->lineno, key, "%s", why);
	else
		*s = next, rc = 0;
	free(all);
	return rc;
}

static int apply_peer(struct parse *p, enum key k, const char *key, const char *v)
{
	hl_peer_conf *peer = p->peer;
	uint64_t n = 0;

	switch (k) {
	case K_PUBKEY:
		return set_pubkey(p, key, v);
	case K_ENDPOINT:
		if (peer->n_endpoints >= (int)HL_MAX_ENDPOINTS) {
			fail(p, p->lineno, key, "too many endpoints (max %u)", HL_MAX_ENDPOINTS);
			return HL_ERR_CONFIG;
		}
		for (int i = 0; i < peer->n_endpoints; i++) {
			if (strcmp(peer->endpoints[i], v) == 0) {
				fail(p, p->lineno, key, "endpoint %s listed twice", v);
				return HL_ERR_CONFIG;
			}
		}
		if (set_addr(p, key, v, peer->endpoints[peer->n_endpoints]) < 0)
			return HL_ERR_CONFIG;
		peer->n_endpoints++;
		return 0;
	case K_PSK:
		return resolve_path(p, key, v, peer->psk_file, sizeof peer->psk_file);
	case K_KEEPALIVE:
		return set_duration(p, key, v, KEEPALIVE_MIN_MS, KEEPALIVE_MAX_MS,
				    &peer->keepalive_ms);
	case K_REKEY:
		/* Never longer than DESIGN's 120 s; shorter for tests or caution. */
		return set_duration(p, key, v, 1000, 120000, &peer->rekey_after_ms);
	case K_DEADAFTER:
		if (hl_config_parse_u64(v, strlen(v), &n) < 0 || n < 1 || n > DEAD_AFTER_MAX) {
			fail(p, p->lineno, key, "want a whole number from 1 to %u, not '%s'",
			     DEAD_AFTER_MAX, v);
			return HL_ERR_CONFIG;
		}
		peer->dead_after = (uint32_t)n;
		return 0;
	case K_QUOTAENTRIES:
		if (hl_config_parse_u64(v, strlen(v), &n) < 0 || n < 1 || n > QUOTA_ENTRIES_MAX) {
			fail(p, p->lineno, key, "want a whole number from 1 to %llu, not '%s'",
			     QUOTA_ENTRIES_MAX, v);
			return HL_ERR_CONFIG;
		}
		peer->quota_entries = n;
		return 0;
	case K_QUOTABYTES:
		return set_bytes(p, key, v, &peer->quota_bytes);
	case K_QUOTAATTACH:
		return set_bytes(p, key, v, &peer->quota_attach_bytes);
	case K_QUOTAWINDOW:
		return set_duration(p, key, v, QUOTA_WINDOW_MIN_MS, QUOTA_WINDOW_MAX_MS,
				    &peer->quota_window_ms);
	case K_ATTACHRATE:
		return set_rate(p, key, v, &peer->attachment_rate);
	case K_CHECKIN:
		return add_checkin(p, key, v);
	case K_CHECKINDEADLINE:
		return set_duration(p, key, v, HL_DEADLINE_MIN_MS, HL_DEADLINE_MAX_MS,
				    &peer->checkin_deadline_ms);
	default:
		return HL_ERR_CONFIG;
	}
}

/* inih handler: one "key = value" of the line the reader just returned, so
 * p->lineno is that line's number. The section comes from p, not from inih
 * (inih truncates section names at 50 bytes). */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	unsigned *seen;
	int k;

	(void)section;
	if (p->failed)
		return 0;
	if (p->sec == SEC_NONE) {
		fail(p, p->lineno, name, "key outside any section (start with [Station])");
		return 0;
	}
	if (p->sec == SEC_OPERATORS) {
		char msg[200];
		if (hl_config_operator_add(p->cfg, name, value, msg, sizeof msg) < 0)
			fail(p, p->lineno, name, "%s", msg);
		return !p->failed;
	}
	for (k = 0; k < K_COUNT; k++)
		if (keydefs[k].sec == p->sec && strcasecmp(keydefs[k].name, name) == 0)
			break;
	if (k == K_COUNT) {
		fail(p, p->lineno, name, "unknown key in [%s]",
		     p->sec == SEC_STATION ? "Station" : "Peer");
		return 0;
	}
	name = keydefs[k].name;
	if (value[0] == '\0') {
		fail(p, p->lineno, name, "empty value");
		return 0;
	}
	seen = p->sec == SEC_STATION ? &p->station_seen
				     : &p->peer_seen[p->peer - p->cfg->peers];
	if ((*seen & (1u << k)) && !keydefs[k].repeatable) {
		fail(p, p->lineno, name, "given twice in this section");
		return 0;
	}
	*seen |= 1u << k;
	if (p->sec == SEC_STATION) {
		p->station_key_line[k] = p->lineno;
		return apply_station(p, (enum key)k, name, value) == 0;
	}
	return apply_peer(p, (enum key)k, name, value) == 0;
}

/* A section header, already trimmed and known to be "[...]". */
static void on_section(struct parse *p, const char *line, size_t n)
{
	char hdr[HL_MAX_NAME + 16];
	const char *in = line + 1;
	size_t in_n = n - 2;
	hl_config *c = p->cfg;

	snprintf(hdr, sizeof hdr, "%.*s", (int)n, line);
	while (in_n && is_ws(*in))
		in++, in_n--;
	while (in_n && is_ws(in[in_n - 1]))
		in_n--;
	if (in_n == 7 && strncasecmp(in, "Station", 7) == 0) {
		if (p->station_line) {
			fail(p, p->lineno, "[Station]", "section given twice (first on line %d)",
			     p->station_line);
			return;
		}
		p->sec = SEC_STATION;
		p->station_line = p->lineno;
		return;
	}
	if (in_n == 9 && strncasecmp(in, "Operators", 9) == 0) {
		if (p->operators_line) {
			fail(p, p->lineno, "[Operators]", "section given twice (first on line %d)",
			     p->operators_line);
			return;
		}
		p->sec = SEC_OPERATORS;
		p->operators_line = p->lineno;
		return;
	}
	if (in_n < 4 || strncasecmp(in, "Peer", 4) != 0 || (in_n > 4 && !is_ws(in[4]))) {
		fail(p, p->lineno, hdr, "unknown section (want [Station], [Peer NAME] or [Operators])");
		return;
	}
	in += 4, in_n -= 4;
	while (in_n && is_ws(*in))
		in++, in_n--;
	char name[HL_MAX_NAME + 1];
	if (in_n == 0 || in_n > HL_MAX_NAME) {
		fail(p, p->lineno, hdr, "peer name must be 1-%u characters", HL_MAX_NAME);
		return;
	}
	memcpy(name, in, in_n);
	name[in_n] = '\0';
	if (!hl_config_name_valid(name)) {
		fail(p, p->lineno, hdr, "bad peer name (use A-Z a-z 0-9 . _ -)");
		return;
	}
	if (hl_config_peer(c, name)) {
		fail(p, p->lineno, hdr, "peer name used twice");
		return;
	}
	if (c->n_peers >= (int)HL_MAX_PEERS) {
		fail(p, p->lineno, hdr, "too many peers (max %u)", HL_MAX_PEERS);
		return;
	}
	p->peer = &c->peers[c->n_peers];
	p->peer_line[c->n_peers] = p->lineno;
	c->n_peers++;
	memcpy(p->peer->name, name, in_n + 1);
	p->peer->keepalive_ms = 1000;
	p->peer->dead_after = 3;
	p->peer->rekey_after_ms = 120000;
	p->peer->quota_entries = 10000;
	p->peer->quota_bytes = 256ull << 20;
	p->peer->quota_attach_bytes = 1ull << 30;
	p->peer->quota_window_ms = 86400000ull;
	p->peer->checkin_deadline_ms = 600000ull;
	p->sec = SEC_PEER;
}

/* ini_lines.c's line discipline; errors stop the parse by returning EOF. */
static char *next_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char msg[96];
	int section;

	if (p->failed)
		return NULL;
	/* [Operators] keys are login names or uids, checked by on_value. */
	p->lines.free_keys = p->sec == SEC_OPERATORS;
	char *line = hl_ini_lines_next(&p->lines, str, num, &section, msg, sizeof msg);
	p->lineno = p->lines.lineno;
	if (!line) {
		if (msg[0])
			fail(p, p->lineno, p->lines.what, "%s", msg);
		return NULL;
	}
	if (section) {
		on_section(p, line, strlen(line) - 1);
		if (p->failed)
			return NULL;
	}
	return line;
}

static int config_dir(const char *path, char *dir, size_t size, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char cwd[HL_MAX_PATH + 1];
	int n;

	if (slash == path)
		n = snprintf(dir, size, "/");
	else if (slash && path[0] == '/')
		n = snprintf(dir, size, "%.*s", (int)(slash - path), path);
	else {
		if (!getcwd(cwd, sizeof cwd)) {
			snprintf(err, errlen, "%s: cannot get working directory: %s", path,
				 strerror(errno));
			return HL_ERR_IO;
		}
		if (slash)
			n = snprintf(dir, size, "%s/%.*s", cwd, (int)(slash - path), path);
		else
			n = snprintf(dir, size, "%s", cwd);
	}
	if (n < 0 || (size_t)n >= size) {
		snprintf(err, errlen, "%s: path too long", path);
		return HL_ERR_CONFIG;
	}
	return 0;
}

/* Required keys and defaults that depend on other keys. */
static void finish(struct parse *p)
{
	hl_config *c = p->cfg;
	static const enum key station_req[] = { K_NAME, K_PRIVKEY, K_STATEDIR };

	if (!p->station_line) {
		fail(p, p->lineno ? p->lineno : 1, "[Station]", "section missing");
		return;
	}
	for (size_t i = 0; i < sizeof station_req / sizeof station_req[0]; i++) {
		if (!(p->station_seen & (1u << station_req[i]))) {
			fail(p, p->station_line, keydefs[station_req[i]].name,
			     "missing (required in [Station])");
			return;
		}
	}
	for (int i = 0; i < c->n_peers; i++) {
		if (!(p->peer_seen[i] & (1u << K_PUBKEY))) {
			fail(p, p->peer_line[i], "PublicKey", "missing (required in [Peer %s])",
			     c->peers[i].name);
			return;
		}
	}
	if (!(p->station_seen & (1u << K_SOCKET))) {
		int n = snprintf(c->socket_path, sizeof c->socket_path, "%s/hotline.sock",
				 c->state_dir);
		if (n < 0 || (size_t)n >= sizeof c->socket_path)
			fail(p, p->station_key_line[K_STATEDIR], "Socket",
			     "default %s/hotline.sock is too long for a Unix socket; set Socket",
			     c->state_dir);
	}
}

int hl_config_load(const char *path, hl_config *cfg, char *err, size_t errlen)
{
	struct parse *p = NULL;
	hl_buf b;
	int rc, ir;

	hl_buf_init(&b, CONFIG_MAX + HL_INI_READ_CHUNK);
	if (errlen)
		err[0] = '\0';
	if (!cfg)
		return HL_ERR_INVAL;
	memset(cfg, 0, sizeof *cfg);
	if (!path)
		return HL_ERR_INVAL;
	cfg->test_interval_ms = 3600000;
	cfg->test_deadline_ms = 60000;
	cfg->alarm_after_ms = 30000;
	cfg->receipt_timeout_ms = 30000;
	cfg->max_clock_skew_ms = 5000;
	cfg->sandbox = 1;
	cfg->api_idle_timeout_ms = 60000;
	hl_deadlines_default(&cfg->ack_deadlines);
	snprintf(cfg->forms_dir, sizeof cfg->forms_dir, "%s", HL_DEFAULT_FORMS_DIR);
	_Static_assert(sizeof HL_CONFIG_TEST_TEXT <= sizeof cfg->test_text, "test text");
	memcpy(cfg->test_text, HL_CONFIG_TEST_TEXT, sizeof HL_CONFIG_TEST_TEXT);
	if (strlen(path) > HL_MAX_PATH) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return HL_ERR_CONFIG;
	}
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	p = calloc(1, sizeof *p);
	if (!p)
		return HL_ERR_NOMEM;
	p->cfg = cfg;
	p->path = path;
	p->err = err;
	p->errlen = errlen;
	rc = config_dir(path, p->dir, sizeof p->dir, err, errlen);
	if (rc < 0)
		goto out;
	rc = hl_ini_read_file(path, CONFIG_MAX, &b, err, errlen);
	if (rc < 0)
		goto out;
	hl_rd_init(&p->lines.rd, b.p, b.len);
	/* There a ';' is the schedule's clause separator, not a comment. */
	p->lines.no_comment_key = "CheckIn";
	ir = ini_parse_stream(next_line, p, on_value, p);
	if (!p->failed && ir == -2) {
		rc = HL_ERR_NOMEM;
		goto out;
	}
	if (!p->failed && ir != 0)
		fail(p, ir > 0 ? ir : p->lineno, "syntax", "cannot parse line");
	if (!p->failed)
		finish(p);
	rc = p->failed ? HL_ERR_CONFIG : 0;
out:
	if (rc < 0) {
		memset(cfg, 0, sizeof *cfg);
		if (errlen && !err[0])
			snprintf(err, errlen, "%s: %s", path, hl_strerror(rc));
	}
	free(p);
	hl_buf_free(&b);
	return rc;
}
