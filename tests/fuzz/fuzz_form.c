/* fuzz_form.c — libFuzzer target: the input is decoded as a NOTICE body against the
 * shipped forms (forms/, or $HL_FORMS_DIR) and parsed as a form schema. A decoded
 * body must encode back to exactly the input and render as valid text; a parsed
 * schema must respect every limit; errors are one printable line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "config/form.h"
#include "util/limits.h"
#include "util/text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_form: %s failed (line %d)\n", #c, __LINE__); abort(); } } while (0)

static hl_form_set set;

static void cleanup(void)
{
	hl_form_set_free(&set);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("HL_FORMS_DIR");
	char err[512];

	(void)argc;
	(void)argv;
	if (!dir || !*dir)
		dir = "forms";
	if (hl_form_load_dir(dir, &set, err, sizeof err) < 0 || set.n == 0) {
		fprintf(stderr, "fuzz_form: cannot load the forms (run from the source tree or set "
			"HL_FORMS_DIR): %s\n", err);
		abort();
	}
	atexit(cleanup);
	return 0;
}

static void check_line(const char *err)
{
	CHECK(err[0] != '\0');
	CHECK(!strchr(err, '\n') && !strchr(err, '\r'));
	CHECK(hl_text_valid((const uint8_t *)err, strlen(err)));
}

static void decode(const uint8_t *data, size_t size)
{
	hl_form_values v;
	hl_buf enc, txt;
	char err[512];
	int rc;

	memset(err, 'x', sizeof err);
	rc = hl_form_decode(data, size, &set, &v, err, sizeof err);
	CHECK(strnlen(err, sizeof err) < sizeof err);
	if (rc < 0) {
		CHECK(rc == HL_ERR_INVAL || rc == HL_ERR_NONCANON || rc == HL_ERR_NOTFOUND ||
		      rc == HL_ERR_UTF8 || rc == HL_ERR_TOOBIG);
		CHECK(v.form == NULL && v.buf.p == NULL);
		check_line(err);
		return;
	}
	CHECK(rc == 0);
	hl_buf_init(&enc, HL_MAX_BODY);
	hl_buf_init(&txt, 4u * HL_MAX_BODY);
	CHECK(hl_form_encode(&v, &enc) == 0);
	CHECK(enc.len == size && memcmp(enc.p, data, size) == 0);
	CHECK(hl_form_render(&v, &txt) == 0);
	CHECK(hl_text_valid(txt.p, txt.len));
	for (int i = 0; i < v.form->n_fields; i++) {
		const char *s = hl_form_value(&v, v.form->fields[i].name);
		CHECK(!v.form->fields[i].required || s);
	}
	hl_buf_free(&enc);
	hl_buf_free(&txt);
	hl_form_values_free(&v);
}

static void schema(const uint8_t *data, size_t size)
{
	hl_form *f = NULL;
	char err[512];
	int rc;

	rc = hl_form_parse("fuzz.form", data, size, &f, err, sizeof err);
	if (rc < 0) {
		CHECK(rc == HL_ERR_CONFIG || rc == HL_ERR_NOMEM);
		CHECK(f == NULL);
		check_line(err);
		CHECK(strncmp(err, "fuzz.form", 9) == 0);
		return;
	}
	CHECK(f && err[0] == '\0');
	CHECK(f->version >= 1 && f->version <= HL_FORM_MAX_VERSION);
	CHECK(f->n_fields >= 1 && f->n_fields <= (int)HL_FORM_MAX_FIELDS);
	CHECK(f->n_replies >= 0 && f->n_replies <= (int)HL_FORM_MAX_REPLIES);
	for (int i = 0; i < f->n_fields; i++) {
		const hl_form_field *fd = &f->fields[i];
		CHECK(fd->name[0] && strlen(fd->name) <= HL_FORM_MAX_NAME);
		CHECK(hl_form_field_find(f, fd->name, strlen(fd->name)) == fd);
		CHECK(hl_label_valid(fd->label, strlen(fd->label)) && fd->label[0]);
		CHECK(fd->min <= fd->max);
		CHECK(fd->type != HL_FT_TEXT || (fd->max_length >= 1 && fd->max_length <= HL_FORM_MAX_TEXT));
		CHECK(fd->type != HL_FT_ENUM || fd->n_values >= 1);
	}
	hl_form_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode(data, size);
	schema(data, size);
	return 0;
}
