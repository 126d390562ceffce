/* test_sdnotify.c — the sd_notify datagrams, received on real AF_UNIX
 * sockets (a path and an abstract name), the refused NOTIFY_SOCKET values,
 * and a send made under hotlined's seccomp filter. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/err.h"
#include "daemon/sandbox.h"
#include "daemon/sdnotify.h"
#include "testutil.h"

/* A listening datagram socket, as the service manager holds one. */
typedef struct {
	char dir[80];
	char value[100];   /* what NOTIFY_SOCKET would say; fits sun_path */
	int fd;
} receiver;

static int setup_path(void **state)
{
	receiver *r = calloc(1, sizeof *r);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };

	if (!r || tu_mkdtemp(r->dir, sizeof r->dir, "sdnotify") < 0)
		return -1;
	if (snprintf(r->value, sizeof r->value, "%.70s/notify", r->dir) >= (int)sizeof r->value)
		return -1;
	memcpy(sun.sun_path, r->value, strlen(r->value) + 1);
	r->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
		return -1;
	*state = r;
	return 0;
}

static int setup_abstract(void **state)
{
	receiver *r = calloc(1, sizeof *r);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	unsigned salt;
	size_t n;

	if (!r)
		return -1;
	r->dir[0] = '\0';
	if (getentropy(&salt, sizeof salt) != 0)
		return -1;
	snprintf(r->value, sizeof r->value, "@hotline-test-%ld-%08x", (long)getpid(), salt);
	n = strlen(r->value);
	memcpy(sun.sun_path, r->value, n);
	sun.sun_path[0] = '\0';
	r->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->fd < 0 ||
	    bind(r->fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) != 0 ||
	    setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	receiver *r = *state;

	if (r->fd >= 0)
		close(r->fd);
	if (r->dir[0])
		tu_rmrf(r->dir);
	free(r);
	return 0;
}

