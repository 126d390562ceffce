/* cmd_keygen.c — `hotline keygen [-o FILE]`: a new private key, one base64 line,
 * written to a 0600 file or to stdout (restricted to 0600 if it is a file). */
#include "cli.h"
#include "err.h"
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: hotline keygen [-o FILE]\n"
		   "  Prints a new private key (one line) to stdout, or writes it to FILE\n"
		   "  (created with mode 0600; an existing FILE is never overwritten).\n");
}

/* `hotline keygen > station.key` leaves a shell-created file with the umask's
 * mode; tighten it before the secret is written, or write nothing. */
static int restrict_stdout(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) != 0) {
		fprintf(stderr, "hotline keygen: stdout: %s\n", strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode) && fchmod(STDOUT_FILENO, 0600) != 0) {
		fprintf(stderr, "hotline keygen: cannot set mode 0600 on the output file: %s; "
				"nothing written\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int write_new_file(const char *path, const hl_identity *id)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "hotline keygen: %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (refusing to overwrite a key)" : "");
		return -1;
	}
	if (hl_keys_write_private(fd, id) < 0 || fsync(fd) != 0) {
		fprintf(stderr, "hotline keygen: %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "hotline keygen: %s: %s\n", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int hl_cmd_keygen(const hl_cli *cli, int argc, char **argv)
{
	const char *outpath = NULL;
	hl_identity *id = NULL;
	int status = 1;

	(void)cli;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && !outpath) {
			outpath = argv[++i];
			continue;
		}
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hotline keygen: cannot initialise libsodium\n");
		return 1;
	}
	if (!outpath && restrict_stdout() < 0)
		return 1;
	int rc = hl_keys_generate(&id);
	if (rc < 0) {
		fprintf(stderr, "hotline keygen: %s\n", hl_strerror(rc));
		return 1;
	}
	if (outpath) {
		if (write_new_file(outpath, id) == 0)
			status = 0;
	} else if (hl_keys_write_private(STDOUT_FILENO, id) < 0) {
		fprintf(stderr, "hotline keygen: stdout: %s\n", strerror(errno));
	} else {
		status = 0;
	}
	hl_keys_free(id);
	return status;
}
