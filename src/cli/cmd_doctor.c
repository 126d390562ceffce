/* cmd_doctor.c — `hotline doctor`: checks a station and prints one line per
 * check (ok, warn or FAIL, with what to fix); here the local checks: the
 * configuration, key files, the state directory, disk space and the clock. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd_doctor.h"
#include "util/err.h"
#include "crypto/passphrase.h"
#include "client/render.h"

/* Below either, a busy line's store and its journal may run out of room. */
#define DISK_MIN_FREE (1024ull * 1024ull * 1024ull)
#define DISK_MIN_PCT 5.0
/* An NTP-disciplined clock is well within this; beyond it entry times mislead. */
#define CLOCK_MAX_ERROR_US 1000000L

static const char *status_word(enum hl_doctor_status st)
{
	return st == HL_DOC_OK ? "ok" : st == HL_DOC_WARN ? "warn" : "FAIL";
}

void hl_doctor_report(hl_doctor *d, enum hl_doctor_status st, const char *check,
		      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	char *clean;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (st == HL_DOC_OK)
		d->n_ok++;
	else if (st == HL_DOC_WARN)
		d->n_warn++;
	else
		d->n_fail++;
	/* Paths and the daemon's texts (alarms, a stop reason) reach the terminal. */
	clean = hl_render_clean(msg, strlen(msg), 0);
	if (d->checks) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "status", st == HL_DOC_FAIL ? "fail" : status_word(st),
				      "check", check, "message", clean ? clean : msg);
		if (o)
			json_array_append_new(d->checks, o);
	} else {
		printf("%-4s  %s: %s\n", status_word(st), check, clean ? clean : "(unprintable)");
	}
	free(clean);
}

static void fill_account(hl_doctor *d)
{
	hl_doctor_account *a = &d->acct;
	int n = HL_DOCTOR_MAX_GROUPS;

	if (d->cfg->user[0]) {
		struct passwd *pw = getpwnam(d->cfg->user);
		a->from_config = 1;
		snprintf(a->name, sizeof a->name, "%s", d->cfg->user);
		if (!pw) {
			hl_doctor_report(d, HL_DOC_FAIL, "user",
					 "User %s: no such account; create it (adduser --system %s) or fix User",
					 d->cfg->user, d->cfg->user);
			return;
		}
		a->uid = pw->pw_uid;
		a->gid = pw->pw_gid;
		if (getgrouplist(d->cfg->user, pw->pw_gid, a->groups, &n) < 0)
			n = HL_DOCTOR_MAX_GROUPS;
		a->n_groups = n;
		a->known = 1;
		hl_doctor_report(d, HL_DOC_OK, "user", "hotlined runs as %s (uid %u)%s", a->name,
				 (unsigned)a->uid, a->uid == 0 ? ", keeping root (not recommended)" : "");
		return;
	}
	struct passwd *pw = getpwuid(geteuid());
	a->uid = geteuid();
	a->gid = getegid();
	snprintf(a->name, sizeof a->name, "%s", pw ? pw->pw_name : "");
	if (!pw)
		snprintf(a->name, sizeof a->name, "uid %u", (unsigned)a->uid);
	n = getgroups(HL_DOCTOR_MAX_GROUPS - 1, a->groups);
	a->n_groups = n < 0 ? 0 : n;
	a->groups[a->n_groups++] = a->gid;
	a->known = 1;
	if (a->uid == 0)
		hl_doctor_report(d, HL_DOC_WARN, "user",
				 "no User in [Station]: hotlined started as root refuses to run; add "
				 "User = hotline (an account of its own), or, if a service manager "
				 "starts it as another account, run hotline doctor as that account");
}

static int in_groups(const hl_doctor_account *a, gid_t g)
{
	for (int i = 0; i < a->n_groups; i++)
		if (a->groups[i] == g)
			return 1;
	return a->gid == g;
}

/* The permission bits as the kernel applies them to a (no ACLs). */
static int allows(const hl_doctor_account *a, const struct stat *st, unsigned want)
{
	unsigned m = (unsigned)st->st_mode;

	if (a->uid == 0)
		return 1;
	if (st->st_uid == a->uid)
		return ((m >> 6) & want) == want;
	if (in_groups(a, st->st_gid))
		return ((m >> 3) & want) == want;
	return (m & want) == want;
}

