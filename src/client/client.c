/* client.c — one request/reply round trip with hotlined over its Unix socket
 * (newline-delimited JSON, docs/API.md), with bounded reads and plain errors. */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/buf.h"
#include "config/config.h"
#include "util/err.h"
#include "util/limits.h"
#include "render.h"

#define READ_CHUNK (64u * 1024u)

static const char *connect_hint(int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
		return " (is hotlined running?)";
	case EACCES:
	case EPERM:
		return " (is your user in the group that owns the socket?)";
	case EAGAIN:
		return " (hotlined is too busy to accept connections)";
	default:
		return "";
	}
}

int hl_client_connect(const char *socket_path, int *fd, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { .tv_sec = HL_CLIENT_TIMEOUT_S };
	int s = -1;
	int rc = HL_ERR_IO;

	*fd = -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (socket_path[0] == '\0' || strlen(socket_path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "socket path \"%s\" is empty or too long", socket_path);
		return HL_ERR_INVAL;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path));

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		goto out;
	}
	if (connect(s, (const struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot reach hotlined at %s: %s%s", socket_path,
			 strerror(e), connect_hint(e));
		goto out;
	}
	/* A daemon that stops answering must not hang scripts forever. */
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
		snprintf(err, errlen, "cannot set a timeout on the socket: %s", strerror(errno));
		goto out;
	}
	*fd = s;
	s = -1;
	rc = 0;
out:
	if (s >= 0)
		close(s);
	return rc;
}

