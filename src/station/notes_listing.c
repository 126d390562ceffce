/* notes_listing.c — what an inbox or log listing shows of notices and
 * translations beside each entry: the decoded form, the entry it answers,
 * whether a notice still awaits its reply, and the station's translations.
 * The answers are gathered while the listing walks its lines (a compact
 * sorted array), so a notice's awaiting_reply is known when the notice is
 * produced; translations are read per entry through their index. */
#include "notes.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "config/form.h"
#include "util/stepsort.h"
#include "store/store_notes.h"
#include "util/text.h"

/* An entry of the listing's lines that answers another: a notice of form
 * `form` whose first reference is `ref`. */
typedef struct {
	uint8_t ref[32];
	uint16_t line;
	uint8_t own;
	char form[HL_FORM_MAX_NAME + 1];
} answer;

struct hl_notes_listing {
	hl_core *d;
	hl_vec ans;
	hl_stepsort sort;
	int sorted;
};

hl_notes_listing *hl_notes_listing_new(hl_core *d)
{
	hl_notes_listing *nl = calloc(1, sizeof *nl);
	if (!nl)
		return NULL;
	nl->d = d;
	hl_vec_init(&nl->ans, sizeof(answer));
	return nl;
}

void hl_notes_listing_free(hl_notes_listing *nl)
{
	if (!nl)
		return;
	hl_vec_free(&nl->ans);
	hl_stepsort_free(&nl->sort);
	free(nl);
}

static int translation_row(void *ctx, const hl_store_translation *t)
{
	json_t *rows = ctx;
	json_t *o = json_pack("{s:I, s:s, s:s%, s:s, s:I}", "id", (json_int_t)t->id, "lang", t->lang,
			      "text", t->text, t->text_len, "translator", t->translator,
			      "created_ms", (json_int_t)t->created_ms);
	if (!o)
		return 0; /* not valid text: checked on the way in; skip rather than fail */
	json_object_set_new(o, "certified_by", t->certifier ? json_string(t->certifier) : json_null());
	json_object_set_new(o, "certified_ms",
			    t->certifier ? json_integer((json_int_t)t->certified_ms) : json_null());
	json_array_append_new(rows, o);
	return 0;
}

int hl_notes_listing_add(hl_notes_listing *nl, unsigned line, int own, const hl_entry *e)
{
	/* "form=NAME\n" opens every notice body: enough to know what answers what,
	 * even for a version this station cannot decode. */
	const char *b = (const char *)e->body;
	size_t n = e->body_len;
	if (e->kind != HL_KIND_NOTICE || e->nrefs == 0 || n < 6 || memcmp(b, "form=", 5) != 0)
		return 0;
	const char *nlc = memchr(b + 5, '\n', n - 5);
	size_t fl = nlc ? (size_t)(nlc - b - 5) : 0;
	if (fl == 0 || fl > HL_FORM_MAX_NAME)
		return 0;
	answer *a = hl_vec_push(&nl->ans);
	if (!a)
		return HL_ERR_NOMEM;
	memcpy(a->ref, e->refs[0], 32);
	a->line = (uint16_t)line;
	a->own = (uint8_t)own;
	memcpy(a->form, b + 5, fl);
	a->form[fl] = '\0';
	return 0;
}

static int by_ref(const void *a, const void *b, void *ctx)
{
	const answer *x = a, *y = b;
	int c = memcmp(x->ref, y->ref, 32);
	(void)ctx;
	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

int hl_notes_listing_sort(hl_notes_listing *nl, const hl_budget *b)
{
	if (nl->sorted)
		return 1;
	int rc = hl_stepsort_vec(&nl->sort, &nl->ans, by_ref, NULL, b);
	nl->sorted = rc == 1;
	return rc;
}

/* A notice of form f by `own`'s author is answered once the other station
 * has a notice of one of f's reply forms that refers to it. */
static int answered(const hl_notes_listing *nl, unsigned line, int own, const uint8_t hash[32],
		    const hl_form *f)
{
	answer key;
	memset(&key, 0, sizeof key);
	memcpy(key.ref, hash, 32);
	key.line = (uint16_t)line;
	size_t i = hl_sorted_lower(nl->ans.p, nl->ans.n, nl->ans.size, &key, by_ref, NULL);
	for (; i < nl->ans.n; i++) {
		const answer *a = hl_vec_at(&nl->ans, i);
		if (by_ref(a, &key, NULL) != 0)
			break;
		if (a->own == own)
			continue;
		for (int r = 0; r < f->n_replies; r++)
			if (strcmp(f->replies[r], a->form) == 0)
				return 1;
	}
	return 0;
}

/* Adds "form" (or "form_error") to o; the form when it expects a reply. */
static const hl_form *form_json(hl_notes_listing *nl, const hl_entry *e, json_t *o)
{
	hl_form_values v;
	char msg[300], text[HL_FORM_MAX_LABEL + 1];

	if (hl_form_decode(e->body, e->body_len, &nl->d->forms, &v, msg, sizeof msg) < 0) {
		hl_text_trim_cut(msg);
		json_object_set_new(o, "form_error", json_string(msg));
		hl_form_values_free(&v);
		return NULL;
	}
	const hl_form *f = v.form;
	json_t *fields = json_array();
	for (int i = 0; fields && i < f->n_fields; i++) {
		const char *val = hl_form_value(&v, f->fields[i].name);
		hl_form_text_in(f, f->fields[i].label, e->lang, text, sizeof text);
		json_t *fo = json_pack("{s:s, s:s}", "name", f->fields[i].name, "label", text);
		if (!fo)
			continue;
		json_object_set_new(fo, "value", val ? json_string(val) : json_null());
		json_array_append_new(fields, fo);
	}
	hl_form_text_in(f, f->title, e->lang, text, sizeof text);
	json_object_set_new(o, "form", json_pack("{s:s, s:i, s:s, s:o}", "name", f->name, "version",
						 (int)f->version, "title", text, "fields",
						 fields ? fields : json_array()));
	hl_form_values_free(&v);
	return f->n_replies > 0 ? f : NULL;
}

void hl_notes_entry(hl_notes_listing *nl, hl_line *l, unsigned line, int own, const hl_entry *e,
		    const uint8_t hash[32], json_t *o)
{
	const hl_form *waits = NULL;
	if (!nl || !o)
		return;
	if (e->nrefs > 0) {
		char h[65];
		hl_hex(e->refs[0], 32, h);
		json_object_set_new(o, "reply_to", json_string(h));
	}
	if (e->kind == HL_KIND_NOTICE)
		waits = form_json(nl, e, o);
	json_t *tr = json_array();
	if (tr)
		hl_store_translation_walk_entry(nl->d->store, l->line_id, e->author, e->seq,
						translation_row, tr);
	json_object_set_new(o, "translations", tr ? tr : json_array());
	if (waits)
		json_object_set_new(o, "awaiting_reply",
				    json_boolean(!answered(nl, line, own, hash, waits)));
}
