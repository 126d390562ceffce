/* test_sandbox.c — the seccomp policy itself: in a forked child with the
 * filter installed, what the daemon needs passes, what it must never do
 * (ptrace, mount, bpf, packet sockets, executable mappings, namespaces)
 * kills the child with SIGSYS, and the soft denials answer with errno. */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/sandbox.h"

/* Child exit codes: 0 all passed, 10+n check n failed; SIGSYS if killed. */
#define CHILD_CHECK(n, cond) do { if (!(cond)) _exit(10 + (n)); } while (0)

static int in_filter(int with_exec, void (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		char err[256];
		int n = 0;
		if (hl_sandbox_install_filter(with_exec, &n, err, sizeof err) < 0 || n < 40)
			_exit(3);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void assert_killed(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void assert_passed(int status)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void daemon_calls(void)
{
	int s;
	char b = 'x';
	uint8_t r[16];
	struct timespec ts;

	CHILD_CHECK(1, getpid() > 0 && clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	CHILD_CHECK(2, getrandom(r, sizeof r, 0) == (ssize_t)sizeof r);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHILD_CHECK(3, s >= 0 && close(s) == 0);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHILD_CHECK(4, s >= 0);
	int one = 1;
	CHILD_CHECK(5, setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
	close(s);
	void *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHILD_CHECK(6, m != MAP_FAILED && mprotect(m, 4096, PROT_NONE) == 0);
	CHILD_CHECK(7, write(STDOUT_FILENO, &b, 0) == 0);
}

static void t_daemon_calls_pass(void **state)
{
	(void)state;
	assert_passed(in_filter(0, daemon_calls));
	assert_passed(in_filter(1, daemon_calls));
}

static void do_ptrace(void) { syscall(SYS_ptrace, PTRACE_PEEKDATA, (long)getpid(), NULL, NULL); }
static void do_mount(void) { syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0L, NULL); }
static void do_bpf(void) { syscall(SYS_bpf, -1L, NULL, 0L); }
static void do_packet(void) { syscall(SYS_socket, (long)AF_PACKET, (long)SOCK_RAW, 0L); }
static void do_netlink(void) { syscall(SYS_socket, (long)AF_NETLINK, (long)SOCK_RAW, 0L); }
static void do_udp(void) { syscall(SYS_socket, (long)AF_INET, (long)SOCK_DGRAM, 0L); }
static void do_tiocsti(void) { char c = 'x'; ioctl(-1, TIOCSTI, &c); }
static void do_pvm(void) { syscall(SYS_process_vm_readv, (long)getppid(), NULL, 0L, NULL, 0L, 0L); }
static void do_setsockopt_packet(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), v = 0;
	setsockopt(s, 263 /* SOL_PACKET */, 1, &v, sizeof v);
}
static void do_exec_map(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
static void do_new_userns(void)
{
	syscall(SYS_clone, (long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0L);
	_exit(0); /* should the child of a permitted clone get here */
}

/* Forbidden in every profile, sanitizer builds included. */
static void t_forbidden_kill(void **state)
{
	void (*calls[])(void) = { do_ptrace, do_mount, do_bpf, do_packet, do_tiocsti, do_pvm,
				  do_setsockopt_packet };
	(void)state;
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		assert_killed(in_filter(0, calls[i]));
		assert_killed(in_filter(1, calls[i]));
	}
	assert_killed(in_filter(1, do_new_userns));
}

/* The daemon alone: no UDP, no netlink, no executable memory. Sanitizer
 * builds always carry the exec profile (their symbolizer forks). */
static void t_daemon_profile_narrower(void **state)
{
	(void)state;
	if (HL_SANDBOX_SANITIZER)
		skip();
	assert_killed(in_filter(0, do_udp));
	assert_killed(in_filter(0, do_netlink));
	assert_killed(in_filter(0, do_exec_map));
}

static void exec_profile(void)
{
	int status = -1;
	pid_t pid;

	/* clone3 answers ENOSYS (glibc falls back to clone) */
	errno = 0;
	CHILD_CHECK(0, syscall(SYS_clone3, NULL, (size_t)0) == -1 && errno == ENOSYS);
	/* netlink answers EAFNOSUPPORT (getaddrinfo copes) */
	errno = 0;
	CHILD_CHECK(1, socket(AF_NETLINK, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	CHILD_CHECK(2, s >= 0 && close(s) == 0);
	/* an AlarmCommand: fork, exec a shell pipeline, wait */
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "x=$(echo ok | tr a-z A-Z); [ \"$x\" = OK ]", (char *)NULL);
		_exit(127);
	}
	CHILD_CHECK(3, pid > 0 && waitpid(pid, &status, 0) == pid);
	CHILD_CHECK(4, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void t_exec_profile(void **state)
{
	(void)state;
	assert_passed(in_filter(1, exec_profile));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_daemon_calls_pass),
		cmocka_unit_test(t_forbidden_kill),
		cmocka_unit_test(t_daemon_profile_narrower),
		cmocka_unit_test(t_exec_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
