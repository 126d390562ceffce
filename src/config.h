/* config.h — the station's INI configuration ([Station], [Peer NAME]);
 * every error names file, line and key. */
#ifndef HL_CONFIG_H
#define HL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "deadline.h"
#include "keys.h"
#include "limits.h"
#include "schedule.h"

/* The link test's text: every letter of the scripts in use (the original
 * hotline's first test was the English pangram with the digits). */
#define HL_CONFIG_TEST_TEXT_MAX 1000u   /* bytes; test_text holds this plus NUL */
#define HL_CONFIG_TEST_TEXT "The quick brown fox jumped over the lazy dog's back 1234567890 / " \
	"\xd0\xa1\xd1\x8a\xd0\xb5\xd1\x88\xd1\x8c \xd0\xb6\xd0\xb5 \xd0\xb5\xd1\x89\xd1\x91 " \
	"\xd1\x8d\xd1\x82\xd0\xb8\xd1\x85 \xd0\xbc\xd1\x8f\xd0\xb3\xd0\xba\xd0\xb8\xd1\x85 " \
	"\xd1\x84\xd1\x80\xd0\xb0\xd0\xbd\xd1\x86\xd1\x83\xd0\xb7\xd1\x81\xd0\xba\xd0\xb8\xd1\x85 " \
	"\xd0\xb1\xd1\x83\xd0\xbb\xd0\xbe\xd0\xba, \xd0\xb4\xd0\xb0 \xd0\xb2\xd1\x8b\xd0\xbf\xd0\xb5\xd0\xb9 " \
	"\xd1\x87\xd0\xb0\xd1\x8e"

typedef struct {
	char name[HL_MAX_NAME + 1];
	hl_pubkey key;
	char endpoints[HL_MAX_ENDPOINTS][HL_MAX_ENDPOINT_STR + 1]; /* "ip:port", "[ip6]:port" */
	int n_endpoints;                 /* 0: we only listen for this peer */
	char psk_file[HL_MAX_PATH + 1];  /* "" if none */
	uint64_t keepalive_ms;           /* default 1000 */
	uint32_t dead_after;             /* missed keepalives, default 3 */
	uint64_t rekey_after_ms;         /* RekeyAfter: fresh handshake, default (and at most) 120 s */
	/* H6 quota on the peer's entries we store (see line.c): */
	uint64_t quota_entries;          /* QuotaEntries, default 10000 per window */
	uint64_t quota_bytes;            /* QuotaBytes, default 256 MiB per window */
	uint64_t quota_attach_bytes;     /* QuotaAttachmentBytes, default 1 GiB per window */
	uint64_t quota_window_ms;        /* QuotaWindow, default 1 d */
	uint64_t attachment_rate;        /* AttachmentRate, bytes/s sent; 0 (default) no limit */
	/* H4 check-ins (checkin.c): CheckIn (repeatable, one clause a line)
	 * and CheckInDeadline, default 10 min. */
	hl_schedule checkin;
	uint64_t checkin_deadline_ms;
} hl_peer_conf;

/* [Operators]: who a local API caller is recorded as (entries, translations). */
#define HL_MAX_OPERATOR_MAP 128u
#define HL_OPERATOR_KEY_MAX 32u          /* a login name or a numeric uid */
typedef struct {
	char key[HL_OPERATOR_KEY_MAX + 1];
	char name[HL_MAX_OPERATOR + 1];
} hl_operator_map;

typedef struct {
	char path[HL_MAX_PATH + 1];      /* the file it came from */
	char name[HL_MAX_NAME + 1];
	char private_key_file[HL_MAX_PATH + 1];
	char listen[HL_MAX_ENDPOINT_STR + 1]; /* "" = do not listen */
	char state_dir[HL_MAX_PATH + 1];
	char socket_path[108];           /* sun_path */
	uint64_t test_interval_ms;       /* default 1 h */
	uint64_t test_deadline_ms;       /* TestDeadline, default 60 s */
	char test_text[1001];            /* TestText, UTF-8, default: pangrams */
	uint64_t alarm_after_ms;         /* AlarmAfter, default 30 s */
	uint64_t receipt_timeout_ms;     /* ReceiptTimeout, default 30 s */
	uint64_t max_clock_skew_ms;      /* MaxClockSkew, default 5 s */
	char metrics_file[HL_MAX_PATH + 1]; /* MetricsFile, "" = none */
	char alarm_command[HL_MAX_PATH + 1];
	char user[33];                   /* User: account to run as when started as root, "" none */
	int sandbox;                     /* Sandbox = yes|no (seccomp filter), default yes */
	char passphrase_file[HL_MAX_PATH + 1]; /* H6 PassphraseFile, "" = none */
	uint64_t api_idle_timeout_ms;    /* H6 ApiIdleTimeout, default 60 s */
	hl_deadlines ack_deadlines;      /* H4 AckDeadlines, per precedence */
	char forms_dir[HL_MAX_PATH + 1]; /* FormsDir: notice schemas, default HL_DEFAULT_FORMS_DIR */
	int forms_dir_set;               /* given in the file (a missing default is not an error) */
	hl_operator_map operators[HL_MAX_OPERATOR_MAP];
	int n_operators;
	hl_peer_conf peers[HL_MAX_PEERS];
	int n_peers;
} hl_config;

/* Parses path into cfg (zeroed first; defaults applied). On error returns
 * HL_ERR_CONFIG (or HL_ERR_IO) and err holds one line:
 * "FILE:LINE: KEY: what is wrong". Relative paths in the file are resolved
 * against the file's directory. Required: Station Name, PrivateKeyFile,
 * StateDir; each peer PublicKey; peer names unique. Socket defaults to
 * StateDir/hotline.sock. Lines are at most 198 characters. */
int hl_config_load(const char *path, hl_config *cfg, char *err, size_t errlen);

/* Durations: "250ms", "1s", "5m", "1h", "2d"; bare numbers are seconds. */
int hl_config_parse_duration(const char *s, uint64_t *ms);
/* The other way, for messages: 3600000 -> "1h", 1500 -> "1500ms". */
void hl_config_format_duration(char *out, size_t size, uint64_t ms);
/* "1.2.3.4:7340" or "[::1]:7340" into a sockaddr_storage; no DNS. */
struct sockaddr_storage;
int hl_config_parse_addr(const char *s, struct sockaddr_storage *ss);

const hl_peer_conf *hl_config_peer(const hl_config *cfg, const char *name);

/* config_operators.c: one [Operators] line, KEY = NAME (KEY a login name or a
 * numeric uid; NAME a label of at most HL_MAX_OPERATOR bytes). 0, or
 * HL_ERR_CONFIG with what is wrong in err (without file and line). */
int hl_config_operator_add(hl_config *cfg, const char *key, const char *name, char *err,
			   size_t errlen);
/* The operator name a caller is recorded as: the [Operators] name for its
 * numeric uid, else for its login name, else the login name itself, else
 * "uid:N". login may be NULL (no passwd entry). */
void hl_config_operator_name(const hl_config *cfg, unsigned uid, const char *login, char *out,
			     size_t outlen);

#endif
