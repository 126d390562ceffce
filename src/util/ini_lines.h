/* ini_lines.h — the line discipline of hotline's INI files (the
 * configuration and the form schemas), applied in inih's reader callback,
 * and the bounded read of such a file. */
#ifndef HL_INI_LINES_H
#define HL_INI_LINES_H

#include <stddef.h>

#include "buf.h"

typedef struct {
	hl_rd rd;      /* the whole file */
	int lineno;    /* of the line last returned, from 1 */
	int utf8;      /* refuse a line that is not valid UTF-8 (comments too) */
	/* A key whose values could hold ';' (a list separator elsewhere): a
	 * line setting it that has one is refused, not silently cut. */
	const char *no_comment_key;
	const char *what; /* after an error: "syntax", or no_comment_key */
	int free_keys; /* keys of any non-blank characters (the caller checks them) */
} hl_ini_lines;

/* The next line, checked and normalised into str (num bytes: inih's line
 * buffer) ending in "\n": a UTF-8 BOM on line 1 and a CR before the newline
 * dropped; refused if it holds a control character (other than tab) or,
 * with r->utf8, is not valid UTF-8 text (else the caller checks values); comments ('#' or ';' anywhere) cut; leading and
 * trailing blanks trimmed (so inih's multi-line continuation never applies);
 * only "[Section]" or "Key = Value" with a key of letters, or blank. inih
 * then only splits key from value.
 * Returns str; NULL at the end of the input (msg ""), or NULL with msg
 * saying what is wrong with line r->lineno. *section is 1 when the line is
 * a section header. */
char *hl_ini_lines_next(hl_ini_lines *r, char *str, int num, int *section, char *msg,
			size_t msglen);

/* Reads the file at path into b (whose max must leave READ room above
 * max_bytes): HL_ERR_IO (err: path and errno's words) or HL_ERR_CONFIG
 * ("file too large") with err set. */
int hl_ini_read_file(const char *path, size_t max_bytes, hl_buf *b, char *err, size_t errlen);
#define HL_INI_READ_CHUNK 4096u

#endif
