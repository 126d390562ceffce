/* cmd_export.c — `hotline export PEER`: streams the line's transcript file
 * (.hlt) from hotlined to stdout or a file, with progress on a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "cli.h"
#include "client/client.h"
#include "util/err.h"
#include "util/fdio.h"
#include "client/progress.h"

typedef struct {
	const char *peer, *from, *to, *out;
	int proof;
} export_args;

static int usage_error(const char *msg)
{
	fprintf(stderr, "hotline: export: %s\n", msg);
	return 2;
}

static int parse_args(int argc, char **argv, export_args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if ((strcmp(o, "--from") == 0 || strcmp(o, "--to") == 0 || strcmp(o, "-o") == 0) &&
		    i + 1 < argc) {
			const char **dst = o[2] == 'f' ? &a->from : o[2] == 't' ? &a->to : &a->out;
			*dst = argv[++i];
		} else if (strcmp(o, "--proof") == 0) {
			a->proof = 1;
		} else if (o[0] == '-' && strcmp(o, "-") != 0) {
			fprintf(stderr, "hotline: export: unknown option '%s'\n", o);
			return 2;
		} else if (!a->peer) {
			a->peer = o;
		} else {
			return usage_error("too many arguments");
		}
	}
	if (!a->peer)
		return usage_error("missing PEER");
	if (a->proof && (a->from || a->to))
		return usage_error("--proof takes no range");
	return 0;
}

/* Reads exactly n bytes; 0, or 1 at a clean EOF before the first byte. */
static int read_full(int fd, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv(fd, (uint8_t *)p + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got == 0 && r == 0 ? 1 : HL_ERR_IO;
		got += (size_t)r;
	}
	return 0;
}

/* The JSON header line, read byte by byte so no file bytes are consumed. */
static int read_header(int fd, json_t **reply)
{
	char line[4096];
	size_t n = 0;
	*reply = NULL;
	while (n < sizeof line - 1) {
		char ch;
		if (read_full(fd, &ch, 1) != 0)
			return HL_ERR_IO;
		if (ch == '\n')
			break;
		line[n++] = ch;
	}
	line[n] = 0;
	*reply = json_loads(line, 0, NULL);
	return *reply && json_is_object(*reply) ? 0 : HL_ERR_INVAL;
}

static int stream(int fd, int out, uint64_t total, uint64_t *entries)
{
	hl_progress pg;
	hl_buf chunk;
	int rc = 0;
	hl_progress_start(&pg, "exporting");
	hl_buf_init(&chunk, 16u * 1024u * 1024u);
	for (;;) {
		uint8_t hdr[12];
		rc = read_full(fd, hdr, sizeof hdr);
		if (rc != 0) {
			rc = HL_ERR_TRUNC;
			break;
		}
		uint32_t n = hl_be32_get(hdr);
		*entries = hl_be64_get(hdr + 4);
		if (n == 0)
			break;
		hl_buf_reset(&chunk);
		rc = hl_buf_reserve(&chunk, n);
		if (rc == 0)
			rc = read_full(fd, chunk.p, n) == 0 ? 0 : HL_ERR_TRUNC;
		if (rc == 0)
			rc = hl_write_all(out, chunk.p, n);
		if (rc < 0)
			break;
		hl_progress_update(&pg, *entries, total ? (double)*entries / (double)total : 1.0);
	}
	hl_progress_end(&pg);
	hl_buf_free(&chunk);
	return rc;
}

int hl_cmd_export(const hl_cli *cli, int argc, char **argv)
{
	export_args a;
	int st = parse_args(argc, argv, &a);
	if (st)
		return st;
	if (!a.out && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "hotline: export: refusing to write a binary file to a terminal; "
				"redirect it (> line.hlt) or use -o FILE\n");
		return 2;
	}
	json_t *req = json_pack("{s:s, s:s, s:s}", "cmd", "export", "peer", a.peer, "kind",
				a.proof ? "proof" : "full");
	if (!req)
		return 1;
	if (a.from)
		json_object_set_new(req, "from", json_string(a.from));
	if (a.to)
		json_object_set_new(req, "to", json_string(a.to));
	char tmp[4200] = "";
	int fd = -1, out = STDOUT_FILENO, status = 1;
	json_t *reply = NULL;
	char err[512] = "";
	if (hl_client_open(cli, &fd) != 0)
		goto out;
	if (hl_client_send(fd, req, err, sizeof err) < 0) {
		hl_client_print_error(err);
		goto out;
	}
	if (read_header(fd, &reply) < 0) {
		hl_client_print_error("export: hotlined sent no valid reply");
		goto out;
	}
	const char *e = hl_client_reply_error(reply);
	if (e) {
		hl_client_print_error(e);
		goto out;
	}
	if (a.out) {
		/* Written beside the target and renamed when complete: a failed
		 * export never leaves a partial file under the wanted name. */
		snprintf(tmp, sizeof tmp, "%s.partial", a.out);
		/* O_EXCL: a planted file or hard link of that name is refused,
		 * not truncated. */
		out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (out < 0) {
			fprintf(stderr, "hotline: export: %s: %s\n", tmp, strerror(errno));
			tmp[0] = 0;
			goto out;
		}
	}
	uint64_t total = (uint64_t)json_integer_value(json_object_get(reply, "entries")), n = 0;
	int rc = stream(fd, out, total, &n);
	if (rc == 0 && a.out && (fsync(out) != 0 || rename(tmp, a.out) != 0))
		rc = HL_ERR_IO;
	if (rc < 0) {
		fprintf(stderr, "hotline: export incomplete: %s\n",
			rc == HL_ERR_TRUNC ? "hotlined stopped before the end of the file" : strerror(errno));
		goto out;
	}
	tmp[0] = 0;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "hotline: exported %llu entries%s%s\n", (unsigned long long)n,
			a.out ? " to " : "", a.out ? a.out : "");
	status = 0;
out:
	if (out != STDOUT_FILENO && out >= 0)
		close(out);
	if (tmp[0])
		unlink(tmp);
	if (fd >= 0)
		close(fd);
	json_decref(req);
	json_decref(reply);
	return status;
}
