/* form.c — parses NOTICE form schemas ([Form], [Field NAME]) with inih and checks
 * every key; each error names file, line and key. */
#include "form.h"
#include "util/err.h"
#include "util/ini_lines.h"
#include "util/limits.h"
#include "util/text.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum fsec { FS_NONE, FS_FORM, FS_FIELD };

enum fkey {
	FK_NAME, FK_VERSION, FK_TITLE, FK_REPLY, FK_LANGUAGES,
	FK_TYPE, FK_REQUIRED, FK_LABEL, FK_HELP, FK_MIN, FK_MAX, FK_MAXLENGTH,
	FK_MULTILINE, FK_VALUES,
	FK_COUNT
};

static const struct {
	const char *name;
	enum fsec sec;
	int repeatable;         /* lines append: inih lines are short */
} keydefs[FK_COUNT] = {
	[FK_NAME] = { "Name", FS_FORM, 0 },
	[FK_VERSION] = { "Version", FS_FORM, 0 },
	[FK_TITLE] = { "Title", FS_FORM, 0 },
	[FK_REPLY] = { "Reply", FS_FORM, 0 },
	[FK_LANGUAGES] = { "Languages", FS_FORM, 0 },
	[FK_TYPE] = { "Type", FS_FIELD, 0 },
	[FK_REQUIRED] = { "Required", FS_FIELD, 0 },
	[FK_LABEL] = { "Label", FS_FIELD, 0 },
	[FK_HELP] = { "Help", FS_FIELD, 1 },
	[FK_MIN] = { "Min", FS_FIELD, 0 },
	[FK_MAX] = { "Max", FS_FIELD, 0 },
	[FK_MAXLENGTH] = { "MaxLength", FS_FIELD, 0 },
	[FK_MULTILINE] = { "Multiline", FS_FIELD, 0 },
	[FK_VALUES] = { "Values", FS_FIELD, 1 },
};

static const struct {
	const char *name;
	hl_form_type type;
	size_t worst;           /* longest canonical value (text: per character) */
} types[] = {
	{ "text", HL_FT_TEXT, 4 },
	{ "int", HL_FT_INT, 16 },
	{ "decimal", HL_FT_DECIMAL, 23 },
	{ "utc", HL_FT_UTC, 20 },
	{ "date", HL_FT_DATE, 10 },
	{ "enum", HL_FT_ENUM, HL_FORM_MAX_NAME },
	{ "latlon", HL_FT_LATLON, 18 },
	{ "area", HL_FT_AREA, HL_FORM_MAX_POINTS * 20 },
};

struct fparse {
	hl_form *form;
	const char *path;
	char *err;
	size_t errlen;
	hl_ini_lines lines;
	int lineno;
	int failed;
	enum fsec sec;
	int form_line;
	unsigned form_seen;
	int form_key_line[FK_COUNT];
	int field_line[HL_FORM_MAX_FIELDS];
	unsigned field_seen[HL_FORM_MAX_FIELDS];
	int field_key_line[HL_FORM_MAX_FIELDS][FK_COUNT];
	/* Min/Max wait for Type, which may come later in the section. */
	char raw_min[HL_FORM_MAX_FIELDS][32];
	char raw_max[HL_FORM_MAX_FIELDS][32];
};