/* One datagram into buf (NUL-terminated); its length, or -1. */
static ssize_t receive(const receiver *r, char *buf, size_t size)
{
	ssize_t n = recv(r->fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static void test_ready_and_stopping(void **state)
{
	receiver *r = *state;
	hl_sdnotify n;
	char err[256] = "", buf[2048];

	assert_int_equal(hl_sdnotify_open(&n, r->value, err, sizeof err), 0);
	assert_true(n.fd >= 0);
	assert_true(fcntl(n.fd, F_GETFD) & FD_CLOEXEC); /* not inherited by AlarmCommand */

	assert_int_equal(hl_sdnotify_ready(&n, NULL), 0);
	assert_int_equal(receive(r, buf, sizeof buf), 7);
	assert_string_equal(buf, "READY=1");

	assert_int_equal(hl_sdnotify_ready(&n, "station washington: 2 line(s)"), 0);
	receive(r, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=station washington: 2 line(s)");

	assert_int_equal(hl_sdnotify_stopping(&n, "SIGTERM"), 0);
	receive(r, buf, sizeof buf);
	assert_string_equal(buf, "STOPPING=1\nSTATUS=SIGTERM");

	assert_int_equal(hl_sdnotify_send(&n, "WATCHDOG=1"), 0);
	receive(r, buf, sizeof buf);
	assert_string_equal(buf, "WATCHDOG=1");
	hl_sdnotify_close(&n);
	assert_int_equal(n.fd, -1);
	hl_sdnotify_close(&n); /* twice is harmless */
}

static void test_reloading_has_monotonic_time(void **state)
{
	receiver *r = *state;
	hl_sdnotify n;
	struct timespec before, after;
	unsigned long long us = 0, lo, hi;
	char err[256] = "", buf[2048];

	assert_int_equal(hl_sdnotify_open(&n, r->value, err, sizeof err), 0);
	clock_gettime(CLOCK_MONOTONIC, &before);
	assert_int_equal(hl_sdnotify_reloading(&n, "reloading hotline.conf"), 0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	receive(r, buf, sizeof buf);
	assert_int_equal(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27), 0);
	assert_int_equal(sscanf(buf + 27, "%llu", &us), 1);
	lo = (unsigned long long)before.tv_sec * 1000000ull + (unsigned long long)before.tv_nsec / 1000u;
	hi = (unsigned long long)after.tv_sec * 1000000ull + (unsigned long long)after.tv_nsec / 1000u;
	assert_true(us >= lo && us <= hi);
	assert_non_null(strstr(buf, "\nSTATUS=reloading hotline.conf"));
	hl_sdnotify_close(&n);
}

/* A status from the configuration must not add assignments of its own. */
static void test_status_stays_one_line(void **state)
{
	receiver *r = *state;
	hl_sdnotify n;
	char err[256] = "", buf[4096], big[3000];

	assert_int_equal(hl_sdnotify_open(&n, r->value, err, sizeof err), 0);
	assert_int_equal(hl_sdnotify_ready(&n, "a\nREADY=0\tb"), 0);
	receive(r, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=a READY=0 b");

	/* A long status is cut to the message size, never sent beyond it. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(hl_sdnotify_ready(&n, big), 0);
	assert_int_equal(receive(r, buf, sizeof buf), HL_SDNOTIFY_MAX);
	assert_int_equal(strncmp(buf, "READY=1\nSTATUS=xxx", 18), 0);
	assert_int_equal(hl_sdnotify_send(&n, big), HL_ERR_TOOBIG);
	hl_sdnotify_close(&n);
}

static void test_no_manager_is_a_no_op(void **state)
{
	hl_sdnotify n;
	char err[64] = "";

	(void)state;
	n.fd = 42;
	assert_int_equal(hl_sdnotify_open(&n, NULL, err, sizeof err), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(hl_sdnotify_open(&n, "", err, sizeof err), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(hl_sdnotify_ready(&n, "x"), 0);
	assert_int_equal(hl_sdnotify_stopping(&n, NULL), 0);
	assert_int_equal(hl_sdnotify_reloading(&n, NULL), 0);
	assert_string_equal(err, "");
	hl_sdnotify_close(&n);
}

static void test_bad_values(void **state)
{
	static const char *const bad[] = {
		"notify", "./notify", "vsock:2:1234", "@",
	};
	hl_sdnotify n;
	char err[512], longpath[200];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		n.fd = 42;
		assert_int_equal(hl_sdnotify_open(&n, bad[i], err, sizeof err), HL_ERR_INVAL);
		assert_int_equal(n.fd, -1);
		assert_non_null(strstr(err, "NOTIFY_SOCKET"));
	}
	/* sun_path holds 108 bytes with the NUL. */
	longpath[0] = '/';
	memset(longpath + 1, 'a', 107);
	longpath[108] = '\0';
	assert_int_equal(hl_sdnotify_open(&n, longpath, err, sizeof err), HL_ERR_INVAL);
	assert_int_equal(n.fd, -1);
	/* Well formed, but nobody listens there. */
	assert_int_equal(hl_sdnotify_open(&n, "/nonexistent/hotline-notify", err, sizeof err),
			 HL_ERR_IO);
	assert_int_equal(n.fd, -1);
	assert_non_null(strstr(err, "No such file"));
}

/* The manager went away: reported, not ignored, and not fatal. */
static void test_receiver_gone(void **state)
{
	receiver *r = *state;
	hl_sdnotify n;
	char err[256] = "";

	assert_int_equal(hl_sdnotify_open(&n, r->value, err, sizeof err), 0);
	close(r->fd);
	r->fd = -1;
	assert_int_equal(hl_sdnotify_ready(&n, NULL), HL_ERR_IO);
	hl_sdnotify_close(&n);
}

/* valgrind's core is preloaded into the program it runs. */
static int under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "vgpreload") != NULL;
}

/* hotlined connects before the sandbox and sends under it: the send must be
 * a call the filter allows (a forbidden one kills the child with SIGSYS). */
static void test_send_under_the_filter(void **state)
{
	receiver *r = *state;
	hl_sdnotify n;
	char err[256] = "", buf[256];
	int status = -1;
	pid_t pid;

	assert_int_equal(hl_sdnotify_open(&n, r->value, err, sizeof err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int allowed = 0;
		if (hl_sandbox_install_filter(0, &allowed, err, sizeof err) < 0)
			_exit(3);
		if (hl_sdnotify_ready(&n, "under the filter") < 0 || hl_sdnotify_stopping(&n, NULL) < 0)
			_exit(4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 3 && under_valgrind()) {
		hl_sdnotify_close(&n);
		skip(); /* memcheck has no seccomp(2) (Makefile: VALGRIND_SKIP) */
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	receive(r, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=under the filter");
	receive(r, buf, sizeof buf);
	assert_string_equal(buf, "STOPPING=1");
	hl_sdnotify_close(&n);
}

static void test_ready_and_stopping_abstract(void **state)
{
	test_ready_and_stopping(state);
}

static void test_send_under_the_filter_abstract(void **state)
{
	test_send_under_the_filter(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_and_stopping, setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_ready_and_stopping_abstract, setup_abstract, teardown),
		cmocka_unit_test_setup_teardown(test_reloading_has_monotonic_time, setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_status_stays_one_line, setup_path, teardown),
		cmocka_unit_test(test_no_manager_is_a_no_op),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test_setup_teardown(test_receiver_gone, setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_send_under_the_filter, setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_send_under_the_filter_abstract, setup_abstract, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
