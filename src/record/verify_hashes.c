/* verify_hashes.c — the verifier's store of one author's entry hashes by seq: 32 bytes
 * each in an unlinked temporary file behind a small write buffer, so memory stays flat. */
#include "verify_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/limits.h"

static int tmp_fd(void)
{
	const char *dir = getenv("TMPDIR");
	char path[HL_MAX_PATH + 1];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* Filesystems without O_TMPFILE: create, then unlink at once. */
	if (snprintf(path, sizeof path, "%s/hotline-verify.XXXXXX", dir) >= (int)sizeof path)
		return -1;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

int hl_verify_hs_open(hl_verify_hs *h)
{
	h->fd = tmp_fd();
	return h->fd < 0 ? HL_ERR_IO : 0;
}

void hl_verify_hs_close(hl_verify_hs *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

int hl_verify_hs_flush(hl_verify_hs *h)
{
	size_t len = (size_t)(h->n - h->flushed) * 32;
	off_t off = (off_t)(h->flushed * 32);
	const uint8_t *p = h->buf[0];

	while (len > 0) {
		ssize_t w = pwrite(h->fd, p, len, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return HL_ERR_IO;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	h->flushed = h->n;
	return 0;
}

int hl_verify_hs_put(hl_verify_hs *h, const uint8_t hash[32])
{
	memcpy(h->buf[h->n - h->flushed], hash, 32);
	h->n++;
	return h->n - h->flushed == HL_VERIFY_HS_BUF ? hl_verify_hs_flush(h) : 0;
}

int hl_verify_hs_read(const hl_verify_hs *h, uint64_t idx, uint8_t *out, size_t n)
{
	while (n > 0 && idx < h->flushed) {
		size_t k = h->flushed - idx < n ? (size_t)(h->flushed - idx) : n;
		ssize_t r = pread(h->fd, out, k * 32, (off_t)(idx * 32));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || r % 32 != 0)
			return HL_ERR_IO;
		idx += (uint64_t)r / 32;
		out += r;
		n -= (size_t)r / 32;
	}
	if (n > 0)
		memcpy(out, h->buf[idx - h->flushed], n * 32);
	return 0;
}