__attribute__((format(printf, 4, 5)))
static void fail(struct fparse *p, int line, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	hl_text_trim_cut(msg);
	if (p->errlen) {
		snprintf(p->err, p->errlen, "%s:%d: %s: %s", p->path, line, key, msg);
		hl_text_trim_cut(p->err);
	}
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Form names and enum values: [a-z0-9-], starting with a letter or digit. */
static int valid_label_name(const char *s, size_t n)
{
	if (n < 1 || n > HL_FORM_MAX_NAME || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* Field names: [a-z][a-z0-9_]*; "form" and "version" are the encoding's own. */
static int valid_field_name(const char *s, size_t n)
{
	if (n < 1 || n > HL_FORM_MAX_NAME || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return !(n == 4 && memcmp(s, "form", 4) == 0) && !(n == 7 && memcmp(s, "version", 7) == 0);
}

static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t acc = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return HL_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return HL_ERR_INVAL;
		acc = acc * 10 + (uint64_t)(s[i] - '0');
	}
	if (acc > max)
		return HL_ERR_INVAL;
	*v = acc;
	return 0;
}

static int yes_no(struct fparse *p, const char *key, const char *v, int *out)
{
	if (strcmp(v, "yes") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0)
		*out = 0;
	else
		fail(p, p->lineno, key, "want yes or no, not '%s'", v);
	return p->failed ? HL_ERR_CONFIG : 0;
}

static int set_text(struct fparse *p, const char *key, const char *v, char *dst, size_t max,
		    int append)
{
	size_t n = strlen(v), have = append ? strlen(dst) : 0;
	size_t need = n + (have ? 1 : 0);

	if (!hl_label_valid(v, n)) {
		fail(p, p->lineno, key, "not valid UTF-8 text");
		return HL_ERR_CONFIG;
	}
	if (need > max - have) {
		fail(p, p->lineno, key, "too long (max %zu bytes)", max);
		return HL_ERR_CONFIG;
	}
	if (have)
		dst[have++] = ' ';
	memcpy(dst + have, v, n + 1);
	return 0;
}

/* A space-separated list of names into a fixed table. */
static int set_names(struct fparse *p, const char *key, const char *v,
		     char (*names)[HL_FORM_MAX_NAME + 1], int *count, int max)
{
	while (*v) {
		size_t n = strcspn(v, " \t");
		if (!valid_label_name(v, n)) {
			fail(p, p->lineno, key, "bad name '%.*s' (1-%u of a-z 0-9 -)", (int)n, v,
			     HL_FORM_MAX_NAME);
			return HL_ERR_CONFIG;
		}
		for (int i = 0; i < *count; i++) {
			if (strlen(names[i]) == n && memcmp(names[i], v, n) == 0) {
				fail(p, p->lineno, key, "'%.*s' listed twice", (int)n, v);
				return HL_ERR_CONFIG;
			}
		}
		if (*count >= max) {
			fail(p, p->lineno, key, "too many (max %d)", max);
			return HL_ERR_CONFIG;
		}
		memcpy(names[*count], v, n);
		names[*count][n] = '\0';
		(*count)++;
		v += n;
		while (is_ws(*v))
			v++;
	}
	return 0;
}

static int apply_form(struct fparse *p, enum fkey k, const char *key, const char *v)
{
	hl_form *f = p->form;
	uint64_t n = 0;

	switch (k) {
	case FK_NAME:
		if (!valid_label_name(v, strlen(v))) {
			fail(p, p->lineno, key, "bad form name '%s' (1-%u of a-z 0-9 -)", v,
			     HL_FORM_MAX_NAME);
			return HL_ERR_CONFIG;
		}
		memcpy(f->name, v, strlen(v) + 1);
		return 0;
	case FK_VERSION:
		if (parse_uint(v, HL_FORM_MAX_VERSION, &n) < 0 || n < 1) {
			fail(p, p->lineno, key, "want a whole number from 1 to %u, not '%s'",
			     HL_FORM_MAX_VERSION, v);
			return HL_ERR_CONFIG;
		}
		f->version = (uint32_t)n;
		return 0;
	case FK_TITLE:
		return set_text(p, key, v, f->title, HL_FORM_MAX_TITLE, 0);
	case FK_REPLY:
		return set_names(p, key, v, f->replies, &f->n_replies, HL_FORM_MAX_REPLIES);
	case FK_LANGUAGES:
		return set_names(p, key, v, f->langs, &f->n_langs, HL_FORM_MAX_LANGS);
	default:
		return HL_ERR_CONFIG;
	}
}

static int apply_field(struct fparse *p, enum fkey k, const char *key, const char *v)
{
	int i = p->form->n_fields - 1;
	hl_form_field *fd = &p->form->fields[i];
	uint64_t n = 0;

	switch (k) {
	case FK_TYPE:
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
			if (strcmp(types[t].name, v) == 0) {
				fd->type = types[t].type;
				return 0;
			}
		}
		fail(p, p->lineno, key,
		     "unknown type '%s' (want text, int, decimal, utc, date, enum, latlon or area)", v);
		return HL_ERR_CONFIG;
	case FK_REQUIRED:
		return yes_no(p, key, v, &fd->required);
	case FK_MULTILINE:
		return yes_no(p, key, v, &fd->multiline);
	case FK_LABEL:
		return set_text(p, key, v, fd->label, HL_FORM_MAX_LABEL, 0);
	case FK_HELP:
		return set_text(p, key, v, fd->help, HL_FORM_MAX_HELP, 1);
	case FK_MIN:
	case FK_MAX:
		if (strlen(v) >= sizeof p->raw_min[0]) {
			fail(p, p->lineno, key, "'%s' is not a number", v);
			return HL_ERR_CONFIG;
		}
		memcpy(k == FK_MIN ? p->raw_min[i] : p->raw_max[i], v, strlen(v) + 1);
		return 0;
	case FK_MAXLENGTH:
		if (parse_uint(v, HL_FORM_MAX_TEXT, &n) < 0 || n < 1) {
			fail(p, p->lineno, key, "want a whole number from 1 to %u, not '%s'",
			     HL_FORM_MAX_TEXT, v);
			return HL_ERR_CONFIG;
		}
		fd->max_length = (uint32_t)n;
		return 0;
	case FK_VALUES:
		return set_names(p, key, v, fd->values, &fd->n_values, HL_FORM_MAX_VALUES);
	default:
		return HL_ERR_CONFIG;
	}
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct fparse *p = user;
	unsigned *seen;
	int k, fi = p->form->n_fields - 1;

	(void)section;
	if (p->failed)
		return 0;
	if (p->sec == FS_NONE) {
		fail(p, p->lineno, name, "key outside any section (start with [Form])");
		return 0;
	}
	for (k = 0; k < FK_COUNT; k++)
		if (keydefs[k].sec == p->sec && strcasecmp(keydefs[k].name, name) == 0)
			break;
	if (k == FK_COUNT) {
		fail(p, p->lineno, name, "unknown key in [%s]", p->sec == FS_FORM ? "Form" : "Field");
		return 0;
	}
	name = keydefs[k].name;
	if (value[0] == '\0') {
		fail(p, p->lineno, name, "empty value");
		return 0;
	}
	seen = p->sec == FS_FORM ? &p->form_seen : &p->field_seen[fi];
	if ((*seen & (1u << k)) && !keydefs[k].repeatable) {
		fail(p, p->lineno, name, "given twice in this section");
		return 0;
	}
	*seen |= 1u << k;
	if (p->sec == FS_FORM) {
		p->form_key_line[k] = p->lineno;
		return apply_form(p, (enum fkey)k, name, value) == 0;
	}
	p->field_key_line[fi][k] = p->lineno;
	return apply_field(p, (enum fkey)k, name, value) == 0;
}

/* A section header, already trimmed and known to be "[...]". */
static void on_section(struct fparse *p, const char *line, size_t n)
{
	char hdr[HL_FORM_MAX_NAME + 16];
	const char *in = line + 1;
	size_t in_n = n - 2;
	hl_form *f = p->form;

	snprintf(hdr, sizeof hdr, "%.*s", (int)n, line);
	hl_text_trim_cut(hdr);
	while (in_n && is_ws(*in))
		in++, in_n--;
	while (in_n && is_ws(in[in_n - 1]))
		in_n--;
	if (in_n == 4 && strncasecmp(in, "Form", 4) == 0) {
		if (p->form_line) {
			fail(p, p->lineno, "[Form]", "section given twice (first on line %d)",
			     p->form_line);
			return;
		}
		if (f->n_fields) {
			fail(p, p->lineno, "[Form]", "must come before the first [Field]");
			return;
		}
		p->sec = FS_FORM;
		p->form_line = p->lineno;
		return;
	}
	if (in_n < 6 || strncasecmp(in, "Field", 5) != 0 || !is_ws(in[5])) {
		fail(p, p->lineno, hdr, "unknown section (want [Form] or [Field NAME])");
		return;
	}
	if (!p->form_line) {
		fail(p, p->lineno, hdr, "[Form] must come first");
		return;
	}
	in += 6, in_n -= 6;
	while (in_n && is_ws(*in))
		in++, in_n--;
	if (!valid_field_name(in, in_n)) {
		fail(p, p->lineno, hdr,
		     "bad field name (1-%u of a-z 0-9 _, starting with a letter; not form or version)",
		     HL_FORM_MAX_NAME);
		return;
	}
	if (hl_form_field_find(f, in, in_n)) {
		fail(p, p->lineno, hdr, "duplicate field");
		return;
	}
	if (f->n_fields >= (int)HL_FORM_MAX_FIELDS) {
		fail(p, p->lineno, hdr, "too many fields (max %u)", HL_FORM_MAX_FIELDS);
		return;
	}
	hl_form_field *fd = &f->fields[f->n_fields];
	p->field_line[f->n_fields] = p->lineno;
	f->n_fields++;
	memcpy(fd->name, in, in_n);
	fd->name[in_n] = '\0';
	fd->required = 1;
	p->sec = FS_FIELD;
}

/* ini_lines.c's line discipline; errors stop the parse by returning EOF. */
static char *next_line(char *str, int num, void *stream)
{
	struct fparse *p = stream;
	char msg[96];
	int section;

	if (p->failed)
		return NULL;
	char *line = hl_ini_lines_next(&p->lines, str, num, &section, msg, sizeof msg);
	p->lineno = p->lines.lineno;
	if (!line) {
		if (msg[0])
			fail(p, p->lineno, "syntax", "%s", msg);
		return NULL;
	}
	if (section) {
		on_section(p, line, strlen(line) - 1);
		if (p->failed)
			return NULL;
	}
	return line;
}

static void finish_bounds(struct fparse *p, int i, hl_form_field *fd)
{
	static const char *const which[2] = { "Min", "Max" };
	const char *raw[2] = { p->raw_min[i], p->raw_max[i] };
	int64_t v[2] = { -HL_FORM_NUM_LIMIT, HL_FORM_NUM_LIMIT };

	for (int j = 0; j < 2; j++) {
		int line = p->field_key_line[i][j ? FK_MAX : FK_MIN];
		if (!raw[j][0])
			continue;
		if (fd->type != HL_FT_INT && fd->type != HL_FT_DECIMAL) {
			fail(p, line, which[j], "only for int and decimal fields");
			return;
		}
		if (hl_form_parse_number(fd->type, raw[j], strlen(raw[j]), &v[j]) < 0) {
			fail(p, line, which[j], "'%s' is not %s", raw[j],
			     fd->type == HL_FT_INT ? "a whole number" :
			     "a decimal number (at most 6 digits after the point)");
			return;
		}
	}
	if (v[0] > v[1]) {
		fail(p, p->field_key_line[i][FK_MAX], "Max", "less than Min (%s > %s)",
		     raw[0], raw[1]);
		return;
	}
	fd->min = v[0];
	fd->max = v[1];
}

#define LANG_SEP " / "

/* Parts of a Title or Label, one per language of Languages. */
static int count_parts(const char *s)
{
	int n = 1;

	for (const char *q = strstr(s, LANG_SEP); q; q = strstr(q + 3, LANG_SEP))
		n++;
	return n;
}

void hl_form_text_in(const hl_form *f, const char *text, const char *lang, char *out,
		     size_t outlen)
{
	int want = -1;
	size_t n = lang ? strcspn(lang, "-") : 0;

	if (!out || !outlen)
		return;
	snprintf(out, outlen, "%s", text ? text : "");
	if (!f || !text || f->n_langs < 2 || count_parts(text) != f->n_langs)
		return;
	for (int i = 0; i < f->n_langs && want < 0; i++)
		if (lang && strlen(f->langs[i]) == n && strncasecmp(f->langs[i], lang, n) == 0)
			want = i;
	for (int i = 0; i < f->n_langs && want < 0; i++)
		if (strcmp(f->langs[i], "en") == 0)
			want = i;
	if (want < 0)
		return;
	const char *p = text;
	for (int i = 0; i < want; i++)
		p = strstr(p, LANG_SEP) + 3;
	const char *end = strstr(p, LANG_SEP);
	size_t len = end ? (size_t)(end - p) : strlen(p);
	snprintf(out, outlen, "%.*s", (int)len, p);
}

/* What depends on Type, required keys, and the size bound of the encoding. */
static void finish(struct fparse *p)
{
	static const enum fkey form_req[] = { FK_NAME, FK_VERSION, FK_TITLE };
	hl_form *f = p->form;
	size_t worst = sizeof "form=\nversion=65535\n" + HL_FORM_MAX_NAME;

	if (!p->form_line) {
		fail(p, p->lineno ? p->lineno : 1, "[Form]", "section missing");
		return;
	}
	for (size_t i = 0; i < sizeof form_req / sizeof form_req[0]; i++) {
		if (!(p->form_seen & (1u << form_req[i]))) {
			fail(p, p->form_line, keydefs[form_req[i]].name, "missing (required in [Form])");
			return;
		}
	}
	if (f->n_fields == 0) {
		fail(p, p->form_line, "[Form]", "no [Field NAME] sections");
		return;
	}
	/* With Languages, the title and every label give each language's text
	 * (a renderer picks the entry's; a missing one would show the wrong one). */
	if (f->n_langs >= 2 && count_parts(f->title) != f->n_langs) {
		fail(p, p->form_key_line[FK_TITLE], "Title", "want %d parts separated by '" LANG_SEP
		     "' (one per language of Languages)", f->n_langs);
		return;
	}
	for (int i = 0; i < f->n_fields && f->n_langs >= 2; i++) {
		if (count_parts(f->fields[i].label) != f->n_langs) {
			fail(p, p->field_key_line[i][FK_LABEL], "Label", "want %d parts separated by '"
			     LANG_SEP "' (one per language of Languages)", f->n_langs);
			return;
		}
	}
	for (int i = 0; i < f->n_fields && !p->failed; i++) {
		hl_form_field *fd = &f->fields[i];
		unsigned seen = p->field_seen[i];
		int *kl = p->field_key_line[i];
		char sec[HL_FORM_MAX_NAME + 16];

		snprintf(sec, sizeof sec, "[Field %s]", fd->name);
		if (!(seen & (1u << FK_TYPE))) {
			fail(p, p->field_line[i], "Type", "missing (required in %s)", sec);
			return;
		}
		if (!(seen & (1u << FK_LABEL))) {
			fail(p, p->field_line[i], "Label", "missing (required in %s)", sec);
			return;
		}
		if (fd->type != HL_FT_TEXT && (seen & (1u << FK_MAXLENGTH)))
			fail(p, kl[FK_MAXLENGTH], "MaxLength", "only for text fields");
		if (fd->type != HL_FT_TEXT && (seen & (1u << FK_MULTILINE)))
			fail(p, kl[FK_MULTILINE], "Multiline", "only for text fields");
		if (fd->type != HL_FT_ENUM && (seen & (1u << FK_VALUES)))
			fail(p, kl[FK_VALUES], "Values", "only for enum fields");
		if (fd->type == HL_FT_ENUM && fd->n_values < 1)
			fail(p, p->field_line[i], "Values", "missing (required for an enum in %s)", sec);
		finish_bounds(p, i, fd);
		if (fd->type == HL_FT_TEXT && !fd->max_length)
			fd->max_length = HL_FORM_DEFAULT_TEXT;
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
			if (types[t].type != fd->type)
				continue;
			worst += strlen(fd->name) + 2 +
				 types[t].worst * (fd->type == HL_FT_TEXT ? fd->max_length : 1);
		}
		if (worst > HL_MAX_BODY && !p->failed)
			fail(p, p->field_line[i], sec,
			     "the form's longest encoding would pass the body limit of %u bytes "
			     "(lower MaxLength)", HL_MAX_BODY);
	}
}