static void owner_name(uid_t uid, char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(out, outlen, "%s", pw->pw_name);
	else
		snprintf(out, outlen, "uid %u", (unsigned)uid);
}

enum secret_kind { SECRET_KEY, SECRET_PASSPHRASE, SECRET_PSK };

/* What hotlined's key readers require (keys.c, passphrase.c): a regular file,
 * not a symbolic link, nobody but its owner may read or write it; and the
 * owner should be root or the daemon's account, which read it. */
static int check_secret_file(hl_doctor *d, const char *check, const char *path,
			     enum secret_kind kind, int peer)
{
	char owner[64], err[HL_MAX_PATH + 256] = "";
	struct stat st;
	uid_t reader = d->acct.from_config ? 0 : geteuid();
	const char *what = kind == SECRET_KEY ? "key" : kind == SECRET_PSK ? "pre-shared key" : "passphrase";
	int rc;

	if (lstat(path, &st) != 0) {
		int e = errno;
		if (e == ENOENT && kind == SECRET_KEY)
			hl_doctor_report(d, HL_DOC_FAIL, check, "%s: missing; create it: hotline keygen -o %s",
					 path, path);
		else if (e == ENOENT && kind == SECRET_PSK)
			hl_doctor_report(d, HL_DOC_FAIL, check,
					 "%s: missing; create it (head -c 32 /dev/urandom | base64 > %s) "
					 "and give the same file to the peer", path, path);
		else if (e == EACCES)
			hl_doctor_report(d, HL_DOC_WARN, check, "%s: cannot look at it as %s (%s); run "
					 "hotline doctor as root or as the daemon's user", path,
					 geteuid() == 0 ? "root" : "this user", strerror(e));
		else
			hl_doctor_report(d, HL_DOC_FAIL, check, "%s: %s", path, strerror(e));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s is a symbolic link, which hotlined refuses; "
				 "name the file itself in the configuration", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s is not a regular file", path);
		return -1;
	}
	if (st.st_mode & 077) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s: mode %04o lets group or others at the %s; "
				 "run: chmod 600 %s", path, (unsigned)(st.st_mode & 07777), what, path);
		return -1;
	}
	owner_name(st.st_uid, owner, sizeof owner);
	if (st.st_uid != 0 && st.st_uid != reader && !(d->acct.known && st.st_uid == d->acct.uid)) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s: owned by %s, who may read the %s; "
				 "run: chown %s %s", path, owner, what,
				 d->acct.from_config ? "root" : d->acct.name, path);
		return -1;
	}
	if (reader != 0 && st.st_uid != reader) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s: owned by %s, so %s, who starts hotlined, "
				 "cannot read it; run: chown %s %s", path, owner, d->acct.name,
				 d->acct.name, path);
		return -1;
	}
	/* The contents, when this user may read them. */
	if (geteuid() != 0 && access(path, R_OK) != 0) {
		hl_doctor_report(d, HL_DOC_WARN, check, "%s: mode %04o, owner %s; cannot read it as "
				 "this user to check it: run hotline doctor as root", path,
				 (unsigned)(st.st_mode & 07777), owner);
		return 0;
	}
	if (kind == SECRET_KEY) {
		rc = hl_keys_file_is_encrypted(path, err, sizeof err);
		if (rc == 1)
			d->key_encrypted = 1;
		else if (rc == 0)
			rc = hl_keys_load_file(path, &d->id, err, sizeof err);
		d->id_tried = rc != 1;
	} else if (kind == SECRET_PSK) {
		uint8_t psk[HL_PSK_LEN];
		rc = hl_keys_load_psk(path, psk, err, sizeof err);
		sodium_memzero(psk, sizeof psk);
	} else {
		hl_passphrase pp = { NULL, 0 };
		rc = hl_passphrase_read_file(path, &pp, err, sizeof err);
		hl_passphrase_free(&pp);
	}
	if (rc < 0) {
		hl_doctor_report(d, HL_DOC_FAIL, check, "%s", err[0] ? err : hl_strerror(rc));
		return -1;
	}
	if (peer >= 0)
		d->psk_ok[peer] = 1;
	/* Root reads it when hotlined starts as root; a service manager that
	 * starts it as User directly (hotlined.service does) needs User's. */
	int root_only = d->acct.from_config && d->acct.known && d->acct.uid != 0 && st.st_uid == 0;
	enum hl_doctor_status verdict = (st.st_mode & 0100) || root_only ? HL_DOC_WARN : HL_DOC_OK;
	hl_doctor_report(d, verdict, check, "%s: mode %04o, owner %s%s%s%s%s%s", path,
			 (unsigned)(st.st_mode & 07777), owner,
			 kind == SECRET_KEY ? (d->key_encrypted ? ", encrypted" : ", not encrypted") : "",
			 st.st_mode & 0100 ? "; it need not be executable: chmod 600" : "",
			 root_only ? "; hotlined started as User (as by its systemd unit) cannot "
				     "read it: chown " : "",
			 root_only ? d->acct.name : "", root_only ? " it" : "");
	return 0;
}

