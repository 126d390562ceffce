/* client.h — the `hotline` side of the local API (docs/API.md): connect to
 * hotlined's Unix socket, send one JSON request line, read one JSON reply line. */
#ifndef HL_CLIENT_H
#define HL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* The global options of a `hotline` command, which the client and the
 * views need: where the configuration is, JSON or text, how long to wait. */
typedef struct {
	const char *config_path; /* from -c or HOTLINE_CONFIG; NULL = default */
	int json;                /* --json given */
	int timeout_s;           /* reply timeout; 0 = HL_CLIENT_TIMEOUT_S */
} hl_cli;

#define HL_DEFAULT_CONFIG "/etc/hotline/hotline.conf"

/* Largest reply line we accept; a bigger one is refused, not truncated. */
#define HL_CLIENT_MAX_REPLY (64u * 1024u * 1024u)
/* How long we wait for a reply before giving up (a send is answered only
 * after its commit, so this covers a slow fsync, not a hung daemon). */
#define HL_CLIENT_TIMEOUT_S 60

/* Connects to the daemon at socket_path. *fd = -1 on failure and err says
 * why in words an operator can act on ("cannot reach hotlined at P: ..."). */
int hl_client_connect(const char *socket_path, int *fd, char *err, size_t errlen);
/* Writes req as one compact JSON line (at most HL_MAX_API_REQUEST bytes). */
int hl_client_send(int fd, const json_t *req, char *err, size_t errlen);
/* Reads one reply line (at most HL_CLIENT_MAX_REPLY bytes) and parses it.
 * *reply is NULL unless it is a JSON object with a boolean "ok". */
int hl_client_recv(int fd, json_t **reply, char *err, size_t errlen);

/* The daemon's "error" sentence when reply has "ok": false; NULL when ok. */
const char *hl_client_reply_error(const json_t *reply);

/* For the CLI: the configuration's Socket (cli->config_path, NULL =
 * default) in out. Returns 0, or 1 with the reason printed on stderr. */
int hl_client_socket_path(const hl_cli *cli, char *out, size_t outlen);
/* For the CLI: loads the config (cli->config_path, NULL = default) and
 * connects. Returns the exit status: 0 with *fd open, or 1 with the reason
 * printed on stderr. */
int hl_client_open(const hl_cli *cli, int *fd);
/* Prints "hotline: MSG" on stderr with control characters made harmless. */
void hl_client_print_error(const char *msg);

/* For the CLI: loads the config (cli->config_path, NULL = default), does
 * one round trip and checks "ok". Returns the exit status: 0 with *reply
 * set (caller json_decref()s it), or 1 with the reason printed on stderr. */
int hl_client_run(const hl_cli *cli, const json_t *req, json_t **reply);

#endif
