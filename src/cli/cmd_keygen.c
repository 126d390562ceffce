/* cmd_keygen.c — `hotline keygen [-o FILE] [--passphrase [--passphrase-fd N]]`:
 * a new private key, one line (plain base64, or encrypted with a passphrase),
 * written to a 0600 file or to stdout (restricted to 0600 if it is a file). */
#include "cli.h"
#include "util/err.h"
#include "crypto/keys.h"
#include "crypto/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: hotline keygen [-o FILE] [--passphrase [--passphrase-fd N]]\n"
		   "  Prints a new private key (one line) to stdout, or writes it to FILE\n"
		   "  (created with mode 0600; an existing FILE is never overwritten).\n"
		   "  --passphrase        encrypt the key (Argon2id, XChaCha20-Poly1305); the\n"
		   "                      passphrase is asked twice on the terminal\n"
		   "  --passphrase-fd N   read the passphrase (one line) from file descriptor N\n"
		   "                      instead (implies --passphrase)\n");
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

/* The key line, plain or encrypted. */
static int write_key(int fd, const hl_identity *id, const hl_passphrase *pp)
{
	if (!pp->p)
		return hl_keys_write_private(fd, id);
	return hl_keys_write_private_encrypted(fd, id, pp->p, pp->len, HL_KEYS_PWHASH_OPS_DEFAULT,
					       HL_KEYS_PWHASH_MEM_DEFAULT);
}

static int write_new_file(const char *path, const hl_identity *id, const hl_passphrase *pp)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "hotline keygen: %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (refusing to overwrite a key)" : "");
		return -1;
	}
	if (write_key(fd, id, pp) < 0 || fsync(fd) != 0) {
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
	hl_passphrase pp = { NULL, 0 };
	char err[512];
	int status = 1, encrypt = 0, pass_fd = -1;

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
		if (strcmp(argv[i], "--passphrase") == 0) {
			encrypt = 1;
			continue;
		}
		if (strcmp(argv[i], "--passphrase-fd") == 0 && i + 1 < argc && pass_fd < 0) {
			pass_fd = hl_passphrase_parse_fd(argv[++i]);
			if (pass_fd < 0) {
				fprintf(stderr, "hotline keygen: --passphrase-fd wants a file descriptor number\n");
				return 2;
			}
			encrypt = 1;
			continue;
		}
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hotline keygen: cannot initialise libsodium\n");
		return 1;
	}
	if (encrypt) {
		int r = pass_fd >= 0 ? hl_passphrase_read_fd(pass_fd, &pp, err, sizeof err)
				     : hl_passphrase_prompt("Passphrase for the new key", 1, &pp, err,
							    sizeof err);
		if (r < 0) {
			fprintf(stderr, "hotline keygen: %s\n", err);
			return 1;
		}
	}
	if (!outpath && restrict_stdout() < 0)
		goto out;
	int rc = hl_keys_generate(&id);
	if (rc < 0) {
		fprintf(stderr, "hotline keygen: %s\n", hl_strerror(rc));
		goto out;
	}
	if (outpath) {
		if (write_new_file(outpath, id, &pp) == 0)
			status = 0;
	} else if (write_key(STDOUT_FILENO, id, &pp) < 0) {
		fprintf(stderr, "hotline keygen: stdout: %s\n", strerror(errno));
	} else {
		status = 0;
	}
out:
	hl_keys_free(id);
	hl_passphrase_free(&pp);
	return status;
}
