/* sandbox.c — hotlined's confinement: root dropped to User after start-up,
 * keys locked in memory, then a seccomp allowlist (libseccomp) that kills
 * the daemon on any system call it does not need. See docs/SANDBOX.md. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "util/err.h"
#include "util/log.h"

int hl_sandbox_prepare(hl_sandbox *sb, const hl_config *cfg, int check_only, char *err,
		       size_t errlen)
{
	const struct rlimit no_core = { 0, 0 };
	struct passwd *pw;
	int n;

	memset(sb, 0, sizeof *sb);
	/* Before the first key is read: no core file, no ptrace by our own
	 * uid, no /proc/PID/mem for it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot make the process non-dumpable: %s", strerror(errno));
		return HL_ERR_IO;
	}
	(void)setrlimit(RLIMIT_CORE, &no_core);
	/* Also loads the NSS modules now: the API looks up operators' names
	 * with getpwuid_r once the filter allows no more dlopen. */
	(void)getpwuid(getuid());
	if (geteuid() != 0 && !check_only) {
		if (cfg->user[0] && (!(pw = getpwnam(cfg->user)) || pw->pw_uid != geteuid()))
			hl_log(HL_LOG_WARN, "User = %s ignored: not started as root", cfg->user);
		return 0;
	}
	if (!cfg->user[0]) {
		if (check_only)
			return 0;
		snprintf(err, errlen, "%s: started as root without User: add \"User = ACCOUNT\" to [Station] "
			 "(an unprivileged account to run as), or \"User = root\" to keep root", cfg->path);
		return HL_ERR_CONFIG;
	}
	pw = getpwnam(cfg->user);
	if (!pw) {
		snprintf(err, errlen, "%s: User %s: no such user (create it: useradd --system %s)",
			 cfg->path, cfg->user, cfg->user);
		return HL_ERR_CONFIG;
	}
	snprintf(sb->user, sizeof sb->user, "%s", cfg->user);
	if (pw->pw_uid == 0)
		return 0; /* root kept on request: warned about in hl_sandbox_enter */
	sb->drop = 1;
	sb->uid = pw->pw_uid;
	sb->gid = pw->pw_gid;
	n = HL_SANDBOX_MAX_GROUPS;
	if (getgrouplist(cfg->user, pw->pw_gid, sb->groups, &n) < 0) {
		snprintf(err, errlen, "%s: User %s is in more than %d groups", cfg->path, cfg->user,
			 HL_SANDBOX_MAX_GROUPS);
		return HL_ERR_CONFIG;
	}
	sb->n_groups = n;
	return 0;
}

/* Keys in memory that is never swapped nor dumped. sodium_malloc tries to
 * lock the identity already but ignores a refusal; here it is reported.
 * The PSKs sit in the daemon's lines (plain heap): their pages are locked
 * too. RLIMIT_MEMLOCK may refuse once root is gone, so this runs first. */
static void lock_keys(hl_daemon *d)
{
	int failed = 0, saved = 0;

	if (d->core.id && sodium_mlock(d->core.id, sizeof *d->core.id) != 0) {
		failed = 1;
		saved = errno;
	}
	for (int i = 0; i < d->core.n_lines; i++) {
		if (d->core.lines[i].has_psk && sodium_mlock(d->core.lines[i].psk, sizeof d->core.lines[i].psk) != 0) {
			failed = 1;
			saved = errno;
		}
	}
	if (failed)
		hl_log(HL_LOG_WARN, "cannot lock the keys in memory (%s): they may be swapped to disk; "
		       "raise RLIMIT_MEMLOCK (LimitMEMLOCK= in the unit)", strerror(saved));
}

