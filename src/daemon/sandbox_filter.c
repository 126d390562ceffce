/* sandbox_filter.c — hotlined's seccomp policy: the system calls the running
 * daemon may make (an allowlist; anything else kills the process, as in
 * OpenSSH's sandbox-seccomp-filter.c), and the self-test that proves it. */
#include "sandbox.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <unistd.h>
#include <uv.h>

#include "util/err.h"
#include "util/log.h"

/* The event loop, the store and the crypto once start-up is over: found by
 * running every test under strace -f (docs/SANDBOX.md says how to redo it).
 * Names this architecture lacks (open, stat on arm64) are skipped. */
static const char *const base_calls[] = {
	/* files: SQLite (journal, locks, fsync of the directory), metrics */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"close", "open", "openat", "fstat", "newfstatat", "stat", "lstat", "statx", "lseek",
	"fcntl", "fsync", "fdatasync", "ftruncate", "fallocate", "unlink", "unlinkat",
	"rename", "renameat", "renameat2", "chmod", "fchmod", "access", "faccessat",
	"faccessat2", "readlink", "readlinkat", "getcwd",
	/* memory: malloc, sodium_malloc's guard pages and locking */
	"brk", "munmap", "mremap", "madvise", "mlock", "munlock",
	/* libuv: epoll and the sockets it already holds or accepts */
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "accept", "accept4",
	"connect", "getsockname", "getpeername", "shutdown", "sendmsg", "recvmsg", "sendto",
	"recvfrom",
	/* time, randomness (libsodium), locks, signals, identity, exit */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
	"getrandom", "futex", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "restart_syscall", "exit",
	"exit_group",
	/* glibc's qsort asks for the memory size */
	"sysinfo",
};

/* With an AlarmCommand: libuv forks and the child inherits this filter, so
 * the command itself (a shell script and ordinary tools: loader, pipes,
 * subprocesses, files, TCP/UDP) must live with it. */
static const char *const exec_calls[] = {
	"execve", "wait4", "waitid", "kill", "tkill", "vfork", "fork", "pipe", "pipe2",
	"dup", "dup2", "dup3", "chdir", "fchdir", "arch_prctl", "set_tid_address",
	"set_robust_list", "rseq", "prlimit64", "getrlimit", "getppid", "getpgrp",
	"getpgid", "getsid", "getresuid", "getresgid", "getgroups", "uname", "umask",
	"getdents", "getdents64", "statfs", "fstatfs", "fadvise64", "sched_getaffinity",
	"sched_yield", "poll", "ppoll", "select", "pselect6", "alarm", "setitimer",
	"getitimer", "mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat",
	"utimensat", "sigaltstack", "rt_sigsuspend", "rt_sigtimedwait", "pause", "times",
	"getpriority", "bind", "socketpair", "fchown", "fchownat", "copy_file_range",
	"sendfile", "flock", "memfd_create", "getxattr", "lgetxattr", "fgetxattr", "fchmodat",
	"setpgid", "timer_create", "timer_settime", "timer_delete",
};

/* Namespaces from clone: the way to new kernel attack surface. */
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
		  CLONE_NEWNET | CLONE_NEWCGROUP)

struct filter {
	scmp_filter_ctx ctx;
	int allowed[512];   /* syscall numbers with an allow rule, to count them */
	int n;
	int rc;
	const char *failed;
};

static void count(struct filter *f, int nr)
{
	for (int i = 0; i < f->n; i++)
		if (f->allowed[i] == nr)
			return;
	if (f->n < (int)(sizeof f->allowed / sizeof f->allowed[0]))
		f->allowed[f->n++] = nr;
}

/* One rule; the first failure is kept (libseccomp's negative errno). */
static void rule(struct filter *f, uint32_t action, const char *name, unsigned nargs,
		 const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (f->rc < 0 || nr == __NR_SCMP_ERROR)
		return;
	int rc = seccomp_rule_add_array(f->ctx, action, nr, nargs, args);
	if (rc < 0) {
		f->rc = rc;
		f->failed = name;
		return;
	}
	if (action == SCMP_ACT_ALLOW)
		count(f, nr);
}

/* Built here, not with SCMP_A0(...): those leave datum_b to the compiler
 * and clang's -Wmissing-field-initializers says so. */
static struct scmp_arg_cmp cmp(unsigned arg, enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp c = { .arg = arg, .op = op, .datum_a = a, .datum_b = b };
	return c;
}

/* Argument arg equals v; argument arg masked with mask equals v. */
static struct scmp_arg_cmp eq(unsigned arg, scmp_datum_t v)
{
	return cmp(arg, SCMP_CMP_EQ, v, 0);
}

