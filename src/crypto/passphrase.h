/* passphrase.h — the passphrase of an encrypted key file, read from a file
 * descriptor, a 0600 file or the terminal (echo off) into locked memory;
 * never from argv or the environment, which other users can read. */
#ifndef HL_PASSPHRASE_H
#define HL_PASSPHRASE_H

#include <stddef.h>

typedef struct {
	char *p;    /* sodium_malloc'd, HL_PASSPHRASE_MAX + 1 bytes; NULL if none */
	size_t len; /* 1..HL_PASSPHRASE_MAX */
} hl_passphrase;

/* One line from fd (the newline, and a CR before it, not included); reads
 * byte by byte so nothing after the line is consumed. Empty, over-long or
 * NUL-holding passphrases are refused. err: one line. */
int hl_passphrase_read_fd(int fd, hl_passphrase *out, char *err, size_t errlen);
/* The first line of a file that only its owner may read or write (else
 * HL_ERR_PERM, with "chmod 600 PATH" in err); a final symlink is refused. */
int hl_passphrase_read_file(const char *path, hl_passphrase *out, char *err, size_t errlen);
/* Asks on /dev/tty with echo off: "PROMPT: "; with confirm, a second time,
 * and the two must match. HL_ERR_IO (err says so) when there is no terminal. */
int hl_passphrase_prompt(const char *prompt, int confirm, hl_passphrase *out, char *err,
			 size_t errlen);
/* The N of --passphrase-fd N: a descriptor number, or -1 if it is not one. */
int hl_passphrase_parse_fd(const char *s);
/* Wipes and frees; safe on a cleared or freed one. */
void hl_passphrase_free(hl_passphrase *pp);

#endif