/* Hands one entry to User without following a symbolic link. */
static int give(int dirfd, const char *name, const char *shown, const hl_sandbox *sb, char *err,
		size_t errlen)
{
	if (fchownat(dirfd, name, sb->uid, sb->gid, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	snprintf(err, errlen, "%s: cannot hand over to User %s: %s", shown, sb->user, strerror(errno));
	return HL_ERR_IO;
}

/* StateDir and what root created in it (the database and its journal
 * files), and the API socket wherever it is, become User's: the daemon
 * writes them after the drop. Not recursive: StateDir holds no directory. */
static int give_state(const hl_sandbox *sb, const hl_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	struct dirent *e;
	int rc = 0;
	int fd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

	if (!dir) {
		snprintf(err, errlen, "StateDir %s: %s", cfg->state_dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return HL_ERR_IO;
	}
	while (rc == 0 && (e = readdir(dir))) {
		char shown[HL_MAX_PATH + 300];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(shown, sizeof shown, "%s/%s", cfg->state_dir, e->d_name);
		rc = give(fd, e->d_name, shown, sb, err, errlen);
	}
	if (rc == 0)
		rc = give(fd, ".", cfg->state_dir, sb, err, errlen);
	closedir(dir);
	/* Socket may be outside StateDir: only ever chown the socket itself. */
	if (rc == 0 && lstat(cfg->socket_path, &st) == 0 && S_ISSOCK(st.st_mode))
		rc = give(AT_FDCWD, cfg->socket_path, cfg->socket_path, sb, err, errlen);
	return rc;
}

static int drop_root(const hl_sandbox *sb, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setgroups((size_t)sb->n_groups, sb->groups) != 0 ||
	    setresgid(sb->gid, sb->gid, sb->gid) != 0 || setresuid(sb->uid, sb->uid, sb->uid) != 0) {
		snprintf(err, errlen, "cannot switch to User %s: %s", sb->user, strerror(errno));
		return HL_ERR_PERM;
	}
	/* As OpenSSH's permanently_set_uid: prove the way back is closed. */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    ru != sb->uid || eu != sb->uid || su != sb->uid ||
	    rg != sb->gid || eg != sb->gid || sg != sb->gid ||
	    setuid(0) != -1 || seteuid(0) != -1 || (sb->gid != 0 && setgid(0) != -1)) {
		snprintf(err, errlen, "dropping root to User %s did not hold: refusing to run", sb->user);
		return HL_ERR_PERM;
	}
	return 0;
}

/* What the daemon touches by name after the drop must be reachable as User:
 * SQLite creates its journal files in StateDir; MetricsFile is replaced by
 * a rename in its directory. */
static int check_reach(const hl_sandbox *sb, const hl_config *cfg, char *err, size_t errlen)
{
	if (access(cfg->state_dir, R_OK | W_OK | X_OK) != 0) {
		snprintf(err, errlen, "StateDir %s: not usable by User %s (%s): let it reach the directory "
			 "(mode of each parent)", cfg->state_dir, sb->user, strerror(errno));
		return HL_ERR_PERM;
	}
	if (cfg->metrics_file[0]) {
		char dir[HL_MAX_PATH + 1];
		snprintf(dir, sizeof dir, "%s", cfg->metrics_file);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir)
			*slash = '\0';
		else if (slash)
			dir[1] = '\0';
		if (access(dir, W_OK | X_OK) != 0) {
			snprintf(err, errlen, "MetricsFile %s: directory %s not writable by User %s (%s)",
				 cfg->metrics_file, dir, sb->user, strerror(errno));
			return HL_ERR_PERM;
		}
	}
	if (cfg->alarm_command[0] && access(cfg->alarm_command, X_OK) != 0)
		hl_log(HL_LOG_WARN, "AlarmCommand %s: not executable by User %s (%s)", cfg->alarm_command,
		       sb->user, strerror(errno));
	return 0;
}

int hl_sandbox_enter(const hl_sandbox *sb, hl_daemon *d, char *err, size_t errlen)
{
	const hl_config *cfg = d->core.cfg;
	const char *profile;
	int rc, n = 0;

	lock_keys(d);
	if (sb->drop) {
		rc = give_state(sb, cfg, err, errlen);
		if (rc == 0)
			rc = drop_root(sb, err, errlen);
		if (rc == 0)
			rc = check_reach(sb, cfg, err, errlen);
		if (rc < 0)
			return rc;
		hl_log(HL_LOG_NOTICE, "running as User %s (uid %u, gid %u); root dropped for good",
		       sb->user, (unsigned)sb->uid, (unsigned)sb->gid);
	} else if (geteuid() == 0) {
		hl_log(HL_LOG_WARN, "running as root (User = %s): a flaw in the daemon would give the host "
		       "away; set User to an unprivileged account", sb->user);
	}
	/* A change of uid resets "dumpable" to fs.suid_dumpable, which may
	 * be 2: set it again for the life of the process. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot make the process non-dumpable: %s", strerror(errno));
		return HL_ERR_IO;
	}
	if (!cfg->sandbox) {
		hl_log(HL_LOG_WARN, "sandbox off (Sandbox = no): no seccomp filter, every system call allowed");
		return hl_sandbox_selftest_arm(&d->core.loop, err, errlen);
	}
	rc = hl_sandbox_install_filter(cfg->alarm_command[0] != 0, &n, err, errlen);
	if (rc < 0)
		return rc;
	/* Sanitizer builds always carry the exec calls (their symbolizer). */
	profile = cfg->alarm_command[0] ? "daemon + AlarmCommand (exec)"
		  : HL_SANDBOX_SANITIZER ? "daemon + exec" : "daemon";
	hl_log(HL_LOG_NOTICE, "sandbox on: seccomp allowlist of %d system calls (%s%s), any other "
	       "kills the daemon", n, profile, HL_SANDBOX_SANITIZER ? " + sanitizer runtime" : "");
	return hl_sandbox_selftest_arm(&d->core.loop, err, errlen);
}