static struct scmp_arg_cmp masked(unsigned arg, scmp_datum_t mask, scmp_datum_t v)
{
	return cmp(arg, SCMP_CMP_MASKED_EQ, mask, v);
}

static void allow(struct filter *f, const char *name)
{
	rule(f, SCMP_ACT_ALLOW, name, 0, NULL);
}

static void allow1(struct filter *f, const char *name, struct scmp_arg_cmp a)
{
	rule(f, SCMP_ACT_ALLOW, name, 1, &a);
}

static void allow2(struct filter *f, const char *name, struct scmp_arg_cmp a, struct scmp_arg_cmp b)
{
	const struct scmp_arg_cmp args[2] = { a, b };
	rule(f, SCMP_ACT_ALLOW, name, 2, args);
}

/* Calls allowed only with some arguments. */
static void restricted(struct filter *f, int with_exec)
{
	static const int domains[] = { AF_UNIX, AF_INET, AF_INET6 };
	static const int levels[] = { SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP };
	static const unsigned long base_ioctls[] = { FIONBIO, FIOCLEX, FIONCLEX };
	/* A tool asking whether its output is a terminal, and how wide; cp
	 * trying a reflink first. */
	static const unsigned long exec_ioctls[] = { TCGETS, TIOCGWINSZ, TIOCGPGRP, FIONREAD,
						     FICLONE };
	/* Queries (util-linux probes the capability bounding set). */
	static const int exec_prctls[] = { PR_CAPBSET_READ, PR_GET_NAME, PR_SET_NAME,
					   PR_GET_DUMPABLE, PR_SET_PDEATHSIG };

	/* Sockets: Unix and IP only (no netlink, packet, raw, vsock ...); the
	 * daemon itself only ever makes stream sockets. */
	for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
		allow2(f, "socket", eq(0, (scmp_datum_t)domains[i]),
		       masked(1, 0xf, SOCK_STREAM));
		if (with_exec)
			allow2(f, "socket", eq(0, (scmp_datum_t)domains[i]),
			       masked(1, 0xf, SOCK_DGRAM));
	}
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		allow1(f, "setsockopt", eq(1, (scmp_datum_t)levels[i]));
		allow1(f, "getsockopt", eq(1, (scmp_datum_t)levels[i]));
	}
	for (size_t i = 0; i < sizeof base_ioctls / sizeof base_ioctls[0]; i++)
		allow1(f, "ioctl", eq(1, base_ioctls[i]));
	/* abort() and raise() signal this process only. */
	allow1(f, "tgkill", eq(0, (scmp_datum_t)getpid()));
	if (!with_exec) {
		/* No new machine code once running: nothing is loaded after
		 * start-up (NSS modules were loaded before the filter). */
		allow1(f, "mprotect", masked(2, PROT_EXEC, 0));
		allow1(f, "mmap", masked(2, PROT_EXEC, 0));
		return;
	}
	/* The child's dynamic loader maps libraries executable. */
	allow(f, "mprotect");
	allow(f, "mmap");
	for (size_t i = 0; i < sizeof exec_ioctls / sizeof exec_ioctls[0]; i++)
		allow1(f, "ioctl", eq(1, exec_ioctls[i]));
	/* (sanitizer builds add their own prctl options, a superset) */
	if (!HL_SANDBOX_SANITIZER)
		for (size_t i = 0; i < sizeof exec_prctls / sizeof exec_prctls[0]; i++)
			allow1(f, "prctl", eq(0, (scmp_datum_t)exec_prctls[i]));
	/* fork (glibc uses clone) but no namespaces; s390 has flags second. */
#if !defined(__s390__) && !defined(__s390x__)
	allow1(f, "clone", masked(0, NS_FLAGS, 0));
#endif
	/* clone3 hides its flags behind a pointer: ENOSYS makes glibc fall
	 * back to clone, whose flags are checked above. */
	rule(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	allow1(f, "socketpair", eq(0, AF_UNIX));
	/* getaddrinfo probes interfaces over netlink and copes without. */
	const struct scmp_arg_cmp netlink = eq(0, AF_NETLINK);
	rule(f, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &netlink);
}

/* LeakSanitizer stops the world at exit: a clone'd tracer attaches to
 * every thread with ptrace, after making the process dumpable. Only the
 * requests it makes; PTRACE_PEEKDATA (the self-test) stays forbidden. */
static void sanitizer(struct filter *f)
{
	static const long requests[] = { PTRACE_ATTACH, PTRACE_DETACH, PTRACE_CONT,
					 PTRACE_GETREGS, PTRACE_GETFPREGS, PTRACE_GETREGSET,
					 PTRACE_PEEKUSER };
	static const int options[] = { PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_SET_PTRACER,
				       PR_SET_PDEATHSIG, PR_GET_NAME, PR_SET_NAME,
				       PR_CAPBSET_READ };

	for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
		allow1(f, "ptrace", eq(0, (scmp_datum_t)requests[i]));
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		allow1(f, "prctl", eq(0, (scmp_datum_t)options[i]));
}

