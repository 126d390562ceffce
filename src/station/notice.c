/* notice.c — notices: the station's forms (FormsDir), a notice request made
 * into a NOTICE entry's canonical body (and the entry it answers), and the
 * list of forms for operators. docs/FORMS.md. */
#include "station.h"
#include "notes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "record/entryref.h"
#include "util/err.h"
#include "config/form.h"
#include "util/log.h"
#include "util/text.h"

int hl_notice_load_forms(hl_core *d, char *err, size_t errlen)
{
	const hl_config *cfg = d->cfg;
	struct stat st;
	char msg[600];

	if (!cfg->forms_dir_set && stat(cfg->forms_dir, &st) != 0 && errno == ENOENT) {
		hl_log(HL_LOG_WARN, "FormsDir %s does not exist: no notice forms (notices are "
		       "refused, received ones shown as text)", cfg->forms_dir);
		return 0;
	}
	int rc = hl_form_load_dir(cfg->forms_dir, &d->forms, msg, sizeof msg);
	if (rc < 0) {
		snprintf(err, errlen, "FormsDir: %s", msg);
		return rc;
	}
	hl_log(HL_LOG_INFO, "%d notice form(s) from %s", d->forms.n, cfg->forms_dir);
	return 0;
}

void hl_notice_draft_free(hl_notice_draft *nd)
{
	if (nd)
		hl_buf_free(&nd->body);
}

/* 1 if form f names `name` among its replies. */
static int answers(const hl_form *f, const char *name)
{
	for (int i = 0; f && i < f->n_replies; i++)
		if (strcmp(f->replies[i], name) == 0)
			return 1;
	return 0;
}

/* 1 if some form of the set is answered by form `name`. */
static int is_reply_form(const hl_form_set *set, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (answers(set->forms[i], name))
			return 1;
	return 0;
}

static void form_names(const hl_form_set *set, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < set->n && o < outlen; i++) {
		if (i > 0 && strcmp(set->forms[i - 1]->name, set->forms[i]->name) == 0)
			continue;
		int n = snprintf(out + o, outlen - o, "%s%s", o ? ", " : "", set->forms[i]->name);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

/* The referenced entry must be on this line; a reply must answer the
 * peer's notice of a form that expects it. */
static int check_reply_to(hl_core *d, hl_line *l, const hl_form *f, const hl_entry_loc *loc,
			  const char *ref, char *err, size_t errlen)
{
	int reply = is_reply_form(&d->forms, f->name);
	hl_buf enc;
	hl_entry e;
	hl_form_values v;
	char msg[300];
	int rc;

	if (loc->line != l) {
		snprintf(err, errlen, "notice: reply_to: %s is on the line with %s, not %s", ref,
			 loc->line->peer->name, l->peer->name);
		return HL_ERR_INVAL;
	}
	if (!reply)
		return 0;
	if (loc->own) {
		snprintf(err, errlen, "notice: reply_to: a %s answers the other station's notice; %s "
			 "is this station's own", f->name, ref);
		return HL_ERR_INVAL;
	}
	hl_buf_init(&enc, HL_MAX_ENTRY);
	rc = hl_store_get_entry(d->store, l->line_id, l->peer->key.ed, loc->seq, &enc);
	if (rc == 0)
		rc = hl_entry_decode(enc.p, enc.len, &e);
	if (rc < 0) {
		snprintf(err, errlen, "notice: reply_to: cannot read %s: %s", ref, hl_strerror(rc));
		hl_buf_free(&enc);
		return rc;
	}
	rc = e.kind == HL_KIND_NOTICE ? hl_form_decode(e.body, e.body_len, &d->forms, &v, msg, sizeof msg)
				      : HL_ERR_INVAL;
	if (rc == 0 && !answers(v.form, f->name)) {
		snprintf(err, errlen, "notice: reply_to: %s is a %s, which a %s does not answer", ref,
			 v.form->name, f->name);
		rc = HL_ERR_INVAL;
	} else if (rc < 0) {
		snprintf(err, errlen, "notice: reply_to: %s is not a notice that a %s answers", ref,
			 f->name);
		rc = HL_ERR_INVAL;
	}
	if (e.kind == HL_KIND_NOTICE)
		hl_form_values_free(&v);
	hl_buf_free(&enc);
	return rc;
}

int hl_notice_prepare(hl_core *d, hl_line *l, const hl_notice_input *r, hl_notice_draft *out,
		      char *err, size_t errlen)
{
	hl_form_values v;
	char msg[400], names[300];
	int rc;

	memset(out, 0, sizeof *out);
	if (errlen)
		err[0] = '\0';
	hl_buf_init(&out->body, HL_MAX_BODY);
	const hl_form *f = hl_form_find(&d->forms, r->form, r->form_version);
	if (!f) {
		form_names(&d->forms, names, sizeof names);
		if (r->form_version && hl_form_find(&d->forms, r->form, 0))
			snprintf(err, errlen, "notice: form %s has no version %u", r->form,
				 (unsigned)r->form_version);
		else
			snprintf(err, errlen, "notice: no form '%.40s' (forms: %s)",
				 strlen(r->form) <= 40 && hl_label_valid(r->form, strlen(r->form)) ? r->form : "?",
				 d->forms.n ? names : "none: FormsDir has none");
		hl_text_trim_cut(err);
		return HL_ERR_NOTFOUND;
	}
	rc = hl_form_fill(f, r->kv, r->n_kv, &v, msg, sizeof msg);
	if (rc < 0) {
		snprintf(err, errlen, "notice: %s", msg);
		hl_text_trim_cut(err);
		return rc;
	}
	if (r->reply_to) {
		hl_entry_loc loc;
		rc = hl_station_find_entry(d, r->reply_to, &loc, msg, sizeof msg);
		if (rc < 0)
			snprintf(err, errlen, "notice: reply_to: %s", msg);
		else
			rc = check_reply_to(d, l, f, &loc, r->reply_to, err, errlen);
		if (rc == 0) {
			memcpy(out->ref, loc.hash, 32);
			out->nrefs = 1;
		}
	} else if (is_reply_form(&d->forms, f->name)) {
		snprintf(err, errlen, "notice: a %s answers a notice: give reply_to (the entry it "
			 "answers, e.g. %s#3)", f->name, l->peer->name);
		rc = HL_ERR_INVAL;
	}
	if (rc == 0)
		rc = hl_form_encode(&v, &out->body);
	hl_form_values_free(&v);
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "notice: %s", hl_strerror(rc));
	hl_text_trim_cut(err);
	return rc;
}

