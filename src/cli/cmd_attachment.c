/* cmd_attachment.c — attachments from the command line: the upload behind
 * `hotline send --file F` (hashed here, sent to hotlined in pieces over the
 * local API, resumed from what it holds), and `hotline attachment ENTRY`,
 * which reads a complete attachment back and checks its hash again. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/attach.h"
#include "cli.h"
#include "client/client.h"
#include "util/err.h"
#include "util/fdio.h"
#include "util/limits.h"
#include "util/text.h"

/* One request, one reply on an open connection. 0, or 1 after saying why. */
static int call(int fd, json_t *req, json_t **reply)
{
	char err[512] = "";
	*reply = NULL;
	if (!req) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	int rc = hl_client_send(fd, req, err, sizeof err);
	json_decref(req);
	if (rc == 0)
		rc = hl_client_recv(fd, reply, err, sizeof err);
	if (rc < 0) {
		hl_client_print_error(err);
		return 1;
	}
	const char *e = hl_client_reply_error(*reply);
	if (e) {
		hl_client_print_error(e);
		json_decref(*reply);
		*reply = NULL;
		return 1;
	}
	return 0;
}

static int hash_file(int fd, uint64_t size, uint8_t out[32])
{
	crypto_generichash_state st;
	uint8_t *buf = malloc(1u << 20);
	uint64_t done = 0;
	int rc = buf && crypto_generichash_init(&st, NULL, 0, 32) == 0 ? 0 : -1;
	while (rc == 0 && done < size) {
		ssize_t n = pread(fd, buf, 1u << 20, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		done += (uint64_t)n;
		crypto_generichash_update(&st, buf, (size_t)n);
	}
	if (rc == 0 && (done != size || crypto_generichash_final(&st, out, 32) != 0))
		rc = -1;
	free(buf);
	return rc;
}

int hl_attach_upload(const hl_cli *cli, const char *peer, const char *path, char hex[65])
{
	struct stat sb;
	uint8_t hash[32];
	json_t *reply = NULL;
	int sock = -1, status = 1;
	uint8_t *buf = NULL;
	char *b64 = NULL;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) != 0) {
		fprintf(stderr, "hotline: send: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 || (uint64_t)sb.st_size > HL_MAX_ATTACHMENT) {
		fprintf(stderr, "hotline: send: %s: %s; refused\n", path,
			!S_ISREG(sb.st_mode) ? "not a regular file" : sb.st_size <= 0 ? "the file is empty" :
			"larger than 100 MiB (104857600 bytes), the most an attachment may be");
		goto out;
	}
	if (!hl_attach_name_valid(name, strlen(name))) {
		fprintf(stderr, "hotline: send: the file name must be 1 to %u bytes of UTF-8 without "
				"control characters or a leading or trailing space; rename the file\n",
			HL_ATTACH_NAME_MAX);
		goto out;
	}
	uint64_t size = (uint64_t)sb.st_size, have;
	if (hash_file(fd, size, hash) < 0) {
		fprintf(stderr, "hotline: send: cannot read %s: %s\n", path, strerror(errno));
		goto out;
	}
	hl_hex(hash, 32, hex);
	if (hl_client_open(cli, &sock) != 0)
		goto out;
	if (call(sock, json_pack("{s:s, s:s, s:s, s:I, s:s}", "cmd", "attach-begin", "peer", peer,
				 "hash", hex, "size", (json_int_t)size, "name", name), &reply) != 0)
		goto out;
	have = (uint64_t)json_integer_value(json_object_get(reply, "have"));
	size_t b64cap = sodium_base64_ENCODED_LEN(HL_BLOB_UPLOAD_CHUNK, sodium_base64_VARIANT_ORIGINAL);
	buf = malloc(HL_BLOB_UPLOAD_CHUNK);
	b64 = malloc(b64cap);
	if (!buf || !b64) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	int show = isatty(STDERR_FILENO);
	while (!json_is_true(json_object_get(reply, "complete"))) {
		size_t want = size - have < HL_BLOB_UPLOAD_CHUNK ? (size_t)(size - have) : HL_BLOB_UPLOAD_CHUNK;
		ssize_t n = want ? pread(fd, buf, want, (off_t)have) : 0;
		if (n <= 0) {
			fprintf(stderr, "hotline: send: %s changed while it was read; refused\n", path);
			goto out;
		}
		sodium_bin2base64(b64, b64cap, buf, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
		json_decref(reply);
		if (call(sock, json_pack("{s:s, s:s, s:s, s:I, s:s}", "cmd", "attach-chunk", "peer", peer,
					 "hash", hex, "offset", (json_int_t)have, "data", b64), &reply) != 0)
			goto out;
		have = (uint64_t)json_integer_value(json_object_get(reply, "have"));
		if (show)
			fprintf(stderr, "\rhotline: uploading %s: %3d%%", name, (int)(have * 100u / size));
	}
	if (show)
		fputc('\n', stderr);
	status = 0;
out:
	if (fd >= 0)
		close(fd);
	if (sock >= 0)
		close(sock);
	json_decref(reply);
	free(buf);
	free(b64);
	return status;
}

int hl_cmd_attachment(const hl_cli *cli, int argc, char **argv)
{
	const char *entry = NULL, *outpath = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hotline: attachment: option %s needs a FILE\n", argv[i]);
				return 2;
			}
			outpath = argv[++i];
		} else if (strncmp(argv[i], "-o", 2) == 0 && argv[i][2]) {
			outpath = argv[i] + 2;
		} else if (argv[i][0] == '-' && strcmp(argv[i], "--") != 0) {
			fprintf(stderr, "hotline: attachment: unknown option '%s'\n", argv[i]);
			return 2;
		} else if (strcmp(argv[i], "--") != 0 && !entry) {
			entry = argv[i];
		} else if (strcmp(argv[i], "--") != 0) {
			fprintf(stderr, "hotline: attachment: too many arguments\n");
			return 2;
		}
	}
	if (!entry) {
		fprintf(stderr, "hotline: attachment: missing ENTRY (AUTHOR#SEQ or an id prefix)\n");
		return 2;
	}
	if (!outpath && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "hotline: attachment: standard output is a terminal; give -o FILE\n");
		return 2;
	}
	char tmp[HL_MAX_PATH + 16] = "";
	int sock = -1, out = STDOUT_FILENO, status = 1;
	json_t *reply = NULL;
	uint8_t *bin = malloc(HL_BLOB_UPLOAD_CHUNK);
	crypto_generichash_state hs;
	if (!bin || crypto_generichash_init(&hs, NULL, 0, 32) != 0) {
		fprintf(stderr, "hotline: out of memory\n");
		goto out;
	}
	if (hl_client_open(cli, &sock) != 0)
		goto out;
	uint64_t offset = 0, size = 1;
	const char *hex = NULL;
	while (offset < size) {
		json_decref(reply);
		if (call(sock, json_pack("{s:s, s:s, s:I}", "cmd", "attachment", "entry", entry, "offset",
					 (json_int_t)offset), &reply) != 0)
			goto out;
		json_int_t sz = json_integer_value(json_object_get(reply, "size"));
		const char *data = json_string_value(json_object_get(reply, "data"));
		hex = json_string_value(json_object_get(reply, "hash"));
		size_t n = 0;
		if (sz < 1 || (uint64_t)sz > HL_MAX_ATTACHMENT || (offset && (uint64_t)sz != size) || !data ||
		    !hex || sodium_base642bin(bin, HL_BLOB_UPLOAD_CHUNK, data, strlen(data), NULL, &n, NULL,
					      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    n == 0 || n > (uint64_t)sz - offset) {
			fprintf(stderr, "hotline: attachment: hotlined sent a malformed piece\n");
			goto out;
		}
		if (offset == 0 && outpath) {
			/* Written beside the target and renamed once its hash is
			 * checked: never a partial file under the wanted name. */
			snprintf(tmp, sizeof tmp, "%s.partial", outpath);
			/* O_EXCL: in a shared directory a planted file or hard
			 * link of that name is refused, not truncated. */
			out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
			if (out < 0) {
				fprintf(stderr, "hotline: attachment: %s: %s\n", tmp, strerror(errno));
				tmp[0] = 0;
				goto out;
			}
		}
		size = (uint64_t)sz;
		crypto_generichash_update(&hs, bin, n);
		if (hl_write_all(out, bin, n) < 0) {
			fprintf(stderr, "hotline: attachment: cannot write: %s\n", strerror(errno));
			goto out;
		}
		offset += n;
	}
	uint8_t got[32], want[32];
	crypto_generichash_final(&hs, got, 32);
	if (hl_unhex(hex, want, 32) < 0 || sodium_memcmp(got, want, 32) != 0) {
		fprintf(stderr, "hotline: attachment: what arrived does not match its hash; not kept\n");
		goto out;
	}
	if (tmp[0] && (fsync(out) != 0 || rename(tmp, outpath) != 0)) {
		fprintf(stderr, "hotline: attachment: %s: %s\n", outpath, strerror(errno));
		goto out;
	}
	tmp[0] = 0;
	status = 0;
out:
	if (out != STDOUT_FILENO && out >= 0)
		close(out);
	if (tmp[0])
		unlink(tmp);
	if (sock >= 0)
		close(sock);
	json_decref(reply);
	free(bin);
	return status;
}
