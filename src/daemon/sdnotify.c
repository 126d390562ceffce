/* sdnotify.c — systemd's notification protocol by hand: one datagram of
 * KEY=VALUE lines to $NOTIFY_SOCKET (see sd_notify(3), "Notes"). */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"

int hl_sdnotify_open(hl_sdnotify *n, const char *value, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t len;
	size_t vlen;
	int fd;

	n->fd = -1;
	if (!value || !value[0])
		return 0;
	vlen = strlen(value);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (value[0] != '/' && value[0] != '@') {
		snprintf(err, errlen, "NOTIFY_SOCKET=%.200s: not a socket path (only /path and @abstract "
			 "are supported)", value);
		return HL_ERR_INVAL;
	}
	if (vlen >= sizeof sun.sun_path || (value[0] == '@' && vlen < 2)) {
		snprintf(err, errlen, "NOTIFY_SOCKET=%.200s: bad length", value);
		return HL_ERR_INVAL;
	}
	memcpy(sun.sun_path, value, vlen);
	if (value[0] == '@') {
		/* An abstract name is the bytes after a leading NUL, not terminated:
		 * the address length says where it ends. */
		sun.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + vlen);
	} else {
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + vlen + 1);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "NOTIFY_SOCKET: socket: %s", strerror(errno));
		return HL_ERR_IO;
	}
	/* Connected now, while any socket call is still allowed and before
	 * root is dropped: under the seccomp filter only send() is made. */
	if (connect(fd, (const struct sockaddr *)&sun, len) != 0) {
		snprintf(err, errlen, "NOTIFY_SOCKET=%.200s: %s", value, strerror(errno));
		close(fd);
		return HL_ERR_IO;
	}
	n->fd = fd;
	return 0;
}

int hl_sdnotify_send(const hl_sdnotify *n, const char *state)
{
	size_t len = strlen(state);
	ssize_t sent;

	if (n->fd < 0)
		return 0;
	if (len > HL_SDNOTIFY_MAX)
		return HL_ERR_TOOBIG;
	do
		sent = send(n->fd, state, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (sent < 0 && errno == EINTR);
	/* A datagram is sent whole or not at all. */
	return sent == (ssize_t)len ? 0 : HL_ERR_IO;
}

/* head, then "STATUS=..." with the text made one line. */
static int send_with_status(const hl_sdnotify *n, const char *head, const char *status)
{
	char msg[HL_SDNOTIFY_MAX + 1];
	size_t at;
	int w;

	if (!status)
		return hl_sdnotify_send(n, head);
	w = snprintf(msg, sizeof msg, "%s\nSTATUS=", head);
	if (w < 0 || (size_t)w >= sizeof msg)
		return HL_ERR_TOOBIG;
	at = (size_t)w;
	for (const char *s = status; *s && at < sizeof msg - 1; s++)
		msg[at++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	msg[at] = '\0';
	return hl_sdnotify_send(n, msg);
}

int hl_sdnotify_ready(const hl_sdnotify *n, const char *status)
{
	return send_with_status(n, "READY=1", status);
}

int hl_sdnotify_reloading(const hl_sdnotify *n, const char *status)
{
	struct timespec ts;
	char head[64];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return HL_ERR_IO;
	snprintf(head, sizeof head, "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000u);
	return send_with_status(n, head, status);
}

int hl_sdnotify_stopping(const hl_sdnotify *n, const char *status)
{
	return send_with_status(n, "STOPPING=1", status);
}

void hl_sdnotify_close(hl_sdnotify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