static const char *type_name(hl_form_type t)
{
	switch (t) {
	case HL_FT_TEXT: return "text";
	case HL_FT_INT: return "int";
	case HL_FT_DECIMAL: return "decimal";
	case HL_FT_UTC: return "utc";
	case HL_FT_DATE: return "date";
	case HL_FT_ENUM: return "enum";
	case HL_FT_LATLON: return "latlon";
	case HL_FT_AREA: return "area";
	}
	return "?";
}

static json_t *names_json(char (*names)[HL_FORM_MAX_NAME + 1], int n)
{
	json_t *a = json_array();
	for (int i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *field_json(const hl_form_field *fd)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:s, s:s}", "name", fd->name, "type", type_name(fd->type),
			      "required", fd->required, "label", fd->label, "help", fd->help);
	char num[48];

	if (!o)
		return NULL;
	if (fd->type == HL_FT_INT || fd->type == HL_FT_DECIMAL) {
		/* Bounds in the field's own syntax; the defaults are no bound at all. */
		if (fd->min != -HL_FORM_NUM_LIMIT) {
			hl_form_format_number(fd->type, fd->min, num, sizeof num);
			json_object_set_new(o, "min", json_string(num));
		}
		if (fd->max != HL_FORM_NUM_LIMIT) {
			hl_form_format_number(fd->type, fd->max, num, sizeof num);
			json_object_set_new(o, "max", json_string(num));
		}
	}
	if (fd->type == HL_FT_TEXT) {
		json_object_set_new(o, "max_length", json_integer(fd->max_length));
		json_object_set_new(o, "multiline", json_boolean(fd->multiline));
	}
	if (fd->type == HL_FT_ENUM) {
		json_t *vals = json_array();
		for (int i = 0; vals && i < fd->n_values; i++)
			json_array_append_new(vals, json_string(fd->values[i]));
		json_object_set_new(o, "values", vals);
	}
	return o;
}

json_t *hl_notice_forms_json(hl_core *d)
{
	json_t *forms = json_array();

	for (int i = 0; forms && i < d->forms.n; i++) {
		const hl_form *f = d->forms.forms[i];
		json_t *fields = json_array(), *answered = json_array();
		for (int j = 0; fields && j < f->n_fields; j++)
			json_array_append_new(fields, field_json(&f->fields[j]));
		/* The forms this one answers (so a reply needs reply_to). */
		for (int j = 0; answered && j < d->forms.n; j++) {
			const hl_form *o = d->forms.forms[j];
			if (answers(o, f->name) && (j == 0 || strcmp(d->forms.forms[j - 1]->name, o->name)))
				json_array_append_new(answered, json_string(o->name));
		}
		json_t *o = json_pack("{s:s, s:i, s:s, s:b, s:o, s:o, s:o, s:o}", "name", f->name,
				      "version", (int)f->version, "title", f->title, "newest",
				      hl_form_find(&d->forms, f->name, 0) == f,
				      "replies", names_json((char (*)[HL_FORM_MAX_NAME + 1])f->replies, f->n_replies),
				      "answers", answered,
				      "languages", names_json((char (*)[HL_FORM_MAX_NAME + 1])f->langs, f->n_langs),
				      "fields", fields);
		if (o)
			json_array_append_new(forms, o);
	}
	return json_pack("{s:b, s:s, s:o}", "ok", 1, "forms_dir", d->cfg->forms_dir, "forms",
			 forms ? forms : json_array());
}