const hl_identity *hl_doctor_identity(hl_doctor *d, char *why, size_t whylen)
{
	char err[HL_MAX_PATH + 256] = "";
	hl_passphrase pp = { NULL, 0 };
	int rc;

	why[0] = '\0';
	if (d->id)
		return d->id;
	if (!d->key_usable) {
		snprintf(why, whylen, "the private key did not pass its check");
		return NULL;
	}
	if (d->id_tried || !d->key_encrypted) {
		snprintf(why, whylen, "the private key cannot be read by this user");
		return NULL;
	}
	d->id_tried = 1;
	if (!d->cfg->passphrase_file[0]) {
		snprintf(why, whylen, "the private key is encrypted and there is no PassphraseFile");
		return NULL;
	}
	rc = hl_passphrase_read_file(d->cfg->passphrase_file, &pp, err, sizeof err);
	if (rc == 0)
		rc = hl_keys_load_file_pw(d->cfg->private_key_file, pp.p, pp.len, &d->id, err,
					  sizeof err);
	hl_passphrase_free(&pp);
	if (rc < 0)
		snprintf(why, whylen, "%s", err[0] ? err : hl_strerror(rc));
	return d->id;
}

/* The nearest existing directory at or above path, for statvfs and hints. */
static void existing_ancestor(const char *path, char *out, size_t outlen)
{
	struct stat st;
	char *slash;

	snprintf(out, outlen, "%s", path);
	while (stat(out, &st) != 0 && (slash = strrchr(out, '/')) != NULL) {
		if (slash == out) {
			out[1] = '\0';
			return;
		}
		*slash = '\0';
	}
}

/* Every directory above path must let the account through (search). */
static int check_parents(hl_doctor *d, const char *path, char *bad, size_t badlen)
{
	char p[HL_MAX_PATH + 1];
	struct stat st;

	snprintf(p, sizeof p, "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && !allows(&d->acct, &st, 1)) {
			snprintf(bad, badlen, "%s", p);
			return -1;
		}
		*s = '/';
	}
	return 0;
}

