/* sdnotify.h — readiness and state to a service manager (systemd's
 * sd_notify datagram protocol, without libsystemd): READY=1, STOPPING=1,
 * RELOADING=1, STATUS=... on the socket named by $NOTIFY_SOCKET. */
#ifndef HL_SDNOTIFY_H
#define HL_SDNOTIFY_H

#include <stddef.h>

/* One message: a few KEY=VALUE lines; systemd reads up to a page. */
#define HL_SDNOTIFY_MAX 1024u

typedef struct {
	int fd; /* connected AF_UNIX SOCK_DGRAM socket, -1: no service manager */
} hl_sdnotify;

/* Opens the socket named by value (the $NOTIFY_SOCKET string: an absolute
 * path, or "@name" for an abstract socket) and connects it, so that later
 * sends need no system call beyond send(): call it before the sandbox is
 * entered. value NULL or "" is not an error: n->fd is -1 and every send is
 * a no-op (not started by a service manager). A value that is neither form
 * (such as systemd's "vsock:"), too long, or a socket that cannot be
 * reached returns HL_ERR_INVAL / HL_ERR_IO with err set; n->fd is then -1.
 * The descriptor is close-on-exec. */
int hl_sdnotify_open(hl_sdnotify *n, const char *value, char *err, size_t errlen);

/* Sends state (newline-separated KEY=VALUE assignments) as one datagram.
 * 0 (also when there is no socket), HL_ERR_TOOBIG over HL_SDNOTIFY_MAX,
 * HL_ERR_IO if the manager is gone (errno kept). */
int hl_sdnotify_send(const hl_sdnotify *n, const char *state);

/* The states hotlined reports. status (may be NULL) becomes STATUS=...,
 * with control characters turned into spaces so it stays one assignment.
 * hl_sdnotify_reloading also sends MONOTONIC_USEC (CLOCK_MONOTONIC), which
 * systemd 253's Type=notify-reload requires; older ones ignore it. After a
 * reload, send hl_sdnotify_ready again. */
int hl_sdnotify_ready(const hl_sdnotify *n, const char *status);
int hl_sdnotify_reloading(const hl_sdnotify *n, const char *status);
int hl_sdnotify_stopping(const hl_sdnotify *n, const char *status);

void hl_sdnotify_close(hl_sdnotify *n);

#endif
