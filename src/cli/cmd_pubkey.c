/* cmd_pubkey.c — `hotline pubkey [-f FILE] [--passphrase-fd N]`: reads a
 * private key (stdin by default; an encrypted one asks for its passphrase)
 * and prints the station public key operators pin. */
#include "cli.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "crypto/passphrase.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STDIN_MAX 4096u

static void usage(FILE *f)
{
	fprintf(f, "usage: hotline pubkey [-f FILE] [--passphrase-fd N] < station.key\n"
		   "  Prints the public key (88 base64 characters) of a private key read\n"
		   "  from stdin, or from FILE (which must be mode 0600 or stricter).\n"
		   "  An encrypted key's passphrase is asked on the terminal, or read (one\n"
		   "  line) from file descriptor N.\n");
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

/* The passphrase, only once we know the key needs one. */
static int get_pass(int pass_fd, hl_passphrase *pp)
{
	char err[512];
	int rc = pass_fd >= 0 ? hl_passphrase_read_fd(pass_fd, pp, err, sizeof err)
			      : hl_passphrase_prompt("Passphrase of the key", 0, pp, err, sizeof err);

	if (rc < 0)
		fprintf(stderr, "hotline pubkey: %s\n", err);
	return rc;
}

static int load(const char *file, int pass_fd, hl_identity **id)
{
	char buf[STDIN_MAX + 1];
	char err[512];
	hl_passphrase pp = { NULL, 0 };
	size_t len = 0;
	int rc = -1, enc;

	if (file) {
		enc = hl_keys_file_is_encrypted(file, err, sizeof err);
		if (enc < 0) {
			fprintf(stderr, "hotline pubkey: %s\n", err);
			return -1;
		}
		if (enc && get_pass(pass_fd, &pp) < 0)
			return -1;
		if (hl_keys_load_file_pw(file, pp.p, pp.len, id, err, sizeof err) < 0)
			fprintf(stderr, "hotline pubkey: %s\n", err);
		else
			rc = 0;
		hl_passphrase_free(&pp);
		return rc;
	}
	if (read_stdin(buf, &len) < 0)
		goto out;
	if (len <= STDIN_MAX && hl_keys_is_encrypted(buf, len)) {
		if (pass_fd == STDIN_FILENO) {
			fprintf(stderr, "hotline pubkey: stdin carries the key; give the passphrase on another descriptor\n");
			goto out;
		}
		if (get_pass(pass_fd, &pp) < 0)
			goto out;
		if (hl_keys_parse_private_encrypted(buf, len, pp.p, pp.len, id, err, sizeof err) < 0) {
			fprintf(stderr, "hotline pubkey: stdin: %s\n", err);
			goto out;
		}
	} else if (len > STDIN_MAX || hl_keys_parse_private(buf, len, id) < 0) {
		fprintf(stderr, "hotline pubkey: stdin: not a hotline private key\n");
		goto out;
	}
	rc = 0;
out:
	hl_passphrase_free(&pp);
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int hl_cmd_pubkey(const hl_cli *cli, int argc, char **argv)
{
	const char *file = NULL;
	hl_identity *id = NULL;
	char pub[HL_PUBKEY_B64_LEN + 1];
	int pass_fd = -1;

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
		if (strcmp(argv[i], "--passphrase-fd") == 0 && i + 1 < argc && pass_fd < 0) {
			pass_fd = hl_passphrase_parse_fd(argv[++i]);
			if (pass_fd < 0) {
				fprintf(stderr, "hotline pubkey: --passphrase-fd wants a file descriptor number\n");
				return 2;
			}
			continue;
		}
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hotline pubkey: cannot initialise libsodium\n");
		return 1;
	}
	if (load(file, pass_fd, &id) < 0)
		return 1;
	hl_pubkey_encode(&id->pub, pub);
	hl_keys_free(id);
	if (printf("%s\n", pub) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "hotline pubkey: stdout: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