static int write_all(int fd, const char *p, size_t n, char *err, size_t errlen)
{
	while (n > 0) {
		/* MSG_NOSIGNAL: a daemon that went away is an error, not a SIGPIPE. */
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				snprintf(err, errlen, "timed out sending the request to hotlined");
			else
				snprintf(err, errlen, "cannot send the request to hotlined: %s",
					 strerror(errno));
			return HL_ERR_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int hl_client_send(int fd, const json_t *req, char *err, size_t errlen)
{
	char *line = NULL;
	size_t len;
	int rc;

	line = json_dumps(req, JSON_COMPACT);
	if (!line) {
		snprintf(err, errlen, "cannot encode the request (out of memory?)");
		return HL_ERR_NOMEM;
	}
	len = strlen(line);
	if (len + 1 > HL_MAX_API_REQUEST) {
		snprintf(err, errlen, "request too large (%zu bytes; the limit is %u)", len + 1,
			 HL_MAX_API_REQUEST);
		rc = HL_ERR_TOOBIG;
		goto out;
	}
	rc = write_all(fd, line, len, err, errlen);
	if (rc == 0)
		rc = write_all(fd, "\n", 1, err, errlen);
out:
	free(line);
	return rc;
}

/* Reads until a newline or EOF; *linelen excludes the newline. */
static int read_line(int fd, hl_buf *b, size_t *linelen, char *err, size_t errlen)
{
	size_t scanned = 0;

	for (;;) {
		size_t room = READ_CHUNK;
		if (b->max - b->len < room)
			room = b->max - b->len;
		if (room == 0) {
			snprintf(err, errlen, "reply from hotlined is larger than %u MiB; refused",
				 HL_CLIENT_MAX_REPLY / (1024u * 1024u));
			return HL_ERR_TOOBIG;
		}
		if (hl_buf_reserve(b, room) < 0) {
			snprintf(err, errlen, "out of memory reading the reply from hotlined");
			return HL_ERR_NOMEM;
		}
		ssize_t r = recv(fd, b->p + b->len, room, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				snprintf(err, errlen, "no reply from hotlined within %d s",
					 HL_CLIENT_TIMEOUT_S);
			else
				snprintf(err, errlen, "cannot read the reply from hotlined: %s",
					 strerror(errno));
			return HL_ERR_IO;
		}
		if (r == 0) {
			if (b->len == 0) {
				snprintf(err, errlen, "hotlined closed the connection without replying");
				return HL_ERR_TRUNC;
			}
			*linelen = b->len; /* a last line without its newline */
			return 0;
		}
		b->len += (size_t)r;
		const uint8_t *nl = memchr(b->p + scanned, '\n', b->len - scanned);
		if (nl) {
			*linelen = (size_t)(nl - b->p);
			return 0;
		}
		scanned = b->len;
	}
}

int hl_client_recv(int fd, json_t **reply, char *err, size_t errlen)
{
	hl_buf b;
	size_t len = 0;
	json_error_t jerr;
	json_t *v = NULL;
	int rc;

	*reply = NULL;
	hl_buf_init(&b, HL_CLIENT_MAX_REPLY);
	rc = read_line(fd, &b, &len, err, errlen);
	if (rc < 0)
		goto out;
	v = json_loadb((const char *)b.p, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		snprintf(err, errlen, "hotlined sent a reply that is not JSON: %s", jerr.text);
		rc = HL_ERR_INVAL;
		goto out;
	}
	if (!json_is_object(v) || !json_is_boolean(json_object_get(v, "ok"))) {
		snprintf(err, errlen, "hotlined sent a reply without \"ok\"");
		rc = HL_ERR_INVAL;
		goto out;
	}
	*reply = v;
	v = NULL;
	rc = 0;
out:
	json_decref(v);
	hl_buf_free(&b);
	return rc;
}

const char *hl_client_reply_error(const json_t *reply)
{
	const char *e;

	if (json_is_true(json_object_get(reply, "ok")))
		return NULL;
	e = json_string_value(json_object_get(reply, "error"));
	return e && e[0] ? e : "hotlined refused the request without saying why";
}

/* Prints "hotline: MSG" with anything a terminal could act on replaced. */
void hl_client_print_error(const char *msg)
{
	char *clean = hl_render_clean(msg, strlen(msg), 0);

	fprintf(stderr, "hotline: %s\n", clean ? clean : "(unprintable error)");
	free(clean);
}

int hl_client_socket_path(const hl_cli *cli, char *out, size_t outlen)
{
	const char *path = cli->config_path ? cli->config_path : HL_DEFAULT_CONFIG;
	char err[HL_MAX_PATH + 512] = "";
	int rc;

	out[0] = '\0';
	hl_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg) {
		hl_client_print_error("out of memory");
		return 1;
	}
	rc = hl_config_load(path, cfg, err, sizeof err);
	if (rc < 0) {
		if (!err[0])
			snprintf(err, sizeof err, "%s: %s", path, hl_strerror(rc));
		hl_client_print_error(err);
		free(cfg);
		return 1;
	}
	snprintf(out, outlen, "%s", cfg->socket_path);
	free(cfg);
	return 0;
}

int hl_client_open(const hl_cli *cli, int *fd)
{
	char err[HL_MAX_PATH + 512] = "", sock[HL_MAX_PATH + 1];
	int rc;

	*fd = -1;
	if (hl_client_socket_path(cli, sock, sizeof sock) != 0)
		return 1;
	rc = hl_client_connect(sock, fd, err, sizeof err);
	if (rc < 0) {
		hl_client_print_error(err);
		return 1;
	}
	if (cli->timeout_s > 0) {
		struct timeval tv = { .tv_sec = cli->timeout_s };
		setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	}
	return 0;
}

int hl_client_run(const hl_cli *cli, const json_t *req, json_t **reply)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	const char *peer = json_string_value(json_object_get(req, "peer"));
	char err[HL_MAX_PATH + 512] = "";
	json_t *r = NULL;
	const char *e;
	int fd = -1;
	int status = 1;

	*reply = NULL;
	if (hl_client_open(cli, &fd) != 0)
		goto out;
	if (hl_client_send(fd, req, err, sizeof err) < 0) {
		hl_client_print_error(err);
		goto out;
	}
	if (hl_client_recv(fd, &r, err, sizeof err) < 0) {
		hl_client_print_error(err);
		/* The request went out: the daemon may have committed it. */
		if (cmd && strcmp(cmd, "send") == 0)
			fprintf(stderr, "hotline: the message may or may not have been stored; "
					"check 'hotline log %s' before sending it again\n",
				peer ? peer : "PEER");
		goto out;
	}
	e = hl_client_reply_error(r);
	if (e) {
		hl_client_print_error(e);
		goto out;
	}
	*reply = r;
	r = NULL;
	status = 0;
out:
	if (fd >= 0)
		close(fd);
	json_decref(r);
	return status;
}
