/* text.h — checks for text that crosses a trust boundary: UTF-8 validity,
 * printable operator names and language tags, hex. */
#ifndef HL_TEXT_H
#define HL_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* 1 if p[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF)
 * and contains no NUL and no C0/C1 control except \t \n \r. */
int hl_text_valid(const uint8_t *p, size_t len);
/* Drops a UTF-8 sequence cut short at the end of s (by snprintf's
 * truncation of a message), so that the message stays valid text. */
void hl_text_trim_cut(char *s);
/* 1 if a short label (operator name): valid UTF-8, no control characters at all. */
int hl_label_valid(const char *s, size_t len);
/* 1 if a BCP 47-shaped tag: 1..35 chars of [A-Za-z0-9-], alnum subtags 1..8, no empty subtag. */
int hl_lang_valid(const char *s, size_t len);
/* Lower-case hex of n bytes into out (2n+1). */
void hl_hex(const uint8_t *p, size_t n, char *out);
/* Parses exactly 2n hex digits; HL_ERR_INVAL otherwise. */
int hl_unhex(const char *s, uint8_t *out, size_t n);

#endif
