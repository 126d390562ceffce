/* cli_input.h — text the `hotline` commands read from standard input
 * (a message to send, a translation). */
#ifndef HL_CLI_INPUT_H
#define HL_CLI_INPUT_H

#include <stddef.h>

/* Reads all of stdin into *out (malloc'd); refuses more than HL_MAX_BODY
 * bytes without reading further (the caller sees len > HL_MAX_BODY). On a
 * terminal, prompt is printed first ("type the message"). Returns 0, or 1
 * after saying what is wrong on stderr. */
int hl_cli_read_stdin(const char *prompt, char **out, size_t *outlen);

#endif
