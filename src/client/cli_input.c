/* cli_input.c — text the `hotline` commands read from standard input. */
#include "cli_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/limits.h"

/* Reads all of stdin into *out (malloc'd); refuses more than HL_MAX_BODY bytes
 * without reading further. Returns 0 or 1 after saying what is wrong. */
int hl_cli_read_stdin(const char *prompt, char **out, size_t *outlen)
{
	size_t cap = HL_MAX_BODY + 1, len = 0;
	char *p;

	*out = NULL;
	*outlen = 0;
	p = malloc(cap);
	if (!p) {
		fprintf(stderr, "hotline: out of memory\n");
		return 1;
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "hotline: %s, then Ctrl-D on a line of its own\n", prompt);
	while (len < cap) {
		ssize_t r = read(STDIN_FILENO, p + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "hotline: cannot read standard input: %s\n",
				strerror(errno));
			free(p);
			return 1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*out = p;
	*outlen = len;
	return 0;
}
