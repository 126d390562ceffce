/* form.h — NOTICE forms: schema files (forms/NAME.form, INI), filling a form from
 * key=value strings, the canonical body of a filled form, its strict decoder and a
 * human rendering. docs/FORMS.md describes the formats. */
#ifndef HL_FORM_H
#define HL_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define HL_FORM_MAX_FIELDS      32u
#define HL_FORM_MAX_NAME        32u     /* form, field and enum value names */
#define HL_FORM_MAX_TITLE       128u    /* bytes of UTF-8 */
#define HL_FORM_MAX_LABEL       128u
#define HL_FORM_MAX_HELP        512u
#define HL_FORM_MAX_VALUES      16u     /* enum values per field */
#define HL_FORM_MAX_REPLIES     4u
#define HL_FORM_MAX_LANGS       4u      /* languages of the labels */
#define HL_FORM_MAX_VERSION     65535u
#define HL_FORM_MAX_FORMS       64u     /* schema files per directory */
#define HL_FORM_MAX_FILE        65536u  /* bytes of one schema file */
#define HL_FORM_MAX_TEXT        8000u   /* MaxLength bound, in characters */
#define HL_FORM_DEFAULT_TEXT    200u    /* MaxLength when not given */
#define HL_FORM_MAX_POINTS      16u     /* vertices of an area polygon */
#define HL_FORM_MAX_RADIUS_KM   5000u
/* int values, and decimals' whole part, stay within +-(10^15 - 1) units / millionths. */
#define HL_FORM_NUM_LIMIT       999999999999999LL

typedef enum {
	HL_FT_TEXT = 1,
	HL_FT_INT,
	HL_FT_DECIMAL,  /* held in millionths (6 fraction digits) */
	HL_FT_UTC,
	HL_FT_DATE,
	HL_FT_ENUM,
	HL_FT_LATLON,
	HL_FT_AREA,
} hl_form_type;

/* Read-only after loading. */
typedef struct {
	char name[HL_FORM_MAX_NAME + 1];
	hl_form_type type;
	int required;
	int multiline;          /* text: newlines and tabs allowed */
	uint32_t max_length;    /* text: characters (code points) */
	int64_t min, max;       /* int: units; decimal: millionths; inclusive */
	int n_values;           /* enum */
	char values[HL_FORM_MAX_VALUES][HL_FORM_MAX_NAME + 1];
	char label[HL_FORM_MAX_LABEL + 1];
	char help[HL_FORM_MAX_HELP + 1];
} hl_form_field;

typedef struct {
	char name[HL_FORM_MAX_NAME + 1];
	uint32_t version;
	char title[HL_FORM_MAX_TITLE + 1];
	int n_replies;          /* names of the forms that answer this one */
	char replies[HL_FORM_MAX_REPLIES][HL_FORM_MAX_NAME + 1];
	int n_langs;            /* Languages: the Title's and Labels' parts, in order */
	char langs[HL_FORM_MAX_LANGS][HL_FORM_MAX_NAME + 1];
	int n_fields;
	hl_form_field fields[HL_FORM_MAX_FIELDS];
} hl_form;

/* The forms of one directory, sorted by name then version. */
typedef struct {
	int n;
	hl_form *forms[HL_FORM_MAX_FORMS];
} hl_form_set;

/* A filled form: canonical values, NUL-terminated, in buf. */
typedef struct {
	const hl_form *form;
	uint8_t set[HL_FORM_MAX_FIELDS];
	uint32_t off[HL_FORM_MAX_FIELDS];
	uint32_t len[HL_FORM_MAX_FIELDS];
	hl_buf buf;
} hl_form_values;

/* Parses a schema from memory; `name` is the file name used in errors
 * ("NAME:LINE: KEY: what"). HL_ERR_CONFIG on a schema error, HL_ERR_NOMEM. */
int hl_form_parse(const char *name, const uint8_t *text, size_t len, hl_form **out,
		  char *err, size_t errlen);
/* Reads and parses one schema file. */
int hl_form_load(const char *path, hl_form **out, char *err, size_t errlen);
void hl_form_free(hl_form *f);
/* Loads every *.form of dir: each file is NAME.form or NAME.vVERSION.form for its
 * [Form] Name and Version; a name+version given twice, or a Reply naming no
 * form of the set, is an error. An empty directory is an empty set. */
int hl_form_load_dir(const char *dir, hl_form_set *set, char *err, size_t errlen);
void hl_form_set_free(hl_form_set *set);
/* version 0: the highest version of that name. NULL if none. */
const hl_form *hl_form_find(const hl_form_set *set, const char *name, uint32_t version);
const hl_form_field *hl_form_field_find(const hl_form *f, const char *name, size_t len);

/* Checks one value of field f and appends its canonical form (no NUL) to out.
 * On error writes "what is wrong" (without the field name) to err. */
int hl_form_canon(const hl_form_field *f, const char *in, size_t len, hl_buf *out,
		  char *err, size_t errlen);
/* A number as an int (units) or decimal (millionths) field takes it. */
int hl_form_parse_number(hl_form_type t, const char *s, size_t len, int64_t *v);
/* A number of an int (units) or decimal (millionths) field, canonically. */
void hl_form_format_number(hl_form_type t, int64_t v, char *out, size_t size);
/* The part of text (the form's Title or a Label, "English / Русский") for
 * language tag lang: by its primary subtag among Languages, else the "en"
 * part, else the whole text (also without Languages). */
void hl_form_text_in(const hl_form *f, const char *text, const char *lang, char *out,
		     size_t outlen);
/* Canonical UTC time "YYYY-MM-DDTHH:MM:SSZ" to seconds since the epoch. */
int hl_form_parse_utc(const char *s, size_t len, int64_t *t);

/* Fills form f from n "field=value" strings: each value checked and
 * normalised, every required field present. HL_ERR_INVAL with a message that
 * names the field. On success free *out with hl_form_values_free. */
int hl_form_fill(const hl_form *f, const char *const *kv, int n, hl_form_values *out,
		 char *err, size_t errlen);
void hl_form_values_free(hl_form_values *v);
/* The canonical value of a field, or NULL when absent or unknown. */
const char *hl_form_value(const hl_form_values *v, const char *field);
/* Appends the canonical body ("form=NAME\nversion=N\nfield=value\n"...) to out;
 * deterministic, at most HL_MAX_BODY bytes, valid per hl_text_valid. */
int hl_form_encode(const hl_form_values *v, hl_buf *out);
/* Parses a body back with the forms of set. Anything but the exact canonical
 * encoding of a valid filling is refused: HL_ERR_NONCANON (valid content in a
 * non-canonical spelling), HL_ERR_NOTFOUND (form or version not in set),
 * HL_ERR_UTF8, HL_ERR_TOOBIG, HL_ERR_INVAL. */
int hl_form_decode(const uint8_t *body, size_t len, const hl_form_set *set,
		   hl_form_values *out, char *err, size_t errlen);
/* Appends a human rendering ("Title (name vN)", then "Label: value" lines,
 * multi-line values indented) to out. */
int hl_form_render(const hl_form_values *v, hl_buf *out);

#endif
