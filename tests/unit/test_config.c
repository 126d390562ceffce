/* test_config.c — the INI configuration: a full good file, defaults, relative
 * paths, and malformed files whose error must name file, line and key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "entry.h"
#include "err.h"
#include "keys.h"

static char tmpdir[64];
static char pk1[HL_PUBKEY_B64_LEN + 1], pk2[HL_PUBKEY_B64_LEN + 1];
static hl_pubkey pub1, pub2;

/* Copies text to buf, replacing @PK1@ / @PK2@ by the test public keys. */
static void expand(char *buf, size_t size, const char *text)
{
	size_t o = 0;

	while (*text) {
		const char *rep = NULL;
		if (strncmp(text, "@PK1@", 5) == 0)
			rep = pk1;
		else if (strncmp(text, "@PK2@", 5) == 0)
			rep = pk2;
		if (rep) {
			size_t n = strlen(rep);
			assert_true(o + n < size);
			memcpy(buf + o, rep, n);
			o += n;
			text += 5;
			continue;
		}
		assert_true(o + 1 < size);
		buf[o++] = *text++;
	}
	buf[o] = '\0';
}

static void write_conf(const char *path, const char *text)
{
	static char buf[64 * 1024];
	FILE *f;

	expand(buf, sizeof buf, text);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(buf, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static hl_config *new_cfg(void)
{
	hl_config *c = calloc(1, sizeof *c);
	assert_non_null(c);
	return c;
}

static const char GOOD[] =
	"# hotline test configuration\n"                   /* 1 */
	"[Station]\n"                                       /* 2 */
	"Name = washington\n"                               /* 3 */
	"PrivateKeyFile = /etc/hotline/station.key\n"       /* 4 */
	"Listen = 0.0.0.0:7340   # inline comment\n"        /* 5 */
	"StateDir = /var/lib/hotline ; other comment\n"     /* 6 */
	"Socket = /run/hotline/hotline.sock\n"              /* 7 */
	"TestInterval = 30m\n"                              /* 8 */
	"AlarmCommand = /usr/local/bin/page-duty-officer\n" /* 9 */
	"\n"                                                /* 10 */
	"; a peer\n"                                        /* 11 */
	"[Peer moscow]\n"                                   /* 12 */
	"PublicKey = @PK1@\n"                               /* 13 */
	"Endpoint = 198.51.100.7:7340        # preferred\n" /* 14 */
	"   Endpoint = [2001:db8::1]:7341\r\n"              /* 15: indented, CRLF */
	"endpoint=203.0.113.9:7340\n"                       /* 16: any case */
	"PresharedKeyFile = /etc/hotline/moscow.psk\n"      /* 17 */
	"KeepaliveInterval = 250ms\n"                       /* 18 */
	"DeadAfter = 5\n"                                   /* 19 */
	"[ Peer   beijing.2_x-y ]\n"                        /* 20 */
	"PUBLICKEY = @PK2@";                                /* 21: no final newline */

static void test_good_round_trip(void **state)
{
	char path[128], err[512];
	hl_config *c = new_cfg();
	(void)state;

	snprintf(path, sizeof path, "%s/good.conf", tmpdir);
	write_conf(path, GOOD);
	int rc = hl_config_load(path, c, err, sizeof err);
	if (rc != 0)
		fail_msg("load: %d %s", rc, err);
	assert_string_equal(c->path, path);
	assert_string_equal(c->name, "washington");
	assert_string_equal(c->private_key_file, "/etc/hotline/station.key");
	assert_string_equal(c->listen, "0.0.0.0:7340");
	assert_string_equal(c->state_dir, "/var/lib/hotline");
	assert_string_equal(c->socket_path, "/run/hotline/hotline.sock");
	assert_int_equal(c->test_interval_ms, 30 * 60 * 1000);
	assert_string_equal(c->alarm_command, "/usr/local/bin/page-duty-officer");
	assert_int_equal(c->n_peers, 2);

	const hl_peer_conf *m = hl_config_peer(c, "moscow");
	assert_ptr_equal(m, &c->peers[0]);
	assert_string_equal(m->name, "moscow");
	assert_int_equal(hl_pubkey_cmp(&m->key, &pub1), 0);
	assert_int_equal(m->n_endpoints, 3);
	assert_string_equal(m->endpoints[0], "198.51.100.7:7340");
	assert_string_equal(m->endpoints[1], "[2001:db8::1]:7341");
	assert_string_equal(m->endpoints[2], "203.0.113.9:7340");
	assert_string_equal(m->psk_file, "/etc/hotline/moscow.psk");
	assert_int_equal(m->keepalive_ms, 250);
	assert_int_equal(m->dead_after, 5);

	const hl_peer_conf *b = hl_config_peer(c, "beijing.2_x-y");
	assert_ptr_equal(b, &c->peers[1]);
	assert_int_equal(hl_pubkey_cmp(&b->key, &pub2), 0);
	assert_int_equal(b->n_endpoints, 0);
	assert_null(hl_config_peer(c, "Moscow"));
	assert_null(hl_config_peer(c, "nobody"));
	free(c);
}

/* H4: AckDeadlines, CheckIn (one clause a line, lines combined) and
 * CheckInDeadline; the errors name the line; ';' on a CheckIn line would
 * silently cut the schedule, so it is refused. */
static void load_text(const char *text, hl_config *c, int want_ok, const char *want_err)
{
	char path[128], err[512];

	snprintf(path, sizeof path, "%s/watch.conf", tmpdir);
	write_conf(path, text);
	int rc = hl_config_load(path, c, err, sizeof err);
	if (want_ok && rc != 0)
		fail_msg("load: %d %s", rc, err);
	if (!want_ok) {
		assert_int_equal(rc, HL_ERR_CONFIG);
		if (!strstr(err, want_err))
			fail_msg("error '%s' lacks '%s'", err, want_err);
	}
}

#define WATCH_HEAD "[Station]\nName = w\nPrivateKeyFile = k\nStateDir = s\n"

static void test_watch_keys(void **state)
{
	hl_config *c = new_cfg();
	char buf[HL_SCHEDULE_STRLEN];
	(void)state;

	load_text(WATCH_HEAD "[Peer m]\nPublicKey = @PK1@\n", c, 1, NULL);
	assert_int_equal(c->ack_deadlines.ms[HL_PREC_FLASH], 180000);
	assert_int_equal(c->ack_deadlines.ms[HL_PREC_ROUTINE], 86400000);
	assert_int_equal(c->peers[0].checkin_deadline_ms, 600000);
	assert_int_equal(c->peers[0].checkin.nclauses + c->peers[0].checkin.every_ms, 0);

	load_text(WATCH_HEAD "AckDeadlines = flash=4s, immediate=1m\n[Peer m]\nPublicKey = @PK1@\n"
		  "CheckIn = Mon-Fri 09:00,17:00 UTC\nCheckIn = Sat 12:00\nCheckInDeadline = 5m\n",
		  c, 1, NULL);
	assert_int_equal(c->ack_deadlines.ms[HL_PREC_FLASH], 4000);
	assert_int_equal(c->ack_deadlines.ms[HL_PREC_IMMEDIATE], 60000);
	assert_int_equal(c->ack_deadlines.ms[HL_PREC_PRIORITY], 3 * 3600000);
	assert_int_equal(c->peers[0].checkin_deadline_ms, 300000);
	assert_int_equal(hl_schedule_format(&c->peers[0].checkin, buf, sizeof buf), 0);
	assert_string_equal(buf, "Mon-Fri 09:00,17:00 UTC; Sat 12:00 UTC");

	load_text(WATCH_HEAD "[Peer m]\nPublicKey = @PK1@\nCheckIn = every 3s\n", c, 1, NULL);
	assert_int_equal(c->peers[0].checkin.every_ms, 3000);

	load_text(WATCH_HEAD "[Peer m]\nPublicKey = @PK1@\nCheckIn = Mon 09:00 ; Sat 12:00\n", c, 0,
		  ":7: CheckIn: ';' would start a comment here");
	load_text(WATCH_HEAD "[Peer m]\nPublicKey = @PK1@\nCheckIn = Mon-Fri 09:00\nCheckIn = Fri 09:00\n",
		  c, 0, ":8: CheckIn: ");
	load_text(WATCH_HEAD "[Peer m]\nPublicKey = @PK1@\nCheckIn = Mon 09:00 KST\n", c, 0,
		  ":7: CheckIn: ");
	load_text(WATCH_HEAD "AckDeadlines = flash=1h,immediate=1m\n", c, 0, ":5: AckDeadlines: ");
	load_text(WATCH_HEAD "AckDeadlines = flush=1m\n", c, 0, ":5: AckDeadlines: ");
	load_text(WATCH_HEAD "[Peer m]\nPublicKey = @PK1@\nCheckInDeadline = 0s\n", c, 0,
		  ":7: CheckInDeadline: ");
	/* CheckInDeadline takes a comment like any key. */
	load_text(WATCH_HEAD "[Peer m]\nPublicKey = @PK1@\nCheckInDeadline = 2m ; two minutes\n", c, 1,
		  NULL);
	assert_int_equal(c->peers[0].checkin_deadline_ms, 120000);
	free(c);
}

static void test_defaults(void **state)
{
	char path[128], err[512];
	hl_config *c = new_cfg();
	(void)state;

	snprintf(path, sizeof path, "%s/min.conf", tmpdir);
	write_conf(path, "[Station]\nName = a\nPrivateKeyFile = /k\nStateDir = /var/lib/hl\n"
			 "[Peer b]\nPublicKey = @PK1@\n");
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	assert_string_equal(c->listen, "");
	assert_string_equal(c->alarm_command, "");
	assert_string_equal(c->socket_path, "/var/lib/hl/hotline.sock");
	assert_int_equal(c->test_interval_ms, 3600 * 1000);
	assert_int_equal(c->n_peers, 1);
	assert_int_equal(c->peers[0].keepalive_ms, 1000);
	assert_int_equal(c->peers[0].dead_after, 3);
	assert_int_equal(c->peers[0].n_endpoints, 0);
	assert_string_equal(c->peers[0].psk_file, "");

	/* no peers at all is a valid (if lonely) station */
	write_conf(path, "[Station]\nName = a\nPrivateKeyFile = /k\nStateDir = /s\n");
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	assert_int_equal(c->n_peers, 0);
	free(c);
}

static void test_supervision_keys(void **state)
{
	char path[128], want[256], err[512];
	hl_config *c = new_cfg();
	(void)state;

	snprintf(path, sizeof path, "%s/sup.conf", tmpdir);
	write_conf(path, "[Station]\nName = a\nPrivateKeyFile = /k\nStateDir = /s\n");
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	assert_int_equal(c->test_deadline_ms, 60000);
	assert_int_equal(c->alarm_after_ms, 30000);
	assert_int_equal(c->receipt_timeout_ms, 30000);
	assert_int_equal(c->max_clock_skew_ms, 5000);
	assert_string_equal(c->metrics_file, "");
	assert_string_equal(c->test_text, HL_CONFIG_TEST_TEXT);
	assert_string_equal(c->test_text,
			    "The quick brown fox jumped over the lazy dog's back 1234567890 / "
			    "\u0421\u044a\u0435\u0448\u044c \u0436\u0435 "
			    "\u0435\u0449\u0451 \u044d\u0442\u0438\u0445 "
			    "\u043c\u044f\u0433\u043a\u0438\u0445 "
			    "\u0444\u0440\u0430\u043d\u0446\u0443\u0437\u0441\u043a\u0438\u0445 "
			    "\u0431\u0443\u043b\u043e\u043a, \u0434\u0430 "
			    "\u0432\u044b\u043f\u0435\u0439 \u0447\u0430\u044e");

	write_conf(path, "[Station]\nName = a\nPrivateKeyFile = /k\nStateDir = /s\n"
			 "TestDeadline = 1s\nAlarmAfter = 2m\nReceiptTimeout = 1d\n"
			 "MaxClockSkew = 100ms\nMetricsFile = metrics/hotline.prom\n"
			 "testtext =   \xce\x93\xce\xb1\xce\xb6\xce\xad\xce\xb5\xcf\x82 "
			 "\xe6\x88\x91\xe8\x83\xbd\xe5\x90\x9e 42  \n");
	int rc = hl_config_load(path, c, err, sizeof err);
	if (rc != 0)
		fail_msg("load: %d %s", rc, err);
	assert_int_equal(c->test_deadline_ms, 1000);
	assert_int_equal(c->alarm_after_ms, 120000);
	assert_int_equal(c->receipt_timeout_ms, 86400000);
	assert_int_equal(c->max_clock_skew_ms, 100);
	snprintf(want, sizeof want, "%s/metrics/hotline.prom", tmpdir);
	assert_string_equal(c->metrics_file, want);
	/* blanks around the value are not part of it */
	assert_string_equal(c->test_text, "\u0393\u03b1\u03b6\u03ad\u03b5\u03c2 "
			    "\u6211\u80fd\u541e 42");
	free(c);
}

/* H6 keys: defaults and values. */
#define H6_ST "[Station]\nName = a\nPrivateKeyFile = /k\nStateDir = /s\n"
static void test_h6_keys(void **state)
{
	char path[128], want[256], err[512];
	hl_config *c = new_cfg();
	(void)state;

	snprintf(path, sizeof path, "%s/h6.conf", tmpdir);
	write_conf(path, H6_ST "[Peer x]\nPublicKey = @PK1@\n");
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	assert_string_equal(c->passphrase_file, "");
	assert_int_equal(c->api_idle_timeout_ms, 60000);
	assert_int_equal(c->peers[0].quota_entries, 10000);
	assert_int_equal(c->peers[0].quota_bytes, 256u << 20);
	assert_int_equal(c->peers[0].quota_attach_bytes, 1u << 30);
	assert_int_equal(c->peers[0].quota_window_ms, 86400000);

	write_conf(path, H6_ST "PassphraseFile = secrets/pass\nApiIdleTimeout = 5s\n"
			 "[Peer x]\nPublicKey = @PK1@\nQuotaEntries = 5\nQuotaBytes = 64K\n"
			 "QuotaWindow = 1h\n"
			 "[Peer y]\nPublicKey = @PK2@\nQuotaBytes = 1T\nQuotaEntries = 1000000000\n");
	int rc = hl_config_load(path, c, err, sizeof err);
	if (rc != 0)
		fail_msg("load: %d %s", rc, err);
	snprintf(want, sizeof want, "%s/secrets/pass", tmpdir);
	assert_string_equal(c->passphrase_file, want);
	assert_int_equal(c->api_idle_timeout_ms, 5000);
	assert_int_equal(c->peers[0].quota_entries, 5);
	assert_int_equal(c->peers[0].quota_bytes, 65536);
	assert_int_equal(c->peers[0].quota_window_ms, 3600000);
	assert_int_equal(c->peers[1].quota_bytes, 1ull << 40);
	assert_int_equal(c->peers[1].quota_entries, 1000000000);
	assert_int_equal(c->peers[1].quota_window_ms, 86400000);

	write_conf(path, H6_ST "[Peer x]\nPublicKey = @PK1@\nQuotaBytes = 3M\nQuotaAttachmentBytes = 64K\n");
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	assert_int_equal(c->peers[0].quota_bytes, 3u << 20);
	assert_int_equal(c->peers[0].quota_attach_bytes, 65536);
	free(c);
}

static void test_relative_paths(void **state)
{
	char dir[128], path[160], want[512], err[512], cwd[4096];
	hl_config *c = new_cfg();
	(void)state;

	snprintf(dir, sizeof dir, "%s/etc", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/hotline.conf", dir);
	write_conf(path, "[Station]\nName = a\nPrivateKeyFile = station.key\n"
			 "StateDir = ../state\nSocket = run/s.sock\nAlarmCommand = bin/alarm\n"
			 "[Peer b]\nPublicKey = @PK1@\nPresharedKeyFile = keys/b.psk\n");
	assert_int_equal(hl_config_load(path, c, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/station.key", dir);
	assert_string_equal(c->private_key_file, want);
	snprintf(want, sizeof want, "%s/../state", dir);
	assert_string_equal(c->state_dir, want);
	snprintf(want, sizeof want, "%s/run/s.sock", dir);
	assert_string_equal(c->socket_path, want);
	snprintf(want, sizeof want, "%s/bin/alarm", dir);
	assert_string_equal(c->alarm_command, want);
	snprintf(want, sizeof want, "%s/keys/b.psk", dir);
	assert_string_equal(c->peers[0].psk_file, want);

	/* a relative config path still gives absolute paths */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmpdir), 0);
	int rc = hl_config_load("etc/hotline.conf", c, err, sizeof err);
	char got[HL_MAX_PATH + 1];
	snprintf(got, sizeof got, "%s", c->private_key_file);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	/* tmpdir is under /tmp, which may itself be a symlink: compare suffix */
	assert_true(got[0] == '/');
	assert_non_null(strstr(got, "/etc/station.key"));
	free(c);
}

struct bad {
	const char *text;
	int line;
	const char *key;
};

#define ST "[Station]\nName = a\nPrivateKeyFile = /k\nStateDir = /s\n" /* lines 1-4 */

static const struct bad bads[] = {
	{ ST "[Foo]\n", 5, "[Foo]" },
	{ ST "Colour = red\n", 5, "Colour" },
	{ ST "name = b\n", 5, "Name" },                                /* duplicate */
	{ ST "Listen =\n", 5, "Listen" },                              /* empty value */
	{ ST "Listen =    # nothing\n", 5, "Listen" },
	{ ST "TestInterval = 5x\n", 5, "TestInterval" },
	{ ST "TestInterval = -1s\n", 5, "TestInterval" },
	{ ST "TestInterval = 1.5h\n", 5, "TestInterval" },
	{ ST "TestInterval = 99999999999999999999\n", 5, "TestInterval" },
	{ ST "TestInterval = 10ms\n", 5, "TestInterval" },             /* below minimum */
	{ ST "Listen = localhost:7340\n", 5, "Listen" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nEndpoint = example.com:7340\n", 7, "Endpoint" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nEndpoint = 1.2.3.4:70000\n", 7, "Endpoint" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nEndpoint = 1.2.3.4\n", 7, "Endpoint" },
	{ ST "[Peer x]\nPublicKey = abc\n", 6, "PublicKey" },
	{ "Name = a\n[Station]\n", 1, "Name" },                       /* outside section */
	{ ST "just some words\n", 5, "syntax" },
	{ ST "Name: b\n", 5, "syntax" },
	{ ST "[Peer x\n", 5, "syntax" },
	{ "[Station]\nName = a\nPrivateKeyFile = /k\n", 1, "StateDir" }, /* missing */
	{ "\n[Station]\nStateDir = /s\nPrivateKeyFile = /k\n", 2, "Name" },
	{ ST "[Peer x]\nEndpoint = 1.2.3.4:1\n", 5, "PublicKey" },      /* missing */
	{ ST "[Peer x]\nPublicKey = @PK1@\n[Peer x]\nPublicKey = @PK2@\n", 7, "[Peer x]" },
	{ ST "[Peer x]\nPublicKey = @PK1@\n[Peer y]\nPublicKey = @PK1@\n", 8, "PublicKey" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nPublicKey = @PK2@\n", 7, "PublicKey" },
	{ ST "[Station]\n", 5, "[Station]" },
	{ ST "[Peer bad/name]\n", 5, "[Peer bad/name]" },
	{ ST "[Peer]\n", 5, "[Peer]" },
	{ "[Station]\nName = "
	  "a123456789012345678901234567890123456789012345678901234567890123\n", 2, "Name" },
	{ "[Station]\nName = wash ington\n", 2, "Name" },
	{ ST "Socket = /"
	  "run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n", 5, "Socket" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nDeadAfter = 0\n", 7, "DeadAfter" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nDeadAfter = 3x\n", 7, "DeadAfter" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nKeepaliveInterval = 1\xff\n", 7,
	  "KeepaliveInterval" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nListen = 1.2.3.4:1\n", 7, "Listen" }, /* wrong section */
	{ ST "[Peer x]\nPublicKey = @PK1@\nEndpoint = 1.2.3.4:1\nEndpoint = 1.2.3.4:1\n", 8,
	  "Endpoint" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nEndpoint = 1.0.0.1:1\nEndpoint = 1.0.0.2:1\n"
	  "Endpoint = 1.0.0.3:1\nEndpoint = 1.0.0.4:1\nEndpoint = 1.0.0.5:1\n"
	  "Endpoint = 1.0.0.6:1\nEndpoint = 1.0.0.7:1\nEndpoint = 1.0.0.8:1\n"
	  "Endpoint = 1.0.0.9:1\n", 15, "Endpoint" },
	{ ST "Name = a\x01\n", 5, "syntax" },                          /* control char */
	{ ST "\n\nListen = 1.2.3.4:1\rEndpoint = 1.2.3.4:2\r\n", 7, "syntax" }, /* bare CR */
	{ ST "AlarmCommand = /"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 5, "syntax" }, /* line too long */
	{ ST "TestDeadline = 500ms\n", 5, "TestDeadline" },            /* below 1 s */
	{ ST "TestDeadline = 2d\n", 5, "TestDeadline" },
	{ ST "AlarmAfter = soon\n", 5, "AlarmAfter" },
	{ ST "ReceiptTimeout = 0\n", 5, "ReceiptTimeout" },
	{ ST "MaxClockSkew = 50ms\n", 5, "MaxClockSkew" },
	{ ST "TestText = caf\xc3\n", 5, "TestText" },                /* cut UTF-8 */
	{ ST "TestText = \xc0\xaf overlong\n", 5, "TestText" },
	{ ST "TestText = a\nTestText = b\n", 6, "TestText" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nMetricsFile = /m.prom\n", 7, "MetricsFile" },
	/* H6: quota, API idle timeout, passphrase file */
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaEntries = 0\n", 7, "QuotaEntries" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaEntries = many\n", 7, "QuotaEntries" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaBytes = 1000\n", 7, "QuotaBytes" }, /* < 64K */
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaAttachmentBytes = 1000\n", 7, "QuotaAttachmentBytes" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaAttachmentBytes = 2T\n", 7, "QuotaAttachmentBytes" },
	{ ST "QuotaAttachmentBytes = 1G\n", 5, "QuotaAttachmentBytes" }, /* a [Peer] key */
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaBytes = 2T\n", 7, "QuotaBytes" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaBytes = 10Q\n", 7, "QuotaBytes" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaBytes = M\n", 7, "QuotaBytes" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaBytes = 99999999999999999999K\n", 7, "QuotaBytes" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaBytes = 18014398509481984K\n", 7, "QuotaBytes" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaWindow = 500ms\n", 7, "QuotaWindow" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nQuotaWindow = 31d\n", 7, "QuotaWindow" },
	{ ST "ApiIdleTimeout = 0\n", 5, "ApiIdleTimeout" },
	{ ST "ApiIdleTimeout = 2h\n", 5, "ApiIdleTimeout" },
	{ ST "[Peer x]\nPublicKey = @PK1@\nPassphraseFile = /p\n", 7, "PassphraseFile" },
	{ ST "QuotaEntries = 5\n", 5, "QuotaEntries" },                /* [Peer] only */
	{ "[Peer x]\nPublicKey = @PK1@\n", 2, "[Station]" },           /* no [Station] */
	{ "", 1, "[Station]" },
};

static void test_malformed(void **state)
{
	char path[128], prefix[192], err[512];
	hl_config *c = new_cfg();
	(void)state;

	snprintf(path, sizeof path, "%s/bad.conf", tmpdir);
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		write_conf(path, bads[i].text);
		memset(err, 'Z', sizeof err);
		int rc = hl_config_load(path, c, err, sizeof err);
		snprintf(prefix, sizeof prefix, "%s:%d: %s: ", path, bads[i].line, bads[i].key);
		if (rc != HL_ERR_CONFIG || strncmp(err, prefix, strlen(prefix)) != 0 ||
		    strlen(err) <= strlen(prefix) || strchr(err, '\n'))
			fail_msg("case %zu: rc %d, err '%s', want prefix '%s'", i, rc, err, prefix);
		/* nothing half-parsed is left behind */
		assert_int_equal(c->n_peers, 0);
		assert_string_equal(c->name, "");
	}
	free(c);
}

static void test_unreadable(void **state)
{
	char path[128], err[512];
	hl_config *c = new_cfg();
	(void)state;

	snprintf(path, sizeof path, "%s/does-not-exist.conf", tmpdir);
	assert_int_equal(hl_config_load(path, c, err, sizeof err), HL_ERR_IO);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(hl_config_load(tmpdir, c, err, sizeof err), HL_ERR_IO);
	assert_non_null(strstr(err, tmpdir));
	free(c);
}

static void test_durations(void **state)
{
	static const struct { const char *s; uint64_t ms; } good[] = {
		{ "250ms", 250 }, { "1s", 1000 }, { "5m", 300000 }, { "1h", 3600000 },
		{ "2d", 172800000 }, { "7", 7000 }, { "0", 0 }, { "0ms", 0 },
		{ "18446744073709551615ms", UINT64_MAX },
	};
	static const char *bad[] = {
		"", "s", "ms", "-1", "+1", " 1s", "1s ", "1 s", "1.5s", "1S", "1sms", "1w",
		"0x10", "18446744073709551616", "18446744073709551615s", "1e3",
	};
	uint64_t ms = 99;
	(void)state;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(hl_config_parse_duration(good[i].s, &ms), 0);
		assert_true(ms == good[i].ms);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms = 99;
		if (hl_config_parse_duration(bad[i], &ms) >= 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(ms == 0);
	}
	assert_true(hl_config_parse_duration(NULL, &ms) < 0);
}

static void test_addresses(void **state)
{
	static const char *bad[] = {
		"", "1.2.3.4", "1.2.3.4:", "1.2.3:80", "1.2.3.4.5:80", "01.2.3.4:80",
		"256.1.1.1:80", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:+80", "1.2.3.4:80 ",
		" 1.2.3.4:80", "1.2.3.4:8a", "localhost:80", "::1:80", "[::1]80", "[::1]:",
		"[::1]", "[]:80", "[1.2.3.4]:80", "[::1]:80:80", "[::g]:80", "1.2.3.4:000080",
		"[fe80::1%eth0]:80",
	};
	struct sockaddr_storage ss;
	char buf[64];
	(void)state;

	assert_int_equal(hl_config_parse_addr("198.51.100.7:7340", &ss), 0);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 7340);
	assert_string_equal(inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf), "198.51.100.7");

	assert_int_equal(hl_config_parse_addr("[2001:db8::1]:65535", &ss), 0);
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 65535);
	assert_string_equal(inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf),
			    "2001:db8::1");
	assert_int_equal(hl_config_parse_addr("[::1]:1", &ss), 0);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (hl_config_parse_addr(bad[i], &ss) >= 0)
			fail_msg("'%s' accepted", bad[i]);
	assert_true(hl_config_parse_addr(NULL, &ss) < 0);
}

static int setup(void **state)
{
	uint8_t seed[HL_SEED_LEN];
	hl_identity *id = NULL;
	(void)state;

	if (sodium_init() < 0)
		return -1;
	memset(seed, 1, sizeof seed);
	if (hl_keys_from_seed(seed, &id) < 0)
		return -1;
	pub1 = id->pub;
	hl_pubkey_encode(&pub1, pk1);
	hl_keys_free(id);
	memset(seed, 2, sizeof seed);
	if (hl_keys_from_seed(seed, &id) < 0)
		return -1;
	pub2 = id->pub;
	hl_pubkey_encode(&pub2, pk2);
	hl_keys_free(id);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/hl-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_round_trip),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_supervision_keys),
		cmocka_unit_test(test_h6_keys),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_watch_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