int hl_form_parse(const char *name, const uint8_t *text, size_t len, hl_form **out,
		  char *err, size_t errlen)
{
	struct fparse *p = NULL;
	hl_form *f = NULL;
	int rc = HL_ERR_NOMEM, ir;

	if (out)
		*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!out || !name || (!text && len))
		return HL_ERR_INVAL;
	if (len > HL_FORM_MAX_FILE) {
		snprintf(err, errlen, "%s: file too large (max %u bytes)", name, HL_FORM_MAX_FILE);
		return HL_ERR_CONFIG;
	}
	p = calloc(1, sizeof *p);
	f = calloc(1, sizeof *f);
	if (!p || !f)
		goto out;
	p->form = f;
	p->path = name;
	p->err = err;
	p->errlen = errlen;
	hl_rd_init(&p->lines.rd, text, len);
	p->lines.utf8 = 1;
	ir = ini_parse_stream(next_line, p, on_value, p);
	if (!p->failed && ir == -2)
		goto out;
	if (!p->failed && ir != 0)
		fail(p, ir > 0 ? ir : p->lineno, "syntax", "cannot parse line");
	if (!p->failed)
		finish(p);
	rc = p->failed ? HL_ERR_CONFIG : 0;
out:
	if (rc == 0) {
		*out = f;
		f = NULL;
	} else if (errlen && !err[0]) {
		snprintf(err, errlen, "%s: %s", name, hl_strerror(rc));
	}
	free(f);
	free(p);
	return rc;
}
