/* fdio.h — whole writes to a file descriptor, for the files the `hotline`
 * commands write for the user (an export, an attachment). */
#ifndef HL_FDIO_H
#define HL_FDIO_H

#include <stddef.h>

/* Writes all of p[0..n) to fd, again after EINTR and short writes:
 * 0, or HL_ERR_IO (errno says why). */
int hl_write_all(int fd, const void *p, size_t n);

#endif
