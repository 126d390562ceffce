/* form_dir.c — reads form schema files and the forms of a directory (one file per
 * form and version), and finds a form or field by name. */
#include "form.h"
#include "util/err.h"
#include "util/ini_lines.h"
#include "util/limits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hl_form_load(const char *path, hl_form **out, char *err, size_t errlen)
{
	hl_buf b;
	int rc;

	if (out)
		*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!path || !out)
		return HL_ERR_INVAL;
	hl_buf_init(&b, HL_FORM_MAX_FILE + HL_INI_READ_CHUNK);
	rc = hl_ini_read_file(path, HL_FORM_MAX_FILE, &b, err, errlen);
	if (rc == 0 && b.len > HL_FORM_MAX_FILE) {
		snprintf(err, errlen, "%s: file too large (max %u bytes)", path, HL_FORM_MAX_FILE);
		rc = HL_ERR_CONFIG;
	}
	if (rc == 0)
		rc = hl_form_parse(path, b.p, b.len, out, err, errlen);
	hl_buf_free(&b);
	return rc;
}

void hl_form_free(hl_form *f)
{
	free(f);
}

const hl_form_field *hl_form_field_find(const hl_form *f, const char *name, size_t len)
{
	if (!f || !name)
		return NULL;
	for (int i = 0; i < f->n_fields; i++)
		if (strlen(f->fields[i].name) == len && memcmp(f->fields[i].name, name, len) == 0)
			return &f->fields[i];
	return NULL;
}

const hl_form *hl_form_find(const hl_form_set *set, const char *name, uint32_t version)
{
	const hl_form *best = NULL;

	if (!set || !name)
		return NULL;
	for (int i = 0; i < set->n; i++) {
		const hl_form *f = set->forms[i];
		if (strcmp(f->name, name) != 0)
			continue;
		if (version ? f->version == version : (!best || f->version > best->version))
			best = f;
	}
	return version && best && best->version != version ? NULL : best;
}

void hl_form_set_free(hl_form_set *set)
{
	if (!set)
		return;
	for (int i = 0; i < set->n; i++)
		hl_form_free(set->forms[i]);
	memset(set, 0, sizeof *set);
}

static int by_name_version(const void *a, const void *b)
{
	const hl_form *x = *(hl_form *const *)a, *y = *(hl_form *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->version < y->version ? -1 : x->version > y->version;
}

/* NAME.form or NAME.vVERSION.form: a reader of the directory knows which file
 * holds which form without opening them all. */
static int file_matches(const char *base, const hl_form *f)
{
	char want[HL_FORM_MAX_NAME + 32];

	snprintf(want, sizeof want, "%s.form", f->name);
	if (strcmp(base, want) == 0)
		return 1;
	snprintf(want, sizeof want, "%s.v%u.form", f->name, f->version);
	return strcmp(base, want) == 0;
}

static int is_form_file(const char *s)
{
	size_t n = strlen(s);

	return s[0] != '.' && n > 5 && strcmp(s + n - 5, ".form") == 0;
}

static int check_set(const hl_form_set *set, const char *dir, char *err, size_t errlen)
{
	for (int i = 0; i < set->n; i++) {
		const hl_form *f = set->forms[i];
		if (i > 0 && by_name_version(&set->forms[i - 1], &set->forms[i]) == 0) {
			snprintf(err, errlen, "%s: form %s version %u is given by two files", dir,
				 f->name, f->version);
			return HL_ERR_CONFIG;
		}
		for (int r = 0; r < f->n_replies; r++) {
			if (!hl_form_find(set, f->replies[r], 0)) {
				snprintf(err, errlen, "%s: form %s v%u: Reply: no form '%s' in the directory",
					 dir, f->name, f->version, f->replies[r]);
				return HL_ERR_CONFIG;
			}
		}
	}
	return 0;
}

int hl_form_load_dir(const char *dir, hl_form_set *set, char *err, size_t errlen)
{
	char path[HL_MAX_PATH + 1];
	struct dirent *de;
	DIR *d = NULL;
	int rc = 0;

	if (set)
		memset(set, 0, sizeof *set);
	if (errlen)
		err[0] = '\0';
	if (!dir || !set)
		return HL_ERR_INVAL;
	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return HL_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		hl_form *f = NULL;
		int n;

		if (!is_form_file(de->d_name))
			continue;
		n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof path) {
			snprintf(err, errlen, "%s: path too long", dir);
			rc = HL_ERR_CONFIG;
			goto out;
		}
		if (set->n >= (int)HL_FORM_MAX_FORMS) {
			snprintf(err, errlen, "%s: too many forms (max %u)", dir, HL_FORM_MAX_FORMS);
			rc = HL_ERR_CONFIG;
			goto out;
		}
		rc = hl_form_load(path, &f, err, errlen);
		if (rc < 0)
			goto out;
		if (!file_matches(de->d_name, f)) {
			snprintf(err, errlen, "%s: Name: file name should be %s.form or %s.v%u.form",
				 path, f->name, f->name, f->version);
			hl_form_free(f);
			rc = HL_ERR_CONFIG;
			goto out;
		}
		set->forms[set->n++] = f;
	}
	if (set->n > 1)
		qsort(set->forms, (size_t)set->n, sizeof set->forms[0], by_name_version);
	rc = check_set(set, dir, err, errlen);
out:
	closedir(d);
	if (rc < 0)
		hl_form_set_free(set);
	return rc;
}