static void check_state_dir(hl_doctor *d)
{
	const char *dir = d->cfg->state_dir;
	char above[HL_MAX_PATH + 1], bad[HL_MAX_PATH + 1], owner[64];
	struct statvfs vfs;
	struct stat st;

	if (stat(dir, &st) != 0) {
		int e = errno;
		existing_ancestor(dir, above, sizeof above);
		char *slash = strrchr(dir, '/');
		size_t plen = slash ? (size_t)(slash - dir) : 0;
		if (e == ENOENT && strlen(above) == (plen ? plen : 1))
			hl_doctor_report(d, HL_DOC_WARN, "state dir", "%s: missing; hotlined creates it "
					 "(mode 0750) at start, or: install -d -m 700 -o %s %s", dir,
					 d->acct.name, dir);
		else if (e == ENOENT)
			hl_doctor_report(d, HL_DOC_FAIL, "state dir", "%s: missing, and so is its parent "
					 "(%s is the nearest existing directory); create it: install -d "
					 "-m 700 -o %s %s", dir, above, d->acct.name, dir);
		else
			hl_doctor_report(d, HL_DOC_FAIL, "state dir", "%s: %s", dir, strerror(e));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		hl_doctor_report(d, HL_DOC_FAIL, "state dir", "%s is not a directory; remove it or "
				 "point StateDir at a directory", dir);
		return;
	}
	if (st.st_mode & 022) {
		hl_doctor_report(d, HL_DOC_FAIL, "state dir", "%s: mode %04o is writable by group or "
				 "others, which hotlined refuses; run: chmod 700 %s", dir,
				 (unsigned)(st.st_mode & 07777), dir);
		return;
	}
	if (check_parents(d, dir, bad, sizeof bad) < 0) {
		hl_doctor_report(d, HL_DOC_FAIL, "state dir", "%s: %s cannot pass through %s; "
				 "let it (chmod o+x %s) or move StateDir", dir, d->acct.name, bad, bad);
		return;
	}
	if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		hl_doctor_report(d, HL_DOC_FAIL, "state dir", "%s is on a read-only file system", dir);
		return;
	}
	owner_name(st.st_uid, owner, sizeof owner);
	/* Started as root with User, hotlined hands StateDir to User, who then
	 * has the owner's bits; otherwise it runs as the caller. */
	int writable = d->acct.from_config
		? (d->acct.uid == 0 || (st.st_mode & 0700) == 0700)
		: access(dir, R_OK | W_OK | X_OK) == 0;
	if (!writable) {
		hl_doctor_report(d, HL_DOC_FAIL, "state dir", "%s: mode %04o, owner %s: not writable "
				 "by %s; run: chown %s %s && chmod 700 %s", dir,
				 (unsigned)(st.st_mode & 07777), owner, d->acct.name, d->acct.name, dir, dir);
		return;
	}
	if (st.st_mode & 07) {
		hl_doctor_report(d, HL_DOC_WARN, "state dir", "%s: mode %04o lets others list it; "
				 "run: chmod o-rwx %s", dir, (unsigned)(st.st_mode & 07777), dir);
		return;
	}
	if (d->acct.from_config && d->acct.known && st.st_uid != d->acct.uid) {
		hl_doctor_report(d, HL_DOC_WARN, "state dir", "%s: owner %s: hotlined started as root "
				 "hands it to %s, started as %s directly it cannot write it; run: chown "
				 "%s %s", dir, owner, d->acct.name, d->acct.name, d->acct.name, dir);
		return;
	}
	hl_doctor_report(d, HL_DOC_OK, "state dir", "%s: mode %04o, owner %s, writable by %s", dir,
			 (unsigned)(st.st_mode & 07777), owner, d->acct.name);
}

static void check_disk(hl_doctor *d)
{
	char at[HL_MAX_PATH + 1];
	struct statvfs v;

	existing_ancestor(d->cfg->state_dir, at, sizeof at);
	if (statvfs(at, &v) != 0) {
		hl_doctor_report(d, HL_DOC_WARN, "disk", "%s: cannot tell the free space: %s", at,
				 strerror(errno));
		return;
	}
	unsigned long long avail = (unsigned long long)v.f_bavail * v.f_frsize;
	double pct = v.f_blocks ? 100.0 * (double)v.f_bavail / (double)v.f_blocks : 0.0;
	int low = avail < DISK_MIN_FREE || pct < DISK_MIN_PCT;
	hl_doctor_report(d, low ? HL_DOC_WARN : HL_DOC_OK, "disk",
			 "%s: %.1f GiB free (%.0f%%)%s", at, (double)avail / (1024.0 * 1024.0 * 1024.0),
			 pct, low ? "; below 1 GiB or 5 %: make room before the store fills it" : "");
}

