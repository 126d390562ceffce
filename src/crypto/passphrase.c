/* passphrase.c — reads a key file's passphrase from a file descriptor, a
 * private file or the terminal with echo off, into sodium_malloc'd memory
 * that is wiped when freed. */
#include "passphrase.h"
#include "util/err.h"
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

void hl_passphrase_free(hl_passphrase *pp)
{
	if (!pp)
		return;
	sodium_free(pp->p); /* wipes the whole allocation */
	pp->p = NULL;
	pp->len = 0;
}

int hl_passphrase_parse_fd(const char *s)
{
	char *end = NULL;
	long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 1048576) /* above any RLIMIT_NOFILE */
		return -1;
	return (int)v;
}

static int alloc(hl_passphrase *pp)
{
	pp->len = 0;
	pp->p = sodium_malloc(HL_PASSPHRASE_MAX + 1);
	return pp->p ? 0 : HL_ERR_NOMEM;
}

/* Reads up to the newline, one byte at a time: a pipe or terminal shared
 * with what follows must not lose its next line. what names the source. */
static int read_line(int fd, hl_passphrase *pp, const char *what, char *err, size_t errlen)
{
	size_t n = 0;
	int too_long = 0, nul = 0, got_any = 0;
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
			return HL_ERR_IO;
		}
		if (r == 0 || ch == '\n')
			break;
		got_any = 1;
		if (ch == '\0')
			nul = 1;
		if (n < HL_PASSPHRASE_MAX + 1)
			pp->p[n++] = ch;
		else
			too_long = 1;
	}
	ch = 0;
	if (n > 0 && pp->p[n - 1] == '\r')
		n--;
	if (n > HL_PASSPHRASE_MAX)
		too_long = 1;
	pp->len = n;
	if (!got_any) {
		snprintf(err, errlen, "%s: no passphrase (empty line or end of file)", what);
		return HL_ERR_INVAL;
	}
	if (too_long) {
		snprintf(err, errlen, "%s: passphrase longer than %u bytes", what, HL_PASSPHRASE_MAX);
		return HL_ERR_TOOBIG;
	}
	if (nul || n == 0) {
		snprintf(err, errlen, "%s: %s", what, nul ? "passphrase holds a NUL byte" :
			 "no passphrase (empty line or end of file)");
		return HL_ERR_INVAL;
	}
	return 0;
}

int hl_passphrase_read_fd(int fd, hl_passphrase *out, char *err, size_t errlen)
{
	char what[48];
	int rc;

	out->p = NULL;
	out->len = 0;
	if (errlen)
		err[0] = '\0';
	snprintf(what, sizeof what, "passphrase fd %d", fd);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		snprintf(err, errlen, "%s: not an open file descriptor", what);
		return HL_ERR_INVAL;
	}
	rc = alloc(out);
	if (rc == 0)
		rc = read_line(fd, out, what, err, errlen);
	if (rc < 0)
		hl_passphrase_free(out);
	return rc;
}

int hl_passphrase_read_file(const char *path, hl_passphrase *out, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	out->p = NULL;
	out->len = 0;
	if (errlen)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
			 "is a symbolic link; refusing to follow it" : strerror(errno));
		return errno == ELOOP ? HL_ERR_PERM : HL_ERR_IO;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = HL_ERR_IO;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		rc = HL_ERR_INVAL;
	} else if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: permissions %04o are too open; run: chmod 600 %s", path,
			 (unsigned)(st.st_mode & 07777), path);
		rc = HL_ERR_PERM;
	} else {
		rc = alloc(out);
		if (rc == 0)
			rc = read_line(fd, out, path, err, errlen);
	}
	close(fd);
	if (rc < 0)
		hl_passphrase_free(out);
	return rc;
}

/* One answer from the terminal, echo off. Terminal signals are held back
 * while echo is off, so ^C cannot leave the terminal without echo; they
 * arrive once it is restored. */
static int ask(int tty, const char *prompt, hl_passphrase *pp, char *err, size_t errlen)
{
	struct termios old, quiet;
	sigset_t block, prev;
	int rc;

	if (tcgetattr(tty, &old) != 0) {
		snprintf(err, errlen, "/dev/tty: %s", strerror(errno));
		return HL_ERR_IO;
	}
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~(ECHO | ECHOE | ECHOK | ECHONL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &prev);
	if (tcsetattr(tty, TCSAFLUSH, &quiet) != 0) {
		snprintf(err, errlen, "/dev/tty: cannot turn echo off: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &prev, NULL);
		return HL_ERR_IO;
	}
	if (write(tty, prompt, strlen(prompt)) < 0 || write(tty, ": ", 2) < 0) {
		snprintf(err, errlen, "/dev/tty: %s", strerror(errno));
		rc = HL_ERR_IO;
	} else {
		rc = read_line(tty, pp, "terminal", err, errlen);
	}
	tcsetattr(tty, TCSAFLUSH, &old);
	ssize_t w = write(tty, "\n", 1); /* the Enter that was not echoed; cosmetic */
	(void)w;
	sigprocmask(SIG_SETMASK, &prev, NULL);
	return rc;
}

int hl_passphrase_prompt(const char *prompt, int confirm, hl_passphrase *out, char *err,
			 size_t errlen)
{
	hl_passphrase again = { NULL, 0 };
	int tty, rc;

	out->p = NULL;
	out->len = 0;
	if (errlen)
		err[0] = '\0';
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		snprintf(err, errlen, "no terminal to ask for the passphrase (%s); "
			 "give it with --passphrase-fd N", strerror(errno));
		return HL_ERR_IO;
	}
	rc = alloc(out);
	if (rc == 0)
		rc = ask(tty, prompt, out, err, errlen);
	if (rc == 0 && confirm) {
		rc = alloc(&again);
		if (rc == 0)
			rc = ask(tty, "Same passphrase again", &again, err, errlen);
		if (rc == 0 && (again.len != out->len ||
				sodium_memcmp(again.p, out->p, out->len) != 0)) {
			snprintf(err, errlen, "the two passphrases differ; nothing written");
			rc = HL_ERR_INVAL;
		}
		hl_passphrase_free(&again);
	}
	close(tty);
	if (rc < 0)
		hl_passphrase_free(out);
	return rc;
}
