/* render_notes.h — the text view of what an entry carries beyond its text:
 * a notice's form, the entry it answers and the reply it awaits, and this
 * station's translations beside the original. */
#ifndef HL_RENDER_NOTES_H
#define HL_RENDER_NOTES_H

#include <stdio.h>

#include <jansson.h>

/* The body of an entry block (docs/API.md ENTRY): the form of a notice (or
 * its cleaned text, with why the form could not be read), else text; then
 * the reply state and the translations. text is the entry's text, already
 * made safe. Returns 0 or HL_ERR_NOMEM / HL_ERR_IO. */
int hl_render_entry_notes(FILE *f, const json_t *entry, const char *text);

#endif