int hl_sandbox_install_filter(int with_exec, int *n_allowed, char *err, size_t errlen)
{
	struct filter *f = calloc(1, sizeof *f);
	int rc = HL_ERR_NOMEM;

	*n_allowed = 0;
	if (!f) {
		snprintf(err, errlen, "seccomp: out of memory");
		return rc;
	}
	/* A sanitizer's error report runs a symbolizer: fork and exec. */
	if (HL_SANDBOX_SANITIZER)
		with_exec = 1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "seccomp: cannot set no_new_privs: %s", strerror(errno));
		rc = HL_ERR_IO;
		goto out;
	}
	f->ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!f->ctx) {
		snprintf(err, errlen, "seccomp: cannot start a filter (libseccomp)");
		goto out;
	}
	/* Every thread, should a library have started one. */
	f->rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; i < sizeof base_calls / sizeof base_calls[0]; i++)
		allow(f, base_calls[i]);
	if (with_exec)
		for (size_t i = 0; i < sizeof exec_calls / sizeof exec_calls[0]; i++)
			allow(f, exec_calls[i]);
	restricted(f, with_exec);
	if (HL_SANDBOX_SANITIZER)
		sanitizer(f);
	if (f->rc < 0) {
		snprintf(err, errlen, "seccomp: cannot add the rule for %s: %s",
			 f->failed ? f->failed : "threads", strerror(-f->rc));
		rc = HL_ERR_IO;
		goto out;
	}
	f->rc = seccomp_load(f->ctx);
	if (f->rc < 0) {
		snprintf(err, errlen, "seccomp: the kernel refused the filter: %s "
			 "(Sandbox = no runs without it)", strerror(-f->rc));
		rc = HL_ERR_IO;
		goto out;
	}
	*n_allowed = f->n;
	rc = 0;
out:
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f);
	return rc;
}

/* ---- the self-test hook (HOTLINE_SANDBOX_SELFTEST) ---- */

static const char *const selftests[] = { "ptrace", "mount", "bpf", "socket-packet" };

typedef struct {
	uv_timer_t timer;
	int which;
} selftest;

static void selftest_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Each call is harmless should it be allowed after all. */
static void selftest_fire(uv_timer_t *t)
{
	selftest *st = t->data;
	const char *name = selftests[st->which];
	long r = -1;

	hl_log(HL_LOG_NOTICE, "sandbox self-test: calling %s, which the filter forbids", name);
	switch (st->which) {
	case 0:
		r = syscall(SYS_ptrace, PTRACE_PEEKDATA, (long)getpid(), NULL, NULL);
		break;
	case 1:
		r = syscall(SYS_mount, "none", "/nonexistent/hotline-selftest", "tmpfs", 0L, NULL);
		break;
	case 2:
		r = syscall(SYS_bpf, -1L, NULL, 0L);
		break;
	case 3:
		r = syscall(SYS_socket, (long)AF_PACKET, (long)SOCK_RAW, 0L);
		if (r >= 0)
			close((int)r);
		break;
	}
	hl_log(HL_LOG_ERR, "sandbox self-test: %s returned %ld (%s): it was not stopped", name, r,
	       r < 0 ? strerror(errno) : "success");
	uv_close((uv_handle_t *)t, selftest_closed);
}

int hl_sandbox_selftest_arm(struct uv_loop_s *loop, char *err, size_t errlen)
{
	const char *v = getenv("HOTLINE_SANDBOX_SELFTEST");
	selftest *st;
	int which = -1;

	if (!v || !v[0])
		return 0;
	for (size_t i = 0; i < sizeof selftests / sizeof selftests[0]; i++)
		if (strcmp(v, selftests[i]) == 0)
			which = (int)i;
	if (which < 0) {
		snprintf(err, errlen, "HOTLINE_SANDBOX_SELFTEST=%.32s: unknown (ptrace, mount, bpf, "
			 "socket-packet)", v);
		return HL_ERR_CONFIG;
	}
	st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "sandbox self-test: out of memory");
		return HL_ERR_NOMEM;
	}
	st->which = which;
	uv_timer_init(loop, &st->timer);
	st->timer.data = st;
	/* A second: long enough for a test to see the station answer first. */
	uv_timer_start(&st->timer, selftest_fire, 1000, 0);
	uv_unref((uv_handle_t *)&st->timer);
	hl_log(HL_LOG_WARN, "sandbox self-test armed: %s in 1 s (HOTLINE_SANDBOX_SELFTEST)", v);
	return 0;
}