/* The kernel's view of NTP discipline; modes 0 only reads it. */
static void check_clock(hl_doctor *d)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof tx);
	state = ntp_adjtime(&tx);
	if (state < 0) {
		hl_doctor_report(d, HL_DOC_WARN, "clock", "cannot read the kernel clock state: %s",
				 strerror(errno));
		return;
	}
	if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
		hl_doctor_report(d, HL_DOC_WARN, "clock", "not synchronised (the kernel says STA_UNSYNC): "
				 "entry times and the peer's clock-skew alarm rely on it; run an NTP "
				 "client (systemd-timesyncd, chrony)");
		return;
	}
	if (tx.maxerror > CLOCK_MAX_ERROR_US) {
		hl_doctor_report(d, HL_DOC_WARN, "clock", "synchronised, but the maximum error is %ld ms; "
				 "check the NTP client's sources", tx.maxerror / 1000);
		return;
	}
	hl_doctor_report(d, HL_DOC_OK, "clock", "synchronised (maximum error %ld ms)",
			 tx.maxerror / 1000);
}

static void check_files(hl_doctor *d)
{
	const hl_config *c = d->cfg;
	char check[HL_MAX_NAME + 16];

	if (check_secret_file(d, "key", c->private_key_file, SECRET_KEY, -1) == 0)
		d->key_usable = 1;
	if (c->passphrase_file[0])
		check_secret_file(d, "passphrase", c->passphrase_file, SECRET_PASSPHRASE, -1);
	for (int i = 0; i < c->n_peers; i++) {
		if (!c->peers[i].psk_file[0])
			continue;
		snprintf(check, sizeof check, "psk %s", c->peers[i].name);
		check_secret_file(d, check, c->peers[i].psk_file, SECRET_PSK, i);
	}
}

static int parse_args(hl_doctor *d, int argc, char **argv)
{
	int dashdash = 0;

	for (int i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0)
			dashdash = 1;
		else if (!dashdash && strcmp(argv[i], "--no-handshake") == 0)
			d->handshake = 0;
		else if (!dashdash && argv[i][0] == '-')
			return fprintf(stderr, "hotline: doctor: unknown option '%s'\n", argv[i]), -1;
		else
			return fprintf(stderr, "hotline: doctor: unexpected argument '%s'\n", argv[i]), -1;
	}
	return 0;
}

int hl_cmd_doctor(const hl_cli *cli, int argc, char **argv)
{
	const char *path = cli->config_path ? cli->config_path : HL_DEFAULT_CONFIG;
	char err[HL_MAX_PATH + 512] = "";
	hl_doctor d;
	int status = 1;

	memset(&d, 0, sizeof d);
	d.cli = cli;
	d.handshake = 1;
	if (parse_args(&d, argc, argv) < 0)
		return 2;
	if (sodium_init() < 0) {
		fprintf(stderr, "hotline: doctor: libsodium failed to initialise\n");
		return 1;
	}
	if (cli->json && !(d.checks = json_array())) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	d.cfg = calloc(1, sizeof *d.cfg);
	if (!d.cfg) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	if (hl_config_load(path, d.cfg, err, sizeof err) < 0) {
		hl_doctor_report(&d, HL_DOC_FAIL, "config", "%s", err[0] ? err : path);
		goto report;
	}
	hl_doctor_report(&d, HL_DOC_OK, "config", "%s: station %s, %d peer%s", path, d.cfg->name,
			 d.cfg->n_peers, d.cfg->n_peers == 1 ? "" : "s");
	fill_account(&d);
	check_files(&d);
	check_state_dir(&d);
	check_disk(&d);
	check_clock(&d);
	hl_doctor_check_daemon(&d);
	hl_doctor_check_peers(&d);
report:
	if (d.checks) {
		json_t *o = json_pack("{s:b,s:i,s:i,s:i,s:O}", "ok", d.n_fail == 0, "passed", d.n_ok,
				      "warnings", d.n_warn, "failed", d.n_fail, "checks", d.checks);
		if (!o || hl_render_json_line(stdout, o) < 0) {
			json_decref(o);
			fprintf(stderr, "hotline: cannot write the report\n");
			goto out;
		}
		json_decref(o);
	} else {
		printf("%d ok, %d warn, %d FAIL\n", d.n_ok, d.n_warn, d.n_fail);
	}
	status = d.n_fail ? 1 : 0;
out:
	json_decref(d.checks);
	json_decref(d.status);
	hl_keys_free(d.id);
	free(d.cfg);
	return status;
}
