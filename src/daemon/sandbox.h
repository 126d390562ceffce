/* sandbox.h — hotlined's confinement after start-up: drop root to the
 * configured User, lock the keys in memory, then a seccomp allowlist that
 * kills the daemon on any other system call (docs/SANDBOX.md). */
#ifndef HL_SANDBOX_H
#define HL_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#include "config/config.h"

#define HL_SANDBOX_MAX_GROUPS 64

/* Who the daemon will run as, decided before anything is created. */
typedef struct {
	int drop;                /* started as root and User names another account */
	uid_t uid;
	gid_t gid;
	gid_t groups[HL_SANDBOX_MAX_GROUPS]; /* User's supplementary groups */
	int n_groups;
	char user[33];
} hl_sandbox;

/* First thing after the configuration is loaded, before any file is
 * created: makes the process non-dumpable (no secret in a core dump) and
 * decides whether and to whom root is dropped. Started as root, User must be
 * given: an unknown User, or none at all, is refused (HL_ERR_CONFIG, err one
 * line naming the fix); "User = root" keeps root with a warning at drop time.
 * Not root: nothing to drop. check_only (hotlined --check-config): an
 * unknown User is still an error, a missing one is not (the check may run
 * as root for a station that runs as another account). */
int hl_sandbox_prepare(hl_sandbox *sb, const hl_config *cfg, int check_only, char *err,
		       size_t errlen);

struct hl_daemon;
/* After hl_daemon_init, right before hl_daemon_run: locks the identity and
 * pre-shared keys in memory (a refusal is only a warning), hands StateDir
 * and the API socket to User and drops root for good (checked), then, unless
 * "Sandbox = no", installs the seccomp filter. A self-test for the tests:
 * with HOTLINE_SANDBOX_SELFTEST=NAME in the environment the running loop
 * makes the forbidden call NAME (ptrace, mount, bpf, socket-packet) about
 * one second after start-up, which must kill the daemon with SIGSYS.
 * Returns 0 or a negative HL_ERR_* with err set. */
int hl_sandbox_enter(const hl_sandbox *sb, struct hl_daemon *d, char *err, size_t errlen);

/* Sanitizer builds (make check-asan) add the calls of their runtime: LSan
 * stops the world with ptrace at exit. Decided at compile time. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HL_SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define HL_SANDBOX_SANITIZER 1
#endif
#endif
#ifndef HL_SANDBOX_SANITIZER
#define HL_SANDBOX_SANITIZER 0
#endif

/* The seccomp filter alone (also used by tests/unit/test_sandbox.c):
 * with_exec adds what an AlarmCommand child needs after fork (execve, the
 * dynamic loader, a shell). Installs it on the calling thread and all
 * threads; *n_allowed is the number of system calls allowed. */
int hl_sandbox_install_filter(int with_exec, int *n_allowed, char *err, size_t errlen);

struct uv_loop_s;
/* The test hook described at hl_sandbox_enter: arms a one-shot timer on
 * loop if HOTLINE_SANDBOX_SELFTEST names a known call; 0 if it is unset,
 * HL_ERR_CONFIG for an unknown name. */
int hl_sandbox_selftest_arm(struct uv_loop_s *loop, char *err, size_t errlen);

#endif
