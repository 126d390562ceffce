/* attach.h — the attachment descriptor: the first line of the body of an
 * entry flagged ATTACHMENT, which binds a content-addressed blob (its
 * BLAKE2b-256, size and file name) to the signed entry. Pure: no I/O. */
#ifndef HL_ATTACH_H
#define HL_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "util/limits.h"

#define HL_ATTACH_NAME_MAX 255u   /* bytes of UTF-8 */
/* "attachment 1 " + 64 hex + " " + 9 digits + " " + name + "\n" */
#define HL_ATTACH_DESC_MAX (13u + 64u + 1u + 20u + 1u + HL_ATTACH_NAME_MAX + 1u)

typedef struct {
	uint8_t hash[32];      /* BLAKE2b-256 (unkeyed) of the content */
	uint64_t size;         /* 1..HL_MAX_ATTACHMENT bytes */
	char name[HL_ATTACH_NAME_MAX + 1];
} hl_attach_desc;

/* 1 if name[0..len) is a file name to show: 1..255 bytes of UTF-8 with no
 * control character, no '/' or '\\', not "." or "..", no leading or
 * trailing space. */
int hl_attach_name_valid(const char *name, size_t len);

/* Parses the descriptor at the start of body:
 *   "attachment 1 <64 lower-case hex> <size, decimal, no leading 0> <name>\n"
 * Exactly one encoding per descriptor. On success *text_off is the offset of
 * the message text that follows (maybe empty). HL_ERR_INVAL otherwise; out
 * is cleared either way. */
int hl_attach_parse(const uint8_t *body, size_t len, hl_attach_desc *out, size_t *text_off);

/* Writes the descriptor line (NUL-terminated) into out; returns its length
 * without the NUL, or HL_ERR_INVAL for a bad descriptor / HL_ERR_TOOBIG if
 * outlen is short. */
int hl_attach_format(const hl_attach_desc *d, char *out, size_t outlen);

#endif
