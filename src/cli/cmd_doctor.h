/* cmd_doctor.h — shared between the two halves of `hotline doctor`: the local
 * checks (cmd_doctor.c) and the daemon and network checks (cmd_doctor_net.c). */
#ifndef HL_CMD_DOCTOR_H
#define HL_CMD_DOCTOR_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "cli.h"
#include "config/config.h"
#include "crypto/keys.h"

#define HL_DOCTOR_MAX_GROUPS 256

enum hl_doctor_status { HL_DOC_OK, HL_DOC_WARN, HL_DOC_FAIL };

/* The account hotlined runs as: User when set, else whoever runs doctor. */
typedef struct {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[HL_DOCTOR_MAX_GROUPS];
	int n_groups;
	int known;        /* 0: User names no account */
	int from_config;  /* 1: User (hotlined starts as root and drops to it) */
} hl_doctor_account;

typedef struct {
	const hl_cli *cli;
	int handshake;               /* 0 with --no-handshake */
	json_t *checks;              /* the report for --json */
	int n_ok, n_warn, n_fail;
	hl_config *cfg;
	hl_doctor_account acct;
	int key_encrypted;           /* PrivateKeyFile holds an encrypted key */
	int key_usable;              /* it passed the file checks */
	hl_identity *id;             /* loaded for the pubkey comparison / handshake */
	int id_tried;
	uint8_t psk_ok[HL_MAX_PEERS]; /* PresharedKeyFile passed its checks */
	json_t *status;              /* the daemon's status reply, if it answered */
	int daemon_down;             /* surely not running: a handshake competes with nothing */
} hl_doctor;

/* One line of the report: "ok", "warn" or "FAIL", the check, what it found. */
__attribute__((format(printf, 4, 5)))
void hl_doctor_report(hl_doctor *d, enum hl_doctor_status st, const char *check,
		      const char *fmt, ...);

/* The station's identity for the handshake: loads PrivateKeyFile (an
 * encrypted one only with PassphraseFile). NULL, with why in why, if not. */
const hl_identity *hl_doctor_identity(hl_doctor *d, char *why, size_t whylen);

/* cmd_doctor_net.c: whether the daemon answers (and the lines it reports),
 * then each peer's endpoints. */
void hl_doctor_check_daemon(hl_doctor *d);
void hl_doctor_check_peers(hl_doctor *d);

#endif
