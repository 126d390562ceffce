/* cmd_pubkey.c — `hotline pubkey [-f FILE]`: reads a private key (stdin by
 * default) and prints the station public key operators pin. */
#include "cli.h"
#include "err.h"
#include "keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STDIN_MAX 4096u

static void usage(FILE *f)
{
	fprintf(f, "usage: hotline pubkey [-f FILE] < station.key\n"
		   "  Prints the public key (88 base64 characters) of a private key read\n"
		   "  from stdin, or from FILE (which must be mode 0600 or stricter).\n");
}

/* Reads at most STDIN_MAX bytes; more than that cannot be a key. */
static int read_stdin(char *buf, size_t *len)
{
	size_t n = 0;

	*len = 0;
	while (n < STDIN_MAX + 1) {
		ssize_t r = read(STDIN_FILENO, buf + n, STDIN_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "hotline pubkey: stdin: %s\n", strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

static int load(const char *file, hl_identity **id)
{
	char buf[STDIN_MAX + 1];
	char err[512];
	size_t len = 0;
	int rc = -1;

	if (file) {
		if (hl_keys_load_file(file, id, err, sizeof err) < 0) {
			fprintf(stderr, "hotline pubkey: %s\n", err);
			return -1;
		}
		return 0;
	}
	if (read_stdin(buf, &len) < 0)
		goto out;
	if (len > STDIN_MAX || hl_keys_parse_private(buf, len, id) < 0) {
		fprintf(stderr, "hotline pubkey: stdin: not a hotline private key\n");
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int hl_cmd_pubkey(const hl_cli *cli, int argc, char **argv)
{
	const char *file = NULL;
	hl_identity *id = NULL;
	char pub[HL_PUBKEY_B64_LEN + 1];

	(void)cli;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc && !file) {
			file = argv[++i];
			continue;
		}
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hotline pubkey: cannot initialise libsodium\n");
		return 1;
	}
	if (load(file, &id) < 0)
		return 1;
	hl_pubkey_encode(&id->pub, pub);
	hl_keys_free(id);
	if (printf("%s\n", pub) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "hotline pubkey: stdout: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
